--
-- cfgmgr.cfgpath: input/output, ordering, operators, functions, index use
--
SET search_path = cfgmgr, public;
\set VERBOSITY terse

--
-- Input and output
--
SELECT 'db'::cfgpath, 'db.pool.max'::cfgpath, 'A-b_9.x-Y.0'::cfgpath;
SELECT '_'::cfgpath, '-'::cfgpath, '0.1.2'::cfgpath;

-- every error path of the input function, with the default verbosity
\set VERBOSITY default
SELECT ''::cfgpath;
SELECT 'a..b'::cfgpath;
SELECT '.a'::cfgpath;
SELECT 'a.b.'::cfgpath;
SELECT '.'::cfgpath;
SELECT 'db.pool max'::cfgpath;
SELECT 'db/pool'::cfgpath;
SELECT 'db.*'::cfgpath;
SELECT 'caf' || chr(233) || '.x';
SELECT ('caf' || chr(233) || '.x')::cfgpath;
SELECT E'db.\tx'::cfgpath;
SELECT ('a.' || repeat('x', 256))::cfgpath;
SELECT ('a.' || repeat('x', 255))::cfgpath = ('a.' || repeat('x', 255))::cfgpath AS label_255_ok;
SELECT (repeat('abcdefg.', 256) || 'z')::cfgpath;
\set VERBOSITY terse
SELECT repeat('x', 10000000)::cfgpath;
-- exactly 2048 bytes is accepted
SELECT octet_length((repeat('abcdefg.', 255) || 'abcdefgh')::cfgpath::text);

-- SQLSTATE of the input errors
DO $$
BEGIN
	PERFORM 'a..b'::cfgmgr.cfgpath;
EXCEPTION WHEN invalid_text_representation THEN
	RAISE NOTICE 'caught %', SQLSTATE;
END
$$;

-- output is the canonical text
SELECT p, p::text, octet_length(p::text) FROM (VALUES ('db.pool.max'::cfgpath)) v(p);

-- binary output: the text bytes
SELECT cfgpath_send('a.b');
SELECT cfgpath_send('db.pool.max') = convert_to('db.pool.max', 'UTF8') AS send_is_text;

-- binary round trip through COPY (FORMAT binary), which uses send and recv
CREATE TEMP TABLE bin_src (p cfgpath);
INSERT INTO bin_src VALUES ('db'), ('db.pool.max'), ('x-y.z_1');
\copy bin_src TO 'results/cfgpath_bin.data' WITH (FORMAT binary)
CREATE TEMP TABLE bin_dst (p cfgpath);
\copy bin_dst FROM 'results/cfgpath_bin.data' WITH (FORMAT binary)
SELECT p FROM bin_dst ORDER BY p;
-- recv re-validates: feed arbitrary bytes (a bytea's binary form is its bytes)
\set VERBOSITY default
CREATE TEMP TABLE bin_bad (b bytea);
INSERT INTO bin_bad VALUES ('\x612e2e62');
\copy bin_bad TO 'results/cfgpath_bad1.data' WITH (FORMAT binary)
\copy bin_dst FROM 'results/cfgpath_bad1.data' WITH (FORMAT binary)
TRUNCATE bin_bad;
INSERT INTO bin_bad VALUES ('\x61c328');	-- invalid UTF-8
\copy bin_bad TO 'results/cfgpath_bad2.data' WITH (FORMAT binary)
\copy bin_dst FROM 'results/cfgpath_bad2.data' WITH (FORMAT binary)
TRUNCATE bin_bad;
INSERT INTO bin_bad VALUES ('\x612ec3a9');	-- valid UTF-8, but not a label character
\copy bin_bad TO 'results/cfgpath_bad5.data' WITH (FORMAT binary)
\copy bin_dst FROM 'results/cfgpath_bad5.data' WITH (FORMAT binary)
TRUNCATE bin_bad;
INSERT INTO bin_bad VALUES ('\x61006200');	-- NUL bytes
\copy bin_bad TO 'results/cfgpath_bad3.data' WITH (FORMAT binary)
\copy bin_dst FROM 'results/cfgpath_bad3.data' WITH (FORMAT binary)
TRUNCATE bin_bad;
INSERT INTO bin_bad VALUES ('');
\copy bin_bad TO 'results/cfgpath_bad4.data' WITH (FORMAT binary)
\copy bin_dst FROM 'results/cfgpath_bad4.data' WITH (FORMAT binary)
\set VERBOSITY terse
SELECT count(*) FROM bin_dst;

--
-- Ordering: '.' sorts below every label character, so descendants follow
-- their ancestor immediately
--
CREATE TEMP TABLE ord (p cfgpath);
INSERT INTO ord VALUES ('dbx'), ('db-x'), ('db.pool.max'), ('db'), ('db.pool'),
	('db.pool-a'), ('db.a'), ('DB'), ('db_'), ('db.pool.max.x'), ('d'), ('db0'),
	('db.pool.-'), ('a.b'), ('a');
SELECT p FROM ord ORDER BY p;
-- descending order, and cfgpath_cmp against a fixed path
SELECT p, cfgpath_cmp(p, 'db.pool') AS cmp FROM ord ORDER BY p USING OPERATOR(cfgmgr.>);
SELECT 'db'::cfgpath < 'db.pool' AS a, 'db.pool' < 'db-x'::cfgpath AS b,
	'db.pool.max'::cfgpath < 'db-x' AS c, 'db-x'::cfgpath < 'dbx' AS d,
	'db.z'::cfgpath < 'db-' AS e, 'db'::cfgpath <= 'db' AS f, 'db'::cfgpath >= 'db' AS g,
	'b'::cfgpath > 'a.z' AS h, 'a'::cfgpath <> 'a' AS i, 'a'::cfgpath = 'a' AS j;
-- comparisons past the first eight bytes
SELECT 'abcdefghij.k'::cfgpath < 'abcdefghij-k' AS a,
	'abcdefghijklmnop.q'::cfgpath < 'abcdefghijklmnopq' AS b,
	'abcdefghijklmnop'::cfgpath < 'abcdefghijklmnop.q' AS c,
	cfgpath_cmp('abcdefghijklmnop', 'abcdefghijklmnop') AS d;

--
-- Hierarchy operators
--
SELECT 'db'::cfgpath @> 'db.pool.max' AS a, 'db'::cfgpath @> 'db' AS b,
	'db'::cfgpath @> 'dbx.pool' AS c, 'db'::cfgpath @> 'db-x' AS d,
	'db.pool'::cfgpath @> 'db' AS e, 'db.pool.max'::cfgpath <@ 'db' AS f,
	'db'::cfgpath <@ 'db.pool' AS g, 'db.pool'::cfgpath <@ 'db.pool' AS h;
SELECT p FROM ord WHERE p <@ 'db' ORDER BY p;
SELECT p FROM ord WHERE 'db.pool.max.x' @> p ORDER BY p;
-- the internal upper bound of a subtree
SELECT cfgpath_desc_bound('db.pool');
SELECT p, p <@ 'db.pool' AS under, p >= 'db.pool' AND p < cfgpath_desc_bound('db.pool') AS in_range
FROM ord ORDER BY p;

--
-- Glob matching
--
SELECT p::text, pat,
	p ~~ pat AS match, p !~~ pat AS nomatch, glob_match(pat, p) AS fn
FROM (VALUES
	('db.pool.max'::cfgpath, 'db.pool.max'),
	('db.pool.max', 'db.pool'),
	('db.pool.max', 'db.*'),
	('db.pool.max', 'db.*.*'),
	('db.pool.max', 'db.*.*.*'),
	('db.pool.max', '*.pool.*'),
	('db', 'db.**'),
	('db.pool.max', 'db.**'),
	('dbx.pool', 'db.**'),
	('db.pool.max', '**'),
	('x', '**'),
	('db.pool.max', '**.max'),
	('max', '**.max'),
	('db.pool.maxi', '**.max'),
	('db.max', 'db.**.max'),
	('db.a.b.c.max', 'db.**.max'),
	('db.a.max.b', 'db.**.max'),
	('db.max.max', 'db.**.max'),
	('a.b.c.d', '**.b.**.d'),
	('a.b.c.d', '**.c.**.b'),
	('a.b.c', '**.**'),
	('a.b.c', 'a.**.**.c'),
	('feature_x', 'feature_*'),
	('feature_', 'feature_*'),
	('feature', 'feature_*'),
	('app.feature_new_ui.on', 'app.feature_*.on'),
	('app.feature_new_ui.on', 'app.*_ui.*'),
	('app.feature_new_ui.on', 'app.f*e*u*.on'),
	('app.feature_new_ui.on', 'app.*x*.on'),
	('aaa', '*a*a*a*'),
	('aa', '*a*a*a*'),
	('db.pool.max', 'DB.pool.max'),
	('a.b', '*'),
	('a', '*')
) v(p, pat);

-- patterns from a column
SELECT p, pat FROM ord, (VALUES ('db.*'), ('**.x'), ('*.pool*')) v(pat)
WHERE p ~~ pat ORDER BY pat, p;

-- random paths and patterns against a regular expression doing the same
SELECT setseed(0.42);
CREATE TEMP TABLE fz_paths AS
SELECT DISTINCT p FROM (
	SELECT g, string_agg((ARRAY['a', 'b', 'ab', 'ba', 'aa'])[1 + floor(random() * 5)::int], '.') AS p
	FROM generate_series(1, 200) g, generate_series(1, 1 + g % 6) k GROUP BY g) s;
CREATE TEMP TABLE fz_pats AS
SELECT DISTINCT q, '^' || (SELECT string_agg(CASE WHEN l = '**' THEN '(\.[^.]+)*'
		ELSE '\.' || replace(l, '*', '[^.]*') END, '' ORDER BY n)
	FROM unnest(string_to_array(q, '.')) WITH ORDINALITY u(l, n)) || '$' AS re
FROM (
	SELECT g, string_agg((ARRAY['a', 'b', '*', '**', 'a*', '*b', '*a*', 'ab'])[1 + floor(random() * 8)::int], '.') AS q
	FROM generate_series(1, 200) g, generate_series(1, 1 + g % 5) k GROUP BY g) s;
SELECT count(*) > 5000 AS enough_pairs,
	count(*) FILTER (WHERE p::cfgpath ~~ q) > 500 AS enough_matches,
	count(*) FILTER (WHERE (p::cfgpath ~~ q) <> (('.' || p) ~ re)) AS mismatches
FROM fz_paths, fz_pats;

-- matching stays fast on adversarial input (no exponential backtracking)
SELECT (repeat('a.', 1000) || 'b')::cfgpath ~~ (repeat('**.a.', 60) || 'c') AS many_doublestars,
	(repeat('a.', 1000) || 'b')::cfgpath ~~ (repeat('**.a.', 60) || 'b') AS many_doublestars_match,
	(repeat('a', 250) || '.x')::cfgpath ~~ (repeat('*a', 100) || '*b.x') AS many_stars;

-- malformed patterns
\set VERBOSITY default
SELECT 'a'::cfgpath ~~ '';
SELECT 'a'::cfgpath ~~ 'a..b';
SELECT 'a'::cfgpath ~~ '.a';
SELECT 'a'::cfgpath ~~ 'a.';
SELECT 'a'::cfgpath ~~ 'a.b%';
SELECT 'a'::cfgpath ~~ 'a.b**';
SELECT 'a'::cfgpath ~~ 'a.***';
SELECT 'a'::cfgpath ~~ repeat('*.', 5000);
SELECT glob_match('a?', 'a');
\set VERBOSITY terse

--
-- Functions
--
SELECT nlevel('db'), nlevel('db.pool.max'), nlevel(repeat('a.', 1023) || 'a');
SELECT subpath('a.b.c.d', 0, 2), subpath('a.b.c.d', 1, 2), subpath('a.b.c.d', 1),
	subpath('a.b.c.d', -1), subpath('a.b.c.d', -3, 2), subpath('a.b.c.d', 1, -1),
	subpath('a.b.c.d', 0, 100), subpath('a.b.c.d', 3, 1), subpath('a', 0);
\set VERBOSITY default
SELECT subpath('a.b.c.d', 4);
SELECT subpath('a.b.c.d', -5);
SELECT subpath('a', 1);
SELECT subpath('a.b.c.d', 1, 0);
SELECT subpath('a.b.c.d', 1, -3);
SELECT subpath('a.b.c.d', 2147483647, 1);
SELECT subpath('a.b.c.d', -2147483648);
SELECT subpath('a.b.c.d', 0, -2147483648);
\set VERBOSITY terse
SELECT subpath('a.b.c.d', 1, 2147483647), subpath('a.b.c.d', -2147483647 + 2147483643, 1);
SELECT parent('db.pool.max'), parent('db.pool'), parent('db') IS NULL AS root_parent_is_null;
SELECT label('db.pool.max', 0), label('db.pool.max', 2), label('db.pool.max', -1),
	label('db.pool.max', -3), label('db.pool.max', 3) IS NULL AS past_end,
	label('db.pool.max', -4) IS NULL AS before_start;
SELECT labels('db.pool.max'), labels('x'), array_length(labels(repeat('a.', 1023) || 'a'), 1);

-- concatenation
SELECT 'db'::cfgpath || 'pool.max'::cfgpath, 'db'::cfgpath || 'pool'::text,
	'db'::text || 'pool'::cfgpath, 'db'::cfgpath || 'pool.max';
SELECT pg_typeof('db'::cfgpath || 'pool'), pg_typeof('db'::cfgpath || 'pool'::text),
	pg_typeof('db'::text || 'pool'::cfgpath);
\set VERBOSITY default
SELECT 'db'::cfgpath || 'pool..max'::text;
SELECT 'db..x'::text || 'pool'::cfgpath;
SELECT 'db'::cfgpath || ''::text;
-- 1023 + 1 + 1023 bytes is fine, one more label is too long
CREATE TEMP TABLE long1023 AS
SELECT (repeat('a', 255) || '.' || repeat('b', 255) || '.' || repeat('c', 255) || '.' ||
	repeat('d', 255))::cfgpath AS p;
SELECT octet_length((p || p)::text), nlevel(p || p) FROM long1023;
SELECT p || p || 'x' FROM long1023;
SELECT p || p || 'x'::text FROM long1023;
SELECT 'x'::text || (p || p) FROM long1023;
\set VERBOSITY terse

-- casts
SELECT 'db.pool'::text::cfgpath, 'db.pool'::varchar::cfgpath, cfgpath('db.pool'),
	pg_typeof('db.pool'::cfgpath::text);
CREATE TEMP TABLE casts (p cfgpath, t text);
INSERT INTO casts VALUES ('a.b'::text, 'x'::cfgpath);	-- implicit and assignment casts
INSERT INTO casts VALUES ('a.b'::varchar, 'y');
SELECT * FROM casts ORDER BY t;
SELECT p FROM casts WHERE p = 'a.b'::text LIMIT 1;
INSERT INTO casts VALUES ('a b'::text, 'z');
SELECT 'db.pool'::cfgpath::varchar(4);

-- NULL handling (all functions are strict)
SELECT NULL::cfgpath <@ 'a', nlevel(NULL), subpath(NULL, 0), parent(NULL),
	'a'::cfgpath ~~ NULL, glob_match(NULL, 'a');

--
-- Hash opclass
--
CREATE TEMP TABLE h (p cfgpath);
INSERT INTO h SELECT ('svc' || (i % 50) || '.key' || i)::cfgpath FROM generate_series(1, 1000) i;
CREATE INDEX h_hash ON h USING hash (p);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT * FROM h WHERE p = 'svc7.key7';
SELECT * FROM h WHERE p = 'svc7.key7';
-- a literal glob pattern is plain equality, which a hash index serves too
EXPLAIN (COSTS OFF) SELECT * FROM h WHERE p ~~ 'svc7.key7';
SELECT * FROM h WHERE p ~~ 'svc7.key7';
RESET enable_bitmapscan;
RESET enable_seqscan;
-- hash aggregation and hash join
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p, count(*) FROM (SELECT subpath(p, 0, 1) AS p FROM h) s GROUP BY p;
SELECT count(*) FROM (SELECT subpath(p, 0, 1) AS p, count(*) FROM h GROUP BY 1) s;
RESET enable_sort;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM h a JOIN h b ON a.p = b.p;
SELECT count(*) FROM h a JOIN h b ON a.p = b.p;
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT cfgpath_hash('db.pool') = cfgpath_hash('db.pool'::text::cfgpath) AS same_hash,
	cfgpath_hash_extended('db.pool', 0) = cfgpath_hash_extended('db.pool', 0) AS same_ext,
	cfgpath_hash_extended('db.pool', 1) <> cfgpath_hash_extended('db.pool', 0) AS seeded,
	(cfgpath_hash_extended('db.pool', 0) & 4294967295) =
		(cfgpath_hash('db.pool')::int8 & 4294967295) AS ext_matches_seed0;

--
-- Btree index: <@, @> and ~~ become range scans
--
CREATE TEMP TABLE t (id serial, path cfgpath);
INSERT INTO t (path)
SELECT (s || '.' || k || CASE WHEN i % 3 = 0 THEN '.sub' || i ELSE '' END)::cfgpath
FROM generate_series(1, 900) i,
	LATERAL (SELECT (ARRAY['db', 'dbx', 'db-a', 'cache', 'api'])[1 + i % 5] AS s,
			'k' || i AS k) x;
INSERT INTO t (path) VALUES ('db'), ('db.pool'), ('db.pool.max'), ('db.pool.min');
CREATE INDEX t_path ON t (path);
ANALYZE t;
SET enable_seqscan = off;
SET enable_bitmapscan = off;

EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path <@ 'db';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE 'db.pool' @> path;
-- "path @> X" (the ancestors of X) is not a range
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path @> 'db.pool.max';
SELECT path FROM t WHERE path @> 'db.pool.max' ORDER BY path;
SELECT count(*) FROM t WHERE path <@ 'db';
SELECT path FROM t WHERE path <@ 'db.pool' ORDER BY path;
SELECT path FROM t WHERE 'db.pool' @> path ORDER BY path;
-- the index gives the same answers as a sequential scan
SELECT count(*) FROM t WHERE path <@ 'db' OR path <@ 'dbx' OR path <@ 'db-a';
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT count(*) FROM t WHERE path <@ 'db' OR path <@ 'dbx' OR path <@ 'db-a';
SELECT count(*) FROM t WHERE path <@ 'db';
RESET enable_indexscan;
SET enable_seqscan = off;

-- a constant expression is folded first, so the bound is computed at plan time
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path <@ ('db' || ''::text)::cfgpath;
-- a stable expression: the bound is computed at run time
SET cfgmgr_test.root = 'db.pool';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path <@ current_setting('cfgmgr_test.root')::cfgpath;
SELECT path FROM t WHERE path <@ current_setting('cfgmgr_test.root')::cfgpath ORDER BY path;
RESET cfgmgr_test.root;
-- not pseudoconstant: no index condition
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path <@ parent(path);

-- prepared statement, generic plan: $1 stays a Param in the index condition
SET plan_cache_mode = force_generic_plan;
PREPARE under(cfgpath) AS SELECT count(*) FROM t WHERE path <@ $1;
EXPLAIN (COSTS OFF) EXECUTE under('db');
EXECUTE under('db');
EXECUTE under('db.pool');
EXECUTE under('nothing');
PREPARE over(cfgpath) AS SELECT count(*) FROM t WHERE $1 @> path;
EXPLAIN (COSTS OFF) EXECUTE over('db.pool');
EXECUTE over('db.pool');
PREPARE under_text(text) AS SELECT count(*) FROM t WHERE path <@ $1::cfgpath;
EXPLAIN (COSTS OFF) EXECUTE under_text('db');
EXECUTE under_text('db');
DEALLOCATE ALL;
RESET plan_cache_mode;

-- the same from PL/pgSQL (SPI with a parameter)
CREATE FUNCTION pg_temp.count_under(root cfgmgr.cfgpath) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	RETURN (SELECT count(*) FROM t WHERE t.path OPERATOR(cfgmgr.<@) root);
END
$$;
SELECT pg_temp.count_under('db'), pg_temp.count_under('db.pool');

-- a parameterized nested loop: the outer value is the subtree root
SET enable_hashjoin = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF)
SELECT r.root, count(*) FROM (VALUES ('db'::cfgpath), ('cache')) r(root)
JOIN t ON t.path <@ r.root GROUP BY r.root;
SELECT r.root, count(*) FROM (VALUES ('db'::cfgpath), ('cache')) r(root)
JOIN t ON t.path <@ r.root GROUP BY r.root ORDER BY r.root;
RESET enable_hashjoin;
RESET enable_mergejoin;

-- glob patterns with literal leading labels
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path ~~ 'db.pool.*';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path ~~ 'db.**';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path ~~ 'db.pool.max';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE glob_match('db.pool.*', path);
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path ~~ '*.pool.*';
EXPLAIN (COSTS OFF) SELECT path FROM t WHERE path ~~ 'd*.pool';
SELECT path FROM t WHERE path ~~ 'db.pool.*' ORDER BY path;
SELECT path FROM t WHERE glob_match('db.pool.*', path) ORDER BY path;
SELECT count(*) FROM t WHERE path ~~ 'db.**';
SELECT count(*) FROM t WHERE path ~~ 'db.*.*';
SELECT path FROM t WHERE path ~~ 'db.pool.max';
SELECT count(*) FROM t WHERE path !~~ 'db.**';
SET enable_indexscan = off;
SET enable_seqscan = on;
SELECT count(*) FROM t WHERE path ~~ 'db.**';
SELECT count(*) FROM t WHERE path ~~ 'db.*.*';
RESET enable_indexscan;
SET enable_seqscan = off;
-- LIKE on a cfgpath is the same operator
SELECT count(*) FROM t WHERE path LIKE 'api.*';

-- ordered scans: descendants follow their ancestor
SELECT path FROM t WHERE path >= 'db' ORDER BY path LIMIT 6;

RESET enable_bitmapscan;
RESET enable_seqscan;

-- btree deduplication is allowed (equality is byte equality)
SELECT amproc::regproc FROM pg_amproc ap JOIN pg_opfamily f ON f.oid = ap.amprocfamily
WHERE f.opfname = 'cfgpath_ops' AND f.opfmethod = (SELECT oid FROM pg_am WHERE amname = 'btree')
ORDER BY amprocnum;

-- selectivity estimates come from the statistics (all 904 rows are sampled)
CREATE FUNCTION pg_temp.estimate(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	j json;
BEGIN
	EXECUTE 'EXPLAIN (FORMAT JSON) ' || q INTO j;
	RETURN (j->0->'Plan'->>'Plan Rows')::int;
END
$$;
CREATE FUNCTION pg_temp.actual(q text) RETURNS int LANGUAGE plpgsql AS $$
DECLARE
	n int;
BEGIN
	EXECUTE 'SELECT count(*) FROM t WHERE ' || q INTO n;
	RETURN n;
END
$$;
SELECT q, pg_temp.estimate('SELECT * FROM t WHERE ' || q) AS estimated,
	pg_temp.actual(q) AS actual
FROM (VALUES ('path <@ ''db'''), ('''db'' @> path'), ('path ~~ ''api.**'''),
	('path !~~ ''api.**'''), ('path ~~ ''*.*.*'''), ('path @> ''db.pool.max''')) v(q);

DROP TABLE t, h, ord, casts, bin_src, bin_dst, bin_bad, long1023, fz_paths, fz_pats;
RESET search_path;
