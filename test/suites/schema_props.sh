#!/usr/bin/env bash
# test/suites/schema_props.sh - property-based tests of the JSON Schema
# validator (cfgmgr.is_valid, cfgmgr.validate_document).
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/schema_props.sh
#
# A generator in PL/pgSQL (schema_props/generator.sql, random() after a
# fixed setseed, so every run checks the same cases) builds random schemas:
# integer and number ranges (exclusive bounds, multipleOf, values beyond
# 2^53 and 2^63), strings (minLength/maxLength in code points, patterns from
# a fixed set), booleans, null, enum, const, type lists, true; objects
# (properties, required, additionalProperties false, dependentRequired,
# minProperties, maxProperties, propertyNames, a property whose schema is
# false; names that need JSON pointer escaping); arrays (items,
# minItems/maxItems, uniqueItems, prefixItems with items false, contains
# with minContains/maxContains); allOf, anyOf, oneOf, not, if/then/else,
# $ref to $defs; nested up to 4 levels.  For each schema it builds documents
# valid by construction and mutations of them that break exactly one
# constraint, with the keyword and instance path the violation must be
# reported at.  schema_props/check.sql checks every case (verdict,
# is_valid = no rows of validate_document, the reported violation) and the
# invariants true / false / not / allOf [s, s] / anyOf [s, false] /
# oneOf [s, s] / if s then true else false.
#
# Prints every failure (schema, document, expected, got) and as its last
# line "N passed, N failed" (N = cases: a case fails when any of its
# assertions fails).  Exit status non-zero on a failure.
#
# Environment (all optional):
#   SCHEMA_PROPS_SCHEMAS  number of generated schemas (default 400)
#   SCHEMA_PROPS_SEED     setseed() value in [-1, 1] (default 0.4242)
#   CFGMGR_EXTENSION      extension to create (default cfgmgr)
#   SCHEMA_PROPS_DB       database name (default cfgmgr_schema_props)
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
NSCHEMAS=${SCHEMA_PROPS_SCHEMAS:-400}
SEED=${SCHEMA_PROPS_SEED:-0.4242}
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${SCHEMA_PROPS_DB:-cfgmgr_schema_props}
MIN_CASES=2000

source "$HERE/lib/suite.sh"
check_names "CFGMGR_EXTENSION and SCHEMA_PROPS_DB" "$EXT$DB"
check_count SCHEMA_PROPS_SCHEMAS "$NSCHEMAS"
check_seed SCHEMA_PROPS_SEED "$SEED"
need psql

started=$(date +%s)
suite_db "$DB" || die "could not create database $DB"
q -c "CREATE EXTENSION $EXT" || die "CREATE EXTENSION $EXT failed"
q -f "$HERE/schema_props/generator.sql" >/dev/null || die "loading the generator failed"
q -f "$HERE/schema_props/check.sql" >/dev/null || die "loading the checker failed"
q -c "CALL sp.generate($NSCHEMAS, $SEED)" || die "generating the cases failed"
ncases=$(q -At -c "SELECT count(*) FROM sp.cases") || die "no cases"
[ "$ncases" -ge "$MIN_CASES" ] || die "only $ncases cases generated (at least $MIN_CASES wanted)"

# check in chunks, one transaction each (a backend that dies loses a chunk
# only; the cases without a stat row are counted as failed below)
chunk=500
for ((first = 1; first <= ncases; first += chunk)); do
	q -c "CALL sp.check($first, $((first + chunk - 1)))" \
		|| echo "error: checking cases $first..$((first + chunk - 1)) broke off"
done

# failures: one block per failing case
q -At <<'SQL'
SELECT format(E'FAIL case %s (schema %s, %s case: %s)\n  schema:   %s\n  document: %s\n%s',
			  c.id, c.sid, CASE WHEN c.expect THEN 'valid' ELSE 'invalid' END, c.why,
			  c.schema::text, c.doc::text,
			  (SELECT string_agg(format('  %s: expected %s, got %s', f.assertion, f.expected, f.got), E'\n' ORDER BY f.assertion)
				 FROM sp.failure f WHERE f.case_id = c.id))
  FROM sp.cases c
 WHERE c.id IN (SELECT case_id FROM sp.failure)
 ORDER BY c.id;
SELECT format('FAIL case %s: not checked (its chunk broke off)', c.id)
  FROM sp.cases c WHERE NOT EXISTS (SELECT 1 FROM sp.stat s WHERE s.case_id = c.id)
 ORDER BY c.id;
SQL

# summary
q -At <<'SQL'
SELECT format('%s schemas, %s cases (%s valid, %s invalid by construction), %s assertions',
			  count(DISTINCT sid), count(*), count(*) FILTER (WHERE expect), count(*) FILTER (WHERE NOT expect),
			  (SELECT sum(assertions) FROM sp.stat))
  FROM sp.cases;
SELECT 'invalid cases per expected keyword: ' || string_agg(format('%s %s', k, n), ', ' ORDER BY n DESC, k)
  FROM (SELECT coalesce(kw ->> 0, '(any)') AS k, count(*) AS n FROM sp.cases WHERE NOT expect GROUP BY 1) x;
SELECT format('invalid cases reported with more than one violation: %s', count(*))
  FROM sp.cases c JOIN sp.stat s ON s.case_id = c.id WHERE NOT c.expect AND s.nrows > 1;
SQL
read -r passed failed < <(q -At -F' ' -c "
	SELECT count(*) FILTER (WHERE s.case_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM sp.failure f WHERE f.case_id = c.id)),
		   count(*) FILTER (WHERE s.case_id IS NULL OR EXISTS (SELECT 1 FROM sp.failure f WHERE f.case_id = c.id))
	  FROM sp.cases c LEFT JOIN sp.stat s ON s.case_id = c.id") || die "could not count the results"
echo "seed $SEED, $(( $(date +%s) - started ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
