# ffnn — build, test, demo, install.  See README.md.
#
#   make            deps, then build/libffnn.a and bin/ffnn-*
#   make check      unit, CLI and bad-input suites, then again under ASan+UBSan
#   make check-all  check, then fuzz smoke runs, valgrind, allocation-failure injection
#   make demo       the tutorial on the bundled iris data
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      speed table (bench/RESULTS.md)

VERSION   := 0.1.0
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
BIN       ?= bin
CC        ?= cc
OPT       ?= -O2
SAN       ?=
CFLAGS    ?=
WARN      := -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -fno-math-errno
SANFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ALLCFLAGS := $(WARN) $(OPT) -g -D_GNU_SOURCE -DFFNN_VERSION='"$(VERSION)"' -Iinclude -pthread \
             $(if $(SAN),$(SANFLAGS)) $(CFLAGS)
LDLIBS    := -lcjson -lmd -lm -pthread
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm)

LIB_SRC   := $(sort $(wildcard lib/*.c))
LIB_OBJ   := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
CMD_SRC   := $(sort $(wildcard cmd/ffnn-*.c))
PROGS     := $(CMD_SRC:cmd/%.c=$(BIN)/%)
CMD_COMMON:= $(BUILD)/cmd/common.o
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
TEST_OBJ  := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%.o)
LIBA      := $(BUILD)/libffnn.a
MAN1      := $(wildcard man/*.1)
MAN5      := $(wildcard man/*.5)
MAN7      := $(wildcard man/*.7)

# Build and test dependencies, all Debian packages.
DEPS_PKGS := libcjson-dev check libmd-dev pkg-config
TEST_PKGS := python3-numpy python3-sklearn librsvg2-bin libxml2-utils time locales-all valgrind clang libclang-rt-14-dev

.PHONY: all deps build check check-all check-unit check-cli check-asan check-valgrind check-fault demo install uninstall clean bench bench-deps check-deps

all: deps
	@$(MAKE) --no-print-directory build

build: $(LIBA) $(PROGS)

deps:
	@sh tools/deps.sh $(DEPS_PKGS) -- $(TEST_PKGS)

$(BUILD)/lib/%.o: lib/%.c $(wildcard include/ffnn/*.h) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(LIBA): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cmd/%.o: cmd/%.c cmd/common.h $(wildcard include/ffnn/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(BIN)/ffnn-%: $(BUILD)/cmd/ffnn-%.o $(CMD_COMMON) $(LIBA)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $^ -o $@ $(LDLIBS)

# Unit tests: every tests/unit/test_X.c defines `Suite *X_suite(void)`.
$(BUILD)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(@D)
	@for f in $(TEST_SRC); do b=$${f##*/test_}; echo "SUITE($${b%.c})"; done > $@

$(BUILD)/tests/%.o: tests/unit/%.c tests/unit/testutil.h $(wildcard include/ffnn/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -Itests/unit -c $< -o $@

$(BUILD)/tests/unit: tests/unit/main.c $(BUILD)/tests/suites.inc $(TEST_OBJ) $(LIBA)
	$(CC) $(ALLCFLAGS) -I$(BUILD)/tests -Itests/unit tests/unit/main.c $(TEST_OBJ) $(LIBA) -o $@ $(LDLIBS) $(CHECK_LIBS)

# CLI test scripts run two at a time (tests/cli/run.sh).
TEST_JOBS ?= 2

# Two tiers: `check` (the README's test command, a few minutes on 2 cores)
# and `check-all` (what CI runs: check, then the slow tiers).
check: deps
	@$(MAKE) --no-print-directory check-deps check-unit check-cli check-bad
	@$(MAKE) --no-print-directory check-asan

check-all: check
	@$(MAKE) --no-print-directory check-fuzz
	@$(MAKE) --no-print-directory check-valgrind
	@$(MAKE) --no-print-directory check-fault

check-unit: $(BUILD)/tests/unit
	cd tests/data && CK_FORK=yes $(CURDIR)/$(BUILD)/tests/unit

check-cli: build
	FFNN_BIN=$(CURDIR)/$(BIN) FFNN_TEST_JOBS=$(TEST_JOBS) sh tests/cli/run.sh

# The same suites under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/bin SAN=1 OPT=-O1 build build/asan/tests/unit
	cd tests/data && CK_FORK=no ASAN_OPTIONS=detect_leaks=1 $(CURDIR)/build/asan/tests/unit
	FFNN_BIN=$(CURDIR)/build/asan/bin FFNN_ASAN=1 FFNN_TEST_JOBS=$(TEST_JOBS) sh tests/cli/run.sh
	FFNN_BIN=$(CURDIR)/build/asan/bin FFNN_ASAN=1 sh tests/bad/run.sh

# The bad-input corpus: every program fed garbage (tests/bad/README).
.PHONY: check-bad
check-bad: build
	FFNN_BIN=$(CURDIR)/$(BIN) sh tests/bad/run.sh

# The CLI suite again with every program under valgrind's memcheck (the
# normal build): an invalid access or a definite/indirect leak is exit 99.
check-valgrind: build
	@if command -v valgrind >/dev/null; then \
	  sh tools/valgrind-bin.sh $(BIN) build/valgrind/bin && \
	  FFNN_BIN=$(CURDIR)/build/valgrind/bin FFNN_VALGRIND=1 FFNN_TEST_JOBS=$(TEST_JOBS) sh tests/cli/run.sh; \
	else echo "check-valgrind: skipped, valgrind is not installed"; fi

# Allocation-failure injection (tests/fault/README): the programs under
# ASan+UBSan with malloc & co. wrapped, the n-th allocation failing, for every n.
FAULT_WRAP := malloc calloc realloc strdup strndup fopen fdopen open_memstream fmemopen
ifdef FAULT
$(PROGS): $(BUILD)/tests/failalloc.o
LDLIBS += $(FAULT_WRAP:%=-Wl,--wrap=%)
endif
$(BUILD)/tests/failalloc.o: tests/fault/failalloc.c
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

check-fault:
	@$(MAKE) --no-print-directory BUILD=build/fault BIN=build/fault/bin SAN=1 OPT=-O1 FAULT=1 build
	FFNN_BIN=$(CURDIR)/build/fault/bin sh tests/fault/run.sh

# Layering of DESIGN §4: a module includes only headers of lower layers.
check-deps:
	@sh tools/check-deps.sh

# ---- fuzzing (tests/fuzz/README) -------------------------------------------
# libFuzzer harnesses, one per parser of outside input, built with clang and
# ASan+UBSan over their own copy of the library objects (build/fuzz/lib),
# with the CSV read size and cell arena chunk shrunk so that inputs of a few
# hundred bytes cross their boundaries (and ASan need not map 1 MB per run).
# `make fuzz` runs each for FUZZ_TIME seconds; `make check-fuzz` replays
# tests/fuzz/regress/ and runs each for FUZZ_CHECK_TIME seconds from its seed
# corpus, failing on any finding.  Both skip (and succeed) without clang's
# libFuzzer.  Everything they write goes under build/fuzz.
FUZZ_CC         ?= clang
FUZZ_TIME       ?= 60
FUZZ_CHECK_TIME ?= 10
FUZZ_DIR        := build/fuzz
FUZZ_CFLAGS     := $(WARN) -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
                   -fno-sanitize-recover=all -D_GNU_SOURCE -DFFNN_VERSION='"$(VERSION)"' \
                   -Iinclude -Ilib -pthread -DCSV_CHUNK=61u -DARENA_CHUNK=509u
FUZZ_SRC        := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS       := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_DIR)/%)
FUZZ_LIBA       := $(FUZZ_DIR)/libffnn.a

.PHONY: fuzz fuzz-build check-fuzz

$(FUZZ_DIR)/lib/%.o: lib/%.c $(wildcard include/ffnn/*.h) $(wildcard lib/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIBA): $(LIB_SRC:lib/%.c=$(FUZZ_DIR)/lib/%.o)
	@rm -f $@
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBA)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIBA) -o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz:
	@sh tests/fuzz/run.sh probe "$(FUZZ_CC)" $(FUZZ_DIR) || exit 0; \
	  $(MAKE) --no-print-directory fuzz-build && sh tests/fuzz/run.sh fuzz $(FUZZ_TIME) $(FUZZ_DIR)

check-fuzz:
	@sh tests/fuzz/run.sh probe "$(FUZZ_CC)" $(FUZZ_DIR) || exit 0; \
	  $(MAKE) --no-print-directory fuzz-build && sh tests/fuzz/run.sh check $(FUZZ_CHECK_TIME) $(FUZZ_DIR)
# ---- end of fuzzing ---------------------------------------------------------

demo: deps
	@$(MAKE) --no-print-directory build
	@sh tools/demo.sh

bench: deps
	@$(MAKE) --no-print-directory build
	@sh bench/run.sh

bench-deps:
	@sh tools/deps.sh python3-torch python3-sklearn libfann-dev hyperfine libopenblas0-pthread libopenblas-dev --

ffnn.pc: ffnn.pc.in Makefile FORCE
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' ffnn.pc.in > $@

install: build ffnn.pc
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/ffnn \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 755 $(PROGS) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(LIBA) $(DESTDIR)$(PREFIX)/lib/
	install -m 644 include/ffnn/*.h $(DESTDIR)$(PREFIX)/include/ffnn/
	install -m 644 ffnn.pc $(DESTDIR)$(PREFIX)/lib/pkgconfig/
	install -m 644 $(MAN1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 $(MAN5) $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 $(MAN7) $(DESTDIR)$(PREFIX)/share/man/man7/

uninstall:
	rm -f $(PROGS:$(BIN)/%=$(DESTDIR)$(PREFIX)/bin/%) $(DESTDIR)$(PREFIX)/lib/libffnn.a \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/ffnn.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/ffnn

FORCE:

clean:
	rm -rf build bin ffnn.pc demo-out
