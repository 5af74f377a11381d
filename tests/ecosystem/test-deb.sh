#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# (b) Installing: `make install-ecosystem` into a DESTDIR puts netapibufctl,
# its man page, the udev rule and the modules-load.d file where they take
# effect. Debian packages: `make deb` (dpkg-buildpackage -us -uc -b on a clean
# copy of the tree) builds the four packages with the right contents; a
# program built only from the unpacked libnetapibuf1 + libnetapibuf-dev
# (headers, pkg-config, shared and static library) and the packaged
# netapibufctl then run in the guest against the module. TAP on stdout.

# shellcheck disable=SC2016,SC2012 # sh -c and make snippets are literal on purpose
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=tests/ecosystem/lib.sh
. "$here/lib.sh"

version=$(cat "$repo/VERSION")
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nab-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

inst=$tmp/inst
make -s -C "$repo" -f mk/ecosystem.mk install-ecosystem DESTDIR="$inst" \
	PREFIX=/usr/local BUILD="$tmp/build" >"$tmp/install.log" 2>&1
check "make install-ecosystem DESTDIR=... PREFIX=/usr/local exits 0" [ $? -eq 0 ] ||
	sed 's/^/# /' "$tmp/install.log"
for f in usr/local/sbin/netapibufctl usr/local/share/man/man8/netapibufctl.8 \
	etc/udev/rules.d/60-netapibuf.rules etc/modules-load.d/netapibuf.conf; do
	check "installed /$f" test -s "$inst/$f"
done
check "nothing else installed" test "$(find "$inst" -type f | wc -l)" -eq 4
check "the installed netapibufctl runs (--version)" \
	test "$("$inst/usr/local/sbin/netapibufctl" --version)" = "netapibufctl $version"

# The library's own tests run in their own check; here only the packaging.
DEB_BUILD_OPTIONS=nocheck make -C "$repo" -f mk/ecosystem.mk deb BUILD="$tmp" \
	>"$tmp/deb.log" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
	tail -n 25 "$tmp/deb.log" | sed 's/^/# /'
fi
check "make deb (dpkg-buildpackage -us -uc -b) exits 0" [ "$status" -eq 0 ]

deb() { ls "$tmp/deb/$1_${version}_"*.deb 2>/dev/null | head -n 1; }
has() { # PACKAGE PATH...: every PATH is in the package
	local p=$1 list f
	shift
	list=$(dpkg-deb -c "$(deb "$p")" 2>/dev/null | awk '{ print $6 }')
	for f in "$@"; do
		grep -qx "\./$f" <<<"$list" || { echo "# $p lacks $f"; return 1; }
	done
}
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for p in libnetapibuf1 libnetapibuf-dev netapibuf-dkms netapibuf-tools; do
	check "${p}_$version built" test -n "$(deb "$p")"
done
check "libnetapibuf1: the shared library" \
	has libnetapibuf1 "usr/lib/$ma/libnetapibuf.so.1" "usr/lib/$ma/libnetapibuf.so.$version"
check "libnetapibuf-dev: headers, .so, .a, .pc" \
	has libnetapibuf-dev usr/include/netapibuf.h usr/include/lmapibuf.h usr/include/netapi.h \
	usr/include/linux/netapibuf.h "usr/lib/$ma/libnetapibuf.so" \
	"usr/lib/$ma/libnetapibuf.a" "usr/lib/$ma/pkgconfig/netapibuf.pc"
check "libnetapibuf-dev: man pages in sections 3 and 7" sh -c \
	'dpkg-deb -c "$1" | grep -q "usr/share/man/man3/.*\.3\.gz" &&
	 dpkg-deb -c "$1" | grep -q "usr/share/man/man7/.*\.7\.gz"' _ "$(deb libnetapibuf-dev)"
check "netapibuf-dkms: module source and dkms.conf in /usr/src/netapibuf-$version" \
	has netapibuf-dkms "usr/src/netapibuf-$version/Kbuild" \
	"usr/src/netapibuf-$version/dkms.conf" "usr/src/netapibuf-$version/module/main.c" \
	"usr/src/netapibuf-$version/uapi/linux/netapibuf.h"
check "netapibuf-dkms: dkms.conf says PACKAGE_VERSION=\"$version\"" sh -c \
	'dpkg-deb --fsys-tarfile "$1" | tar -xO "./usr/src/netapibuf-$2/dkms.conf" |
	 grep -qx "PACKAGE_VERSION=\"$2\""' _ "$(deb netapibuf-dkms)" "$version"
check "netapibuf-dkms: postinst and prerm run dkms (dh_dkms)" sh -c \
	'dpkg-deb --ctrl-tarfile "$1" | tar -xO ./postinst | grep -q common.postinst &&
	 dpkg-deb --ctrl-tarfile "$1" | tar -xO ./prerm | grep -q "dkms remove"' _ "$(deb netapibuf-dkms)"
check "netapibuf-tools: netapibufctl, man page, udev rule, modules-load.d" \
	has netapibuf-tools usr/sbin/netapibufctl usr/share/man/man8/netapibufctl.8.gz \
	lib/udev/rules.d/60-netapibuf.rules usr/lib/modules-load.d/netapibuf.conf

if command -v lintian >/dev/null; then
	lintian "$tmp/deb/netapibuf_${version}_"*.changes >"$tmp/lintian.log" 2>&1
	sed 's/^/# lintian: /' "$tmp/lintian.log"
	check "lintian reports no errors" sh -c '! grep -q "^E:" "$1"' _ "$tmp/lintian.log"
else
	skip "lintian reports no errors" "lintian not installed"
fi

# A program built against the unpacked packages only.
root=$tmp/root
mkdir -p "$root" "$tmp/app"
for p in libnetapibuf1 libnetapibuf-dev netapibuf-tools; do
	[ -n "$(deb "$p")" ] && dpkg-deb -x "$(deb "$p")" "$root"
done
pc() {
	PKG_CONFIG_SYSROOT_DIR=$root PKG_CONFIG_LIBDIR=$root/usr/lib/$ma/pkgconfig \
		pkg-config "$@" netapibuf
}
check "pkg-config finds netapibuf $version in the unpacked -dev package" \
	test "$(pc --modversion 2>/dev/null)" = "$version"
# shellcheck disable=SC2046 # pkg-config's words are meant to split
check "smoke.c compiles and links against the packaged shared library" \
	cc -Wall -Wextra -Werror -O2 -o "$tmp/app/smoke" "$here/smoke.c" \
	$(pc --cflags --libs) -ldl -Wl,-rpath,'$ORIGIN'
cp -P "$root/usr/lib/$ma"/libnetapibuf.so.1* "$tmp/app/" 2>/dev/null
# shellcheck disable=SC2046
check "smoke.c links statically against the packaged libnetapibuf.a" \
	cc -Wall -Wextra -Werror -O2 -o "$tmp/app/smoke-static" "$here/smoke.c" \
	$(pc --cflags) -Wl,-Bstatic $(pc --static --libs-only-L --libs-only-l) \
	-Wl,-Bdynamic -pthread -ldl
cp "$root/usr/sbin/netapibufctl" "$tmp/app/" 2>/dev/null

if [ -x "$tmp/app/smoke" ] && [ -x "$tmp/app/smoke-static" ] &&
	[ -x "$tmp/app/netapibufctl" ]; then
	make -s -C "$repo" module lib >"$tmp/build.log" 2>&1 ||
		sed 's/^/# /' "$tmp/build.log"
	"$repo/tools/vmrun" -f "$tmp/app" -- sh -c \
		'cd app && ./netapibufctl status | sed "s/^/# /" && ./smoke && ./smoke-static' \
		>"$tmp/guest.out" 2>&1
	status=$?
	relay <"$tmp/guest.out"
	check "guest run exits 0 (vmrun status $status)" [ "$status" -eq 0 ]
	check "the shared smoke test ran the packaged library (/work/app/libnetapibuf.so.1)" \
		grep -q "^# libnetapibuf: /work/app/libnetapibuf.so.1" "$tmp/guest.out"
	check "the packaged netapibufctl saw the module live" \
		grep -q "^# state: *live" "$tmp/guest.out"
else
	not_ok "guest run of the programs built from the packages (not built)"
fi

done_testing
