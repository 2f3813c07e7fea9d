--
-- 02_values.sql - the value store: set, get, the typed getters, unset,
-- set_many, fallbacks, the cfgmgr.values view, and the per-backend cache
-- seeing the transaction's own writes (and not its rolled-back ones).
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(111);

SELECT lives_ok($$SELECT cfgmgr.create_environment('v2_base');
				  SELECT cfgmgr.create_environment('v2_prod', 'v2_base');
				  SELECT cfgmgr.create_service('v2_svc')$$, 'fixtures');

-- ---------------------------------------------------------------------
-- set and get, every JSON type
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.set('v2_base', 'v2_svc', 'db.host', '"db.internal"'), cfgmgr.current_changeset(),
	'set returns the changeset id of the transaction');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.host'), '"db.internal"'::jsonb, 'get a string');
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.port', '5432');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.ratio', '0.75');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.ssl', 'true');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.nothing', 'null');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.replicas', '["r1", "r2"]');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'feature', '{"flags": {"a": true}, "list": [1, {"x": 2}]}');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'empty', '{}');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'emptylist', '[]');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'uni', to_jsonb('z' || chr(252) || 'rich ' || chr(8364) || ' ' || chr(128512)))$$,
	'set numbers, booleans, null, arrays, objects, unicode');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.port'), '5432'::jsonb, 'get a number');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.ssl'), 'true'::jsonb, 'get a boolean');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.nothing'), 'null'::jsonb,
	'get a stored JSON null returns JSON null, not SQL NULL');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.replicas'), '["r1", "r2"]'::jsonb, 'get an array');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'feature'), '{"flags": {"a": true}, "list": [1, {"x": 2}]}'::jsonb,
	'get an object');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'feature.flags.a'), 'true'::jsonb,
	'get a path inside a stored object');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'empty'), '{}'::jsonb, 'get an empty object');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'emptylist'), '[]'::jsonb, 'get an empty array');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'uni'),
	to_jsonb('z' || chr(252) || 'rich ' || chr(8364) || ' ' || chr(128512)), 'unicode round-trips');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db'),
	'{"host": "db.internal", "port": 5432, "ratio": 0.75, "ssl": true, "nothing": null, "replicas": ["r1", "r2"]}'::jsonb,
	'get of an intermediate path assembles the object');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'db.port'), '5432'::jsonb, 'a child inherits');
SELECT is(cfgmgr.get(env => 'v2_prod', service => 'v2_svc', path => 'db.port'), '5432'::jsonb,
	'named arguments');

-- overwrite
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.port', '6432')$$, 'overwrite a value');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.port'), '6432'::jsonb,
	'the overwrite is visible at once in the same transaction');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'db.port'), '6432'::jsonb, 'and in the child');
SELECT is((cfgmgr.resolve('v2_prod', 'v2_svc'))#>'{db,port}', '6432'::jsonb,
	'and in resolve');
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.port', '"x"'::jsonb);
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'db.port', '6433'::jsonb)$$,
	'overwrite twice in a row');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'db.port'), '6433'::jsonb, 'the last write wins');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'v2_base' AND path::text = 'db.port'), 1,
	'an overwrite keeps one stored entry');

-- missing values and fallbacks
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'db.missing')$$, 'CM005', NULL,
	'get of a missing path raises CM005');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'db.port.below')$$, 'CM005', NULL,
	'get of a path below a scalar raises CM005');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'db.replicas.0')$$, 'CM005', NULL,
	'get does not index into arrays');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.missing', fallback => '"dflt"'), '"dflt"'::jsonb,
	'fallback is returned for a missing path');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.missing', fallback => 'null'), 'null'::jsonb,
	'fallback => JSON null');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.host', fallback => '"dflt"'), '"db.internal"'::jsonb,
	'fallback is ignored when the value exists');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.nothing', fallback => '"dflt"'), 'null'::jsonb,
	'a stored JSON null is a value: fallback is not used');

-- ---------------------------------------------------------------------
-- typed getters
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.get_text('v2_base', 'v2_svc', 'db.host'), 'db.internal', 'get_text');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'db.port'), 6433::bigint, 'get_int');
SELECT is(cfgmgr.get_bool('v2_base', 'v2_svc', 'db.ssl'), true, 'get_bool');
SELECT is(cfgmgr.get_numeric('v2_base', 'v2_svc', 'db.ratio'), 0.75, 'get_numeric');
SELECT is(cfgmgr.get_numeric('v2_base', 'v2_svc', 'db.port'), 6433::numeric, 'get_numeric of an integer');
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.whole', '3.0');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.frac', '1.5');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.max', '9223372036854775807');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.min', '-9223372036854775808');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.over', '9223372036854775808');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.under', '-9223372036854775809');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.huge', '1e30');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'n.numstr', '"42"')$$,
	'numbers at the edges of bigint');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'n.whole'), 3::bigint, 'get_int of 3.0 is 3');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'n.max'), 9223372036854775807::bigint, 'get_int of the bigint maximum');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'n.min'), (-9223372036854775807 - 1)::bigint, 'get_int of the bigint minimum');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'n.frac')$$, 'CM001', NULL,
	'get_int of 1.5 raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'n.over')$$, '22003', NULL,
	'get_int above the bigint range raises 22003');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'n.under')$$, '22003', NULL,
	'get_int below the bigint range raises 22003');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'n.huge')$$, '22003', NULL,
	'get_int of 1e30 raises 22003');
SELECT is(cfgmgr.get_numeric('v2_base', 'v2_svc', 'n.huge'), 1e30, 'get_numeric of 1e30');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'n.numstr')$$, 'CM001', NULL,
	'get_int of a numeric string raises CM001 (no coercion)');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'db.ssl')$$, 'CM001', NULL,
	'get_int of a boolean raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_text('v2_base', 'v2_svc', 'db.port')$$, 'CM001', NULL,
	'get_text of a number raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_text('v2_base', 'v2_svc', 'db')$$, 'CM001', NULL,
	'get_text of an object raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_text('v2_base', 'v2_svc', 'db.replicas')$$, 'CM001', NULL,
	'get_text of an array raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_bool('v2_base', 'v2_svc', 'db.host')$$, 'CM001', NULL,
	'get_bool of a string raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_bool('v2_base', 'v2_svc', 'db.nothing')$$, 'CM001', NULL,
	'get_bool of JSON null raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_numeric('v2_base', 'v2_svc', 'db.host')$$, 'CM001', NULL,
	'get_numeric of a string raises CM001');
SELECT throws_ok($$SELECT cfgmgr.get_text('v2_base', 'v2_svc', 'db.missing')$$, 'CM005', NULL,
	'get_text of a missing path raises CM005');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'db.missing')$$, 'CM005', NULL,
	'get_int of a missing path raises CM005');
SELECT is(cfgmgr.get_text('v2_base', 'v2_svc', 'db.missing', fallback => 'dflt'), 'dflt', 'get_text fallback');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'db.missing', fallback => 7), 7::bigint, 'get_int fallback');
SELECT is(cfgmgr.get_bool('v2_base', 'v2_svc', 'db.missing', fallback => false), false, 'get_bool fallback');
SELECT is(cfgmgr.get_numeric('v2_base', 'v2_svc', 'db.missing', fallback => 2.5), 2.5, 'get_numeric fallback');
SELECT is(cfgmgr.get_int('v2_base', 'v2_svc', 'db.port', fallback => 7), 6433::bigint,
	'a typed fallback is ignored when the value exists');
SELECT throws_ok($$SELECT cfgmgr.get_int('v2_base', 'v2_svc', 'db.host', fallback => 7)$$, 'CM001', NULL,
	'a typed fallback does not hide a type mismatch');

-- ---------------------------------------------------------------------
-- providers
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'region', '"us-east-1"', provider => 'aws');
				  SELECT cfgmgr.set('v2_base', 'v2_svc', 'region', '"westeurope"', 'azure')$$,
	'provider-qualified values');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'region')$$, 'CM005', NULL,
	'a provider-qualified value is invisible without the provider');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'region', provider => 'aws'), '"us-east-1"'::jsonb,
	'get with the provider sees it');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'region', 'azure'), '"westeurope"'::jsonb,
	'each provider sees its own, inherited too');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'region', provider => 'gcp')$$, 'CM005', NULL,
	'another provider does not see it');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db.host', provider => 'gcp'), '"db.internal"'::jsonb,
	'neutral values apply to every provider');

-- ---------------------------------------------------------------------
-- the cfgmgr.values view
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT environment COLLATE "default", service COLLATE "default", path::text,
			 provider COLLATE "default", value, secret, tombstone
		FROM cfgmgr."values" WHERE service = 'v2_svc' AND path::text IN ('region', 'db.host')
		ORDER BY path, provider NULLS FIRST$$,
	$$VALUES ('v2_base', 'v2_svc', 'db.host', NULL, '"db.internal"'::jsonb, false, false),
			 ('v2_base', 'v2_svc', 'region', 'aws', '"us-east-1"'::jsonb, false, false),
			 ('v2_base', 'v2_svc', 'region', 'azure', '"westeurope"'::jsonb, false, false)$$,
	'cfgmgr.values shows stored entries, provider NULL for neutral ones');
SELECT is((SELECT changeset FROM cfgmgr."values" WHERE environment = 'v2_base' AND path::text = 'db.host'),
	cfgmgr.current_changeset(), 'cfgmgr.values shows the changeset');

-- ---------------------------------------------------------------------
-- unset
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.unset('v2_base', 'v2_svc', 'db.ratio'), cfgmgr.current_changeset(),
	'unset returns the changeset id');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'db.ratio')$$, 'CM005', NULL,
	'an unset value is gone');
SELECT throws_ok($$SELECT cfgmgr.unset('v2_base', 'v2_svc', 'db.ratio')$$, 'CM005', NULL,
	'unset of a path storing nothing raises CM005');
SELECT throws_ok($$SELECT cfgmgr.unset('v2_prod', 'v2_svc', 'db.host')$$, 'CM005', NULL,
	'unset does not remove an inherited value (CM005)');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'db.host'), '"db.internal"'::jsonb,
	'the refused unset changed nothing');
SELECT lives_ok($$SELECT cfgmgr.unset('v2_base', 'v2_svc', 'db')$$, 'unset of an ancestor path');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'v2_base' AND path::text LIKE 'db.%'), 0,
	'unset removed everything stored below the path');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'db', fallback => '"gone"'), '"gone"'::jsonb,
	'the subtree resolves to nothing');
SELECT throws_ok($$SELECT cfgmgr.unset('v2_base', 'v2_svc', 'region')$$, 'CM005', NULL,
	'a neutral unset does not touch provider-qualified values');
SELECT lives_ok($$SELECT cfgmgr.unset('v2_base', 'v2_svc', 'region', provider => 'aws')$$,
	'unset with the provider');
SELECT throws_ok($$SELECT cfgmgr.get('v2_base', 'v2_svc', 'region', 'aws')$$, 'CM005', NULL,
	'the aws value is gone');
SELECT is(cfgmgr.get('v2_base', 'v2_svc', 'region', 'azure'), '"westeurope"'::jsonb,
	'the azure value stays');

-- ---------------------------------------------------------------------
-- set_many
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.set_many('v2_prod', 'v2_svc',
		'{"cache": {"ttl": 60, "hosts": ["c1", "c2"], "opts": {}, "hdr": {"X-Req Id": 1, "ok": 2}},
		  "log.level": "info", "log": {"format": "json"}, "top": null}'),
	cfgmgr.current_changeset(), 'set_many returns the changeset id');
SELECT results_eq(
	$$SELECT path::text, value FROM cfgmgr."values"
		WHERE environment = 'v2_prod' AND service = 'v2_svc' ORDER BY path$$,
	$$VALUES ('cache.hdr', '{"X-Req Id": 1, "ok": 2}'::jsonb),
			 ('cache.hosts', '["c1", "c2"]'),
			 ('cache.opts', '{}'),
			 ('cache.ttl', '60'),
			 ('log.format', '"json"'),
			 ('log.level', '"info"'),
			 ('top', 'null')$$,
	'set_many stores leaves; arrays, empty objects and objects with non-label keys whole');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'cache'),
	'{"ttl": 60, "hosts": ["c1", "c2"], "opts": {}, "hdr": {"X-Req Id": 1, "ok": 2}}'::jsonb,
	'the document reads back as written');
SELECT lives_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"cache": {"ttl": 30}}', message => 'shorter ttl')$$,
	'set_many over existing values');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'cache.ttl'), '30'::jsonb, 'set_many overwrote one leaf');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'cache.hosts'), '["c1", "c2"]'::jsonb,
	'set_many did not remove siblings');
SELECT lives_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"zone": "eu-west-1a"}', provider => 'aws')$$,
	'set_many with a provider');
SELECT is((SELECT provider COLLATE "default" FROM cfgmgr."values" WHERE environment = 'v2_prod' AND path::text = 'zone'),
	'aws', 'set_many stored provider-qualified entries');
SELECT is(cfgmgr.set_many('v2_prod', 'v2_svc', '{}'), cfgmgr.current_changeset(),
	'set_many of an empty document is a no-op');

-- atomicity: a document with one invalid top-level key stores nothing
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"aaa": 1, "bad key": 2, "zzz": 3}')$$,
	'22P02', NULL, 'set_many with an invalid top-level key raises 22P02');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'v2_prod' AND path::text IN ('aaa', 'zzz')), 0,
	'and stores nothing of the document');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"aaa": 1, "b..c": 2}')$$,
	'22P02', NULL, 'set_many with an invalid dotted top-level key raises 22P02');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"aaa": 1, "": 2}')$$,
	'22P02', NULL, 'set_many with an empty top-level key raises 22P02');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '[{"a": 1}]')$$,
	'22023', NULL, 'set_many of an array raises 22023');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '"a"')$$,
	'22023', NULL, 'set_many of a scalar raises 22023');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', 'null')$$,
	'22023', NULL, 'set_many of JSON null raises 22023');
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', NULL)$$,
	'22004', NULL, 'set_many of SQL NULL raises 22004');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'v2_prod' AND path::text = 'aaa'), 0,
	'no refused set_many wrote anything');

-- a document naming the same path twice (once dotted, once nested) is
-- ambiguous: refused as an invalid argument, nothing stored
SELECT throws_ok($$SELECT cfgmgr.set_many('v2_prod', 'v2_svc', '{"dup.x": 1, "dup": {"x": 2}}')$$,
	'22023', NULL, 'set_many naming one path twice raises 22023');
SELECT is((SELECT count(*)::int FROM cfgmgr."values" WHERE environment = 'v2_prod' AND path::text LIKE 'dup%'), 0,
	'and stores nothing');

-- ---------------------------------------------------------------------
-- own writes and rolled-back writes through the cache
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'c.v', '1')$$, 'cache fixture');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'c.v'), '1'::jsonb, 'read (and cache) the value');
SELECT is(cfgmgr.resolve('v2_prod', 'v2_svc')->'c', '{"v": 1}'::jsonb, 'read (and cache) the document');
SAVEPOINT sp;
SELECT lives_ok($$SELECT cfgmgr.set('v2_base', 'v2_svc', 'c.v', '2')$$, 'write inside a savepoint');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'c.v'), '2'::jsonb, 'get sees the own write at once');
SELECT is(cfgmgr.resolve('v2_prod', 'v2_svc')->'c', '{"v": 2}'::jsonb, 'resolve sees the own write at once');
ROLLBACK TO SAVEPOINT sp;
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'c.v'), '1'::jsonb,
	'after ROLLBACK TO SAVEPOINT get no longer sees the rolled-back write');
SELECT is(cfgmgr.resolve('v2_prod', 'v2_svc')->'c', '{"v": 1}'::jsonb,
	'nor does resolve');
SAVEPOINT sp2;
SELECT lives_ok($$SELECT cfgmgr.unset('v2_base', 'v2_svc', 'c.v')$$, 'unset inside a savepoint');
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'c.v', fallback => '"gone"'), '"gone"'::jsonb,
	'get sees the own unset at once');
ROLLBACK TO SAVEPOINT sp2;
SELECT is(cfgmgr.get('v2_prod', 'v2_svc', 'c.v', fallback => '"gone"'), '1'::jsonb,
	'the rolled-back unset is undone for get');

SELECT * FROM finish();
ROLLBACK;
