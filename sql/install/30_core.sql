--
-- Core: triggers, environments and services, values, resolution.
--

-- ---------------------------------------------------------------------
-- Triggers keeping entries consistent, historied and caches fresh
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.entry_before() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_entry_before' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.entry_before() IS 'checks and stamps (changeset, time, role) every written entry';

CREATE FUNCTION cfgmgr.entry_history() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_entry_history' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.entry_history() IS 'writes one cfgmgr.change row per entry change';

CREATE FUNCTION cfgmgr.invalidate() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_invalidate' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.invalidate() IS 'invalidates every backend''s configuration cache at commit';

CREATE TRIGGER entry_before BEFORE INSERT OR UPDATE ON cfgmgr.entry
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.entry_before();
CREATE TRIGGER entry_history AFTER INSERT OR UPDATE OR DELETE ON cfgmgr.entry
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.entry_history();
CREATE TRIGGER entry_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.entry
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('values');
CREATE TRIGGER environment_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.environment
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
CREATE TRIGGER service_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.service
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
CREATE TRIGGER provider_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.provider
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');
CREATE TRIGGER target_invalidate AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON cfgmgr.target
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.invalidate('catalog');

-- History is append-only.
CREATE FUNCTION cfgmgr.refuse_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
	RAISE EXCEPTION 'cannot % rows of %.%: history is append-only', lower(TG_OP), TG_TABLE_SCHEMA, TG_TABLE_NAME
		USING ERRCODE = 'CM015';
END
$$;
COMMENT ON FUNCTION cfgmgr.refuse_change() IS 'refuses UPDATE, DELETE and TRUNCATE on append-only tables';
-- cfgmgr.change: a C trigger refusing the same, but for the re-encryption of
-- its ciphertext columns by cfgmgr.rotate_key() (src/cfg_secret.c), which
-- no statement of a user can imitate.
CREATE FUNCTION cfgmgr.change_append_only() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_change_append_only' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.change_append_only() IS 'refuses UPDATE and DELETE on cfgmgr.change (except the ciphertexts cfgmgr.rotate_key re-encrypts)';
CREATE TRIGGER change_append_only BEFORE UPDATE OR DELETE ON cfgmgr.change
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.change_append_only();
CREATE TRIGGER change_no_truncate BEFORE TRUNCATE ON cfgmgr.change
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.refuse_change();

-- The environment tree is historied too (reads as of a version walk the
-- tree of that time); every change of it belongs to a changeset.
CREATE FUNCTION cfgmgr.environment_history() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_environment_history' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.environment_history() IS 'records creations, re-parentings and drops of environments';
CREATE TRIGGER environment_history AFTER INSERT OR UPDATE ON cfgmgr.environment
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.environment_history();
CREATE TRIGGER environment_change_append_only BEFORE UPDATE OR DELETE ON cfgmgr.environment_change
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.refuse_change();
CREATE TRIGGER environment_change_no_truncate BEFORE TRUNCATE ON cfgmgr.environment_change
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.refuse_change();

-- Environment parent cycles are refused however the row is written.
CREATE FUNCTION cfgmgr.environment_check_parent() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cur int := NEW.parent_id;
	depth int := 1;			-- levels from the root down to NEW, NEW included
	height int := 0;		-- levels below NEW (when an existing subtree moves)
	pname text;
BEGIN
	IF NEW.parent_id IS NULL THEN
		RETURN NEW;
	END IF;
	SELECT e.name INTO pname FROM cfgmgr.environment e
	 WHERE e.id OPERATOR(pg_catalog.=) NEW.parent_id AND e.dropped_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'parent environment with id % does not exist', NEW.parent_id
			USING ERRCODE = 'CM006';
	END IF;
	WHILE cur IS NOT NULL LOOP
		IF cur OPERATOR(pg_catalog.=) NEW.id THEN
			RAISE EXCEPTION 'environment "%" cannot have "%" as parent: that would form a cycle', NEW.name, pname
				USING ERRCODE = 'CM004',
					  HINT = 'An environment cannot descend from itself.';
		END IF;
		depth := depth + 1;
		IF depth > 1000 THEN
			EXIT;
		END IF;
		SELECT e.parent_id INTO cur FROM cfgmgr.environment e WHERE e.id OPERATOR(pg_catalog.=) cur;
	END LOOP;
	IF TG_OP = 'UPDATE' THEN
		WITH RECURSIVE sub(id, h) AS (
			SELECT NEW.id, 0
			UNION ALL
			SELECT c.id, sub.h + 1 FROM cfgmgr.environment c JOIN sub ON c.parent_id OPERATOR(pg_catalog.=) sub.id
			 WHERE c.dropped_at IS NULL AND sub.h < 1000)
		SELECT max(h) INTO height FROM sub;
	END IF;
	IF depth + height > 1000 THEN
		RAISE EXCEPTION 'environment chain of "%" would be deeper than 1000 levels', NEW.name
			USING ERRCODE = 'CM004',
				  DETAIL = format('It would have %s levels.', depth + height);
	END IF;
	RETURN NEW;
END
$$;
COMMENT ON FUNCTION cfgmgr.environment_check_parent() IS 'refuses environment parent cycles (CM004)';
CREATE TRIGGER environment_check_parent BEFORE INSERT OR UPDATE OF parent_id ON cfgmgr.environment
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.environment_check_parent();

-- ---------------------------------------------------------------------
-- Changesets
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.current_changeset() RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_current_changeset' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.current_changeset() IS 'the changeset id of the current transaction, created on first use';

CREATE FUNCTION cfgmgr.lock_environment(id int, exclusive bool) RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_lock_environment' LANGUAGE C STRICT VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.lock_environment(int, bool) IS 'internal: advisory lock excluding writers of a dropped environment';

-- ---------------------------------------------------------------------
-- Environments and services
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.create_environment(
	name text,
	parent text DEFAULT NULL,
	is_production bool DEFAULT false,
	approval_required bool DEFAULT false,
	required_approvals int DEFAULT 1,
	labels jsonb DEFAULT '{}')
RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	pid int;
	newid int;
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	IF name IS NULL THEN
		RAISE EXCEPTION 'environment name must not be null' USING ERRCODE = '22004';
	END IF;
	IF name !~ '^[A-Za-z0-9_][A-Za-z0-9_-]*$' OR octet_length(name) > 63 THEN
		RAISE EXCEPTION 'invalid environment name: "%"', name
			USING ERRCODE = '22023',
				  DETAIL = 'Names are 1 to 63 letters, digits, "_" and "-", not starting with "-".';
	END IF;
	IF parent IS NOT NULL THEN
		SELECT e.id INTO pid FROM cfgmgr.environment e
		 WHERE e.name OPERATOR(pg_catalog.=) parent AND e.dropped_at IS NULL;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'environment "%" does not exist', parent USING ERRCODE = 'CM006';
		END IF;
	END IF;
	IF EXISTS (SELECT FROM cfgmgr.environment e
				WHERE e.name OPERATOR(pg_catalog.=) create_environment.name AND e.dropped_at IS NULL) THEN
		RAISE EXCEPTION 'environment "%" already exists', name USING ERRCODE = '42710';
	END IF;
	IF required_approvals IS NOT NULL AND required_approvals < 1 THEN
		RAISE EXCEPTION 'required_approvals of environment "%" must be at least 1', name
			USING ERRCODE = '22023';
	END IF;
	IF labels IS NULL OR jsonb_typeof(labels) <> 'object' THEN
		RAISE EXCEPTION 'labels of environment "%" must be a JSON object', name USING ERRCODE = '22023';
	END IF;
	INSERT INTO cfgmgr.environment (name, parent_id, is_production, approval_required, required_approvals, labels)
	VALUES (name, pid, coalesce(is_production, false), coalesce(approval_required, false),
			coalesce(required_approvals, 1), labels)
	RETURNING id INTO newid;
	RETURN newid;
END
$$;
COMMENT ON FUNCTION cfgmgr.create_environment(text, text, bool, bool, int, jsonb) IS 'creates an environment, optionally below a parent';

CREATE FUNCTION cfgmgr.drop_environment(name text, "cascade" bool DEFAULT false)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	eid int;
	ids int[];
	kids text;
	cs bigint;
	i int;
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	IF name IS NULL THEN
		RAISE EXCEPTION 'environment name must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT e.id INTO eid FROM cfgmgr.environment e
	 WHERE e.name OPERATOR(pg_catalog.=) drop_environment.name AND e.dropped_at IS NULL
	   FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'environment "%" does not exist', name USING ERRCODE = 'CM006';
	END IF;
	WITH RECURSIVE sub(id) AS (
		SELECT eid
		UNION
		SELECT c.id FROM cfgmgr.environment c JOIN sub ON c.parent_id OPERATOR(pg_catalog.=) sub.id
		 WHERE c.dropped_at IS NULL)
	SELECT array_agg(id) INTO ids FROM sub;
	IF cardinality(ids) > 1 AND NOT coalesce("cascade", false) THEN
		SELECT string_agg(quote_ident(c.name), ', ' ORDER BY c.name) INTO kids
		  FROM cfgmgr.environment c
		 WHERE c.parent_id OPERATOR(pg_catalog.=) eid AND c.dropped_at IS NULL;
		RAISE EXCEPTION 'cannot drop environment "%" because other environments descend from it', name
			USING ERRCODE = '2BP01',
				  DETAIL = format('Child environments: %s.', kids),
				  HINT = 'Use cascade => true to drop them too.';
	END IF;
	cs := cfgmgr.current_changeset();
	FOREACH i IN ARRAY ids LOOP
		PERFORM cfgmgr.lock_environment(i, true);
	END LOOP;
	DELETE FROM cfgmgr.entry en WHERE en.env_id OPERATOR(pg_catalog.=) ANY (ids);
	UPDATE cfgmgr.environment e SET dropped_at = now() WHERE e.id OPERATOR(pg_catalog.=) ANY (ids);
	RETURN cs;
END
$$;
COMMENT ON FUNCTION cfgmgr.drop_environment(text, bool) IS 'drops an environment and its values (history is kept); cascade drops descendants';

CREATE FUNCTION cfgmgr.set_parent(name text, parent text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	eid int;
	pid int;
BEGIN
	PERFORM cfgmgr.require('admin', $1, NULL);
	IF name IS NULL THEN
		RAISE EXCEPTION 'environment name must not be null' USING ERRCODE = '22004';
	END IF;
	SELECT e.id INTO eid FROM cfgmgr.environment e
	 WHERE e.name OPERATOR(pg_catalog.=) set_parent.name AND e.dropped_at IS NULL;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'environment "%" does not exist', name USING ERRCODE = 'CM006';
	END IF;
	IF parent IS NOT NULL THEN
		SELECT e.id INTO pid FROM cfgmgr.environment e
		 WHERE e.name OPERATOR(pg_catalog.=) parent AND e.dropped_at IS NULL;
		IF NOT FOUND THEN
			RAISE EXCEPTION 'environment "%" does not exist', parent USING ERRCODE = 'CM006';
		END IF;
		IF pid OPERATOR(pg_catalog.=) eid THEN
			RAISE EXCEPTION 'environment "%" cannot be its own parent', name USING ERRCODE = 'CM004';
		END IF;
	END IF;
	PERFORM cfgmgr.current_changeset();
	UPDATE cfgmgr.environment e SET parent_id = pid WHERE e.id OPERATOR(pg_catalog.=) eid;
END
$$;
COMMENT ON FUNCTION cfgmgr.set_parent(text, text) IS 're-parents an environment (NULL makes it a root); cycles are refused with CM004';

CREATE FUNCTION cfgmgr.create_service(name text, description text DEFAULT NULL)
RETURNS int
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	newid int;
BEGIN
	PERFORM cfgmgr.require('admin', NULL, $1);
	IF name IS NULL THEN
		RAISE EXCEPTION 'service name must not be null' USING ERRCODE = '22004';
	END IF;
	IF name !~ '^[A-Za-z0-9_][A-Za-z0-9_-]*$' OR octet_length(name) > 63 THEN
		RAISE EXCEPTION 'invalid service name: "%"', name
			USING ERRCODE = '22023',
				  DETAIL = 'Names are 1 to 63 letters, digits, "_" and "-", not starting with "-".';
	END IF;
	IF EXISTS (SELECT FROM cfgmgr.service s WHERE s.name OPERATOR(pg_catalog.=) create_service.name) THEN
		RAISE EXCEPTION 'service "%" already exists', name USING ERRCODE = '42710';
	END IF;
	INSERT INTO cfgmgr.service (name, description) VALUES (name, description) RETURNING id INTO newid;
	RETURN newid;
END
$$;
COMMENT ON FUNCTION cfgmgr.create_service(text, text) IS 'creates a service (configuration namespace)';

CREATE FUNCTION cfgmgr.environment_chain(env text) RETURNS SETOF text
	AS 'MODULE_PATHNAME', 'cfgmgr_environment_chain' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 4;
COMMENT ON FUNCTION cfgmgr.environment_chain(text) IS 'the environments resolution walks for env, root first';

-- ---------------------------------------------------------------------
-- Values
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.set(env text, service text, path cfgmgr.cfgpath, value jsonb,
						   provider text DEFAULT NULL, secret bool DEFAULT false,
						   message text DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_set' LANGUAGE C VOLATILE PARALLEL UNSAFE;
-- not STRICT: NULL arguments get a clear error instead of a silent NULL
COMMENT ON FUNCTION cfgmgr.set(text, text, cfgmgr.cfgpath, jsonb, text, bool, text) IS 'stores a value; returns the changeset id';

CREATE FUNCTION cfgmgr.unset(env text, service text, path cfgmgr.cfgpath,
							 provider text DEFAULT NULL, block bool DEFAULT false)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_unset' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.unset(text, text, cfgmgr.cfgpath, text, bool) IS 'removes a stored value (and below); block => true also hides inherited values';

CREATE FUNCTION cfgmgr.set_many(env text, service text, "values" jsonb,
								provider text DEFAULT NULL, message text DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_set_many' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.set_many(text, text, jsonb, text, text) IS 'stores every leaf of a nested document in one statement; returns the changeset id';

CREATE FUNCTION cfgmgr.get(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
						   as_of text DEFAULT NULL, fallback jsonb DEFAULT NULL,
						   render bool DEFAULT true)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'cfgmgr_get' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.get(text, text, cfgmgr.cfgpath, text, text, jsonb, bool) IS 'the resolved value at a path (CM005 when missing, unless fallback is given)';

CREATE FUNCTION cfgmgr.get_text(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
								as_of text DEFAULT NULL, fallback text DEFAULT NULL,
								render bool DEFAULT true)
RETURNS text
	AS 'MODULE_PATHNAME', 'cfgmgr_get_text' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.get_text(text, text, cfgmgr.cfgpath, text, text, text, bool) IS 'a resolved JSON string as text (CM001 for another type)';

CREATE FUNCTION cfgmgr.get_int(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
							   as_of text DEFAULT NULL, fallback bigint DEFAULT NULL,
							   render bool DEFAULT true)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_get_int' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.get_int(text, text, cfgmgr.cfgpath, text, text, bigint, bool) IS 'a resolved integral JSON number as bigint (CM001 for another type)';

CREATE FUNCTION cfgmgr.get_bool(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
								as_of text DEFAULT NULL, fallback bool DEFAULT NULL,
								render bool DEFAULT true)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_get_bool' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.get_bool(text, text, cfgmgr.cfgpath, text, text, bool, bool) IS 'a resolved JSON boolean (CM001 for another type)';

CREATE FUNCTION cfgmgr.get_numeric(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
								   as_of text DEFAULT NULL, fallback numeric DEFAULT NULL,
								   render bool DEFAULT true)
RETURNS numeric
	AS 'MODULE_PATHNAME', 'cfgmgr_get_numeric' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.get_numeric(text, text, cfgmgr.cfgpath, text, text, numeric, bool) IS 'a resolved JSON number as numeric (CM001 for another type)';

CREATE FUNCTION cfgmgr.resolve(env text, service text, provider text DEFAULT NULL,
							   as_of text DEFAULT NULL, render bool DEFAULT true)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'cfgmgr_resolve' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.resolve(text, text, text, text, bool) IS 'the whole resolved configuration document of a service';

CREATE FUNCTION cfgmgr.explain(env text, service text, path cfgmgr.cfgpath, provider text DEFAULT NULL,
							   as_of text DEFAULT NULL)
RETURNS TABLE(level int, environment text, provider text, source text, value jsonb, winner bool)
	AS 'MODULE_PATHNAME', 'cfgmgr_explain' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 4;
COMMENT ON FUNCTION cfgmgr.explain(text, text, cfgmgr.cfgpath, text, text) IS 'every stored entry that contributes to a path, in resolution order, and which won';

CREATE FUNCTION cfgmgr.provenance(env text, service text, provider text DEFAULT NULL,
								  as_of text DEFAULT NULL)
RETURNS TABLE(path text, value jsonb, environment text, provider text, changeset bigint)
	AS 'MODULE_PATHNAME', 'cfgmgr_provenance' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;
COMMENT ON FUNCTION cfgmgr.provenance(text, text, text, text) IS 'every resolved leaf with the environment, provider and changeset it came from';

-- ---------------------------------------------------------------------
-- Views
-- ---------------------------------------------------------------------
CREATE VIEW cfgmgr.environments WITH (security_invoker = true) AS
SELECT e.name, p.name AS parent, e.is_production, e.approval_required, e.required_approvals,
	   e.labels, e.created_at, e.created_by
  FROM cfgmgr.environment e
  LEFT JOIN cfgmgr.environment p ON p.id OPERATOR(pg_catalog.=) e.parent_id
 WHERE e.dropped_at IS NULL;
COMMENT ON VIEW cfgmgr.environments IS 'live environments with their parent';

CREATE VIEW cfgmgr.services WITH (security_invoker = true) AS
SELECT s.name, s.description, s.schema_version, s.created_at, s.created_by
  FROM cfgmgr.service s;
COMMENT ON VIEW cfgmgr.services IS 'services';

CREATE VIEW cfgmgr."values" WITH (security_invoker = true) AS
SELECT e.name AS environment, s.name AS service, v.path,
	   NULLIF(v.provider, '') AS provider,
	   CASE WHEN v.secret THEN '"********"'::jsonb ELSE v.value END AS value,
	   v.secret, v.tombstone, v.changeset, v.updated_at, v.updated_by, v.message
  FROM cfgmgr.entry v
  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) v.env_id
  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) v.service_id;
COMMENT ON VIEW cfgmgr."values" IS 'stored values, one row per entry (secrets masked)';
