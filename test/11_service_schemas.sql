-- Service schemas: registration and versions, compatibility, validate(),
-- cross-parameter constraints, commit-time enforcement, defaults and
-- x-merge in resolution.
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(69);

-- fixtures ------------------------------------------------------------------
SELECT cfgmgr.create_service('s11_api') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s11_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s11_prod', 's11_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s11_prod_eu', 's11_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('s11_base', 's11_api',
	'{"http": {"port": 8080, "host": "0.0.0.0"}, "pool": {"min": 2, "max": 10},
	  "db": {"max_connections": 100}, "tags": ["a"]}') IS NOT NULL AS ok \gset

-- the schema used throughout
\set schema1 '{"type": "object", "properties": {"http": {"type": "object", "properties": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}, "host": {"type": "string"}, "timeout_ms": {"type": "integer", "default": 5000}}, "required": ["port"]}, "pool": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer", "maximum": 500}}}, "db": {"type": "object", "properties": {"max_connections": {"type": "integer"}}}, "tags": {"type": "array", "items": {"type": "string"}, "x-merge": "union"}, "log": {"type": "object", "default": {"level": "info"}, "x-env-specific": true}}}'

-- registration and versions ----------------------------------------------------
SELECT is(cfgmgr.register_schema('s11_api', :'schema1'), 1, 'first registration is version 1');
SELECT is((SELECT schema_version FROM cfgmgr.services WHERE name = 's11_api'), 1, 'services view shows the current version');
SELECT is((SELECT count(*)::int FROM cfgmgr.schemas WHERE service = 's11_api'), 1, 'schemas view lists it');
SELECT ok((SELECT current FROM cfgmgr.schemas WHERE service = 's11_api' AND version = 1), 'version 1 is current');
SELECT is(cfgmgr.register_schema('s11_api', :'schema1'), 2, 'registering again makes version 2');
SELECT is((SELECT count(*)::int FROM cfgmgr.schema_annotation a JOIN cfgmgr.service s ON s.id = a.service_id
			WHERE s.name = 's11_api' AND a.version = 2), 4,
		  'annotations recorded: two defaults, x-merge, x-env-specific');
SELECT is((SELECT value FROM cfgmgr.schema_annotation a JOIN cfgmgr.service s ON s.id = a.service_id
			WHERE s.name = 's11_api' AND a.version = 2 AND a.keyword = 'x-merge'), '"union"'::jsonb,
		  'x-merge annotation value');
SELECT is((SELECT path FROM cfgmgr.schema_annotation a JOIN cfgmgr.service s ON s.id = a.service_id
			WHERE s.name = 's11_api' AND a.version = 2 AND a.keyword = 'x-env-specific'), 'log',
		  'x-env-specific annotation path');

-- defaults feed resolution ------------------------------------------------------
SELECT is(cfgmgr.get('s11_prod', 's11_api', 'http.timeout_ms'), '5000'::jsonb, 'a schema default resolves');
SELECT is(cfgmgr.get('s11_prod', 's11_api', 'log.level'), '"info"'::jsonb, 'an object default resolves');
SELECT is(cfgmgr.get('s11_prod', 's11_api', 'http.port'), '8080'::jsonb, 'stored values still resolve');
SELECT lives_ok($$SELECT cfgmgr.set('s11_prod', 's11_api', 'http.timeout_ms', '250')$$, 'override a default');
SELECT is(cfgmgr.get('s11_prod', 's11_api', 'http.timeout_ms'), '250'::jsonb, 'a stored value beats the default');
SELECT is(cfgmgr.get('s11_base', 's11_api', 'http.timeout_ms'), '5000'::jsonb, 'other environments keep the default');
SELECT results_eq(
	$$SELECT level, environment, source, value, winner FROM cfgmgr.explain('s11_prod', 's11_api', 'http.timeout_ms')$$,
	$$VALUES (NULL::int, NULL::text, 'default'::text, '5000'::jsonb, false),
			 (1, 's11_prod', 'value', '250'::jsonb, true)$$,
	'explain shows the default as source default');
SELECT is((SELECT environment FROM cfgmgr.provenance('s11_base', 's11_api') WHERE path = 'log.level'), NULL,
		  'provenance of a default names no environment');
SELECT is((SELECT changeset FROM cfgmgr.provenance('s11_base', 's11_api') WHERE path = 'log.level'), NULL,
		  'provenance of a default has no changeset');

-- x-merge: union of arrays across levels ----------------------------------------
SELECT lives_ok($$SELECT cfgmgr.set('s11_prod', 's11_api', 'tags', '["a", "b"]')$$, 'set an array below');
SELECT is(cfgmgr.get('s11_prod', 's11_api', 'tags'), '["a", "b"]'::jsonb, 'x-merge union keeps each element once');

-- validate() --------------------------------------------------------------------
SELECT is_empty($$SELECT * FROM cfgmgr.validate('s11_prod', 's11_api')$$, 'a valid configuration validates empty');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('s11_prod', 's11_api', provider => 'aws')$$, 'also for a provider');
SELECT throws_ok($$SELECT * FROM cfgmgr.validate('nope', 's11_api')$$, 'CM006', NULL, 'validate: unknown environment');
SELECT throws_ok($$SELECT * FROM cfgmgr.validate('s11_prod', 'nope')$$, 'CM007', NULL, 'validate: unknown service');
SELECT throws_ok($$SELECT * FROM cfgmgr.validate('s11_prod', 's11_api', provider => 'nope')$$, '42704', NULL,
		  'validate: unknown provider');
SELECT throws_ok($$SELECT * FROM cfgmgr.validate(NULL, 's11_api')$$, '22004', NULL, 'validate: NULL environment');

-- commit-time enforcement (deferred: checked when the constraints fire) -----------
SAVEPOINT a;
SELECT lives_ok($$SELECT cfgmgr.set('s11_prod_eu', 's11_api', 'http.port', '70000')$$,
				'an invalid value is accepted until commit');
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL, 'maximum violated at commit: CM002');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod_eu', 's11_api', 'http.port', '"http"') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM001', NULL, 'wrong type at commit: CM001');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.unset('s11_base', 's11_api', 'http.port') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM003', NULL, 'missing required property at commit: CM003');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set('s11_base', 's11_api', 'pool.max', '501') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL,
				 'a base change is checked in every descendant');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod', 's11_api', 'pool.max', '600', provider => 'gcp') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL,
				 'a provider-qualified change is checked for that provider');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set_many('s11_prod', 's11_api', '{"http": {"port": 0}, "pool": {"max": 1000}}') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL, 'set_many is checked at commit');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod', 's11_api', 'http.port', '70000') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s11_prod', 's11_api', 'http.port', '8443') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'a value fixed later in the transaction passes');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
INSERT INTO cfgmgr.entry (env_id, service_id, path, provider, value, changeset)
SELECT e.id, s.id, 'http.port', '', '-1', 0
  FROM cfgmgr.environment e, cfgmgr.service s
 WHERE e.name = 's11_prod_eu' AND e.dropped_at IS NULL AND s.name = 's11_api';
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL, 'a direct table write is checked at commit');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
UPDATE cfgmgr.entry SET value = '"x"'
 WHERE path::text = 'pool.min' AND service_id = (SELECT id FROM cfgmgr.service WHERE name = 's11_api');
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM001', NULL, 'a direct UPDATE is checked at commit');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.create_environment('s11_orphan') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s11_orphan', 's11_api', 'http.port', '9000') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_parent('s11_prod_eu', 's11_orphan') IS NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 're-parenting onto a valid parent passes');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.create_environment('s11_bad') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s11_bad', 's11_api', 'http.port', '"nope"') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM001', NULL, 'an invalid new environment is refused');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;

-- the error names path, keyword and message
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod_eu', 's11_api', 'http.port', '70000') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$,
	'%service "s11_api" in environment "s11_prod_eu"%/http/port%',
	'the error names the service, environment and path');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;

-- cross-parameter constraints ---------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.add_constraint('s11_api', 'pool_fits_db',
	$c$(cfg#>>'{pool,max}')::int <= (cfg#>>'{db,max_connections}')::int$c$,
	'pool.max must not exceed db.max_connections')$$, 'add a constraint');
SELECT is((SELECT count(*)::int FROM cfgmgr.constraints WHERE service = 's11_api'), 1, 'constraints view lists it');
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod', 's11_api', 'pool.max', '200') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%pool.max must not exceed db.max_connections%',
				   'a violated constraint aborts at commit with its message');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.set('s11_prod', 's11_api', 'pool.max', '200') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, keyword, message FROM cfgmgr.validate('s11_prod', 's11_api')$$,
	$$VALUES ('', 'constraint:pool_fits_db', 'pool.max must not exceed db.max_connections')$$,
	'validate reports the constraint');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'pool_fits_db', 'true', 'x')$$, '42710', NULL,
				 'duplicate constraint name');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c1', 'true; DROP TABLE cfgmgr.entry', 'x')$$,
				 '22023', NULL, 'two statements are refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c2', '(SELECT true FROM pg_authid LIMIT 1)', 'x')$$,
				 '22023', NULL, 'subqueries are refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c3', 'random() < 2', 'x')$$,
				 '22023', NULL, 'volatile functions are refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c4', 'count(*) > 0', 'x')$$,
				 '22023', NULL, 'aggregates are refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c5', 'true) FROM pg_authid, (SELECT 1) AS x --', 'x')$$,
				 '22023', NULL, 'breaking out of the expression is refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'c6', 'cfg ->> ', 'x')$$,
				 '42601', NULL, 'a syntax error is refused');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('s11_api', 'bad name', 'true', 'x')$$,
				 '22023', NULL, 'invalid constraint name');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('nope', 'c7', 'true', 'x')$$, 'CM007', NULL,
				 'add_constraint: unknown service');
SAVEPOINT a;
SELECT cfgmgr.add_constraint('s11_api', 'always_false', 'false', 'never holds') IS NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%never holds%',
				   'a new constraint is checked against existing configurations');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SAVEPOINT a;
SELECT cfgmgr.add_constraint('s11_api', 'bad_cast', $c$(cfg->>'http') IS NULL OR (cfg#>>'{http,host}')::int > 0$c$, 'host must be numeric') IS NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%host must be numeric (the expression failed: invalid input syntax%',
				   'an expression that fails is a violation naming the failure');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;
SELECT lives_ok($$SELECT cfgmgr.drop_constraint('s11_api', 'pool_fits_db')$$, 'drop a constraint');
SELECT throws_ok($$SELECT cfgmgr.drop_constraint('s11_api', 'pool_fits_db')$$, '42704', NULL,
				 'dropping it again fails');

-- register_schema refusals --------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.register_schema('s11_api',
	'{"type": "object", "properties": {"http": {"type": "object", "properties": {"port": {"type": "integer", "maximum": 1000}}}}}')$$,
	'CM002', NULL, 'a narrowed range (breaking) is refused');
SELECT throws_ok($$SELECT cfgmgr.register_schema('s11_api', '{"type": "object", "properties": {"http": {"type": "strin"}}}', force => true)$$,
	'22023', NULL, 'a malformed schema is refused even with force');
SELECT throws_ok($$SELECT cfgmgr.register_schema('s11_api', '[1]')$$, '22023', NULL, 'an array is not a schema');
SELECT throws_ok($$SELECT cfgmgr.register_schema('s11_api', NULL)$$, '22004', NULL, 'NULL schema');
SELECT throws_ok($$SELECT cfgmgr.register_schema('nope', '{}')$$, 'CM007', NULL, 'unknown service');
SELECT throws_ok($$SELECT cfgmgr.register_schema('s11_api', '{"type": "object", "required": ["missing_key"]}')$$,
	'CM003', NULL, 'a schema whose required key existing configurations lack is refused (CM003)');
SAVEPOINT a;
SELECT is(cfgmgr.register_schema('s11_api', '{"type": "object", "properties": {"pool": {"properties": {"min": {"type": "integer", "minimum": 5}}}}}', force => true),
	3, 'force registers a schema that existing configurations violate');
SELECT is((SELECT count(*)::int FROM cfgmgr.validate('s11_base', 's11_api')), 1, 'validate then reports the violation');
SELECT cfgmgr.set('s11_base', 's11_api', 'http.host', '"h"') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL, 'and the next write to the service must fix it');
ROLLBACK TO SAVEPOINT a;
SET CONSTRAINTS ALL DEFERRED;

SELECT cfgmgr.create_service('s11_empty') IS NOT NULL AS ok \gset
SELECT is(cfgmgr.register_schema('s11_empty', '{"type": "object", "required": ["x"]}'), 1,
		  'a service nobody configured yet takes a schema with required keys');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('s11_prod', 's11_empty')$$,
		  'an environment storing nothing for a service has nothing to violate');

-- schema_compat --------------------------------------------------------------------
SELECT results_eq(
	$$SELECT path, change, breaking FROM cfgmgr.schema_compat('s11_api',
		'{"type": "object", "properties": {"http": {"type": "object", "properties": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}, "hostname": {"type": "string"}, "timeout_ms": {"type": "integer", "default": 5000}}, "required": ["port"]}, "pool": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer", "maximum": 500}}}, "db": {"type": "object", "properties": {"max_connections": {"type": "integer"}}, "required": ["max_connections"]}, "tags": {"type": "array", "items": {"type": "string"}, "x-merge": "union"}, "log": {"type": "object", "default": {"level": "info"}, "x-env-specific": true}, "region": {"enum": ["eu", "us"]}}}')
	  ORDER BY path, change$$,
	$$VALUES ('db.max_connections', 'required_added', true),
			 ('http.host', 'renamed', true),
			 ('region', 'added', false)$$,
	'compat: rename detected, new required without default breaks, new optional property does not');
SELECT results_eq(
	$$SELECT change, breaking FROM cfgmgr.schema_compat('s11_api',
		'{"type": "object", "properties": {"http": {"type": ["object", "null"], "properties": {"port": {"type": "integer", "minimum": 0, "maximum": 65535}, "host": {"type": "string", "pattern": "^[a-z.]+$"}, "timeout_ms": {"type": "integer", "default": 5000}}, "required": ["port"]}, "pool": {"type": "object", "properties": {"min": {"type": "integer"}, "max": {"type": "integer", "maximum": 500}}}, "db": {"type": "object", "properties": {"max_connections": {"type": "integer"}}}, "tags": {"type": "array", "items": {"type": "string"}, "x-merge": "union"}, "log": {"type": "object", "default": {"level": "info"}, "x-env-specific": true}}, "additionalProperties": false}')
	  ORDER BY change$$,
	$$VALUES ('additional_properties_closed', true), ('pattern_changed', true),
			 ('range_widened', false), ('type_widened', false)$$,
	'compat: widened type and range are not breaking, a new pattern and closing additionalProperties are');
SELECT is_empty(format('SELECT * FROM cfgmgr.schema_compat(%L, %L)', 's11_api', :'schema1'), 'compat of the same schema is empty');

SELECT * FROM finish();
ROLLBACK;
