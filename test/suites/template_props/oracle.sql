-- test/suites/template_props/oracle.sql - an independent renderer of
-- cfgmgr's ${...} templates in PL/pgSQL (no cfgmgr function is called):
-- the raw document (deep merge of the stored values down the chain,
-- neutral then provider-qualified at each level) and its rendering,
-- written from the rules of SPEC.md section 3 and cfg_template.c's header.
-- Errors are raised with the SQLSTATE cfgmgr must raise (CM012, CM004,
-- CM005) and as message the text cfgmgr's message must contain (the value
-- named, or the cycle).
--
-- Data: tp.env (name, chain root first, labels), tp.svc, tp.stored (the
-- values written), tp.target, tp.provider (copies of what was written).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- jsonb follow of a path through objects only (NULL when not there)
CREATE FUNCTION tp.follow(j jsonb, p text[]) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	FOR i IN 1 .. coalesce(array_length(p, 1), 0) LOOP
		IF j IS NULL OR jsonb_typeof(j) <> 'object' THEN
			RETURN NULL;
		END IF;
		j := j -> p[i];
	END LOOP;
	RETURN j;
END $f$;

-- deep merge: objects merge key by key, anything else replaces
CREATE FUNCTION tp.merge(a jsonb, b jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
	k text;
BEGIN
	IF a IS NULL OR jsonb_typeof(a) <> 'object' OR jsonb_typeof(b) <> 'object' THEN
		RETURN b;
	END IF;
	FOR k IN SELECT jsonb_object_keys(b) LOOP
		a := a || jsonb_build_object(k, tp.merge(a -> k, b -> k));
	END LOOP;
	RETURN a;
END $f$;

-- doc with value stored at path (deep-merged into what is there)
CREATE FUNCTION tp.put(doc jsonb, p text[], v jsonb) RETURNS jsonb LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	IF coalesce(array_length(p, 1), 0) = 0 THEN
		RETURN tp.merge(doc, v);
	END IF;
	IF doc IS NULL OR jsonb_typeof(doc) <> 'object' THEN
		doc := '{}';
	END IF;
	RETURN doc || jsonb_build_object(p[1], tp.put(doc -> p[1], p[2:], v));
END $f$;

-- the raw (unrendered) document of (env, svc, prov)
CREATE FUNCTION tp.raw(env text, svc text, prov text) RETURNS jsonb LANGUAGE plpgsql STABLE AS $f$
DECLARE
	doc jsonb := '{}';
	r record;
BEGIN
	FOR r IN SELECT s.path, s.value
			   FROM tp.env e, unnest(e.chain) WITH ORDINALITY c (lvl, ord)
			   JOIN tp.stored s ON s.env = c.lvl AND s.svc = raw.svc
			  WHERE e.name = raw.env AND (s.prov IS NULL OR s.prov = raw.prov)
			  ORDER BY c.ord, s.prov IS NOT NULL, s.path COLLATE "C" LOOP
		doc := tp.put(doc, string_to_array(r.path, '.'), r.value);
	END LOOP;
	RETURN doc;
END $f$;

CREATE FUNCTION tp.is_path(s text) RETURNS bool LANGUAGE sql IMMUTABLE AS $f$
	SELECT s ~ '^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$' $f$;

CREATE TYPE tp.part AS (kind text, txt text, expr text, has_def bool, def text);

-- cut a template into parts; CM012 naming where on a syntax error
CREATE FUNCTION tp.parse(s text, "where" text) RETURNS tp.part[] LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
	parts tp.part[] := '{}';
	n int := length(s);
	i int := 1;
	lit text := '';
	nplace int := 0;
	rest text;
	cpos int;
	body text;
	name text;
	dpos int;
	fr int;
	p tp.part;
BEGIN
	WHILE i <= n LOOP
		IF substr(s, i, 1) <> '$' THEN
			-- copy up to the next '$'
			cpos := strpos(substr(s, i), '$');
			IF cpos = 0 THEN
				lit := lit || substr(s, i);
				EXIT;
			END IF;
			lit := lit || substr(s, i, cpos - 1);
			i := i + cpos - 1;
			CONTINUE;
		END IF;
		IF substr(s, i, 3) = '$${' THEN
			lit := lit || '${';
			i := i + 3;
			CONTINUE;
		END IF;
		IF substr(s, i + 1, 1) <> '{' THEN
			lit := lit || '$';
			i := i + 1;
			CONTINUE;
		END IF;
		nplace := nplace + 1;
		IF nplace > 1000 THEN
			RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'in ' || "where" || ': more than 1000 placeholders';
		END IF;
		IF lit <> '' THEN
			parts := parts || ROW('text', lit, NULL, false, NULL)::tp.part;
			lit := '';
		END IF;
		rest := substr(s, i + 2);
		cpos := strpos(rest, '}');
		body := CASE WHEN cpos > 0 THEN substr(rest, 1, cpos - 1) ELSE rest END;
		IF strpos(body, '${') > 0 THEN
			RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'in ' || "where" || ': nested';
		END IF;
		IF cpos = 0 THEN
			RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'in ' || "where" || ': unterminated';
		END IF;
		p := ROW(NULL, NULL, '${' || body || '}', false, NULL)::tp.part;
		fr := CASE WHEN left(body, 4) = 'ref:' THEN 4 ELSE 0 END;
		dpos := strpos(substr(body, fr + 1), ':-');
		name := body;
		IF dpos > 0 THEN
			p.has_def := true;
			p.def := substr(body, fr + dpos + 2);
			name := substr(body, 1, fr + dpos - 1);
		END IF;
		IF name = 'env.name' THEN
			p.kind := 'env.name';
		ELSIF left(name, 4) = 'env.' AND tp.is_path(substr(name, 5)) THEN
			p.kind := 'label'; p.txt := substr(name, 5);
		ELSIF name = 'provider.name' THEN
			p.kind := 'provider.name';
		ELSIF left(name, 9) = 'provider.' AND tp.is_path(substr(name, 10)) THEN
			p.kind := 'var'; p.txt := substr(name, 10);
		ELSIF left(name, 4) = 'ref:' AND tp.is_path(substr(name, 5)) THEN
			p.kind := 'ref'; p.txt := substr(name, 5);
		ELSE
			RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'in ' || "where" || ': unknown or empty';
		END IF;
		parts := parts || p;
		i := i + 2 + cpos;
	END LOOP;
	IF lit <> '' THEN
		parts := parts || ROW('text', lit, NULL, false, NULL)::tp.part;
	END IF;
	RETURN parts;
END $f$;

-- does the template parse (the check cfgmgr.set makes)?
CREATE FUNCTION tp.syntax_ok(v jsonb) RETURNS bool LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
	s text;
BEGIN
	FOR s IN SELECT x #>> '{}' FROM jsonb_path_query(v, 'strict $.**') x WHERE jsonb_typeof(x) = 'string' LOOP
		PERFORM tp.parse(s, 'x');
	END LOOP;
	RETURN true;
EXCEPTION WHEN SQLSTATE 'CM012' THEN
	RETURN false;
END $f$;

CREATE FUNCTION tp.label(env text, p text[]) RETURNS jsonb LANGUAGE plpgsql STABLE AS $f$
DECLARE
	v jsonb;
	r record;
BEGIN
	FOR r IN SELECT e2.labels FROM tp.env e, unnest(e.chain) WITH ORDINALITY c (lvl, ord)
			   JOIN tp.env e2 ON e2.name = c.lvl
			  WHERE e.name = label.env ORDER BY c.ord DESC LOOP
		v := tp.follow(r.labels, p);
		IF v IS NOT NULL THEN
			RETURN v;
		END IF;
	END LOOP;
	RETURN NULL;
END $f$;

CREATE FUNCTION tp.var(env text, prov text, p text[]) RETURNS jsonb LANGUAGE plpgsql STABLE AS $f$
DECLARE
	tv jsonb;
	v jsonb;
BEGIN
	SELECT tp_merge_shallow INTO tv FROM (
		SELECT (SELECT jsonb_object_agg(k, val ORDER BY ord) FROM (
			SELECT DISTINCT ON (k) k, val, ord FROM tp.env e, unnest(e.chain) WITH ORDINALITY c (lvl, ord)
			  JOIN tp.target t ON t.env = c.lvl AND t.prov = var.prov, jsonb_each(t.variables) x (k, val)
			 WHERE e.name = var.env ORDER BY k, ord DESC) y) AS tp_merge_shallow) z;
	-- a target row with no variables still counts as deployed, but holds nothing
	v := tp.follow(tv, p);
	IF v IS NULL THEN
		v := tp.follow((SELECT variables FROM tp.provider WHERE name = prov), p);
	END IF;
	RETURN v;
END $f$;

CREATE FUNCTION tp.scalar_text(v jsonb, expr text, "where" text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $f$
BEGIN
	IF jsonb_typeof(v) IN ('string', 'number', 'boolean') THEN
		RETURN v #>> '{}';
	END IF;
	RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'in ' || "where" || ': ' || expr || ' is ' || jsonb_typeof(v);
END $f$;

-- push (svc, path) on the stack of values being rendered: CM004 when it is there
CREATE FUNCTION tp.push(stack text[], svc text, p text[]) RETURNS text[] LANGUAGE plpgsql IMMUTABLE AS $f$
DECLARE
	f text := svc || '.' || array_to_string(p, '.');
	pos int := array_position(stack, f);
BEGIN
	IF pos IS NOT NULL THEN
		RAISE EXCEPTION USING ERRCODE = 'CM004',
			MESSAGE = array_to_string(stack[pos:] || f, ' -> ');
	END IF;
	RETURN stack || f;
END $f$;

CREATE FUNCTION tp.str(s text, svc text, "where" text, env text, prov text, stack text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $f$
DECLARE
	parts tp.part[];
	p tp.part;
	buf text := '';
	v jsonb;
	rsvc text;
	rpath text[];
BEGIN
	IF strpos(s, '${') = 0 THEN
		RETURN to_jsonb(s);
	END IF;
	parts := tp.parse(s, "where");
	FOREACH p IN ARRAY parts LOOP
		v := NULL;
		CASE p.kind
		WHEN 'text' THEN
			buf := buf || p.txt;
			CONTINUE;
		WHEN 'env.name' THEN
			buf := buf || env;
			CONTINUE;
		WHEN 'label' THEN
			v := tp.label(env, string_to_array(p.txt, '.'));
			IF v IS NULL AND NOT p.has_def THEN
				RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'unknown variable "' || p.expr || '" in ' || "where";
			END IF;
		WHEN 'provider.name' THEN
			IF prov IS NOT NULL THEN
				buf := buf || prov;
				CONTINUE;
			END IF;
			IF NOT p.has_def THEN
				RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'unknown variable "' || p.expr || '" in ' || "where" || ': no provider given';
			END IF;
		WHEN 'var' THEN
			IF prov IS NULL THEN
				IF NOT p.has_def THEN
					RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'unknown variable "' || p.expr || '" in ' || "where" || ': no provider given';
				END IF;
			ELSE
				v := tp.var(env, prov, string_to_array(p.txt, '.'));
				IF v IS NULL AND NOT p.has_def THEN
					RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'unknown variable "' || p.expr || '" in ' || "where";
				END IF;
			END IF;
		WHEN 'ref' THEN
			rsvc := svc;
			rpath := string_to_array(p.txt, '.');
			IF array_length(rpath, 1) > 1 AND EXISTS (SELECT FROM tp.svc WHERE name = rpath[1]) THEN
				rsvc := rpath[1];
				rpath := rpath[2:];
			END IF;
			v := tp.node(rsvc, rpath, env, prov, stack);
			IF v IS NULL AND NOT p.has_def THEN
				RAISE EXCEPTION USING ERRCODE = 'CM012', MESSAGE = 'unknown variable "' || p.expr || '" in ' || "where";
			END IF;
			IF v IS NOT NULL AND array_length(parts, 1) = 1 THEN
				RETURN v;
			END IF;
		END CASE;
		IF v IS NULL THEN
			buf := buf || p.def;
		ELSE
			buf := buf || tp.scalar_text(v, p.expr, "where");
		END IF;
	END LOOP;
	RETURN to_jsonb(buf);
END $f$;

-- render every string inside a leaf's container value (arrays, objects in arrays)
CREATE FUNCTION tp.container(v jsonb, svc text, "where" text, env text, prov text, stack text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $f$
DECLARE
	r jsonb;
	x jsonb;
	k text;
BEGIN
	CASE jsonb_typeof(v)
	WHEN 'string' THEN
		RETURN tp.str(v #>> '{}', svc, "where", env, prov, stack);
	WHEN 'array' THEN
		r := '[]';
		FOR x IN SELECT jsonb_array_elements(v) LOOP
			r := r || jsonb_build_array(tp.container(x, svc, "where", env, prov, stack));
		END LOOP;
		RETURN r;
	WHEN 'object' THEN
		r := '{}';
		FOR k IN SELECT kk FROM jsonb_object_keys(v) kk ORDER BY kk COLLATE "C" LOOP
			r := r || jsonb_build_object(k, tp.container(v -> k, svc, "where", env, prov, stack));
		END LOOP;
		RETURN r;
	ELSE
		RETURN v;
	END CASE;
END $f$;

-- a rendered leaf (v: its raw value at path p of svc)
CREATE FUNCTION tp.leaf(svc text, p text[], v jsonb, env text, prov text, stack text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $f$
BEGIN
	IF strpos(v::text, '${') = 0 THEN
		RETURN v;
	END IF;
	RETURN tp.container(v, svc, format('value "%s" of service "%s"', array_to_string(p, '.'), svc),
						env, prov, tp.push(stack, svc, p));
END $f$;

-- a rendered subtree (v: the raw object at path p); no frame is pushed
CREATE FUNCTION tp.subtree(svc text, p text[], v jsonb, env text, prov text, stack text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $f$
DECLARE
	r jsonb := '{}';
	k text;
	c jsonb;
BEGIN
	FOR k IN SELECT kk FROM jsonb_object_keys(v) kk ORDER BY kk COLLATE "C" LOOP
		c := v -> k;
		IF jsonb_typeof(c) = 'object' THEN
			c := tp.subtree(svc, p || k, c, env, prov, stack);
		ELSE
			c := tp.leaf(svc, p || k, c, env, prov, stack);
		END IF;
		r := r || jsonb_build_object(k, c);
	END LOOP;
	RETURN r;
END $f$;

-- the rendered value at path p of svc (a reference, or get), NULL when unset
CREATE FUNCTION tp.node(svc text, p text[], env text, prov text, stack text[]) RETURNS jsonb
LANGUAGE plpgsql STABLE AS $f$
DECLARE
	cur jsonb := tp.raw(env, svc, prov);
	n int := array_length(p, 1);
BEGIN
	FOR i IN 1 .. n LOOP
		IF jsonb_typeof(cur) = 'object' THEN
			IF NOT cur ? p[i] THEN
				RETURN NULL;		-- unset: nothing is rendered
			END IF;
			cur := cur -> p[i];
		ELSE
			-- a leaf above the path: into its rendered value
			RETURN tp.follow(tp.leaf(svc, p[1:i - 1], cur, env, prov, stack), p[i:]);
		END IF;
	END LOOP;
	IF jsonb_typeof(cur) = 'object' THEN
		RETURN tp.subtree(svc, p, cur, env, prov, tp.push(stack, svc, p));
	END IF;
	RETURN tp.leaf(svc, p, cur, env, prov, stack);
END $f$;

-- the rendered document
CREATE FUNCTION tp.doc(env text, svc text, prov text) RETURNS jsonb LANGUAGE sql STABLE AS $f$
	SELECT tp.subtree(svc, '{}', tp.raw(env, svc, prov), env, prov, '{}') $f$;
