#!/usr/bin/env bash
# test/suites/install_safety.sh - CREATE EXTENSION against objects and roles
# prepared in advance by a hostile user (issue 7, "extension security").
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported (a superuser); alone:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/install_safety.sh
#
# Each case prepares something in a fresh database (or on the shared roles,
# restored afterwards), runs CREATE EXTENSION and checks that it is refused
# with the expected message, then that a clean database installs.
# Prints one line per check and as its last line "N passed, N failed".
#
# Environment (all optional):
#   CFGMGR_EXTENSION   extension to create (default cfgmgr)
#   INSTALL_SAFETY_DB  database name (default cfgmgr_install_safety)
set -u

EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${INSTALL_SAFETY_DB:-cfgmgr_install_safety}
passed=0
failed=0

source "$(dirname "$0")/lib/suite.sh"
check_names "CFGMGR_EXTENSION and INSTALL_SAFETY_DB" "$EXT$DB"
need psql

SUITE_DROP_SQL="DROP ROLE IF EXISTS cfgmgr_evil_installer"
suite_db "$DB" "CREATE ROLE cfgmgr_evil_installer LOGIN"

# ensure the shared roles exist (another database may have made them)
psql -X -q -d postgres -c "SELECT 1" >/dev/null || die "cannot connect"
fresh() {
	psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" \
		-c "CREATE DATABASE $DB" >/dev/null || die "cannot create $DB"
}
# expect_refused WHAT PATTERN: CREATE EXTENSION fails with PATTERN in its message
expect_refused() {
	local out
	if out=$(psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -c "CREATE EXTENSION $EXT" 2>&1); then
		echo "FAIL: $1: the extension was created"
		failed=$((failed + 1))
	elif grep -q -- "$2" <<<"$out"; then
		echo "ok: $1"
		passed=$((passed + 1))
	else
		echo "FAIL: $1: unexpected error: $out"
		failed=$((failed + 1))
	fi
}

fresh
q -c "GRANT CREATE ON DATABASE $DB TO cfgmgr_evil_installer" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -U cfgmgr_evil_installer -c "CREATE SCHEMA cfgmgr" >/dev/null \
	|| die "cannot prepare the schema"
expect_refused "a schema cfgmgr prepared by another role" 'schema "cfgmgr" already exists and belongs to role "cfgmgr_evil_installer"'

fresh
q -c "CREATE SCHEMA cfgmgr" -c "CREATE TABLE cfgmgr.acl (role_id oid, privilege text)" \
  -c "INSERT INTO cfgmgr.acl VALUES ('cfgmgr_evil_installer'::regrole, 'admin')" >/dev/null
expect_refused "a table planted under one of the extension's names is not adopted" 'relation "acl" already exists'

# the shared roles: installed once so that they exist, then spoiled and restored
fresh
q -c "CREATE EXTENSION $EXT" >/dev/null || die "a clean database does not install"
echo "ok: a clean database installs"
passed=$((passed + 1))
fresh
psql -X -q -d postgres -c "ALTER ROLE cfgmgr_owner LOGIN" >/dev/null
expect_refused "cfgmgr_owner able to log in" 'role "cfgmgr_owner" exists with attributes'
psql -X -q -d postgres -c "ALTER ROLE cfgmgr_owner NOLOGIN" -c "GRANT cfgmgr_owner TO cfgmgr_evil_installer" >/dev/null
expect_refused "cfgmgr_owner with a member" 'role "cfgmgr_owner" exists with attributes'
psql -X -q -d postgres -c "REVOKE cfgmgr_owner FROM cfgmgr_evil_installer" -c "ALTER ROLE cfgmgr_owner BYPASSRLS" >/dev/null
expect_refused "cfgmgr_owner with BYPASSRLS" 'role "cfgmgr_owner" exists with attributes'
psql -X -q -d postgres -c "ALTER ROLE cfgmgr_owner NOBYPASSRLS" -c "ALTER ROLE cfgmgr_reader BYPASSRLS" >/dev/null
expect_refused "cfgmgr_reader with BYPASSRLS" 'role "cfgmgr_reader" exists as a superuser or with BYPASSRLS'
psql -X -q -d postgres -c "ALTER ROLE cfgmgr_reader NOBYPASSRLS" >/dev/null
fresh
if q -c "CREATE EXTENSION $EXT" >/dev/null; then
	echo "ok: restored roles install again"
	passed=$((passed + 1))
else
	echo "FAIL: restored roles do not install"
	failed=$((failed + 1))
fi
n=$(q -At -c "SELECT count(*) FROM pg_proc WHERE pronamespace = 'cfgmgr'::regnamespace AND prosecdef")
if [ "$n" = 0 ]; then
	echo "ok: no SECURITY DEFINER function"
	passed=$((passed + 1))
else
	echo "FAIL: $n SECURITY DEFINER functions"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
