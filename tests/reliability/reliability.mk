# tests/reliability/reliability.mk - what must hold when things go wrong
# (included by the top Makefile after the other test fragments).
#
#   make test-reliability   all of the below (part of `make test`)
#     test-edges              runtime edges: NULLs, counts at SIZE_MAX, NOMEM,
#                             layers beyond INT_MAX elements (test_edges.c)
#     test-hostile            hostile layer files, each stopped with a clear error
#                             within a bound, nothing written (hostile.sh)
#     test-failures           failure injection for the generator: read-only and
#                             full file systems, SIGKILL and failing system calls
#                             at every step of writing a set (failures.sh)
#     fuzz-replay             the fuzz corpora and every fuzz regression through
#                             the harnesses, built with $(CC) (fuzz/fuzz.mk)
#   make valgrind           the test programs, the fuzz replays and dwgen on a
#                           model set under valgrind memcheck; any error or
#                           leak fails (a plain build: not with SAN=1)
#
# With SAN=1 everything here is built with the sanitizers too.

REL_DIR  := $(BUILD)/tests/reliability
REL_EDGE := $(REL_DIR)/test_edges
REL_GENERATED_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard generated/*.c))
REL_CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka)
REL_CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka)

$(REL_DIR)/obj/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(REL_CMOCKA_CFLAGS) -Iruntime -Itests -Igenerated -c $< -o $@

$(REL_EDGE): $(REL_DIR)/obj/reliability/test_edges.o $(REL_DIR)/obj/testutil.o \
             $(REL_GENERATED_OBJ) $(LIBDWGEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) $^ $(REL_CMOCKA_LIBS) -lm -o $@

.PHONY: test-reliability test-edges test-hostile test-failures valgrind
test-edges: $(REL_EDGE)
	$(REL_EDGE)

test-hostile: $(DWGEN)
	sh tests/reliability/hostile.sh $(DWGEN) $(REL_DIR)/hostile

test-failures: $(DWGEN)
	sh tests/reliability/failures.sh $(DWGEN) $(REL_DIR)/failures

test-reliability: test-edges test-hostile test-failures fuzz-replay

TEST_TARGETS += test-reliability

# --- valgrind ----------------------------------------------------------------
# memcheck with every error and every definite or possible leak fatal. The
# generated kernels of test-kernels run on every layer of the shipped
# models, which takes a few minutes under valgrind.
VALGRIND       ?= valgrind
VALGRIND_FLAGS ?= --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
                  --show-leak-kinds=definite,possible --track-origins=yes --quiet
VG := $(VALGRIND) $(VALGRIND_FLAGS)
VALGRIND_MODEL ?= models/mobilenet_v2.tsv

valgrind: $(RT_BIN) $(KERNEL_TEST) $(REL_EDGE) $(DWGEN) $(FUZZ_REPLAY_BIN)
	@if [ -n "$(SANFLAGS)" ]; then echo "valgrind: use a build without SAN=1" >&2; exit 1; fi
	@command -v $(VALGRIND) >/dev/null || { echo "valgrind: $(VALGRIND) is not installed" >&2; exit 1; }
	@mkdir -p $(REL_DIR)
	@failed=; for t in $(RT_BIN) $(KERNEL_TEST) $(REL_EDGE); do \
	    echo "== valgrind $$t"; $(VG) $$t >$(REL_DIR)/valgrind.log 2>&1 || \
	        { cat $(REL_DIR)/valgrind.log; failed="$$failed $$t"; }; \
	done; \
	rm -rf $(REL_DIR)/valgrind-set; \
	echo "== valgrind dwgen on $(VALGRIND_MODEL) and a Lua layer file"; \
	$(VG) $(DWGEN) -o $(REL_DIR)/valgrind-set --specialize both $(VALGRIND_MODEL) || failed="$$failed dwgen"; \
	$(VG) $(DWGEN) -o $(REL_DIR)/valgrind-set --specialize both $(VALGRIND_MODEL) || failed="$$failed dwgen-rerun"; \
	$(VG) $(DWGEN) --list fuzz/corpus/layers/mixed.lua >/dev/null || failed="$$failed dwgen-lua"; \
	$(VG) $(DWGEN) --list fuzz/corpus/layers/loop.lua >/dev/null 2>&1; \
	    [ $$? = 2 ] || failed="$$failed dwgen-lua-limit"; \
	for h in $(FUZZ_HARNESSES); do \
	    echo "== valgrind fuzz replay $$h"; \
	    $(VG) $(FUZZ_REPLAY_DIR)/replay_$$h fuzz/corpus/$$h fuzz/regressions/$$h || failed="$$failed replay_$$h"; \
	done; \
	if [ -n "$$failed" ]; then echo "valgrind FAILED:$$failed"; exit 1; fi; \
	echo "valgrind: clean"
