--
-- Service schemas, cross-parameter constraints and commit-time enforcement
-- (src/cfg_schema.c).  The JSON Schema engine itself is in 40_schema_engine.
--

-- The tables (service_schema, schema_annotation, service_constraint) are in 20_tables.sql.

CREATE TRIGGER service_schema_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.service_schema
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
CREATE TRIGGER schema_annotation_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.schema_annotation
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
CREATE TRIGGER service_constraint_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.service_constraint
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');

-- Schema versions are history: never rewritten.
CREATE TRIGGER service_schema_append_only BEFORE UPDATE OR DELETE ON cfgmgr.service_schema
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.refuse_change();
CREATE TRIGGER service_schema_no_truncate BEFORE TRUNCATE ON cfgmgr.service_schema
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.refuse_change();

-- ---------------------------------------------------------------------
-- Functions
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.register_schema(service text, schema jsonb, force bool DEFAULT false)
RETURNS int
	AS 'MODULE_PATHNAME', 'cfgmgr_register_schema' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.register_schema(text, jsonb, bool) IS 'registers a new version of a service''s JSON Schema; refuses incompatible or violated schemas unless force';

CREATE FUNCTION cfgmgr.schema_compat(service text, schema jsonb)
RETURNS TABLE(path text, change text, breaking bool, detail text)
	AS 'MODULE_PATHNAME', 'cfgmgr_schema_compat' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.schema_compat(text, jsonb) IS 'differences between the registered schema of a service and a new one, and which are breaking';

CREATE FUNCTION cfgmgr.validate(env text, service text, provider text DEFAULT NULL)
RETURNS TABLE(path text, keyword text, message text)
	AS 'MODULE_PATHNAME', 'cfgmgr_validate' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.validate(text, text, text) IS 'every violation of the schema and constraints by the resolved configuration; empty = valid';

CREATE FUNCTION cfgmgr.add_constraint(service text, name text, check_sql text, message text)
RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_add_constraint' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.add_constraint(text, text, text, text) IS 'adds a cross-parameter rule: a boolean SQL expression over cfg, the resolved jsonb';

CREATE FUNCTION cfgmgr.drop_constraint(service text, name text)
RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_drop_constraint' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.drop_constraint(text, text) IS 'removes a cross-parameter rule';

-- Commit-time enforcement: validates every (environment, provider) whose
-- resolved configuration the transaction changed, descendants included.
CREATE FUNCTION cfgmgr.validate_at_commit() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_validate_at_commit' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.validate_at_commit() IS 'deferred constraint trigger: validates changed configurations at commit';

CREATE CONSTRAINT TRIGGER entry_validate AFTER INSERT OR UPDATE OR DELETE ON cfgmgr.entry
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.validate_at_commit();
CREATE CONSTRAINT TRIGGER environment_validate AFTER UPDATE OF parent_id, labels ON cfgmgr.environment
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.validate_at_commit();
CREATE CONSTRAINT TRIGGER target_validate AFTER INSERT OR UPDATE OR DELETE ON cfgmgr.target
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.validate_at_commit();
CREATE CONSTRAINT TRIGGER service_constraint_validate AFTER INSERT OR UPDATE ON cfgmgr.service_constraint
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.validate_at_commit();

CREATE VIEW cfgmgr.schemas WITH (security_invoker = true) AS
SELECT s.name AS service, v.version, v.schema, v.forced, v.changeset, v.registered_at, v.registered_by,
	   v.version OPERATOR(pg_catalog.=) s.schema_version AS current
  FROM cfgmgr.service_schema v
  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) v.service_id;
COMMENT ON VIEW cfgmgr.schemas IS 'every schema version of every service';

CREATE VIEW cfgmgr.constraints WITH (security_invoker = true) AS
SELECT s.name AS service, c.name, c.check_sql, c.message, c.created_at, c.created_by
  FROM cfgmgr.service_constraint c
  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) c.service_id;
COMMENT ON VIEW cfgmgr.constraints IS 'cross-parameter rules';
