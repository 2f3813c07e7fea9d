#!/usr/bin/env bash
# bench/run.sh - cfgmgr benchmark: cfgmgr operations against plain-SQL
# baselines measured in the same run (see bench/README.md).
#
#   bench/run.sh [--large] [--duration N] [--reps N] [--clients N]
#   make bench                      (same as bench/run.sh; options through
#                                    BENCH_LARGE=1 BENCH_DURATION=N ...)
#
# Builds and installs the extension, starts a throw-away cluster (removed on
# exit), loads the dataset of bench/dataset.sql, then measures with pgbench
# -M prepared.  Runs of a baseline and its candidate are interleaved and the
# medians of --reps repetitions are compared.  Prints the result table and
# writes it to bench/out/report.txt (bench/out/report-large.txt with --large).
# With CFGMGR_EXTENSION=name, uses that installed private build (see
# scripts/private-install.sh) instead of building and installing cfgmgr.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

large=${BENCH_LARGE:-0}
duration=${BENCH_DURATION:-5}
reps=${BENCH_REPS:-3}
clients=${BENCH_CLIENTS:-2}
nscripts=64                 # pgbench scripts per operation, each with its own literal key
loop_n=100000               # iterations of the server-side get loop
loop_rounds=5

usage() {
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--large) large=1 ;;
		--duration) duration=${2:?}; shift ;;
		--duration=*) duration=${1#*=} ;;
		--reps) reps=${2:?}; shift ;;
		--reps=*) reps=${1#*=} ;;
		--clients) clients=${2:?}; shift ;;
		--clients=*) clients=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for v in "$duration" "$reps" "$clients"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || cfg_die "--duration, --reps and --clients take a positive integer"
done
if [ "$large" = 1 ]; then nsvc=1000 nkeys=1000; else nsvc=100 nkeys=100; fi
DB=bench

bench_start cfgbench
command -v pgbench >/dev/null || cfg_die "pgbench not found"

psqlb() { cfg_psql -d "$DB" "$@"; }

# ---------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------
cfg_log "loading the dataset: $nsvc services x $nkeys keys, environments base -> l1 -> l2 -> l3"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" -c "CREATE EXTENSION pg_prewarm"
t0=$(date +%s)
bench_sampler_start "$WORK/rss.load"
psqlb -v nsvc="$nsvc" -v nkeys="$nkeys" -f "$BENCH_DIR/dataset.sql" >/dev/null
bench_sampler_stop
load_s=$(( $(date +%s) - t0 ))
psqlb -c "VACUUM (ANALYZE)" -c "CHECKPOINT"
read -r n_entry n_base n_over n_kv < <(psqlb -At -F' ' -c "
	SELECT (SELECT count(*) FROM cfgmgr.entry),
		   (SELECT count(*) FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'base')),
		   (SELECT count(*) FROM cfgmgr.entry WHERE env_id <> (SELECT id FROM cfgmgr.environment WHERE name = 'base')),
		   (SELECT count(*) FROM bench_plain.kv)")
[ "$n_entry" = "$n_kv" ] || cfg_die "dataset mismatch: $n_entry cfgmgr entries, $n_kv plain rows"
cfg_log "dataset loaded in ${load_s}s: $n_entry entries ($n_base base, $n_over overrides); peak RssAnon while loading $(( $(cat "$WORK/rss.load") / 1024 )) MB"

# ---------------------------------------------------------------------
# pgbench scripts: $nscripts per operation, each with different literals
# ---------------------------------------------------------------------
# Deterministic pseudo-random picks: keys for get (any key, resolved from the
# leaf l3, so the winning level varies), services for resolve, keys that have
# a value at l3 for set (so set and the UPSERT both update an existing row
# and the dataset keeps its shape).
mapfile -t get_keys < <(psqlb -At -F' ' -c "
	SELECT service, key FROM bench_plain.kv WHERE env_id = 1
	 ORDER BY hashtext(service || '/' || key), service, key LIMIT $nscripts")
mapfile -t res_svcs < <(psqlb -At -c "
	SELECT name FROM cfgmgr.service ORDER BY hashtext(name || 'r'), name LIMIT $nscripts")
mapfile -t set_keys < <(psqlb -At -F' ' -c "
	SELECT service, key FROM bench_plain.kv WHERE env_id = 4
	 ORDER BY hashtext(service || '/' || key || 's'), service, key LIMIT $nscripts")

# The plain-SQL resolve of one key: recursive CTE over the environment
# parents, deepest value wins.
cte_sql() {
	cat <<EOF
WITH RECURSIVE chain AS (
	SELECT id, parent_id, 0 AS depth FROM bench_plain.env WHERE name = 'l3'
	UNION ALL
	SELECT e.id, e.parent_id, c.depth + 1 FROM bench_plain.env e JOIN chain c ON e.id = c.parent_id)
SELECT kv.value FROM chain c
  JOIN bench_plain.kv ON kv.env_id = c.id AND kv.service = '$1' AND kv.key = '$2'
 ORDER BY c.depth LIMIT 1;
EOF
}
# The plain-SQL document resolve (the fastest of the variants tried, see the
# README): chain ids in leaf-first order, one index scan of the service's
# rows on every level, deepest value per key (DISTINCT ON), then the nested
# document, built level by level.  It knows that paths have exactly three
# labels, a shortcut a general resolver cannot take.
doc_sql() {
	cat <<EOF
SELECT jsonb_object_agg(s1, d) FROM (
 SELECT s1, jsonb_object_agg(s2, d) AS d FROM (
  SELECT s1, s2, jsonb_object_agg(s3, value) AS d FROM (
   SELECT DISTINCT ON (kv.key) split_part(kv.key, '.', 1) AS s1, split_part(kv.key, '.', 2) AS s2,
		  split_part(kv.key, '.', 3) AS s3, kv.value
	 FROM (WITH RECURSIVE chain AS (
			 SELECT id, parent_id, 0 AS depth FROM bench_plain.env WHERE name = 'l3'
			 UNION ALL
			 SELECT e.id, e.parent_id, c.depth + 1 FROM bench_plain.env e JOIN chain c ON e.id = c.parent_id)
		   SELECT array_agg(id ORDER BY depth) AS ids FROM chain) ch,
		  bench_plain.kv
	WHERE kv.service = '$1' AND kv.env_id = ANY (ch.ids)
	ORDER BY kv.key, array_position(ch.ids, kv.env_id)) w
  GROUP BY 1, 2) g2
 GROUP BY 1) g1;
EOF
}

mkscripts() {	# op
	local op=$1 dir="$WORK/scripts/$1" i=0 line s k
	mkdir -p "$dir"
	case $op in
		resolve|resolve_nc|doc) set -- "${res_svcs[@]}" ;;
		set|upsert|upsert_nt) set -- "${set_keys[@]}" ;;
		*) set -- "${get_keys[@]}" ;;
	esac
	for line in "$@"; do
		i=$((i + 1))
		read -r s k <<<"$line"
		case $op in
			pk) echo "SELECT value FROM bench_plain.kv WHERE env_id = 1 AND service = '$s' AND key = '$k';" ;;
			get|get_nc) echo "SELECT cfgmgr.get('l3', '$s', '$k');" ;;
			cte) cte_sql "$s" "$k" ;;
			resolve|resolve_nc) echo "SELECT cfgmgr.resolve('l3', '$s');" ;;
			doc) doc_sql "$s" ;;
			set) printf '%s\n' '\set v random(1, 1000000)' "SELECT cfgmgr.set('l3', '$s', '$k', :v::jsonb);" ;;
			upsert) printf '%s\n' '\set v random(1, 1000000)' \
				"INSERT INTO bench_plain.kv (env_id, service, key, value) VALUES (4, '$s', '$k', :v::jsonb) ON CONFLICT (env_id, service, key) DO UPDATE SET value = EXCLUDED.value;" ;;
			upsert_nt) printf '%s\n' '\set v random(1, 1000000)' 'BEGIN;' \
				"INSERT INTO bench_plain.kv (env_id, service, key, value) VALUES (4, '$s', '$k', :v::jsonb) ON CONFLICT (env_id, service, key) DO UPDATE SET value = EXCLUDED.value;" \
				"SELECT pg_notify('bench_change', '$s');" 'END;' ;;
		esac >"$dir/$(printf %03d "$i").sql"
	done
}
OPS="pk get cte doc resolve get_nc resolve_nc upsert set upsert_nt"
for op in $OPS; do mkscripts "$op"; done

# Check every script once, and that cfgmgr returns what the baselines return.
cfg_log "checking the candidates against the baselines"
check_errors=
for line in "${get_keys[@]:0:8}"; do
	read -r s k <<<"$line"
	r=$(psqlb -At -c "SELECT (cfgmgr.get('l3', '$s', '$k') = ($(cte_sql "$s" "$k" | sed 's/;$//')))::text" 2>&1) || true
	[ "$r" = true ] || check_errors+="get('l3','$s','$k') vs the recursive CTE: ${r//$'\n'/ }"$'\n'
done
for s in "${res_svcs[@]:0:4}"; do
	r=$(psqlb -At -c "SELECT (cfgmgr.resolve('l3', '$s') = ($(doc_sql "$s" | sed 's/;$//')))::text" 2>&1) || true
	[ "$r" = true ] || check_errors+="resolve('l3','$s') vs the SQL document: ${r//$'\n'/ }"$'\n'
done
[ -z "$check_errors" ] || printf 'WARNING: cfgmgr disagrees with the baseline:\n%s' "$check_errors" >&2

# ---------------------------------------------------------------------
# pgbench runs
# ---------------------------------------------------------------------
declare -A TPS=() RSS=() ERR=()
PGB_TPS= PGB_RSS=0
pgb() {	# op seconds -> PGB_TPS (empty on failure, ERR[op] set), PGB_RSS (peak RssAnon, kB)
	local op=$1 secs=$2 f args=() log="$WORK/pgbench.$1.log" env=()
	for f in "$WORK/scripts/$op"/*.sql; do args+=(-f "$f"); done
	case $op in *_nc) env=(PGOPTIONS="-c cfgmgr.cache=off") ;; esac
	PGB_TPS=
	bench_sampler_start "$WORK/rss.cur"
	if env "${env[@]}" pgbench -n -M prepared -c "$clients" -j "$clients" -T "$secs" "${args[@]}" "$DB" >"$log" 2>&1 \
		&& ! grep -q 'aborted' "$log"; then
		PGB_TPS=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log" | head -1)
	fi
	bench_sampler_stop
	PGB_RSS=$(cat "$WORK/rss.cur")
	if [ -z "$PGB_TPS" ]; then
		ERR[$op]=$(grep -m1 -E 'ERROR|FATAL|aborted|error' "$log" || tail -1 "$log")
	fi
	return 0
}
measure() {	# op
	local op=$1
	pgb "$op" "$duration"
	if [ -z "${RSS[$op]:-}" ] || [ "$PGB_RSS" -gt "${RSS[$op]}" ]; then RSS[$op]=$PGB_RSS; fi
	if [ -n "$PGB_TPS" ]; then TPS[$op]="${TPS[$op]:-} $PGB_TPS"; fi
	printf '    %-11s %12s tps   RssAnon %4d MB\n' "$op" "${PGB_TPS:-failed}" $((PGB_RSS / 1024)) >&2
}

cfg_log "warming up (pg_prewarm, 1 s of every operation)"
psqlb -At -c "SELECT sum(pg_prewarm(c)) FROM unnest(ARRAY['bench_plain.kv', 'bench_plain.kv_pkey',
	'cfgmgr.entry', 'cfgmgr.entry_pkey', 'bench_plain.env', 'cfgmgr.environment', 'cfgmgr.service']::regclass[]) c" >/dev/null
for op in $OPS; do
	pgb "$op" 1
	if [ -z "$PGB_TPS" ]; then printf 'WARNING: %s fails: %s\n' "$op" "${ERR[$op]}" >&2; fi
done
unset ERR; declare -A ERR=()

cfg_log "measuring: $reps repetitions of ${duration}s per operation, pgbench -M prepared -c $clients -j $clients, $nscripts scripts each"
for rep in $(seq 1 "$reps"); do
	cfg_log "repetition $rep/$reps"
	# baseline and candidate alternate; which one goes first alternates too
	if [ $((rep % 2)) = 1 ]; then
		order="pk get cte doc resolve get_nc resolve_nc upsert set upsert_nt"
	else
		order="cte get pk resolve doc resolve_nc get_nc upsert_nt set upsert"
	fi
	for op in $order; do measure "$op"; done
done

# ---------------------------------------------------------------------
# Server-side cost of one get: a loop of $loop_n calls minus the same loop
# over a constant, in one backend (rounds interleaved, medians)
# ---------------------------------------------------------------------
cfg_log "timing the server-side get loop ($loop_rounds rounds of $loop_n calls)"
read -r ls lk <<<"${get_keys[0]}"
bench_elapsed_fn_sql >"$WORK/loop.sql"
cat >>"$WORK/loop.sql" <<EOF
CREATE TEMP TABLE t(kind text, ms float8);
SELECT cfgmgr.get('l3', '$ls', '$lk') \g /dev/null
SELECT pg_temp.elapsed_ms('SELECT count(cfgmgr.get(''l3'', ''$ls'', ''$lk'')) FROM generate_series(1, $loop_n)') \g /dev/null
DO \$\$
BEGIN
	FOR i IN 1..$loop_rounds LOOP
		INSERT INTO t SELECT 'const', pg_temp.elapsed_ms('SELECT count(''"x"''::jsonb) FROM generate_series(1, $loop_n)');
		INSERT INTO t SELECT 'get', pg_temp.elapsed_ms('SELECT count(cfgmgr.get(''l3'', ''$ls'', ''$lk'')) FROM generate_series(1, $loop_n)');
	END LOOP;
	SET LOCAL cfgmgr.cache = off;
	FOR i IN 1..$loop_rounds LOOP
		INSERT INTO t SELECT 'const_nc', pg_temp.elapsed_ms('SELECT count(''"x"''::jsonb) FROM generate_series(1, $((loop_n / 10)))');
		INSERT INTO t SELECT 'get_nc', pg_temp.elapsed_ms('SELECT count(cfgmgr.get(''l3'', ''$ls'', ''$lk'')) FROM generate_series(1, $((loop_n / 10)))');
	END LOOP;
END \$\$;
SELECT kind, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 2) FROM t GROUP BY kind ORDER BY kind;
EOF
loop_out=$(psqlb -At -F' ' -f "$WORK/loop.sql" 2>&1) || loop_out="ERROR: $loop_out"
declare -A LOOP=()
if [[ $loop_out != ERROR:* ]]; then
	while read -r k v; do LOOP[$k]=$v; done <<<"$loop_out"
fi

# ---------------------------------------------------------------------
# History of one key with $hist_n versions (each its own committed
# changeset): cfgmgr.history() against the plain index scan of the history
# table; average latency of pgbench -c 1
# ---------------------------------------------------------------------
hist_n=10000
read -r hs hk <<<"${set_keys[0]}"
cfg_log "writing $hist_n versions of $hs/$hk (one transaction each)"
psqlb -q >/dev/null <<EOF
SET synchronous_commit = off;
CREATE PROCEDURE pg_temp.versions(n int) LANGUAGE plpgsql AS \$\$
BEGIN
	FOR i IN 1..n LOOP
		PERFORM cfgmgr.set('l3', '$hs', '$hk', to_jsonb(i));
		COMMIT;
	END LOOP;
END \$\$;
CALL pg_temp.versions($hist_n);
VACUUM ANALYZE cfgmgr.change;
VACUUM ANALYZE cfgmgr.changeset;
EOF
hist_versions=$(psqlb -At -c "SELECT count(*) FROM cfgmgr.history('l3', '$hs', '$hk')")
echo "SELECT count(*) FROM cfgmgr.history('l3', '$hs', '$hk');" >"$WORK/hist.sql"
echo "SELECT count(*) FROM (SELECT h.* FROM cfgmgr.change h WHERE h.env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'l3' AND dropped_at IS NULL) AND h.service_id = (SELECT id FROM cfgmgr.service WHERE name = '$hs') AND h.path OPERATOR(cfgmgr.=) '$hk'::cfgmgr.cfgpath ORDER BY h.id DESC) x;" >"$WORK/hist_plain.sql"
hist_lat() { pgbench -n -M prepared -c 1 -T "$duration" -f "$1" "$DB" 2>&1 | sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' || true; }
hist_ms=$(hist_lat "$WORK/hist.sql")
hist_plain_ms=$(hist_lat "$WORK/hist_plain.sql")

# ---------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit; if (NR % 2) print a[(NR+1)/2]; else printf "%.3f\n", (a[NR/2]+a[NR/2+1])/2}'; }
med() { echo "${TPS[$1]:-}" | median; }
mb() { [ -n "${RSS[$1]:-}" ] && echo $(( RSS[$1] / 1024 )) || echo -; }
fmt_tps() { [ -n "$1" ] && printf '%.0f' "$1" || echo failed; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}' || echo -; }
meets() {	# ratio op value -> yes/no/-
	[ "$1" = - ] || [ "$2" = - ] && { echo -; return; }
	awk -v r="$1" -v t="$3" -v o="$2" 'BEGIN {print ((o == ">=" ? r >= t : r <= t) ? "yes" : "NO")}'
}

report=$WORK/report.txt
{
	echo "cfgmgr benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git -C "$CFG_ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$CFG_ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo '+uncommitted changes')"
	echo "dataset: $nsvc services x $nkeys keys, depth 4 (base -> l1 -> l2 -> l3), $n_entry entries ($n_base base + $n_over overrides), loaded in ${load_s}s"
	echo "pgbench -M prepared -c $clients -j $clients -T $duration, $reps interleaved repetitions (medians), $nscripts scripts with literal keys per operation"
	echo "server: PostgreSQL $(psqlb -At -c 'SHOW server_version'), shared_buffers=512MB, fsync on, synchronous_commit on; $(nproc) CPUs"
	echo
	printf '%-44s %13s %13s %7s %7s %5s %9s %9s\n' operation "candidate TPS" "baseline TPS" ratio target met "RssAnon" "(base)"
	printf '%-44s %13s %13s %7s %7s %5s %9s %9s\n' "" "" "" "" "" "" "peak MB" "peak MB"
	printf '%.0s-' {1..116}; echo
	row() {	# label cand base target-op target-value
		local c b r
		c=$(med "$2"); b=$(med "$3"); r=$(ratio "$c" "$b")
		printf '%-44s %13s %13s %7s %7s %5s %9s %9s\n' "$1" "$(fmt_tps "$c")" "$(fmt_tps "$b")" "$r" \
			"${4:+$4 $5}" "$([ -n "${4:-}" ] && meets "$r" "$4" "$5" || echo -)" "$(mb "$2")" "$(mb "$3")"
	}
	row "(a) get vs plain PK lookup" get pk ">=" 0.9
	row "(b) get vs recursive-CTE resolve of one key" get cte
	row "(c) resolve vs SQL document resolve" resolve doc ">=" 10
	row "(d) set vs plain UPSERT" set upsert ">=" 0.5
	row "    set vs UPSERT + NOTIFY (information)" set upsert_nt
	echo "information, uncached path (cfgmgr.cache = off):"
	row "    get vs plain PK lookup" get_nc pk
	row "    get vs recursive-CTE resolve of one key" get_nc cte
	row "    resolve vs SQL document resolve" resolve_nc doc
	printf '%.0s-' {1..116}; echo
	if [ -n "${LOOP[get]:-}" ]; then
		us=$(awk -v g="${LOOP[get]}" -v c="${LOOP[const]}" -v n="$loop_n" 'BEGIN {printf "%.3f", (g - c) * 1000 / n}')
		us_nc=$(awk -v g="${LOOP[get_nc]}" -v c="${LOOP[const_nc]}" -v n="$((loop_n / 10))" 'BEGIN {printf "%.3f", (g - c) * 1000 / n}')
		printf 'server-side cost of a cached get: %s us per call (loop of %d: get %s ms, constant %s ms)  target <= 2  met %s\n' \
			"$us" "$loop_n" "${LOOP[get]}" "${LOOP[const]}" "$(meets "$us" "<=" 2)"
		printf 'server-side cost of an uncached get (information): %s us per call (loop of %d: get %s ms, constant %s ms)\n' \
			"$us_nc" "$((loop_n / 10))" "${LOOP[get_nc]}" "${LOOP[const_nc]}"
	else
		echo "server-side cost of a cached get: FAILED: ${loop_out//$'\n'/ }"
	fi
	printf 'history of one key with %s versions: %s ms per call (plain index scan of the history table: %s ms)  target < 10  met %s\n' \
		"$hist_versions" "${hist_ms:-failed}" "${hist_plain_ms:-failed}" "$(meets "${hist_ms:--}" "<=" 10)"
	peak=0
	for op in get resolve set get_nc resolve_nc; do [ "${RSS[$op]:-0}" -gt "$peak" ] && peak=${RSS[$op]}; done
	peak_mb=$(awk -v k="$peak" 'BEGIN {printf "%.1f", k / 1024}')
	printf 'backend peak private memory (max RssAnon of a backend over all cfgmgr runs): %s MB  target < 100  met %s\n' \
		"$peak_mb" "$(awk -v m="$peak_mb" 'BEGIN {print (m < 100 ? "yes" : "NO")}')"
	printf 'peak RssAnon of a backend while loading the dataset (set_many): %s MB\n' \
		"$(awk -v k="$(cat "$WORK/rss.load")" 'BEGIN {printf "%.1f", k / 1024}')"
	if [ ${#ERR[@]} -gt 0 ]; then
		echo
		echo "FAILED runs (first error of each operation):"
		for op in "${!ERR[@]}"; do echo "  $op: ${ERR[$op]}"; done
	fi
	if [ -n "$check_errors" ]; then
		echo
		echo "cfgmgr disagrees with the baseline:"
		printf '  %s\n' "${check_errors%$'\n'}"
	fi
	echo
	echo "raw TPS per repetition:"
	for op in $OPS; do printf '  %-11s %s\n' "$op" "${TPS[$op]:- failed}"; done
} >"$report"

echo
cat "$report"
mkdir -p "$BENCH_DIR/out"
if [ "$large" = 1 ]; then out="$BENCH_DIR/out/report-large.txt"; else out="$BENCH_DIR/out/report.txt"; fi
cp "$report" "$out"
cfg_log "report written to ${out#$CFG_ROOT/}"
