--
-- 10_jsonschema.sql - the JSON Schema engine: is_valid per keyword family
-- (both drafts), validate_document rows, schema resources and their
-- privileges, the settings, and the SQLSTATEs of malformed schemas and
-- hostile input.
--
\set ON_ERROR_STOP 1
BEGIN;
SET LOCAL search_path = public;
SELECT plan(149);
-- load the library, which defines the settings
SELECT cfgmgr.is_valid('true', 'null') AS loaded \gset

-- is_valid(schema, doc) as a check, with the pair in the description
CREATE FUNCTION pg_temp.valid(s text, d text, expected bool, what text) RETURNS text
LANGUAGE sql AS $$
	SELECT is(cfgmgr.is_valid(s::jsonb, d::jsonb), expected,
			  format('%s: %s %s %s', what, d, CASE WHEN expected THEN 'is valid against' ELSE 'is invalid against' END, s))
$$;

-- ---------------------------------------------------------------------
-- settings
-- ---------------------------------------------------------------------
SELECT is(current_setting('cfgmgr.schema_default_draft'), '2020-12', 'schema_default_draft defaults to 2020-12');
SELECT is(current_setting('cfgmgr.schema_format_assert'), 'on', 'schema_format_assert defaults to on');
SELECT throws_ok($$SET cfgmgr.schema_default_draft = '4'$$, '22023', NULL, 'only 2020-12 and 7 are drafts');
SELECT is((SELECT context FROM pg_catalog.pg_settings WHERE name = 'cfgmgr.schema_format_assert'), 'user',
	'schema_format_assert can be set by any user');

-- ---------------------------------------------------------------------
-- keyword families (2020-12)
-- ---------------------------------------------------------------------
SELECT pg_temp.valid(s, d, e, 'type')
  FROM (VALUES ('{"type": "integer"}', '3', true), ('{"type": "integer"}', '3.0', true),
			   ('{"type": "integer"}', '3.5', false), ('{"type": "number"}', '3.5', true),
			   ('{"type": "string"}', '3', false), ('{"type": ["string", "null"]}', 'null', true),
			   ('{"type": "object"}', '[]', false), ('{"type": "array"}', '[]', true),
			   ('{"type": "boolean"}', 'false', true), ('{"type": "null"}', '0', false)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'enum/const')
  FROM (VALUES ('{"enum": ["dev", "prod"]}', '"prod"', true), ('{"enum": ["dev", "prod"]}', '"qa"', false),
			   ('{"enum": [1, {"a": [1]}]}', '{"a": [1.0]}', true), ('{"const": 1}', '1.00', true),
			   ('{"const": [1, 2]}', '[2, 1]', false), ('{"const": {"a": 1, "b": 2}}', '{"b": 2, "a": 1}', true)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'numbers')
  FROM (VALUES ('{"minimum": 1, "maximum": 65535}', '65535', true), ('{"minimum": 1, "maximum": 65535}', '65536', false),
			   ('{"exclusiveMinimum": 0}', '0', false), ('{"exclusiveMaximum": 1.5}', '1.49', true),
			   ('{"multipleOf": 0.01}', '19.99', true), ('{"multipleOf": 0.01}', '19.999', false),
			   ('{"maximum": 5}', '"10"', true)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'strings')
  FROM (VALUES ('{"maxLength": 2}', '"éé"', true), ('{"maxLength": 2}', '"ééé"', false),
			   ('{"minLength": 1}', '""', false), ('{"pattern": "^[a-z]+$"}', '"abc"', true),
			   ('{"pattern": "^[a-z]+$"}', '"ABC"', false), ('{"pattern": "b"}', '"abc"', true),
			   ('{"pattern": "^(a|b)c{2}$"}', '"bcc"', true), ('{"pattern": "^(?<x>a)\\k<x>$"}', '"aa"', true),
			   ('{"format": "email"}', '"nobody@example.com"', true), ('{"format": "email"}', '"nobody"', false)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'arrays')
  FROM (VALUES ('{"items": {"type": "integer"}}', '[1, 2]', true), ('{"items": {"type": "integer"}}', '[1, "2"]', false),
			   ('{"prefixItems": [{"type": "string"}], "items": false}', '["a"]', true),
			   ('{"prefixItems": [{"type": "string"}], "items": false}', '["a", 1]', false),
			   ('{"contains": {"const": 1}}', '[0, 1]', true), ('{"contains": {"const": 1}, "minContains": 2}', '[0, 1]', false),
			   ('{"contains": {"const": 1}, "maxContains": 1}', '[1, 1]', false),
			   ('{"minItems": 1, "maxItems": 2}', '[1, 2, 3]', false),
			   ('{"uniqueItems": true}', '[1, "1"]', true), ('{"uniqueItems": true}', '[{"a": 1}, {"a": 1.0}]', false)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'objects')
  FROM (VALUES ('{"properties": {"port": {"type": "integer"}}}', '{"port": 1}', true),
			   ('{"properties": {"port": {"type": "integer"}}}', '{"port": "1"}', false),
			   ('{"additionalProperties": false, "properties": {"a": true}}', '{"a": 1, "b": 2}', false),
			   ('{"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false}', '{"x-a": "s"}', true),
			   ('{"required": ["a", "b"]}', '{"a": 1}', false), ('{"required": ["a"]}', '[]', true),
			   ('{"propertyNames": {"pattern": "^[a-z]+$"}}', '{"Ab": 1}', false),
			   ('{"dependentRequired": {"tls": ["cert"]}}', '{"tls": true}', false),
			   ('{"dependentSchemas": {"tls": {"required": ["cert"]}}}', '{"tls": true, "cert": "c"}', true),
			   ('{"minProperties": 1, "maxProperties": 1}', '{}', false)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'applicators')
  FROM (VALUES ('{"allOf": [{"minimum": 1}, {"maximum": 3}]}', '4', false),
			   ('{"anyOf": [{"type": "string"}, {"type": "null"}]}', 'null', true),
			   ('{"oneOf": [{"minimum": 1}, {"maximum": 3}]}', '2', false),
			   ('{"oneOf": [{"minimum": 1}, {"maximum": 3}]}', '5', true),
			   ('{"not": {"const": "root"}}', '"root"', false),
			   ('{"if": {"const": "prod"}, "then": false, "else": true}', '"prod"', false),
			   ('{"if": {"const": "prod"}, "then": false, "else": true}', '"dev"', true),
			   ('{"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}', '{"a": 1, "b": 1}', false),
			   ('{"prefixItems": [true], "unevaluatedItems": false}', '[1]', true),
			   ('true', '{"anything": []}', true), ('false', 'null', false)) t(s, d, e);
SELECT pg_temp.valid(s, d, e, 'references')
  FROM (VALUES ('{"$defs": {"p": {"type": "integer"}}, "properties": {"a": {"$ref": "#/$defs/p"}}}', '{"a": "x"}', false),
			   ('{"$defs": {"l": {"type": "array", "items": {"$ref": "#/$defs/l"}}}, "$ref": "#/$defs/l"}', '[[[]]]', true),
			   ('{"$defs": {"l": {"type": "array", "items": {"$ref": "#/$defs/l"}}}, "$ref": "#/$defs/l"}', '[[1]]', false),
			   ('{"$ref": "#p", "$defs": {"x": {"$anchor": "p", "type": "string"}}}', '"s"', true),
			   ('{"$ref": "#/$defs/p", "$defs": {"p": {"type": "integer"}}, "maximum": 1}', '2', false)) t(s, d, e);

-- ---------------------------------------------------------------------
-- draft-07 (by $schema and by the setting)
-- ---------------------------------------------------------------------
SELECT pg_temp.valid(s, d, e, 'draft-07')
  FROM (VALUES ('{"$schema": "http://json-schema.org/draft-07/schema#", "items": [{"type": "string"}], "additionalItems": false}', '["a", 1]', false),
			   ('{"$schema": "http://json-schema.org/draft-07/schema", "definitions": {"p": {"type": "integer"}}, "properties": {"a": {"$ref": "#/definitions/p", "maximum": 0}}}', '{"a": 5}', true),
			   ('{"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": {"a": ["b"]}}', '{"a": 1}', false),
			   ('{"$schema": "http://json-schema.org/draft-07/schema#", "dependentRequired": {"a": ["b"]}}', '{"a": 1}', true),
			   ('{"$schema": "http://json-schema.org/draft-07/schema#", "unevaluatedProperties": false}', '{"a": 1}', true)) t(s, d, e);
SET LOCAL cfgmgr.schema_default_draft = '7';
SELECT pg_temp.valid('{"items": [{"type": "string"}]}', '[1]', false, 'schema_default_draft 7: items array');
SELECT pg_temp.valid('{"prefixItems": [{"type": "string"}]}', '[1]', true, 'schema_default_draft 7: prefixItems is unknown');
SET LOCAL cfgmgr.schema_default_draft = '2020-12';
SELECT pg_temp.valid('{"prefixItems": [{"type": "string"}]}', '[1]', false, 'schema_default_draft 2020-12: prefixItems');
SET LOCAL cfgmgr.schema_format_assert = off;
SELECT pg_temp.valid('{"format": "email"}', '"nobody"', true, 'schema_format_assert off: format annotates');
SET LOCAL cfgmgr.schema_format_assert = on;

-- ---------------------------------------------------------------------
-- validate_document
-- ---------------------------------------------------------------------
SELECT results_eq(
	$$SELECT path, keyword, message FROM cfgmgr.validate_document(
		'{"type": "object", "additionalProperties": false, "required": ["port", "host"],
		  "properties": {"port": {"type": "integer", "maximum": 65535}, "host": {"type": "string"},
						 "mode": {"enum": ["a", "b"]}}}',
		'{"port": "8080", "mode": "c", "foo": 1}') ORDER BY path, keyword$$,
	$$VALUES ('', 'additionalProperties', 'additional property "foo" is not allowed'),
			 ('', 'required', 'missing required property "host"'),
			 ('/mode', 'enum', 'value must be one of the enumerated values'),
			 ('/port', 'type', 'expected integer, got string')$$,
	'validate_document: one row per violation, with the instance path');
SELECT is_empty($$SELECT * FROM cfgmgr.validate_document('{"type": "integer"}', '1')$$,
	'validate_document: no rows for a valid document');
SELECT is((SELECT count(*)::int FROM cfgmgr.validate_document('{"items": {"type": "string"}}', '[1, 2, 3]')), 3,
	'validate_document: every violation, not only the first');
SELECT is((SELECT path FROM cfgmgr.validate_document('{"additionalProperties": {"type": "string"}}', '{"a/b~c": 1}')),
	'/a~1b~0c', 'validate_document: paths are JSON pointers');
SELECT is((SELECT string_agg(message, ',') FROM cfgmgr.validate_document(
		'{"pattern": "^[a-z]+$", "maxLength": 3, "enum": ["abc"]}', '"Top-Secret-Value"')) ~ 'Secret', false,
	'validate_document: messages never contain string values of the document');
SELECT is(cfgmgr.is_valid(NULL, '1'), NULL, 'is_valid is strict');

-- ---------------------------------------------------------------------
-- malformed schemas: 22023
-- ---------------------------------------------------------------------
SELECT throws_ok(format('SELECT cfgmgr.is_valid(%L, %L)', s, '1'), '22023', 'invalid JSON Schema', 'malformed: ' || s)
  FROM (VALUES ('{"type": "strin"}'), ('{"type": 5}'), ('{"minimum": "x"}'), ('{"required": 5}'),
			   ('{"required": [1]}'), ('{"maxLength": -1}'), ('{"minItems": 0.5}'), ('{"multipleOf": 0}'),
			   ('{"multipleOf": -2}'), ('{"enum": {}}'), ('{"pattern": "("}'), ('{"patternProperties": {"(": {}}}'),
			   ('{"uniqueItems": 1}'), ('{"properties": {"a": 1}}'), ('{"items": [{}]}'), ('{"allOf": []}'),
			   ('{"anyOf": {}}'), ('{"oneOf": [1]}'), ('{"not": []}'), ('{"$ref": "#/$defs/none"}'),
			   ('{"$ref": "#none"}'), ('{"$ref": "https://example.com/t10/none"}'),
			   ('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}'),
			   ('{"allOf": [{"$ref": "#"}]}'), ('{"$id": 1}'), ('{"$id": "https://example.com/t10#x"}'),
			   ('{"$anchor": "-x"}'), ('{"$schema": "https://json-schema.org/draft/2019-09/schema"}'),
			   ('{"dependentRequired": {"a": [1]}}'), ('"schema"'), ('[]'), ('1')) t(s);
SELECT throws_ok($$SELECT * FROM cfgmgr.validate_document('{"format": []}', '1')$$, '22023', 'invalid JSON Schema',
	'validate_document refuses malformed schemas too');
SELECT throws_like($$SELECT cfgmgr.is_valid('{"properties": {"port": {"type": "strin"}}}', '1')$$,
	'invalid JSON Schema', 'the primary message names the problem class');

-- ---------------------------------------------------------------------
-- schema resources
-- ---------------------------------------------------------------------
SELECT lives_ok($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/port.json',
	'{"type": "integer", "minimum": 1, "maximum": 65535}')$$, 'register_schema_resource');
SELECT pg_temp.valid('{"properties": {"port": {"$ref": "https://example.com/t10/port.json"}}}', '{"port": 0}', false,
	'a $ref to a registered resource');
SELECT lives_ok($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/port.json', '{"type": "integer"}')$$,
	'register_schema_resource replaces a document');
SELECT pg_temp.valid('{"properties": {"port": {"$ref": "https://example.com/t10/port.json"}}}', '{"port": 0}', true,
	'the replaced document is used at once');
SELECT is((SELECT count(*)::int FROM cfgmgr.schema_resource WHERE uri = 'https://example.com/t10/port.json'), 1,
	'one row per URI');
SELECT is((SELECT builtin FROM cfgmgr.schema_resource WHERE uri = 'https://example.com/t10/port.json'), false,
	'registered resources are not builtin');
SELECT throws_ok($$SELECT cfgmgr.register_schema_resource('port.json', '{}')$$, '22023', NULL,
	'register_schema_resource refuses a relative URI');
SELECT throws_ok($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/x#frag', '{}')$$, '22023', NULL,
	'register_schema_resource refuses a fragment');
SELECT throws_ok($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/x', '{"type": "strin"}')$$, '22023',
	'invalid JSON Schema', 'register_schema_resource refuses a document that does not compile');
SELECT is((SELECT count(*)::int FROM cfgmgr.schema_resource WHERE uri = 'https://example.com/t10/x'), 0,
	'nothing is stored for a refused document');
SELECT is(cfgmgr.register_schema_resource(NULL, '{}')::text, NULL, 'register_schema_resource is strict');
SELECT lives_ok($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/meta',
	'{"$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
					  "https://json-schema.org/draft/2020-12/vocab/applicator": true}}')$$,
	'register a meta-schema without the validation vocabulary');
SELECT pg_temp.valid('{"$schema": "https://example.com/t10/meta", "properties": {"a": {"minimum": 5}}}', '{"a": 1}', true,
	'keywords of vocabularies the meta-schema leaves out are ignored');
SELECT pg_temp.valid('{"$schema": "https://example.com/t10/meta", "properties": {"a": false}}', '{"a": 1}', false,
	'keywords of its vocabularies apply');

-- privileges: validation reads resources as the table owner; the table
-- and the registration function are not PUBLIC
SELECT ok(NOT has_table_privilege('public', 'cfgmgr.schema_resource', 'SELECT'),
	'schema_resource is not readable by PUBLIC');
SELECT ok(NOT has_function_privilege('public', 'cfgmgr.register_schema_resource(text, jsonb)', 'EXECUTE'),
	'register_schema_resource is not executable by PUBLIC');
SELECT ok(has_function_privilege('public', 'cfgmgr.is_valid(jsonb, jsonb)', 'EXECUTE'),
	'is_valid is executable by PUBLIC');
CREATE ROLE regress_js_user;
GRANT USAGE ON SCHEMA cfgmgr TO regress_js_user;
-- run sql as regress_js_user: its one-value result, or the SQLSTATE it raised
CREATE FUNCTION pg_temp.as_user(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	SET LOCAL ROLE regress_js_user;
	EXECUTE sql INTO r;
	RESET ROLE;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END
$$;
SELECT is(pg_temp.as_user($$SELECT cfgmgr.is_valid('{"$ref": "https://example.com/t10/port.json"}', '"x"')::text$$),
	'false', 'a role without access to schema_resource still validates against resources');
SELECT is(pg_temp.as_user($$SELECT count(*)::text FROM cfgmgr.schema_resource$$), '42501',
	'but cannot read the table');
SELECT is(pg_temp.as_user($$SELECT cfgmgr.register_schema_resource('https://example.com/t10/y', '{}')::text$$), '42501',
	'nor register resources');
SELECT is(current_user, session_user, 'the role is restored');

-- ---------------------------------------------------------------------
-- hostile input
-- ---------------------------------------------------------------------
SELECT throws_ok($$SELECT cfgmgr.is_valid('{"items": {"$ref": "#"}}', (repeat('[', 10000) || repeat(']', 10000))::jsonb)$$,
	'54001', NULL, 'a document nested 10,000 deep fails with the stack-depth error');
SELECT throws_ok($$SELECT cfgmgr.is_valid('{"if": true, "then": {"$ref": "#"}}', '1')$$, '54001',
	'JSON Schema evaluation does not terminate', 'a schema that never consumes input is stopped');
SELECT lives_ok($$SELECT cfgmgr.is_valid('{"type": "array"}', (repeat('[', 10000) || repeat(']', 10000))::jsonb)$$,
	'a deep document is fine when the schema does not descend');
-- (throws_ok cannot catch a cancel: WHEN OTHERS excludes query_canceled)
CREATE FUNCTION pg_temp.cancelled(sql text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE sql;
	RETURN 'completed';
EXCEPTION WHEN query_canceled THEN
	RETURN SQLSTATE;
END
$$;
SET LOCAL statement_timeout = '200ms';
SELECT is(pg_temp.cancelled($$SELECT cfgmgr.is_valid('{"pattern": "^(aa+)\\1+$"}', to_jsonb(repeat('a', 30011)))$$),
	'57014', 'a catastrophic pattern is cancelled by statement_timeout');
SET LOCAL statement_timeout = 0;
SELECT is(cfgmgr.is_valid('{"pattern": "^(a+)+$"}', to_jsonb(repeat('a', 100000) || 'b')), false,
	'nested quantifiers over a long string take linear time');
SELECT is(cfgmgr.is_valid('{"uniqueItems": true}', jsonb_agg(i % 5000)), false, 'uniqueItems over 10,000 items')
  FROM generate_series(1, 10000) i;

SELECT * FROM finish();
ROLLBACK;
