--
-- 23_tree.sql - the configuration as a tree of files (doc/git.md):
-- export_yaml as of a version, export_tree (files, contents, order, as_of,
-- environments.yaml), import_tree (round trip into dropped environments,
-- idempotence, deleted files, re-parenting, every kind of bad input, and
-- nothing imported when one file is bad).  Versions are committed
-- changesets, so this file runs in autocommit mode (every statement
-- commits) and cleans up after itself.
--
\set ON_ERROR_STOP 1
\set QUIET 1
SET search_path = public;
SELECT plan(73);

-- leftovers of an interrupted earlier run
DO $$ BEGIN
	PERFORM cfgmgr.drop_environment(n, true)
	   FROM unnest('{t23_base,t23_gone,t23_a,t23_b,t23_c,t23_new}'::text[]) n
	 WHERE EXISTS (SELECT FROM cfgmgr.environments WHERE name = n);
	PERFORM cfgmgr.create_service(n) FROM unnest('{t23_svc,t23_two}'::text[]) n
	 WHERE NOT EXISTS (SELECT FROM cfgmgr.services WHERE name = n);
	DELETE FROM cfgmgr.tag WHERE name LIKE 't23-%';
END $$;

-- ---------------------------------------------------------------------
-- a history: every statement below is its own committed changeset
-- ---------------------------------------------------------------------
SELECT cfgmgr.create_environment('t23_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t23_prod', 't23_base', is_production => true, required_approvals => 2,
	labels => '{"region": "eu", "odd": "a\u2028b\u007f", "n": [1, {"k": null}]}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t23_dev', 't23_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t23_gone', 't23_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('t23_base', 't23_svc', '{"db": {"port": 5432, "host": "base"}, "log": "info"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t23_prod', 't23_svc', 'db.host', '"prod-1"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t23_prod', 't23_svc', 'db.port', '6432', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t23_prod', 't23_two', 'x', '1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t23_gone', 't23_svc', 'g', 'true') IS NOT NULL AS ok \gset
SELECT cfgmgr.tag('t23-one') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t23_prod', 't23_svc', 'db.host', '"prod-2"') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('t23_prod', 't23_svc', 'log', block => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('t23_prod', 't23_svc', 'db.port', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.drop_environment('t23_gone') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t23_late', 't23_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.tag('t23-two') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_parent('t23_dev', 't23_prod') AS x \gset

-- ---------------------------------------------------------------------
-- export_yaml as of a version
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false, as_of => 't23-one'),
	E'db:\n  host: prod-1\n', 'stored entries as of a tag');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', 'aws', false, 't23-one'),
	E'db:\n  port: 6432\n', 'provider-qualified entries as of a tag');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', 'aws', false, 't23-two'), E'{}\n',
	'an entry removed by then is absent');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false, as_of => 't23-two'),
	E'db:\n  host: prod-2\nlog: !block\n', 'a tombstone of that version is "!block"');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false, as_of => 't23-two'),
	cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false), 'as of the newest version = now');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false, as_of => NULL),
	cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false), 'as_of NULL is now');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', as_of => 't23-one'),
	E'db:\n  host: prod-1\n  port: 5432\nlog: info\n', 'resolved as of a tag');
SELECT is(cfgmgr.export_yaml('t23_prod', 't23_svc', 'aws', as_of => 't23-one'),
	E'db:\n  host: prod-1\n  port: 6432\nlog: info\n', 'resolved for a provider as of a tag');
SELECT is(cfgmgr.export_yaml('t23_gone', 't23_svc', resolved => false, as_of => 't23-one'),
	E'g: true\n', 'a dropped environment as of before its drop');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_gone', 't23_svc', resolved => false, as_of => 't23-two')$$,
	'CM006', NULL, 'but not as of after it: CM006');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_late', 't23_svc', resolved => false, as_of => 't23-one')$$,
	'CM006', 'environment "t23_late" did not exist at version "t23-one"', 'an environment created later: CM006');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => false, as_of => 't23-nope')$$,
	'CM005', NULL, 'an unknown version: CM005');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_prod', 't23_svc', resolved => true, as_of => 't23-nope')$$,
	'CM005', NULL, 'an unknown version, resolved: CM005');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_prod', 't23_nothing', resolved => false, as_of => 't23-one')$$,
	'CM007', NULL, 'an unknown service: CM007');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('t23_prod', 't23_svc', 'nosuch', false, 't23-one')$$,
	'42704', NULL, 'an unknown provider: 42704');

-- ---------------------------------------------------------------------
-- export_tree
-- ---------------------------------------------------------------------
SELECT is((SELECT array_agg(file) FROM cfgmgr.export_tree() WHERE file LIKE 't23%'),
	'{t23_base/t23_svc.yaml,t23_prod/t23_svc.yaml,t23_prod/t23_two.yaml}',
	'one file per environment, service and provider qualifier with stored values');
SELECT is((SELECT array_agg(file) FROM cfgmgr.export_tree(as_of => 't23-one') WHERE file LIKE 't23%'),
	'{t23_base/t23_svc.yaml,t23_gone/t23_svc.yaml,t23_prod/t23_svc.aws.yaml,t23_prod/t23_svc.yaml,t23_prod/t23_two.yaml}',
	'as of a tag: the files of that version (provider files, a since dropped environment)');
SELECT is((SELECT array_agg(file ORDER BY n) FROM cfgmgr.export_tree() WITH ORDINALITY AS t(file, content, n)),
	(SELECT array_agg(file ORDER BY file COLLATE "C") FROM cfgmgr.export_tree()), 'sorted by file name');
SELECT is((SELECT count(*)::int FROM cfgmgr.export_tree() WHERE file = 'environments.yaml'), 1,
	'environments.yaml is always there');
SELECT is((SELECT count(*)::int FROM cfgmgr.export_tree(as_of => 't23-one') t
			WHERE t.file LIKE 't23%'
			  AND t.content IS DISTINCT FROM cfgmgr.export_yaml(split_part(t.file, '/', 1),
					split_part(split_part(t.file, '/', 2), '.', 1),
					nullif(split_part(split_part(t.file, '/', 2), '.', 2), 'yaml'), false, 't23-one')), 0,
	'each file is export_yaml(env, service, provider, resolved => false, as_of)');
SELECT is((SELECT content FROM cfgmgr.export_tree(as_of => 't23-one') WHERE file = 't23_prod/t23_svc.aws.yaml'),
	E'db:\n  port: 6432\n', 'a provider file as of a tag');
SELECT is((SELECT array_agg(file) FROM cfgmgr.export_tree('t23_prod')),
	'{environments.yaml,t23_prod/t23_svc.yaml,t23_prod/t23_two.yaml}', 'env => one environment''s files');
SELECT is((SELECT content FROM cfgmgr.export_tree('t23_prod') WHERE file = 'environments.yaml'),
	E'# environment tree (cfgmgr.export_tree; see doc/git.md)\n'
	|| E't23_prod:\n  parent: t23_base\n  is_production: true\n  approval_required: false\n  required_approvals: 2\n'
	|| E'  labels: {"n": [1, {"k": null}], "odd": "a\\u2028b\\u007F", "region": "eu"}\n',
	'its environments.yaml describes that environment, characters YAML cannot hold escaped');
SELECT is((SELECT content FROM cfgmgr.export_tree('t23_dev', as_of => 't23-two') WHERE file = 'environments.yaml'),
	E'# environment tree (cfgmgr.export_tree; see doc/git.md)\n'
	|| E't23_dev:\n  parent: t23_base\n  is_production: false\n  approval_required: false\n  required_approvals: 1\n  labels: {}\n',
	'as of a tag: the parent of that version');
SELECT is((SELECT content FROM cfgmgr.export_tree('t23_dev') WHERE file = 'environments.yaml'),
	E'# environment tree (cfgmgr.export_tree; see doc/git.md)\n'
	|| E't23_dev:\n  parent: t23_prod\n  is_production: false\n  approval_required: false\n  required_approvals: 1\n  labels: {}\n',
	'now: the current parent');
SELECT is((SELECT array_agg(x->>'name' ORDER BY n) FROM cfgmgr.export_tree() t,
				jsonb_array_elements(cfgmgr.tree_environments(t.content)) WITH ORDINALITY AS j(x, n)
			WHERE t.file = 'environments.yaml' AND x->>'name' LIKE 't23%'),
	'{t23_base,t23_late,t23_prod,t23_dev}', 'environments.yaml lists the tree depth first, siblings by name');
SELECT is((SELECT array_agg(x->>'name' ORDER BY n) FROM cfgmgr.export_tree(as_of => 't23-one') t,
				jsonb_array_elements(cfgmgr.tree_environments(t.content)) WITH ORDINALITY AS j(x, n)
			WHERE t.file = 'environments.yaml' AND x->>'name' LIKE 't23%'),
	'{t23_base,t23_dev,t23_gone,t23_prod}', 'as of a tag: the environments live then');
SELECT is((SELECT x FROM cfgmgr.export_tree('t23_prod') t, jsonb_array_elements(cfgmgr.tree_environments(t.content)) x
			WHERE t.file = 'environments.yaml'),
	jsonb_build_object('name', 't23_prod', 'parent', 't23_base', 'is_production', true, 'approval_required', false,
		'required_approvals', 2, 'labels', '{"region": "eu", "odd": "a\u2028b\u007f", "n": [1, {"k": null}]}'::jsonb, 'line', 2),
	'environments.yaml reads back as written (labels included)');
SELECT is((SELECT string_agg(file || content, '' ORDER BY file) FROM cfgmgr.export_tree()),
	(SELECT string_agg(file || content, '' ORDER BY file) FROM cfgmgr.export_tree()), 'deterministic');
SELECT throws_ok($$SELECT * FROM cfgmgr.export_tree('t23_nowhere')$$, 'CM006',
	'environment "t23_nowhere" does not exist', 'an unknown environment: CM006');
SELECT throws_ok($$SELECT * FROM cfgmgr.export_tree('t23_late', as_of => 't23-one')$$, 'CM006',
	'environment "t23_late" did not exist at version "t23-one"', 'an environment created later: CM006');
SELECT throws_ok($$SELECT * FROM cfgmgr.export_tree(as_of => 't23-nope')$$, 'CM005', NULL, 'an unknown version: CM005');
SELECT is((SELECT content FROM cfgmgr.export_tree('t23_late') WHERE file = 'environments.yaml') LIKE E'%t23_late:\n  parent: t23_base\n%',
	true, 'an environment without values has only its entry in environments.yaml');

-- ---------------------------------------------------------------------
-- import_tree: round trip into dropped environments
-- ---------------------------------------------------------------------
CREATE TEMP TABLE t23_tree AS SELECT * FROM cfgmgr.export_tree();
CREATE TEMP TABLE t23_before AS
	SELECT environment COLLATE "default" AS environment, service COLLATE "default" AS service,
		   path::text, provider COLLATE "default" AS provider, value, tombstone
	  FROM cfgmgr."values" WHERE environment LIKE 't23%';
SELECT cfgmgr.drop_environment('t23_base', true) IS NOT NULL AS ok \gset
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name LIKE 't23%'), 0, 'the environments are gone');
SELECT cfgmgr.import_tree((SELECT array_agg(file) FROM t23_tree), (SELECT array_agg(content) FROM t23_tree)) AS cs \gset
SELECT ok(:'cs' <> '', 'import_tree returns the changeset id');
SELECT results_eq(
	$$SELECT environment COLLATE "default", service COLLATE "default", path::text, provider COLLATE "default",
			 value, tombstone FROM cfgmgr."values"
	   WHERE environment LIKE 't23%' ORDER BY 1, 2, 3, 4$$,
	$$SELECT * FROM t23_before ORDER BY 1, 2, 3, 4$$,
	'the same stored values, tombstones included');
SELECT results_eq(
	$$SELECT name COLLATE "default", parent COLLATE "default", is_production, approval_required,
			 required_approvals, labels
		FROM cfgmgr.environments WHERE name LIKE 't23%' ORDER BY name$$,
	$$VALUES ('t23_base', NULL, false, false, 1, '{}'::jsonb),
			 ('t23_dev', 't23_prod', false, false, 1, '{}'),
			 ('t23_late', 't23_base', false, false, 1, '{}'),
			 ('t23_prod', 't23_base', true, false, 2, '{"region": "eu", "odd": "a\u2028b\u007f", "n": [1, {"k": null}]}')$$,
	'the environment tree with its flags and labels');
SELECT is((SELECT count(*)::int FROM (SELECT * FROM cfgmgr.export_tree() EXCEPT SELECT * FROM t23_tree
									  UNION ALL
									  SELECT * FROM t23_tree EXCEPT SELECT * FROM cfgmgr.export_tree()) d), 0,
	'exporting again gives the same tree');
SELECT is((SELECT count(DISTINCT changeset)::int FROM cfgmgr.history() h WHERE h.environment LIKE 't23%'
			AND h.changeset = :cs), 1, 'all in one changeset');
SELECT (SELECT count(*) FROM cfgmgr.change) + (SELECT count(*) FROM cfgmgr.environment_change) AS nhist,
	   (SELECT max(id) FROM cfgmgr.changeset) AS maxcs \gset
SELECT is(cfgmgr.import_tree((SELECT array_agg(file) FROM t23_tree), (SELECT array_agg(content) FROM t23_tree)),
	NULL, 'importing the same tree again changes nothing (NULL)');
SELECT is((SELECT count(*) FROM cfgmgr.change) + (SELECT count(*) FROM cfgmgr.environment_change), :nhist::bigint,
	'and writes no history');
SELECT is((SELECT max(id) FROM cfgmgr.changeset), :maxcs::bigint, 'not even an empty changeset');
SELECT is(cfgmgr.import_tree('{}', '{}'), NULL, 'an empty tree changes nothing');

-- deleted and changed files
SELECT isnt(cfgmgr.import_tree((SELECT array_agg(file) FROM t23_tree WHERE file <> 't23_prod/t23_two.yaml'),
							   (SELECT array_agg(content) FROM t23_tree WHERE file <> 't23_prod/t23_two.yaml')),
	NULL, 'a tree without one file');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 't23_prod' AND service = 't23_two'), 0,
	'the values of the deleted file are removed');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment LIKE 't23%'),
	(SELECT count(*)::int FROM t23_before) - 1, 'and only those');
SELECT cfgmgr.import_tree((SELECT array_agg(file) FROM t23_tree), (SELECT array_agg(content) FROM t23_tree)) IS NOT NULL AS ok \gset
SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yaml'], ARRAY[E'db:\n  host: prod-3\n'], replace => false) AS cs \gset
SELECT is(:cs::bigint, (SELECT max(changeset) FROM cfgmgr.history('t23_prod', 't23_svc', 'db.host')), 'replace => false: a changed file');
SELECT is(cfgmgr.resolve('t23_prod', 't23_svc'), '{"db": {"host": "prod-3", "port": 5432}}', 'its values are stored, the tombstone kept');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 't23_prod' AND service = 't23_two'), 1,
	'and files that are not there are left alone');
SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_dev:\n  parent: t23_base\nt23_new:\n  parent: t23_dev\n  labels: {team: core}\n']) IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT name COLLATE "default", parent COLLATE "default", labels FROM cfgmgr.environments
	   WHERE name IN ('t23_dev', 't23_new') ORDER BY name$$,
	$$VALUES ('t23_dev', 't23_base', '{}'::jsonb), ('t23_new', 't23_dev', '{"team": "core"}')$$,
	'environments.yaml re-parents existing environments and creates new ones below them');
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name LIKE 't23%'), 5, 'and drops none');

-- ---------------------------------------------------------------------
-- import_tree: bad input (nothing is imported)
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yaml', 't23_prod/sub/x.yaml'], ARRAY['a: 1', 'b: 2'])$$,
	'CM013', 'invalid file name "t23_prod/sub/x.yaml"', 'a file name of another shape: CM013 naming it');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['README.md'], ARRAY['hello'])$$,
	'CM013', 'invalid file name "README.md"', 'a file that is no configuration: CM013');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yml'], ARRAY['a: 1'])$$,
	'CM013', 'invalid file name "t23_prod/t23_svc.yml"', 'another extension: CM013');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.nosuch.yaml'], ARRAY['a: 1'])$$,
	'42704', 'file "t23_prod/t23_svc.nosuch.yaml": provider "nosuch" does not exist', 'an unknown provider in a file name: 42704');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yaml', 't23_prod/t23_svc.yaml'], ARRAY['a: 1', 'a: 2'])$$,
	'CM013', 'file "t23_prod/t23_svc.yaml" is given more than once', 'a file given twice: CM013');
SELECT throws_like($$SELECT cfgmgr.import_tree(
		ARRAY['environments.yaml', 't23_new/t23_svc.yaml', 't23_prod/t23_svc.yaml', 't23_prod/t23_two.yaml'],
		ARRAY[E't23_c:\n  parent: t23_base\n', 'fresh: 1', E'db:\n  host: changed\n', E'x: 1\ny: [1, 2\n'])$$,
	'file "t23_prod/t23_two.yaml": invalid YAML document at line %, column %',
	'invalid YAML in one file: the error names the file, with line and column');
SELECT throws_ok($$SELECT cfgmgr.import_tree(
		ARRAY['environments.yaml', 't23_new/t23_svc.yaml', 't23_prod/t23_svc.yaml', 't23_prod/t23_two.yaml'],
		ARRAY[E't23_c:\n  parent: t23_base\n', 'fresh: 1', E'db:\n  host: changed\n', E'x: 1\ny: [1, 2\n'])$$,
	'CM013', NULL, 'with SQLSTATE CM013');
SELECT is(cfgmgr.get('t23_prod', 't23_svc', 'db.host'), '"prod-3"', 'nothing of the other files was imported');
SELECT is((SELECT count(*)::int FROM cfgmgr.environments WHERE name = 't23_c'), 0, 'and no environment created');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_a:\n  parent: t23_b\nt23_b:\n  parent: t23_a\n'])$$,
	'CM004', 'file "environments.yaml": environment "t23_a" would descend from itself', 'a parent cycle in environments.yaml: CM004');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_base:\n  parent: t23_new\n'])$$,
	'CM004', NULL, 'a cycle through existing environments: CM004');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_a:\n  parent: t23_nowhere\n'])$$,
	'CM006', NULL, 'a parent that exists nowhere: CM006');
SELECT throws_like($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_a:\n  color: red\n'])$$,
	'file "environments.yaml": invalid YAML document at line 2, column 3: unrecognized attribute "color"%',
	'an unknown attribute in environments.yaml: CM013 with its position');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E't23_a:\n  required_approvals: 0\n'])$$,
	'CM013', NULL, 'required_approvals below 1: CM013');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['environments.yaml'], ARRAY[E'"t23 a": {}\n'])$$,
	'CM013', NULL, 'an invalid environment name: CM013');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_nowhere/t23_svc.yaml'], ARRAY['a: 1'])$$,
	'CM006', 'file "t23_nowhere/t23_svc.yaml": environment "t23_nowhere" does not exist', 'an environment that exists nowhere: CM006');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['a/b.yaml', 'c/d.yaml'], ARRAY['x: 1'])$$,
	'2202E', NULL, 'arrays of different lengths: 2202E');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY[['a/b.yaml']], ARRAY[['x: 1']])$$,
	'2202E', NULL, 'two-dimensional arrays: 2202E');
SELECT throws_ok($$SELECT cfgmgr.import_tree(NULL, ARRAY['x: 1'])$$, '22004', NULL, 'files NULL: 22004');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yaml'], ARRAY[NULL])$$, '22004', NULL, 'a NULL content: 22004');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY[NULL, 't23_prod/t23_svc.yaml'], ARRAY['x: 1', 'y: 2'])$$, '22004', NULL, 'a NULL file name: 22004');
SELECT throws_ok($$SELECT cfgmgr.import_tree(ARRAY['t23_prod/t23_svc.yaml'], ARRAY['a: 1'], NULL)$$, '22004', NULL, 'replace NULL: 22004');

SELECT * FROM finish();

DO $$ BEGIN
	PERFORM cfgmgr.drop_environment(n, true) FROM unnest('{t23_base}'::text[]) n;
	DELETE FROM cfgmgr.tag WHERE name LIKE 't23-%';
END $$;
