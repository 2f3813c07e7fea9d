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

-- C: argument and output column names coincide (service, path, provider).
CREATE FUNCTION cfgmgr.history(env text DEFAULT NULL, service text DEFAULT NULL,
							   path cfgmgr.cfgpath DEFAULT NULL)
RETURNS TABLE(changeset bigint, at timestamptz, actor text, environment text, service text,
			  path cfgmgr.cfgpath, provider text, op text, old_value jsonb, new_value jsonb,
			  message text)
	AS 'MODULE_PATHNAME', 'cfgmgr_history' LANGUAGE C STABLE PARALLEL RESTRICTED ROWS 100;
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
