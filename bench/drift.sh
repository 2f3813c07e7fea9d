#!/usr/bin/env bash
# bench/drift.sh - drift benchmark: cfgmgr.drift against the same drift in
# plain SQL and against a bare scan of the two environment chains (see
# bench/README.md, "Drift benchmark").
#
#   bench/drift.sh [--large] [--reps N]
#   make bench-drift                (options through BENCH_LARGE=1 BENCH_REPS=N)
#
#   --large    1,000 services x 1,000 keys instead of 100 x 100
#   --reps N   interleaved timing rounds, medians reported (default 5)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build, see scripts/private-install.sh),
# starts a throw-away cluster (removed on exit), loads bench/dataset.sql with
# two chains (base -> l1 -> l2 -> l3 and base -> m1 -> m2 -> m3), checks that
# cfgmgr.drift('l3', 'm3') reports exactly the leaves the plain-SQL drift
# reports, with the same values, then times in one backend (warm-up, then
# --reps rounds alternating the order) cfgmgr.drift, the plain-SQL drift and
# the bare scan, and samples the RssAnon of a backend running cfgmgr.drift.
# Prints the report and writes it to bench/out/drift-report.txt
# (bench/out/drift-report-large.txt with --large).
# Exit status: non-zero when the correctness check fails.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

large=${BENCH_LARGE:-0}
reps=${BENCH_REPS:-5}
usage() {
	sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--large) large=1 ;;
		--reps) reps=${2:?}; shift ;;
		--reps=*) reps=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || cfg_die "--reps takes a positive integer"
if [ "$large" = 1 ]; then
	nsvc=1000 nkeys=1000 svc=svc0042
	t_ms=2000 t_plain=5 suffix=-large
else
	nsvc=100 nkeys=100 svc=svc042
	t_ms=25 t_plain=4 suffix=
fi
DB=bench_drift

bench_start cfgdrift
psqlb() { cfg_psql -d "$DB" "$@"; }

# ---------------------------------------------------------------------
# Dataset: two chains below base
# ---------------------------------------------------------------------
cfg_log "loading the dataset: $nsvc services x $nkeys keys, base -> l1 -> l2 -> l3 and base -> m1 -> m2 -> m3"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" -c "CREATE EXTENSION pg_prewarm" >/dev/null
# The load is one transaction; the size of cfgmgr.entry's files shows how
# far it got.
t0=$(date +%s)
(
	while sleep 30; do
		cfg_log "  loading: $(( $(date +%s) - t0 )) s, cfgmgr.entry $(psqlb -At -c "SELECT pg_size_pretty(pg_total_relation_size('cfgmgr.entry'))" 2>/dev/null || echo ?)"
	done
) &
ticker=$!
BENCH_BG_PIDS+=("$ticker")
bench_sampler_start "$WORK/rss.load"
psqlb -v nsvc="$nsvc" -v nkeys="$nkeys" -v chains=2 -f "$BENCH_DIR/dataset.sql" >/dev/null
bench_sampler_stop
kill "$ticker" 2>/dev/null || true; wait "$ticker" 2>/dev/null || true
load_s=$(( $(date +%s) - t0 ))
psqlb -c "VACUUM (ANALYZE)" -c "CHECKPOINT" >/dev/null
read -r n_entry n_kv < <(psqlb -At -F' ' -c "SELECT (SELECT count(*) FROM cfgmgr.entry), (SELECT count(*) FROM bench_plain.kv)")
[ "$n_entry" = "$n_kv" ] || cfg_die "dataset mismatch: $n_entry cfgmgr entries, $n_kv plain rows"
cfg_log "dataset loaded in ${load_s}s: $n_entry entries; peak RssAnon while loading $(( $(cat "$WORK/rss.load") / 1024 )) MB"

psqlb -At -c "SELECT to_regprocedure('cfgmgr.drift(text,text,text,text)') IS NOT NULL" | grep -q t \
	|| cfg_die "this build of cfgmgr has no cfgmgr.drift(text, text, text, text)"

# The ids of each chain, leaf first, for the bare scan.
chain_ids() {
	psqlb -At -c "WITH RECURSIVE c AS (
		SELECT id, parent_id, 0 AS depth FROM cfgmgr.environment WHERE name = '$1' AND dropped_at IS NULL
		UNION ALL
		SELECT e.id, e.parent_id, c.depth + 1 FROM cfgmgr.environment e JOIN c ON e.id = c.parent_id)
	SELECT array_agg(id ORDER BY depth)::text FROM c"
}
l_ids=$(chain_ids l3)
m_ids=$(chain_ids m3)

# ---------------------------------------------------------------------
# The queries
# ---------------------------------------------------------------------
# The plain-SQL drift, in the two formulations that came out fastest (see
# the README; neither wins on both dataset sizes, so both are timed and the
# faster median is the baseline).  Both resolve each side through the
# hierarchy (recursive CTE over the parents, deepest value per (service,
# key) by DISTINCT ON), join the two sides on (service, key) and keep the
# leaves whose values differ:
#   a: each chain as rows (id, depth), joined to the values;
#   b: each chain as an array of ids, leaf first; one scan of the chain's
#      rows (env_id = ANY), ordered by the position in the array.
# An optional service restricts both sides.
plain_sql() {	# a|b [service]
	local f= side env
	[ -n "${2:-}" ] && f=" AND kv.service = '$2'"
	if [ "$1" = a ]; then
		echo "WITH RECURSIVE"
		for side in l r; do
			[ $side = l ] && env=l3 || env=m3
			cat <<EOF
${side}c AS (
	SELECT id, parent_id, 0 AS depth FROM bench_plain.env WHERE name = '$env'
	UNION ALL
	SELECT e.id, e.parent_id, c.depth + 1 FROM bench_plain.env e JOIN ${side}c c ON e.id = c.parent_id),
$side AS (SELECT DISTINCT ON (kv.service, kv.key) kv.service, kv.key, kv.value
		FROM ${side}c JOIN bench_plain.kv ON kv.env_id = ${side}c.id$f
	   ORDER BY kv.service, kv.key, ${side}c.depth),
EOF
		done
	else
		echo "WITH"
		for side in l r; do
			[ $side = l ] && env=l3 || env=m3
			cat <<EOF
${side}ch AS (
	SELECT (WITH RECURSIVE c AS (
				SELECT id, parent_id, 0 AS depth FROM bench_plain.env WHERE name = '$env'
				UNION ALL
				SELECT e.id, e.parent_id, c.depth + 1 FROM bench_plain.env e JOIN c ON e.id = c.parent_id)
			SELECT array_agg(id ORDER BY depth) FROM c) AS ids),
$side AS (SELECT DISTINCT ON (kv.service, kv.key) kv.service, kv.key, kv.value
		FROM ${side}ch, bench_plain.kv WHERE kv.env_id = ANY (${side}ch.ids)$f
	   ORDER BY kv.service, kv.key, array_position(${side}ch.ids, kv.env_id)),
EOF
		done
	fi | sed '$ s/),$/)/'
	cat <<EOF
SELECT coalesce(l.service, r.service) AS service, coalesce(l.key, r.key) AS path,
	   l.value AS left_value, r.value AS right_value
  FROM l FULL JOIN r ON l.service = r.service AND l.key = r.key
 WHERE l.value IS DISTINCT FROM r.value
EOF
}
# Every row of both chains (base counted twice), nothing merged: the floor.
bare_sql="SELECT (SELECT count(e.value) FROM cfgmgr.entry e WHERE e.env_id = ANY ('$l_ids'::int[]))
	 + (SELECT count(e.value) FROM cfgmgr.entry e WHERE e.env_id = ANY ('$m_ids'::int[]))"
cfg_sql="SELECT count(*) FROM cfgmgr.drift('l3', 'm3')"
cfg_svc_sql="SELECT count(*) FROM cfgmgr.drift('l3', 'm3', '$svc')"

# JIT compilation off in every session: on the large dataset it adds up to
# 0.4 s of compilation to the plain-SQL drift and saves nothing.
SESSION_SET="SET jit = off;"

# ---------------------------------------------------------------------
# Correctness (not timed): the same leaves with the same values
# ---------------------------------------------------------------------
cfg_log "checking cfgmgr.drift against the plain-SQL drift"
cat >"$WORK/check.sql" <<EOF
$SESSION_SET
CREATE TEMP TABLE c AS SELECT service, path, kind, left_value, right_value, 'all'::text AS q FROM cfgmgr.drift('l3', 'm3')
	UNION ALL SELECT service, path, kind, left_value, right_value, 'one' FROM cfgmgr.drift('l3', 'm3', '$svc');
CREATE TEMP TABLE p AS SELECT service, path, left_value, right_value, 'all'::text AS q FROM ($(plain_sql b)) x
	UNION ALL SELECT service, path, left_value, right_value, 'all_a' FROM ($(plain_sql a)) x
	UNION ALL SELECT service, path, left_value, right_value, 'one' FROM ($(plain_sql b "$svc")) x;
SELECT qq.q, (SELECT count(*) FROM c WHERE c.q = qq.cq), (SELECT count(*) FROM p WHERE p.q = qq.q),
	   (SELECT count(*) FROM (SELECT service, path, left_value, right_value FROM c WHERE c.q = qq.cq
							  EXCEPT ALL SELECT service, path, left_value, right_value FROM p WHERE p.q = qq.q) d),
	   (SELECT count(*) FROM (SELECT service, path, left_value, right_value FROM p WHERE p.q = qq.q
							  EXCEPT ALL SELECT service, path, left_value, right_value FROM c WHERE c.q = qq.cq) d),
	   (SELECT count(*) FROM c WHERE c.q = qq.cq AND c.kind IS DISTINCT FROM
			CASE WHEN c.right_value IS NULL THEN 'only_left' WHEN c.left_value IS NULL THEN 'only_right'
				 WHEN jsonb_typeof(c.left_value) <> jsonb_typeof(c.right_value) THEN 'type_changed'
				 ELSE 'changed' END)
  FROM (VALUES ('all', 'all'), ('all_a', 'all'), ('one', 'one')) qq (q, cq);
SELECT 'only cfgmgr', service, path, left_value, right_value
  FROM (SELECT service, path, left_value, right_value FROM c WHERE q = 'all'
		EXCEPT ALL SELECT service, path, left_value, right_value FROM p WHERE q = 'all') x
 ORDER BY 2, 3 LIMIT 5;
SELECT 'only plain', service, path, left_value, right_value
  FROM (SELECT service, path, left_value, right_value FROM p WHERE q = 'all'
		EXCEPT ALL SELECT service, path, left_value, right_value FROM c WHERE q = 'all') x
 ORDER BY 2, 3 LIMIT 5;
EOF
check_ok=1 check_detail=
if ! check_out=$(psqlb -At -F' ' -f "$WORK/check.sql" 2>&1); then
	printf '%s\n' "$check_out" >&2
	cfg_die "the correctness check failed to run"
fi
declare -A N_CFG=() N_PLAIN=()
while read -r q nc np only_c only_p bad_kind; do
	case $q in all|all_a|one) ;; *) continue ;; esac
	N_CFG[$q]=$nc N_PLAIN[$q]=$np
	if [ "$only_c" != 0 ] || [ "$only_p" != 0 ] || [ "$bad_kind" != 0 ] || [ "$nc" = 0 ]; then
		check_ok=0
		check_detail+="  ${q/all_a/all (plain SQL a)}: cfgmgr $nc rows, plain SQL $np rows, $only_c only in cfgmgr (or other values), $only_p missed, $bad_kind with a wrong kind"$'\n'
	fi
done <<<"$check_out"
[ -n "${N_CFG[all]:-}" ] && [ -n "${N_CFG[all_a]:-}" ] && [ -n "${N_CFG[one]:-}" ] || { printf '%s\n' "$check_out" >&2; cfg_die "unexpected output from the correctness check"; }
if [ "$check_ok" = 0 ]; then
	check_detail+=$(grep -E '^only (cfgmgr|plain) ' <<<"$check_out" | sed 's/^/  /' || true)
	cfg_log "correctness check: FAIL"
else
	cfg_log "correctness check: PASS (${N_CFG[all]} leaves differ)"
fi

# ---------------------------------------------------------------------
# Timing, in one backend
# ---------------------------------------------------------------------
cfg_log "prewarming, then timing: warm-up and $reps interleaved rounds"
psqlb -At -c "SELECT sum(pg_prewarm(c)) FROM unnest(ARRAY['bench_plain.kv', 'bench_plain.kv_pkey',
	'cfgmgr.entry', 'cfgmgr.entry_pkey', 'bench_plain.env', 'cfgmgr.environment', 'cfgmgr.service']::regclass[]) c" >/dev/null
{
	echo "$SESSION_SET"
	cat <<EOF
CREATE TEMP TABLE q (ord int, what text, sql text, calls int DEFAULT 1, setup text);
INSERT INTO q (ord, what, sql) VALUES
	(1, 'cfgmgr', \$q\$$cfg_sql\$q\$),
	(2, 'plain_a', \$q\$SELECT count(*) FROM ($(plain_sql a)) x\$q\$),
	(3, 'plain_b', \$q\$SELECT count(*) FROM ($(plain_sql b)) x\$q\$),
	(4, 'bare', \$q\$$bare_sql\$q\$),
	(5, 'cfgmgr_svc', \$q\$$cfg_svc_sql\$q\$),
	(6, 'plain_svc', \$q\$SELECT count(*) FROM ($(plain_sql b "$svc")) x\$q\$);
EOF
	bench_rounds_sql "$reps" 1 2
} >"$WORK/timing.sql"
bench_time "$WORK/timing.sql" psqlb

# ---------------------------------------------------------------------
# Memory: RssAnon of a fresh backend running the drift twice, sampled every
# ~50 ms; the plain-SQL drift in another fresh backend, for information
# ---------------------------------------------------------------------
rss_run() {	# label sql -> RSS_BEFORE, RSS_PEAK (kB)
	local pidf="$WORK/pid.$1" ps pid
	RSS_BEFORE=0 RSS_PEAK=0
	psqlb -At >/dev/null <<EOF &
$SESSION_SET
SELECT pg_backend_pid() \g $pidf
SELECT pg_sleep(0.5);
$2;
$2;
EOF
	ps=$!
	until [ -s "$pidf" ]; do kill -0 "$ps" 2>/dev/null || break; sleep 0.05; done
	if [ -s "$pidf" ]; then
		pid=$(cat "$pidf")
		RSS_BEFORE=$(bench_rss_kb "$pid")
		bench_sampler_start "$WORK/rss.$1" "$pid"
	fi
	wait "$ps" || cfg_die "the $1 memory run failed"
	bench_sampler_stop
	RSS_PEAK=$(cat "$WORK/rss.$1" 2>/dev/null || echo 0)
}
cfg_log "sampling the RssAnon of a backend running the drift"
rss_run cfgmgr "$cfg_sql"
rss_cfg_before=$RSS_BEFORE rss_cfg=$RSS_PEAK
rss_run plain "SELECT count(*) FROM ($(plain_sql b)) x"
rss_plain_before=$RSS_BEFORE rss_plain=$RSS_PEAK

# ---------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------
mb() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' || echo -; }
meets() {	# value op target -> yes/NO/-
	[ "$1" = - ] || [ -z "$1" ] && { echo -; return; }
	awk -v v="$1" -v t="$3" -v o="$2" 'BEGIN {print ((o == "<" ? v < t : o == "<=" ? v <= t : v >= t) ? "yes" : "NO")}'
}
# the baseline: the faster of the two plain-SQL formulations
plain_best=a
if [ -z "${MED[plain_a]:-}" ] || { [ -n "${MED[plain_b]:-}" ] && awk -v a="${MED[plain_a]}" -v b="${MED[plain_b]}" 'BEGIN {exit !(b < a)}'; }; then
	plain_best=b
fi
MED[plain]=${MED[plain_$plain_best]:-}
r_plain=$(ratio "${MED[plain]:-}" "${MED[cfgmgr]:-}")
r_bare=$(ratio "${MED[cfgmgr]:-}" "${MED[bare]:-}")
r_plain_svc=$(ratio "${MED[plain_svc]:-}" "${MED[cfgmgr_svc]:-}")
mem_mb=$(mb "$rss_cfg")
line() { printf '%-58s %10s %9s %6s\n' "$@"; }
report=$WORK/report.txt
{
	echo "cfgmgr drift benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git -C "$CFG_ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$CFG_ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo '+uncommitted changes'), extension $EXT"
	echo "dataset: $nsvc services x $nkeys keys, base -> l1 -> l2 -> l3 and base -> m1 -> m2 -> m3, $n_entry entries, loaded in ${load_s}s"
	echo "server: PostgreSQL $(psqlb -At -c 'SHOW server_version'), shared_buffers=512MB, work_mem $(psqlb -At -c 'SHOW work_mem'), jit off; $(nproc) CPUs"
	echo "timing: one backend, clock_timestamp() differences around EXECUTE, warm-up run of each, then $reps rounds alternating the order; medians"
	echo
	if [ "$check_ok" = 1 ]; then
		echo "correctness: PASS  cfgmgr.drift('l3', 'm3') and both plain-SQL drifts report the same ${N_CFG[all]} leaves with the same values ('$svc' alone: ${N_CFG[one]})"
	else
		echo "correctness: FAIL"
		printf '%s\n' "${check_detail%$'\n'}"
	fi
	echo
	line "" "median ms" target met
	printf '%.0s-' {1..86}; echo
	line "cfgmgr.drift('l3', 'm3'), all services" "${MED[cfgmgr]:-failed}" "< $t_ms" "$(meets "${MED[cfgmgr]:--}" "<" "$t_ms")"
	line "plain-SQL drift a (chain rows with depth, joined)" "${MED[plain_a]:-failed}" "" ""
	line "plain-SQL drift b (chain id array, env_id = ANY)" "${MED[plain_b]:-failed}" "" ""
	line "bare scan of the two chains (count of cfgmgr.entry rows)" "${MED[bare]:-failed}" "" ""
	line "ratio plain / cfgmgr (plain: the faster, $plain_best)" "$r_plain" ">= $t_plain" "$(meets "$r_plain" ">=" "$t_plain")"
	if [ "$large" = 1 ]; then
		line "ratio cfgmgr / bare scan" "$r_bare" "<= 4" "$(meets "$r_bare" "<=" 4)"
	else
		line "ratio cfgmgr / bare scan (information)" "$r_bare" "" ""
	fi
	if [ "$large" = 1 ]; then
		line "backend peak RssAnon during cfgmgr.drift, MB" "$mem_mb" "< 100" "$(meets "$mem_mb" "<" 100)"
	else
		line "backend peak RssAnon during cfgmgr.drift, MB (information)" "$mem_mb" "" ""
	fi
	printf '%.0s-' {1..86}; echo
	echo "information:"
	line "  cfgmgr.drift('l3', 'm3', '$svc'), one service" "${MED[cfgmgr_svc]:-failed}" "" ""
	line "  plain-SQL drift b of '$svc'" "${MED[plain_svc]:-failed}" "" ""
	line "  ratio plain / cfgmgr, one service" "$r_plain_svc" "" ""
	echo "  RssAnon of the drift's backend before the drift: $(mb "$rss_cfg_before") MB; of a backend running the plain-SQL drift b: $(mb "$rss_plain_before") MB before, $(mb "$rss_plain") MB peak"
	echo "  peak RssAnon of a backend while loading the dataset (set_many): $(mb "$(cat "$WORK/rss.load")") MB"
	echo
	echo "raw ms per round:"
	for w in cfgmgr plain_a plain_b bare cfgmgr_svc plain_svc; do printf '  %-11s %s\n' "$w" "${RUNS[$w]:-failed}"; done
} >"$report"

echo
cat "$report"
mkdir -p "$BENCH_DIR/out"
out="$BENCH_DIR/out/drift-report$suffix.txt"
cp "$report" "$out"
cfg_log "report written to ${out#$CFG_ROOT/}"
[ "$check_ok" = 1 ] || exit 1
