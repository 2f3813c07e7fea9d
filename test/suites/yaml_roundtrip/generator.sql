-- test/suites/yaml_roundtrip/generator.sql - random configurations for the
-- YAML round-trip property test (see yaml_roundtrip.sh).  random() after a
-- fixed setseed(): every run stores the same configurations.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS yr CASCADE;
CREATE SCHEMA yr;

-- one row per case: the environment it fills and the operations it ran
CREATE TABLE yr.cases (id int PRIMARY KEY, ops jsonb NOT NULL DEFAULT '[]');
CREATE TABLE yr.failure (case_id int NOT NULL, what text NOT NULL, detail text);
CREATE TABLE yr.checked (case_id int PRIMARY KEY, checks int NOT NULL);

CREATE FUNCTION yr.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT a[1 + floor(random() * array_length(a, 1))::int] $$;

-- a string made of 1-3 awkward pieces
CREATE FUNCTION yr.rstr() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	pieces text[] := ARRAY[
		'', 'plain', 'two words', ' lead', 'trail ', 'a: b', 'a:b', 'a #b', 'a#b', '#x', '- x', '-', '?',
		'? x', ':', 'ends:', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'null', 'Null', '~', 'true', 'False',
		'123', '-1.5', '+7', '007', '1e3', '.5', '0x1F', '0o17', '.inf', '-.Inf', '.NaN', '1.2.3',
		'2024-01-01', '12:30', '1_000', E'multi\nline', E'trail\n', E'\nlead', E'tab\there', E'cr\r\nlf',
		'quote"s', 'single''q', 'back\slash', '\n not a newline', 'z' || chr(252) || 'rich ' || chr(8364),
		chr(128512), chr(1) || 'ctl', chr(127), chr(133) || 'nel', chr(8232) || 'ls', chr(8233),
		chr(65279) || 'bom', chr(65534), chr(65535), chr(160) || 'nbsp', '<<', '...', '---', '--- x',
		'*alias', '&anchor', '!tag', '!!str', '%pct', '@at', '`bt', '{x}', '[y]', 'a, b', '|', '>',
		'''', '"', 'key: value # comment', 'http://example.com/a?b=c#d', 'C:\path', '=', '0', '-0',
		'1.0', 'NaN', 'Infinity', repeat('long ', 300), repeat('x', 1100)];
	s text := '';
	i int;
BEGIN
	FOR i IN 1 .. 1 + floor(random() * 3)::int LOOP
		s := s || yr.pick(pieces);
	END LOOP;
	RETURN s;
END
$$;

CREATE FUNCTION yr.rnum() RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RETURN yr.pick(ARRAY[
		'0', '-1', '42', '5432', '-273', '1.50', '0.75', '-0.001', '100000', '1e-7', '2.5e10',
		'123456789012345678901234567890', '-99999999999999999999.999999999999', '3.14159265358979323846',
		'0.0', '1.000', '9007199254740993'])::jsonb;
END
$$;

-- labels, awkward ones included (each a valid cfgpath label)
CREATE FUNCTION yr.rlabel() RETURNS text LANGUAGE sql VOLATILE AS $$
	SELECT yr.pick(ARRAY['a', 'b', 'c', 'db', 'host', 'pool', 'max', 'x-1', '_y', '123', '0x1F', 'true',
						 'null', 'yes', 'on', 'N', '---', '-', '-x', 'A', 'a-', 'a_b', '1e3', '007',
						 repeat('L', 255)])
$$;

CREATE FUNCTION yr.rpath() RETURNS text LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	p text := yr.rlabel();
	i int;
BEGIN
	FOR i IN 2 .. 1 + floor(random() * 3.5)::int LOOP
		p := p || '.' || yr.rlabel();
	END LOOP;
	RETURN p;
END
$$;

-- a random JSON value, nested up to depth levels
CREATE FUNCTION yr.rval(depth int) RETURNS jsonb LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r float8 := random();
	o jsonb;
	i int;
	k text;
BEGIN
	IF depth <= 0 OR r < 0.55 THEN
		r := random();
		RETURN CASE
			WHEN r < 0.45 THEN to_jsonb(yr.rstr())
			WHEN r < 0.75 THEN yr.rnum()
			WHEN r < 0.88 THEN to_jsonb(random() < 0.5)
			ELSE 'null'::jsonb END;
	ELSIF r < 0.65 THEN
		RETURN yr.pick(ARRAY['{}', '[]'])::jsonb;
	ELSIF r < 0.82 THEN
		o := '[]';
		FOR i IN 1 .. 1 + floor(random() * 4)::int LOOP
			o := o || jsonb_build_array(yr.rval(depth - 1));
		END LOOP;
		RETURN o;
	ELSE
		o := '{}';
		FOR i IN 1 .. 1 + floor(random() * 4)::int LOOP
			k := CASE WHEN random() < 0.6 THEN yr.rlabel()
					  WHEN random() < 0.5 THEN yr.rlabel() || '.' || yr.rlabel()
					  ELSE yr.rstr() END;
			o := o || jsonb_build_object(k, yr.rval(depth - 1));
		END LOOP;
		RETURN o;
	END IF;
END
$$;

-- Fill environments yr_1 .. yr_n of service yr through the API: values at
-- random paths (objects stored whole, paths below other paths), tombstones,
-- provider-qualified values.  yrc_i, yrr_i, yra_i are empty targets.
CREATE PROCEDURE yr.generate(n int, seed float8) LANGUAGE plpgsql AS $$
DECLARE
	i int;
	j int;
	env text;
	p text;
	v jsonb;
	prov text;
	ops jsonb;
	r float8;
BEGIN
	PERFORM setseed(seed);
	PERFORM cfgmgr.create_service('yr');
	FOR i IN 1 .. n LOOP
		env := 'yr_' || i;
		PERFORM cfgmgr.create_environment(env);
		PERFORM cfgmgr.create_environment('yrc_' || i);
		PERFORM cfgmgr.create_environment('yrr_' || i);
		PERFORM cfgmgr.create_environment('yra_' || i);
		ops := '[]';
		FOR j IN 1 .. 1 + floor(random() * 8)::int LOOP
			p := yr.rpath();
			prov := CASE WHEN random() < 0.2 THEN 'aws' END;
			r := random();
			IF r < 0.12 THEN
				PERFORM cfgmgr.unset(env, 'yr', p::cfgmgr.cfgpath, provider => prov, block => true);
				ops := ops || jsonb_build_array(jsonb_build_object('block', p, 'provider', prov));
			ELSE
				v := yr.rval(3);
				PERFORM cfgmgr.set(env, 'yr', p::cfgmgr.cfgpath, v, provider => prov);
				ops := ops || jsonb_build_array(jsonb_build_object('set', p, 'value', v, 'provider', prov));
			END IF;
		END LOOP;
		INSERT INTO yr.cases VALUES (i, ops);
		IF i % 100 = 0 THEN
			COMMIT;
		END IF;
	END LOOP;
END
$$;
