-- test/suites/drift_props/check.sql - the properties checked for every
-- generated case (see drift_props.sh).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE FUNCTION dp.fail(id int, what text, detail text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO dp.failure VALUES (id, what, detail)
$$;

-- a case, for failure messages
CREATE FUNCTION dp.describe(cid int) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT format(E'left %s, right %s (%s), service %s, provider %s\nshared %s, left own %s, right own %s\nslots %s\nops:\n%s',
				  c.lenv, c.renv, c.relation, c.svc, coalesce(c.prov, 'none'), c.sh, c.lo, c.ro, c.slots,
				  (SELECT string_agg(format('  %s %s', o.phase, o.op), E'\n' ORDER BY o.seq) FROM dp.ops o WHERE o.case_id = cid))
	  FROM dp.cases c WHERE c.id = cid
$$;

CREATE FUNCTION dp.fmt(path text, kind text, l jsonb, r jsonb, e bool, reason text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT format('%s %s %s -> %s%s', path, kind, coalesce(l::text, '-'), coalesce(r::text, '-'),
				  CASE WHEN e THEN format(' (expected: %s)', reason) WHEN e IS NULL THEN '' ELSE '' END)
$$;

CREATE FUNCTION dp.mirror(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE kind WHEN 'only_left' THEN 'only_right' WHEN 'only_right' THEN 'only_left' ELSE kind END
$$;

-- Compare two sets of rows (jsonb arrays of objects with the given keys);
-- returns NULL when equal, else the rows missing and the rows extra.
CREATE FUNCTION dp.setdiff(want jsonb, got jsonb, keys text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	-- a key missing from a row (absent value) stays missing: not JSON null
	WITH w AS (SELECT jsonb_object_agg(k, e -> k) AS r FROM jsonb_array_elements(coalesce(want, '[]')) WITH ORDINALITY a(e, n), unnest(keys) k WHERE e ? k GROUP BY n),
		 g AS (SELECT jsonb_object_agg(k, e -> k) AS r FROM jsonb_array_elements(coalesce(got, '[]')) WITH ORDINALITY a(e, n), unnest(keys) k WHERE e ? k GROUP BY n),
		 missing AS (SELECT r FROM w EXCEPT ALL SELECT r FROM g),
		 extra AS (SELECT r FROM g EXCEPT ALL SELECT r FROM w)
	SELECT nullif(concat_ws(E'\n',
		(SELECT 'missing: ' || string_agg(dp.fmt(r ->> 'path', r ->> 'kind', r -> 'left_value', r -> 'right_value',
												  (r ->> 'expected')::bool, r ->> 'reason'), E'\nmissing: ' ORDER BY r ->> 'path') FROM missing),
		(SELECT 'extra:   ' || string_agg(dp.fmt(r ->> 'path', r ->> 'kind', r -> 'left_value', r -> 'right_value',
												  (r ->> 'expected')::bool, r ->> 'reason'), E'\nextra:   ' ORDER BY r ->> 'path') FROM extra)), '')
$$;

-- rows as a jsonb array; a missing value is left out of its object (not JSON null)
CREATE FUNCTION dp.rowobj(path text, kind text, l jsonb, r jsonb, expected bool, reason text) RETURNS jsonb
LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_build_object('path', path, 'kind', kind, 'expected', expected, 'reason', reason)
		   || CASE WHEN l IS NULL THEN '{}' ELSE jsonb_build_object('left_value', l) END
		   || CASE WHEN r IS NULL THEN '{}' ELSE jsonb_build_object('right_value', r) END
$$;

CREATE FUNCTION dp.drift_rows(lenv text, renv text, svc text, prov text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(dp.rowobj(d.path, d.kind, d.left_value, d.right_value, d.expected, d.reason)
							  || jsonb_build_object('remediation', d.remediation, 'service', d.service)), '[]')
	  FROM cfgmgr.drift(lenv, renv, svc, prov) d
$$;

CREATE FUNCTION dp.planted_rows(cid int) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(dp.rowobj(p.path, p.kind, p.left_value, p.right_value, p.expected, p.reason)), '[]')
	  FROM dp.planted p WHERE p.case_id = cid
$$;

-- the reference diff of the two resolved documents
CREATE FUNCTION dp.reference_rows(lenv text, renv text, svc text, prov text) RETURNS jsonb LANGUAGE sql STABLE AS $$
	SELECT coalesce(jsonb_agg(dp.rowobj(x.path, x.kind, x.left_value, x.right_value, NULL, NULL)), '[]')
	  FROM dp.leafdiff('', cfgmgr.resolve(lenv, svc, prov), cfgmgr.resolve(renv, svc, prov)) x
$$;

-- Run one statement (PREPARE refuses more than one), raising its error.
CREATE FUNCTION dp.run_one(stmt text, name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	IF right(stmt, 1) <> ';' THEN
		RAISE EXCEPTION 'statement does not end with ";": %', stmt;
	END IF;
	EXECUTE format('PREPARE %I AS %s', name, left(stmt, -1));
	EXECUTE format('EXECUTE %I', name);
	EXECUTE format('DEALLOCATE %I', name);
END
$$;

-- May the remediation of the row at path (of case cid's drift rows got)
-- suggest declaring the variation instead of a write?  Where both sides
-- hold an object: the right one may hold keys from rows a write at the
-- right environment cannot remove (a shallower level's, a neutral row when
-- comparing for a provider), and {} merges into an object instead of
-- replacing it; and for arrays merged by x-merge append or union.
-- Anything else is fixed by one set or one tombstone.
CREATE FUNCTION dp.may_declare(cid int, got jsonb, path text, stmt text) RETURNS bool LANGUAGE sql STABLE AS $$
	SELECT stmt LIKE 'SELECT cfgmgr.expect_variation(%'
	   AND (EXISTS (SELECT FROM jsonb_array_elements(got) e
					WHERE e ->> 'path' = may_declare.path AND jsonb_typeof(e -> 'left_value') = 'object'
					  AND jsonb_typeof(e -> 'right_value') = 'object')
			OR EXISTS (SELECT FROM dp.annot a
						WHERE a.case_id = cid AND a.kw = 'x-merge' AND a.value IN ('"append"', '"union"')
						  AND dp.covers(a.path, may_declare.path)))
$$;

-- For each case:
--  1. drift between left and right was empty before the differences were planted;
--  2. drift = the planted rows (path, kind, values, expected, reason), no
--     path twice, every row with a remediation, no secret's plaintext in a
--     remediation;
--  3. drift = the reference diff of cfgmgr.resolve(left) and (right);
--  4. drift(right, left) is the mirror image;
--  5. with secrets: a role that may not read them gets the same rows with
--     "********" for the secret values;
--  6. observed cases: drift_observed = the planted observed differences,
--     remediation only for only_right rows, and applying those leaves no
--     only_right row;
--  7. remediation cases: cfgmgr.remediate(), or every unexpected row's
--     remediation run alone, leaves no unexpected drift (but where it
--     suggested declaring the variation, dp.may_declare) and exactly the
--     expected differences in the resolved documents (secrets compared in
--     clear); a secret is copied with cfgmgr.set(..., cfgmgr.get(...),
--     secret => true): after it, that row is gone like any other, the
--     right environment's value there is stored as a secret, and the role
--     that may not read secrets gets "********" for it.
-- First case of each tree: drift over all services = the union of the
-- per-service drifts of the tree's cases.
CREATE PROCEDURE dp.check(first int, last int, reader text) LANGUAGE plpgsql AS $$
DECLARE
	c dp.cases;
	checks int;
	got jsonb;
	want jsonb;
	res text;
	rr record;
	skipped text[];
	copied text[];
	sel jsonb;
	n int;
	keys6 text[] := ARRAY['path', 'kind', 'left_value', 'right_value', 'expected', 'reason'];
	keys4 text[] := ARRAY['path', 'kind', 'left_value', 'right_value'];
BEGIN
	FOR i IN first .. last LOOP
		SELECT * INTO c FROM dp.cases WHERE id = i;
		CONTINUE WHEN NOT FOUND;
		checks := 0;
		BEGIN
			-- the tree's first case: all services at once
			IF NOT EXISTS (SELECT FROM dp.cases x WHERE x.tree_id = c.tree_id AND x.id < c.id) THEN
				checks := checks + 1;
				SELECT coalesce(jsonb_agg(dp.rowobj(d.path, d.kind, d.left_value, d.right_value, d.expected, d.reason)
										  || jsonb_build_object('service', d.service)), '[]') INTO got
				  FROM cfgmgr.drift(c.lenv, c.renv, NULL, c.prov) d
				 WHERE d.service IN (SELECT svc FROM dp.cases x WHERE x.tree_id = c.tree_id);
				SELECT coalesce(jsonb_agg(e), '[]') INTO want
				  FROM dp.cases x, jsonb_array_elements(dp.drift_rows(c.lenv, c.renv, x.svc, c.prov)) e
				 WHERE x.tree_id = c.tree_id;
				res := dp.setdiff(want, got, keys6 || 'service'::text);
				IF res IS NOT NULL THEN
					PERFORM dp.fail(i, 'drift over all services differs from the per-service drifts', res);
				END IF;
			END IF;

			-- 1. equal before planting
			checks := checks + 1;
			IF EXISTS (SELECT FROM dp.base_drift WHERE case_id = i) THEN
				PERFORM dp.fail(i, 'false positive: drift before the differences were planted',
								(SELECT string_agg(dp.fmt(path, kind, left_value, right_value, NULL, NULL), E'\n' ORDER BY path)
								   FROM dp.base_drift WHERE case_id = i));
			END IF;

			-- 2. the planted differences
			got := dp.drift_rows(c.lenv, c.renv, c.svc, c.prov);
			want := dp.planted_rows(i);
			checks := checks + 1;
			res := dp.setdiff(want, got, keys6);
			IF res IS NOT NULL THEN
				PERFORM dp.fail(i, 'drift differs from the planted differences', res);
			END IF;
			checks := checks + 1;
			IF (SELECT count(*) <> count(DISTINCT e ->> 'path') FROM jsonb_array_elements(got) e) THEN
				PERFORM dp.fail(i, 'drift reports a path twice', jsonb_pretty(got));
			END IF;
			checks := checks + 1;
			SELECT string_agg(e::text, E'\n') INTO res FROM jsonb_array_elements(got) e
			 WHERE e ->> 'remediation' IS NULL OR e ->> 'service' IS DISTINCT FROM c.svc
				OR EXISTS (SELECT FROM dp.secrets s WHERE s.case_id = i AND strpos(e ->> 'remediation', s.value) > 0);
			IF res IS NOT NULL THEN
				PERFORM dp.fail(i, 'rows without a remediation, of another service, or with a secret in clear', res);
			END IF;

			-- 3. the reference diff
			checks := checks + 1;
			res := dp.setdiff(dp.reference_rows(c.lenv, c.renv, c.svc, c.prov), got, keys4);
			IF res IS NOT NULL THEN
				PERFORM dp.fail(i, 'drift differs from the reference diff of the resolved documents', res);
			END IF;

			-- 4. the other way round, and an environment against itself
			checks := checks + 1;
			IF EXISTS (SELECT FROM cfgmgr.drift(c.lenv, c.lenv, c.svc, c.prov)) THEN
				PERFORM dp.fail(i, 'drift of the left environment against itself', NULL);
			END IF;
			checks := checks + 1;
			SELECT coalesce(jsonb_agg(dp.rowobj(e ->> 'path', dp.mirror(e ->> 'kind'), e -> 'right_value', e -> 'left_value',
												(e ->> 'expected')::bool, e ->> 'reason')), '[]') INTO want
			  FROM jsonb_array_elements(got) e;
			res := dp.setdiff(want, dp.drift_rows(c.renv, c.lenv, c.svc, c.prov), keys6);
			IF res IS NOT NULL THEN
				PERFORM dp.fail(i, 'drift(right, left) is not the mirror of drift(left, right)', res);
			END IF;

			-- 5. secrets seen by a role that may not read them
			IF EXISTS (SELECT FROM dp.secrets WHERE case_id = i) THEN
				checks := checks + 1;
				SELECT coalesce(jsonb_agg(dp.rowobj(p.path, p.kind,
						CASE WHEN p.lsecret THEN '"********"' ELSE p.left_value END,
						CASE WHEN p.rsecret THEN '"********"' ELSE p.right_value END, p.expected, p.reason)), '[]') INTO want
				  FROM dp.planted p WHERE p.case_id = i;
				EXECUTE format('SET LOCAL ROLE %I', reader);
				got := dp.drift_rows(c.lenv, c.renv, c.svc, c.prov);
				RESET ROLE;
				res := dp.setdiff(want, got, keys6);
				SELECT concat_ws(E'\n', res, string_agg('secret in clear: ' || e::text, E'\n')) INTO res
				  FROM jsonb_array_elements(got) e
				 WHERE EXISTS (SELECT FROM dp.secrets s WHERE s.case_id = i
								  AND strpos(concat(e ->> 'remediation', e ->> 'left_value', e ->> 'right_value'), s.value) > 0);
				IF res <> '' THEN
					PERFORM dp.fail(i, 'drift as a role that may not read secrets', res);
				END IF;
			END IF;

			-- 6. observed
			IF c.observed THEN
				checks := checks + 1;
				SELECT coalesce(jsonb_agg(dp.rowobj(d.path, d.kind, d.left_value, d.right_value, d.expected, d.reason)
										  || jsonb_build_object('remediation', d.remediation)), '[]') INTO got
				  FROM cfgmgr.drift_observed(c.renv, c.svc, c.prov) d;
				SELECT coalesce(jsonb_agg(dp.rowobj(p.path, p.kind, p.left_value, p.right_value, p.expected, p.reason)), '[]') INTO want
				  FROM dp.obs_planted p WHERE p.case_id = i;
				res := dp.setdiff(want, got, keys6);
				IF res IS NOT NULL THEN
					PERFORM dp.fail(i, 'drift_observed differs from the planted differences', res);
				END IF;
				checks := checks + 1;
				SELECT coalesce(jsonb_agg(dp.rowobj(d.path, d.kind, d.left_value, d.right_value, d.expected, d.reason)
										  || jsonb_build_object('remediation', d.remediation)), '[]') INTO want
				  FROM cfgmgr.drift_observed(c.renv, NULL, c.prov) d WHERE d.service = c.svc;
				res := dp.setdiff(want, got, keys6 || 'remediation'::text);
				IF res IS NOT NULL THEN
					PERFORM dp.fail(i, 'drift_observed of all services differs from drift_observed of the service', res);
				END IF;
				IF EXISTS (SELECT FROM dp.obs_planted WHERE case_id = i AND secret) THEN
					checks := checks + 1;
					SELECT coalesce(jsonb_agg(dp.rowobj(p.path, p.kind,
							CASE WHEN p.secret THEN '"********"' ELSE p.left_value END,
							CASE WHEN p.secret AND p.right_value IS NOT NULL THEN '"********"' ELSE p.right_value END,
							p.expected, p.reason)), '[]') INTO want
					  FROM dp.obs_planted p WHERE p.case_id = i;
					EXECUTE format('SET LOCAL ROLE %I', reader);
					SELECT coalesce(jsonb_agg(dp.rowobj(d.path, d.kind, d.left_value, d.right_value, d.expected, d.reason)), '[]') INTO res
					  FROM cfgmgr.drift_observed(c.renv, c.svc, c.prov) d;
					RESET ROLE;
					res := dp.setdiff(want, res::jsonb, keys6);
					IF res IS NOT NULL THEN
						PERFORM dp.fail(i, 'drift_observed as a role that may not read secrets', res);
					END IF;
				END IF;
				checks := checks + 1;
				SELECT string_agg(e::text, E'\n') INTO res FROM jsonb_array_elements(got) e
				 WHERE (e ->> 'remediation' IS NULL) <> (e ->> 'kind' <> 'only_right');
				IF res IS NOT NULL THEN
					PERFORM dp.fail(i, 'drift_observed: a remediation for other than only_right rows, or none for one', res);
				END IF;
				checks := checks + 1;
				BEGIN
					n := 0;
					FOR rr IN SELECT e ->> 'remediation' AS stmt FROM jsonb_array_elements(got) e WHERE e ->> 'kind' = 'only_right' LOOP
						n := n + 1;
						PERFORM dp.run_one(rr.stmt, format('dp_adopt_%s_%s', i, n));
					END LOOP;
					SELECT string_agg(dp.fmt(d.path, d.kind, d.left_value, d.right_value, NULL, NULL), E'\n') INTO res
					  FROM cfgmgr.drift_observed(c.renv, c.svc, c.prov) d WHERE d.kind = 'only_right';
					IF res IS NOT NULL THEN
						PERFORM dp.fail(i, 'drift_observed: only_right rows left after running their remediation', res);
					END IF;
					RAISE EXCEPTION USING ERRCODE = 'DPRB0';	-- undo the adoption
				EXCEPTION
					WHEN SQLSTATE 'DPRB0' THEN NULL;
					WHEN OTHERS THEN
						PERFORM dp.fail(i, 'drift_observed: running a remediation failed: ' || SQLERRM, got::text);
				END;
			END IF;

			-- 7. remediation
			IF c.remediate IS NOT NULL THEN
				got := dp.drift_rows(c.lenv, c.renv, c.svc, c.prov);
				-- the rows to fix: the unexpected ones (all with include_expected), matching paths
				SELECT coalesce(jsonb_agg(e), '[]') INTO sel FROM jsonb_array_elements(got) e
				 WHERE (c.remediate = 'remediate_all' OR NOT (e ->> 'expected')::bool)
				   AND (c.rpaths IS NULL OR EXISTS (SELECT FROM unnest(c.rpaths) p
													 WHERE cfgmgr.glob_match(p, (e ->> 'path')::cfgmgr.cfgpath)));
				-- the rows whose remediation copies a secret (cfgmgr.set(..., secret => true));
				-- fixed like the others (a secret fixed by unset reveals an inherited one)
				SELECT coalesce(array_agg(e ->> 'path'), '{}') INTO copied FROM jsonb_array_elements(sel) e
				 WHERE e ->> 'remediation' LIKE '%secret => true%';
				skipped := '{}';
				checks := checks + 1;
				BEGIN
					IF c.remediate <> 'execute' THEN
						SELECT coalesce(jsonb_agg(jsonb_build_object('path', r.path, 'kind', r.kind, 'service', r.service,
																	 'statement', r.statement, 'applied', r.applied)), '[]') INTO want
						  FROM cfgmgr.remediate(c.lenv, c.renv, c.svc, c.prov, paths => c.rpaths,
												include_expected => c.remediate = 'remediate_all') r;
						res := dp.setdiff(sel, want, ARRAY['path', 'kind']);
						-- not applied: only suggestions to declare the variation, where they may be needed
						SELECT concat_ws(E'\n', res, string_agg('wrongly not applied: ' || e::text, E'\n')) INTO res
						  FROM jsonb_array_elements(want) e
						 WHERE e ->> 'service' <> c.svc
							OR (NOT (e ->> 'applied')::bool AND NOT dp.may_declare(i, got, e ->> 'path', e ->> 'statement'));
						IF res <> '' THEN
							PERFORM dp.fail(i, format('%s returned other rows than the drift it was to fix', c.remediate), res);
						END IF;
						SELECT coalesce(array_agg(e ->> 'path'), '{}') INTO skipped
						  FROM jsonb_array_elements(want) e WHERE NOT (e ->> 'applied')::bool;
						INSERT INTO dp.stats SELECT i, 'declare suggested' FROM unnest(skipped);
					ELSE
						-- each statement alone, in path order
						n := 0;
						FOR rr IN SELECT e ->> 'path' AS path, e ->> 'remediation' AS stmt FROM jsonb_array_elements(sel) e
								   ORDER BY e ->> 'path' LOOP
							n := n + 1;
							IF rr.stmt LIKE 'SELECT cfgmgr.expect_variation(%' THEN
								IF NOT dp.may_declare(i, got, rr.path, rr.stmt) THEN
									PERFORM dp.fail(i, 'a remediation declares a variation where a write would do', rr.stmt);
								END IF;
								skipped := skipped || rr.path;
								INSERT INTO dp.stats VALUES (i, 'declare suggested');
							END IF;
							PERFORM dp.run_one(rr.stmt, format('dp_fix_%s_%s', i, n));
						END LOOP;
					END IF;
					-- the rows fixed are gone (but the suggestions), the others
					-- unchanged (the suggestions run alone declared a variation: expected now)
					checks := checks + 1;
					SELECT coalesce(jsonb_agg(e), '[]') INTO want FROM jsonb_array_elements(got) e
					 WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(sel) f WHERE f ->> 'path' = e ->> 'path')
						OR e ->> 'path' = ANY (skipped);
					res := dp.setdiff(want, dp.drift_rows(c.lenv, c.renv, c.svc, c.prov),
									  CASE WHEN c.remediate = 'execute' THEN keys4 ELSE keys6 END);
					IF res IS NOT NULL THEN
						PERFORM dp.fail(i, format('drift after remediation (%s%s) is not the drift that was not to be fixed',
												  c.remediate, coalesce(' ' || c.rpaths::text, '')), res);
					END IF;
					-- the resolved documents differ exactly there
					checks := checks + 1;
					res := dp.setdiff(want, dp.reference_rows(c.lenv, c.renv, c.svc, c.prov), keys4);
					IF res IS NOT NULL THEN
						PERFORM dp.fail(i, format('after remediation (%s%s) the resolved documents differ elsewhere',
												  c.remediate, coalesce(' ' || c.rpaths::text, '')), res);
					END IF;
					-- a copied secret is stored as a secret, and masked for the reader
					IF cardinality(copied) > 0 THEN
						checks := checks + 1;
						SELECT string_agg(format('%s: not stored as a secret in %s', p, c.renv), E'\n') INTO res
						  FROM unnest(copied) p WHERE NOT dp.is_secret(c.renv, c.svc, p, c.prov);
						EXECUTE format('SET LOCAL ROLE %I', reader);
						SELECT concat_ws(E'\n', res, string_agg(format('%s: %s as a role that may not read secrets', p, v), E'\n')) INTO res
						  FROM unnest(copied) p, cfgmgr.get(c.renv, c.svc, p::cfgmgr.cfgpath, provider => c.prov) v
						 WHERE v IS DISTINCT FROM '"********"';
						RESET ROLE;
						IF res <> '' THEN
							PERFORM dp.fail(i, format('a secret copied by remediation (%s) is not a secret', c.remediate), res);
						END IF;
						INSERT INTO dp.stats SELECT i, 'secret copied' FROM unnest(copied);
					END IF;
				EXCEPTION
					WHEN OTHERS THEN
						PERFORM dp.fail(i, format('remediation (%s%s) failed: %s (%s)', c.remediate,
												  coalesce(' ' || c.rpaths::text, ''), SQLERRM, SQLSTATE), got::text);
				END;
			END IF;
		EXCEPTION WHEN OTHERS THEN
			PERFORM dp.fail(i, format('error: %s (%s)', SQLERRM, SQLSTATE), NULL);
		END;
		INSERT INTO dp.checked VALUES (i, checks);
	END LOOP;
END
$$;

-- drift_coverage(env) for every right environment with a reported
-- snapshot: (observed leaves that are declared) / (observed leaves), over
-- the latest snapshot of every service and provider.  Run after dp.check
-- (alone: the declared configurations must not change meanwhile).
-- Is an observed leaf path declared: reached through objects whose keys
-- are all path labels (the objects drift descends into), as config paths
-- are, never through array positions or objects stored whole?
CREATE FUNCTION dp.declared_at(doc jsonb, path text) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
	k text;
BEGIN
	FOREACH k IN ARRAY string_to_array(path, '.') LOOP
		IF jsonb_typeof(doc) IS DISTINCT FROM 'object' OR NOT doc ? k
		   OR EXISTS (SELECT FROM jsonb_object_keys(doc) x WHERE x !~ '^[A-Za-z0-9_-]+$') THEN
			RETURN false;
		END IF;
		doc := doc -> k;
	END LOOP;
	RETURN true;
END
$f$;

CREATE PROCEDURE dp.check_coverage() LANGUAGE plpgsql AS $$
DECLARE
	e record;
	want numeric;
	got numeric;
BEGIN
	FOR e IN SELECT c.renv AS env, min(c.id) AS cid FROM dp.cases c WHERE c.observed GROUP BY c.renv ORDER BY 2 LOOP
		BEGIN
			SELECT round(count(*) FILTER (WHERE x.declared)::numeric / nullif(count(*), 0), 4) INTO want
			  FROM (SELECT dp.declared_at(d.resolved, w.path) AS declared
					  FROM (SELECT o.document, cfgmgr.resolve(e.env, o.service, o.provider) AS resolved
							  FROM cfgmgr.observations o WHERE o.environment = e.env) d,
						   dp.walk('', d.document) w
					 WHERE w.leaf) x;
			got := cfgmgr.drift_coverage(e.env);
			IF got IS DISTINCT FROM want THEN
				PERFORM dp.fail(e.cid, format('drift_coverage(%s) is %s, not %s', e.env, got, want),
								(SELECT string_agg(format('%s %s: observed %s, declared %s; observed leaves not declared: %s',
														  o.service, coalesce(o.provider, '-'), o.document, d.resolved,
														  (SELECT coalesce(string_agg(w.path, ' '), '-') FROM dp.walk('', o.document) w
															WHERE w.leaf AND NOT dp.declared_at(d.resolved, w.path))), E'\n')
								   FROM cfgmgr.observations o,
										LATERAL (SELECT cfgmgr.resolve(e.env, o.service, o.provider) AS resolved) d
								  WHERE o.environment = e.env));
			END IF;
		EXCEPTION WHEN OTHERS THEN
			PERFORM dp.fail(e.cid, format('drift_coverage(%s): error %s', e.env, SQLERRM), NULL);
		END;
		UPDATE dp.checked SET checks = checks + 1 WHERE case_id = e.cid;
	END LOOP;
END
$$;
