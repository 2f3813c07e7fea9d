# test/suites/lib/suite.sh - set-up shared by the suites of test/suites
# (sourced, not run: scripts/test.sh runs test/suites/*.sh only).
#
#   die MESSAGE                  print it, then the "N passed, N failed" line
#                                (with one more failure) and exit 1
#   check_names WHAT STRING      STRING must be lowercase letters, digits, "_"
#   check_count NAME VALUE       a positive integer
#   check_seed NAME VALUE        a setseed() value in [-1, 1]
#   need COMMAND...              each must be in PATH
#   suite_db DB [SQL...]         (re)create database DB, then run each SQL in
#                                database postgres; DB (and SUITE_DROP_SQL,
#                                when set) is dropped on exit
#   q ARGS...                    psql in that database, stopping on errors

die() {
	printf 'error: %s\n' "$*" >&2
	echo "${passed:-0} passed, $((${failed:-0} + 1)) failed"
	exit 1
}

check_names() {
	case "$2" in *[!a-z0-9_]*) die "$1 must be plain lowercase names" ;; esac
}

check_count() {
	[[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 must be a positive integer"
}

check_seed() {
	[[ $2 =~ ^-?(0|1)?(\.[0-9]+)?$ ]] || die "$1 must be a number in [-1, 1]"
}

need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null || die "$c not found in PATH"
	done
}

suite_cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $SUITE_DB" \
		${SUITE_DROP_SQL:+-c "$SUITE_DROP_SQL"} >/dev/null 2>&1
}

suite_db() {
	local sql=() s
	SUITE_DB=$1
	shift
	for s in "$@"; do sql+=(-c "$s"); done
	trap suite_cleanup EXIT
	psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
		-c "DROP DATABASE IF EXISTS $SUITE_DB" ${SUITE_DROP_SQL:+-c "$SUITE_DROP_SQL"} \
		-c "CREATE DATABASE $SUITE_DB" "${sql[@]}" >/dev/null
}

q() {
	psql -X -q -v ON_ERROR_STOP=1 -d "$SUITE_DB" "$@"
}

# Check cases 1..NCASES in chunks of CHUNK, JOBS chunks at a time, each in
# one transaction: CALL PROC(first, last[, EXTRA]).  A chunk that breaks off
# (a backend that dies loses that chunk only) is reported, and its cases
# stay unchecked: the suites count them as failed.
run_chunks() {	# ncases chunk jobs proc [extra-argument-sql]
	local n=$1 chunk=$2 jobs=$3 proc=$4 extra=${5:+, $5} first running=0
	for ((first = 1; first <= n; first += chunk)); do
		( q -c "CALL $proc($first, $((first + chunk - 1))$extra)" \
			|| echo "error: checking cases $first..$((first + chunk - 1)) broke off" ) &
		running=$((running + 1))
		if [ "$running" -ge "$jobs" ]; then
			wait -n
			running=$((running - 1))
		fi
	done
	wait
}
