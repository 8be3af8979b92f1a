# dcscore: data-centre efficiency scoring.  `make demo` and `make test` are the
# two commands a newcomer needs; both install missing Debian packages first.

PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build
CC      ?= cc
SAN     ?=

# Debian packages: build + run + test (tools/deps.sh installs only what is missing).
DEB_PKGS = gcc make pkg-config clang libclang-rt-14-dev libmodbus-dev libsnmp-dev snmpd libhdf5-dev hdf5-tools \
           libgsl-dev libcyaml-dev libcmocka-dev libsimde-dev libmicrohttpd-dev libsodium-dev libjson-c-dev libsqlite3-dev sqlite3 libpq-dev postgresql-15 curl libcurl4-openssl-dev openssl python3-nacl \
          python3 python3-h5py python3-numpy \
          python3-pandas chromium fonts-noto-cjk poppler-utils \
           procps tzdata socat time

# The pollers `make bench` compares dcscore with (bench/peers.py, bench/peers_http.py; collectd's
# curl_json plugin needs libyajl2 and libcurl3-gnutls, which collectd-core only suggests); not needed to test.
BENCH_PKGS = collectd-core libyajl2 libcurl3-gnutls prometheus-snmp-exporter zabbix-agent2

PKGS    = libmodbus hdf5 libcyaml netsnmp gsl libmicrohttpd libsodium json-c sqlite3 libpq libcurl
# snprintf truncating an over-long message is intended: no format-truncation warnings.
WARN    = -Wall -Wextra -Werror -Wno-format-truncation
CFLAGS ?= -O2 -g
ifneq ($(SAN),)
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif
DATADIR ?= $(PREFIX)/share/dcscore
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(SANFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
             -DDCS_DATADIR='"$(DATADIR)"' -MMD -MP
LDLIBS  = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
ALL_LDFLAGS = $(LDFLAGS) $(SANFLAGS)

# SIMD kernels: the x86 ones are built with their own -m flags and only run where
# the CPU has them (engine/aggregate/kernels_x86.c); other machines get NEON/scalar.
ARCH := $(shell uname -m)
ifeq ($(ARCH),x86_64)
ARCH_KERNELS = engine/aggregate/kernels_x86.c engine/aggregate/kernel_sse2.c \
               engine/aggregate/kernel_avx2.c engine/aggregate/kernel_avx512.c
else
ARCH_KERNELS = engine/aggregate/kernels_other.c
endif
$(BUILD)/engine/aggregate/kernel_sse2.o: ALL_CFLAGS += -msse2
$(BUILD)/engine/aggregate/kernel_avx2.o: ALL_CFLAGS += -mavx2 -mfma
# zmm16-31 cannot be cleared by vzeroupper: if the AVX-512 kernel used them, SSE code
# run afterwards in the process would slow down ~3x. Keep the kernel off them.
# (gcc only: the clang build for fuzzing goes without, and only its speed differs.)
ifeq ($(findstring clang,$(CC)),)
$(BUILD)/engine/aggregate/kernel_avx512.o: ALL_CFLAGS += -mavx512f -mavx512dq \
    $(foreach r,16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31,-ffixed-xmm$(r))
else
$(BUILD)/engine/aggregate/kernel_avx512.o: ALL_CFLAGS += -mavx512f -mavx512dq
endif
# Compensated sums: no contraction into FMA, no fast-math, in every kernel.
$(BUILD)/engine/aggregate/%.o: ALL_CFLAGS += -ffp-contract=off

# The library: engine stages in data-flow order, then probes and reports.
LIB_SRC = engine/base/base.c engine/base/zone.c engine/base/text.c engine/base/par.c \
          engine/sample/decode.c \
          engine/config/config.c engine/config/device.c engine/config/accel.c \
          engine/store/store.c engine/store/store_read.c engine/store/lock.c engine/store/csv.c engine/store/rollup.c \
          engine/store/inspect.c engine/store/layout.c engine/store/selfstats.c engine/store/colmap.c engine/store/rollup_make.c engine/store/bulk.c \
          engine/aggregate/aggregate.c engine/aggregate/dispatch.c engine/aggregate/calibrate.c \
          engine/aggregate/kernel_scalar.c engine/aggregate/kernel_neon.c $(ARCH_KERNELS) \
          engine/metric/score.c engine/metric/integrate.c engine/metric/indicators.c engine/metric/json.c engine/metric/findings.c engine/metric/bridge.c \
          engine/index/policy.c engine/index/index.c engine/index/assess.c \
          engine/index/cohort.c engine/index/ahp.c engine/index/catalogue.c engine/index/system.c \
          engine/index/system_load.c engine/index/scohort.c engine/index/srank.c engine/index/evaluate.c \
          engine/submit/keys.c engine/submit/tar.c engine/submit/redact.c engine/submit/bundle.c engine/submit/verify.c \
          engine/region/rstore.c engine/region/rs_sqlite.c engine/region/rs_pg.c engine/region/ingest.c engine/region/cohort.c engine/region/status.c engine/region/schedule.c \
          engine/forward/live.c engine/forward/spool.c engine/forward/send.c \
          probes/registry.c probes/poller.c probes/task.c probes/http.c \
          probes/modbus/modbus_probe.c probes/modbus/plan.c probes/modbus/line.c \
          probes/snmp/snmp_probe.c probes/snmp/snmp_session.c probes/snmp/answer.c \
          probes/prometheus/expo.c probes/prometheus/prom_probe.c probes/redfish/redfish_probe.c \
          reports/page.c reports/i18n.c reports/site.c reports/region.c reports/procurement.c \
          reports/svg.c reports/svg_maps.c
CLI_SRC = engine/cli/main.c engine/cli/cmd_poll.c engine/cli/cmd_score.c engine/cli/cmd_inspect.c \
          engine/cli/cmd_rank.c engine/cli/cmd_csv.c engine/cli/cmd_report.c engine/cli/cli_metrics.c \
          engine/cli/cmd_submit.c engine/cli/cmd_region.c engine/cli/cmd_collect.c
SIM_SRC = fixtures/sim.c fixtures/sim_modbus.c fixtures/sim_snmp.c fixtures/sim_exporter.c fixtures/sim_redfish.c fixtures/sim_http.c fixtures/loadmodel.c
FLEET_SRC = fixtures/mb_fleet.c fixtures/mb_fleet_serve.c fixtures/fleet_util.c engine/base/base.c
SNMPFLEET_SRC = fixtures/snmp_fleet.c fixtures/fleet_util.c engine/base/base.c
# Every tests/*_test.c is a cmocka test: a new file is built and run without
# being listed (a list here once left two tests unbuilt on a clean checkout).
TESTS   = $(sort $(patsubst tests/%.c,%,$(wildcard tests/*_test.c)))

LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
SIM_OBJ = $(SIM_SRC:%.c=$(BUILD)/%.o)
FLEET_OBJ = $(FLEET_SRC:%.c=$(BUILD)/%.o)
SNMPFLEET_OBJ = $(SNMPFLEET_SRC:%.c=$(BUILD)/%.o)
TEST_BIN = $(TESTS:%=$(BUILD)/tests/%)

.PHONY: all deps demo test check bench soak clean install uninstall fuzz fuzz-build fuzz-smoke screenshots

all: $(BUILD)/dcscore $(BUILD)/dcs-sim $(BUILD)/dcs-mbfleet $(BUILD)/dcs-snmpfleet

deps:
	@tools/deps.sh $(DEB_PKGS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libdcscore.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/dcscore: $(CLI_OBJ) $(BUILD)/libdcscore.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dcs-sim: $(SIM_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dcs-mbfleet: $(FLEET_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/dcs-snmpfleet: $(SNMPFLEET_OBJ)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/tests/testutil.o $(BUILD)/fixtures/loadmodel.o $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/tests/testutil.o $(BUILD)/fixtures/loadmodel.o $(BUILD)/libdcscore.a \
	    $(ALL_LDFLAGS) $(LDLIBS) -lcmocka

# Build and run every test in $(BUILD); the runner's last line is "N passed, N failed".
check: all $(BUILD)/tests/testutil.o $(BUILD)/fixtures/loadmodel.o $(TEST_BIN)
	@tests/run.sh $(BUILD)

test: deps
	@$(MAKE) --no-print-directory check
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer =="
	@$(MAKE) --no-print-directory check BUILD=build/asan SAN=1 CFLAGS="-O1 -g"
	@echo "== fuzz targets: corpus replay and $(FUZZ_SECONDS) s each (libFuzzer, ASan+UBSan) =="
	@$(MAKE) --no-print-directory fuzz-smoke

demo: deps
	@$(MAKE) --no-print-directory all
	@fixtures/demo.sh $(BUILD)

# README's pictures (docs/img) from the reports `make demo` writes.
screenshots: demo
	@tools/screenshots.sh $(BUILD)/demo

$(BUILD)/bench/agg_bench: bench/agg_bench.c $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdcscore.a $(ALL_LDFLAGS) $(LDLIBS)

# Fuzzing (libFuzzer, clang): one target per parser in tests/fuzz/fuzz_*.c, its
# seeds and past crashes in tests/fuzz/corpus/TARGET/. The library is built
# again with clang under ASan+UBSan and fuzzer coverage in build/fuzz.
FUZZ_TARGETS = $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BUILD   = build/fuzz
FUZZ_SECONDS ?= 5
FUZZ_MINUTES ?= 10
FUZZ_MAKE = $(MAKE) --no-print-directory CC=clang SAN=1 BUILD=$(FUZZ_BUILD) \
            CFLAGS="-O1 -g -fsanitize=fuzzer-no-link -Wno-unknown-warning-option"

$(FUZZ_BUILD)/tests/fuzz/%: tests/fuzz/%.c tests/fuzz/fz_util.c tests/fuzz/fz_util.h $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< tests/fuzz/fz_util.c $(BUILD)/libdcscore.a \
	    $(ALL_LDFLAGS) $(LDLIBS)

fuzz-build:
	@$(FUZZ_MAKE) $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/tests/fuzz/%)

# make test: every corpus replayed, then FUZZ_SECONDS of new inputs per target.
fuzz-smoke: fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) smoke $(FUZZ_SECONDS)

# FUZZ_MINUTES (10) per target; docs/testing.md records the executions.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@tests/fuzz/run.sh $(FUZZ_BUILD) long $$(( $(FUZZ_MINUTES) * 60 ))

# Long runs: the crash test with 100 kill -9s instead of 20, and 100 disk-full
# cycles in a row (every sample read back after each).
soak: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/store_fault_test
	@DCS_KILLS=100 DCS_BUILD=$(BUILD) DCS_SRC=. tests/crash_test.sh
	@DCS_DISKFULL_CYCLES=100 DCS_BUILD=$(BUILD) DCS_SRC=. DCSCORE_PROFILES=probes/profiles TZ=UTC \
	    $(BUILD)/tests/store_fault_test

$(BUILD)/bench/store_bench: bench/store_bench.c $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdcscore.a $(ALL_LDFLAGS) $(LDLIBS)

$(BUILD)/bench/year_bench: bench/year_bench.c $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdcscore.a $(ALL_LDFLAGS) $(LDLIBS)

$(BUILD)/bench/region_bench: bench/region_bench.c $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdcscore.a $(ALL_LDFLAGS) $(LDLIBS)

$(BUILD)/bench/collect_bench: bench/collect_bench.c $(BUILD)/libdcscore.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/libdcscore.a $(ALL_LDFLAGS) $(LDLIBS)

# Benchmarks print ratios against baselines measured in the same run.
# year_bench writes about 9 GB of day files to a temporary folder (removed after).
bench: deps
	@tools/deps.sh $(BENCH_PKGS)
	@$(MAKE) --no-print-directory all $(BUILD)/bench/agg_bench $(BUILD)/bench/store_bench \
	    $(BUILD)/bench/year_bench $(BUILD)/bench/region_bench $(BUILD)/bench/collect_bench
	@DCS_BENCH_DIR=bench $(BUILD)/bench/agg_bench
	@echo
	@DCS_BENCH_DIR=bench $(BUILD)/bench/store_bench
	@echo
	@bench/snmp_scale.sh $(BUILD)
	@echo
	@bench/http_scale.sh $(BUILD)
	@echo
	@/usr/bin/python3 bench/peers.py $(BUILD)
	@echo
	@/usr/bin/python3 bench/peers_http.py $(BUILD)
	@echo
	@DCS_BENCH_DIR=bench $(BUILD)/bench/year_bench
	@echo
	@DCS_SRC=. $(BUILD)/bench/region_bench
	@echo
	@DCS_BUILD=$(BUILD) $(BUILD)/bench/collect_bench

UNITDIR ?= $(PREFIX)/lib/systemd/system
MANDIR  ?= $(PREFIX)/share/man
UNITS_IN = $(wildcard engine/cli/systemd/*.service.in)
TIMERS   = $(wildcard engine/cli/systemd/*.timer)

# Binary, policy data, example site, man page and systemd units (paths filled in).
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BUILD)/dcscore $(DESTDIR)$(PREFIX)/bin/dcscore
	install -m 0644 engine/index/policy.yaml $(DESTDIR)$(DATADIR)/policy.yaml
	install -d $(DESTDIR)$(DATADIR)/profiles
	install -m 0644 probes/profiles/*.yaml $(DESTDIR)$(DATADIR)/profiles/
	install -d $(DESTDIR)$(DATADIR)/profiles/accelerators
	install -m 0644 probes/profiles/accelerators/*.yaml $(DESTDIR)$(DATADIR)/profiles/accelerators/
	install -d $(DESTDIR)$(DATADIR)/systems
	install -m 0644 engine/index/systems/*.yaml $(DESTDIR)$(DATADIR)/systems/
	install -m 0644 fixtures/demo-site.yaml.in $(DESTDIR)$(DATADIR)/example-site.yaml
	install -m 0644 docs/man/dcscore.1 $(DESTDIR)$(MANDIR)/man1/dcscore.1
	for u in $(UNITS_IN); do \
	    sed -e 's|@BINDIR@|$(PREFIX)/bin|g' -e 's|@DATADIR@|$(DATADIR)|g' $$u \
	        >$(DESTDIR)$(UNITDIR)/$$(basename $$u .in) || exit 1; done
	install -m 0644 $(TIMERS) $(DESTDIR)$(UNITDIR)/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/dcscore $(DESTDIR)$(DATADIR)/policy.yaml \
	    $(DESTDIR)$(DATADIR)/example-site.yaml $(DESTDIR)$(MANDIR)/man1/dcscore.1
	for u in $(UNITS_IN) $(TIMERS); do rm -f $(DESTDIR)$(UNITDIR)/$$(basename $$u .in); done
	rm -f $(patsubst probes/profiles/%,$(DESTDIR)$(DATADIR)/profiles/%,$(wildcard probes/profiles/*.yaml))
	rm -f $(patsubst probes/profiles/%,$(DESTDIR)$(DATADIR)/profiles/%,$(wildcard probes/profiles/accelerators/*.yaml))
	-rmdir $(DESTDIR)$(DATADIR)/profiles/accelerators
	-rmdir $(DESTDIR)$(DATADIR)/profiles
	rm -f $(patsubst engine/index/systems/%,$(DESTDIR)$(DATADIR)/systems/%,$(wildcard engine/index/systems/*.yaml))
	-rmdir $(DESTDIR)$(DATADIR)/systems
	-rmdir $(DESTDIR)$(DATADIR)

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(SIM_OBJ:.o=.d) $(FLEET_OBJ:.o=.d) $(SNMPFLEET_OBJ:.o=.d) $(wildcard $(BUILD)/bench/*.d)
