# SPDX-License-Identifier: GPL-2.0
#
# make bench: netapibuf side by side with its peers (glibc malloc, Samba's
# libnetapi, memfd + mmap, anonymous mmap, dma-buf heaps) and the floor of
# a system call, in QEMU guests whose time counts guest instructions
# (tools/vmrun --icount), so that two runs print the same figures. Included
# by the top-level Makefile; docs/bench.md explains the figures.
#
#   make bench              every kernel of BENCH_KERNELS, then the report
#   make bench BENCH_KERNELS=stock
#                           Debian's kernel only (no dma-buf heap, nothing
#                           to build); BENCH_KERNELS=bench: the other only
#   make bench-report       the report again, from the last guest logs
#   make bench-trace        function_graph traces of single operations in
#                           the module (BENCH_TRACE_KERNELS, default bench;
#                           debug: the debug kernel of make check)
#   make bench-deps         install what the benchmark needs
#
# The kernels, each booted once with every peer run in that one boot (the
# first of BENCH_KERNELS is the main one in the report):
#   stock  Debian's kernel (linux-image-amd64, init_on_alloc=1 and the
#          other hardening it has), the module of `make module`
#   bench  tools/bench.config: the debug kernel's config without any
#          debugging, built once by tools/debug-kernel and cached; it has
#          /dev/dma_heap/system, which Debian's kernel lacks
#   debug  the debug kernel (tools/debug-kernel), its KASAN, lockdep and
#          the rest making every figure larger: for bench-trace only
#
# Each kernel is booted a second time with two vCPUs and no -icount for
# the threads row (nab-bench-run threads).
#
# Output in $(BUILD)/bench: bench.json, bench.png, bench.md (the tables),
# guest-<kernel>.log and smp-<kernel>.log (the raw results),
# trace-<kernel>.txt. The targets
# are printed, never enforced.

NAB_BENCH_TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

BUILD ?= $(NAB_BENCH_TOP)/build
KDIR ?= $(shell $(NAB_BENCH_TOP)/tools/kernel stock kdir)

BENCH_KERNELS ?= stock bench
BENCH_TRACE_KERNELS ?= bench
BENCH_OUT := $(BUILD)/bench
# Debian's python3, where python3-matplotlib installs.
BENCH_PYTHON ?= /usr/bin/python3
# Builds (once) and prints the bench kernel's build directory.
BENCH_KERNEL_TOOL ?= $(NAB_BENCH_TOP)/tools/debug-kernel
NAB_BENCH_TOOL_DEBUG := $(NAB_BENCH_TOP)/tools/debug-kernel
BENCH_FRAGMENT := $(NAB_BENCH_TOP)/tools/bench.config
# One vCPU: with -icount, QEMU 7.2 does not get a second vCPU through
# "x86: Booting SMP configuration" in any useful time; with one vCPU the
# guest's time is a function of the instructions it runs, nothing else.
BENCH_VMRUN_OPTS ?= --icount --smp 1 -m 2G --timeout 900
# The threads row: calls per second with 1 and 2 threads need two vCPUs,
# so a second boot, without -icount: real time, which varies from run to
# run and with the host's load.
BENCH_SMP_VMRUN_OPTS ?= --smp 2 -m 2G --timeout 900
BENCH_DEPS := samba-dev python3-matplotlib

# Per kernel: the image to boot (empty: vmrun's default, Debian's), the
# module and the agent. Shell words, expanded when the guest starts.
BENCH_IMAGE_stock :=
BENCH_IMAGE_bench := $$(tail -n 1 $(BENCH_OUT)/bench/kdir)/arch/x86/boot/bzImage
BENCH_KO_stock := $(BUILD)/stock/netapibuf.ko
BENCH_KO_bench := $(BENCH_OUT)/bench/module/netapibuf.ko
BENCH_IMAGE_debug := $$($(NAB_BENCH_TOOL_DEBUG))/arch/x86/boot/bzImage
BENCH_KO_debug := $(BUILD)/debug/netapibuf.ko
BENCH_AGENT = $(BENCH_OUT)/$(1)/agent/netapibuf_bench_agent.ko

.PHONY: bench bench-programs bench-report bench-trace bench-deps \
	$(foreach k,stock bench debug,bench-build-$(k) bench-run-$(k) bench-smp-$(k) bench-trace-$(k))

bench: bench-programs $(addprefix bench-run-,$(BENCH_KERNELS)) \
	$(addprefix bench-smp-,$(BENCH_KERNELS))
	@$(MAKE) --no-print-directory -f $(NAB_BENCH_TOP)/mk/bench.mk \
		bench-report BUILD=$(BUILD) BENCH_KERNELS="$(BENCH_KERNELS)" \
		BENCH_PYTHON=$(BENCH_PYTHON)

bench-deps:
	@missing=$$(for p in $(BENCH_DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $$missing; \
	fi

bench-programs: bench-deps
	$(MAKE) -C $(NAB_BENCH_TOP)/userlib
	$(MAKE) -C $(NAB_BENCH_TOP)/bench programs BUILD=$(BUILD)

# Debian's kernel: the module of `make module` and the agent, built
# against its headers.
bench-build-stock: bench-programs
	$(MAKE) -C $(NAB_BENCH_TOP) module BUILD=$(BUILD) KDIR=$(KDIR)
	$(MAKE) -C $(NAB_BENCH_TOP)/bench agent KDIR=$(KDIR) \
		SYMVERS=$(BUILD)/stock/Module.symvers \
		AGENT_DIR=$(BENCH_OUT)/stock/agent

# The bench kernel, built (or found in the cache) by tools/debug-kernel
# with tools/bench.config; then the module and the agent against it, each
# in a copy of its sources (kbuild writes next to them).
bench-build-bench: bench-programs
	@mkdir -p $(BENCH_OUT)/bench/module
	NETAPIBUF_KERNEL_FRAGMENT=$(BENCH_FRAGMENT) $(BENCH_KERNEL_TOOL) \
		>$(BENCH_OUT)/bench/kdir
	@kdir=$$(tail -n 1 $(BENCH_OUT)/bench/kdir); \
	if ! grep -qx 'CONFIG_LOCALVERSION="-netapibuf-bench"' "$$kdir/.config"; then \
		echo "bench: $(BENCH_KERNEL_TOOL) gave $$kdir, not the bench" \
			"kernel: it must take its fragment from" \
			"NETAPIBUF_KERNEL_FRAGMENT" >&2; \
		exit 1; \
	fi
	rsync -a --delete --exclude='*.o' --exclude='*.ko' --exclude='.*.cmd' \
		--include='/Kbuild' --include='/module/***' --include='/uapi/***' \
		--exclude='*' $(NAB_BENCH_TOP)/ $(BENCH_OUT)/bench/module/
	$(MAKE) -C $$(tail -n 1 $(BENCH_OUT)/bench/kdir) \
		M=$(BENCH_OUT)/bench/module modules
	$(MAKE) -C $(NAB_BENCH_TOP)/bench agent \
		KDIR=$$(tail -n 1 $(BENCH_OUT)/bench/kdir) \
		SYMVERS=$(BENCH_OUT)/bench/module/Module.symvers \
		AGENT_DIR=$(BENCH_OUT)/bench/agent

# The debug kernel of make check (built and cached by tools/debug-kernel)
# and the module of make module-debug, KUnit suite included.
bench-build-debug: bench-programs
	$(MAKE) -C $(NAB_BENCH_TOP) module-debug BUILD=$(BUILD)
	$(MAKE) -C $(NAB_BENCH_TOP)/bench agent \
		KDIR=$$($(NAB_BENCH_TOOL_DEBUG)) \
		SYMVERS=$(BUILD)/debug/Module.symvers \
		AGENT_DIR=$(BENCH_OUT)/debug/agent

# $(call nab_bench_vm,KERNEL,SCRIPT,OUTPUT[,VMRUN OPTIONS[,ARGS]]): boot
# KERNEL's guest with the programs, the agent and SCRIPT, run SCRIPT ARGS,
# keep what it prints in OUTPUT and show the lines that are not results.
define nab_bench_vm
	@echo "bench: running $(2) in the $(1) kernel's guest"
	@start=$$(date +%s); \
	NETAPIBUF_KERNEL=$(BENCH_IMAGE_$(1)) NETAPIBUF_KO=$(BENCH_KO_$(1)) \
	$(NAB_BENCH_TOP)/tools/vmrun $(or $(4),$(BENCH_VMRUN_OPTS)) \
		-f $(BENCH_OUT)/nab-bench -f $(BENCH_OUT)/nab-bench-samba \
		-f $(NAB_BENCH_TOP)/bench/$(2) -f $(call BENCH_AGENT,$(1)) \
		-- ./$(2) $(5) >$(3).tmp 2>&1; \
	status=$$?; \
	grep -v -e '^@@' -e '^ *[0-9])' -e '^#' $(3).tmp | sed 's/^/  /'; \
	echo "bench: $(1) kernel: $$(($$(date +%s) - start)) s of host time"; \
	if [ $$status != 0 ]; then \
		echo "bench: the $(1) guest failed (tools/vmrun status $$status)" >&2; \
		exit 1; \
	fi; \
	mv -f $(3).tmp $(3)
endef

define nab_bench_kernel
bench-run-$(1): bench-build-$(1)
	$$(call nab_bench_vm,$(1),nab-bench-run,$(BENCH_OUT)/guest-$(1).log)

# After the -icount guest, never beside it: both want both cores.
bench-smp-$(1): bench-build-$(1) | bench-run-$(1)
	$$(call nab_bench_vm,$(1),nab-bench-run,$(BENCH_OUT)/smp-$(1).log,$(BENCH_SMP_VMRUN_OPTS),threads)

bench-trace-$(1): bench-build-$(1)
	$$(call nab_bench_vm,$(1),nab-bench-trace,$(BENCH_OUT)/trace-$(1).log)
	$(BENCH_PYTHON) $(NAB_BENCH_TOP)/bench/trace-summary.py \
		$(BENCH_OUT)/trace-$(1).log >$(BENCH_OUT)/trace-$(1).txt
	@cat $(BENCH_OUT)/trace-$(1).txt
endef
$(foreach k,stock bench debug,$(eval $(call nab_bench_kernel,$(k))))

bench-trace: $(addprefix bench-trace-,$(BENCH_TRACE_KERNELS))

bench-report:
	$(BENCH_PYTHON) $(NAB_BENCH_TOP)/bench/report.py \
		$(foreach k,$(BENCH_KERNELS),--run $(k)=$(BENCH_OUT)/guest-$(k).log) \
		$(foreach k,$(BENCH_KERNELS),$(if $(wildcard $(BENCH_OUT)/smp-$(k).log),--smp $(k)=$(BENCH_OUT)/smp-$(k).log)) \
		--json $(BENCH_OUT)/bench.json --png $(BENCH_OUT)/bench.png \
		--markdown $(BENCH_OUT)/bench.md
	@echo "bench: $(BENCH_OUT)/bench.json, bench.png, bench.md"
