-- demo/show.sql: what the demo prints once demo/config.json is loaded.
\pset footer off
\echo
\echo '### The environment tree (cfgmgr.environments)'
SELECT name, parent, is_production, approval_required, labels FROM cfgmgr.environments ORDER BY name;

\echo '### Inheritance: the chain resolution walks for prod-eu'
SELECT string_agg(c, ' -> ') AS chain FROM cfgmgr.environment_chain('prod-eu') AS c;

\echo '### resolve: the whole billing document for prod-eu on aws'
SELECT jsonb_pretty(cfgmgr.resolve('prod-eu', 'billing', provider => 'aws')) AS "billing @ prod-eu/aws";

\echo '### explain: where db.host comes from in prod-eu on aws'
SELECT * FROM cfgmgr.explain('prod-eu', 'billing', 'db.host', provider => 'aws');

\echo '### explain: db.pool (an object merged across levels) in prod-eu'
SELECT * FROM cfgmgr.explain('prod-eu', 'billing', 'db.pool');

\echo '### get, per provider: the database host and storage of billing in prod'
SELECT p AS provider,
       cfgmgr.get_text('prod', 'billing', 'db.host', provider => p) AS db_host,
       cfgmgr.get('prod', 'billing', 'storage', provider => p) AS storage
  FROM unnest(ARRAY['aws', 'azure', 'gcp']) AS p;

\echo '### get with a fallback, and the typed getters'
SELECT cfgmgr.get('dev', 'billing', 'features.dark_mode', fallback => 'false') AS dark_mode,
       cfgmgr.get_int('prod', 'billing', 'db.pool.max') AS prod_pool_max,
       cfgmgr.get_bool('dev', 'billing', 'features.new_checkout') AS dev_new_checkout;

\echo '### A tombstone: prod-eu hides schedule.reports inherited from base'
SELECT env, cfgmgr.resolve(env, 'worker')->'schedule' AS schedule
  FROM unnest(ARRAY['prod', 'prod-eu']) AS env;

\echo '### provenance: every resolved leaf of api in prod-eu on gcp, with its origin'
SELECT * FROM cfgmgr.provenance('prod-eu', 'api', provider => 'gcp');

\echo '### Targets (cfgmgr.targets): where each environment is deployed; prod-eu inherits prod''s rows and overrides the region'
SELECT environment, provider, sources,
       ARRAY(SELECT jsonb_object_keys(variables)) AS "own variables",
       effective_variables - 'partition' - 'dns_suffix' - 'cloud' - 'storage_suffix' - 'api_domain'
         AS "effective variables (provider defaults omitted)"
  FROM cfgmgr.targets ORDER BY environment, provider;

\echo '### Templates: one stored value per provider, rendered for prod and prod-eu'
SELECT env, p AS provider, cfgmgr.get_text(env, 'billing', k, provider => p) AS rendered, k AS path
  FROM unnest(ARRAY['prod', 'prod-eu']) AS env,
       unnest(ARRAY['aws', 'azure', 'gcp'], ARRAY['storage.bucket', 'storage.storage_account', 'storage.bucket']) AS x(p, k)
 ORDER BY 1, 2;

\echo '### resolve(..., render => false) returns the stored templates; the default renders them'
SELECT r AS render, doc->'project_id' AS project_id, doc#>'{storage,bucket}' AS bucket, doc->'labels' AS labels
  FROM unnest(ARRAY[false, true]) AS r,
       LATERAL (SELECT cfgmgr.resolve('prod-eu', 'billing', provider => 'gcp', render => r)) AS x(doc);

\echo '### explain a templated key: the stored template and a last row with source = template'
SELECT * FROM cfgmgr.explain('prod-eu', 'billing', 'storage.bucket', provider => 'aws');
SELECT * FROM cfgmgr.explain('prod-eu', 'billing', 'db.host', provider => 'azure');

\echo '### References: api links to billing''s public URL; worker reads billing''s database (a lone reference keeps the JSON type)'
SELECT env, p AS provider, cfgmgr.get(env, 'api', 'upstreams.billing', provider => p) AS "api upstreams.billing",
       cfgmgr.get(env, 'worker', 'billing_db', provider => p) AS "worker billing_db"
  FROM unnest(ARRAY['prod', 'prod-eu']) AS env, unnest(ARRAY['aws', 'gcp']) AS p ORDER BY 1, 2;
SELECT v.value AS stored, jsonb_typeof(cfgmgr.get('prod', 'worker', 'billing_db.pool_max')) AS rendered_type
  FROM cfgmgr.values v WHERE v.service = 'worker' AND v.path::text = 'billing_db.pool_max';

\echo '### render(): any text, rendered as a value of billing would be in prod-eu on gcp'
SELECT cfgmgr.render('gs://${ref:storage.bucket}/invoices in ${provider.project} (${provider.region}, tier ${env.tier}, team ${env.team:-unset})',
                     'prod-eu', 'billing', 'gcp') AS rendered;

\echo '### Drift prod -> prod-eu on azure: values from one template rendered differently are expected (reason template)'
SELECT path, kind, left_value AS prod, right_value AS "prod-eu", expected, reason
  FROM cfgmgr.drift('prod', 'prod-eu', 'billing', provider => 'azure');

\echo '### Provider rules: validate(..., provider => ''aws'') applies the aws rules (bucket, tags, instance_type, ...): no rows = valid'
SELECT * FROM cfgmgr.validate('prod-eu', 'billing', provider => 'aws');
\echo '### ... and what CI runs: every service for every environment x target (0 violations)'
SELECT count(DISTINCT (t.environment, t.provider, s.name)) AS "configurations checked", count(v.path) AS violations
  FROM cfgmgr.targets t CROSS JOIN cfgmgr.services s
  LEFT JOIN LATERAL cfgmgr.validate(t.environment, s.name, t.provider) v ON true;

\echo '### A bad bucket name: validate() inside the transaction reports it, COMMIT refuses it with the rule''s message (CM002)'
\set ON_ERROR_STOP 0
BEGIN;
SELECT cfgmgr.set('prod-eu', 'billing', 'storage.bucket', '"Acme_Billing_EU"', provider => 'aws') IS NOT NULL AS changed;
SELECT path, keyword FROM cfgmgr.validate('prod-eu', 'billing', provider => 'aws');
COMMIT;
\set ON_ERROR_STOP 1
SELECT cfgmgr.get('prod-eu', 'billing', 'storage.bucket', provider => 'aws') AS "prod-eu storage.bucket on aws";

\echo '### A template that cannot be rendered (a label no environment has) is refused at commit with CM012'
\set ON_ERROR_STOP 0
\set VERBOSITY verbose
BEGIN;
SELECT cfgmgr.set('base', 'billing', 'invoice.footer', '"Acme ${env.cost_center} - ${env.name}"') IS NOT NULL AS changed;
COMMIT;
\set VERBOSITY default
\set ON_ERROR_STOP 1
SELECT cfgmgr.get('prod', 'billing', 'invoice.footer', fallback => 'null') AS "invoice.footer after the refused commit";

\echo '### Schemas: register a JSON Schema for billing (demo/billing.schema.json)'
SELECT cfgmgr.register_schema('billing', :'billing_schema') AS version;

\echo '### validate(): every environment (provider-neutral) and every target satisfies it (0 violations each)'
SELECT e.name AS environment, p AS provider, count(v.*) AS violations
  FROM cfgmgr.environments e CROSS JOIN unnest(ARRAY[NULL, 'aws', 'azure', 'gcp']) AS p
  LEFT JOIN LATERAL cfgmgr.validate(e.name, 'billing', p) v ON true
 WHERE p IS NULL OR EXISTS (SELECT 1 FROM cfgmgr.targets t WHERE t.environment = e.name AND t.provider = p)
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo '### a schema default fills in what no environment sets'
SELECT * FROM cfgmgr.explain('prod', 'billing', 'db.statement_timeout_ms');

\echo '### validate_document() on a broken document lists every violation'
SELECT * FROM cfgmgr.validate_document(:'billing_schema',
  '{"db": {"host": "x", "port": 70000, "pool": {"max": "many", "size": 3}}, "log": {"level": "loud"}}');

\echo '### an invalid change is refused at commit (CM002) and nothing of the transaction remains'
\set ON_ERROR_STOP 0
\set VERBOSITY default
BEGIN;
SELECT cfgmgr.set('base', 'billing', 'log.level', '"debug"') IS NOT NULL AS first_change;
SELECT cfgmgr.set('prod', 'billing', 'db.pool.max', '5000') IS NOT NULL AS second_change;
COMMIT;
\set ON_ERROR_STOP 1
SELECT cfgmgr.get('prod', 'billing', 'db.pool.max') AS "prod db.pool.max",
       cfgmgr.get('base', 'billing', 'log.level') AS "base log.level";

\echo '### Versions: tag the current state, change two values, compare, read as of the tag, roll back'
SELECT cfgmgr.tag('release-1', 'demo baseline') AS tagged_changeset;
SELECT cfgmgr.set('prod', 'billing', 'db.pool.max', '120', message => 'more connections for the sale') IS NOT NULL AS changed;
SELECT cfgmgr.set('prod', 'billing', 'features.new_checkout', 'true', message => 'launch new checkout') IS NOT NULL AS changed;
SELECT path, kind, left_value AS "at release-1", right_value AS now, remediation
  FROM cfgmgr.diff_versions('prod', 'billing', 'release-1');
SELECT cfgmgr.get('prod', 'billing', 'db.pool.max', as_of => 'release-1') AS "db.pool.max as of release-1",
       cfgmgr.get('prod', 'billing', 'db.pool.max') AS "db.pool.max now";
SELECT changeset, op, old_value, new_value, message FROM cfgmgr.history('prod', 'billing', 'db.pool') LIMIT 3;
SELECT cfgmgr.rollback('prod', 'release-1', 'billing') IS NOT NULL AS rolled_back;
SELECT count(*) AS "differences from release-1 after the rollback" FROM cfgmgr.diff_versions('prod', 'billing', 'release-1');

\echo '### Drift: staging against prod for billing, leaf by leaf (declared variations are expected)'
SELECT cfgmgr.expect_variation('*', 'db.host', reason => 'every environment has its own database') AS variation;
SELECT cfgmgr.expect_variation('billing', 'db.pool.**', ARRAY['prod', 'prod-*'], 'production sizing') AS variation;
SELECT path, kind, left_value AS prod, right_value AS staging, expected, reason
  FROM cfgmgr.drift('prod', 'staging', 'billing');
\echo '### ... each with the statement that makes staging equal to prod'
SELECT path, remediation FROM cfgmgr.drift('prod', 'staging', 'billing') WHERE NOT expected;
\echo '### drift_summary: every environment against its parent, per service'
SELECT * FROM cfgmgr.drift_summary WHERE expected + unexpected > 0;
\echo '### remediate: make staging''s features equal to prod''s, in one changeset validated at commit'
SELECT service, path, kind, applied FROM cfgmgr.remediate('prod', 'staging', 'billing', paths => ARRAY['features.**']);
\echo '### Observed: an agent reports what runs in prod; drift_observed shows missing, changed and unmanaged keys'
SELECT cfgmgr.report_observed('prod', 'billing',
	(cfgmgr.resolve('prod', 'billing') #- '{invoice,pdf}') || '{"log": {"level": "debug", "format": "json"}, "debug_port": 9229}',
	source => 'agent@billing-7f9c') AS snapshot;
SELECT path, kind, left_value AS declared, right_value AS deployed, remediation FROM cfgmgr.drift_observed('prod', 'billing');
SELECT cfgmgr.drift_coverage('prod') AS "share of deployed keys that are declared";

\echo '### export_yaml: what prod itself stores for billing, as deterministic YAML for Git'
SELECT cfgmgr.export_yaml('prod', 'billing', resolved => false) AS "prod/billing.yaml";

\echo '### Secrets: stored encrypted (key file named by cfgmgr.key_file), the value column holds only the mask'
SELECT set_config('cfgmgr.key_file', :'keyfile', false) IS NOT NULL AS key_set \gset
SELECT cfgmgr.set('prod', 'billing', 'payments.api_key', '"sk_live_demo_0123456789"', secret => true) IS NOT NULL AS stored;
SELECT path, value, secret FROM cfgmgr."values" WHERE environment = 'prod' AND service = 'billing' AND secret;

\echo '### Access control: grafana reads everything (cfgmgr_reader) but sees the secret masked; sre may read it in clear'
CREATE ROLE demo_grafana IN ROLE cfgmgr_reader;
CREATE ROLE demo_sre;
SELECT cfgmgr.grant('demo_sre', 'read', '*', 'billing') AS grant_id;
SELECT cfgmgr.grant('demo_sre', 'read_secret', 'prod*', 'billing', 'payments') AS grant_id;
SET ROLE demo_grafana;
SELECT current_user, cfgmgr.get('prod', 'billing', 'payments.api_key') AS api_key, cfgmgr.get('prod', 'billing', 'db.host') AS db_host;
RESET ROLE;
SET ROLE demo_sre;
SELECT current_user, cfgmgr.get('prod', 'billing', 'payments.api_key') AS api_key;
RESET ROLE;

\echo '### A CI role may write staging only: writing prod is refused with CM008, and reading the tables directly shows only its rows'
CREATE ROLE demo_ci;
SELECT cfgmgr.grant('demo_ci', 'write', 'staging', 'billing') AS grant_id;
SET ROLE demo_ci;
SELECT cfgmgr.set('staging', 'billing', 'features.new_checkout', 'true') IS NOT NULL AS staging_write;
\set ON_ERROR_STOP 0
SELECT cfgmgr.set('prod', 'billing', 'features.new_checkout', 'true');
\set ON_ERROR_STOP 1
SELECT environment, count(*) AS rows_visible FROM cfgmgr."values" GROUP BY environment ORDER BY 1;
RESET ROLE;
SELECT * FROM cfgmgr.grants WHERE NOT builtin ORDER BY id;

\echo '### The audit log: every write, grant and secret read, hash-chained; verify_audit() checks the chain'
SELECT id, op, environment, service, path, session_role, effective_role FROM cfgmgr.audit_log ORDER BY id DESC LIMIT 8;
SELECT * FROM cfgmgr.verify_audit();

\echo '### A missing key is an error with SQLSTATE CM005, not a silent NULL'
\set VERBOSITY verbose
\set ON_ERROR_STOP 0
SELECT cfgmgr.get('prod', 'billing', 'db.password');
\set ON_ERROR_STOP 1
\set VERBOSITY default
