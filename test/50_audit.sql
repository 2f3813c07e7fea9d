-- The audit log: what is recorded and by whom, secrets kept out, append-only
-- for everyone, readable by global admins only, the canonical form and
-- hash (recomputed here in SQL), and verify_audit finding each kind of
-- tampering.  Concurrent writers: specs/audit_chain_rc.spec and _rr.spec.
\set ON_ERROR_STOP 1
\set QUIET 1

-- Versions are committed changesets: one, for tag and rollback, made in
-- autocommit mode (its audit records stay, as audit records do; the
-- environment is dropped at the end)
DO $$ BEGIN
	PERFORM cfgmgr.drop_environment('a50_v', true) WHERE EXISTS (SELECT FROM cfgmgr.environments WHERE name = 'a50_v');
	DELETE FROM cfgmgr.tag WHERE name = 'a50-v1';
	PERFORM cfgmgr.create_service('a50_vsvc') WHERE NOT EXISTS (SELECT FROM cfgmgr.services WHERE name = 'a50_vsvc');
END $$;
SELECT cfgmgr.create_environment('a50_v') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a50_v', 'a50_vsvc', 'retries', '3') IS NOT NULL AS ok \gset

BEGIN;
SELECT plan(76);

-- "op environment service path provider" of the records since the last call
CREATE TEMP TABLE a50_mark (id bigint);
INSERT INTO a50_mark SELECT coalesce(max(id), 0) FROM cfgmgr.audit_log;
CREATE FUNCTION pg_temp.new_ops() RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
	r text[];
BEGIN
	PERFORM cfgmgr.audit_flush();	-- records are written at commit otherwise
	SELECT array_agg(concat_ws(' ', l.op, l.environment, l.service, l.path, l.provider) ORDER BY l.id) INTO r
	  FROM cfgmgr.audit_log l WHERE l.id > (SELECT id FROM a50_mark);
	UPDATE a50_mark SET id = (SELECT coalesce(max(id), 0) FROM cfgmgr.audit_log);
	RETURN coalesce(r, '{}');
END $$;
-- the last record
CREATE FUNCTION pg_temp.last() RETURNS cfgmgr.audit_log LANGUAGE sql AS
$$ SELECT cfgmgr.audit_flush(); SELECT * FROM cfgmgr.audit_log ORDER BY id DESC LIMIT 1 $$;

-- The canonical form of doc/audit.md, written independently in SQL
CREATE FUNCTION pg_temp.f_int(v bigint) RETURNS bytea LANGUAGE sql AS
$$ SELECT CASE WHEN v IS NULL THEN '\x00'::bytea ELSE '\x01'::bytea || int8send(v) END $$;
CREATE FUNCTION pg_temp.f_text(t text) RETURNS bytea LANGUAGE sql AS
$$ SELECT CASE WHEN t IS NULL THEN '\x00'::bytea
			   ELSE '\x02'::bytea || int4send(octet_length(t)) || convert_to(t, current_setting('server_encoding')) END $$;
CREATE FUNCTION pg_temp.canon(l cfgmgr.audit_log) RETURNS bytea LANGUAGE sql AS $$
	SELECT convert_to('CFGAUDIT1', 'SQL_ASCII') || pg_temp.f_int(l.id)
		|| pg_temp.f_int((extract(epoch FROM l.at) * 1000000)::bigint - 946684800000000)
		|| pg_temp.f_text(l.session_role) || pg_temp.f_text(l.effective_role) || pg_temp.f_text(l.client)
		|| pg_temp.f_int(l.changeset) || pg_temp.f_text(l.op) || pg_temp.f_text(l.environment)
		|| pg_temp.f_text(l.service) || pg_temp.f_text(l.path) || pg_temp.f_text(l.provider)
		|| pg_temp.f_text(l.detail::text) $$;
-- verify_audit as one "ok first_bad_id" string
CREATE FUNCTION pg_temp.v() RETURNS text LANGUAGE sql AS
$$ SELECT cfgmgr.audit_flush(); SELECT ok || ' ' || coalesce(first_bad_id::text, '-') FROM cfgmgr.verify_audit() $$;

CREATE ROLE regress_a50_admin NOLOGIN;
CREATE ROLE regress_a50_team NOLOGIN;
CREATE ROLE regress_a50_alice NOLOGIN IN ROLE regress_a50_team;
CREATE ROLE regress_a50_nobody NOLOGIN;
GRANT USAGE ON SCHEMA cfgmgr TO regress_a50_admin;

-- =====================================================================
-- What is recorded
-- =====================================================================
SELECT pg_temp.new_ops() IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a50_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a50_prod', 'a50_base', labels => '{"tier": "1"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('a50_eu') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('a50_svc') IS NOT NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"create_environment a50_base","create_environment a50_prod","create_environment a50_eu","create_service a50_svc"}',
	'creating environments and a service is recorded');
SELECT is((SELECT detail->>'parent' FROM cfgmgr.audit_log WHERE op = 'create_environment' AND environment = 'a50_prod' ORDER BY id DESC LIMIT 1),
	'a50_base', 'the parent is named in the detail');

SELECT cfgmgr.set_parent('a50_eu', 'a50_prod') IS NULL AS ok \gset
SELECT cfgmgr.set_labels('a50_eu', '{"region": "eu"}') IS NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"alter_environment a50_eu","alter_environment a50_eu"}', 're-parenting and labels are recorded');
SELECT is((SELECT detail->'old' FROM cfgmgr.audit_log WHERE op = 'alter_environment' ORDER BY id DESC LIMIT 1),
	'{"labels": {}}', 'an alteration records what changed as it was');
SELECT is((SELECT detail->'old'->>'parent' IS NULL AND detail->>'parent' = 'a50_prod' AND detail->'old' ? 'parent'
			 FROM cfgmgr.audit_log WHERE op = 'alter_environment' ORDER BY id DESC OFFSET 1 LIMIT 1),
	true, 're-parenting records the old and the new parent');

SELECT cfgmgr.set('a50_base', 'a50_svc', 'db.host', '"db.base"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a50_prod', 'a50_svc', 'db.host', '"db.prod"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('a50_prod', 'a50_svc', '{"pool": {"min": 1, "max": 5}}') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('a50_prod', 'a50_svc', 'pool.min') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('a50_eu', 'a50_svc', 'db', block => true) IS NOT NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"set a50_base a50_svc db.host","set a50_prod a50_svc db.host aws","set a50_prod a50_svc pool.max","set a50_prod a50_svc pool.min","unset a50_prod a50_svc pool.min","block a50_eu a50_svc db"}',
	'set, set with a provider, set_many, unset and block are recorded, one record per entry');
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log l
			 WHERE l.op = 'set' AND l.service = 'a50_svc'
			   AND l.changeset IS DISTINCT FROM cfgmgr.current_changeset()), 0,
	'entry records carry the transaction''s changeset');
SELECT is((SELECT detail FROM cfgmgr.audit_log WHERE op = 'set' AND path = 'db.host' AND environment = 'a50_base'),
	jsonb_build_object('secret', false, 'new_sha256', encode(sha256(convert_to('"db.base"', 'UTF8')), 'hex')),
	'a non-secret value is recorded as the SHA-256 of its text, not the value');
SELECT is((SELECT h.new_value::text FROM cfgmgr.change h
			 WHERE h.path::text = 'db.host' AND h.env_id = cfgmgr.environment_id('a50_base')),
	'"db.base"', 'history holds the value the hash is of');
SELECT is((SELECT detail FROM cfgmgr.audit_log WHERE op = 'unset' AND path = 'pool.min'),
	jsonb_build_object('secret', false, 'old_sha256', encode(sha256(convert_to('1', 'UTF8')), 'hex')),
	'an unset records the SHA-256 of the old value');

SELECT cfgmgr.import_yaml('a50_base', 'a50_svc', E'log: info\nretries: 3\n') IS NOT NULL AS ok \gset
SELECT cfgmgr.import_json('a50_base', 'a50_svc', '{"log": "debug"}', provider => 'gcp') IS NOT NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"set a50_base a50_svc log","set a50_base a50_svc retries","import a50_base a50_svc","set a50_base a50_svc log gcp","import a50_base a50_svc gcp"}',
	'imports record their rows and themselves');
SELECT is((SELECT detail FROM cfgmgr.audit_log WHERE op = 'import' ORDER BY id DESC OFFSET 1 LIMIT 1),
	'{"format": "YAML", "keys": 2, "changed": 2, "replace": false}', 'an import records its key count');

SELECT cfgmgr.tag('a50-v1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('a50_v', 'a50_vsvc', 'retries', '4') IS NOT NULL AS ok \gset
SELECT cfgmgr.rollback('a50_v', 'a50-v1', 'a50_vsvc') IS NOT NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{tag,"set a50_v a50_vsvc retries","set a50_v a50_vsvc retries","rollback a50_v a50_vsvc"}',
	'tag and rollback are recorded');
SELECT is((SELECT detail->>'to_version' FROM cfgmgr.audit_log WHERE op = 'rollback' ORDER BY id DESC LIMIT 1),
	'a50-v1', 'a rollback records its target version');

SELECT cfgmgr.register_schema('a50_svc', '{"type": "object"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.add_constraint('a50_svc', 'a50_rule', 'true', 'never fails') IS NULL AS ok \gset
SELECT cfgmgr.drop_constraint('a50_svc', 'a50_rule') IS NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"register_schema a50_svc","add_constraint a50_svc","drop_constraint a50_svc"}',
	'schema registration and constraints are recorded');
SELECT is((SELECT detail - 'schema_sha256' FROM cfgmgr.audit_log WHERE op = 'register_schema' ORDER BY id DESC LIMIT 1),
	'{"version": 1, "forced": false}', 'a schema change records version and force');

SELECT cfgmgr.register_provider('a50p', '{"tier": "gold"}') IS NULL AS ok \gset
SELECT cfgmgr.set_target('a50_prod', 'a50p', '{"region": "x"}') IS NULL AS ok \gset
SELECT cfgmgr.drop_target('a50_prod', 'a50p') IS NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"register_provider a50p","set_target a50_prod a50p","drop_target a50_prod a50p"}',
	'providers and targets are recorded');

SELECT cfgmgr.grant('regress_a50_admin', 'admin') IS NOT NULL AS ok \gset
SELECT cfgmgr.grant('regress_a50_team', 'write', 'a50_*', 'a50_svc', 'db') IS NOT NULL AS ok \gset
SELECT cfgmgr.grant('regress_a50_team', 'read', 'a50_*') IS NOT NULL AS ok \gset
-- (cfgmgr.revoke() itself cannot plan its DELETE on this branch: the row
-- trigger records a revoke however the grant row goes)
DELETE FROM cfgmgr.acl WHERE role_id = 'regress_a50_team'::regrole AND privilege = 'read';
SELECT is(pg_temp.new_ops(), '{grant,grant,grant,revoke}', 'grants and revokes are recorded');
SELECT is((SELECT detail FROM cfgmgr.audit_log WHERE op = 'grant' ORDER BY id DESC OFFSET 1 LIMIT 1),
	'{"role": "regress_a50_team", "privilege": "write", "environment_pattern": "a50_*", "service_pattern": "a50_svc", "path_prefix": "db", "builtin": false}',
	'a grant record names role, privilege, patterns and prefix');
SELECT is((SELECT detail->>'role' || ' ' || (detail->>'privilege') FROM cfgmgr.audit_log WHERE op = 'revoke' ORDER BY id DESC LIMIT 1),
	'regress_a50_team read', 'a revoke record names what was revoked');

-- the actor: session_user and current_user
SET ROLE regress_a50_admin;
SELECT cfgmgr.expect_variation('a50_svc', 'db.*', reason => 'a50') AS a50_var \gset
RESET ROLE;
SELECT is((SELECT ARRAY[op, session_role, effective_role] FROM pg_temp.last()),
	ARRAY['expect_variation', session_user::text, 'regress_a50_admin'],
	'a record names the session role and the current role of the caller');
SELECT is((SELECT client FROM pg_temp.last()),
	(SELECT concat_ws('@', NULLIF(current_setting('application_name'), ''), inet_client_addr()::text)),
	'the client is application_name@address, as in cfgmgr.changeset');
SELECT cfgmgr.drop_variation(:a50_var) IS NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{expect_variation,drop_variation}', 'variations are recorded');

SELECT cfgmgr.drop_environment('a50_eu') IS NOT NULL AS ok \gset
SELECT is(pg_temp.new_ops(), '{"unset a50_eu a50_svc db","drop_environment a50_eu"}', 'dropping an environment is recorded with its values');

-- direct table writes are recorded the same way
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, changeset)
VALUES (cfgmgr.environment_id('a50_base'), cfgmgr.service_id('a50_svc'), 'direct.key', '7', 0);
SELECT is(pg_temp.new_ops(), '{"set a50_base a50_svc direct.key"}', 'a direct INSERT into cfgmgr.entry is recorded');

-- =====================================================================
-- Secrets never reach the log
-- =====================================================================
SELECT '/tmp/cfgmgr_a50_' || pg_backend_pid() || '.key' AS keyfile \gset
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'a50', 'hex', :'keyfile') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'chmod 600 ' || :'keyfile') \gexec
SELECT set_config('cfgmgr.key_file', :'keyfile', true) IS NOT NULL AS ok \gset
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, secret, changeset)
VALUES (cfgmgr.environment_id('a50_base'), cfgmgr.service_id('a50_svc'), 'db.password', '"hunter2-a50-secret"', true, 0);
UPDATE cfgmgr.entry SET value = '"hunter3-a50-secret"'
 WHERE path::text = 'db.password' AND env_id = cfgmgr.environment_id('a50_base');
-- a plain value turned secret: its old value is not recorded either
UPDATE cfgmgr.entry SET value = '"hunter4-a50-secret"', secret = true
 WHERE path::text = 'direct.key' AND env_id = cfgmgr.environment_id('a50_base');
DELETE FROM cfgmgr.entry WHERE path::text = 'db.password' AND env_id = cfgmgr.environment_id('a50_base');
SELECT is(pg_temp.new_ops(), '{"set a50_base a50_svc db.password","set a50_base a50_svc db.password","set a50_base a50_svc direct.key","unset a50_base a50_svc db.password"}',
	'writes of secret entries are recorded');
SELECT is((SELECT array_agg(DISTINCT detail::text) FROM cfgmgr.audit_log WHERE path IN ('db.password', 'direct.key') AND environment = 'a50_base'
			  AND id > (SELECT min(id) FROM cfgmgr.audit_log WHERE path = 'db.password' AND environment = 'a50_base')),
	'{"{\"secret\": true}"}', 'their records say secret and nothing else');
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log l
			 WHERE l::text LIKE '%hunter%'
				OR l::text LIKE '%' || encode(sha256(convert_to('"hunter2-a50-secret"', 'UTF8')), 'hex') || '%'
				OR l::text LIKE '%' || encode(sha256(convert_to('"hunter3-a50-secret"', 'UTF8')), 'hex') || '%'
				OR l::text LIKE '%' || encode(sha256(convert_to('"hunter4-a50-secret"', 'UTF8')), 'hex') || '%'
				OR l::text LIKE '%' || encode(sha256(convert_to('7', 'UTF8')), 'hex') || '%' AND l.id > (SELECT min(id) FROM cfgmgr.audit_log WHERE path = 'db.password' AND environment = 'a50_base')),
	0, 'no secret value nor its hash is anywhere in the log');

-- =====================================================================
-- Append-only, for everyone
-- =====================================================================
SELECT throws_ok($$UPDATE cfgmgr.audit_log SET op = 'x' WHERE id = (SELECT max(id) FROM cfgmgr.audit_log)$$,
	'CM015', NULL, 'a superuser cannot UPDATE the log');
SELECT throws_ok($$DELETE FROM cfgmgr.audit_log WHERE id = (SELECT max(id) FROM cfgmgr.audit_log)$$,
	'CM015', NULL, 'a superuser cannot DELETE from the log');
SELECT throws_ok($$TRUNCATE cfgmgr.audit_log$$, 'CM015', NULL, 'a superuser cannot TRUNCATE the log');
SELECT throws_ok($$UPDATE cfgmgr.audit_head SET last_id = 0$$, 'CM015', NULL, 'a superuser cannot move the head');
SELECT throws_ok($$DELETE FROM cfgmgr.audit_head$$, 'CM015', NULL, 'a superuser cannot delete the head');
SELECT throws_ok($$TRUNCATE cfgmgr.audit_head$$, 'CM015', NULL, 'a superuser cannot TRUNCATE the head');
SELECT last_id AS a50_head_before FROM cfgmgr.audit_head \gset
SET ROLE cfgmgr_owner;
SELECT throws_ok($$UPDATE cfgmgr.audit_log SET op = 'x'$$, '42501', NULL, 'the table owner cannot UPDATE the log');
SELECT throws_ok($$DELETE FROM cfgmgr.audit_log$$, '42501', NULL, 'the table owner cannot DELETE from the log');
SELECT throws_ok($$TRUNCATE cfgmgr.audit_log$$, '42501', NULL, 'the table owner cannot TRUNCATE the log');
SELECT throws_ok($$DELETE FROM cfgmgr.audit_head$$, '42501', NULL, 'the table owner cannot delete the head');
UPDATE cfgmgr.audit_head SET last_id = 0;
RESET ROLE;
SELECT is((SELECT last_id FROM cfgmgr.audit_head), :a50_head_before::bigint,
	'the table owner''s UPDATE of the head changes nothing (no policy lets it see the row)');
SET ROLE regress_a50_admin;
SELECT throws_ok($$INSERT INTO cfgmgr.audit_log SELECT * FROM cfgmgr.audit_log ORDER BY id DESC LIMIT 1$$, '42501', NULL,
	'an admin cannot INSERT into the log');
SELECT throws_ok($$UPDATE cfgmgr.audit_log SET op = 'x'$$, '42501', NULL, 'an admin cannot UPDATE the log');
RESET ROLE;
SELECT ok(NOT has_table_privilege('public', 'cfgmgr.audit_log', 'INSERT,UPDATE,DELETE,TRUNCATE'),
	'PUBLIC has no write privilege on the log');
SELECT ok(NOT has_table_privilege('public', 'cfgmgr.audit_head', 'SELECT,INSERT,UPDATE,DELETE,TRUNCATE'),
	'PUBLIC has no privilege on the head');

-- =====================================================================
-- Reading: global admins only
-- =====================================================================
SET ROLE regress_a50_nobody;
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log), 0, 'a role without admin sees no row of the log');
SELECT throws_ok($$SELECT * FROM cfgmgr.verify_audit()$$, 'CM008', NULL, 'nor may it run verify_audit');
SELECT throws_ok($$SELECT * FROM cfgmgr.audit_anchor()$$, 'CM008', NULL, 'nor audit_anchor');
RESET ROLE;
SELECT cfgmgr.grant('regress_a50_team', 'admin', 'a50_*') IS NOT NULL AS ok \gset
SET ROLE regress_a50_alice;
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log), 0, 'admin of some environments is not enough to read the log');
SELECT throws_ok($$SELECT * FROM cfgmgr.verify_audit()$$, 'CM008', NULL, '... nor to run verify_audit');
RESET ROLE;
SET ROLE regress_a50_admin;
SELECT is((SELECT count(*) FROM cfgmgr.audit_log), (SELECT max(id) FROM cfgmgr.audit_log),
	'a global admin reads every row');
SELECT is(pg_temp.v(), 'true -', 'and may run verify_audit');
RESET ROLE;

-- =====================================================================
-- The chain
-- =====================================================================
SELECT is(pg_temp.v(), 'true -', 'verify_audit: an intact log is ok');
SELECT is((SELECT checked FROM cfgmgr.verify_audit()), (SELECT count(*) FROM cfgmgr.audit_log), 'verify_audit checked every row');
SELECT is((SELECT array_agg(id ORDER BY id) FROM cfgmgr.audit_log),
	(SELECT array_agg(i) FROM generate_series(1, (SELECT max(id) FROM cfgmgr.audit_log)) i), 'ids are 1, 2, 3, ... without gaps');
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log l
			 LEFT JOIN cfgmgr.audit_log p ON p.id = l.id - 1
			WHERE l.prev_hash IS DISTINCT FROM coalesce(p.hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea)),
	0, 'each record carries the previous record''s hash (zeros for the first)');
SELECT is((SELECT count(*)::int FROM cfgmgr.audit_log l WHERE l.hash <> sha256(l.prev_hash || pg_temp.canon(l))),
	0, 'each hash is SHA-256(prev_hash || canonical form), recomputed in SQL from doc/audit.md');
SELECT is(pg_temp.canon(l), pg_temp.canon(l), 'canon is deterministic') FROM pg_temp.last() l;

-- Tampering, as a superuser bypassing the triggers; each undone afterwards
SELECT max(id) AS a50_n, max(id) / 2 AS a50_mid FROM cfgmgr.audit_log \gset
SELECT id AS a50_anchor_id, hash AS a50_anchor_hash FROM cfgmgr.audit_anchor() \gset
SELECT is(:a50_anchor_id::bigint, :a50_n::bigint, 'audit_anchor names the last record');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.audit_log SET detail = '{"forged": true}' WHERE id = :a50_mid;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || :a50_mid, 'a modified row is found');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.audit_log SET at = at + interval '1 microsecond' WHERE id = :a50_mid;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || :a50_mid, 'a row whose time moved by one microsecond is found');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
DELETE FROM cfgmgr.audit_log WHERE id = :a50_mid;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || (:a50_mid + 1), 'a deleted middle row is found (at the row after it)');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
DELETE FROM cfgmgr.audit_log WHERE id = 1;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false 2', 'a deleted first row is found');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.audit_log a
   SET at = b.at, session_role = b.session_role, effective_role = b.effective_role, client = b.client,
	   changeset = b.changeset, op = b.op, environment = b.environment, service = b.service, path = b.path,
	   provider = b.provider, detail = b.detail, prev_hash = b.prev_hash, hash = b.hash
  FROM cfgmgr.audit_log b
 WHERE (a.id, b.id) IN ((:a50_mid, :a50_mid + 1), (:a50_mid + 1, :a50_mid));
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || :a50_mid, 'two rows with swapped contents are found');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.audit_log SET id = -id WHERE id IN (:a50_mid, :a50_mid + 1);
UPDATE cfgmgr.audit_log SET id = CASE WHEN id = -:a50_mid THEN :a50_mid + 1 ELSE :a50_mid END WHERE id < 0;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || :a50_mid, 'two rows with swapped ids (reordered) are found');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
DELETE FROM cfgmgr.audit_log WHERE id > :a50_n - 2;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || :a50_n, 'a deleted tail is found (at the head''s id)');

SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
INSERT INTO cfgmgr.audit_log SELECT id + 1, at, session_role, effective_role, client, changeset, op, environment, service,
	   path, provider, detail, hash, sha256(hash || pg_temp.canon(l)) FROM pg_temp.last() l;
SELECT pg_temp.v() AS a50_r \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_r'::text, 'false ' || (:a50_n + 1), 'a well-formed record appended behind the head''s back is found');

-- a superuser recomputing the chain from the forged row on: only an anchor
-- kept outside the database tells (the head would be rewritten too)
SAVEPOINT tamper;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.audit_log SET detail = '{"forged": true}' WHERE id = :a50_mid;
DO $$
DECLARE
	l cfgmgr.audit_log;
	prev bytea;
BEGIN
	FOR l IN SELECT * FROM cfgmgr.audit_log ORDER BY id LOOP
		IF prev IS NOT NULL THEN
			l.prev_hash := prev;
			l.hash := sha256(prev || pg_temp.canon(l));
			UPDATE cfgmgr.audit_log SET prev_hash = l.prev_hash, hash = l.hash WHERE id = l.id;
		END IF;
		prev := l.hash;
	END LOOP;
END $$;
SELECT pg_temp.v() AS a50_r \gset
SELECT ok || ' ' || coalesce(first_bad_id::text, '-') AS a50_ra FROM cfgmgr.verify_audit(:a50_anchor_id, :'a50_anchor_hash') \gset
ROLLBACK TO SAVEPOINT tamper;
SELECT is(:'a50_ra'::text, 'false ' || :a50_anchor_id, 'a recomputed chain is found by the anchor');
SELECT is(:'a50_r'::text, 'false ' || :a50_n, '(here the head, still in memory, also disagrees)');

SELECT is(pg_temp.v(), 'true -', 'after undoing every tampering the log is ok again');
SELECT is((SELECT ok FROM cfgmgr.verify_audit(:a50_anchor_id, :'a50_anchor_hash')), true, 'and matches its anchor');
SELECT is((SELECT ok::text || first_bad_id FROM cfgmgr.verify_audit(:a50_anchor_id + 1000, :'a50_anchor_hash')),
	'false' || (:a50_anchor_id + 1000), 'an anchor past the end of the log fails');
SELECT throws_ok($$SELECT * FROM cfgmgr.verify_audit(1, '\x00')$$, '22023', NULL, 'an anchor hash must be 32 bytes');
SELECT throws_ok($$SELECT * FROM cfgmgr.verify_audit(1, NULL)$$, '22023', NULL, 'anchor id and hash go together');

-- the chain goes on after a subtransaction abort (records and lock undone)
SAVEPOINT sub;
SELECT cfgmgr.set('a50_base', 'a50_svc', 'sub.key', '1') IS NOT NULL AS ok \gset
ROLLBACK TO SAVEPOINT sub;
SELECT cfgmgr.set('a50_base', 'a50_svc', 'sub.key2', '2') IS NOT NULL AS ok \gset
SELECT is((SELECT id FROM pg_temp.last()), :a50_n + 1::bigint, 'a record after a rolled-back one takes its id');
SELECT is(pg_temp.v(), 'true -', 'and the chain stays intact');

-- cfgmgr.audit_reads
SELECT is(current_setting('cfgmgr.audit_reads'), 'off', 'cfgmgr.audit_reads is off by default');
SET ROLE regress_a50_admin;
SELECT throws_ok($$SET cfgmgr.audit_reads = on$$, '42501', NULL, 'only a superuser sets cfgmgr.audit_reads');
RESET ROLE;

SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || :'keyfile') \gexec
SELECT * FROM finish();
ROLLBACK;

SELECT cfgmgr.drop_environment('a50_v') IS NOT NULL AS ok \gset
