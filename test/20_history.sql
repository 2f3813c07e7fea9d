-- history(), tag(), tags
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(17);

SELECT cfgmgr.create_service('h20_svc') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('h20_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('h20_prod', 'h20_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('h20_base', 'h20_svc', 'db.port', '5432', message => 'initial') AS cs1 \gset
SELECT cfgmgr.set('h20_prod', 'h20_svc', 'db.port', '6432', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('h20_base', 'h20_svc', 'log.level', '"info"') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('h20_base', 'h20_svc', 'log.level') IS NOT NULL AS ok \gset

SELECT is((SELECT count(*)::int FROM cfgmgr.history(service => 'h20_svc')), 4, 'every change of the service');
SELECT is((SELECT count(*)::int FROM cfgmgr.history('h20_base', 'h20_svc')), 3, 'filtered by environment');
SELECT is((SELECT count(*)::int FROM cfgmgr.history('h20_base', 'h20_svc', 'db')), 1, 'a path includes what is below it');
SELECT results_eq(
	$$SELECT op, old_value, new_value FROM cfgmgr.history('h20_base', 'h20_svc', 'log.level')$$,
	$$VALUES ('unset'::text, '"info"'::jsonb, NULL::jsonb), ('set', NULL, '"info"')$$,
	'newest first, with old and new values');
SELECT is((SELECT provider FROM cfgmgr.history('h20_prod', 'h20_svc')), 'aws', 'provider qualifier shown');
SELECT is((SELECT message FROM cfgmgr.history('h20_base', 'h20_svc', 'db.port')), 'initial', 'message shown');
SELECT is((SELECT actor FROM cfgmgr.history('h20_base', 'h20_svc', 'db.port')), current_user::text, 'actor shown');
SELECT throws_ok($$SELECT * FROM cfgmgr.history('nope')$$, 'CM006', NULL, 'unknown environment: CM006');

-- this transaction's own changeset has not committed: the tag names the
-- newest committed one (other test files commit some)
SELECT id AS latest FROM cfgmgr.changeset WHERE commit_seq IS NOT NULL ORDER BY commit_seq DESC LIMIT 1 \gset
SELECT is(cfgmgr.tag('h20-release-1', 'first release'), :latest::bigint, 'tag labels the latest committed changeset');
SELECT isnt(:latest::bigint, :cs1::bigint, 'not the tagger''s own uncommitted one');
SELECT is((SELECT changeset FROM cfgmgr.tags WHERE name = 'h20-release-1'), :latest::bigint, 'tags view shows it');
SELECT is((SELECT note FROM cfgmgr.tags WHERE name = 'h20-release-1'), 'first release', 'with its note');
SELECT throws_ok($$SELECT cfgmgr.tag('h20-release-1')$$, '42710', NULL, 'a tag name is used once');
SELECT throws_ok($$SELECT cfgmgr.tag('bad name')$$, '22023', NULL, 'invalid tag name');
SELECT throws_ok($$SELECT cfgmgr.tag('12345')$$, '22023', NULL, 'an all-digit tag would read as a changeset id');
SELECT throws_ok($$SELECT cfgmgr.tag(NULL)$$, '22004', NULL, 'NULL tag name');
SELECT throws_ok($$UPDATE cfgmgr.change SET message = 'x'$$, 'CM015', NULL, 'history cannot be rewritten');

SELECT * FROM finish();
ROLLBACK;
