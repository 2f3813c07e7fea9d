#!/usr/bin/env bash
# test/suites/drift_props.sh - property test of cfgmgr.drift (and
# drift_observed, drift_coverage, remediate): drift between two
# environments reports exactly the differences planted between them, no
# false positive and no miss.
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases
# and roles in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/drift_props.sh
#
# A generator in PL/pgSQL (drift_props/generator.sql, random() after a
# fixed setseed, so every run checks the same cases) builds random
# environment trees (a root, 6-14 environments at depths 1-5) and, for each
# case, one service compared between two environments of a tree that are on
# separate branches, siblings, or one the ancestor of the other, neutral or
# for provider aws.  The configuration is filled through cfgmgr.set,
# set_many (nested and dotted documents), unset(block => true) and, for
# secrets, cfgmgr.set(secret => true) or rows inserted into cfgmgr.entry
# with secret = true (every other secret each way; the entry trigger
# encrypts them with the key the suite creates), slot by slot (a slot is a
# top-level key, filled by one template at random levels of the two chains,
# shared ancestors, intermediate levels, the compared environments' own
# levels, environments on neither chain):
#   equal templates - anything at shared levels; the same writes on both
#     sides (1.0 for 1, an object stored whole for separate leaves, set_many
#     for set, provider-qualified for neutral); tombstones over nothing; {}
#     over an object; junk at an intermediate level overridden below it or
#     cleared by a tombstone; values of a provider that is not compared;
#     equal secrets;
#   planted differences - a key added (only_right / only_left), removed by
#     a tombstone, changed, of another JSON type (1 against "1"), an object
#     against a scalar, array order, secrets changed / added / removed,
#     provider values, a tombstone at an intermediate level with a value
#     below it deeper down, changes below an object stored whole;
#   with a schema (a quarter of the cases) - defaults removed, overridden,
#     extended or left alone; x-merge append and union arrays, objects
#     x-merge replace.
# Left and right are equal after the first phase (drift must be empty),
# then the differences are planted and recorded with their kind and values;
# some cases declare variations (service and path globs, environment
# lists, decoys for other services or environments, expired ones inserted
# directly) or x-env-specific schema annotations, which make the rows they
# cover expected with a reason naming them.  Some cases report an observed
# document (the resolved one with secrets masked, as agents should report
# them, keys removed, unmanaged keys added, values changed).
# drift_props/check.sql then checks each case, as the superuser the suite
# connects as (which reads secrets in clear) unless said otherwise: the
# drift before planting is empty; drift = the planted rows; drift = a
# reference diff of cfgmgr.resolve(left) and (right) written in PL/pgSQL
# (resolve returns the secrets decrypted: secrets are compared in clear);
# drift(right, left) is the mirror image; the role DRIFT_PROPS_DB_reader,
# granted cfgmgr.grant(role, 'read') (not read_secret), gets "********" for
# every secret and no remediation spells a secret out; drift_observed = the
# planted observed differences (as the reader too) and its remediations
# adopt the unmanaged keys; remediate() - plain, with include_expected,
# with paths - or every remediation statement run alone (each a single
# statement: PREPARE refuses more) fixes the rows it was to fix and nothing
# else, except where it suggests declaring the variation (accepted only
# where both sides hold objects, or for x-merge append and union arrays:
# there a single write may not do); a secret is fixed like any other row,
# copied by cfgmgr.set(..., cfgmgr.get(...), secret => true): its row is
# gone afterwards, the copy is stored as a secret and the reader gets
# "********" for it; drift over all services = the per-service drifts;
# drift(left, left) is empty; drift_coverage = (observed leaves that are
# declared) / (observed leaves).
#
# The database gets a key for its secrets: a file of 64 hex characters
# written by the server (COPY ... TO, so it belongs to the server's user;
# chmod 600 through COPY TO PROGRAM) under /tmp on the server's host, named
# by ALTER DATABASE ... SET cfgmgr.key_file, removed on exit with the
# database and the role.  So the suite needs a superuser and a server on a
# host with /tmp (any local cluster).
#
# Prints the failures (the first 3 of each kind in full, then a count per
# kind with the cases) and as its last line "N passed, N failed" (N =
# cases; a case fails when any check fails).  Exit status non-zero on a
# failure.  About 30 s on two cores.
#
# Environment (all optional):
#   DRIFT_PROPS_CASES  number of generated cases (default 1200)
#   DRIFT_PROPS_SEED   setseed() value in [-1, 1] (default 0.1618)
#   DRIFT_PROPS_JOBS   concurrent checkers (default 2)
#   CFGMGR_EXTENSION   extension to create (default cfgmgr)
#   DRIFT_PROPS_DB     database name (default cfgmgr_drift_props); the role
#                      DRIFT_PROPS_DB_reader and the key file
#                      /tmp/DRIFT_PROPS_DB_<pid>_<n>.key are created and
#                      dropped with it
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
NCASES=${DRIFT_PROPS_CASES:-1200}
SEED=${DRIFT_PROPS_SEED:-0.1618}
JOBS=${DRIFT_PROPS_JOBS:-2}
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${DRIFT_PROPS_DB:-cfgmgr_drift_props}
READER=${DB}_reader
MIN_CASES=1000

source "$HERE/lib/suite.sh"
check_names "CFGMGR_EXTENSION and DRIFT_PROPS_DB" "$EXT$DB"
[[ $NCASES =~ ^[1-9][0-9]*$ ]] && [ "$NCASES" -le 99999 ] || die "DRIFT_PROPS_CASES must be an integer in 1..99999"
check_seed DRIFT_PROPS_SEED "$SEED"
check_count DRIFT_PROPS_JOBS "$JOBS"
need psql

started=$(date +%s)
# the key of the database's secrets: a file written by the server (COPY, as
# the superuser the suite connects as), so it belongs to the server's user,
# mode 0600; removed on exit with the database and the role
KEY_FILE=/tmp/${DB}_$$_$RANDOM.key
SUITE_DROP_SQL="COPY (SELECT 1) TO PROGRAM 'rm -f $KEY_FILE'; DROP ROLE IF EXISTS $READER"
suite_db "$DB" "CREATE ROLE $READER NOLOGIN" || die "could not create database $DB and role $READER"
q -c "COPY (SELECT encode(sha256(convert_to('drift_props ' || random() || clock_timestamp(), 'UTF8')), 'hex')) TO '$KEY_FILE'" \
	-c "COPY (SELECT 1) TO PROGRAM 'chmod 600 $KEY_FILE'" -c "ALTER DATABASE $DB SET cfgmgr.key_file = '$KEY_FILE'" \
	|| die "could not create the key file $KEY_FILE"
q -c "CREATE EXTENSION $EXT" || die "CREATE EXTENSION $EXT failed"
[ "$(q -At -c "SELECT cfgmgr.secret_key_available()")" = t ] || die "the key file $KEY_FILE is not usable"
# a role that may read everything but not secrets in clear: sees them masked
q -c "SELECT cfgmgr.grant('$READER', 'read')" >/dev/null || die "could not grant $READER read"
q -f "$HERE/drift_props/generator.sql" >/dev/null || die "loading the generator failed"
q -f "$HERE/drift_props/check.sql" >/dev/null || die "loading the checker failed"
q -c "CALL dp.generate($NCASES, $SEED)" || die "generating the cases failed"
ncases=$(q -At -c "SELECT count(*) FROM dp.cases") || die "no cases"
[ "$NCASES" -lt "$MIN_CASES" ] || [ "$ncases" -ge "$MIN_CASES" ] \
	|| die "only $ncases cases generated (at least $MIN_CASES wanted)"
generated=$(date +%s)

# check in chunks of whole trees (24 cases each), JOBS chunks at a time
run_chunks "$ncases" 96 "$JOBS" dp.check "'$READER'"
q -c "CALL dp.check_coverage()" || echo "error: checking drift_coverage broke off"

# failures in full, the first 3 of each kind (20 at most), then a count per kind
q -At <<'SQL'
WITH f AS (SELECT f.*, row_number() OVER (PARTITION BY regexp_replace(f.what, ' *[(:].*', '') ORDER BY f.case_id, f.what) AS n
			 FROM dp.failure f)
SELECT format(E'FAIL case %s: %s\n%s\n%s', f.case_id, f.what,
			  regexp_replace(left(coalesce(f.detail, ''), 4000), '^', '  | ', 'gn'),
			  regexp_replace(left(dp.describe(f.case_id), 6000), '^', '  : ', 'gn'))
  FROM f WHERE f.n <= 3
 ORDER BY f.case_id, f.what LIMIT 20;
SELECT format('(%s more failures not shown)', count(*) - least(20, count(*) FILTER (WHERE n <= 3)))
  FROM (SELECT row_number() OVER (PARTITION BY regexp_replace(what, ' *[(:].*', '') ORDER BY case_id, what) AS n FROM dp.failure) f
HAVING count(*) > least(20, count(*) FILTER (WHERE n <= 3));
SELECT format('failures of kind "%s": %s (cases %s)', k, count(*),
			  array_to_string((array_agg(DISTINCT case_id ORDER BY case_id))[1:30], ' '))
  FROM (SELECT regexp_replace(what, ' *[(:].*', '') AS k, case_id FROM dp.failure) f
 GROUP BY k ORDER BY k;
SELECT format('FAIL case %s: not checked (its chunk broke off)', c.id)
  FROM dp.cases c WHERE NOT EXISTS (SELECT FROM dp.checked k WHERE k.case_id = c.id)
 ORDER BY c.id;
SQL

# summary
q -At <<'SQL'
SELECT format('%s cases in %s trees (%s branches, %s siblings, %s ancestor, %s descendant; %s for aws), %s checks',
			  count(*), count(DISTINCT tree_id), count(*) FILTER (WHERE relation = 'branches'),
			  count(*) FILTER (WHERE relation = 'siblings'), count(*) FILTER (WHERE relation = 'ancestor'),
			  count(*) FILTER (WHERE relation = 'descendant'), count(*) FILTER (WHERE prov IS NOT NULL),
			  (SELECT sum(checks) FROM dp.checked))
  FROM dp.cases;
SELECT format('%s slots: %s', count(*), string_agg(format('%s %s', t, n), ', ' ORDER BY t))
  FROM (SELECT split_part(s, ':', 2) AS t, count(*) AS n FROM dp.cases, unnest(slots) s GROUP BY 1) x;
SELECT format('%s planted rows (%s only_left, %s only_right, %s changed, %s type_changed; %s expected, %s secret), %s cases without any',
			  count(*), count(*) FILTER (WHERE kind = 'only_left'), count(*) FILTER (WHERE kind = 'only_right'),
			  count(*) FILTER (WHERE kind = 'changed'), count(*) FILTER (WHERE kind = 'type_changed'),
			  count(*) FILTER (WHERE expected), count(*) FILTER (WHERE lsecret OR rsecret),
			  (SELECT count(*) FROM dp.cases c WHERE NOT EXISTS (SELECT FROM dp.planted p WHERE p.case_id = c.id)))
  FROM dp.planted;
SELECT format('%s variations (%s expired, %s not for the pair), %s x-env-specific annotations, %s observed cases (%s rows), %s remediated (%s secrets copied; %s rows where declaring was suggested)',
			  (SELECT count(*) FROM dp.vars), (SELECT count(*) FROM dp.vars WHERE NOT active),
			  (SELECT count(*) FROM dp.vars WHERE NOT applies_pair), (SELECT count(*) FROM dp.annot WHERE kw = 'x-env-specific'),
			  (SELECT count(*) FROM dp.cases WHERE observed), (SELECT count(*) FROM dp.obs_planted),
			  (SELECT count(*) FROM dp.cases WHERE remediate IS NOT NULL),
			  (SELECT count(*) FROM dp.stats WHERE what = 'secret copied'),
			  (SELECT count(*) FROM dp.stats WHERE what = 'declare suggested'));
SQL
read -r passed failed < <(q -At -F' ' -c "
	SELECT count(*) FILTER (WHERE k.case_id IS NOT NULL AND NOT EXISTS (SELECT FROM dp.failure f WHERE f.case_id = c.id)),
		   count(*) FILTER (WHERE k.case_id IS NULL OR EXISTS (SELECT FROM dp.failure f WHERE f.case_id = c.id))
	  FROM dp.cases c LEFT JOIN dp.checked k ON k.case_id = c.id") || die "could not count the results"
echo "seed $SEED, $(( $(date +%s) - started ))s (generating $(( generated - started ))s)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
