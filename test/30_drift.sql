-- drift, expect_variation, remediate, drift_report, drift_summary,
-- report_observed, drift_observed, drift_coverage
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(90);

SELECT cfgmgr.create_environment('d30_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('d30_prod', 'd30_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('d30_stg', 'd30_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('d30_eu', 'd30_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('d30_qa', 'd30_base', labels => '{"drift_reference": "d30_stg"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('d30_svc') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('d30_api') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('d30_empty') IS NOT NULL AS ok \gset

SELECT cfgmgr.set_many('d30_base', 'd30_svc',
	'{"db": {"host": "db.base", "port": 5432, "pool": {"max": 10}}, "log": "info", "tags": [1, 2], "ratio": 1}') IS NOT NULL AS ok \gset

-- ---------------------------------------------------------------------
-- equal configurations
-- ---------------------------------------------------------------------
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	'only shared values: no drift');
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'ratio', '1.0') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_svc', 'db', '{"host": "db.base"}') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	'1 equals 1.0; an object stored whole equals the same leaves');
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_prod')$$,
	'an environment against itself: empty, not an error');
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_empty')$$,
	'a service without values: empty');

-- ---------------------------------------------------------------------
-- every kind
-- ---------------------------------------------------------------------
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'db.host', '"db.prod"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_svc', 'log', '1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_svc', 'extra', 'true') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'nothing', 'null') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'tags', '[2, 1]') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'db.pool', '{"max": 20, "min": 1}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_svc', 'feature', '"on"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_prod', 'd30_svc', 'feature.a', '1') IS NOT NULL AS ok \gset

SELECT results_eq(
	$$SELECT path, kind, left_value, right_value, expected FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	$$VALUES ('db.host'::text, 'changed'::text, '"db.prod"'::jsonb, '"db.base"'::jsonb, false),
			 ('db.pool.max', 'changed', '20', '10', false),
			 ('db.pool.min', 'only_left', '1', NULL, false),
			 ('extra', 'only_right', NULL, 'true', false),
			 ('feature', 'type_changed', '{"a": 1}', '"on"', false),
			 ('log', 'type_changed', '"info"', '1', false),
			 ('nothing', 'only_left', 'null', NULL, false),
			 ('tags', 'changed', '[2, 1]', '[1, 2]', false)$$,
	'changed, only_left, only_right, type_changed, nested object against a scalar, JSON null, array order');
SELECT results_eq(
	$$SELECT path, kind FROM cfgmgr.drift('d30_stg', 'd30_prod', 'd30_svc') ORDER BY path$$,
	$$VALUES ('db.host'::text, 'changed'::text), ('db.pool.max', 'changed'), ('db.pool.min', 'only_right'),
			 ('extra', 'only_left'), ('feature', 'type_changed'), ('log', 'type_changed'),
			 ('nothing', 'only_right'), ('tags', 'changed')$$,
	'swapping the sides swaps only_left and only_right');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift('d30_prod', 'd30_stg')
			WHERE service IN ('d30_svc', 'd30_api', 'd30_empty')), 8,
	'service NULL compares every service');
SELECT results_eq(
	$$SELECT path, kind FROM cfgmgr.drift('d30_prod', 'd30_eu', 'd30_svc')$$,
	$$SELECT NULL::text, NULL::text WHERE false$$,
	'a child inherits everything: no drift from its parent');

-- streamed rows: stopped early, rescanned, in subqueries
SELECT is((SELECT count(*)::int FROM (SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') LIMIT 2) x), 2,
	'LIMIT stops the scan early');
SELECT is((SELECT path FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE kind = 'only_right'), 'extra',
	'a scalar subquery over drift');
SELECT results_eq(
	$$SELECT e, (SELECT count(*)::int FROM cfgmgr.drift('d30_base', e, 'd30_svc'))
		FROM unnest(ARRAY['d30_prod', 'd30_stg', 'd30_eu', 'd30_prod']) e$$,
	$$SELECT e, (SELECT count(*)::int FROM cfgmgr.drift('d30_base', e, 'd30_svc') x)
		FROM unnest(ARRAY['d30_prod', 'd30_stg', 'd30_eu', 'd30_prod']) e$$,
	'correlated calls');
SELECT is((SELECT sum(n)::int FROM unnest(ARRAY['d30_prod', 'd30_stg']) e,
				  LATERAL (SELECT count(*) AS n FROM cfgmgr.drift('d30_base', e, 'd30_svc') LIMIT 1) x),
	(SELECT count(*)::int FROM cfgmgr.drift('d30_base', 'd30_prod', 'd30_svc')) +
	(SELECT count(*)::int FROM cfgmgr.drift('d30_base', 'd30_stg', 'd30_svc')), 'lateral calls');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') a
			 JOIN cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') b USING (path)), 8, 'two drifts joined');

-- remediation statements
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'db.host'),
	$$SELECT cfgmgr.set('d30_stg', 'd30_svc', 'db.host', '"db.prod"'::jsonb);$$, 'changed: set the right side');
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'extra'),
	$$SELECT cfgmgr.unset('d30_stg', 'd30_svc', 'extra');$$, 'only_right stored by the right side itself: unset');
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_stg', 'd30_prod', 'd30_svc') WHERE path = 'tags'),
	$$SELECT cfgmgr.unset('d30_prod', 'd30_svc', 'tags');$$,
	'an override whose removal gives the left value back: unset rather than set');
SELECT cfgmgr.unset('d30_stg', 'd30_svc', 'tags', block => true) IS NOT NULL AS ok \gset
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_stg', 'd30_base', 'd30_svc') WHERE path = 'tags'),
	$$SELECT cfgmgr.unset('d30_base', 'd30_svc', 'tags');$$, 'only_right at the root: unset');
SELECT is((SELECT kind || ' ' || remediation FROM cfgmgr.drift('d30_stg', 'd30_eu', 'd30_svc') WHERE path = 'tags'),
	$$only_right SELECT cfgmgr.unset('d30_eu', 'd30_svc', 'tags', block => true);$$,
	'only_right inherited by the right side: block');
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_stg', 'd30_prod', 'd30_svc') WHERE path = 'feature'),
	$$SELECT cfgmgr.set('d30_prod', 'd30_svc', 'feature', '"on"'::jsonb) FROM cfgmgr.unset('d30_prod', 'd30_svc', 'feature');$$,
	'the right side stores below the leaf: unset first, then set');
SELECT cfgmgr.unset('d30_stg', 'd30_svc', 'tags') IS NOT NULL AS ok \gset

-- providers
SELECT cfgmgr.set('d30_stg', 'd30_api', 'region', '"us-east-1"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api')$$,
	'provider-qualified values are not part of the neutral comparison');
SELECT results_eq(
	$$SELECT path, kind, remediation FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api', 'aws')$$,
	$$VALUES ('region'::text, 'only_right'::text, $r$SELECT cfgmgr.unset('d30_stg', 'd30_api', 'region', provider => 'aws');$r$::text)$$,
	'provider => aws compares the aws resolution, and the fix is qualified');
SELECT cfgmgr.set('d30_prod', 'd30_api', 'region', '"eu-west-1"') IS NOT NULL AS ok \gset
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api', 'aws') WHERE path = 'region'),
	$$SELECT cfgmgr.set('d30_stg', 'd30_api', 'region', '"eu-west-1"'::jsonb, provider => 'aws');$$,
	'the qualified value wins at the right side, so the fix writes it');

-- ---------------------------------------------------------------------
-- expected variations
-- ---------------------------------------------------------------------
SELECT cfgmgr.expect_variation('d30_s*', 'db.host', ARRAY['d30_prod'], 'prod has its own database') AS v1 \gset
SELECT set_config('d30.v1', :'v1', true) IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT expected, reason FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'db.host'$$,
	$$VALUES (true, 'variation ' || current_setting('d30.v1') || ': prod has its own database')$$,
	'a declared variation covers the leaf; the reason names it');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE expected), 1,
	'and nothing else');
SELECT is((SELECT expected FROM cfgmgr.drift('d30_stg', 'd30_qa', 'd30_svc') WHERE path = 'log'), false,
	'not between environments it does not list');
SELECT cfgmgr.expect_variation('*', 'db.**', reason => 'databases differ') AS v2 \gset
SELECT set_config('d30.v2', :'v2', true) IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT path, reason FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE expected$$,
	$$VALUES ('db.host'::text, 'variation ' || current_setting('d30.v1') || ': prod has its own database'),
			 ('db.pool.max', 'variation ' || current_setting('d30.v2') || ': databases differ'),
			 ('db.pool.min', 'variation ' || current_setting('d30.v2') || ': databases differ')$$,
	'glob patterns; the oldest matching variation names the reason');
SELECT cfgmgr.expect_variation('d30_svc', 'feature', ARRAY['d30_*']) AS v3 \gset
SELECT set_config('d30.v3', :'v3', true) IS NOT NULL AS ok \gset
SELECT is((SELECT reason FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'feature'),
	'variation ' || current_setting('d30.v3'), 'environment patterns; a variation without reason');
SELECT is((SELECT expected FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'feature.a'), NULL,
	'a pattern covers the path and below it (feature is the leaf here)');
INSERT INTO cfgmgr.variation (service_pattern, path_pattern, reason, expires_at)
VALUES ('d30_svc', 'log', 'expired', now() - interval '1 day');
SELECT is((SELECT expected FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'log'), false,
	'an expired variation covers nothing');
SELECT is((SELECT active FROM cfgmgr.variations WHERE reason = 'expired'), false, 'variations view: inactive');
SELECT is((SELECT owner FROM cfgmgr.variations WHERE id = :v1), current_user::text, 'owner is the creating role');
SELECT lives_ok($$SELECT cfgmgr.drop_variation($$ || :v3 || $$)$$, 'drop_variation');
SELECT is((SELECT expected FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path = 'feature'), false,
	'a dropped variation covers nothing');
SELECT throws_ok($$SELECT cfgmgr.drop_variation(-1)$$, '42704', NULL, 'drop of an unknown variation');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('bad name', 'db')$$, '22023', NULL, 'bad service pattern');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('x', 'db..host')$$, '22P02', NULL, 'bad path pattern');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('x', 'db', ARRAY['d30_nope'])$$, 'CM006', NULL,
	'unknown environment name');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('x', 'db', ARRAY[]::text[])$$, '22023', NULL, 'empty environment list');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('x', 'db', expires_at => now() - interval '1 hour')$$, '22023', NULL,
	'expiry in the past');
SELECT throws_ok($$SELECT cfgmgr.expect_variation(NULL, 'db')$$, '22004', NULL, 'NULL service pattern');
SELECT throws_ok($$SELECT cfgmgr.expect_variation('x', NULL)$$, '22004', NULL, 'NULL path pattern');

-- x-env-specific in the schema
SELECT cfgmgr.register_schema('d30_api', '{"type": "object", "properties": {"region": {"type": "string", "x-env-specific": true}, "hosts": {"type": "array", "x-merge": "append"}, "timeout": {"type": "integer", "default": 30}}}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_api', 'region', '"us-west-2"') IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT path, expected, reason FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api')$$,
	$$VALUES ('region'::text, true, 'x-env-specific'::text)$$,
	'"x-env-specific": true declares a variation');
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api') WHERE path = 'timeout'$$,
	'schema defaults are the same on both sides');
SELECT cfgmgr.set('d30_stg', 'd30_api', 'timeout', '60') IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT kind, left_value, right_value FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api') WHERE path = 'timeout'$$,
	$$VALUES ('changed'::text, '30'::jsonb, '60'::jsonb)$$, 'a default against an override');
-- x-merge append: no single write makes the sides equal
SELECT cfgmgr.set('d30_base', 'd30_api', 'hosts', '["a"]') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_prod', 'd30_api', 'hosts', '["b"]') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_stg', 'd30_api', 'hosts', '["c"]') IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT left_value, right_value, remediation LIKE '%' FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_api') WHERE path = 'hosts'$$,
	$$VALUES ('["a", "b"]'::jsonb, '["a", "c"]'::jsonb, true)$$,
	'appended arrays compared resolved; the remediation suggests declaring the variation');
SELECT is((SELECT remediation LIKE 'SELECT cfgmgr.expect_variation(%' FROM cfgmgr.drift('d30_stg', 'd30_base', 'd30_api') WHERE path = 'hosts'),
	true, 'writing at an ancestor of the left side would append there too: a suggestion, not a set');

-- ---------------------------------------------------------------------
-- remediate
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT path, applied FROM cfgmgr.remediate('d30_prod', 'd30_stg', 'd30_svc', paths => ARRAY['log', 'ext*'])$$,
	$$VALUES ('extra'::text, true), ('log', true)$$, 'remediate applies the selected leaves');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc') WHERE path IN ('log', 'extra')), 0,
	'they no longer differ');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')), 6, 'the others still do');
SELECT results_eq(
	$$SELECT path FROM cfgmgr.remediate('d30_prod', 'd30_stg', 'd30_svc')$$,
	$$VALUES ('feature'::text), ('nothing'), ('tags')$$, 'expected leaves are left alone by default');
SELECT results_eq(
	$$SELECT path, expected FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	$$VALUES ('db.host'::text, true), ('db.pool.max', true), ('db.pool.min', true)$$, 'only expected drift is left');
SELECT is((SELECT count(*)::int FROM cfgmgr.remediate('d30_prod', 'd30_stg', 'd30_svc', include_expected => true)), 3,
	'include_expected');
SELECT is_empty($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$, 'no drift left');
SELECT results_eq(
	$$SELECT path, applied FROM cfgmgr.remediate('d30_prod', 'd30_stg', 'd30_api')$$,
	$$VALUES ('hosts'::text, false), ('timeout', true)$$,
	'a suggestion is not applied');
SELECT throws_ok($$SELECT * FROM cfgmgr.remediate('d30_prod', 'd30_stg', paths => ARRAY['a..b'])$$, '22P02', NULL,
	'remediate: bad path pattern');
SELECT throws_ok($$SELECT * FROM cfgmgr.remediate('d30_prod', 'd30_stg', paths => ARRAY[]::text[])$$, '22023', NULL,
	'remediate: empty selection');
SELECT throws_ok($$SELECT * FROM cfgmgr.remediate('d30_prod', NULL)$$, '22004', NULL, 'remediate: NULL environment');

-- ---------------------------------------------------------------------
-- secrets (stored directly: the entry trigger encrypts them with this key)
-- ---------------------------------------------------------------------
SELECT '/tmp/cfgmgr_d30_' || pg_backend_pid() || '.key' AS keyfile \gset
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'd30', 'hex', :'keyfile') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'chmod 600 ' || :'keyfile') \gexec
SELECT set_config('cfgmgr.key_file', :'keyfile', true) IS NOT NULL AS ok \gset
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, secret, changeset)
VALUES (cfgmgr.environment_id('d30_prod'), cfgmgr.service_id('d30_svc'), 'api.key', '"pr0d-s3cret"', true, 0),
	   (cfgmgr.environment_id('d30_stg'), cfgmgr.service_id('d30_svc'), 'api.key', '"stg-s3cret"', true, 0),
	   (cfgmgr.environment_id('d30_prod'), cfgmgr.service_id('d30_svc'), 'api.same', '"same-s3cret"', true, 0),
	   (cfgmgr.environment_id('d30_stg'), cfgmgr.service_id('d30_svc'), 'api.same', '"same-s3cret"', true, 0);
SELECT results_eq(
	$$SELECT path, kind, left_value, right_value FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	$$VALUES ('api.key'::text, 'changed'::text, '"pr0d-s3cret"'::jsonb, '"stg-s3cret"'::jsonb)$$,
	'secrets are compared in clear (equal ones are no drift); a superuser sees them');
SELECT is((SELECT remediation FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')),
	$$SELECT cfgmgr.set('d30_stg', 'd30_svc', 'api.key', cfgmgr.get('d30_prod', 'd30_svc', 'api.key'), secret => true);$$,
	'the remediation copies a secret without spelling it out');
CREATE ROLE d30_reader;
SELECT cfgmgr.grant('d30_reader', 'read', 'd30_*') IS NOT NULL AS ok \gset
SET LOCAL ROLE d30_reader;
SELECT results_eq(
	$$SELECT left_value, right_value, remediation LIKE '%s3cret%' FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_svc')$$,
	$$VALUES ('"********"'::jsonb, '"********"'::jsonb, false)$$,
	'a role with read but not read_secret sees secrets masked');
RESET ROLE;
CREATE ROLE d30_nobody;
SET LOCAL ROLE d30_nobody;
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg')$$, 'CM008', NULL,
	'a role that may not read the configuration gets access denied');
RESET ROLE;
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || :'keyfile') \gexec
DELETE FROM cfgmgr.entry WHERE path OPERATOR(cfgmgr.<@) 'api' AND service_id = cfgmgr.service_id('d30_svc');

-- ---------------------------------------------------------------------
-- bad input
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT * FROM cfgmgr.drift(NULL, 'd30_stg')$$, '22004', NULL, 'NULL left environment');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_nope')$$, 'CM006', NULL, 'unknown environment');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', 'd30_nope')$$, 'CM007', NULL, 'unknown service');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('d30_prod', 'd30_stg', provider => 'nope')$$, '42704', NULL, 'unknown provider');
SELECT cfgmgr.set_many('d30_qa', 'd30_empty', '{"a": 1, "b": {"c": 2}}') IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT path, kind FROM cfgmgr.drift('d30_qa', 'd30_stg', 'd30_empty')$$,
	$$VALUES ('a'::text, 'only_left'::text), ('b.c', 'only_left')$$, 'a service with no values on one side');

-- a tombstone that empties an object removes the object
SELECT cfgmgr.unset('d30_qa', 'd30_empty', 'b.c', block => true) IS NOT NULL AS ok \gset
SELECT is(cfgmgr.resolve('d30_qa', 'd30_empty'), '{"a": 1}', 'an object emptied by a tombstone is gone');

-- ---------------------------------------------------------------------
-- drift_report, drift_summary
-- ---------------------------------------------------------------------
SELECT cfgmgr.set('d30_eu', 'd30_svc', 'db.host', '"db.eu"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('d30_eu', 'd30_svc', 'log', '"warn"') IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT environment, reference FROM cfgmgr.drift_pairs() WHERE environment LIKE 'd30%'$$,
	$$VALUES ('d30_eu'::text, 'd30_prod'::text), ('d30_prod', 'd30_base'), ('d30_qa', 'd30_stg'), ('d30_stg', 'd30_base')$$,
	'drift_pairs: the parent, or the environment named by the label drift_reference');
SELECT set_eq(
	$$SELECT environment, reference, service COLLATE "default", path FROM cfgmgr.drift_report() WHERE environment IN ('d30_eu', 'd30_qa') AND service LIKE 'd30%'$$,
	$$SELECT 'd30_eu'::text AS e, 'd30_prod'::text AS r, service COLLATE "default" AS s, path FROM cfgmgr.drift('d30_prod', 'd30_eu') WHERE NOT expected AND service LIKE 'd30%'
	  UNION ALL
	  SELECT 'd30_qa', 'd30_stg', service, path FROM cfgmgr.drift('d30_stg', 'd30_qa') WHERE NOT expected AND service LIKE 'd30%'$$,
	'drift_report: the unexpected drift of every environment against its reference');
SELECT results_eq(
	$$SELECT path FROM cfgmgr.drift_report() WHERE environment = 'd30_eu' AND service LIKE 'd30%'$$,
	$$VALUES ('log'::text)$$, 'drift_report leaves expected drift out (db.host is declared)');
SELECT is((SELECT count(*)::int FROM cfgmgr.drift_report('d30_base', true) WHERE environment = 'd30_prod' AND service = 'd30_svc'),
	(SELECT count(*)::int FROM cfgmgr.drift('d30_base', 'd30_prod', 'd30_svc')), 'drift_report against a reference environment');
SELECT set_eq(
	$$SELECT left_env, right_env, service COLLATE "default", expected, unexpected FROM cfgmgr.drift_summary WHERE right_env IN ('d30_eu', 'd30_qa') AND service LIKE 'd30%'$$,
	$$SELECT p.reference, p.environment, s.name COLLATE "default" AS service,
			 (SELECT count(*) FROM cfgmgr.drift(p.reference, p.environment, s.name) WHERE expected) AS x,
			 (SELECT count(*) FROM cfgmgr.drift(p.reference, p.environment, s.name) WHERE NOT expected) AS y
		FROM cfgmgr.drift_pairs() p, cfgmgr.services s
	   WHERE p.environment IN ('d30_eu', 'd30_qa') AND s.name LIKE 'd30%'$$,
	'drift_summary counts expected and unexpected drift per pair and service');
SELECT results_eq(
	$$SELECT expected, unexpected FROM cfgmgr.drift_summary WHERE right_env = 'd30_eu' AND service IN ('d30_svc', 'd30_empty') ORDER BY service$$,
	$$VALUES (0::bigint, 0::bigint), (1, 1)$$, 'zeros included');

-- ---------------------------------------------------------------------
-- observed configuration
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.drift_coverage('d30_prod'), NULL, 'coverage: NULL before any report');
SELECT is_empty($$SELECT * FROM cfgmgr.drift_observed('d30_prod')$$, 'nothing observed: no drift');
SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', '{"db": {"host": "db.old", "port": 5432}, "agent": {"pid": 1}}', source => 'old') AS o1 \gset
SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', (cfgmgr.resolve('d30_prod', 'd30_svc') #- '{db,pool}') || '{"agent": {"pid": 7}, "log": "debug"}', source => 'agent-7') AS o2 \gset
SELECT set_config('d30.o2', :'o2', true) IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT path, kind, left_value, right_value, remediation FROM cfgmgr.drift_observed('d30_prod', 'd30_svc')$$,
	$$VALUES ('agent.pid'::text, 'only_right'::text, NULL::jsonb, '7'::jsonb, $r$SELECT cfgmgr.set('d30_prod', 'd30_svc', 'agent.pid', '7'::jsonb);$r$::text),
			 ('db.pool.max', 'only_left', '20', NULL, NULL),
			 ('db.pool.min', 'only_left', '1', NULL, NULL),
			 ('log', 'changed', '"info"', '"debug"', NULL)$$,
	'drift_observed: the latest snapshot; only_right = deployed but not declared (the fix declares it)');
SELECT is((SELECT reason FROM cfgmgr.drift_observed('d30_prod', 'd30_svc') WHERE path = 'db.pool.max'),
	'variation ' || current_setting('d30.v2') || ': databases differ', 'variations apply to observed drift');
SELECT is(cfgmgr.drift_coverage('d30_prod'), round(7::numeric / 8, 4),
	'coverage: 7 of the 8 observed leaves are declared');
SELECT results_eq($$SELECT id, source FROM cfgmgr.observations WHERE environment = 'd30_prod'$$,
	$$VALUES (current_setting('d30.o2')::bigint, 'agent-7'::text)$$, 'observations view: the latest snapshot');
SELECT throws_ok($$UPDATE cfgmgr.observation SET source = 'x'$$, '0A000', NULL, 'snapshots are append-only');
INSERT INTO cfgmgr.observation (env_id, service_id, document, reported_at)
VALUES (cfgmgr.environment_id('d30_prod'), cfgmgr.service_id('d30_api'), '{}', now() - interval '41 days'),
	   (cfgmgr.environment_id('d30_prod'), cfgmgr.service_id('d30_api'), '{}', now() - interval '40 days');
SELECT is(cfgmgr.prune_observations(), 1::bigint, 'prune removes old snapshots but keeps the latest of each');
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', '[1]')$$, '22023', NULL, 'an array is not a document');
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', NULL)$$, '22004', NULL, 'NULL document');
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_nope', 'd30_svc', '{}')$$, 'CM006', NULL, 'observed: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_prod', 'd30_nope', '{}')$$, 'CM007', NULL, 'observed: unknown service');
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', '{}', provider => 'nope')$$, '42704', NULL, 'observed: unknown provider');
SET LOCAL cfgmgr.import_max_size = 1000;
SELECT throws_ok($$SELECT cfgmgr.report_observed('d30_prod', 'd30_svc', jsonb_build_object('big', repeat('x', 5000)))$$, '54000', NULL,
	'a document over cfgmgr.import_max_size is refused');
RESET cfgmgr.import_max_size;
SELECT throws_ok($$SELECT * FROM cfgmgr.drift_observed('d30_nope')$$, 'CM006', NULL, 'drift_observed: unknown environment');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift_observed('d30_prod', 'd30_nope')$$, 'CM007', NULL, 'drift_observed: unknown service');
SELECT throws_ok($$SELECT cfgmgr.drift_coverage('d30_nope')$$, 'CM006', NULL, 'drift_coverage: unknown environment');

SELECT * FROM finish();
ROLLBACK;
