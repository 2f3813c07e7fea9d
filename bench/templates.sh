#!/usr/bin/env bash
# bench/templates.sh - template benchmark: what rendering ${...} templates
# adds to resolve and get, and how many substitutions per second render()
# and resolve make (see bench/README.md, "Template benchmark").
#
#   bench/templates.sh [--reps N]
#   make bench-templates            (options through BENCH_REPS=N)
#
#   --reps N   interleaved timing rounds, medians reported (default 7)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build, see scripts/private-install.sh),
# starts a throw-away cluster (removed on exit), loads bench/templates.sql
# (base -> l1 -> l2 with labels and aws targets; svc_tpl: 100 keys of which
# 20 templates, 5 of them references; svc_plain: the same keys holding what
# the templates render to), checks that the templated documents render to
# exactly the plain ones, then times in one backend (warm-up, then --reps
# rounds, the order reversed every other round) resolve and get of both,
# cache off and on, and render() of templates of 0, 1, 10 and 100
# substitutions.  Prints the report and writes it to
# bench/out/templates-report.txt.
# Exit status: non-zero when the correctness check fails.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

reps=${BENCH_REPS:-7}
usage() {
	sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
	exit "${1:-0}"
}
while [ $# -gt 0 ]; do
	case "$1" in
		--reps) reps=${2:?}; shift ;;
		--reps=*) reps=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
[[ $reps =~ ^[1-9][0-9]*$ ]] || cfg_die "--reps takes a positive integer"
DB=bench_templates

# every query runs on one core
bench_start cfgtpl max_parallel_workers_per_gather=0 jit=off
psqlb() { cfg_psql -d "$DB" "$@"; }

cfg_log "loading bench/templates.sql"
createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" >/dev/null
psqlb -At -c "SELECT to_regprocedure('cfgmgr.render(text,text,text,text)') IS NOT NULL" | grep -q t \
	|| cfg_die "this build of cfgmgr has no cfgmgr.render(text, text, text, text)"
psqlb -1 -f "$BENCH_DIR/templates.sql" >/dev/null
psqlb -c "VACUUM (ANALYZE)" >/dev/null

# the templated path of a get: a reference interpolated into a string
# (template 19: http://${ref:section1.group2.key3}:8080/, itself a template)
get_path=$(psqlb -At -c "SELECT k.path FROM bt.tpl t JOIN bt.key k USING (i) WHERE t.n = 19")
# render(): P5 is 5 simple substitutions (${env.name} and labels found at
# l2, l1, base and l1 again), R5 what it renders to in l2
P5='a${env.name}b${env.cell}c${env.team}d${env.owner}e${env.tier}'
R5='al2bc7cpaymentsdopsegold'

# ---------------------------------------------------------------------
# Correctness (not timed)
# ---------------------------------------------------------------------
cfg_log "checking that the templates render to the plain values"
check_out=$(psqlb -At -F' ' <<EOF
SET cfgmgr.cache = off;
SELECT 'resolve', cfgmgr.resolve('l2', 'svc_tpl', 'aws') = cfgmgr.resolve('l2', 'svc_plain', 'aws');
SELECT 'raw', (SELECT count(*) FROM bt.tpl t JOIN bt.key k USING (i)
				WHERE cfgmgr.resolve('l2', 'svc_tpl', 'aws', render => false) #>> string_to_array(k.path, '.') = t.template) = 20;
SELECT 'get', cfgmgr.get('l2', 'svc_tpl', '$get_path', 'aws') = '"http://svc-l2.c7.example.com:8080/"'
		  AND cfgmgr.get('l2', 'svc_plain', '$get_path', 'aws') = '"http://svc-l2.c7.example.com:8080/"';
SELECT 'gets', bool_and(cfgmgr.get('l2', 'svc_tpl', k.path::cfgmgr.cfgpath, 'aws') = cfgmgr.get('l2', 'svc_plain', k.path::cfgmgr.cfgpath, 'aws'))
  FROM bt.key k;
SELECT 'subs', cfgmgr.resolve('l2', 'subs_tpl', 'aws') = cfgmgr.resolve('l2', 'subs_plain', 'aws');
SELECT 'render', cfgmgr.render('a', 'l2', 'svc_tpl') = 'a'
			 AND cfgmgr.render('a\${env.name}', 'l2', 'svc_tpl') = 'al2'
			 AND cfgmgr.render(repeat('$P5', 2), 'l2', 'svc_tpl') = repeat('$R5', 2)
			 AND cfgmgr.render(repeat('$P5', 20), 'l2', 'svc_tpl') = repeat('$R5', 20);
SET cfgmgr.cache = on;
SELECT 'cached', cfgmgr.resolve('l2', 'svc_tpl', 'aws') = cfgmgr.resolve('l2', 'svc_plain', 'aws')
			 AND cfgmgr.resolve('l2', 'svc_tpl', 'aws') = cfgmgr.resolve('l2', 'svc_plain', 'aws');
EOF
) || { printf '%s\n' "$check_out" >&2; cfg_die "the correctness check failed to run"; }
check_ok=1
check_bad=$(awk '$2 != "t" {printf "%s ", $1}' <<<"$check_out")
[ "$(wc -l <<<"$check_out")" = 7 ] || check_bad+="(unexpected output: $check_out)"
if [ -n "$check_bad" ]; then
	check_ok=0
	cfg_log "correctness check: FAIL ($check_bad)"
else
	cfg_log "correctness check: PASS"
fi

# ---------------------------------------------------------------------
# Timing, in one backend
# ---------------------------------------------------------------------
# (what, cache on?, calls, query): each query makes `calls` calls in one
# statement (the server-side cost per call, no round trip)
queries=$(cat <<EOF
('resolve_plain', false, 2000, \$q\$SELECT count(cfgmgr.resolve('l2', 'svc_plain', 'aws')) FROM generate_series(1, 2000)\$q\$),
('resolve_tpl', false, 2000, \$q\$SELECT count(cfgmgr.resolve('l2', 'svc_tpl', 'aws')) FROM generate_series(1, 2000)\$q\$),
('resolve_plain_cached', true, 100000, \$q\$SELECT count(cfgmgr.resolve('l2', 'svc_plain', 'aws')) FROM generate_series(1, 100000)\$q\$),
('resolve_tpl_cached', true, 100000, \$q\$SELECT count(cfgmgr.resolve('l2', 'svc_tpl', 'aws')) FROM generate_series(1, 100000)\$q\$),
('get_plain', false, 5000, \$q\$SELECT count(cfgmgr.get('l2', 'svc_plain', '$get_path', 'aws')) FROM generate_series(1, 5000)\$q\$),
('get_tpl', false, 5000, \$q\$SELECT count(cfgmgr.get('l2', 'svc_tpl', '$get_path', 'aws')) FROM generate_series(1, 5000)\$q\$),
('get_common', false, 5000, \$q\$SELECT count(cfgmgr.get('l2', 'common', 'db.host', 'aws')) FROM generate_series(1, 5000)\$q\$),
('render_0', false, 100000, \$q\$SELECT count(cfgmgr.render('a', 'l2', 'svc_tpl')) FROM generate_series(1, 100000)\$q\$),
('render_1', false, 100000, \$q\$SELECT count(cfgmgr.render('a\${env.name}', 'l2', 'svc_tpl')) FROM generate_series(1, 100000)\$q\$),
('render_10', false, 100000, \$q\$SELECT count(cfgmgr.render(repeat('$P5', 2), 'l2', 'svc_tpl')) FROM generate_series(1, 100000)\$q\$),
('render_100', false, 20000, \$q\$SELECT count(cfgmgr.render(repeat('$P5', 20), 'l2', 'svc_tpl')) FROM generate_series(1, 20000)\$q\$),
('subs_plain', false, 2000, \$q\$SELECT count(cfgmgr.resolve('l2', 'subs_plain', 'aws')) FROM generate_series(1, 2000)\$q\$),
('subs_tpl', false, 2000, \$q\$SELECT count(cfgmgr.resolve('l2', 'subs_tpl', 'aws')) FROM generate_series(1, 2000)\$q\$)
EOF
)
cfg_log "timing: warm-up and $reps interleaved rounds"
{
	cat <<EOF
CREATE TEMP TABLE q (ord serial, what text, cache bool, calls int, sql text,
	setup text GENERATED ALWAYS AS ('SET cfgmgr.cache = ' || CASE WHEN cache THEN 'on' ELSE 'off' END) STORED);
INSERT INTO q (what, cache, calls, sql) VALUES
$queries;
EOF
	bench_rounds_sql "$reps" 1000 3
} >"$WORK/timing.sql"
bench_time "$WORK/timing.sql" psqlb

# ---------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------
calc() { awk "BEGIN {printf \"$1\", $2}" 2>/dev/null || echo -; }
have() { local w; for w in "$@"; do [ -n "${MED[$w]:-}" ] || return 1; done; }
meets() {	# value op target -> yes/NO/-
	[ "$1" = - ] || [ -z "$1" ] && { echo -; return; }
	awk -v v="$1" -v t="$3" -v o="$2" 'BEGIN {print ((o == "<=" ? v <= t : v >= t) ? "yes" : "NO")}'
}
# substitutions/s of render with k substitutions: gross (k / time per call)
# and net of the per-call overhead (k / (time - time of render_0))
subs_gross() { have "render_$1" && calc "%.0f" "$1 * 1e6 / ${MED[render_$1]}" || echo -; }
subs_net() { have "render_$1" render_0 && calc "%.0f" "$1 * 1e6 / (${MED[render_$1]} - ${MED[render_0]})" || echo -; }
r_resolve=$(have resolve_tpl resolve_plain && calc "%.2f" "${MED[resolve_tpl]} / ${MED[resolve_plain]}" || echo -)
r_cached=$(have resolve_tpl_cached resolve_plain_cached && calc "%.2f" "${MED[resolve_tpl_cached]} / ${MED[resolve_plain_cached]}" || echo -)
r_get=$(have get_tpl get_plain && calc "%.2f" "${MED[get_tpl]} / ${MED[get_plain]}" || echo -)
s_res_gross=$(have subs_tpl && calc "%.0f" "1000 * 1e6 / ${MED[subs_tpl]}" || echo -)
s_res_net=$(have subs_tpl subs_plain && calc "%.0f" "1000 * 1e6 / (${MED[subs_tpl]} - ${MED[subs_plain]})" || echo -)
s100=$(subs_net 100)
line() { printf '%-62s %12s %9s %5s\n' "$@"; }
report=$WORK/report.txt
{
	echo "cfgmgr template benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git -C "$CFG_ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$CFG_ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo '+uncommitted changes'), extension $EXT"
	echo "data set: bench/templates.sql; base -> l1 -> l2 (labels at each level, aws targets at l1 and l2, aws defaults), resolved for ('l2', aws);"
	echo "  svc_tpl and svc_plain: the same 100 keys section<1-5>.group<1-4>.key<1-5> at the same levels; 20 values of svc_tpl are templates"
	echo "  (5 references: 4 to svc_tpl, 1 to service common), svc_plain holds what they render to"
	echo "server: PostgreSQL $(psqlb -At -c 'SHOW server_version'), one core per query (no parallel workers), jit off; $(nproc) CPUs"
	echo "timing: one backend; each query makes many calls in one statement (SELECT count(f(...)) FROM generate_series(1, n)), clock_timestamp()"
	echo "  differences around EXECUTE divided by n; warm-up run of each, then $reps rounds alternating the order; medians"
	echo
	if [ "$check_ok" = 1 ]; then
		echo "correctness: PASS  resolve, get of every key, render => false, render() and the cached resolve agree with the plain values"
	else
		echo "correctness: FAIL  $check_bad"
	fi
	echo
	line "" "us per call" target met
	printf '%.0s-' {1..91}; echo
	line "resolve('l2', 'svc_plain', 'aws'), cache off" "${MED[resolve_plain]:-failed}" "" ""
	line "resolve('l2', 'svc_tpl', 'aws'), cache off" "${MED[resolve_tpl]:-failed}" "" ""
	line "  ratio templated / plain" "$r_resolve" "<= 1.5" "$(meets "$r_resolve" "<=" 1.5)"
	line "resolve, plain, cache on (a hit)" "${MED[resolve_plain_cached]:-failed}" "" ""
	line "resolve, templated, cache on (a hit)" "${MED[resolve_tpl_cached]:-failed}" "" ""
	line "  ratio templated / plain, cache on" "$r_cached" "" ""
	line "get('l2', <svc>, '$get_path', 'aws'), plain, cache off" "${MED[get_plain]:-failed}" "" ""
	line "get of the same path, templated (interpolated ref), cache off" "${MED[get_tpl]:-failed}" "" ""
	line "  ratio templated / plain" "$r_get" "" ""
	line "get('l2', 'common', 'db.host', 'aws'), cache off (information:" "${MED[get_common]:-failed}" "" ""
	line "  what the cross-service reference of svc_tpl resolves)" "" "" ""
	printf '%.0s-' {1..91}; echo
	line "" "us per call" "subst/s" "net"
	line "render('a', 'l2', 'svc_tpl'): no placeholder, per-call cost" "${MED[render_0]:-failed}" "" ""
	for k in 1 10 100; do
		line "render() of $k simple substitution(s)" "${MED[render_$k]:-failed}" "$(subs_gross $k)" "$(subs_net $k)"
	done
	line "resolve of subs_plain (100 values, no template)" "${MED[subs_plain]:-failed}" "" ""
	line "resolve of subs_tpl (100 values x 10 substitutions)" "${MED[subs_tpl]:-failed}" "$s_res_gross" "$s_res_net"
	echo "  subst/s: substitutions / time per call; net: substitutions / (time - the same call without them:"
	echo "  render_0 for render(), subs_plain for resolve); target >= 500,000 simple substitutions/s (net, 100 per render):" \
		"$(meets "$s100" ">=" 500000)"
	echo
	echo "raw us per call per round:"
	for w in resolve_plain resolve_tpl resolve_plain_cached resolve_tpl_cached get_plain get_tpl get_common \
		render_0 render_1 render_10 render_100 subs_plain subs_tpl; do
		printf '  %-21s %s\n' "$w" "${RUNS[$w]:-failed}"
	done
} >"$report"

echo
cat "$report"
mkdir -p "$BENCH_DIR/out"
out="$BENCH_DIR/out/templates-report.txt"
cp "$report" "$out"
cfg_log "report written to ${out#$CFG_ROOT/}"
[ "$check_ok" = 1 ] || exit 1
