--
-- 04_changesets.sql - changesets and history: one changeset per writing
-- transaction (savepoints included), history rows with ops and old/new
-- values, append-only history, direct DML on cfgmgr.entry going through the
-- triggers, and - through a dblink session that commits on its own -
-- distinct changesets per transaction, provenance across them and cache
-- invalidation at commit.
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(73);

SELECT lives_ok($$SELECT cfgmgr.create_service('c4_svc')$$, 'a service');
SELECT is((SELECT count(*)::int FROM cfgmgr.changeset WHERE xid = pg_current_xact_id()), 0,
	'creating a service does not need a changeset');

-- ---------------------------------------------------------------------
-- a changeset created in a rolled-back savepoint is forgotten
-- ---------------------------------------------------------------------
CREATE TEMP TABLE c4_ids (name text PRIMARY KEY, cs bigint);
SAVEPOINT first_write;
SELECT cfgmgr.create_environment('c4_a') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('c4_a', 'c4_svc', 'sp.x', '1', message => 'rolled back') AS cs0 \gset
ROLLBACK TO SAVEPOINT first_write;
SELECT is((SELECT count(*)::int FROM cfgmgr.changeset WHERE id = :cs0), 0,
	'the changeset row of a rolled-back savepoint is gone');
SELECT lives_ok($$SELECT cfgmgr.create_environment('c4_a');
				  SELECT cfgmgr.create_environment('c4_b', 'c4_a');
				  SELECT cfgmgr.create_environment('c4_gone')$$, 'fixtures');
SELECT is((SELECT count(*)::int FROM cfgmgr.environment_change x JOIN cfgmgr.changeset c ON c.id = x.changeset
			WHERE c.xid = pg_current_xact_id()), 3,
	'creating environments is a versioned change (the tree of every version is kept)');
SELECT is(cfgmgr.set('c4_a', 'c4_svc', 'k', '1', message => 'first change'), cfgmgr.current_changeset(),
	'after a rolled-back first write, set gets the (new) changeset of the transaction');
INSERT INTO c4_ids VALUES ('main', cfgmgr.current_changeset());
SELECT results_eq(
	$$SELECT id, message FROM cfgmgr.changeset WHERE xid = pg_current_xact_id()$$,
	$$SELECT cs, 'first change' FROM c4_ids WHERE name = 'main'$$,
	'exactly one changeset row for the transaction, without the rolled-back message');
SELECT is((SELECT changeset FROM cfgmgr.entry WHERE path::text = 'k'), (SELECT cs FROM c4_ids WHERE name = 'main'),
	'the entry carries an existing changeset id');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'c4_a' AND path::text LIKE 'sp%'), 0,
	'the rolled-back write is gone');

-- ---------------------------------------------------------------------
-- one changeset for every write of the transaction
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.current_changeset(), (SELECT cs FROM c4_ids WHERE name = 'main'), 'current_changeset is stable');
SELECT is(cfgmgr.set('c4_a', 'c4_svc', 'k', '2'), (SELECT cs FROM c4_ids WHERE name = 'main'), 'a second set');
SELECT is(cfgmgr.set_many('c4_a', 'c4_svc', '{"m": {"x": 1, "y": 2}}', message => 'second change'),
	(SELECT cs FROM c4_ids WHERE name = 'main'), 'set_many');
SELECT is(cfgmgr.unset('c4_a', 'c4_svc', 'k', block => true), (SELECT cs FROM c4_ids WHERE name = 'main'), 'unset(block)');
SELECT is(cfgmgr.set('c4_a', 'c4_svc', 'k', '3', provider => 'aws'), (SELECT cs FROM c4_ids WHERE name = 'main'),
	'set with a provider');
SELECT is(cfgmgr.set('c4_a', 'c4_svc', 'k', '4'), (SELECT cs FROM c4_ids WHERE name = 'main'), 'set over the tombstone');
SELECT is(cfgmgr.unset('c4_a', 'c4_svc', 'k'), (SELECT cs FROM c4_ids WHERE name = 'main'), 'unset');
SELECT is(cfgmgr.set('c4_gone', 'c4_svc', 'z', '1', message => 'second change'),
	(SELECT cs FROM c4_ids WHERE name = 'main'), 'a write to another environment');
SELECT is(cfgmgr.drop_environment('c4_gone'), (SELECT cs FROM c4_ids WHERE name = 'main'), 'drop_environment');
SELECT throws_ok($$SELECT cfgmgr.set('c4_a', 'c4_svc', 'bad..path', '1')$$, '22P02', NULL, 'a failed write');
SELECT is(cfgmgr.current_changeset(), (SELECT cs FROM c4_ids WHERE name = 'main'),
	'a failed write in a subtransaction keeps the changeset');

SELECT is((SELECT count(*)::int FROM cfgmgr.changeset WHERE xid = pg_current_xact_id()), 1,
	'still exactly one changeset row for the transaction');
SELECT results_eq(
	$$SELECT message, actor, role, at FROM cfgmgr.changeset WHERE id = (SELECT cs FROM c4_ids WHERE name = 'main')$$,
	$$VALUES (E'first change\nsecond change', session_user::text COLLATE "default", current_user::text COLLATE "default", now())$$,
	'the changeset row: messages appended once each, actor, role, transaction time');
SELECT is((SELECT count(DISTINCT changeset)::int FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
			WHERE e.name IN ('c4_a', 'c4_b', 'c4_gone')), 1,
	'every history row of the transaction carries one changeset id');
SELECT is((SELECT DISTINCT changeset FROM cfgmgr.entry WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'c4_a')),
	(SELECT cs FROM c4_ids WHERE name = 'main'), 'and every entry written');

-- ---------------------------------------------------------------------
-- history rows
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT op, provider COLLATE "default", old_value, new_value, message FROM cfgmgr.change
		WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'c4_a') AND path::text = 'k' ORDER BY id$$,
	$$VALUES ('set', '', NULL::jsonb, '1'::jsonb, 'first change'),
			 ('set', '', '1', '2', NULL),
			 ('block', '', '2', NULL, NULL),
			 ('set', 'aws', NULL, '3', NULL),
			 ('set', '', NULL, '4', NULL),
			 ('unset', '', '4', NULL, NULL)$$,
	'history: set, overwrite, block, provider set, set over a tombstone, unset - with old and new values');
SELECT results_eq(
	$$SELECT op, path::text, new_value, message FROM cfgmgr.change
		WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'c4_a') AND path::text LIKE 'm.%' ORDER BY path$$,
	$$VALUES ('set', 'm.x', '1'::jsonb, 'second change'), ('set', 'm.y', '2', 'second change')$$,
	'set_many writes one history row per leaf, with the message');
SELECT results_eq(
	$$SELECT op, old_value, new_value FROM cfgmgr.change
		WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 'c4_gone') ORDER BY id$$,
	$$VALUES ('set', NULL::jsonb, '1'::jsonb), ('unset', '1', NULL)$$,
	'drop_environment records the deleted values');
SELECT is((SELECT count(*)::int FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
			WHERE e.name IN ('c4_a', 'c4_b', 'c4_gone') AND (c.actor <> current_user OR c.at <> now())), 0,
	'history rows carry the acting role and the transaction time');
SELECT is((SELECT count(*)::int FROM cfgmgr.entry en JOIN cfgmgr.environment e ON e.id = en.env_id
			WHERE e.name IN ('c4_a', 'c4_b', 'c4_gone') AND (en.updated_by <> current_user OR en.updated_at <> now())), 0,
	'entries carry the acting role and the transaction time');

-- append-only
SELECT throws_ok($$UPDATE cfgmgr.change SET new_value = '0' WHERE path::text = 'k'$$, 'CM015', NULL,
	'UPDATE of history raises CM015');
SELECT throws_ok($$DELETE FROM cfgmgr.change WHERE path::text = 'k'$$, 'CM015', NULL,
	'DELETE of history raises CM015');
SELECT throws_ok($$TRUNCATE cfgmgr.change$$, 'CM015', NULL, 'TRUNCATE of history raises CM015');
SELECT is((SELECT count(*)::int FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
			WHERE e.name = 'c4_a' AND c.path::text = 'k'), 6, 'history is intact');

-- ---------------------------------------------------------------------
-- direct DML on cfgmgr.entry goes through the triggers
-- ---------------------------------------------------------------------
CREATE TEMP TABLE c4_k AS
	SELECT (SELECT id FROM cfgmgr.environment WHERE name = 'c4_a') AS env,
		   (SELECT id FROM cfgmgr.environment WHERE name = 'c4_b') AS child,
		   (SELECT id FROM cfgmgr.environment WHERE name = 'c4_gone') AS gone,
		   (SELECT id FROM cfgmgr.service WHERE name = 'c4_svc') AS svc;
SELECT is(cfgmgr.get('c4_b', 'c4_svc', 'direct.x', fallback => '"none"'), '"none"'::jsonb, 'read (and cache) before');
SELECT lives_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
				  SELECT env, svc, 'direct.x', '5', 424242 FROM c4_k$$, 'a direct INSERT');
SELECT is((SELECT changeset FROM cfgmgr.entry WHERE path::text = 'direct.x'), (SELECT cs FROM c4_ids WHERE name = 'main'),
	'the changeset is stamped by the trigger, whatever was given');
SELECT is((SELECT updated_by FROM cfgmgr.entry WHERE path::text = 'direct.x'), current_user::text,
	'updated_by is stamped');
SELECT results_eq($$SELECT op, old_value, new_value, changeset FROM cfgmgr.change WHERE path::text = 'direct.x'$$,
	$$SELECT 'set', NULL::jsonb, '5'::jsonb, cs FROM c4_ids WHERE name = 'main'$$, 'the direct INSERT is in history');
SELECT is(cfgmgr.get('c4_b', 'c4_svc', 'direct.x'), '5'::jsonb, 'get sees the direct INSERT at once');
SELECT lives_ok($$UPDATE cfgmgr.entry SET value = '6' WHERE path::text = 'direct.x'$$, 'a direct UPDATE of the value');
SELECT results_eq($$SELECT op, old_value, new_value FROM cfgmgr.change WHERE path::text = 'direct.x' ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('set', '5'::jsonb, '6'::jsonb)$$, 'the direct UPDATE is in history');
SELECT is(cfgmgr.resolve('c4_b', 'c4_svc')->'direct', '{"x": 6}'::jsonb, 'resolve sees the direct UPDATE at once');
SELECT lives_ok($$UPDATE cfgmgr.entry SET value = NULL, tombstone = true WHERE path::text = 'direct.x'$$,
	'a direct UPDATE into a tombstone');
SELECT results_eq($$SELECT op, old_value, new_value FROM cfgmgr.change WHERE path::text = 'direct.x' ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('block', '6'::jsonb, NULL::jsonb)$$, 'recorded as block');
SELECT lives_ok($$UPDATE cfgmgr.entry SET value = '7', tombstone = false WHERE path::text = 'direct.x'$$, 'and back');
SELECT throws_ok($$UPDATE cfgmgr.entry SET path = 'direct.y' WHERE path::text = 'direct.x'$$, '0A000', NULL,
	'changing the path of an entry raises 0A000');
SELECT throws_ok($$UPDATE cfgmgr.entry SET provider = 'aws' WHERE path::text = 'direct.x'$$, '0A000', NULL,
	'changing the provider of an entry raises 0A000');
SELECT throws_ok($$UPDATE cfgmgr.entry SET env_id = (SELECT child FROM c4_k) WHERE path::text = 'direct.x'$$, '0A000', NULL,
	'changing the environment of an entry raises 0A000');
SELECT throws_ok($$UPDATE cfgmgr.entry SET service_id = service_id + 1000 WHERE path::text = 'direct.x'$$, '0A000', NULL,
	'changing the service of an entry raises 0A000');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
				   SELECT -1, svc, 'direct.z', '1', 0 FROM c4_k$$, 'CM006', NULL,
	'a direct INSERT into an unknown environment raises CM006');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
				   SELECT gone, svc, 'direct.z', '1', 0 FROM c4_k$$, 'CM006', NULL,
	'a direct INSERT into a dropped environment raises CM006');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
				   SELECT env, -1, 'direct.z', '1', 0 FROM c4_k$$, 'CM007', NULL,
	'a direct INSERT into an unknown service raises CM007');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, provider, value, changeset)
				   SELECT env, svc, 'direct.z', 'nope', '1', 0 FROM c4_k$$, '42704', NULL,
	'a direct INSERT with an unknown provider raises 42704');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, tombstone, changeset)
				   SELECT env, svc, 'direct.z', NULL, false, 0 FROM c4_k$$, '23514', NULL,
	'a value-less entry that is not a tombstone is refused');
SELECT lives_ok($$DELETE FROM cfgmgr.entry WHERE path::text = 'direct.x'$$, 'a direct DELETE');
SELECT results_eq($$SELECT op, old_value, new_value FROM cfgmgr.change WHERE path::text = 'direct.x' ORDER BY id DESC LIMIT 1$$,
	$$VALUES ('unset', '7'::jsonb, NULL::jsonb)$$, 'the direct DELETE is in history as unset');
SELECT is(cfgmgr.get('c4_b', 'c4_svc', 'direct.x', fallback => '"none"'), '"none"'::jsonb, 'get sees the DELETE at once');

-- ---------------------------------------------------------------------
-- other transactions, through a second session (dblink) that commits
-- ---------------------------------------------------------------------
CREATE EXTENSION IF NOT EXISTS dblink;
SELECT dblink_connect('c4', format('dbname=%s user=%s port=%s host=%s',
	quote_literal(current_database()), quote_literal(current_user), current_setting('port'),
	quote_literal(coalesce(nullif(split_part(current_setting('unix_socket_directories'), ',', 1), ''), 'localhost'))))
	= 'OK' AS connected \gset
SELECT ok(:'connected', 'a second session');
-- leftovers of an interrupted earlier run
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.drop_environment('c4_dbl_root', true)
	WHERE EXISTS (SELECT FROM cfgmgr.environments WHERE name = 'c4_dbl_root');
	END $d$$q$) AS x \gset
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.create_environment('c4_dbl_root');
	PERFORM cfgmgr.create_environment('c4_dbl_leaf', 'c4_dbl_root');
	PERFORM cfgmgr.create_service('c4_dbl_svc') WHERE NOT EXISTS (SELECT FROM cfgmgr.services WHERE name = 'c4_dbl_svc');
	END $d$$q$) AS x \gset

-- transaction 1: autocommit
INSERT INTO c4_ids SELECT 'tx1', cs FROM dblink('c4',
	$$SELECT cfgmgr.set_many('c4_dbl_root', 'c4_dbl_svc', '{"a": 1, "keep": "k"}', message => 'tx one')$$) AS t(cs bigint);
-- transaction 2: three calls in one transaction
SELECT dblink_exec('c4', 'BEGIN') AS x \gset
INSERT INTO c4_ids SELECT 'tx2_set', cs FROM dblink('c4',
	$$SELECT cfgmgr.set('c4_dbl_leaf', 'c4_dbl_svc', 'b', '2', message => 'tx two')$$) AS t(cs bigint);
INSERT INTO c4_ids SELECT 'tx2_many', cs FROM dblink('c4',
	$$SELECT cfgmgr.set_many('c4_dbl_root', 'c4_dbl_svc', '{"m": {"x": 1}}')$$) AS t(cs bigint);
INSERT INTO c4_ids SELECT 'tx2_unset', cs FROM dblink('c4',
	$$SELECT cfgmgr.unset('c4_dbl_root', 'c4_dbl_svc', 'a')$$) AS t(cs bigint);
SELECT dblink_exec('c4', 'COMMIT') AS x \gset

SELECT isnt((SELECT cs FROM c4_ids WHERE name = 'tx1'), (SELECT cs FROM c4_ids WHERE name = 'tx2_set'),
	'two transactions get two changesets');
SELECT is((SELECT count(DISTINCT cs)::int FROM c4_ids WHERE name LIKE 'tx2%'), 1,
	'set, set_many and unset in one transaction share one changeset');
SELECT isnt((SELECT cs FROM c4_ids WHERE name = 'tx1'), (SELECT cs FROM c4_ids WHERE name = 'main'),
	'the other session''s changeset is not ours');
SELECT results_eq(
	$$SELECT id, message FROM cfgmgr.changeset
		WHERE id IN (SELECT cs FROM c4_ids WHERE name LIKE 'tx%') ORDER BY id$$,
	$$SELECT DISTINCT cs, CASE WHEN name = 'tx1' THEN 'tx one' ELSE 'tx two' END FROM c4_ids
		WHERE name IN ('tx1', 'tx2_set') ORDER BY cs$$,
	'one committed changeset row each, with its message');
SELECT results_eq(
	$$SELECT c.op, c.path::text, c.changeset FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
		WHERE e.name LIKE 'c4\_dbl\_%' AND e.dropped_at IS NULL ORDER BY c.id$$,
	$$SELECT op, path, cs FROM (VALUES (1, 'set', 'a', 'tx1'), (2, 'set', 'keep', 'tx1'), (3, 'set', 'b', 'tx2_set'),
			(4, 'set', 'm.x', 'tx2_set'), (5, 'unset', 'a', 'tx2_set')) v(n, op, path, k)
		JOIN c4_ids ON c4_ids.name = v.k ORDER BY n$$,
	'history rows carry the changeset of the transaction that wrote them');
SELECT results_eq(
	$$SELECT path, environment, changeset FROM cfgmgr.provenance('c4_dbl_leaf', 'c4_dbl_svc') ORDER BY path$$,
	$$SELECT path, env, cs FROM (VALUES (1, 'b', 'c4_dbl_leaf', 'tx2_set'), (2, 'keep', 'c4_dbl_root', 'tx1'),
			(3, 'm.x', 'c4_dbl_root', 'tx2_set')) v(n, path, env, k)
		JOIN c4_ids ON c4_ids.name = v.k ORDER BY n$$,
	'provenance names the changeset each resolved leaf was written in');

-- cache invalidation at the other session's commit
SELECT is(cfgmgr.get('c4_dbl_leaf', 'c4_dbl_svc', 'b'), '2'::jsonb, 'read (and cache) a value');
SELECT is(cfgmgr.resolve('c4_dbl_leaf', 'c4_dbl_svc'), '{"b": 2, "keep": "k", "m": {"x": 1}}'::jsonb,
	'read (and cache) the document');
SELECT dblink_exec('c4', 'BEGIN') AS x \gset
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.set('c4_dbl_root', 'c4_dbl_svc', 'keep', '"k2"');
	END $d$$q$) AS x \gset
SELECT is(cfgmgr.get('c4_dbl_leaf', 'c4_dbl_svc', 'keep'), '"k"'::jsonb, 'an uncommitted change of another session is invisible');
SELECT dblink_exec('c4', 'COMMIT') AS x \gset
SELECT is(cfgmgr.get('c4_dbl_leaf', 'c4_dbl_svc', 'keep'), '"k2"'::jsonb,
	'the next statement sees the other session''s committed change');
SELECT is(cfgmgr.resolve('c4_dbl_leaf', 'c4_dbl_svc'), '{"b": 2, "keep": "k2", "m": {"x": 1}}'::jsonb,
	'so does resolve');
SELECT dblink_exec('c4', 'BEGIN') AS x \gset
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.set('c4_dbl_leaf', 'c4_dbl_svc', 'b', '99');
	END $d$$q$) AS x \gset
SELECT dblink_exec('c4', 'ROLLBACK') AS x \gset
SELECT is(cfgmgr.get('c4_dbl_leaf', 'c4_dbl_svc', 'b'), '2'::jsonb, 'a change rolled back by the other session never shows');
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.set_parent('c4_dbl_leaf', NULL);
	END $d$$q$) AS x \gset
SELECT is(cfgmgr.resolve('c4_dbl_leaf', 'c4_dbl_svc'), '{"b": 2}'::jsonb,
	'a committed set_parent of another session is seen by the next statement');

-- clean up what the other session committed (history stays)
SELECT dblink_exec('c4', $q$DO $d$ BEGIN
	PERFORM cfgmgr.drop_environment('c4_dbl_root', true);
	PERFORM cfgmgr.drop_environment('c4_dbl_leaf', true);
	END $d$$q$) AS x \gset
SELECT throws_ok($$SELECT cfgmgr.get('c4_dbl_leaf', 'c4_dbl_svc', 'b')$$, 'CM006', NULL,
	'an environment dropped by another session is gone for the next statement');
SELECT cmp_ok((SELECT count(*)::int FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
			WHERE e.name LIKE 'c4\_dbl\_%' AND c.changeset IN (SELECT cs FROM c4_ids)), '>=', 5,
	'the dropped environments'' history is kept');
SELECT dblink_disconnect('c4') AS x \gset

SELECT * FROM finish();
ROLLBACK;
