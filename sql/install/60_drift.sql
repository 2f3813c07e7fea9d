--
-- Drift (src/cfg_drift.c): declared variations, drift between environments,
-- observed deployments, summaries and remediation.
--

-- ---------------------------------------------------------------------
-- Expected variations
-- ---------------------------------------------------------------------

-- A declared variation covers the drift of the paths its pattern matches
-- (and everything below them) in the services its pattern matches, between
-- any two environments when environments is NULL, or whenever one of the
-- two compared environments matches an entry of environments.
CREATE TABLE cfgmgr.variation (
	id					bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	service_pattern		text COLLATE "C" NOT NULL,
	path_pattern		text COLLATE "C" NOT NULL,
	environments		text[] COLLATE "C",
	reason				text,
	owner				text NOT NULL DEFAULT pg_catalog.current_user(),
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	expires_at			timestamptz
);
COMMENT ON TABLE cfgmgr.variation IS 'declared expected differences between environments (read through cfgmgr.variations)';
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.variation', '');
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.variation_id_seq', '');
REVOKE ALL ON cfgmgr.variation FROM PUBLIC;

-- Patterns over names (services, environments): one label with "*"
-- wildcards, as cfgmgr.glob_match takes them.
CREATE FUNCTION cfgmgr.check_name_pattern(pattern text, what text) RETURNS void
LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF pattern IS NULL THEN
		RAISE EXCEPTION '% must not be null', what USING ERRCODE = '22004';
	END IF;
	IF pattern !~ '^[A-Za-z0-9_*-]+$' OR octet_length(pattern) > 255 THEN
		RAISE EXCEPTION 'invalid % pattern: "%"', what, pattern
			USING ERRCODE = '22023',
				  DETAIL = 'A name pattern is letters, digits, "_", "-" and "*" (any run of characters).';
	END IF;
END
$$;
COMMENT ON FUNCTION cfgmgr.check_name_pattern(text, text) IS 'internal: validates a service or environment name pattern';

CREATE FUNCTION cfgmgr.expect_variation(service_pattern text, path_pattern text,
										environments text[] DEFAULT NULL, reason text DEFAULT NULL,
										expires_at timestamptz DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	e text;
	new_id bigint;
BEGIN
	IF NOT cfgmgr.has_privilege('write') THEN
		RAISE EXCEPTION 'access denied: role "%" may write nowhere, so it may not declare variations', current_user
			USING ERRCODE = 'CM008';
	END IF;
	PERFORM cfgmgr.check_name_pattern(service_pattern, 'service');
	IF path_pattern IS NULL THEN
		RAISE EXCEPTION 'path_pattern must not be null' USING ERRCODE = '22004';
	END IF;
	-- raises 22P02 naming the position for a malformed pattern
	PERFORM cfgmgr.glob_match(path_pattern, 'x'::cfgmgr.cfgpath);
	IF environments IS NOT NULL THEN
		IF cardinality(environments) = 0 THEN
			RAISE EXCEPTION 'environments must not be empty'
				USING ERRCODE = '22023', HINT = 'Pass NULL for a variation between any environments.';
		END IF;
		FOREACH e IN ARRAY environments LOOP
			PERFORM cfgmgr.check_name_pattern(e, 'environment');
			IF strpos(e, '*') = 0 THEN
				PERFORM cfgmgr.environment_id(e);	-- CM006 for an unknown name
			END IF;
		END LOOP;
	END IF;
	IF expires_at IS NOT NULL AND expires_at <= now() THEN
		RAISE EXCEPTION 'expires_at is in the past: %', expires_at
			USING ERRCODE = '22023', DETAIL = 'An expired variation covers nothing.';
	END IF;
	INSERT INTO cfgmgr.variation (service_pattern, path_pattern, environments, reason, expires_at)
	VALUES (service_pattern, path_pattern, environments, reason, expires_at)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION cfgmgr.expect_variation(text, text, text[], text, timestamptz) IS 'declares an expected difference between environments; returns its id';

CREATE FUNCTION cfgmgr.drop_variation(id bigint) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	IF NOT cfgmgr.has_privilege('write') THEN
		RAISE EXCEPTION 'access denied: role "%" may write nowhere, so it may not drop variations', current_user
			USING ERRCODE = 'CM008';
	END IF;
	DELETE FROM cfgmgr.variation v WHERE v.id OPERATOR(pg_catalog.=) drop_variation.id;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'variation % does not exist', id USING ERRCODE = '42704';
	END IF;
END
$$;
COMMENT ON FUNCTION cfgmgr.drop_variation(bigint) IS 'removes a declared variation';

CREATE VIEW cfgmgr.variations WITH (security_invoker = true) AS
SELECT v.id, v.service_pattern, v.path_pattern, v.environments, v.reason, v.owner,
	   v.created_at, v.expires_at,
	   (v.expires_at IS NULL OR v.expires_at OPERATOR(pg_catalog.>) pg_catalog.now()) AS active
  FROM cfgmgr.variation v;
COMMENT ON VIEW cfgmgr.variations IS 'declared variations; expired ones (active = false) cover nothing';

-- ---------------------------------------------------------------------
-- Drift between environments
-- ---------------------------------------------------------------------

-- drift() is an SQL function over two C functions: drift_rows() streams
-- the differing leaves (from a select list, so nothing is materialized)
-- with a fix code, and drift_statement() writes the remediation statement
-- from it, only when that column is read.
CREATE TYPE cfgmgr.drift_row AS (service text, path text, kind text, left_value jsonb,
								 right_value jsonb, expected bool, reason text, fix text);
COMMENT ON TYPE cfgmgr.drift_row IS 'internal: a row of cfgmgr.drift_rows()';

CREATE FUNCTION cfgmgr.drift_rows(left_env text, right_env text, service text, provider text)
RETURNS SETOF cfgmgr.drift_row
	AS 'MODULE_PATHNAME', 'cfgmgr_drift_rows' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION cfgmgr.drift_rows(text, text, text, text) IS 'internal: the rows of cfgmgr.drift(), with a fix code instead of the statement';

CREATE FUNCTION cfgmgr.drift_statement(fix text, left_env text, right_env text, service text,
									   path text, left_value jsonb, right_value jsonb, provider text)
RETURNS text
	AS 'MODULE_PATHNAME', 'cfgmgr_drift_statement' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.drift_statement(text, text, text, text, text, jsonb, jsonb, text) IS 'internal: the remediation statement of a drift row';

CREATE FUNCTION cfgmgr.drift(left_env text, right_env text, service text DEFAULT NULL,
							 provider text DEFAULT NULL)
RETURNS TABLE(service text, path text, kind text, left_value jsonb, right_value jsonb,
			  expected bool, reason text, remediation text)
LANGUAGE sql STABLE PARALLEL RESTRICTED ROWS 100 AS $$
	SELECT (d.r).service, (d.r).path, (d.r).kind, (d.r).left_value, (d.r).right_value,
		   (d.r).expected, (d.r).reason,
		   cfgmgr.drift_statement((d.r).fix, drift.left_env, drift.right_env, (d.r).service,
								  (d.r).path, (d.r).left_value, (d.r).right_value, drift.provider)
	  FROM (SELECT cfgmgr.drift_rows(drift.left_env, drift.right_env, drift.service, drift.provider) AS r
			OFFSET 0) d
$$;
COMMENT ON FUNCTION cfgmgr.drift(text, text, text, text) IS 'resolved configurations of two environments compared leaf by leaf, with expected variations and remediation statements';

CREATE FUNCTION cfgmgr.remediate(left_env text, right_env text, service text DEFAULT NULL,
								 provider text DEFAULT NULL, paths text[] DEFAULT NULL,
								 include_expected bool DEFAULT false, message text DEFAULT NULL)
RETURNS TABLE(service text, path text, kind text, statement text, applied bool)
	AS 'MODULE_PATHNAME', 'cfgmgr_remediate' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.remediate(text, text, text, text, text[], bool, text) IS 'applies the remediation statements of the selected drift in one changeset';

-- The environment each environment is compared with: reference_env when
-- given, else the environment named by its label "drift_reference", else
-- its parent.  Roots without a reference are not listed.
CREATE FUNCTION cfgmgr.drift_pairs(reference_env text DEFAULT NULL)
RETURNS TABLE(environment text, reference text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT e.name, COALESCE(reference_env, e.labels OPERATOR(pg_catalog.->>) 'drift_reference', p.name)
	  FROM cfgmgr.environment e
	  LEFT JOIN cfgmgr.environment p ON p.id OPERATOR(pg_catalog.=) e.parent_id
	 WHERE e.dropped_at IS NULL
	   AND COALESCE(reference_env, e.labels OPERATOR(pg_catalog.->>) 'drift_reference', p.name)
		   OPERATOR(pg_catalog.<>) e.name
	 ORDER BY e.name
$$;
COMMENT ON FUNCTION cfgmgr.drift_pairs(text) IS 'every environment with the environment it is compared with (reference_env, its label drift_reference, or its parent)';

CREATE FUNCTION cfgmgr.drift_report(reference_env text DEFAULT NULL, include_expected bool DEFAULT false)
RETURNS TABLE(environment text, reference text, service text, path text, kind text,
			  left_value jsonb, right_value jsonb, expected bool, reason text, remediation text)
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
	SELECT p.environment, p.reference, d.service, d.path, d.kind, d.left_value, d.right_value,
		   d.expected, d.reason, d.remediation
	  FROM cfgmgr.drift_pairs(reference_env) p
	 CROSS JOIN LATERAL cfgmgr.drift(p.reference, p.environment) d
	 WHERE include_expected OR NOT d.expected
$$;
COMMENT ON FUNCTION cfgmgr.drift_report(text, bool) IS 'for every environment, its drift (unexpected only by default) against its reference or parent';

CREATE VIEW cfgmgr.drift_summary WITH (security_invoker = true) AS
WITH pairs AS (SELECT p.environment, p.reference FROM cfgmgr.drift_pairs() p),
	 d AS (SELECT p.environment, p.reference, x.service, x.expected
			 FROM pairs p CROSS JOIN LATERAL cfgmgr.drift(p.reference, p.environment) x)
SELECT p.reference AS left_env, p.environment AS right_env, s.name AS service,
	   pg_catalog.count(d.service) FILTER (WHERE d.expected) AS expected,
	   pg_catalog.count(d.service) FILTER (WHERE NOT d.expected) AS unexpected
  FROM pairs p
 CROSS JOIN cfgmgr.service s
  LEFT JOIN d ON d.environment OPERATOR(pg_catalog.=) p.environment
			 AND d.service OPERATOR(pg_catalog.=) s.name
 GROUP BY p.reference, p.environment, s.name
 ORDER BY p.environment, s.name;
COMMENT ON VIEW cfgmgr.drift_summary IS 'per environment and its reference (label drift_reference, else its parent) and service: counts of expected and unexpected drift';

-- ---------------------------------------------------------------------
-- Observed configuration: what agents report as deployed
-- ---------------------------------------------------------------------

-- Append-only snapshots: one row per report, never updated.
CREATE TABLE cfgmgr.observation (
	id					bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	env_id				int NOT NULL REFERENCES cfgmgr.environment (id),
	service_id			int NOT NULL REFERENCES cfgmgr.service (id),
	provider			text COLLATE "C" NOT NULL DEFAULT '',
	document			jsonb NOT NULL
		CONSTRAINT observation_document_check
		CHECK (pg_catalog.jsonb_typeof(document) OPERATOR(pg_catalog.=) 'object'),
	source				text,
	reported_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	reported_by			text NOT NULL DEFAULT pg_catalog.current_user()
);
CREATE INDEX observation_latest ON cfgmgr.observation (env_id, service_id, provider, id);
COMMENT ON TABLE cfgmgr.observation IS 'configuration reported as deployed, one append-only snapshot per report';
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.observation', '');
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.observation_id_seq', '');
REVOKE ALL ON cfgmgr.observation FROM PUBLIC;

CREATE FUNCTION cfgmgr.observation_immutable() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'observations are append-only'
		USING ERRCODE = '0A000',
			  HINT = 'Report a new snapshot with cfgmgr.report_observed(); remove old ones with cfgmgr.prune_observations().';
END
$$;
CREATE TRIGGER observation_immutable BEFORE UPDATE ON cfgmgr.observation
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.observation_immutable();

CREATE FUNCTION cfgmgr.report_observed(env text, service text, document jsonb,
									   provider text DEFAULT NULL, source text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	new_id bigint;
	max_size bigint := (SELECT s.setting::bigint FROM pg_catalog.pg_settings s WHERE s.name = 'cfgmgr.import_max_size');
BEGIN
	PERFORM cfgmgr.require('write', $1, $2);
	IF document IS NULL THEN
		RAISE EXCEPTION 'document must not be null' USING ERRCODE = '22004';
	END IF;
	IF jsonb_typeof(document) <> 'object' THEN
		RAISE EXCEPTION 'observed document must be a JSON object, not %', jsonb_typeof(document)
			USING ERRCODE = '22023', DETAIL = 'Report the service''s configuration as one object of keys.';
	END IF;
	IF pg_column_size(document) > max_size THEN
		RAISE EXCEPTION 'observed document is too large: % bytes', pg_column_size(document)
			USING ERRCODE = '54000',
				  DETAIL = format('The limit is cfgmgr.import_max_size = %s bytes.', max_size);
	END IF;
	IF provider IS NOT NULL AND NOT EXISTS (SELECT FROM cfgmgr.provider p WHERE p.name OPERATOR(pg_catalog.=) report_observed.provider) THEN
		RAISE EXCEPTION 'provider "%" does not exist', provider
			USING ERRCODE = '42704', HINT = 'The known providers are listed in table cfgmgr.provider.';
	END IF;
	INSERT INTO cfgmgr.observation (env_id, service_id, provider, document, source)
	VALUES (cfgmgr.environment_id(env), cfgmgr.service_id(service), COALESCE(provider, ''), document, source)
	RETURNING id INTO new_id;
	RETURN new_id;
END
$$;
COMMENT ON FUNCTION cfgmgr.report_observed(text, text, jsonb, text, text) IS 'stores a snapshot of the configuration deployed for a service in an environment; returns its id';

CREATE FUNCTION cfgmgr.prune_observations(older_than interval DEFAULT '30 days') RETURNS bigint
LANGUAGE sql SET search_path = pg_catalog, pg_temp AS $$
	SELECT cfgmgr.require('admin', NULL, NULL);
	WITH gone AS (
		DELETE FROM cfgmgr.observation o
		 WHERE o.reported_at OPERATOR(pg_catalog.<) (pg_catalog.now() OPERATOR(pg_catalog.-) older_than)
		   AND EXISTS (SELECT FROM cfgmgr.observation n
						WHERE n.env_id OPERATOR(pg_catalog.=) o.env_id
						  AND n.service_id OPERATOR(pg_catalog.=) o.service_id
						  AND n.provider OPERATOR(pg_catalog.=) o.provider
						  AND n.id OPERATOR(pg_catalog.>) o.id)
		RETURNING 1)
	SELECT pg_catalog.count(*) FROM gone
$$;
COMMENT ON FUNCTION cfgmgr.prune_observations(interval) IS 'deletes snapshots older than the interval, keeping the latest of every environment, service and provider';

-- The latest snapshot of every environment, service and provider.
CREATE VIEW cfgmgr.observations WITH (security_invoker = true) AS
SELECT e.name AS environment, s.name AS service, NULLIF(o.provider, '') AS provider,
	   o.id, o.source, o.reported_at, o.reported_by, o.document
  FROM (SELECT DISTINCT ON (o.env_id, o.service_id, o.provider) o.*
		  FROM cfgmgr.observation o
		 ORDER BY o.env_id, o.service_id, o.provider, o.id DESC) o
  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) o.env_id
  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) o.service_id;
COMMENT ON VIEW cfgmgr.observations IS 'the latest reported snapshot of every environment, service and provider';

CREATE FUNCTION cfgmgr.drift_observed_rows(env text, service text, provider text)
RETURNS SETOF cfgmgr.drift_row
	AS 'MODULE_PATHNAME', 'cfgmgr_drift_observed_rows' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION cfgmgr.drift_observed_rows(text, text, text) IS 'internal: the rows of cfgmgr.drift_observed(), with a fix code instead of the statement';

CREATE FUNCTION cfgmgr.drift_observed(env text, service text DEFAULT NULL, provider text DEFAULT NULL)
RETURNS TABLE(service text, path text, kind text, left_value jsonb, right_value jsonb,
			  expected bool, reason text, remediation text)
LANGUAGE sql STABLE PARALLEL RESTRICTED ROWS 100 AS $$
	SELECT (d.r).service, (d.r).path, (d.r).kind, (d.r).left_value, (d.r).right_value,
		   (d.r).expected, (d.r).reason,
		   cfgmgr.drift_statement((d.r).fix, drift_observed.env, drift_observed.env, (d.r).service,
								  (d.r).path, (d.r).left_value, (d.r).right_value, drift_observed.provider)
	  FROM (SELECT cfgmgr.drift_observed_rows(drift_observed.env, drift_observed.service,
											  drift_observed.provider) AS r
			OFFSET 0) d
$$;
COMMENT ON FUNCTION cfgmgr.drift_observed(text, text, text) IS 'declared (left) against the latest observed (right) configuration, leaf by leaf; only_right = deployed but not declared';

CREATE FUNCTION cfgmgr.drift_coverage(env text) RETURNS numeric
	AS 'MODULE_PATHNAME', 'cfgmgr_drift_coverage' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.drift_coverage(text) IS 'share (0 to 1) of the observed leaves of an environment that are declared; NULL when nothing was observed';
