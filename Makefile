# SPDX-License-Identifier: GPL-2.0
#
# netapibuf: the module (through kbuild), the library, the selftests and
# the QEMU guest that runs them. `make help` lists the targets.

# The kernel to build the module for: its build directory. By default the
# newest one from Debian's linux-headers-amd64.
KDIR ?= $(lastword $(sort $(wildcard /usr/src/linux-headers-*-amd64)))
# Where everything that is built goes, outside the source tree.
BUILD ?= $(CURDIR)/build
PREFIX ?= /usr/local
DESTDIR ?=

export BUILD KDIR

# Debian packages the build and the guest need; `make deps` installs the
# missing ones.
DEPS := build-essential bc bison flex libelf-dev libssl-dev cpio kmod \
	pkg-config rsync xz-utils python3 linux-headers-amd64 \
	linux-image-amd64 linux-source-6.1 qemu-system-x86 busybox-static \
	libkmod-dev sparse dkms debhelper dh-dkms openssl

MOD_SRCS := Kbuild $(wildcard module/*.[ch] module/*/*.[ch]) uapi/linux/netapibuf.h

include mk/ecosystem.mk
include mk/bench.mk
include mk/fuzz.mk

.PHONY: all deps module module-debug lint lib selftests tools check demo install clean help

all: module lib selftests tools

help:
	@echo 'make deps       install the Debian packages the build needs'
	@echo 'make            build the module, library, selftests and tools'
	@echo 'make demo       build, boot the guest, run the example program'
	@echo 'make check      build and run every test in the guest'
	@echo 'make lint       checkpatch --strict, sparse and W=1 on the module'
	@echo 'make bench      netapibuf against its peers, deterministic guests (docs/bench.md)'
	@echo 'make fuzz       the fuzzer for 10 minutes on the debug kernel'
	@echo 'make install    install module, headers, library, man pages'
	@echo 'make dkms-install  build+install the module with DKMS (dkms-remove undoes it)'
	@echo 'make sign KEY=.. CERT=..  sign build/stock/netapibuf.ko for Secure Boot'
	@echo 'make deb           Debian packages into $$(BUILD)/deb'
	@echo 'Variables: KDIR=<kernel build dir> BUILD=<output dir>'

deps:
	@missing=$$(for p in $(DEPS); do \
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
# $(call kbuild,DIR,KDIR,EXTRA-ARGS)
define kbuild
	@mkdir -p $(1)
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--include='/Kbuild' --include='/module/***' --include='/uapi/***' \
		--exclude='*' ./ $(1)/
	$(MAKE) -C $(2) M=$(1) $(3) modules
endef

$(BUILD)/stock/netapibuf.ko: $(MOD_SRCS)
	$(call kbuild,$(BUILD)/stock,$(KDIR))

module: $(BUILD)/stock/netapibuf.ko

# The debug kernel (tools/debug-kernel builds it once and caches it) and
# the module built against it, with the KUnit suite.
module-debug: $(MOD_SRCS)
	$(call kbuild,$(BUILD)/debug,$$(tools/debug-kernel),CONFIG_NETAPIBUF_KUNIT_TEST=y)

lib:
	$(MAKE) -C userlib

selftests: lib
	$(MAKE) -C selftests

tools: lib netapibufctl
	$(MAKE) -C tools

# Sequential on purpose: deps first, then builds, then the tests.
check:
	$(MAKE) deps
	$(MAKE) all module-debug
	NETAPIBUF_DEBUG=1 tools/run-checks

lint: module
	tools/lint

demo:
	$(MAKE) deps
	$(MAKE) all
	tools/vmrun -f $(BUILD)/tools/netapibuf-demo \
		-f $(BUILD)/tools/netapibuf-query \
		-f $(BUILD)/stock/netapibuf_sysinfo.ko -- \
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
	install -D -m 0644 uapi/linux/netapibuf.h \
		$(DESTDIR)$(PREFIX)/include/linux/netapibuf.h
	$(MAKE) -C userlib install

clean:
	rm -rf $(BUILD)
