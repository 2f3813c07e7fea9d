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
