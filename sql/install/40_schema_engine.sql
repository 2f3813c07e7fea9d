-- ---------------------------------------------------------------------
-- JSON Schema engine (src/cfg_jsonschema.c): resources that "$ref",
-- "$dynamicRef" and "$schema" can name, and document validation.
-- ---------------------------------------------------------------------

CREATE TABLE cfgmgr.schema_resource (
	uri text COLLATE "C" PRIMARY KEY,
	document jsonb NOT NULL,
	builtin bool NOT NULL DEFAULT false,
	registered_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE cfgmgr.schema_resource IS
	'JSON Schema documents (meta-schemas, shared definitions) that schemas reference by absolute URI';
COMMENT ON COLUMN cfgmgr.schema_resource.uri IS
	'absolute URI without fragment under which "$ref", "$dynamicRef" and "$schema" find the document';
COMMENT ON COLUMN cfgmgr.schema_resource.document IS 'the schema document';
COMMENT ON COLUMN cfgmgr.schema_resource.builtin IS
	'shipped with the extension (not dumped by pg_dump); false for registered resources';
COMMENT ON COLUMN cfgmgr.schema_resource.registered_at IS 'when the document was last stored';
-- user rows survive pg_dump; shipped rows come back with CREATE EXTENSION
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.schema_resource', 'WHERE NOT builtin');
-- written through cfgmgr.register_schema_resource; validation reads it as the table owner
REVOKE ALL ON cfgmgr.schema_resource FROM PUBLIC;

CREATE TRIGGER schema_resource_invalidate
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.schema_resource
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
COMMENT ON TRIGGER schema_resource_invalidate ON cfgmgr.schema_resource IS
	'drops every backend''s compiled schemas at commit, so changed resources are re-read';

CREATE FUNCTION cfgmgr.register_schema_resource(uri text, document jsonb) RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_register_schema_resource'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.register_schema_resource(text, jsonb) IS
	'stores or replaces a JSON Schema document under an absolute URI after checking that it compiles';
-- it changes what every schema referencing the URI means: administrators only
REVOKE ALL ON FUNCTION cfgmgr.register_schema_resource(text, jsonb) FROM PUBLIC;

-- Both read cfgmgr.schema_resource (remote references), hence STABLE and
-- PARALLEL RESTRICTED.
CREATE FUNCTION cfgmgr.is_valid(schema jsonb, doc jsonb) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_is_valid'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.is_valid(jsonb, jsonb) IS
	'true when doc is valid against the JSON Schema (draft 2020-12 or draft-07); a malformed schema is an error';

CREATE FUNCTION cfgmgr.validate_document(schema jsonb, doc jsonb)
	RETURNS TABLE(path text, keyword text, message text)
	AS 'MODULE_PATHNAME', 'cfgmgr_validate_document'
	LANGUAGE C STABLE STRICT PARALLEL RESTRICTED ROWS 5;
COMMENT ON FUNCTION cfgmgr.validate_document(jsonb, jsonb) IS
	'every violation of the JSON Schema by doc: instance JSON pointer, keyword, message; no rows when valid';
