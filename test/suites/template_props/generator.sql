-- test/suites/template_props/generator.sql - random environment trees,
-- labels, targets, provider defaults and stored values (templates mixing
-- literal text, "$", "$$", "$${", braces and placeholders with odd
-- defaults; references to numbers, strings, objects, arrays and null,
-- chains, across services, below values that render to objects), written
-- through cfgmgr, and the cases to check.  random() after setseed, so
-- every run generates the same cases.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

CREATE TABLE tp.env (tree int, name text PRIMARY KEY, chain text[], labels jsonb);
CREATE TABLE tp.svc (tree int, name text PRIMARY KEY);
CREATE TABLE tp.stored (tree int, env text, svc text, path text, prov text, value jsonb);
CREATE TABLE tp.target (env text, prov text, variables jsonb);
CREATE TABLE tp.provider (name text PRIMARY KEY, variables jsonb);
CREATE TABLE tp.cases (id serial PRIMARY KEY, tree int, kind text, env text, svc text, prov text, tpl text);
CREATE TABLE tp.failure (case_id int, what text, detail text);
CREATE TABLE tp.checked (case_id int, checks int, outcome text);
CREATE TABLE tp.writes (tree int, env text, svc text, path text, value jsonb, c_ok bool, o_ok bool);

CREATE FUNCTION tp.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS $f$
	SELECT a[1 + floor(random() * array_length(a, 1))::int] $f$;

-- one placeholder (slot paths of the service; other: another service of the tree)
CREATE FUNCTION tp.placeholder(other text) RETURNS text LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
	r float8 := random();
	name text;
BEGIN
	IF r < 0.35 THEN
		name := tp.pick(ARRAY['env.name', 'env.team', 'env.zone', 'env.num', 'env.flag', 'env.net.zone',
							  'env.net.vpc', 'env.net.vpc.id', 'env.obj', 'env.nul', 'env.arr', 'env.missing',
							  'env.team.x', 'env.team', 'env.zone', 'env.name']);
	ELSIF r < 0.6 THEN
		name := tp.pick(ARRAY['provider.name', 'provider.region', 'provider.acct', 'provider.nest.a',
							  'provider.nest.b', 'provider.nest', 'provider.num', 'provider.missing',
							  'provider.region', 'provider.name']);
	ELSE
		name := 'ref:' || tp.pick(ARRAY['g1.k1', 'g1.k2', 'g1.k3', 'g2.k1', 'g2.k2', 'o1', 'o1.x', 'o1.y',
										'top1', 'top2', 'top2.x', 'top2.y', 'g1', 'g2', 'g9.k1', 'g1.k9',
										'top1.x', other || '.g1.k1', other || '.top1', other || '.o1.x',
										other || '.top2.x', other || '.g2']);
	END IF;
	IF random() < 0.5 THEN
		name := name || ':-' || tp.pick(ARRAY['', 'dflt', 'a b', 'x:y', ':-', '$', '{', '$$', 'é☃', 'a-}', '-']);
	END IF;
	RETURN '${' || name || '}';
END $f$;

-- a template string of 1-4 pieces
CREATE FUNCTION tp.template(other text) RETURNS text LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
	s text := '';
BEGIN
	FOR i IN 1 .. 1 + floor(random() * 4)::int LOOP
		IF random() < 0.55 THEN
			s := s || tp.placeholder(other);
		ELSE
			s := s || tp.pick(ARRAY['a', ' ', '-', '$', '$$', '{', '}', 'x$y', '$}', ':-', 'é', '$${', '$${x}',
									'{}', 'a$', '$$${', 'b']);
		END IF;
	END LOOP;
	RETURN s;
END $f$;

CREATE FUNCTION tp.value(path text, other text) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $f$
DECLARE
	r float8 := random();
BEGIN
	IF path = 'o1' AND r < 0.7 THEN
		RETURN jsonb_build_object('x', tp.value('x', other), 'y', to_jsonb(tp.template(other)));
	END IF;
	IF path = 'top2' AND r < 0.4 THEN
		RETURN to_jsonb(tp.pick(ARRAY['${ref:o1}', '${ref:' || other || '.o1}', '${ref:g1}', '${ref:o1:-x}']));
	END IF;
	IF r < 0.45 THEN
		RETURN to_jsonb(tp.template(other));
	ELSIF r < 0.55 THEN
		RETURN to_jsonb('${' || substr(tp.placeholder(other), 3));
	ELSIF r < 0.65 THEN
		RETURN tp.pick(ARRAY['7', '-2.50', '1e3', '0'])::jsonb;
	ELSIF r < 0.75 THEN
		RETURN to_jsonb(tp.pick(ARRAY['plain', '$ {x}', 'a$b', '$$', '{}', '']));
	ELSIF r < 0.8 THEN
		RETURN to_jsonb(random() < 0.5);
	ELSIF r < 0.85 THEN
		RETURN 'null';
	ELSIF r < 0.93 THEN
		RETURN jsonb_build_array(1, tp.template(other), jsonb_build_object('z', tp.template(other)));
	ELSE
		RETURN jsonb_build_object('x', tp.template(other), 'y', 2);
	END IF;
END $f$;

CREATE PROCEDURE tp.generate(ncases int, seed float8) LANGUAGE plpgsql AS $f$
DECLARE
	t int := 0;
	nenv int;
	ename text;
	parent text;
	lab jsonb;
	envs text[];
	svcs text[];
	s text;
	other text;
	slot text;
	wenv text;
	wprov text;
	v jsonb;
	ok bool;
BEGIN
	PERFORM setseed(seed);
	UPDATE cfgmgr.provider SET variables = '{"region": "us-east-1", "nest": {"a": "pa", "b": 2}, "num": 5, "acct": "000"}' WHERE name = 'aws';
	UPDATE cfgmgr.provider SET variables = '{"region": "europe-west1", "flag": false}' WHERE name = 'gcp';
	INSERT INTO tp.provider SELECT name, variables FROM cfgmgr.provider;
	WHILE (SELECT count(*) FROM tp.cases) < ncases LOOP
		t := t + 1;
		envs := '{}';
		nenv := 4 + floor(random() * 4)::int;
		FOR i IN 0 .. nenv - 1 LOOP
			ename := format('t%se%s', t, i);
			parent := CASE WHEN i = 0 THEN NULL ELSE envs[1 + floor(random() * i)::int] END;
			lab := '{}';
			IF random() < 0.5 THEN lab := lab || jsonb_build_object('team', tp.pick(ARRAY['core', 'pay ments', 'a$b', 'x}y{', 'ü-ñ', '$${'])); END IF;
			IF random() < 0.4 THEN lab := lab || jsonb_build_object('zone', tp.pick(ARRAY['z1', 'z2', ''])); END IF;
			IF random() < 0.3 THEN lab := lab || jsonb_build_object('num', tp.pick(ARRAY['42', '3.50', '-7', '1e3'])::numeric); END IF;
			IF random() < 0.3 THEN lab := lab || jsonb_build_object('flag', random() < 0.5); END IF;
			IF random() < 0.4 THEN lab := lab || jsonb_build_object('net', tp.pick(ARRAY['{"zone": "nz", "vpc": "v1"}', '{"zone": "nz2"}', '{"vpc": {"id": "deep"}}'])::jsonb); END IF;
			IF random() < 0.15 THEN lab := lab || '{"obj": {"x": 1}}'; END IF;
			IF random() < 0.15 THEN lab := lab || '{"nul": null}'; END IF;
			IF random() < 0.15 THEN lab := lab || '{"arr": [1, 2]}'; END IF;
			PERFORM cfgmgr.create_environment(ename, parent, labels => lab);
			INSERT INTO tp.env VALUES (t, ename,
				coalesce((SELECT chain FROM tp.env WHERE name = parent), '{}') || ename, lab);
			envs := envs || ename;
			FOREACH wprov IN ARRAY ARRAY['aws', 'gcp'] LOOP
				IF random() < 0.3 THEN
					v := '{}';
					IF random() < 0.6 THEN v := v || jsonb_build_object('region', tp.pick(ARRAY['eu-1', 'ap-2', 'r$3'])); END IF;
					IF random() < 0.4 THEN v := v || '{"acct": "1234"}'; END IF;
					IF random() < 0.3 THEN v := v || jsonb_build_object('nest', tp.pick(ARRAY['{"a": "ta"}', '{"b": true}'])::jsonb); END IF;
					IF random() < 0.2 THEN v := v || '{"num": 7.25}'; END IF;
					INSERT INTO cfgmgr.target (env_id, provider, variables)
					SELECT id, wprov, v FROM cfgmgr.environment WHERE name = ename AND dropped_at IS NULL;
					INSERT INTO tp.target VALUES (ename, wprov, v);
				END IF;
			END LOOP;
		END LOOP;
		svcs := ARRAY[format('t%sa', t), format('t%sb', t), format('t%sc', t)];
		FOREACH s IN ARRAY svcs LOOP
			PERFORM cfgmgr.create_service(s);
			INSERT INTO tp.svc VALUES (t, s);
		END LOOP;
		FOREACH s IN ARRAY svcs LOOP
			other := svcs[1 + (array_position(svcs, s) + floor(random() * 2)::int) % 3];
			FOREACH slot IN ARRAY ARRAY['g1.k1', 'g1.k2', 'g1.k3', 'g2.k1', 'g2.k2', 'o1', 'top1', 'top2'] LOOP
				CONTINUE WHEN random() < 0.15;
				FOR w IN 1 .. 1 + floor(random() * 2)::int LOOP
					wenv := envs[1 + floor(random() * nenv)::int];
					wprov := CASE WHEN random() < 0.7 THEN NULL WHEN random() < 0.65 THEN 'aws' ELSE 'gcp' END;
					v := tp.value(slot, other);
					BEGIN
						PERFORM cfgmgr.set(wenv, s, slot::cfgmgr.cfgpath, v, provider => wprov);
						ok := true;
					EXCEPTION WHEN SQLSTATE 'CM012' THEN
						ok := false;
					END;
					INSERT INTO tp.writes VALUES (t, wenv, s, slot, v, ok, tp.syntax_ok(v));
					IF ok THEN
						DELETE FROM tp.stored x WHERE x.env = wenv AND x.svc = s AND x.path = slot
												AND x.prov IS NOT DISTINCT FROM wprov;
						INSERT INTO tp.stored VALUES (t, wenv, s, slot, wprov, v);
					END IF;
				END LOOP;
			END LOOP;
		END LOOP;
		-- cases: every environment x service x (neutral, aws, gcp), and rendered templates
		INSERT INTO tp.cases (tree, kind, env, svc, prov)
		SELECT t, 'resolve', e, sv, p FROM unnest(envs) e, unnest(svcs) sv, unnest(ARRAY[NULL, 'aws', 'gcp']) p
		 ORDER BY e, sv, p NULLS FIRST;
		FOR i IN 1 .. 25 LOOP
			s := svcs[1 + floor(random() * 3)::int];
			other := svcs[1 + (array_position(svcs, s) + floor(random() * 2)::int) % 3];
			INSERT INTO tp.cases (tree, kind, env, svc, prov, tpl)
			VALUES (t, 'render', envs[1 + floor(random() * nenv)::int], s,
					CASE WHEN random() < 0.4 THEN NULL WHEN random() < 0.7 THEN 'aws' ELSE 'gcp' END,
					CASE WHEN random() < 0.3 THEN '${' || substr(tp.placeholder(other), 3) ELSE tp.template(other) END);
		END LOOP;
	END LOOP;
END $f$;
