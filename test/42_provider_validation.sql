-- Provider rules applied to resolved configurations, and ${provider.*}
-- rendering from target variables.
-- The same service, fixture targets on all three providers: rendered and
-- validated for each.
\set ON_ERROR_STOP 1
\set QUIET 1
BEGIN;
SELECT plan(19);

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

-- one service, three providers: each renders its own and passes its rules
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.unset('v42_eu', 'v42_api', 'storage.bucket', provider => 'aws') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_environment('v42-multi', labels => '{"team": "pay"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.create_service('v42_web') IS NOT NULL AS ok \gset
SELECT cfgmgr.set_target('v42-multi', 'aws', '{"region": "us-east-1", "account_id": "123456789012"}') IS NULL AS ok \gset
SELECT cfgmgr.set_target('v42-multi', 'azure', '{"location": "westeurope", "subscription_id": "00000000-1111-2222-3333-444444444444"}') IS NULL AS ok \gset
SELECT cfgmgr.set_target('v42-multi', 'gcp', '{"project": "acme-web-42", "region": "europe-west1"}') IS NULL AS ok \gset
SELECT cfgmgr.set_many('v42-multi', 'v42_web', '{
	"cloud": "${provider.name}",
	"where": "${provider.region:-}${provider.location:-}",
	"storage": {"bucket": "acme-${env.team}-${provider.name}-logs"},
	"replicas": 3, "min_replicas": "${ref:replicas}"}') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v42-multi', 'v42_web', 'storage.storage_account', '"acme${env.team}logs"', provider => 'azure') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v42-multi', 'v42_web', 'machine_type', '"e2-standard-${ref:replicas}"', provider => 'gcp') IS NOT NULL AS ok \gset
SELECT lives_ok($$SET CONSTRAINTS ALL IMMEDIATE$$, 'valid for aws, azure and gcp at commit');
SET CONSTRAINTS ALL DEFERRED;
SELECT is(cfgmgr.resolve('v42-multi', 'v42_web', 'aws'),
	'{"cloud": "aws", "where": "us-east-1", "storage": {"bucket": "acme-pay-aws-logs"}, "replicas": 3, "min_replicas": 3}',
	'aws renders its own');
SELECT is(cfgmgr.resolve('v42-multi', 'v42_web', 'azure'),
	'{"cloud": "azure", "where": "westeurope", "storage": {"bucket": "acme-pay-azure-logs", "storage_account": "acmepaylogs"}, "replicas": 3, "min_replicas": 3}',
	'azure renders its own (and its provider-qualified value)');
SELECT is(cfgmgr.resolve('v42-multi', 'v42_web', 'gcp'),
	'{"cloud": "gcp", "where": "europe-west1", "storage": {"bucket": "acme-pay-gcp-logs"}, "replicas": 3, "min_replicas": 3, "machine_type": "e2-standard-3"}',
	'gcp renders its own');
SELECT is((SELECT count(*)::int FROM unnest(ARRAY['aws', 'azure', 'gcp']) p, cfgmgr.validate('v42-multi', 'v42_web', p)), 0,
	'validate for each provider: no violation');
SELECT cfgmgr.set('v42-multi', 'v42_web', 'storage.storage_account', '"acme-${env.team}-logs"', provider => 'azure') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, keyword FROM cfgmgr.validate('v42-multi', 'v42_web', 'azure')$$,
	$$VALUES ('/storage/storage_account', 'azure:pattern')$$, 'azure: a storage account name with hyphens');
SELECT throws_like($$SET CONSTRAINTS ALL IMMEDIATE$$, '%provider "azure" is invalid%storage%',
	'... refused at commit');
SET CONSTRAINTS ALL DEFERRED;
SELECT cfgmgr.set('v42-multi', 'v42_web', 'storage.storage_account', '"acme${env.team}logs"', provider => 'azure') IS NOT NULL AS ok \gset
SELECT cfgmgr.set('v42-multi', 'v42_web', 'machine_type', '"e2 standard"', provider => 'gcp') IS NOT NULL AS ok \gset
SELECT results_eq($$SELECT path, keyword FROM cfgmgr.validate('v42-multi', 'v42_web', 'gcp')$$,
	$$VALUES ('/machine_type', 'gcp:pattern')$$, 'gcp: a machine type that is no name');
SELECT is_empty($$SELECT * FROM cfgmgr.validate('v42-multi', 'v42_web', 'aws')$$, 'aws does not check gcp machine types');

SELECT * FROM finish();
ROLLBACK;
