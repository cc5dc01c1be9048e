# tests/gen/gen_tests.mk - the dwgen generator's tests (included by the top Makefile).
#
#   make test-gen     run tests/gen/test_gen.sh against build/bin/dwgen
#
# The script needs the runtime library too: it links generated registries
# with it to check that the runtime finds every kernel.

.PHONY: test-gen
test-gen: $(DWGEN) $(LIBDWGEN)
	CC="$(CC)" CFLAGS="$(SANFLAGS)" LDFLAGS="$(LDFLAGS)" sh tests/gen/test_gen.sh $(DWGEN) $(BUILD)/tests/gen $(LIBDWGEN)

TEST_TARGETS += test-gen
