# tests/torture/torture.mk - random layers through the generator, each
# kernel against the generic kernel (included by the top Makefile).
#
#   make torture                    N=200 random configurations, SEED=20240611
#   make torture N=500 SEED=7       any other draw; a failure prints its seed
#   make torture-smoke              N=30 (part of `make test`)
#   make torture TORTURE_CFLAGS='-O1 -fsanitize=address,undefined'
#   make torture TARGET=avx2        the kernels of another generator target
#                                   (dwgen --target), in $(BUILD)/torture-avx2
#
# With a SIMD target (avx2, avx512) the cases run twice: with the usual
# allocations, then with every buffer mmapped (glibc's mmap_threshold=0),
# which puts them 16 bytes past a 32-byte boundary: the avx2 kernels'
# shifted bodies, and vectors that straddle cache lines. On a CPU without
# the target's instructions the run stops after the build, saying so.
#
# draw.lua draws the configurations (kernel 1..9 per axis, one draw in 20
# up to 31; stride and rate 1..3; SAME, VALID and explicit pads 0..4;
# multiplier 1..4; C 1..70; H, W 1..40; every activation). Each gets a
# shape-specialized and a configuration-specialized kernel from one run of
# build/bin/dwgen (--layer per kernel); before the generator is built, the
# kernels are rendered by draw.lua itself. The kernels are compiled a batch
# of files per compiler run, TORTURE_JOBS runs at a time, with the
# project's warning flags, then torture.c checks every one.

N             ?= 200
SEED          ?= 20240611
TORTURE_JOBS  ?= 2
TORTURE_OPT   ?= -O2
TORTURE_CFLAGS ?=
TARGET        ?= c
TORTURE_LUA   := LUA_PATH='$(CURDIR)/gen/?.lua;$(CURDIR)/tests/torture/?.lua;;' lua5.4

# The generator when gen/gen.mk provides it, else draw.lua's own renderer.
TORTURE_MODE := $(if $(DWGEN),dwgen,lua)

TORTURE_SRC := tests/torture/torture.c tests/torture/torture.h tests/torture/draw.lua \
               tests/kernels/kernel_check.c \
               $(wildcard gen/kernel_*.lua templates/kernel_*.c.in)

TORTURE_CC = $(CC) $(CSTD) $(TORTURE_OPT) $(WARN) $(SANFLAGS) $(TORTURE_CFLAGS) -I$(CURDIR)/runtime

# $(call torture_run,DIR,N,SEED): draw, generate, build and run.
define torture_run
	rm -rf $(1) && mkdir -p $(1)/kernels
	$(TORTURE_LUA) tests/torture/draw.lua $(3) $(2) $(1) $(TORTURE_MODE) $(TARGET)
	$(if $(filter dwgen,$(TORTURE_MODE)),sh $(1)/dwgen.sh $(DWGEN) $(1)/kernels)
	cd $(1)/kernels && ls *.c | xargs -P $(TORTURE_JOBS) -n 16 $(TORTURE_CC) -c
	$(TORTURE_CC) -Itests/kernels -Itests/torture -o $(1)/torture $(1)/cases.c \
	    tests/torture/torture.c tests/kernels/kernel_check.c $(1)/kernels/*.o $(LIBDWGEN) -lm
	$(if $(TORTURE_CPU_OK),$(1)/torture,@echo "torture: this CPU lacks $(TARGET) ($(TORTURE_CPU_FLAGS)): built, not run")
	$(if $(and $(TORTURE_CPU_OK),$(filter avx2 avx512,$(TARGET))),GLIBC_TUNABLES=glibc.malloc.mmap_threshold=0 $(1)/torture)
endef

# The /proc/cpuinfo flags a target's kernels need to run.
TORTURE_CPU_FLAGS := $(if $(filter avx2,$(TARGET)),avx2 fma,$(if $(filter avx512,$(TARGET)),avx512f))
TORTURE_CPU_OK := $(if $(TORTURE_CPU_FLAGS),$(shell for f in $(TORTURE_CPU_FLAGS); do \
                      grep -qw $$f /proc/cpuinfo || exit 0; done; echo yes),yes)

.PHONY: torture torture-smoke
# The c target keeps its folders' old names; others get their own.
TORTURE_SUFFIX := $(if $(filter c,$(TARGET)),,-$(TARGET))

torture: $(LIBDWGEN) $(DWGEN) $(TORTURE_SRC)
	$(call torture_run,$(BUILD)/torture$(TORTURE_SUFFIX),$(N),$(SEED))

torture-smoke: $(LIBDWGEN) $(DWGEN) $(TORTURE_SRC)
	$(call torture_run,$(BUILD)/torture-smoke$(TORTURE_SUFFIX),30,1)

TEST_TARGETS += torture-smoke
