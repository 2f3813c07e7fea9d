-- test/suites/template_props/check.sql - compare cfgmgr with the oracle
-- (oracle.sql) case by case; failures go to tp.failure.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- an outcome: the value, or the error (SQLSTATE and message)
CREATE TYPE tp.outcome AS (value jsonb, state text, msg text);

CREATE FUNCTION tp.o_get(env text, svc text, p text, prov text) RETURNS tp.outcome LANGUAGE plpgsql AS $f$
DECLARE
	v jsonb;
	st text;
	m text;
BEGIN
	v := tp.node(svc, string_to_array(p, '.'), env, prov, '{}');
	IF v IS NULL THEN
		RETURN ROW(NULL, 'CM005', '')::tp.outcome;
	END IF;
	RETURN ROW(v, NULL, NULL)::tp.outcome;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
	RETURN ROW(NULL, st, m)::tp.outcome;
END $f$;

CREATE FUNCTION tp.o_eval(q text) RETURNS tp.outcome LANGUAGE plpgsql AS $f$
DECLARE
	v jsonb;
	st text;
	m text;
BEGIN
	EXECUTE q INTO v;
	RETURN ROW(v, NULL, NULL)::tp.outcome;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, m = MESSAGE_TEXT;
	RETURN ROW(NULL, st, m)::tp.outcome;
END $f$;

-- does cfgmgr's outcome c agree with the oracle's o?  NULL when it does,
-- else a description
CREATE FUNCTION tp.differ(c tp.outcome, o tp.outcome) RETURNS text LANGUAGE plpgsql AS $f$
BEGIN
	IF o.state IS NULL AND c.state IS NULL THEN
		IF c.value = o.value THEN
			RETURN NULL;
		END IF;
	ELSIF o.state IS NOT NULL AND c.state = o.state THEN
		IF o.state = 'CM005' OR strpos(c.msg, o.msg) > 0
		   OR (o.state = 'CM012' AND strpos(c.msg, substring(o.msg FROM '(?:^| )in ((?:value|the) [^:]*)')) > 0) THEN
			RETURN NULL;
		END IF;
	END IF;
	RETURN format('cfgmgr: %s; oracle: %s',
				  coalesce(c.value::text, c.state || ' ' || c.msg), coalesce(o.value::text, o.state || ' ' || o.msg));
END $f$;

-- every path of a document (objects and leaves), and a few that are not there
CREATE FUNCTION tp.paths(doc jsonb) RETURNS SETOF text LANGUAGE sql AS $f$
	WITH RECURSIVE w (p, v) AS (
		SELECT k, doc -> k FROM jsonb_object_keys(doc) k
		UNION ALL
		SELECT w.p || '.' || k, w.v -> k FROM w, jsonb_object_keys(w.v) k WHERE jsonb_typeof(w.v) = 'object')
	SELECT p FROM w
	UNION SELECT unnest(ARRAY['g1.k9', 'g9', 'top1.x', 'top2.x', 'top2.y', 'o1.x'])
$f$;

CREATE PROCEDURE tp.check(first int, last int) LANGUAGE plpgsql AS $f$
DECLARE
	c record;
	oc tp.outcome;
	cc tp.outcome;
	craw tp.outcome;
	oraw jsonb;
	d text;
	p text;
	n int;
	outcome text;
	sub text;
BEGIN
	FOR c IN SELECT * FROM tp.cases WHERE id BETWEEN first AND last ORDER BY id LOOP
		n := 0;
		IF c.kind = 'render' THEN
			BEGIN
				oc := ROW(tp.str(c.tpl, c.svc, 'the template argument', c.env, c.prov, '{}'), NULL, NULL);
				-- render() returns text: a string as is, anything else as JSON text
				oc.value := to_jsonb(CASE WHEN jsonb_typeof(oc.value) = 'string' THEN oc.value #>> '{}' ELSE oc.value::text END);
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS d = RETURNED_SQLSTATE, sub = MESSAGE_TEXT;
				oc := ROW(NULL, d, sub);
			END;
			cc := tp.o_eval(format('SELECT to_jsonb(cfgmgr.render(%L, %L, %L, %L))', c.tpl, c.env, c.svc, c.prov));
			n := n + 1;
			d := tp.differ(cc, oc);
			IF d IS NOT NULL THEN
				INSERT INTO tp.failure VALUES (c.id, 'render', d);
			END IF;
			outcome := coalesce(oc.state, 'ok');
		ELSE
			-- raw document
			oraw := tp.raw(c.env, c.svc, c.prov);
			craw := tp.o_eval(format('SELECT cfgmgr.resolve(%L, %L, %L, render => false)', c.env, c.svc, c.prov));
			n := n + 1;
			d := tp.differ(craw, ROW(oraw, NULL, NULL));
			IF d IS NOT NULL THEN
				INSERT INTO tp.failure VALUES (c.id, 'raw document', d);
			END IF;
			-- rendered document
			BEGIN
				oc := ROW(tp.doc(c.env, c.svc, c.prov), NULL, NULL);
			EXCEPTION WHEN OTHERS THEN
				GET STACKED DIAGNOSTICS d = RETURNED_SQLSTATE, sub = MESSAGE_TEXT;
				oc := ROW(NULL, d, sub);
			END;
			cc := tp.o_eval(format('SELECT cfgmgr.resolve(%L, %L, %L)', c.env, c.svc, c.prov));
			n := n + 1;
			d := tp.differ(cc, oc);
			IF d IS NOT NULL THEN
				INSERT INTO tp.failure VALUES (c.id, 'resolve', d);
			END IF;
			outcome := coalesce(oc.state, 'ok');
			-- get of every path (and below values that render to objects)
			FOR p IN SELECT x FROM tp.paths(oraw) x
					 UNION SELECT x FROM tp.paths(coalesce(oc.value, '{}')) x ORDER BY 1 LOOP
				DECLARE
					og tp.outcome := tp.o_get(c.env, c.svc, p, c.prov);
					cg tp.outcome := tp.o_eval(format('SELECT cfgmgr.get(%L, %L, %L, %L)', c.env, c.svc, p, c.prov));
				BEGIN
					n := n + 1;
					d := tp.differ(cg, og);
					IF d IS NOT NULL THEN
						INSERT INTO tp.failure VALUES (c.id, format('get %s', p), d);
					END IF;
					-- get(path) = resolve() #> path
					IF cc.state IS NULL AND cg.state IS NULL THEN
						n := n + 1;
						IF cg.value IS DISTINCT FROM cc.value #> string_to_array(p, '.') THEN
							INSERT INTO tp.failure VALUES (c.id, format('get %s = resolve #> path', p),
								format('get: %s; resolve #> path: %s', cg.value, cc.value #> string_to_array(p, '.')));
						END IF;
					END IF;
				END;
			END LOOP;
		END IF;
		INSERT INTO tp.checked VALUES (c.id, n, outcome);
	END LOOP;
END $f$;

-- the writes: cfgmgr.set refuses exactly the values whose syntax is wrong
CREATE PROCEDURE tp.check_writes() LANGUAGE plpgsql AS $f$
BEGIN
	INSERT INTO tp.failure
	SELECT 0, 'write ' || w.svc || ' ' || w.path,
		   format('value %s: cfgmgr.set %s, the oracle''s syntax check %s', w.value,
				  CASE WHEN w.c_ok THEN 'accepted it' ELSE 'refused it (CM012)' END,
				  CASE WHEN w.o_ok THEN 'accepts it' ELSE 'refuses it' END)
	  FROM tp.writes w WHERE w.c_ok <> w.o_ok;
END $f$;
