# OfflineTube: build, run, test.  `make run` and `make test` are the two commands.

PREFIX	?= /usr/local
CC	?= cc
PKGS	 = json-c sqlite3 uuid libsodium
# Their headers only: libpq and libcurl are loaded when first needed
# (sql/pqlib.c, worker/curllib.c), not linked.  The unit tests that talk
# to PostgreSQL themselves link libpq.
PKGS_DL	 = libpq libcurl
WARN	 = -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-qual \
	   -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
	   -Wnull-dereference -Wimplicit-fallthrough
CFLAGS	?= -O2 -g
# The flags the code needs, kept apart so that `make CFLAGS=...` cannot drop them.
OT_CFLAGS = -std=c11 -D_DEFAULT_SOURCE -D_GNU_SOURCE $(WARN) \
	   -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
	   -Icommon -Isql -Ifcgi-app -Iworker \
	   $(shell pkg-config --cflags $(PKGS) $(PKGS_DL) 2>/dev/null)
LDLIBS	 = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
SANFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
	   -fno-sanitize-recover=undefined

COMMON_SRC = common/log.c common/util.c common/config.c common/privdrop.c common/urlguard.c common/urlform.c common/metricnames.c sql/store.c \
	     sql/db.c sql/db_sqlite.c sql/db_pg.c sql/pqlib.c sql/store_pg_sqls.c
API_SRC	   = $(wildcard fcgi-app/*.c)
WORKER_SRC = $(wildcard worker/*.c)
MIGRATIONS = $(sort $(wildcard sql/migrations/*.sql))
PG_MIGRATIONS = $(sort $(wildcard sql/pg/*.sql))
HEADERS	   = $(wildcard common/*.h sql/*.h fcgi-app/*.h worker/*.h)

# Objects land in $(B)/ (build/ normally, build/asan/ for the sanitizer build).
B	?= build
API_OBJ	   = $(patsubst %.c,$(B)/%.o,$(COMMON_SRC) $(API_SRC)) $(B)/migrations.o $(B)/pg_migrations.o
WORKER_OBJ = $(patsubst %.c,$(B)/%.o,$(COMMON_SRC) $(WORKER_SRC)) $(B)/migrations.o $(B)/pg_migrations.o
UNIT_SRC   = $(wildcard tests/unit/test_*.c)
UNIT_BIN   = $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
# Everything but the two main()s, for the unit tests to link against.
LIB_OBJ	   = $(filter-out $(B)/fcgi-app/main.o $(B)/worker/main.o, \
	     $(sort $(API_OBJ) $(WORKER_OBJ)))

PY	 = /usr/bin/python3

.PHONY: all deps deps-test deps-browser deps-openapi openapi-lint api-reference run run-worker test lint unit e2e e2e-pg browser \
	asan clean install schema \
	install-web fuzz fuzz-build fuzz-smoke \
	bench bench-deps pg
all: $(B)/offlinetube-api $(B)/offlinetube-worker

$(B)/%.o: %.c $(HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OT_CFLAGS) -c -o $@ $<

# The directory too: its time moves when a migration is removed or renamed,
# which the list of files alone would not show.
$(B)/migrations.c: $(MIGRATIONS) sql/migrations scripts/embed-migrations.sh
	@mkdir -p $(B)
	sh scripts/embed-migrations.sh $@ $(MIGRATIONS)

$(B)/pg_migrations.c: $(PG_MIGRATIONS) sql/pg scripts/embed-migrations.sh
	@mkdir -p $(B)
	sh scripts/embed-migrations.sh -p store_pg $@ $(PG_MIGRATIONS)

$(B)/%migrations.o: $(B)/%migrations.c
	$(CC) $(CFLAGS) $(OT_CFLAGS) -Wno-missing-prototypes -c -o $@ $<

$(B)/offlinetube-api: $(API_OBJ)
	$(CC) $(CFLAGS) -o $@ $(API_OBJ) -lfcgi $(LDLIBS)

$(B)/offlinetube-worker: $(WORKER_OBJ)
	$(CC) $(CFLAGS) -o $@ $(WORKER_OBJ) $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/unit.h tests/unit/unitdb.h $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OT_CFLAGS) -Itests/unit -o $@ $< $(LIB_OBJ) -lfcgi $(LDLIBS) $(shell pkg-config --libs libpq 2>/dev/null)

unit-bin: $(UNIT_BIN)

# Installs the Debian packages that are missing (apt-get; sudo when not root).
deps:
	@sh scripts/install-deps.sh

deps-test:
	@sh scripts/install-deps.sh test

# sql/schema.sql, the database as the migrations make it: written from one
# they made (tests/unit/test_shape.c checks it matches).
schema: asan
	OT_WRITE_SCHEMA=1 build/asan/tests/test_shape >/dev/null

# The sanitizer build: the same sources under AddressSanitizer and UBSan.
asan:
	$(MAKE) B=build/asan CFLAGS="$(SANFLAGS)" all unit-bin

# run.sh is a bash script (it waits for the first of three programs to
# exit): run by bash, as its first line says, never by /bin/sh (dash).
run: deps all
	@bash scripts/run.sh build

# A worker alone, with make run's settings: another host's worker on a shared
# PostgreSQL database (OFFLINETUBE_DATABASE; docs/deploy.md, "Two machines").
run-worker: deps all
	@bash scripts/run-worker.sh build

unit: asan
	@sh tests/unit/run.sh build/asan/tests

# PostgreSQL's schema against SQLite's: the same writes, byte-identical
# records (a server of its own, tests/pg/cluster.sh; postgresql from deps-test).
pg:
	$(PY) -m pytest -q -p no:cacheprovider tests/pg

# The end-to-end suite runs the sanitizer build: every request and job of the
# suite is then checked by ASan/UBSan, and the suite fails on any report.
# The browser tests are apart (target browser): they need chromium and npm.
e2e: asan
	OFFLINETUBE_BIN=build/asan $(PY) -m pytest -q -p no:cacheprovider tests/e2e \
	    --ignore=tests/e2e/test_browser.py

# The same suite with every service's store on PostgreSQL: one throw-away
# server for the run (tests/pg/cluster.sh), a database per service.  A
# failure's summary line ends in [postgresql].  What concerns only SQLite or
# make run (the WAL, the SQLite file, test_install, test_fresh_start,
# test_readme_make_run) skips itself, saying why.
e2e-pg: asan
	OFFLINETUBE_TEST_DATABASE=postgresql OFFLINETUBE_BIN=build/asan \
	    $(PY) -m pytest -q -p no:cacheprovider tests/e2e \
	    --ignore=tests/e2e/test_browser.py

# The web page in a real headless browser: Debian's chromium driven by
# playwright-core, axe-core for accessibility (pinned in tests/browser/).
# No browser is downloaded.  Screenshots land in build/screenshots/.
BROWSER_MODULES = tests/browser/node_modules/.package-lock.json
$(BROWSER_MODULES): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
	    npm ci --no-audit --no-fund --loglevel=error

deps-browser: deps-test $(BROWSER_MODULES)

browser: asan deps-browser
	OFFLINETUBE_BIN=build/asan OFFLINETUBE_SCREENSHOTS=build/screenshots \
	    $(PY) -m pytest -q -s -p no:cacheprovider tests/e2e/test_browser.py

# docs/openapi.json, the API's machine-readable description, passes Redocly's
# lint (pinned in tests/openapi/; node >= 18.17).  The e2e suite holds every
# answer it gets against the same document (tests/e2e/openapi_check.py).
OPENAPI_MODULES = tests/openapi/node_modules/.package-lock.json
$(OPENAPI_MODULES): tests/openapi/package.json tests/openapi/package-lock.json
	cd tests/openapi && npm ci --no-audit --no-fund --loglevel=error

deps-openapi: deps-test $(OPENAPI_MODULES)

# Redocly's CLI asks the network for updates and sends usage data unless told not to.
openapi-lint: deps-openapi
	cd tests/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	    ./node_modules/.bin/redocly lint --format=stylish \
	    --config redocly.yaml ../../docs/openapi.json

# The reference page served at /api/docs, made from docs/openapi.json and
# committed (make run needs no more than nginx to serve it).
api-reference:
	$(PY) scripts/openapi-page.py docs/openapi.json >docs/api-reference.html.tmp
	mv docs/api-reference.html.tmp docs/api-reference.html

# Every shell script is run by the shell its first line names, and passes
# checkbashisms and ShellCheck (tests/lint/test_shells.py).
lint: deps-test
	$(PY) -m pytest -q -p no:cacheprovider tests/lint

test: deps-test all
	$(MAKE) lint
	$(MAKE) openapi-lint
	$(MAKE) unit
	$(MAKE) pg
	$(MAKE) fuzz-smoke
	$(MAKE) e2e
	$(MAKE) e2e-pg
	$(MAKE) browser

# Installs the programs, and under share/offlinetube the web page with what
# makes the nginx configuration (scripts/nginx-conf.sh finds web/ beside it):
#   bash $(PREFIX)/share/offlinetube/scripts/run.sh $(PREFIX)/bin
SHARE = $(DESTDIR)$(PREFIX)/share/offlinetube
install: all install-web
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(B)/offlinetube-api $(B)/offlinetube-worker $(DESTDIR)$(PREFIX)/bin/

install-web:
	install -d $(SHARE)/web $(SHARE)/docs $(SHARE)/nginx $(SHARE)/scripts
	install -m 644 web/*.html web/*.css web/*.js web/*.svg web/*.webmanifest $(SHARE)/web/
	install -m 644 docs/openapi.json docs/api-reference.html $(SHARE)/docs/
	install -m 644 nginx/offlinetube.conf.in $(SHARE)/nginx/
	install -m 755 scripts/nginx-conf.sh scripts/run.sh scripts/run-worker.sh $(SHARE)/scripts/
	install -m 644 scripts/run-env.sh $(SHARE)/scripts/

# libFuzzer harnesses (clang): the parsers and encoders that meet untrusted bytes.
FUZZERS	     = $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS  = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
	       -fno-sanitize-recover=undefined -fno-omit-frame-pointer

fuzz-build:
	$(MAKE) B=build/fuzz CC=clang CFLAGS="$(FUZZ_CFLAGS)" \
	    $(patsubst %,build/fuzz/%,$(FUZZERS))

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJ)
	$(CC) $(CFLAGS) $(OT_CFLAGS) -fsanitize=fuzzer -o $@ $< $(LIB_OBJ) \
	    -lfcgi $(LDLIBS)

# Each harness for FUZZ_SECONDS, from the committed corpus; finds land in build/.
fuzz: fuzz-build
	@for f in $(FUZZERS); do \
		mkdir -p build/fuzz/found/$$f || exit 1; \
		echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
		build/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) -print_final_stats=0 \
		    $(FUZZ_SEED) \
		    -artifact_prefix=build/fuzz/found/$$f/ \
		    build/fuzz/found/$$f tests/fuzz/corpus/$$f >build/fuzz/$$f.log 2>&1 \
		    || { tail -n 40 build/fuzz/$$f.log; exit 1; }; \
	done; echo "fuzz: $(words $(FUZZERS)) passed, 0 failed"

# The test suite's share: a few seconds each, enough to replay the corpus and
# explore a bit; with a fixed seed, so a test run is the same run every time
# (`make fuzz` explores anew each time).
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=4 FUZZ_SEED=-seed=1

# `make bench`: the service measured against its own parts (bench/bench.py);
# writes docs/benchmarks.md.  Not part of `make test`: a benchmark asserts nothing.
bench-deps:
	@sh scripts/install-deps.sh bench

$(B)/bench/%: bench/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OT_CFLAGS) -o $@ $< $(LIB_OBJ) -lfcgi $(LDLIBS)

bench: bench-deps all $(B)/bench/store_bench
	$(PY) bench/bench.py --bin $(B)

clean:
	rm -rf build

# ---- Deployment (docs/deploy.md): install, uninstall, the .deb ------------
# `make install` adds to the programs and web page above: the man pages, the
# schema and migrations, the config file, the nginx snippet/zones/site, the
# systemd units with sysusers.d and tmpfiles.d.  Paths: PREFIX (/usr/local),
# SYSCONFDIR (/etc: nginx and systemd look there, not under PREFIX),
# LOCALSTATEDIR (/var), RUNSTATEDIR (/run), SYSTEMDUNITDIR, NGINX_GROUP
# (the group nginx's workers run as), DESTDIR for staging.
SYSCONFDIR	?= /etc
LOCALSTATEDIR	?= /var
RUNSTATEDIR	?= /run
MANDIR		?= $(PREFIX)/share/man
SYSTEMDUNITDIR	?= $(PREFIX)/lib/systemd/system
NGINX_GROUP	?= www-data
OT_SHAREDIR	 = $(PREFIX)/share/offlinetube
OT_DATA		 = $(LOCALSTATEDIR)/lib/offlinetube
OT_RUN		 = $(RUNSTATEDIR)/offlinetube
OT_CONF		 = $(SYSCONFDIR)/offlinetube/offlinetube.conf
OT_SNIPPET	 = $(SYSCONFDIR)/nginx/snippets/offlinetube.conf
OT_ZONES	 = $(SYSCONFDIR)/nginx/conf.d/offlinetube-zones.conf
OT_UPSTREAM	 = $(SYSCONFDIR)/nginx/conf.d/offlinetube-upstream.conf
OT_SITE		 = $(SYSCONFDIR)/nginx/sites-available/offlinetube
OT_UNITS	 = offlinetube-api.socket offlinetube-api.service \
		   offlinetube-worker.service
OT_MANS		 = docs/offlinetube-api.8 docs/offlinetube-worker.8
OT_SUBST	 = sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@CONF@|$(OT_CONF)|g' \
		   -e 's|@DATA_DIR@|$(OT_DATA)|g' -e 's|@RUN_DIR@|$(OT_RUN)|g' \
		   -e 's|@SOCKET@|$(OT_RUN)/api.sock|g' \
		   -e 's|@NGINX_GROUP@|$(NGINX_GROUP)|g' \
		   -e 's|@SNIPPET@|$(OT_SNIPPET)|g' -e 's|@ZONES@|$(OT_ZONES)|g' \
		   -e 's|@UPSTREAM@|$(OT_UPSTREAM)|g' \
		   -e 's|@WEB_DIR@|$(OT_SHAREDIR)/web|g' \
		   -e 's|@DOCS_DIR@|$(OT_SHAREDIR)/docs|g'
# dist/offlinetube.conf names the Debian paths; other prefixes get theirs.
OT_CONF_SUBST	 = sed -e 's|/var/lib/offlinetube|$(OT_DATA)|g' \
		   -e 's|/run/offlinetube/api.sock|$(OT_RUN)/api.sock|g' \
		   -e 's|/etc/offlinetube/offlinetube.conf|$(OT_CONF)|g'

.PHONY: install-system uninstall man-lint units-verify deps-deb deb deb-test
install: install-system

install-system: all install-web
	install -d $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(OT_SHAREDIR)/sql/migrations \
	    $(DESTDIR)$(SYSCONFDIR)/offlinetube $(DESTDIR)$(SYSCONFDIR)/nginx/snippets \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/conf.d $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available \
	    $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
	    $(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	install -m 644 $(OT_MANS) $(DESTDIR)$(MANDIR)/man8/
	install -m 644 sql/schema.sql $(DESTDIR)$(OT_SHAREDIR)/sql/
	install -m 644 $(MIGRATIONS) $(DESTDIR)$(OT_SHAREDIR)/sql/migrations/
	install -m 755 scripts/offlinetube-dns-allow $(DESTDIR)$(OT_SHAREDIR)/scripts/
	install -d $(DESTDIR)$(OT_SHAREDIR)/monitoring
	install -m 644 dist/monitoring/prometheus.yml dist/monitoring/grafana-dashboard.json \
	    $(DESTDIR)$(OT_SHAREDIR)/monitoring/
	@set -e; for u in $(OT_UNITS); do \
		$(OT_SUBST) dist/systemd/$$u.in >$(DESTDIR)$(SYSTEMDUNITDIR)/$$u; \
		chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/$$u; done
	install -m 644 dist/offlinetube.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/offlinetube.conf
	$(OT_SUBST) dist/offlinetube.tmpfiles.in >$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/offlinetube.conf
	$(OT_SUBST) nginx/offlinetube-snippet.conf.in >$(DESTDIR)$(OT_SNIPPET)
	$(OT_SUBST) nginx/offlinetube-upstream.conf.in >$(DESTDIR)$(OT_UPSTREAM)
	@# The zones file lists the host names nginx answers to: an edited one is
	@# kept, and the new default lands beside it (nginx reads only *.conf).
	@if [ -f $(DESTDIR)$(OT_ZONES) ] && ! cmp -s nginx/offlinetube-zones.conf \
	    $(DESTDIR)$(OT_ZONES); then \
		install -m 644 nginx/offlinetube-zones.conf $(DESTDIR)$(OT_ZONES).dist; \
		echo "install: kept $(DESTDIR)$(OT_ZONES); the new default is $(OT_ZONES).dist"; \
	else install -m 644 nginx/offlinetube-zones.conf $(DESTDIR)$(OT_ZONES); fi
	$(OT_SUBST) nginx/offlinetube-site.conf.in >$(DESTDIR)$(OT_SITE)
	chmod 644 $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/offlinetube.conf \
	    $(DESTDIR)$(OT_SNIPPET) $(DESTDIR)$(OT_UPSTREAM) $(DESTDIR)$(OT_SITE)
	@# An edited config file is never overwritten: the new one lands beside it.
	@if [ -f $(DESTDIR)$(OT_CONF) ]; then \
		$(OT_CONF_SUBST) dist/offlinetube.conf >$(DESTDIR)$(OT_CONF).dist; \
		echo "install: kept $(DESTDIR)$(OT_CONF); the new default is $(OT_CONF).dist"; \
	else $(OT_CONF_SUBST) dist/offlinetube.conf >$(DESTDIR)$(OT_CONF); fi
	chmod 644 $(DESTDIR)$(OT_CONF)

# Removes what install put there, except the config file and the zones file
# when they were edited; never the data directory (docs/deploy.md says how to
# remove that).
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/offlinetube-api $(DESTDIR)$(PREFIX)/bin/offlinetube-worker
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,offlinetube-api.8 offlinetube-worker.8)
	rm -rf $(DESTDIR)$(OT_SHAREDIR)
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDUNITDIR)/,$(OT_UNITS))
	rm -f $(DESTDIR)$(PREFIX)/lib/sysusers.d/offlinetube.conf \
	    $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/offlinetube.conf
	rm -f $(DESTDIR)$(OT_SNIPPET) $(DESTDIR)$(OT_UPSTREAM) $(DESTDIR)$(OT_SITE) \
	    $(DESTDIR)$(OT_CONF).dist $(DESTDIR)$(OT_ZONES).dist
	@if [ -f $(DESTDIR)$(OT_ZONES) ] && cmp -s nginx/offlinetube-zones.conf \
	    $(DESTDIR)$(OT_ZONES); then rm -f $(DESTDIR)$(OT_ZONES); \
	elif [ -f $(DESTDIR)$(OT_ZONES) ]; then echo "uninstall: kept the edited $(DESTDIR)$(OT_ZONES)"; fi
	@if [ -f $(DESTDIR)$(OT_CONF) ] && $(OT_CONF_SUBST) dist/offlinetube.conf | \
	    cmp -s - $(DESTDIR)$(OT_CONF); then rm -f $(DESTDIR)$(OT_CONF); \
	    rmdir $(DESTDIR)$(SYSCONFDIR)/offlinetube 2>/dev/null || true; \
	elif [ -f $(DESTDIR)$(OT_CONF) ]; then echo "uninstall: kept the edited $(DESTDIR)$(OT_CONF)"; fi

# The man pages: mandoc's warnings and errors fail (its style notes do not).
man-lint:
	mandoc -Tlint -W warning $(OT_MANS)

# The units, installed into a scratch tree and checked there by systemd.
units-verify: all
	@rm -rf build/units-root
	$(MAKE) --no-print-directory install DESTDIR=$(CURDIR)/build/units-root \
	    PREFIX=/usr SYSCONFDIR=/etc >/dev/null
	sh tests/deploy/verify-units.sh build/units-root

# What building the .deb needs, apart from `make run`'s packages.
deps-deb:
	@sh scripts/install-deps.sh
	@sh scripts/deps-deb.sh

# dpkg-buildpackage in a copy of the tree under build/deb/ (it writes the .deb
# next to the source: build/deb/ then, not the repository's parent).
deb: deps-deb
	sh scripts/build-deb.sh build/deb

# The package: builds, its file list matches tests/deploy/deb-files.txt, lintian.
deb-test: deb units-verify man-lint
	sh tests/deploy/deb-test.sh build/deb
test: deb-test
