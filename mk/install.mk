# mk/install.mk - the shared library, `make install` and `make uninstall`
# (included by the top Makefile).
#
#   make shared                                  build/lib/libdwgen.so.VERSION (+ links)
#   make install   PREFIX=/usr/local DESTDIR=    install everything below
#   make uninstall PREFIX=/usr/local DESTDIR=    remove exactly those files
#
# What is installed (INSTALL_FILES, the one list both targets use):
#   $(BINDIR)/dwgen                       the generator (self-contained)
#   $(LIBDIR)/libdwgen.a                  static runtime library
#   $(LIBDIR)/libdwgen.so.VERSION         shared runtime library, soname libdwgen.so.MAJOR,
#   $(LIBDIR)/libdwgen.so.MAJOR, .so      and its two links
#   $(INCLUDEDIR)/dwgen.h                 the public header
#   $(PKGCONFIGDIR)/dwgen.pc              pkg-config: cflags, libs, the dwgen and dwgen.mk paths
#   $(CMAKEDIR)/dwgenConfig.cmake,        find_package(dwgen): dwgen::dwgen, dwgen::generator,
#     dwgenConfigVersion.cmake,             dwgen_add_kernels()
#     dwgenKernels.cmake
#   $(DATADIR)/dwgen/dwgen.mk             the make fragment
#   $(MANDIR)/man1/dwgen.1                the man page
#
# The installed tree is relocatable: dwgen.pc (${pcfiledir}), the CMake
# package (its own folder) and dwgen.mk (its own path) find the other files
# relative to themselves whenever those lie under PREFIX, so a DESTDIR
# staging tree or a copied prefix works as it is.
#
# The shared library is built from the runtime sources compiled with -fPIC
# into their own object folder, $(BUILD)/pic.

PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
LIBDIR       ?= $(PREFIX)/lib
INCLUDEDIR   ?= $(PREFIX)/include
DATADIR      ?= $(PREFIX)/share
MANDIR       ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
CMAKEDIR     ?= $(LIBDIR)/cmake/dwgen
INSTALL      ?= install

DWGEN_VERSION := $(shell sed -n 's/^.define DWGEN_VERSION "\(.*\)"$$/\1/p' runtime/dwgen.h)
DWGEN_MAJOR   := $(firstword $(subst ., ,$(DWGEN_VERSION)))
SONAME        := libdwgen.so.$(DWGEN_MAJOR)
# The compiler's pointer size, for the CMake package's version check.
DWGEN_POINTER_SIZE = $(shell echo __SIZEOF_POINTER__ | $(CC) -E -P - 2>/dev/null | tr -d ' \n')
LIBDWGEN_SO   := $(BUILD)/lib/libdwgen.so.$(DWGEN_VERSION)
RUNTIME_PIC   := $(RUNTIME_SRC:%.c=$(BUILD)/pic/%.o)

.PHONY: shared install uninstall install-stage install-check-prefix
all: shared
shared: $(LIBDWGEN_SO) $(BUILD)/lib/$(SONAME) $(BUILD)/lib/libdwgen.so

$(BUILD)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -fPIC -Iruntime -c $< -o $@

$(LIBDWGEN_SO): $(RUNTIME_PIC)
	@mkdir -p $(@D)
	$(CC) -shared $(LDFLAGS) -Wl,-soname,$(SONAME) $^ -lm -o $@

$(BUILD)/lib/$(SONAME): $(LIBDWGEN_SO)
	ln -sf $(notdir $<) $@
$(BUILD)/lib/libdwgen.so: $(BUILD)/lib/$(SONAME)
	ln -sf $(notdir $<) $@

# --- install paths, and how each installed text file names the others ------
INSTALL_FILES := $(BINDIR)/dwgen $(LIBDIR)/libdwgen.a $(LIBDIR)/libdwgen.so.$(DWGEN_VERSION) \
                 $(LIBDIR)/$(SONAME) $(LIBDIR)/libdwgen.so $(INCLUDEDIR)/dwgen.h \
                 $(PKGCONFIGDIR)/dwgen.pc $(CMAKEDIR)/dwgenConfig.cmake \
                 $(CMAKEDIR)/dwgenConfigVersion.cmake $(CMAKEDIR)/dwgenKernels.cmake \
                 $(DATADIR)/dwgen/dwgen.mk $(MANDIR)/man1/dwgen.1
# Folders only dwgen uses: uninstall removes them when they end up empty.
INSTALL_OWN_DIRS := $(CMAKEDIR) $(DATADIR)/dwgen

# $(call install_root,DIR,ANCHOR): how a file installed in DIR names
# PREFIX: ANCHOR/../.. (as many ".." as DIR is deep below PREFIX; ANCHOR is
# the file's own folder in its language), or PREFIX itself when DIR is not
# under PREFIX. $(call install_at,DIR,ROOT): DIR as ROOT/... when under PREFIX.
install_empty :=
install_space := $(install_empty) $(install_empty)
install_up = $(subst $(install_space),/,$(patsubst %,..,$(subst /, ,$(patsubst $(PREFIX)/%,%,$(1)))))
install_root = $(if $(filter $(PREFIX)/%,$(1)),$(2)/$(call install_up,$(1)),$(PREFIX))
install_at = $(patsubst $(PREFIX)/%,$(2)/%,$(1))

INSTALL_STAGE := $(BUILD)/install
# $(call install_subst,DIR,ROOTVAR,ANCHOR): the sed options for the @NAME@
# placeholders of integration/*.in, for a file installed in DIR whose
# language spells "PREFIX" as ROOTVAR and "my folder" as ANCHOR.
install_subst = -e 's|@VERSION@|$(DWGEN_VERSION)|g' -e 's|@MAJOR@|$(DWGEN_MAJOR)|g' \
    -e 's|@SONAME@|$(SONAME)|g' -e 's|@POINTER_SIZE@|$(DWGEN_POINTER_SIZE)|g' \
    -e 's|@ROOT@|$(call install_root,$(1),$(3))|g' \
    -e 's|@BINDIR@|$(call install_at,$(BINDIR),$(2))|g' \
    -e 's|@LIBDIR@|$(call install_at,$(LIBDIR),$(2))|g' \
    -e 's|@INCLUDEDIR@|$(call install_at,$(INCLUDEDIR),$(2))|g' \
    -e 's|@DATADIR@|$(call install_at,$(DATADIR),$(2))|g'

# The installed text files, made fresh by every install (PREFIX may differ).
install-stage: $(INSTALL_STAGE)/dwgen.pc
$(INSTALL_STAGE)/dwgen.pc: install-check-prefix integration/dwgen.pc.in integration/dwgenConfig.cmake.in \
        integration/dwgenConfigVersion.cmake.in integration/dwgenKernels.cmake \
        integration/dwgen.mk.in integration/dwgen.1.in
	@mkdir -p $(@D)
	sed $(call install_subst,$(PKGCONFIGDIR),$${prefix},$${pcfiledir}) integration/dwgen.pc.in >$(INSTALL_STAGE)/dwgen.pc.new
	sed $(call install_subst,$(CMAKEDIR),$${_dwgen_prefix},$${CMAKE_CURRENT_LIST_DIR}) integration/dwgenConfig.cmake.in \
	    >$(INSTALL_STAGE)/dwgenConfig.cmake
	sed $(call install_subst,$(CMAKEDIR),$${_dwgen_prefix},$${CMAKE_CURRENT_LIST_DIR}) integration/dwgenConfigVersion.cmake.in \
	    >$(INSTALL_STAGE)/dwgenConfigVersion.cmake
	sed $(call install_subst,$(DATADIR)/dwgen,$$(DWGEN_HOME),$$(DWGEN_MK_DIR)) integration/dwgen.mk.in \
	    >$(INSTALL_STAGE)/dwgen.mk
	sed $(call install_subst,$(MANDIR)/man1,$(PREFIX),$(MANDIR)/man1) integration/dwgen.1.in >$(INSTALL_STAGE)/dwgen.1
	mv -f $(INSTALL_STAGE)/dwgen.pc.new $(INSTALL_STAGE)/dwgen.pc

install-check-prefix:
	@case "$(PREFIX)" in /*) ;; *) echo "PREFIX must be an absolute path (got '$(PREFIX)')" >&2; exit 2;; esac
	@case "$(PREFIX)" in */) echo "PREFIX must not end with '/' (got '$(PREFIX)')" >&2; exit 2;; esac
	@if [ -z "$(DWGEN_VERSION)" ]; then echo "no DWGEN_VERSION in runtime/dwgen.h" >&2; exit 1; fi

install: install-stage $(DWGEN) $(LIBDWGEN) shared
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
	    $(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(DATADIR)/dwgen \
	    $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 755 $(DWGEN) $(DESTDIR)$(BINDIR)/dwgen
	$(INSTALL) -m 644 $(LIBDWGEN) $(DESTDIR)$(LIBDIR)/libdwgen.a
	$(INSTALL) -m 755 $(LIBDWGEN_SO) $(DESTDIR)$(LIBDIR)/libdwgen.so.$(DWGEN_VERSION)
	ln -sf libdwgen.so.$(DWGEN_VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libdwgen.so
	$(INSTALL) -m 644 runtime/dwgen.h $(DESTDIR)$(INCLUDEDIR)/dwgen.h
	$(INSTALL) -m 644 $(INSTALL_STAGE)/dwgen.pc $(DESTDIR)$(PKGCONFIGDIR)/dwgen.pc
	$(INSTALL) -m 644 $(INSTALL_STAGE)/dwgenConfig.cmake $(INSTALL_STAGE)/dwgenConfigVersion.cmake \
	    integration/dwgenKernels.cmake $(DESTDIR)$(CMAKEDIR)
	$(INSTALL) -m 644 $(INSTALL_STAGE)/dwgen.mk $(DESTDIR)$(DATADIR)/dwgen/dwgen.mk
	$(INSTALL) -m 644 $(INSTALL_STAGE)/dwgen.1 $(DESTDIR)$(MANDIR)/man1/dwgen.1

# Exactly INSTALL_FILES; of the folders, only dwgen's own and only if empty.
uninstall: install-check-prefix
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES))
	@for d in $(addprefix $(DESTDIR),$(INSTALL_OWN_DIRS)); do \
	    if [ -d "$$d" ] && [ -z "$$(ls -A "$$d")" ]; then echo "rmdir $$d"; rmdir "$$d"; fi; \
	done
