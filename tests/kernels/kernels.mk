# tests/kernels/kernels.mk - every generated kernel in generated/ against the
# generic kernel (test-kernels), derived from the generated registry.

GENERATED_SRC := $(wildcard generated/*.c)
GENERATED_OBJ := $(GENERATED_SRC:%.c=$(BUILD)/obj/%.o)
KERNEL_TEST   := $(BUILD)/tests/test_kernels

$(KERNEL_TEST): tests/kernels/test_kernels.c tests/kernels/kernel_check.c $(GENERATED_OBJ) $(LIBDWGEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Iruntime -Itests/kernels -DDWGEN_REGISTRY=dwgen_registry_shipped \
	    $(filter %.c %.o,$^) $(LIBDWGEN) $(shell $(PKG_CONFIG) --libs cmocka) -lm -o $@

.PHONY: test-kernels
test-kernels: $(KERNEL_TEST)
	$(KERNEL_TEST)

TEST_TARGETS += test-kernels
