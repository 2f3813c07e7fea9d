-- Providers as data: the shipped aws/azure/gcp rules (tested directly with
-- validate_document), x-message, register_provider, set_target /
-- drop_target, and the views targets, providers and provider_regions.
-- (Provider rules applied by cfgmgr.validate and at commit, and rendering:
-- test/42_provider_validation.sql.)
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(334);

-- helpers: is doc valid for provider p's rules; the violations as "path keyword"
CREATE FUNCTION pg_temp.valid(p text, doc jsonb) RETURNS bool LANGUAGE sql AS
$$ SELECT cfgmgr.is_valid(pr.rules, doc) FROM cfgmgr.provider pr WHERE pr.name = p $$;
CREATE FUNCTION pg_temp.errs(p text, doc jsonb) RETURNS text LANGUAGE sql AS
$$ SELECT string_agg(v.path || ' ' || v.keyword, ', ' ORDER BY v.path, v.keyword)
	 FROM cfgmgr.provider pr, cfgmgr.validate_document(pr.rules, doc) v WHERE pr.name = p $$;
CREATE FUNCTION pg_temp.msgs(p text, doc jsonb) RETURNS text[] LANGUAGE sql AS
$$ SELECT array_agg(v.message ORDER BY v.path)
	 FROM cfgmgr.provider pr, cfgmgr.validate_document(pr.rules, doc) v WHERE pr.name = p $$;

-- =====================================================================
-- The shipped rules
-- =====================================================================

-- they are valid 2020-12 schemas, with $defs.region and $defs.target ----
SELECT is((SELECT count(*)::int FROM cfgmgr.provider p,
				  cfgmgr.validate_document('{"$ref": "https://json-schema.org/draft/2020-12/schema"}', p.rules) v
			WHERE p.builtin), 0, 'shipped rules satisfy the 2020-12 meta-schema');
SELECT is((SELECT count(*)::int FROM cfgmgr.provider p
			WHERE p.builtin AND jsonb_typeof(p.rules #> '{$defs,region,enum}') = 'array'
			  AND p.rules #> '{$defs,target}' IS NOT NULL), 3, 'aws, azure and gcp have $defs.region and $defs.target');

-- S3 bucket names ---------------------------------------------------------
SELECT is(pg_temp.valid('aws', jsonb_build_object('bucket', c.n)), c.ok, 'S3 bucket ' || c.d)
  FROM (VALUES ('abc', true, '3 characters'),
			   (repeat('a', 63), true, '63 characters'),
			   ('my.bucket-1', true, 'dots and hyphens'),
			   ('1bucket9', true, 'digits at both ends'),
			   ('192.168.1', true, 'three numbers is not an IP address'),
			   ('ab', false, '2 characters'),
			   (repeat('a', 64), false, '64 characters'),
			   ('My-bucket', false, 'uppercase'),
			   ('my_bucket', false, 'underscore'),
			   ('-abc', false, 'starting with a hyphen'),
			   ('abc-', false, 'ending with a hyphen'),
			   ('.abc', false, 'starting with a dot'),
			   ('abc.', false, 'ending with a dot'),
			   ('a..b', false, 'two adjacent dots'),
			   ('192.168.1.1', false, 'an IP address'),
			   ('xn--abc', false, 'prefix xn--'),
			   ('sthree-abc', false, 'prefix sthree-'),
			   ('amzn-s3-demo-abc', false, 'prefix amzn-s3-demo-'),
			   ('abc-s3alias', false, 'suffix -s3alias'),
			   ('abc--ol-s3', false, 'suffix --ol-s3'),
			   ('abc.mrap', false, 'suffix .mrap'),
			   ('abc--x-s3', false, 'suffix --x-s3'),
			   ('abc--table-s3', false, 'suffix --table-s3')) AS c(n, ok, d);
SELECT is(pg_temp.valid('aws', jsonb_build_object(c.k, 'Bad_Name')), false, 'S3 bucket key convention: ' || c.k)
  FROM (VALUES ('bucket'), ('bucket_name'), ('bucket-name'), ('log_bucket'), ('log_bucket_name'),
			   ('bucketName'), ('logsBucket'), ('BucketName')) AS c(k);
SELECT is(pg_temp.valid('aws', jsonb_build_object(c.k, 'Bad_Name')), true, 'not a bucket key: ' || c.k)
  FROM (VALUES ('buckets'), ('bucketing'), ('mybucket'), ('bucket_count')) AS c(k);
SELECT is(pg_temp.msgs('aws', '{"bucket": "A"}'),
		  ARRAY['S3 bucket names are 3 to 63 characters of lowercase letters, digits, dots and hyphens, start and end with a letter or digit, contain no "..", are not IP addresses, do not start with "xn--", "sthree-" or "amzn-s3-demo-" and do not end with "-s3alias", "--ol-s3", ".mrap", "--x-s3" or "--table-s3"'],
		  'a bucket failing minLength and pattern: one row with the rule''s message');

-- Azure storage accounts --------------------------------------------------
SELECT is(pg_temp.valid('azure', jsonb_build_object('storage_account', c.n)), c.ok, 'Azure storage account ' || c.d)
  FROM (VALUES ('abc', true, '3 characters'),
			   (repeat('a', 24), true, '24 characters'),
			   ('store01', true, 'letters and digits'),
			   ('ab', false, '2 characters'),
			   (repeat('a', 25), false, '25 characters'),
			   ('Store01', false, 'uppercase'),
			   ('store-01', false, 'hyphen'),
			   ('store_01', false, 'underscore')) AS c(n, ok, d);
SELECT is(pg_temp.valid('azure', jsonb_build_object(c.k, 'Bad-Name')), false, 'storage account key convention: ' || c.k)
  FROM (VALUES ('storage_account'), ('storage_account_name'), ('storageAccountName'), ('logs_storage_account'),
			   ('diagStorageAccount')) AS c(k);

-- GCS bucket names --------------------------------------------------------
SELECT is(pg_temp.valid('gcp', jsonb_build_object('bucket', c.n)), c.ok, 'GCS bucket ' || c.d)
  FROM (VALUES ('abc', true, '3 characters'),
			   (repeat('a', 63), true, '63 characters'),
			   ('my_bucket-1', true, 'underscore and hyphen'),
			   ('a.b.c', true, 'dots'),
			   (repeat('a', 63) || '.' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 30), true,
				'222 characters with dots'),
			   (repeat('a', 63) || '.' || repeat('b', 63) || '.' || repeat('c', 63) || '.' || repeat('d', 31), false,
				'223 characters with dots'),
			   ('ab', false, '2 characters'),
			   (repeat('a', 64), false, '64 characters without dots'),
			   (repeat('a', 64) || '.b', false, 'a dot-separated part of 64 characters'),
			   ('Abc', false, 'uppercase'),
			   ('_abc', false, 'starting with an underscore'),
			   ('abc_', false, 'ending with an underscore'),
			   ('10.0.0.1', false, 'an IP address'),
			   ('goog-bucket', false, 'prefix goog'),
			   ('my-google-bucket', false, 'containing google'),
			   ('my-g00gle', false, 'a close misspelling of google')) AS c(n, ok, d);

-- instance and VM sizes ---------------------------------------------------
SELECT is(pg_temp.valid('aws', jsonb_build_object('instance_type', c.n)), c.ok, 'EC2 instance type ' || c.n)
  FROM (VALUES ('m5.large', true), ('t3.micro', true), ('u-6tb1.metal', true), ('u-6tb1.112xlarge', true),
			   ('m7i.metal-24xl', true), ('c7i-flex.large', true), ('x2iedn.32xlarge', true),
			   ('mac2-m2pro.metal', true), ('ml.m5.xlarge', true), ('r6g.large.search', true),
			   ('m5', false), ('M5.large', false), ('m5.huge', false), ('m5 large', false),
			   ('Standard_D2s_v3', false)) AS c(n, ok);
SELECT is(pg_temp.valid('aws', jsonb_build_object('db', jsonb_build_object('instance_class', c.n))), c.ok,
		  'RDS instance class ' || c.n)
  FROM (VALUES ('db.r6g.large', true), ('db.serverless', true), ('r6g.large', false)) AS c(n, ok);
SELECT is(pg_temp.valid('azure', jsonb_build_object('vm_size', c.n)), c.ok, 'Azure VM size ' || c.n)
  FROM (VALUES ('Standard_D2s_v3', true), ('Standard_E64-32s_v3', true), ('Basic_A1', true),
			   ('Standard_NC24ads_A100_v4', true), ('Standard_B1ls', true),
			   ('D2s_v3', false), ('standard_d2s_v3', false), ('Standard_', false), ('m5.large', false)) AS c(n, ok);
SELECT is(pg_temp.valid('gcp', jsonb_build_object('machine_type', c.n)), c.ok, 'GCE machine type ' || c.n)
  FROM (VALUES ('n2-standard-4', true), ('e2-micro', true), ('n1-custom-2-4096', true), ('a3-highgpu-8g', true),
			   ('custom-2-4096', true), ('c3-standard-4-lssd', true), ('f1-micro', true),
			   ('m5.large', false), ('n2_standard_4', false), ('N2-standard-4', false), ('n2-giant-4', false)) AS c(n, ok);
SELECT is(pg_temp.valid(c.p, jsonb_build_object(c.k, 'nonsense!')), false, c.p || ' size key convention: ' || c.k)
  FROM (VALUES ('aws', 'instanceType'), ('aws', 'worker_instance_type'), ('aws', 'InstanceType'),
			   ('azure', 'vmSize'), ('azure', 'node_vm_size'), ('gcp', 'machineType'), ('gcp', 'node_machine_type')) AS c(p, k);

-- tags and labels ---------------------------------------------------------
SELECT is(pg_temp.valid('aws', jsonb_build_object('tags', c.t)), c.ok, 'AWS tags: ' || c.d)
  FROM (VALUES ('{"Name": "web", "Cost Center": "a/b+c=d@e:f_g.h-i"}'::jsonb, true, 'allowed characters'),
			   (jsonb_build_object(repeat('k', 128), 'v'), true, 'key of 128 characters'),
			   (jsonb_build_object(repeat('k', 129), 'v'), false, 'key of 129 characters'),
			   (jsonb_build_object('k', repeat('v', 256)), true, 'value of 256 characters'),
			   (jsonb_build_object('k', repeat('v', 257)), false, 'value of 257 characters'),
			   ('{"": "v"}', false, 'empty key'),
			   ('{"k": ""}', true, 'empty value'),
			   ('{"aws:created": "v"}', false, 'key starting with aws:'),
			   ('{"AWS:created": "v"}', false, 'key starting with AWS:'),
			   ('{"my-aws:x": "v"}', true, 'aws: not at the start'),
			   ('{"a#b": "v"}', false, 'key with #'),
			   ('{"k": "a#b"}', false, 'value with #'),
			   ('{"k": 5}', true, 'a non-string value is not checked'),
			   ((SELECT jsonb_object_agg('k' || i, 'v') FROM generate_series(1, 50) i), true, '50 tags'),
			   ((SELECT jsonb_object_agg('k' || i, 'v') FROM generate_series(1, 51) i), false, '51 tags'),
			   ('[{"Key": "Name", "Value": "web"}]', true, 'Key/Value list'),
			   ('[{"Key": "aws:x", "Value": "web"}]', false, 'Key/Value list with an aws: key'),
			   ('["a", "b"]', true, 'a list of strings is not checked')) AS c(t, ok, d);
SELECT is(pg_temp.valid('azure', jsonb_build_object('tags', c.t)), c.ok, 'Azure tags: ' || c.d)
  FROM (VALUES ('{"Cost Center": "x", "env": "prod"}'::jsonb, true, 'plain names'),
			   (jsonb_build_object(repeat('k', 512), 'v'), true, 'name of 512 characters'),
			   (jsonb_build_object(repeat('k', 513), 'v'), false, 'name of 513 characters'),
			   (jsonb_build_object('k', repeat('v', 256)), true, 'value of 256 characters'),
			   (jsonb_build_object('k', repeat('v', 257)), false, 'value of 257 characters'),
			   ('{"": "v"}', false, 'empty name'),
			   ('{"a<b": "v"}', false, 'name with <'),
			   ('{"a>b": "v"}', false, 'name with >'),
			   ('{"a%b": "v"}', false, 'name with %'),
			   ('{"a&b": "v"}', false, 'name with &'),
			   ('{"a\\b": "v"}', false, 'name with a backslash'),
			   ('{"a?b": "v"}', false, 'name with ?'),
			   ('{"a/b": "v"}', false, 'name with /'),
			   ((SELECT jsonb_object_agg('k' || i, 'v') FROM generate_series(1, 51) i), false, '51 tags')) AS c(t, ok, d);
SELECT is(pg_temp.valid('gcp', jsonb_build_object('labels', c.t)), c.ok, 'GCP labels: ' || c.d)
  FROM (VALUES ('{"env": "prod", "team_a": "x-1"}'::jsonb, true, 'plain labels'),
			   ('{"env": ""}', true, 'empty value'),
			   (jsonb_build_object(repeat('k', 63), 'v'), true, 'key of 63 characters'),
			   (jsonb_build_object(repeat('k', 64), 'v'), false, 'key of 64 characters'),
			   (jsonb_build_object('k', repeat('v', 63)), true, 'value of 63 characters'),
			   (jsonb_build_object('k', repeat('v', 64)), false, 'value of 64 characters'),
			   ('{"Env": "prod"}', false, 'uppercase key'),
			   ('{"1env": "prod"}', false, 'key starting with a digit'),
			   ('{"": "prod"}', false, 'empty key'),
			   ('{"env": "Prod"}', false, 'uppercase value'),
			   ('{"env": "a.b"}', false, 'value with a dot'),
			   ('{"équipe": "données"}', true, 'international lowercase letters'),
			   ((SELECT jsonb_object_agg('k' || i, 'v') FROM generate_series(1, 64) i), true, '64 labels'),
			   ((SELECT jsonb_object_agg('k' || i, 'v') FROM generate_series(1, 65) i), false, '65 labels')) AS c(t, ok, d);
SELECT is(pg_temp.errs('aws', '{"tags": {"aws:a": "x", "b": "a#b", "c": "ok"}}'), '/tags propertyNames, /tags/b pattern',
		  'AWS tags: one row per failing place');

-- regions, zones, locations -----------------------------------------------
SELECT is(pg_temp.valid(c.p, jsonb_build_object(c.k, c.v)), c.ok, c.p || ' ' || c.k || ' = ' || c.v)
  FROM (VALUES ('aws', 'region', 'us-east-1', true),
			   ('aws', 'region', 'us-gov-west-1', true),
			   ('aws', 'region', 'cn-north-1', true),
			   ('aws', 'region', 'us-east-9', false),
			   ('aws', 'region', 'US-EAST-1', false),
			   ('aws', 'region', 'eu', false),
			   ('aws', 'aws_region', 'eu-west-9', false),
			   ('aws', 'backupRegion', 'eu-west-9', false),
			   ('aws', 'Region', 'eu-west-9', false),
			   ('aws', 'availability_zone', 'us-east-1a', true),
			   ('aws', 'availability_zone', 'use1-az1', true),
			   ('aws', 'availability_zone', 'us-west-2-lax-1a', true),
			   ('aws', 'availability_zone', 'us-east-1', false),
			   ('aws', 'availability_zone', 'us-east-9a', false),
			   ('azure', 'location', 'westeurope', true),
			   ('azure', 'location', 'global', true),
			   ('azure', 'location', 'West Europe', false),
			   ('azure', 'location', 'westeurope2', false),
			   ('azure', 'location', '/var/log/app', true),
			   ('azure', 'region', 'eastus', true),
			   ('azure', 'region', 'us-east-1', false),
			   ('gcp', 'region', 'us-central1', true),
			   ('gcp', 'region', 'us-central', false),
			   ('gcp', 'zone', 'us-central1-a', true),
			   ('gcp', 'zone', 'us-central1', false),
			   ('gcp', 'zone', 'us-central9-a', false),
			   ('gcp', 'zone', 'example.com.', true),
			   ('gcp', 'time_zone', 'Europe/Paris', true)) AS c(p, k, v, ok);
SELECT is(pg_temp.valid(c.p, c.doc), c.ok, c.p || ' region lists: ' || c.doc::text)
  FROM (VALUES ('aws', '{"regions": ["us-east-1", "eu-west-1"]}'::jsonb, true),
			   ('aws', '{"regions": ["us-east-1", "nowhere"]}', false),
			   ('aws', '{"availability_zones": ["us-east-1a", "us-east-1"]}', false),
			   ('azure', '{"locations": ["westeurope", "northeurope"]}', true),
			   ('azure', '{"locations": ["westeurope", "narnia"]}', false),
			   ('gcp', '{"zones": ["us-central1-a", "us-central1"]}', false)) AS c(p, doc, ok);
SELECT is((SELECT count(*)::int FROM cfgmgr.provider_regions r
			WHERE NOT pg_temp.valid(r.provider, jsonb_build_object('region', r.region))), 0,
		  'every listed region passes its region rule');
SELECT is((SELECT count(*)::int FROM cfgmgr.provider_regions r
			WHERE r.provider = 'gcp' AND NOT pg_temp.valid('gcp', jsonb_build_object('zone', r.region || '-b'))), 0,
		  'every GCP region with a zone letter is a zone');
SELECT is((SELECT count(*)::int FROM cfgmgr.provider_regions r
			WHERE r.provider = 'aws' AND NOT pg_temp.valid('aws', jsonb_build_object('availability_zone', r.region || 'a'))), 0,
		  'every AWS region with a zone letter is an availability zone');

-- account, subscription and project ids -----------------------------------
SELECT is(pg_temp.valid(c.p, jsonb_build_object(c.k, c.v)), c.ok, c.p || ' ' || c.k || ' = ' || c.v::text)
  FROM (VALUES ('aws', 'account_id', '"123456789012"'::jsonb, true),
			   ('aws', 'account_id', '"12345678901"', false),
			   ('aws', 'account_id', '"1234567890123"', false),
			   ('aws', 'sharedAccountId', '"abc"', false),
			   ('aws', 'account_id', '123456789012', true),
			   ('aws', 'role_arn', '"arn:aws:iam::123456789012:role/deploy"', true),
			   ('aws', 'bucket_arn', '"arn:aws:s3:::my-bucket"', true),
			   ('aws', 'role_arn', '"role/deploy"', false),
			   ('azure', 'subscription_id', '"0b1f6471-1bf0-4dda-aec3-cb9272f09590"', true),
			   ('azure', 'subscription_id', '"0b1f6471-1bf0-4dda-aec3"', false),
			   ('azure', 'tenantId', '"not-a-uuid"', false),
			   ('azure', 'resource_group', '"rg-prod_1.(eu)"', true),
			   ('azure', 'resource_group', '"rg."', false),
			   ('azure', 'resource_group', to_jsonb(repeat('r', 90)), true),
			   ('azure', 'resource_group', to_jsonb(repeat('r', 91)), false),
			   ('gcp', 'project_id', '"my-project-123"', true),
			   ('gcp', 'project', '"abcdef"', true),
			   ('gcp', 'project', '"abcde"', false),
			   ('gcp', 'project', to_jsonb('a' || repeat('b', 29)), true),
			   ('gcp', 'project', to_jsonb('a' || repeat('b', 30)), false),
			   ('gcp', 'project', '"my-project-"', false),
			   ('gcp', 'projectId', '"1project"', false)) AS c(p, k, v, ok);

-- nested placement --------------------------------------------------------
SELECT is(pg_temp.errs('aws', '{"a": {"b": [{"c": {"bucket": "BAD"}}, {"d": 1}]}}'), '/a/b/0/c/bucket pattern',
		  'a bucket deep in the tree, inside an array: reported at its path');
SELECT is(pg_temp.errs('gcp', '{"l": [[{"bucket": "google"}]], "m": {"n": {"machine_type": "big"}}}'),
		  '/l/0/0/bucket not, /m/n/machine_type pattern', 'arrays of arrays and nested objects are walked');
SELECT is(pg_temp.errs('azure', '{"x": [{"tags": {"a/b": "1"}}], "y": {"location": "mars"}}'),
		  '/x/0/tags propertyNames, /y/location anyOf', 'azure: nested tags and location');
SELECT is(pg_temp.errs('aws', '{"region": {"region": "nowhere"}}'), '/region/region enum',
		  'a region key holding an object is walked into, not checked');

-- no false positives ------------------------------------------------------
SELECT ok(pg_temp.valid(p.name, d.doc), p.name || ': no false positive on ' || d.doc::text)
  FROM cfgmgr.provider p,
	   (VALUES ('{"db": {"host": "db.internal", "port": 5432, "pool": {"min": 2, "max": 10}}, "log": "info"}'::jsonb),
			   ('{"region": {"primary": "x", "failover": null}}'),
			   ('{"region": null, "bucket": 42, "tags": ["a", "b"], "labels": ["x"]}'),
			   ('{"bucket": {"name": "x"}, "instance_type": {"cpu": 2}, "storage_account": [1]}'),
			   ('42'), ('"region"'), ('[1, "us-east-9"]'), ('{}')) AS d(doc)
 WHERE p.builtin;

-- =====================================================================
-- x-message in the engine
-- =====================================================================
CREATE TEMP TABLE x41 AS SELECT '{"properties": {"a": {"x-message": "a is short and lowercase", "maxLength": 3, "pattern": "^[a-z]*$"}, "o": {"x-message": "o holds small numbers", "additionalProperties": {"maximum": 5}}, "n": {"x-message": "outer", "properties": {"m": {"x-message": "inner", "minimum": 1}}}, "s": {"x-message": "no match", "anyOf": [{"x-message": "never shown", "type": "string"}, {"type": "null"}]}}}'::jsonb AS s;
SELECT results_eq($$SELECT path, keyword, message FROM cfgmgr.validate_document((SELECT s FROM x41), '{"a": "ABCDEF"}')$$,
	$$VALUES ('/a', 'maxLength', 'a is short and lowercase')$$,
	'x-message: one row per path, the first keyword kept, the message replaced');
SELECT results_eq($$SELECT path, keyword, message FROM cfgmgr.validate_document((SELECT s FROM x41), '{"o": {"p": 6, "q": 1, "r": 9}}') ORDER BY path$$,
	$$VALUES ('/o/p', 'maximum', 'o holds small numbers'), ('/o/r', 'maximum', 'o holds small numbers')$$,
	'x-message: failures at two paths give two rows with the same text');
SELECT results_eq($$SELECT path, keyword, message FROM cfgmgr.validate_document((SELECT s FROM x41), '{"n": {"m": 0}}')$$,
	$$VALUES ('/n/m', 'minimum', 'outer')$$, 'x-message: the outermost failing one wins');
SELECT results_eq($$SELECT path, keyword, message FROM cfgmgr.validate_document((SELECT s FROM x41), '{"s": 1}')$$,
	$$VALUES ('/s', 'anyOf', 'no match')$$, 'x-message: alternatives are silent, the enclosing one speaks');
SELECT is_empty($$SELECT * FROM cfgmgr.validate_document((SELECT s FROM x41), '{"a": "ab", "o": {"p": 1}, "n": {"m": 2}, "s": null}')$$,
	'x-message: a valid document has no rows');
SELECT ok(NOT cfgmgr.is_valid((SELECT s FROM x41), '{"a": "ABCDEF"}'), 'x-message: is_valid unchanged');
SELECT throws_ok($$SELECT cfgmgr.is_valid('{"x-message": 1}', '1')$$, '22023', 'invalid JSON Schema',
	'x-message must be a string');

-- =====================================================================
-- register_provider
-- =====================================================================
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41', '{"tier": "gold"}',
	'{"$defs": {"target": {"type": "object", "required": ["k"], "properties": {"k": {"type": "string"}},
	  "dependentSchemas": {"x": {"properties": {"k": {"const": "with-x"}}}}}},
	  "properties": {"endpoint": {"x-message": "endpoints are https URLs", "pattern": "^https://"}}}',
	'Provider 41')$$, 'register_provider creates a provider');
SELECT results_eq($$SELECT name COLLATE "default", description, builtin, variables, has_rules, regions, targets FROM cfgmgr.providers WHERE name = 'p41'$$,
	$$VALUES ('p41'::text, 'Provider 41'::text, false, '{"tier": "gold"}'::jsonb, true, NULL::int, 0)$$,
	'providers view shows it');
SELECT ok(EXISTS (SELECT FROM cfgmgr.changeset c WHERE c.xid = pg_current_xact_id()),
	'a provider change belongs to a changeset');
SELECT ok(NOT has_function_privilege('public', 'cfgmgr.register_provider(text, jsonb, jsonb, text, bool)', 'EXECUTE'),
	'register_provider is not executable by PUBLIC');
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41', '{"tier": "silver"}',
	(SELECT rules FROM cfgmgr.provider WHERE name = 'p41'))$$, 'register_provider updates a provider');
SELECT results_eq($$SELECT description, variables FROM cfgmgr.providers WHERE name = 'p41'$$,
	$$VALUES ('Provider 41'::text, '{"tier": "silver"}'::jsonb)$$, 'variables replaced, description kept');
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41_plain')$$, 'a provider without rules or variables');
SELECT results_eq($$SELECT variables, has_rules FROM cfgmgr.providers WHERE name = 'p41_plain'$$,
	$$VALUES ('{}'::jsonb, false)$$, 'defaults: no variables, no rules');

SELECT throws_ok($$SELECT cfgmgr.register_provider('P41')$$, '22023', 'invalid provider name: "P41"', 'uppercase name');
SELECT throws_ok($$SELECT cfgmgr.register_provider('1p')$$, '22023', NULL, 'name starting with a digit');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p.41')$$, '22023', NULL, 'name with a dot');
SELECT throws_ok($$SELECT cfgmgr.register_provider(repeat('p', 64))$$, '22023', NULL, 'name of 64 characters');
SELECT lives_ok($$SELECT cfgmgr.register_provider(repeat('p', 63))$$, 'name of 63 characters');
SELECT throws_ok($$SELECT cfgmgr.register_provider(NULL)$$, '22004', NULL, 'NULL name');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', '[]')$$, '22023', NULL, 'variables not an object');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', NULL)$$, '22023', NULL, 'NULL variables');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', '{}', '"x"')$$, '22023', 'invalid JSON Schema', 'rules a string');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', '{}', '{"type": "strin"}')$$, '22023', 'invalid JSON Schema',
	'rules with an unknown type');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', '{}', '{"$ref": "#/$defs/nope"}')$$, '22023', NULL,
	'rules with a dangling reference');
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41b', '{}', '{"title": 5}')$$, '22023', 'invalid JSON Schema',
	'rules violating the meta-schema');
SELECT is((SELECT count(*)::int FROM cfgmgr.provider WHERE name = 'p41b'), 0, 'refused providers are not created');
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41_true', rules => 'true')$$, 'a boolean schema is accepted as rules');

-- a builtin provider can be adjusted: one more region
SELECT lives_ok($$SELECT cfgmgr.register_provider('aws', p.variables,
	jsonb_insert(p.rules, '{$defs,region,enum,-1}', '"us-east-3"', true)) FROM cfgmgr.provider p WHERE p.name = 'aws'$$,
	'adjusting the builtin aws provider');
SELECT results_eq($$SELECT builtin, regions, description FROM cfgmgr.providers WHERE name = 'aws'$$,
	$$VALUES (true, 39, 'Amazon Web Services'::text)$$, 'still builtin, one more region');
SELECT ok(pg_temp.valid('aws', '{"region": "us-east-3"}'), 'the new region is accepted by the rules');

-- =====================================================================
-- set_target, drop_target, targets
-- =====================================================================
SELECT cfgmgr.create_environment('t41_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t41_prod', 't41_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t41_eu', 't41_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t41_eu_1', 't41_eu') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('t41_stg', 't41_base') IS NOT NULL AS ok \gset

SELECT lives_ok($$SELECT cfgmgr.set_target('t41_prod', 'aws', '{"region": "us-east-1", "account_id": "123456789012"}')$$,
	'set_target: prod on aws');
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_eu', 'aws', '{"region": "eu-west-1", "vpc": "vpc-1"}')$$,
	'set_target: eu overrides the region only');
SELECT results_eq($$SELECT environment COLLATE "default", variables, inherited, inherited_from COLLATE "default", sources COLLATE "default" FROM cfgmgr.targets
					 WHERE provider = 'aws' AND environment LIKE 't41%' ORDER BY environment$$,
	$$VALUES ('t41_eu'::text, '{"region": "eu-west-1", "vpc": "vpc-1"}'::jsonb, false, NULL::text, ARRAY['t41_prod', 't41_eu']),
			 ('t41_eu_1', NULL, true, 't41_eu', ARRAY['t41_prod', 't41_eu']),
			 ('t41_prod', '{"region": "us-east-1", "account_id": "123456789012"}', false, NULL, ARRAY['t41_prod'])$$,
	'targets: own rows, an inherited one, and not the environments above or beside');
SELECT is((SELECT effective_variables FROM cfgmgr.targets WHERE environment = 't41_eu_1' AND provider = 'aws'),
	'{"partition": "aws", "dns_suffix": "amazonaws.com", "account_id": "123456789012", "region": "eu-west-1", "vpc": "vpc-1"}'::jsonb,
	'effective variables: provider defaults, then the chain root first');
SELECT ok((SELECT changeset = cfgmgr.current_changeset() AND updated_by = current_user AND updated_at IS NOT NULL
			 FROM cfgmgr.targets WHERE environment = 't41_prod' AND provider = 'aws'),
	'target rows are stamped with the changeset, role and time');
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_eu', 'aws', '{"region": "eu-central-1"}')$$, 'set_target replaces a row');
SELECT is((SELECT variables FROM cfgmgr.targets WHERE environment = 't41_eu' AND provider = 'aws'),
	'{"region": "eu-central-1"}'::jsonb, 'the own row is replaced, not merged');
SELECT is((SELECT count(*)::int FROM cfgmgr.target t JOIN cfgmgr.environment e ON e.id = t.env_id
			WHERE e.name = 't41_eu'), 1, 'one row per environment and provider');

-- errors
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_nope', 'aws', '{}')$$, 'CM006', 'environment "t41_nope" does not exist',
	'set_target: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_prod', 'nope', '{}')$$, '42704', 'provider "nope" does not exist',
	'set_target: unknown provider');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_prod', 'aws', '[]')$$, '22023', NULL, 'set_target: variables not an object');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_prod', 'aws', NULL)$$, '22023', NULL, 'set_target: NULL variables');
SELECT throws_ok($$SELECT cfgmgr.set_target(NULL, 'aws', '{}')$$, '22004', NULL, 'set_target: NULL environment');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_prod', NULL, '{}')$$, '22004', NULL, 'set_target: NULL provider');

-- $defs.target of every shipped provider
SELECT throws_ok(format('SELECT cfgmgr.set_target(%L, %L, %L)', 't41_stg', c.p, c.v), 'CM002', NULL,
		'set_target refused: ' || c.p || ' ' || c.d)
  FROM (VALUES ('aws', '{"region": "us-east-1"}', 'without account_id'),
			   ('aws', '{"account_id": "123456789012"}', 'without region'),
			   ('aws', '{"region": "us-east-9", "account_id": "123456789012"}', 'with an unknown region'),
			   ('aws', '{"region": "us-east-1", "account_id": "1234"}', 'with a short account_id'),
			   ('aws', '{"region": "us-east-1", "account_id": 123456789012}', 'with a numeric account_id'),
			   ('azure', '{"location": "westeurope"}', 'without subscription_id'),
			   ('azure', '{"subscription_id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}', 'without location'),
			   ('azure', '{"location": "West Europe", "subscription_id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}', 'with a display name'),
			   ('azure', '{"location": "westeurope", "subscription_id": "nope"}', 'with a bad subscription_id'),
			   ('gcp', '{"region": "us-central1"}', 'without project'),
			   ('gcp', '{"project": "my-project-1"}', 'without region'),
			   ('gcp', '{"project": "Bad", "region": "us-central1"}', 'with a bad project id'),
			   ('gcp', '{"project": "my-project-1", "region": "us-central1", "zone": "us-east1-b1"}', 'with a bad zone')) AS c(p, v, d);
SELECT lives_ok(format('SELECT cfgmgr.set_target(%L, %L, %L)', 't41_stg', c.p, c.v), 'set_target accepted: ' || c.p)
  FROM (VALUES ('aws', '{"region": "eu-west-1", "account_id": "210987654321"}'),
			   ('azure', '{"location": "westeurope", "subscription_id": "0b1f6471-1bf0-4dda-aec3-cb9272f09590"}'),
			   ('gcp', '{"project": "my-project-1", "region": "europe-west1", "zone": "europe-west1-b"}')) AS c(p, v);
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_stg', 'aws', '{"region": "mars-1"}')$$, 'CM002',
	'target variables of environment "t41_stg" for provider "aws" are invalid: unrecognized AWS region: regions are written like "us-east-1" (SELECT region FROM cfgmgr.provider_regions WHERE provider = ''aws'' lists them) at "/region"',
	'the error names the environment, the provider, the message and the path');
SELECT is((SELECT variables FROM cfgmgr.targets WHERE environment = 't41_stg' AND provider = 'aws'),
	'{"region": "eu-west-1", "account_id": "210987654321"}'::jsonb, 'a refused set_target changes nothing');
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_eu_1', 'aws', '{"region": "eu-west-3"}')$$,
	'a descendant may rely on inherited variables');

-- a change above must keep every descendant row valid
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_base', 'p41', '{"k": "with-x"}')$$, 'p41 target at the root');
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_eu', 'p41', '{"x": 1}')$$, 'a descendant row valid thanks to the root');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_base', 'p41', '{"k": "plain"}')$$, 'CM002',
	'target variables of environment "t41_eu" for provider "p41" are invalid: value must be equal to the constant at "/k"',
	'set_target re-checks descendants with rows of their own');
SELECT throws_ok($$SELECT cfgmgr.set_target('t41_eu', 'p41', '{"k": 5}')$$, 'CM002', NULL, 'p41: $defs.target types');

-- register_provider against existing targets
SELECT throws_ok($$SELECT cfgmgr.register_provider('p41', '{}',
	'{"$defs": {"target": {"required": ["k", "region"]}}}')$$, 'CM002', NULL,
	'register_provider refuses a $defs.target that existing targets violate');
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41', '{"region": "default"}',
	'{"$defs": {"target": {"required": ["k", "region"]}}}')$$,
	'provider variables count toward $defs.target');
SELECT lives_ok($$SELECT cfgmgr.register_provider('p41', '{}',
	'{"$defs": {"target": {"required": ["k", "region"]}}}', force => true)$$, 'force registers anyway');
SELECT is((SELECT rules #> '{$defs,target,required}' FROM cfgmgr.provider WHERE name = 'p41'), '["k", "region"]'::jsonb,
	'forced rules are stored');

-- drop_target
SELECT throws_ok($$SELECT cfgmgr.drop_target('t41_prod', 'aws')$$, 'CM002',
	'target variables of environment "t41_eu" for provider "aws" are invalid: missing required property "account_id" at "/"',
	'drop_target refuses when a descendant row relied on the dropped variables');
SELECT lives_ok($$SELECT cfgmgr.set_target('t41_eu', 'aws', '{"region": "eu-central-1", "account_id": "123456789012"}')$$,
	'give the descendant its own account');
SELECT lives_ok($$SELECT cfgmgr.drop_target('t41_prod', 'aws')$$, 'drop_target');
SELECT is_empty($$SELECT FROM cfgmgr.targets WHERE environment = 't41_prod' AND provider = 'aws'$$,
	'prod is no longer a target of aws');
SELECT is((SELECT inherited_from FROM cfgmgr.targets WHERE environment = 't41_eu_1' AND provider = 'aws'), NULL,
	'eu_1 has its own row');
SELECT throws_ok($$SELECT cfgmgr.drop_target('t41_prod', 'aws')$$, '42704',
	'environment "t41_prod" has no target for provider "aws"', 'drop_target: no such target');
SELECT throws_ok($$SELECT cfgmgr.drop_target('t41_eu_1', 'gcp')$$, '42704', NULL, 'drop_target: an inherited target is not dropped below');
SELECT throws_ok($$SELECT cfgmgr.drop_target('t41_nope', 'aws')$$, 'CM006', NULL, 'drop_target: unknown environment');
SELECT throws_ok($$SELECT cfgmgr.drop_target('t41_prod', 'nope')$$, '42704', 'provider "nope" does not exist',
	'drop_target: unknown provider');

-- views
SELECT is((SELECT targets FROM cfgmgr.providers WHERE name = 'aws'), 3, 'providers.targets counts own rows');
SELECT ok(EXISTS (SELECT FROM cfgmgr.targets WHERE environment = 't41_eu_1' AND provider = 'p41' AND inherited),
	'an environment inheriting from the root is listed');
SELECT cfgmgr.drop_environment('t41_eu_1') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT FROM cfgmgr.targets WHERE environment = 't41_eu_1'$$, 'dropped environments are not targets');
SELECT results_eq($$SELECT provider COLLATE "default", count(*)::int FROM cfgmgr.provider_regions WHERE provider IN ('azure', 'gcp') GROUP BY 1 ORDER BY 1$$,
	$$SELECT name COLLATE "default", jsonb_array_length(rules #> '{$defs,region,enum}') FROM cfgmgr.provider WHERE name IN ('azure', 'gcp') ORDER BY 1$$,
	'provider_regions: one row per enum member');
SELECT ok(EXISTS (SELECT FROM cfgmgr.provider_regions WHERE provider = 'azure' AND region = 'westeurope')
		  AND EXISTS (SELECT FROM cfgmgr.provider_regions WHERE provider = 'gcp' AND region = 'us-central1')
		  AND EXISTS (SELECT FROM cfgmgr.provider_regions WHERE provider = 'aws' AND region = 'us-gov-west-1'),
	'provider_regions lists the regions');
SELECT is_empty($$SELECT FROM cfgmgr.provider_regions WHERE provider IN ('p41', 'p41_plain')$$,
	'no regions without $defs.region');

SELECT * FROM finish();
ROLLBACK;
