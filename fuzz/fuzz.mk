# fuzz/fuzz.mk - the libFuzzer harnesses (included by the top Makefile,
# after the other fragments).
#
#   make fuzz FUZZ_SECONDS=60   build every harness with clang, libFuzzer,
#                               ASan and UBSan, and run each that long
#   make fuzz-layers            one harness (also fuzz-runtime)
#   make fuzz-replay            the committed corpora and every regression
#                               through the harnesses built with $(CC) and
#                               the project's flags, without libFuzzer (part
#                               of `make test` through test-reliability)
#
# Harnesses: layers (fuzz_layers.c: TSV, Lua layer files and --layer
# strings through the generator) and runtime (fuzz_runtime.c: validation,
# plans and runs against the generic kernel, generated/'s kernels linked).
#
# Seeds: fuzz/corpus/HARNESS/, committed and only read. What libFuzzer adds
# goes to $(BUILD)/fuzz/corpus/HARNESS/, crashes to
# $(BUILD)/fuzz/artifacts/HARNESS/. A crash becomes a regression: copy the
# input to fuzz/regressions/HARNESS/ (named after what it found), fix the
# bug, and fuzz-replay runs it from then on.

FUZZ_HARNESSES := layers runtime
FUZZ_CC        ?= clang
FUZZ_SECONDS   ?= 60
FUZZ_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_OPT       ?= -O1 -g
FUZZ_RUN_FLAGS ?= -timeout=30 -rss_limit_mb=2048 -print_final_stats=1
FUZZ_DIR       := $(BUILD)/fuzz
FUZZ_INCLUDES   = -Iruntime -Igen -Igenerated $(LUA_CFLAGS)
FUZZ_CFLAGS     = $(CSTD) $(FUZZ_OPT) $(WARN) $(DEPFLAGS) -fsanitize=fuzzer-no-link $(FUZZ_SAN) $(FUZZ_INCLUDES)

FUZZ_GENERATED_SRC := $(wildcard generated/*.c)
FUZZ_RUNTIME_OBJ   := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(RUNTIME_SRC) $(FUZZ_GENERATED_SRC))
FUZZ_GEN_OBJ       := $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,gen/main.c gen/fs.c gen/sandbox.c) \
                      $(FUZZ_DIR)/obj/embedded.o

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# gen/main.c's main() must not replace libFuzzer's: rename it.
$(FUZZ_DIR)/obj/gen/main.o: gen/main.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Dmain=dwgen_cli_main -c $< -o $@

$(FUZZ_DIR)/obj/embedded.o: $(BUILD)/gen/embedded.c gen/embedded.h
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

$(FUZZ_DIR)/fuzz_layers: $(FUZZ_DIR)/obj/fuzz/fuzz_layers.o $(FUZZ_GEN_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ $(LUA_LIBS) -o $@

$(FUZZ_DIR)/fuzz_runtime: $(FUZZ_DIR)/obj/fuzz/fuzz_runtime.o $(FUZZ_RUNTIME_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) $^ -lm -o $@

.PHONY: fuzz fuzz-build fuzz-replay $(FUZZ_HARNESSES:%=fuzz-%)
fuzz-build: $(FUZZ_HARNESSES:%=$(FUZZ_DIR)/fuzz_%)

fuzz: $(FUZZ_HARNESSES:%=fuzz-%)

# One harness for FUZZ_SECONDS; prints libFuzzer's final statistics, and on
# a crash its report and where the input was saved.
$(FUZZ_HARNESSES:%=fuzz-%): fuzz-%: $(FUZZ_DIR)/fuzz_%
	@mkdir -p $(FUZZ_DIR)/corpus/$* $(FUZZ_DIR)/artifacts/$*
	@echo "fuzz-$*: $(FUZZ_SECONDS) s, seeds fuzz/corpus/$*, log $(FUZZ_DIR)/$*.log"
	@$(FUZZ_DIR)/fuzz_$* $(FUZZ_RUN_FLAGS) -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_DIR)/artifacts/$*/ $(FUZZ_DIR)/corpus/$* fuzz/corpus/$* \
	    >$(FUZZ_DIR)/$*.log 2>&1; rc=$$?; \
	grep -E '^stat::(number_of_executed_units|average_exec_per_sec|new_units_added|peak_rss_mb)' \
	    $(FUZZ_DIR)/$*.log | sed 's/^/fuzz-$*: /'; \
	if [ $$rc != 0 ]; then \
	    tail -n 40 $(FUZZ_DIR)/$*.log; \
	    echo "fuzz-$*: FAILED; the input is in $(FUZZ_DIR)/artifacts/$*/: copy it to"; \
	    echo "fuzz-$*: fuzz/regressions/$*/ and fix the bug (make fuzz-replay runs it)"; \
	    exit 1; \
	fi

# --- replay, with $(CC) and the project's flags (SAN=1: sanitizers) -----------
FUZZ_REPLAY_DIR := $(BUILD)/fuzz-replay
FUZZ_REPLAY_BIN := $(FUZZ_HARNESSES:%=$(FUZZ_REPLAY_DIR)/replay_%)
FUZZ_REPLAY_GENERATED_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(FUZZ_GENERATED_SRC))

$(FUZZ_REPLAY_DIR)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(FUZZ_INCLUDES) -c $< -o $@

$(FUZZ_REPLAY_DIR)/obj/gen/main.o: gen/main.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(FUZZ_INCLUDES) -Dmain=dwgen_cli_main -c $< -o $@

$(FUZZ_REPLAY_DIR)/replay_layers: $(FUZZ_REPLAY_DIR)/obj/fuzz/replay.o \
        $(FUZZ_REPLAY_DIR)/obj/fuzz/fuzz_layers.o $(FUZZ_REPLAY_DIR)/obj/gen/main.o \
        $(BUILD)/gen/obj/fs.o $(BUILD)/gen/obj/sandbox.o $(BUILD)/gen/obj/embedded.o
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) $^ $(LUA_LIBS) -o $@

$(FUZZ_REPLAY_DIR)/replay_runtime: $(FUZZ_REPLAY_DIR)/obj/fuzz/replay.o \
        $(FUZZ_REPLAY_DIR)/obj/fuzz/fuzz_runtime.o $(FUZZ_REPLAY_GENERATED_OBJ) $(LIBDWGEN)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) $^ -lm -o $@

fuzz-replay: $(FUZZ_REPLAY_BIN)
	@for h in $(FUZZ_HARNESSES); do \
	    echo "== fuzz replay $$h: fuzz/corpus/$$h fuzz/regressions/$$h"; \
	    $(FUZZ_REPLAY_DIR)/replay_$$h fuzz/corpus/$$h fuzz/regressions/$$h || exit 1; \
	done
