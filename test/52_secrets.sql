--
-- 52_secrets.sql - encrypted secrets: the key file (format, permissions,
-- no key, wrong key), encryption through set/set_many/import and direct
-- writes (value masked, ciphertext present and not the plaintext), the
-- mask meaning "keep", history without plaintext, exports (always masked),
-- drift (compared in clear, masked without read_secret), rollback from
-- historic ciphertexts, a ciphertext swapped between paths, rotate_key,
-- the append-only history.  Rollback needs committed changesets, so this
-- file runs in autocommit mode and cleans up after itself; the parts that
-- tamper with ciphertexts or rotate the key run in transactions rolled
-- back.  Key files live in /tmp, written by the server (COPY) and named
-- after the backend's pid; their keys are fixed, so the history of an
-- earlier run decrypts too.
--
\set ON_ERROR_STOP 1
\set QUIET 1
SET search_path = public;
SELECT plan(69);

-- leftovers of an interrupted earlier run
DO $$ BEGIN
	PERFORM cfgmgr.drop_environment(n, true) FROM unnest('{s52_base,s52_other}'::text[]) n
	 WHERE EXISTS (SELECT FROM cfgmgr.environments WHERE name = n);
	PERFORM cfgmgr.create_service(n) FROM unnest('{s52_svc,s52_two}'::text[]) n
	 WHERE NOT EXISTS (SELECT FROM cfgmgr.services WHERE name = n);
	DELETE FROM cfgmgr.tag WHERE name LIKE 's52-%';
	DROP ROLE IF EXISTS regress_s52_reader;
	DROP ROLE IF EXISTS regress_s52_secret;
END $$;

-- key files: k1 and k2 (hex, 0600), k3 (32 raw bytes), bad ones
SELECT '/tmp/cfgmgr_s52_' || pg_backend_pid() AS k \gset
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'cfgmgr-test-key-1', 'hex', :'k' || '_1.key') \gexec
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'cfgmgr-test-key-2', 'hex', :'k' || '_2.key') \gexec
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 'cfgmgr-test-key-1', 'hex', :'k' || '_open.key') \gexec
SELECT format('COPY (SELECT %L) TO %L', 'abcdef', :'k' || '_short.key') \gexec
SELECT format('COPY (SELECT %L) TO %L', repeat('zz', 32), :'k' || '_nothex.key') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L',
	format('head -c 32 /dev/urandom > %s_3.key && chmod 600 %s_1.key %s_2.key %s_3.key %s_short.key %s_nothex.key && chmod 644 %s_open.key',
		   :'k', :'k', :'k', :'k', :'k', :'k', :'k')) \gexec

SELECT cfgmgr.create_environment('s52_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s52_prod', 's52_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s52_stg', 's52_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('s52_other') IS NOT NULL AS ok \gset
CREATE TEMP TABLE s52 (name text PRIMARY KEY, n bigint);

-- ---------------------------------------------------------------------
-- no key: secrets cannot be written; everything else works
-- ---------------------------------------------------------------------
RESET cfgmgr.key_file;
SELECT is(cfgmgr.secret_key_available(), false, 'no key configured');
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"no-key-Pw1"', secret => true)$$,
	'CM014', 'secret key unavailable: cfgmgr.key_file is not set', 'a secret write without a key: CM014');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('s52_prod', 's52_svc', E'db.password: !secret no-key-Pw1\n')$$,
	'CM014', NULL, 'an import of !secret without a key: CM014');
SELECT lives_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.host', '"db.prod"')$$,
	'a value that is not secret is written without a key');
SELECT is(cfgmgr.get('s52_prod', 's52_svc', 'db.host'), '"db.prod"', '... and read');
SELECT is((SELECT count(*)::int FROM cfgmgr.change h
			WHERE h.env_id = cfgmgr.environment_id('s52_prod') AND h.path::text = 'db.password'), 0,
	'the refused secret was neither stored nor historied');

-- ---------------------------------------------------------------------
-- bad key files: CM014 naming the file, never its content
-- ---------------------------------------------------------------------
CREATE FUNCTION pg_temp.s52_error(sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text; m text; d text; h text;
BEGIN
	EXECUTE sql;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT, d = PG_EXCEPTION_DETAIL,
		h = PG_EXCEPTION_HINT;
	RETURN concat_ws('|', st, m, d, h);
END $$;
SELECT set_config('cfgmgr.key_file', :'k' || '_open.key', false) IS NOT NULL AS ok \gset
SELECT throws_like($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'%has group or world access%', 'a key file with mode 0644 is refused');
SELECT matches(pg_temp.s52_error($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$),
	'^CM014\|.*_open\.key.*0644', '... with CM014 naming the file and its mode');
SELECT unalike(pg_temp.s52_error($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$),
	'%' || encode(sha256('cfgmgr-test-key-1'), 'hex') || '%', '... and not its content');
SELECT is(cfgmgr.secret_key_available(), false, 'secret_key_available() is false for it (no error)');
SELECT set_config('cfgmgr.key_file', :'k' || '_short.key', false) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'CM014', NULL, 'a key file of the wrong size is refused');
SELECT set_config('cfgmgr.key_file', :'k' || '_nothex.key', false) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'CM014', NULL, 'a key file of 64 characters that are not hexadecimal is refused');
SELECT set_config('cfgmgr.key_file', :'k' || '_missing.key', false) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'CM014', NULL, 'a missing key file is refused');
SELECT set_config('cfgmgr.key_file', '/tmp', false) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'CM014', NULL, 'a directory is refused');
SELECT set_config('cfgmgr.key_file', 'relative.key', false) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'CM014', NULL, 'a relative path is refused');
SELECT set_config('cfgmgr.key_file', :'k' || '_3.key', false) IS NOT NULL AS ok \gset
BEGIN;
SELECT lives_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'x', '"v"', secret => true)$$,
	'a key file of 32 raw bytes works');
ROLLBACK;

-- ---------------------------------------------------------------------
-- encryption through set: the value is the mask, the ciphertext is not
-- the plaintext, the history holds no plaintext
-- ---------------------------------------------------------------------
SELECT set_config('cfgmgr.key_file', :'k' || '_1.key', false) IS NOT NULL AS ok \gset
SELECT is(cfgmgr.secret_key_available(), true, 'k1 is usable');
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"Pr0d-S3cret-one"', secret => true) IS NOT NULL AS ok \gset
SELECT results_eq(
	$$SELECT value, secret, ciphertext IS NOT NULL, position('Pr0d-S3cret-one'::bytea IN ciphertext),
			 length(ciphertext) > length('"Pr0d-S3cret-one"') + 40
		FROM cfgmgr.entry WHERE path::text = 'db.password' AND env_id = cfgmgr.environment_id('s52_prod')$$,
	$$VALUES ('"********"'::jsonb, true, true, 0, true)$$,
	'a secret stores the mask in value and a ciphertext (header, nonce, tag) that is not the plaintext');
SELECT is((SELECT value FROM cfgmgr."values" WHERE environment = 's52_prod' AND path::text = 'db.password'),
	'"********"', 'cfgmgr.values shows the mask');
SELECT is((SELECT new_value FROM cfgmgr.history('s52_prod', 's52_svc', 'db.password') LIMIT 1),
	'"********"', 'cfgmgr.history shows the mask');
SELECT is((SELECT count(*)::int FROM cfgmgr.change
			WHERE (coalesce(old_value::text, '') || coalesce(new_value::text, '')) LIKE '%S3cret%'
			   OR position('S3cret'::bytea IN coalesce(old_ciphertext, '') || coalesce(new_ciphertext, '')) > 0), 0,
	'no history row holds a plaintext');
SELECT ok((SELECT new_ciphertext IS NOT NULL AND old_ciphertext IS NULL FROM cfgmgr.change
			WHERE env_id = cfgmgr.environment_id('s52_prod') AND path::text = 'db.password' ORDER BY id DESC LIMIT 1),
	'the history keeps the ciphertext');

-- the mask means "keep" where a secret is stored; refused anywhere else
SELECT (SELECT ciphertext FROM cfgmgr.entry WHERE path::text = 'db.password'
		 AND env_id = cfgmgr.environment_id('s52_prod'))::text AS ct1 \gset
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"********"', secret => true) IS NOT NULL AS ok \gset
SELECT is((SELECT ciphertext::text FROM cfgmgr.entry WHERE path::text = 'db.password'
			AND env_id = cfgmgr.environment_id('s52_prod')), :'ct1', 'set of the mask keeps the secret stored');
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.none', '"********"', secret => true)$$,
	'22023', 'the mask cannot be stored as a secret value', 'the mask where no secret is stored: 22023');
SELECT throws_ok($$SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.host', '"********"', secret => true)$$,
	'22023', NULL, 'the mask over a value that is not secret: 22023');
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"Pr0d-S3cret-two"', secret => true) IS NOT NULL AS ok \gset
SELECT isnt((SELECT ciphertext::text FROM cfgmgr.entry WHERE path::text = 'db.password'
			  AND env_id = cfgmgr.environment_id('s52_prod')), :'ct1', 'a new value gets a new ciphertext');
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"Pr0d-S3cret-one"', secret => true) IS NOT NULL AS ok \gset

-- set_many keeps a secret secret
SELECT cfgmgr.set('s52_stg', 's52_svc', 'db.password', '"Stg-S3cret"', secret => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('s52_stg', 's52_svc', '{"db": {"password": "Pr0d-S3cret-one"}}') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT value, secret FROM cfgmgr.entry WHERE path::text = 'db.password'
					 AND env_id = cfgmgr.environment_id('s52_stg')$$,
	$$VALUES ('"********"'::jsonb, true)$$, 'set_many over a secret stores the new value as a secret');

-- ---------------------------------------------------------------------
-- drift: compared in clear
-- ---------------------------------------------------------------------
SELECT is_empty($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc') WHERE path = 'db.password'$$,
	'equal secrets stored twice: no drift');
SELECT cfgmgr.set('s52_stg', 's52_svc', 'db.password', '"Stg-S3cret"', secret => true) IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT kind, left_value, right_value FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')
					 WHERE path = 'db.password'$$,
	$$VALUES ('changed', '"Pr0d-S3cret-one"'::jsonb, '"Stg-S3cret"'::jsonb)$$,
	'different secrets: changed, in clear for a superuser');
SELECT is((SELECT remediation FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc') WHERE path = 'db.password'),
	$$SELECT cfgmgr.set('s52_stg', 's52_svc', 'db.password', cfgmgr.get('s52_prod', 's52_svc', 'db.password'), secret => true);$$,
	'the remediation copies the secret without spelling it out');
CREATE ROLE regress_s52_reader;
CREATE ROLE regress_s52_secret;
SELECT cfgmgr.grant('regress_s52_reader', 'read', 's52_*') IS NOT NULL AS ok \gset
SELECT cfgmgr.grant('regress_s52_secret', 'read', 's52_*') IS NOT NULL AS ok \gset
SELECT cfgmgr.grant('regress_s52_secret', 'read_secret', 's52_prod', 's52_svc', 'db') IS NOT NULL AS ok \gset
SET ROLE regress_s52_reader;
SELECT results_eq($$SELECT kind, left_value, right_value FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')
					 WHERE path = 'db.password'$$,
	$$VALUES ('changed', '"********"'::jsonb, '"********"'::jsonb)$$,
	'a role without read_secret sees both sides masked');
SELECT throws_ok($$SELECT ciphertext FROM cfgmgr.entry$$, '42501', NULL, 'a reader cannot select ciphertexts');
SELECT throws_ok($$SELECT new_ciphertext FROM cfgmgr.change$$, '42501', NULL, '... nor those of the history');
SELECT throws_ok($$SHOW cfgmgr.key_file$$, '42501', NULL, 'cfgmgr.key_file is hidden from non-superusers');
SELECT throws_ok($$SELECT cfgmgr.rotate_key('/tmp/x.key')$$, '42501', NULL, 'rotate_key is not for a reader');
RESET ROLE;
SET ROLE regress_s52_secret;
SELECT results_eq($$SELECT kind, left_value, right_value FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')
					 WHERE path = 'db.password'$$,
	$$VALUES ('changed', '"Pr0d-S3cret-one"'::jsonb, '"********"'::jsonb)$$,
	'read_secret on prod''s db: prod''s secret in clear, staging''s masked');
RESET ROLE;

-- no key: only a secret that must be compared, or shown in clear, needs it
SELECT cfgmgr.set('s52_base', 's52_two', 'shared.token', '"Sh4red-S3cret"', secret => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s52_prod', 's52_two', 'plain', '1') IS NOT NULL AS ok \gset
RESET cfgmgr.key_file;
SELECT results_eq($$SELECT path, kind FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_two')$$,
	$$VALUES ('plain', 'only_left')$$,
	'without a key, a secret both sides inherit from one entry is no drift (nothing to decrypt)');
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$, 'CM014', NULL,
	'without a key, secrets that must be compared: CM014');
SET ROLE regress_s52_reader;
SELECT results_eq($$SELECT path, left_value FROM cfgmgr.drift('s52_prod', 's52_other', 's52_svc') ORDER BY path$$,
	$$VALUES ('db.host', '"db.prod"'::jsonb), ('db.password', '"********"')$$,
	'without a key, a secret only on one side, shown masked, needs no key');
RESET ROLE;
SELECT set_config('cfgmgr.key_file', :'k' || '_2.key', false) IS NOT NULL AS ok \gset
SELECT throws_like($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$,
	'%encrypted with another key%', 'another key: CM014 "encrypted with another key"');
SELECT matches(pg_temp.s52_error($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$),
	'^CM014\|', '... with SQLSTATE CM014');
SELECT set_config('cfgmgr.key_file', :'k' || '_1.key', false) IS NOT NULL AS ok \gset

-- ---------------------------------------------------------------------
-- import and export
-- ---------------------------------------------------------------------
SELECT cfgmgr.import_yaml('s52_other', 's52_svc', E'api:\n  key: !secret 0ther-S3cret\n  url: https://x\nobj: !secret {a: 1, b: [2]}\n') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path::text, value, secret, ciphertext IS NOT NULL FROM cfgmgr.entry
					 WHERE env_id = cfgmgr.environment_id('s52_other') AND path::text <> 'db.host' ORDER BY path$$,
	$$VALUES ('api.key', '"********"'::jsonb, true, true), ('api.url', '"https://x"', false, false),
			 ('obj', '"********"', true, true)$$,
	'import: !secret values (a scalar, a mapping) are stored as secrets');
SELECT cfgmgr.export_yaml('s52_other', 's52_svc', resolved => false) AS exported \gset
SELECT is(:'exported'::text, E'api:\n  key: !secret "********"\n  url: https://x\nobj: !secret "********"\n',
	'export of stored entries: secrets masked and tagged');
SELECT (SELECT string_agg(ciphertext::text, ',' ORDER BY path) FROM cfgmgr.entry
		 WHERE env_id = cfgmgr.environment_id('s52_other')) AS cts \gset
SELECT is(cfgmgr.import_yaml('s52_other', 's52_svc', :'exported'), NULL, 're-importing the masked export changes nothing');
SELECT is((SELECT string_agg(ciphertext::text, ',' ORDER BY path) FROM cfgmgr.entry
			WHERE env_id = cfgmgr.environment_id('s52_other')), :'cts', '... and keeps the secrets');
SELECT unalike(cfgmgr.export_yaml('s52_prod', 's52_svc'), '%S3cret%', 'the resolved export shows no secret');
SELECT alike(cfgmgr.export_yaml('s52_prod', 's52_svc'), '%password: !secret "********"%', '... but the masked, tagged one');
SELECT unalike((SELECT string_agg(content, '') FROM cfgmgr.export_tree('s52_prod')), '%S3cret%',
	'export_tree shows no secret');

-- ---------------------------------------------------------------------
-- rollback restores a secret from its historic ciphertext
-- ---------------------------------------------------------------------
SELECT cfgmgr.tag('s52-one') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"Pr0d-S3cret-three"', secret => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('s52_stg', 's52_svc', 'db.password', '"Pr0d-S3cret-one"', secret => true) IS NOT NULL AS ok \gset
SELECT isnt_empty($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc') WHERE path = 'db.password'$$,
	'before the rollback the secret differs');
SELECT cfgmgr.rollback('s52_prod', 's52-one', 's52_svc') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc') WHERE path = 'db.password'$$,
	'rollback restored the secret of that version');
SELECT (SELECT count(*) FROM cfgmgr.change) AS nchange \gset
SELECT cfgmgr.rollback('s52_prod', 's52-one', 's52_svc') IS NOT NULL AS ok \gset
SELECT is((SELECT count(*) FROM cfgmgr.change), :'nchange'::bigint, 'rolling back again rewrites nothing');

-- ---------------------------------------------------------------------
-- a ciphertext swapped between two paths does not decrypt
-- ---------------------------------------------------------------------
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.entry SET ciphertext = (SELECT ciphertext FROM cfgmgr.entry WHERE path::text = 'shared.token' AND env_id = cfgmgr.environment_id('s52_base'))
 WHERE path::text = 'db.password' AND env_id = cfgmgr.environment_id('s52_stg');
SET LOCAL session_replication_role = origin;
SELECT throws_ok($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$, 'XX001', NULL,
	'drift: a ciphertext copied from another path fails authentication (data_corrupted)');
SELECT matches(pg_temp.s52_error($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$),
	'environment "s52_stg", service "s52_svc", path "db.password"', '... naming environment, service and path');
SELECT unalike(pg_temp.s52_error($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$),
	'%S3cret%', '... and no secret');
ROLLBACK;
BEGIN;
SET LOCAL session_replication_role = replica;
UPDATE cfgmgr.change SET new_ciphertext = (SELECT ciphertext FROM cfgmgr.entry WHERE path::text = 'shared.token' AND env_id = cfgmgr.environment_id('s52_base'))
 WHERE id = (SELECT max(h.id) FROM cfgmgr.change h JOIN cfgmgr.changeset c ON c.id = h.changeset
			  WHERE h.path::text = 'db.password' AND h.env_id = cfgmgr.environment_id('s52_prod')
				AND c.commit_seq <= (SELECT commit_seq FROM cfgmgr.changeset WHERE id = cfgmgr.version_changeset('s52-one')));
SET LOCAL session_replication_role = origin;
SELECT cfgmgr.set('s52_prod', 's52_svc', 'db.password', '"Pr0d-S3cret-four"', secret => true) IS NOT NULL AS ok \gset
SELECT throws_ok($$SELECT cfgmgr.rollback('s52_prod', 's52-one', 's52_svc')$$, 'XX001', NULL,
	'rollback: a swapped historic ciphertext fails authentication');
ROLLBACK;

-- ---------------------------------------------------------------------
-- rotate_key
-- ---------------------------------------------------------------------
BEGIN;
CREATE TEMP TABLE s52_ct AS
	SELECT 'e' AS t, env_id::bigint AS id, path::text AS p, ciphertext AS c FROM cfgmgr.entry WHERE ciphertext IS NOT NULL
	UNION ALL SELECT 'o', id, '', old_ciphertext FROM cfgmgr.change WHERE old_ciphertext IS NOT NULL
	UNION ALL SELECT 'n', id, '', new_ciphertext FROM cfgmgr.change WHERE new_ciphertext IS NOT NULL;
SELECT (SELECT count(*) FROM cfgmgr.change) AS nchange, (SELECT count(*) FROM cfgmgr.changeset) AS ncs \gset
SELECT throws_ok(format('SELECT cfgmgr.rotate_key(%L)', :'k' || '_open.key'), 'CM014', NULL,
	'rotate_key checks the new key file the same way');
SELECT is(cfgmgr.rotate_key(:'k' || '_2.key'), (SELECT count(*) FROM s52_ct),
	'rotate_key re-encrypts every ciphertext of the values and the history');
SELECT is((SELECT count(*)::int FROM s52_ct x
			WHERE x.c = CASE x.t WHEN 'e' THEN (SELECT ciphertext FROM cfgmgr.entry e WHERE e.env_id = x.id AND e.path::text = x.p AND e.ciphertext IS NOT NULL)
								 WHEN 'o' THEN (SELECT old_ciphertext FROM cfgmgr.change h WHERE h.id = x.id)
								 ELSE (SELECT new_ciphertext FROM cfgmgr.change h WHERE h.id = x.id) END), 0,
	'every ciphertext changed');
SELECT results_eq($$SELECT (SELECT count(*) FROM cfgmgr.change), (SELECT count(*) FROM cfgmgr.changeset)$$,
	format('VALUES (%s::bigint, %s::bigint)', :'nchange', :'ncs'), 'no history row and no changeset for it');
SELECT is(current_setting('cfgmgr.key_file'), :'k' || '_2.key', 'the session uses the new key file');
SELECT is_empty($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc') WHERE path = 'db.password'$$,
	'the new key decrypts (equal secrets of two entries compared in clear)');
SELECT is(cfgmgr.rotate_key(:'k' || '_2.key'), 0::bigint, 'rotating to the same key again re-encrypts nothing');
SELECT set_config('cfgmgr.key_file', :'k' || '_1.key', true) IS NOT NULL AS ok \gset
SELECT throws_like($$SELECT * FROM cfgmgr.drift('s52_prod', 's52_stg', 's52_svc')$$, '%encrypted with another key%',
	'the old key no longer decrypts');
SELECT set_config('cfgmgr.key_file', :'k' || '_2.key', true) IS NOT NULL AS ok \gset
SELECT cfgmgr.tag('s52-rotated-nothing') IS NOT NULL AS ok \gset
SELECT lives_ok($$SELECT cfgmgr.rollback('s52_prod', 's52-one', 's52_svc')$$,
	'the re-encrypted history restores with the new key');
ROLLBACK;
SELECT is(current_setting('cfgmgr.key_file'), :'k' || '_1.key', 'a rolled-back rotation leaves the key file setting');

SELECT is((SELECT count(*)::int FROM cfgmgr.change
			WHERE (coalesce(old_value::text, '') || coalesce(new_value::text, '')) LIKE '%S3cret%'
			   OR position('S3cret'::bytea IN coalesce(old_ciphertext, '') || coalesce(new_ciphertext, '')) > 0), 0,
	'after all of it, still no history row holds a plaintext');
SELECT is((SELECT count(*)::int FROM cfgmgr.entry
			WHERE value::text LIKE '%S3cret%' OR position('S3cret'::bytea IN coalesce(ciphertext, '')) > 0), 0,
	'nor any entry');

-- the history is append-only, for a superuser too
SELECT throws_ok($$UPDATE cfgmgr.change SET new_ciphertext = NULL WHERE new_ciphertext IS NOT NULL$$, 'CM015', NULL,
	'the ciphertexts of the history cannot be updated');
SELECT throws_ok($$UPDATE cfgmgr.change SET new_value = '1' WHERE new_ciphertext IS NOT NULL$$, 'CM015', NULL,
	'nor anything else');

-- ---------------------------------------------------------------------
-- clean-up
-- ---------------------------------------------------------------------
SELECT cfgmgr.drop_environment('s52_base', true) IS NOT NULL AS ok \gset
SELECT cfgmgr.drop_environment('s52_other') IS NOT NULL AS ok \gset
DELETE FROM cfgmgr.tag WHERE name LIKE 's52-%';
DELETE FROM cfgmgr.acl WHERE role_id IN ('regress_s52_reader'::regrole, 'regress_s52_secret'::regrole);
DROP ROLE regress_s52_reader;
DROP ROLE regress_s52_secret;
SELECT format('COPY (SELECT 1) TO PROGRAM %L', format('rm -f %s_*.key', :'k')) \gexec
RESET cfgmgr.key_file;

SELECT * FROM finish();
