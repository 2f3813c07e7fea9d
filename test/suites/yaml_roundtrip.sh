#!/usr/bin/env bash
# test/suites/yaml_roundtrip.sh - property test of cfgmgr.export_yaml and
# cfgmgr.import_yaml: exporting a stored configuration and importing it back
# changes nothing.
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/yaml_roundtrip.sh
#
# A generator in PL/pgSQL (yaml_roundtrip/generator.sql, random() after a
# fixed setseed, so every run checks the same cases) fills one environment
# per case through cfgmgr.set and cfgmgr.unset(block => true): values at
# 1-4-label paths (labels such as "true", "123", "---", 255 characters),
# paths below other stored paths, tombstones, provider-qualified (aws)
# values; values are strings with quotes, colons, "#", newlines, tabs,
# control characters, U+0085/U+2028/U+FEFF/U+FFFE, unicode, numbers and
# YAML 1.1/1.2 keywords written as strings ("yes", "null", "0x1F", ".inf"),
# 1100-character strings, numbers (big, decimal, exponents, trailing
# zeros), booleans, null, nested objects (keys that are labels, dotted
# paths or any string, 1100-character keys), arrays of mixed things, empty
# objects and arrays.  yaml_roundtrip/check.sql then checks, for each case
# and for the neutral and the aws qualifier:
#   1. import_yaml(export_yaml(resolved => false), replace => true) returns
#      NULL (nothing changed), writes no history, changes no entry;
#   2. a second export gives the same bytes;
#   3. importing the export into an empty environment stores exactly the
#      same entries, which export to the same bytes;
#   4. importing the resolved export into an empty environment resolves to
#      the same document.
#
# Prints every failure and as its last line "N passed, N failed" (N =
# cases; a case fails when any check fails).  Exit status non-zero on a
# failure.
#
# Environment (all optional):
#   YAML_ROUNDTRIP_CASES  number of generated configurations (default 1200)
#   YAML_ROUNDTRIP_SEED   setseed() value in [-1, 1] (default 0.2718)
#   CFGMGR_EXTENSION      extension to create (default cfgmgr)
#   YAML_ROUNDTRIP_DB     database name (default cfgmgr_yaml_roundtrip)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
NCASES=${YAML_ROUNDTRIP_CASES:-1200}
SEED=${YAML_ROUNDTRIP_SEED:-0.2718}
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${YAML_ROUNDTRIP_DB:-cfgmgr_yaml_roundtrip}
MIN_CASES=1000

source "$HERE/lib/suite.sh"
check_names "CFGMGR_EXTENSION and YAML_ROUNDTRIP_DB" "$EXT$DB"
check_count YAML_ROUNDTRIP_CASES "$NCASES"
check_seed YAML_ROUNDTRIP_SEED "$SEED"
need psql

started=$(date +%s)
suite_db "$DB" || die "could not create database $DB"
q -c "CREATE EXTENSION $EXT" || die "CREATE EXTENSION $EXT failed"
q -f "$HERE/yaml_roundtrip/generator.sql" >/dev/null || die "loading the generator failed"
q -f "$HERE/yaml_roundtrip/check.sql" >/dev/null || die "loading the checker failed"
q -c "CALL yr.generate($NCASES, $SEED)" || die "generating the cases failed"
ncases=$(q -At -c "SELECT count(*) FROM yr.cases") || die "no cases"
[ "$NCASES" -lt "$MIN_CASES" ] || [ "$ncases" -ge "$MIN_CASES" ] \
	|| die "only $ncases cases generated (at least $MIN_CASES wanted)"

# check in chunks, one transaction each (a backend that dies loses a chunk
# only; the cases without a checked row are counted as failed below)
chunk=200
for ((first = 1; first <= ncases; first += chunk)); do
	q -c "CALL yr.check($first, $((first + chunk - 1)))" \
		|| echo "error: checking cases $first..$((first + chunk - 1)) broke off"
done

# failures, the first 20 in full
q -At <<'SQL'
SELECT format(E'FAIL case %s: %s\n  operations: %s\n%s', f.case_id, f.what, c.ops::text,
			  regexp_replace(left(coalesce(f.detail, ''), 4000), '^', '  | ', 'gn'))
  FROM yr.failure f JOIN yr.cases c ON c.id = f.case_id
 ORDER BY f.case_id, f.what LIMIT 20;
SELECT format('(%s more failures not shown)', count(*) - 20) FROM yr.failure HAVING count(*) > 20;
SELECT format('FAIL case %s: not checked (its chunk broke off)', c.id)
  FROM yr.cases c WHERE NOT EXISTS (SELECT FROM yr.checked k WHERE k.case_id = c.id)
 ORDER BY c.id;
SQL

# summary
q -At <<'SQL'
SELECT format('%s cases, %s stored entries (%s tombstones, %s aws-qualified, %s objects), %s checks',
			  (SELECT count(*) FROM yr.cases), count(*), count(*) FILTER (WHERE tombstone),
			  count(*) FILTER (WHERE provider IS NOT NULL), count(*) FILTER (WHERE jsonb_typeof(value) = 'object'),
			  (SELECT sum(checks) FROM yr.checked))
  FROM cfgmgr."values" WHERE service = 'yr' AND environment LIKE 'yr\_%';
SQL
read -r passed failed < <(q -At -F' ' -c "
	SELECT count(*) FILTER (WHERE k.case_id IS NOT NULL AND NOT EXISTS (SELECT FROM yr.failure f WHERE f.case_id = c.id)),
		   count(*) FILTER (WHERE k.case_id IS NULL OR EXISTS (SELECT FROM yr.failure f WHERE f.case_id = c.id))
	  FROM yr.cases c LEFT JOIN yr.checked k ON k.case_id = c.id") || die "could not count the results"
echo "seed $SEED, $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
