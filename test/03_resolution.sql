--
-- 03_resolution.sql - layered resolution: deep merge across levels, arrays
-- and scalars replacing, JSON null, tombstones, provider precedence,
-- specificity within a level, explain, provenance, re-parenting.
--
-- Chain used throughout: r3_l0 (root) -> r3_l1 -> r3_l2 -> r3_l3.
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(85);

SELECT lives_ok($$SELECT cfgmgr.create_environment('r3_l0');
				  SELECT cfgmgr.create_environment('r3_l1', 'r3_l0');
				  SELECT cfgmgr.create_environment('r3_l2', 'r3_l1');
				  SELECT cfgmgr.create_environment('r3_l3', 'r3_l2');
				  SELECT cfgmgr.create_environment('r3_side', 'r3_l0');
				  SELECT cfgmgr.create_environment('r3_lone');
				  SELECT cfgmgr.create_service('r3_svc');
				  SELECT cfgmgr.create_service('r3_other')$$, 'fixtures');

SELECT is(cfgmgr.resolve('r3_l3', 'r3_svc'), '{}'::jsonb, 'a service without values resolves to {}');

-- ---------------------------------------------------------------------
-- deep merge across four levels
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'db', '{"host": "h0", "pool": {"min": 1, "max": 10}, "opts": {"ssl": false}}');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'db.pool.max', '20');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'db', '{"pool": {"timeout": 30}, "opts": {"ssl": true}}');
	SELECT cfgmgr.set('r3_l3', 'r3_svc', 'db.host', '"h3"')$$, 'one object spread over four levels');
SELECT is(cfgmgr.resolve('r3_l0', 'r3_svc')->'db',
	'{"host": "h0", "pool": {"min": 1, "max": 10}, "opts": {"ssl": false}}'::jsonb, 'level 0 alone');
SELECT is(cfgmgr.resolve('r3_l1', 'r3_svc')->'db',
	'{"host": "h0", "pool": {"min": 1, "max": 20}, "opts": {"ssl": false}}'::jsonb, 'level 1 overrides one leaf');
SELECT is(cfgmgr.resolve('r3_l2', 'r3_svc')->'db',
	'{"host": "h0", "pool": {"min": 1, "max": 20, "timeout": 30}, "opts": {"ssl": true}}'::jsonb,
	'level 2 deep-merges an object');
SELECT is(cfgmgr.resolve('r3_l3', 'r3_svc')->'db',
	'{"host": "h3", "pool": {"min": 1, "max": 20, "timeout": 30}, "opts": {"ssl": true}}'::jsonb,
	'level 3: the deepest level wins leaf by leaf');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'db.pool'), '{"min": 1, "max": 20, "timeout": 30}'::jsonb,
	'get of an object path returns the merged subtree');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'db.pool.max'), '20'::jsonb, 'get of a leaf from a middle level');
SELECT is(cfgmgr.resolve('r3_side', 'r3_svc')->'db',
	'{"host": "h0", "pool": {"min": 1, "max": 10}, "opts": {"ssl": false}}'::jsonb,
	'a sibling branch sees only the shared root');
SELECT is(cfgmgr.resolve('r3_lone', 'r3_svc'), '{}'::jsonb, 'an unrelated root sees nothing');
SELECT is(cfgmgr.resolve('r3_l3', 'r3_other'), '{}'::jsonb, 'another service sees nothing');

-- ---------------------------------------------------------------------
-- arrays and scalars replace
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'list', '[1, 2, 3]');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'list', '[4]');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'objs', '[{"a": 1}]');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'objs', '[{"b": 2}]');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'mix', '{"a": 1}');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'mix', '[1]');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'mix', '{"b": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'sc', '5');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'sc.z', '1');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'sc', '"s"');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'ob', '{"a": {"b": 1}}');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'ob.a', '"flat"')$$, 'arrays, scalars and objects over each other');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'list'), '[4]'::jsonb, 'an array replaces an array (no concatenation)');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'objs'), '[{"b": 2}]'::jsonb, 'arrays of objects are not merged');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'mix'), '[1]'::jsonb, 'an array replaces an object');
SELECT is(cfgmgr.get('r3_l2', 'r3_svc', 'mix'), '{"b": 2}'::jsonb, 'an object replaces an array');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'sc'), '{"z": 1}'::jsonb, 'a deeper path replaces an inherited scalar by an object');
SELECT is(cfgmgr.get('r3_l2', 'r3_svc', 'sc'), '"s"'::jsonb, 'a scalar replaces an inherited object');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'ob'), '{"a": "flat"}'::jsonb, 'a scalar replaces an inherited nested object');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'list'), '[1, 2, 3]'::jsonb, 'the parent keeps its own array');

-- ---------------------------------------------------------------------
-- JSON null is a value that overrides
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'n', '"v"');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'n', 'null');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'n.k', '1');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'o', '{"a": 1}');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'o', 'null');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'o.b', '2')$$, 'JSON nulls over values');
SELECT ok(cfgmgr.resolve('r3_l1', 'r3_svc') ? 'n', 'a JSON null keeps its key in resolve');
SELECT is(cfgmgr.resolve('r3_l1', 'r3_svc')->'n', 'null'::jsonb, 'JSON null overrides an inherited string');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'n', fallback => '"f"'), 'null'::jsonb,
	'get returns the JSON null, not the fallback');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'o'), 'null'::jsonb, 'JSON null overrides an inherited object');
SELECT is(cfgmgr.get('r3_l2', 'r3_svc', 'n'), '{"k": 1}'::jsonb, 'a deeper level can set below a null');
SELECT is(cfgmgr.get('r3_l2', 'r3_svc', 'o'), '{"b": 2}'::jsonb, 'the object hidden by null does not come back');

-- ---------------------------------------------------------------------
-- tombstones
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't', '{"a": 1, "b": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't2', '{"a": 1, "b": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't4.x', '1');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't4.y', '2');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't3', '{"a": 1}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 't6.z', '3');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 't6.x', '1');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 't6.y', '2')$$, 'tombstone fixtures');
SELECT is(cfgmgr.unset('r3_l1', 'r3_svc', 't', block => true), cfgmgr.current_changeset(),
	'unset(block => true) returns the changeset id');
SELECT ok(NOT (cfgmgr.resolve('r3_l1', 'r3_svc') ? 't'), 'a tombstone removes the inherited path');
SELECT throws_ok($$SELECT cfgmgr.get('r3_l1', 'r3_svc', 't')$$, 'CM005', NULL, 'get of a tombstoned path raises CM005');
SELECT throws_ok($$SELECT cfgmgr.get('r3_l1', 'r3_svc', 't.a')$$, 'CM005', NULL, 'and below it too');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 't'), '{"a": 1, "b": 2}'::jsonb, 'the parent is unaffected');
SELECT lives_ok($$SELECT cfgmgr.set('r3_l2', 'r3_svc', 't.b', '3')$$, 're-set below the tombstone, one level down');
SELECT is(cfgmgr.get('r3_l2', 'r3_svc', 't'), '{"b": 3}'::jsonb, 'a deeper level sets it again, without the hidden siblings');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 't'), '{"b": 3}'::jsonb, 'and its children inherit that');

SELECT lives_ok($$SELECT cfgmgr.unset('r3_l1', 'r3_svc', 't2.a', block => true)$$, 'tombstone a sub-path');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 't2'), '{"b": 2}'::jsonb, 'only that sub-path is removed');
SELECT lives_ok($$SELECT cfgmgr.unset('r3_l1', 'r3_svc', 't4', block => true)$$,
	'tombstone a path whose parent stores separate leaves below it');
SELECT throws_ok($$SELECT cfgmgr.get('r3_l1', 'r3_svc', 't4')$$, 'CM005', NULL, 'all of them are hidden');

SELECT lives_ok($$SELECT cfgmgr.unset('r3_l1', 'r3_svc', 't3', block => true);
				  SELECT cfgmgr.set('r3_l1', 'r3_svc', 't3.c', '1')$$,
	'a tombstone and a value below it in the same level');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 't3'), '{"c": 1}'::jsonb,
	'the level''s own value below its tombstone applies, the inherited one does not');

SELECT lives_ok($$SELECT cfgmgr.unset('r3_l1', 'r3_svc', 't6', block => true)$$,
	'tombstone a path the same level stores values below');
SELECT results_eq(
	$$SELECT path::text, value, tombstone FROM cfgmgr."values"
		WHERE environment = 'r3_l1' AND path::text LIKE 't6%' ORDER BY path$$,
	$$VALUES ('t6', NULL::jsonb, true)$$,
	'block replaced the level''s own values below by one tombstone (value NULL in cfgmgr.values)');
SELECT throws_ok($$SELECT cfgmgr.get('r3_l3', 'r3_svc', 't6')$$, 'CM005', NULL, 'nothing of t6 is left');

SELECT lives_ok($$SELECT cfgmgr.unset('r3_l1', 'r3_svc', 't2.a')$$, 'unset without block removes the tombstone');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 't2'), '{"a": 1, "b": 2}'::jsonb, 'inheritance is back');
SELECT lives_ok($$SELECT cfgmgr.set('r3_l1', 'r3_svc', 't4', '7')$$, 'set over a tombstone of the same level');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 't4'), '7'::jsonb, 'the value replaced the tombstone');
SELECT is((SELECT tombstone FROM cfgmgr."values" WHERE environment = 'r3_l1' AND path::text = 't4'), false,
	'the stored entry is a value again');

-- ---------------------------------------------------------------------
-- provider-neutral vs provider-specific
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'p', '"n0"');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'p', '"a0"', provider => 'aws');
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'p', '"n1"');
	SELECT cfgmgr.set('r3_l2', 'r3_svc', 'p', '"a2"', provider => 'aws');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'net', '{"a": 1, "b": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'net.b', '3', provider => 'aws');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'net', '{"c": 4}', provider => 'aws');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'u.x', '1');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'u', '"flat"', provider => 'aws');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'q', '0');
	SELECT cfgmgr.unset('r3_l1', 'r3_svc', 'q', block => true);
	SELECT cfgmgr.set('r3_l1', 'r3_svc', 'q', '1', provider => 'aws')$$, 'provider fixtures');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'p'), '"n0"'::jsonb, 'without a provider the neutral value');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'p', 'aws'), '"a0"'::jsonb,
	'within a level the provider value beats the neutral one');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'p', 'gcp'), '"n0"'::jsonb, 'another provider gets the neutral value');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'p', 'aws'), '"n1"'::jsonb,
	'a deeper neutral value beats a shallower provider value (level order first)');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'p', 'aws'), '"a2"'::jsonb, 'a deeper provider value wins again');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'p'), '"n1"'::jsonb, 'without the provider: the deepest neutral value');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'net', 'aws'), '{"a": 1, "b": 3, "c": 4}'::jsonb,
	'provider values deep-merge into the same level''s neutral object');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'u', 'aws'), '"flat"'::jsonb,
	'a provider value at an ancestor path replaces the neutral values below it');
SELECT is(cfgmgr.get('r3_l1', 'r3_svc', 'q', 'aws'), '1'::jsonb,
	'a neutral tombstone does not hide the same level''s provider value');
SELECT throws_ok($$SELECT cfgmgr.get('r3_l1', 'r3_svc', 'q')$$, 'CM005', NULL,
	'but hides the inherited neutral one');

-- ---------------------------------------------------------------------
-- within a level: the more specific path wins, whatever the write order
-- ---------------------------------------------------------------------
SELECT lives_ok($$
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'c.x', '9');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'c', '{"x": 1, "y": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'd', '{"x": 1, "y": 2}');
	SELECT cfgmgr.set('r3_l0', 'r3_svc', 'd.x', '9')$$, 'ancestor and descendant in one level');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'c'), '{"x": 9, "y": 2}'::jsonb,
	'the descendant wins although the ancestor object was written later');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'd'), '{"x": 9, "y": 2}'::jsonb, 'the descendant wins when written later');
SELECT is(cfgmgr.get('r3_l0', 'r3_svc', 'c.x'), '9'::jsonb, 'get of the leaf agrees with resolve');

-- ---------------------------------------------------------------------
-- explain
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT level, environment, provider, source, value, winner
		FROM cfgmgr.explain('r3_l3', 'r3_svc', 'db.pool.max')$$,
	$$VALUES (0, 'r3_l0', NULL::text, 'value', '10'::jsonb, false),
			 (1, 'r3_l1', NULL, 'value', '20', true)$$,
	'explain of a leaf: the ancestor object''s part and the winning override');
SELECT results_eq(
	$$SELECT level, environment, source, value, winner FROM cfgmgr.explain('r3_l3', 'r3_svc', 'db.pool')$$,
	$$VALUES (0, 'r3_l0', 'value', '{"min": 1, "max": 10}'::jsonb, true),
			 (1, 'r3_l1', 'value', '{"max": 20}', true),
			 (2, 'r3_l2', 'value', '{"timeout": 30}', true)$$,
	'explain of an object: every level that contributes a surviving leaf wins');
SELECT results_eq(
	$$SELECT level, environment, provider, source, value, winner FROM cfgmgr.explain('r3_l3', 'r3_svc', 'p', 'aws')$$,
	$$VALUES (0, 'r3_l0', NULL::text, 'value', '"n0"'::jsonb, false),
			 (0, 'r3_l0', 'aws', 'value', '"a0"', false),
			 (1, 'r3_l1', NULL, 'value', '"n1"', false),
			 (2, 'r3_l2', 'aws', 'value', '"a2"', true)$$,
	'explain with a provider: application order, neutral before provider within a level');
SELECT results_eq(
	$$SELECT level, environment, source, value, winner FROM cfgmgr.explain('r3_l3', 'r3_svc', 't')$$,
	$$VALUES (0, 'r3_l0', 'value', '{"a": 1, "b": 2}'::jsonb, false),
			 (1, 'r3_l1', 'tombstone', NULL, false),
			 (2, 'r3_l2', 'value', '{"b": 3}', true)$$,
	'explain shows the tombstone and the value set again below it');
SELECT results_eq(
	$$SELECT level, environment, source, value, winner FROM cfgmgr.explain('r3_l1', 'r3_svc', 't.a')$$,
	$$VALUES (0, 'r3_l0', 'value', '1'::jsonb, false),
			 (1, 'r3_l1', 'tombstone', NULL, true)$$,
	'when a tombstone hides the path the tombstone is the winner');
SELECT results_eq(
	$$SELECT level, environment, source, value, winner FROM cfgmgr.explain('r3_l1', 'r3_svc', 'n')$$,
	$$VALUES (0, 'r3_l0', 'value', '"v"'::jsonb, false),
			 (1, 'r3_l1', 'value', 'null', true)$$,
	'explain: a JSON null wins (value is JSON null, not SQL NULL)');
SELECT is_empty($$SELECT * FROM cfgmgr.explain('r3_l3', 'r3_svc', 'no.such.path')$$,
	'explain of a path nothing touches is empty');

-- ---------------------------------------------------------------------
-- provenance
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT path, value, environment, provider FROM cfgmgr.provenance('r3_l3', 'r3_svc')
		WHERE path LIKE 'db.%' OR path IN ('list', 'n.k', 't.b', 'p') ORDER BY path$$,
	$$VALUES ('db.host', '"h3"'::jsonb, 'r3_l3', NULL::text),
			 ('db.opts.ssl', 'true', 'r3_l2', NULL),
			 ('db.pool.max', '20', 'r3_l1', NULL),
			 ('db.pool.min', '1', 'r3_l0', NULL),
			 ('db.pool.timeout', '30', 'r3_l2', NULL),
			 ('list', '[4]', 'r3_l1', NULL),
			 ('n.k', '1', 'r3_l2', NULL),
			 ('p', '"n1"', 'r3_l1', NULL),
			 ('t.b', '3', 'r3_l2', NULL)$$,
	'provenance names the level every resolved leaf comes from');
SELECT results_eq(
	$$SELECT path, value, environment, provider FROM cfgmgr.provenance('r3_l3', 'r3_svc', 'aws')
		WHERE path IN ('p', 'q', 'net.a', 'net.b', 'net.c') ORDER BY path$$,
	$$VALUES ('net.a', '1'::jsonb, 'r3_l0', NULL::text),
			 ('net.b', '3', 'r3_l0', 'aws'),
			 ('net.c', '4', 'r3_l0', 'aws'),
			 ('p', '"a2"', 'r3_l2', 'aws'),
			 ('q', '1', 'r3_l1', 'aws')$$,
	'provenance with a provider names the provider of provider-specific leaves');
SELECT results_eq(
	$$SELECT DISTINCT changeset FROM cfgmgr.provenance('r3_l3', 'r3_svc')$$,
	$$SELECT cfgmgr.current_changeset()$$,
	'provenance carries the changeset (one transaction here, so one id)');
SELECT is(
	(SELECT jsonb_object_agg(path, value) FROM cfgmgr.provenance('r3_l3', 'r3_svc') WHERE path LIKE 'db.%'),
	'{"db.host": "h3", "db.opts.ssl": true, "db.pool.max": 20, "db.pool.min": 1, "db.pool.timeout": 30}'::jsonb,
	'provenance values agree with resolve');

-- ---------------------------------------------------------------------
-- set_parent: resolution follows at once (also through the cache)
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'db.pool.max'), '20'::jsonb, 'before re-parenting (cached)');
SELECT lives_ok($$SELECT cfgmgr.set_parent('r3_l3', 'r3_l0')$$, 'move the leaf directly under the root');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'db.pool.max'), '10'::jsonb, 'get follows the new parent at once');
SELECT is(cfgmgr.resolve('r3_l3', 'r3_svc')->'db',
	'{"host": "h3", "pool": {"min": 1, "max": 10}, "opts": {"ssl": false}}'::jsonb,
	'resolve follows the new parent at once');
SELECT lives_ok($$SELECT cfgmgr.set_parent('r3_l3', NULL)$$, 'detach the leaf');
SELECT is(cfgmgr.resolve('r3_l3', 'r3_svc'), '{"db": {"host": "h3"}}'::jsonb, 'a detached leaf keeps only its own values');
SELECT lives_ok($$SELECT cfgmgr.set_parent('r3_l3', 'r3_l2')$$, 'put it back');
SELECT is(cfgmgr.get('r3_l3', 'r3_svc', 'db.pool.max'), '20'::jsonb, 'resolution is as before');

SELECT * FROM finish();
ROLLBACK;
