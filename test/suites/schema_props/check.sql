-- test/suites/schema_props/check.sql - runs every generated case of
-- sp.cases through cfgmgr.is_valid and cfgmgr.validate_document and records
-- each failed assertion in sp.failure (run by test/suites/schema_props.sh).
--
-- Per case (schema s, document d, expected verdict e):
--   verdict      is_valid(s, d) = e
--   consistent   is_valid(s, d) = (validate_document(s, d) returns no row)
--   reported     e = false: validate_document reports the expected keyword
--                (one of the accepted ones) at the expected instance path
--   single       e = false and the mutation is not under a combinator
--                (anyOf, oneOf, not, allOf, $ref, if/then/else,
--                dependentSchemas, draft-07 tuple items, where a
--                report may legitimately add the subschemas' failures):
--                exactly one violation is reported, as exactly one
--                constraint is broken
--   true         is_valid(true, d)
--   false        NOT is_valid(false, d)
--   not          is_valid({"not": s}, d) = NOT is_valid(s, d)
--   allOf        is_valid({"allOf": [s, s]}, d) = is_valid(s, d)
--   anyOf        is_valid({"anyOf": [s, false]}, d) = is_valid(s, d)
--   oneOf        NOT is_valid({"oneOf": [s, s]}, d)
--   if           is_valid({"if": s, "then": true, "else": false}, d) = is_valid(s, d)
-- Wrappers keep "#/$defs/..." references working by moving s's "$defs"
-- ("definitions", "$schema") to the wrapper's root.

CREATE TABLE sp.failure (
	case_id int,
	assertion text,
	expected text,
	got text
);
CREATE TABLE sp.stat (case_id int PRIMARY KEY, nrows int, assertions int);

-- wrapper around s (written as the placeholder "S" inside w), $defs hoisted
CREATE FUNCTION sp.wrap(w jsonb, s jsonb) RETURNS jsonb
	LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
	inner_ jsonb := s;
	defs jsonb;
BEGIN
	IF jsonb_typeof(s) = 'object' THEN
		defs := (SELECT jsonb_object_agg(key, value) FROM jsonb_each(s)
				  WHERE key IN ('$defs', 'definitions', '$schema'));
		inner_ := s - '{$defs,definitions,$schema}'::text[];
	END IF;
	w := replace(w::text, '"S"', inner_::text)::jsonb;
	IF defs IS NOT NULL THEN
		w := w || defs;
	END IF;
	RETURN w;
END $$;

CREATE PROCEDURE sp.check(first_id int, last_id int)
	LANGUAGE plpgsql AS $$
DECLARE
	c sp.cases;
	ok bool;
	nrows int;
	rep text;
	hit bool;
	n int;
	inv record;
BEGIN
	FOR c IN SELECT * FROM sp.cases WHERE id BETWEEN first_id AND last_id ORDER BY id LOOP
		n := 0;
		nrows := NULL;
		BEGIN
			ok := cfgmgr.is_valid(c.schema, c.doc);
			n := n + 1;
			IF ok IS DISTINCT FROM c.expect THEN
				INSERT INTO sp.failure VALUES (c.id, 'verdict', CASE WHEN c.expect THEN 'valid' ELSE 'invalid' END,
											   CASE WHEN ok THEN 'valid' ELSE 'invalid' END);
			END IF;

			SELECT count(*), string_agg(format('%s %s (%s)', CASE WHEN path = '' THEN '""' ELSE path END, keyword, message),
										'; ' ORDER BY path, keyword)
			  INTO nrows, rep
			  FROM cfgmgr.validate_document(c.schema, c.doc);
			n := n + 1;
			IF (nrows = 0) IS DISTINCT FROM ok THEN
				INSERT INTO sp.failure VALUES (c.id, 'is_valid = no rows of validate_document',
											   format('is_valid %s', ok), format('%s rows: %s', nrows, rep));
			END IF;

			IF NOT c.expect THEN
				SELECT EXISTS (
					SELECT 1 FROM cfgmgr.validate_document(c.schema, c.doc) v
					 WHERE v.path = ANY (c.at)
					   AND (jsonb_typeof(c.kw) <> 'array' OR c.kw ? v.keyword))
				  INTO hit;
				n := n + 1;
				IF NOT hit THEN
					INSERT INTO sp.failure VALUES (c.id, 'violation reported',
						format('keyword %s at %s', CASE WHEN jsonb_typeof(c.kw) = 'array' THEN c.kw::text ELSE 'any' END,
							   (SELECT string_agg(CASE WHEN p = '' THEN '""' ELSE p END, ' or ') FROM unnest(c.at) p)),
						coalesce(rep, 'no rows'));
				END IF;
				IF jsonb_typeof(c.kw) = 'array'
				   AND NOT c.kw ?| '{anyOf,oneOf,not,allOf,$ref,then,else,dependentSchemas,items}' THEN
					n := n + 1;
					IF nrows <> 1 THEN
						INSERT INTO sp.failure VALUES (c.id, 'exactly one violation reported', '1 row',
													   format('%s rows: %s', nrows, coalesce(rep, '')));
					END IF;
				END IF;
			END IF;

			FOR inv IN
				SELECT * FROM (VALUES
					('true',  'true'::jsonb, true),
					('false', 'false'::jsonb, false),
					('not',   sp.wrap('{"not": "S"}', c.schema), NOT ok),
					('allOf', sp.wrap('{"allOf": ["S", "S"]}', c.schema), ok),
					('anyOf', sp.wrap('{"anyOf": ["S", false]}', c.schema), ok),
					('oneOf', sp.wrap('{"oneOf": ["S", "S"]}', c.schema), false),
					('if',    sp.wrap('{"if": "S", "then": true, "else": false}', c.schema), ok)
				) AS x(name, schema, expect)
			LOOP
				n := n + 1;
				IF cfgmgr.is_valid(inv.schema, c.doc) IS DISTINCT FROM inv.expect THEN
					INSERT INTO sp.failure VALUES (c.id, 'invariant ' || inv.name || ': ' || inv.schema::text,
												   CASE WHEN inv.expect THEN 'valid' ELSE 'invalid' END,
												   CASE WHEN inv.expect THEN 'invalid' ELSE 'valid' END);
				END IF;
			END LOOP;
		EXCEPTION WHEN OTHERS THEN
			INSERT INTO sp.failure VALUES (c.id, 'no error', 'a verdict', format('ERROR %s: %s', SQLSTATE, SQLERRM));
		END;
		INSERT INTO sp.stat VALUES (c.id, nrows, n);
	END LOOP;
END $$;
