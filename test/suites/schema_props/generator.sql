-- test/suites/schema_props/generator.sql - random JSON Schemas whose
-- verdicts are known by construction (run by test/suites/schema_props.sh).
--
-- Every generator returns a jsonb "case family":
--   {"s": schema,
--    "v": [documents valid against s; v[0] is the canonical one],
--    "m": [mutations of v[0], each violating exactly one constraint]}
-- A mutation is
--   {"p": [path tokens into v[0]], "op": "set" | "del", "v": new value,
--    "kw": [keywords accepted in the report] | null (any keyword),
--    "at": [[path tokens of an accepted instance location], ...],
--    "why": what it breaks}
-- A parent generator builds its canonical document from its children's
-- canonical documents and lifts their mutations under the property name or
-- array index (sp.lift), so a mutation is always applied to the canonical
-- document of the family it belongs to.
--
-- All randomness is random() after setseed() in the caller: deterministic.

CREATE SCHEMA sp;

-- uniform integer in [lo, hi]
CREATE FUNCTION sp.ri(lo int, hi int) RETURNS int
	LANGUAGE sql VOLATILE
	RETURN lo + floor(random() * (hi - lo + 1))::int;

CREATE FUNCTION sp.pickt(a text[]) RETURNS text
	LANGUAGE sql VOLATILE
	RETURN a[sp.ri(1, cardinality(a))];

CREATE FUNCTION sp.pickj(a jsonb) RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN a -> sp.ri(0, jsonb_array_length(a) - 1);

CREATE FUNCTION sp.mut(v jsonb, kw text[], why text, p jsonb DEFAULT '[]', op text DEFAULT 'set',
					   at jsonb DEFAULT '[[]]') RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN jsonb_build_object('p', p, 'op', op, 'v', v, 'kw', to_jsonb(kw), 'at', at, 'why', why);

-- prefix every mutation's path and locations with tok; extra keywords
-- (e.g. "allOf", "$ref") are accepted besides the child's
CREATE FUNCTION sp.lift(ms jsonb, tok text, extra text[] DEFAULT NULL) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN coalesce((
		SELECT jsonb_agg(jsonb_build_object(
					'p', jsonb_build_array(tok) || (m -> 'p'),
					'op', m -> 'op',
					'v', m -> 'v',
					'kw', CASE WHEN jsonb_typeof(m -> 'kw') = 'array' AND extra IS NOT NULL
							   THEN (m -> 'kw') || to_jsonb(extra) ELSE m -> 'kw' END,
					'at', (SELECT jsonb_agg(jsonb_build_array(tok) || a ORDER BY ao)
							 FROM jsonb_array_elements(m -> 'at') WITH ORDINALITY y(a, ao)),
					'why', m -> 'why') ORDER BY o)
		  FROM jsonb_array_elements(ms) WITH ORDINALITY x(m, o)), '[]');

-- keep at most n mutations (a random sample, original order)
CREATE FUNCTION sp.cap(ms jsonb, n int) RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN CASE WHEN jsonb_array_length(ms) <= n THEN ms ELSE (
		SELECT jsonb_agg(m ORDER BY o) FROM (
			SELECT m, o FROM jsonb_array_elements(ms) WITH ORDINALITY x(m, o)
			 ORDER BY random() LIMIT n) s) END;

CREATE FUNCTION sp.apply(d jsonb, m jsonb) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	p text[] := ARRAY(SELECT jsonb_array_elements_text(m -> 'p'));
BEGIN
	IF m ->> 'op' = 'del' THEN
		RETURN d #- p;
	ELSIF cardinality(p) = 0 THEN
		RETURN m -> 'v';
	END IF;
	RETURN jsonb_set(d, p, m -> 'v', true);
END $$;

-- JSON pointer (RFC 6901) of a token array
CREATE FUNCTION sp.ptr(toks jsonb) RETURNS text
	LANGUAGE sql IMMUTABLE
	RETURN coalesce((SELECT string_agg('/' || replace(replace(t, '~', '~0'), '/', '~1'), '' ORDER BY o)
					   FROM jsonb_array_elements_text(toks) WITH ORDINALITY x(t, o)), '');

CREATE FUNCTION sp.fam(s jsonb, v jsonb, m jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN jsonb_build_object('s', s, 'v', v, 'm', m);

-- ---------------------------------------------------------------------
-- leaves
-- ---------------------------------------------------------------------

-- {"type": "integer"} with optional (exclusive) bounds and multipleOf;
-- sometimes beyond 2^53 and 2^63, where only exact arithmetic is right
CREATE FUNCTION sp.g_integer() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	s jsonb := '{"type": "integer"}';
	ms jsonb := '[]';
	big bool := random() < 0.12;
	m numeric; a int; lo numeric; hi numeric; x numeric;
	minkw text; maxkw text;
BEGIN
	IF big THEN
		m := 1;
		lo := (CASE WHEN random() < 0.5 THEN 9007199254740993::numeric ELSE 9223372036854775807::numeric END) + sp.ri(0, 3);
		hi := lo + sp.ri(1, 4);
	ELSE
		m := sp.pickt('{1,1,1,2,3,5,10}')::numeric;
		a := sp.ri(-20, 20);
		lo := m * a;
		hi := m * (a + sp.ri(1, 10));
	END IF;
	IF m > 1 THEN s := s || jsonb_build_object('multipleOf', m); END IF;
	IF random() < 0.85 THEN
		IF random() < 0.3 THEN
			minkw := 'exclusiveMinimum';
			s := s || jsonb_build_object(minkw, lo - CASE WHEN m = 1 AND random() < 0.5 THEN 0.5 ELSE m END);
		ELSE
			minkw := 'minimum';
			s := s || jsonb_build_object(minkw, lo);
		END IF;
	END IF;
	IF random() < 0.85 THEN
		IF random() < 0.3 THEN
			maxkw := 'exclusiveMaximum';
			s := s || jsonb_build_object(maxkw, hi + CASE WHEN m = 1 AND random() < 0.5 THEN 0.5 ELSE m END);
		ELSE
			maxkw := 'maximum';
			s := s || jsonb_build_object(maxkw, hi);
		END IF;
	END IF;
	x := lo + m * sp.ri(0, ((hi - lo) / m)::int);

	ms := ms || sp.mut(to_jsonb(x::text), '{type}', 'integer written as a string');
	ms := ms || sp.mut(sp.pickj('[true, null, [1], {"n": 1}]'), '{type}', 'integer replaced by another type');
	IF m = 1 THEN
		ms := ms || sp.mut(to_jsonb(lo + 0.5), '{type}', 'non-integer number');
	END IF;
	IF minkw IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(lo - m), ARRAY[minkw], 'below the lower bound');
	END IF;
	IF maxkw IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(hi + m), ARRAY[maxkw], 'above the upper bound');
	END IF;
	IF m > 1 THEN
		ms := ms || sp.mut(to_jsonb(lo + 1), '{multipleOf}', 'not a multiple');
	END IF;
	-- x + 0.0 is an integer-valued number written with a fraction: an integer
	RETURN sp.fam(s, jsonb_build_array(x, lo, hi, x + 0.0), ms);
END $$;

-- {"type": "number"} with decimal bounds and a decimal multipleOf (exact)
CREATE FUNCTION sp.g_number() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	s jsonb := '{"type": "number"}';
	ms jsonb := '[]';
	m numeric := NULLIF(sp.pickt('{0,0.5,0.25,0.1,0.01,0.1}'), '0')::numeric;
	step numeric;
	a int; b int; lo numeric; hi numeric; x numeric; k numeric;
	minkw text; maxkw text;
	v jsonb;
BEGIN
	step := coalesce(m, 0.1);
	a := sp.ri(-50, 50);
	b := a + sp.ri(2, 20);
	lo := step * a;
	hi := step * b;
	IF m IS NOT NULL THEN s := s || jsonb_build_object('multipleOf', m); END IF;
	IF random() < 0.85 THEN
		minkw := CASE WHEN random() < 0.3 THEN 'exclusiveMinimum' ELSE 'minimum' END;
		s := s || jsonb_build_object(minkw, CASE minkw WHEN 'minimum' THEN lo ELSE lo - step END);
	END IF;
	IF random() < 0.85 THEN
		maxkw := CASE WHEN random() < 0.3 THEN 'exclusiveMaximum' ELSE 'maximum' END;
		s := s || jsonb_build_object(maxkw, CASE maxkw WHEN 'maximum' THEN hi ELSE hi + step END);
	END IF;
	x := lo + step * sp.ri(0, b - a);
	v := jsonb_build_array(x, lo, hi);
	k := ceil(lo);
	IF k <= hi THEN v := v || to_jsonb(k::int); END IF;		-- an integer is a number

	ms := ms || sp.mut(sp.pickj('["1.5", null, false, [1.5]]'), '{type}', 'number replaced by another type');
	IF minkw IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(lo - step), ARRAY[minkw], 'below the lower bound');
	END IF;
	IF maxkw IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(hi + step), ARRAY[maxkw], 'above the upper bound');
	END IF;
	IF m IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(lo + m / 2), '{multipleOf}', 'not a multiple');
	END IF;
	RETURN sp.fam(s, v, ms);
END $$;

-- string generators for the patterns of sp.g_string
--   pid 0: no pattern; characters of 1 to 4 bytes (lengths count code points)
CREATE FUNCTION sp.chars(alphabet text, n int) RETURNS text
	LANGUAGE sql VOLATILE
	RETURN coalesce((SELECT string_agg(substr(alphabet, sp.ri(1, length(alphabet)), 1), '')
					   FROM generate_series(1, n)), '');

CREATE TABLE sp.pattern (pid int PRIMARY KEY, pattern text, pmin int);
INSERT INTO sp.pattern VALUES
	(0, NULL, 0),
	(1, '^[a-z]+$', 1),
	(2, '^[A-Z][a-z0-9]*$', 1),
	(3, '^ab', 2),
	(4, 'z$', 1),
	(5, '[0-9]', 1),
	(6, '^(foo|bar)-[0-9]+$', 5),
	(7, '^\d{3}-\d+$', 5),
	(8, '^[^ ]+$', 1),
	(9, '^[a-z0-9]([a-z0-9-]*[a-z0-9])?$', 1);

-- a string of n characters matching pattern pid (anti: of n characters
-- not matching it); n >= the pattern's pmin
CREATE FUNCTION sp.pat_string(pid int, n int, anti bool) RETURNS text
	LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	lower_ text := 'abcdefghijklmnopqrstuvwxy';
	digits text := '0123456789';
	wide text := 'aé日€😀zQ-' || chr(769);		-- U+0301, a combining mark, is a code point too
	p int;
BEGIN
	CASE pid
	WHEN 0 THEN RETURN sp.chars(wide, n);
	WHEN 1 THEN RETURN CASE WHEN anti THEN 'A' ELSE sp.chars(lower_, 1) END || sp.chars(lower_, n - 1);
	WHEN 2 THEN RETURN CASE WHEN anti THEN 'q' ELSE 'Q' END || sp.chars(lower_ || digits, n - 1);
	WHEN 3 THEN RETURN CASE WHEN anti THEN 'ba' ELSE 'ab' END || sp.chars(wide, n - 2);
	WHEN 4 THEN RETURN sp.chars(wide, n - 1) || CASE WHEN anti THEN 'y' ELSE 'z' END;
	WHEN 5 THEN
		IF anti THEN RETURN sp.chars(lower_, n); END IF;
		p := sp.ri(0, n - 1);
		RETURN sp.chars(lower_, p) || sp.chars(digits, 1) || sp.chars(lower_, n - 1 - p);
	WHEN 6 THEN RETURN CASE WHEN anti THEN 'baz' ELSE sp.pickt('{foo,bar}') END || '-' || sp.chars(digits, n - 4);
	WHEN 7 THEN RETURN CASE WHEN anti THEN sp.chars(digits, 2) || 'x' ELSE sp.chars(digits, 3) END
				   || '-' || sp.chars(digits, n - 4);
	WHEN 8 THEN RETURN CASE WHEN anti THEN ' ' ELSE sp.chars(wide, 1) END || sp.chars(wide, n - 1);
	WHEN 9 THEN
		IF anti THEN RETURN '-' || sp.chars(lower_, n - 1); END IF;
		IF n <= 2 THEN RETURN sp.chars(lower_, n); END IF;
		RETURN sp.chars(lower_, 1) || sp.chars(lower_ || '-', n - 2) || sp.chars(digits, 1);
	END CASE;
END $$;

CREATE FUNCTION sp.g_string() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	p_id int := sp.ri(0, 9);
	pat sp.pattern;
	s jsonb := '{"type": "string"}';
	ms jsonb := '[]';
	v jsonb;
	n int; minl int; maxl int;
BEGIN
	SELECT * INTO pat FROM sp.pattern WHERE pattern.pid = p_id;
	IF pat.pattern IS NOT NULL THEN s := s || jsonb_build_object('pattern', pat.pattern); END IF;
	n := sp.ri(pat.pmin + 1, pat.pmin + 6);
	IF random() < 0.7 THEN
		minl := greatest(pat.pmin + 1, n - sp.ri(0, 2));
		s := s || jsonb_build_object('minLength', minl);
	END IF;
	IF random() < 0.7 THEN
		maxl := n + sp.ri(0, 3);
		s := s || jsonb_build_object('maxLength', maxl);
	END IF;
	v := jsonb_build_array(sp.pat_string(p_id, n, false));
	IF minl IS NOT NULL THEN v := v || to_jsonb(sp.pat_string(p_id, minl, false)); END IF;
	IF maxl IS NOT NULL THEN v := v || to_jsonb(sp.pat_string(p_id, maxl, false)); END IF;

	ms := ms || sp.mut(sp.pickj('[5, null, ["a"], {"s": "a"}, true]'), '{type}', 'string replaced by another type');
	IF minl IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(sp.pat_string(p_id, minl - 1, false)), '{minLength}', 'too short');
	END IF;
	IF maxl IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(sp.pat_string(p_id, maxl + 1, false)), '{maxLength}', 'too long');
	END IF;
	IF pat.pattern IS NOT NULL THEN
		ms := ms || sp.mut(to_jsonb(sp.pat_string(p_id, n, true)), '{pattern}', 'does not match the pattern');
	END IF;
	RETURN sp.fam(s, v, ms);
END $$;

CREATE FUNCTION sp.g_boolean() RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN sp.fam('{"type": "boolean"}', '[true, false]',
				  jsonb_build_array(sp.mut(sp.pickj('["true", 1, 0, null]'), '{type}', 'boolean replaced by another type')));

CREATE FUNCTION sp.g_null() RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN sp.fam('{"type": "null"}', '[null]',
				  jsonb_build_array(sp.mut(sp.pickj('[false, 0, "", "null", []]'), '{type}', 'null replaced by another type')));

-- values for enum/const, pairwise different in JSON Schema's sense, with
-- an equal spelling (eq) and near misses (miss) of each
CREATE TABLE sp.jvalue (id int PRIMARY KEY, val jsonb, eq jsonb, miss jsonb);
INSERT INTO sp.jvalue VALUES
	(1, '"red"', NULL, '["Red", "red "]'),
	(2, '"green"', NULL, '["gre"]'),
	(3, '1', '1.0', '[true, "1", 1.5]'),
	(4, '2.5', '2.50', '["2.5", 2.4999]'),
	(5, 'null', NULL, '["null", false, 0]'),
	(6, 'true', NULL, '[1, "true"]'),
	(7, '{"k": 1}', '{"k": 1.0}', '[{"k": "1"}, {"k": 1, "l": 2}, {}]'),
	(8, '[1, 2]', '[1.0, 2]', '[[2, 1], [1], [1, 2, 2]]'),
	(9, '"1"', NULL, '[1]'),
	(10, '0', '0.0', '[false, -1, "0"]'),
	(11, 'false', NULL, '[0, true]'),
	(12, '[]', NULL, '[{}, [null]]'),
	(13, '{}', NULL, '[[], {"a": null}]'),
	(14, '-7', '-7.000', '[7]'),
	(15, '"é日"', NULL, '["e日", "e\u0301日"]');

-- {"enum": [...]} or {"const": x}
CREATE FUNCTION sp.g_enum(is_const bool) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	ids int[];
	chosen jsonb;
	v jsonb;
	ms jsonb := '[]';
	kw text[] := CASE WHEN is_const THEN '{const}'::text[] ELSE '{enum}'::text[] END;
	r record;
BEGIN
	ids := ARRAY(SELECT id FROM sp.jvalue ORDER BY random() LIMIT CASE WHEN is_const THEN 1 ELSE sp.ri(2, 4) END);
	SELECT jsonb_agg(val ORDER BY array_position(ids, id)),
		   jsonb_agg(val ORDER BY array_position(ids, id)) || coalesce(jsonb_agg(eq) FILTER (WHERE eq IS NOT NULL), '[]')
	  INTO chosen, v FROM sp.jvalue WHERE id = ANY (ids);
	-- near misses of the chosen values that equal no chosen value
	FOR r IN SELECT DISTINCT x.m FROM sp.jvalue j, jsonb_array_elements(j.miss) x(m)
			  WHERE j.id = ANY (ids)
				AND NOT EXISTS (SELECT 1 FROM sp.jvalue c WHERE c.id = ANY (ids) AND (c.val = x.m OR c.eq = x.m))
			  ORDER BY x.m
	LOOP
		ms := ms || sp.mut(r.m, kw, 'not an allowed value');
	END LOOP;
	ms := sp.cap(ms, 2);
	-- and one value of the pool that was not chosen
	ms := ms || sp.mut((SELECT val FROM sp.jvalue WHERE id <> ALL (ids) ORDER BY random() LIMIT 1), kw, 'not an allowed value');
	RETURN sp.fam(CASE WHEN is_const THEN jsonb_build_object('const', chosen -> 0)
					   ELSE jsonb_build_object('enum', chosen) END, v, ms);
END $$;

-- {"type": [t1, t2]}
CREATE FUNCTION sp.g_typelist() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	types text[] := ARRAY(SELECT t FROM unnest('{string,integer,number,boolean,"null",array,object}'::text[]) t
						   ORDER BY random() LIMIT 2);
	-- a sample and the type names accepting it
	samples jsonb := '[["s", ["string"]], [7, ["integer", "number"]], [1.5, ["number"]], [false, ["boolean"]],
					   [null, ["null"]], [[1], ["array"]], [{"a": 1}, ["object"]], [-3.0, ["integer", "number"]]]';
	v jsonb := '[]';
	ms jsonb := '[]';
	e jsonb;
BEGIN
	FOR e IN SELECT x FROM jsonb_array_elements(samples) x LOOP
		IF (e -> 1) ?| types THEN
			v := v || jsonb_build_array(e -> 0);
		ELSE
			ms := ms || sp.mut(e -> 0, '{type}', 'a type not in the list');
		END IF;
	END LOOP;
	RETURN sp.fam(jsonb_build_object('type', to_jsonb(types)), v, sp.cap(ms, 2));
END $$;

-- the schema true (or {}): anything is valid
CREATE FUNCTION sp.g_true() RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN sp.fam(sp.pickj('[true, {}]'), '[{"any": [1, "x"]}, null, 3]', '[]');

CREATE FUNCTION sp.g_leaf() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	k int := sp.ri(0, 19);
BEGIN
	RETURN CASE
		WHEN k < 4 THEN sp.g_integer()
		WHEN k < 7 THEN sp.g_number()
		WHEN k < 12 THEN sp.g_string()
		WHEN k < 13 THEN sp.g_boolean()
		WHEN k < 14 THEN sp.g_null()
		WHEN k < 16 THEN sp.g_enum(false)
		WHEN k < 17 THEN sp.g_enum(true)
		WHEN k < 19 THEN sp.g_typelist()
		ELSE sp.g_true() END;
END $$;

-- ---------------------------------------------------------------------
-- containers and combinators
-- ---------------------------------------------------------------------

CREATE FUNCTION sp.last(a jsonb) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN a -> (jsonb_array_length(a) - 1);

-- objects: properties, required, additionalProperties false, and one of
-- dependentRequired / minProperties / maxProperties / propertyNames
CREATE FUNCTION sp.g_object(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	names text[] := ARRAY(SELECT n FROM unnest(ARRAY['alpha', 'beta', 'gamma', 'delta', 'eps', 'zeta', 'a/b',
													 't~1', 'x y', 'ünï', '', 'n0'])
						   n ORDER BY random() LIMIT sp.ri(1, 4));
	nm text;
	c jsonb;
	props jsonb := '{}';
	req text[] := '{}';
	opt text[] := '{}';
	v0 jsonb := '{}';
	vl jsonb := '{}';
	vr jsonb := '{}';
	ms jsonb := '[]';
	v jsonb;
	s jsonb := '{"type": "object"}';
	closed bool := random() < 0.5;
	feature text := sp.pickt('{none,none,none,dependentRequired,minProperties,maxProperties,propertyNames}');
	forbidden bool;
	da text; db text;
BEGIN
	IF closed AND feature IN ('maxProperties', 'propertyNames') THEN feature := 'none'; END IF;
	FOREACH nm IN ARRAY names LOOP
		c := sp.gen(depth + 1);
		props := props || jsonb_build_object(nm, c -> 's');
		v0 := v0 || jsonb_build_object(nm, c -> 'v' -> 0);
		vl := vl || jsonb_build_object(nm, sp.last(c -> 'v'));
		ms := ms || sp.lift(c -> 'm', nm);
		IF random() < 0.6 THEN req := req || nm; ELSE opt := opt || nm; END IF;
	END LOOP;
	IF feature = 'dependentRequired' AND cardinality(opt) = 0 THEN feature := 'none'; END IF;
	IF feature = 'minProperties' AND cardinality(opt) = 0 THEN feature := 'none'; END IF;
	forbidden := feature <> 'maxProperties' AND random() < 0.15;
	IF forbidden THEN props := props || '{"forbidden": false}'; END IF;
	s := s || jsonb_build_object('properties', props);
	IF cardinality(req) > 0 THEN s := s || jsonb_build_object('required', to_jsonb(req)); END IF;
	IF closed THEN s := s || '{"additionalProperties": false}'; END IF;

	-- the required properties only (plus what dependentRequired demands)
	vr := (SELECT coalesce(jsonb_object_agg(key, value), '{}') FROM jsonb_each(v0) WHERE key = ANY (req));
	CASE feature
	WHEN 'dependentRequired' THEN
		db := opt[sp.ri(1, cardinality(opt))];
		da := (SELECT n FROM unnest(names) n WHERE n <> db ORDER BY random() LIMIT 1);
		IF da IS NULL THEN
			feature := 'none';
		ELSE
			s := s || jsonb_build_object('dependentRequired', jsonb_build_object(da, jsonb_build_array(db)));
			IF vr ? da THEN vr := vr || jsonb_build_object(db, v0 -> db); END IF;
			ms := ms || sp.mut(NULL, '{dependentRequired}', format('%s present without %s', da, db),
							   jsonb_build_array(db), 'del');
		END IF;
	WHEN 'minProperties' THEN
		s := s || jsonb_build_object('minProperties', cardinality(names));
		nm := opt[sp.ri(1, cardinality(opt))];
		ms := ms || sp.mut(NULL, '{minProperties}', 'fewer properties than minProperties', jsonb_build_array(nm), 'del');
	WHEN 'maxProperties' THEN
		s := s || jsonb_build_object('maxProperties', cardinality(names));
		ms := ms || sp.mut('1', '{maxProperties}', 'more properties than maxProperties', '["zz_extra"]', 'set', '[[], ["zz_extra"]]');
	WHEN 'propertyNames' THEN
		s := s || '{"propertyNames": {"maxLength": 10}}';
		ms := ms || sp.mut('1', '{propertyNames,maxLength}', 'a property name longer than 10',
						   '["this_name_is_too_long"]', 'set', '[[], ["this_name_is_too_long"]]');
	ELSE
		NULL;
	END CASE;

	v := jsonb_build_array(v0);
	IF vl <> v0 THEN v := v || jsonb_build_array(vl); END IF;
	IF vr <> v0 AND feature <> 'minProperties' THEN v := v || jsonb_build_array(vr); END IF;
	IF NOT closed AND feature <> 'maxProperties' THEN v := v || jsonb_build_array(v0 || '{"zz_extra": [1]}'); END IF;

	IF feature <> 'minProperties' THEN
		FOREACH nm IN ARRAY req LOOP
			ms := ms || sp.mut(NULL, '{required}', format('required %s missing', nm), jsonb_build_array(nm), 'del');
		END LOOP;
	END IF;
	IF closed THEN
		ms := ms || sp.mut('{"x": 1}', '{additionalProperties}', 'a property not declared',
						   '["zz_extra"]', 'set', '[[], ["zz_extra"]]');
	END IF;
	IF forbidden THEN
		ms := ms || sp.mut('1', NULL, 'a property whose schema is false', '["forbidden"]', 'set', '[[], ["forbidden"]]');
	END IF;
	ms := ms || sp.mut(sp.pickj('[[], [{}], "{}", 0]'), '{type}', 'object replaced by another type');
	RETURN sp.fam(s, v, sp.cap(ms, 14));
END $$;

CREATE FUNCTION sp.repeat(x jsonb, n int) RETURNS jsonb
	LANGUAGE sql IMMUTABLE
	RETURN coalesce((SELECT jsonb_agg(x) FROM generate_series(1, n)), '[]');

-- arrays: items + minItems/maxItems; uniqueItems over integers; a closed
-- tuple (prefixItems, items false); contains with minContains/maxContains
CREATE FUNCTION sp.g_array(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	k int := sp.ri(0, 9);
	c jsonb; c2 jsonb;
	s jsonb;
	v jsonb;
	ms jsonb := '[]';
	mn int; mx int; n int; j int;
	xs int[];
	arr jsonb;
BEGIN
	IF k < 5 THEN
		-- items: any schema
		c := sp.gen(depth + 1);
		s := jsonb_build_object('type', 'array', 'items', c -> 's');
		mn := CASE WHEN random() < 0.6 THEN sp.ri(0, 2) END;
		mx := CASE WHEN random() < 0.6 THEN coalesce(mn, 1) + sp.ri(1, 3) END;
		IF mn IS NOT NULL THEN s := s || jsonb_build_object('minItems', mn); END IF;
		IF mx IS NOT NULL THEN s := s || jsonb_build_object('maxItems', mx); END IF;
		n := sp.ri(greatest(coalesce(mn, 0), 1), coalesce(mx, 3));
		v := jsonb_build_array(sp.repeat(c -> 'v' -> 0, n), sp.repeat(sp.last(c -> 'v'), n));
		IF coalesce(mn, 0) = 0 THEN v := v || '[[]]'; END IF;
		IF mx IS NOT NULL THEN v := v || jsonb_build_array(sp.repeat(c -> 'v' -> 0, mx)); END IF;
		j := sp.ri(0, n - 1);
		ms := sp.lift(sp.cap(c -> 'm', 6), j::text);
		IF coalesce(mn, 0) > 0 THEN
			ms := ms || sp.mut(sp.repeat(c -> 'v' -> 0, mn - 1), '{minItems}', 'too few items');
		END IF;
		IF mx IS NOT NULL THEN
			ms := ms || sp.mut(sp.repeat(c -> 'v' -> 0, mx + 1), '{maxItems}', 'too many items');
		END IF;
		ms := ms || sp.mut(jsonb_build_object('0', c -> 'v' -> 0), '{type}', 'array replaced by an object');
	ELSIF k < 7 THEN
		-- unique integers
		mn := sp.ri(0, 2);
		mx := greatest(mn, 2) + sp.ri(0, 3);
		s := jsonb_build_object('type', 'array', 'uniqueItems', true, 'minItems', mn, 'maxItems', mx,
								'items', '{"type": "integer", "minimum": 0, "maximum": 50}'::jsonb);
		n := sp.ri(greatest(mn, 2), mx);
		xs := ARRAY(SELECT x FROM generate_series(0, 50) x ORDER BY random() LIMIT mx + 1);
		arr := to_jsonb(xs[1:n]);
		v := jsonb_build_array(arr, to_jsonb(xs[1:mx]), '[1, 2.0]'::jsonb);
		IF mn = 0 THEN v := v || '[[]]'; END IF;
		ms := ms || sp.mut(jsonb_set(arr, '{1}', arr -> 0), '{uniqueItems}', 'two equal items');
		ms := ms || sp.mut(jsonb_set(arr, '{1}', to_jsonb((arr ->> 0)::numeric + 0.0)), '{uniqueItems}',
						   'two equal items, one written 3.0');
		ms := ms || sp.mut(to_jsonb(xs[1:mx + 1]), '{maxItems}', 'too many items');
		IF mn > 0 THEN ms := ms || sp.mut(to_jsonb(xs[1:mn - 1]), '{minItems}', 'too few items'); END IF;
		j := sp.ri(0, n - 1);
		ms := ms || sp.mut('51', '{maximum}', 'an item above its maximum', jsonb_build_array(j::text),
						   'set', jsonb_build_array(jsonb_build_array(j::text)));
		ms := ms || sp.mut('"7"', '{type}', 'an item of the wrong type', jsonb_build_array(j::text),
						   'set', jsonb_build_array(jsonb_build_array(j::text)));
	ELSIF k < 9 THEN
		-- closed tuple
		c := sp.g_leaf();
		c2 := sp.g_leaf();
		s := jsonb_build_object('type', 'array', 'prefixItems', jsonb_build_array(c -> 's', c2 -> 's'), 'items', false);
		arr := jsonb_build_array(c -> 'v' -> 0, c2 -> 'v' -> 0);
		v := jsonb_build_array(arr, jsonb_build_array(sp.last(c -> 'v'), sp.last(c2 -> 'v')),
							   jsonb_build_array(c -> 'v' -> 0), '[]'::jsonb);
		ms := sp.lift(c -> 'm', '0') || sp.lift(c2 -> 'm', '1');
		ms := ms || sp.mut(arr || '[1]', '{items}', 'an item after the closed tuple', '[]', 'set', '[[], ["2"]]');
	ELSE
		-- contains
		s := '{"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 1000}, "contains": {"type": "integer", "minimum": 500}}';
		-- arr[j] is an item that does not match "contains"
		IF random() < 0.5 THEN
			s := s || '{"minContains": 2}';
			arr := '[600, 1, 700]';
			j := 1;
			ms := ms || sp.mut('[600, 1, 2]', '{contains,minContains}', 'too few matching items');
		ELSE
			arr := '[1, 600, 3]';
			j := 2 * sp.ri(0, 1);
			ms := ms || sp.mut('[1, 2, 3]', '{contains}', 'no matching item');
		END IF;
		v := jsonb_build_array(arr, arr || '[5]', arr || '[0, 499]');
		IF random() < 0.5 THEN
			s := s || '{"maxContains": 2}';
			ms := ms || sp.mut('[600, 700, 800, 1]', '{contains,maxContains}', 'too many matching items');
		ELSE
			v := v || jsonb_build_array(arr || '[500, 1000]');
		END IF;
		ms := ms || sp.mut('-1', '{minimum}', 'an item below its minimum', jsonb_build_array(j::text),
						   'set', jsonb_build_array(jsonb_build_array(j::text)));
		ms := ms || sp.mut('"x"', '{type}', 'an item of the wrong type', jsonb_build_array(j::text),
						   'set', jsonb_build_array(jsonb_build_array(j::text)));
	END IF;
	RETURN sp.fam(s, v, ms);
END $$;

-- allOf over two halves of one object
CREATE FUNCTION sp.g_allof(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	x jsonb := sp.gen(depth + 1);
	y jsonb := sp.gen(depth + 1);
	a text := sp.pickt('{a,left,ä}');
	b text := sp.pickt('{b,right,b/c}');
	ms jsonb;
BEGIN
	ms := sp.lift(x -> 'm', a, '{allOf}') || sp.lift(y -> 'm', b, '{allOf}');
	ms := ms || sp.mut(NULL, '{required,allOf}', 'first half missing', jsonb_build_array(a), 'del');
	ms := ms || sp.mut(NULL, '{required,allOf}', 'second half missing', jsonb_build_array(b), 'del');
	ms := ms || sp.mut('"x"', '{type,allOf}', 'not an object');
	RETURN sp.fam(
		jsonb_build_object('allOf', jsonb_build_array(
			jsonb_build_object('type', 'object', 'properties', jsonb_build_object(a, x -> 's'), 'required', jsonb_build_array(a)),
			jsonb_build_object('properties', jsonb_build_object(b, y -> 's'), 'required', jsonb_build_array(b)))),
		jsonb_build_array(jsonb_build_object(a, x -> 'v' -> 0, b, y -> 'v' -> 0),
						  jsonb_build_object(a, sp.last(x -> 'v'), b, sp.last(y -> 'v'), 'other', 1)),
		sp.cap(ms, 10));
END $$;

-- anyOf / oneOf over a numeric branch and a string branch (disjoint), or
-- over the overlapping pair integer / number >= 0
CREATE FUNCTION sp.g_choice(kw text) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	a jsonb;
	b jsonb := sp.g_string();
	ms jsonb := '[]';
	m jsonb;
	kws text[] := ARRAY[kw];
BEGIN
	IF random() < 0.25 THEN
		-- -3: only the first; 2.5: only the second; 4: both (oneOf fails)
		IF kw = 'oneOf' THEN
			RETURN sp.fam('{"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}', '[-3, 2.5]',
						  jsonb_build_array(sp.mut('4', kws, 'matches both'), sp.mut('-2.5', kws, 'matches neither'),
											sp.mut('"x"', kws, 'matches neither')));
		END IF;
		RETURN sp.fam('{"anyOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}', '[-3, 2.5, 4]',
					  jsonb_build_array(sp.mut('-2.5', kws, 'matches neither'), sp.mut('"x"', kws, 'matches neither')));
	END IF;
	a := CASE WHEN random() < 0.5 THEN sp.g_integer() ELSE sp.g_number() END;
	-- a mutation fails both branches when it keeps its branch's JSON type
	FOR m IN SELECT x FROM jsonb_array_elements(a -> 'm') x WHERE jsonb_typeof(x -> 'v') = 'number' LOOP
		ms := ms || sp.mut(m -> 'v', kws, 'numeric branch: ' || (m ->> 'why'));
	END LOOP;
	FOR m IN SELECT x FROM jsonb_array_elements(b -> 'm') x WHERE jsonb_typeof(x -> 'v') = 'string' LOOP
		ms := ms || sp.mut(m -> 'v', kws, 'string branch: ' || (m ->> 'why'));
	END LOOP;
	ms := ms || sp.mut(sp.pickj('[true, null, [], {}]'), kws, 'matches no branch');
	RETURN sp.fam(jsonb_build_object(kw, CASE WHEN random() < 0.5 THEN jsonb_build_array(a -> 's', b -> 's')
											  ELSE jsonb_build_array(b -> 's', a -> 's') END),
				  jsonb_build_array(a -> 'v' -> 0, b -> 'v' -> 0, sp.last(a -> 'v'), sp.last(b -> 'v')),
				  sp.cap(ms, 6));
END $$;

-- not: the leaf's invalid values are valid and its valid ones invalid
CREATE FUNCTION sp.g_not() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	l jsonb;
BEGIN
	LOOP
		l := sp.g_leaf();
		EXIT WHEN jsonb_array_length(l -> 'm') > 0;
	END LOOP;
	RETURN sp.fam(jsonb_build_object('not', l -> 's'),
				  (SELECT jsonb_agg(m -> 'v') FROM jsonb_array_elements(l -> 'm') x(m)),
				  jsonb_build_array(sp.mut(l -> 'v' -> 0, '{not}', 'valid against the negated schema'),
									sp.mut(sp.last(l -> 'v'), '{not}', 'valid against the negated schema')));
END $$;

-- if / then / else choosing which property is required
CREATE FUNCTION sp.g_ifthen(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	x jsonb := sp.gen(depth + 1);
	y jsonb := sp.gen(depth + 1);
	ms jsonb;
BEGIN
	ms := sp.lift(sp.cap(x -> 'm', 4), 'x') || sp.lift(sp.cap(y -> 'm', 4), 'y');
	ms := ms || sp.mut(NULL, '{required,then}', 'kind a without x', '["x"]', 'del');
	ms := ms || sp.mut(jsonb_build_object('kind', 'b', 'x', x -> 'v' -> 0), '{required,else}', 'kind b without y');
	ms := ms || sp.mut('"c"', '{enum}', 'unknown kind', '["kind"]', 'set', '[["kind"]]');
	ms := ms || sp.mut('7', '{type}', 'not an object');
	RETURN sp.fam(
		jsonb_build_object('type', 'object',
						   'properties', jsonb_build_object('kind', '{"enum": ["a", "b"]}'::jsonb, 'x', x -> 's', 'y', y -> 's'),
						   'required', '["kind"]'::jsonb,
						   'if', '{"properties": {"kind": {"const": "a"}}}'::jsonb,
						   'then', '{"required": ["x"]}'::jsonb,
						   'else', '{"required": ["y"]}'::jsonb),
		jsonb_build_array(jsonb_build_object('kind', 'a', 'x', x -> 'v' -> 0, 'y', y -> 'v' -> 0),
						  jsonb_build_object('kind', 'a', 'x', sp.last(x -> 'v')),
						  jsonb_build_object('kind', 'b', 'y', sp.last(y -> 'v'))),
		ms);
END $$;

-- patternProperties next to properties, additionalProperties false or a schema
CREATE FUNCTION sp.g_patternprops(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	c jsonb := sp.gen(depth + 1);
	idl jsonb := sp.g_integer();
	closed bool := random() < 0.5;
	v0 jsonb;
	v jsonb;
	ms jsonb;
BEGIN
	v0 := jsonb_build_object('id', idl -> 'v' -> 0, 'x_a', c -> 'v' -> 0);
	v := jsonb_build_array(v0, jsonb_build_object('id', sp.last(idl -> 'v'), 'x_a', sp.last(c -> 'v'), 'x_b', c -> 'v' -> 0),
						   jsonb_build_object('x_', c -> 'v' -> 0), '{}'::jsonb);
	IF NOT closed THEN v := v || jsonb_build_array(v0 || '{"other": "s"}'); END IF;
	ms := sp.lift(sp.cap(idl -> 'm', 2), 'id') || sp.lift(c -> 'm', 'x_a');
	ms := ms || sp.mut('{"x": 1}', CASE WHEN closed THEN '{additionalProperties}'::text[] ELSE '{type,additionalProperties}' END,
					   'a property matched by neither properties nor patternProperties', '["zz"]', 'set', '[[], ["zz"]]');
	ms := ms || sp.mut('[]', '{type}', 'object replaced by an array');
	RETURN sp.fam(jsonb_build_object('type', 'object', 'properties', jsonb_build_object('id', idl -> 's'),
									 'patternProperties', jsonb_build_object('^x_', c -> 's'),
									 'additionalProperties', CASE WHEN closed THEN 'false'::jsonb ELSE '{"type": "string"}' END),
				  v, sp.cap(ms, 10));
END $$;

-- unevaluatedProperties: after allOf, after anyOf (only the branches that
-- match count), after if/then/else
CREATE FUNCTION sp.g_unevaluated(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	k int := sp.ri(0, 2);
	x jsonb; y jsonb;
	ms jsonb;
BEGIN
	IF k = 0 THEN
		x := sp.gen(depth + 1);
		y := sp.gen(depth + 1);
		ms := sp.lift(sp.cap(x -> 'm', 4), 'a', '{allOf,unevaluatedProperties}') || sp.lift(sp.cap(y -> 'm', 4), 'b');
		ms := ms || sp.mut(NULL, '{required,allOf}', 'a missing', '["a"]', 'del');
		ms := ms || sp.mut('1', '{unevaluatedProperties}', 'a property no subschema evaluates', '["zz"]', 'set', '[[], ["zz"]]');
		ms := ms || sp.mut('"o"', '{type}', 'not an object');
		RETURN sp.fam(
			jsonb_build_object('type', 'object',
							   'allOf', jsonb_build_array(jsonb_build_object('properties', jsonb_build_object('a', x -> 's'),
																			 'required', '["a"]'::jsonb)),
							   'properties', jsonb_build_object('b', y -> 's'),
							   'unevaluatedProperties', false),
			jsonb_build_array(jsonb_build_object('a', x -> 'v' -> 0, 'b', y -> 'v' -> 0), jsonb_build_object('a', sp.last(x -> 'v'))),
			ms);
	ELSIF k = 1 THEN
		RETURN sp.fam(
			'{"type": "object", "unevaluatedProperties": false,
			  "anyOf": [{"properties": {"a": {"type": "integer"}}, "required": ["a"]},
						{"properties": {"c": {"type": "string"}}, "required": ["c"]}]}',
			'[{"a": 1}, {"c": "s"}, {"a": 1, "c": "s"}]',
			jsonb_build_array(
				sp.mut('{"a": 1, "c": 5}', '{unevaluatedProperties}', 'c only in the branch that fails', '[]', 'set', '[[], ["c"]]'),
				sp.mut('{"a": 1, "zz": 1}', '{unevaluatedProperties}', 'a property no branch evaluates', '[]', 'set', '[[], ["zz"]]'),
				-- (with a property, failing both branches would leave it
				-- unevaluated too: a second violation)
				sp.mut('{}', '{anyOf}', 'no branch matches')));
	END IF;
	RETURN sp.fam(
		'{"type": "object", "properties": {"k": {"enum": [1, 2]}}, "required": ["k"], "unevaluatedProperties": false,
		  "if": {"properties": {"k": {"const": 1}}}, "then": {"properties": {"t": {"type": "string"}}},
		  "else": {"properties": {"e": {"type": "integer"}}}}',
		'[{"k": 1, "t": "s"}, {"k": 2, "e": 5}, {"k": 1}]',
		jsonb_build_array(
			sp.mut('{"k": 1, "e": 5}', '{unevaluatedProperties}', 'e evaluated only by else', '[]', 'set', '[[], ["e"]]'),
			sp.mut('{"k": 2, "t": "s"}', '{unevaluatedProperties}', 't evaluated only by then', '[]', 'set', '[[], ["t"]]'),
			sp.mut('{"k": 1, "t": 5}', '{type,then,unevaluatedProperties}', 'then fails', '[]', 'set', '[["t"], []]')));
END $$;

-- unevaluatedItems after prefixItems in allOf, or after contains
CREATE FUNCTION sp.g_unevaluated_items() RETURNS jsonb
	LANGUAGE plpgsql AS $$
BEGIN
	IF random() < 0.5 THEN
		RETURN sp.fam(
			'{"type": "array", "prefixItems": [{"type": "integer"}], "unevaluatedItems": false,
			  "allOf": [{"prefixItems": [true, {"type": "string"}]}]}',
			'[[1, "a"], [1], []]',
			jsonb_build_array(
				sp.mut('[1, "a", 3]', '{unevaluatedItems}', 'an item no subschema evaluates', '[]', 'set', '[[], ["2"]]'),
				sp.mut('[1, 2]', '{type,allOf,unevaluatedItems}', 'second item not a string', '[]', 'set', '[["1"], []]'),
				sp.mut('["x"]', '{type}', 'first item not an integer', '[]', 'set', '[["0"]]')));
	END IF;
	RETURN sp.fam(
		'{"type": "array", "contains": {"type": "string"}, "unevaluatedItems": {"type": "integer"}}',
		'[[1, "a", 2], ["a"], ["a", "b"]]',
		jsonb_build_array(
			sp.mut('[1, "a", true]', '{unevaluatedItems,type}', 'an item neither contained nor an integer', '[]', 'set',
				   '[[], ["2"]]'),
			sp.mut('[1, 2]', '{contains}', 'no string', '[]', 'set', '[[]]')));
END $$;

-- dependentSchemas
CREATE FUNCTION sp.g_depschemas() RETURNS jsonb
	LANGUAGE sql VOLATILE
	RETURN sp.fam(
		'{"type": "object", "properties": {"a": true, "b": true},
		  "dependentSchemas": {"a": {"properties": {"b": {"type": "integer"}}, "required": ["b"]}}}',
		'[{"a": 1, "b": 2}, {"b": "x"}, {}]',
		jsonb_build_array(
			sp.mut('{"a": 1, "b": "x"}', '{type,dependentSchemas}', 'b not an integer while a is present', '[]', 'set', '[["b"], []]'),
			sp.mut('{"a": 1}', '{required,dependentSchemas}', 'b missing while a is present')));

CREATE FUNCTION sp.gen(depth int) RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	k int := sp.ri(0, 99);
BEGIN
	IF depth >= 3 THEN RETURN sp.g_leaf(); END IF;
	RETURN CASE
		WHEN k < 40 THEN sp.g_leaf()
		WHEN k < 58 THEN sp.g_object(depth)
		WHEN k < 71 THEN sp.g_array(depth)
		WHEN k < 76 THEN sp.g_allof(depth)
		WHEN k < 80 THEN sp.g_choice('anyOf')
		WHEN k < 84 THEN sp.g_choice('oneOf')
		WHEN k < 87 THEN sp.g_not()
		WHEN k < 90 THEN sp.g_ifthen(depth)
		WHEN k < 93 THEN sp.g_patternprops(depth)
		WHEN k < 97 THEN sp.g_unevaluated(depth)
		WHEN k < 99 THEN sp.g_unevaluated_items()
		ELSE sp.g_depschemas() END;
END $$;

-- a draft-07 root ("$schema"): definitions, $ref whose siblings draft-07
-- ignores, tuple "items" with additionalItems false, "dependencies"; only
-- leaves inside (the 2020-12 keywords of the other generators would be
-- unknown, hence ignored, in draft-07)
CREATE FUNCTION sp.g_draft7() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	c jsonb := sp.g_leaf();
	a jsonb := sp.g_leaf();
	b jsonb := sp.g_leaf();
	tup jsonb;
	ms jsonb;
BEGIN
	tup := jsonb_build_array(a -> 'v' -> 0, b -> 'v' -> 0);
	ms := sp.lift(sp.cap(c -> 'm', 3), 'p', '{$ref}')
		  || sp.lift(sp.lift(sp.cap(a -> 'm', 2), '0', '{items}'), 'tup')
		  || sp.lift(sp.lift(sp.cap(b -> 'm', 2), '1', '{items}'), 'tup');
	ms := ms || sp.mut(tup || '[true]', '{additionalItems}', 'an item after the tuple', '["tup"]', 'set', '[["tup"], ["tup", "2"]]');
	ms := ms || sp.mut(NULL, '{dependencies}', 'd without e', '["e"]', 'del');
	ms := ms || sp.mut(NULL, '{required}', 'p missing', '["p"]', 'del');
	RETURN sp.fam(
		jsonb_build_object('$schema', 'http://json-schema.org/draft-07/schema#',
						   'definitions', jsonb_build_object('t', c -> 's'),
						   'type', 'object',
						   'properties', jsonb_build_object(
								-- ignored next to $ref in draft-07
								'p', '{"$ref": "#/definitions/t", "type": "null", "maximum": -1000000}'::jsonb,
								'tup', jsonb_build_object('type', 'array', 'items', jsonb_build_array(a -> 's', b -> 's'),
														  'additionalItems', false)),
						   'dependencies', '{"d": ["e"]}'::jsonb,
						   'required', '["p", "tup"]'::jsonb),
		jsonb_build_array(jsonb_build_object('p', c -> 'v' -> 0, 'tup', tup, 'd', 1, 'e', 2),
						  jsonb_build_object('p', sp.last(c -> 'v'), 'tup', jsonb_build_array(sp.last(a -> 'v')), 'e', 2)),
		ms);
END $$;

-- a root schema: mostly objects; some $ref to $defs, some draft-07
CREATE FUNCTION sp.gen_root() RETURNS jsonb
	LANGUAGE plpgsql AS $$
DECLARE
	k int := sp.ri(0, 99);
	c jsonb;
	ms jsonb;
BEGIN
	IF k < 45 THEN RETURN sp.g_object(0); END IF;
	IF k < 52 THEN RETURN sp.g_draft7(); END IF;
	IF k < 62 THEN
		c := sp.gen(1);
		ms := sp.lift(sp.cap(c -> 'm', 5), 'p', '{$ref}') || sp.lift(sp.cap(c -> 'm', 3), 'q', '{$ref}');
		ms := ms || sp.mut(NULL, '{required}', 'p missing', '["p"]', 'del');
		RETURN sp.fam(
			jsonb_build_object('$defs', jsonb_build_object('t', c -> 's'), 'type', 'object',
							   'properties', '{"p": {"$ref": "#/$defs/t"}, "q": {"$ref": "#/$defs/t"}}'::jsonb,
							   'required', '["p"]'::jsonb),
			jsonb_build_array(jsonb_build_object('p', c -> 'v' -> 0, 'q', c -> 'v' -> 0),
							  jsonb_build_object('p', sp.last(c -> 'v'))),
			ms);
	END IF;
	RETURN sp.gen(0);
END $$;

-- ---------------------------------------------------------------------
-- the cases
-- ---------------------------------------------------------------------
CREATE TABLE sp.cases (
	id int PRIMARY KEY,
	sid int NOT NULL,			-- generated schema number
	schema jsonb NOT NULL,
	doc jsonb NOT NULL,
	expect bool NOT NULL,
	kw jsonb,					-- accepted keywords (null: any), invalid cases
	at text[],					-- accepted instance paths (JSON pointers), invalid cases
	why text
);

CREATE PROCEDURE sp.generate(nschemas int, seed float8)
	LANGUAGE plpgsql AS $$
DECLARE
	f jsonb;
	d jsonb;
	m jsonb;
	n int := 0;
BEGIN
	PERFORM setseed(seed);
	FOR i IN 1..nschemas LOOP
		f := sp.gen_root();
		FOR d IN SELECT x FROM jsonb_array_elements(f -> 'v') x LOOP
			n := n + 1;
			INSERT INTO sp.cases VALUES (n, i, f -> 's', d, true, NULL, NULL, 'valid by construction');
		END LOOP;
		FOR m IN SELECT x FROM jsonb_array_elements(f -> 'm') x LOOP
			n := n + 1;
			INSERT INTO sp.cases VALUES (n, i, f -> 's', sp.apply(f -> 'v' -> 0, m), false, m -> 'kw',
										 ARRAY(SELECT sp.ptr(a) FROM jsonb_array_elements(m -> 'at') a), m ->> 'why');
		END LOOP;
	END LOOP;
END $$;
