--
-- 05_bad_input.sql - malformed and hostile input: invalid paths, NULL
-- arguments, unknown names, unsupported options, huge and deeply nested
-- values.  Bad input must give a clear error (pinned SQLSTATE), never a
-- crash, never a partial change.
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(169);

-- 'ok' when the statement runs, else its SQLSTATE (for "clear result or
-- clear error" checks)
CREATE FUNCTION pg_temp.outcome(sql text) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$f$;

SELECT lives_ok($$SELECT cfgmgr.create_environment('b5_e');
				  SELECT cfgmgr.create_environment('b5_c', 'b5_e');
				  SELECT cfgmgr.create_service('b5_s');
				  SELECT cfgmgr.set('b5_e', 'b5_s', 'x', '1')$$, 'fixtures');

-- ---------------------------------------------------------------------
-- invalid paths: 22P02 wherever a path is taken
-- ---------------------------------------------------------------------
SELECT throws_ok(format($$SELECT cfgmgr.set('b5_e', 'b5_s', %L, '1')$$, p), '22P02', NULL,
	format('set refuses the path %s with 22P02', d))
  FROM (VALUES ('', 'empty'), ('a..b', 'with an empty label'), ('.a', 'with a leading dot'),
			   ('a.', 'with a trailing dot'), ('.', '"."'), ('a b', 'with a space'), ('a/b', 'with a slash'),
			   ('a.*', 'with a glob'), ('caf' || chr(233), 'with a non-ASCII letter'), (E'a\tb', 'with a tab'),
			   ('a.' || repeat('x', 256), 'with a 256-byte label'),
			   (repeat('a', 3000), 'of 3000 characters (one label)'),
			   (repeat('a.', 1500) || 'a', 'of 3001 characters (1501 labels)')) v(p, d);
SELECT throws_ok($$SELECT cfgmgr.get('b5_e', 'b5_s', 'a..b')$$, '22P02', NULL, 'get refuses an invalid path');
SELECT throws_ok($$SELECT cfgmgr.get_int('b5_e', 'b5_s', '.a')$$, '22P02', NULL, 'get_int refuses an invalid path');
SELECT throws_ok($$SELECT cfgmgr.unset('b5_e', 'b5_s', 'a.')$$, '22P02', NULL, 'unset refuses an invalid path');
SELECT throws_ok($$SELECT * FROM cfgmgr.explain('b5_e', 'b5_s', 'a b')$$, '22P02', NULL, 'explain refuses an invalid path');
SELECT throws_ok($$SELECT cfgmgr.get('b5_e', 'b5_s', repeat('a.', 1500)::cfgmgr.cfgpath)$$, '22P02', NULL,
	'get refuses a 3000-character path');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'b5_e'), 1,
	'no refused path wrote anything');

-- the limits themselves are fine
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', (repeat('abcdefg.', 255) || 'abcdefgh')::cfgmgr.cfgpath, '"long"')$$,
	'a 2048-byte path is accepted');
SELECT is(cfgmgr.get('b5_c', 'b5_s', (repeat('abcdefg.', 255) || 'abcdefgh')::cfgmgr.cfgpath), '"long"'::jsonb,
	'and reads back through inheritance');
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', ('l.' || repeat('x', 255))::cfgmgr.cfgpath, '1')$$,
	'a 255-byte label is accepted');
SELECT is(cfgmgr.get('b5_e', 'b5_s', (repeat('a.', 1023) || 'a')::cfgmgr.cfgpath, fallback => '"none"'), '"none"'::jsonb,
	'get of a 1024-label path that stores nothing is a clean miss');
SELECT throws_ok($$SELECT cfgmgr.get('b5_e', 'b5_s', (repeat('a.', 1023) || 'a')::cfgmgr.cfgpath)$$, 'CM005', NULL,
	'and raises CM005 without a fallback');
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'A-b_9.x-Y.0', '1')$$, 'letters, digits, "-" and "_" in labels');

-- ---------------------------------------------------------------------
-- NULL arguments: 22004
-- ---------------------------------------------------------------------
SELECT throws_ok(sql, '22004', NULL, 'NULL ' || what || ' raises 22004')
  FROM (VALUES
	($$SELECT cfgmgr.set(NULL, 'b5_s', 'y', '1')$$, 'environment in set'),
	($$SELECT cfgmgr.set('b5_e', NULL, 'y', '1')$$, 'service in set'),
	($$SELECT cfgmgr.set('b5_e', 'b5_s', NULL, '1')$$, 'path in set'),
	($$SELECT cfgmgr.set('b5_e', 'b5_s', 'y', NULL)$$, 'value in set (SQL NULL is not JSON null)'),
	($$SELECT cfgmgr.unset(NULL, 'b5_s', 'x')$$, 'environment in unset'),
	($$SELECT cfgmgr.unset('b5_e', NULL, 'x')$$, 'service in unset'),
	($$SELECT cfgmgr.unset('b5_e', 'b5_s', NULL)$$, 'path in unset'),
	($$SELECT cfgmgr.set_many(NULL, 'b5_s', '{"y": 1}')$$, 'environment in set_many'),
	($$SELECT cfgmgr.set_many('b5_e', NULL, '{"y": 1}')$$, 'service in set_many'),
	($$SELECT cfgmgr.set_many('b5_e', 'b5_s', NULL)$$, 'values in set_many'),
	($$SELECT cfgmgr.get(NULL, 'b5_s', 'x')$$, 'environment in get'),
	($$SELECT cfgmgr.get('b5_e', NULL, 'x')$$, 'service in get'),
	($$SELECT cfgmgr.get('b5_e', 'b5_s', NULL)$$, 'path in get'),
	($$SELECT cfgmgr.get('b5_e', 'b5_s', NULL, fallback => '1')$$, 'path in get with a fallback'),
	($$SELECT cfgmgr.get_text('b5_e', 'b5_s', NULL)$$, 'path in get_text'),
	($$SELECT cfgmgr.get_int(NULL, 'b5_s', 'x')$$, 'environment in get_int'),
	($$SELECT cfgmgr.get_bool('b5_e', NULL, 'x')$$, 'service in get_bool'),
	($$SELECT cfgmgr.get_numeric('b5_e', 'b5_s', NULL)$$, 'path in get_numeric'),
	($$SELECT cfgmgr.resolve(NULL, 'b5_s')$$, 'environment in resolve'),
	($$SELECT cfgmgr.resolve('b5_e', NULL)$$, 'service in resolve'),
	($$SELECT * FROM cfgmgr.explain(NULL, 'b5_s', 'x')$$, 'environment in explain'),
	($$SELECT * FROM cfgmgr.explain('b5_e', NULL, 'x')$$, 'service in explain'),
	($$SELECT * FROM cfgmgr.explain('b5_e', 'b5_s', NULL)$$, 'path in explain'),
	($$SELECT * FROM cfgmgr.provenance(NULL, 'b5_s')$$, 'environment in provenance'),
	($$SELECT * FROM cfgmgr.provenance('b5_e', NULL)$$, 'service in provenance'),
	($$SELECT * FROM cfgmgr.environment_chain(NULL)$$, 'environment in environment_chain'),
	($$SELECT cfgmgr.create_environment(NULL)$$, 'name in create_environment'),
	($$SELECT cfgmgr.create_service(NULL)$$, 'name in create_service'),
	($$SELECT cfgmgr.drop_environment(NULL)$$, 'name in drop_environment'),
	($$SELECT cfgmgr.set_parent(NULL, 'b5_e')$$, 'name in set_parent')) v(sql, what);
-- optional arguments passed as NULL take their defaults
SELECT is(cfgmgr.get('b5_e', 'b5_s', 'x', provider => NULL, as_of => NULL, fallback => NULL), '1'::jsonb,
	'NULL provider, as_of and fallback mean "none"');
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'n.x', '1', provider => NULL, secret => NULL, message => NULL)$$,
	'NULL provider, secret and message in set');
SELECT is((SELECT provider FROM cfgmgr."values" WHERE environment = 'b5_e' AND path::text = 'n.x'), NULL,
	'a NULL provider stores a neutral value');
SELECT lives_ok($$SELECT cfgmgr.unset('b5_e', 'b5_s', 'n.x', block => NULL)$$, 'NULL block in unset means false');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'b5_e' AND path::text = 'n.x'), 0,
	'and wrote no tombstone');
SELECT is(cfgmgr.resolve('b5_e', 'b5_s', provider => NULL, as_of => NULL, render => NULL)->'x', '1'::jsonb,
	'NULL provider, as_of and render in resolve');

-- ---------------------------------------------------------------------
-- unknown environment (CM006), service (CM007), provider (42704)
-- ---------------------------------------------------------------------
SELECT throws_ok(replace(sql, '%s', quote_literal('b5_nope')), 'CM006', NULL, fn || ' with an unknown environment raises CM006')
  FROM (VALUES
	('set', $$SELECT cfgmgr.set(%s, 'b5_s', 'x', '1')$$),
	('unset', $$SELECT cfgmgr.unset(%s, 'b5_s', 'x')$$),
	('set_many', $$SELECT cfgmgr.set_many(%s, 'b5_s', '{"x": 1}')$$),
	('get', $$SELECT cfgmgr.get(%s, 'b5_s', 'x')$$),
	('get with a fallback', $$SELECT cfgmgr.get(%s, 'b5_s', 'x', fallback => '1')$$),
	('get_text', $$SELECT cfgmgr.get_text(%s, 'b5_s', 'x')$$),
	('get_int', $$SELECT cfgmgr.get_int(%s, 'b5_s', 'x')$$),
	('get_bool', $$SELECT cfgmgr.get_bool(%s, 'b5_s', 'x')$$),
	('get_numeric', $$SELECT cfgmgr.get_numeric(%s, 'b5_s', 'x')$$),
	('resolve', $$SELECT cfgmgr.resolve(%s, 'b5_s')$$),
	('explain', $$SELECT * FROM cfgmgr.explain(%s, 'b5_s', 'x')$$),
	('provenance', $$SELECT * FROM cfgmgr.provenance(%s, 'b5_s')$$),
	('environment_chain', $$SELECT * FROM cfgmgr.environment_chain(%s)$$),
	('set_parent', $$SELECT cfgmgr.set_parent(%s, 'b5_e')$$),
	('drop_environment', $$SELECT cfgmgr.drop_environment(%s)$$)) v(fn, sql);
SELECT throws_ok(replace(sql, '%s', quote_literal('b5_nope')), 'CM007', NULL, fn || ' with an unknown service raises CM007')
  FROM (VALUES
	('set', $$SELECT cfgmgr.set('b5_e', %s, 'x', '1')$$),
	('unset', $$SELECT cfgmgr.unset('b5_e', %s, 'x')$$),
	('set_many', $$SELECT cfgmgr.set_many('b5_e', %s, '{"x": 1}')$$),
	('get', $$SELECT cfgmgr.get('b5_e', %s, 'x')$$),
	('get with a fallback', $$SELECT cfgmgr.get('b5_e', %s, 'x', fallback => '1')$$),
	('get_int', $$SELECT cfgmgr.get_int('b5_e', %s, 'x')$$),
	('resolve', $$SELECT cfgmgr.resolve('b5_e', %s)$$),
	('explain', $$SELECT * FROM cfgmgr.explain('b5_e', %s, 'x')$$),
	('provenance', $$SELECT * FROM cfgmgr.provenance('b5_e', %s)$$)) v(fn, sql);
SELECT throws_ok(replace(sql, '%s', quote_literal(p)), '42704', NULL,
		format('%s with the unknown provider "%s" raises 42704', fn, p))
  FROM (VALUES
	('set', $$SELECT cfgmgr.set('b5_e', 'b5_s', 'x', '1', provider => %s)$$),
	('unset', $$SELECT cfgmgr.unset('b5_e', 'b5_s', 'x', provider => %s)$$),
	('set_many', $$SELECT cfgmgr.set_many('b5_e', 'b5_s', '{"x": 1}', provider => %s)$$),
	('get', $$SELECT cfgmgr.get('b5_e', 'b5_s', 'x', provider => %s)$$),
	('get with a fallback', $$SELECT cfgmgr.get('b5_e', 'b5_s', 'x', provider => %s, fallback => '1')$$),
	('resolve', $$SELECT cfgmgr.resolve('b5_e', 'b5_s', provider => %s)$$),
	('explain', $$SELECT * FROM cfgmgr.explain('b5_e', 'b5_s', 'x', provider => %s)$$),
	('provenance', $$SELECT * FROM cfgmgr.provenance('b5_e', 'b5_s', provider => %s)$$)) v(fn, sql),
	(VALUES ('nope'), ('AWS')) w(p);
-- '' is not a provider name either: refused everywhere, never taken for "neutral"
SELECT throws_ok(sql, '42704', NULL, fn || ' with provider => '''' raises 42704')
  FROM (VALUES
	('set', $$SELECT cfgmgr.set('b5_e', 'b5_s', 'x', '2', provider => '')$$),
	('unset', $$SELECT cfgmgr.unset('b5_e', 'b5_s', 'x', provider => '')$$),
	('set_many', $$SELECT cfgmgr.set_many('b5_e', 'b5_s', '{"x": 2}', provider => '')$$),
	('get', $$SELECT cfgmgr.get('b5_e', 'b5_s', 'x', provider => '')$$),
	('resolve', $$SELECT cfgmgr.resolve('b5_e', 'b5_s', provider => '')$$)) v(fn, sql);
SELECT is(cfgmgr.get('b5_e', 'b5_s', 'x'), '1'::jsonb, 'no refused call changed the stored value');

-- ---------------------------------------------------------------------
-- secret => true without a key (CM014); versions that do not exist (CM005)
-- ---------------------------------------------------------------------
SET LOCAL cfgmgr.key_file = '';
SELECT throws_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'pw', '"hunter2"', secret => true)$$, 'CM014', NULL,
	'set(secret => true) without a key raises CM014');
SELECT is((SELECT count(*)::int FROM cfgmgr.change WHERE path::text = 'pw'), 0,
	'the refused secret was neither stored nor historied');
SELECT throws_ok(sql, 'CM005', NULL, fn || '(as_of => <no such version>) raises CM005')
  FROM (VALUES
	('get', $$SELECT cfgmgr.get('b5_e', 'b5_s', 'x', as_of => 'no-such-tag')$$),
	('get with a fallback', $$SELECT cfgmgr.get('b5_e', 'b5_s', 'missing', as_of => '987654321', fallback => '0')$$),
	('get_text', $$SELECT cfgmgr.get_text('b5_e', 'b5_s', 'x', as_of => 'v1')$$),
	('get_int', $$SELECT cfgmgr.get_int('b5_e', 'b5_s', 'x', as_of => 'v1', fallback => 1)$$),
	('get_bool', $$SELECT cfgmgr.get_bool('b5_e', 'b5_s', 'x', as_of => 'v1')$$),
	('get_numeric', $$SELECT cfgmgr.get_numeric('b5_e', 'b5_s', 'x', as_of => 'v1')$$),
	('resolve', $$SELECT cfgmgr.resolve('b5_e', 'b5_s', as_of => '1970-01-02')$$)) v(fn, sql);

-- ---------------------------------------------------------------------
-- names
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.create_environment('x''); DROP TABLE cfgmgr.entry; --')$$, '22023', NULL,
	'a hostile environment name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.create_service('x"; DROP TABLE cfgmgr.entry; --')$$, '22023', NULL,
	'a hostile service name is refused with 22023');
SELECT throws_ok($$SELECT cfgmgr.get('x''; --', 'b5_s', 'x')$$, 'CM006', NULL,
	'a hostile environment name in get is just unknown');
SELECT throws_ok($$SELECT cfgmgr.create_environment('b5_x', required_approvals => 0)$$, '22023', NULL,
	'required_approvals => 0 is refused with 22023 like the other invalid attributes');

-- ---------------------------------------------------------------------
-- set_many: malformed documents
-- ---------------------------------------------------------------------
SELECT throws_ok(format($$SELECT cfgmgr.set_many('b5_e', 'b5_s', %L)$$, doc), code, NULL,
		format('set_many(%s) raises %s', d, code))
  FROM (VALUES
	('[1, 2]', '22023', 'an array'),
	('42', '22023', 'a number'),
	('"s"', '22023', 'a string'),
	('true', '22023', 'a boolean'),
	('null', '22023', 'JSON null'),
	('{"ok": 1, "a b": 2}', '22P02', 'a key with a space'),
	('{"ok": 1, ".a": 2}', '22P02', 'a key with a leading dot'),
	('{"ok": 1, "a.": 2}', '22P02', 'a key with a trailing dot'),
	('{"ok": 1, "": 2}', '22P02', 'an empty key'),
	('{"ok": 1, "a*": 2}', '22P02', 'a key with a glob')) v(doc, code, d);
SELECT throws_ok(format($$SELECT cfgmgr.set_many('b5_e', 'b5_s', %L)$$, jsonb_build_object('ok', 1, repeat('k', 3000), 2)),
	'22P02', NULL, 'set_many with a 3000-character key raises 22P02');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'b5_e' AND path::text = 'ok'), 0,
	'no malformed document wrote anything (not even its valid keys)');
SELECT lives_ok($$SELECT cfgmgr.set_many('b5_e', 'b5_s', '{"hdr": {"Content Type": "json", "x.y": 1}}')$$,
	'nested keys that are not labels are fine: the object is stored whole');
SELECT is(cfgmgr.get('b5_e', 'b5_s', 'hdr'), '{"Content Type": "json", "x.y": 1}'::jsonb, 'and reads back whole');

-- ---------------------------------------------------------------------
-- huge values
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'big', to_jsonb(repeat('x', 1048575) || 'y'))$$,
	'a 1 MB string value is stored');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'big'), to_jsonb(repeat('x', 1048575) || 'y'), 'and round-trips through get');
SELECT is(cfgmgr.get_text('b5_c', 'b5_s', 'big'), repeat('x', 1048575) || 'y', 'and through get_text');
SELECT is(cfgmgr.resolve('b5_c', 'b5_s')->'big', to_jsonb(repeat('x', 1048575) || 'y'), 'and through resolve');
SELECT is((SELECT new_value FROM cfgmgr.change WHERE path::text = 'big'), to_jsonb(repeat('x', 1048575) || 'y'),
	'and into history');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'big'), to_jsonb(repeat('x', 1048575) || 'y'), 'a second read (cached) is the same');

SELECT lives_ok($$SELECT cfgmgr.set_many('b5_e', 'b5_s',
					(SELECT jsonb_build_object('many', jsonb_object_agg('k' || i, i)) FROM generate_series(1, 20000) i))$$,
	'set_many of 20,000 keys');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'b5_e' AND path::text LIKE 'many.%'), 20000,
	'20,000 entries stored');
SELECT is((SELECT count(*)::int FROM jsonb_object_keys(cfgmgr.resolve('b5_c', 'b5_s')->'many')), 20000,
	'resolve returns all of them');
SELECT is(cfgmgr.get_int('b5_c', 'b5_s', 'many.k12345'), 12345::bigint, 'and get finds one');
SELECT is((SELECT count(*)::int FROM cfgmgr.provenance('b5_c', 'b5_s') WHERE path LIKE 'many.%'), 20000,
	'provenance lists all of them');

-- ---------------------------------------------------------------------
-- deeply nested values
-- ---------------------------------------------------------------------
CREATE TEMP TABLE b5_deep AS
	SELECT (repeat('{"a":', 1000) || '1' || repeat('}', 1000))::jsonb AS obj,
		   (repeat('[', 1000) || '1' || repeat(']', 1000))::jsonb AS arr;
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'deep', (SELECT obj FROM b5_deep))$$,
	'a 1000-level nested object is stored with set');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'deep'), (SELECT obj FROM b5_deep), 'get returns it unchanged');
SELECT is(cfgmgr.resolve('b5_c', 'b5_s')->'deep', (SELECT obj FROM b5_deep), 'resolve returns it unchanged');
SELECT is(cfgmgr.get('b5_c', 'b5_s', ('deep' || repeat('.a', 999))::cfgmgr.cfgpath), '{"a": 1}'::jsonb,
	'get of a path 1000 labels deep inside it');
SELECT is(cfgmgr.get('b5_c', 'b5_s', ('deep' || repeat('.a', 1000))::cfgmgr.cfgpath), '1'::jsonb,
	'get of its innermost leaf');
SELECT is((SELECT count(*)::int FROM cfgmgr.explain('b5_c', 'b5_s', ('deep' || repeat('.a', 500))::cfgmgr.cfgpath)), 1,
	'explain of a path inside it');
SELECT is((SELECT path FROM cfgmgr.provenance('b5_c', 'b5_s') WHERE path LIKE 'deep.%'), 'deep' || repeat('.a', 1000),
	'provenance reports the 1000-level leaf');
SELECT lives_ok($$SELECT cfgmgr.set('b5_c', 'b5_s', ('deep' || repeat('.a', 999) || '.b')::cfgmgr.cfgpath, '2')$$,
	'a child overrides a leaf 1000 levels down');
SELECT is(cfgmgr.get('b5_c', 'b5_s', ('deep' || repeat('.a', 999))::cfgmgr.cfgpath), '{"a": 1, "b": 2}'::jsonb,
	'and the deep merge reaches it');
SELECT lives_ok($$SELECT cfgmgr.set('b5_e', 'b5_s', 'deeparr', (SELECT arr FROM b5_deep))$$,
	'a 1000-level nested array is stored');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'deeparr'), (SELECT arr FROM b5_deep), 'and reads back unchanged');
SELECT lives_ok($$SELECT cfgmgr.set_many('b5_e', 'b5_s', jsonb_build_object('sm', (SELECT obj FROM b5_deep)))$$,
	'set_many of a 1000-level document (a 2002-byte leaf path)');
SELECT is((SELECT octet_length(path::text) FROM cfgmgr."values" WHERE environment = 'b5_e' AND path::text LIKE 'sm.%'), 2002,
	'set_many flattened it to one leaf');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'sm'), (SELECT obj FROM b5_deep), 'which reads back as the document');
SELECT throws_ok($$SELECT cfgmgr.set_many('b5_e', 'b5_s',
					jsonb_build_object('sm2', (repeat('{"a":', 1100) || '1' || repeat('}', 1100))::jsonb))$$,
	'22P02', NULL, 'set_many of a document whose leaf path would pass 2048 bytes raises 22P02');
SELECT ok(pg_temp.outcome($$SELECT cfgmgr.set_many('b5_e', 'b5_s',
					jsonb_build_object('sm3', (repeat('{"a":', 20000) || '1' || repeat('}', 20000))::jsonb))$$)
		  IN ('22P02', '54001'),
	'set_many of a 20,000-level document fails cleanly (22P02 or stack depth 54001)');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'b5_e' AND (path::text LIKE 'sm2%' OR path::text LIKE 'sm3%')), 0,
	'and writes nothing');

-- far deeper: whatever jsonb accepts must give a clean result or a clean error
SELECT ok(pg_temp.outcome($$SELECT cfgmgr.set('b5_e', 'b5_s', 'abyss', (repeat('{"a":', 10000) || '1' || repeat('}', 10000))::jsonb)$$)
		  IN ('ok', '54001'), 'set of a 10,000-level object: clean result or clean error');
SELECT ok(pg_temp.outcome($$SELECT cfgmgr.get('b5_c', 'b5_s', 'abyss', fallback => 'null')$$) IN ('ok', '54001'),
	'get of it: clean result or clean error');
SELECT ok(pg_temp.outcome($$SELECT cfgmgr.resolve('b5_c', 'b5_s')$$) IN ('ok', '54001'),
	'resolve with it: clean result or clean error');
SELECT ok(pg_temp.outcome($$SELECT count(*) FROM cfgmgr.provenance('b5_c', 'b5_s')$$) IN ('ok', '54001'),
	'provenance with it: clean result or clean error');
SELECT ok(pg_temp.outcome($$SELECT cfgmgr.set('b5_e', 'b5_s', 'abyss2', (repeat('[', 100000) || '1' || repeat(']', 100000))::jsonb)$$)
		  IN ('ok', '54001'), 'set of a 100,000-level array: clean result or clean error');
SELECT is(cfgmgr.get('b5_c', 'b5_s', 'A-b_9.x-Y.0'), '1'::jsonb, 'the backend is still fine');

SELECT * FROM finish();
ROLLBACK;
