--
-- Templates: ${...} placeholders in string values (src/cfg_template.c).
-- resolve, get, explain, provenance, drift and export render them; the
-- syntax is checked as values are written (cfgmgr.entry_before).
--

CREATE FUNCTION cfgmgr.render(template text, env text, service text, provider text DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'cfgmgr_render' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.render(text, text, text, text) IS 'a template rendered as a value of the service would be in the environment (for the provider)';

CREATE FUNCTION cfgmgr.check_template(template text) RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_check_template' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.check_template(text) IS 'raises invalid_template (CM012) when the template''s syntax is wrong';

-- May a value hold a template (it contains "${")?  Indexes the entries
-- that do, so the commit-time check knows cheaply whether a service uses
-- templates at all.
CREATE FUNCTION cfgmgr.has_template(value jsonb) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_has_template' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.has_template(jsonb) IS 'true when the value may hold a ${...} template';

CREATE INDEX entry_templated ON cfgmgr.entry (service_id, env_id)
	WHERE cfgmgr.has_template(value);

-- Labels are what ${env.<label>} reads; changing them re-renders (and, at
-- commit, re-validates) the environment's configurations and those below.
CREATE FUNCTION cfgmgr.set_labels(env text, labels jsonb) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	IF env IS NULL THEN
		RAISE EXCEPTION 'environment name must not be null' USING ERRCODE = '22004';
	END IF;
	IF labels IS NULL OR jsonb_typeof(labels) <> 'object' THEN
		RAISE EXCEPTION 'labels of environment "%" must be a JSON object', env USING ERRCODE = '22023';
	END IF;
	UPDATE cfgmgr.environment e SET labels = set_labels.labels
	 WHERE e.name OPERATOR(pg_catalog.=) set_labels.env AND e.dropped_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'environment "%" does not exist', env USING ERRCODE = 'CM006';
	END IF;
	PERFORM cfgmgr.current_changeset();
END
$$;
COMMENT ON FUNCTION cfgmgr.set_labels(text, jsonb) IS 'replaces the labels of an environment (read by ${env.<label>} templates)';
