# clinnova — PGXS build.
#
#   make && sudo make install        build and install into the PostgreSQL found by pg_config
#   test/run                         the whole test suite (see README.md)
#
# Each module keeps its objects and its regression tests on its own lines below, so that
# modules can grow independently.

EXTENSION   = clinnova
EXTVERSION  = 0.1.0

MODULE_big  = clinnova

# core
OBJS_CORE     = src/clinnova.o src/linalg.o src/distributions.o

# codes
OBJS_CODES    = src/code_parse.o src/code_io.o src/code_op.o src/code_index.o src/vocab.o

# survival
OBJS_SURVIVAL = src/survfit.o src/survstate.o src/survcurve.o src/km.o src/cif.o src/logrank.o src/rmst.o

# cox
OBJS_COX      = src/coxoptions.o src/coxdata.o src/coxfit.o src/coxbaseline.o \
                src/concordance.o src/coxzph.o src/coxjson.o src/coxmodel.o src/coxmodel_access.o \
                src/coxph_predict.o src/coxstep.o src/coxph.o

# models
OBJS_MODELS   = src/model_json.o src/model_cache.o src/glm.o src/glm_options.o \
                src/glm_agg.o src/glmmodel.o src/glmstep.o src/tree.o \
                src/registry.o

# federation
OBJS_FEDERATION = src/federation_guard.o src/federation_catalog.o src/federation_audit.o \
                  src/federation_state.o src/federation_coxgrid.o

# synth (synthetic cohort generator of the demo and the benchmarks)
OBJS_SYNTH    = src/synth_model.o src/synth.o

OBJS = $(OBJS_CORE) $(OBJS_CODES) $(OBJS_SURVIVAL) $(OBJS_COX) $(OBJS_MODELS) $(OBJS_FEDERATION) $(OBJS_SYNTH)

DATA = sql/clinnova--0.1.0.sql

# Regression tests: inputs in test/sql/, outputs in expected/.  Never name a test like a file in sql/.
# core
REGRESS_CORE       = install build_info

# codes
REGRESS_CODES      = code_io code_op code_index code_vocab

# survival
REGRESS_SURVIVAL   = survfit_io km km_reference nelson_aalen cif logrank rmst survival_disclosure

# cox
REGRESS_COX        = coxph_fit coxph_reference coxph_predict coxph_zph coxph_step

# models
REGRESS_MODELS     = glm_fit glm_reference glm_step xgboost_import model_predict model_registry

# federation (single-cluster parts; the multi-cluster suite is test/federation/)
REGRESS_FEDERATION = federation_guard federation_state federation_coxgrid

# synth
REGRESS_SYNTH      = synth

# demo (figures of the demo: km_svg)
REGRESS_DEMO       = km_svg

# hardening (bad-input corpus over every function and type, round trips; test/hardening/)
REGRESS_HARDENING  = hardening_sweep hardening_io hardening_regressions hardening_scale

REGRESS = $(REGRESS_CORE) $(REGRESS_CODES) $(REGRESS_SURVIVAL) $(REGRESS_COX) $(REGRESS_MODELS) $(REGRESS_FEDERATION) $(REGRESS_SYNTH) $(REGRESS_DEMO) \
          $(REGRESS_HARDENING)
REGRESS_OPTS = --inputdir=test --load-extension=clinnova

# OpenBLAS, single-threaded build (Debian libopenblas-serial-dev).  Linked by path and rpath so
# that a threaded OpenBLAS selected through update-alternatives is never picked up at run time.
MULTIARCH  ?= $(shell $(CC) -print-multiarch 2>/dev/null)
BLAS_DIR   ?= /usr/lib/$(MULTIARCH)/openblas-serial
BLAS_INC   ?= /usr/include/$(MULTIARCH)/openblas-serial

PG_CPPFLAGS = -I$(srcdir)/src -I$(BLAS_INC) -DCLINNOVA_VERSION=\"$(EXTVERSION)\"
SHLIB_LINK  = -L$(BLAS_DIR) -Wl,-rpath,$(BLAS_DIR) -lopenblas -lm

# Warnings: -Wall -Wextra, minus the two that PostgreSQL 15's own headers trip (unused fcinfo
# parameters, signedness in array.h).  The test command builds with WERROR=1 (-Werror).
PG_CFLAGS   = -Wextra -Wno-unused-parameter -Wno-sign-compare
ifeq ($(WERROR),1)
PG_CFLAGS  += -Werror
endif
ifeq ($(ASSERTS),1)
PG_CPPFLAGS += -DCLINNOVA_ASSERT_CHECKING
endif

EXTRA_CLEAN = results regression.diffs regression.out .build-flags

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# Rebuild objects when a header or the build flags (WERROR, ASSERTS) change.
$(OBJS): $(wildcard src/*.h) .build-flags
.build-flags: FORCE
	@echo 'WERROR=$(WERROR) ASSERTS=$(ASSERTS)' | cmp -s - $@ || echo 'WERROR=$(WERROR) ASSERTS=$(ASSERTS)' >$@

.PHONY: test demo bench FORCE
test:
	test/run
demo:
	demo/run
bench:
	bench/run
