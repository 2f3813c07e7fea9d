#!/usr/bin/env bash
# test/suites/secret_log.sh - no secret reaches the server log.  Secrets
# are passed as bind parameters (pgbench -M extended and -M prepared,
# loaded with \setshell) to cfgmgr.set(..., secret => true) calls that
# fail (unknown environment) and that succeed; then errors cfgmgr raises
# while handling secrets (a key file with mode 0644, another key, a
# ciphertext swapped between two paths).  The server log is grepped for
# the plaintexts, with the default logging (log_min_error_statement =
# error: a failing statement's text is logged, its parameters are not)
# and with log_statement = all (parameters hidden by
# log_parameter_max_length = 0, as doc/secrets.md advises).  A positive
# control proves the grep finds a plaintext that is in the log: a failing
# statement carrying its value as a literal.
#
# Needs its own server log, so it starts a throw-away cluster of its own
# (scripts/lib.sh) with the installed extension CFGMGR_EXTENSION (default
# cfgmgr); run by scripts/test.sh, or alone:
#
#   CFGMGR_EXTENSION=cfgmgr_alice bash test/suites/secret_log.sh
#
# Prints "N passed, N failed" last; exit status non-zero on a failure.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
EXT=${CFGMGR_EXTENSION:-cfgmgr}
passed=0
failed=0

source "$HERE/lib/suite.sh"
check_names CFGMGR_EXTENSION "$EXT"
source "$HERE/../../scripts/lib.sh"
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
[ -x "$PG_CONFIG" ] || PG_CONFIG=$(command -v pg_config)
CFG_PGBIN=$("$PG_CONFIG" --bindir)
PGBENCH=$CFG_PGBIN/pgbench
[ -x "$PGBENCH" ] || die "pgbench not found in $CFG_PGBIN"
need psql

check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "FAIL - $name"
	fi
}

cfg_cluster_start log_min_error_statement=error >/dev/null 2>&1 || die "could not start a cluster"
LOG=$CFG_TMP/server.log
WORK=$CFG_TMP/work
mkdir -p "$WORK"
chmod 777 "$WORK"
DB=cfgmgr_secret_log
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

# distinct plaintexts, random per run: 15-digit numbers (pgbench's
# \setshell loads integers), the variable part of each secret
canary() { printf '%d%05d%05d%04d' $((RANDOM % 9 + 1)) $RANDOM $RANDOM $((RANDOM % 10000)); }
CANARY_FAIL=$(canary)
CANARY_OK=$(canary)
CANARY_ALL=$(canary)
CANARY_BADKEY=$(canary)
CANARY_LITERAL=$(canary)
in_log() { grep -qF -- "$1" "$LOG"; }
not_in_log() { ! grep -qF -- "$1" "$LOG"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE $DB" || die "could not create $DB"
q <<EOF >/dev/null || die "set-up failed"
CREATE EXTENSION $EXT;
SELECT cfgmgr.create_environment('log_env'), cfgmgr.create_environment('log_two'), cfgmgr.create_service('log_svc');
COPY (SELECT encode(sha256('secret_log key 1'), 'hex')) TO '$WORK/k1.key';
COPY (SELECT encode(sha256('secret_log key 2'), 'hex')) TO '$WORK/k2.key';
COPY (SELECT encode(sha256('secret_log key 1'), 'hex')) TO '$WORK/open.key';
COPY (SELECT 1) TO PROGRAM 'chmod 600 $WORK/k1.key $WORK/k2.key && chmod 644 $WORK/open.key';
ALTER DATABASE $DB SET cfgmgr.key_file = '$WORK/k1.key';
EOF

# pgbench scripts: the plaintext's variable part comes from \setshell and
# travels as $1
script() { # script FILE ENV PATH CANARY
	cat >"$1" <<EOF
\\setshell pw echo $4
SELECT cfgmgr.set('$2', 'log_svc', '$3', to_jsonb('s3cret-' || :pw), secret => true);
EOF
}
bench() { # bench MODE SCRIPT: run it 3 times (its failures are expected)
	"$PGBENCH" -n -M "$1" -t 3 -f "$2" "$DB" >"$WORK/pgbench.out" 2>&1
	[ -n "${SECRET_LOG_DEBUG:-}" ] && cat "$WORK/pgbench.out"
	return 0
}

# --- default logging: a failing statement's text is logged, not its parameters
script "$WORK/fail.sql" no_such_env db.password "$CANARY_FAIL"
script "$WORK/ok.sql" log_env db.password "$CANARY_OK"
for mode in extended prepared; do
	bench "$mode" "$WORK/fail.sql"
	bench "$mode" "$WORK/ok.sql"
done
check "the failing secret writes were logged as errors" in_log 'environment "no_such_env" does not exist'
check "... with their statement text" in_log "STATEMENT:  SELECT cfgmgr.set('no_such_env'"
check "the plaintext of the failing write is not in the log" not_in_log "$CANARY_FAIL"
check "the succeeding write stored the secret" \
	test "$(q -Atc "SELECT value::text || secret::text FROM cfgmgr.entry WHERE path::text = 'db.password'")" = '"********"true'
check "the plaintext of the succeeding write is not in the log" not_in_log "$CANARY_OK"

# --- positive control: a plaintext in the statement text is logged
q -c "SELECT cfgmgr.set('no_such_env', 'log_svc', 'x', '\"$CANARY_LITERAL\"', secret => true)" >/dev/null 2>&1
check "control: a failing statement's literal does reach the log (so the greps can fail)" in_log "$CANARY_LITERAL"

# --- log_statement = all, parameters hidden
psql -X -q -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" \
	-c "ALTER SYSTEM SET log_parameter_max_length = 0" -c "SELECT pg_reload_conf()" >/dev/null
sleep 1
script "$WORK/all_fail.sql" no_such_env db.password "$CANARY_ALL"
script "$WORK/all_ok.sql" log_env api.token "$CANARY_ALL"
for mode in extended prepared; do
	bench "$mode" "$WORK/all_fail.sql"
	bench "$mode" "$WORK/all_ok.sql"
done
check "log_statement = all logged the executions" in_log "cfgmgr.set('log_env', 'log_svc', 'api.token'"
check "with log_statement = all and log_parameter_max_length = 0 no plaintext is logged" not_in_log "$CANARY_ALL"
check "log_parameter_max_length_on_error is 0 (parameters of failing statements not logged)" \
	test "$(q -Atc 'SHOW log_parameter_max_length_on_error')" = 0

# --- errors raised by cfgmgr while handling secrets
q -c "ALTER DATABASE $DB SET cfgmgr.key_file = '$WORK/open.key'" >/dev/null
script "$WORK/badkey.sql" log_env db.other "$CANARY_BADKEY"
bench extended "$WORK/badkey.sql"
check "a key file with mode 0644: CM014 logged" in_log 'has group or world access'
check "... without the plaintext being written" not_in_log "$CANARY_BADKEY"
check "... nor the key file's content" not_in_log "$(q -Atc "SELECT encode(sha256('secret_log key 1'), 'hex')")"

q -c "ALTER DATABASE $DB SET cfgmgr.key_file = '$WORK/k1.key'" >/dev/null
script "$WORK/two.sql" log_two db.password "${CANARY_OK}9"
bench extended "$WORK/two.sql"
q -c "SET cfgmgr.key_file = '$WORK/k2.key'" -c "SELECT * FROM cfgmgr.drift('log_env', 'log_two')" >/dev/null 2>&1
check "another key: CM014 logged" in_log 'was encrypted with another key'
q <<EOF >/dev/null 2>&1
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.entry SET ciphertext = (SELECT ciphertext FROM cfgmgr.entry WHERE path::text = 'api.token')
 WHERE path::text = 'db.password' AND env_id = cfgmgr.environment_id('log_env');
SET LOCAL session_replication_role = origin;
SELECT * FROM cfgmgr.drift('log_env', 'log_two');
COMMIT;
EOF
check "a swapped ciphertext: data_corrupted logged" in_log 'could not be decrypted'
check "no error of cfgmgr printed a stored plaintext" not_in_log "$CANARY_OK"
check "no ciphertext bytes were printed" not_in_log "$(q -Atc "SELECT encode(substr(ciphertext, 10, 12), 'hex') FROM cfgmgr.entry WHERE path::text = 'api.token'")"

psql -X -q -d postgres -c "DROP DATABASE $DB" >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
