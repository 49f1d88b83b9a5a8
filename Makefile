# anomaly_detect — PostgreSQL extension (PGXS).
#
#   make                 build the extension (src/core + src/pg -> anomaly_detect.so)
#   make install         install it into the PostgreSQL of $(PG_CONFIG)
#   make installcheck    pg_regress against a running server (PGHOST/PGPORT/PGUSER)
#
# Project commands (each runs a script in test/, bench/ or demo/ and sets up
# whatever is missing, including Debian packages and a throw-away cluster):
#   make check           C++ unit tests + pg_regress suite; ends with "N passed, N failed"
#   make demo            demo metrics in a local PostgreSQL 15 cluster, detection, report
#   make demo-stop       stop that cluster
#   make bench           Google Benchmark of the core + SQL benchmark
#   make bench-accuracy  detection accuracy of every detector on generated
#                        labelled metrics (and on NAB when available)
#   make deps            install the Debian packages the project needs

EXTENSION  = anomaly_detect
MODULE_big = anomaly_detect
CORE_SRCS  = $(sort $(wildcard src/core/*.cpp))
PG_SRCS    = $(sort $(wildcard src/pg/*.cpp))
OBJS       = $(CORE_SRCS:.cpp=.o) $(PG_SRCS:.cpp=.o)
# Released scripts are kept as they shipped and never edited. The script of
# the version under development is assembled from its parts, one file per
# feature (src/install/<version>/NN_feature.sql, in name order).
# Each upgrade <from>--<to> listed here is assembled from src/install/<to>/.
# 0.2.0 has shipped: its parts are frozen like a released script.
DATA       = $(wildcard src/install/anomaly_detect--*.sql)
UPGRADES   = 0.1.0--0.2.0 0.2.0--0.3.0 0.3.0--0.4.0 0.4.0--0.5.0
DATA_built = $(patsubst %,build/install/anomaly_detect--%.sql,$(UPGRADES))
REGRESS    = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --load-extension=anomaly_detect
EXTRA_CLEAN  = build

PG_CONFIG ?= pg_config

# Project commands run a script; they never need the PGXS rules, and PGXS's
# own "check" target ("not supported") must not shadow ours.
PROJECT_GOALS := check demo demo-stop bench bench-accuracy deps
ifneq ($(filter $(PROJECT_GOALS),$(MAKECMDGOALS)),)

.PHONY: $(PROJECT_GOALS)
check:
	@test/run_tests.sh
demo:
	@demo/run_demo.sh start
demo-stop:
	@demo/run_demo.sh stop
bench:
	@bench/run_bench.sh
bench-accuracy:
	@bench/accuracy/run.sh
deps:
	@test/install_deps.sh

else

EIGEN_CFLAGS := $(shell pkg-config --cflags eigen3 2>/dev/null || echo -I/usr/include/eigen3)
# -isystem: no warnings from PostgreSQL's headers (register, unused parameters).
PG_CPPFLAGS  = -I$(srcdir)/src -isystem $(includedir_server) $(EIGEN_CFLAGS) -DEIGEN_DONT_PARALLELIZE
PG_CXXFLAGS  = -std=c++17 -fexceptions -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
# PGXS links with gcc: name the C++ runtime explicitly.
SHLIB_LINK   = -lstdc++ -lcurl

# Debian's PGXS also compiles LLVM bitcode for JIT inlining, with flags that
# ignore PG_CXXFLAGS (so no C++17). The JIT does not need our code: skip it.
# Must come before the include.
override with_llvm = no

PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# build/install/anomaly_detect--A--B.sql <- src/install/B/*.sql in name order
.SECONDEXPANSION:
build/install/anomaly_detect--%.sql: $$(sort $$(wildcard src/install/$$(lastword $$(subst --, ,$$*))/*.sql))
	@mkdir -p $(dir $@)
	cat $^ > $@

# Headers are dependencies of every object (PGXS does not track them).
$(OBJS): $(wildcard src/core/*.hpp src/pg/*.hpp)

endif
