#!/usr/bin/env bash
# scripts/test.sh - the README's test command: installs what is missing,
# builds, installs, starts a throw-away cluster and runs every test suite:
#   pg_regress (sql/ + expected/), isolation specs (specs/), pgTAP (test/*.sql
#   through pg_prove) and Perl TAP (test/t/*.pl, when present).
# Ends with the line "N passed, N failed" and exits non-zero on any failure.
#
#   bash scripts/test.sh              everything
#   bash scripts/test.sh --coverage   the same, built with gcov, then line
#                                     coverage per C file
set -u
source "$(dirname "$0")/lib.sh"
cd "$CFG_ROOT"

coverage=false
[ "${1:-}" = "--coverage" ] && coverage=true

passed=0
failed=0
failures=()
count() { # count <passed> <failed> <label>
	passed=$((passed + $1))
	failed=$((failed + $2))
	[ "$2" -gt 0 ] && failures+=("$3: $2 failed")
	printf '%-28s %5d passed, %d failed\n' "$3" "$1" "$2"
}

if $coverage; then
	CFG_EXTRA_PKGS="lcov"
	export CFGMGR_CFLAGS="--coverage -O0 ${CFGMGR_CFLAGS:-}"
	export CFGMGR_LDFLAGS="--coverage"
	make -s clean >/dev/null 2>&1
fi
cfg_deps
cfg_build_install
# fsync off: the tests check behaviour, not durability
cfg_cluster_start fsync=off "max_prepared_transactions=10"
if $coverage; then
	# the server writes .gcda files next to the objects
	chmod -R a+rwX "$CFG_ROOT/src"
	chmod a+x "$CFG_ROOT"
fi
log=$(mktemp -d /tmp/cfgmgr-test.XXXXXX)
chmod 777 "$log"

# --- pg_regress and isolation (run separately so one failing does not hide the other)
for suite in regress isolation; do
	echo "== $suite"
	if [ $suite = regress ]; then
		make -s installcheck PG_CONFIG="$PG_CONFIG" ISOLATION= >"$log/$suite.out" 2>&1
		rc=$?
		diffs=regression.diffs
	else
		make -s installcheck PG_CONFIG="$PG_CONFIG" REGRESS= >"$log/$suite.out" 2>&1
		rc=$?
		diffs=output_iso/regression.diffs
	fi
	grep -E '^(test | +)?[a-z_0-9]+ +\.\.\. |tests passed|failed' "$log/$suite.out"
	ok=$(grep -cE '\.\.\. ok' "$log/$suite.out")
	bad=$(grep -cE '\.\.\. FAILED|\.\.\. failed' "$log/$suite.out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; cat "$log/$suite.out"; fi
	[ "$bad" -gt 0 ] && [ -s "$diffs" ] && { echo "---- $diffs"; cat "$diffs"; }
	count "$ok" "$bad" "$suite"
done

# --- pgTAP -----------------------------------------------------------------
if ls test/*.sql >/dev/null 2>&1; then
	echo "== pgTAP (pg_prove)"
	cfg_psql -d postgres -c "DROP DATABASE IF EXISTS cfgmgr_tap" -c "CREATE DATABASE cfgmgr_tap"
	cfg_psql -d cfgmgr_tap -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION cfgmgr"
	pg_prove -v -d cfgmgr_tap --ext .sql test/ >"$log/pgtap.out" 2>&1
	rc=$?
	ok=$(grep -cE '^ *ok [0-9]+' "$log/pgtap.out")
	bad=$(grep -cE '^ *not ok [0-9]+' "$log/pgtap.out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	if [ "$bad" -gt 0 ]; then cat "$log/pgtap.out"; else tail -n 3 "$log/pgtap.out"; fi
	count "$ok" "$bad" "pgTAP"
fi

# --- extra suites (executables in test/suites/, each printing "N passed, N failed")
for s in test/suites/*.sh; do
	[ -e "$s" ] || continue
	name=$(basename "$s" .sh)
	echo "== $name"
	bash "$s" >"$log/$name.out" 2>&1
	rc=$?
	tail -n 40 "$log/$name.out"
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$name.out" | tail -n 1)
	ok=$(echo "$line" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
	bad=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed.*/\1/p')
	ok=${ok:-0}
	bad=${bad:-0}
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	count "$ok" "$bad" "$name"
done

# --- Perl TAP (crash/restart) ----------------------------------------------
if ls test/t/*.pl >/dev/null 2>&1; then
	echo "== Perl TAP"
	cfg_tap_dir=$(mktemp -d /tmp/cfgmgr-tap.XXXXXX)
	cp -r test/t "$cfg_tap_dir/"
	chown -R postgres:postgres "$cfg_tap_dir" 2>/dev/null
	pgxs=$(dirname "$("$PG_CONFIG" --pgxs)")/..
	(cd "$cfg_tap_dir" && cfg_as_pg env PATH="$PATH" PG_REGRESS=/bin/true \
		PERL5LIB="$pgxs/../src/test/perl:${PERL5LIB:-}" \
		prove -v t/ ) >"$log/perltap.out" 2>&1
	rc=$?
	ok=$(grep -cE '^ *ok [0-9]+' "$log/perltap.out")
	bad=$(grep -cE '^ *not ok [0-9]+' "$log/perltap.out")
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
	if [ "$bad" -gt 0 ]; then cat "$log/perltap.out"; else tail -n 3 "$log/perltap.out"; fi
	count "$ok" "$bad" "Perl TAP"
	rm -rf "$cfg_tap_dir"
fi

if $coverage; then
	echo "== coverage"
	cfg_cluster_stop	# flush .gcda files
	bash scripts/coverage.sh
	make -s clean >/dev/null 2>&1	# the next build is a normal one
fi

rm -rf "$log"
if [ ${#failures[@]} -gt 0 ]; then
	printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
