# cfgmgr - PGXS build.  The install script sql/cfgmgr--$(EXTVERSION).sql is
# assembled from sql/install/*.sql (one file per topic, applied in name order).

EXTENSION  = cfgmgr
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)
MODULE_big = cfgmgr
OBJS       = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c)))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA       = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))
DOCS       = $(wildcard doc/*.md)
PGFILEDESC = "cfgmgr - configuration manager"

PG_CPPFLAGS = -Isrc -DCFGMGR_VERSION=\"$(EXTVERSION)\"
PG_CFLAGS   = -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers $(CFGMGR_CFLAGS)
SHLIB_LINK  = -lyaml -lsodium $(CFGMGR_LDFLAGS)

REGRESS      = $(filter-out $(EXTENSION)--%,$(sort $(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION    = $(sort $(basename $(notdir $(wildcard specs/*.spec))))
ISOLATION_OPTS = --load-extension=$(EXTENSION)

EXTRA_CLEAN = $(DATA_built) src/*.gcda src/*.gcno coverage

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

# Rebuilt every time (a cat): a removed or renamed part must not leave a stale script.
$(DATA_built): $(sort $(wildcard sql/install/*.sql)) FORCE
	cat $(filter-out FORCE,$^) > $@

# PGXS does not track header dependencies: recompile everything when a
# header changes.
$(OBJS): $(wildcard src/*.h)

# Relink when the list of objects changes (a removed .c file).
src/.objlist: FORCE
	@echo '$(OBJS)' | cmp -s - $@ || echo '$(OBJS)' > $@
ifneq ($(PGXS),)
$(shlib): src/.objlist
endif

.PHONY: FORCE
FORCE:

# The two commands of the README, and the other entry points.
.PHONY: demo test bench bench-drift bench-templates bench-acl bench-audit coverage
demo:
	bash scripts/demo.sh
test:
	bash scripts/test.sh
bench:
	bash bench/run.sh
bench-drift:
	bash bench/drift.sh
bench-templates:
	bash bench/templates.sh
bench-acl:
	bash bench/acl.sh
bench-audit:
	bash bench/audit.sh
coverage:
	bash scripts/test.sh --coverage
