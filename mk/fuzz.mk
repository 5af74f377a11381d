# SPDX-License-Identifier: GPL-2.0
#
# A longer run of the in-guest fuzzer (selftests/fuzz.c) on the debug
# kernel (KASAN, KFENCE, lockdep, kmemleak, UBSAN): the kernel log must
# stay clean, vmrun judges it. Included by the top-level Makefile.
#
#   make fuzz                        10 minutes, the fixed seed
#   make fuzz FUZZ_SECONDS=3600      an hour
#   make fuzz FUZZ_SEED=0x1234       another sequence of calls
#   make fuzz FUZZ_KERNEL=stock      on another kernel (tools/kernel --list)
#
# A failure prints the call, the result and the results allowed; the same
# seed (printed first) replays the same calls.

FUZZ_SECONDS ?= 600
FUZZ_SEED ?=
FUZZ_KERNEL ?= debug

# The guest gets the run plus 15 minutes for booting, the KUnit suite of
# the debug module and the kmemleak scans.
FUZZ_TIMEOUT = $(shell echo $$(( $(FUZZ_SECONDS) + 900 )))

FUZZ_ENV := NETAPIBUF_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	$(if $(FUZZ_SEED),NETAPIBUF_FUZZ_SEED=$(FUZZ_SEED))

.PHONY: fuzz

# tools/vmrun puts the sample agent built for the kernel into /work.
fuzz: module-$(FUZZ_KERNEL) lib
	$(MAKE) -C selftests $(BUILD)/selftests/fuzz
	tools/vmrun --kernel $(FUZZ_KERNEL) --timeout $(FUZZ_TIMEOUT) \
		-f $(BUILD)/selftests/fuzz -- env $(FUZZ_ENV) ./fuzz
