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

\echo '### A missing key is an error with SQLSTATE CM005, not a silent NULL'
\set VERBOSITY verbose
\set ON_ERROR_STOP 0
SELECT cfgmgr.get('prod', 'billing', 'db.password');
\set ON_ERROR_STOP 1
\set VERBOSITY default
