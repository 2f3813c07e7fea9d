--
-- 21_yaml.sql - import_yaml, import_json and export_yaml: YAML 1.2 core
-- typing, tags, anchors, aliases and merge keys, tombstones (!block),
-- secrets (!secret, refused without a key), replace semantics, no
-- history for an unchanged re-import, every kind of bad input (with its
-- SQLSTATE, and line and column in the message), limits (import_max_size,
-- alias expansion, nesting), nothing half-imported, and the deterministic
-- export that imports back to exactly what was exported.
--
-- Invalid UTF-8 cannot be tested here: text in a UTF8 database cannot hold
-- it.  test/suites/yaml_encoding.sh checks libyaml's UTF-8 errors through a
-- SQL_ASCII database, and a LATIN1 database.
--
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(166);

SELECT cfgmgr.create_service('y21_svc') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_prod', 'y21_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_t') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_r') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_e') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_copy') IS NOT NULL AS ok \gset

-- the entries of an environment (provider NULL: the neutral ones)
CREATE FUNCTION y21_rows(env text, prov text DEFAULT NULL)
RETURNS TABLE (path text, value jsonb, tombstone bool) LANGUAGE sql AS $$
	SELECT v.path::text, v.value, v.tombstone FROM cfgmgr."values" v
	 WHERE v.environment = env AND v.service = 'y21_svc' AND v.provider IS NOT DISTINCT FROM prov
	 ORDER BY v.path
$$;
CREATE FUNCTION y21_value(env text, p text) RETURNS jsonb LANGUAGE sql AS $$
	SELECT v.value FROM cfgmgr."values" v
	 WHERE v.environment = env AND v.service = 'y21_svc' AND v.provider IS NULL AND v.path::text = p
$$;
CREATE FUNCTION y21_history() RETURNS bigint LANGUAGE sql AS $$
	SELECT count(*) FROM cfgmgr.change
$$;
-- "SQLSTATE|message|detail|hint" of the error a statement raises
CREATE FUNCTION y21_error(stmt text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
	hint text;
BEGIN
	EXECUTE stmt;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT, det = PG_EXCEPTION_DETAIL,
		hint = PG_EXCEPTION_HINT;
	RETURN concat_ws('|', st, msg, NULLIF(det, ''), NULLIF(hint, ''));
END
$$;

-- ---------------------------------------------------------------------
-- Typing: the YAML 1.2 core schema
-- ---------------------------------------------------------------------
SELECT ok(cfgmgr.import_yaml('y21_t', 'y21_svc', $y$
null:
  tilde: ~
  word: null
  cap: Null
  upper: NULL
  empty:
bool:
  t1: true
  t2: True
  t3: TRUE
  f1: false
  f2: False
  f3: FALSE
int:
  zero: 0
  neg: -17
  plus: +17
  lead: 007
  oct: 0o17
  hex: 0x1F
  hexcase: 0xfF
  big: 123456789012345678901234567890
  bigneg: -98765432109876543210987654321
  bighex: 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF
float:
  f: 1.5
  neg: -0.5
  dot: .5
  negdot: -.5
  trail: 5.
  exp: 1e3
  expneg: 1.5E-3
  plus: +2.50
  expdot: -.5e1
  long: 3.14159265358979323846264338327950288
$y$) IS NOT NULL, 'import the typing document');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_t') WHERE path LIKE 'null.%'$$,
	$$VALUES ('null.cap', 'null'::jsonb), ('null.empty', 'null'), ('null.tilde', 'null'),
			 ('null.upper', 'null'), ('null.word', 'null')$$,
	'null: ~, null, Null, NULL and empty');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_t') WHERE path LIKE 'bool.%'$$,
	$$VALUES ('bool.f1', 'false'::jsonb), ('bool.f2', 'false'), ('bool.f3', 'false'),
			 ('bool.t1', 'true'), ('bool.t2', 'true'), ('bool.t3', 'true')$$,
	'bool: true/True/TRUE/false/False/FALSE');
SELECT results_eq($$SELECT path, value::text FROM y21_rows('y21_t') WHERE path LIKE 'int.%'$$,
	$$VALUES ('int.big', '123456789012345678901234567890'), ('int.bighex', '340282366920938463463374607431768211455'),
			 ('int.bigneg', '-98765432109876543210987654321'), ('int.hex', '31'), ('int.hexcase', '255'),
			 ('int.lead', '7'), ('int.neg', '-17'), ('int.oct', '15'), ('int.plus', '17'), ('int.zero', '0')$$,
	'int: decimal, 0o octal, 0x hex, big ones exact');
SELECT results_eq($$SELECT path, value::text FROM y21_rows('y21_t') WHERE path LIKE 'float.%'$$,
	$$VALUES ('float.dot', '0.5'), ('float.exp', '1000'), ('float.expdot', '-5'), ('float.expneg', '0.0015'),
			 ('float.f', '1.5'), ('float.long', '3.14159265358979323846264338327950288'), ('float.neg', '-0.5'),
			 ('float.negdot', '-0.5'), ('float.plus', '2.50'), ('float.trail', '5')$$,
	'float: the core schema forms, exact as numeric');

SELECT ok(cfgmgr.import_yaml('y21_t', 'y21_svc', $y$
str:
  quoted_int: "123"
  single_hex: '0x1F'
  plain: hello world
  yes: yes
  no: No
  on: on
  under: 1_000
  version: 1.2.3
  notoct: 0o8
  nothex: 0xg
  dots: .5.
  word: True1
  dq_null: "null"
  sq_true: 'true'
  empty_dq: ""
  colon: a:b
  url: http://example.com/a?b=c#frag
  sq: 'it''s'
  dq: "tab\there \u00e9 \U0001F600 \x41"
  literal: |
    line 1
    line 2
  folded: >
    folded
    text
  strip: |-
    no newline
tag:
  str: !!str 5
  strtrue: !!str true
  int: !!int "12"
  inthex: !!int 0x10
  float: !!float 5
  floatq: !!float "2.5"
  null: !!null ""
  bool: !!bool "false"
  nonspecific: ! 12
  verbatim: !<tag:yaml.org,2002:int> "7"
  map: !!map {m: 1}
  seq: !!seq [1]
  value: !value 3
$y$) IS NOT NULL, 'import the strings and tags document');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_t') WHERE path LIKE 'str.%'$$,
	$$VALUES ('str.colon', '"a:b"'::jsonb), ('str.dots', '".5."'), ('str.dq', to_jsonb(E'tab\there \u00e9 \U0001F600 A'::text)),
			 ('str.dq_null', '"null"'), ('str.empty_dq', '""'), ('str.folded', to_jsonb(E'folded text\n'::text)),
			 ('str.literal', to_jsonb(E'line 1\nline 2\n'::text)), ('str.no', '"No"'), ('str.nothex', '"0xg"'),
			 ('str.notoct', '"0o8"'), ('str.on', '"on"'), ('str.plain', '"hello world"'),
			 ('str.quoted_int', '"123"'), ('str.single_hex', '"0x1F"'), ('str.sq', '"it''s"'),
			 ('str.sq_true', '"true"'), ('str.strip', '"no newline"'), ('str.under', '"1_000"'),
			 ('str.url', '"http://example.com/a?b=c#frag"'), ('str.version', '"1.2.3"'), ('str.word', '"True1"'),
			 ('str.yes', '"yes"')$$,
	'strings: quoted scalars, block scalars, YAML 1.1 words and number look-alikes stay strings');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_t') WHERE path LIKE 'tag.%'$$,
	$$VALUES ('tag.bool', 'false'::jsonb), ('tag.float', '5'), ('tag.floatq', '2.5'), ('tag.int', '12'),
			 ('tag.inthex', '16'), ('tag.map.m', '1'), ('tag.nonspecific', '"12"'), ('tag.null', 'null'),
			 ('tag.seq', '[1]'), ('tag.str', '"5"'), ('tag.strtrue', '"true"'), ('tag.value', '3'),
			 ('tag.verbatim', '7')$$,
	'tags !!str !!int !!float !!bool !!null !!map !!seq, ! and verbatim tags');

-- ---------------------------------------------------------------------
-- Structure: paths, dotted keys, sequences, objects, empty collections
-- ---------------------------------------------------------------------
SELECT ok(cfgmgr.import_yaml('y21_e', 'y21_svc', $y$
db:
  host: db.internal
  pool.max: 10
  pool:
    min: 2
log.level: info
servers:
  - name: a
    "port number": 1
  - [x, y]
  - {}
  - []
headers:
  Content Type: json
  Accept: "*/*"
whole: !value
  a: 1
  b.c: 2
empty_map: {}
empty_seq: []
$y$) IS NOT NULL, 'import nested mappings, dotted keys, sequences');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_e')$$,
	$$VALUES ('db.host', '"db.internal"'::jsonb), ('db.pool.max', '10'), ('db.pool.min', '2'),
			 ('empty_map', '{}'), ('empty_seq', '[]'),
			 ('headers', '{"Accept": "*/*", "Content Type": "json"}'), ('log.level', '"info"'),
			 ('servers', '[{"name": "a", "port number": 1}, ["x", "y"], {}, []]'),
			 ('whole', '{"a": 1, "b.c": 2}')$$,
	'mappings of paths descend; dotted keys are paths; sequences are arrays of values; a mapping with a non-path key, an empty mapping and a !value mapping are one value');
SELECT is(cfgmgr.resolve('y21_e', 'y21_svc') -> 'db', '{"host": "db.internal", "pool": {"max": 10, "min": 2}}',
	'a dotted key and a nested mapping meet in the resolved document');

-- ---------------------------------------------------------------------
-- Anchors, aliases, merge keys
-- ---------------------------------------------------------------------
SELECT ok(cfgmgr.import_yaml('y21_r', 'y21_svc', $y$
defaults: &defaults
  timeout: 30
  retries: 3
  level: info
fast: &fast
  timeout: 5
  burst: true
svc_a:
  <<: *defaults
  level: debug
svc_b:
  <<: [*fast, *defaults]
  retries: 9
svc_c:
  <<: {inline: 1}
name: &n "shared"
copy_scalar: *n
list: [*n, *fast]
in_value:
  - <<: *fast
    extra: x
$y$) IS NOT NULL, 'import anchors, aliases and merge keys');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_r') WHERE path LIKE 'svc%'$$,
	$$VALUES ('svc_a.level', '"debug"'::jsonb), ('svc_a.retries', '3'), ('svc_a.timeout', '30'),
			 ('svc_b.burst', 'true'), ('svc_b.level', '"info"'), ('svc_b.retries', '9'), ('svc_b.timeout', '5'),
			 ('svc_c.inline', '1')$$,
	'merge keys: explicit keys win, earlier merged mappings win over later ones, inline mappings merge');
SELECT is(y21_value('y21_r', 'copy_scalar'), '"shared"', 'an alias of a scalar');
SELECT is(y21_value('y21_r', 'list'), '["shared", {"burst": true, "timeout": 5}]', 'aliases inside a sequence');
SELECT is(y21_value('y21_r', 'in_value'), '[{"burst": true, "extra": "x", "timeout": 5}]',
	'a merge key inside a value');
SELECT is((SELECT count(*)::int FROM y21_rows('y21_r') WHERE path LIKE 'defaults.%'), 3,
	'the anchored mapping itself is stored too');

SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'a: *nope\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: alias "*nope" refers to an undefined anchor', 'undefined alias');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'a: &x\n  b: *x\n')$$, 'CM013',
	'invalid YAML document at line 2, column 6: alias "*x" refers to a node that contains it (JSON cannot hold cycles)',
	'recursive alias');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'a:\n  <<: 5\n')$$, 'CM013',
	'invalid YAML document at line 2, column 7: the value of a merge key "<<" must be a mapping or a sequence of mappings',
	'merge key with a scalar');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'a:\n  <<: [{x: 1}, 2]\n')$$, 'CM013',
	'invalid YAML document at line 2, column 16: the sequence of a merge key "<<" must hold only mappings',
	'merge key with a sequence holding a scalar');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'a:\n  <<: {x: 1}\n  <<: {y: 1}\n')$$, 'CM013',
	'invalid YAML document at line 3, column 3: duplicate merge key "<<" (first at line 2, column 3)',
	'two merge keys');
SELECT is(y21_error($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', E'"<<": 1\n')$$),
	'CM013|invalid YAML document at line 1, column 1: key "<<" is not a valid configuration path|Unexpected character "<" at character 1.|Top-level keys are paths: labels of letters, digits, "_" and "-", separated by dots.',
	'a quoted "<<" is a key, not a merge');

-- billion laughs: refused by the expansion budget, quickly
SELECT clock_timestamp() AS t0 \gset
SELECT throws_like($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', $y$
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
$y$)$$, 'invalid YAML document at line %, column %: aliases and merge keys expand to more than 1000000 nodes or 33554432 bytes',
	'a billion laughs document is refused');
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, '<', 5::numeric,
	'... in well under the time its expansion would take');
SELECT is(split_part(y21_error($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', 'a: &a "' || repeat('x', 100000) || E'"\nb: [' || (SELECT string_agg('*a', ',') FROM generate_series(1, 400)) || E']\n')$$), '|', 1),
	'CM013', 'aliases of a long string are refused by the byte budget');
SELECT is(split_part(y21_error($$SELECT cfgmgr.import_yaml('y21_r', 'y21_svc', 'a: &a {' || (SELECT string_agg('k' || g || ': 1', ', ') FROM generate_series(1, 5000) g) || E'}\n' || (SELECT string_agg('m' || g || E': {<<: *a}', E'\n') FROM generate_series(1, 5000) g))$$), '|', 1),
	'CM013', 'merge keys repeating a large mapping are refused by the budget');

-- ---------------------------------------------------------------------
-- Tombstones (!block)
-- ---------------------------------------------------------------------
SELECT ok(cfgmgr.import_yaml('y21_base', 'y21_svc', E'db:\n  host: h\n  port: 1\nlog: x\n') IS NOT NULL,
	'values in the parent');
SELECT ok(cfgmgr.import_yaml('y21_prod', 'y21_svc', E'db:\n  port: !block\nlog: !block ~\nnew: !block null\n') IS NOT NULL,
	'import tombstones');
SELECT results_eq($$SELECT path, value, tombstone FROM y21_rows('y21_prod')$$,
	$$VALUES ('db.port', NULL::jsonb, true), ('log', NULL, true), ('new', NULL, true)$$,
	'!block stores a tombstone, like unset(..., block => true)');
SELECT is(cfgmgr.resolve('y21_prod', 'y21_svc'), '{"db": {"host": "h"}}', 'the tombstones hide the inherited values');
SELECT is(cfgmgr.export_yaml('y21_prod', 'y21_svc', resolved => false), E'db:\n  port: !block\nlog: !block\nnew: !block\n',
	'export writes tombstones as !block');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_prod', 'y21_svc', E'a: !block 5\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: tag !block marks a removed value and takes no value, not "5"',
	'!block with a value');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_prod', 'y21_svc', E'a: !block\n  b: 1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: tag !block marks a removed value and takes no value, not a mapping',
	'!block on a mapping');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_prod', 'y21_svc', E'a: [1, !block ]\n')$$, 'CM013',
	'invalid YAML document at line 1, column 8: tag !block marks a path and cannot be used inside a value',
	'!block inside a sequence');

-- ---------------------------------------------------------------------
-- Secrets (!secret) without a key: CM014 and nothing stored (with a key:
-- test/52_secrets.sql)
-- ---------------------------------------------------------------------
SET LOCAL cfgmgr.key_file = '';
SELECT y21_history() AS h0 \gset
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'ok: 1\ndb:\n  password: !secret s3cr3t\n')$$,
	'CM014', NULL, '!secret without a key is refused like set(..., secret => true)');
SELECT unalike(y21_error($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'ok: 1\ndb:\n  password: !secret s3cr3t\n')$$),
	'%s3cr3t%', 'the refusal never shows the value');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'db: !secret\n  password: x\n')$$,
	'CM014', NULL, '!secret on a mapping, without a key: refused');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'l: [1, !secret x]\n')$$,
	'CM014', NULL, '!secret inside a value, without a key: refused');
SELECT is(y21_history(), :h0::bigint, 'nothing was stored');

-- ---------------------------------------------------------------------
-- The changeset, replace semantics, idempotence
-- ---------------------------------------------------------------------
SAVEPOINT before_replace;
SELECT cfgmgr.set('y21_copy', 'y21_svc', 'keep', '1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_copy', 'y21_svc', 'drop.me', '2') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_copy', 'y21_svc', 'change', '3') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('y21_copy', 'y21_svc', 'old.tomb', block => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_copy', 'y21_svc', 'keep', '"aws"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_copy', 'y21_svc', 'only.aws', '1', provider => 'aws') IS NOT NULL AS ok \gset
SELECT y21_history() AS h1 \gset
SELECT max(id) AS id1 FROM cfgmgr.change \gset
SELECT cfgmgr.import_yaml('y21_copy', 'y21_svc', E'keep: 1\nchange: 30\nnew: 4\nnew_tomb: !block\n', replace => true,
	message => 'replace test') AS cs \gset
SELECT is(:cs::bigint, cfgmgr.current_changeset(), 'import returns the transaction''s changeset');
SELECT results_eq($$SELECT path, value, tombstone FROM y21_rows('y21_copy')$$,
	$$VALUES ('change', '30'::jsonb, false), ('keep', '1', false), ('new', '4', false), ('new_tomb', NULL, true)$$,
	'replace => true: afterwards the stored entries are exactly the document (tombstones included)');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_copy', 'aws')$$,
	$$VALUES ('keep', '"aws"'::jsonb), ('only.aws', '1')$$,
	'a neutral import leaves the provider-qualified entries alone');
SELECT results_eq($$SELECT op, path::text FROM cfgmgr.change WHERE id > $$ || :id1 || $$ ORDER BY path, op$$,
	$$VALUES ('set', 'change'), ('unset', 'drop.me'), ('set', 'new'), ('block', 'new_tomb'), ('unset', 'old.tomb')$$,
	'history: one row per changed entry, none for the unchanged "keep"');
SELECT is(y21_history() - :h1, 5::bigint, 'five history rows');
SELECT is((SELECT message FROM cfgmgr.changeset WHERE id = :cs), 'replace test', 'the message is the changeset''s');
SELECT is((SELECT array_agg(DISTINCT changeset) FROM cfgmgr.change WHERE id > :id1), ARRAY[:cs::bigint],
	'all in the transaction''s one changeset');
SELECT y21_history() AS h2 \gset
SELECT is(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'keep: 1\nchange: 30\nnew: 4\nnew_tomb: !block\n', replace => true),
	NULL, 're-importing the same document returns NULL: nothing changed');
SELECT is(y21_history(), :h2::bigint, '... and writes no history');
SELECT is(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'keep: 1\n'), NULL, 'a subset without replace changes nothing');
SELECT ok(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'keep: 1.0\n') IS NOT NULL,
	'a different representation of the same number is a change (1 -> 1.0)');
SELECT is(y21_value('y21_copy', 'keep')::text, '1.0', '... and is stored as written');
SELECT ok(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'keep: "x"\n', provider => 'aws', replace => true) IS NOT NULL,
	'a provider-qualified import with replace');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_copy', 'aws')$$, $$VALUES ('keep', '"x"'::jsonb)$$,
	'... replaces the provider''s entries only');
SELECT is((SELECT count(*)::int FROM y21_rows('y21_copy')), 4, '... and leaves the neutral ones alone');
SELECT ok(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'{}\n', replace => true) IS NOT NULL,
	'replace with an empty document');
SELECT is((SELECT count(*)::int FROM y21_rows('y21_copy')), 0, '... removes every neutral entry');
SELECT is(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'{}\n', replace => true), NULL, '... and again changes nothing');
SELECT is(cfgmgr.import_yaml('y21_copy', 'y21_svc', E'{}\n'), NULL, 'an empty document without replace changes nothing');
ROLLBACK TO SAVEPOINT before_replace;

-- ---------------------------------------------------------------------
-- Nothing half-imported
-- ---------------------------------------------------------------------
SELECT count(*) AS n0 FROM cfgmgr.entry \gset
SELECT y21_history() AS h3 \gset
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'a1: 1\na2: 2\na3: [1, 2]\nz: !!int x\n')$$,
	'CM013', NULL, 'a document with an error after valid paths');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'a1: 1\na2: 2\na3: 3\nb: [1, 2\n', replace => true)$$,
	'CM013', NULL, 'a document with a syntax error at its end, replace => true');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_base', 'y21_svc', E'a1: 1\na2: 2\na1: 3\n', replace => true)$$,
	'CM013', NULL, 'a document with a duplicate key, replace => true');
SELECT is((SELECT count(*) FROM cfgmgr.entry), :n0::bigint, 'no entry was written or removed');
SELECT is(y21_history(), :h3::bigint, 'no history was written');
SELECT is((SELECT count(*)::int FROM y21_rows('y21_base')), 3, 'the environment still holds what it held');

-- ---------------------------------------------------------------------
-- Bad documents: CM013 with line and column
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1\nb: [1, 2\n')$$, 'CM013',
	'invalid YAML document at line 3, column 1: did not find expected '','' or '']''', 'a scanner error');
SELECT is(y21_error($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a:\n  b: 1\n c: 2\n')$$),
	'CM013|invalid YAML document at line 3, column 2: did not find expected key|While parsing a block mapping that starts at line 1, column 1.',
	'a parser error, with libyaml''s context in the detail');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: "open\n')$$, 'CM013',
	'invalid YAML document at line 2, column 1: found unexpected end of stream', 'an unterminated quoted scalar');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1\n---\nb: 2\n')$$, 'CM013',
	'invalid YAML document at line 2, column 1: a second document is not allowed', 'a second document');
SELECT lives_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'%YAML 1.2\n---\nlone: 1\n...\n')$$,
	'one explicit document with a directive and an end marker');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1\nb: 2\na: 3\n')$$, 'CM013',
	'invalid YAML document at line 3, column 1: duplicate key "a" (first at line 1, column 1)', 'a duplicate key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'x:\n  l: [{k: 1, k: 2}]\n')$$, 'CM013',
	'invalid YAML document at line 2, column 14: duplicate key "k" (first at line 2, column 8)',
	'a duplicate key inside a value');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'db.host: a\ndb:\n  host: b\n')$$, 'CM013',
	'invalid YAML document at line 3, column 3: path "db.host" is given more than once (first at line 1, column 1)',
	'a dotted key and a nested one naming the same path');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'ok: 1\n"bad key": 1\n')$$, 'CM013',
	'invalid YAML document at line 2, column 1: key "bad key" is not a valid configuration path', 'an invalid path key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a..b: 1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: key "a..b" is not a valid configuration path', 'an invalid dotted key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'"": 1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: key "" is not a valid configuration path', 'an empty key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', 'a' || repeat('.b', 1100) || E': 1\n')$$, 'CM013',
	NULL, 'a path longer than 2048 bytes');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a:\n' || (SELECT string_agg(repeat(' ', 2 * g) || 'k' || lpad(g::text, 3, '0') || E':\n', '') FROM generate_series(1, 900) g) || repeat(' ', 1802) || E'v: 1\n')$$,
	'CM013', NULL, 'a path made longer than 2048 bytes by nesting');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !foo x\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: unrecognized tag "!foo"', 'an unrecognized tag');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!binary aGk=\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: unrecognized tag "!!binary"', 'an unsupported core tag');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !foo {x: 1}\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: unrecognized tag "!foo"', 'an unrecognized tag on a mapping');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!int abc\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: value "abc" does not match its tag "!!int"', 'a wrong tag: !!int abc');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!bool yes\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: value "yes" does not match its tag "!!bool"', 'a wrong tag: !!bool yes');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!null 0\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: value "0" does not match its tag "!!null"', 'a wrong tag: !!null 0');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!float x1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: value "x1" does not match its tag "!!float"', 'a wrong tag: !!float x1');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!map 1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: tag "!!map" cannot be used on a scalar', 'a wrong tag: !!map on a scalar');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!seq {x: 1}\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: tag "!!seq" cannot be used on a mapping', 'a wrong tag: !!seq on a mapping');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!str [1]\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: tag "!!str" cannot be used on a sequence', 'a wrong tag: !!str on a sequence');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'!!int 1: x\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: tag "!!int" cannot be used on a mapping key', 'a tag on a key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'? [a, b]\n: 1\n')$$, 'CM013',
	'invalid YAML document at line 1, column 3: a mapping key must be a scalar, not a sequence', 'a sequence as a key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'k: &m {a: 1}\n*m : 1\n')$$, 'CM013',
	'invalid YAML document at line 2, column 1: a mapping key must be a scalar, not a mapping', 'an alias of a mapping as a key');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: .inf\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: ".inf" cannot be stored, JSON has no infinity or NaN', '.inf');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: [1, -.Inf]\n')$$, 'CM013',
	'invalid YAML document at line 1, column 8: "-.Inf" cannot be stored, JSON has no infinity or NaN', '-.Inf in a sequence');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: !!float .NaN\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: ".NaN" cannot be stored, JSON has no infinity or NaN', '!!float .NaN');
SELECT lives_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'qinf: ".inf"\n')$$, 'a quoted .inf is a string');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1e200000\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: number "1e200000" is out of range', 'a number numeric cannot hold');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1e-20000\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: number "1e-20000" is out of range', 'a number with too many decimals');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', 'a: 0x' || repeat('f', 5000) || E'\n')$$, 'CM013',
	'invalid YAML document at line 1, column 4: integer "0xffffffffffffffffff..." has more than 4096 digits',
	'a hexadecimal literal of more than 4096 digits');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'- 1\n- 2\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: the top level must be a mapping of paths to values', 'a sequence at the top');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'just text\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: the top level must be a mapping of paths to values', 'a scalar at the top');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'!value {a: 1}\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: the top level must be a mapping of paths without a tag', 'a tag at the top');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'# only a comment\n')$$, 'CM013',
	'invalid YAML document at line 1, column 1: the document is empty', 'an empty document');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', 'a: ' || repeat('[', 1001) || repeat(']', 1001))$$, 'CM013',
	'invalid YAML document at line 1, column 1003: collections nest deeper than 1000 levels', 'nesting deeper than 1000 levels');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', 'a: &a ' || repeat('[', 600) || repeat(']', 600) || E'\nb: &b ' || repeat('[', 600) || E'*a' || repeat(']', 600))$$,
	'CM013', NULL, 'nesting deeper than 1000 levels through an alias');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: b\x01\n')$$, 'CM013',
	'invalid YAML document at line 1, column 5: control characters are not allowed', 'a control character');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: b\n\uFFFE\n')$$, 'CM013',
	'invalid YAML document at line 2, column 1: control characters are not allowed', 'U+FFFE, which YAML cannot hold raw');
SELECT lives_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'\uFEFFbom: 1\n')$$, 'a byte order mark is skipped');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: [1, "x\\0y"]\n')$$, 'CM013',
	'invalid YAML document at line 1, column 8: a scalar holding U+0000 cannot be stored', 'a "\0" escape (text cannot hold U+0000)');

-- ---------------------------------------------------------------------
-- Arguments, targets, limits
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_nope', 'y21_svc', E'a: 1\n')$$, 'CM006', NULL, 'unknown environment');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_nope', E'a: 1\n')$$, 'CM007', NULL, 'unknown service');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'a: 1\n', provider => 'y21_nope')$$, '42704',
	'provider "y21_nope" does not exist', 'unknown provider');
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', NULL)$$, '22004', 'document must not be null', 'NULL document');
SELECT throws_ok($$SELECT cfgmgr.import_yaml(NULL, 'y21_svc', E'a: 1\n')$$, '22004', 'environment must not be null',
	'NULL environment');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', NULL, '{}')$$, '22004', 'service must not be null', 'NULL service');
SELECT is(current_setting('cfgmgr.import_max_size'), '64MB', 'cfgmgr.import_max_size defaults to 64MB');
CREATE TEMP TABLE y21_big AS SELECT repeat(E'a: 1\n', 20000000) AS doc;
SELECT is((SELECT octet_length(doc) FROM y21_big), 100000000, 'a 100 MB document');
SELECT clock_timestamp() AS t0 \gset
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', doc) FROM y21_big$$, '54000',
	'YAML document is too large to import', 'a document larger than cfgmgr.import_max_size is refused');
SELECT cmp_ok(extract(epoch FROM clock_timestamp() - :'t0'::timestamptz)::numeric, '<', 1::numeric,
	'... before it is read, in well under a second');
SELECT is(y21_error($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', doc) FROM y21_big$$),
	'54000|JSON document is too large to import|The document has 100000000 bytes; cfgmgr.import_max_size allows 67108864.|Raise cfgmgr.import_max_size (SET cfgmgr.import_max_size = ''256MB'') or import the document in parts.',
	'the hint names the setting');
SET LOCAL cfgmgr.import_max_size = 10;
SELECT throws_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'abc: 12345\n')$$, '54000', NULL,
	'the limit is a user setting');
SELECT lives_ok($$SELECT cfgmgr.import_yaml('y21_e', 'y21_svc', E'ab: 12345\n')$$, '... that counts bytes');
RESET cfgmgr.import_max_size;

-- ---------------------------------------------------------------------
-- JSON
-- ---------------------------------------------------------------------
SAVEPOINT json;
SELECT ok(cfgmgr.import_json('y21_copy', 'y21_svc', $j$
{"db": {"host": "h", "pool.max": 10, "hosts": ["a", {"x y": null}]},
 "big": 123456789012345678901234567890.000001, "e": 1E+3, "flag": false, "n": null,
 "empty": {}, "odd": {"a b": 1}, "esc": "\u00e9\n\"\\"}
$j$) IS NOT NULL, 'import_json');
SELECT results_eq($$SELECT path, value::text FROM y21_rows('y21_copy')$$,
	$$VALUES ('big', '123456789012345678901234567890.000001'), ('db.host', '"h"'),
			 ('db.hosts', '["a", {"x y": null}]'), ('db.pool.max', '10'), ('e', '1000'), ('empty', '{}'),
			 ('esc', '"é\n\"\\"'), ('flag', 'false'), ('n', 'null'), ('odd', '{"a b": 1}')$$,
	'import_json: the same paths and values as import_yaml, numbers exact');
SELECT is(cfgmgr.import_json('y21_copy', 'y21_svc', $j$
{"db": {"host": "h", "pool.max": 10, "hosts": ["a", {"x y": null}]},
 "big": 123456789012345678901234567890.000001, "e": 1E+3, "flag": false, "n": null,
 "empty": {}, "odd": {"a b": 1}, "esc": "\u00e9\n\"\\"}
$j$), NULL, 'importing the same JSON again changes nothing');
SELECT ok(cfgmgr.import_json('y21_copy', 'y21_svc', '{"flag": true}', replace => true) IS NOT NULL, 'import_json with replace');
SELECT results_eq($$SELECT path, value FROM y21_rows('y21_copy')$$, $$VALUES ('flag', 'true'::jsonb)$$,
	'... leaves exactly the document');
ROLLBACK TO SAVEPOINT json;
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": 1,\n "b": {"c": 2, "c": 3}}')$$, 'CM013',
	'invalid JSON document at line 2, column 16: duplicate key "c" (first at line 2, column 8)', 'JSON: a duplicate key');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a.b": 1,\n "a": {"b": 2}}')$$, 'CM013',
	'invalid JSON document at line 2, column 8: path "a.b" is given more than once (first at line 1, column 2)',
	'JSON: a dotted key and a nested one naming the same path');
SELECT is(y21_error($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": 1,\n "b": [1, 2,]}')$$),
	'CM013|invalid JSON document at line 2, column 13: expected a JSON value|Expected JSON value, but found "]".',
	'JSON: a syntax error, with PostgreSQL''s detail');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": tru}')$$, 'CM013',
	'invalid JSON document at line 1, column 7: invalid token', 'JSON: an invalid token');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": 1} {}')$$, 'CM013',
	'invalid JSON document at line 1, column 10: unexpected text after the document', 'JSON: a second value');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": [1,')$$, 'CM013',
	'invalid JSON document at line 1, column 10: unexpected end of the document', 'JSON: a truncated document');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '')$$, 'CM013',
	'invalid JSON document at line 1, column 1: unexpected end of the document', 'JSON: an empty document');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'\n  [1, 2]')$$, 'CM013',
	'invalid JSON document at line 2, column 3: the top level must be an object mapping paths to values', 'JSON: an array at the top');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '"text"')$$, 'CM013',
	'invalid JSON document at line 1, column 1: the top level must be an object mapping paths to values', 'JSON: a string at the top');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '{"bad key": 1}')$$, 'CM013',
	'invalid JSON document at line 1, column 2: key "bad key" is not a valid configuration path', 'JSON: an invalid path key');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '{"a": "\u0000"}')$$, 'CM013',
	'invalid JSON document at line 1, column 7: \u0000 cannot be stored in text', 'JSON: \u0000');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', E'{"a": "x\ty"}')$$, 'CM013',
	'invalid JSON document at line 1, column 7: unescaped control character in a string', 'JSON: a raw tab in a string');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '{"a": 1e999999999}')$$, 'CM013',
	'invalid JSON document at line 1, column 7: number "1e999999999" is out of range', 'JSON: a number numeric cannot hold');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '{"a": ' || repeat('[', 1001) || repeat(']', 1001) || '}')$$,
	'CM013', 'invalid JSON document at line 1, column 1006: collections nest deeper than 1000 levels',
	'JSON: nesting deeper than 1000 levels');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_svc', '{"a": ' || repeat('[', 100000) || repeat(']', 100000) || '}')$$,
	'CM013', NULL, 'JSON: nesting 100000 levels deep is a document error, not a crash');
SELECT throws_ok($$SELECT cfgmgr.import_json('y21_e', 'y21_nope', '{}')$$, 'CM007', NULL, 'JSON: unknown service');

-- every prefix of a document: imported, or refused with CM013; never another error, never a crash
CREATE FUNCTION y21_prefixes(fmt text, doc text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	i int;
	st text;
	bad text := '';
BEGIN
	FOR i IN 0 .. length(doc) LOOP
		BEGIN
			IF fmt = 'yaml' THEN
				PERFORM cfgmgr.import_yaml('y21_e', 'y21_svc', left(doc, i), replace => true);
			ELSE
				PERFORM cfgmgr.import_json('y21_e', 'y21_svc', left(doc, i), replace => true);
			END IF;
			RAISE EXCEPTION 'imported' USING ERRCODE = 'YY001';	-- undo it
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
			IF st NOT IN ('CM013', 'YY001') THEN
				bad := bad || format('prefix %s: %s %s; ', i, st, SQLERRM);
			END IF;
		END;
	END LOOP;
	RETURN bad;
END
$$;
SELECT is(y21_prefixes('yaml', $y$%YAML 1.2
---
base: &base {timeout: 30, "retries": 3, tags: [a, 'b c']}
svc:
  <<: *base
  db.host: "h\u00e9\n"
  list:
    - !!int 0x10
    - ? k
      : |
        text
    - >-
      folded
  gone: !block
  whole: !value {x: 1}
  n: -1.5e3
...
$y$), '', 'every prefix of a YAML document is imported or refused with CM013');
SELECT is(y21_prefixes('json', $j$ {"base": {"timeout": 30, "tags": ["a", "b\"c\u00e9"]},
  "svc": {"db.host": "h", "list": [1, 2.5e-3, true, false, null, {}, []], "x y": {"": 1}}} $j$),
	'', 'every prefix of a JSON document is imported or refused with CM013');

-- ---------------------------------------------------------------------
-- Export
-- ---------------------------------------------------------------------
SAVEPOINT export;
SELECT cfgmgr.create_environment('y21_x') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('y21_x2') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'db', '{"a": 1}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'db.host', '"h"') IS NOT NULL AS ok \gset
SELECT cfgmgr.unset('y21_x', 'y21_svc', 'gone', block => true) IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'gone.back', '1') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'x.y', '[1, {"k": [], "b": {}}, [2, [3]], "s"]') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'x.z', '{"a b": {"c": null}, "": true}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'empty', '{}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'n.big', '123456789012345678901234567890.50') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'n.small', '1e-7') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'a-z', 'true') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('y21_x', 'y21_svc', 'aws.only', '1', provider => 'aws') IS NOT NULL AS ok \gset
SELECT is(cfgmgr.export_yaml('y21_x', 'y21_svc', resolved => false), $y$a-z: true
db: !value
  a: 1
db.host: h
empty: {}
gone: !block
gone.back: 1
"n":
  big: 123456789012345678901234567890.50
  small: 0.0000001
x:
  "y":
    - 1
    - b: {}
      k: []
    - - 2
      - - 3
    - s
  z: !value
    "": true
    a b:
      c: null
$y$, 'export of the stored entries: sorted keys, block style, !value, !block, dotted keys below an entry');
SELECT is(cfgmgr.export_yaml('y21_x', 'y21_svc'), $y$a-z: true
db:
  a: 1
  host: h
empty: {}
gone:
  back: 1
"n":
  big: 123456789012345678901234567890.50
  small: 0.0000001
x:
  "y":
    - 1
    - b: {}
      k: []
    - - 2
      - - 3
    - s
  z: !value
    "": true
    a b:
      c: null
$y$, 'export of the resolved document (an object whose keys are not all labels is a !value)');
SELECT is(cfgmgr.export_yaml('y21_x', 'y21_svc', 'aws', false), E'aws:\n  only: 1\n',
	'export of the provider-qualified entries');
SELECT is(cfgmgr.export_yaml('y21_x', 'y21_svc', provider => 'aws') = cfgmgr.export_yaml('y21_x', 'y21_svc'), false,
	'the resolved export for a provider includes its values');
SELECT is(cfgmgr.export_yaml('y21_x2', 'y21_svc', resolved => false), E'{}\n', 'an environment storing nothing exports {}');
SELECT is(cfgmgr.export_yaml('y21_x2', 'y21_svc'), E'{}\n', '... and so does an empty resolved document');
SELECT is(cfgmgr.export_yaml('y21_x', 'y21_svc', resolved => false),
		  cfgmgr.export_yaml('y21_x', 'y21_svc', resolved => false), 'the same configuration exports the same bytes');
SELECT y21_history() AS h4 \gset
SELECT is(cfgmgr.import_yaml('y21_x', 'y21_svc', cfgmgr.export_yaml('y21_x', 'y21_svc', resolved => false), replace => true),
	NULL, 'importing the export back (replace => true) changes nothing');
SELECT is(y21_history(), :h4::bigint, '... and writes no history');
SELECT ok(cfgmgr.import_yaml('y21_x2', 'y21_svc', cfgmgr.export_yaml('y21_x', 'y21_svc', resolved => false)) IS NOT NULL,
	'importing the export into another environment');
SELECT results_eq($$SELECT path, value, tombstone FROM y21_rows('y21_x2')$$, $$SELECT path, value, tombstone FROM y21_rows('y21_x')$$,
	'... stores exactly the same entries');
SELECT ok(cfgmgr.import_yaml('y21_x2', 'y21_svc', cfgmgr.export_yaml('y21_x', 'y21_svc'), replace => true) IS NOT NULL,
	'importing the resolved export');
SELECT is(cfgmgr.resolve('y21_x2', 'y21_svc'), cfgmgr.resolve('y21_x', 'y21_svc'), '... resolves to the same document');
ROLLBACK TO SAVEPOINT export;

-- quoting: a string is plain only when it reads back as the same string
SAVEPOINT quoting;
SELECT cfgmgr.create_environment('y21_q') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_many('y21_q', 'y21_svc', jsonb_build_object(
	'q01', '', 'q02', 'plain text', 'q03', 'null', 'q04', '~', 'q05', 'True', 'q06', 'yes', 'q07', 'Off',
	'q08', '123', 'q09', '-1.5', 'q10', '0x1F', 'q11', '.inf', 'q12', '1.2.3', 'q13', ' lead', 'q14', 'trail ',
	'q15', 'a: b', 'q16', 'a #b', 'q17', '#c', 'q18', '- d', 'q19', E'two\nlines', 'q20', 'tab' || chr(9),
	'q21', 'quote"s', 'q22', 'back\slash', 'q23', 'ends:', 'q24', '<<', 'q25', '*star', 'q26', '&amp',
	'q27', '!bang', 'q28', '{x}', 'q29', 'a:b#c d', 'q30', 'z' || chr(252) || 'rich ' || chr(128512),
	'q31', chr(133) || chr(8232) || chr(65279) || chr(1) || chr(127), 'q32', '...x', 'q33', '@at', 'q34', '%pct',
	'q35', 'a, [b]', 'q36', '=', 'q37', 'y', 'q38', '2024-01-01', 'q39', '''single', 'q40', '?x')) IS NOT NULL AS ok \gset
SELECT is(cfgmgr.export_yaml('y21_q', 'y21_svc', resolved => false), $y$q01: ""
q02: plain text
q03: "null"
q04: "~"
q05: "True"
q06: "yes"
q07: "Off"
q08: "123"
q09: "-1.5"
q10: "0x1F"
q11: ".inf"
q12: "1.2.3"
q13: " lead"
q14: "trail "
q15: "a: b"
q16: "a #b"
q17: "#c"
q18: "- d"
q19: "two\nlines"
q20: "tab\t"
q21: quote"s
q22: back\slash
q23: "ends:"
q24: "<<"
q25: "*star"
q26: "&amp"
q27: "!bang"
q28: "{x}"
q29: a:b#c d
q30: zürich 😀
q31: "\N\L\uFEFF\x01\x7F"
q32: "...x"
q33: "@at"
q34: "%pct"
q35: a, [b]
q36: =
q37: "y"
q38: "2024-01-01"
q39: "'single"
q40: "?x"
$y$, 'quoting rules');
SELECT is(cfgmgr.import_yaml('y21_q', 'y21_svc', cfgmgr.export_yaml('y21_q', 'y21_svc', resolved => false), replace => true),
	NULL, 'every quoted and plain string reads back as itself');
SELECT cfgmgr.set('y21_q', 'y21_svc', 'long', jsonb_build_object(repeat('k', 1001), 1, 'short', 2)) IS NOT NULL AS ok \gset
SELECT is(cfgmgr.export_yaml('y21_q', 'y21_svc', resolved => false) LIKE E'%long: !value\n  ? kkk%kkk\n  : 1\n  short: 2\n%',
	true, 'a key longer than 1000 bytes is written as an explicit "? key"');
SELECT is(cfgmgr.import_yaml('y21_q', 'y21_svc', cfgmgr.export_yaml('y21_q', 'y21_svc', resolved => false), replace => true),
	NULL, '... and reads back');
ROLLBACK TO SAVEPOINT quoting;

SELECT throws_ok($$SELECT cfgmgr.export_yaml('y21_nope', 'y21_svc')$$, 'CM006', NULL, 'export: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('y21_nope', 'y21_svc', resolved => false)$$, 'CM006', NULL,
	'export of stored entries: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('y21_e', 'y21_nope', resolved => false)$$, 'CM007', NULL,
	'export: unknown service');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('y21_e', 'y21_svc', 'y21_nope', false)$$, '42704', NULL,
	'export: unknown provider');
SELECT throws_ok($$SELECT cfgmgr.export_yaml('y21_e', 'y21_svc', resolved => NULL)$$, '22004', 'resolved must not be null',
	'export: NULL resolved');

SELECT * FROM finish();
ROLLBACK;
