# bench/bench.mk - the main job (`make run`).
#
#   make run                          MobileNetV2 (the default model set)
#   make run MODEL=models/xception.tsv
#   make run DWGEN_TARGET=c           the portable kernels (default: avx512 or avx2 where
#                                     the CPU has it)
#
# Generates the model's kernels into $(BUILD)/run/MODELNAME/kernels, builds
# them with bench/run_model.c and the runtime, checks each layer against the
# generic kernel and prints a table of times.

MODEL      ?= models/mobilenet_v2.tsv
KERNEL_OPT ?= -O3 -march=native
# The generator target (dwgen --target): the widest SIMD target this CPU
# runs (the kernels run where they are built): avx512 with AVX-512F, avx2
# with AVX2 and FMA, else dwgen's default, c.
DWGEN_TARGET ?= $(shell if grep -qw avx512f /proc/cpuinfo 2>/dev/null; then echo avx512; \
                    elif grep -qw avx2 /proc/cpuinfo 2>/dev/null && \
                         grep -qw fma /proc/cpuinfo; then echo avx2; fi)
RUN_DIR    := $(BUILD)/run/$(basename $(notdir $(MODEL)))$(if $(DWGEN_TARGET),-$(DWGEN_TARGET))

.PHONY: run
run: $(RUN_DIR)/run_model
	$(RUN_DIR)/run_model

# The kernel set is a folder whose file list depends on the model, so one
# rule regenerates it and one compiler call builds everything in it.
$(RUN_DIR)/kernels.stamp: $(DWGEN) $(MODEL)
	@mkdir -p $(RUN_DIR)
	$(DWGEN) -o $(RUN_DIR)/kernels --registry dwgen_registry_run \
	    $(if $(DWGEN_TARGET),--target $(DWGEN_TARGET)) $(MODEL)
	@touch $@

$(RUN_DIR)/run_model: $(RUN_DIR)/kernels.stamp bench/run_model.c tests/kernels/kernel_check.c $(LIBDWGEN)
	$(CC) $(CSTD) $(KERNEL_OPT) $(WARN) -Iruntime -Itests/kernels -DDWGEN_REGISTRY=dwgen_registry_run \
	    bench/run_model.c tests/kernels/kernel_check.c $(RUN_DIR)/kernels/*.c $(LIBDWGEN) -lm -o $@
