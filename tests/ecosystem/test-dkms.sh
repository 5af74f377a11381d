#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (a) DKMS on the host: installs dkms if missing, `make dkms-install` builds
# and installs the module for the kernel of Debian's headers (KVER, not the
# running kernel), the module DKMS built loads and works in the guest, and
# `make dkms-remove` takes it all away again. Needs root. TAP on stdout.
#
# It changes the host: /usr/src/netapibuf-VERSION, /var/lib/dkms and
# /lib/modules/KVER/updates/dkms while it runs (removed at the end), and on
# first use DKMS creates its signing key /var/lib/dkms/mok.{key,pub}.

# shellcheck disable=SC2016,SC2012 # sh -c and make snippets are literal on purpose
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$repo/build}
export BUILD
# shellcheck source=tests/ecosystem/lib.sh
. "$here/lib.sh"

version=$(cat "$repo/VERSION")
mk=(make -s -C "$repo" -f mk/ecosystem.mk)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nab-dkms.XXXXXX")
cleanup() {
	"${mk[@]}" dkms-remove >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# dkms.conf's BUILD_EXCLUSIVE_KERNEL, as DKMS applies it (bash's =~ on the
# release): 6.1 and later are built, older kernels skipped.
# DKMS sources the file with its own variables set; here they are unset.
# shellcheck source=dkms.conf
exclusive=$(set +u && . "$repo/dkms.conf" && echo "$BUILD_EXCLUSIVE_KERNEL")
check "dkms.conf sets BUILD_EXCLUSIVE_KERNEL" test -n "$exclusive"
dkms_builds() { [[ $1 =~ $exclusive ]]; }
dkms_skips() { ! dkms_builds "$1"; }
for kv in 6.1.0-57-amd64 6.1.192-netapibuf-debug 6.8.0-49-generic \
	6.12.95+deb12-rt-amd64 6.17.0-5-generic 7.3.0-rc7-netapibuf-mainline \
	10.0.1; do
	check "dkms.conf builds for $kv" dkms_builds "$kv"
done
for kv in 5.15.0-91-generic 6.0.12-1-amd64 5.10.0-32-amd64 4.19.0-27-amd64 \
	3.16.0-11-amd64; do
	check "dkms.conf skips $kv" dkms_skips "$kv"
done

if [ "$(id -u)" != 0 ]; then
	skip "DKMS install and remove" "needs root"
	done_testing
	exit
fi
if ! command -v dkms >/dev/null; then
	diag "installing dkms"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dkms \
		>"$tmp/apt.log" 2>&1 || sed 's/^/# /' "$tmp/apt.log"
fi
check "dkms is installed" command -v dkms
# Never clobber a netapibuf that DKMS already manages (netapibuf-dkms, an
# earlier `make dkms-install`): this test removes what it installs.
if [ -n "$(dkms status -m netapibuf 2>/dev/null)" ] || [ -e "/usr/src/netapibuf-$version" ]; then
	trap 'rm -rf "$tmp"' EXIT
	skip "DKMS install and remove" "netapibuf is already installed with DKMS here: $(dkms status -m netapibuf | head -n 1)"
	done_testing
	exit
fi
kver=$("${mk[@]}" --no-print-directory -f /dev/stdin print-kver <<<'print-kver: ; @echo $(KVER)' 2>/dev/null)
[ -n "$kver" ] || kver=$(sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' \
	"$(ls -d /usr/src/linux-headers-*-amd64 | sort -V | tail -n 1)/include/generated/utsrelease.h")
diag "KVER=$kver (running kernel: $(uname -r))"
check "the headers' kernel release is known" test -n "$kver"

"${mk[@]}" dkms-install >"$tmp/install.log" 2>&1
status=$?
sed 's/^/# /' "$tmp/install.log" | tail -n 30
check "make dkms-install exits 0" [ "$status" -eq 0 ]
check "the source is in /usr/src/netapibuf-$version with dkms.conf" \
	test -f "/usr/src/netapibuf-$version/dkms.conf" -a -f "/usr/src/netapibuf-$version/Kbuild"
check "its dkms.conf says PACKAGE_VERSION=\"$version\"" \
	grep -qx "PACKAGE_VERSION=\"$version\"" "/usr/src/netapibuf-$version/dkms.conf"
st=$(dkms status -m netapibuf -v "$version" -k "$kver" 2>&1)
diag "dkms status: $st"
check "dkms status: netapibuf/$version installed for $kver" \
	grep -Eq "^netapibuf/$version, $kver, [^:]*: installed" <<<"$st"
ko=$(ls "/lib/modules/$kver/updates/dkms/netapibuf.ko"* 2>/dev/null | head -n 1)
check "module installed in /lib/modules/$kver/updates/dkms" test -n "$ko"
check "built for $kver (vermagic)" \
	sh -c 'modinfo -F vermagic "$1" | grep -q "^$2 "' _ "$ko" "$kver"
check "modules.dep of $kver knows it (depmod ran)" \
	grep -q "^updates/dkms/netapibuf.ko" "/lib/modules/$kver/modules.dep"
signer=$(modinfo -F signer "$ko" 2>/dev/null)
if [ -n "$signer" ]; then
	ok "DKMS signed it for Secure Boot (signer: $signer)"
else
	skip "DKMS signed it for Secure Boot" "DKMS did not sign (no sign-file or key)"
fi

if make -s -C "$repo/tools/netapibufctl" >"$tmp/ctl.log" 2>&1 && [ -n "$ko" ]; then
	NETAPIBUF_KO=$ko "$repo/tools/vmrun" -f "$BUILD/tools/netapibufctl" \
		-- ./netapibufctl status >"$tmp/guest.out" 2>&1
	status=$?
	sed 's/^/# /' "$tmp/guest.out"
	check "the DKMS-built module loads in the guest and is live" \
		sh -c '[ "$1" -eq 0 ] && grep -q "^state: *live" "$2"' _ "$status" "$tmp/guest.out"
else
	sed 's/^/# /' "$tmp/ctl.log"
	not_ok "the DKMS-built module loads in the guest and is live"
fi

"${mk[@]}" dkms-remove >"$tmp/remove.log" 2>&1
status=$?
sed 's/^/# /' "$tmp/remove.log" | tail -n 15
check "make dkms-remove exits 0" [ "$status" -eq 0 ]
check "dkms status no longer lists netapibuf" \
	test -z "$(dkms status -m netapibuf 2>/dev/null)"
check "module file gone" sh -c '! ls /lib/modules/$1/updates/dkms/netapibuf.ko* >/dev/null 2>&1' _ "$kver"
check "/usr/src/netapibuf-$version gone" test ! -e "/usr/src/netapibuf-$version"
check "modules.dep of $kver forgot it" \
	sh -c '! grep -q "netapibuf.ko" "/lib/modules/$1/modules.dep"' _ "$kver"

done_testing
