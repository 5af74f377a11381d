# SPDX-License-Identifier: GPL-2.0
#
# netapibuf: the module (through kbuild), the library, the selftests and
# the QEMU guest that runs them. `make help` lists the targets.

# `all` comes first: plain `make` builds and nothing else. No included
# makefile defines the default goal.
all:

# The stock kernel's build directory, for `make module`: by default the
# headers of the newest Debian 12 kernel installed (tools/kernel stock).
# Recursive, never exported: it is looked up when a recipe needs it, after
# `make deps` has installed the headers, never when make starts.
KDIR ?= $(shell $(CURDIR)/tools/kernel stock kdir)
# Where everything that is built goes, outside the source tree.
BUILD ?= $(CURDIR)/build
PREFIX ?= /usr/local
DESTDIR ?=

export BUILD

# The kernels the module is built and tested for (tools/kernel --list):
# module-NAME builds $(BUILD)/NAME/netapibuf.ko; make check runs the
# selftests on CHECK_KERNELS, make check-kernels on the others.
KERNELS := stock debug 6.12 6.12-rt mainline
CHECK_KERNELS ?= $(KERNELS)

# Debian packages the build and the guest need; `make deps` installs the
# missing ones.
DEPS := build-essential bc bison flex libelf-dev libssl-dev cpio kmod \
	pkg-config rsync xz-utils python3 linux-headers-amd64 \
	linux-image-amd64 linux-source-6.1 qemu-system-x86 busybox-static \
	libkmod-dev sparse dkms debhelper dh-dkms openssl dwarves \
	debian-archive-keyring zstd shellcheck
# What only `make check` needs besides: clang, for the compat programs
# README says build with clang too; valgrind and the loader's debug
# symbols it needs, for compat's runs under memcheck.
CHECK_DEPS := clang valgrind libc6-dbg

MOD_SRCS := Kbuild $(wildcard module/*.[ch] module/*/*.[ch] uapi/linux/*.h)

include mk/ecosystem.mk
include mk/bench.mk
include mk/fuzz.mk

.PHONY: all deps module $(addprefix module-,$(KERNELS)) modules lint lib \
	selftests tools check check-kernels check-fresh demo install clean help

all: module lib selftests tools

help:
	@echo 'make deps       install the Debian packages the build needs'
	@echo 'make            build the module, library, selftests and tools'
	@echo 'make demo       build, boot the guest, run the example program'
	@echo 'make check      build and run every test in guests of every kernel'
	@echo 'make check-fresh  make demo, then make, in a bare Debian 12 root (debootstrap)'
	@echo 'make module-NAME  the module for kernel NAME: $(KERNELS)'
	@echo 'make lint       checkpatch --strict, sparse and W=1 on the module'
	@echo 'make bench      netapibuf against its peers, deterministic guests (docs/bench.md)'
	@echo 'make fuzz       the fuzzer for 10 minutes on the debug kernel'
	@echo 'make install    install module, headers, library, man pages'
	@echo 'make dkms-install  build+install the module with DKMS (dkms-remove undoes it)'
	@echo 'make sign KEY=.. CERT=..  sign build/stock/netapibuf.ko for Secure Boot'
	@echo 'make deb           Debian packages into $$(BUILD)/deb'
	@echo 'Variables: KDIR=<kernel build dir> BUILD=<output dir>'

deps:
	@missing=$$(for p in $(DEPS) $(DEPS_EXTRA); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

# kbuild writes its objects next to the sources, so each kernel gets its
# own copy of them: one source tree serves the stock and debug kernels.
# $(call kbuild,DIR,KDIR,EXTRA-ARGS): KDIR is shell text, expanded when
# the recipe runs.
define kbuild
	@mkdir -p $(1)
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--include='/Kbuild' --include='/module/***' --include='/uapi/***' \
		--exclude='*' ./ $(1)/
	kdir=$(2) && test -n "$$kdir" && $(MAKE) -C "$$kdir" M=$(1) $(3) modules
endef

$(BUILD)/stock/netapibuf.ko: $(MOD_SRCS)
	$(call kbuild,$(BUILD)/stock,"$(KDIR)")

module module-stock: $(BUILD)/stock/netapibuf.ko

# The other kernels: tools/kernel fetches or builds each once (cached) and
# prints its build directory. The debug module has the KUnit suite.
$(filter-out module-stock,$(addprefix module-,$(KERNELS))): module-%: $(MOD_SRCS)
	$(call kbuild,$(BUILD)/$*,$$(tools/kernel $* kdir),$(if $(filter debug,$*),CONFIG_NETAPIBUF_KUNIT_TEST=y))

modules: $(addprefix module-,$(KERNELS))

lib:
	$(MAKE) -C userlib

selftests: lib
	$(MAKE) -C selftests

tools: lib netapibufctl
	$(MAKE) -C tools

# Sequential on purpose: deps first, then builds, then the tests.
check:
	$(MAKE) deps DEPS_EXTRA="$(CHECK_DEPS)"
	$(MAKE) all $(addprefix module-,$(CHECK_KERNELS))
	NETAPIBUF_KERNELS="$(CHECK_KERNELS)" tools/run-checks

# The kernels make check leaves out (none by default).
check-kernels:
	$(MAKE) deps DEPS_EXTRA="$(CHECK_DEPS)"
	$(MAKE) all $(addprefix module-,$(filter-out $(CHECK_KERNELS),$(KERNELS)))
	NETAPIBUF_KERNELS="$(filter-out $(CHECK_KERNELS),$(KERNELS))" \
		NETAPIBUF_HOST_CHECKS=0 tools/run-checks

# The bare-machine promise, in a debootstrapped Debian 12 root (root only).
check-fresh:
	tools/check-fresh

lint: module
	tools/lint

demo:
	$(MAKE) deps
	$(MAKE) all
	tools/vmrun -f $(BUILD)/tools/netapibuf-demo \
		-f $(BUILD)/tools/netapibuf-query -- \
		sh -c "./netapibuf-demo && insmod netapibuf_sysinfo.ko && ./netapibuf-query"

install: all install-ecosystem
	install -D -m 0644 -t $(DESTDIR)/lib/modules/$(KVER)/extra \
		$(BUILD)/stock/netapibuf.ko $(BUILD)/stock/netapibuf_sysinfo.ko
	# For agents built out of tree: the kernel API and its symbols.
	install -D -m 0644 module/include/netapibuf_kernel.h \
		$(DESTDIR)$(PREFIX)/src/netapibuf/include/netapibuf_kernel.h
	install -D -m 0644 $(BUILD)/stock/Module.symvers \
		$(DESTDIR)$(PREFIX)/src/netapibuf/Module.symvers
	[ -n "$(DESTDIR)" ] || depmod -a $(KVER)
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/linux \
		uapi/linux/netapibuf.h uapi/linux/netapibuf_sysinfo.h
	$(MAKE) -C userlib install

clean:
	rm -rf $(BUILD)
