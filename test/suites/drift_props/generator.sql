-- test/suites/drift_props/generator.sql - random environment trees and
-- configurations with planted differences for the drift property test (see
-- drift_props.sh).  random() after a fixed setseed(): every run builds the
-- same cases.
--
-- A case is one service compared between two environments of a tree (left
-- and right) for one provider qualifier (none or aws).  Its configuration is
-- built slot by slot: a slot is a top-level key whose subtree one template
-- fills, so slots never interact and the expected drift of a case is the
-- union of its slots' planted rows.  Every template writes in two phases:
-- after phase 1 left and right resolve to the same document (the drift is
-- recorded in dp.base_drift and must be empty), phase 2 plants the
-- differences the template records in dp.planted (or, for the "equal"
-- templates, changes that must not show: provider-qualified values of
-- another provider, tombstones over nothing, {} over an object, 1.0 over 1).
-- A quarter of the cases have a schema: defaults, x-merge (append, union,
-- replace) and x-env-specific annotations.  After phase 2 some cases
-- declare variations, and some report an observed document for the right
-- environment with planted differences of its own (dp.obs_planted).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS dp CASCADE;
CREATE SCHEMA dp;
GRANT USAGE ON SCHEMA dp TO PUBLIC;

CREATE TABLE dp.trees (id int PRIMARY KEY, envs text[] NOT NULL, parents int[] NOT NULL);
-- sh: the environments both chains share (root first), lo/ro: the left's
-- and the right's own levels below them (chain order), off: environments
-- of the tree on neither chain
CREATE TABLE dp.cases (
	id int PRIMARY KEY, tree_id int NOT NULL, svc text NOT NULL, lenv text NOT NULL, renv text NOT NULL,
	relation text NOT NULL, prov text, sh text[] NOT NULL, lo text[] NOT NULL, ro text[] NOT NULL,
	off text[] NOT NULL, slots text[] NOT NULL DEFAULT '{}', schema jsonb,
	remediate text, rpaths text[], observed bool NOT NULL DEFAULT false);
CREATE TABLE dp.ops (case_id int NOT NULL, seq int GENERATED ALWAYS AS IDENTITY, phase int NOT NULL, op jsonb NOT NULL);
CREATE TABLE dp.planted (case_id int NOT NULL, slot text NOT NULL, path text NOT NULL, kind text NOT NULL,
						 left_value jsonb, right_value jsonb, lsecret bool NOT NULL, rsecret bool NOT NULL,
						 expected bool, reason text);
CREATE TABLE dp.base_drift (case_id int NOT NULL, path text, kind text, left_value jsonb, right_value jsonb);
CREATE TABLE dp.secrets (case_id int NOT NULL, value text NOT NULL);
-- the variations a case declared: applies_pair when it concerns the
-- compared pair, applies_env when it concerns the right environment alone
-- (drift_observed), active when not expired
CREATE TABLE dp.vars (case_id int NOT NULL, id bigint NOT NULL, service_pattern text, path_pattern text,
					  environments text[], reason text, applies_pair bool, applies_env bool, active bool);
-- the annotations of a case's schema: default, x-merge, x-env-specific
CREATE TABLE dp.annot (case_id int NOT NULL, path text NOT NULL, kw text NOT NULL, value jsonb NOT NULL);
CREATE TABLE dp.obs_planted (case_id int NOT NULL, path text NOT NULL, kind text NOT NULL,
							 left_value jsonb, right_value jsonb, expected bool, reason text,
							 secret bool NOT NULL DEFAULT false);
CREATE TABLE dp.failure (case_id int NOT NULL, what text NOT NULL, detail text);
CREATE TABLE dp.checked (case_id int PRIMARY KEY, checks int NOT NULL);
-- for the summary: rows whose remediation copied a secret, rows whose
-- remediation suggests declaring the variation
CREATE TABLE dp.stats (case_id int NOT NULL, what text NOT NULL);

-- ---------------------------------------------------------------------
-- Random values
-- ---------------------------------------------------------------------

CREATE FUNCTION dp.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT a[1 + floor(random() * array_length(a, 1))::int] $$;

CREATE FUNCTION dp.rint(lo int, hi int) RETURNS int LANGUAGE sql VOLATILE AS
$$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

-- labels of slots (top-level keys): neighbours in path order ("a", "a-b",
-- "a.x", "a_b", "ab"), a 255-character label
CREATE FUNCTION dp.slot_labels() RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
	SELECT ARRAY['a', 'a-', 'a-b', 'a_b', 'ab', 'a0', 'A', 'b', 'B', '0', '00', '9', '-', '_', 'x-1',
				 'true', 'null', 'host', 'port', 'db', 'pool', 'max', 'k1', 'k2', 'k3', 'k4', 'k5',
				 'k6', 'k7', 'k8', 'k9', 'z', repeat('L', 255)]
$$;

CREATE FUNCTION dp.rlabel() RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT dp.pick(ARRAY['a', 'b', 'c', 'a-b', 'a_b', 'ab', '0', '1', '-', '_', 'x', 'max', 'min',
						 'true', 'v2', 'A'])
$$;

-- a path of 0..maxn labels below prefix
CREATE FUNCTION dp.rsub(prefix text, minn int, maxn int) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	p text := prefix;
BEGIN
	FOR i IN 1 .. dp.rint(minn, maxn) LOOP
		p := p || '.' || dp.rlabel();
	END LOOP;
	RETURN p;
END
$$;

CREATE FUNCTION dp.rstr() RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT to_jsonb(dp.pick(ARRAY['', 'x', 'hello world', '1', '1.0', 'true', 'null', '[1]', '{}',
								  '********', 'z' || chr(252) || chr(8364) || chr(128512), E'two\nlines',
								  'quote''s "dq"', 'a.b', 'back\slash', repeat('long ', 60)])
					|| CASE WHEN random() < 0.3 THEN '-' || floor(random() * 100)::int ELSE '' END)
$$;

CREATE FUNCTION dp.rnum() RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT dp.pick(ARRAY['0', '1', '1.0', '-1', '42', '3.14', '1e2', '100', '0.001', '-0', '2.50',
						 '123456789012345678901234567890', '9007199254740993'])::jsonb
$$;

CREATE FUNCTION dp.rscalar() RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r float8 := random();
BEGIN
	RETURN CASE WHEN r < 0.4 THEN dp.rstr() WHEN r < 0.75 THEN dp.rnum()
				WHEN r < 0.9 THEN to_jsonb(random() < 0.5) ELSE 'null'::jsonb END;
END
$$;

-- keys that are not labels: an object holding one is stored and compared whole
CREATE FUNCTION dp.nonlabel_key() RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT dp.pick(ARRAY['k k', 'a.b', '', chr(252), 'x/y', repeat('x', 256), '1.5', '$ref', '*'])
$$;

-- a leaf: scalar, array, object with a non-label key, or {}
CREATE FUNCTION dp.rleafish(depth int) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r float8 := random();
	o jsonb;
BEGIN
	IF r < 0.72 OR depth <= 0 THEN
		RETURN dp.rscalar();
	ELSIF r < 0.86 THEN
		o := '[]';
		FOR i IN 1 .. dp.rint(0, 3) LOOP
			o := o || jsonb_build_array(CASE WHEN random() < 0.8 THEN dp.rscalar() ELSE dp.rany(depth - 1) END);
		END LOOP;
		RETURN o;
	ELSIF r < 0.95 THEN
		o := jsonb_build_object(dp.nonlabel_key(), dp.rscalar());
		IF random() < 0.4 THEN
			o := o || jsonb_build_object(dp.rlabel(), dp.rany(depth - 1));
		END IF;
		RETURN o;
	ELSE
		RETURN '{}';
	END IF;
END
$$;

-- an object of labels (descended into by drift and by set_many)
CREATE FUNCTION dp.rlabelobj(depth int) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	o jsonb := '{}';
BEGIN
	FOR i IN 1 .. dp.rint(1, 3) LOOP
		o := o || jsonb_build_object(dp.rlabel(),
			CASE WHEN depth > 0 AND random() < 0.35 THEN dp.rlabelobj(depth - 1) ELSE dp.rleafish(depth - 1) END);
	END LOOP;
	RETURN o;
END
$$;

CREATE FUNCTION dp.rany(depth int) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN CASE WHEN depth > 0 AND random() < 0.3 THEN dp.rlabelobj(depth - 1) ELSE dp.rleafish(depth) END;
END
$$;

-- a non-object leaf (scalar or array)
CREATE FUNCTION dp.rplain() RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN CASE WHEN random() < 0.8 THEN dp.rscalar()
				ELSE jsonb_build_array(dp.rscalar(), dp.rscalar()) END;
END
$$;

CREATE FUNCTION dp.rsecret() RETURNS jsonb LANGUAGE sql VOLATILE AS $$
	SELECT to_jsonb('sec-' || substr(md5(random()::text), 1, 16))
$$;

-- the same value written differently: 1 -> 1.000 / 1, 2.50 -> 2.5
CREATE FUNCTION dp.requiv(v jsonb) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	o jsonb;
	k text;
BEGIN
	CASE jsonb_typeof(v)
	WHEN 'number' THEN
		RETURN CASE WHEN random() < 0.5 THEN to_jsonb((v::text)::numeric + 0.000)
					ELSE to_jsonb(trim_scale((v::text)::numeric)) END;
	WHEN 'array' THEN
		SELECT coalesce(jsonb_agg(dp.requiv(e) ORDER BY n), '[]') INTO o
		  FROM jsonb_array_elements(v) WITH ORDINALITY AS a(e, n);
		RETURN o;
	WHEN 'object' THEN
		o := '{}';
		FOR k IN SELECT jsonb_object_keys(v) LOOP
			o := o || jsonb_build_object(k, dp.requiv(v -> k));
		END LOOP;
		RETURN o;
	ELSE
		RETURN v;
	END CASE;
END
$$;

-- A value different from v.  same: of the same JSON type where there is
-- one; obj_ok: may be an object (false when it would be written over an
-- inherited object, which would merge instead of replace).
CREATE FUNCTION dp.rdiff(v jsonb, same bool, obj_ok bool) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	w jsonb;
	t text := jsonb_typeof(v);
BEGIN
	FOR attempt IN 1 .. 20 LOOP
		IF same AND t = 'number' THEN
			w := to_jsonb((v::text)::numeric + dp.rint(1, 5));
		ELSIF same AND t = 'string' THEN
			w := to_jsonb((v #>> '{}') || dp.pick(ARRAY['~', ' ', '1', 'x']));
		ELSIF same AND t = 'boolean' THEN
			w := to_jsonb(NOT v::text::bool);
		ELSIF same AND t = 'array' THEN
			-- array order matters
			SELECT coalesce(jsonb_agg(e ORDER BY n DESC), '[]') INTO w
			  FROM jsonb_array_elements(v) WITH ORDINALITY AS a(e, n);
			IF w = v THEN
				w := v || jsonb_build_array(dp.rscalar());
			END IF;
		ELSIF same AND t = 'object' AND obj_ok THEN
			w := CASE WHEN v = '{}' THEN jsonb_build_object(dp.nonlabel_key(), dp.rscalar())
					  ELSE v || jsonb_build_object('zz z', dp.rscalar()) END;
		ELSE
			-- another type
			w := CASE t
				WHEN 'number' THEN dp.pick(ARRAY[to_jsonb(v::text)::text, 'true', 'null', '[0]'])::jsonb
				WHEN 'string' THEN CASE WHEN (v #>> '{}') ~ '^-?[0-9]+(\.[0-9]+)?$' AND random() < 0.7
										THEN to_jsonb((v #>> '{}')::numeric)
										ELSE dp.pick(ARRAY['true', '1', 'null', '["x"]'])::jsonb END
				WHEN 'boolean' THEN dp.pick(ARRAY[to_jsonb(v::text)::text, '0', '1', 'null'])::jsonb
				WHEN 'null' THEN dp.pick(ARRAY['"null"', '0', 'false', '[]', '""'])::jsonb
				WHEN 'array' THEN dp.pick(ARRAY[to_jsonb(v::text)::text, '0', 'null'])::jsonb
				ELSE dp.pick(ARRAY['[]', '"{}"', '7', 'null', 'false'])::jsonb END;
			IF obj_ok AND t <> 'object' AND random() < 0.25 THEN
				w := CASE WHEN random() < 0.5 THEN dp.rlabelobj(1)
						  ELSE jsonb_build_object(dp.nonlabel_key(), dp.rscalar()) END;
			END IF;
		END IF;
		IF w IS DISTINCT FROM v AND (obj_ok OR jsonb_typeof(w) <> 'object') THEN
			RETURN w;
		END IF;
		same := false;
	END LOOP;
	RAISE EXCEPTION 'dp.rdiff: no value different from %', v;
END
$$;

-- ---------------------------------------------------------------------
-- The model: leaves, kinds, the reference diff
-- ---------------------------------------------------------------------

-- Does drift descend into v (a non-empty object whose keys are all labels)?
CREATE FUNCTION dp.descends(v jsonb) RETURNS bool LANGUAGE sql IMMUTABLE AS $$
	SELECT jsonb_typeof(v) = 'object' AND v <> '{}'
	   AND NOT EXISTS (SELECT FROM jsonb_object_keys(v) k WHERE k !~ '^[A-Za-z0-9_-]{1,255}$')
$$;

CREATE FUNCTION dp.join(prefix text, k text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN prefix = '' THEN k ELSE prefix || '.' || k END
$$;

-- every node of v at and below prefix: the leaves (leaf; v itself when it
-- is not descended into) and the objects descended into
CREATE FUNCTION dp.walk(prefix text, v jsonb) RETURNS TABLE(path text, value jsonb, leaf bool)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k text;
BEGIN
	IF dp.descends(v) THEN
		IF prefix <> '' THEN
			path := prefix; value := v; leaf := false;
			RETURN NEXT;
		END IF;
		FOR k IN SELECT jsonb_object_keys(v) LOOP
			RETURN QUERY SELECT * FROM dp.walk(dp.join(prefix, k), v -> k);
		END LOOP;
	ELSIF prefix <> '' THEN
		path := prefix; value := v; leaf := true;
		RETURN NEXT;
	END IF;
END
$$;

CREATE FUNCTION dp.kind(l jsonb, r jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE WHEN r IS NULL THEN 'only_left' WHEN l IS NULL THEN 'only_right'
				WHEN jsonb_typeof(l) = jsonb_typeof(r) THEN 'changed' ELSE 'type_changed' END
$$;

-- The reference diff: two documents compared leaf by leaf (objects of
-- labels descended into, anything else a leaf compared with jsonb
-- equality; different JSON types are type_changed, object against object
-- changed).  Independent of cfgmgr's C code.
CREATE FUNCTION dp.leafdiff(prefix text, l jsonb, r jsonb)
RETURNS TABLE(path text, kind text, left_value jsonb, right_value jsonb)
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	k text;
BEGIN
	IF l IS NULL AND r IS NULL THEN
		RETURN;
	ELSIF prefix = '' OR (l IS NOT NULL AND r IS NOT NULL AND dp.descends(l) AND dp.descends(r)) THEN
		-- (two documents: compared key by key, even when one is {})
		FOR k IN SELECT jsonb_object_keys(coalesce(l, '{}')) UNION SELECT jsonb_object_keys(coalesce(r, '{}')) LOOP
			RETURN QUERY SELECT * FROM dp.leafdiff(dp.join(prefix, k), l -> k, r -> k);
		END LOOP;
	ELSIF r IS NULL AND dp.descends(l) THEN
		FOR k IN SELECT jsonb_object_keys(l) LOOP
			RETURN QUERY SELECT * FROM dp.leafdiff(dp.join(prefix, k), l -> k, NULL);
		END LOOP;
	ELSIF l IS NULL AND dp.descends(r) THEN
		FOR k IN SELECT jsonb_object_keys(r) LOOP
			RETURN QUERY SELECT * FROM dp.leafdiff(dp.join(prefix, k), NULL, r -> k);
		END LOOP;
	ELSIF l IS NULL OR r IS NULL OR l <> r THEN
		path := prefix; kind := dp.kind(l, r); left_value := l; right_value := r;
		RETURN NEXT;
	END IF;
END
$$;

-- v with a value put at the path (labels), creating objects on the way
CREATE FUNCTION dp.jput(doc jsonb, labels text[], v jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF cardinality(labels) = 0 THEN
		RETURN v;
	END IF;
	IF jsonb_typeof(doc) IS DISTINCT FROM 'object' THEN
		doc := '{}';
	END IF;
	RETURN doc || jsonb_build_object(labels[1], dp.jput(doc -> labels[1], labels[2:], v));
END
$$;

-- doc without the value at labels, and without the objects that leaves empty
CREATE FUNCTION dp.jdel(doc jsonb, labels text[]) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	sub jsonb;
BEGIN
	IF cardinality(labels) = 1 THEN
		RETURN doc - labels[1];
	END IF;
	sub := dp.jdel(doc -> labels[1], labels[2:]);
	RETURN CASE WHEN sub = '{}' THEN doc - labels[1] ELSE doc || jsonb_build_object(labels[1], sub) END;
END
$$;

-- {"l1": {"l2": v}} for path l1.l2
CREATE FUNCTION dp.nest(path text, v jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
	SELECT dp.jput('{}', string_to_array(path, '.'), v)
$$;

-- ---------------------------------------------------------------------
-- Operations and planted rows
-- ---------------------------------------------------------------------

CREATE FUNCTION dp.op(cid int, phase int, o jsonb) RETURNS void LANGUAGE sql AS $$
	INSERT INTO dp.ops (case_id, phase, op) VALUES (cid, phase, o)
$$;

-- a value written through set, or set_many with a nested or a dotted document
CREATE FUNCTION dp.o_set(cid int, phase int, env text, path text, v jsonb, prov text, method text DEFAULT NULL)
RETURNS void LANGUAGE sql AS $$
	SELECT dp.op(cid, phase, jsonb_build_object('op', coalesce(method, dp.pick(ARRAY['set', 'set', 'set', 'nested', 'dotted'])),
												'env', env, 'path', path, 'value', v, 'prov', prov))
$$;

CREATE FUNCTION dp.o_block(cid int, phase int, env text, path text, prov text) RETURNS void LANGUAGE sql AS $$
	SELECT dp.op(cid, phase, jsonb_build_object('op', 'block', 'env', env, 'path', path, 'prov', prov))
$$;

-- a secret, written by cfgmgr.set(secret => true) or inserted into
-- cfgmgr.entry with secret = true (the entry trigger encrypts both), every
-- other secret each way (not random(): the cases stay those of the seed)
CREATE FUNCTION dp.o_secret(cid int, phase int, env text, path text, v jsonb, prov text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO dp.secrets VALUES (cid, v #>> '{}');
	SELECT dp.op(cid, phase, jsonb_build_object('op', 'secret', 'env', env, 'path', path, 'value', v, 'prov', prov,
												'method', CASE WHEN (SELECT count(*) FROM dp.secrets) % 2 = 0 THEN 'set' ELSE 'insert' END))
$$;

-- Is the value env resolves to at path (for provider prov) a secret: is the
-- entry that wins there stored with secret = true?
CREATE FUNCTION dp.is_secret(env text, svc text, path text, prov text) RETURNS bool LANGUAGE sql STABLE AS $$
	SELECT coalesce(bool_or(e.secret), false)
	  FROM cfgmgr.explain(env, svc, path::cfgmgr.cfgpath, prov) x
	  JOIN cfgmgr.entry e ON e.env_id = cfgmgr.environment_id(x.environment)
	   AND e.service_id = cfgmgr.service_id(svc) AND e.path::text = is_secret.path
	   AND e.provider = coalesce(x.provider, '')
	 WHERE x.winner
$$;

-- the paths planted for a case, in a fixed order (random() picks among
-- them: a scan of dp.planted, which is updated, may return its rows in
-- another order after autovacuum)
CREATE FUNCTION dp.planted_paths(cid int) RETURNS text[] LANGUAGE sql STABLE AS $$
	SELECT array_agg(path ORDER BY path, kind) FROM dp.planted WHERE case_id = cid
$$;

-- a planted row; kind from the values (NULL: absent on that side)
CREATE FUNCTION dp.plant(cid int, slot text, path text, l jsonb, r jsonb, ls bool DEFAULT false, rs bool DEFAULT false)
RETURNS void LANGUAGE sql AS $$
	INSERT INTO dp.planted (case_id, slot, path, kind, left_value, right_value, lsecret, rsecret)
	VALUES (cid, slot, path, dp.kind(l, r), l, r, ls, rs)
$$;

-- the same from the point of view of side xs ('L' or 'R'): x is what xs
-- sees, y what the other side sees
CREATE FUNCTION dp.xplant(cid int, slot text, xs text, path text, x jsonb, y jsonb, xsec bool DEFAULT false, ysec bool DEFAULT false)
RETURNS void LANGUAGE sql AS $$
	SELECT CASE WHEN xs = 'R' THEN dp.plant(cid, slot, path, y, x, ysec, xsec)
				ELSE dp.plant(cid, slot, path, x, y, xsec, ysec) END
$$;

-- every leaf of v at path, present on side xs only
CREATE FUNCTION dp.xplant_leaves(cid int, slot text, xs text, path text, v jsonb) RETURNS void LANGUAGE sql AS $$
	SELECT dp.xplant(cid, slot, xs, w.path, w.value, NULL) FROM dp.walk(path, v) w WHERE w.leaf;
$$;

-- ---------------------------------------------------------------------
-- Slot templates
-- ---------------------------------------------------------------------

-- Fill slot k of case cid with template t; returns the template used (a
-- template the chains cannot hold falls back to a simpler one).
CREATE FUNCTION dp.slot(cid int, t text, k text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	c dp.cases;
	xs text;
	own_x text[];
	own_y text[];
	x text;			-- an own level of side X
	xi text;		-- X's shallower own level, when it has two
	y text;			-- an own level of side Y, or NULL
	s text;			-- a shared level
	p text;
	q text;
	v jsonb;
	w jsonb;
	o jsonb;
	wp text;		-- the provider a write uses (the compared one or none)
	wp2 text;
	jp text;		-- a provider that is not compared
	n int;
	r record;
	labels text[];
	ys text;
BEGIN
	SELECT * INTO c FROM dp.cases WHERE id = cid;
	IF cardinality(c.lo) > 0 AND cardinality(c.ro) > 0 THEN
		xs := CASE WHEN random() < 0.5 THEN 'L' ELSE 'R' END;
	ELSIF cardinality(c.ro) > 0 THEN
		xs := 'R';
	ELSE
		xs := 'L';
	END IF;
	own_x := CASE xs WHEN 'L' THEN c.lo ELSE c.ro END;
	own_y := CASE xs WHEN 'L' THEN c.ro ELSE c.lo END;
	ys := CASE xs WHEN 'L' THEN 'R' ELSE 'L' END;
	x := dp.pick(own_x);
	y := CASE WHEN cardinality(own_y) > 0 THEN dp.pick(own_y) END;
	s := dp.pick(c.sh);
	wp := CASE WHEN c.prov IS NOT NULL AND random() < 0.35 THEN c.prov END;
	wp2 := CASE WHEN c.prov IS NOT NULL AND random() < 0.35 THEN c.prov END;
	jp := CASE WHEN c.prov IS NULL THEN dp.pick(ARRAY['aws', 'gcp', 'azure']) ELSE dp.pick(ARRAY['gcp', 'azure']) END;
	IF cardinality(own_x) >= 2 THEN
		n := dp.rint(1, cardinality(own_x) - 1);
		xi := own_x[n];
		x := own_x[dp.rint(n + 1, cardinality(own_x))];
	END IF;

	-- ---------------- equal templates: no planted row ----------------
	IF t = 'E_shared' THEN
		-- anything at the shared levels
		FOR i IN 1 .. dp.rint(1, 5) LOOP
			p := dp.rsub(k, 0, 2);
			IF random() < 0.2 THEN
				PERFORM dp.o_block(cid, dp.rint(1, 2), dp.pick(c.sh), p, CASE WHEN random() < 0.3 THEN c.prov END);
			ELSIF random() < 0.1 THEN
				PERFORM dp.o_secret(cid, dp.rint(1, 2), dp.pick(c.sh), p, dp.rsecret(), CASE WHEN random() < 0.3 THEN c.prov END);
			ELSE
				PERFORM dp.o_set(cid, dp.rint(1, 2), dp.pick(c.sh), p, dp.rany(2),
								 CASE WHEN random() < 0.3 THEN c.prov WHEN random() < 0.2 THEN jp END);
			END IF;
		END LOOP;

	ELSIF t = 'E_mirror' THEN
		-- the same writes on both sides (1.0 for 1, set_many for set,
		-- provider-qualified for neutral): W at one level per side, or W at
		-- a shared level and again at the descendant's own level
		n := dp.rint(1, 2);		-- phase
		labels := '{}';
		FOR i IN 1 .. dp.rint(0, 1) LOOP
			labels := labels || ('b:' || dp.rsub(k, 0, 1));
		END LOOP;
		FOR i IN 1 .. dp.rint(1, 3) LOOP
			p := dp.rsub(k, 1, 2);
			-- sets never at or above another set or a tombstone
			CONTINUE WHEN EXISTS (SELECT FROM unnest(labels) e
								   WHERE (e LIKE 's:%' AND (substr(e, 3) = p OR substr(e, 3) LIKE p || '.%' OR p LIKE substr(e, 3) || '.%'))
									  OR (e LIKE 'b:%' AND (substr(e, 3) = p OR substr(e, 3) LIKE p || '.%')));
			labels := labels || ('s:' || p);
		END LOOP;
		o := '[]';
		FOREACH p IN ARRAY labels LOOP
			o := o || jsonb_build_array(jsonb_build_object('kind', left(p, 1), 'path', substr(p, 3), 'value', dp.rany(2)));
		END LOOP;
		IF cardinality(c.lo) > 0 AND cardinality(c.ro) > 0 AND random() < 0.6 THEN
			FOREACH p IN ARRAY ARRAY['L', 'R'] LOOP
				q := dp.pick(CASE p WHEN 'L' THEN c.lo ELSE c.ro END);
				wp := CASE WHEN c.prov IS NOT NULL AND random() < 0.35 THEN c.prov END;
				FOR r IN SELECT e FROM jsonb_array_elements(o) e LOOP
					IF r.e ->> 'kind' = 'b' THEN
						PERFORM dp.o_block(cid, n, q, r.e ->> 'path', wp);
					ELSE
						PERFORM dp.o_set(cid, n, q, r.e ->> 'path', CASE WHEN p = 'L' THEN r.e -> 'value' ELSE dp.requiv(r.e -> 'value') END, wp);
					END IF;
				END LOOP;
			END LOOP;
		ELSE
			FOR r IN SELECT e FROM jsonb_array_elements(o) e LOOP
				IF r.e ->> 'kind' = 'b' THEN
					PERFORM dp.o_block(cid, n, s, r.e ->> 'path', wp);
				ELSE
					PERFORM dp.o_set(cid, n, s, r.e ->> 'path', r.e -> 'value', wp);
				END IF;
			END LOOP;
			FOREACH p IN ARRAY ARRAY['L', 'R'] LOOP
				CONTINUE WHEN cardinality(CASE p WHEN 'L' THEN c.lo ELSE c.ro END) = 0 OR random() < 0.3;
				q := dp.pick(CASE p WHEN 'L' THEN c.lo ELSE c.ro END);
				wp2 := CASE WHEN c.prov IS NOT NULL AND random() < 0.35 THEN c.prov END;
				FOR r IN SELECT e FROM jsonb_array_elements(o) e LOOP
					IF r.e ->> 'kind' = 'b' THEN
						PERFORM dp.o_block(cid, n, q, r.e ->> 'path', wp2);
					ELSE
						PERFORM dp.o_set(cid, n, q, r.e ->> 'path', dp.requiv(r.e -> 'value'), wp2);
					END IF;
				END LOOP;
			END LOOP;
		END IF;

	ELSIF t = 'E_noop_block' THEN
		-- tombstones over nothing: a path nobody stores, below a scalar, a sibling
		CASE dp.rint(1, 3)
		WHEN 1 THEN
			PERFORM dp.o_block(cid, 2, x, dp.rsub(k, 0, 2), wp);
		WHEN 2 THEN
			PERFORM dp.o_set(cid, 1, s, k, dp.rplain(), NULL);
			PERFORM dp.o_block(cid, 2, x, dp.rsub(k, 1, 2), wp);
		ELSE
			PERFORM dp.o_set(cid, 1, s, k || '.a', dp.rany(1), NULL);
			PERFORM dp.o_block(cid, 2, x, k || '.b', wp);
		END CASE;

	ELSIF t = 'E_empty_merge' THEN
		-- {} written over an object merges nothing
		p := dp.rsub(k, 0, 1);
		PERFORM dp.o_set(cid, 1, s, p, dp.rlabelobj(1), NULL);
		PERFORM dp.o_set(cid, 2, x, p, '{}', wp);

	ELSIF t = 'E_repr' THEN
		-- the same value written again differently (1.0 over 1)
		p := dp.rsub(k, 0, 2);
		v := CASE WHEN random() < 0.5 THEN dp.rnum() ELSE dp.rany(2) END;
		PERFORM dp.o_set(cid, 1, s, p, v, wp);
		PERFORM dp.o_set(cid, 2, x, p, dp.requiv(v), wp2);

	ELSIF t = 'E_split' THEN
		-- an object stored whole on one side, as separate leaves on the other
		p := dp.rsub(k, 0, 1);
		v := dp.rlabelobj(2);
		IF y IS NOT NULL THEN
			PERFORM dp.o_set(cid, 1, y, p, v, wp, 'set');
			FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
				PERFORM dp.o_set(cid, 1, x, r.path, dp.requiv(r.value), wp2, 'set');
			END LOOP;
		ELSE
			PERFORM dp.o_set(cid, 1, s, p, v, wp, 'set');
			FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
				PERFORM dp.o_set(cid, 2, x, r.path, dp.requiv(r.value), wp2, 'set');
			END LOOP;
		END IF;

	ELSIF t = 'E_secret_equal' THEN
		p := dp.rsub(k, 0, 1);
		v := dp.rsecret();
		IF y IS NOT NULL AND random() < 0.5 THEN
			PERFORM dp.o_secret(cid, 1, x, p, v, wp);
			PERFORM dp.o_secret(cid, 1, y, p, v, wp2);
		ELSE
			PERFORM dp.o_secret(cid, 1, s, p, v, NULL);
			IF random() < 0.5 THEN
				PERFORM dp.o_secret(cid, 2, x, p, v, wp);
			ELSE
				PERFORM dp.o_set(cid, 2, x, p, v, wp);	-- the same value, not secret
			END IF;
		END IF;

	ELSIF t = 'E_override' AND xi IS NOT NULL THEN
		-- junk at an intermediate level, the shared value again below it
		p := dp.rsub(k, 0, 2);
		v := dp.rplain();
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		PERFORM dp.o_set(cid, 1, xi, p, dp.rany(2), wp);
		PERFORM dp.o_set(cid, 1, x, p, dp.requiv(v), NULL);
		PERFORM dp.o_set(cid, 2, xi, p, dp.rany(2), wp);

	ELSIF t = 'E_reset' AND xi IS NOT NULL THEN
		-- junk at an intermediate level, a tombstone and the same values below it
		p := dp.rsub(k, 0, 1);
		FOR i IN 1 .. dp.rint(1, 3) LOOP
			PERFORM dp.o_set(cid, 1, xi, dp.rsub(p, 0, 2), dp.rany(2), wp);
		END LOOP;
		v := dp.rlabelobj(2);
		PERFORM dp.o_block(cid, 1, x, p, NULL);
		FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
			PERFORM dp.o_set(cid, 1, x, r.path, r.value, NULL);
		END LOOP;
		IF y IS NOT NULL THEN
			PERFORM dp.o_set(cid, 1, y, p, dp.requiv(v), wp2);
		ELSE
			PERFORM dp.o_set(cid, 1, s, p, dp.requiv(v), wp2);
		END IF;

	ELSIF t = 'E_restore' THEN
		-- a tombstone, then the same value again (at the same or a deeper level)
		p := dp.rsub(k, 0, 2);
		v := dp.rany(2);
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		PERFORM dp.o_block(cid, 2, coalesce(xi, x), p, NULL);
		PERFORM dp.o_set(cid, 2, x, p, dp.requiv(v), NULL, 'set');

	ELSIF t = 'E_other_prov' THEN
		-- values of a provider that is not compared
		p := dp.rsub(k, 0, 2);
		PERFORM dp.o_set(cid, 1, s, p, dp.rany(1), NULL);
		IF random() < 0.7 THEN
			PERFORM dp.o_set(cid, 2, x, dp.rsub(k, 0, 2), dp.rany(2), jp);
		ELSE
			PERFORM dp.o_block(cid, 2, x, p, jp);
		END IF;

	ELSIF t = 'E_offchain' AND cardinality(c.off) > 0 THEN
		-- environments on neither chain
		FOR i IN 1 .. dp.rint(1, 3) LOOP
			IF random() < 0.2 THEN
				PERFORM dp.o_block(cid, 2, dp.pick(c.off), dp.rsub(k, 0, 2), NULL);
			ELSE
				PERFORM dp.o_set(cid, dp.rint(1, 2), dp.pick(c.off), dp.rsub(k, 0, 2), dp.rany(2), wp);
			END IF;
		END LOOP;

	ELSIF t = 'E_default' THEN
		-- a schema default both sides get (or write again)
		p := dp.rsub(k, 0, 1);
		v := dp.rany(1);
		INSERT INTO dp.annot VALUES (cid, p, 'default', v);
		IF random() < 0.5 THEN
			PERFORM dp.o_set(cid, 2, x, p, dp.requiv(v), wp);
		END IF;

	ELSIF t = 'E_xmerge' THEN
		-- arrays merged by x-merge: append [] or the same on both sides, union of a subset
		p := dp.rsub(k, 0, 1);
		v := dp.pick(ARRAY['[1, 2]', '["a", "b"]', '[1, "1", true]', '[3]'])::jsonb;
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		IF random() < 0.5 THEN
			INSERT INTO dp.annot VALUES (cid, p, 'x-merge', '"append"');
			IF y IS NOT NULL AND random() < 0.6 THEN
				w := dp.pick(ARRAY['[5]', '["x", 6]', '[null]'])::jsonb;
				PERFORM dp.o_set(cid, 1, x, p, w, wp);
				PERFORM dp.o_set(cid, 1, y, p, dp.requiv(w), wp2);
			ELSE
				PERFORM dp.o_set(cid, 2, x, p, '[]', wp);
			END IF;
		ELSE
			INSERT INTO dp.annot VALUES (cid, p, 'x-merge', '"union"');
			SELECT coalesce(jsonb_agg(dp.requiv(e)), '[]') INTO w
			  FROM jsonb_array_elements(v) e WHERE random() < 0.6;
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
		END IF;

	-- ---------------- planted differences ----------------
	ELSIF t = 'P_default' THEN
		p := dp.rsub(k, 0, 1);
		CASE dp.rint(1, 3)
		WHEN 1 THEN		-- a default removed by a tombstone
			v := dp.rany(2);
			INSERT INTO dp.annot VALUES (cid, p, 'default', v);
			PERFORM dp.o_block(cid, 2, x, p, wp);
			FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
				PERFORM dp.xplant(cid, k, ys, r.path, r.value, NULL);
			END LOOP;
		WHEN 2 THEN		-- a default overridden
			v := dp.rany(1);
			INSERT INTO dp.annot VALUES (cid, p, 'default', v);
			w := dp.rdiff(v, random() < 0.6, jsonb_typeof(v) <> 'object');
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, v);
		ELSE			-- a key added to a default object
			v := dp.rlabelobj(1);
			INSERT INTO dp.annot VALUES (cid, p, 'default', v);
			o := dp.rany(1);
			PERFORM dp.o_set(cid, 2, x, p || '.zz', o, wp);
			PERFORM dp.xplant_leaves(cid, k, xs, p || '.zz', o);
		END CASE;

	ELSIF t = 'P_xmerge' THEN
		p := dp.rsub(k, 0, 1);
		CASE dp.rint(1, 3)
		WHEN 1 THEN		-- append: the shared array, then X's elements
			INSERT INTO dp.annot VALUES (cid, p, 'x-merge', '"append"');
			v := dp.pick(ARRAY['[1, 2]', '["a"]', '[1, "1"]', '[]'])::jsonb;
			w := dp.pick(ARRAY['[3]', '[1]', '["b", 2.5]', '[null, false]'])::jsonb;
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, v || w, v);
		WHEN 2 THEN		-- union: X's elements the shared array lacks (1.0 is 1)
			INSERT INTO dp.annot VALUES (cid, p, 'x-merge', '"union"');
			v := dp.pick(ARRAY['[1, 2]', '["a", "b"]', '[1, "1"]'])::jsonb;
			w := dp.pick(ARRAY['[2.0, 3]', '["b", "c"]', '[4, 1.0]', '["1", true]'])::jsonb;
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
			SELECT v || coalesce(jsonb_agg(a.e ORDER BY a.i), '[]') INTO o
			  FROM jsonb_array_elements(w) WITH ORDINALITY a(e, i)
			 WHERE NOT EXISTS (SELECT FROM jsonb_array_elements(v) f WHERE f = a.e);
			IF o = v THEN
				RETURN t;	-- nothing new: equal
			END IF;
			PERFORM dp.xplant(cid, k, xs, p, o, v);
		ELSE			-- replace: X's object replaces the shared one instead of merging
			INSERT INTO dp.annot VALUES (cid, p, 'x-merge', '"replace"');
			v := dp.rlabelobj(1);
			w := dp.rlabelobj(1);
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			PERFORM dp.o_set(cid, 2, x, p, w, wp, 'set');
			FOR r IN SELECT * FROM dp.leafdiff(p, v, w) LOOP
				PERFORM dp.xplant(cid, k, xs, r.path, r.right_value, r.left_value);
			END LOOP;
		END CASE;

	ELSIF t = 'P_add' THEN
		p := dp.rsub(k, 1, 2);
		IF random() < 0.5 THEN
			PERFORM dp.o_set(cid, 1, s, k || '.sib', dp.rany(1), NULL);
		END IF;
		v := dp.rany(2);
		PERFORM dp.o_set(cid, 2, x, p, v, wp);
		PERFORM dp.xplant_leaves(cid, k, xs, p, v);

	ELSIF t = 'P_del' THEN
		p := dp.rsub(k, 0, 2);
		v := dp.rany(2);
		IF y IS NOT NULL AND random() < 0.4 THEN
			-- the same value at both own levels, then X's becomes a tombstone
			PERFORM dp.o_set(cid, 1, x, p, v, wp, 'set');
			PERFORM dp.o_set(cid, 1, y, p, dp.requiv(v), wp2);
			PERFORM dp.o_block(cid, 2, x, p, wp);
		ELSE
			PERFORM dp.o_set(cid, 1, s, p, v, CASE WHEN random() < 0.3 THEN c.prov END);
			-- the tombstone at p or at an ancestor of it (below the slot key)
			q := p;
			IF cfgmgr.nlevel(p::cfgmgr.cfgpath) > 1 AND random() < 0.4 THEN
				q := cfgmgr.subpath(p::cfgmgr.cfgpath, 0, dp.rint(1, cfgmgr.nlevel(p::cfgmgr.cfgpath)))::text;
			END IF;
			PERFORM dp.o_block(cid, 2, x, q, wp);
		END IF;
		FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
			PERFORM dp.xplant(cid, k, ys, r.path, r.value, NULL);
		END LOOP;

	ELSIF t = 'P_change' THEN
		p := dp.rsub(k, 0, 2);
		IF y IS NOT NULL AND random() < 0.4 THEN
			-- the same value at both own levels, then X's is overwritten
			v := dp.rleafish(2);
			PERFORM dp.o_set(cid, 1, x, p, v, wp, 'set');
			PERFORM dp.o_set(cid, 1, y, p, dp.requiv(v), wp2);
			w := dp.rdiff(v, random() < 0.6, true);
			PERFORM dp.o_set(cid, 2, x, p, w, wp, 'set');
		ELSE
			v := dp.rany(2);
			PERFORM dp.o_set(cid, 1, s, p, v, CASE WHEN random() < 0.3 THEN c.prov END);
			w := dp.rdiff(v, random() < 0.6, jsonb_typeof(v) <> 'object');
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
		END IF;
		PERFORM dp.xplant(cid, k, xs, p, w, v);

	ELSIF t = 'P_nest' THEN
		p := dp.rsub(k, 0, 1);
		CASE dp.rint(1, 4)
		WHEN 1 THEN
			-- an object of labels against a scalar written over it
			v := dp.rlabelobj(1);
			IF random() < 0.5 THEN
				PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			ELSE
				FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
					PERFORM dp.o_set(cid, 1, s, r.path, r.value, NULL);
				END LOOP;
			END IF;
			w := dp.rplain();
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
		WHEN 2 THEN
			-- a scalar against an object made by a value below it
			v := dp.rplain();
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			q := dp.rsub('', 1, 2);
			q := substr(q, 2);
			o := dp.rleafish(1);
			PERFORM dp.o_set(cid, 2, x, p || '.' || q, o, wp);
			w := dp.nest(q, o);
		WHEN 3 THEN
			-- an object of non-label keys gets a label key
			v := jsonb_build_object(dp.nonlabel_key(), dp.rscalar());
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			o := dp.rplain();
			PERFORM dp.o_set(cid, 2, x, p || '.q', o, wp);
			w := v || jsonb_build_object('q', o);
		ELSE
			-- {} gets a key
			v := '{}';
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			o := dp.rany(1);
			PERFORM dp.o_set(cid, 2, x, p || '.q', o, wp);
			w := jsonb_build_object('q', o);
		END CASE;
		PERFORM dp.xplant(cid, k, xs, p, w, v);

	ELSIF t = 'P_arr' THEN
		p := dp.rsub(k, 0, 2);
		v := dp.pick(ARRAY['[1, 2]', '["a", "b", "c"]', '[1, "1"]', '[{"a": 1}, {"b": 2}]', '[true, false, null]',
						   '[[1], [2]]', '[1.5, 2.5]'])::jsonb;
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		IF random() < 0.25 THEN
			-- elements written differently: equal
			PERFORM dp.o_set(cid, 2, x, p, dp.requiv(v), wp);
		ELSE
			w := CASE WHEN random() < 0.7 THEN dp.rdiff(v, true, false)
					  ELSE v || jsonb_build_array(dp.rscalar()) END;
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, v);
		END IF;

	ELSIF t = 'P_secret' THEN
		p := dp.rsub(k, 0, 1);
		v := dp.rsecret();
		w := dp.rsecret();
		CASE dp.rint(1, 5)
		WHEN 1 THEN		-- secret against another secret
			PERFORM dp.o_secret(cid, 1, s, p, v, NULL);
			PERFORM dp.o_secret(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, v, true, true);
		WHEN 2 THEN		-- a secret on one side only
			PERFORM dp.o_secret(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, NULL, true, false);
		WHEN 3 THEN		-- a plain value replaced by a secret
			v := dp.rstr();
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			PERFORM dp.o_secret(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, v, true, false);
		WHEN 4 THEN		-- a secret removed by a tombstone
			PERFORM dp.o_secret(cid, 1, s, p, v, NULL);
			PERFORM dp.o_block(cid, 2, x, p, wp);
			PERFORM dp.xplant(cid, k, xs, p, NULL, v, false, true);
		ELSE			-- a secret replaced by a plain value (not made from the secret)
			PERFORM dp.o_secret(cid, 1, s, p, v, NULL);
			w := CASE WHEN random() < 0.7 THEN dp.rstr() ELSE dp.rdiff(v, false, false) END;
			PERFORM dp.o_set(cid, 2, x, p, w, wp);
			PERFORM dp.xplant(cid, k, xs, p, w, v, false, true);
		END CASE;

	ELSIF t = 'P_prov' AND c.prov IS NOT NULL THEN
		p := dp.rsub(k, 0, 2);
		v := dp.rplain();
		w := dp.rdiff(v, random() < 0.5, false);
		IF random() < 0.5 THEN
			-- X's own level: the shared value, then a provider value over it
			PERFORM dp.o_set(cid, 1, s, p, v, NULL);
			IF random() < 0.5 THEN
				PERFORM dp.o_set(cid, 1, x, p, dp.requiv(v), NULL);
			END IF;
			PERFORM dp.o_set(cid, 2, x, p, w, c.prov);
		ELSE
			-- a provider value at a shared level, a neutral one below it on X
			PERFORM dp.o_set(cid, 1, s, p, dp.rplain(), NULL);
			PERFORM dp.o_set(cid, 1, s, p, v, c.prov);
			PERFORM dp.o_set(cid, 2, x, p, w, NULL);
		END IF;
		PERFORM dp.xplant(cid, k, xs, p, w, v);

	ELSIF t = 'P_tomb_mid' AND xi IS NOT NULL THEN
		-- a tombstone at X's intermediate level, a value below it at a deeper one
		p := dp.rsub(k, 0, 1);
		v := dp.rany(2);
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		PERFORM dp.o_block(cid, 2, xi, p, wp);
		o := dp.rany(1);
		PERFORM dp.o_set(cid, 2, x, p || '.qq', o, wp2);
		w := jsonb_build_object('qq', o);
		IF dp.descends(v) THEN
			FOR r IN SELECT * FROM dp.walk(p, v) WHERE leaf LOOP
				PERFORM dp.xplant(cid, k, ys, r.path, r.value, NULL);
			END LOOP;
			PERFORM dp.xplant_leaves(cid, k, xs, p || '.qq', o);
		ELSE
			PERFORM dp.xplant(cid, k, xs, p, w, v);
		END IF;

	ELSIF t = 'P_below' OR t IN ('P_prov', 'P_tomb_mid') THEN
		-- an object stored whole at a shared level, changed below on X
		p := dp.rsub(k, 0, 1);
		v := dp.rlabelobj(2);
		PERFORM dp.o_set(cid, 1, s, p, v, NULL);
		CASE dp.rint(1, 3)
		WHEN 1 THEN		-- a leaf changed
			SELECT * INTO r FROM dp.walk(p, v) WHERE leaf ORDER BY random() LIMIT 1;
			w := dp.rdiff(r.value, random() < 0.5, jsonb_typeof(r.value) <> 'object');
			PERFORM dp.o_set(cid, 2, x, r.path, w, wp);
			PERFORM dp.xplant(cid, k, xs, r.path, w, r.value);
		WHEN 2 THEN		-- a key added to an object
			SELECT * INTO r FROM (SELECT p AS path, v AS value UNION ALL
								  SELECT path, value FROM dp.walk(p, v) WHERE NOT leaf) n
			 ORDER BY random() LIMIT 1;
			q := r.path || '.' || dp.pick(ARRAY['zz', 'z-1', 'Z']);
			o := dp.rany(1);
			PERFORM dp.o_set(cid, 2, x, q, o, wp);
			PERFORM dp.xplant_leaves(cid, k, xs, q, o);
		ELSE			-- a leaf or an inner object removed
			SELECT * INTO r FROM dp.walk(p, v) ORDER BY random() LIMIT 1;
			q := r.path;
			o := r.value;
			PERFORM dp.o_block(cid, 2, x, q, wp);
			FOR r IN SELECT * FROM dp.walk(q, o) w WHERE w.leaf LOOP
				PERFORM dp.xplant(cid, k, ys, r.path, r.value, NULL);
			END LOOP;
		END CASE;
		t := 'P_below';

	ELSE
		-- a template the chains cannot hold
		RETURN dp.slot(cid, 'E_repr', k);
	END IF;
	RETURN t;
END
$$;

-- ---------------------------------------------------------------------
-- Applying the operations
-- ---------------------------------------------------------------------

CREATE FUNCTION dp.apply(svc text, o jsonb) RETURNS void LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
	env text := o ->> 'env';
	path text := o ->> 'path';
	prov text := o ->> 'prov';
BEGIN
	CASE o ->> 'op'
	WHEN 'set' THEN
		PERFORM cfgmgr.set(env, svc, path::cfgmgr.cfgpath, o -> 'value', provider => prov);
	WHEN 'nested' THEN
		PERFORM cfgmgr.set_many(env, svc, dp.nest(path, o -> 'value'), provider => prov);
	WHEN 'dotted' THEN
		PERFORM cfgmgr.set_many(env, svc, jsonb_build_object(path, o -> 'value'), provider => prov);
	WHEN 'block' THEN
		PERFORM cfgmgr.unset(env, svc, path::cfgmgr.cfgpath, provider => prov, block => true);
	WHEN 'secret' THEN
		IF o ->> 'method' = 'set' THEN
			PERFORM cfgmgr.set(env, svc, path::cfgmgr.cfgpath, o -> 'value', provider => prov, secret => true);
			RETURN;
		END IF;
		INSERT INTO cfgmgr.entry AS e (env_id, service_id, path, provider, value, secret, changeset)
		VALUES (cfgmgr.environment_id(o ->> 'env'), cfgmgr.service_id(svc), (o ->> 'path')::cfgmgr.cfgpath,
				coalesce(o ->> 'prov', ''), o -> 'value', true, 0)
		ON CONFLICT (env_id, service_id, path, provider)
		DO UPDATE SET value = excluded.value, secret = true, tombstone = false;
	END CASE;
END
$$;

-- schema: the object schema with kw: val at path (labels "*" through additionalProperties)
CREATE FUNCTION dp.schema_put(schema jsonb, labels text[], kw text, val jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	sub jsonb;
BEGIN
	IF cardinality(labels) = 0 THEN
		RETURN schema || jsonb_build_object(kw, val);
	END IF;
	IF labels[1] = '*' THEN
		sub := coalesce(schema -> 'additionalProperties', '{}');
		RETURN schema || jsonb_build_object('additionalProperties', dp.schema_put(sub, labels[2:], kw, val));
	END IF;
	sub := coalesce(schema #> ARRAY['properties', labels[1]], '{}');
	RETURN schema || jsonb_build_object('properties',
		coalesce(schema -> 'properties', '{}') || jsonb_build_object(labels[1], dp.schema_put(sub, labels[2:], kw, val)));
END
$$;

-- does a glob cover path (match it or one of its ancestors)?
CREATE FUNCTION dp.covers(pattern text, path text) RETURNS bool LANGUAGE sql STABLE AS $$
	SELECT EXISTS (SELECT FROM generate_series(1, cfgmgr.nlevel(path::cfgmgr.cfgpath)) n
					WHERE cfgmgr.glob_match(pattern, cfgmgr.subpath(path::cfgmgr.cfgpath, 0, n)))
$$;

-- The reason drift must give for a differing leaf of case cid (NULL: not
-- expected): the first variation (by id) that covers it, else a schema's
-- x-env-specific (between environments only, not for drift_observed).
CREATE FUNCTION dp.reason(cid int, path text, observed bool) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(
		(SELECT 'variation ' || v.id || coalesce(': ' || v.reason, '')
		   FROM dp.vars v
		  WHERE v.case_id = cid AND v.active AND CASE WHEN observed THEN v.applies_env ELSE v.applies_pair END
			AND dp.covers(v.path_pattern, reason.path)
		  ORDER BY v.id LIMIT 1),
		(SELECT 'x-env-specific' FROM dp.annot a
		  WHERE NOT observed AND a.case_id = cid AND a.kw = 'x-env-specific' AND dp.covers(a.path, reason.path) LIMIT 1))
$$;

-- ---------------------------------------------------------------------
-- Variations, x-env-specific, observed documents
-- ---------------------------------------------------------------------

-- a glob over path: the path, an ancestor, a label replaced by *, k.**, **.last, **
CREATE FUNCTION dp.rpattern(path text) RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	l text[] := string_to_array(path, '.');
	n int := cardinality(l);
	i int;
BEGIN
	CASE dp.rint(1, 7)
	WHEN 1, 2 THEN RETURN path;
	WHEN 3 THEN RETURN array_to_string(l[1:dp.rint(1, n)], '.');
	WHEN 4 THEN
		i := dp.rint(1, n);
		l[i] := '*';
		RETURN array_to_string(l, '.');
	WHEN 5 THEN RETURN l[1] || '.**';
	WHEN 6 THEN RETURN '**.' || l[n];
	ELSE RETURN CASE WHEN random() < 0.5 THEN '**' ELSE '*' END;
	END CASE;
END
$$;

-- 0-3 declared variations for case cid, some expired, some for other
-- services or environments (decoys covering nothing)
CREATE FUNCTION dp.declare_variations(cid int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	c dp.cases;
	target text;
	svcpat text;
	envs text[];
	pair bool;
	alone bool;
	reason text;
	expired bool;
	decoy bool;
	vid bigint;
	num text;
BEGIN
	SELECT * INTO c FROM dp.cases WHERE id = cid;
	num := substr(c.svc, 4);	-- ds_NNNNN
	FOR i IN 1 .. dp.rint(1, 3) LOOP
		target := dp.pick(dp.planted_paths(cid));
		IF target IS NULL OR random() < 0.2 THEN
			target := dp.rsub(split_part(dp.pick(c.slots), ':', 1), 0, 1);
		END IF;
		decoy := random() < 0.12;
		-- service patterns that match this case's service only (names are ds_ + 5 digits)
		svcpat := CASE WHEN decoy THEN dp.pick(ARRAY['dq_' || num, 'ds_' || num || 'x', 'ds_0' || num])
					   ELSE dp.pick(ARRAY[c.svc, '*_' || num, 'd*_' || num, 'ds*' || num, 'ds_' || left(num, 3) || '*' || right(num, 2), '*' || num]) END;
		CASE dp.rint(1, 9)
		WHEN 1, 2, 3 THEN envs := NULL; pair := true; alone := true;
		WHEN 4 THEN envs := ARRAY[c.lenv]; pair := true; alone := false;
		WHEN 5 THEN envs := ARRAY[c.renv]; pair := true; alone := true;
		WHEN 6 THEN envs := ARRAY[c.renv, c.lenv]; pair := true; alone := true;
		WHEN 7 THEN envs := ARRAY[split_part(c.lenv, '_', 1) || '_*']; pair := true; alone := true;
		WHEN 8 THEN		-- an environment on neither chain
			envs := ARRAY[coalesce(dp.pick(c.off), 'nosuch*')]; pair := false; alone := false;
		ELSE envs := ARRAY['nosuchenv*']; pair := false; alone := false;
		END CASE;
		reason := CASE WHEN random() < 0.7 THEN 'planned ' || dp.pick(ARRAY['difference', 'sizing', 'canary', 'endpoint']) END;
		expired := random() < 0.15;
		IF expired THEN
			-- expect_variation refuses a past expires_at
			INSERT INTO cfgmgr.variation (service_pattern, path_pattern, environments, reason, expires_at)
			VALUES (svcpat, dp.rpattern(target), envs, reason, now() - interval '1 hour')
			RETURNING id INTO vid;
		ELSE
			vid := cfgmgr.expect_variation(svcpat, dp.rpattern(target), envs, reason,
										   CASE WHEN random() < 0.3 THEN now() + interval '10 days' END);
		END IF;
		INSERT INTO dp.vars
		SELECT cid, v.id, v.service_pattern, v.path_pattern, v.environments, v.reason,
			   pair AND NOT decoy, alone AND NOT decoy, NOT expired
		  FROM cfgmgr.variation v WHERE v.id = vid;
		PERFORM dp.op(cid, 2, jsonb_build_object('op', 'variation', 'id', vid, 'service', svcpat,
												 'path', (SELECT path_pattern FROM cfgmgr.variation WHERE id = vid),
												 'environments', envs, 'expired', expired));
	END LOOP;
END
$$;

-- Observed: the right environment's resolved document with planted
-- changes (keys removed, unmanaged keys added, values changed), reported
-- after an older snapshot.  The resolved document holds the secrets in
-- clear (the generator is a superuser); the agent reports them masked, as
-- doc/drift.md asks ("agents should not send secrets"), or removed or
-- changed.
CREATE FUNCTION dp.observe(cid int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	c dp.cases;
	d jsonb;
	obs jsonb;
	r record;
	w jsonb;
	q text;
	used text[] := '{}';
	secret bool;
BEGIN
	SELECT * INTO c FROM dp.cases WHERE id = cid;
	d := cfgmgr.resolve(c.renv, c.svc, c.prov);
	obs := d;
	-- the secrets, masked (their leaves are strings: dp.rsecret).  Not in
	-- clear: drift_observed compares an observed secret equal to the declared
	-- one as equal for a role with read_secret but reports it "changed" to a
	-- role without (the declared side masked before comparing), which the
	-- reader's check would report as a failure
	FOR r IN SELECT * FROM dp.walk('', d) x WHERE x.leaf LOOP
		IF dp.is_secret(c.renv, c.svc, r.path, c.prov) THEN
			obs := dp.jput(obs, string_to_array(r.path, '.'), '"********"');
		END IF;
	END LOOP;
	IF random() < 0.4 THEN
		PERFORM cfgmgr.report_observed(c.renv, c.svc, jsonb_build_object('stale', dp.rany(1)), c.prov, 'dp-old');
	END IF;
	-- unmanaged keys, under objects drift descends into (or the top)
	FOR i IN 1 .. dp.rint(0, 2) LOOP
		SELECT * INTO r FROM (SELECT '' AS path, d AS value UNION ALL SELECT w.path, w.value FROM dp.walk('', d) w WHERE NOT w.leaf) n
		 ORDER BY random() LIMIT 1;
		q := dp.join(r.path, 'um' || i || dp.pick(ARRAY['', '-x', '_y']));
		CONTINUE WHEN q = ANY (used);
		used := used || q;
		w := dp.rany(1);
		obs := dp.jput(obs, string_to_array(q, '.'), w);
		INSERT INTO dp.obs_planted (case_id, path, kind, left_value, right_value)
		SELECT cid, x.path, 'only_right', NULL::jsonb, x.value FROM dp.walk(q, w) x WHERE x.leaf;
	END LOOP;
	-- declared leaves: missing, changed, or (secrets) masked
	FOR r IN SELECT * FROM dp.walk('', d) x WHERE x.leaf ORDER BY random() LIMIT dp.rint(0, 5) LOOP
		secret := dp.is_secret(c.renv, c.svc, r.path, c.prov);
		IF secret AND random() < 0.5 THEN
			-- reported masked (done above): no drift
			NULL;
		ELSIF random() < 0.5 THEN
			obs := dp.jdel(obs, string_to_array(r.path, '.'));
			INSERT INTO dp.obs_planted (case_id, path, kind, left_value, right_value, secret)
			VALUES (cid, r.path, 'only_left', r.value, NULL, secret);
		ELSE
			-- (not made from a secret: the suite looks for secrets in clear)
			w := CASE WHEN secret THEN dp.rstr() ELSE dp.rdiff(r.value, random() < 0.5, true) END;
			IF secret AND w = '"********"' THEN
				w := '"not the secret"';	-- "********" is what an agent reports for a secret: no drift
			END IF;
			obs := dp.jput(obs, string_to_array(r.path, '.'), w);
			INSERT INTO dp.obs_planted (case_id, path, kind, left_value, right_value, secret)
			VALUES (cid, r.path, dp.kind(r.value, w), r.value, w, secret);
		END IF;
	END LOOP;
	PERFORM cfgmgr.report_observed(c.renv, c.svc, obs, c.prov, 'dp');
	IF random() < 0.2 THEN
		-- another provider's snapshot: only drift_coverage reads it
		PERFORM cfgmgr.report_observed(c.renv, c.svc, jsonb_build_object('other', dp.rany(1)) || d,
									   CASE WHEN c.prov IS NULL THEN 'gcp' ELSE NULL END, 'dp-other');
	END IF;
	UPDATE dp.obs_planted SET reason = dp.reason(cid, path, true), expected = dp.reason(cid, path, true) IS NOT NULL
	 WHERE case_id = cid;
	UPDATE dp.cases SET observed = true WHERE id = cid;
END
$$;

-- ---------------------------------------------------------------------
-- Trees and cases
-- ---------------------------------------------------------------------

-- a random tree: a root and 6-14 environments at depths 1-5
CREATE FUNCTION dp.gen_tree(tid int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	envs text[];
	parents int[] := ARRAY[0];
	depth int[] := ARRAY[0];
	n int := dp.rint(6, 14);
	par int;
	name text;
BEGIN
	envs := ARRAY['dp' || lpad(tid::text, 4, '0') || '_0'];
	PERFORM cfgmgr.create_environment(envs[1]);
	FOR i IN 2 .. n + 1 LOOP
		LOOP
			-- deeper nodes more often, so that chains of 4-5 levels exist
			par := CASE WHEN random() < 0.6 THEN dp.rint(greatest(1, i - 3), i - 1) ELSE dp.rint(1, i - 1) END;
			EXIT WHEN depth[par] < 5;
		END LOOP;
		name := 'dp' || lpad(tid::text, 4, '0') || '_' || (i - 1);
		envs := envs || name;
		parents := parents || par;
		depth := depth || (depth[par] + 1);
		PERFORM cfgmgr.create_environment(name, envs[par]);
	END LOOP;
	INSERT INTO dp.trees VALUES (tid, envs, parents);
END
$$;

CREATE FUNCTION dp.chain(t dp.trees, i int) RETURNS int[] LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	c int[] := '{}';
BEGIN
	WHILE i > 0 LOOP
		c := i || c;
		i := t.parents[i];
	END LOOP;
	RETURN c;
END
$$;

-- register the schema made of case cid's annotations (nothing when it has none)
CREATE FUNCTION dp.register(cid int, phase int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	sch jsonb := '{"type": "object"}';
	a record;
BEGIN
	FOR a IN SELECT * FROM dp.annot WHERE case_id = cid ORDER BY path, kw LOOP
		sch := dp.schema_put(sch, string_to_array(a.path, '.'), a.kw, a.value);
	END LOOP;
	IF sch <> '{"type": "object"}' THEN
		PERFORM cfgmgr.register_schema(c.svc, sch) FROM dp.cases c WHERE c.id = cid;
		UPDATE dp.cases SET schema = sch WHERE id = cid;
		PERFORM dp.op(cid, phase, jsonb_build_object('op', 'register_schema', 'schema', sch));
	END IF;
END
$$;

CREATE FUNCTION dp.gen_case(cid int, tid int) RETURNS void LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	t dp.trees;
	rel text := dp.pick(ARRAY['branches', 'siblings', 'ancestor', 'descendant']);
	a int;
	b int;
	ca int[];
	cb int[];
	nsh int := 0;
	svc text := 'ds_' || lpad(cid::text, 5, '0');
	keys text[];
	k text;
	tmpl text;
	used text[] := '{}';
	nslots int;
	equal_only bool := random() < 0.08;
	-- a quarter of the cases get a schema (defaults, x-merge,
	-- x-env-specific): register_schema validates the service in every
	-- environment of the database, which is not cheap
	schema_case bool := random() < 0.25;
	o record;
	r record;
BEGIN
	SELECT * INTO t FROM dp.trees WHERE id = tid;
	SELECT x.a, x.b INTO a, b
	  FROM (SELECT i AS a, j AS b, dp.chain(t, i) AS ci, dp.chain(t, j) AS cj
			  FROM generate_series(1, cardinality(t.envs)) i, generate_series(1, cardinality(t.envs)) j
			 WHERE i <> j) x
	 WHERE CASE rel
		   WHEN 'siblings' THEN t.parents[x.a] = t.parents[x.b]
		   WHEN 'ancestor' THEN x.a = ANY (x.cj)
		   WHEN 'descendant' THEN x.b = ANY (x.ci)
		   ELSE t.parents[x.a] <> t.parents[x.b] AND NOT x.a = ANY (x.cj) AND NOT x.b = ANY (x.ci) END
	 ORDER BY random() LIMIT 1;
	IF a IS NULL THEN
		-- no pair of that kind in this tree
		rel := 'any';
		a := dp.rint(2, cardinality(t.envs));
		b := dp.rint(2, cardinality(t.envs) - 1);
		IF b >= a THEN
			b := b + 1;
		END IF;
	END IF;
	ca := dp.chain(t, a);
	cb := dp.chain(t, b);
	WHILE nsh < least(cardinality(ca), cardinality(cb)) AND ca[nsh + 1] = cb[nsh + 1] LOOP
		nsh := nsh + 1;
	END LOOP;
	PERFORM cfgmgr.create_service(svc);
	INSERT INTO dp.cases (id, tree_id, svc, lenv, renv, relation, prov, sh, lo, ro, off)
	SELECT cid, tid, svc, t.envs[a], t.envs[b], rel, CASE WHEN random() < 0.3 THEN 'aws' END,
		   (SELECT array_agg(t.envs[e] ORDER BY n) FROM unnest(ca[1:nsh]) WITH ORDINALITY u(e, n)),
		   (SELECT coalesce(array_agg(t.envs[e] ORDER BY n), '{}') FROM unnest(ca[nsh + 1:]) WITH ORDINALITY u(e, n)),
		   (SELECT coalesce(array_agg(t.envs[e] ORDER BY n), '{}') FROM unnest(cb[nsh + 1:]) WITH ORDINALITY u(e, n)),
		   (SELECT coalesce(array_agg(t.envs[e]), '{}') FROM generate_series(2, cardinality(t.envs)) e
			 WHERE NOT e = ANY (ca || cb));

	-- slots
	nslots := dp.rint(3, 8);
	keys := (SELECT array_agg(l ORDER BY random()) FROM unnest(dp.slot_labels()) l);
	FOR i IN 1 .. nslots LOOP
		k := keys[i];
		IF schema_case AND random() < 0.4 THEN
			tmpl := dp.pick(CASE WHEN equal_only OR random() < 0.4 THEN ARRAY['E_default', 'E_xmerge']
								 ELSE ARRAY['P_default', 'P_xmerge'] END);
		ELSIF equal_only OR random() < 0.4 THEN
			tmpl := dp.pick(ARRAY['E_shared', 'E_mirror', 'E_mirror', 'E_noop_block', 'E_empty_merge', 'E_repr',
								  'E_split', 'E_secret_equal', 'E_override', 'E_reset', 'E_restore', 'E_other_prov',
								  'E_offchain']);
		ELSE
			tmpl := dp.pick(ARRAY['P_add', 'P_del', 'P_change', 'P_change', 'P_nest', 'P_arr', 'P_secret', 'P_prov',
								  'P_tomb_mid', 'P_below', 'P_below']);
		END IF;
		used := used || (k || ':' || dp.slot(cid, tmpl, k));
	END LOOP;
	UPDATE dp.cases SET slots = used WHERE id = cid;
	IF schema_case AND random() < 0.6 AND EXISTS (SELECT FROM dp.planted WHERE case_id = cid) THEN
		-- x-env-specific on 1-2 paths (a planted row's or an ancestor), or
		-- on one path with a "*" label (additionalProperties) when the schema
		-- has no other annotation (properties next to additionalProperties
		-- would make "*" ambiguous)
		k := dp.pick(dp.planted_paths(cid));
		IF strpos(k, '.') > 0 AND random() < 0.3 AND NOT EXISTS (SELECT FROM dp.annot WHERE case_id = cid) THEN
			INSERT INTO dp.annot VALUES (cid, '*.' || substr(k, strpos(k, '.') + 1), 'x-env-specific', 'true');
		ELSE
			FOR r IN SELECT p AS path FROM unnest(dp.planted_paths(cid)) p ORDER BY random() LIMIT dp.rint(1, 2) LOOP
				k := CASE WHEN random() < 0.6 THEN r.path ELSE split_part(r.path, '.', 1) END;
				CONTINUE WHEN EXISTS (SELECT FROM dp.annot WHERE case_id = cid AND path = k AND kw = 'x-env-specific');
				INSERT INTO dp.annot VALUES (cid, k, 'x-env-specific', 'true');
			END LOOP;
		END IF;
	END IF;

	-- phase 1: left and right equal
	FOR o IN SELECT op FROM dp.ops WHERE case_id = cid AND phase = 1 ORDER BY seq LOOP
		PERFORM dp.apply(svc, o.op);
	END LOOP;
	PERFORM dp.register(cid, 1);	-- defaults, x-merge, x-env-specific
	INSERT INTO dp.base_drift
	SELECT cid, d.path, d.kind, d.left_value, d.right_value
	  FROM dp.cases c, cfgmgr.drift(c.lenv, c.renv, c.svc, c.prov) d WHERE c.id = cid;

	-- phase 2: the planted differences
	FOR o IN SELECT op FROM dp.ops WHERE case_id = cid AND phase = 2 ORDER BY seq LOOP
		PERFORM dp.apply(svc, o.op);
	END LOOP;
	IF random() < 0.35 THEN
		PERFORM dp.declare_variations(cid);
	END IF;
	UPDATE dp.planted SET reason = dp.reason(cid, path, false), expected = dp.reason(cid, path, false) IS NOT NULL
	 WHERE case_id = cid;

	IF random() < 0.3 THEN
		PERFORM dp.observe(cid);
	END IF;
	-- remediation: remediate(), with include_expected, with paths, or every statement run alone
	UPDATE dp.cases SET remediate = x.mode,
		   rpaths = CASE WHEN x.mode = 'remediate_paths'
						 THEN ARRAY[split_part(dp.pick(slots), ':', 1) || dp.pick(ARRAY['', '.**', '.*'])] END
	  FROM (SELECT CASE WHEN z.u < 0.35 THEN 'remediate' WHEN z.u < 0.45 THEN 'remediate_all'
						WHEN z.u < 0.55 THEN 'remediate_paths' WHEN z.u < 0.8 THEN 'execute' END AS mode
			  FROM (SELECT random() AS u) z) x
	 WHERE id = cid;
END
$$;

-- Build n cases, 24 per tree, committing every tree.
CREATE PROCEDURE dp.generate(n int, seed float8) LANGUAGE plpgsql AS $$
DECLARE
	cid int := 0;
	tid int := 0;
BEGIN
	PERFORM setseed(seed);
	WHILE cid < n LOOP
		tid := tid + 1;
		PERFORM dp.gen_tree(tid);
		FOR i IN 1 .. 24 LOOP
			EXIT WHEN cid >= n;
			cid := cid + 1;
			PERFORM dp.gen_case(cid, tid);
		END LOOP;
		COMMIT;
	END LOOP;
END
$$;
