--
-- core_resolution: a small realistic configuration (one service, a base,
-- staging, prod and prod-eu), resolved per environment and provider, with
-- explain, provenance, history, the views, and the error messages.
-- Objects are prefixed rx_ (the regression database is shared with other
-- files); environments are dropped at the end, services cannot be.
--
\set VERBOSITY terse

SELECT cfgmgr.create_environment('rx_base', labels => '{"tier": "shared"}') > 0 AS created;
SELECT cfgmgr.create_environment('rx_staging', 'rx_base') > 0 AS created;
SELECT cfgmgr.create_environment('rx_prod', 'rx_base', is_production => true) > 0 AS created;
SELECT cfgmgr.create_environment('rx_prod_eu', 'rx_prod', labels => '{"region": "eu"}') > 0 AS created;
SELECT cfgmgr.create_service('rx_billing', 'Billing API') > 0 AS created;

SELECT name, parent, is_production, approval_required, required_approvals, labels
  FROM cfgmgr.environments WHERE name LIKE 'rx\_%' ORDER BY name;
SELECT name, description FROM cfgmgr.services WHERE name LIKE 'rx\_%';
SELECT * FROM cfgmgr.environment_chain('rx_prod_eu');

--
-- Values, one transaction per environment
--
SELECT cfgmgr.set_many('rx_base', 'rx_billing', '{
	"db": {"host": "db.internal", "port": 5432, "pool": {"min": 2, "max": 10}},
	"log": {"level": "info"},
	"features": ["invoices", "refunds"]}', message => 'baseline') AS cs_base \gset

BEGIN;
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.host', '"prod-db.internal"', message => 'prod') AS cs_p1 \gset
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.pool.max', '50') AS cs_p2 \gset
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.ssl', 'true') AS cs_p3 \gset
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.host', '"prod.rds.amazonaws.com"', provider => 'aws') AS cs_p4 \gset
COMMIT;

BEGIN;
SELECT cfgmgr.set('rx_prod_eu', 'rx_billing', 'db.pool', '{"max": 80, "timeout": 5}', message => 'eu sizing') AS cs_eu \gset
SELECT cfgmgr.unset('rx_prod_eu', 'rx_billing', 'features', block => true) AS cs_eu2 \gset
SELECT cfgmgr.set('rx_prod_eu', 'rx_billing', 'log.level', '"warn"') AS cs_eu3 \gset
COMMIT;

SELECT cfgmgr.set_many('rx_staging', 'rx_billing', '{
	"log": {"level": "debug"},
	"features": ["invoices", "refunds", "beta"],
	"db": {"pool": {"max": null}}}', message => 'staging') AS cs_stg \gset

-- one changeset per transaction, a new one for each transaction
SELECT :cs_p1 = :cs_p2 AND :cs_p2 = :cs_p3 AND :cs_p3 = :cs_p4 AS prod_one_changeset,
	   :cs_eu = :cs_eu2 AND :cs_eu2 = :cs_eu3 AS eu_one_changeset,
	   :cs_base < :cs_p1 AND :cs_p1 < :cs_eu AND :cs_eu < :cs_stg AS increasing;
SELECT CASE id WHEN :cs_base THEN 'base' WHEN :cs_p1 THEN 'prod' WHEN :cs_eu THEN 'eu' WHEN :cs_stg THEN 'staging' END AS changeset,
	   message, actor = session_user AS actor_ok
  FROM cfgmgr.changeset WHERE id IN (:cs_base, :cs_p1, :cs_eu, :cs_stg) ORDER BY id;

SELECT environment, service, path, provider, value, tombstone, secret
  FROM cfgmgr."values" WHERE environment LIKE 'rx\_%'
 ORDER BY environment, path, provider NULLS FIRST;

--
-- Resolution
--
SELECT jsonb_pretty(cfgmgr.resolve('rx_base', 'rx_billing'));
SELECT jsonb_pretty(cfgmgr.resolve('rx_staging', 'rx_billing'));
SELECT jsonb_pretty(cfgmgr.resolve('rx_prod', 'rx_billing'));
SELECT jsonb_pretty(cfgmgr.resolve('rx_prod', 'rx_billing', provider => 'aws'));
SELECT jsonb_pretty(cfgmgr.resolve('rx_prod_eu', 'rx_billing'));
SELECT cfgmgr.resolve('rx_prod_eu', 'rx_billing', 'aws') #> '{db,host}' AS eu_aws_host,
	   cfgmgr.resolve('rx_prod_eu', 'rx_billing', 'gcp') #> '{db,host}' AS eu_gcp_host;

SELECT cfgmgr.get('rx_prod_eu', 'rx_billing', 'db.pool') AS pool,
	   cfgmgr.get_int('rx_prod_eu', 'rx_billing', 'db.pool.max') AS pool_max,
	   cfgmgr.get_text('rx_prod_eu', 'rx_billing', 'db.host', provider => 'aws') AS host,
	   cfgmgr.get_bool('rx_prod_eu', 'rx_billing', 'db.ssl') AS ssl,
	   cfgmgr.get_numeric('rx_prod_eu', 'rx_billing', 'db.port') AS port;
SELECT cfgmgr.get('rx_staging', 'rx_billing', 'db.pool.max') AS staging_max,
	   cfgmgr.get('rx_prod_eu', 'rx_billing', 'features', fallback => '[]') AS eu_features,
	   cfgmgr.get_int('rx_prod_eu', 'rx_billing', 'db.pool.idle', fallback => 30) AS idle;

--
-- explain: every entry touching a path, in application order
--
SELECT * FROM cfgmgr.explain('rx_prod_eu', 'rx_billing', 'db.pool.max');
SELECT * FROM cfgmgr.explain('rx_prod_eu', 'rx_billing', 'db.host', provider => 'aws');
SELECT * FROM cfgmgr.explain('rx_prod_eu', 'rx_billing', 'features');
SELECT * FROM cfgmgr.explain('rx_staging', 'rx_billing', 'db.pool');
SELECT * FROM cfgmgr.explain('rx_staging', 'rx_billing', 'db.password');

--
-- provenance: every resolved leaf, its level and its changeset
--
SELECT path, value, environment, provider,
	   CASE changeset WHEN :cs_base THEN 'base' WHEN :cs_p1 THEN 'prod' WHEN :cs_eu THEN 'eu'
					  WHEN :cs_stg THEN 'staging' ELSE 'other' END AS changeset
  FROM cfgmgr.provenance('rx_prod_eu', 'rx_billing', 'aws') ORDER BY path;
SELECT path, value, environment,
	   CASE changeset WHEN :cs_base THEN 'base' WHEN :cs_stg THEN 'staging' ELSE 'other' END AS changeset
  FROM cfgmgr.provenance('rx_staging', 'rx_billing') ORDER BY path;

--
-- History of prod-eu
--
SELECT c.op, c.path, c.provider, c.old_value, c.new_value, c.message,
	   CASE c.changeset WHEN :cs_eu THEN 'eu' ELSE 'other' END AS changeset
  FROM cfgmgr.change c JOIN cfgmgr.environment e ON e.id = c.env_id
 WHERE e.name = 'rx_prod_eu' AND e.dropped_at IS NULL ORDER BY c.id;

--
-- A rolled-back write is never visible afterwards (the cache included)
--
SELECT cfgmgr.get('rx_prod', 'rx_billing', 'db.pool.max') AS before;
BEGIN;
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.pool.max', '99') > 0 AS written;
SELECT cfgmgr.get('rx_prod', 'rx_billing', 'db.pool.max') AS inside,
	   cfgmgr.resolve('rx_prod', 'rx_billing') #> '{db,pool}' AS inside_pool;
ROLLBACK;
SELECT cfgmgr.get('rx_prod', 'rx_billing', 'db.pool.max') AS after,
	   cfgmgr.resolve('rx_prod', 'rx_billing') #> '{db,pool}' AS after_pool;

--
-- Re-parenting: resolution follows at once
--
SELECT cfgmgr.set_parent('rx_prod_eu', 'rx_staging');
SELECT * FROM cfgmgr.environment_chain('rx_prod_eu');
SELECT cfgmgr.resolve('rx_prod_eu', 'rx_billing') -> 'db' AS db_under_staging;
SELECT cfgmgr.set_parent('rx_prod_eu', 'rx_prod');
SELECT cfgmgr.resolve('rx_prod_eu', 'rx_billing') -> 'db' AS db_under_prod;

--
-- Errors
--
SELECT cfgmgr.get('rx_prod_eu', 'rx_billing', 'db.password');
SELECT cfgmgr.get('rx_prod_eu', 'rx_billing', 'db.password', provider => 'aws');
SELECT cfgmgr.get('rx_nowhere', 'rx_billing', 'db.host');
SELECT cfgmgr.get('rx_prod', 'rx_nothing', 'db.host');
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.host', '"x"', provider => 'rackspace');
SELECT cfgmgr.get_int('rx_prod', 'rx_billing', 'db.host');
SELECT cfgmgr.get_bool('rx_prod', 'rx_billing', 'db.pool');
SELECT cfgmgr.get('rx_prod', 'rx_billing', 'db..host');
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.host', NULL);
SELECT cfgmgr.set('rx_prod', 'rx_billing', 'db.password', '"hunter2"', secret => true);
SELECT cfgmgr.get('rx_prod', 'rx_billing', 'db.host', as_of => 'release-1');
SELECT cfgmgr.unset('rx_prod', 'rx_billing', 'db.port');
SELECT cfgmgr.set_many('rx_prod', 'rx_billing', '["db"]');
SELECT cfgmgr.set_many('rx_prod', 'rx_billing', '{"db host": 1}');
SELECT cfgmgr.create_environment('rx_prod', 'rx_base');
SELECT cfgmgr.create_environment('rx prod');
SELECT cfgmgr.create_service('rx_billing');
SELECT cfgmgr.set_parent('rx_base', 'rx_prod_eu');
SELECT cfgmgr.drop_environment('rx_prod');

--
-- Clean up
--
SELECT cfgmgr.drop_environment('rx_base', cascade => true) > 0 AS dropped;
SELECT count(*) AS live_rx_environments FROM cfgmgr.environments WHERE name LIKE 'rx\_%';
SELECT count(*) AS rx_values_left FROM cfgmgr."values" WHERE environment LIKE 'rx\_%';
