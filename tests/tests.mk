# tests/tests.mk - the runtime's cmocka suite (included by the top Makefile).
#
#   make test-runtime         build and run every program below
#   DWGEN_CONFORMANCE_DIR=... overrides the compiled-in conformance folder
#
# Adding a test program: write tests/test_NAME.c and add NAME here.
RUNTIME_TESTS := conformance generic plan registry validate

RT_BIN  := $(RUNTIME_TESTS:%=$(BUILD)/tests/test_%)
RT_UTIL := $(BUILD)/tests/obj/testutil.o

RT_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka) -Iruntime -Itests \
             -DCONFORMANCE_DIR='"$(CURDIR)/tests/conformance/cases"'
RT_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka) -lm

# Own object folder: the tests need cmocka's flags, the library does not.
$(BUILD)/tests/obj/%.o: tests/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(RT_CFLAGS) -c $< -o $@

$(RT_BIN): $(BUILD)/tests/test_%: $(BUILD)/tests/obj/test_%.o $(RT_UTIL) $(LIBDWGEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) $^ $(RT_LIBS) -o $@

# Run every program even after a failure, then fail if any did.
.PHONY: test-runtime
test-runtime: $(RT_BIN)
	@failed=; for t in $(RT_BIN); do \
	    echo "== $$t"; $$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

TEST_TARGETS += test-runtime
