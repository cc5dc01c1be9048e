# bench/peers.mk - the side-by-side benchmark (`make bench`).
#
#   make bench                                     every shipped model set, the
#                                                  widest SIMD target this CPU runs
#   make bench MODELS="models/a.tsv models/b.tsv"  the named ones
#   make bench BENCH_ROUNDS=25 BENCH_MIN_MS=5      more rounds, longer batches
#   make bench BENCH_PEERS=onednn                  only these peers
#   make bench BENCH_TARGET=avx2                   dwgen --target avx2 kernels
#   make bench BENCH_TARGET=c                      the portable kernels
#   make bench BENCH_TARGET=avx512                 dwgen --target avx512 kernels
#   make tune TUNE_TARGET=avx512 MODELS=...        measure a SIMD target's loop orders
#                                                  and rewrite gen/kernel_avx512_wisdom.lua
#                                                  (tune-avx2, tune-avx512: the same)
#
# Included by the top Makefile after bench/bench.mk (KERNEL_OPT) and
# gen/gen.mk (DWGEN). Each model set is generated into its own folder,
# $(BENCH_DIR)/NAME/kernels, every kernel compiled with KERNEL_OPT to its
# own object (so its .text can be measured) and linked with the harness and
# the peers into $(BENCH_DIR)/NAME/bench. The harness is compiled once.
# Results: $(BENCH_DIR)/results.csv and the chart $(BENCH_DIR)/speedups.png.

BENCH_DIR    := $(BUILD)/bench
MODELS       ?= $(sort $(wildcard models/*.tsv))
BENCH_PEERS  ?= xnnpack onednn
BENCH_REG    := dwgen_registry_bench
DWGEN        ?= $(BUILD)/bin/dwgen
# The generator the benchmark runs: DWGEN unless told otherwise (a stand-in
# goes here, not in DWGEN, whose rule in gen/gen.mk would rebuild it).
BENCH_DWGEN  ?= $(DWGEN)
# The generator target (dwgen --target): by default the one `make run`
# picks for this CPU (DWGEN_TARGET, bench/bench.mk: avx512, avx2, else c);
# BENCH_TARGET=c for the portable kernels. %peak is of the FMA width the
# kernels use.
BENCH_TARGET ?= $(DWGEN_TARGET)
BENCH_TARGET_FLAG = $(if $(BENCH_TARGET),--target $(BENCH_TARGET))
BENCH_PEAK   = $(if $(filter avx512,$(BENCH_TARGET)),512,256)
GNUPLOT      ?= gnuplot
SIZE         ?= size
BENCH_CFLAGS  = -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g $(WARN) $(DEPFLAGS) $(CFLAGS) \
                -Iruntime -Ibench

BENCH_NAMES  := $(basename $(notdir $(MODELS)))
BENCH_BINS   := $(BENCH_NAMES:%=$(BENCH_DIR)/%/bench)
BENCH_SRC    := $(wildcard bench/bench_*.c bench/peer_*.c)
BENCH_OBJ    := $(BENCH_SRC:bench/%.c=$(BENCH_DIR)/obj/%.o)

ifneq ($(words $(BENCH_NAMES)),$(words $(sort $(BENCH_NAMES))))
$(error MODELS has two model sets with the same file name: $(MODELS))
endif

# --- peers: found by asking the compiler for their headers -----------------
# Evaluated once, and only when a benchmark rule needs it, so other targets
# never pay for the probes. A peer that is absent is compiled as a stub that
# reports itself skipped.
bench_once = $(eval $(1) := $(2))$($(1))
bench_header = $(shell $(CC) -E -include $(1) -x c /dev/null >/dev/null 2>&1 && echo yes)
bench_declares = $(shell $(CC) -E -include $(1) -x c /dev/null 2>/dev/null | grep -q $(2) && echo yes)

BENCH_XNNPACK = $(call bench_once,BENCH_XNNPACK,$(if $(filter xnnpack,$(BENCH_PEERS)),\
                    $(call bench_header,xnnpack.h)))
BENCH_ONEDNN  = $(call bench_once,BENCH_ONEDNN,$(if $(filter onednn,$(BENCH_PEERS)),\
                    $(call bench_header,oneapi/dnnl/dnnl.h)))
# XNNPACK has no fused hswish; a separate operator is used when it has one.
BENCH_XNN_HSWISH = $(call bench_once,BENCH_XNN_HSWISH,\
                       $(call bench_declares,xnnpack.h,xnn_create_hardswish_nc_f32))

XNNPACK_LIBS ?= -lXNNPACK -lpthreadpool
ONEDNN_LIBS  ?= -ldnnl

BENCH_XNNPACK_FLAGS = $(if $(BENCH_XNNPACK),-DHAVE_XNNPACK $(if $(BENCH_XNN_HSWISH),-DHAVE_XNN_HARDSWISH))
BENCH_ONEDNN_FLAGS  = $(if $(BENCH_ONEDNN),-DHAVE_ONEDNN)
BENCH_PEER_LIBS     = $(if $(BENCH_XNNPACK),$(XNNPACK_LIBS)) $(if $(BENCH_ONEDNN),$(ONEDNN_LIBS))

# The probes' result, rewritten only when it changes: installing or removing
# a peer rebuilds what depends on it. FORCE_BENCH_PEERS makes make look
# every time.
$(BENCH_DIR)/peers.flags: FORCE_BENCH_PEERS
	@mkdir -p $(@D)
	@echo '$(strip $(BENCH_XNNPACK_FLAGS) $(BENCH_ONEDNN_FLAGS) | $(BENCH_PEER_LIBS))' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

# Likewise the generator in use: another BENCH_DWGEN regenerates every model set.
$(BENCH_DIR)/generator.id: FORCE_BENCH_PEERS
	@mkdir -p $(@D)
	@echo '$(abspath $(BENCH_DWGEN)) --registry $(BENCH_REG) $(BENCH_TARGET_FLAG)' > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

.PHONY: FORCE_BENCH_PEERS

# --- the harness, compiled once --------------------------------------------
$(BENCH_DIR)/obj/peer_xnnpack.o: BENCH_FILE_FLAGS = $(BENCH_XNNPACK_FLAGS)
$(BENCH_DIR)/obj/peer_onednn.o:  BENCH_FILE_FLAGS = $(BENCH_ONEDNN_FLAGS)
$(BENCH_DIR)/obj/bench_main.o:   BENCH_FILE_FLAGS = -DDWGEN_REGISTRY=$(BENCH_REG)
$(BENCH_DIR)/obj/peer_xnnpack.o $(BENCH_DIR)/obj/peer_onednn.o: $(BENCH_DIR)/peers.flags

$(BENCH_DIR)/obj/%.o: bench/%.c
	@mkdir -p $(@D)
	$(CC) $(BENCH_CFLAGS) $(BENCH_FILE_FLAGS) -c $< -o $@

# --- one folder and one binary per model set --------------------------------
# The kernel list is known only after generation, so one recipe compiles
# every generated file to its own object and records the .text bytes of
# each (all .text* sections: compilers put hot/cold parts apart).
define bench_model
$(BENCH_DIR)/$(2)/kernels.stamp: $(1) $(BENCH_DWGEN) $(BENCH_DIR)/generator.id
	rm -rf $(BENCH_DIR)/$(2)/kernels $(BENCH_DIR)/$(2)/kobj
	@mkdir -p $(BENCH_DIR)/$(2)/kobj
	$(BENCH_DWGEN) -o $(BENCH_DIR)/$(2)/kernels --registry $(BENCH_REG) $(BENCH_TARGET_FLAG) $(1)
	@touch $$@

$(BENCH_DIR)/$(2)/bench: $(BENCH_DIR)/$(2)/kernels.stamp $(BENCH_OBJ) $(LIBDWGEN) \
                         $(BENCH_DIR)/peers.flags
	@echo "compiling $(2)'s generated kernels with $(KERNEL_OPT)"
	@rm -f $(BENCH_DIR)/$(2)/codesize.tsv
	@for src in $(BENCH_DIR)/$(2)/kernels/*.c; do \
	    name=$$$$(basename $$$$src .c); obj=$(BENCH_DIR)/$(2)/kobj/$$$$name.o; \
	    $(CC) $(CSTD) $(KERNEL_OPT) $(WARN) $(CFLAGS) -Iruntime -c $$$$src -o $$$$obj || exit 1; \
	    text=$$$$($(SIZE) -A $$$$obj | awk '$$$$1 ~ /^\.text/ { t += $$$$2 } END { print t + 0 }'); \
	    printf '%s\t%s\n' "$$$$name" "$$$$text" >> $(BENCH_DIR)/$(2)/codesize.tsv; \
	done
	$(CC) $(BENCH_OBJ) $(BENCH_DIR)/$(2)/kobj/*.o $(LIBDWGEN) $$(BENCH_PEER_LIBS) -lpthread -lm -o $$@
endef
$(foreach m,$(MODELS),$(eval $(call bench_model,$(m),$(basename $(notdir $(m))))))

# --- the run ------------------------------------------------------------------
# oneDNN's OpenMP reads OMP_NUM_THREADS before main, so it is set here.
.PHONY: bench
bench: $(BENCH_BINS)
	@for m in $(BENCH_NAMES); do \
	    OMP_NUM_THREADS=1 $(BENCH_DIR)/$$m/bench --model $$m --out $(BENCH_DIR)/$$m \
	        --codesize $(BENCH_DIR)/$$m/codesize.tsv --peak $(BENCH_PEAK) || exit 1; \
	done
	@awk 'FNR > 1 || NR == 1' $(BENCH_NAMES:%=$(BENCH_DIR)/%/results.csv) > $(BENCH_DIR)/results.csv
	@awk 'FNR > 1 || NR == 1' $(BENCH_NAMES:%=$(BENCH_DIR)/%/speedups.tsv) > $(BENCH_DIR)/speedups.tsv
	@echo "wrote $(BENCH_DIR)/results.csv"
	@if ! command -v $(GNUPLOT) >/dev/null 2>&1; then \
	    echo "no chart: $(GNUPLOT) not found (Debian: apt-get install gnuplot-nox)"; \
	elif awk -F'\t' 'NR == 1 { exit NF > 1 }' $(BENCH_DIR)/speedups.tsv; then \
	    echo "no chart: no peer library was built in"; \
	else \
	    $(GNUPLOT) -e "data='$(BENCH_DIR)/speedups.tsv'; out='$(BENCH_DIR)/speedups.png'" \
	        bench/plot.gp && echo "wrote $(BENCH_DIR)/speedups.png"; \
	fi

# --- the SIMD targets' wisdom ------------------------------------------------
# Measures, for every shape-specialized layer of MODELS, the loop-order
# candidates of TUNE_TARGET's kernels side by side (gen/kernel_simd_tune.lua,
# harness templates/kernel_simd_tune.c.in, kernels compiled with KERNEL_OPT,
# buffers 64-byte aligned like the benchmark's) and rewrites
# gen/kernel_$(TUNE_TARGET)_wisdom.lua with the choices that beat the
# default rule by 5% or more. Like `make regen`, it writes into the source
# tree on purpose; generation itself only reads the file.
TUNE_ROUNDS ?= 15
TUNE_TARGET ?= avx2
.PHONY: tune tune-avx2 tune-avx512
tune: $(LIBDWGEN)
	LUA_PATH='$(CURDIR)/gen/?.lua;;' lua5.4 gen/kernel_simd_tune.lua --target $(TUNE_TARGET) \
	    --dir $(abspath $(BUILD)/tune-$(TUNE_TARGET)) --cc '$(CC)' \
	    --cflags '$(KERNEL_OPT) $(CFLAGS)' \
	    --lib $(abspath $(LIBDWGEN)) --include $(CURDIR)/runtime --templates templates \
	    --rounds $(TUNE_ROUNDS) --out gen/kernel_$(TUNE_TARGET)_wisdom.lua $(MODELS)
tune-avx2 tune-avx512:
	$(MAKE) tune TUNE_TARGET=$(@:tune-%=%)
