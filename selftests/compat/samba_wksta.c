// SPDX-License-Identifier: GPL-2.0
/*
 * Samba style, written from Samba's netapi.h and its libnetapi tests
 * (source3/lib/netapi/tests): a context with credentials, debug level and
 * Kerberos set as the test helpers set them, NetWkstaGetInfo levels 100,
 * 101 and 102, libnetapi_get_error_string for failures, libnetapi_free.
 *
 * Usage: samba_wksta [HOSTNAME]; prints one "key=value" line per field.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netapi.h>

int main(int argc, const char **argv)
{
	struct libnetapi_ctx *ctx = NULL;
	const char *hostname = argc > 1 ? argv[1] : NULL;
	uint32_t levels[] = { 100, 101, 102 };
	const char *username = NULL;
	NET_API_STATUS status;
	uint8_t *buffer = NULL;
	int i, failed = 0;

	status = libnetapi_init(&ctx);
	if (status != 0)
		return status;
	libnetapi_set_username(ctx, "Administrator");
	libnetapi_set_password(ctx, "secret");
	libnetapi_set_workgroup(ctx, "WORKGROUP");
	libnetapi_set_debuglevel(ctx, "0");
	libnetapi_set_use_kerberos(ctx);
	libnetapi_get_username(ctx, &username);
	printf("ctx.username=%s\n", username ? username : "(null)");

	for (i = 0; i < 3; i++) {
		status = NetWkstaGetInfo(hostname, levels[i], &buffer);
		if (status != 0) {
			printf("level%" PRIu32 ".status=%u %s\n", levels[i],
			       (unsigned int)status,
			       libnetapi_get_error_string(ctx, status));
			failed = 1;
			continue;
		}
		switch (levels[i]) {
		case 100: {
			struct WKSTA_INFO_100 *i100 = (struct WKSTA_INFO_100 *)buffer;

			printf("level100.platform=%" PRIu32 "\n", i100->wki100_platform_id);
			printf("level100.name=%s\n", i100->wki100_computername);
			printf("level100.domain=%s\n", i100->wki100_langroup);
			printf("level100.version=%" PRIu32 ".%" PRIu32 "\n",
			       i100->wki100_ver_major, i100->wki100_ver_minor);
			break;
		}
		case 101: {
			struct WKSTA_INFO_101 *i101 = (struct WKSTA_INFO_101 *)buffer;

			printf("level101.name=%s\n", i101->wki101_computername);
			printf("level101.domain=%s\n", i101->wki101_langroup);
			printf("level101.lanroot=[%s]\n", i101->wki101_lanroot);
			break;
		}
		case 102: {
			struct WKSTA_INFO_102 *i102 = (struct WKSTA_INFO_102 *)buffer;

			printf("level102.name=%s\n", i102->wki102_computername);
			printf("level102.domain=%s\n", i102->wki102_langroup);
			printf("level102.lanroot=[%s]\n", i102->wki102_lanroot);
			printf("level102.users=%" PRIu32 "\n",
			       i102->wki102_logged_on_users);
			break;
		}
		}
		NetApiBufferFree(buffer);
		buffer = NULL;
	}

	status = NetWkstaGetInfo(hostname, 7, &buffer);
	printf("level7.status=%u %s\n", (unsigned int)status,
	       libnetapi_get_error_string(ctx, status));
	if (status != ERROR_INVALID_LEVEL)
		failed = 1;
	status = NetWkstaGetInfo("far.away.example", 100, &buffer);
	printf("faraway.status=%u %s\n", (unsigned int)status,
	       libnetapi_errstr(status));

	libnetapi_free(ctx);
	return failed;
}
