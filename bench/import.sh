#!/usr/bin/env bash
# bench/import.sh - YAML import and export benchmark (see bench/README.md,
# "Import and export benchmark").
#
#   bench/import.sh [--params N] [--export-params N] [--reps N]
#
#   --params N         parameters in the imported document (default 100000)
#   --export-params N  parameters of the exported environment (default 10000)
#   --reps N           interleaved repetitions, medians reported (default 3)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build, see scripts/private-install.sh),
# starts a throw-away cluster with fsync on (removed on exit), generates a
# nested YAML document of mixed types, then measures, each a transaction
# including its COMMIT:
#   (a) cfgmgr.import_yaml of the document into an empty environment;
#   (b) the same values stored with one cfgmgr.set statement per key
#       (100,000 statements sent by psql), in one transaction;
#   (b') the same with one statement calling cfgmgr.set for every row of
#       a table (no round trips: the fastest way to call set per key);
#   (c) re-importing the same document (nothing changes, nothing written);
#   (d) cfgmgr.export_yaml of an environment of --export-params parameters
#       (resolved => false and resolved => true);
# and, to show where the import's time goes, (a) once more with the
# triggers of cfgmgr.entry disabled (session_replication_role = replica, in
# a rolled back transaction).
# Prints the report and writes it to bench/out/import-report.txt.
# Targets: (a) < 3 s for 100,000 parameters, b / a >= 3, (d) < 200 ms.
# The ratios b / a and b' / a are both reported.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

nparams=100000
nexport=10000
reps=3
usage() {
	sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--params) nparams=${2:?}; shift ;;
		--params=*) nparams=${1#*=} ;;
		--export-params) nexport=${2:?}; shift ;;
		--export-params=*) nexport=${1#*=} ;;
		--reps) reps=${2:?}; shift ;;
		--reps=*) reps=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for v in "$nparams" "$nexport" "$reps"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || cfg_die "--params, --export-params and --reps take a positive integer"
done
DB=bench_import

bench_start cfgimport
psqlb() { cfg_psql -d "$DB" "$@"; }

# milliseconds taken by a psql run (one transaction, COMMIT included)
timed() {
	local t0 t1
	t0=$(date +%s%N)
	psqlb "$@" >/dev/null
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }

# ---------------------------------------------------------------------
# The document: sections s001.. x groups g01..g20 x keys k01..k50 (the
# last section shorter), values of mixed types: integers, strings,
# decimals, booleans, strings that need quotes, small arrays.
# ---------------------------------------------------------------------
cfg_log "generating a YAML document of $nparams parameters"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" -c "SELECT cfgmgr.create_service('svc')" >/dev/null
psqlb -v n="$nparams" -v nexp="$nexport" <<'SQL' >/dev/null
CREATE FUNCTION bench_yaml(n int) RETURNS text LANGUAGE sql AS $$
	SELECT string_agg(s, '' ORDER BY a) FROM (
		SELECT a, format(E's%s:\n', lpad(a::text, 3, '0')) || string_agg(g, '' ORDER BY b) AS s
		  FROM (SELECT a, b, format(E'  g%s:\n', lpad(b::text, 2, '0')) ||
					   string_agg(format(E'    k%s: %s\n', lpad(c::text, 2, '0'),
							 CASE c % 6
								 WHEN 0 THEN (a * 100000 + b * 100 + c)::text
								 WHEN 1 THEN 'value-' || a || '-' || b || '-' || c
								 WHEN 2 THEN (c * 0.25)::text
								 WHEN 3 THEN (c % 4 = 3)::text
								 WHEN 4 THEN format('"host: %s #%s"', c, b)
								 ELSE format('[%s, "x", true]', c) END), '' ORDER BY c) AS g
				  FROM generate_series(0, n - 1) i,
					   LATERAL (SELECT i / 1000 + 1 AS a, i / 50 % 20 + 1 AS b, i % 50 + 1 AS c) k
				 GROUP BY a, b) x
		 GROUP BY a) y
$$;
CREATE TABLE bench_doc AS SELECT bench_yaml(:n) AS yaml, bench_yaml(:nexp) AS small;
SQL
read -r doc_bytes doc_lines < <(psqlb -At -F' ' -c "SELECT octet_length(yaml), length(yaml) - length(replace(yaml, E'\n', '')) FROM bench_doc")
psqlb -c "SELECT cfgmgr.create_environment('probe')" \
	-c "SELECT cfgmgr.import_yaml('probe', 'svc', yaml) FROM bench_doc" >/dev/null
nrows=$(psqlb -At -c "SELECT count(*) FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'probe')")
[ "$nrows" = "$nparams" ] || cfg_die "the document stores $nrows parameters, not $nparams"
# the same values as (path, value) rows for the set loop
psqlb -c "CREATE TABLE bench_kv AS SELECT e.path, e.value FROM cfgmgr.entry e
			WHERE e.env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'probe') ORDER BY e.path" >/dev/null
# ... and as a script of one statement per key (the environment is a psql variable)
psqlb -At -c "SELECT format('SELECT cfgmgr.set(:''env'', ''svc'', %L, %L);', path, value) FROM bench_kv ORDER BY path" \
	>"$WORK/set.sql"
psqlb -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
cfg_log "document: $doc_bytes bytes, $doc_lines lines, $nrows parameters"

# ---------------------------------------------------------------------
# (a), (b), (c) interleaved
# ---------------------------------------------------------------------
imp=() set=() loop=() noop=()
for r in $(seq 1 "$reps"); do
	cfg_log "repetition $r/$reps"
	psqlb -c "SELECT cfgmgr.create_environment('imp$r'), cfgmgr.create_environment('set$r'),
					 cfgmgr.create_environment('loop$r')" >/dev/null
	imp+=("$(timed -c "SELECT cfgmgr.import_yaml('imp$r', 'svc', yaml) FROM bench_doc")")
	set+=("$(timed -1 -v env="set$r" -f "$WORK/set.sql")")
	loop+=("$(timed -c "SELECT count(cfgmgr.set('loop$r', 'svc', path, value)) FROM bench_kv")")
	noop+=("$(timed -c "SELECT cfgmgr.import_yaml('imp$r', 'svc', yaml) FROM bench_doc")")
	psqlb -c "CHECKPOINT" >/dev/null
done
hist=$(psqlb -At -c "SELECT count(*) FROM cfgmgr.change WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'imp1')")
same=$(psqlb -At -c "SELECT count(*) = 0 FROM (
	(SELECT path, value::text FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'imp1')
	 EXCEPT ALL
	 SELECT path, value::text FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'set1'))
	UNION ALL
	(SELECT path, value::text FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'set1')
	 EXCEPT ALL
	 SELECT path, value::text FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'imp1'))) d")

# where the import's time goes: the same import without the entry triggers
psqlb -c "SELECT cfgmgr.create_environment('notrig')" >/dev/null
notrig=$(psqlb -At <<'SQL'
BEGIN;
SET LOCAL session_replication_role = replica;
SELECT clock_timestamp() AS t0 \gset
SELECT cfgmgr.import_yaml('notrig', 'svc', yaml) FROM bench_doc \g /dev/null
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
ROLLBACK;
SQL
)
parse=$(psqlb -At 2>/dev/null <<'SQL' || true
SELECT clock_timestamp() AS t0 \gset
DO $$ BEGIN PERFORM cfgmgr.import_yaml('notrig', 'svc', yaml || E'zz_end: !secret x\n') FROM bench_doc;
EXCEPTION WHEN feature_not_supported THEN NULL; END $$;
SELECT round(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz) * 1000);
SQL
)

# ---------------------------------------------------------------------
# (d) export of an environment of --export-params parameters
# ---------------------------------------------------------------------
psqlb -c "SELECT cfgmgr.create_environment('exp')" \
	-c "SELECT cfgmgr.import_yaml('exp', 'svc', small) FROM bench_doc" >/dev/null
read -r exp_stored exp_resolved exp_bytes < <(psqlb -At -F' ' <<SQL
SET cfgmgr.cache = off;
CREATE TEMP TABLE t (what text, ms float8);
DO \$\$
DECLARE
	t0 timestamptz;
	r int;
	y text;
BEGIN
	FOR r IN 1 .. $((reps * 2 + 1)) LOOP
		t0 := clock_timestamp();
		y := cfgmgr.export_yaml('exp', 'svc', resolved => false);
		INSERT INTO t VALUES ('stored', extract(epoch FROM clock_timestamp() - t0) * 1000);
		t0 := clock_timestamp();
		y := cfgmgr.export_yaml('exp', 'svc');
		INSERT INTO t VALUES ('resolved', extract(epoch FROM clock_timestamp() - t0) * 1000);
	END LOOP;
END \$\$;
SELECT (SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM t WHERE what = 'stored'),
	   (SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1) FROM t WHERE what = 'resolved'),
	   octet_length(cfgmgr.export_yaml('exp', 'svc', resolved => false));
SQL
)

# ---------------------------------------------------------------------
# report
# ---------------------------------------------------------------------
m_imp=$(median "${imp[@]}")
m_set=$(median "${set[@]}")
m_loop=$(median "${loop[@]}")
m_noop=$(median "${noop[@]}")
ratio=$(awk -v a="$m_set" -v b="$m_imp" 'BEGIN { printf "%.1f", a / b }')
ratio_loop=$(awk -v a="$m_loop" -v b="$m_imp" 'BEGIN { printf "%.1f", a / b }')
verdict() { if awk -v v="$1" -v t="$2" -v op="$3" 'BEGIN { exit !(op == "<" ? v < t : v >= t) }'; then echo ok; else echo MISSED; fi; }
mkdir -p "$BENCH_DIR/out"
report="$BENCH_DIR/out/import-report.txt"
{
	echo "cfgmgr import/export benchmark ($(date -u '+%Y-%m-%d %H:%M UTC'), PostgreSQL $(psqlb -At -c 'SHOW server_version'), fsync on, extension $EXT)"
	echo "document: $nparams parameters, $doc_bytes bytes, $doc_lines lines; medians of $reps interleaved runs, each one transaction incl. COMMIT"
	echo
	printf '%-54s %9s   %s\n' "operation" "ms" "target"
	printf '%-54s %9s   %s\n' "(a) import_yaml, $nparams parameters" "$m_imp" "< 3000 ms: $(verdict "$m_imp" 3000 '<')"
	printf '%-54s %9s\n' "(b) one cfgmgr.set statement per key, one transaction" "$m_set"
	printf '%-54s %9s   %s\n' "    ratio b / a" "${ratio}x" ">= 3x: $(verdict "$ratio" 3 '>=')"
	printf '%-54s %9s\n' "(b') one statement calling cfgmgr.set per row" "$m_loop"
	printf '%-54s %9s   %s\n' "    ratio b' / a" "${ratio_loop}x" ">= 3x: $(verdict "$ratio_loop" 3 '>=')"
	printf '%-54s %9s\n' "(c) re-import of the same document (no change)" "$m_noop"
	printf '%-54s %9s   %s\n' "(d) export_yaml resolved => false, $nexport parameters" "$exp_stored" "< 200 ms: $(verdict "$exp_stored" 200 '<')"
	printf '%-54s %9s   %s\n' "    export_yaml resolved => true" "$exp_resolved" "< 200 ms: $(verdict "$exp_resolved" 200 '<')"
	echo
	echo "where (a)'s time goes (one run each, no COMMIT):"
	printf '%-54s %9s\n' "    parse, type and check only (refused at the end)" "${parse:-?}"
	printf '%-54s %9s\n' "    import with the entry triggers disabled" "${notrig:-?}"
	echo
	echo "runs (ms): import ${imp[*]}; set statements ${set[*]}; set loop ${loop[*]}; re-import ${noop[*]}"
	echo "history rows written by one import: $hist; import and set statements store the same values: $same"
	echo "exported document: $exp_bytes bytes"
} | tee "$report"
cfg_log "report written to $report"
