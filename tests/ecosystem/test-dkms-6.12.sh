#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (a') DKMS for Debian's 6.12 kernel (bookworm-backports), which the host
# does not run and whose headers it does not have installed: the source as
# `make dkms-install` stages it, with dkms.conf, is added to DKMS and built
# with `dkms build -k RELEASE --kernelsourcedir KDIR` against the headers
# tools/kernel 6.12 unpacks into its cache; the modules DKMS built load in
# a `tools/vmrun --kernel 6.12` guest (NETAPIBUF_KO), where smoke.c and
# netapibuf-query (with the DKMS-built sample agent) run; then
# `dkms remove -k RELEASE` takes the build away again. Needs root. TAP on
# stdout.
#
# DKMS works in a private tree under $TMPDIR (--dkmstree, --sourcetree), so
# it never touches /var/lib/dkms, /usr/src or a netapibuf the host's DKMS
# manages; nothing is installed into /lib/modules (a kernel the host does
# not have). bookworm-backports packages are never installed on the host.

# shellcheck disable=SC2016 # sh -c snippets are literal on purpose
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
BUILD=${BUILD:-$repo/build}
export BUILD
# shellcheck source=tests/ecosystem/lib.sh
. "$here/lib.sh"

version=$(cat "$repo/VERSION")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nab-dkms612.XXXXXX")
srctree=$tmp/src
dkmstree=$tmp/dkms
dkms_priv() { # ACTION ARGS...: dkms on the private trees
	dkms "$@" --dkmstree "$dkmstree" --sourcetree "$srctree"
}
trap 'rm -rf "$tmp"' EXIT

if [ "$(id -u)" != 0 ]; then
	skip "DKMS build for 6.12" "needs root"
	done_testing
	exit
fi
check "dkms is installed (make deps)" command -v dkms || {
	done_testing
	exit
}

# The kernel: fetched into the cache once, never installed.
if ! kinfo=$("$repo/tools/kernel" 6.12 2>"$tmp/kernel.log"); then
	sed 's/^/# /' "$tmp/kernel.log"
	not_ok "tools/kernel 6.12 fetches Debian's 6.12 image and headers: $(tail -n 1 "$tmp/kernel.log")"
	done_testing
	exit
fi
kfield() { sed -n "s/^$1=//p" <<<"$kinfo"; }
kdir=$(kfield kdir)
kver=$(kfield release)
diag "kernel: $(kfield version)"
diag "headers: $kdir"
check "tools/kernel 6.12 gives the headers of a 6.12 kernel ($kver)" \
	sh -c 'case $1 in 6.12.*) [ -f "$2/Makefile" ] ;; *) false ;; esac' _ "$kver" "$kdir"
host_had_moddir=0
[ -e "/lib/modules/$kver" ] && host_had_moddir=1
host_status=$(dkms status -m netapibuf 2>/dev/null)

# The source as `make dkms-install` stages it in /usr/src (mk/ecosystem.mk).
src=$srctree/netapibuf-$version
mkdir -p "$src" "$dkmstree"
(cd "$repo" && rsync -a --exclude='*.o' --exclude='*.ko' \
	--exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
	--include='/Kbuild' --include='/module/***' --include='/uapi/***' \
	--exclude='*' ./ "$src/")
sed "s/#MODULE_VERSION#/$version/" "$repo/dkms.conf" >"$src/dkms.conf"

dkms_priv add -m netapibuf -v "$version" >"$tmp/add.log" 2>&1
check "dkms add netapibuf/$version" [ $? -eq 0 ] || sed 's/^/# /' "$tmp/add.log"

start=$(date +%s)
dkms_priv build -m netapibuf -v "$version" -k "$kver" --kernelsourcedir "$kdir" \
	>"$tmp/build.log" 2>&1
status=$?
sed 's/^/# /' "$tmp/build.log" | tail -n 15
diag "dkms build: $(($(date +%s) - start)) s"
if ! check "dkms build -k $kver --kernelsourcedir <tools/kernel 6.12 kdir> exits 0" [ "$status" -eq 0 ]; then
	f=$dkmstree/netapibuf/$version/build/make.log
	[ -f "$f" ] && tail -n 30 "$f" | sed 's/^/# make.log: /'
fi
st=$(dkms_priv status -m netapibuf -v "$version" -k "$kver" 2>&1)
diag "dkms status: $st"
check "dkms status: netapibuf/$version built for $kver" \
	grep -qxF "netapibuf/$version, $kver, x86_64: built" <<<"$st"
moddir=$dkmstree/netapibuf/$version/$kver/x86_64/module
ko=$moddir/netapibuf.ko
check "DKMS built netapibuf.ko and netapibuf_sysinfo.ko" \
	test -s "$ko" -a -s "$moddir/netapibuf_sysinfo.ko"
check "built for $kver (vermagic)" \
	sh -c 'modinfo -F vermagic "$1" | grep -q "^$2 "' _ "$ko" "$kver"

# The guest: the DKMS-built modules (NETAPIBUF_KO; the agent from the same
# directory), a program built against the library, netapibuf-query.
guest_ok=0
if [ -s "$ko" ] && make -s -C "$repo" lib tools >"$tmp/make.log" 2>&1 &&
	cc -Wall -Wextra -Werror -O2 -o "$tmp/smoke" "$here/smoke.c" \
		-I"$repo/userlib/include" -L"$BUILD/lib" -lnetapibuf -ldl \
		>>"$tmp/make.log" 2>&1; then
	buildid=$(readelf -n "$ko" | sed -n 's/.*Build ID: *//p')
	NETAPIBUF_KO=$ko "$repo/tools/vmrun" --kernel 6.12 -f "$tmp/smoke" \
		-f "$BUILD/tools/netapibuf-query" -- sh -c \
		'echo "uname: $(uname -r)"; echo "build-id: $(od -An -tx1 /sys/module/netapibuf/notes/.note.gnu.build-id | tr -d " \n")"; ./smoke && insmod netapibuf_sysinfo.ko && ./netapibuf-query' \
		>"$tmp/guest.out" 2>&1
	status=$?
	sed 's/^/# /' "$tmp/guest.out"
	check "vmrun --kernel 6.12 with the DKMS-built module exits 0 (status $status)" \
		[ "$status" -eq 0 ] && guest_ok=1
	check "the guest runs $kver" grep -qx "uname: $kver" "$tmp/guest.out"
	check "the module loaded is the one DKMS built (build ID ${buildid:-unknown})" \
		sh -c '[ -n "$1" ] && grep -q "^build-id: [0-9a-f]*$1\$" "$2"' _ "$buildid" "$tmp/guest.out"
	check "smoke.c's six calls pass against it" \
		sh -c '[ "$(grep -c "^ok [0-9]* - smoke: " "$1")" -eq 6 ] && ! grep -q "^not ok" "$1"' \
		_ "$tmp/guest.out"
	check "the DKMS-built sample agent answers (netapibuf-query)" \
		grep -q "^Workstation (NetWkstaGetInfo" "$tmp/guest.out"
else
	sed 's/^/# /' "$tmp/make.log" 2>/dev/null
	not_ok "the DKMS-built module loads in a 6.12 guest and works"
fi
[ "$guest_ok" = 1 ] || diag "guest output above"

# Clean up the DKMS state for that kernel.
dkms_priv remove -m netapibuf -v "$version" -k "$kver" >"$tmp/remove.log" 2>&1
status=$?
sed 's/^/# /' "$tmp/remove.log" | tail -n 10
check "dkms remove -k $kver exits 0" [ "$status" -eq 0 ]
check "dkms status no longer lists netapibuf for $kver" \
	sh -c '[ -z "$(dkms status -m netapibuf -k "$1" --dkmstree "$2" --sourcetree "$3" 2>/dev/null)" ]' \
	_ "$kver" "$dkmstree" "$srctree"
check "its build for $kver is gone from the DKMS tree" test ! -e "$dkmstree/netapibuf/$version/$kver"
if [ "$host_had_moddir" = 0 ]; then
	check "nothing was written to the host's /lib/modules/$kver" test ! -e "/lib/modules/$kver"
fi
check "the host's own DKMS state is unchanged" \
	test "$(dkms status -m netapibuf 2>/dev/null)" = "$host_status"

done_testing
