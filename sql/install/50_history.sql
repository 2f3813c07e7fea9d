--
-- History and versions: history(), tag() and tags, versions, rollback,
-- diff_versions (src/cfg_version.c).
--

CREATE TABLE cfgmgr.tag (
	name				text COLLATE "C" PRIMARY KEY
		CONSTRAINT tag_name_check
		CHECK (name OPERATOR(pg_catalog.~) '^[A-Za-z0-9_][A-Za-z0-9_.-]*$'
			   AND pg_catalog.octet_length(name) OPERATOR(pg_catalog.<=) 63),
	changeset			bigint NOT NULL REFERENCES cfgmgr.changeset (id),
	note				text,
	created_at			timestamptz NOT NULL DEFAULT pg_catalog.now(),
	created_by			text NOT NULL DEFAULT pg_catalog.current_user()
);
COMMENT ON TABLE cfgmgr.tag IS 'named changesets (read through the cfgmgr.tags view)';
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.tag', '');
REVOKE ALL ON cfgmgr.tag FROM PUBLIC;

-- ---------------------------------------------------------------------
-- The configuration as of a commit sequence (cfgmgr.changeset.commit_seq):
-- the building blocks of as_of, rollback and the exports, defined once.
-- ---------------------------------------------------------------------

-- What cfgmgr.entry held right after the changeset with commit_seq seq
-- committed: per key the newest history row of a changeset committed by
-- then, unless that row removed the entry.  For one key, history ids follow
-- commit order (writers of a key wait for each other's row lock).  Plain
-- SQL without SET so the planner inlines it and pushes the caller's filters
-- on environment, service, path and provider into the index scan of the
-- history; every name is schema-qualified.  The last column is a secret's
-- ciphertext then (value holds the mask): only cfgmgr_owner may read it, so
-- the function is for code reading the history as that role.
CREATE FUNCTION cfgmgr.entries_at(seq bigint)
RETURNS TABLE(env_id int, service_id int, path cfgmgr.cfgpath, provider text, value jsonb,
			  tombstone bool, secret bool, changeset bigint, ciphertext bytea)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
	SELECT h.env_id, h.service_id, h.path, h.provider, h.new_value,
		   h.op OPERATOR(pg_catalog.=) 'block', h.secret, h.changeset, h.new_ciphertext
	  FROM (SELECT DISTINCT ON (h.env_id, h.service_id, h.path, h.provider)
				   h.env_id, h.service_id, h.path, h.provider, h.op, h.new_value, h.secret, h.changeset,
				   h.new_ciphertext
			  FROM cfgmgr.change h
			  JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) h.changeset
			 WHERE c.commit_seq OPERATOR(pg_catalog.<=) $1
			 ORDER BY h.env_id, h.service_id, h.path, h.provider, h.id DESC) h
	 WHERE h.op OPERATOR(pg_catalog.<>) 'unset'
$$;
COMMENT ON FUNCTION cfgmgr.entries_at(bigint) IS 'internal: the stored entries as they were at a commit sequence';

-- The environments live right after commit sequence seq (NULL: now), with
-- their parents then.
CREATE FUNCTION cfgmgr.environments_at(seq bigint)
RETURNS TABLE(id int, name text, parent_id int)
LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
	SELECT e.id, e.name, e.parent_id FROM cfgmgr.environment e
	 WHERE environments_at.seq IS NULL AND e.dropped_at IS NULL
	UNION ALL
	SELECT x.env_id, x.name, x.parent_id
	  FROM (SELECT DISTINCT ON (x.env_id) x.env_id, x.name, x.parent_id, x.op
			  FROM cfgmgr.environment_change x
			  JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) x.changeset
			 WHERE environments_at.seq IS NOT NULL
			   AND c.commit_seq OPERATOR(pg_catalog.<=) environments_at.seq
			 ORDER BY x.env_id, x.id DESC) x
	 WHERE x.op OPERATOR(pg_catalog.<>) 'drop';
END;
COMMENT ON FUNCTION cfgmgr.environments_at(bigint) IS 'internal: id, name and parent of the environments live at a commit sequence (NULL: now)';

CREATE FUNCTION cfgmgr.environment_id(name text) RETURNS int
	AS 'MODULE_PATHNAME', 'cfgmgr_environment_id' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.environment_id(text) IS 'the id of a live environment (CM006 when there is none)';
CREATE FUNCTION cfgmgr.service_id(name text) RETURNS int
	AS 'MODULE_PATHNAME', 'cfgmgr_service_id' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.service_id(text) IS 'the id of a service (CM007 when there is none)';

-- SQL, not PL/pgSQL: argument and output column names coincide (service,
-- path, provider), so the body uses $n.  No SET clause and every name
-- schema-qualified: the planner inlines the function into the caller's
-- query, folds away the filters that are NULL and reads one key's history
-- through the index (the ids are looked up once per execution).  Newest
-- first by change id: for one key that is commit order (writers of a key
-- wait for each other's row lock); the exact commit order of changesets is
-- cfgmgr.changeset.commit_seq.
CREATE FUNCTION cfgmgr.history(env text DEFAULT NULL, service text DEFAULT NULL,
							   path cfgmgr.cfgpath DEFAULT NULL)
RETURNS TABLE(changeset bigint, at timestamptz, actor text, environment text, service text,
			  path cfgmgr.cfgpath, provider text, op text, old_value jsonb, new_value jsonb,
			  message text)
LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
	SELECT h.changeset, h.at, h.actor, e.name::pg_catalog.text, s.name::pg_catalog.text, h.path,
		   NULLIF(h.provider, '')::pg_catalog.text, h.op,
		   CASE WHEN h.secret AND h.old_value IS NOT NULL THEN '"********"'::pg_catalog.jsonb ELSE h.old_value END,
		   CASE WHEN h.secret AND h.new_value IS NOT NULL THEN '"********"'::pg_catalog.jsonb ELSE h.new_value END,
		   h.message
	  FROM cfgmgr.change h
	  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) h.env_id
	  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) h.service_id
	 WHERE ($1 IS NULL OR h.env_id OPERATOR(pg_catalog.=) cfgmgr.environment_id($1))
	   AND ($2 IS NULL OR h.service_id OPERATOR(pg_catalog.=) cfgmgr.service_id($2))
	   AND ($3 IS NULL OR h.path OPERATOR(cfgmgr.<@) $3)
	 ORDER BY h.id DESC
$$;
COMMENT ON FUNCTION cfgmgr.history(text, text, cfgmgr.cfgpath) IS 'every change, newest first, optionally of one environment, service and path (and below)';

CREATE FUNCTION cfgmgr.version_changeset(version text)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_version_changeset' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.version_changeset(text) IS 'the changeset a version (tag, changeset id or time) names';

CREATE FUNCTION cfgmgr.rollback(env text, to_version text, service text DEFAULT NULL)
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_rollback' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.rollback(text, text, text) IS 'a new changeset making what an environment stores equal to a version';

CREATE FUNCTION cfgmgr.diff_versions(env text, service text, from_version text,
									 to_version text DEFAULT NULL, provider text DEFAULT NULL)
RETURNS TABLE(service text, path text, kind text, left_value jsonb, right_value jsonb,
			  expected bool, reason text, remediation text)
	AS 'MODULE_PATHNAME', 'cfgmgr_diff_versions' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 20;
COMMENT ON FUNCTION cfgmgr.diff_versions(text, text, text, text, text) IS 'resolved configuration of an environment at one version against another, leaf by leaf';

CREATE FUNCTION cfgmgr.tag(name text, note text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	cs bigint;
BEGIN
	IF NOT cfgmgr.has_privilege('write') THEN
		RAISE EXCEPTION 'access denied: role "%" may write nowhere, so it may not tag', current_user
			USING ERRCODE = 'CM008';
	END IF;
	IF name IS NULL THEN
		RAISE EXCEPTION 'tag name must not be null' USING ERRCODE = '22004';
	END IF;
	IF name !~ '^[A-Za-z0-9_][A-Za-z0-9_.-]*$' OR octet_length(name) > 63 THEN
		RAISE EXCEPTION 'invalid tag name: "%"', name
			USING ERRCODE = '22023',
				  DETAIL = 'Tag names are 1 to 63 letters, digits, "_", "." and "-", not starting with "." or "-".';
	END IF;
	IF name ~ '^[0-9]+$' THEN
		RAISE EXCEPTION 'invalid tag name: "%"', name
			USING ERRCODE = '22023', DETAIL = 'A tag name cannot be all digits: it would read as a changeset id.';
	END IF;
	IF EXISTS (SELECT FROM cfgmgr.tag t WHERE t.name OPERATOR(pg_catalog.=) tag.name) THEN
		RAISE EXCEPTION 'tag "%" already exists', name USING ERRCODE = '42710';
	END IF;
	-- the newest committed changeset, in commit order
	SELECT c.id INTO cs FROM cfgmgr.changeset c
	 WHERE c.commit_seq IS NOT NULL ORDER BY c.commit_seq DESC LIMIT 1;
	IF cs IS NULL THEN
		RAISE EXCEPTION 'there is no changeset to tag' USING ERRCODE = 'CM005',
			HINT = 'Tag after the first configuration change.';
	END IF;
	INSERT INTO cfgmgr.tag (name, changeset, note) VALUES (name, cs, note);
	RETURN cs;
END
$$;
COMMENT ON FUNCTION cfgmgr.tag(text, text) IS 'labels the latest changeset with a name; returns its id';

CREATE VIEW cfgmgr.tags WITH (security_invoker = true) AS
SELECT t.name, t.changeset, t.note, c.committed_at AS changeset_at, c.message AS changeset_message,
	   t.created_at, t.created_by
  FROM cfgmgr.tag t
  JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) t.changeset;
COMMENT ON VIEW cfgmgr.tags IS 'tags with their changesets';
