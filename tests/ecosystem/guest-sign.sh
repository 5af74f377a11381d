#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the tools/vmrun guest started with --no-module. /work has
# netapibufctl, lib.sh, signed/netapibuf.ko (signed with a throwaway key
# the kernel does not know) and unsigned/netapibuf.ko. Shows what a
# Secure Boot machine does to them: lockdown refuses both (EPERM), then
# module.sig_enforce refuses both with EKEYREJECTED ("Key was rejected by
# service"). Prints TAP.

# shellcheck source=tests/ecosystem/lib.sh
. ./lib.sh

ctl=./netapibufctl
show() { printf '%s\n' "$1" | sed 's/^/# /'; }

# Neither lockdown nor enforcement: the untrusted signature only taints.
out=$($ctl load --path signed/netapibuf.ko 2>&1); rc=$?
show "$out"
check "signed with an unknown key, not enforced: loads" [ "$rc" -eq 0 ]
taint=$(cat /sys/module/netapibuf/taint 2>/dev/null)
check "... and taints the kernel with E (unverified signature): '$taint'" \
	matches "$taint" E
check "unload" $ctl unload

# Lockdown, as Secure Boot turns it on: unsigned modules are refused.
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
if ! echo integrity >/sys/kernel/security/lockdown 2>/dev/null; then
	skip "lockdown refuses the unsigned module" "cannot enable lockdown here"
	skip "lockdown refuses the module signed with an unknown key" "cannot enable lockdown here"
else
	diag "lockdown: $(cat /sys/kernel/security/lockdown)"
	out=$($ctl load --path unsigned/netapibuf.ko 2>&1); rc=$?
	show "$out"
	check "lockdown: unsigned module refused, exit 5" [ "$rc" -eq 5 ]
	check "lockdown: the message names lockdown" \
		matches "$out" 'kernel lockdown \(integrity\)'
	$ctl load --path signed/netapibuf.ko >/dev/null 2>&1
	check "lockdown: module signed with an unknown key refused, exit 5" [ $? -eq 5 ]
	check "nothing got loaded" [ ! -d /sys/module/netapibuf ]
fi

# Enforced signatures, as on a Secure Boot machine (module.sig_enforce=1,
# set by Debian's IMA arch policy, or CONFIG_MODULE_SIG_FORCE).
if ! echo 1 >/sys/module/module/parameters/sig_enforce 2>/dev/null; then
	skip "sig_enforce refuses the unsigned module" "cannot set sig_enforce"
else
	for f in unsigned signed; do
		out=$($ctl load --path $f/netapibuf.ko 2>&1); rc=$?
		show "$out"
		check "sig_enforce: $f module refused, exit 5" [ "$rc" -eq 5 ]
		check "sig_enforce: $f: \"Key was rejected by service\"" \
			matches "$out" 'Key was rejected by service'
	done
	check "nothing got loaded" [ ! -d /sys/module/netapibuf ]
fi
dmesg | grep -iE 'lockdown|rejected|verification failed' | sed 's/^/# dmesg: /'

done_testing
