# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian packages of other suites (bookworm-backports, unstable,
# experimental) for the tools, without touching the host's apt: a private
# sources list, lists directory and download directory under $cache/apt.
# The host's apt configuration is read for its mirror, never changed, and
# nothing is installed. Sourced by tools/kernel, tools/newer-sparse and
# tools/check-fresh; the caller defines $cache, log() and die().
#
#   host_mirror [SUITE]  the host's mirror for SUITE (default bookworm)
#   apt_setup            write the sources list, renew the lists when older
#                        than a day (NETAPIBUF_KERNEL_REFRESH=1: now)
#   apt_names REGEX      available package names, newest last
#   apt_suite PKG        the suite PKG comes from, for messages
#   apt_fetch PKG...     download into $apt_dir/debs once; print the paths
#   apt_source PKG       download a source package into $apt_dir/src once;
#                        print the .dsc's path

# ------------------------------------------------------ private apt

# The host's URI for a Debian suite (default bookworm), from its one-line
# or deb822 apt sources.
host_mirror() { # [SUITE]
	local suite=${1:-bookworm} f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[[ -r $f ]] || continue
		uri=$(sed -nE "s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([a-z+]+:\/\/[^[:space:]]+)[[:space:]]+${suite}[[:space:]].*/\2/p" "$f" | head -n 1)
		[[ -z $uri ]] || { echo "${uri%/}"; return 0; }
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[[ -r $f ]] || continue
		uri=$(awk -v suite="$suite" '
			/^[[:space:]]*$/ { if (s && u) { print u; exit } s = 0; u = ""; next }
			/^URIs:/ { u = $2 }
			/^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) s = 1 }
			END { if (s && u) print u }' "$f" | head -n 1)
		[[ -z $uri ]] || { echo "${uri%/}"; return 0; }
	done
	return 1
}

apt_dir=
apt_opts=()
apt_setup() {
	# shellcheck disable=SC2154 # $cache is the caller's
	apt_dir=$cache/apt
	local mirror keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	mirror=${NETAPIBUF_DEBIAN_MIRROR:-$(host_mirror bookworm)} ||
		die "cannot find the host's Debian mirror in /etc/apt; set NETAPIBUF_DEBIAN_MIRROR"
	[[ -r $keyring ]] || die "$keyring missing (package debian-archive-keyring)"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" \
		"$apt_dir/debs" "$apt_dir/src"
	local suite text=
	for suite in bookworm-backports unstable experimental; do
		text+="deb [signed-by=$keyring] $mirror $suite main"$'\n'
	done
	text+="deb-src [signed-by=$keyring] $mirror unstable main"$'\n'
	apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
		-o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache=$apt_dir/cache"
		-o "Dir::Etc::preferencesparts=$apt_dir/preferences.d"
		-o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
	mkdir -p "$apt_dir/preferences.d"
	# One apt at a time in the private directories (tools/kernel 6.12
	# and 6.12-rt may run at once); held until this script exits.
	exec 7>"$apt_dir/.lock"
	flock 7
	local stamp=$apt_dir/lists/.netapibuf-updated
	if [[ ! -f $apt_dir/sources.list ]] || [[ $(<"$apt_dir/sources.list") != "${text%$'\n'}" ]]; then
		printf '%s' "$text" >"$apt_dir/sources.list"
		rm -f "$stamp"
	fi
	if [[ ${NETAPIBUF_KERNEL_REFRESH:-0} == 1 || ! -f $stamp ]] ||
		[[ -n $(find "$stamp" -mmin +1440) ]]; then
		log "updating the package lists of bookworm-backports, unstable, experimental (private to $apt_dir)"
		apt-get "${apt_opts[@]}" -qq update >&2 ||
			die "apt-get update of bookworm-backports/unstable/experimental from $mirror failed"
		touch "$stamp"
	fi
}

# Names of available packages matching an extended regex, newest last.
apt_names() {
	apt-cache "${apt_opts[@]}" search --names-only "$1" 2>/dev/null |
		cut -d' ' -f1 | grep -E "$1" | sort -V || true
}

apt_suite() { # PKG: the suite it comes from, for messages
	apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null |
		awk '/^ +[0-9]+ http/ { print $3; exit }' || true
}

# Download PKG... into $apt_dir/debs (once); print each .deb's path.
apt_fetch() {
	local p deb
	for p in "$@"; do
		deb=$(find "$apt_dir/debs" -maxdepth 1 -name "${p}_*.deb" | sort -V | tail -n 1)
		if [[ -z $deb ]]; then
			log "downloading $p ($(apt_suite "$p"))"
			(cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" -qq download "$p" >&2) ||
				die "cannot download package $p from $(apt_suite "$p" || echo '?') (suites: bookworm-backports, unstable, experimental)"
			deb=$(find "$apt_dir/debs" -maxdepth 1 -name "${p}_*.deb" | sort -V | tail -n 1)
			[[ -n $deb ]] || die "apt-get download $p left no .deb"
		fi
		echo "$deb"
	done
}

apt_source() {
	local p=$1 dsc
	dsc=$(find "$apt_dir/src" -maxdepth 1 -name "${p}_*.dsc" | sort -V | tail -n 1)
	if [[ -z $dsc ]]; then
		log "downloading the source of $p (unstable)"
		(cd "$apt_dir/src" && apt-get "${apt_opts[@]}" -qq source --download-only "$p" >&2) ||
			die "cannot download the source package $p from unstable"
		dsc=$(find "$apt_dir/src" -maxdepth 1 -name "${p}_*.dsc" | sort -V | tail -n 1)
		[[ -n $dsc ]] || die "apt-get source $p left no .dsc"
	fi
	echo "$dsc"
}
