-- bench/templates.sql - data set of bench/templates.sh (see bench/README.md,
-- "Template benchmark").  Run with psql as a superuser in a fresh database
-- holding the extension.
--
-- Environments base -> l1 -> l2 (reads are for l2, provider aws), each with
-- labels; targets of aws at l1 and l2; aws provider defaults.  Services:
--   svc_plain   100 keys section1..5.group1..4.key1..5 (3 labels deep),
--               mixed JSON types, at base with overrides at l1 and l2;
--   svc_tpl     the same keys at the same levels, where 20 values are
--               templates (bt_tpl), 5 of them references (4 to svc_tpl,
--               1 to service common); svc_plain holds, at the same level,
--               what each template renders to, so resolve('l2', 'svc_tpl',
--               'aws') must equal resolve('l2', 'svc_plain', 'aws');
--   common      the target of the cross-service reference (a template);
--   subs_tpl    100 values of 10 simple substitutions each (1,000 per
--               resolve), subs_plain the same values rendered.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

SELECT cfgmgr.create_environment('base', labels => '{"team": "core", "owner": "ops", "net": {"zone": "z1", "vpc": "vpc-9"}}');
SELECT cfgmgr.create_environment('l1', 'base', labels => '{"tier": "gold", "team": "payments", "cell": "c1"}');
SELECT cfgmgr.create_environment('l2', 'l1', labels => '{"cell": "c7"}');
UPDATE cfgmgr.provider SET variables = '{"instance_type": "t3.micro", "region": "us-east-1"}' WHERE name = 'aws';
INSERT INTO cfgmgr.target (env_id, provider, variables)
SELECT id, 'aws', v::jsonb
  FROM cfgmgr.environment e
  JOIN (VALUES ('l1', '{"region": "eu-west-1", "account_id": "123456789012"}'),
			   ('l2', '{"cluster": "k8s-7"}')) t (env, v) ON e.name = t.env;
SELECT cfgmgr.create_service(s) FROM unnest(ARRAY['svc_plain', 'svc_tpl', 'common', 'subs_tpl', 'subs_plain']) s;

CREATE SCHEMA bt;
-- the 100 paths, i = 1..100
CREATE TABLE bt.key AS
SELECT i, format('section%s.group%s.key%s', (i - 1) / 20 + 1, (i - 1) / 5 % 4 + 1, (i - 1) % 5 + 1) AS path
  FROM generate_series(1, 100) i;

-- The 20 templates: the key they are stored at, the level, and what they
-- render to in l2 for aws (NULL: a reference, rendered = the referenced
-- value of svc_plain, filled in below).
CREATE TABLE bt.tpl (n int, i int, lvl text, template text, rendered jsonb, kind text);
INSERT INTO bt.tpl VALUES
	( 1,  3, 'base', '${env.name}', '"l2"', 'env.name'),
	( 2,  8, 'l1',   'svc-${env.name}.${env.cell}.example.com', '"svc-l2.c7.example.com"', 'env.name, label'),
	( 3, 13, 'base', '${env.team}', '"payments"', 'label (l1 over base)'),
	( 4, 18, 'l2',   '${env.net.zone}', '"z1"', 'dotted label'),
	( 5, 24, 'base', '${env.owner}-${env.tier}', '"ops-gold"', 'labels'),
	( 6, 29, 'base', '${provider.region}', '"eu-west-1"', 'target (over provider default)'),
	( 7, 34, 'l1',   'arn:aws:iam::${provider.account_id}:role/${env.name}', '"arn:aws:iam::123456789012:role/l2"', 'target, env.name'),
	( 8, 39, 'base', '${provider.instance_type}', '"t3.micro"', 'provider default'),
	( 9, 45, 'l2',   '${provider.name}-${provider.cluster}', '"aws-k8s-7"', 'provider.name, target of l2'),
	(10, 50, 'base', '${env.missing:-fallback}', '"fallback"', 'default'),
	(11, 55, 'l1',   '${provider.quota:-100}', '"100"', 'default'),
	(12, 60, 'base', '${env.region:-}${env.cell}', '"c7"', 'empty default, label'),
	(13, 66, 'base', '${env.tier}: $5 {x} $$', '"gold: $5 {x} $$"', 'label, literal $ and braces'),
	(14, 71, 'l2',   's3://${env.team}-${provider.region}-logs', '"s3://payments-eu-west-1-logs"', 'label, target'),
	(15, 76, 'base', '${env.net.vpc}/${env.net.zone}/${env.cell:-none}', '"vpc-9/z1/c7"', 'dotted labels, default'),
	(16,  4, 'base', '${ref:section1.group1.key3}', '"l2"', 'ref to a template (n 1)'),
	(17, 82, 'l1',   '${ref:section1.group1.key5}', NULL, 'ref to a number (typed)'),
	(18, 87, 'base', '${ref:common.db.host}', '"db-l2.internal"', 'ref to service common (a template)'),
	(19, 92, 'base', 'http://${ref:section1.group2.key3}:8080/', '"http://svc-l2.c7.example.com:8080/"', 'interpolated ref to a template (n 2)'),
	(20, 97, 'l2',   '${ref:section4.group4}', NULL, 'ref to an object (5 keys, typed)');

-- Plain values: base for every key, overrides at l1 (i % 7 = 3) and l2
-- (i % 9 = 4) except at the templated keys; mixed JSON types.
CREATE FUNCTION bt.val(i int, lvl int) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE i % 5
		WHEN 0 THEN to_jsonb(i * 7 + lvl)
		WHEN 1 THEN to_jsonb(format('value-%s-%s', i, lvl))
		WHEN 2 THEN to_jsonb((i + lvl) % 2 = 0)
		WHEN 3 THEN to_jsonb(i + lvl + 0.5)
		ELSE jsonb_build_array(i, lvl, 'x') END $$;
CREATE TABLE bt.entry AS
SELECT 'base'::text AS env, k.path, bt.val(k.i, 0) AS value FROM bt.key k
UNION ALL
SELECT 'l1', k.path, bt.val(k.i, 1) FROM bt.key k WHERE k.i % 7 = 3 AND k.i NOT IN (SELECT i FROM bt.tpl)
UNION ALL
SELECT 'l2', k.path, bt.val(k.i, 2) FROM bt.key k WHERE k.i % 9 = 4 AND k.i NOT IN (SELECT i FROM bt.tpl);

SELECT count(cfgmgr.set(e.env, s, e.path::cfgmgr.cfgpath, e.value))
  FROM bt.entry e, unnest(ARRAY['svc_plain', 'svc_tpl']) s;
SELECT count(cfgmgr.set(t.lvl, 'svc_tpl', k.path::cfgmgr.cfgpath, to_jsonb(t.template)))
  FROM bt.tpl t JOIN bt.key k USING (i);
SELECT cfgmgr.set('base', 'common', 'db.host', '"db-${env.name}.internal"');
SELECT cfgmgr.set('base', 'common', 'db.port', '5432');
-- svc_plain: the rendered values; references take svc_plain's own value
SELECT count(cfgmgr.set(t.lvl, 'svc_plain', k.path::cfgmgr.cfgpath, t.rendered))
  FROM bt.tpl t JOIN bt.key k USING (i) WHERE t.rendered IS NOT NULL;
UPDATE bt.tpl t SET rendered = cfgmgr.resolve('l2', 'svc_plain', 'aws', render => false)
						   #> string_to_array(substring(t.template FROM '^\$\{ref:(.*)\}$'), '.')
 WHERE t.rendered IS NULL;
SELECT count(cfgmgr.set(t.lvl, 'svc_plain', k.path::cfgmgr.cfgpath, t.rendered))
  FROM bt.tpl t JOIN bt.key k USING (i) WHERE t.n IN (17, 20);

-- Throughput: 100 values of 10 simple substitutions each (${env.name} and
-- labels found at each level of the chain), and the same values rendered.
CREATE TABLE bt.subs AS
SELECT k.path,
	   repeat('a${env.name}b${env.cell}c${env.team}d${env.owner}e${env.tier}', 2) AS template,
	   repeat('al2bc7cpaymentsdopsegold', 2) AS rendered
  FROM bt.key k;
SELECT count(cfgmgr.set('base', 'subs_tpl', path::cfgmgr.cfgpath, to_jsonb(template))),
	   count(cfgmgr.set('base', 'subs_plain', path::cfgmgr.cfgpath, to_jsonb(rendered)))
  FROM bt.subs;
