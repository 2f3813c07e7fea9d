-- test/suites/yaml_roundtrip/check.sql - the properties checked for every
-- generated configuration (see yaml_roundtrip.sh).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

-- the stored entries of (env, service yr, provider qualifier), as text
CREATE FUNCTION yr.snap(env text, prov text) RETURNS text LANGUAGE sql STABLE AS $$
	SELECT coalesce(string_agg(format('%s|%s|%s', v.path, v.tombstone, v.value::text), E'\n' ORDER BY v.path), '')
	  FROM cfgmgr."values" v
	 WHERE v.environment = env AND v.service = 'yr' AND v.provider IS NOT DISTINCT FROM prov
$$;

CREATE FUNCTION yr.fail(id int, what text, detail text) RETURNS void LANGUAGE sql AS $$
	INSERT INTO yr.failure VALUES (id, what, detail)
$$;

-- For each case and provider qualifier (neutral, aws):
--  1. import_yaml(env, export_yaml(env, resolved => false), replace => true)
--     returns NULL, writes no history row and changes no entry;
--  2. exporting again gives the same bytes;
--  3. importing the export into an empty environment stores exactly the
--     same entries, which export to the same bytes;
--  4. importing the resolved export into an empty environment resolves to
--     the same document.
CREATE PROCEDURE yr.check(first int, last int) LANGUAGE plpgsql AS $$
DECLARE
	i int;
	p text;
	env text;
	y1 text;
	y2 text;
	before text;
	nchange bigint;
	cs bigint;
	checks int;
	target text;
BEGIN
	FOR i IN first .. last LOOP
		CONTINUE WHEN NOT EXISTS (SELECT FROM yr.cases WHERE id = i);
		env := 'yr_' || i;
		checks := 0;
		FOREACH p IN ARRAY ARRAY[NULL, 'aws'] LOOP
			BEGIN
				y1 := cfgmgr.export_yaml(env, 'yr', p, resolved => false);
				before := yr.snap(env, p);
				SELECT count(*) INTO nchange FROM cfgmgr.change;
				cs := cfgmgr.import_yaml(env, 'yr', y1, p, replace => true);
				checks := checks + 1;
				IF cs IS NOT NULL THEN
					PERFORM yr.fail(i, format('re-import returned changeset %s (provider %s)', cs, p), y1);
				END IF;
				checks := checks + 1;
				IF (SELECT count(*) FROM cfgmgr.change) <> nchange THEN
					PERFORM yr.fail(i, format('re-import wrote history (provider %s)', p),
									(SELECT string_agg(format('%s %s %s -> %s', c.op, c.path, c.old_value, c.new_value), E'\n')
									   FROM (SELECT * FROM cfgmgr.change ORDER BY id DESC LIMIT (SELECT count(*) FROM cfgmgr.change) - nchange) c)
									|| E'\n--- export:\n' || y1);
				END IF;
				checks := checks + 1;
				IF yr.snap(env, p) <> before THEN
					PERFORM yr.fail(i, format('re-import changed the entries (provider %s)', p),
									before || E'\n--- after:\n' || yr.snap(env, p));
				END IF;
				y2 := cfgmgr.export_yaml(env, 'yr', p, resolved => false);
				checks := checks + 1;
				IF y2 <> y1 THEN
					PERFORM yr.fail(i, format('second export differs (provider %s)', p), y1 || E'\n--- second:\n' || y2);
				END IF;

				target := 'yrc_' || i;
				PERFORM cfgmgr.import_yaml(target, 'yr', y1, p, replace => true);
				checks := checks + 1;
				IF yr.snap(target, p) <> before THEN
					PERFORM yr.fail(i, format('import into an empty environment stored other entries (provider %s)', p),
									before || E'\n--- copy:\n' || yr.snap(target, p) || E'\n--- export:\n' || y1);
				END IF;
				checks := checks + 1;
				IF cfgmgr.export_yaml(target, 'yr', p, resolved => false) <> y1 THEN
					PERFORM yr.fail(i, format('the copy exports differently (provider %s)', p),
									y1 || E'\n--- copy:\n' || cfgmgr.export_yaml(target, 'yr', p, resolved => false));
				END IF;

				target := CASE WHEN p IS NULL THEN 'yrr_' ELSE 'yra_' END || i;
				y2 := cfgmgr.export_yaml(env, 'yr', p);
				PERFORM cfgmgr.import_yaml(target, 'yr', y2, replace => true);
				checks := checks + 1;
				IF cfgmgr.resolve(target, 'yr')::text <> cfgmgr.resolve(env, 'yr', p)::text THEN
					PERFORM yr.fail(i, format('the resolved export imports to another document (provider %s)', p),
									cfgmgr.resolve(env, 'yr', p)::text || E'\n--- imported:\n' ||
									cfgmgr.resolve(target, 'yr')::text || E'\n--- export:\n' || y2);
				END IF;
			EXCEPTION WHEN OTHERS THEN
				PERFORM yr.fail(i, format('error (provider %s): %s', p, SQLERRM), y1);
			END;
		END LOOP;
		INSERT INTO yr.checked VALUES (i, checks);
	END LOOP;
END
$$;
