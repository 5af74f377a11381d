# SPDX-License-Identifier: GPL-2.0
#
# Installing netapibuf on a real machine: DKMS, module signing, netapibufctl,
# udev and modules-load.d, Debian packages. Included by the top-level
# Makefile; also usable on its own: make -f mk/ecosystem.mk TARGET.
#
#   make dkms-install        copy the module source to /usr/src, dkms add/build/install
#   make dkms-remove         undo it
#   make sign KEY=.. CERT=.. sign $(BUILD)/stock/netapibuf.ko (or SIGN_KO=FILE)
#   make netapibufctl        build $(BUILD)/tools/netapibufctl
#   make install-ecosystem   install netapibufctl, its man page, the udev
#                            rule and the modules-load.d file
#   make deb                 Debian packages from a clean copy, in $(BUILD)/deb

NAB_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

# The same defaults as the top-level Makefile, for use on its own.
KDIR ?= $(shell $(NAB_TOP)/tools/kernel stock kdir)
BUILD ?= $(NAB_TOP)/build
PREFIX ?= /usr/local
DESTDIR ?=

# The one version of netapibuf (DKMS, Debian packages, netapibufctl).
NAB_VERSION := $(shell cat $(NAB_TOP)/VERSION)

# The release of the kernel in KDIR, as `uname -r` will print it there.
# Not `make -C $(KDIR) kernelrelease`: on Debian's headers that prints the
# upstream version (6.1.192), not the package's (6.1.0-56-amd64).
KVER ?= $(shell sed -n 's/.*UTS_RELEASE "\(.*\)".*/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# Where things go. The udev rule and modules-load.d file go to /etc, the
# only place that takes effect whatever PREFIX is; packages use /lib and
# /usr/lib (see debian/rules).
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
UDEVRULESDIR ?= /etc/udev/rules.d
MODULESLOADDIR ?= /etc/modules-load.d
# The group that may open /dev/netapibuf (tools/udev/60-netapibuf.rules).
NAB_GROUP ?= netapibuf

.PHONY: dkms-install dkms-remove sign netapibufctl install-ecosystem deb \
	ecosystem-help

ecosystem-help:
	@echo 'make dkms-install      install the module source with DKMS (KVER=$(KVER))'
	@echo 'make dkms-remove       remove it from DKMS and /usr/src'
	@echo 'make sign KEY=.. CERT=..  sign $(SIGN_KO)'
	@echo 'make netapibufctl      build $(BUILD)/tools/netapibufctl'
	@echo 'make install-ecosystem install netapibufctl, udev rule, modules-load.d'
	@echo 'make deb               build the Debian packages into $(BUILD)/deb'

# ------------------------------------------------------------------- DKMS

DKMS_NAME := netapibuf
DKMS_SRC := /usr/src/$(DKMS_NAME)-$(NAB_VERSION)

dkms-install:
	@command -v dkms >/dev/null || \
		{ echo "dkms not found: apt-get install dkms" >&2; exit 1; }
	@test -n "$(KVER)" || { echo "no kernel headers in KDIR=$(KDIR)" >&2; exit 1; }
	@if [ -n "$$(dkms status -m $(DKMS_NAME) -v $(NAB_VERSION))" ]; then \
		echo "dkms remove $(DKMS_NAME)/$(NAB_VERSION) --all"; \
		dkms remove -m $(DKMS_NAME) -v $(NAB_VERSION) --all; fi
	rm -rf $(DKMS_SRC)
	mkdir -p $(DKMS_SRC)
	cd $(NAB_TOP) && rsync -a --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude='*.mod' --exclude='*.mod.c' \
		--include='/Kbuild' --include='/module/***' --include='/uapi/***' \
		--exclude='*' ./ $(DKMS_SRC)/
	sed 's/#MODULE_VERSION#/$(NAB_VERSION)/' $(NAB_TOP)/dkms.conf \
		>$(DKMS_SRC)/dkms.conf
	dkms add -m $(DKMS_NAME) -v $(NAB_VERSION)
	dkms build -m $(DKMS_NAME) -v $(NAB_VERSION) -k $(KVER)
	dkms install -m $(DKMS_NAME) -v $(NAB_VERSION) -k $(KVER)

dkms-remove:
	@command -v dkms >/dev/null || \
		{ echo "dkms not found: apt-get install dkms" >&2; exit 1; }
	@if [ -n "$$(dkms status -m $(DKMS_NAME) -v $(NAB_VERSION))" ]; then \
		echo "dkms remove $(DKMS_NAME)/$(NAB_VERSION) --all"; \
		dkms remove -m $(DKMS_NAME) -v $(NAB_VERSION) --all; fi
	rm -rf $(DKMS_SRC)

# ---------------------------------------------------------------- signing

# The target kernel's sign-file: Debian's headers carry it (a symlink into
# linux-kbuild-6.1). Otherwise it is built from the kernel source tarball.
SIGN_HASH ?= sha256
SIGN_KO ?= $(BUILD)/stock/netapibuf.ko
KSRC_TARBALL ?= $(lastword $(sort $(wildcard /usr/src/linux-source-*.tar.xz)))
SIGN_FILE ?= $(if $(wildcard $(KDIR)/scripts/sign-file),$(KDIR)/scripts/sign-file,$(BUILD)/sign-file/sign-file)
SIGN_MAGIC := ~Module signature appended~

$(BUILD)/sign-file/sign-file:
	@test -n "$(KSRC_TARBALL)" || { echo "no scripts/sign-file in $(KDIR) and no" \
		"/usr/src/linux-source-*.tar.xz to build it from" >&2; exit 1; }
	@mkdir -p $(dir $@)
	tar -xJf $(KSRC_TARBALL) -C $(dir $@) --strip-components=2 --wildcards \
		--no-same-owner '*/scripts/sign-file.c' '*/scripts/ssl-common.h'
	$(CC) -O2 -Wno-deprecated-declarations -o $@ $(dir $@)sign-file.c \
		$$(pkg-config --cflags --libs libcrypto)

# $(SIGN_FILE) is not a prerequisite: make would expand it, and with it
# KDIR (tools/kernel), whenever it reads this file, before `make deps`
# has installed the headers on a bare machine. It is found (or built) in
# the recipe instead.
sign: $(SIGN_KO)
	@test -n "$(KEY)" -a -n "$(CERT)" || \
		{ echo "usage: make sign KEY=private-key.pem CERT=certificate.(pem|der)" >&2; exit 2; }
	@test -r "$(KEY)" || { echo "cannot read KEY=$(KEY)" >&2; exit 1; }
	@test -r "$(CERT)" || { echo "cannot read CERT=$(CERT)" >&2; exit 1; }
	@if [ "$$(tail -c 28 $(SIGN_KO))" = "$(SIGN_MAGIC)" ]; then \
		echo "$(SIGN_KO) is signed already; rebuild it (make module) and sign again" >&2; \
		exit 1; fi
	@[ -x "$(SIGN_FILE)" ] || $(MAKE) --no-print-directory -f $(NAB_TOP)/mk/ecosystem.mk \
		BUILD="$(BUILD)" KDIR="$(KDIR)" "$(SIGN_FILE)"
	$(SIGN_FILE) $(SIGN_HASH) $(KEY) $(CERT) $(SIGN_KO)
	@echo "signed $(SIGN_KO): signer \"$$(modinfo -F signer $(SIGN_KO))\"," \
		"$$(modinfo -F sig_hashalgo $(SIGN_KO))"

# ---------------------------------------------------- netapibufctl, install

netapibufctl:
	$(MAKE) -C $(NAB_TOP)/tools/netapibufctl BUILD=$(BUILD)

install-ecosystem: netapibufctl
	$(MAKE) -C $(NAB_TOP)/tools/netapibufctl install BUILD=$(BUILD) \
		DESTDIR=$(DESTDIR) SBINDIR=$(SBINDIR) MANDIR=$(MANDIR)
	install -D -m 0644 $(NAB_TOP)/tools/udev/60-netapibuf.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-netapibuf.rules
	install -D -m 0644 $(NAB_TOP)/tools/udev/netapibuf.conf \
		$(DESTDIR)$(MODULESLOADDIR)/netapibuf.conf
	@# On the running system: the group the rule names, and udev told.
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then \
		getent group $(NAB_GROUP) >/dev/null || \
			{ echo "groupadd --system $(NAB_GROUP)"; groupadd --system $(NAB_GROUP); }; \
		if command -v udevadm >/dev/null && [ -d /run/udev ]; then \
			udevadm control --reload-rules || true; \
			[ ! -e /sys/class/misc/netapibuf ] || \
				udevadm trigger --action=change /sys/class/misc/netapibuf || true; \
		fi; \
		echo "Members of group $(NAB_GROUP) may use /dev/netapibuf:" \
			"usermod -aG $(NAB_GROUP) USER"; \
	fi

# ---------------------------------------------------------------- packages

# dpkg-buildpackage writes its .debs next to the source tree, so the tree
# is copied first: the files git tracks or would track (never build/ nor
# anything .gitignore'd), as a clean checkout would have them; outside a
# git checkout, every file but build/.
DEB_DIR := $(BUILD)/deb
DEB_SRC := $(DEB_DIR)/netapibuf-$(NAB_VERSION)

deb:
	@command -v dpkg-buildpackage >/dev/null || \
		{ echo "dpkg-buildpackage not found: apt-get install dpkg-dev" >&2; exit 1; }
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_SRC)
	cd $(NAB_TOP) && \
	if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z --cached --others --exclude-standard; \
	else \
		find . \( -path ./build -o -path ./.git \) -prune -o -type f -print0; \
	fi | grep -zv '^\(\./\)\?build/' | \
		rsync -a --from0 --ignore-missing-args --files-from=- ./ $(DEB_SRC)/
	cd $(DEB_SRC) && dpkg-checkbuilddeps || \
		{ echo "apt-get install debhelper dh-dkms libkmod-dev pkg-config" >&2; exit 1; }
	cd $(DEB_SRC) && dpkg-buildpackage -us -uc -b
	@ls -1 $(DEB_DIR)/*.deb
