-- Access control: grant/revoke, the rule through the API (CM008) and
-- through row-level security, membership, escalation, catalog writes, and
-- the attacks of issue 7 (direct writes, views, session_replication_role,
-- search_path hijacking, TRUNCATE, hostile objects).
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(125);

SELECT cfgmgr.create_environment('a60_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a60_prod', 'a60_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a60_prod-eu', 'a60_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a60_stg', 'a60_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('a60_billing') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('a60_api') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('a60_base', 'a60_billing', '{"db": {"host": "db.base", "port": 5432}, "log": "info"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod', 'a60_billing', 'db.host', '"db.prod"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod', 'a60_billing', 'feature.x', 'true') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod-eu', 'a60_billing', 'db.pool', '20') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_stg', 'a60_billing', 'db.host', '"db.stg"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod', 'a60_api', 'url', '"https://api"') IS NOT NULL AS ok \gset

CREATE ROLE a60_nobody;
CREATE ROLE a60_reader;
CREATE ROLE a60_prodonly;
CREATE ROLE a60_dbonly;
CREATE ROLE a60_team NOLOGIN;
CREATE ROLE a60_alice IN ROLE a60_team;
CREATE ROLE a60_noinherit NOINHERIT IN ROLE a60_team;
CREATE ROLE a60_writer;
CREATE ROLE a60_stgadmin;
CREATE ROLE a60_evil;

-- ---------------------------------------------------------------------
-- the installation
-- ---------------------------------------------------------------------
SELECT is((SELECT rolcanlogin OR rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = 'cfgmgr_owner'), false,
	'the owner of the tables cannot log in, is no superuser and does not bypass RLS');
SELECT is_empty($$SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'cfgmgr'::regnamespace
	AND c.relkind IN ('r', 'v', 'S') AND c.relowner <> 'cfgmgr_owner'::regrole$$,
	'every table, view and sequence is owned by cfgmgr_owner');
SELECT is_empty($$SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'cfgmgr'::regnamespace
	AND c.relkind = 'r' AND c.relname NOT IN ('cache_signal', 'catalog_signal', 'audit_head')
	AND NOT (c.relrowsecurity AND c.relforcerowsecurity)$$,
	'row-level security is enabled and forced on every table holding rows');
SELECT is_empty($$SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'cfgmgr'::regnamespace
	AND c.relkind = 'v' AND NOT ('security_invoker=true' = ANY (COALESCE(c.reloptions, '{}')))$$,
	'every view runs as its caller (security_invoker)');
SELECT is_empty($$SELECT p.proname FROM pg_proc p WHERE p.pronamespace = 'cfgmgr'::regnamespace
	AND p.prosecdef AND NOT EXISTS (SELECT FROM unnest(p.proconfig) c WHERE c LIKE 'search_path=%')$$,
	'every SECURITY DEFINER function pins search_path');
SELECT ok((SELECT bool_and(p.proleakproof) FROM pg_proc p WHERE p.oid IN
	('cfgmgr.allowed(text,int,int,cfgmgr.cfgpath)'::regprocedure,
	 'cfgmgr.allowed_names(text,text,text,cfgmgr.cfgpath)'::regprocedure,
	 'cfgmgr.may_grant(text,text,cfgmgr.cfgpath)'::regprocedure,
	 'cfgmgr.has_privilege(text)'::regprocedure)),
	'the functions of the policies are leakproof (they never raise)');
SELECT is(cfgmgr.allowed('no such privilege', NULL, NULL, NULL), false, 'an unknown privilege is not allowed, not an error');
SELECT is((SELECT string_agg(format('%s %s %s %s', role, privilege, environment_pattern, service_pattern), ', ' ORDER BY role)
	FROM cfgmgr.grants WHERE builtin)::text,
	'cfgmgr_admin admin * *, cfgmgr_reader read * *', 'cfgmgr_admin and cfgmgr_reader come with their grants');

-- ---------------------------------------------------------------------
-- no grant: nothing
-- ---------------------------------------------------------------------
SELECT cfgmgr.get('a60_prod', 'a60_billing', 'db.host') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_nobody;
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_billing', 'db.host')$$, 'CM008',
	'access denied: role "a60_nobody" lacks read on environment "a60_base", service "a60_billing", path "db.host"',
	'no grant: get is refused (the cached answer of another role is not served)');
SELECT throws_ok($$SELECT cfgmgr.resolve('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'no grant: resolve is refused');
SELECT throws_ok($$SELECT * FROM cfgmgr.explain('a60_prod', 'a60_billing', 'db.host')$$, 'CM008', NULL, 'no grant: explain is refused');
SELECT throws_ok($$SELECT * FROM cfgmgr.provenance('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'no grant: provenance is refused');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'no grant: export is refused');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('a60_prod', 'a60_billing', resolved => false)$$, 'CM008', NULL, 'no grant: stored export is refused');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('a60_prod', 'a60_stg', 'a60_billing')$$, 'CM008', NULL, 'no grant: drift is refused');
SELECT throws_ok($$SELECT * FROM cfgmgr.validate('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'no grant: validate is refused');
SELECT is((SELECT count(*) FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id('a60_billing')), 0::bigint,
	'no grant: cfgmgr.entry read directly shows no row');
SELECT is((SELECT count(*) FROM cfgmgr."values" v WHERE v.service = 'a60_billing'), 0::bigint,
	'no grant: the values view shows no row');
SELECT is((SELECT count(*) FROM cfgmgr.history(NULL, 'a60_billing')), 0::bigint,
	'no grant: history shows no row');
SELECT throws_ok($$SELECT cfgmgr.set('a60_prod', 'a60_billing', 'db.host', '"x"')$$, 'CM008', NULL, 'no grant: set is refused');
SELECT throws_ok($$SELECT cfgmgr.unset('a60_prod', 'a60_billing', 'db.host')$$, 'CM008', NULL, 'no grant: unset is refused');
RESET ROLE;

-- ---------------------------------------------------------------------
-- read everywhere
-- ---------------------------------------------------------------------
SELECT ok(cfgmgr.grant('a60_reader', 'read', '*', 'a60_billing') > 0, 'grant returns the grant id');
SELECT is(cfgmgr.grant('a60_reader', 'read', '*', 'a60_billing'),
	(SELECT id FROM cfgmgr.grants WHERE role = 'a60_reader'), 'granting twice returns the same grant');
SET LOCAL ROLE a60_reader;
SELECT is(cfgmgr.get('a60_prod-eu', 'a60_billing', 'db.host'), '"db.prod"'::jsonb, 'read everywhere: get');
SELECT is(cfgmgr.resolve('a60_prod-eu', 'a60_billing'),
	'{"db": {"host": "db.prod", "pool": 20, "port": 5432}, "log": "info", "feature": {"x": true}}'::jsonb,
	'read everywhere: resolve');
SELECT is((SELECT count(*) FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id('a60_billing')), 7::bigint,
	'read everywhere: every row of the service read directly');
SELECT is((SELECT count(*) FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id('a60_api')), 0::bigint,
	'... and none of another service');
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_api', 'url')$$, 'CM008', NULL, 'another service: refused');
SELECT throws_ok($$SELECT cfgmgr.set('a60_stg', 'a60_billing', 'log', '"debug"')$$, 'CM008', NULL, 'read does not allow writing');
WITH u AS (UPDATE cfgmgr.entry SET value = '"x"' WHERE path OPERATOR(cfgmgr.=) 'log' RETURNING 1)
SELECT is((SELECT count(*) FROM u), 0::bigint, 'a direct UPDATE by a reader changes nothing (row-level security)');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'admin')$$, 'CM008', NULL, 'a reader cannot grant itself admin');
RESET ROLE;

-- ---------------------------------------------------------------------
-- some environments only: a contributing row elsewhere is refused
-- ---------------------------------------------------------------------
SELECT cfgmgr.grant('a60_prodonly', 'read', 'a60_prod*', 'a60_billing') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_prodonly;
SELECT is(cfgmgr.get('a60_prod-eu', 'a60_billing', 'feature.x'), 'true'::jsonb,
	'prod-only: a value stored only in prod environments is readable');
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod-eu', 'a60_billing', 'db.port')$$, 'CM008',
	'access denied: role "a60_prodonly" lacks read on environment "a60_base", service "a60_billing", path "db.port"',
	'prod-only: a value inherited from base is refused, naming the row');
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod-eu', 'a60_billing', 'db')$$, 'CM008', NULL,
	'prod-only: an object with a part from base is refused, not returned without it');
SELECT throws_ok($$SELECT cfgmgr.resolve('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'prod-only: resolve is refused');
SELECT is((SELECT count(*) FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id('a60_billing')), 3::bigint,
	'prod-only: the rows of prod and prod-eu read directly');
RESET ROLE;

-- ---------------------------------------------------------------------
-- a path prefix
-- ---------------------------------------------------------------------
SELECT cfgmgr.grant('a60_dbonly', 'read', '*', 'a60_billing', 'db') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_dbonly;
SELECT is(cfgmgr.get('a60_prod-eu', 'a60_billing', 'db'), '{"host": "db.prod", "pool": 20, "port": 5432}'::jsonb,
	'db prefix: the db subtree');
SELECT is(cfgmgr.get('a60_prod-eu', 'a60_billing', 'db.pool'), '20'::jsonb, 'db prefix: a leaf below it');
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_billing', 'log')$$, 'CM008', NULL, 'db prefix: another path is refused');
SELECT throws_ok($$SELECT cfgmgr.resolve('a60_prod', 'a60_billing')$$, 'CM008', NULL, 'db prefix: the whole document is refused');
SELECT is((SELECT array_agg(path::text ORDER BY path) FROM cfgmgr.entry e WHERE e.service_id = cfgmgr.service_id('a60_billing')),
	'{db.host,db.host,db.host,db.pool,db.port}'::text[], 'db prefix: only rows under db read directly');
RESET ROLE;

-- ---------------------------------------------------------------------
-- membership counts (INHERIT), revoke
-- ---------------------------------------------------------------------
SELECT cfgmgr.grant('a60_team', 'read', 'a60_stg', 'a60_*') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_alice;
SELECT throws_ok($$SELECT cfgmgr.get('a60_stg', 'a60_billing', 'db.host')$$, 'CM008', NULL,
	'team grant on staging: base rows still need a grant');
RESET ROLE;
SELECT cfgmgr.grant('a60_team', 'read', 'a60_base', 'a60_billing') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_alice;
SELECT is(cfgmgr.get('a60_stg', 'a60_billing', 'db.host'), '"db.stg"'::jsonb, 'a member of a granted group reads');
RESET ROLE;
SET LOCAL ROLE a60_noinherit;
SELECT throws_ok($$SELECT cfgmgr.get('a60_stg', 'a60_billing', 'db.host')$$, 'CM008', NULL,
	'a NOINHERIT member does not get the group''s grants');
RESET ROLE;
SELECT is(cfgmgr.revoke('a60_team', 'read', 'a60_base', 'a60_billing'), 1::bigint, 'revoke removes the grant');
SELECT is(cfgmgr.revoke('a60_team', 'read', 'a60_base', 'a60_billing'), 0::bigint, 'revoking again removes nothing');
SET LOCAL ROLE a60_alice;
SELECT throws_ok($$SELECT cfgmgr.get('a60_stg', 'a60_billing', 'db.host')$$, 'CM008', NULL, 'revoked: refused again');
RESET ROLE;
REVOKE a60_team FROM a60_alice;
SELECT cfgmgr.grant('a60_team', 'read', 'a60_base', 'a60_billing') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_alice;
SELECT throws_ok($$SELECT cfgmgr.get('a60_stg', 'a60_billing', 'db.host')$$, 'CM008', NULL,
	'membership revoked with REVOKE ... FROM: refused at once');
RESET ROLE;

-- ---------------------------------------------------------------------
-- writers
-- ---------------------------------------------------------------------
SELECT cfgmgr.grant('a60_writer', 'write', 'a60_stg', 'a60_billing') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_writer;
SELECT ok(cfgmgr.set('a60_stg', 'a60_billing', 'log', '"debug"') > 0, 'a writer sets in its environment');
SELECT ok(cfgmgr.unset('a60_stg', 'a60_billing', 'log') > 0, 'a writer unsets in its environment');
SELECT throws_ok($$SELECT cfgmgr.set('a60_prod', 'a60_billing', 'log', '"debug"')$$, 'CM008',
	'access denied: role "a60_writer" lacks write on environment "a60_prod", service "a60_billing", path "log"',
	'a writer cannot set in another environment');
SELECT throws_ok($$SELECT cfgmgr.set_many('a60_prod', 'a60_billing', '{"log": "debug"}')$$, 'CM008', NULL,
	'a writer cannot write another environment through set_many');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('a60_prod', 'a60_billing', 'log: debug')$$, 'CM008', NULL,
	'a writer cannot write another environment through import_yaml');
SELECT throws_ok($$SELECT cfgmgr.import_json('a60_prod', 'a60_billing', '{"log": "debug"}')$$, 'CM008', NULL,
	'... nor import_json');
SELECT throws_ok($$SELECT cfgmgr.unset('a60_prod', 'a60_billing', 'db.host')$$, 'CM008', NULL,
	'a writer cannot unset in another environment');
SELECT throws_ok($$SELECT cfgmgr.rollback('a60_prod', '1')$$, 'CM008', NULL, 'a writer cannot roll another environment back');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
	VALUES (cfgmgr.environment_id('a60_prod'), cfgmgr.service_id('a60_billing'), 'log', '"x"', 0)$$, 'CM008', NULL,
	'a direct INSERT into another environment is refused');
WITH u AS (UPDATE cfgmgr.entry SET value = '"x"' WHERE env_id = cfgmgr.environment_id('a60_prod') RETURNING 1)
SELECT is((SELECT count(*) FROM u), 0::bigint,
	'a direct UPDATE of another environment changes nothing (row-level security)');
WITH d AS (DELETE FROM cfgmgr.entry WHERE env_id = cfgmgr.environment_id('a60_prod') RETURNING 1)
SELECT is((SELECT count(*) FROM d), 0::bigint, 'a direct DELETE of another environment removes nothing');
SELECT throws_ok($$INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset, ciphertext)
	VALUES (cfgmgr.environment_id('a60_stg'), cfgmgr.service_id('a60_billing'), 'x', '"x"', 0, '\x00')$$, '42501', NULL,
	'nobody but the owner writes the ciphertext column');
SELECT throws_ok($$INSERT INTO cfgmgr.change (changeset, env_id, service_id, path, provider, op)
	VALUES (1, 1, 1, 'x', '', 'set')$$, '42501', NULL, 'history cannot be forged');
SELECT throws_ok($$INSERT INTO cfgmgr.changeset (xid) VALUES (pg_current_xact_id())$$, '42501', NULL, 'changesets cannot be forged');
SELECT throws_ok($$TRUNCATE cfgmgr.entry$$, '42501', NULL, 'TRUNCATE is refused');
SELECT throws_ok($$SET session_replication_role = replica$$, '42501', NULL, 'session_replication_role (skipping triggers) is refused');
SELECT throws_ok($$INSERT INTO cfgmgr.acl (role_id, privilege) VALUES ('a60_writer'::regrole, 'admin')$$, '42501', NULL,
	'a writer cannot insert itself an admin grant directly');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_writer', 'admin', 'a60_stg', 'a60_billing')$$, 'CM008', NULL,
	'a writer cannot grant itself admin');
SELECT throws_ok($$SELECT cfgmgr.create_environment('a60_new')$$, 'CM008', NULL, 'a writer cannot create environments');
SELECT throws_ok($$INSERT INTO cfgmgr.environment (name) VALUES ('a60_new')$$, '42501', NULL,
	'... nor directly');
SELECT throws_ok($$SELECT cfgmgr.create_service('a60_new')$$, 'CM008', NULL, 'a writer cannot create services');
SELECT throws_ok($$SELECT cfgmgr.register_schema('a60_billing', '{"type": "object"}')$$, 'CM008', NULL,
	'a writer cannot register schemas');
SELECT throws_ok($$SELECT cfgmgr.add_constraint('a60_billing', 'c', 'true', 'm')$$, 'CM008', NULL,
	'a writer cannot add constraints');
SELECT throws_ok($$SELECT cfgmgr.set_target('a60_stg', 'aws', '{"region": "us-east-1"}')$$, 'CM008', NULL,
	'a writer cannot set targets');
SELECT throws_ok($$SELECT cfgmgr.drop_environment('a60_stg')$$, 'CM008', NULL, 'a writer cannot drop environments');
SELECT throws_ok($$SELECT cfgmgr.set_parent('a60_stg', 'a60_prod')$$, 'CM008', NULL, 'a writer cannot re-parent');
SELECT throws_ok($$CREATE FUNCTION cfgmgr.evil() RETURNS int LANGUAGE sql AS 'SELECT 1'$$, '42501', NULL,
	'nobody but the installer creates objects in schema cfgmgr');
RESET ROLE;

-- ---------------------------------------------------------------------
-- delegated administration
-- ---------------------------------------------------------------------
SELECT cfgmgr.grant('a60_stgadmin', 'admin', 'a60_stg', '*') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_stgadmin;
SELECT ok(cfgmgr.grant('a60_nobody', 'read', 'a60_stg', 'a60_billing') > 0,
	'an admin of staging grants read on staging');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_nobody', 'read', '*', 'a60_billing')$$, 'CM008', NULL,
	'... but not on every environment');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_nobody', 'read', 'a60_prod', 'a60_billing')$$, 'CM008', NULL,
	'... nor on production');
SELECT throws_ok($$SELECT cfgmgr.revoke('a60_reader', 'read', '*', 'a60_billing')$$, 'CM008', NULL,
	'... nor revoke a wider grant');
SELECT ok(cfgmgr.set('a60_stg', 'a60_api', 'url', '"https://stg"') > 0, 'admin implies write');
SELECT is(cfgmgr.get('a60_stg', 'a60_api', 'url'), '"https://stg"'::jsonb, 'admin implies read where granted');
SELECT lives_ok($$SELECT cfgmgr.set_labels('a60_stg', '{"tier": "2"}')$$, 'an admin of staging sets its labels');
SELECT throws_ok($$SELECT cfgmgr.set_labels('a60_prod', '{"tier": "1"}')$$, 'CM008', NULL, '... not production''s');
SELECT throws_ok($$SELECT cfgmgr.create_environment('a60_stg2', 'a60_stg')$$, 'CM008', NULL,
	'... nor create an environment its pattern does not match');
RESET ROLE;
SELECT cfgmgr.grant('a60_stgadmin', 'admin', 'a60_stg*', '*') IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_stgadmin;
SELECT ok(cfgmgr.create_environment('a60_stg2', 'a60_stg') > 0, 'an admin of a60_stg* creates a60_stg2 (a name not in the catalog yet)');
SELECT lives_ok($$SELECT cfgmgr.set_target('a60_stg2', 'aws', '{"region": "eu-west-1", "account_id": "123456789012"}')$$,
	'... and sets its target');
SELECT throws_ok($$SELECT cfgmgr.create_service('a60_new')$$, 'CM008', NULL, '... but creates no service (admin on every environment needed)');
RESET ROLE;
GRANT cfgmgr_admin TO a60_stgadmin;
SET LOCAL ROLE a60_stgadmin;
SELECT ok(cfgmgr.create_service('a60_new') > 0, 'a member of cfgmgr_admin creates services');
SELECT ok(cfgmgr.grant('a60_nobody', 'read', '*', 'a60_new') > 0, '... and grants on every environment');
RESET ROLE;

-- ---------------------------------------------------------------------
-- secrets: masked without read_secret, in clear with it
-- ---------------------------------------------------------------------
SELECT '/tmp/cfgmgr_a60_' || pg_backend_pid() || '.key' AS keyfile \gset
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'a60', 'hex', :'keyfile') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'chmod 600 ' || :'keyfile') \gexec
SELECT set_config('cfgmgr.key_file', :'keyfile', true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod', 'a60_billing', 'db.password', '"pr0d-pw"', secret => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a60_prod', 'a60_billing', 'api.token', '"t0ken"', secret => true) IS NOT NULL AS ok \gset
CREATE ROLE a60_sre;
SELECT cfgmgr.grant('a60_sre', 'read', '*', 'a60_billing') IS NOT NULL AS ok \gset
SELECT cfgmgr.grant('a60_sre', 'read_secret', 'a60_prod', 'a60_billing', 'db') IS NOT NULL AS ok \gset
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.password'), '"pr0d-pw"'::jsonb, 'a superuser reads a secret in clear');
SET LOCAL ROLE a60_reader;
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.password'), '"********"'::jsonb,
	'read without read_secret: the secret is masked (the superuser''s cached clear value is not served)');
SELECT is(cfgmgr.resolve('a60_prod', 'a60_billing') #> '{api,token}', '"********"'::jsonb, '... in resolve too');
SELECT is((SELECT value FROM cfgmgr."values" v WHERE v.environment = 'a60_prod' AND v.path OPERATOR(cfgmgr.=) 'db.password'),
	'"********"'::jsonb, '... and in the values view');
SELECT throws_ok($$SELECT ciphertext FROM cfgmgr.entry$$, '42501', NULL, 'the ciphertext column cannot be selected');
RESET ROLE;
SET LOCAL ROLE a60_sre;
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.password'), '"pr0d-pw"'::jsonb, 'read_secret on db: db.password in clear');
SELECT is(cfgmgr.resolve('a60_prod', 'a60_billing') #> '{api,token}', '"********"'::jsonb,
	'... api.token, outside the prefix, masked');
SELECT is(cfgmgr.resolve('a60_prod', 'a60_billing') #> '{db,password}', '"pr0d-pw"'::jsonb,
	'... while db.password in the same document is in clear');
SELECT is(cfgmgr.get('a60_stg', 'a60_billing', 'db.host'), '"db.stg"'::jsonb,
	'a document without secrets reads the same for a role reading some secrets');
RESET ROLE;
SAVEPOINT ro;
SET TRANSACTION READ ONLY;
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_billing', 'db.password')$$, '25006',
	'cannot read a secret in clear in a read-only transaction',
	'a read-only transaction cannot record a secret read: refused before the value is shown');
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.host'), '"db.prod"'::jsonb, '... other values read as usual');
SET LOCAL ROLE a60_reader;
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.password'), '"********"'::jsonb, '... and the mask is no secret read');
RESET ROLE;
ROLLBACK TO SAVEPOINT ro;
SELECT set_config('cfgmgr.key_file', '', true) IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_sre;
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_billing', 'db.password')$$, 'CM014', NULL,
	'no key: reading a secret in clear is CM014');
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.host'), '"db.prod"'::jsonb, 'no key: other values still read');
RESET ROLE;
SET LOCAL ROLE a60_reader;
SELECT is(cfgmgr.get('a60_prod', 'a60_billing', 'db.password'), '"********"'::jsonb,
	'no key: a reader without read_secret still gets the mask');
RESET ROLE;
SELECT ok(cfgmgr.export_yaml('a60_prod', 'a60_billing') LIKE '%password: !secret "********"%',
	'no key: a resolved export (which masks every secret) works, even for a superuser');
-- drift_observed compares secrets in clear for a reader without read_secret too
SELECT set_config('cfgmgr.key_file', :'keyfile', true) IS NOT NULL AS ok \gset
SELECT cfgmgr.report_observed('a60_prod', 'a60_billing',
	jsonb_set(cfgmgr.resolve('a60_prod', 'a60_billing'), '{api,token}', '"wrong"')) IS NOT NULL AS ok \gset
SET LOCAL ROLE a60_reader;
SELECT is((SELECT count(*) FROM cfgmgr.drift_observed('a60_prod', 'a60_billing') d WHERE d.path = 'db.password'), 0::bigint,
	'drift_observed: a deployed secret equal to the declared one is no drift for a reader without read_secret');
SELECT is((SELECT array_agg(d.path || ' ' || d.kind || ' ' || d.left_value::text || ' ' || d.right_value::text)
	FROM cfgmgr.drift_observed('a60_prod', 'a60_billing') d), '{"api.token changed \"********\" \"********\""}',
	'... and a different one is reported, masked on both sides');
RESET ROLE;
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || :'keyfile') \gexec

-- ---------------------------------------------------------------------
-- bad input to grant and revoke
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.grant('a60_no_such_role', 'read')$$, '42704', 'role "a60_no_such_role" does not exist',
	'grant to an unknown role');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'superpower')$$, '22023', 'unknown privilege "superpower"',
	'grant of an unknown privilege');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'read', 'prod;drop')$$, '22023', NULL,
	'an environment pattern with other characters');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'read', '*', repeat('s', 64))$$, '22023', NULL,
	'a service pattern longer than 63 bytes');
SELECT throws_ok($$SELECT cfgmgr.grant(NULL, 'read')$$, '22004', NULL, 'a NULL role');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'read', NULL)$$, '22004', NULL, 'a NULL pattern');
SELECT throws_ok($$SELECT cfgmgr.grant('a60_reader', 'read', '*', '*', 'db..x')$$, '22P02', NULL, 'an invalid path prefix');
SELECT throws_ok($$SELECT cfgmgr.revoke('a60_no_such_role', 'read')$$, '42704', NULL, 'revoke from an unknown role');
SELECT throws_ok($$SELECT cfgmgr.require('fly', 'a60_prod', 'a60_billing')$$, '22023', NULL, 'require of an unknown privilege');

-- ---------------------------------------------------------------------
-- a ciphertext moved to another path does not decrypt
-- ---------------------------------------------------------------------
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'a60', 'hex', :'keyfile') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'chmod 600 ' || :'keyfile') \gexec
SELECT set_config('cfgmgr.key_file', :'keyfile', true) IS NOT NULL AS ok \gset
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.entry e SET ciphertext = (SELECT o.ciphertext FROM cfgmgr.entry o
	WHERE o.env_id = e.env_id AND o.service_id = e.service_id AND o.path OPERATOR(cfgmgr.=) 'api.token')
 WHERE e.env_id = cfgmgr.environment_id('a60_prod') AND e.path OPERATOR(cfgmgr.=) 'db.password';
SET LOCAL session_replication_role = origin;
SET LOCAL cfgmgr.cache = off;	-- replica mode skipped the invalidation trigger too
SELECT throws_ok($$SELECT cfgmgr.get('a60_prod', 'a60_billing', 'db.password')$$, 'XX001', NULL,
	'a ciphertext copied from another path fails authentication (it is bound to its path)');
SELECT throws_like($$SELECT cfgmgr.resolve('a60_prod', 'a60_billing')$$, '%db.password%',
	'... in resolve too, naming the path and not the value');
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || :'keyfile') \gexec

-- ---------------------------------------------------------------------
-- an empty search_path (as logical replication workers run triggers)
-- ---------------------------------------------------------------------
SET LOCAL search_path = '';
SELECT cfgmgr.set('a60_stg', 'a60_billing', 'repl.check', '1') IS NOT NULL AS ok \gset
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
VALUES (cfgmgr.environment_id('a60_stg'), cfgmgr.service_id('a60_billing'), 'repl.direct', '2', 0);
SELECT cfgmgr.resolve('a60_stg', 'a60_billing') -> 'repl' AS empty_path_repl \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
RESET search_path;
SELECT is(:'empty_path_repl'::jsonb, '{"check": 1, "direct": 2}'::jsonb,
	'with an empty search_path, writes (triggers, commit-time checks) and reads work');

-- the ready-made groups
GRANT cfgmgr_reader TO a60_evil;
SET LOCAL ROLE a60_evil;
SELECT is(cfgmgr.get('a60_prod', 'a60_api', 'url'), '"https://api"'::jsonb, 'a member of cfgmgr_reader reads everything');
SELECT throws_ok($$SELECT cfgmgr.set('a60_prod', 'a60_api', 'url', '"x"')$$, 'CM008', NULL, '... and writes nothing');

-- search_path hijacking: the attacker's objects are never called
RESET ROLE;
CREATE SCHEMA a60_evil AUTHORIZATION a60_evil;
SET LOCAL ROLE a60_evil;
CREATE FUNCTION a60_evil.jsonb_build_object(text, text) RETURNS jsonb LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE FUNCTION a60_evil.int4eq(int, int) RETURNS bool LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'hijacked'; END $$;
CREATE OPERATOR a60_evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = a60_evil.int4eq);
CREATE FUNCTION a60_evil.lower(text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'hijacked'; END $$;
SET LOCAL search_path = a60_evil, pg_catalog, public;
SELECT cfgmgr.resolve('a60_prod', 'a60_api')::text AS hijack_resolve \gset
SELECT count(*) AS hijack_history FROM cfgmgr.history('a60_prod', 'a60_api') \gset
SELECT count(*) AS hijack_grants FROM cfgmgr.grants g WHERE g.role OPERATOR(pg_catalog.=) 'cfgmgr_reader' \gset
SELECT count(*) AS hijack_drift FROM cfgmgr.drift('a60_prod', 'a60_stg') \gset
RESET search_path;
SELECT is(:'hijack_resolve'::jsonb, '{"url": "https://api"}'::jsonb, 'a hostile search_path does not reach into resolve');
SELECT is(:'hijack_history'::int, 1, '... nor into history');
SELECT is(:'hijack_grants'::int, 1, '... nor into the grants view');
SELECT ok(:'hijack_drift'::int > 0, '... nor into drift');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
