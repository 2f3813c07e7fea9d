#!/usr/bin/env bash
# bench/acl.sh - access-control benchmark: what the rule costs a reader.
# cfgmgr.get by a role with 50 grants (one of which allows the read; it
# reads through the API, whose tables are under row-level security) against
# the same get by the installing superuser, in one run (see
# bench/README.md, "Access-control benchmark").
#
#   bench/acl.sh [--duration N] [--reps N]
#   make bench-acl                  (options through BENCH_DURATION=N ...)
#
#   --duration N  seconds of each pgbench run (default 5)
#   --reps N      interleaved runs of each role, medians compared (default 5)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build), starts a throw-away cluster
# (removed on exit), creates base -> prod -> prod-eu with 100 keys per level
# in service billing and 20 other services, and role bench_app with 50
# grants (49 on other environments, services or path prefixes, and read on
# '*' of billing).  Measures
#   - pgbench -M prepared, one client, a get of a key set at all three
#     levels, as the superuser and as bench_app, runs interleaved: TPS;
#   - a server-side loop of 100,000 such gets in one backend as each role:
#     microseconds per get;
#   - as a control, the same rows read directly from cfgmgr.entry by
#     bench_app (row-level security applied per row) against the superuser.
# Target (issue 7): bench_app's TPS at least 0.8x the superuser's.  Prints
# the report and writes it to bench/out/acl-report.txt.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

duration=${BENCH_DURATION:-5}
reps=${BENCH_REPS:-5}
usage() {
	sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--duration) duration=${2:?}; shift ;;
		--duration=*) duration=${1#*=} ;;
		--reps) reps=${2:?}; shift ;;
		--reps=*) reps=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for v in "$duration" "$reps"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || cfg_die "--duration and --reps take a positive integer"
done
DB=bench_acl

bench_start cfgacl max_parallel_workers_per_gather=0 jit=off
command -v pgbench >/dev/null || cfg_die "pgbench not found"
psqlb() { cfg_psql -d "$DB" "$@"; }

cfg_log "loading the dataset"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" >/dev/null
psqlb -v ON_ERROR_STOP=1 -q <<'EOF'
BEGIN;
SELECT cfgmgr.create_environment('base');
SELECT cfgmgr.create_environment('prod', 'base');
SELECT cfgmgr.create_environment('prod-eu', 'prod');
SELECT cfgmgr.create_environment('staging', 'base');
SELECT cfgmgr.create_service('billing');
SELECT cfgmgr.create_service('svc' || i) FROM generate_series(1, 20) i;
SELECT cfgmgr.set_many(e, 'billing',
	(SELECT jsonb_object_agg('k' || i, jsonb_build_object('v', i, 'at', e)) FROM generate_series(1, 100) i))
  FROM unnest('{base,prod,prod-eu}'::text[]) e;
SELECT cfgmgr.set_many('prod', 'svc' || i, '{"x": 1}') FROM generate_series(1, 20) i;
SELECT cfgmgr.create_service('hr');
SELECT cfgmgr.set('base', 'hr', 'x', '1');
COMMIT;
CREATE ROLE bench_app LOGIN;
-- 49 grants that do not allow the read, then the one that does
SELECT count(cfgmgr.grant('bench_app', 'read', 'staging', 'svc' || i)) FROM generate_series(1, 20) i;
SELECT count(cfgmgr.grant('bench_app', 'write', 'prod*', 'svc' || i)) FROM generate_series(1, 20) i;
SELECT count(cfgmgr.grant('bench_app', 'read_secret', 'prod-eu', 'billing', ('k' || i)::cfgmgr.cfgpath)) FROM generate_series(1, 9) i;
SELECT cfgmgr.grant('bench_app', 'read', '*', 'billing');
EOF
ngrants=$(psqlb -At -c "SELECT count(*) FROM cfgmgr.grants WHERE role = 'bench_app'")
[ "$ngrants" = 50 ] || cfg_die "bench_app has $ngrants grants, not 50"

# correctness (not timed): both roles read the same value
a=$(psqlb -At -c "SELECT cfgmgr.get('prod-eu', 'billing', 'k42.v')")
b=$(psqlb -At -U bench_app -c "SELECT cfgmgr.get('prod-eu', 'billing', 'k42.v')")
[ "$a" = 42 ] && [ "$b" = 42 ] || cfg_die "get differs: superuser $a, bench_app $b"
n=$(psqlb -At -U bench_app -c "SELECT count(*) FROM cfgmgr.entry WHERE service_id = cfgmgr.service_id('billing')")
[ "$n" = 600 ] || cfg_die "bench_app sees $n rows of billing, not 600"
n=$(psqlb -At -U bench_app -c "SELECT count(*) FROM cfgmgr.entry")
[ "$n" = 620 ] || cfg_die "bench_app sees $n rows in all, not 620 (write implies read on the 20 svc rows)"
if psqlb -At -U bench_app -c "SELECT cfgmgr.get('prod', 'hr', 'x')" >/dev/null 2>&1; then
	cfg_die "bench_app read a service it has no read grant on"
fi

cat > "$WORK/get.sql" <<'EOF'
SELECT cfgmgr.get('prod-eu', 'billing', 'k42.v');
EOF
declare -A TPS
for role in postgres bench_app; do TPS[$role]=""; done
cfg_log "pgbench: $reps interleaved runs of ${duration}s per role"
for r in $(seq 1 "$reps"); do
	order="postgres bench_app"
	[ $((r % 2)) = 0 ] && order="bench_app postgres"
	for role in $order; do
		t=$(pgbench -h "$PGHOST" -p "$PGPORT" -U "$role" -n -M prepared -c 1 -T "$duration" \
			-f "$WORK/get.sql" "$DB" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1)
		TPS[$role]="${TPS[$role]} $t"
	done
done
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
tps_su=$(echo "${TPS[postgres]}" | median)
tps_app=$(echo "${TPS[bench_app]}" | median)

cfg_log "server-side loops of 100,000 gets"
loop_sql() {
	cat <<'EOF'
DO $$
DECLARE t0 timestamptz; v jsonb;
BEGIN
	FOR i IN 1 .. 1000 LOOP v := cfgmgr.get('prod-eu', 'billing', 'k42.v'); END LOOP;
	t0 := clock_timestamp();
	FOR i IN 1 .. 100000 LOOP v := cfgmgr.get('prod-eu', 'billing', 'k42.v'); END LOOP;
	RAISE NOTICE 'us=%', round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / 100000)::numeric, 3);
END $$;
EOF
}
declare -A LOOP
for role in postgres bench_app; do LOOP[$role]=""; done
for r in $(seq 1 "$reps"); do
	for role in postgres bench_app; do
		u=$(loop_sql | psqlb -U "$role" -q 2>&1 | sed -n 's/.*us=\([0-9.]*\).*/\1/p')
		LOOP[$role]="${LOOP[$role]} $u"
	done
done
us_su=$(echo "${LOOP[postgres]}" | median)
us_app=$(echo "${LOOP[bench_app]}" | median)

cfg_log "direct reads of cfgmgr.entry (row-level security per row)"
scan_sql='DO $$ DECLARE t0 timestamptz; n bigint; BEGIN
	PERFORM count(*) FROM cfgmgr.entry;
	t0 := clock_timestamp();
	FOR i IN 1 .. 200 LOOP SELECT count(*) INTO n FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id($q$billing$q$); END LOOP;
	RAISE NOTICE $q$us=%$q$, round((extract(epoch FROM clock_timestamp() - t0) * 1e6 / 200)::numeric, 1);
END $$;'
declare -A SCAN
for role in postgres bench_app; do SCAN[$role]=""; done
for r in $(seq 1 "$reps"); do
	for role in postgres bench_app; do
		u=$(psqlb -U "$role" -q -c "$scan_sql" 2>&1 | sed -n 's/.*us=\([0-9.]*\).*/\1/p')
		SCAN[$role]="${SCAN[$role]} $u"
	done
done
scan_su=$(echo "${SCAN[postgres]}" | median)
scan_app=$(echo "${SCAN[bench_app]}" | median)

mkdir -p "$BENCH_DIR/out"
report="$BENCH_DIR/out/acl-report.txt"
{
	echo "cfgmgr access-control benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, ${duration}s x $reps runs per role)"
	echo "get('prod-eu', 'billing', 'k42.v'): 3 levels, 100 keys per level; bench_app has 50 grants"
	echo
	printf '%-44s %12s %12s %8s\n' "measure" "superuser" "bench_app" "ratio"
	printf '%-44s %12s %12s %8s\n' "pgbench -M prepared, 1 client: TPS" "$tps_su" "$tps_app" \
		"$(awk -v a="$tps_app" -v b="$tps_su" 'BEGIN {printf "%.3f", a / b}')"
	printf '%-44s %12s %12s %8s\n' "server loop: us per get (lower is better)" "$us_su" "$us_app" \
		"$(awk -v a="$us_su" -v b="$us_app" 'BEGIN {printf "%.3f", a / b}')"
	printf '%-44s %12s %12s %8s\n' "direct SELECT of 600 rows: us (RLS per row)" "$scan_su" "$scan_app" \
		"$(awk -v a="$scan_su" -v b="$scan_app" 'BEGIN {printf "%.3f", a / b}')"
	echo
	echo "ratios: bench_app throughput / superuser throughput (target for get TPS: >= 0.8)"
	echo "runs: TPS superuser${TPS[postgres]}; bench_app${TPS[bench_app]}"
	echo "      loop us superuser${LOOP[postgres]}; bench_app${LOOP[bench_app]}"
	echo "      scan us superuser${SCAN[postgres]}; bench_app${SCAN[bench_app]}"
} | tee "$report"
