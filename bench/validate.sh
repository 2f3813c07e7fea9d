#!/usr/bin/env bash
# bench/validate.sh - JSON Schema validation benchmark (see bench/README.md,
# "Validation benchmark").
#
#   bench/validate.sh [--docs N] [--rounds N] [--txns N]
#
#   --docs N     documents in the data set (default 100000)
#   --rounds N   interleaved measurement rounds, medians reported (default 5)
#   --txns N     commit transactions per round and service (default 20)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build, see scripts/private-install.sh),
# starts a throw-away cluster (removed on exit), generates the documents of
# bench/validate.sql, then
#   (b) checks that exactly the planted errors are found;
#   (c) compares a plain scan with cfgmgr.is_valid over every document, on
#       one core, and times validate_document over the invalid ones;
#   (d) times a transaction changing one base value of a service with a
#       schema, validated at commit in 21 environments x 4 resolutions,
#       against the same transaction on a service without a schema.
# Prints the report and writes it to bench/out/validate-report.txt.
# Exit status: non-zero when the correctness check (b) fails.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

ndocs=100000
rounds=5
txns=20
usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--docs) ndocs=${2:?}; shift ;;
		--docs=*) ndocs=${1#*=} ;;
		--rounds) rounds=${2:?}; shift ;;
		--rounds=*) rounds=${1#*=} ;;
		--txns) txns=${2:?}; shift ;;
		--txns=*) txns=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for v in "$ndocs" "$rounds" "$txns"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || cfg_die "--docs, --rounds and --txns take a positive integer"
done
DB=bench_validate

# one core for the scans: no parallel workers; the table (~160 MB) fits in
# the shared buffers
bench_start cfgvalidate max_parallel_workers_per_gather=0
command -v pgbench >/dev/null || cfg_die "pgbench not found"
psqlb() { cfg_psql -d "$DB" "$@"; }

# ---------------------------------------------------------------------
# (a) data set
# ---------------------------------------------------------------------
cfg_log "generating $ndocs documents (bench/validate.sql)"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" -c "CREATE EXTENSION pg_prewarm"
t0=$(date +%s)
psqlb -v ndocs="$ndocs" -f "$BENCH_DIR/validate.sql" >/dev/null
gen_s=$(( $(date +%s) - t0 ))
psqlb -c "CHECKPOINT" -c "SELECT pg_prewarm('vb_docs')" >/dev/null
IFS='|' read -r n_docs n_planted avg_text avg_jsonb doc_keys doc_leaves tbl_mb < <(psqlb -At -c "
	SELECT count(*), count(planted), round(avg(length(doc::text))), round(avg(pg_column_size(doc))),
		   (SELECT count(*) FROM vb_docs, jsonb_path_query(doc, '\$.** ? (@.type() == \"object\").keyvalue()') WHERE id = 1),
		   (SELECT count(*) FROM vb_docs, jsonb_path_query(doc, '\$.** ? (@.type() == \"object\").keyvalue() ? (@.value.type() != \"object\")') WHERE id = 1),
		   pg_relation_size('vb_docs') / 1048576
	  FROM vb_docs")
IFS='|' read -r sch_props sch_addl sch_bytes < <(psqlb -At -c "
	SELECT (SELECT count(*) FROM jsonb_path_query(schema, '\$.**.properties.keyvalue()')),
		   (SELECT count(*) FROM jsonb_path_query(schema, '\$.** ? (@.additionalProperties == false)')),
		   length(schema::text)
	  FROM vb_schema")
cfg_log "generated in ${gen_s}s: $n_docs documents, $n_planted with a planted error, table ${tbl_mb} MB"

# ---------------------------------------------------------------------
# (b) correctness
# ---------------------------------------------------------------------
cfg_log "checking the verdicts"
IFS='|' read -r c_invalid c_missed c_falsepos c_exact < <(psqlb -At <<'SQL'
SELECT count(*) FILTER (WHERE NOT ok),
	   count(*) FILTER (WHERE planted IS NOT NULL AND ok),
	   count(*) FILTER (WHERE planted IS NULL AND NOT ok),
	   count(*) FILTER (WHERE planted IS NOT NULL AND exact)
  FROM (SELECT d.planted, cfgmgr.is_valid(s.schema, d.doc) AS ok,
			   CASE WHEN d.planted IS NOT NULL THEN
				   (SELECT count(*) = 1 AND bool_and(v.path = k.path AND v.keyword = k.keyword)
					  FROM cfgmgr.validate_document(s.schema, d.doc) v)
			   END AS exact
		  FROM vb_docs d CROSS JOIN vb_schema s
		  LEFT JOIN vb_error_kind k ON k.kind = d.planted) x
SQL
)
if [ "$c_invalid" = "$n_planted" ] && [ "$c_missed" = 0 ] && [ "$c_falsepos" = 0 ] && [ "$c_exact" = "$n_planted" ]; then
	verdict=PASS
else
	verdict=FAIL
fi
# the planted kinds, and for each how many were reported exactly
kinds=$(psqlb -At -F' | ' <<'SQL'
SELECT format('%-38s', k.label), lpad(count(d.id)::text, 6),
	   format('%-24s', coalesce(NULLIF(k.path, ''), '(root)')), format('%-20s', k.keyword),
	   count(*) FILTER (WHERE (SELECT count(*) = 1 AND bool_and(v.path = k.path AND v.keyword = k.keyword)
								 FROM cfgmgr.validate_document(s.schema, d.doc) v)) || ' exact'
  FROM vb_error_kind k LEFT JOIN vb_docs d ON d.planted = k.kind CROSS JOIN vb_schema s
 GROUP BY k.kind, k.label, k.path, k.keyword ORDER BY k.kind
SQL
)
wrong=
if [ "$verdict" = FAIL ]; then
	wrong=$(psqlb -At <<'SQL'
SELECT format('  id %s (%s): is_valid %s; validate_document: %s', d.id, coalesce(k.label, 'no planted error'),
			  cfgmgr.is_valid(s.schema, d.doc),
			  (SELECT string_agg(format('%s %s: %s', v.path, v.keyword, v.message), '; ')
				 FROM cfgmgr.validate_document(s.schema, d.doc) v))
  FROM vb_docs d CROSS JOIN vb_schema s LEFT JOIN vb_error_kind k ON k.kind = d.planted
 WHERE (d.planted IS NULL) <> cfgmgr.is_valid(s.schema, d.doc)
	OR (d.planted IS NOT NULL AND NOT (SELECT count(*) = 1 AND bool_and(v.path = k.path AND v.keyword = k.keyword)
										  FROM cfgmgr.validate_document(s.schema, d.doc) v))
 ORDER BY d.id LIMIT 10
SQL
)
fi
cfg_log "correctness: $verdict"

# ---------------------------------------------------------------------
# (c) throughput, one backend, interleaved rounds
# ---------------------------------------------------------------------
cfg_log "timing scan vs is_valid vs validate_document ($rounds rounds)"
psqlb -q <<SQL
CREATE TABLE vb_invalid AS SELECT id, doc FROM vb_docs WHERE planted IS NOT NULL;
VACUUM (ANALYZE) vb_invalid;
CREATE TABLE vb_timing (round int, what text, ms float8, result bigint);
DO \$\$
DECLARE
	-- the schema as a literal in the statement text: a constant, so the
	-- compiled schema is kept by the call site (fn_extra)
	s text := (SELECT quote_literal(schema::text) FROM vb_schema);
	q_scan text := 'SELECT count(*) FILTER (WHERE doc ? ''db'') FROM vb_docs';
	q_valid text := format('SELECT count(*) FILTER (WHERE cfgmgr.is_valid(%s::jsonb, doc)) FROM vb_docs', s);
	q_errors text := format('SELECT count(*) FROM vb_invalid, cfgmgr.validate_document(%s::jsonb, doc)', s);
	q_iscan text := 'SELECT count(*) FILTER (WHERE doc ? ''db'') FROM vb_invalid';
	qs text[];
	names text[];
	t0 timestamptz;
	n bigint;
BEGIN
	-- warm-up: each statement once (buffers, catalog caches, compiled schema)
	EXECUTE q_scan INTO n; EXECUTE q_valid INTO n; EXECUTE q_errors INTO n; EXECUTE q_iscan INTO n;
	FOR r IN 1..$rounds LOOP
		-- alternate which goes first
		IF r % 2 = 1 THEN
			qs := ARRAY[q_scan, q_valid, q_iscan, q_errors]; names := '{scan,valid,iscan,errors}';
		ELSE
			qs := ARRAY[q_valid, q_scan, q_errors, q_iscan]; names := '{valid,scan,errors,iscan}';
		END IF;
		FOR k IN 1..4 LOOP
			t0 := clock_timestamp();
			EXECUTE qs[k] INTO n;
			INSERT INTO vb_timing VALUES (r, names[k], 1000 * extract(epoch FROM clock_timestamp() - t0), n);
		END LOOP;
	END LOOP;
END
\$\$;
SQL
IFS='|' read -r t_scan t_valid t_iscan t_errors n_valid n_errors < <(psqlb -At -c "
	SELECT round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'scan')::numeric, 1),
		   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'valid')::numeric, 1),
		   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'iscan')::numeric, 1),
		   round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FILTER (WHERE what = 'errors')::numeric, 1),
		   max(result) FILTER (WHERE what = 'valid'), max(result) FILTER (WHERE what = 'errors')
	  FROM vb_timing")
raw_c=$(psqlb -At -F' ' -c "
	SELECT what, string_agg(round(ms::numeric, 1)::text, ' ' ORDER BY round) FROM vb_timing GROUP BY what ORDER BY what")

# ---------------------------------------------------------------------
# (d) commit-time validation: base -> 4 mid -> 16 leaves
# ---------------------------------------------------------------------
cfg_log "setting up 21 environments and two services"
psqlb -q >/dev/null <<'SQL'
SET client_min_messages = warning;
SELECT cfgmgr.create_environment('base');
SELECT cfgmgr.create_environment('mid' || m, 'base') FROM generate_series(1, 4) m;
SELECT cfgmgr.create_environment(format('leaf%s_%s', m, l), 'mid' || m)
  FROM generate_series(1, 4) m, generate_series(1, 4) l;
SELECT cfgmgr.create_service('bench');		-- with the schema
SELECT cfgmgr.create_service('plain');		-- same data, no schema
-- the same configuration for both services: a full document at base,
-- provider-specific regions at base, a port per mid, replicas and log
-- level per leaf
SELECT cfgmgr.set_many('base', svc, (SELECT doc FROM vb_docs WHERE id = 1))
  FROM unnest('{bench,plain}'::text[]) svc;
SELECT cfgmgr.set('base', svc, 'region', to_jsonb(r), provider => p)
  FROM unnest('{bench,plain}'::text[]) svc,
	   unnest('{aws,azure,gcp}'::text[], '{us-west-2,eu-west-1,eu-central-1}'::text[]) AS x(p, r);
SELECT cfgmgr.set('mid' || m, svc, 'http.port', to_jsonb(8080 + m))
  FROM unnest('{bench,plain}'::text[]) svc, generate_series(1, 4) m;
SELECT cfgmgr.set(format('leaf%s_%s', m, l), svc, 'replicas', to_jsonb(l + m)),
	   cfgmgr.set(format('leaf%s_%s', m, l), svc, 'log.level', to_jsonb((ARRAY['debug','info','warn','error'])[l]))
  FROM unnest('{bench,plain}'::text[]) svc, generate_series(1, 4) m, generate_series(1, 4) l;
-- registered once the data is there: register_schema checks every
-- environment's configuration, and an empty one lacks the required keys
SELECT cfgmgr.register_schema('bench', schema) FROM vb_schema;
SQL
read -r n_envs n_prov < <(psqlb -At -F' ' -c "
	SELECT (SELECT count(*) FROM cfgmgr.environments), (SELECT count(*) FROM cfgmgr.provider)")
# enforcement check: an invalid value at base must abort the commit
enforce_out=$(psqlb -At 2>&1 <<'SQL' || true
\set VERBOSITY sqlstate
BEGIN;
SELECT cfgmgr.set('base', 'bench', 'log.level', '"verbose"');
COMMIT;
SQL
)
enforce_state=$(grep -oE '\bCM[0-9]{3}\b' <<<"$enforce_out" | head -1 || true)
still=$(psqlb -At -c "SELECT cfgmgr.get('base', 'bench', 'log.level')")
if [ -n "$enforce_state" ] && [ "$still" != '"verbose"' ]; then
	enforce="PASS (invalid log.level at base refused at commit with $enforce_state)"
else
	enforce="FAIL (invalid log.level at base: ${enforce_out//$'\n'/ }; stored value $still)"
	verdict=FAIL
fi

# pgbench scripts: one transaction, one changed value (a new value every
# time: the same value may be a no-op)
for svc in bench plain; do
	printf '%s\n' '\set v random(1, 1200)' 'BEGIN;' \
		"SELECT cfgmgr.set('base', '$svc', 'http.timeout_ms', to_jsonb(:v * 100));" 'COMMIT;' >"$WORK/base_$svc.sql"
	printf '%s\n' '\set v random(1, 1200)' 'BEGIN;' \
		"SELECT cfgmgr.set('leaf2_3', '$svc', 'http.timeout_ms', to_jsonb(:v * 100));" 'COMMIT;' >"$WORK/leaf_$svc.sql"
done
pgb() {	# script tag -> per-transaction latencies (us) appended to $WORK/lat.<tag>
	local script=$1 tag=$2 log
	rm -f "$WORK"/pgbench_log.*
	(cd "$WORK" && pgbench -n -M prepared -c 1 -t "$txns" -l -f "$script" "$DB" >"$WORK/pgbench.out" 2>&1) \
		|| { cat "$WORK/pgbench.out" >&2; cfg_die "pgbench failed ($tag)"; }
	grep -q 'aborted' "$WORK/pgbench.out" && { cat "$WORK/pgbench.out" >&2; cfg_die "pgbench: aborted transactions ($tag)"; }
	for log in "$WORK"/pgbench_log.*; do
		# client transaction(1..) latency_us script epoch epoch_us; the first
		# transaction of a connection fills its caches: dropped
		awk '$2 > 1 {print $3}' "$log" >>"$WORK/lat.$tag"
	done
}
cfg_log "timing commits ($rounds rounds x $txns transactions per service)"
TAGS="base_bench base_plain leaf_bench leaf_plain"
for t in $TAGS; do pgb "$WORK/$t.sql" warmup; done
for r in $(seq 1 "$rounds"); do
	if [ $((r % 2)) = 1 ]; then order=$TAGS; else order="base_plain base_bench leaf_plain leaf_bench"; fi
	for t in $order; do pgb "$WORK/$t.sql" "$t"; done
done
med_ms() {	# file -> median in ms
	sort -n "$1" | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m / 1000}'
}
p90_ms() {
	sort -n "$1" | awk '{a[NR] = $1} END {i = int(NR * 0.9 + 0.5); if (i < 1) i = 1; printf "%.2f", a[i] / 1000}'
}
declare -A MED=() P90=()
for t in $TAGS; do MED[$t]=$(med_ms "$WORK/lat.$t"); P90[$t]=$(p90_ms "$WORK/lat.$t"); done
n_lat=$(wc -l <"$WORK/lat.base_bench")

# ---------------------------------------------------------------------
# report
# ---------------------------------------------------------------------
report="$WORK/report.txt"
calc() { awk "BEGIN {$1}"; }
docs_s=$(calc "printf \"%.0f\", $n_docs / ($t_valid / 1000)")
ratio=$(calc "printf \"%.1f\", $t_valid / $t_scan")
net_us=$(calc "printf \"%.2f\", ($t_valid - $t_scan) * 1000 / $n_docs")
err_s=$(calc "printf \"%.0f\", $n_errors / ($t_errors / 1000)")
err_net_s=$(calc "d = $t_errors - $t_iscan; if (d <= 0) d = $t_errors; printf \"%.0f\", $n_errors / (d / 1000)")
n_res=$((n_envs * n_prov + n_envs))
cost=$(calc "printf \"%.2f\", ${MED[base_bench]} - ${MED[base_plain]}")
cost_leaf=$(calc "printf \"%.2f\", ${MED[leaf_bench]} - ${MED[leaf_plain]}")
per_res=$(calc "printf \"%.3f\", $cost / $n_res")
yesno() { calc "print (($1) ? \"yes\" : \"NO\")"; }
{
	echo "cfgmgr validation benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "server: PostgreSQL $(psqlb -At -c 'SHOW server_version'), shared_buffers=512MB, max_parallel_workers_per_gather=0; $(nproc) CPUs"
	echo
	echo "(a) data set (bench/validate.sql)"
	printf '    %s documents, generated in %ss; %s bytes as text, %s bytes as jsonb on average; table %s MB\n' \
		"$n_docs" "$gen_s" "$avg_text" "$avg_jsonb" "$tbl_mb"
	printf '    a document: %s properties, %s of them leaves, objects nested 3 deep\n' "$doc_keys" "$doc_leaves"
	printf '    schema: %s bytes, %s properties, additionalProperties false on %s objects, enums, ranges, patterns, $ref\n' \
		"$sch_bytes" "$sch_props" "$sch_addl"
	printf '    %s documents (%.1f%%) carry exactly one planted error:\n' "$n_planted" "$(calc "print $n_planted * 100 / $n_docs")"
	printf '      %-38s | %6s | %-24s | %-20s | %s\n' "kind" "docs" "expected path" "keyword" "reported exactly"
	sed 's/^/      /' <<<"$kinds"
	echo
	echo "(b) correctness: $verdict"
	printf '    invalid by is_valid: %s, planted: %s, planted but valid: %s, unplanted but invalid: %s\n' \
		"$c_invalid" "$n_planted" "$c_missed" "$c_falsepos"
	printf '    planted errors reported exactly (one violation, expected path and keyword): %s of %s\n' "$c_exact" "$n_planted"
	echo "    commit-time enforcement: $enforce"
	[ -n "$wrong" ] && { echo "    first mismatches:"; echo "$wrong"; }
	echo
	echo "(c) throughput, one backend, one core ($rounds interleaved rounds, medians)"
	printf '    T_scan   SELECT count(*) FILTER (WHERE doc ? '"'db'"') FROM vb_docs                 %9s ms\n' "$t_scan"
	printf '    T_valid  SELECT count(*) FILTER (WHERE cfgmgr.is_valid(<schema>, doc)) FROM vb_docs %6s ms  (%s valid)\n' "$t_valid" "$n_valid"
	printf '    validation throughput:  %s documents/s          target >= 200000  met %s\n' "$docs_s" "$(yesno "$docs_s >= 200000")"
	printf '    T_valid / T_scan:       %sx                       target <= 15      met %s\n' "$ratio" "$(yesno "$ratio <= 15")"
	printf '    validation cost net of the scan: %s us per document\n' "$net_us"
	printf '    validate_document over the %s invalid documents: %s ms, %s violations -> %s violations/s (%s/s net of a %s ms scan)\n' \
		"$n_planted" "$t_errors" "$n_errors" "$err_s" "$err_net_s" "$t_iscan"
	echo
	echo "(d) commit-time validation ($n_envs environments: base -> 4 mid -> 16 leaves; $n_prov providers)"
	echo "    BEGIN; SELECT cfgmgr.set(<env>, <service>, 'http.timeout_ms', <new value>); COMMIT;"
	echo "    pgbench -M prepared -c 1, $rounds interleaved rounds x $txns transactions ($n_lat measured per line), latency ms"
	printf '    %-44s %8s %8s\n' "" median p90
	printf '    %-44s %8s %8s\n' "change at base, service with the schema" "${MED[base_bench]}" "${P90[base_bench]}"
	printf '    %-44s %8s %8s\n' "change at base, service without a schema" "${MED[base_plain]}" "${P90[base_plain]}"
	printf '    %-44s %8s %8s\n' "change at a leaf, service with the schema" "${MED[leaf_bench]}" "${P90[leaf_bench]}"
	printf '    %-44s %8s %8s\n' "change at a leaf, service without a schema" "${MED[leaf_plain]}" "${P90[leaf_plain]}"
	printf '    commit-time validation cost of a base change: %s ms for %s environments x %s resolutions (neutral + %s providers) = %s,\n' \
		"$cost" "$n_envs" "$((n_prov + 1))" "$n_prov" "$n_res"
	printf '      %s ms per resolved configuration validated          target < 50 ms (20 environments x 3 providers)  met %s\n' \
		"$per_res" "$(yesno "$cost < 50")"
	printf '    commit-time validation cost of a leaf change (1 environment x %s resolutions): %s ms\n' "$((n_prov + 1))" "$cost_leaf"
	echo
	echo "raw timings per round (ms):"
	sed 's/^/    /' <<<"$raw_c"
	echo "    (scan/valid: the 100,000-document table; iscan/errors: the invalid documents only)"
} >"$report"

echo
cat "$report"
mkdir -p "$BENCH_DIR/out"
cp "$report" "$BENCH_DIR/out/validate-report.txt"
cfg_log "report written to bench/out/validate-report.txt"
[ "$verdict" = PASS ]
