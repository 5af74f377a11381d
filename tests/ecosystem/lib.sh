# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# TAP helpers for the ecosystem tests; sourced by bash (host) and by
# busybox sh (guest), so plain POSIX sh.
#
#   ok DESC            a passing test
#   not_ok DESC        a failing test
#   skip DESC REASON   a skipped test
#   check DESC CMD...  ok or not_ok by CMD's exit status, which it returns
#   matches TEXT ERE   true if a line of TEXT matches the extended regex
#   diag TEXT...       a "# " comment line
#   done_testing       prints the plan; returns 1 if anything failed
#   relay              copies TAP lines from stdin, renumbered into this
#                      stream; every other line becomes a comment

tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

check() {
	tap_desc=$1
	shift
	if "$@"; then
		ok "$tap_desc"
	else
		not_ok "$tap_desc"
		return 1
	fi
}

matches() {
	printf '%s\n' "$1" | grep -Eq -- "$2"
}

diag() {
	echo "# $*"
}

relay() {
	while IFS= read -r tap_line; do
		case $tap_line in
		"not ok "*)
			tap_desc=$(printf '%s\n' "$tap_line" | sed 's/^not ok [0-9]* *-* *//')
			not_ok "$tap_desc" ;;
		"ok "*)
			tap_desc=$(printf '%s\n' "$tap_line" | sed 's/^ok [0-9]* *-* *//')
			tap_n=$((tap_n + 1))
			echo "ok $tap_n - $tap_desc" ;;
		1..*) ;;
		"#"*) printf '%s\n' "$tap_line" ;;
		*) printf '# %s\n' "$tap_line" ;;
		esac
	done
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
