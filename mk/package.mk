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
