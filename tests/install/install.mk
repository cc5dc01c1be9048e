# tests/install/install.mk - install, build against the install, uninstall
# (included by the top Makefile, after mk/install.mk).
#
#   make test-install         tests/install/test_install.sh: `make install` into a
#                             temporary DESTDIR, the example built out of tree with
#                             CMake and with make, regeneration, two kernel sets in one
#                             program, --require-all, `make uninstall`
#   make test-require-all     tests/install/test_require_all.sh: dwgen --require-all
#                             and the cost columns of --list (quick; no install)
#
# Both need cmake (test-install), pkg-config and a C compiler; CC is passed on.

.PHONY: test-install test-require-all
test-install: $(DWGEN) $(LIBDWGEN) shared
	CC="$(CC)" MAKE="$(MAKE)" sh tests/install/test_install.sh $(BUILD)

test-require-all: $(DWGEN)
	sh tests/install/test_require_all.sh $(DWGEN) $(BUILD)/tests/require_all
TEST_TARGETS += test-require-all
