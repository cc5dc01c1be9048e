# gen/gen.mk - the dwgen generator (included by the top Makefile).
#
#   make build/bin/dwgen      the generator (part of `make`)
#   PENLIGHT_DIR=...          where pl/template.lua, utils.lua, compat.lua are
#
# The binary needs nothing at run time but liblua: gen/embed.c compiles the
# Lua modules (gen/*.lua), the templates (templates/*.in) and the three
# Penlight modules the templates use into build/gen/embedded.c.

DWGEN        := $(BUILD)/bin/dwgen
PENLIGHT_DIR ?= /usr/share/lua/5.4/pl
LUA_PKG      ?= lua5.4
LUA_CFLAGS   := $(shell $(PKG_CONFIG) --cflags $(LUA_PKG))
LUA_LIBS     := $(shell $(PKG_CONFIG) --libs $(LUA_PKG))

GEN_OBJ       := $(patsubst gen/%.c,$(BUILD)/gen/obj/%.o,gen/main.c gen/fs.c gen/sandbox.c) \
                 $(BUILD)/gen/obj/embedded.o
GEN_LUA       := $(sort $(wildcard gen/*.lua))
GEN_TEMPLATES := $(sort $(wildcard templates/*.in))
GEN_PENLIGHT  := template utils compat

# KEY PATH FILE triples for gen/embed.c.
GEN_EMBED_ARGS := $(foreach f,$(GEN_LUA),module:$(basename $(notdir $f)) $f $f) \
                  $(foreach f,$(GEN_TEMPLATES),template:$(notdir $f) $f $f) \
                  $(foreach m,$(GEN_PENLIGHT),module:pl.$m pl/$m.lua $(PENLIGHT_DIR)/$m.lua)
GEN_EMBED_FILES := $(GEN_LUA) $(GEN_TEMPLATES) $(GEN_PENLIGHT:%=$(PENLIGHT_DIR)/%.lua)

.PHONY: dwgen gen-embed-list-check
all: $(DWGEN)
dwgen: $(DWGEN)

$(DWGEN): $(GEN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) $^ $(LUA_LIBS) -o $@

$(BUILD)/gen/obj/%.o: gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Iruntime -Igen $(LUA_CFLAGS) -c $< -o $@

$(BUILD)/gen/obj/embedded.o: $(BUILD)/gen/embedded.c gen/embedded.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -Igen -c $< -o $@

$(BUILD)/gen/embedded.c: $(BUILD)/gen/embed $(GEN_EMBED_FILES) $(BUILD)/gen/embedded.list
	@echo "$(BUILD)/gen/embed $@ <$(words $(GEN_EMBED_FILES)) files of $(BUILD)/gen/embedded.list>"
	@$(BUILD)/gen/embed $@ $(GEN_EMBED_ARGS)

# The file list itself, rewritten only when it changes, so adding or
# removing a module or template rebuilds the table.
$(BUILD)/gen/embedded.list: gen-embed-list-check
	@mkdir -p $(@D)
	@echo '$(GEN_EMBED_ARGS)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi
gen-embed-list-check: ;

$(BUILD)/gen/embed: gen/embed.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $< -o $@

$(PENLIGHT_DIR)/%.lua:
	@echo "dwgen needs Penlight's $@ (Debian: lua-penlight; or set PENLIGHT_DIR)" >&2; exit 1
