# dcpf: PGXS build. The version lives only in dcpf.control.
EXTENSION  = dcpf
EXTVERSION = $(shell sed -n "s/^default_version[[:space:]]*=[[:space:]]*'\([^']*\)'.*/\1/p" $(EXTENSION).control)

MODULE_big = dcpf
OBJS = src/dcpf.o src/guc.o src/validate.o src/iban.o src/scan.o src/email.o src/names.o src/identity.o src/policy.o src/relay.o src/jwk.o src/jws.o src/jose.o src/authenticate.o src/password.o src/totp.o src/login.o src/keys.o src/crypto.o src/audit.o src/auditq.o src/restrict.o src/seal.o src/sealer.o src/verify.o src/removed.o src/retention.o src/partition_guard.o src/export.o src/consent.o

# The install script of the version in preparation (default_version) is
# built from the numbered SQL sources, in order. A released version's install
# script is frozen in sql/release/ (built once by this rule, then never
# edited: tools/check-releases compares it with sql/release/SHA256SUMS) and
# installed as it is, beside the upgrade scripts of sql/upgrade/.
SQL_SOURCES = $(sort $(wildcard sql/[0-9]*.sql))
DATA_built  = $(EXTENSION)--$(EXTVERSION).sql
DATA        = $(wildcard sql/release/$(EXTENSION)--*.sql) $(wildcard sql/upgrade/$(EXTENSION)--*--*.sql)
ifneq ($(wildcard sql/release/$(EXTENSION)--$(EXTVERSION).sql),)
$(error version $(EXTVERSION) is released (sql/release/$(EXTENSION)--$(EXTVERSION).sql): open the next version in $(EXTENSION).control, doc/guides/development.md "Releasing")
endif
DOCS        =

PG_CPPFLAGS = -I$(srcdir)/src -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers -Wno-sign-compare
SHLIB_LINK  = -lcrypto

# pg_regress: inputs in test/sql, expected output in expected/
REGRESS      = $(basename $(notdir $(sort $(wildcard test/sql/*.sql))))
REGRESS_OPTS = --inputdir=test

# pg_isolation_regress: the races (concurrent sessions), specs in
# test/isolation/specs, expected output in test/isolation/expected
ISOLATION      = $(basename $(notdir $(sort $(wildcard test/isolation/specs/*.spec))))
ISOLATION_OPTS = --inputdir=test/isolation

EXTRA_CLEAN = $(DATA_built) results regression.diffs regression.out $(SAN_DIR)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# PGXS tracks no header dependencies: every object is rebuilt when a header
# changes (a stale object with an older struct layout corrupts memory).
$(OBJS): $(wildcard src/*.h)

# (the folder too: a source removed or renamed changes its time, not theirs)
$(EXTENSION)--$(EXTVERSION).sql: $(SQL_SOURCES) sql $(EXTENSION).control Makefile
	@printf '%s\n' '-- generated from sql/*.sql by make; do not edit' > $@
	@printf '%s\n' '\echo Use "CREATE EXTENSION $(EXTENSION)" to load this file. \quit' >> $@
	cat $(SQL_SOURCES) >> $@

.PHONY: deps test demo memcheck sanitize fuzz bench tidy release-check

# A released script edited, unrecorded, or without an upgrade path to
# default_version stops the install (tools/check-releases).
install: release-check
release-check:
	tools/check-releases

# Install what a fresh Debian 12 machine lacks (idempotent).
deps:
	tools/install-deps

# The whole suite (pg_regress + pgTAP + shell tests) on a throwaway cluster.
test: deps
	$(MAKE) all
	$(MAKE) install
	tools/with-cluster tools/run-tests

# The same suite with every backend under valgrind memcheck.
memcheck: deps
	tools/install-deps valgrind
	$(MAKE) all
	$(MAKE) install
	DCPF_VALGRIND=1 tools/with-cluster tools/run-tests

# The same suite with dcpf built by clang under AddressSanitizer and
# UndefinedBehaviorSanitizer, the server (not instrumented) running with the
# sanitizer runtime preloaded (tools/with-cluster DCPF_SANITIZE=1). The
# instrumented objects are built in $(SAN_DIR), never beside gcc's: the
# normal build is installed first, the instrumented library over it for the
# run, and the normal one put back after it, whatever the result.
# No -fwrapv (the server's flag): a signed overflow is reported, not wrapped.
# The server's headers name gcc's printf attribute (gnu_printf), which clang
# ignores with a warning: formats stay checked by the gcc build.
SAN_CC     = clang-14
SAN_DIR    = .build-sanitize
SAN_CFLAGS = -g -O1 -fPIC -fno-strict-aliasing -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=all \
             -Wmissing-prototypes -Wpointer-arith -Wdeclaration-after-statement -Werror=vla \
             -Wno-ignored-attributes
SAN_OBJS   = $(patsubst src/%.o,$(SAN_DIR)/%.o,$(OBJS))

$(SAN_DIR)/%.o: src/%.c $(wildcard src/*.h)
	@mkdir -p $(SAN_DIR)
	$(SAN_CC) $(SAN_CFLAGS) $(CPPFLAGS) -U_FORTIFY_SOURCE -c -o $@ $<

$(SAN_DIR)/$(EXTENSION)$(DLSUFFIX): $(SAN_OBJS)
	$(SAN_CC) $(SAN_CFLAGS) -shared-libsan -shared -o $@ $^ $(LDFLAGS) $(SHLIB_LINK)

sanitize: deps
	tools/install-deps clang-14 libclang-rt-14-dev
	$(MAKE) all
	$(MAKE) install
	$(MAKE) $(SAN_DIR)/$(EXTENSION)$(DLSUFFIX)
	$(INSTALL_SHLIB) $(SAN_DIR)/$(EXTENSION)$(DLSUFFIX) '$(DESTDIR)$(pkglibdir)/$(EXTENSION)$(DLSUFFIX)'
	DCPF_SANITIZE=1 tools/with-cluster tools/run-tests; rc=$$?; \
	$(INSTALL_SHLIB) $(EXTENSION)$(DLSUFFIX) '$(DESTDIR)$(pkglibdir)/$(EXTENSION)$(DLSUFFIX)'; \
	exit $$rc

# The libFuzzer harnesses (test/fuzz), FUZZ_SECONDS each (default 600),
# FUZZ_JOBS at a time (default 1); the corpus grows in test/fuzz/corpus and
# failing inputs are kept in test/fuzz/crashes (doc/guides/hardening.md).
FUZZ_SECONDS ?= 600
FUZZ_JOBS ?= 1
fuzz: deps
	tools/fuzz --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_HARNESSES)

# Build, install, start a throwaway cluster, load the sample, walk through it.
demo: deps
	$(MAKE) all
	$(MAKE) install
	tools/with-cluster tools/demo

# Benchmarks: ratios against the same work without dcpf.
bench: deps
	$(MAKE) all
	$(MAKE) install
	tools/with-cluster bench/run

tidy:
	clang-tidy $(addsuffix .c,$(basename $(OBJS))) -- -I$(includedir_server) -Isrc
