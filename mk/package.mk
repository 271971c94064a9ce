# mk/package.mk - included by the Makefile: the version, the paths baked
# into the binaries (and rebuilding them when those change), install and
# uninstall, and the Debian package (make deb).

VERSION := $(shell cat VERSION)
MANDIR  = $(PREFIX)/share/man
DOCDIR  = $(PREFIX)/share/doc/cbreaker
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions

# CPPFLAGS: dpkg-buildflags' _FORTIFY_SOURCE reaches the compiler.
CFLAGS_ALL += -DCB_VERSION='"$(VERSION)"' $(CPPFLAGS)

# The sources that use a baked-in path or the version are rebuilt when
# PREFIX, LIBDIR, SYSCONF or VERSION change: $(PATHS_STAMP) holds their
# values and is rewritten only when they differ, so its date moves then.
PATHS_STAMP = $(BUILD)/paths.stamp
PATHS_USERS := $(shell grep -rlE 'CB_(VERSION|LIBDIR|DEFAULT_CONFIG)' src tools tests/unit --include='*.c')
$(PATHS_USERS:%.c=$(BUILD)/pic/%.o) $(PATHS_USERS:%.c=$(BUILD)/san/%.o) \
  $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(filter tests/unit/%,$(PATHS_USERS))): $(PATHS_STAMP)

.PHONY: FORCE
$(PATHS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@v='$(VERSION) $(PREFIX) $(LIBDIR) $(SYSCONF)'; \
	  [ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" >$@

# Man pages, with the version filled in.
MAN_SRC   = $(wildcard man/*.[1-8])
MAN_PAGES = $(MAN_SRC:man/%=$(BUILD)/man/%)
all: $(MAN_PAGES)
$(BUILD)/man/%: man/% VERSION
	@mkdir -p $(dir $@)
	$(call say,MAN,$@)sed 's/@VERSION@/$(VERSION)/g' $< >$@

# What install puts where (uninstall removes the same list).
EXAMPLES = conf/cbreaker.ini $(wildcard conf/examples/*) $(wildcard conf/prometheus/*)
INSTALLED = $(LIBDIR)/libcbreaker.so $(BINDIR)/cbreaker \
  $(foreach m,$(MAN_PAGES),$(MANDIR)/man$(subst .,,$(suffix $(m)))/$(notdir $(m))) \
  $(BASHCOMPDIR)/cbreaker $(addprefix $(DOCDIR)/examples/,$(notdir $(EXAMPLES)))
CONFIG = $(SYSCONF)/cbreaker/cbreaker.ini

.PHONY: install uninstall deb
install: all
	install -d $(sort $(dir $(addprefix $(DESTDIR),$(INSTALLED) $(CONFIG))))
	install -m 0644 $(LIB) $(DESTDIR)$(LIBDIR)/libcbreaker.so
	install -m 0755 $(TOOL) $(DESTDIR)$(BINDIR)/cbreaker
	$(foreach m,$(MAN_PAGES),install -m 0644 $(m) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(m)))/;)
	install -m 0644 completion/cbreaker $(DESTDIR)$(BASHCOMPDIR)/cbreaker
	install -m 0644 $(EXAMPLES) $(DESTDIR)$(DOCDIR)/examples/
	@# An existing configuration is the operator's: never overwritten. The
	@# shipped one protects nothing until breakers are added (no surprise
	@# for a host-wide preload); the commented example is in the docs.
	test -e $(DESTDIR)$(CONFIG) || install -m 0644 conf/installed.ini $(DESTDIR)$(CONFIG)

# Removes what install put there, and the configuration only while it is
# still the shipped one.
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	if cmp -s conf/installed.ini $(DESTDIR)$(CONFIG); then rm -f $(DESTDIR)$(CONFIG); \
	  else test ! -e $(DESTDIR)$(CONFIG) || echo "uninstall: $(DESTDIR)$(CONFIG) was changed: kept"; fi
	rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONF)/cbreaker 2>/dev/null || true

# make deb: dpkg-buildpackage in a copy of the tree (so debhelper's files
# never land in the sources), with debian/changelog written from VERSION.
DEB_ARCH = $(shell dpkg --print-architecture 2>/dev/null)
DEB      = $(BUILD)/cbreaker_$(VERSION)_$(DEB_ARCH).deb
DEB_TREE = $(BUILD)/deb/cbreaker-$(VERSION)
deb:
	@rm -rf $(BUILD)/deb && mkdir -p $(DEB_TREE)
	@tar -c --exclude=./$(BUILD) --exclude=./build --exclude=./.git -f - . | tar -x -C $(DEB_TREE)
	@printf 'cbreaker (%s) unstable; urgency=medium\n\n  * Release %s.\n\n -- %s  %s\n' \
	  '$(VERSION)' '$(VERSION)' "$$(sed -n 's/^Maintainer: //p' debian/control)" "$$(date -R)" \
	  >$(DEB_TREE)/debian/changelog
	@# Without our variables (make exports those of its command line):
	@# `make BUILD=/x deb` would reach debian/rules, whose `make clean`
	@# would remove /x.
	@cd $(DEB_TREE) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u PREFIX -u DESTDIR \
	  -u LIBDIR -u BINDIR -u SYSCONF -u SAN -u V dpkg-buildpackage -b -us -uc >../build.log 2>&1 || { tail -n 30 ../build.log; exit 1; }
	@cp $(BUILD)/deb/cbreaker_$(VERSION)_$(DEB_ARCH).deb $(DEB)
	@echo "  DEB   $(DEB)"
