--
-- 22_versions.sql - versions: as_of on get/resolve/explain/provenance (tag,
-- changeset id, time), the environment tree and schema version of that
-- time, rollback, diff_versions, version_changeset, history order and
-- filters, tag, PREPARE refused.  Versions are committed changesets, so
-- this file runs in autocommit mode (every statement commits) and cleans
-- up after itself.
--
\set ON_ERROR_STOP 1
\set QUIET 1
SET search_path = public;
SELECT plan(64);

-- leftovers of an interrupted earlier run
DO $$ BEGIN
	PERFORM cfgmgr.drop_environment(n, true) FROM unnest('{v22_base,v22_other,v22_gone}'::text[]) n
	 WHERE EXISTS (SELECT FROM cfgmgr.environments WHERE name = n);
	PERFORM cfgmgr.create_service(n) FROM unnest('{v22_svc,v22_two}'::text[]) n
	 WHERE NOT EXISTS (SELECT FROM cfgmgr.services WHERE name = n);
	DELETE FROM cfgmgr.tag WHERE name LIKE 'v22-%';
END $$;
CREATE TEMP TABLE v22 (name text PRIMARY KEY, cs bigint, at timestamptz);

-- ---------------------------------------------------------------------
-- a history: every statement below is its own committed changeset
-- ---------------------------------------------------------------------
SELECT cfgmgr.create_environment('v22_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v22_other') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v22_prod', 'v22_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v22_gone', 'v22_base') IS NOT NULL AS ok \gset
INSERT INTO v22 VALUES ('created', cfgmgr.version_changeset(now()::text), NULL);
SELECT cfgmgr.set_many('v22_base', 'v22_svc', '{"db": {"port": 5432, "host": "base"}, "log": "info"}', message => 'base values') AS cs \gset
INSERT INTO v22 VALUES ('base', :cs, NULL);
SELECT cfgmgr.set('v22_other', 'v22_svc', 'db.host', '"other"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v22_prod', 'v22_svc', 'db.host', '"prod-1"') AS cs \gset
INSERT INTO v22 VALUES ('prod1', :cs, NULL);
SELECT cfgmgr.set('v22_prod', 'v22_svc', 'db.port', '6432', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v22_prod', 'v22_two', 'x', '1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v22_gone', 'v22_svc', 'g', 'true') IS NOT NULL AS ok \gset
SELECT cfgmgr.tag('v22-one', 'first release') AS cs \gset
INSERT INTO v22 VALUES ('one', :cs, (SELECT committed_at FROM cfgmgr.changeset WHERE id = :cs));

-- after the tag: a value changes, one is blocked, one removed, a schema
-- with a default arrives, prod moves under v22_other, v22_gone is dropped
SELECT cfgmgr.set('v22_prod', 'v22_svc', 'db.host', '"prod-2"', message => 'move host') AS cs \gset
INSERT INTO v22 VALUES ('prod2', :cs, NULL);
SELECT cfgmgr.unset('v22_prod', 'v22_svc', 'log', block => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('v22_prod', 'v22_svc', 'db.port', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v22_prod', 'v22_two', 'x', '2') IS NOT NULL AS ok \gset
SELECT cfgmgr.register_schema('v22_svc', '{"type": "object", "properties": {"timeout": {"type": "integer", "default": 30}}}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_parent('v22_prod', 'v22_other') AS x \gset
SELECT cfgmgr.drop_environment('v22_gone') IS NOT NULL AS ok \gset
SELECT cfgmgr.tag('v22-two') AS cs \gset
INSERT INTO v22 VALUES ('two', :cs, (SELECT committed_at FROM cfgmgr.changeset WHERE id = :cs));

-- ---------------------------------------------------------------------
-- naming versions
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.version_changeset('v22-one'), (SELECT cs FROM v22 WHERE name = 'one'), 'a tag names its changeset');
SELECT is(cfgmgr.version_changeset((SELECT cs FROM v22 WHERE name = 'prod1')::text),
	(SELECT cs FROM v22 WHERE name = 'prod1'), 'a changeset id names itself');
SELECT is(cfgmgr.version_changeset((SELECT at FROM v22 WHERE name = 'one')::text),
	(SELECT cs FROM v22 WHERE name = 'one'), 'a commit time names the changeset committed then');
SELECT is(cfgmgr.version_changeset(((SELECT at FROM v22 WHERE name = 'one') + interval '1 microsecond')::text),
	(SELECT cs FROM v22 WHERE name = 'one'), 'a time between commits names the newest changeset committed by then');
SELECT throws_ok($$SELECT cfgmgr.version_changeset('v22-no-such-tag')$$, 'CM005', NULL, 'an unknown tag: CM005');
SELECT throws_ok($$SELECT cfgmgr.version_changeset('900000000000')$$, 'CM005', NULL, 'an unknown changeset id: CM005');
SELECT throws_ok($$SELECT cfgmgr.version_changeset('1970-01-01 00:00:00+00')$$, 'CM005',
	'version "1970-01-01 00:00:00+00" does not exist: no change had committed by then', 'a time before every change: CM005');
SELECT throws_ok($$SELECT cfgmgr.version_changeset('')$$, '22023', NULL, 'an empty version: 22023');
BEGIN;
SELECT cfgmgr.set('v22_prod', 'v22_svc', 'pending', '1') AS cs \gset
SELECT throws_ok(format('SELECT cfgmgr.version_changeset(%L)', :cs), 'CM005', NULL,
	'the changeset of a transaction in progress is no version yet');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-two') ? 'pending', false,
	'reading as of a version ignores the reader''s own uncommitted changes');
ROLLBACK;

-- ---------------------------------------------------------------------
-- get, resolve, explain and provenance as of a version
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-one'),
	'{"db": {"port": 5432, "host": "prod-1"}, "log": "info"}', 'resolve as of a tag');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', 'aws', as_of => 'v22-one'),
	'{"db": {"port": 6432, "host": "prod-1"}, "log": "info"}', 'resolve for a provider as of a tag');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc'), '{"db": {"host": "prod-2"}, "timeout": 30}',
	'now: prod below v22_other, log blocked, schema default');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-two'), cfgmgr.resolve('v22_prod', 'v22_svc'),
	'as of the newest tag = now');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', as_of => (SELECT cs FROM v22 WHERE name = 'base')::text),
	'{"db": {"port": 5432, "host": "base"}, "log": "info"}', 'as of a changeset id: before prod had values');
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc', as_of => (SELECT at FROM v22 WHERE name = 'one')::text),
	cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-one'), 'as of a time = as of the tag committed then');
SELECT is(cfgmgr.get('v22_prod', 'v22_svc', 'db.host', as_of => 'v22-one'), '"prod-1"', 'get as of a tag');
SELECT is(cfgmgr.get_text('v22_prod', 'v22_svc', 'log', as_of => 'v22-one'), 'info', 'get_text as of a tag');
SELECT is(cfgmgr.get_int('v22_prod', 'v22_svc', 'db.port', 'aws', as_of => 'v22-one'), 6432::bigint,
	'get_int for a provider as of a tag');
SELECT throws_ok($$SELECT cfgmgr.get('v22_prod', 'v22_svc', 'log', as_of => 'v22-two')$$, 'CM005', NULL,
	'a value blocked by then is not found');
SELECT is(cfgmgr.get('v22_prod', 'v22_svc', 'timeout', as_of => 'v22-one', fallback => '0'), '0'::jsonb,
	'the schema default did not exist yet: fallback');
SELECT is(cfgmgr.get('v22_prod', 'v22_svc', 'timeout', as_of => 'v22-two'), '30'::jsonb,
	'the schema version of the time gives the default');
SELECT results_eq(
	$$SELECT level, environment, provider, source, value, winner
		FROM cfgmgr.explain('v22_prod', 'v22_svc', 'db.port', 'aws', as_of => 'v22-one')$$,
	$$VALUES (0, 'v22_base', NULL, 'value', '5432'::jsonb, false), (1, 'v22_prod', 'aws', 'value', '6432', true)$$,
	'explain as of a tag walks the tree of that time');
SELECT results_eq(
	$$SELECT environment FROM cfgmgr.explain('v22_prod', 'v22_svc', 'db.host', as_of => 'v22-two')$$,
	$$VALUES ('v22_other'), ('v22_prod')$$,
	'explain as of the newer tag: prod below v22_other');
SELECT results_eq(
	$$SELECT path, value, environment, changeset FROM cfgmgr.provenance('v22_prod', 'v22_svc', as_of => 'v22-one')$$,
	$$SELECT * FROM (VALUES ('db.host', '"prod-1"'::jsonb, 'v22_prod', (SELECT cs FROM v22 WHERE name = 'prod1')),
							('db.port', '5432', 'v22_base', (SELECT cs FROM v22 WHERE name = 'base')),
							('log', '"info"', 'v22_base', (SELECT cs FROM v22 WHERE name = 'base'))) v$$,
	'provenance as of a tag names the changesets of that time');
SELECT is(cfgmgr.resolve('v22_gone', 'v22_svc', as_of => 'v22-one'),
	'{"db": {"port": 5432, "host": "base"}, "g": true, "log": "info"}', 'a dropped environment can be read as of before its drop');
SELECT throws_ok($$SELECT cfgmgr.resolve('v22_gone', 'v22_svc', as_of => 'v22-two')$$, 'CM006', NULL,
	'but not as of after it');
SELECT throws_ok($$SELECT cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-no-such-tag')$$, 'CM005', NULL,
	'resolve as of an unknown version: CM005');
SELECT throws_ok($$SELECT cfgmgr.resolve('v22_nowhere', 'v22_svc', as_of => 'v22-one')$$, 'CM006',
	'environment "v22_nowhere" does not exist', 'an unknown environment: CM006');
SELECT throws_ok($$SELECT cfgmgr.resolve('v22_prod', 'v22_nothing', as_of => 'v22-one')$$, 'CM007', NULL,
	'an unknown service: CM007');
SELECT throws_ok(format('SELECT cfgmgr.resolve(%L, %L, as_of => %L)', 'v22_prod', 'v22_svc',
	(SELECT cs FROM v22 WHERE name = 'created') - 3), 'CM006', NULL,
	'an environment as of before it existed: CM006');

-- ---------------------------------------------------------------------
-- history
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT op, old_value, new_value FROM cfgmgr.history('v22_prod', 'v22_svc', 'db.host')$$,
	$$VALUES ('set', '"prod-1"'::jsonb, '"prod-2"'::jsonb), ('set', NULL, '"prod-1"')$$,
	'history of one key, newest first');
SELECT is((SELECT count(*)::int FROM cfgmgr.history('v22_prod', 'v22_svc', 'db')), 4,
	'a path includes what is below it (host twice, the aws port set and removed)');
SELECT is((SELECT count(*)::int FROM cfgmgr.history(service => 'v22_two')), 2, 'filtered by service only');
SELECT is((SELECT message FROM cfgmgr.history('v22_prod', 'v22_svc', 'db.host') LIMIT 1), 'move host', 'with the message');
SELECT throws_ok($$SELECT * FROM cfgmgr.history('v22_nowhere')$$, 'CM006', NULL, 'history of an unknown environment: CM006');
SELECT throws_ok($$SELECT * FROM cfgmgr.history(service => 'v22_nothing')$$, 'CM007', NULL, 'of an unknown service: CM007');
SELECT ok((SELECT bool_and(x.s <= x.prev) FROM
			(SELECT c.commit_seq AS s, lag(c.commit_seq) OVER (ORDER BY h.n) AS prev
			   FROM cfgmgr.history('v22_prod') WITH ORDINALITY
					AS h(changeset, at, actor, environment, service, path, provider, op, old_value, new_value, message, n)
			   JOIN cfgmgr.changeset c ON c.id = h.changeset) x
		   WHERE x.prev IS NOT NULL), 'history is newest first (one session: commit order)');

-- ---------------------------------------------------------------------
-- diff_versions
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT service, path, kind, left_value, right_value, expected FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-two')$$,
	$$VALUES ('v22_svc', 'db.host', 'changed', '"prod-1"'::jsonb, '"prod-2"'::jsonb, false),
			 ('v22_svc', 'db.port', 'only_left', '5432', NULL, false),
			 ('v22_svc', 'log', 'only_left', '"info"', NULL, false),
			 ('v22_svc', 'timeout', 'only_right', NULL, '30', false)$$,
	'diff_versions: leaf by leaf, in path order');
SELECT is((SELECT count(*)::int FROM cfgmgr.diff_versions('v22_prod', NULL, 'v22-one', 'v22-two') WHERE service = 'v22_two'), 1,
	'service NULL compares every service');
SELECT is((SELECT count(*)::int FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-two')), 0,
	'to_version NULL is now: nothing changed since the last tag');
SELECT is((SELECT count(*)::int FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-one')), 0,
	'a version against itself: no rows');
SELECT results_eq(
	$$SELECT kind, left_value FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-two', provider => 'aws') WHERE path = 'db.port'$$,
	$$VALUES ('only_left', '6432'::jsonb)$$,
	'for a provider');
SELECT is((SELECT remediation FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-two') WHERE path = 'db.host'),
	$$SELECT cfgmgr.set('v22_prod', 'v22_svc', 'db.host', '"prod-1"'::jsonb);$$, 'remediation for a changed value');
SELECT is((SELECT remediation FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-two') WHERE path = 'timeout'),
	$$SELECT cfgmgr.unset('v22_prod', 'v22_svc', 'timeout', block => true);$$, 'remediation for a value that appeared');
SELECT throws_ok($$SELECT * FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-nope', 'v22-two')$$, 'CM005', NULL,
	'diff_versions with an unknown version: CM005');
-- the remediation statements are executable and restore the old values
DO $$ DECLARE r record; BEGIN
	FOR r IN SELECT remediation FROM cfgmgr.diff_versions('v22_prod', 'v22_svc', 'v22-one', 'v22-two') WHERE path <> 'timeout' LOOP
		EXECUTE r.remediation;
	END LOOP;
END $$;
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc') - 'timeout', '{"db": {"port": 5432, "host": "prod-1"}, "log": "info"}',
	'running the remediations brings the old values back');

-- ---------------------------------------------------------------------
-- rollback
-- ---------------------------------------------------------------------
SELECT cfgmgr.rollback('v22_prod', 'v22-two') AS cs \gset
SELECT is(cfgmgr.resolve('v22_prod', 'v22_svc'), cfgmgr.resolve('v22_prod', 'v22_svc', as_of => 'v22-two'),
	'rollback to a tag: the environment stores what it stored then');
SELECT is((SELECT count(*)::int FROM cfgmgr.history('v22_prod', 'v22_svc') WHERE changeset = :cs), 3,
	'only what differs is rewritten, in one new changeset');
SELECT alike((SELECT message FROM cfgmgr.changeset WHERE id = :cs), 'rollback of environment v22_prod to version v22-two%',
	'the rollback changeset says what it did');
SELECT cfgmgr.rollback('v22_prod', 'v22-one', service => 'v22_svc') AS cs \gset
SELECT results_eq(
	$$SELECT path::text, provider COLLATE "default", value, tombstone FROM cfgmgr."values" WHERE environment = 'v22_prod' AND service = 'v22_svc' ORDER BY path, provider$$,
	$$VALUES ('db.host', NULL::text, '"prod-1"'::jsonb, false), ('db.port', 'aws', '6432', false)$$,
	'rollback of one service restores what it stored, provider-qualified values and removed tombstones included');
SELECT is(cfgmgr.get('v22_prod', 'v22_two', 'x'), '2'::jsonb, 'other services are not rolled back');
SELECT cfgmgr.rollback('v22_prod', 'v22-one') AS cs2 \gset
SELECT is(cfgmgr.get('v22_prod', 'v22_two', 'x'), '1'::jsonb, 'rollback of every service');
SELECT is(cfgmgr.rollback('v22_prod', 'v22-one'), cfgmgr.rollback('v22_prod', 'v22-one'),
	'two rollbacks in one transaction share its changeset');
SELECT is((SELECT count(*)::int FROM cfgmgr.history('v22_prod') h JOIN cfgmgr.changeset c ON c.id = h.changeset
			WHERE c.commit_seq > (SELECT commit_seq FROM cfgmgr.changeset WHERE id = :cs2)), 0,
	'rolling back to the state already stored changes nothing');
SELECT throws_ok($$SELECT cfgmgr.rollback('v22_prod', 'v22-no-such-tag')$$, 'CM005', NULL, 'rollback to an unknown version: CM005');
SELECT throws_ok(format('SELECT cfgmgr.rollback(%L, %L)', 'v22_prod', (SELECT cs FROM v22 WHERE name = 'created') - 3),
	'CM006', NULL, 'rollback to a version from before the environment existed: CM006');
SELECT throws_ok($$SELECT cfgmgr.rollback('v22_nowhere', 'v22-one')$$, 'CM006', NULL, 'rollback of an unknown environment: CM006');
SELECT throws_ok($$SELECT cfgmgr.rollback('v22_prod', 'v22-one', 'v22_nothing')$$, 'CM007', NULL, 'of an unknown service: CM007');
SELECT throws_ok($$SELECT cfgmgr.rollback('v22_prod', NULL)$$, '22004', NULL, 'a NULL version: 22004');

-- ---------------------------------------------------------------------
-- tags and PREPARE
-- ---------------------------------------------------------------------
BEGIN;
SELECT cfgmgr.set('v22_prod', 'v22_svc', 'uncommitted', '1') AS mine \gset
SELECT isnt(cfgmgr.tag('v22-inside'), :mine::bigint, 'tag names the newest committed changeset, not the tagger''s own');
ROLLBACK;
SELECT throws_ok($$SELECT cfgmgr.tag('v22-one')$$, '42710', NULL, 'a tag name is used once');

CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('v22', format('dbname=%s user=%s port=%s host=%s',
	quote_literal(current_database()), quote_literal(current_user), current_setting('port'),
	quote_literal(coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), 'localhost'))))
	= 'OK' AS connected \gset
SELECT dblink_exec('v22', 'BEGIN') AS x \gset
SELECT dblink_exec('v22', $q$DO $d$ BEGIN PERFORM cfgmgr.set('v22_prod', 'v22_svc', 'prepared', '1'); END $d$$q$) AS x \gset
SELECT throws_like($$SELECT dblink_exec('v22', 'PREPARE TRANSACTION ''v22_prepared''')$$,
	'%cannot PREPARE a transaction that changed configuration%',
	'PREPARE TRANSACTION of a configuration change is refused');
SELECT is(cfgmgr.get('v22_prod', 'v22_svc', 'prepared', fallback => 'null'), 'null'::jsonb, 'and nothing was stored');
SELECT dblink_disconnect('v22') AS x \gset

SELECT * FROM finish();

DO $$ BEGIN
	PERFORM cfgmgr.drop_environment(n, true) FROM unnest('{v22_base,v22_other}'::text[]) n;
	DELETE FROM cfgmgr.tag WHERE name LIKE 'v22-%';
END $$;
