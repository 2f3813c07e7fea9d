-- templates: ${env.*}, ${provider.*}, ${ref:...}, defaults, the $${ escape;
-- rendering in resolve, get, explain, provenance, render(), drift, export
-- and validation; syntax, unknown variables, cycles and secrets
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(99);

SELECT cfgmgr.create_environment('t40_base', labels => '{"team": "payments", "tier": {"name": "gold"}}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t40_prod', 't40_base', labels => '{"team": "core", "zone": 3}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t40_stg', 't40_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t40_eu', 't40_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('t40_svc') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('t40_db') IS NOT NULL AS ok \gset
UPDATE cfgmgr.provider SET variables = '{"tier": "standard", "region": "default-region"}' WHERE name = 'gcp';
INSERT INTO cfgmgr.target (env_id, provider, variables)
SELECT id, 'aws', '{"region": "us-east-1", "account_id": "123456789012", "net": {"vpc": "vpc-1"}}'
  FROM cfgmgr.environment WHERE name = 't40_prod';
INSERT INTO cfgmgr.target (env_id, provider, variables)
SELECT id, 'aws', '{"region": "eu-west-1"}' FROM cfgmgr.environment WHERE name = 't40_eu';

-- ---------------------------------------------------------------------
-- variables
-- ---------------------------------------------------------------------
SELECT is(cfgmgr.render('${env.name}', 't40_prod', 't40_svc'), 't40_prod', 'env.name');
SELECT is(cfgmgr.render('${env.team}/${env.tier.name}', 't40_prod', 't40_svc'), 'core/gold',
	'labels: the nearest environment wins, dotted labels go into objects');
SELECT is(cfgmgr.render('${env.team}', 't40_eu', 't40_svc'), 'core', 'labels are inherited');
SELECT is(cfgmgr.render('z${env.zone}', 't40_prod', 't40_svc'), 'z3', 'a number label is interpolated as text');
SELECT is(cfgmgr.render('${provider.name}:${provider.region}:${provider.account_id}:${provider.net.vpc}', 't40_prod', 't40_svc', 'aws'),
	'aws:us-east-1:123456789012:vpc-1', 'provider.name and target variables');
SELECT is(cfgmgr.render('${provider.region}/${provider.account_id}', 't40_eu', 't40_svc', 'aws'),
	'eu-west-1/123456789012', 'target variables: a deeper target overrides one variable, inherits the others');
SELECT is(cfgmgr.render('${provider.tier}-${provider.region}', 't40_prod', 't40_svc', 'gcp'),
	'standard-default-region', 'provider defaults when not deployed to the provider');
SELECT is(cfgmgr.render('${env.nope:-dflt}|${provider.nope:-x y}|${ref:nope:-}|${provider.name:-none}', 't40_prod', 't40_svc'),
	'dflt|x y||none', 'defaults, empty ones too, and for provider variables without a provider');
SELECT is(cfgmgr.render('$${env.name} $ {x} $$ a}b ${env.name}$', 't40_prod', 't40_svc'),
	'${env.name} $ {x} $$ a}b t40_prod$', '$${ is a literal ${, other dollars and braces are text');
SELECT is(cfgmgr.render('no placeholders', 't40_prod', 't40_svc'), 'no placeholders', 'plain text');

-- ---------------------------------------------------------------------
-- values and references
-- ---------------------------------------------------------------------
SELECT cfgmgr.set_many('t40_base', 't40_svc', '{
	"port": 5432, "on": true, "nothing": null, "pool": {"max": 10, "min": 2}, "hosts": ["a", "b"],
	"store": "acme-${env.name}-${env.team}",
	"region": "${provider.region:-local}",
	"port_ref": "${ref:port}", "on_ref": "${ref:on}", "null_ref": "${ref:nothing}",
	"pool_ref": "${ref:pool}", "hosts_ref": "${ref:hosts}", "max_ref": "${ref:pool_ref.max}",
	"url": "pg://${ref:t40_db.host}:${ref:port}/app?ssl=${ref:on}",
	"list": ["${env.name}", {"k": "${ref:port}"}, 3],
	"escaped": "$${literal}"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t40_base', 't40_db', 'host', '"db-${env.name}.internal"') IS NOT NULL AS ok \gset
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'store'), '"acme-t40_prod-core"', 'get renders');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'store', render => false), '"acme-${env.name}-${env.team}"',
	'get with render => false shows the stored template');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'port_ref'), '5432', 'exactly one reference takes a number''s type');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'on_ref'), 'true', '... a boolean''s');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'null_ref'), 'null', '... null');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'pool_ref'), '{"max": 10, "min": 2}', '... an object''s');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'hosts_ref'), '["a", "b"]', '... an array''s');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'max_ref'), '10', 'a reference below a value that renders to an object');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'pool_ref.min'), '2', 'get of a path below a value that renders to an object');
SELECT is(cfgmgr.get_int('t40_prod', 't40_svc', 'port_ref'), 5432::bigint, 'typed getters read the rendered value');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'url'), '"pg://db-t40_prod.internal:5432/app?ssl=true"',
	'references across services, numbers and booleans interpolated, in the referencing environment');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'list'), '["t40_prod", {"k": 5432}, 3]', 'templates inside arrays');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'escaped'), '"${literal}"', 'the escape in a stored value');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'region'), '"local"', 'neutral: the default');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'region', 'aws'), '"us-east-1"', 'for aws: the target variable');
SELECT is(cfgmgr.get('t40_eu', 't40_svc', 'region', 'aws'), '"eu-west-1"', 'for aws in a child: its own target variable');
SELECT is(cfgmgr.get('t40_stg', 't40_svc', 'store'), '"acme-t40_stg-payments"', 'each environment renders its own');
SELECT is(cfgmgr.resolve('t40_prod', 't40_svc') #> '{}', cfgmgr.resolve('t40_prod', 't40_svc'), 'resolve is a document');
SELECT is((SELECT count(*)::int FROM jsonb_each(cfgmgr.resolve('t40_prod', 't40_svc')) r
			WHERE r.value IS DISTINCT FROM cfgmgr.get('t40_prod', 't40_svc', r.key::cfgmgr.cfgpath)), 0,
	'get of every key equals resolve''s value');
SELECT is(cfgmgr.resolve('t40_prod', 't40_svc', render => false)->'pool_ref', '"${ref:pool}"',
	'resolve with render => false shows the stored templates');
SELECT is(cfgmgr.resolve('t40_prod', 't40_svc', 'aws')->>'region', 'us-east-1', 'resolve renders for the provider');
SELECT is(cfgmgr.render('${ref:pool}', 't40_prod', 't40_svc'), '{"max": 10, "min": 2}',
	'render of one reference to an object returns its JSON text');
SELECT is(cfgmgr.render('${ref:t40_db.host}', 't40_eu', 't40_svc'), 'db-t40_eu.internal', 'render follows references');

-- a service whose first label names another service is that service
SELECT is(cfgmgr.render('${ref:pool.max}', 't40_prod', 't40_svc'), '10', 'a first label that is no service: this service');

-- explain and provenance
SELECT results_eq($$SELECT source, value, winner FROM cfgmgr.explain('t40_prod', 't40_svc', 'store')$$,
	$$VALUES ('value', '"acme-${env.name}-${env.team}"'::jsonb, true), ('template', '"acme-t40_prod-core"'::jsonb, true)$$,
	'explain: the stored template, then the rendered value (source template)');
SELECT is((SELECT environment FROM cfgmgr.explain('t40_prod', 't40_svc', 'store') WHERE source = 'template'), 't40_prod',
	'the template row names the environment rendered for');
SELECT is_empty($$SELECT * FROM cfgmgr.explain('t40_prod', 't40_svc', 'port') WHERE source = 'template'$$,
	'no template row for a plain value');
SELECT is((SELECT value FROM cfgmgr.provenance('t40_prod', 't40_svc') WHERE path = 'store'), '"acme-t40_prod-core"',
	'provenance shows rendered values');
SELECT is((SELECT environment FROM cfgmgr.provenance('t40_prod', 't40_svc') WHERE path = 'store'), 't40_base',
	'... and where the template is stored');

-- export
SELECT matches(cfgmgr.export_yaml('t40_prod', 't40_svc'), 'store: acme-t40_prod-core', 'export_yaml resolved renders');
SELECT matches(cfgmgr.export_yaml('t40_prod', 't40_svc', resolved => false), '^\{\}', 'export of own entries: prod stores none');
SELECT matches(cfgmgr.export_yaml('t40_base', 't40_svc', resolved => false), 'env.name', 'export of own entries keeps templates');

-- caches follow labels and targets
SELECT cfgmgr.set_labels('t40_prod', '{"team": "platform", "zone": 3}') IS NULL AS ok \gset
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'store'), '"acme-t40_prod-platform"', 'a label change re-renders');
UPDATE cfgmgr.target SET variables = variables || '{"region": "us-west-2"}'
 WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 't40_prod');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'region', 'aws'), '"us-west-2"', 'a target change re-renders');
SELECT throws_ok($$SELECT cfgmgr.set_labels('t40_nope', '{}')$$, 'CM006', NULL, 'set_labels: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.set_labels('t40_prod', '[]')$$, '22023', NULL, 'set_labels: labels must be an object');

-- ---------------------------------------------------------------------
-- bad syntax: refused as the value is written (CM012)
-- ---------------------------------------------------------------------
SELECT throws_ok(format('SELECT cfgmgr.set(%L, %L, %L, %L)', 't40_base', 't40_svc', 'bad', v), 'CM012', NULL, what)
  FROM (VALUES ('"${env.name"', 'unterminated ${'),
			   ('"${${x}}"', 'nested ${${x}}'),
			   ('"${foo}"', 'unknown variable namespace'),
			   ('"${}"', 'empty placeholder'),
			   ('"${env.}"', 'env. without a label'),
			   ('"${ref:a..b}"', 'a reference that is no path'),
			   ('"${ env.name }"', 'spaces inside'),
			   ('["ok", {"x": "${env.name:-a${b}"}]', 'deep inside a document')) v(v, what);
SELECT throws_like(format('SELECT cfgmgr.set(%L, %L, %L, %L)', 't40_base', 't40_svc', 'bad', to_jsonb(repeat('${ref:port}', 10000))),
	'%more than 1000 placeholders%', '10,000 references in one string');
SELECT throws_like($$SELECT cfgmgr.set('t40_base', 't40_svc', 'bad', '"x ${env.name"')$$,
	'%value "bad" of service "t40_svc"%position 3%', 'the error names the path and the position');
SELECT throws_ok($$SELECT cfgmgr.render('${env.name', 't40_prod', 't40_svc')$$, 'CM012', NULL, 'render: bad syntax');
SELECT throws_ok($$SELECT cfgmgr.check_template('${${x}}')$$, 'CM012', NULL, 'check_template: nested');
SELECT lives_ok($$SELECT cfgmgr.check_template('${env.nolabel} ${ref:any.path:-x}')$$, 'check_template checks only syntax');

-- ---------------------------------------------------------------------
-- unknown variables, cycles, types, secrets: refused at commit
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.render('${env.nolabel}', 't40_prod', 't40_svc')$$, 'CM012', NULL, 'unknown label');
SELECT throws_ok($$SELECT cfgmgr.render('${ref:nope}', 't40_prod', 't40_svc')$$, 'CM012', NULL, 'unknown reference');
SELECT throws_ok($$SELECT cfgmgr.render('${provider.region}', 't40_prod', 't40_svc')$$, 'CM012', NULL, 'a provider variable without a provider');
SELECT throws_ok($$SELECT cfgmgr.render('${provider.nope}', 't40_prod', 't40_svc', 'aws')$$, 'CM012', NULL, 'an unknown provider variable');
SELECT throws_ok($$SELECT cfgmgr.render('${env.name}', 't40_prod', 't40_svc', 'nope')$$, '42704', NULL, 'unknown provider');
SELECT throws_ok($$SELECT cfgmgr.render('${env.name}', 't40_nope', 't40_svc')$$, 'CM006', NULL, 'render: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.render('${env.name}', 't40_prod', 't40_nope')$$, 'CM007', NULL, 'render: unknown service');
SELECT throws_ok($$SELECT cfgmgr.render(NULL, 't40_prod', 't40_svc')$$, '22004', NULL, 'render: NULL template');
SELECT throws_like($$SELECT cfgmgr.render('x ${ref:pool}', 't40_prod', 't40_svc')$$,
	'%is an object, which cannot be part of a string%', 'an object inside a larger string');
SELECT throws_ok($$SELECT cfgmgr.render('x ${ref:nothing}', 't40_prod', 't40_svc')$$, 'CM012', NULL, 'null inside a larger string');

SAVEPOINT s;
SELECT cfgmgr.set('t40_base', 't40_svc', 'self', '"${ref:self}"') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%cycle: t40_svc.self -> t40_svc.self%', 'self-reference: a cycle at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('t40_base', 't40_svc', 'c1', '"${ref:c2}"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t40_base', 't40_svc', 'c2', '"x${ref:c1}"') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM004', NULL, 'a two-value cycle: CM004 at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('t40_base', 't40_svc', 'anc', '{"x": "${ref:anc}"}') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM004', NULL, 'a value referencing its ancestor: a cycle');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('t40_base', 't40_db', 'loop', '"${ref:t40_svc.loop}"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t40_base', 't40_svc', 'loop', '"${ref:t40_db.loop}"') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%cycle: t40_%.loop -> t40_%.loop -> t40_%.loop%', 'a cycle across services');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('t40_base', 't40_svc', 'unk', '"${env.nolabel}"') IS NOT NULL AS ok \gset
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM012', NULL, 'an unknown label: CM012 at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.unset('t40_base', 't40_svc', 'port') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%"port" of service "t40_svc" is not set%',
	'unsetting a referenced value: refused at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('t40_base', 't40_svc', 'pv', '"${provider.zone}"', provider => 'azure') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$,
	'a provider variable of a provider nobody is deployed to is not an error at commit (not rendered there)');
SELECT throws_ok($$SELECT cfgmgr.get('t40_prod', 't40_svc', 'pv', 'azure')$$, 'CM012', NULL, '... but reading it for that provider is');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
UPDATE cfgmgr.target SET variables = '{"region": "eu-west-1", "zone": "a"}'
 WHERE env_id = (SELECT id FROM cfgmgr.environment WHERE name = 't40_eu');
SELECT cfgmgr.set('t40_prod', 't40_svc', 'pv', '"${provider.zone}"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%provider "aws"%"${provider.zone}"%',
	'a target without the variable its configuration needs: refused at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
-- secrets (stored directly: the entry trigger encrypts them with this key)
SELECT '/tmp/cfgmgr_t40_' || pg_backend_pid() || '.key' AS keyfile \gset
SELECT format('COPY (SELECT encode(sha256(%L), %L)) TO %L', 't40', 'hex', :'keyfile') \gexec
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'chmod 600 ' || :'keyfile') \gexec
SELECT set_config('cfgmgr.key_file', :'keyfile', false) IS NOT NULL AS ok \gset
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, secret, changeset)
SELECT e.id, s.id, 'pw', '"hunter2"', true, 0 FROM cfgmgr.environment e, cfgmgr.service s
 WHERE e.name = 't40_base' AND s.name = 't40_svc';
SELECT cfgmgr.set('t40_base', 't40_svc', 'dsn', '"user:${ref:pw}"') IS NOT NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%references a secret%',
	'a plain value referencing a secret: refused');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
SELECT set_config('cfgmgr.key_file', :'keyfile', false) IS NOT NULL AS ok \gset
INSERT INTO cfgmgr.entry (env_id, service_id, path, value, secret, changeset)
SELECT e.id, s.id, p, v, true, 0 FROM cfgmgr.environment e, cfgmgr.service s,
	(VALUES ('pw'::cfgmgr.cfgpath, '"hunter2"'::jsonb), ('dsn', '"user:${ref:pw}"')) x(p, v)
 WHERE e.name = 't40_base' AND s.name = 't40_svc';
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'a secret may reference a secret');
SELECT is(cfgmgr.get('t40_prod', 't40_svc', 'dsn'), '"user:hunter2"', '... and renders (for a role that may read it)');
SELECT throws_ok($$SELECT cfgmgr.render('${ref:pw}', 't40_prod', 't40_svc')$$, 'CM012', NULL,
	'render() refuses secrets');
ROLLBACK TO SAVEPOINT s;
SELECT format('COPY (SELECT 1) TO PROGRAM %L', 'rm -f ' || :'keyfile') \gexec
RESET cfgmgr.key_file;
SET CONSTRAINTS ALL DEFERRED;
-- a base template may use a label only its leaves have; each leaf must have it
SELECT cfgmgr.set_labels('t40_stg', '{"zone": 1}') IS NULL AS ok \gset
SELECT cfgmgr.set('t40_base', 't40_db', 'lbl', '"z${env.zone}"') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$,
	'a label missing only in an environment with children (every leaf has it): accepted');
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set_labels('t40_stg', '{}') IS NULL AS ok \gset
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%environment "t40_stg" cannot be rendered: unknown variable "${env.zone}"%',
	'a leaf without it: refused at commit');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
-- both ends set in one transaction: fine
SELECT cfgmgr.set('t40_stg', 't40_svc', 'later', '"${ref:t40_db.later}"') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t40_stg', 't40_db', 'later', '7') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'a reference and its value written in one transaction');
SELECT is(cfgmgr.get('t40_stg', 't40_svc', 'later'), '7', '... render together');
ROLLBACK TO SAVEPOINT s;
SET CONSTRAINTS ALL DEFERRED;
RELEASE SAVEPOINT s;

-- ---------------------------------------------------------------------
-- validate: template errors are rows; provider rules apply
-- ---------------------------------------------------------------------
SELECT cfgmgr.set('t40_base', 't40_db', 'pv', '"${provider.zone}"') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, keyword FROM cfgmgr.validate('t40_prod', 't40_db')$$,
	$$VALUES ('pv', 'template')$$, 'validate reports a value that cannot render');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('t40_eu', 't40_db', 'gcp') WHERE keyword <> 'template'$$,
	'no rules, no violations');
SELECT cfgmgr.unset('t40_base', 't40_db', 'pv') IS NOT NULL AS ok \gset
UPDATE cfgmgr.provider SET rules = '{"properties": {"store": {"type": "string", "pattern": "^[a-z0-9-]+$"}}}' WHERE name = 'gcp';
SELECT results_eq($$SELECT path, keyword FROM cfgmgr.validate('t40_prod', 't40_svc', 'gcp')$$,
	$$VALUES ('/store', 'gcp:pattern')$$, 'validate applies the provider''s rules to the rendered configuration');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('t40_prod', 't40_svc', 'aws') WHERE keyword LIKE 'gcp:%'$$,
	'other providers'' rules do not apply');
SAVEPOINT r;
SELECT cfgmgr.set('t40_stg', 't40_svc', 'x', '1') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'at commit, rules apply only to targets of the provider');
SET CONSTRAINTS ALL DEFERRED;
INSERT INTO cfgmgr.target (env_id, provider, variables) SELECT id, 'gcp', '{}' FROM cfgmgr.environment WHERE name = 't40_stg';
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL, 'a new target must satisfy the provider''s rules');
ROLLBACK TO SAVEPOINT r;
SET CONSTRAINTS ALL DEFERRED;

-- ---------------------------------------------------------------------
-- drift: the same template rendered differently is expected
-- ---------------------------------------------------------------------
SELECT results_eq($$SELECT path, kind, expected, reason FROM cfgmgr.drift('t40_prod', 't40_stg', 't40_svc')
					 WHERE path IN ('store', 'url')$$,
	$$VALUES ('store', 'changed', true, 'template'), ('url', 'changed', true, 'template')$$,
	'drift: template-only differences are expected (reason template)');
SELECT is((SELECT left_value FROM cfgmgr.drift('t40_prod', 't40_stg', 't40_svc') WHERE path = 'store'),
	'"acme-t40_prod-platform"', 'drift compares rendered values');
SELECT cfgmgr.set('t40_stg', 't40_svc', 'store', '"acme-${env.name}-other"') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT kind, expected FROM cfgmgr.drift('t40_prod', 't40_stg', 't40_svc') WHERE path = 'store'$$,
	$$VALUES ('changed', false)$$, 'different templates: unexpected drift');
SELECT cfgmgr.set('t40_stg', 't40_svc', 'store', '"acme-t40_prod-platform"') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.drift('t40_prod', 't40_stg', 't40_svc') WHERE path = 'store'$$,
	'a literal equal to the other side''s rendered template: no drift');
SELECT cfgmgr.set('t40_base', 't40_svc', 'obj', '{"name": "${env.name}", "n": 1}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('t40_stg', 't40_svc', 'obj.n', '1') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, expected, reason FROM cfgmgr.drift('t40_prod', 't40_stg', 't40_svc') WHERE path LIKE 'obj%'$$,
	$$VALUES ('obj.name', true, 'template')$$, 'an object cluster: rendered and reasoned the same way');
SELECT results_eq($$SELECT path, expected, reason, left_value, right_value FROM cfgmgr.drift('t40_prod', 't40_eu', 't40_svc', 'aws')
					 WHERE path = 'region'$$,
	$$VALUES ('region', true, 'template', '"us-west-2"'::jsonb, '"eu-west-1"'::jsonb)$$,
	'for a provider: target variables rendered per environment');
SELECT cfgmgr.report_observed('t40_prod', 't40_svc', cfgmgr.resolve('t40_prod', 't40_svc')) IS NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.drift_observed('t40_prod', 't40_svc')$$,
	'drift_observed compares the rendered configuration');

SELECT * FROM finish();
ROLLBACK;
