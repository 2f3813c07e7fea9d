--
-- 01_environments.sql - environments and services: creation, the tree,
-- environment_chain, set_parent, drop_environment, the views.
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(81);

-- ---------------------------------------------------------------------
-- create_environment
-- ---------------------------------------------------------------------
SELECT cmp_ok(cfgmgr.create_environment('e1_base', labels => '{"tier": "base"}'), '>', 0,
	'create_environment returns a positive id');
SELECT cmp_ok(cfgmgr.create_environment('e1_prod', 'e1_base', is_production => true,
										approval_required => true, required_approvals => 2),
	'>', 0, 'create_environment with a parent and attributes');
SELECT lives_ok($$SELECT cfgmgr.create_environment('e1_prod_eu', parent => 'e1_prod')$$,
	'create_environment with a named parent argument');
SELECT lives_ok($$SELECT cfgmgr.create_environment('e1_prod_eu_1', 'e1_prod_eu')$$,
	'a fourth level');
SELECT lives_ok($$SELECT cfgmgr.create_environment('E1-Mixed_Case-9')$$,
	'letters, digits, "_" and "-" are valid in names');
SELECT lives_ok($$SELECT cfgmgr.create_environment(repeat('e', 63))$$,
	'a 63-byte name is accepted');
SELECT isnt(cfgmgr.create_environment('e1_other'), cfgmgr.create_environment('e1_other2'),
	'every environment gets its own id');

SELECT results_eq(
	$$SELECT name COLLATE "default", parent COLLATE "default", is_production, approval_required, required_approvals, labels
		FROM cfgmgr.environments WHERE name LIKE 'e1\_%' ORDER BY name$$,
	$$VALUES ('e1_base', NULL, false, false, 1, '{"tier": "base"}'::jsonb),
			 ('e1_other', NULL, false, false, 1, '{}'::jsonb),
			 ('e1_other2', NULL, false, false, 1, '{}'::jsonb),
			 ('e1_prod', 'e1_base', true, true, 2, '{}'::jsonb),
			 ('e1_prod_eu', 'e1_prod', false, false, 1, '{}'::jsonb),
			 ('e1_prod_eu_1', 'e1_prod_eu', false, false, 1, '{}'::jsonb)$$,
	'cfgmgr.environments shows the tree, the attributes and the defaults');
SELECT is((SELECT created_by FROM cfgmgr.environments WHERE name = 'e1_base'), current_user::text,
	'created_by is the creating role');

-- failures
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_base')$$, '42710', NULL,
	'a duplicate environment name is refused with 42710');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_x', 'e1_nope')$$, 'CM006', NULL,
	'an unknown parent is refused with CM006');
SELECT throws_ok($$SELECT cfgmgr.create_environment(NULL)$$, '22004', NULL,
	'a NULL environment name is refused with 22004');
SELECT throws_ok($$SELECT cfgmgr.create_environment('')$$, '22023', NULL,
	'an empty environment name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1 space')$$, '22023', NULL,
	'a name with a space is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('-e1')$$, '22023', NULL,
	'a name starting with "-" is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1.dot')$$, '22023', NULL,
	'a name with a dot is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_caf' || chr(233))$$, '22023', NULL,
	'a non-ASCII name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment(repeat('e', 64))$$, '22023', NULL,
	'a 64-byte name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_x', labels => '["a"]')$$, '22023', NULL,
	'labels that are not an object are refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_x', labels => NULL)$$, NULL, NULL,
	'NULL labels are refused');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_x', required_approvals => 0)$$, NULL, NULL,
	'required_approvals below 1 is refused');
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name = 'e1_x'), 0,
	'no refused environment was created');

-- ---------------------------------------------------------------------
-- environment_chain
-- ---------------------------------------------------------------------
SELECT results_eq($$SELECT * FROM cfgmgr.environment_chain('e1_prod_eu_1')$$,
	ARRAY['e1_base', 'e1_prod', 'e1_prod_eu', 'e1_prod_eu_1'],
	'environment_chain lists the chain root first');
SELECT results_eq($$SELECT * FROM cfgmgr.environment_chain('e1_base')$$, ARRAY['e1_base'],
	'the chain of a root is the root alone');
SELECT throws_ok($$SELECT * FROM cfgmgr.environment_chain('e1_nope')$$, 'CM006', NULL,
	'environment_chain of an unknown environment raises CM006');
SELECT throws_ok($$SELECT * FROM cfgmgr.environment_chain(NULL)$$, '22004', NULL,
	'environment_chain(NULL) raises 22004');

-- ---------------------------------------------------------------------
-- set_parent
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.create_environment('e1_stage', 'e1_base')$$, 'a sibling branch');
SELECT lives_ok($$SELECT cfgmgr.set_parent('e1_prod_eu', 'e1_stage')$$, 'set_parent re-parents');
SELECT results_eq($$SELECT * FROM cfgmgr.environment_chain('e1_prod_eu_1')$$,
	ARRAY['e1_base', 'e1_stage', 'e1_prod_eu', 'e1_prod_eu_1'],
	'the chain follows the new parent at once');
SELECT is((SELECT parent::text FROM cfgmgr.environments WHERE name = 'e1_prod_eu'), 'e1_stage',
	'cfgmgr.environments shows the new parent');
SELECT lives_ok($$SELECT cfgmgr.set_parent('e1_prod_eu', NULL)$$, 'set_parent(name, NULL) makes a root');
SELECT results_eq($$SELECT * FROM cfgmgr.environment_chain('e1_prod_eu_1')$$,
	ARRAY['e1_prod_eu', 'e1_prod_eu_1'], 'the chain of a detached subtree starts at its new root');
SELECT lives_ok($$SELECT cfgmgr.set_parent('e1_prod_eu', 'e1_prod')$$, 'set_parent back');

SELECT throws_ok($$SELECT cfgmgr.set_parent('e1_base', 'e1_prod_eu_1')$$, 'CM004', NULL,
	'making an environment descend from its own descendant raises CM004');
SELECT throws_ok($$SELECT cfgmgr.set_parent('e1_prod', 'e1_prod_eu')$$, 'CM004', NULL,
	'a two-node cycle raises CM004');
SELECT throws_ok($$SELECT cfgmgr.set_parent('e1_base', 'e1_base')$$, 'CM004', NULL,
	'an environment cannot be its own parent (CM004)');
SELECT throws_ok($$UPDATE cfgmgr.environment SET parent_id = (SELECT id FROM cfgmgr.environment
						WHERE name = 'e1_prod_eu_1' AND dropped_at IS NULL)
					WHERE name = 'e1_base' AND dropped_at IS NULL$$, 'CM004', NULL,
	'a cycle written directly into cfgmgr.environment is refused with CM004 too');
SELECT results_eq($$SELECT * FROM cfgmgr.environment_chain('e1_prod_eu_1')$$,
	ARRAY['e1_base', 'e1_prod', 'e1_prod_eu', 'e1_prod_eu_1'],
	'refused re-parenting left the tree unchanged');
SELECT throws_ok($$SELECT cfgmgr.set_parent('e1_nope', 'e1_base')$$, 'CM006', NULL,
	'set_parent of an unknown environment raises CM006');
SELECT throws_ok($$SELECT cfgmgr.set_parent('e1_prod', 'e1_nope')$$, 'CM006', NULL,
	'set_parent to an unknown parent raises CM006');
SELECT throws_ok($$SELECT cfgmgr.set_parent(NULL, 'e1_base')$$, '22004', NULL,
	'set_parent(NULL, ...) raises 22004');

-- ---------------------------------------------------------------------
-- depth limit: a chain may have 1000 levels; every level that can be
-- created can be read
-- ---------------------------------------------------------------------
SELECT lives_ok($q$DO $d$ BEGIN
	PERFORM cfgmgr.create_environment('d1_lv1');
	FOR i IN 2..1000 LOOP
		PERFORM cfgmgr.create_environment('d1_lv' || i, 'd1_lv' || (i - 1));
	END LOOP;
	PERFORM cfgmgr.create_service('d1_deep');
	PERFORM cfgmgr.set('d1_lv1', 'd1_deep', 'a', '1');
	PERFORM cfgmgr.set('d1_lv500', 'd1_deep', 'a', '2');
	PERFORM cfgmgr.set('d1_lv1000', 'd1_deep', 'b', '3');
END $d$$q$, 'a chain of 1000 levels');
SELECT is((SELECT array_agg(e) FROM cfgmgr.environment_chain('d1_lv1000') e),
	(SELECT array_agg('d1_lv' || i ORDER BY i) FROM generate_series(1, 1000) i),
	'environment_chain lists all 1000 levels, root first');
SELECT is(cfgmgr.resolve('d1_lv1000', 'd1_deep'), '{"a": 2, "b": 3}'::jsonb, 'a 1000-level chain resolves');
SELECT throws_ok($$SELECT cfgmgr.create_environment('d1_lv1001', 'd1_lv1000')$$, 'CM004', NULL,
	'a 1001st level is refused with CM004 when it is created');
SELECT throws_ok($$SELECT cfgmgr.resolve('d1_lv1001', 'd1_deep')$$, 'CM006', NULL,
	'the refused level does not exist (never an environment that cannot be read)');

-- ---------------------------------------------------------------------
-- create_service and cfgmgr.services
-- ---------------------------------------------------------------------
SELECT cmp_ok(cfgmgr.create_service('e1_svc', 'billing backend'), '>', 0,
	'create_service returns a positive id');
SELECT lives_ok($$SELECT cfgmgr.create_service('e1_svc2')$$, 'the description is optional');
SELECT results_eq(
	$$SELECT name COLLATE "default", description, created_by FROM cfgmgr.services
		WHERE name LIKE 'e1\_%' ORDER BY name$$,
	$$VALUES ('e1_svc', 'billing backend', current_user::text COLLATE "default"),
			 ('e1_svc2', NULL, current_user::text COLLATE "default")$$,
	'cfgmgr.services lists services with their description');
SELECT throws_ok($$SELECT cfgmgr.create_service('e1_svc')$$, '42710', NULL,
	'a duplicate service is refused with 42710');
SELECT throws_ok($$SELECT cfgmgr.create_service(NULL)$$, '22004', NULL,
	'a NULL service name is refused with 22004');
SELECT throws_ok($$SELECT cfgmgr.create_service('')$$, '22023', NULL,
	'an empty service name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_service('e1 svc')$$, '22023', NULL,
	'a service name with a space is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_service('e1.svc')$$, '22023', NULL,
	'a service name with a dot is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_service(repeat('s', 64))$$, '22023', NULL,
	'a 64-byte service name is refused with 22023');

-- ---------------------------------------------------------------------
-- drop_environment
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.set('e1_base', 'e1_svc', 'db.host', '"base-host"');
				  SELECT cfgmgr.set('e1_prod_eu', 'e1_svc', 'db.port', '5433');
				  SELECT cfgmgr.set('e1_prod_eu_1', 'e1_svc', 'db.host', '"eu1-host"');
				  SELECT cfgmgr.set('e1_prod_eu_1', 'e1_svc', 'db.pool', '{"max": 5}')$$,
	'values in three levels');
SELECT is(cfgmgr.get('e1_prod_eu_1', 'e1_svc', 'db'),
	'{"host": "eu1-host", "port": 5433, "pool": {"max": 5}}'::jsonb, 'values before the drop');

SELECT throws_ok($$SELECT cfgmgr.drop_environment('e1_prod')$$, '2BP01', NULL,
	'dropping an environment with children raises 2BP01');
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name LIKE 'e1\_prod%'), 3,
	'the refused drop dropped nothing');
SELECT throws_ok($$SELECT cfgmgr.drop_environment('e1_nope')$$, 'CM006', NULL,
	'dropping an unknown environment raises CM006');
SELECT throws_ok($$SELECT cfgmgr.drop_environment(NULL)$$, '22004', NULL,
	'drop_environment(NULL) raises 22004');

CREATE TEMP TABLE e1_old AS
	SELECT id FROM cfgmgr.environment WHERE name = 'e1_prod_eu_1' AND dropped_at IS NULL;
SELECT is(cfgmgr.drop_environment('e1_prod_eu_1'), cfgmgr.current_changeset(),
	'drop_environment of a leaf returns the changeset id');
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name = 'e1_prod_eu_1'), 0,
	'the dropped environment left cfgmgr.environments');
SELECT isnt((SELECT dropped_at FROM cfgmgr.environment WHERE id = (SELECT id FROM e1_old)), NULL,
	'its row is kept, marked dropped');
SELECT is((SELECT count(*)::int FROM cfgmgr.entry WHERE env_id = (SELECT id FROM e1_old)), 0,
	'its values were deleted');
SELECT results_eq(
	$$SELECT op, path::text, old_value, new_value FROM cfgmgr.change
		WHERE env_id = (SELECT id FROM e1_old) ORDER BY id$$,
	$$VALUES ('set', 'db.host', NULL::jsonb, '"eu1-host"'::jsonb),
			 ('set', 'db.pool', NULL, '{"max": 5}'),
			 ('unset', 'db.host', '"eu1-host"', NULL),
			 ('unset', 'db.pool', '{"max": 5}', NULL)$$,
	'its history is kept, and the drop is recorded as unset');
SELECT throws_ok($$SELECT cfgmgr.get('e1_prod_eu_1', 'e1_svc', 'db.host')$$, 'CM006', NULL,
	'reading a dropped environment raises CM006');
SELECT throws_ok($$SELECT cfgmgr.set('e1_prod_eu_1', 'e1_svc', 'db.host', '1')$$, 'CM006', NULL,
	'writing a dropped environment raises CM006');
SELECT throws_ok($$SELECT * FROM cfgmgr.environment_chain('e1_prod_eu_1')$$, 'CM006', NULL,
	'the chain of a dropped environment raises CM006');
SELECT throws_ok($$SELECT cfgmgr.drop_environment('e1_prod_eu_1')$$, 'CM006', NULL,
	'dropping it again raises CM006');

-- the name is free again; the new environment starts empty
SELECT isnt(cfgmgr.create_environment('e1_prod_eu_1', 'e1_prod_eu'), (SELECT id FROM e1_old),
	'the name of a dropped environment can be reused, with a new id');
SELECT is(cfgmgr.get('e1_prod_eu_1', 'e1_svc', 'db'), '{"host": "base-host", "port": 5433}'::jsonb,
	'the new environment inherits, but does not see the old one''s values');
SELECT is(cfgmgr.get('e1_prod_eu_1', 'e1_svc', 'db.pool', fallback => '"none"'), '"none"'::jsonb,
	'the old environment''s values stay gone');

-- cascade
SELECT is(cfgmgr.drop_environment('e1_prod', cascade => true), cfgmgr.current_changeset(),
	'drop_environment(cascade => true) returns the changeset id');
SELECT results_eq(
	$$SELECT name COLLATE "default" FROM cfgmgr.environments WHERE name LIKE 'e1\_%' ORDER BY name$$,
	ARRAY['e1_base', 'e1_other', 'e1_other2', 'e1_stage'],
	'cascade dropped the whole subtree, nothing else');
SELECT is((SELECT count(*)::int FROM cfgmgr.entry en JOIN cfgmgr.environment e ON e.id = en.env_id
			WHERE e.name LIKE 'e1\_prod%'), 0,
	'cascade deleted the values of the subtree');
SELECT is((SELECT count(*)::int FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
			WHERE e.name = 'e1_prod_eu' AND c.op = 'unset'), 1,
	'cascade recorded the deleted values in history');
SELECT is(cfgmgr.get('e1_base', 'e1_svc', 'db.host'), '"base-host"'::jsonb,
	'the parent''s values are untouched');
SELECT throws_ok($$SELECT cfgmgr.create_environment('e1_x', 'e1_prod')$$, 'CM006', NULL,
	'a dropped environment cannot become a parent');
SELECT lives_ok($$SELECT cfgmgr.create_environment('e1_prod', 'e1_stage')$$,
	'a dropped subtree''s names are free again');
SELECT is(cfgmgr.drop_environment('e1_stage', true), cfgmgr.current_changeset(),
	'positional cascade argument');

SELECT * FROM finish();
ROLLBACK;
