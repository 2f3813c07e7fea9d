--
-- jsonschema_engine: the JSON Schema validator (src/cfg_jsonschema.c)
-- through cfgmgr.validate_document and cfgmgr.is_valid: the violation rows
-- for a realistic service schema, every keyword family, references and
-- resources, both drafts, malformed schemas and hostile input.
-- Resources are registered under https://example.com/rx/ and removed at the
-- end (the regression database is shared with other files).
--
\set VERBOSITY terse
-- load the library before the first SET of its settings
SELECT cfgmgr.is_valid('true', 'null');
SET cfgmgr.schema_format_assert = on;
SET cfgmgr.schema_default_draft = '2020-12';

--
-- A realistic service schema: nested objects, enum, range, pattern,
-- required, additionalProperties false.
--
CREATE TEMP TABLE svc(schema jsonb);
INSERT INTO svc VALUES ('{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["name", "env", "server", "db"],
  "properties": {
    "name": {"type": "string", "pattern": "^[a-z][a-z0-9-]{2,30}$"},
    "env": {"enum": ["dev", "staging", "prod"]},
    "replicas": {"type": "integer", "minimum": 1, "maximum": 64},
    "server": {
      "type": "object",
      "additionalProperties": false,
      "required": ["host", "port"],
      "properties": {
        "host": {"type": "string", "minLength": 1, "maxLength": 253},
        "port": {"type": "integer", "minimum": 1, "maximum": 65535},
        "tls": {"type": "boolean"}
      }
    },
    "db": {
      "type": "object",
      "required": ["url"],
      "properties": {
        "url": {"type": "string", "format": "uri"},
        "pool": {"type": "object", "properties": {
          "min": {"type": "integer", "minimum": 0},
          "max": {"type": "integer", "exclusiveMaximum": 1000, "multipleOf": 5}}}
      }
    },
    "owners": {"type": "array", "minItems": 1, "uniqueItems": true,
               "items": {"type": "string", "format": "email"}},
    "labels": {"type": "object", "propertyNames": {"pattern": "^[a-z_]+$"},
               "additionalProperties": {"type": "string", "maxLength": 32}}
  }
}');

-- valid
SELECT cfgmgr.is_valid(schema, '{"name": "billing", "env": "prod", "replicas": 3,
  "server": {"host": "billing.internal", "port": 8443, "tls": true},
  "db": {"url": "postgres://db.internal/billing", "pool": {"min": 1, "max": 20}},
  "owners": ["team@example.com"], "labels": {"tier": "gold"}}') FROM svc;
SELECT count(*) FROM svc, cfgmgr.validate_document(schema, '{"name": "billing", "env": "dev",
  "server": {"host": "h", "port": 1}, "db": {"url": "postgres://db/x"}}');

-- several violations at once; string values of the document never appear
SELECT v.* FROM svc, cfgmgr.validate_document(schema, '{
  "name": "Billing_Service", "env": "production", "replicas": 0, "debug": true,
  "server": {"host": "", "port": 70000, "tls": "yes", "workers": 4},
  "db": {"pool": {"min": -1, "max": 1003}},
  "owners": ["not-an-email", "not-an-email"],
  "labels": {"Tier": "gold", "cost_center": "a very long label value that exceeds the limit"}
}') v;
SELECT cfgmgr.is_valid(schema, '{"name": "x"}') FROM svc;

--
-- Keyword families
--
-- type: "integer" is a number with zero fraction
SELECT d, cfgmgr.is_valid('{"type": "integer"}', d::jsonb)
  FROM (VALUES ('1'), ('1.0'), ('-0'), ('1.5'), ('1e2'), ('12345678901234567890'),
               ('1.00000000000000000000000000000000000000000000000000000000000000000000000001'),
               ('1.00000000000000000000000000000000000000000000000000000000000000000000000000'),
               ('"1"')) t(d);
SELECT * FROM cfgmgr.validate_document('{"type": ["string", "null"]}', '1');
SELECT * FROM cfgmgr.validate_document('{"type": ["object", "array", "boolean"]}', '1.5');
SELECT * FROM cfgmgr.validate_document('{"type": "integer"}', '{"a": 1}');
SELECT * FROM cfgmgr.validate_document('{"type": ["number", "integer"]}', 'null');
-- enum and const: JSON equality (1 == 1.0, objects unordered, arrays ordered)
SELECT d, cfgmgr.is_valid('{"enum": ["a", 1, null, true, [1, 2], {"k": [1, {"x": null}]}]}', d)
  FROM (VALUES ('"a"'::jsonb), ('"b"'), ('1.0'), ('2'), ('null'), ('true'), ('false'), ('[1, 2]'),
               ('[2, 1]'), ('[1]'), ('{"k": [1.00, {"x": null}]}'), ('{"k": [1, {"x": 0}]}'),
               ('{"k": [1, {"y": null}]}'), ('{"k": [1, {"x": null}], "j": 1}')) t(d);
SELECT * FROM cfgmgr.validate_document('{"enum": ["a", "b"]}', '"secret-value"');
SELECT d, cfgmgr.is_valid('{"const": {"a": [1, "x"], "b": 2.50}}', d)
  FROM (VALUES ('{"b": 2.5, "a": [1.0, "x"]}'::jsonb), ('{"a": [1, "x"]}'), ('{"a": ["x", 1], "b": 2.5}')) t(d);
SELECT * FROM cfgmgr.validate_document('{"const": "secret-value"}', '"other"');
-- numbers: exact decimal arithmetic, huge and tiny values
SELECT d, cfgmgr.is_valid('{"multipleOf": 0.1}', d::jsonb)
  FROM (VALUES ('0.3'), ('0.35'), ('-7.7'), ('1e308'), ('100')) t(d);
SELECT d, cfgmgr.is_valid('{"multipleOf": 7}', d::jsonb)
  FROM (VALUES ('49'), ('50'), ('-14'), ('0'), ('7.0'), ('7.5'), ('1e20'), ('1e20000')) t(d);
SELECT cfgmgr.is_valid('{"type": "integer", "multipleOf": 0.123456789}', '1e308');
SELECT cfgmgr.is_valid('{"multipleOf": 1e-16000}', '1e131000');
SELECT * FROM cfgmgr.validate_document('{"multipleOf": 2.5}', '6');
SELECT * FROM cfgmgr.validate_document('{"minimum": 1.5, "maximum": 1e3}', '1001');
SELECT * FROM cfgmgr.validate_document('{"minimum": 1.5, "maximum": 1e3}', '1.49');
SELECT * FROM cfgmgr.validate_document('{"exclusiveMinimum": 0, "exclusiveMaximum": 10}', '0');
SELECT * FROM cfgmgr.validate_document('{"exclusiveMinimum": 0, "exclusiveMaximum": 10}', '10.0');
SELECT d, cfgmgr.is_valid('{"minimum": -9999999999999999, "maximum": 99999999999999999999}', d::jsonb)
  FROM (VALUES ('-9999999999999999'), ('-10000000000000000'), ('99999999999999999999'),
               ('99999999999999999999.5'), ('0.000001')) t(d);
-- strings: characters, not bytes
SELECT d, cfgmgr.is_valid('{"minLength": 2, "maxLength": 3}', d)
  FROM (VALUES ('"ab"'::jsonb), ('"a"'), ('"abcd"'), ('"éé"'), ('"ééé"'), ('"éééé"'), ('"é"'),
               ('"日本語"'), ('"😀😀"'), ('"😀"'), ('3')) t(d);
SELECT * FROM cfgmgr.validate_document('{"minLength": 1, "maxLength": 1}', '""');
SELECT * FROM cfgmgr.validate_document('{"minLength": 1, "maxLength": 1}', '"ab"');
SELECT * FROM cfgmgr.validate_document('{"maxLength": 5}', '"ééééé"');
-- patterns: unanchored ECMA-262 search; the simple ones take a fast path
SELECT p, CASE WHEN length(d) > 28 THEN left(d, 25) || '...' ELSE d END AS d,
       cfgmgr.is_valid(jsonb_build_object('pattern', p), to_jsonb(d))
  FROM (VALUES ('^[a-z][a-z0-9-]{2,5}$', 'abc-1'), ('^[a-z][a-z0-9-]{2,5}$', 'abc-12x'),
               ('^[a-z][a-z0-9-]{2,5}$', 'ab'), ('[0-9]{3}', 'x1234y'), ('^\d+\.\d+$', '10.25'),
               ('^\d+\.\d+$', '10,25'), ('^\w+\s\S+$', 'ab_1 x!'), ('^\W\D$', '!a'), ('^\W\D$', 'a!'),
               ('^[^a-c]*$', 'xyz'), ('^[^a-c]*$', 'xbz'), ('a.c', 'a-c'), ('^a.c$', E'a\nc'),
               ('^[\d_]+$', '1_2'), ('^[\w.]+$', 'a.b'), ('^[\s]$', ' '), ('^[a\-z]+$', '-az'),
               ('^[-a]+$', 'a-'), ('^[a-]+$', '-a'), ('^[\]]$', ']'), ('^\$\^\(\)\/$', '$^()/'),
               ('^[[]$', '['), ('^[\--a]+$', '-.a'), ('^x?y+z*$', 'yyy'), ('^x{2}$', 'xx'), ('^x{2}$', 'xxx'),
               ('^x{2,}$', 'xxxx'), ('^x{0,1}y$', 'y'), ('', 'anything'), ('^$', ''), ('^$', 'x'), ('^', 'x'),
               ('b$', 'ab'), ('b$', 'ba'), ('^[a-z]+$', repeat('a', 300)), ('^[a-z][a-z0-9-]{2,5}$', 'ab' || chr(233)),
               -- not simple: left to the full engine
               ('^é+$', 'éé'), ('^[a-zé]+$', 'abé'), ('^[!-é]$', 'a'), ('^a+?$', 'aaa'), ('^a{1,2}?$', 'a'),
               ('^(ab)+$', 'abab'), ('^a|b$', 'xb'), ('a$b', 'a$b'), ('^\bx', 'x'), ('^[\b]$', 'a'), ('^\0$', 'a'),
               ('^[\D]$', 'a'), ('^[^]$', 'a'), ('^[]$', 'a'), (E'^\ta$', E'\ta'), (E'^[\t]$', E'\t'),
               ('^a{3}b{1,2}c{0,}d*e+f?g{2,4}h{1}i{2,}j{0,3}k{5}l{1,1}m{0}nopqrstuvwxyz0123$', 'x'),
               -- groups, alternation, counted groups: a Glushkov automaton of at most 64 positions
               ('^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$', 'db-1.internal.example.com'),
               ('^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$', 'db-.internal'),
               ('^(amqp|kafka|sqs)://[a-z0-9.-]+(:[0-9]{1,5})?$', 'kafka://broker-1:9092'),
               ('^(amqp|kafka|sqs)://[a-z0-9.-]+(:[0-9]{1,5})?$', 'http://broker-1'),
               ('^(?:ab|cd){2}$', 'abcd'), ('^(?:ab|cd){2}$', 'abab'), ('^(?:ab|cd){2}$', 'abc'),
               ('(x|)y', 'y'), ('^(a|b)*$', ''), ('^(a|b)+$', 'abba'), ('a\$', 'xa$'), ('a\$', 'a'),
               ('^[a-z]{40}[0-9]{40}$', repeat('a', 40) || repeat('1', 40)),
               ('^(a{40}|b{40})$', repeat('b', 40)), ('^a{100}$', repeat('a', 100)),
               ('^(?=a)a$', 'a'), ('^(a)\1$', 'aa'), ('^(a)(?<n>b)$', 'ab')) t(p, d);
SELECT * FROM cfgmgr.validate_document('{"pattern": "^[a-z]+$"}', '"Secret"');
-- format: assertion by default, annotation with cfgmgr.schema_format_assert off
SELECT * FROM cfgmgr.validate_document('{"format": "email"}', '"secret-not-an-email"');
SELECT cfgmgr.is_valid('{"format": "email"}', '"a@example.com"'),
       cfgmgr.is_valid('{"format": "x-unknown-format"}', '"anything"'),
       cfgmgr.is_valid('{"format": "email"}', '5');
SET cfgmgr.schema_format_assert = off;
SELECT cfgmgr.is_valid('{"format": "email"}', '"not-an-email"');
RESET cfgmgr.schema_format_assert;
-- arrays
SELECT * FROM cfgmgr.validate_document('{"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": false}',
                                       '[1, 2, "x", null]');
SELECT * FROM cfgmgr.validate_document('{"prefixItems": [true, false], "items": {"type": "string"}}', '[1, 2, 3, "x"]');
SELECT * FROM cfgmgr.validate_document('{"prefixItems": [true], "items": false}', '[1, 2]');
SELECT * FROM cfgmgr.validate_document('{"items": {"maximum": 5}, "minItems": 4, "maxItems": 1}', '[1, 7, 9]');
SELECT * FROM cfgmgr.validate_document('{"minItems": 1, "maxItems": 1}', '[]');
SELECT d, cfgmgr.is_valid('{"contains": {"type": "integer"}}', d)
  FROM (VALUES ('[]'::jsonb), ('["a", 1]'), ('["a"]'), ('{"a": 1}')) t(d);
SELECT * FROM cfgmgr.validate_document('{"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3}', '[1, "a"]');
SELECT * FROM cfgmgr.validate_document('{"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3}', '[1, 2, 3, 4]');
SELECT * FROM cfgmgr.validate_document('{"contains": {"type": "integer"}, "maxContains": 1}', '[1, 2]');
SELECT * FROM cfgmgr.validate_document('{"contains": {"type": "integer"}}', '["a"]');
SELECT cfgmgr.is_valid('{"contains": {"type": "integer"}, "minContains": 0}', '[]');
SELECT * FROM cfgmgr.validate_document('{"uniqueItems": true}', '[1, {"a": [1, 2]}, "x", {"a": [1.0, 2]}]');
SELECT d, cfgmgr.is_valid('{"uniqueItems": true}', d)
  FROM (VALUES ('[1, 1.0]'::jsonb), ('[[1], [true]]'), ('[{"a": 1, "b": 2}, {"b": 2, "a": 1}]'),
               ('[0, false]'), ('[null, null]'), ('[[1, 2], [2, 1]]'), ('[]')) t(d);
-- uniqueItems on larger arrays (hashing)
SELECT cfgmgr.is_valid('{"uniqueItems": true}', jsonb_agg(i)) FROM generate_series(1, 1000) i;
SELECT * FROM cfgmgr.validate_document('{"uniqueItems": true}',
  (SELECT jsonb_agg(x) FROM (SELECT jsonb_build_object('k', i, 'v', jsonb_build_array(i, null, true, false, 'x' || i)) x
                              FROM generate_series(1, 40) i
                             UNION ALL SELECT '{"v": [35, null, true, false, "x35"], "k": 35.000}'::jsonb) s));
SELECT * FROM cfgmgr.validate_document('{"uniqueItems": true}',
  (SELECT jsonb_agg(x) FROM (SELECT to_jsonb(i) x FROM generate_series(1, 20) i UNION ALL SELECT '17.0') s));
SELECT cfgmgr.is_valid('{"uniqueItems": false}', '[1, 1]');
-- objects
SELECT * FROM cfgmgr.validate_document('{"properties": {"a": {"type": "integer"}, "b/c~d": false},
  "patternProperties": {"^x-": {"type": "string"}, "^x-n": {"type": "number"}},
  "additionalProperties": {"type": "boolean"}}',
  '{"a": "1", "b/c~d": 1, "x-one": 2, "x-num": 3, "zz": 1, "ok": true}');
SELECT * FROM cfgmgr.validate_document('{"patternProperties": {"^x-": false}}', '{"x-a": 1, "y": 2}');
SELECT * FROM cfgmgr.validate_document('{"required": ["a", "b", "b", "zz"], "properties": {"a": true}}', '{"b": 1, "c": 2}');
SELECT * FROM cfgmgr.validate_document('{"required": ["a", "b", "zz"]}', '{"b": 1, "c": 2}');
SELECT * FROM cfgmgr.validate_document('{"required": ["a"], "minProperties": 3, "maxProperties": 1}', '{"b": 1, "c": 2}');
SELECT * FROM cfgmgr.validate_document('{"minProperties": 1, "maxProperties": 0}', '{}');
SELECT keyword, length(message) FROM cfgmgr.validate_document(jsonb_build_object('required', jsonb_build_array(repeat('k', 1100))), '{}');
SELECT cfgmgr.is_valid('{"maxLength": 1e10, "minItems": 0, "$anchor": "a1-b.c_d"}', '"x"');
SELECT * FROM cfgmgr.validate_document('{"propertyNames": {"maxLength": 3}}', '{"abcd": 1, "abc": 2}');
SELECT * FROM cfgmgr.validate_document('{"dependentRequired": {"tls": ["cert", "key"], "x": []}}', '{"tls": true, "key": "k"}');
SELECT * FROM cfgmgr.validate_document('{"dependentSchemas": {"tls": {"required": ["cert"]}}}', '{"tls": true}');
SELECT cfgmgr.is_valid('{"dependentSchemas": {"tls": {"required": ["cert"]}}}', '{"other": true}');
SELECT * FROM cfgmgr.validate_document('{"properties": {"a": {"properties": {"b": {"items": {"type": "string"}}}}}}',
                                       '{"a": {"b": ["x", 1]}}');
-- combinators and conditionals
SELECT * FROM cfgmgr.validate_document('{"allOf": [{"type": "integer"}, {"minimum": 5}, false]}', '1.5');
SELECT * FROM cfgmgr.validate_document('{"anyOf": [{"type": "string"}, {"minimum": 5}]}', '1');
SELECT cfgmgr.is_valid('{"anyOf": [{"type": "string"}, {"minimum": 5}]}', '7');
SELECT * FROM cfgmgr.validate_document('{"oneOf": [{"type": "integer"}, {"minimum": 5}]}', '7');
SELECT * FROM cfgmgr.validate_document('{"oneOf": [{"type": "integer"}, {"minimum": 5}]}', '2.5');
SELECT cfgmgr.is_valid('{"oneOf": [{"type": "integer"}, {"minimum": 5}]}', '3');
SELECT * FROM cfgmgr.validate_document('{"not": {"type": "string"}}', '"x"');
SELECT * FROM cfgmgr.validate_document('{"if": {"properties": {"tls": {"const": true}}, "required": ["tls"]},
  "then": {"required": ["cert"]}, "else": {"properties": {"port": {"maximum": 1023}}}}', '{"tls": true}');
SELECT * FROM cfgmgr.validate_document('{"if": {"properties": {"tls": {"const": true}}, "required": ["tls"]},
  "then": {"required": ["cert"]}, "else": {"properties": {"port": {"maximum": 1023}}}}', '{"port": 8080}');
SELECT cfgmgr.is_valid('{"then": false, "else": false}', '1');
-- unevaluatedProperties / unevaluatedItems see through in-place applicators
SELECT * FROM cfgmgr.validate_document('{"allOf": [{"properties": {"a": true}}], "anyOf": [{"properties": {"b": true}}, {"properties": {"c": true}}],
  "unevaluatedProperties": false}', '{"a": 1, "b": 2, "c": 3, "d": 4}');
SELECT * FROM cfgmgr.validate_document('{"oneOf": [{"properties": {"a": true}, "required": ["a"]}, {"required": ["zz"]}],
  "if": {"properties": {"i": true}}, "then": {"properties": {"t": true}},
  "dependentSchemas": {"a": {"properties": {"dep": true}}},
  "patternProperties": {"^p": true}, "$ref": "#/$defs/r", "$defs": {"r": {"properties": {"r": true}}},
  "unevaluatedProperties": {"type": "string"}}', '{"a": 1, "i": 1, "t": 1, "dep": 1, "p1": 1, "r": 1, "rest": 2, "ok": "s"}');
SELECT * FROM cfgmgr.validate_document('{"prefixItems": [true], "contains": {"type": "string"},
  "unevaluatedItems": false}', '[1, "a", 2, "b", 3]');
SELECT * FROM cfgmgr.validate_document('{"allOf": [{"prefixItems": [true, true]}], "unevaluatedItems": {"type": "integer"}}',
                                       '[null, null, 1, "x"]');
SELECT cfgmgr.is_valid('{"items": true, "unevaluatedItems": false}', '[1, 2]'),
       cfgmgr.is_valid('{"not": {"not": {"properties": {"a": true}}}, "unevaluatedProperties": false}', '{"a": 1}'),
       cfgmgr.is_valid('{"unevaluatedProperties": false}', '5'),
       cfgmgr.is_valid('{"unevaluatedItems": false}', '{"a": 1}'),
       cfgmgr.is_valid('{"anyOf": [true, {"properties": {"a": true}}], "unevaluatedProperties": false}', '{"a": 1}'),
       cfgmgr.is_valid('{"allOf": [{"unevaluatedProperties": true}], "unevaluatedProperties": false}', '{"a": 1}');
-- boolean schemas
SELECT cfgmgr.is_valid('true', '{"x": 1}'), cfgmgr.is_valid('false', 'null');
SELECT * FROM cfgmgr.validate_document('false', '1');
SELECT * FROM cfgmgr.validate_document('{"properties": {"a": {"$ref": "#/$defs/no"}}, "$defs": {"no": false}}', '{"a": 1}');
-- instance paths are JSON pointers (~0, ~1)
SELECT * FROM cfgmgr.validate_document('{"additionalProperties": {"items": {"type": "integer"}}}',
                                       '{"a/b": [1, "x"], "c~d": ["y"], "": [true]}');
-- unknown keywords are ignored; annotations do not assert
SELECT cfgmgr.is_valid('{"x-merge": "append", "title": "t", "description": "d", "default": 5,
  "examples": [1], "deprecated": true, "readOnly": true, "contentMediaType": "text/plain", "$comment": "c"}', '"x"');

--
-- References
--
SELECT d, cfgmgr.is_valid('{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
  "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}, "$ref": "#/$defs/node"}', d)
  FROM (VALUES ('{"value": 1, "children": [{"value": 2, "children": []}]}'::jsonb),
               ('{"value": 1, "children": [{"value": "x"}]}')) t(d);
SELECT * FROM cfgmgr.validate_document('{"$defs": {"node": {"type": "object", "properties": {"value": {"type": "integer"},
  "children": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}}, "$ref": "#/$defs/node"}',
  '{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": "x"}]}]}');
-- pointers with escapes and percent-encoding, into arrays, anchors, $id-relative
SELECT cfgmgr.is_valid('{"$defs": {"a/b": {"type": "integer"}, "c~d": {"type": "integer"}, "e%f": {"type": "integer"}},
  "x-list": [{"type": "string"}, {"type": "integer"}],
  "properties": {"p1": {"$ref": "#/$defs/a~1b"}, "p2": {"$ref": "#/$defs/c~0d"}, "p3": {"$ref": "#/$defs/e%25f"},
                 "p4": {"$ref": "#/x-list/1"}}}', '{"p1": 1, "p2": 2, "p3": 3, "p4": 4}');
SELECT cfgmgr.is_valid('{"x-list": [{"type": "string"}, {"type": "integer"}],
  "properties": {"p4": {"$ref": "#/x-list/0"}}}', '{"p4": 4}');
SELECT cfgmgr.is_valid('{"$id": "https://example.com/rx/root.json", "$ref": "item.json#positive",
  "$defs": {"i": {"$id": "item.json", "$defs": {"p": {"$anchor": "positive", "minimum": 0}}}}}', '-1');
SELECT cfgmgr.is_valid('{"$ref": "urn:example:thing#/$defs/x", "$defs": {"t": {"$id": "urn:example:thing",
  "$defs": {"x": {"type": "string"}}}}}', '"s"');
-- relative references against a URN (no "/" in its path) drop dot segments
SELECT r, cfgmgr.is_valid(jsonb_build_object('$id', 'urn:example:a', '$ref', r,
  '$defs', '{"t": {"$id": "urn:target", "type": "string"}, "e": {"$id": "urn:", "type": "null"}}'::jsonb), '"s"')
  FROM (VALUES ('../target'), ('./target'), ('.'), ('..')) t(r);
-- a $ref into an unknown keyword (2020-12 "definitions") still resolves
SELECT cfgmgr.is_valid('{"definitions": {"x": {"type": "string", "properties": {"a": {"$ref": "#/definitions/x"}}}},
  "$ref": "#/definitions/x"}', '"s"');
-- $dynamicRef: the outermost dynamic scope wins
SELECT d, cfgmgr.is_valid('{"$id": "https://example.com/rx/strict", "$dynamicAnchor": "node",
  "$ref": "tree", "unevaluatedProperties": false,
  "$defs": {"tree": {"$id": "tree", "$dynamicAnchor": "node", "type": "object",
    "properties": {"data": true, "children": {"type": "array", "items": {"$dynamicRef": "#node"}}}}}}', d)
  FROM (VALUES ('{"children": [{"data": 1}]}'::jsonb), ('{"children": [{"daat": 1}]}')) t(d);
SELECT cfgmgr.is_valid('{"$defs": {"x": {"$id": "https://example.com/rx/dyn", "$dynamicAnchor": "a", "type": "integer"}},
  "$dynamicRef": "https://example.com/rx/dyn#a"}', '"s"');
SELECT cfgmgr.is_valid('{"$defs": {"x": {"$anchor": "a", "type": "integer"}}, "$dynamicRef": "#a"}', '"s"');
-- draft-07: "$ref" overrides its siblings, items arrays, additionalItems, dependencies
SET cfgmgr.schema_default_draft = '7';
SELECT cfgmgr.is_valid('{"definitions": {"i": {"type": "integer"}}, "properties": {"a": {"$ref": "#/definitions/i", "maximum": 0}}}',
                       '{"a": 5}');
SELECT * FROM cfgmgr.validate_document('{"items": [{"type": "integer"}], "additionalItems": false}', '[1, 2]');
SELECT * FROM cfgmgr.validate_document('{"items": [{"type": "integer"}], "additionalItems": {"type": "string"}}', '["x", 2]');
SELECT * FROM cfgmgr.validate_document('{"items": {"type": "integer"}, "additionalItems": false}', '[1, "a"]');
SELECT * FROM cfgmgr.validate_document('{"dependencies": {"a": ["b"], "c": {"required": ["d"]}}}', '{"a": 1, "c": 2}');
SELECT cfgmgr.is_valid('{"$id": "http://example.com/rx/d7", "allOf": [{"$ref": "#foo"}], "definitions": {"A": {"$id": "#foo", "type": "integer"}}}', '"x"');
SELECT cfgmgr.is_valid('{"allOf": [{"$ref": "http://example.com/rx/b#bar"}], "definitions": {"B": {"$id": "http://example.com/rx/b#bar", "type": "integer"}}}', '1');
SELECT cfgmgr.is_valid('{"dependentRequired": {"a": ["b"]}, "prefixItems": [false], "unevaluatedProperties": false}', '{"a": 1}');
SELECT cfgmgr.is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema", "prefixItems": [false]}', '[1]');
RESET cfgmgr.schema_default_draft;
SELECT cfgmgr.is_valid('{"$schema": "http://json-schema.org/draft-07/schema#", "items": [false]}', '[1]'),
       cfgmgr.is_valid('{"$schema": "https://json-schema.org/draft-07/schema", "items": [false]}', '[]'),
       cfgmgr.is_valid('{"$schema": "https://json-schema.org/draft/2020-12/schema#", "prefixItems": [false]}', '[]');
-- an embedded resource with its own $schema
SELECT cfgmgr.is_valid('{"properties": {"a": {"$id": "https://example.com/rx/old", "$schema": "http://json-schema.org/draft-07/schema#",
  "items": [{"type": "string"}]}}}', '{"a": [1]}');

--
-- Resources: cfgmgr.schema_resource and cfgmgr.register_schema_resource
--
SELECT cfgmgr.register_schema_resource('https://example.com/rx/types.json', '{
  "$defs": {"port": {"type": "integer", "minimum": 1, "maximum": 65535},
            "host": {"$anchor": "host", "type": "string", "minLength": 1}}}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/dir/sub/service.json#', '{
  "type": "object", "properties": {"port": {"$ref": "../../types.json#/$defs/port"},
  "host": {"$ref": "/rx/types.json#host"}, "self": {"$ref": "#"}}}');
SELECT uri, builtin FROM cfgmgr.schema_resource WHERE uri LIKE 'https://example.com/rx/%' ORDER BY uri;
SELECT * FROM cfgmgr.validate_document('{"$ref": "https://example.com/rx/dir/sub/service.json"}',
                                       '{"port": 0, "host": "", "self": {"port": 70000}}');
-- relative references resolved per RFC 3986 (dot segments, network paths, queries)
SELECT r, cfgmgr.is_valid(jsonb_build_object('$id', 'https://example.com/rx/a/b/c.json', '$ref', r), '0')
  FROM (VALUES ('../../types.json#/$defs/port'), ('./../../../rx/./types.json#/$defs/port'),
               ('//example.com/rx/x/../types.json#/$defs/port'), ('/rx/types.json#/$defs/port'),
               ('../../../rx/a/../types.json#/$defs/port'), ('/rx/a/.././types.json#/$defs/port'),
               ('https://example.com/rx/types.json#host')) t(r);
SELECT cfgmgr.register_schema_resource('https://example.com/rx/q?v=1', '{"type": "string"}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/', '{"type": "boolean"}');
SELECT cfgmgr.register_schema_resource('https://example.com', '{"type": "null"}');
SELECT cfgmgr.is_valid('{"$id": "https://example.com/rx/q?v=2", "$ref": "?v=1"}', '"s"'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/q?v=1#", "$ref": "#/$defs/n", "$defs": {"n": {"type": "null"}}}', '1'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/a/b/", "$ref": "../.."}', 'true'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/a/b/", "$ref": "../../."}', 'true'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/a", "$ref": "."}', 'true'),
       cfgmgr.is_valid('{"$id": "https://example.com", "$ref": "rx/"}', 'true'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/x/y", "$ref": "/"}', 'null'),
       cfgmgr.is_valid('{"$id": "https://example.com/rx/x", "$ref": "/rx/a/b/../../"}', 'true');
-- a resource that is a boolean, a row stored with an empty fragment
SELECT cfgmgr.register_schema_resource('https://example.com/rx/never', 'false');
INSERT INTO cfgmgr.schema_resource (uri, document) VALUES ('https://example.com/rx/hash#', '{"maximum": 1}');
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/never"}', '1'),
       cfgmgr.is_valid('{"$ref": "https://example.com/rx/hash"}', '2');
-- replacing a resource invalidates compiled schemas that use it
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/types.json#/$defs/port"}', '0');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/types.json', '{"$defs": {"port": true}}');
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/types.json#/$defs/port"}', '0');
-- custom meta-schemas: "$vocabulary" decides which keywords apply
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/no-validation', '{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                  "https://json-schema.org/draft/2020-12/vocab/applicator": true,
                  "https://example.com/rx/vocab/optional": false}}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/format-assertion', '{
  "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true,
                  "https://json-schema.org/draft/2020-12/vocab/format-assertion": false}}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/plain', '{"$schema": "http://json-schema.org/draft-07/schema#"}');
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/no-validation",
  "properties": {"a": false, "n": {"minimum": 10}}}', d)
  FROM (VALUES ('{"n": 1}'::jsonb), ('{"a": 1}')) t(d);
SET cfgmgr.schema_format_assert = off;
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/format-assertion", "format": "email"}', '"x"'),
       cfgmgr.is_valid('{"format": "email"}', '"x"');
RESET cfgmgr.schema_format_assert;
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/plain", "items": [{"type": "string"}]}', '[1]');

--
-- Malformed schemas (22023) and refused resources
--
\set VERBOSITY default
SELECT cfgmgr.is_valid('{"properties": {"port": {"type": "strin"}}}', '{}');
SELECT cfgmgr.is_valid('{"type": ["string", 1]}', '1');
SELECT cfgmgr.is_valid('{"type": {}}', '1');
SELECT cfgmgr.is_valid('{"minimum": "x"}', '1');
SELECT cfgmgr.is_valid('{"required": 5}', '{}');
SELECT cfgmgr.is_valid('{"required": ["a", 1]}', '{}');
SELECT cfgmgr.is_valid('{"maxLength": -1}', '""');
SELECT cfgmgr.is_valid('{"minItems": 1.5}', '[]');
SELECT cfgmgr.is_valid('{"maxProperties": "3"}', '{}');
SELECT cfgmgr.is_valid('{"multipleOf": 0}', '1');
SELECT cfgmgr.is_valid('{"enum": "a"}', '1');
-- (the regex engine's own wording of the problem is not pinned here)
\set VERBOSITY terse
SELECT cfgmgr.is_valid('{"pattern": "(unclosed"}', '""');
SELECT cfgmgr.is_valid('{"patternProperties": {"[": true}}', '{}');
\set VERBOSITY default
SELECT cfgmgr.is_valid('{"pattern": 5}', '""');
SELECT cfgmgr.is_valid('{"format": 5}', '""');
SELECT cfgmgr.is_valid('{"uniqueItems": "yes"}', '[]');
SELECT cfgmgr.is_valid('{"properties": []}', '{}');
SELECT cfgmgr.is_valid('{"properties": {"a": 5}}', '{}');
SELECT cfgmgr.is_valid('{"items": [{"type": "string"}]}', '[]');
SELECT cfgmgr.is_valid('{"prefixItems": {}}', '[]');
SELECT cfgmgr.is_valid('{"allOf": []}', '1');
SELECT cfgmgr.is_valid('{"not": "x"}', '1');
SELECT cfgmgr.is_valid('{"$defs": 1}', '1');
SELECT cfgmgr.is_valid('{"dependentRequired": {"a": "b"}}', '{}');
SELECT cfgmgr.is_valid('{"dependentRequired": []}', '{}');
SELECT cfgmgr.is_valid('{"dependentSchemas": {"a": [1]}}', '{}');
SELECT cfgmgr.is_valid('{"$ref": 5}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#/$defs/nothing"}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#nothing"}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#/items/01", "items": [true]}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#/$defs/a/5", "$defs": {"a": [true]}}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#/$defs/a/x", "$defs": {"a": [true]}}', '1');
SELECT cfgmgr.is_valid('{"$ref": "#/$defs/a/b", "$defs": {"a": 5}}', '1');
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/missing.json"}', '1');
SELECT cfgmgr.is_valid('{"$ref": "other.json"}', '1');
\set VERBOSITY terse
SELECT cfgmgr.is_valid(jsonb_build_object('$ref', 'https://example.com/rx/' || repeat('x', 1100)), '1') AS long_reference;
\set VERBOSITY default
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/types.json#/$defs/nothing"}', '1');
SELECT cfgmgr.is_valid('{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}', '1');
SELECT cfgmgr.is_valid('{"$defs": {"a": {"anyOf": [{"oneOf": [{"not": {"if": {"$ref": "#"}}}]}]}}, "allOf": [{"$ref": "#/$defs/a"}]}', '1');
SELECT cfgmgr.is_valid('{"$id": 5}', '1');
SELECT cfgmgr.is_valid('{"$id": "https://example.com/rx/x#frag"}', '1');
SELECT cfgmgr.is_valid('{"$anchor": "1abc"}', '1');
SELECT cfgmgr.is_valid('{"$anchor": ""}', '1');
SELECT cfgmgr.is_valid('{"$dynamicAnchor": 5}', '1');
SELECT cfgmgr.is_valid('{"$dynamicRef": "#/$defs/none"}', '1');
SELECT cfgmgr.is_valid('{"$schema": 5}', '1');
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/unknown"}', '1');
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/types.json#"}', '1');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/self', '{"$schema": "https://example.com/rx/meta/self"}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/bad-vocabulary', '{"$vocabulary": []}');
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/bad-vocabulary"}', '1');
DELETE FROM cfgmgr.schema_resource WHERE uri = 'https://example.com/rx/meta/bad-vocabulary';
SELECT cfgmgr.register_schema_resource('https://example.com/rx/meta/unknown-vocabulary', '{
  "$vocabulary": {"https://example.com/rx/vocab/required": true}}');
SELECT cfgmgr.is_valid('{"$schema": "https://example.com/rx/meta/unknown-vocabulary"}', '1');
DELETE FROM cfgmgr.schema_resource WHERE uri = 'https://example.com/rx/meta/unknown-vocabulary';
SELECT cfgmgr.is_valid('5', '1');
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/broken"}', '1');
SELECT cfgmgr.register_schema_resource('relative/path.json', '{}');
SELECT cfgmgr.register_schema_resource('1http://example.com/x', '{}');
SELECT cfgmgr.register_schema_resource('ht!tp://example.com/x', '{}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/x#frag', '{}');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/broken', '{"properties": {"a": {"$ref": "missing.json"}}}');
\set VERBOSITY terse

--
-- Hostile input: deep nesting, catastrophic regexes, non-terminating schemas
--
-- a document nested 10,000 deep fails cleanly with the stack-depth error
SELECT cfgmgr.is_valid('{"$defs": {"n": {"items": {"$ref": "#/$defs/n"}}}, "$ref": "#/$defs/n"}',
                       (repeat('[', 10000) || repeat(']', 10000))::jsonb);
SELECT count(*) FROM cfgmgr.validate_document('{"additionalProperties": {"$ref": "#"}}',
                       (repeat('{"a":', 10000) || '1' || repeat('}', 10000))::jsonb);
-- without a recursive schema it is just another value
SELECT cfgmgr.is_valid('{"type": "array", "maxItems": 1}', (repeat('[', 10000) || repeat(']', 10000))::jsonb);
-- a catastrophic-backtracking pattern is cancelled by statement_timeout
SET statement_timeout = '200ms';
SELECT cfgmgr.is_valid('{"pattern": "^(aa+)\\1+$"}', to_jsonb(repeat('a', 30011)));
RESET statement_timeout;
SELECT cfgmgr.is_valid('{"pattern": "^(aa+)\\1+$"}', to_jsonb(repeat('a', 101)));
-- schemas that apply themselves in place without consuming input
\set VERBOSITY default
SELECT cfgmgr.is_valid('{"if": true, "then": {"$ref": "#"}}', '1');
SELECT cfgmgr.register_schema_resource('https://example.com/rx/loop', '{"if": true, "then": {"$ref": "#"}}');
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/loop"}', '1');
\set VERBOSITY terse

--
-- Caching: the compiled schema follows setting and resource changes
--
SELECT count(*) FILTER (WHERE cfgmgr.is_valid(jsonb_build_object('maximum', i), '50'))
  FROM generate_series(1, 200) i;
SELECT s, cfgmgr.is_valid(s, '[1, "x"]')
  FROM (VALUES ('{"items": {"type": "integer"}}'::jsonb), ('{"items": {"type": ["integer", "string"]}}'),
               ('{"items": {"type": "integer"}}'), ('{"items": {"type": "integer"}}')) t(s);
SET cfgmgr.cache = off;
SELECT cfgmgr.is_valid('{"maximum": 3}', '4'), cfgmgr.is_valid('{"maximum": 3}', '2');
SELECT count(*) FROM cfgmgr.validate_document('{"maximum": 3}', '4');
RESET cfgmgr.cache;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT cfgmgr.is_valid('{"$ref": "https://example.com/rx/types.json"}', '1');
ROLLBACK;

-- clean up
DELETE FROM cfgmgr.schema_resource WHERE uri LIKE 'https://example.com/%';
SELECT count(*) FROM cfgmgr.schema_resource WHERE uri LIKE 'https://example.com%';
