#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (d) make sign: a throwaway key signs a copy of the module; the signature
# is appended (magic, modinfo signer) and the guest kernel treats the
# signed and unsigned modules as a Secure Boot machine would. TAP on stdout.

set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$repo/build}
export BUILD
# shellcheck source=tests/ecosystem/lib.sh
. "$here/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/nab-sign.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if ! make -s -C "$repo" module >"$tmp/build.log" 2>&1 ||
	! make -s -C "$repo/tools/netapibufctl" >>"$tmp/build.log" 2>&1; then
	sed 's/^/# /' "$tmp/build.log"
	not_ok "build module and netapibufctl"
	done_testing
	exit
fi
ok "build module and netapibufctl"

mkdir -p "$tmp/signed" "$tmp/unsigned"
cp "$BUILD/stock/netapibuf.ko" "$tmp/signed/"
cp "$BUILD/stock/netapibuf.ko" "$tmp/unsigned/"
ko=$tmp/signed/netapibuf.ko
cn="netapibuf throwaway test key $$"

magic() { tail -c 28 "$1" | tr -d '\0'; }

openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=$cn/" \
	-keyout "$tmp/key.pem" -outform DER -out "$tmp/cert.der" >"$tmp/openssl.log" 2>&1
check "openssl makes a throwaway key and certificate" [ $? -eq 0 ]
check "the copy is not signed yet" test "$(magic "$ko")" != "~Module signature appended~"

make -s -C "$repo" -f mk/ecosystem.mk sign KEY="$tmp/key.pem" \
	CERT="$tmp/cert.der" SIGN_KO="$ko" >"$tmp/sign.log" 2>&1
status=$?
sed 's/^/# /' "$tmp/sign.log"
check "make sign KEY=... CERT=... exits 0" [ "$status" -eq 0 ]
check "signature appended (tail -c 28 is the magic)" \
	test "$(magic "$ko")" = "~Module signature appended~"
check "modinfo shows the signer \"$cn\"" test "$(modinfo -F signer "$ko")" = "$cn"
check "modinfo shows sha256" test "$(modinfo -F sig_hashalgo "$ko")" = sha256
check "the module itself is unchanged before the signature" \
	cmp -s -n "$(stat -c %s "$tmp/unsigned/netapibuf.ko")" "$ko" "$tmp/unsigned/netapibuf.ko"

make -s -C "$repo" -f mk/ecosystem.mk sign KEY="$tmp/key.pem" \
	CERT="$tmp/cert.der" SIGN_KO="$ko" >"$tmp/sign2.log" 2>&1
check "signing a signed module again is refused" [ $? -ne 0 ]

"$repo/tools/vmrun" --no-module -f "$BUILD/tools/netapibufctl" \
	-f "$here/lib.sh" -f "$here/guest-sign.sh" -f "$tmp/signed" -f "$tmp/unsigned" \
	-- sh ./guest-sign.sh >"$tmp/guest.out" 2>&1
status=$?
relay <"$tmp/guest.out"
check "guest run exits 0 (vmrun status $status)" [ "$status" -eq 0 ]

done_testing
