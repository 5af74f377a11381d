#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (c) netapibufctl in the guest: status, stats and --json show a program's
# live buffers; unload refuses while it runs and succeeds after; load finds
# the module like modprobe (after depmod) or takes --path. TAP on stdout.

set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$repo/build}
export BUILD
# shellcheck source=tests/ecosystem/lib.sh
. "$here/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nab-ctl.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! make -s -C "$repo" module lib >"$tmp/build.log" 2>&1 ||
	! make -s -C "$repo/tools/netapibufctl" >>"$tmp/build.log" 2>&1; then
	sed 's/^/# /' "$tmp/build.log"
	not_ok "build module, library and netapibufctl"
	done_testing
	exit
fi
ok "build module, library and netapibufctl"

check "build holdbufs against libnetapibuf" \
	cc -Wall -Wextra -Werror -O2 -I"$repo/userlib/include" \
	-o "$tmp/holdbufs" "$here/holdbufs.c" -L"$BUILD/lib" -lnetapibuf

kmod=$(command -v kmod || echo /usr/bin/kmod)
"$repo/tools/vmrun" -f "$BUILD/tools/netapibufctl" -f "$tmp/holdbufs" \
	-f "$kmod" -f "$here/lib.sh" -f "$here/guest-ctl.sh" \
	-- sh ./guest-ctl.sh >"$tmp/guest.out" 2>&1
status=$?
relay <"$tmp/guest.out"
check "guest run exits 0 (vmrun status $status)" [ "$status" -eq 0 ]

# The JSON the guest printed must parse, and say what the text said.
json_check() { # KIND PYTHON-EXPR DESC
	local line
	line=$(sed -n "s/^# json-$1: //p" "$tmp/guest.out" | head -n 1)
	check "$3" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
sys.exit(0 if eval(sys.argv[2]) else 1)' "$line" "$2"
}
json_check stats 'd["counters"]["live_buffers"] >= 8 and any(s["comm"] == "holdbufs" and s["buffers"] == 8 for s in d["sessions"])' \
	"stats --json is valid JSON with the live buffers and the session"
json_check status 'd["loaded"] and d["state"] == "live" and d["device"]["abi_version"] == 1 and d["device"]["arena_size"] > 0 and "arena_size" in d["parameters"]' \
	"status --json is valid JSON with ABI version, arena size and parameters"

done_testing
