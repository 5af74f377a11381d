#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs in the tools/vmrun guest (busybox sh, netapibuf.ko loaded from
# /vmrun/netapibuf.ko): netapibufctl status/stats/unload/load against a
# live program. Needs in /work: lib.sh, netapibufctl, holdbufs, kmod.
# Prints TAP; the JSON outputs also go out as "# json-status: ..." and
# "# json-stats: ..." lines for the host to validate.

# shellcheck source=tests/ecosystem/lib.sh
. ./lib.sh

ctl=./netapibufctl
N=8
SIZE=8192
ko=/vmrun/netapibuf.ko
release=$(uname -r)

show() { printf '%s\n' "$1" | sed 's/^/# /'; }
field() { # JSON KEY: the first number after "KEY":
	printf '%s\n' "$1" | sed -n "s/.*\"$2\":\([0-9][0-9]*\).*/\1/p"
}
counter() { # TEXT NAME: the value of NAME in `netapibufctl stats`
	printf '%s\n' "$1" | sed -n "s/^$2 *\([0-9]*\).*/\1/p"
}

# --- loaded by vmrun: status
out=$($ctl status 2>&1); rc=$?
show "$out"
check "status exits 0 while loaded" [ "$rc" -eq 0 ]
check "status says live" matches "$out" '^state: +live$'
check "status shows ABI version 1" matches "$out" '^abi_version: +1$'
check "status shows the arena size" matches "$out" '^arena_size: +[1-9]'
check "status lists the parameters" matches "$out" '^  max_total_bytes +[0-9]'

# Wait (30 s at most) for a holdbufs writing to OUT to say it is ready.
wait_ready() { # OUT
	i=0
	while ! grep -q '^ready' "$1" 2>/dev/null && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}

# --- a program holding N buffers
mkfifo /tmp/ctl
./holdbufs "$N" "$SIZE" </tmp/ctl >/tmp/hold.out 2>&1 &
hold=$!
exec 3>/tmp/ctl
wait_ready /tmp/hold.out
check "holdbufs allocated $N buffers" grep -q "^ready $hold\$" /tmp/hold.out ||
	sed 's/^/# holdbufs: /' /tmp/hold.out

out=$($ctl stats 2>&1); rc=$?
show "$out"
check "stats exits 0" [ "$rc" -eq 0 ]
v=$(counter "$out" live_buffers)
check "stats: live_buffers ($v) >= $N" [ "${v:-0}" -ge "$N" ]
v=$(counter "$out" live_bytes)
check "stats: live_bytes ($v) >= $((N * SIZE))" [ "${v:-0}" -ge $((N * SIZE)) ]
check "stats: session table lists pid $hold (holdbufs) with $N buffers" \
	matches "$out" "^$hold +holdbufs +$N +$((N * SIZE)) "

json=$($ctl --json stats); rc=$?
echo "# json-stats: $json"
check "stats --json exits 0" [ "$rc" -eq 0 ]
v=$(field "$json" live_buffers)
check "stats --json: live_buffers ($v) >= $N" [ "${v:-0}" -ge "$N" ]
check "stats --json: session of pid $hold with $N buffers" \
	matches "$json" "\{\"pid\":$hold,\"comm\":\"holdbufs\",\"buffers\":$N,"

# --- a process named to forge a row: "x\n1\tsshd\t77777"
mkfifo /tmp/ctl2
HOLDBUFS_COMM=$(printf 'x\n1\tsshd\t77777') ./holdbufs 1 64 </tmp/ctl2 \
	>/tmp/hold2.out 2>&1 &
hostile=$!
exec 4>/tmp/ctl2
wait_ready /tmp/hold2.out
out=$($ctl stats 2>&1); rc=$?
show "$out"
check "stats with a hostile process name exits 0" [ "$rc" -eq 0 ]
check "... lists the hostile process as one row, its name escaped" \
	matches "$out" "^$hostile +x\\\\0121\\\\011sshd\\\\01177777 +1 +"
! printf '%s\n' "$out" | grep -Eq '^1 +sshd'
check "... and forges no row of pid 1 (sshd)" [ $? -eq 0 ]
json=$($ctl --json stats); rc=$?
echo "# json-stats: $json"
check "stats --json with a hostile name exits 0" [ "$rc" -eq 0 ]
! printf '%s\n' "$json" | grep -q '"pid":1,'
check "... and forges no session of pid 1" [ $? -eq 0 ]
check "... the name is one JSON string" \
	matches "$json" "\\{\"pid\":$hostile,\"comm\":\"x\\\\n1\\\\tsshd\\\\t77777\","
exec 4>&-
wait "$hostile"

json=$($ctl status --json); rc=$?
echo "# json-status: $json"
check "status --json exits 0" [ "$rc" -eq 0 ]
v=$(field "$json" refcount)
check "status --json: refcount ($v) >= 1 while held" [ "${v:-0}" -ge 1 ]
check "status --json: abi_version 1" matches "$json" '"abi_version":1,'

out=$($ctl unload 2>&1); rc=$?
show "$out"
check "unload while in use exits 6" [ "$rc" -eq 6 ]
check "unload while in use says \"in use\" and names pid $hold" \
	matches "$out" "in use.*pid $hold \(holdbufs\)"
check "module still loaded" [ -d /sys/module/netapibuf ]

# --- the program lets go
exec 3>&-
wait "$hold"; rc=$?
check "holdbufs freed its buffers and exited 0" [ "$rc" -eq 0 ] ||
	sed 's/^/# holdbufs: /' /tmp/hold.out

out=$($ctl stats 2>&1)
check "stats: live_buffers back to 0" [ "$(counter "$out" live_buffers)" = 0 ]

out=$($ctl unload 2>&1); rc=$?
show "$out"
check "unload after exit succeeds" [ "$rc" -eq 0 ]
check "module gone from /sys/module" [ ! -d /sys/module/netapibuf ]

$ctl status >/dev/null 2>&1
check "status exits 3 when not loaded" [ $? -eq 3 ]
$ctl stats >/dev/null 2>&1
check "stats exits 3 when not loaded" [ $? -eq 3 ]
$ctl unload >/dev/null 2>&1
check "unload exits 3 when not loaded" [ $? -eq 3 ]

# --- load by name: the module where modprobe would find it
out=$($ctl load 2>&1); rc=$?
show "$out"
check "load without an installed module exits 4 (not found)" [ "$rc" -eq 4 ]

mkdir -p "/lib/modules/$release/updates"
cp "$ko" "/lib/modules/$release/updates/"
ln -sf /work/kmod /tmp/depmod
/tmp/depmod -a "$release" 2>&1 | sed 's/^/# depmod: /'
out=$($ctl load 2>&1); rc=$?
show "$out"
check "load (looked up like modprobe) exits 0" [ "$rc" -eq 0 ]
check "module loaded again" [ -d /sys/module/netapibuf ]
check "device node back" [ -c /dev/netapibuf ]
check "the module creates the node 0600: root only until udev's rule" \
	[ "$(stat -c %a /dev/netapibuf)" = 600 ]
out=$($ctl load 2>&1); rc=$?
check "load when loaded exits 0" [ "$rc" -eq 0 ]
check "... and says already loaded" matches "$out" 'already loaded'
out=$($ctl status 2>&1)
check "status live after load" matches "$out" '^state: +live$'

# --- load by path, with a parameter
check "unload" $ctl unload
$ctl load --path /nonexistent/netapibuf.ko >/dev/null 2>&1
check "load --path of a missing file exits 4" [ $? -eq 4 ]
out=$($ctl load --path "$ko" max_session_bytes=1048576 2>&1); rc=$?
show "$out"
check "load --path FILE PARAM=VALUE exits 0" [ "$rc" -eq 0 ]
check "parameter applied" \
	[ "$(cat /sys/module/netapibuf/parameters/max_session_bytes)" = 1048576 ]
json=$($ctl --json status)
check "status --json reports max_session_bytes 1048576" \
	matches "$json" '"max_session_bytes":1048576'

# --- as an unprivileged user
as_nobody() { su -s /bin/sh nobody -c "$*"; }
out=$(as_nobody $ctl stats 2>&1); rc=$?
check "stats as nobody exits 0" [ "$rc" -eq 0 ]
check "stats as nobody shows the counters" matches "$out" '^live_buffers +0'
check "stats as nobody: the session table needs root" \
	matches "$out" '^sessions: unavailable: .*Permission denied'
as_nobody $ctl unload >/dev/null 2>&1
check "unload as nobody exits 7 (not permitted)" [ $? -eq 7 ]
chmod 0600 /dev/netapibuf
out=$(as_nobody $ctl status 2>&1); rc=$?
chmod 0666 /dev/netapibuf
check "status as nobody without access to the device exits 0" [ "$rc" -eq 0 ]
check "... and says the device info is unavailable" \
	matches "$out" '^info: +unavailable: .*Permission denied'

$ctl frobnicate >/dev/null 2>&1
check "unknown command exits 2" [ $? -eq 2 ]

done_testing
