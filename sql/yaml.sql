--
-- yaml: import_yaml, import_json and export_yaml with their full messages
-- (primary, DETAIL, HINT) for a valid document and each kind of bad input.
-- Objects are prefixed ry_ (the regression database is shared with other
-- files); the environments are dropped at the end.
--
\set VERBOSITY default

SELECT cfgmgr.create_environment('ry_base') > 0 AS created;
SELECT cfgmgr.create_environment('ry_prod', 'ry_base') > 0 AS created;
SELECT cfgmgr.create_service('ry_api') > 0 AS created;

SELECT cfgmgr.import_yaml('ry_base', 'ry_api', $y$
defaults: &defaults
  timeout: 30
  retries: 3
db:
  host: db.internal          # a comment
  port: 5432
  pool.max: 10
  ratio: 0.75
  replicas: [r1, r2]
  tls: true
http:
  <<: *defaults
  timeout: 5
  headers:
    Content Type: application/json
version: "1.2.3"
$y$, message => 'initial import') IS NOT NULL AS imported;
SELECT cfgmgr.import_yaml('ry_prod', 'ry_api', E'db:\n  host: prod-db\n  tls: !block\n') IS NOT NULL AS imported;
SELECT path, value, tombstone FROM cfgmgr."values" WHERE service = 'ry_api' ORDER BY environment, path;
SELECT cfgmgr.export_yaml('ry_base', 'ry_api', resolved => false);
SELECT cfgmgr.export_yaml('ry_prod', 'ry_api', resolved => false);
SELECT cfgmgr.export_yaml('ry_prod', 'ry_api');
-- the same document again: NULL, nothing written
SELECT cfgmgr.import_yaml('ry_prod', 'ry_api', cfgmgr.export_yaml('ry_prod', 'ry_api', resolved => false),
						  replace => true) AS changeset;

-- bad documents
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a:\n  b: 1\n c: 2\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: 1\nb: 2\na: 3\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'db.host: a\ndb:\n  host: b\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'"Content Type": x\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: !foo 1\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: !!int ten\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: .inf\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: 1\n---\nb: 2\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'- a\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', '');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: &x [*x]\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: !secret hunter2\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', E'a: b\u0001\n');
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', $y$
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
$y$);
SET cfgmgr.import_max_size = '1kB';
SELECT cfgmgr.import_yaml('ry_base', 'ry_api', repeat(E'a: 1\n', 300));
RESET cfgmgr.import_max_size;
SELECT cfgmgr.import_yaml('ry_nope', 'ry_api', E'a: 1\n');
SELECT cfgmgr.import_json('ry_base', 'ry_api', E'{"a": 1,\n "b": {"c": 2, "c": 3}}');
SELECT cfgmgr.import_json('ry_base', 'ry_api', E'{"a": 1,\n "b": [1, 2,]}');
SELECT cfgmgr.import_json('ry_base', 'ry_api', '[1]');

SELECT cfgmgr.drop_environment('ry_base', cascade => true) > 0 AS dropped;
