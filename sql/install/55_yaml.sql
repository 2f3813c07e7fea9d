--
-- YAML and JSON import and export (issue "Versions, history, YAML/JSON
-- import and export"); see doc/yaml.md.  All in C: src/cfg_yaml.c (libyaml),
-- src/cfg_jsonimport.c, src/cfg_import.c, src/cfg_export.c.
--

-- not STRICT: NULL arguments get a clear error instead of a silent NULL
CREATE FUNCTION cfgmgr.import_yaml(env text, service text, yaml text,
								   provider text DEFAULT NULL, replace bool DEFAULT false,
								   message text DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_import_yaml' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.import_yaml(text, text, text, text, bool, text) IS 'stores a YAML document of paths and values in one changeset (replace => true also removes what it does not name); returns the changeset id, NULL when nothing changed';

CREATE FUNCTION cfgmgr.import_json(env text, service text, json text,
								   provider text DEFAULT NULL, replace bool DEFAULT false,
								   message text DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_import_json' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.import_json(text, text, text, text, bool, text) IS 'stores a JSON document of paths and values in one changeset, like import_yaml; returns the changeset id, NULL when nothing changed';

CREATE FUNCTION cfgmgr.export_yaml(env text, service text, provider text DEFAULT NULL,
								   resolved bool DEFAULT true, as_of text DEFAULT NULL)
RETURNS text
	AS 'MODULE_PATHNAME', 'cfgmgr_export_yaml' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.export_yaml(text, text, text, bool, text) IS 'deterministic YAML of the resolved configuration, or (resolved => false) of the environment''s own entries, tombstones included, which import_yaml(..., replace => true) restores exactly; as_of (a tag, changeset id or time) exports a version';
