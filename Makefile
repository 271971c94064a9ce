# cbreaker - see README.md. `make check` and `make demo` work on a fresh
# Debian 12 machine: both install what is missing first (`make deps`).

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
SAN     ?=
CC      ?= cc

# Quiet by default: one short line per step; `make V=1` shows the commands.
Q   = $(if $(V),,@)
say = $(if $(V),,@printf '  %-6s %s\n' '$(1)' '$(2)';)

LIBDIR  = $(PREFIX)/lib
BINDIR  = $(PREFIX)/bin
SYSCONF = $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)

# Debian packages: build, unit tests, and the real programs the
# integration tests run (and the checkers `make lint` runs).
DEB_BUILD = build-essential pkg-config libinih-dev libcurl4-openssl-dev libcmocka-dev libhiredis-dev
DEB_TEST  = curl wget nginx-light php-cli php-curl prometheus python3 nodejs git \
            valgrind clang libclang-rt-14-dev iproute2 tmux procps psmisc libcurl3-gnutls util-linux \
            strace haproxy socat openssh-client openjdk-17-jdk-headless redis-tools apt \
            debhelper dpkg-dev lintian man-db bash-completion shellcheck \
            redis-server postgresql-client openssh-server libwww-perl ruby default-jre-headless \
            clang-format cppcheck

# Recursive (=) so pkg-config runs after `make deps` has installed it.
PKG_CFLAGS = $(shell pkg-config --cflags inih libcurl 2>/dev/null)
INIH_LIBS  = $(shell pkg-config --libs inih 2>/dev/null)
# The shim carries inih inside it, hidden: one library less for the loader
# to find, map and relocate in every process (README "Performance").
INIH_STATIC = $(shell pkg-config --variable=libdir inih 2>/dev/null)/libinih.a
CMOCKA     = $(shell pkg-config --cflags --libs cmocka 2>/dev/null)
CURL_LIBS  = $(shell pkg-config --libs libcurl 2>/dev/null)
# The fleet agent alone links hiredis (README "Fleet mode"); the shim never does.
HIREDIS_LIBS = $(shell pkg-config --libs hiredis 2>/dev/null)

WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -O2 -g -fPIC -fvisibility=hidden -pthread \
             $(WARN) -DCB_DEFAULT_CONFIG='"$(SYSCONF)/cbreaker/cbreaker.ini"' \
             -DCB_LIBDIR='"$(LIBDIR)"' -iquote src $(PKG_CFLAGS) $(CFLAGS)
SANFLAGS = $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
# SHIM_SAN=1: the preloaded library too (make check-asan).
PICSAN   = $(if $(SHIM_SAN),$(SANFLAGS))

# The folders of src/ in the order calls go (README "Development"): each
# may use those before it, never those after it (tools/layers.py checks).
LAYERS    = base libc match config state core connect curl control shim
CORE_SRC  = $(foreach d,$(filter-out shim,$(LAYERS)),$(wildcard src/$(d)/*.c))
SHIM_SRC  = $(wildcard src/shim/*.c)
SRC_H     = $(wildcard src/*/*.h)
SRC_DEF   = $(wildcard src/*/*.def)
TOOL_SRC  = $(wildcard tools/*.c)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
HELP_SRC  = $(wildcard tests/helpers/*.c)
BENCH_SRC = $(wildcard tests/bench/*.c)
FUZZ_SRC  = $(wildcard tests/fuzz/fuzz_*.c)

# The shim is never built with sanitizers: a sanitizer runtime cannot be
# preloaded into the unmodified programs the integration tests run.
CORE_PIC  = $(CORE_SRC:%.c=$(BUILD)/pic/%.o)
SHIM_OBJ  = $(SHIM_SRC:%.c=$(BUILD)/pic/%.o)
CORE_SAN  = $(CORE_SRC:%.c=$(BUILD)/san/%.o)
TOOL_OBJ  = $(TOOL_SRC:%.c=$(BUILD)/san/%.o)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
HELP_BIN  = $(HELP_SRC:tests/helpers/%.c=$(BUILD)/helpers/%)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)
FUZZ_BIN  = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

LIB  = $(BUILD)/libcbreaker.so
TOOL = $(BUILD)/cbreaker

.PHONY: all check check-run check-asan helpers unit tsan tsan-run integration bench fuzz demo deps lint format clean
all: $(LIB) $(TOOL)

$(BUILD)/pic/%.o: %.c $(SRC_H) $(SRC_DEF)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) $(PICSAN) -c $< -o $@

$(BUILD)/san/%.o: %.c $(SRC_H) $(SRC_DEF) $(wildcard tools/*.h)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) $(SANFLAGS) -c $< -o $@

$(BUILD)/libcore-pic.a: $(CORE_PIC)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(BUILD)/libcore.a: $(CORE_SAN)
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

# No DT_NEEDED on libcurl: curl's functions are found at run time. Bound
# lazily (-z lazy, whatever the toolchain's default): every exec pays for
# the imports resolved at load, and most processes call few of them
# (README "Performance").
$(LIB): $(SHIM_OBJ) $(BUILD)/libcore-pic.a
	$(call say,LD,$@)$(CC) $(PICSAN) -shared -o $@ $(SHIM_OBJ) -Wl,--whole-archive $(BUILD)/libcore-pic.a -Wl,--no-whole-archive \
	  -Wl,-z,lazy -Wl,--as-needed $(INIH_STATIC) -Wl,--exclude-libs,ALL -ldl -pthread

$(TOOL): $(TOOL_OBJ) $(BUILD)/libcore.a
	$(call say,LD,$@)$(CC) $(SANFLAGS) -o $@ $(TOOL_OBJ) $(BUILD)/libcore.a $(INIH_LIBS) $(HIREDIS_LIBS) -ldl -pthread

# A test links its own source and the helpers it names as prerequisites
# below, before the core library.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) $(SANFLAGS) -o $@ $(filter %.c,$^) $(BUILD)/libcore.a $(CMOCKA) $(INIH_LIBS) -ldl -pthread

# The connect policy's tests replace libc.o with a scriptable fake.
$(BUILD)/tests/test_connect: tests/unit/fake_libc.c tests/unit/fake_libc.h
$(BUILD)/tests/test_attempt: tests/unit/fake_libc.c tests/unit/fake_libc.h

# The tool's pure parts (tools/: the fleet agent's protocol and quorum,
# the merging of several processes' metrics) are unit-tested beside the core.
TOOL_TESTS = test_fleet test_prom_merge
$(BUILD)/tests/test_fleet: tools/fleet_proto.c tools/fleet_reports.c
$(BUILD)/tests/test_prom_merge: tools/prom_merge.c
$(TOOL_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/unit/%.c $(wildcard tools/*.h) $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) $(SANFLAGS) -iquote tools -o $@ $< $(filter tools/%.c,$^) $(BUILD)/libcore.a $(CMOCKA) $(INIH_LIBS) -ldl -pthread

$(BUILD)/helpers/%: tests/helpers/%.c $(wildcard tests/helpers/*.h)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) -o $@ $< $(CURL_LIBS) -pthread

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/libcore-pic.a
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libcore-pic.a $(CURL_LIBS) $(INIH_LIBS) -ldl -pthread

# `check` = deps, build, lint, unit tests, integration tests.
check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory check-run

# Every suite runs even when one fails; the last line sums them up. The
# benchmarks are built so that they cannot rot, never run.
check-run: all $(UNIT_BIN) $(HELP_BIN) $(BENCH_BIN)
	@$(MAKE) --no-print-directory lint
	@rm -f $(BUILD)/check.summary
	@CB_SUMMARY=$(abspath $(BUILD))/check.summary $(MAKE) --no-print-directory unit || true
	@CB_SUMMARY=$(abspath $(BUILD))/check.summary $(MAKE) --no-print-directory tsan || true
	@CB_SUMMARY=$(abspath $(BUILD))/check.summary $(MAKE) --no-print-directory fuzz \
	  FUZZ_SECONDS=$(CHECK_FUZZ_SECONDS) || true
	@CB_SUMMARY=$(abspath $(BUILD))/check.summary $(MAKE) --no-print-directory integration || true
	@CB_SUMMARY=$(abspath $(BUILD))/check.summary $(MAKE) --no-print-directory check-asan || true
	@tests/summary.sh $(BUILD)/check.summary

helpers: $(HELP_BIN)

# The integration suite with the shim itself built with AddressSanitizer
# and UndefinedBehaviorSanitizer (README "Development"), in $(ASAN_BUILD):
# the runtime is preloaded first, leak checks are off (the programs leak
# by themselves), and any sanitizer report, from any process, fails it.
ASAN_BUILD ?= build-asan
ASAN_LOGS   = $(CURDIR)/$(ASAN_BUILD)/sanitizer-logs
check-asan:
	@$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SAN=address,undefined SHIM_SAN=1 all helpers
	@rm -rf $(ASAN_LOGS) && mkdir -p $(ASAN_LOGS)
	@PATH=/usr/bin:$$PATH BUILD=$(ASAN_BUILD) CB_SUITE=asan CB_SAN_PRELOAD="$$(gcc -print-file-name=libasan.so)" \
	  ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:log_path=$(ASAN_LOGS)/asan \
	  UBSAN_OPTIONS=print_stacktrace=1:log_path=$(ASAN_LOGS)/ubsan \
	  tests/integration/run.sh $(T); rc=$$?; \
	if [ -n "$$(ls $(ASAN_LOGS))" ]; then \
	  echo "check-asan: sanitizer reports in $(ASAN_LOGS):"; head -n 30 $(ASAN_LOGS)/*; \
	  [ -z "$${CB_SUMMARY:-}" ] || echo "asan 0 1 0" >>"$$CB_SUMMARY"; exit 1; fi; \
	exit $$rc

unit: $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

# ThreadSanitizer, in $(BUILD)/tsan: the unit tests, and the threaded
# connector under a shim built with it as well (a program built with TSan
# may preload a TSan library; the unmodified programs of the integration
# tests may not, which is why the shim is otherwise never sanitized). A
# report makes the binary exit 66, so the run fails.
tsan:
	@$(MAKE) --no-print-directory BUILD=$(BUILD)/tsan SAN=thread CFLAGS='$(CFLAGS) -fsanitize=thread' tsan-run

# Reports go to files, and are shown when the run fails: the integration
# test keeps its programs' stderr to itself. In `make check`'s summary the
# whole run counts as one check, "tsan".
TSAN_REPORT = $(abspath $(BUILD))/report
TSAN_ENV = TSAN_OPTIONS='suppressions=$(CURDIR)/tests/tsan.supp log_path=$(TSAN_REPORT)'
tsan-run: $(UNIT_BIN) $(LIB) $(BUILD)/helpers/connector
	@rm -f $(TSAN_REPORT).*
	@if $(TSAN_ENV) CB_SUMMARY= tests/run-unit.sh $(UNIT_BIN) && \
	    $(TSAN_ENV) CB_SUMMARY= BUILD=$(BUILD) tests/integration/run.sh test_process_threads.sh; \
	  then r="1 0"; else r="0 1"; cat $(TSAN_REPORT).* 2>/dev/null; fi; \
	  [ -z "$${CB_SUMMARY:-}" ] || echo "tsan $$r 0" >>"$$CB_SUMMARY"; [ "$$r" = "1 0" ]

integration: all $(HELP_BIN)
	@BUILD=$(BUILD) tests/integration/run.sh $(T)

bench: all $(BENCH_BIN) $(HELP_BIN)
	@BUILD=$(BUILD) tests/bench/run.sh

# libFuzzer targets (clang, README "Development"): the core is compiled
# once with the fuzzer's instrumentation, each target links it. `make fuzz`
# runs each for FUZZ_SECONDS on its committed corpus (tests/fuzz/corpus/
# NAME, else the example configurations) plus what it finds, kept in
# $(BUILD)/fuzz; `make check` runs each for CHECK_FUZZ_SECONDS.
FUZZ_SECONDS ?= 30
CHECK_FUZZ_SECONDS ?= 3
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=address,undefined -iquote src $(PKG_CFLAGS) \
              -DCB_DEFAULT_CONFIG='"/nonexistent"'
FUZZ_OBJ  = $(CORE_SRC:%.c=$(BUILD)/fuzzobj/%.o)
.SECONDARY: $(FUZZ_OBJ)
$(BUILD)/fuzzobj/%.o: %.c $(SRC_H) $(SRC_DEF)
	@mkdir -p $(dir $@)
	$(call say,FUZZCC,$<)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_OBJ)
	@mkdir -p $(dir $@)
	$(call say,FUZZ,$<)clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(INIH_LIBS) \
	  $(CURL_LIBS) -ldl -pthread

fuzz: $(FUZZ_BIN)
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_BIN)

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tools/demo.sh

lint: all
	@tools/lint.sh "$(LAYERS)" $(BUILD)/pic

format:
	@clang-format -i $(CORE_SRC) $(SHIM_SRC) $(TOOL_SRC) $(SRC_H) $(wildcard tools/*.h) \
	  $(wildcard tests/*/*.c tests/*/*.h)

# Installs only what is missing; apt-get update runs once, first.
deps:
	@tools/deps.sh $(DEB_BUILD) -- $(DEB_TEST)

clean:
	rm -rf $(BUILD)

include mk/package.mk
