# dwgen top-level Makefile. Everything is built out of tree under $(BUILD);
# `make clean` removes exactly that folder. The source tree is written only
# by `make regen` (generated/).
#
#   make            static runtime library (and the dwgen generator)
#   make test       build and run every test
#   make run        the main job (see README)
#   make CC=clang test   the same with clang

# SAN=1: everything (library, generator, tests, generated kernels) under
# AddressSanitizer and UndefinedBehaviorSanitizer, in its own build folder.
ifeq ($(SAN),1)
BUILD    ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CSTD     := -std=c99 -D_POSIX_C_SOURCE=200809L
DEPFLAGS := -MMD -MP
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(DEPFLAGS) $(SANFLAGS) $(CFLAGS)
LDFLAGS += $(SANFLAGS)
PKG_CONFIG ?= pkg-config

.PHONY: all lib test run clean regen check-regen check
all: lib

# Fragments append their test targets here; `make test` runs them all.
TEST_TARGETS :=

# --- runtime library ----------------------------------------------------
RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(BUILD)/obj/%.o)
LIBDWGEN    := $(BUILD)/lib/libdwgen.a

lib: $(LIBDWGEN)

$(LIBDWGEN): $(RUNTIME_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	$(AR) rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Iruntime -c $< -o $@

# --- fragments: each folder owns its rules -------------------------------
-include gen/gen.mk
-include tests/tests.mk
-include bench/bench.mk
-include bench/peers.mk
-include tests/gen/gen_tests.mk
-include tests/torture/torture.mk
include tests/kernels/kernels.mk
-include mk/install.mk
-include tests/install/install.mk
-include fuzz/fuzz.mk
-include tests/reliability/reliability.mk

test: $(TEST_TARGETS)

# --- generated/: the kernels of every shipped model set ----------------------
# One set for all models (identical layers share a kernel), both levels of
# specialization, one registry. The recorded command leaves out -o, so
# regenerating elsewhere gives the same bytes.
SHIPPED_MODELS := $(sort $(wildcard models/*.tsv))
REGEN_FLAGS    := --specialize both --registry dwgen_registry_shipped

regen: $(DWGEN)
	$(DWGEN) -o generated $(REGEN_FLAGS) $(SHIPPED_MODELS)

check-regen: $(DWGEN)
	rm -rf $(BUILD)/regen
	$(DWGEN) -o $(BUILD)/regen $(REGEN_FLAGS) $(SHIPPED_MODELS)
	@if ! diff -r generated $(BUILD)/regen >$(BUILD)/regen.diff; then \
	    echo "generated/ is stale (run make regen); files that differ:"; \
	    diff -rq generated $(BUILD)/regen; exit 1; \
	fi
	@echo "generated/ is up to date"

# --- what CI runs -------------------------------------------------------------
check:
	$(MAKE) test
	$(MAKE) CC=clang BUILD=$(BUILD)/clang test
	$(MAKE) check-regen
	$(MAKE) torture N=200
	$(MAKE) torture TARGET=avx2 N=100
	$(MAKE) torture TARGET=avx512 N=100
	$(MAKE) CC=clang BUILD=$(BUILD)/clang torture TARGET=avx512 N=40
	$(MAKE) SAN=1 torture TARGET=avx512 N=40
	$(MAKE) test-install
	$(MAKE) SAN=1 test
	$(MAKE) fuzz FUZZ_SECONDS=60

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
