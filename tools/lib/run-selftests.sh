#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest side of tools/run-checks (busybox sh): run the selftest binaries
# named in DIR/list, one per line, in order, each with a time limit, and
# frame each one's output with marker lines that carry TOKEN:
#   TOKEN begin NAME
#   TOKEN end NAME STATUS [timeout]
# Usage: run-selftests.sh TOKEN DIR SECONDS [LIST]  (LIST: default "list")

token=$1
dir=$2
limit=$3
list=${4:-list}

cd "$dir" || {
	echo "run-selftests: cannot cd to $dir"
	exit 1
}
[ -r "$list" ] || {
	echo "run-selftests: no $dir/$list"
	exit 1
}
while IFS= read -r name || [ -n "$name" ]; do
	case $name in '' | '#'*) continue ;; esac
	echo "$token begin $name"
	# so that a kernel report can be placed
	echo "<5>run-selftests: $name" >/dev/kmsg 2>/dev/null
	start=$(date +%s)
	if [ -f "./$name" ] && [ -x "./$name" ]; then
		timeout -k 10 "$limit" "./$name" </dev/null 2>&1
		status=$?
	else
		echo "# run-selftests: ./$name is missing or not executable"
		status=127
	fi
	late=
	[ $(($(date +%s) - start)) -ge "$limit" ] && late=timeout
	echo "$token end $name $status $late"
done <"$list"
exit 0
