#!/usr/bin/env bash
# bench/audit.sh - audit overhead benchmark: TPS of cfgmgr.set with the
# audit trigger of cfgmgr.entry enabled against the same with it disabled
# (see bench/README.md, "Audit benchmark").
#
#   bench/audit.sh [--duration N] [--reps N] [--clients N]
#   make bench-audit         (options through BENCH_DURATION=N BENCH_REPS=N BENCH_CLIENTS=N)
#
#   --duration N   seconds of every pgbench run (default 5)
#   --reps N       interleaved rounds, medians reported (default 3)
#   --clients N    pgbench -c N -j N (default 1)
#
# Builds and installs the extension (or, with CFGMGR_EXTENSION=name, uses
# that already installed private build, see scripts/private-install.sh),
# starts a throw-away cluster (removed on exit) and, in its own database,
# stores 1,000 keys, then runs pgbench -M prepared on one-statement
# transactions cfgmgr.set(random key, random value), in rounds alternating
# the order of "audited" and "not audited" (ALTER TABLE cfgmgr.entry
# DISABLE TRIGGER zz_audit: done only here, in the bench's throw-away
# database).  The rounds run twice: with synchronous_commit on (the default,
# a WAL flush per commit) and off (the CPU cost of the audit shows fully).
# Checks that audited runs wrote one audit record per transaction,
# unaudited runs none, and that cfgmgr.verify_audit() is ok at the end.
# Prints the report and writes it to bench/out/audit-report.txt.
# Exit status: non-zero when a check fails.
set -eu

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$BENCH_DIR/../scripts/lib.sh"
source "$BENCH_DIR/lib.sh"

duration=${BENCH_DURATION:-5}
reps=${BENCH_REPS:-3}
clients=${BENCH_CLIENTS:-1}
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
		--clients) clients=${2:?}; shift ;;
		--clients=*) clients=${1#*=} ;;
		-h|--help) usage 0 ;;
		*) echo "unknown option: $1" >&2; usage 2 >&2 ;;
	esac
	shift
done
for v in "$duration" "$reps" "$clients"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || cfg_die "--duration, --reps and --clients take positive integers"
done
DB=bench_audit

bench_start cfgaudit
psqlb() { cfg_psql -d "$DB" "$@"; }

createdb "$DB"
psqlb -c "CREATE EXTENSION $EXT" >/dev/null
psqlb -At -c "SELECT to_regprocedure('cfgmgr.verify_audit(bigint,bytea)') IS NOT NULL" | grep -q t \
	|| cfg_die "this build of cfgmgr has no audit log"
psqlb >/dev/null <<'SQL'
SELECT cfgmgr.create_service('bsvc');
SELECT cfgmgr.create_environment('benv');
SELECT cfgmgr.set_many('benv', 'bsvc', (SELECT jsonb_object_agg('k' || i, i) FROM generate_series(1, 1000) i));
VACUUM ANALYZE;
SQL
cat >"$WORK/set.sql" <<'SQL'
\set k random(1, 1000)
\set v random(1, 1000000)
SELECT cfgmgr.set('benv', 'bsvc', ('k' || :k)::cfgmgr.cfgpath, :v::text::jsonb);
SQL
chmod 644 "$WORK/set.sql"

records() { psqlb -At -c "SELECT count(*) FROM cfgmgr.audit_log"; }
# run audited|plain on|off: appends the TPS to RUNS[mode.sync] (unless a
# warm-up) and checks the records written
check_ok=1 check_detail=
declare -A RUNS=()
run() {
	local mode=$1 sync=$2 warmup=${3:-} before after out tps xacts
	if [ "$mode" = audited ]; then
		psqlb -c "ALTER TABLE cfgmgr.entry ENABLE TRIGGER zz_audit" >/dev/null
	else
		psqlb -c "ALTER TABLE cfgmgr.entry DISABLE TRIGGER zz_audit" >/dev/null
	fi
	before=$(records)
	out=$(PGOPTIONS="-c synchronous_commit=$sync" pgbench -n -M prepared -c "$clients" -j "$clients" \
		-T "$duration" -f "$WORK/set.sql" "$DB" 2>&1) || { printf '%s\n' "$out" >&2; cfg_die "pgbench failed"; }
	after=$(records)
	tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' <<<"$out")
	xacts=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
	[ -n "$tps" ] && [ -n "$xacts" ] || { printf '%s\n' "$out" >&2; cfg_die "unexpected pgbench output"; }
	if [ "$mode" = audited ] && [ $((after - before)) -ne "$xacts" ]; then
		check_ok=0 check_detail+="  audited run: $xacts transactions, $((after - before)) audit records"$'\n'
	elif [ "$mode" = plain ] && [ "$after" -ne "$before" ]; then
		check_ok=0 check_detail+="  unaudited run wrote $((after - before)) audit records"$'\n'
	fi
	[ -n "$warmup" ] || RUNS[$mode.$sync]="${RUNS[$mode.$sync]:-} $tps"
}
median() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for sync in on off; do
	cfg_log "synchronous_commit=$sync: warm-up, then $reps interleaved rounds of ${duration}s per mode, $clients client(s)"
	run audited "$sync" warmup
	run plain "$sync" warmup
	for r in $(seq 1 "$reps"); do
		if [ $((r % 2)) -eq 1 ]; then order="plain audited"; else order="audited plain"; fi
		for m in $order; do
			run "$m" "$sync"
		done
	done
done
psqlb -c "ALTER TABLE cfgmgr.entry ENABLE TRIGGER zz_audit" >/dev/null
verify=$(psqlb -At -F' ' -c "SELECT ok, coalesce(first_bad_id::text, '-'), checked FROM cfgmgr.verify_audit()")
case $verify in t\ *) ;; *) check_ok=0 check_detail+="  verify_audit: $verify"$'\n' ;; esac

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
meets() { awk -v v="$1" -v t="$2" 'BEGIN {print (v >= t) ? "yes" : "NO"}'; }
line() { printf '%-52s %10s %8s %6s\n' "$@"; }
report=$WORK/report.txt
{
	echo "cfgmgr audit benchmark  $(date -u '+%Y-%m-%d %H:%M UTC')  commit $(git -C "$CFG_ROOT" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$CFG_ROOT" diff --quiet HEAD -- src sql 2>/dev/null || echo '+uncommitted changes'), extension $EXT"
	echo "workload: pgbench -M prepared -c $clients -j $clients -T $duration, one cfgmgr.set of a random key among 1,000 (an update) per transaction"
	echo "server: PostgreSQL $(psqlb -At -c 'SHOW server_version'), shared_buffers=512MB, fsync on; $(nproc) CPUs; warm-up run of each mode, then $reps rounds alternating the order; medians"
	echo
	if [ "$check_ok" = 1 ]; then
		echo "checks: PASS  one audit record per audited transaction, none when disabled; verify_audit ok over $(awk '{print $3}' <<<"$verify") records"
	else
		echo "checks: FAIL"
		printf '%s' "$check_detail"
	fi
	echo
	line "" "median TPS" target met
	printf '%.0s-' {1..80}; echo
	for sync in on off; do
		a=$(median <<<"${RUNS[audited.$sync]}")
		p=$(median <<<"${RUNS[plain.$sync]}")
		rt=$(ratio "$a" "$p")
		line "synchronous_commit=$sync: set, audit trigger disabled" "$p" "" ""
		line "synchronous_commit=$sync: set, audited" "$a" "" ""
		line "synchronous_commit=$sync: ratio audited / not audited" "$rt" ">= 0.5" "$(meets "$rt" 0.5)"
	done
	printf '%.0s-' {1..80}; echo
	echo "TPS per round:"
	for k in plain.on audited.on plain.off audited.off; do printf '  %-12s %s\n' "$k" "${RUNS[$k]# }"; done
} >"$report"

echo
cat "$report"
mkdir -p "$BENCH_DIR/out"
cp "$report" "$BENCH_DIR/out/audit-report.txt"
cfg_log "report written to bench/out/audit-report.txt"
[ "$check_ok" = 1 ]
