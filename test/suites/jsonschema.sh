#!/usr/bin/env bash
# test/suites/jsonschema.sh - conformance run against the official JSON
# Schema Test Suite (draft 2020-12 and draft-07), through cfgmgr.is_valid.
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/jsonschema.sh
#
# What it does (psql and SQL only, no other dependency):
#   1. creates the database cfgmgr_conformance with CREATE EXTENSION cfgmgr
#      (dropped again at the end);
#   2. registers every file of remotes/ as a schema resource under
#      http://localhost:1234/<path> (no network);
#   3. loads every test file as json (jsonb cannot hold U+0000; tests whose
#      schema or data contain it are counted as skipped);
#   4. runs each test through cfgmgr.is_valid in one session per draft and
#      kind: draft-07 files with cfgmgr.schema_default_draft = '7'; required
#      tests (tests/<draft>/*.json) with cfgmgr.schema_format_assert = off,
#      optional/format/ with it on.  One CALL per file, each test guarded by
#      its own exception block (an error is a failure, its message printed);
#      a file whose session dies (timeout, crash) counts its missing tests as
#      failed and the run goes on in a new session;
#   5. prints a table per file (passed, failed, skipped), the failing
#      required tests, totals per draft, and as its last line
#      "N passed, N failed" for the REQUIRED tests only; optional tests are
#      reported separately and never count as failures.
# Exit status: non-zero when a required test failed or the run broke.
#
# Environment (all optional):
#   CFG_JSONSCHEMA_SUITE  the suite (default: <repo>/../shared/jsonschema-test-suite)
#   CFGMGR_EXTENSION      extension to create (default cfgmgr; private builds
#                         from scripts/private-install.sh use their own name)
#   CFG_CONFORMANCE_DB    database name (default cfgmgr_conformance)
#   CFG_CONFORMANCE_TIMEOUT  statement_timeout per file (default 120s)
set -u

REPO=$(cd "$(dirname "$0")/../.." && pwd)
SUITE=${CFG_JSONSCHEMA_SUITE:-$REPO/../shared/jsonschema-test-suite}
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${CFG_CONFORMANCE_DB:-cfgmgr_conformance}
TIMEOUT=${CFG_CONFORMANCE_TIMEOUT:-120s}
DRAFTS="draft2020-12 draft7"

die() {
	printf 'error: %s\n' "$*" >&2
	echo "0 passed, 1 failed"
	exit 1
}

for d in $DRAFTS; do
	[ -d "$SUITE/tests/$d" ] || die "JSON Schema Test Suite not found: no $SUITE/tests/$d (set CFG_JSONSCHEMA_SUITE)"
done
[ -d "$SUITE/remotes" ] || die "JSON Schema Test Suite incomplete: no $SUITE/remotes"
command -v psql >/dev/null || die "psql not found in PATH"
case "$EXT$DB" in *[!a-z0-9_]*) die "CFGMGR_EXTENSION and CFG_CONFORMANCE_DB must be plain lowercase names" ;; esac

started=$(date +%s)
work=$(mktemp -d /tmp/cfgmgr-conformance.XXXXXX)
cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT

q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB" \
	|| die "could not create database $DB"
q -c "CREATE EXTENSION $EXT" || die "CREATE EXTENSION $EXT failed"
# the run needs the engine's settings (defined when the library loads)
gucs=$(q -At -c "SELECT cfgmgr.is_valid('true', 'null')" \
	-c "SELECT count(*) FROM pg_catalog.pg_settings
		WHERE name IN ('cfgmgr.schema_default_draft', 'cfgmgr.schema_format_assert')") \
	|| die "cfgmgr.is_valid is not usable"
[ "$(echo "$gucs" | tail -n 1)" = 2 ] \
	|| die "settings cfgmgr.schema_default_draft / cfgmgr.schema_format_assert are not defined (CfgSchemaGucInit must run in _PG_init)"

# --- 1. tables and the per-file runner ----------------------------------------
q <<'SQL' || die "could not set up the conformance tables"
CREATE TABLE conformance_file (
	draft text, kind text, path text, doc json,
	PRIMARY KEY (draft, path));
CREATE TABLE conformance_started (draft text, path text, PRIMARY KEY (draft, path));
CREATE TABLE conformance_result (
	draft text, path text, gno bigint, tno bigint,
	status text CHECK (status IN ('pass', 'fail', 'skip')), message text,
	PRIMARY KEY (draft, path, gno, tno));

-- json operators refuse \u0000 escapes anywhere in a value they look into:
-- replace each (an escape: preceded by an even number of backslashes) by
-- three U+F8FF, which no test uses, and skip the tests that contain them.
CREATE FUNCTION conformance_denul(doc text) RETURNS json
LANGUAGE sql IMMUTABLE STRICT
RETURN regexp_replace(doc, '(?<!\\)((?:\\\\)*)\\u0000', '\1\\uf8ff\\uf8ff\\uf8ff', 'g')::json;

CREATE FUNCTION conformance_has_nul(v jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT
RETURN strpos(v::text, repeat(chr(63743), 3)) > 0;

CREATE TABLE conformance_remote (uri text PRIMARY KEY, doc jsonb, done boolean DEFAULT false, error text);

CREATE PROCEDURE conformance_register()
LANGUAGE plpgsql AS $reg$
DECLARE
	r record;
	progress boolean := true;
	err text;
BEGIN
	WHILE progress LOOP
		progress := false;
		FOR r IN SELECT uri, doc FROM conformance_remote WHERE NOT done ORDER BY uri LOOP
			BEGIN
				PERFORM cfgmgr.register_schema_resource(r.uri, r.doc);
				UPDATE conformance_remote SET done = true WHERE uri = r.uri;
				progress := true;
			EXCEPTION WHEN OTHERS THEN
				NULL;
			END;
		END LOOP;
		COMMIT;
	END LOOP;
	-- why the rest failed
	FOR r IN SELECT uri, doc FROM conformance_remote WHERE NOT done LOOP
		BEGIN
			PERFORM cfgmgr.register_schema_resource(r.uri, r.doc);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS err = PG_EXCEPTION_DETAIL;
			UPDATE conformance_remote SET error = concat_ws(': ', SQLERRM, err) WHERE uri = r.uri;
		END;
	END LOOP;
END
$reg$;

-- Run one file: every test in its own exception block; U+0000 -> skip.
CREATE PROCEDURE conformance_run(p_draft text, p_path text)
LANGUAGE plpgsql AS $run$
DECLARE
	doc json;
	g record;
	t record;
	s jsonb;
	d jsonb;
	ok boolean;
	st text;
	msg text;
BEGIN
	INSERT INTO conformance_started VALUES (p_draft, p_path);
	COMMIT;
	SELECT f.doc INTO doc FROM conformance_file f WHERE f.draft = p_draft AND f.path = p_path;
	FOR g IN SELECT value AS grp, ordinality AS gno FROM json_array_elements(doc) WITH ORDINALITY LOOP
		FOR t IN SELECT value AS test, ordinality AS tno
				 FROM json_array_elements(g.grp -> 'tests') WITH ORDINALITY LOOP
			msg := NULL;
			st := NULL;
			s := (g.grp -> 'schema')::jsonb;
			d := (t.test -> 'data')::jsonb;
			IF conformance_has_nul(s) OR conformance_has_nul(d) THEN
				st := 'skip';
				msg := 'U+0000 cannot be stored in jsonb';
			ELSE
				BEGIN
					ok := cfgmgr.is_valid(s, d);
					IF ok IS NOT DISTINCT FROM (t.test ->> 'valid')::boolean THEN
						st := 'pass';
					ELSE
						st := 'fail';
						msg := format('expected %s, got %s', t.test ->> 'valid', coalesce(ok::text, 'null'));
					END IF;
				EXCEPTION WHEN OTHERS THEN
					st := 'fail';
					msg := format('error %s: %s', SQLSTATE, SQLERRM);
				END;
			END IF;
			INSERT INTO conformance_result VALUES (p_draft, p_path, g.gno, t.tno, st, msg);
		END LOOP;
	END LOOP;
END
$run$;
SQL

# --- 2. load test files and remotes --------------------------------------------
# names go into SQL literals and psql backquotes: refuse anything unusual
safe_path() { case "$1" in *[!A-Za-z0-9_./-]*) return 1 ;; esac; }
case "$SUITE" in *"'"*) die "the suite path must not contain a single quote: $SUITE" ;; esac
load=$work/load.sql
: >"$load"
for d in $DRAFTS; do
	while IFS= read -r f; do
		rel=${f#"$SUITE/tests/$d/"}
		safe_path "$rel" || die "unexpected file name: $f"
		case "$rel" in
			optional/format/*) kind=format ;;
			optional/*) kind=optional ;;
			*) kind=required ;;
		esac
		printf '\\set doc `cat %s`\n' "'$f'" >>"$load"
		printf "INSERT INTO conformance_file VALUES ('%s', '%s', '%s', conformance_denul(:'doc'));\n" \
			"$d" "$kind" "$rel" >>"$load"
	done < <(find "$SUITE/tests/$d" -name '*.json' | LC_ALL=C sort)
done
while IFS= read -r f; do
	safe_path "${f#"$SUITE/remotes/"}" || die "unexpected file name: $f"
	printf '\\set doc `cat %s`\n' "'$f'" >>"$load"
	printf "INSERT INTO conformance_remote VALUES ('http://localhost:1234/%s', :'doc');\n" \
		"${f#"$SUITE/remotes/"}" >>"$load"
done < <(find "$SUITE/remotes" -name '*.json' | LC_ALL=C sort)
q -f "$load" || die "could not load the test files"
# Registration compiles a document, so one that references another remote
# must come after it: repeat passes while they make progress.  A remote that
# cannot be registered at all (e.g. a draft this engine does not implement)
# only fails the tests that need it.
q -c "CALL conformance_register()" || die "could not register the remotes"
q -At -c "SELECT format('%s remotes not registered (only tests that reference them can fail): %s', count(*), error)
	FROM conformance_remote WHERE NOT done GROUP BY error ORDER BY error"

# --- 3. run: one session per draft and kind (GUCs differ) ----------------------
for d in $DRAFTS; do
	for kind in required optional format; do
		tries=0
		while :; do
			files=$(psql -X -At -d "$DB" -c "SELECT f.path FROM conformance_file f
				WHERE f.draft = '$d' AND f.kind = '$kind' AND NOT EXISTS
				(SELECT 1 FROM conformance_started s WHERE s.draft = f.draft AND s.path = f.path)
				ORDER BY f.path") || { sleep 2; files=unknown; }
			[ -z "$files" ] && break
			tries=$((tries + 1))
			[ "$tries" -gt 20 ] && { echo "warning: giving up on $d $kind after $tries sessions"; break; }
			[ "$files" = unknown ] && continue
			{
				echo "SET statement_timeout = '$TIMEOUT';"
				[ "$d" = draft7 ] && echo "SET cfgmgr.schema_default_draft = '7';"
				if [ "$kind" = format ]; then
					echo "SET cfgmgr.schema_format_assert = on;"
				else
					echo "SET cfgmgr.schema_format_assert = off;"
				fi
				for f in $files; do echo "CALL conformance_run('$d', '$f');"; done
			} >"$work/run.sql"
			# without ON_ERROR_STOP: a file that times out does not stop the others
			psql -X -q -d "$DB" -f "$work/run.sql" >>"$work/run.out" 2>&1 || sleep 2
		done
	done
done
grep -E 'ERROR|FATAL|server closed|terminated' "$work/run.out" 2>/dev/null | sort | uniq -c | head -n 20

# --- 4. report --------------------------------------------------------------------
q -At <<'SQL' >"$work/report.txt" || die "could not produce the report"
CREATE TEMP TABLE r AS
SELECT f.draft, f.kind, f.path, g.ordinality AS gno, t.ordinality AS tno,
	   g.value ->> 'description' AS gdesc, t.value ->> 'description' AS tdesc,
	   coalesce(res.status, 'fail') AS status,
	   CASE WHEN res.status IS NULL THEN 'not run: its session ended early (timeout or crash)'
			ELSE res.message END AS message
FROM conformance_file f
CROSS JOIN LATERAL json_array_elements(f.doc) WITH ORDINALITY g
CROSS JOIN LATERAL json_array_elements(g.value -> 'tests') WITH ORDINALITY t
LEFT JOIN conformance_result res
	ON res.draft = f.draft AND res.path = f.path AND res.gno = g.ordinality AND res.tno = t.ordinality;

SELECT line FROM (
	SELECT 1 AS sec, '' AS k1, '' AS k2, 0 AS k3,
		   format('%-56s %6s %6s %7s', 'REQUIRED file', 'passed', 'failed', 'skipped') AS line
	UNION ALL
	SELECT 2, draft, path, 0, format('%-56s %6s %6s %7s', draft || '/' || path,
		   count(*) FILTER (WHERE status = 'pass'), count(*) FILTER (WHERE status = 'fail'),
		   count(*) FILTER (WHERE status = 'skip'))
	FROM r WHERE kind = 'required' GROUP BY draft, path
	UNION ALL
	SELECT 3, '', '', 0, E'\nREQUIRED failures'
	WHERE EXISTS (SELECT 1 FROM r WHERE kind = 'required' AND status = 'fail')
	UNION ALL
	SELECT 4, draft, path, (gno * 1000 + tno)::int,
		   format('  %s/%s: %s / %s: %s', draft, path, gdesc, tdesc, message)
	FROM r WHERE kind = 'required' AND status = 'fail'
	UNION ALL
	SELECT 5, '', '', 0,
		   format(E'\n%-56s %6s %6s %7s', 'OPTIONAL file (reported only)', 'passed', 'failed', 'skipped')
	UNION ALL
	SELECT 6, draft, path, 0, format('%-56s %6s %6s %7s', draft || '/' || path,
		   count(*) FILTER (WHERE status = 'pass'), count(*) FILTER (WHERE status = 'fail'),
		   count(*) FILTER (WHERE status = 'skip'))
	FROM r WHERE kind <> 'required' GROUP BY draft, path
	UNION ALL
	SELECT 7, '', '', 0, E'\nTOTALS'
	UNION ALL
	SELECT 8, draft, kind, 0, format('%-13s %-9s %5s passed, %4s failed, %3s skipped', draft,
		   CASE WHEN kind = 'a' THEN 'required' ELSE 'optional' END,
		   count(*) FILTER (WHERE status = 'pass'), count(*) FILTER (WHERE status = 'fail'),
		   count(*) FILTER (WHERE status = 'skip'))
	FROM (SELECT draft, CASE WHEN kind = 'required' THEN 'a' ELSE 'b' END AS kind, status FROM r) x
	GROUP BY draft, kind
) lines
ORDER BY sec, k1, k2, k3;

SELECT format('%s passed, %s failed',
			  count(*) FILTER (WHERE status = 'pass'), count(*) FILTER (WHERE status = 'fail'))
FROM r WHERE kind = 'required';
SQL
echo "conformance run took $(($(date +%s) - started))s"
cat "$work/report.txt"
last=$(tail -n 1 "$work/report.txt")
case "$last" in *" 0 failed") exit 0 ;; *) exit 1 ;; esac
