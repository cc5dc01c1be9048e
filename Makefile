# dwgen top-level Makefile. Everything is built out of tree under $(BUILD);
# `make clean` removes exactly that folder. The source tree is written only
# by `make regen` (generated/).
#
#   make            static runtime library (and the dwgen generator)
#   make test       build and run every test
#   make run        the main job (see README)
#   make CC=clang test   the same with clang

BUILD    ?= build
CC       ?= cc
OPT      ?= -O2 -g
WARN     := -Wall -Wextra -Werror
CSTD     := -std=c99 -D_POSIX_C_SOURCE=200809L
DEPFLAGS := -MMD -MP
CFLAGS_ALL = $(CSTD) $(OPT) $(WARN) $(DEPFLAGS) $(CFLAGS)
PKG_CONFIG ?= pkg-config

.PHONY: all lib test run clean
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
-include tests/gen/gen_tests.mk
-include tests/torture/torture.mk

test: $(TEST_TARGETS)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
