-- bench/dataset.sql - builds the benchmark dataset (run by bench/run.sh).
--
-- psql variables: nsvc (number of services), nkeys (keys per service),
-- chains (optional, default 1; 2 adds the second chain m1 -> m2 -> m3, used
-- by bench/drift.sh).
--
-- Environments base -> l1 -> l2 -> l3 (depth 4).  Every service has nkeys
-- values at base under 3-label paths (sectionNN.groupN.keyNN, so documents
-- are nested 3 deep); at each of l1, l2 and l3 about 20% of the keys are
-- overridden (an independent pseudo-random choice per level, so a key may be
-- overridden at several levels).  Values are of mixed JSON types.
--
-- With chains=2, a second chain base -> m1 -> m2 -> m3 (ids 5, 6, 7) is
-- built the same way: about 20% of the keys overridden at each level, with
-- pseudo-random choices independent of l1..l3's (levels 11..13 feed the
-- hash) and values of their own (level 11..13 in the value formula).
--
-- The data is generated once into the plain-SQL baseline table
-- bench_plain.kv and then loaded into cfgmgr through cfgmgr.set_many (one
-- nested document per environment and service), so both sides hold exactly
-- the same configuration.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
\if :{?chains}
\else
\set chains 1
\endif
SELECT :chains::int IN (1, 2) AS chains_ok, :chains::int = 2 AS two_chains \gset
\if :chains_ok
\else
DO $$ BEGIN RAISE EXCEPTION 'bench/dataset.sql: chains must be 1 or 2'; END $$;
\endif

CREATE SCHEMA bench_plain;

CREATE TABLE bench_plain.env (
	id			int PRIMARY KEY,
	name		text COLLATE "C" NOT NULL UNIQUE,
	parent_id	int REFERENCES bench_plain.env (id)
);
INSERT INTO bench_plain.env VALUES (1, 'base', NULL), (2, 'l1', 1), (3, 'l2', 2), (4, 'l3', 3);
\if :two_chains
INSERT INTO bench_plain.env VALUES (5, 'm1', 1), (6, 'm2', 5), (7, 'm3', 6);
\endif

CREATE TABLE bench_plain.kv (
	env_id		int NOT NULL REFERENCES bench_plain.env (id),
	service		text COLLATE "C" NOT NULL,
	key			text COLLATE "C" NOT NULL,
	value		jsonb NOT NULL,
	PRIMARY KEY (env_id, service, key)
);

-- lvl 0 = base (every key), 1..3 = l1..l3, 11..13 = m1..m3 (~20% of the
-- keys each).
INSERT INTO bench_plain.kv (env_id, service, key, value)
SELECT lv.env_id,
	   'svc' || lpad(s::text, length(:nsvc::text), '0'),
	   'section' || lpad((k % 10)::text, 2, '0') || '.group' || ((k / 10) % 4)::text
		   || '.key' || lpad(k::text, length((:nkeys - 1)::text), '0'),
	   CASE k % 6
		   WHEN 0 THEN to_jsonb(s * 1000 + k * 10 + lvl)
		   WHEN 1 THEN to_jsonb('value-' || s || '-' || k || '-' || lvl)
		   WHEN 2 THEN to_jsonb((s + k + lvl) % 2 = 0)
		   WHEN 3 THEN to_jsonb(round((s * k + lvl) / 7.0, 3))
		   WHEN 4 THEN jsonb_build_array(s, k, lvl)
		   ELSE to_jsonb('postgres://db-' || s || '.l' || lvl || '.example.com:5432/app_' || k)
	   END
  FROM generate_series(1, :nsvc) s,
	   generate_series(0, :nkeys - 1) k,
	   (VALUES (1, 0), (2, 1), (3, 2), (4, 3), (5, 11), (6, 12), (7, 13)) lv (env_id, lvl)
 WHERE lv.env_id <= CASE WHEN :chains = 2 THEN 7 ELSE 4 END
   AND (lvl = 0 OR abs(hashint4(s * 7919 + k * 104729 + lvl * 1299709)) % 5 = 0)
 ORDER BY 1, 2, 3;

-- cfgmgr: the same environments, services and values.
SELECT cfgmgr.create_environment('base');
SELECT cfgmgr.create_environment('l1', 'base');
SELECT cfgmgr.create_environment('l2', 'l1');
SELECT cfgmgr.create_environment('l3', 'l2');
\if :two_chains
SELECT cfgmgr.create_environment('m1', 'base');
SELECT cfgmgr.create_environment('m2', 'm1');
SELECT cfgmgr.create_environment('m3', 'm2');
\endif
SELECT count(cfgmgr.create_service('svc' || lpad(s::text, length(:nsvc::text), '0'))) AS services
  FROM generate_series(1, :nsvc) s;

-- One nested document per (environment, service), stored with set_many.
SELECT count(cfgmgr.set_many(e.name, d.service, d.doc, message => 'bench dataset')) AS documents
  FROM (SELECT env_id, service, jsonb_object_agg(s1, g) AS doc
		  FROM (SELECT env_id, service, s1, jsonb_object_agg(s2, g) AS g
				  FROM (SELECT env_id, service, split_part(key, '.', 1) AS s1,
							   split_part(key, '.', 2) AS s2,
							   jsonb_object_agg(split_part(key, '.', 3), value) AS g
						  FROM bench_plain.kv
						 GROUP BY 1, 2, 3, 4) l2
				 GROUP BY 1, 2, 3) l1
		 GROUP BY 1, 2) d
  JOIN bench_plain.env e ON e.id = d.env_id;
