--
-- History and tags (issue "Versions, history, ..."): history(), tag(), tags.
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

-- SQL language: argument and output column names coincide (service, path,
-- provider), which PL/pgSQL refuses; the body uses $n throughout.
CREATE FUNCTION cfgmgr.history(env text DEFAULT NULL, service text DEFAULT NULL,
							   path cfgmgr.cfgpath DEFAULT NULL)
RETURNS TABLE(changeset bigint, at timestamptz, actor text, environment text, service text,
			  path cfgmgr.cfgpath, provider text, op text, old_value jsonb, new_value jsonb,
			  message text)
LANGUAGE sql STABLE PARALLEL RESTRICTED SET search_path = pg_catalog, pg_temp
AS $$
	SELECT h.changeset, h.at, h.actor, e.name, s.name, h.path, NULLIF(h.provider, ''), h.op,
		   CASE WHEN h.secret AND h.old_value IS NOT NULL THEN '"********"'::jsonb ELSE h.old_value END,
		   CASE WHEN h.secret AND h.new_value IS NOT NULL THEN '"********"'::jsonb ELSE h.new_value END,
		   h.message
	  FROM cfgmgr.change h
	  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) h.env_id
	  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) h.service_id
	 WHERE ($1 IS NULL OR (e.name OPERATOR(pg_catalog.=) $1 AND e.dropped_at IS NULL))
	   AND ($2 IS NULL OR s.name OPERATOR(pg_catalog.=) $2)
	   AND ($3 IS NULL OR h.path OPERATOR(cfgmgr.<@) $3)
	 ORDER BY h.changeset DESC, h.id DESC
$$;
COMMENT ON FUNCTION cfgmgr.history(text, text, cfgmgr.cfgpath) IS 'every change, newest first, optionally of one environment, service and path (and below)';

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
	SELECT max(c.id) INTO cs FROM cfgmgr.changeset c;
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
SELECT t.name, t.changeset, t.note, c.at AS changeset_at, c.message AS changeset_message,
	   t.created_at, t.created_by
  FROM cfgmgr.tag t
  JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) t.changeset;
COMMENT ON VIEW cfgmgr.tags IS 'tags with their changesets';
