--
-- Access control: roles, grant/revoke, ownership, privileges and row-level
-- security.  Last in the script so that it covers every table created
-- before it.  The rule itself is C (src/cfg_acl.c); the model is in
-- doc/security.md.
--

-- ---------------------------------------------------------------------
-- Roles.  cfgmgr_owner owns every table and view of the extension; it
-- cannot log in and has no members, so nobody reads the tables as their
-- owner, and FORCE ROW LEVEL SECURITY applies even to it.  cfgmgr_admin
-- and cfgmgr_reader are ready-made groups: GRANT cfgmgr_reader TO grafana.
-- Roles are shared by the databases of a cluster; one created by another
-- database's installation is reused, but never one a user prepared with
-- other attributes (a hostile pre-created cfgmgr_owner with LOGIN or
-- members would be a way around every rule).
-- ---------------------------------------------------------------------
DO $cfgmgr$
DECLARE
	r record;
BEGIN
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'cfgmgr_owner') THEN
		CREATE ROLE cfgmgr_owner NOLOGIN NOINHERIT;
	END IF;
	SELECT * INTO r FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'cfgmgr_owner';
	IF r.rolcanlogin OR r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolbypassrls OR r.rolreplication
	   OR EXISTS (SELECT FROM pg_catalog.pg_auth_members m WHERE m.roleid OPERATOR(pg_catalog.=) r.oid)
	   OR EXISTS (SELECT FROM pg_catalog.pg_auth_members m WHERE m.member OPERATOR(pg_catalog.=) r.oid) THEN
		RAISE EXCEPTION 'role "cfgmgr_owner" exists with attributes or memberships cfgmgr does not give it'
			USING ERRCODE = '42501',
				  DETAIL = 'The owner of cfgmgr''s tables must be NOLOGIN, not a superuser, without CREATEROLE, CREATEDB, BYPASSRLS or REPLICATION, and neither have members nor be a member of any role.',
				  HINT = 'Drop or fix the role, then create the extension again.';
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'cfgmgr_admin') THEN
		CREATE ROLE cfgmgr_admin NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'cfgmgr_reader') THEN
		CREATE ROLE cfgmgr_reader NOLOGIN;
	END IF;
	FOR r IN SELECT rolname FROM pg_catalog.pg_roles
			  WHERE rolname OPERATOR(pg_catalog.=) ANY ('{cfgmgr_admin,cfgmgr_reader}'::text[])
				AND (rolsuper OR rolbypassrls) LOOP
		RAISE EXCEPTION 'role "%" exists as a superuser or with BYPASSRLS', r.rolname
			USING ERRCODE = '42501', HINT = 'Drop or fix the role, then create the extension again.';
	END LOOP;
END
$cfgmgr$;

-- ---------------------------------------------------------------------
-- grant / revoke
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.check_grant_args(role name, privilege text, environment_pattern text,
										service_pattern text)
RETURNS oid
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rid oid;
BEGIN
	IF role IS NULL OR privilege IS NULL OR environment_pattern IS NULL OR service_pattern IS NULL THEN
		RAISE EXCEPTION 'role, privilege and patterns must not be null' USING ERRCODE = '22004';
	END IF;
	IF privilege OPERATOR(pg_catalog.<>) ALL ('{read,write,read_secret,approve,admin}'::text[]) THEN
		RAISE EXCEPTION 'unknown privilege "%"', privilege
			USING ERRCODE = '22023', HINT = 'Privileges are read, write, read_secret, approve and admin.';
	END IF;
	IF environment_pattern OPERATOR(pg_catalog.!~) '^[A-Za-z0-9_*?-]+$' OR octet_length(environment_pattern) > 63 THEN
		RAISE EXCEPTION 'invalid environment pattern: "%"', environment_pattern
			USING ERRCODE = '22023', DETAIL = 'A pattern is 1 to 63 letters, digits, "_", "-", "*" (any run) and "?" (one character).';
	END IF;
	IF service_pattern OPERATOR(pg_catalog.!~) '^[A-Za-z0-9_*?-]+$' OR octet_length(service_pattern) > 63 THEN
		RAISE EXCEPTION 'invalid service pattern: "%"', service_pattern
			USING ERRCODE = '22023', DETAIL = 'A pattern is 1 to 63 letters, digits, "_", "-", "*" (any run) and "?" (one character).';
	END IF;
	SELECT r.oid INTO rid FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) check_grant_args.role;
	IF rid IS NULL THEN
		RAISE EXCEPTION 'role "%" does not exist', role USING ERRCODE = '42704';
	END IF;
	RETURN rid;
END
$$;
REVOKE ALL ON FUNCTION cfgmgr.check_grant_args(name, text, text, text) FROM PUBLIC;

CREATE FUNCTION cfgmgr."grant"(role name, privilege text, environment_pattern text DEFAULT '*',
							   service_pattern text DEFAULT '*', path_prefix cfgmgr.cfgpath DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rid oid := cfgmgr.check_grant_args(role, privilege, environment_pattern, service_pattern);
	gid bigint;
BEGIN
	IF NOT cfgmgr.may_grant(environment_pattern, service_pattern, path_prefix) THEN
		RAISE EXCEPTION 'access denied: role "%" may not grant on environments "%", services "%"%',
			current_user, environment_pattern, service_pattern,
			CASE WHEN path_prefix IS NULL THEN '' ELSE format(', path "%s"', path_prefix) END
			USING ERRCODE = 'CM008',
				  DETAIL = 'Granting needs admin over a scope at least as wide as the one granted.';
	END IF;
	INSERT INTO cfgmgr.acl (role_id, privilege, env_pattern, service_pattern, path_prefix)
	VALUES (rid, privilege, environment_pattern, service_pattern, path_prefix)
	ON CONFLICT DO NOTHING
	RETURNING id INTO gid;
	IF gid IS NULL THEN
		SELECT a.id INTO gid FROM cfgmgr.acl a
		 WHERE a.role_id OPERATOR(pg_catalog.=) rid AND a.privilege OPERATOR(pg_catalog.=) "grant".privilege
		   AND a.env_pattern OPERATOR(pg_catalog.=) environment_pattern
		   AND a.service_pattern OPERATOR(pg_catalog.=) "grant".service_pattern
		   AND (a.path_prefix OPERATOR(cfgmgr.=) "grant".path_prefix
				OR (a.path_prefix IS NULL AND "grant".path_prefix IS NULL));
	END IF;
	RETURN gid;
END
$$;
COMMENT ON FUNCTION cfgmgr."grant"(name, text, text, text, cfgmgr.cfgpath) IS
	'lets a role (and its members) use a privilege over environments, services and a path prefix; returns the grant id';

CREATE FUNCTION cfgmgr.revoke(role name, privilege text, environment_pattern text DEFAULT '*',
							  service_pattern text DEFAULT '*', path_prefix cfgmgr.cfgpath DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	rid oid := cfgmgr.check_grant_args(role, privilege, environment_pattern, service_pattern);
	n bigint;
BEGIN
	IF NOT cfgmgr.may_grant(environment_pattern, service_pattern, path_prefix) THEN
		RAISE EXCEPTION 'access denied: role "%" may not revoke on environments "%", services "%"%',
			current_user, environment_pattern, service_pattern,
			CASE WHEN path_prefix IS NULL THEN '' ELSE format(', path "%s"', path_prefix) END
			USING ERRCODE = 'CM008',
				  DETAIL = 'Revoking needs admin over a scope at least as wide as the one revoked.';
	END IF;
	DELETE FROM cfgmgr.acl a
	 WHERE NOT a.builtin AND a.role_id OPERATOR(pg_catalog.=) rid AND a.privilege OPERATOR(pg_catalog.=) revoke.privilege
	   AND a.env_pattern OPERATOR(pg_catalog.=) environment_pattern
	   AND a.service_pattern OPERATOR(pg_catalog.=) revoke.service_pattern
	   AND (a.path_prefix OPERATOR(cfgmgr.=) revoke.path_prefix
			OR (a.path_prefix IS NULL AND revoke.path_prefix IS NULL));
	GET DIAGNOSTICS n = ROW_COUNT;
	RETURN n;
END
$$;
COMMENT ON FUNCTION cfgmgr.revoke(name, text, text, text, cfgmgr.cfgpath) IS
	'removes the grant with exactly these arguments; returns how many were removed (0 or 1)';

CREATE VIEW cfgmgr.grants WITH (security_invoker = true) AS
	SELECT a.id, a.role_id::pg_catalog.regrole::pg_catalog.text AS role, a.privilege,
		   a.env_pattern AS environment_pattern, a.service_pattern, a.path_prefix,
		   a.builtin, a.granted_at, a.granted_by
	  FROM cfgmgr.acl a;
COMMENT ON VIEW cfgmgr.grants IS 'grants of cfgmgr privileges (those the current role may see)';

CREATE TRIGGER acl_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.acl
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');

-- The two ready-made groups.
INSERT INTO cfgmgr.acl (role_id, privilege, builtin)
SELECT r.oid, p.privilege, true
  FROM pg_catalog.pg_roles r
  JOIN (VALUES ('cfgmgr_admin', 'admin'), ('cfgmgr_reader', 'read')) p(role, privilege)
	ON r.rolname OPERATOR(pg_catalog.=) p.role;

-- ---------------------------------------------------------------------
-- Ownership and privileges.  Functions stay with the installing role
-- and run as their caller (none is SECURITY DEFINER); C functions read the
-- tables as cfgmgr_owner and check the caller's grants themselves.
-- ---------------------------------------------------------------------
DO $cfgmgr$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT c.oid::pg_catalog.regclass AS rel, c.relkind
			   FROM pg_catalog.pg_class c
			   JOIN pg_catalog.pg_depend d ON d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
				AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e'
			   JOIN pg_catalog.pg_extension x ON x.oid OPERATOR(pg_catalog.=) d.refobjid
			  WHERE x.extnamespace OPERATOR(pg_catalog.=) 'cfgmgr'::pg_catalog.regnamespace AND c.relkind OPERATOR(pg_catalog.=) ANY ('{r,v,S}'::"char"[])
				-- sequences of identity columns follow their table
				AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend o
								 WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
								   AND o.objid OPERATOR(pg_catalog.=) c.oid
								   AND o.deptype OPERATOR(pg_catalog.=) ANY ('{a,i}'::"char"[])) LOOP
		EXECUTE pg_catalog.format('ALTER %s %s OWNER TO cfgmgr_owner',
								  CASE r.relkind WHEN 'r' THEN 'TABLE' WHEN 'v' THEN 'VIEW' ELSE 'SEQUENCE' END,
								  r.rel);
	END LOOP;
END
$cfgmgr$;

GRANT USAGE ON SCHEMA cfgmgr TO PUBLIC;

-- Readable by everyone (names, trees, schemas, changesets: no values).
GRANT SELECT ON cfgmgr.environment, cfgmgr.service, cfgmgr.provider, cfgmgr.target, cfgmgr.changeset,
	cfgmgr.environment_change, cfgmgr.service_schema, cfgmgr.schema_annotation, cfgmgr.service_constraint,
	cfgmgr.tag, cfgmgr.variation TO PUBLIC;
GRANT SELECT ON cfgmgr.environments, cfgmgr.services, cfgmgr."values", cfgmgr.schemas, cfgmgr.constraints,
	cfgmgr.tags, cfgmgr.variations, cfgmgr.drift_summary, cfgmgr.observations, cfgmgr.targets,
	cfgmgr.providers, cfgmgr.provider_regions, cfgmgr.grants TO PUBLIC;

-- Values and their history: rows filtered by the rule.
GRANT SELECT (env_id, service_id, path, provider, value, tombstone, secret, message, changeset,
			  updated_at, updated_by),
	  INSERT (env_id, service_id, path, provider, value, tombstone, secret, message, changeset),
	  UPDATE (value, tombstone, secret, message, changeset),
	  DELETE ON cfgmgr.entry TO PUBLIC;
GRANT SELECT (id, changeset, env_id, service_id, path, provider, op, old_value, new_value, secret,
			  message, at, actor) ON cfgmgr.change TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON cfgmgr.observation TO PUBLIC;
GRANT SELECT, INSERT, DELETE ON cfgmgr.acl TO PUBLIC;

-- Catalog writes by the SQL-language API functions, which run as their
-- caller: the policies below admit an administrator of the object only.
GRANT INSERT, UPDATE, DELETE ON cfgmgr.environment, cfgmgr.service, cfgmgr.target,
	cfgmgr.service_schema, cfgmgr.schema_annotation, cfgmgr.service_constraint TO PUBLIC;
GRANT INSERT, UPDATE ON cfgmgr.provider TO PUBLIC;
GRANT INSERT, DELETE ON cfgmgr.tag, cfgmgr.variation TO PUBLIC;

-- ---------------------------------------------------------------------
-- Row-level security, forced on the owner too
-- ---------------------------------------------------------------------
ALTER TABLE cfgmgr.entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.entry FORCE ROW LEVEL SECURITY;
CREATE POLICY entry_read ON cfgmgr.entry FOR SELECT
	USING (cfgmgr.allowed('read', env_id, service_id, path));
CREATE POLICY entry_insert ON cfgmgr.entry FOR INSERT
	WITH CHECK (cfgmgr.allowed('write', env_id, service_id, path));
CREATE POLICY entry_update ON cfgmgr.entry FOR UPDATE
	USING (cfgmgr.allowed('write', env_id, service_id, path))
	WITH CHECK (cfgmgr.allowed('write', env_id, service_id, path));
CREATE POLICY entry_delete ON cfgmgr.entry FOR DELETE
	USING (cfgmgr.allowed('write', env_id, service_id, path));

ALTER TABLE cfgmgr.change ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.change FORCE ROW LEVEL SECURITY;
CREATE POLICY change_read ON cfgmgr.change FOR SELECT
	USING (cfgmgr.allowed('read', env_id, service_id, path));

ALTER TABLE cfgmgr.observation ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.observation FORCE ROW LEVEL SECURITY;
CREATE POLICY observation_read ON cfgmgr.observation FOR SELECT
	USING (cfgmgr.allowed('read', env_id, service_id, NULL));
CREATE POLICY observation_insert ON cfgmgr.observation FOR INSERT
	WITH CHECK (cfgmgr.allowed('write', env_id, service_id, NULL));
CREATE POLICY observation_delete ON cfgmgr.observation FOR DELETE
	USING (cfgmgr.allowed('admin', NULL, NULL, NULL));

ALTER TABLE cfgmgr.acl ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.acl FORCE ROW LEVEL SECURITY;
CREATE POLICY acl_read ON cfgmgr.acl FOR SELECT
	USING (pg_catalog.pg_has_role(role_id, 'USAGE') OR cfgmgr.may_grant(env_pattern, service_pattern, path_prefix));
CREATE POLICY acl_insert ON cfgmgr.acl FOR INSERT
	WITH CHECK (cfgmgr.may_grant(env_pattern, service_pattern, path_prefix) AND NOT builtin);
CREATE POLICY acl_delete ON cfgmgr.acl FOR DELETE
	USING (cfgmgr.may_grant(env_pattern, service_pattern, path_prefix));

-- Catalog tables: everyone reads, administrators of the object write.
ALTER TABLE cfgmgr.environment ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.environment FORCE ROW LEVEL SECURITY;
CREATE POLICY environment_read ON cfgmgr.environment FOR SELECT USING (true);
CREATE POLICY environment_insert ON cfgmgr.environment FOR INSERT
	WITH CHECK (cfgmgr.allowed_names('admin', name, NULL));
CREATE POLICY environment_update ON cfgmgr.environment FOR UPDATE
	USING (cfgmgr.allowed('admin', id, NULL, NULL) OR cfgmgr.allowed_names('admin', name, NULL))
	WITH CHECK (cfgmgr.allowed_names('admin', name, NULL) OR dropped_at IS NOT NULL);
CREATE POLICY environment_delete ON cfgmgr.environment FOR DELETE
	USING (cfgmgr.allowed('admin', id, NULL, NULL));

ALTER TABLE cfgmgr.service ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.service FORCE ROW LEVEL SECURITY;
CREATE POLICY service_read ON cfgmgr.service FOR SELECT USING (true);
CREATE POLICY service_write ON cfgmgr.service FOR ALL
	USING (cfgmgr.allowed_names('admin', NULL, name))
	WITH CHECK (cfgmgr.allowed_names('admin', NULL, name));

ALTER TABLE cfgmgr.provider ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.provider FORCE ROW LEVEL SECURITY;
CREATE POLICY provider_read ON cfgmgr.provider FOR SELECT USING (true);
CREATE POLICY provider_write ON cfgmgr.provider FOR ALL
	USING (cfgmgr.allowed('admin', NULL, NULL, NULL))
	WITH CHECK (cfgmgr.allowed('admin', NULL, NULL, NULL));

ALTER TABLE cfgmgr.target ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.target FORCE ROW LEVEL SECURITY;
CREATE POLICY target_read ON cfgmgr.target FOR SELECT USING (true);
CREATE POLICY target_write ON cfgmgr.target FOR ALL
	USING (cfgmgr.allowed('admin', env_id, NULL, NULL))
	WITH CHECK (cfgmgr.allowed('admin', env_id, NULL, NULL));

ALTER TABLE cfgmgr.service_schema ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.service_schema FORCE ROW LEVEL SECURITY;
CREATE POLICY service_schema_read ON cfgmgr.service_schema FOR SELECT USING (true);
CREATE POLICY service_schema_write ON cfgmgr.service_schema FOR ALL
	USING (cfgmgr.allowed('admin', NULL, service_id, NULL))
	WITH CHECK (cfgmgr.allowed('admin', NULL, service_id, NULL));

ALTER TABLE cfgmgr.schema_annotation ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.schema_annotation FORCE ROW LEVEL SECURITY;
CREATE POLICY schema_annotation_read ON cfgmgr.schema_annotation FOR SELECT USING (true);
CREATE POLICY schema_annotation_write ON cfgmgr.schema_annotation FOR ALL
	USING (cfgmgr.allowed('admin', NULL, service_id, NULL))
	WITH CHECK (cfgmgr.allowed('admin', NULL, service_id, NULL));

ALTER TABLE cfgmgr.service_constraint ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.service_constraint FORCE ROW LEVEL SECURITY;
CREATE POLICY service_constraint_read ON cfgmgr.service_constraint FOR SELECT USING (true);
CREATE POLICY service_constraint_write ON cfgmgr.service_constraint FOR ALL
	USING (cfgmgr.allowed('admin', NULL, service_id, NULL))
	WITH CHECK (cfgmgr.allowed('admin', NULL, service_id, NULL));

-- Schema resources: written by register_schema_resource (superusers and
-- whom they grant it), read by validation as the owner.
ALTER TABLE cfgmgr.schema_resource ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.schema_resource FORCE ROW LEVEL SECURITY;

-- Tags and declared variations: anyone who may write somewhere.
ALTER TABLE cfgmgr.tag ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.tag FORCE ROW LEVEL SECURITY;
CREATE POLICY tag_read ON cfgmgr.tag FOR SELECT USING (true);
CREATE POLICY tag_insert ON cfgmgr.tag FOR INSERT WITH CHECK (cfgmgr.has_privilege('write'));
CREATE POLICY tag_delete ON cfgmgr.tag FOR DELETE USING (cfgmgr.allowed('admin', NULL, NULL, NULL));

ALTER TABLE cfgmgr.variation ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.variation FORCE ROW LEVEL SECURITY;
CREATE POLICY variation_read ON cfgmgr.variation FOR SELECT USING (true);
CREATE POLICY variation_insert ON cfgmgr.variation FOR INSERT WITH CHECK (cfgmgr.has_privilege('write'));
CREATE POLICY variation_delete ON cfgmgr.variation FOR DELETE
	USING (cfgmgr.has_privilege('write'));

-- Bookkeeping (changeset, change, environment_change, the commit-order
-- sequence) is written by the extension's C code as cfgmgr_owner only.
ALTER TABLE cfgmgr.changeset ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.changeset FORCE ROW LEVEL SECURITY;
CREATE POLICY changeset_read ON cfgmgr.changeset FOR SELECT USING (true);
ALTER TABLE cfgmgr.environment_change ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.environment_change FORCE ROW LEVEL SECURITY;
CREATE POLICY environment_change_read ON cfgmgr.environment_change FOR SELECT USING (true);

-- The audit log (80_audit.sql): the owner appends and moves the chain head,
-- and has no reason to change anything else; global administrators read
-- the log (superusers bypass row-level security).
REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON cfgmgr.audit_log FROM cfgmgr_owner;
REVOKE DELETE, TRUNCATE, REFERENCES, TRIGGER ON cfgmgr.audit_head FROM cfgmgr_owner;
GRANT SELECT ON cfgmgr.audit_log TO PUBLIC;
ALTER TABLE cfgmgr.audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.audit_log FORCE ROW LEVEL SECURITY;
CREATE POLICY audit_log_read ON cfgmgr.audit_log FOR SELECT
	USING (cfgmgr.allowed('admin', NULL, NULL, NULL));
ALTER TABLE cfgmgr.audit_head ENABLE ROW LEVEL SECURITY;
ALTER TABLE cfgmgr.audit_head FORCE ROW LEVEL SECURITY;
