-- demo/load.sql: loads demo/config.json (passed as :'config') through the
-- public API, in one transaction: one changeset for the whole example.
-- At COMMIT every configuration is validated and its templates rendered for
-- every environment and every provider it is deployed to (the aws, azure
-- and gcp rules included): if anything is invalid, nothing is loaded.
BEGIN;
SELECT count(cfgmgr.create_environment(e->>'name', e->>'parent',
         coalesce((e->>'is_production')::bool, false),
         coalesce((e->>'approval_required')::bool, false),
         coalesce((e->>'required_approvals')::int, 1),
         coalesce(e->'labels', '{}'))) AS environments
  FROM (SELECT e FROM jsonb_array_elements(:'config'::jsonb->'environments') WITH ORDINALITY AS t(e, n)
        ORDER BY n) AS ordered \gset
SELECT count(cfgmgr.create_service(s->>'name', s->>'description')) AS services
  FROM jsonb_array_elements(:'config'::jsonb->'services') s \gset
-- targets: which environment is deployed to which provider, with the
-- deployment's variables (region, account, ...); a parent's row comes first,
-- a child's row overrides it variable by variable (prod-eu: another region)
SELECT count(cfgmgr.set_target(t->>'env', t->>'provider', t->'variables')) AS targets
  FROM (SELECT t FROM jsonb_array_elements(:'config'::jsonb->'targets') WITH ORDINALITY AS x(t, n)
        ORDER BY n) AS ordered \gset
SELECT count(cfgmgr.set_many(v->>'env', v->>'service', v->'values', v->>'provider',
                             'demo: initial load')) AS documents
  FROM jsonb_array_elements(:'config'::jsonb->'values') WITH ORDINALITY AS t(v, n) \gset
SELECT count(cfgmgr.unset(t->>'env', t->>'service', (t->>'path')::cfgmgr.cfgpath, block => true))
       AS tombstones
  FROM jsonb_array_elements(:'config'::jsonb->'tombstones') t \gset
COMMIT;
\echo loaded :environments environments, :services services, :targets targets, :documents documents, :tombstones tombstones
