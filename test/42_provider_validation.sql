-- Provider rules applied to resolved configurations, and ${provider.*}
-- rendering from target variables.
--
-- NOTE FOR THE LEAD: written on branch prov before the C integration of
-- issue 6 (templates, validate(..., provider) and the commit-time check
-- applying cfgmgr.provider.rules).  These tests fail until that work is
-- merged; check them after merging.
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(10);

SELECT cfgmgr.create_environment('v42_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v42_prod', 'v42_base') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v42_eu', 'v42_prod') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('v42_api') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_target('v42_prod', 'aws', '{"region": "us-east-1", "account_id": "123456789012"}') IS NULL AS ok \gset
SELECT cfgmgr.set_target('v42_eu', 'aws', '{"region": "eu-west-1"}') IS NULL AS ok \gset
SELECT cfgmgr.set_many('v42_base', 'v42_api',
	'{"storage": {"bucket": "v42-logs"}, "db": {"pool": 5}}') IS NOT NULL AS ok \gset

-- rendering from effective target variables and provider defaults
SELECT cfgmgr.set('v42_base', 'v42_api', 'storage.endpoint', '"s3.${provider.region}.${provider.dns_suffix}"',
				  provider => 'aws') IS NOT NULL AS ok \gset
SELECT is(cfgmgr.get('v42_eu', 'v42_api', 'storage.endpoint', provider => 'aws'), '"s3.eu-west-1.amazonaws.com"'::jsonb,
	'${provider.region} reads the deepest target row, ${provider.dns_suffix} the provider default');
SELECT is(cfgmgr.get('v42_prod', 'v42_api', 'storage.endpoint', provider => 'aws'), '"s3.us-east-1.amazonaws.com"'::jsonb,
	'${provider.region} of prod');

-- validate applies the provider rules
SELECT is_empty($$SELECT * FROM cfgmgr.validate('v42_eu', 'v42_api', provider => 'aws')$$,
	'a valid configuration for aws');
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('v42_eu', 'v42_api', 'storage.bucket', '"V42_Logs"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, keyword, left(message, 17) FROM cfgmgr.validate('v42_eu', 'v42_api', provider => 'aws')$$,
	$$VALUES ('/storage/bucket'::text, 'aws:pattern'::text, 'S3 bucket names a'::text)$$,
	'validate(..., provider => aws) reports the S3 bucket rule with its message');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('v42_eu', 'v42_api')$$,
	'provider-neutral validation does not apply aws rules');
SELECT throws_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'CM002', NULL,
	'commit-time check refuses a configuration violating the aws rules');

-- a rendered value is what the rules see
SAVEPOINT s1;
SELECT cfgmgr.set('v42_eu', 'v42_api', 'storage.bucket', '"v42-${provider.region}-logs"', provider => 'aws') IS NOT NULL AS ok \gset
SELECT is_empty($$SELECT * FROM cfgmgr.validate('v42_eu', 'v42_api', provider => 'aws')$$,
	'rules see the rendered bucket name');
ROLLBACK TO SAVEPOINT s1;

-- register_provider checks existing configurations of the provider's targets
SAVEPOINT s2;
SELECT cfgmgr.unset('v42_eu', 'v42_api', 'storage.bucket', provider => 'aws') IS NOT NULL AS ok \gset
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT throws_ok($$SELECT cfgmgr.register_provider('aws', p.variables,
	jsonb_set(p.rules, '{$defs,bucket,maxLength}', '5')) FROM cfgmgr.provider p WHERE p.name = 'aws'$$,
	'CM002', NULL, 'register_provider refuses rules that an existing configuration violates');
SELECT lives_ok($$SELECT cfgmgr.register_provider('aws', p.variables,
	jsonb_set(p.rules, '{$defs,bucket,maxLength}', '5'), force => true) FROM cfgmgr.provider p WHERE p.name = 'aws'$$,
	'force registers them anyway');
ROLLBACK TO SAVEPOINT s2;

-- a target change re-renders: the new region must satisfy the rules too
SELECT throws_ok($$SELECT cfgmgr.set_target('v42_eu', 'aws', '{"region": "eu-west-9"}')$$, 'CM002', NULL,
	'set_target refuses an unknown region (target schema)');

SELECT * FROM finish();
ROLLBACK;
