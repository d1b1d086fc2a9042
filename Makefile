# testrig - build, test, benchmark, install.
#
#   make                  build ./testrig
#   make check            unit tests, end-to-end tests, dogfood run, verdict check
#   make check-sanitize   the same suite under ASan+UBSan and under TSan
#   make check-mutants    the suite must fail on testrigs that decide wrong
#   make bench            testrig against a bare spawn loop and its targets: one table of verdicts
#   make fuzz             run the libFuzzer targets for a while (needs clang)
#   make static           a stripped static ./testrig-static (musl-gcc when installed)
#   make check-static     that binary in a busybox-only chroot (as root)
#   make check-nopidfd    the suite as on a kernel without pidfd
#   make soak             1000 randomly interrupted runs, each checked (SOAK_RUNS=N)
#   make install          PREFIX=/usr/local DESTDIR= (binary and man pages)

VERSION     = 0.1.0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=
CC         ?= cc
PKG_CONFIG ?= pkg-config
CFLAGS     ?= -O2 -g
# A build directory per variant: build/ for the normal build, build/asan and
# build/tsan for the sanitizer builds (make BUILD=build/asan SAN=...).
BUILD      ?= build
SAN        ?=
# EXTRA_CPPFLAGS=-DTESTRIG_SELF_PIPE selects the self-pipe signal plumbing;
# -DTESTRIG_NO_PIDFD makes testrig work as on a kernel without pidfd_open.
EXTRA_CPPFLAGS ?=

DEPS_CFLAGS := $(shell $(PKG_CONFIG) --cflags inih zlib 2>/dev/null)
DEPS_LIBS   := $(shell $(PKG_CONFIG) --libs inih zlib 2>/dev/null)
ifeq ($(DEPS_LIBS),)
$(error pkg-config cannot find inih and zlib: install libinih-dev, zlib1g-dev and pkg-config)
endif

WARNINGS = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wvla -Werror
ALL_CPPFLAGS = -Iinclude -DTESTRIG_VERSION='"$(VERSION)"' $(EXTRA_CPPFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 $(WARNINGS) $(CFLAGS) $(SAN) $(DEPS_CFLAGS)
ALL_LDFLAGS  = $(SAN) $(LDFLAGS)
LIBS_ALL     = $(DEPS_LIBS) -lpthread $(LIBS)

SRCS    = $(wildcard src/*.c)
OBJS    = $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIBOBJS = $(filter-out $(BUILD)/obj/main.o,$(OBJS))
HEADERS = $(wildcard include/testrig/*.h src/*.h)

UNIT_SRCS = $(wildcard test/unit/test_*.c)
UNIT_BINS = $(patsubst test/unit/%.c,$(BUILD)/test/unit/%,$(UNIT_SRCS))
FIXTURE   = $(BUILD)/test/fixtures/fixture
# An LD_PRELOAD library that makes allocations fail on cue (test/e2e/oom.sh).
FAILMALLOC = $(BUILD)/test/fixtures/failmalloc.so
# An LD_PRELOAD library that makes writes under a directory fail with ENOSPC (test/e2e/records.sh).
FAILWRITE = $(BUILD)/test/fixtures/failwrite.so
# Each fixture mode is a symlink to the one fixture program (see fixture.c).
FIXTURE_MODES = $(shell sed -n 's/^MODE.\([a-z0-9-]*\),.*/\1/p' test/fixtures/fixture.c)

# make V=1 shows the commands.
ifeq ($(V),1)
Q =
else
Q = @
endif

# Protocol test programs: a C TAP producer always; a GoogleTest binary when
# g++ and GoogleTest are installed; a Rust libtest binary when rustc is.
PROTO_DIR  = $(BUILD)/test/protocols
TAP_MODES  = tap-pass tap-fail tap-todo tap-skipall tap-bail tap-short tap-late tap-exit tap-subtest
CXX       ?= c++
GTEST_LIBS := $(shell $(PKG_CONFIG) --libs gtest_main 2>/dev/null)
GTEST_NOMAIN_LIBS := $(shell $(PKG_CONFIG) --libs gtest 2>/dev/null)
RUSTC      := $(shell command -v rustc 2>/dev/null)
PROTO_BINS = $(PROTO_DIR)/tap_sample
ifneq ($(GTEST_LIBS),)
PROTO_BINS += $(PROTO_DIR)/gtest_sample $(PROTO_DIR)/gtest_shared
endif
ifneq ($(RUSTC),)
PROTO_BINS += $(PROTO_DIR)/libtest_sample $(PROTO_DIR)/libtest_shared
endif

ifeq ($(BUILD),build)
RIG = ./testrig
else
RIG = $(BUILD)/testrig
endif

.PHONY: all check check-build check-sanitize check-asan check-tsan check-selfpipe check-mutants \
        check-nopidfd check-static static soak \
        bench fuzz install uninstall clean

all: $(RIG)

$(RIG): $(OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(ALL_LDFLAGS) -o $@ $(OBJS) $(LIBS_ALL)

$(BUILD)/obj/%.o: src/%.c $(HEADERS) Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/test/unit/%: test/unit/%.c test/unit/check.h test/tap_same.h $(LIBOBJS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBOBJS) $(LIBS_ALL)

$(FIXTURE): test/fixtures/fixture.c Makefile
	@mkdir -p $(dir $@)/bin
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 $(WARNINGS) -O1 -g -o $@ $<
	@for m in $(FIXTURE_MODES); do ln -sf ../fixture $(dir $@)/bin/$$m; done

$(FAILMALLOC): test/fixtures/failmalloc.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 $(WARNINGS) -Wno-missing-prototypes -O1 -fPIC -shared -o $@ $<

$(FAILWRITE): test/fixtures/failwrite.c Makefile
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 $(WARNINGS) -Wno-missing-prototypes -O1 -fPIC -shared -o $@ $<

$(PROTO_DIR)/tap_sample: test/protocols/tap_sample.c Makefile
	@mkdir -p $(dir $@)/tap
	@echo "  CC      $<"
	$(Q)$(CC) -std=c11 $(WARNINGS) -O1 -o $@ $<
	@for m in $(TAP_MODES); do ln -sf ../tap_sample $(dir $@)/tap/$$m; done

$(PROTO_DIR)/gtest_sample: test/protocols/gtest_sample.cc Makefile
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)$(CXX) -std=c++17 -O1 -o $@ $< $(GTEST_LIBS) -pthread

$(PROTO_DIR)/gtest_shared: test/protocols/gtest_shared.cc Makefile
	@mkdir -p $(dir $@)
	@echo "  CXX     $<"
	$(Q)$(CXX) -std=c++17 -O1 -o $@ $< $(GTEST_NOMAIN_LIBS) -pthread

$(PROTO_DIR)/libtest_sample: test/protocols/libtest_sample.rs Makefile
	@mkdir -p $(dir $@)
	@echo "  RUSTC   $<"
	$(Q)$(RUSTC) --test -O -o $@ $<

$(PROTO_DIR)/libtest_shared: test/protocols/libtest_shared.rs Makefile
	@mkdir -p $(dir $@)
	@echo "  RUSTC   $<"
	$(Q)$(RUSTC) --test -O -o $@ $<

check-build: $(RIG) $(UNIT_BINS) $(FIXTURE) $(FAILMALLOC) $(FAILWRITE) $(PROTO_BINS)

# The suite: test/run.sh runs every test directly (the independent verdicts),
# then runs the same tests under testrig and compares the two.
check: check-build
	RIG=$(RIG) BUILD=$(BUILD) sh test/run.sh

check-asan:
	$(MAKE) BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	        SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

check-tsan:
	$(MAKE) BUILD=build/tsan CFLAGS="-O1 -g" SAN="-fsanitize=thread" check

check-sanitize: check-asan check-tsan

check-selfpipe:
	$(MAKE) BUILD=build/selfpipe EXTRA_CPPFLAGS=-DTESTRIG_SELF_PIPE check

# As on a kernel before 5.3: no pidfds, children's ends come by SIGCHLD.
check-nopidfd:
	$(MAKE) BUILD=build/nopidfd EXTRA_CPPFLAGS=-DTESTRIG_NO_PIDFD check

# A stripped static binary for small devices: musl-gcc when installed (else
# cc -static), linking the static libinih and zlib.  Its size is printed.
STATIC_CC   := $(shell command -v musl-gcc 2>/dev/null || echo $(CC))
STATIC_OPT  := $(shell $(STATIC_CC) -Oz -x c -c /dev/null -o /dev/null 2>/dev/null && echo -Oz || echo -Os)
STATIC_LIBDIR := $(shell $(PKG_CONFIG) --variable=libdir inih 2>/dev/null)
STATIC_CFLAGS = -std=c11 $(WARNINGS) $(STATIC_OPT) -fno-stack-protector -fno-pie \
	-fno-asynchronous-unwind-tables -fno-unwind-tables -ffunction-sections -fdata-sections
STATIC_LDFLAGS = -static -no-pie -Wl,--gc-sections -Wl,--build-id=none

static: testrig-static

testrig-static: $(SRCS) $(HEADERS) Makefile
	@mkdir -p $(BUILD)/static/include
	@# musl-gcc leaves /usr/include out: give it the two libraries' headers alone.
	$(Q)for h in ini.h zlib.h zconf.h; do \
		p=$$(echo "#include <$$h>" | $(CC) -M -x c - 2>/dev/null | tr ' ' '\n' | grep "/$$h$$" | head -n 1); \
		[ -n "$$p" ] && cp "$$p" $(BUILD)/static/include/ || { echo "make static: cannot find $$h" >&2; exit 1; }; \
	done
	@echo "  STATIC  $@ ($(notdir $(STATIC_CC)))"
	$(Q)$(STATIC_CC) $(STATIC_CFLAGS) -Iinclude -I$(BUILD)/static/include \
		-DTESTRIG_VERSION='"$(VERSION)"' $(STATIC_LDFLAGS) -o $@ $(SRCS) \
		$(STATIC_LIBDIR)/libinih.a $(STATIC_LIBDIR)/libz.a -lpthread
	$(Q)strip -R .comment $@
	@echo "testrig-static: $$(wc -c <$@) bytes ($$(( $$(wc -c <$@) / 1024 )) KiB), $(notdir $(STATIC_CC))"

# The static binary in a busybox-only chroot, with and without /proc, then
# with the root read-only: a small tmpfs on /tmp, then nothing writable (root).
check-static: testrig-static
	sh test/static/run.sh

# 1000 interrupted runs of a mixed suite, each checked by test/soak/soak.py
# (make check runs 50 of them).  SOAK_RUNS=N, SOAK_SEED=S to repeat one.
SOAK_RUNS ?= 1000
soak: $(RIG) $(FIXTURE)
	python3 test/soak/soak.py --rig $(RIG) --fixture $(FIXTURE) --runs $(SOAK_RUNS) \
		$(if $(SOAK_SEED),--seed $(SOAK_SEED))

# Not part of check: each mutant is a whole build and suite run.
check-mutants:
	sh test/mutants.sh

# make bench BENCH="trivial": one part only (trivial, sleepy, chatty, longtail, flood, make,
# huge, points, gtest).
bench: $(RIG)
	RIG=$(RIG) sh bench/bench.sh $(BENCH)

fuzz:
	sh test/fuzz/run.sh

install: $(RIG)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(RIG) $(DESTDIR)$(BINDIR)/testrig
	install -m 644 man/testrig.1 $(DESTDIR)$(MANDIR)/man1/testrig.1
	if [ -f man/testrig.ini.5 ]; then \
	    install -m 644 man/testrig.ini.5 $(DESTDIR)$(MANDIR)/man5/testrig.ini.5; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/testrig $(DESTDIR)$(MANDIR)/man1/testrig.1 \
	      $(DESTDIR)$(MANDIR)/man5/testrig.ini.5

clean:
	rm -rf build testrig testrig-static
