# bench/lib.sh - helpers shared by the benchmark scripts.
#
# Sourced after scripts/lib.sh, not run.  Provides:
#   bench_start NAME [SETTING...]
#                            the set-up every benchmark shares: cfg_deps,
#                            bench_extension, a throw-away cluster with
#                            shared_buffers=512MB max_wal_size=4GB and the
#                            given postgres settings, a work directory
#                            WORK=/tmp/NAME.XXXXXX; on exit the sampler and
#                            the processes listed in BENCH_BG_PIDS are
#                            stopped, WORK and the cluster removed
#   bench_extension          EXT := $CFGMGR_EXTENSION (default cfgmgr); builds
#                            and installs cfgmgr (cfg_build_install) only when
#                            EXT is cfgmgr, otherwise uses that already
#                            installed private build (scripts/private-install.sh)
#   bench_sampler_start OUT [PID]
#                            start sampling, every ~50 ms, the RssAnon (kB) of
#                            backend PID, or without PID of every backend of
#                            database $DB; the highest value seen is kept in
#                            file OUT (0 until a backend is seen)
#   bench_sampler_stop       stop the sampler (safe to call when none runs)
#   bench_rss_kb PID         the current RssAnon (kB) of process PID
#   bench_elapsed_fn_sql     SQL creating pg_temp.elapsed_ms(q text): the
#                            milliseconds EXECUTE q takes, clock_timestamp()
#                            differences in the calling backend
#
# RssAnon is the anonymous resident memory of a process: what a backend
# palloc'd, its caches, its stack; not the shared buffers, which VmRSS and
# VmHWM also count (hundreds of MB on the large datasets).

bench_extension() {
	EXT=${CFGMGR_EXTENSION:-cfgmgr}
	case "$EXT" in *[!a-z0-9_]*) cfg_die "CFGMGR_EXTENSION must be a plain lowercase name" ;; esac
	if [ "$EXT" = cfgmgr ]; then
		cfg_build_install
	else
		cfg_log "using the installed extension $EXT"
	fi
}

BENCH_BG_PIDS=()
bench_start() {	# name [postgres settings...]
	local name=$1
	shift
	cd "$CFG_ROOT"
	cfg_deps
	bench_extension
	cfg_cluster_start shared_buffers=512MB max_wal_size=4GB "$@"
	WORK=$(mktemp -d "/tmp/$name.XXXXXX")
	chmod 755 "$WORK"
	trap bench_cleanup EXIT
}
bench_cleanup() {
	local p
	bench_sampler_stop
	for p in "${BENCH_BG_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	BENCH_BG_PIDS=()
	[ -n "${WORK:-}" ] && rm -rf "$WORK"
	cfg_cluster_stop
}

# The sampler loop uses only bash builtins, so it costs little CPU.
bench_sampler() {	# out [pid]
	local out=$1 pid=${2:-} pm max=0 kids c cmd k v _ fd
	pm=$(head -1 "$CFG_TMP/data/postmaster.pid")
	exec {fd}<> <(:)
	echo 0 >"$out"
	while :; do
		if [ -n "$pid" ]; then
			kids=("$pid")
		else
			kids=()
			read -r -a kids 2>/dev/null <"/proc/$pm/task/$pm/children" || true
		fi
		for c in "${kids[@]}"; do
			if [ -z "$pid" ]; then
				cmd=
				read -r -d '' cmd 2>/dev/null <"/proc/$c/cmdline" || true
				[[ $cmd == *" $DB "* ]] || continue
			fi
			while read -r k v _; do
				if [ "$k" = RssAnon: ]; then
					if [ "$v" -gt "$max" ]; then max=$v; echo "$max" >"$out"; fi
					break
				fi
			done 2>/dev/null <"/proc/$c/status" || true
		done
		read -r -t 0.05 -u "$fd" _ || true
	done
}

BENCH_SAMPLER_PID=
bench_sampler_start() {	# out [pid]
	local pm
	pm=$(head -1 "$CFG_TMP/data/postmaster.pid")
	[ -r "/proc/$pm/task/$pm/children" ] || cfg_die "/proc/<pid>/task/<pid>/children is not readable"
	bench_sampler "$@" &
	BENCH_SAMPLER_PID=$!
}
bench_sampler_stop() {
	if [ -n "$BENCH_SAMPLER_PID" ]; then
		kill "$BENCH_SAMPLER_PID" 2>/dev/null || true
		wait "$BENCH_SAMPLER_PID" 2>/dev/null || true
	fi
	BENCH_SAMPLER_PID=
}

bench_rss_kb() {	# pid
	sed -n 's/^RssAnon:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0
}

bench_elapsed_fn_sql() {
	cat <<'EOF'
CREATE FUNCTION pg_temp.elapsed_ms(q text) RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz;
BEGIN
	t0 := clock_timestamp();
	EXECUTE q;
	RETURN extract(epoch FROM clock_timestamp() - t0) * 1000;
END $$;
EOF
}

# The interleaved timing rounds as SQL for one backend.  Temp table q holds
# the queries (ord int, what text, sql text, calls int, setup text: a
# statement run before each timing of the query, or NULL); each runs once
# to warm up, then in REPS rounds, the order reversed every other round.
# Prints what|median|the per-round values, a value being the elapsed ms x
# SCALE / calls, rounded to DIGITS (the per-round ones to DIGITS - 1).
bench_rounds_sql() {	# reps scale digits
	bench_elapsed_fn_sql
	cat <<EOF
CREATE TEMP TABLE t (round int, what text, v float8);
DO \$\$
DECLARE
	w record;
BEGIN
	FOR w IN SELECT * FROM q ORDER BY ord LOOP		-- warm-up
		IF w.setup IS NOT NULL THEN EXECUTE w.setup; END IF;
		PERFORM pg_temp.elapsed_ms(w.sql);
	END LOOP;
	FOR r IN 1 .. $1 LOOP
		FOR w IN SELECT * FROM q ORDER BY CASE WHEN r % 2 = 1 THEN ord ELSE -ord END LOOP
			IF w.setup IS NOT NULL THEN EXECUTE w.setup; END IF;
			INSERT INTO t VALUES (r, w.what, pg_temp.elapsed_ms(w.sql) * $2 / w.calls);
		END LOOP;
	END LOOP;
END \$\$;
SELECT what, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY v)::numeric, $3),
	   string_agg(round(v::numeric, $3 - 1)::text, ' ' ORDER BY round)
  FROM t GROUP BY what;
EOF
}

# Run a timing script made with bench_rounds_sql through the psql command
# given; fills the associative arrays MED[what] and RUNS[what].
bench_time() {	# file psql-command...
	local f=$1 what med runs
	shift
	declare -gA MED=() RUNS=()
	while IFS='|' read -r what med runs; do
		MED[$what]=$med RUNS[$what]=$runs
	done < <("$@" -At -f "$f")
}
