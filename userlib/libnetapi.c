// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libnetapibuf: Samba's libnetapi context and error strings (<netapi.h>).
 *
 * Copyright (C) 2026 The netapibuf authors
 *
 * Samba's libnetapi keeps one context per process, made by
 * libnetapi_init() or libnetapi_getctx() and torn down by
 * libnetapi_free(); its credentials and options steer the RPC
 * connections it makes.  netapibuf makes none: every call answers for
 * this machine, as the calling process, so the context only holds what a
 * program sets and gives it back (libnetapi_init(3)).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netapi.h>

#include "netapibuf-private.h"

struct libnetapi_ctx {
	char *debuglevel;
	char *logfile;
	char *username;
	char *password;
	char *workgroup;
	int use_kerberos;
	int use_ccache;
};

static pthread_mutex_t netapi_ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct libnetapi_ctx *netapi_ctx;	/* under netapi_ctx_lock */

/* Samba's default debug level. */
#define NETAPI_DEBUGLEVEL_DEFAULT	"0"

static void netapi_ctx_destroy(struct libnetapi_ctx *ctx)
{
	free(ctx->debuglevel);
	free(ctx->logfile);
	free(ctx->username);
	if (ctx->password)
		memset(ctx->password, 0, strlen(ctx->password));
	free(ctx->password);
	free(ctx->workgroup);
	free(ctx);
}

NETAPIBUF_EXPORT NET_API_STATUS libnetapi_init(struct libnetapi_ctx **ctx)
{
	int saved_errno = errno;
	NET_API_STATUS status = NERR_Success;

	if (!ctx)
		return ERROR_INVALID_PARAMETER;
	pthread_mutex_lock(&netapi_ctx_lock);
	if (!netapi_ctx) {
		netapi_ctx = calloc(1, sizeof(*netapi_ctx));
		if (netapi_ctx)
			netapi_ctx->debuglevel = strdup(NETAPI_DEBUGLEVEL_DEFAULT);
		if (netapi_ctx && !netapi_ctx->debuglevel) {
			free(netapi_ctx);
			netapi_ctx = NULL;
		}
		if (!netapi_ctx)
			status = ERROR_NOT_ENOUGH_MEMORY;
	}
	*ctx = netapi_ctx;
	pthread_mutex_unlock(&netapi_ctx_lock);
	errno = saved_errno;
	return status;
}

NETAPIBUF_EXPORT NET_API_STATUS libnetapi_getctx(struct libnetapi_ctx **ctx)
{
	return libnetapi_init(ctx);
}

NETAPIBUF_EXPORT NET_API_STATUS libnetapi_free(struct libnetapi_ctx *ctx)
{
	if (!ctx)
		return NERR_Success;
	pthread_mutex_lock(&netapi_ctx_lock);
	if (ctx != netapi_ctx) {
		pthread_mutex_unlock(&netapi_ctx_lock);
		return ERROR_INVALID_PARAMETER;
	}
	netapi_ctx = NULL;
	pthread_mutex_unlock(&netapi_ctx_lock);
	netapi_ctx_destroy(ctx);
	return NERR_Success;
}

/*
 * Replaces the string *@field of @ctx with a copy of @value (NULL: the
 * empty string, as Samba stores it).
 */
static NET_API_STATUS netapi_ctx_set(struct libnetapi_ctx *ctx, char **field,
				     const char *value)
{
	int saved_errno = errno;
	char *copy;

	if (!ctx)
		return ERROR_INVALID_PARAMETER;
	copy = strdup(value ? value : "");
	errno = saved_errno;
	if (!copy)
		return ERROR_NOT_ENOUGH_MEMORY;
	pthread_mutex_lock(&netapi_ctx_lock);
	if (field == &ctx->password && *field)
		memset(*field, 0, strlen(*field));
	free(*field);
	*field = copy;
	pthread_mutex_unlock(&netapi_ctx_lock);
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_debuglevel(struct libnetapi_ctx *ctx, const char *debuglevel)
{
	return netapi_ctx_set(ctx, ctx ? &ctx->debuglevel : NULL, debuglevel);
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_get_debuglevel(struct libnetapi_ctx *ctx, char **debuglevel)
{
	if (!ctx || !debuglevel)
		return ERROR_INVALID_PARAMETER;
	*debuglevel = ctx->debuglevel;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_logfile(struct libnetapi_ctx *ctx, const char *logfile)
{
	return netapi_ctx_set(ctx, ctx ? &ctx->logfile : NULL, logfile);
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_username(struct libnetapi_ctx *ctx, const char *username)
{
	return netapi_ctx_set(ctx, ctx ? &ctx->username : NULL, username);
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_get_username(struct libnetapi_ctx *ctx, const char **username)
{
	if (!ctx || !username)
		return ERROR_INVALID_PARAMETER;
	*username = ctx->username;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_password(struct libnetapi_ctx *ctx, const char *password)
{
	return netapi_ctx_set(ctx, ctx ? &ctx->password : NULL, password);
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_get_password(struct libnetapi_ctx *ctx, const char **password)
{
	if (!ctx || !password)
		return ERROR_INVALID_PARAMETER;
	*password = ctx->password;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_workgroup(struct libnetapi_ctx *ctx, const char *workgroup)
{
	return netapi_ctx_set(ctx, ctx ? &ctx->workgroup : NULL, workgroup);
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_use_kerberos(struct libnetapi_ctx *ctx)
{
	if (!ctx)
		return ERROR_INVALID_PARAMETER;
	ctx->use_kerberos = 1;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_get_use_kerberos(struct libnetapi_ctx *ctx, int *use_kerberos)
{
	if (!ctx || !use_kerberos)
		return ERROR_INVALID_PARAMETER;
	*use_kerberos = ctx->use_kerberos;
	return NERR_Success;
}

NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_use_ccache(struct libnetapi_ctx *ctx)
{
	if (!ctx)
		return ERROR_INVALID_PARAMETER;
	ctx->use_ccache = 1;
	return NERR_Success;
}

/* Samba's credentials object is opaque here: accepted, not looked into. */
NETAPIBUF_EXPORT NET_API_STATUS
libnetapi_set_creds(struct libnetapi_ctx *ctx, struct cli_credentials *creds)
{
	if (!ctx || !creds)
		return ERROR_INVALID_PARAMETER;
	return NERR_Success;
}

/*
 * Windows' message texts (FormatMessage) of every status netapibuf
 * returns, with what it means here where Windows' words say little.
 */
static const struct {
	NET_API_STATUS status;
	const char *text;
} netapi_texts[] = {
	{ NERR_Success, "The operation completed successfully." },
	{ ERROR_ACCESS_DENIED, "Access is denied." },
	{ ERROR_NOT_ENOUGH_MEMORY, "Not enough memory resources are available to process this command (a netapibuf limit or out of memory)." },
	{ ERROR_GEN_FAILURE, "A device attached to the system is not functioning (the netapibuf agent failed)." },
	{ ERROR_NOT_SUPPORTED, "The request is not supported (no netapibuf agent answers it)." },
	{ ERROR_BAD_NETPATH, "The network path was not found (netapibuf answers for this machine only)." },
	{ ERROR_DEV_NOT_EXIST, "The specified network resource or device is no longer available (/dev/netapibuf cannot be opened: module not loaded, or no permission)." },
	{ ERROR_INVALID_PARAMETER, "The parameter is incorrect." },
	{ ERROR_INVALID_LEVEL, "The system call level is not correct." },
	{ ERROR_MORE_DATA, "More data is available." },
	{ ERROR_REVISION_MISMATCH, "Indicates two revision levels are incompatible (netapibuf.ko speaks another ABI version)." },
};

NETAPIBUF_EXPORT char *libnetapi_errstr(NET_API_STATUS status)
{
	static __thread char unknown[48];
	size_t i;

	for (i = 0; i < sizeof(netapi_texts) / sizeof(netapi_texts[0]); i++)
		if (netapi_texts[i].status == status)
			return (char *)netapi_texts[i].text;
	snprintf(unknown, sizeof(unknown), "Unknown status %u.",
		 (unsigned int)status);
	return unknown;
}

/*
 * Samba gives the context's last error message, if a call left one, else
 * libnetapi_errstr(status): netapibuf's calls leave none.
 */
NETAPIBUF_EXPORT char *
libnetapi_get_error_string(struct libnetapi_ctx *ctx, NET_API_STATUS status)
{
	(void)ctx;
	return libnetapi_errstr(status);
}
