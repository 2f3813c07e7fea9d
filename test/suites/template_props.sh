#!/usr/bin/env bash
# test/suites/template_props.sh - property test of ${...} templates:
# cfgmgr.resolve (rendered and render => false), cfgmgr.get of every path,
# get(path) = resolve() #> path, and cfgmgr.render against an independent
# renderer written in PL/pgSQL (template_props/oracle.sql: it parses the
# templates itself and never calls cfgmgr's C code).
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases in
# (as a superuser: it writes cfgmgr.target and cfgmgr.provider directly):
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/template_props.sh
#
# A generator in PL/pgSQL (template_props/generator.sql, random() after a
# fixed setseed, so every run checks the same cases) builds random
# environment trees (4-7 environments) with random labels (strings with odd
# characters, numbers, booleans, nested objects, objects, null, arrays),
# targets (rows of cfgmgr.target for aws and gcp, merged down the chain)
# and provider defaults, three services per tree and random values in 8
# slots (g1.k1 .. top2), neutral or provider-qualified, at random levels:
# template strings mixing literal text ("$", "$$", "$${", braces, ":-")
# with placeholders (${env.name}, labels and dotted labels, missing ones,
# ${provider.name}, variables, ${ref:...} to numbers, strings, objects,
# arrays, null, unset paths, paths below values that render to objects,
# other services), defaults with odd characters, strings that are exactly
# one reference, arrays and objects holding templates, plain values.
# References between random values form chains and cycles (self, 2-, 3-,
# ancestor/descendant); unknown labels, variables and references without
# defaults, objects interpolated into strings and ${provider...} resolved
# without a provider are errors.  A write whose syntax is wrong must be
# refused by cfgmgr.set (CM012) exactly when the oracle's parser refuses it.
#
# Cases: every (environment, service, provider in NULL/aws/gcp) of a tree,
# plus 25 render() calls of random templates per tree.  For each case the
# value or the error (SQLSTATE CM004/CM012/CM005, and the message must name
# the value or the cycle the oracle names) must agree.
#
# Prints the failures (the first 3 of each kind, then a count per kind) and
# as its last line "N passed, N failed" (N = cases; a case fails when any of
# its checks fails; the write check counts as one more case).  Exit status
# non-zero on a failure.
#
# Environment (all optional):
#   TEMPLATE_PROPS_CASES  number of cases (default 1000)
#   TEMPLATE_PROPS_SEED   setseed() value in [-1, 1] (default 0.3141)
#   TEMPLATE_PROPS_JOBS   concurrent checkers (default 2)
#   CFGMGR_EXTENSION      extension to create (default cfgmgr)
#   TEMPLATE_PROPS_DB     database name (default cfgmgr_template_props)
#   TEMPLATE_PROPS_KEEP   1: keep the database (tp.cases, tp.failure, ...) to
#                         look into failures; it is dropped at the next run
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
NCASES=${TEMPLATE_PROPS_CASES:-1000}
SEED=${TEMPLATE_PROPS_SEED:-0.3141}
JOBS=${TEMPLATE_PROPS_JOBS:-2}
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${TEMPLATE_PROPS_DB:-cfgmgr_template_props}

source "$HERE/lib/suite.sh"
check_names "CFGMGR_EXTENSION and TEMPLATE_PROPS_DB" "$EXT$DB"
check_count TEMPLATE_PROPS_CASES "$NCASES"
check_seed TEMPLATE_PROPS_SEED "$SEED"
check_count TEMPLATE_PROPS_JOBS "$JOBS"
need psql

started=$(date +%s)
suite_db "$DB" || die "could not create database $DB"
[ "${TEMPLATE_PROPS_KEEP:-}" = 1 ] && trap - EXIT
q -c "CREATE EXTENSION $EXT" -c "CREATE SCHEMA tp" >/dev/null || die "CREATE EXTENSION $EXT failed"
for f in generator oracle check; do
	q -f "$HERE/template_props/$f.sql" >/dev/null || die "loading template_props/$f.sql failed"
done
# The cases include configurations that cannot render (unknown variables,
# cycles, objects inside strings): what reads must report.  The commit-time
# check refuses to store those (test/40_templates.sql tests that), so the
# generator stores them with the deferred checks off.
q -c "ALTER TABLE cfgmgr.entry DISABLE TRIGGER entry_validate" \
  -c "ALTER TABLE cfgmgr.target DISABLE TRIGGER target_validate" \
  -c "ALTER TABLE cfgmgr.environment DISABLE TRIGGER environment_validate" >/dev/null ||
	die "could not disable the commit-time checks"
q -c "CALL tp.generate($NCASES, $SEED)" || die "generating the cases failed"
q -c "ALTER TABLE cfgmgr.entry ENABLE TRIGGER entry_validate" \
  -c "ALTER TABLE cfgmgr.target ENABLE TRIGGER target_validate" \
  -c "ALTER TABLE cfgmgr.environment ENABLE TRIGGER environment_validate" >/dev/null ||
	die "could not enable the commit-time checks"
ncases=$(q -At -c "SELECT count(*) FROM tp.cases") || die "no cases"
generated=$(date +%s)

# check in chunks, JOBS at a time
run_chunks "$ncases" 50 "$JOBS" tp.check
q -c "CALL tp.check_writes()" || echo "error: checking the writes broke off"

q -At <<'SQL'
WITH f AS (SELECT f.*, row_number() OVER (PARTITION BY split_part(f.what, ' ', 1) ORDER BY f.case_id, f.what) AS n
			 FROM tp.failure f)
SELECT format(E'FAIL case %s (%s): %s\n  | %s', f.case_id,
			  coalesce((SELECT format('%s env %s service %s provider %s%s', c.kind, c.env, c.svc, coalesce(c.prov, '-'),
									  coalesce(' template ' || c.tpl, '')) FROM tp.cases c WHERE c.id = f.case_id), 'writes'),
			  f.what, left(f.detail, 1500))
  FROM f WHERE f.n <= 3 ORDER BY f.case_id, f.what LIMIT 20;
SELECT format('failures of kind "%s": %s (cases %s)', k, count(*),
			  array_to_string((array_agg(DISTINCT case_id ORDER BY case_id))[1:30], ' '))
  FROM (SELECT split_part(what, ' ', 1) AS k, case_id FROM tp.failure) f GROUP BY k ORDER BY k;
SELECT format('FAIL case %s: not checked (its chunk broke off)', c.id)
  FROM tp.cases c WHERE NOT EXISTS (SELECT FROM tp.checked k WHERE k.case_id = c.id) ORDER BY c.id LIMIT 20;
SELECT format('%s cases in %s trees (%s resolve: %s ok, %s CM012, %s CM004; %s render: %s ok, %s errors), %s checks',
			  count(*), count(DISTINCT c.tree),
			  count(*) FILTER (WHERE c.kind = 'resolve'), count(*) FILTER (WHERE c.kind = 'resolve' AND k.outcome = 'ok'),
			  count(*) FILTER (WHERE c.kind = 'resolve' AND k.outcome = 'CM012'),
			  count(*) FILTER (WHERE c.kind = 'resolve' AND k.outcome = 'CM004'),
			  count(*) FILTER (WHERE c.kind = 'render'), count(*) FILTER (WHERE c.kind = 'render' AND k.outcome = 'ok'),
			  count(*) FILTER (WHERE c.kind = 'render' AND k.outcome <> 'ok'), sum(k.checks))
  FROM tp.cases c LEFT JOIN tp.checked k ON k.case_id = c.id;
SELECT format('%s values written (%s refused by cfgmgr.set as bad syntax), %s of them templates',
			  count(*), count(*) FILTER (WHERE NOT c_ok), count(*) FILTER (WHERE strpos(value::text, '${') > 0))
  FROM tp.writes;
SQL
read -r passed failed < <(q -At -F' ' -c "
	SELECT count(*) FILTER (WHERE k.case_id IS NOT NULL AND NOT EXISTS (SELECT FROM tp.failure f WHERE f.case_id = c.id))
		   + (NOT EXISTS (SELECT FROM tp.failure WHERE case_id = 0))::int,
		   count(*) FILTER (WHERE k.case_id IS NULL OR EXISTS (SELECT FROM tp.failure f WHERE f.case_id = c.id))
		   + (EXISTS (SELECT FROM tp.failure WHERE case_id = 0))::int
	  FROM tp.cases c LEFT JOIN tp.checked k ON k.case_id = c.id") || die "could not count the results"
echo "seed $SEED, $(( $(date +%s) - started ))s (generating $(( generated - started ))s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
