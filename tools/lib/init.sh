#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# /init of the initramfs that tools/vmrun builds; runs as PID 1 under
# busybox sh. Serial ports, as tools/vmrun wires them up:
#   ttyS0  kernel console (and this script's own messages) -> the kernel log
#   ttyS1  the command's stdout and stderr                 -> vmrun's stdout
#   ttyS2  a dump of dmesg after the command               -> the host
# The per-run archive provides /vmrun/run.conf, which sets VMRUN_TOKEN,
# VMRUN_MODULE (path of the .ko, empty for --no-module), VMRUN_MODNAME,
# VMRUN_KMEMLEAK and the positional parameters (the command). Every marker carries the token,
# so a command cannot fake one by accident.

PATH=/work:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HOME=/root
export PATH HOME

mount -t devtmpfs devtmpfs /dev 2>/dev/null
exec </dev/null >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
mkdir -p /dev/pts /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts 2>/dev/null
mount -t tmpfs -o mode=1777 tmpfs /dev/shm 2>/dev/null
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
hostname vmrun 2>/dev/null

# shellcheck disable=SC1091
. /vmrun/run.conf

# One line in the kernel log (printk.devkmsg=on on the command line keeps
# it from being rate limited).
kmsg() {
	echo "<5>vmrun: $*" >/dev/kmsg
}

# Every user process but this one; "-e exe" is false for kernel threads
# and zombies, so the files of whatever it lists are still open.
others() {
	for d in /proc/[0-9]*; do
		[ "${d#/proc/}" = 1 ] && continue
		[ -e "$d/exe" ] && return 0
	done
	return 1
}

finish() {
	# What the command left behind: kill it and wait until its files
	# (the serial port, /dev/netapibuf) are closed.
	kill -9 -1 2>/dev/null
	i=0
	while others && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if [ -n "$VMRUN_MODULE" ] && [ -d "/sys/module/$VMRUN_MODNAME" ]; then
		# Modules the command loaded on top of it go first.
		for h in "/sys/module/$VMRUN_MODNAME/holders/"*; do
			[ -e "$h" ] && rmmod "${h##*/}"
		done
		i=0
		until out=$(rmmod "$VMRUN_MODNAME" 2>&1); do
			i=$((i + 1))
			if [ $i -ge 25 ]; then
				kmsg "rmmod $VMRUN_MODNAME: $out"
				kmsg "rmmod failed $VMRUN_TOKEN"
				break
			fi
			sleep 0.2
		done
	fi
	# kmemleak (debug kernels) reports an object only once it has been
	# unreferenced, unchanged and older than 5 s across two scans.
	if [ -n "$kmemleak" ]; then
		echo scan >/sys/kernel/debug/kmemleak
		echo scan >/sys/kernel/debug/kmemleak
		cat /sys/kernel/debug/kmemleak
	fi
	# Everything the kernel logged, also what the console may have
	# dropped or filtered.
	stty -F /dev/ttyS2 raw -echo 2>/dev/null
	{
		dmesg
		echo "vmrun: dmesg end $VMRUN_TOKEN"
	} >/dev/ttyS2 2>&1
	kmsg "guest done $VMRUN_TOKEN"
	reboot -f
	sleep 5
	kmsg "reboot -f failed"
	exit 1
}

stty -F /dev/ttyS1 raw -echo 2>/dev/null

if [ -n "$VMRUN_MODULE" ]; then
	# The kernel log is judged from here on: loading the module (and
	# the KUnit tests it may run as it loads) is part of the test.
	kmsg "insmod start $VMRUN_TOKEN"
	if ! out=$(insmod "$VMRUN_MODULE" 2>&1); then
		kmsg "insmod $VMRUN_MODULE: $out"
		kmsg "insmod failed $VMRUN_TOKEN"
		finish
	fi
	# For reading module addresses in reports printed after rmmod.
	if read -r text 2>/dev/null <"/sys/module/$VMRUN_MODNAME/sections/.text"; then
		kmsg "$VMRUN_MODNAME .text at $text"
	fi
fi

# kmemleak (debug kernels): its automatic scans are turned off so that
# only the explicit scans after the command report anything. Boot is not
# scanned (a scan takes ~10 s under TCG): a leak there shows up too.
kmemleak=
if [ "$VMRUN_KMEMLEAK" != 0 ] && [ -w /sys/kernel/debug/kmemleak ] &&
	echo scan=off >/sys/kernel/debug/kmemleak 2>/dev/null; then
	kmemleak=1
fi

kmsg "command start $VMRUN_TOKEN"
cd /work || exit 1
(exec "$@") </dev/null >/dev/ttyS1 2>&1
status=$?
cd /
kmsg "command exit status $status $VMRUN_TOKEN"
finish
