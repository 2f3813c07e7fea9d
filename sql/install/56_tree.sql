--
-- Configuration as a tree of files, for Git (issue "Git-ready export"):
-- export_tree, import_tree and their internal helpers (src/cfg_tree.c).
-- See doc/git.md.
--
-- Layout: environments.yaml (the environment tree), and per environment
-- and service ENV/SERVICE.yaml (provider-neutral values) and
-- ENV/SERVICE.PROVIDER.yaml (values for one provider), each what
-- export_yaml(env, service, provider, resolved => false) writes.
--

-- internal: environments.yaml read into a JSON array (CM013 with line and column)
CREATE FUNCTION cfgmgr.tree_environments(yaml text)
RETURNS jsonb
	AS 'MODULE_PATHNAME', 'cfgmgr_tree_environments' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.tree_environments(text) IS 'internal (import_tree): the environments of an environments.yaml as a JSON array of {name, parent, is_production, approval_required, required_approvals, labels, line}';

-- internal: JSON text that is also YAML a reader takes back unchanged
CREATE FUNCTION cfgmgr.tree_json_flow(value jsonb)
RETURNS text
	AS 'MODULE_PATHNAME', 'cfgmgr_tree_json_flow' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.tree_json_flow(jsonb) IS 'internal (export_tree): JSON text of a value with the characters YAML cannot hold raw escaped';

-- internal: an environment name as a YAML scalar (plain when it reads back as that string)
CREATE FUNCTION cfgmgr.tree_yaml_name(name text)
RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE SET search_path = pg_catalog, pg_temp
RETURN CASE WHEN name OPERATOR(pg_catalog.~) '^[A-Za-z_][A-Za-z0-9_-]*$'
			 AND NOT pg_catalog.lower(name) OPERATOR(pg_catalog.=)
				 ANY (ARRAY['null', 'true', 'false', 'yes', 'no', 'on', 'off', 'y', 'n'])
			THEN name
			ELSE pg_catalog.to_jsonb(name)::text END;
COMMENT ON FUNCTION cfgmgr.tree_yaml_name(text) IS 'internal (export_tree): a name as a YAML scalar, quoted when plain would read as something else';

-- internal: re-raise an error of one file of a tree with the file's name
CREATE FUNCTION cfgmgr.tree_reraise(context text, state text, message text, detail text, hint text)
RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	m text := context || ': ' || message;
BEGIN
	IF nullif(detail, '') IS NOT NULL AND nullif(hint, '') IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = m, DETAIL = detail, HINT = hint;
	ELSIF nullif(detail, '') IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = m, DETAIL = detail;
	ELSIF nullif(hint, '') IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = m, HINT = hint;
	ELSE
		RAISE EXCEPTION USING ERRCODE = state, MESSAGE = m;
	END IF;
END
$$;
COMMENT ON FUNCTION cfgmgr.tree_reraise(text, text, text, text, text) IS 'internal (import_tree): raises an error again, its message prefixed with the file it came from';

-- ---------------------------------------------------------------------
-- export_tree
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.export_tree(env text DEFAULT NULL, as_of text DEFAULT NULL)
RETURNS TABLE(file text, content text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	seq bigint;
BEGIN
	IF export_tree.as_of IS NOT NULL THEN
		SELECT c.commit_seq INTO seq FROM cfgmgr.changeset c
		 WHERE c.id OPERATOR(pg_catalog.=) cfgmgr.version_changeset(export_tree.as_of);
	END IF;

	IF export_tree.env IS NOT NULL AND NOT EXISTS
		(SELECT FROM cfgmgr.environments_at(seq) t WHERE t.name OPERATOR(pg_catalog.=) export_tree.env) THEN
		IF seq IS NOT NULL AND EXISTS (SELECT FROM cfgmgr.environment e
										WHERE e.name OPERATOR(pg_catalog.=) export_tree.env
										  AND e.dropped_at IS NULL) THEN
			RAISE EXCEPTION 'environment "%" did not exist at version "%"', export_tree.env, export_tree.as_of
				USING ERRCODE = 'CM006';
		END IF;
		RAISE EXCEPTION 'environment "%" does not exist', export_tree.env USING ERRCODE = 'CM006';
	END IF;

	RETURN QUERY
	WITH RECURSIVE
	live AS (SELECT * FROM cfgmgr.environments_at(seq)),
	sel AS (
		SELECT t.id, t.name FROM live t
		 WHERE export_tree.env IS NULL OR t.name OPERATOR(pg_catalog.=) export_tree.env),
	-- (environment, service, provider) with stored entries then
	cur_keys AS (
		SELECT DISTINCT e.env_id, e.service_id, e.provider FROM cfgmgr.entry e
		 WHERE seq IS NULL AND e.env_id OPERATOR(pg_catalog.=) ANY (SELECT sel.id FROM sel)),
	old_keys AS (
		SELECT DISTINCT h.env_id, h.service_id, h.provider FROM cfgmgr.entries_at(seq) h
		 WHERE seq IS NOT NULL AND h.env_id OPERATOR(pg_catalog.=) ANY (SELECT sel.id FROM sel)),
	keys AS (SELECT * FROM cur_keys UNION ALL SELECT * FROM old_keys),
	value_files AS (
		SELECT (sel.name OPERATOR(pg_catalog.||) '/' OPERATOR(pg_catalog.||) s.name
				OPERATOR(pg_catalog.||) CASE WHEN k.provider OPERATOR(pg_catalog.=) '' THEN ''
										ELSE '.' OPERATOR(pg_catalog.||) k.provider END
				OPERATOR(pg_catalog.||) '.yaml')::text COLLATE "C" AS f_name,
			   cfgmgr.export_yaml(sel.name, s.name, NULLIF(k.provider, ''), false, export_tree.as_of) AS f_body
		  FROM keys k
		  JOIN sel ON sel.id OPERATOR(pg_catalog.=) k.env_id
		  JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) k.service_id),
	-- environments.yaml: depth first from the roots, siblings by name
	tree(id, name, parent_name, ord) AS (
		SELECT t.id, t.name, NULL::text, ARRAY[t.name::text COLLATE "C"]
		  FROM live t
		 WHERE t.parent_id IS NULL
			OR NOT EXISTS (SELECT FROM live p WHERE p.id OPERATOR(pg_catalog.=) t.parent_id)
		UNION ALL
		SELECT t.id, t.name, tree.name, tree.ord OPERATOR(pg_catalog.||) (t.name::text COLLATE "C")
		  FROM live t
		  JOIN tree ON t.parent_id OPERATOR(pg_catalog.=) tree.id
		 WHERE pg_catalog.cardinality(tree.ord) OPERATOR(pg_catalog.<) 1000),
	env_file AS (
		SELECT 'environments.yaml'::text COLLATE "C" AS f_name,
			   coalesce('# environment tree (cfgmgr.export_tree; see doc/git.md)' OPERATOR(pg_catalog.||) E'\n'
						OPERATOR(pg_catalog.||)
						pg_catalog.string_agg(
							cfgmgr.tree_yaml_name(tree.name) OPERATOR(pg_catalog.||) E':\n'
							OPERATOR(pg_catalog.||) '  parent: '
							OPERATOR(pg_catalog.||) coalesce(cfgmgr.tree_yaml_name(tree.parent_name), 'null')
							OPERATOR(pg_catalog.||) E'\n  is_production: ' OPERATOR(pg_catalog.||) e.is_production::text
							OPERATOR(pg_catalog.||) E'\n  approval_required: ' OPERATOR(pg_catalog.||) e.approval_required::text
							OPERATOR(pg_catalog.||) E'\n  required_approvals: ' OPERATOR(pg_catalog.||) e.required_approvals::text
							OPERATOR(pg_catalog.||) E'\n  labels: ' OPERATOR(pg_catalog.||) cfgmgr.tree_json_flow(e.labels)
							OPERATOR(pg_catalog.||) E'\n',
							'' ORDER BY tree.ord),
						E'{}\n') AS f_body
		  FROM tree
		  JOIN cfgmgr.environment e ON e.id OPERATOR(pg_catalog.=) tree.id
		 WHERE export_tree.env IS NULL OR tree.name OPERATOR(pg_catalog.=) export_tree.env)
	SELECT x.f_name::text, x.f_body
	  FROM (SELECT * FROM value_files UNION ALL SELECT * FROM env_file) x
	 ORDER BY x.f_name COLLATE "C";
END
$$;
COMMENT ON FUNCTION cfgmgr.export_tree(text, text) IS 'the configuration as files for Git: environments.yaml and ENV/SERVICE[.PROVIDER].yaml per stored values (of one environment or all; as_of: at a version), sorted by file name';

-- ---------------------------------------------------------------------
-- import_tree
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.import_tree(files text[], contents text[], replace bool DEFAULT true,
								   message text DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
	n int;
	i int;
	f text;
	m text[];
	-- the value files, sorted by name: parallel arrays
	v_file text[] := '{}';
	v_env text[] := '{}';
	v_svc text[] := '{}';
	v_prov text[] := '{}';
	v_body text[] := '{}';
	env_body text;
	tree jsonb := '[]';
	named text[] := '{}';		-- environments the tree names
	pending text[];
	progress bool;
	e jsonb;
	cur text;
	cur_parent text;
	exists_now bool;
	visited text[];
	changed bool := false;
	cs bigint;
	r bigint;
	k record;
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	IF files IS NULL OR contents IS NULL THEN
		RAISE EXCEPTION 'files and contents must not be null' USING ERRCODE = '22004';
	END IF;
	IF replace IS NULL THEN
		RAISE EXCEPTION 'replace must not be null' USING ERRCODE = '22004';
	END IF;
	IF coalesce(array_ndims(files), 1) <> 1 OR coalesce(array_ndims(contents), 1) <> 1 THEN
		RAISE EXCEPTION 'files and contents must be one-dimensional arrays' USING ERRCODE = '2202E';
	END IF;
	n := cardinality(files);
	IF cardinality(contents) <> n THEN
		RAISE EXCEPTION 'files and contents must have the same number of elements'
			USING ERRCODE = '2202E',
				  DETAIL = format('files has %s elements, contents has %s.', n, cardinality(contents));
	END IF;

	-- 1. every file name, before anything is read or written
	FOR k IN SELECT u.f, u.c, u.i FROM unnest(files, contents) WITH ORDINALITY AS u(f, c, i)
			 ORDER BY u.f COLLATE "C", u.i LOOP
		IF k.f IS NULL THEN
			RAISE EXCEPTION 'file name number % must not be null', k.i USING ERRCODE = '22004';
		END IF;
		IF k.c IS NULL THEN
			RAISE EXCEPTION 'content of file "%" must not be null', k.f USING ERRCODE = '22004';
		END IF;
		IF k.f = ANY (v_file) OR (k.f = 'environments.yaml' AND env_body IS NOT NULL) THEN
			RAISE EXCEPTION 'file "%" is given more than once', k.f USING ERRCODE = 'CM013';
		END IF;
		IF k.f = 'environments.yaml' THEN
			env_body := k.c;
			CONTINUE;
		END IF;
		m := regexp_match(k.f, '^([A-Za-z0-9_][A-Za-z0-9_-]*)/([A-Za-z0-9_][A-Za-z0-9_-]*)(?:\.([a-z][a-z0-9_-]*))?\.yaml$');
		IF m IS NULL OR octet_length(m[1]) > 63 OR octet_length(m[2]) > 63 OR octet_length(m[3]) > 63 THEN
			RAISE EXCEPTION 'invalid file name "%"', k.f
				USING ERRCODE = 'CM013',
					  DETAIL = 'A configuration tree holds environments.yaml, ENV/SERVICE.yaml and ENV/SERVICE.PROVIDER.yaml, names of 1 to 63 letters, digits, "_" and "-" (providers in lowercase).',
					  HINT = 'Remove the file or rename it.';
		END IF;
		IF m[3] IS NOT NULL AND NOT EXISTS (SELECT FROM cfgmgr.provider p WHERE p.name OPERATOR(pg_catalog.=) m[3]) THEN
			RAISE EXCEPTION 'file "%": provider "%" does not exist', k.f, m[3]
				USING ERRCODE = '42704',
					  HINT = 'The known providers are listed in table cfgmgr.provider.';
		END IF;
		v_file := v_file || k.f;
		v_env := v_env || m[1];
		v_svc := v_svc || m[2];
		v_prov := v_prov || m[3];
		v_body := v_body || k.c;
	END LOOP;

	-- 2. the environment tree: create what is missing, re-parent what moved
	IF env_body IS NOT NULL THEN
		BEGIN
			tree := cfgmgr.tree_environments(env_body);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
									det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
			PERFORM cfgmgr.tree_reraise('file "environments.yaml"', st, msg, det, hnt);
		END;
		SELECT coalesce(array_agg(x->>'name'), '{}') INTO named FROM jsonb_array_elements(tree) x;
		-- parents must exist (in the file or in the database); no cycles
		FOR e IN SELECT x FROM jsonb_array_elements(tree) x LOOP
			IF e->>'parent' IS NOT NULL AND NOT (e->>'parent' = ANY (named))
			   AND NOT EXISTS (SELECT FROM cfgmgr.environment d
								WHERE d.name OPERATOR(pg_catalog.=) (e->>'parent') AND d.dropped_at IS NULL) THEN
				RAISE EXCEPTION 'file "environments.yaml": parent "%" of environment "%" (line %) does not exist',
					e->>'parent', e->>'name', e->>'line'
					USING ERRCODE = 'CM006',
						  HINT = 'Describe the parent in environments.yaml too.';
			END IF;
			-- walk up the tree as it will be: the file's parents, else the database's
			cur := e->>'name';
			visited := ARRAY[cur];
			LOOP
				IF cur = ANY (named) THEN
					SELECT x->>'parent' INTO cur FROM jsonb_array_elements(tree) x WHERE x->>'name' = cur;
				ELSE
					SELECT p.name INTO cur FROM cfgmgr.environment d
					  JOIN cfgmgr.environment p ON p.id OPERATOR(pg_catalog.=) d.parent_id
					 WHERE d.name OPERATOR(pg_catalog.=) cur AND d.dropped_at IS NULL;
					IF NOT FOUND THEN
						cur := NULL;
					END IF;
				END IF;
				EXIT WHEN cur IS NULL;
				IF cur = ANY (visited) THEN
					RAISE EXCEPTION 'file "environments.yaml": environment "%" would descend from itself', cur
						USING ERRCODE = 'CM004',
							  DETAIL = format('The parents form the cycle %s.',
											  array_to_string(visited[array_position(visited, cur):] || cur, ' -> ')),
							  HINT = 'The parents in environments.yaml must form a tree.';
				END IF;
				IF cardinality(visited) >= 1000 THEN
					RAISE EXCEPTION 'file "environments.yaml": the environment chain of "%" would be deeper than 1000 levels',
						e->>'name' USING ERRCODE = 'CM004';
				END IF;
				visited := visited || cur;
			END LOOP;
		END LOOP;
		-- parents first, so that no step makes a transient cycle
		pending := named;
		WHILE cardinality(pending) > 0 LOOP
			progress := false;
			FOR e IN SELECT x FROM jsonb_array_elements(tree) x
					  WHERE x->>'name' = ANY (pending)
						AND (x->>'parent' IS NULL OR NOT (x->>'parent' = ANY (pending))) LOOP
				pending := array_remove(pending, e->>'name');
				progress := true;
				SELECT p.name INTO cur_parent FROM cfgmgr.environment d
				  LEFT JOIN cfgmgr.environment p ON p.id OPERATOR(pg_catalog.=) d.parent_id
				 WHERE d.name OPERATOR(pg_catalog.=) (e->>'name') AND d.dropped_at IS NULL;
				exists_now := FOUND;
				BEGIN
					IF NOT exists_now THEN
						PERFORM cfgmgr.create_environment(e->>'name', e->>'parent',
							(e->>'is_production')::bool, (e->>'approval_required')::bool,
							(e->>'required_approvals')::int, e->'labels');
						changed := true;
					ELSIF cur_parent IS DISTINCT FROM e->>'parent' THEN
						PERFORM cfgmgr.set_parent(e->>'name', e->>'parent');
						changed := true;
					END IF;
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
											det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
					PERFORM cfgmgr.tree_reraise('file "environments.yaml"', st, msg, det, hnt);
				END;
			END LOOP;
			IF NOT progress THEN
				RAISE EXCEPTION 'file "environments.yaml": the parents form a cycle' USING ERRCODE = 'CM004';
			END IF;
		END LOOP;
	END IF;

	-- 3. every value file's environment exists; services are created
	FOR i IN 1 .. cardinality(v_file) LOOP
		IF NOT EXISTS (SELECT FROM cfgmgr.environment d
						WHERE d.name OPERATOR(pg_catalog.=) v_env[i] AND d.dropped_at IS NULL) THEN
			RAISE EXCEPTION 'file "%": environment "%" does not exist', v_file[i], v_env[i]
				USING ERRCODE = 'CM006',
					  HINT = 'Describe it in environments.yaml.';
		END IF;
		IF NOT EXISTS (SELECT FROM cfgmgr.service s WHERE s.name OPERATOR(pg_catalog.=) v_svc[i]) THEN
			PERFORM cfgmgr.create_service(v_svc[i]);
		END IF;
		named := named || v_env[i];
	END LOOP;

	-- 4. the values, file by file; a file that is exactly what export_yaml
	-- writes now stores nothing new (import_yaml would still open a changeset)
	FOR i IN 1 .. cardinality(v_file) LOOP
		CONTINUE WHEN v_body[i] OPERATOR(pg_catalog.=)
			cfgmgr.export_yaml(v_env[i], v_svc[i], v_prov[i], false);
		BEGIN
			r := cfgmgr.import_yaml(v_env[i], v_svc[i], v_body[i], v_prov[i],
									replace => import_tree.replace, message => import_tree.message);
		EXCEPTION WHEN OTHERS THEN
			GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
									det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
			PERFORM cfgmgr.tree_reraise(format('file "%s"', v_file[i]), st, msg, det, hnt);
		END;
		cs := coalesce(cs, r);
	END LOOP;

	-- 5. replace: a file that is not there any more had its values removed
	IF import_tree.replace THEN
		FOR k IN SELECT DISTINCT d.name AS env, s.name AS svc, NULLIF(en.provider, '') AS prov
				   FROM cfgmgr.entry en
				   JOIN cfgmgr.environment d ON d.id OPERATOR(pg_catalog.=) en.env_id
				   JOIN cfgmgr.service s ON s.id OPERATOR(pg_catalog.=) en.service_id
				  WHERE d.dropped_at IS NULL AND d.name OPERATOR(pg_catalog.=) ANY (named)
				  ORDER BY 1, 2, 3 LOOP
			f := k.env || '/' || k.svc || coalesce('.' || k.prov, '') || '.yaml';
			CONTINUE WHEN f = ANY (v_file);
			BEGIN
				r := cfgmgr.import_yaml(k.env, k.svc, '{}', k.prov, replace => true,
										message => import_tree.message);
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
										det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
				PERFORM cfgmgr.tree_reraise(format('removing the values of deleted file "%s"', f), st, msg, det, hnt);
			END;
			cs := coalesce(cs, r);
		END LOOP;
	END IF;

	IF cs IS NULL AND changed THEN
		cs := cfgmgr.current_changeset();
	END IF;
	RETURN cs;
END
$$;
COMMENT ON FUNCTION cfgmgr.import_tree(text[], text[], bool, text) IS 'imports a configuration tree (environments.yaml and ENV/SERVICE[.PROVIDER].yaml files) in one transaction; replace => true also removes the values of files that are not there; returns the changeset id, NULL when nothing changed';
