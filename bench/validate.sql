-- bench/validate.sql - data set of the validation benchmark (bench/validate.sh).
--
-- Creates, in the current database (cfgmgr installed):
--   vb_schema(schema)   the service schema (JSON Schema 2020-12), one row;
--   vb_docs(id, doc, planted, exp_path, exp_keyword)
--                       :ndocs configuration documents (default 100,000);
--                       about 10% carry exactly one planted error, whose
--                       instance path and keyword are recorded.
-- Deterministic: every pseudo-random choice is a hash of (row number, slot).
--
--   psql -v ndocs=100000 -f bench/validate.sql

\if :{?ndocs}
\else
\set ndocs 100000
\endif

-- uniform integer in [0, n) for row i and choice slot k
CREATE FUNCTION vb_h(i int, k int, n int) RETURNS int
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN ((pg_catalog.hashint8extended(i::bigint, k::bigint) & 2147483647) % n)::int;

-- element of a text array for row i and slot k
CREATE FUNCTION vb_pick(i int, k int, a text[]) RETURNS text
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN a[1 + vb_h(i, k, cardinality(a))];

CREATE TABLE vb_schema (schema jsonb NOT NULL);
INSERT INTO vb_schema VALUES ($schema$
{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "https://bench.cfgmgr.example/service.json",
  "title": "service configuration",
  "type": "object",
  "required": ["service", "version", "owner", "replicas", "region", "http", "db", "log", "limits"],
  "additionalProperties": false,
  "$defs": {
    "hostname": {
      "type": "string", "minLength": 1, "maxLength": 253,
      "pattern": "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$"
    },
    "port": {"type": "integer", "minimum": 1, "maximum": 65535}
  },
  "properties": {
    "service":  {"type": "string", "pattern": "^[a-z][a-z0-9-]{2,30}$"},
    "version":  {"type": "string", "pattern": "^\\d+\\.\\d+\\.\\d+$"},
    "owner":    {"type": "string", "pattern": "^[a-z0-9.-]+@example\\.com$", "maxLength": 64},
    "replicas": {"type": "integer", "minimum": 1, "maximum": 64},
    "region":   {"enum": ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]},
    "tags": {
      "type": "array", "maxItems": 10, "uniqueItems": true,
      "items": {"type": "string", "pattern": "^[a-z][a-z0-9_-]*$", "maxLength": 32}
    },
    "http": {
      "type": "object",
      "required": ["host", "port"],
      "additionalProperties": false,
      "properties": {
        "host": {"$ref": "#/$defs/hostname"},
        "port": {"$ref": "#/$defs/port"},
        "timeout_ms": {"type": "integer", "minimum": 100, "maximum": 120000},
        "max_body_kb": {"type": "integer", "minimum": 1, "maximum": 65536},
        "cors_origins": {
          "type": "array", "maxItems": 8,
          "items": {"type": "string", "pattern": "^https://[a-z0-9.-]+$"}
        },
        "tls": {
          "type": "object",
          "required": ["enabled"],
          "additionalProperties": false,
          "properties": {
            "enabled": {"type": "boolean"},
            "min_version": {"enum": ["1.2", "1.3"]},
            "cert_path": {"type": "string", "minLength": 1, "pattern": "^/"}
          }
        }
      }
    },
    "db": {
      "type": "object",
      "required": ["host", "port", "name", "pool"],
      "additionalProperties": false,
      "properties": {
        "host": {"$ref": "#/$defs/hostname"},
        "port": {"$ref": "#/$defs/port"},
        "name": {"type": "string", "pattern": "^[a-z_][a-z0-9_]{0,62}$"},
        "user": {"type": "string", "minLength": 1, "maxLength": 63},
        "pool": {
          "type": "object",
          "required": ["min", "max"],
          "additionalProperties": false,
          "properties": {
            "min": {"type": "integer", "minimum": 0, "maximum": 100},
            "max": {"type": "integer", "minimum": 1, "maximum": 500}
          }
        },
        "ssl_mode": {"enum": ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]},
        "statement_timeout_ms": {"type": "integer", "minimum": 0}
      }
    },
    "cache": {
      "type": "object",
      "required": ["enabled"],
      "properties": {
        "enabled": {"type": "boolean"},
        "backend": {"enum": ["memory", "redis", "memcached"]},
        "host": {"$ref": "#/$defs/hostname"},
        "ttl_s": {"type": "integer", "minimum": 0, "maximum": 86400},
        "max_entries": {"type": "integer", "minimum": 1, "maximum": 10000000}
      }
    },
    "queue": {
      "type": "object",
      "required": ["url", "topic"],
      "additionalProperties": false,
      "properties": {
        "url": {"type": "string", "pattern": "^(amqp|kafka|sqs)://[a-z0-9.-]+(:[0-9]{1,5})?$"},
        "topic": {"type": "string", "pattern": "^[a-z][a-z0-9._-]*$", "maxLength": 64},
        "batch_size": {"type": "integer", "minimum": 1, "maximum": 10000},
        "retry": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "max_attempts": {"type": "integer", "minimum": 0, "maximum": 20},
            "backoff_ms": {"type": "number", "minimum": 0, "maximum": 60000}
          }
        }
      }
    },
    "features": {
      "type": "object",
      "additionalProperties": false,
      "properties": {
        "new_ui": {"type": "boolean"}, "beta_api": {"type": "boolean"},
        "dark_mode": {"type": "boolean"}, "audit": {"type": "boolean"},
        "rate_limit": {"type": "boolean"}, "tracing": {"type": "boolean"},
        "canary": {"type": "boolean"}, "legacy_auth": {"type": "boolean"}
      }
    },
    "log": {
      "type": "object",
      "required": ["level"],
      "additionalProperties": false,
      "properties": {
        "level": {"enum": ["debug", "info", "warn", "error"]},
        "format": {"enum": ["json", "text"]},
        "sample_rate": {"type": "number", "minimum": 0, "maximum": 1}
      }
    },
    "limits": {
      "type": "object",
      "required": ["rps", "cpu_millicores", "memory_mb"],
      "additionalProperties": false,
      "properties": {
        "rps": {"type": "integer", "minimum": 1, "maximum": 100000},
        "burst": {"type": "integer", "minimum": 0},
        "cpu_millicores": {"type": "integer", "minimum": 50, "maximum": 64000, "multipleOf": 50},
        "memory_mb": {"type": "integer", "minimum": 64, "maximum": 262144}
      }
    }
  }
}
$schema$);

-- Valid documents for rows first .. last (a set-returning SQL function: its
-- query is planned once, so the ~50 hash calls per row are inlined).
CREATE FUNCTION vb_gen(first int, last int) RETURNS TABLE(id int, doc jsonb)
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
	SELECT i, jsonb_build_object(
		'service', 'svc-' || lpad(i::text, 6, '0'),
		'version', format('%s.%s.%s', vb_h(i, 1, 5), vb_h(i, 2, 30), vb_h(i, 3, 200)),
		'owner', format('team-%s@example.com', vb_h(i, 4, 40)),
		'replicas', 1 + vb_h(i, 5, 16),
		'region', vb_pick(i, 6, '{us-east-1,us-west-2,eu-west-1,eu-central-1,ap-southeast-1}'),
		'tags', jsonb_build_array('tier' || vb_h(i, 7, 3), vb_pick(i, 8, '{web,batch,stream,internal}'), 'team_' || vb_h(i, 4, 40)),
		'http', jsonb_build_object(
			'host', format('api-%s.svc.internal', i),
			'port', 1024 + vb_h(i, 9, 60000),
			'timeout_ms', 100 * (1 + vb_h(i, 10, 300)),
			'max_body_kb', 64 * (1 + vb_h(i, 11, 64)),
			'cors_origins', jsonb_build_array('https://app.example.com', 'https://admin.example.com'),
			'tls', jsonb_build_object(
				'enabled', vb_h(i, 12, 4) > 0,
				'min_version', vb_pick(i, 13, '{1.2,1.3}'),
				'cert_path', format('/etc/tls/svc-%s.pem', i))),
		'db', jsonb_build_object(
			'host', format('db-%s.internal', vb_h(i, 14, 50)),
			'port', 5432 + vb_h(i, 15, 3),
			'name', 'app_' || vb_h(i, 16, 1000),
			'user', 'svc_' || i,
			'pool', jsonb_build_object('min', vb_h(i, 17, 5), 'max', 10 + vb_h(i, 18, 90)),
			'ssl_mode', vb_pick(i, 19, '{disable,allow,prefer,require,verify-ca,verify-full}'),
			'statement_timeout_ms', 1000 * vb_h(i, 20, 60)),
		'cache', jsonb_build_object(
			'enabled', vb_h(i, 21, 3) > 0,
			'backend', vb_pick(i, 22, '{memory,redis,memcached}'),
			'host', format('cache-%s.internal', vb_h(i, 23, 20)),
			'ttl_s', 60 * vb_h(i, 24, 120),
			'max_entries', 1000 * (1 + vb_h(i, 25, 1000))),
		'queue', jsonb_build_object(
			'url', format('kafka://broker-%s.internal:9092', vb_h(i, 26, 9)),
			'topic', format('events.svc%s', vb_h(i, 27, 500)),
			'batch_size', 1 + vb_h(i, 28, 500),
			'retry', jsonb_build_object('max_attempts', vb_h(i, 29, 10), 'backoff_ms', vb_h(i, 30, 5000) * 0.25)),
		'features', jsonb_build_object(
			'new_ui', vb_h(i, 31, 2) = 1, 'beta_api', vb_h(i, 32, 2) = 1,
			'dark_mode', vb_h(i, 33, 2) = 1, 'audit', vb_h(i, 34, 2) = 1,
			'rate_limit', vb_h(i, 35, 2) = 1, 'tracing', vb_h(i, 36, 2) = 1,
			'canary', vb_h(i, 37, 2) = 1, 'legacy_auth', vb_h(i, 38, 2) = 1),
		'log', jsonb_build_object(
			'level', vb_pick(i, 39, '{debug,info,warn,error}'),
			'format', vb_pick(i, 40, '{json,text}'),
			'sample_rate', vb_h(i, 41, 101) * 0.01),
		'limits', jsonb_build_object(
			'rps', 1 + vb_h(i, 42, 10000),
			'burst', vb_h(i, 43, 500),
			'cpu_millicores', 50 * (1 + vb_h(i, 44, 80)),
			'memory_mb', 64 * (1 + vb_h(i, 45, 256))))
	  FROM generate_series(first, last) i;
END;

-- The planted errors: kind -> (mutation, expected instance path, keyword).
-- Each breaks exactly one schema rule.
CREATE TABLE vb_error_kind (kind int PRIMARY KEY, label text, path text, keyword text);
INSERT INTO vb_error_kind VALUES
	(0,  'wrong type (string port)',            '/http/port',            'type'),
	(1,  'out of range (pool.max 0)',           '/db/pool/max',          'minimum'),
	(2,  'enum miss (log.level)',               '/log/level',            'enum'),
	(3,  'pattern miss (version 1.2)',          '/version',              'pattern'),
	(4,  'missing required (db.name)',          '/db',                   'required'),
	(5,  'additional property (http.tls)',      '/http/tls',             'additionalProperties'),
	(6,  'wrong type (string boolean)',         '/features/tracing',     'type'),
	(7,  'out of range (sample_rate 1.5)',      '/log/sample_rate',      'maximum'),
	(8,  'pattern miss (upper-case host)',      '/db/host',              'pattern'),
	(9,  'missing required (log)',              '',                      'required'),
	(10, 'additional property (root)',          '',                      'additionalProperties'),
	(11, 'not a multiple (cpu_millicores 333)', '/limits/cpu_millicores', 'multipleOf'),
	(12, 'duplicate array item (tags)',         '/tags',                 'uniqueItems'),
	(13, 'too long (queue.topic 80 chars)',     '/queue/topic',          'maxLength'),
	(14, 'enum miss (region)',                  '/region',               'enum'),
	(15, 'wrong type (integer as 2.5)',         '/replicas',             'type');

CREATE FUNCTION vb_plant(d jsonb, kind int, i int) RETURNS jsonb
	LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
	RETURN CASE kind
		WHEN 0 THEN jsonb_set(d, '{http,port}', to_jsonb((d #>> '{http,port}')))
		WHEN 1 THEN jsonb_set(d, '{db,pool,max}', '0')
		WHEN 2 THEN jsonb_set(d, '{log,level}', '"verbose"')
		WHEN 3 THEN jsonb_set(d, '{version}', to_jsonb(format('%s.%s', vb_h(i, 1, 5), vb_h(i, 2, 30))))
		WHEN 4 THEN d #- '{db,name}'
		WHEN 5 THEN jsonb_set(d, '{http,tls,ciphers}', '"ALL"')
		WHEN 6 THEN jsonb_set(d, '{features,tracing}', '"yes"')
		WHEN 7 THEN jsonb_set(d, '{log,sample_rate}', '1.5')
		WHEN 8 THEN jsonb_set(d, '{db,host}', to_jsonb(upper(d #>> '{db,host}')))
		WHEN 9 THEN d - 'log'
		WHEN 10 THEN d || '{"debug": true}'
		WHEN 11 THEN jsonb_set(d, '{limits,cpu_millicores}', '333')
		WHEN 12 THEN jsonb_set(d, '{tags}', (d -> 'tags') || jsonb_build_array(d #> '{tags,0}'))
		WHEN 13 THEN jsonb_set(d, '{queue,topic}', to_jsonb('events.' || repeat('x', 73)))
		WHEN 14 THEN jsonb_set(d, '{region}', '"mars-north-1"')
		WHEN 15 THEN jsonb_set(d, '{replicas}', '2.5')
	END;

CREATE TABLE vb_docs (
	id int PRIMARY KEY,
	doc jsonb NOT NULL,
	planted int REFERENCES vb_error_kind	-- NULL: valid by construction
);

INSERT INTO vb_docs
SELECT g.id, CASE WHEN p.k IS NULL THEN g.doc ELSE vb_plant(g.doc, p.k, g.id) END, p.k
  FROM vb_gen(1, :ndocs) g,
	   LATERAL (SELECT CASE WHEN vb_h(g.id, 100, 10) = 0 THEN vb_h(g.id, 101, 16) END AS k) p;

VACUUM (ANALYZE) vb_docs;
