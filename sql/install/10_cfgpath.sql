-- ---------------------------------------------------------------------------
-- cfgmgr.cfgpath: dotted configuration key paths (src/cfgpath.c)
-- ---------------------------------------------------------------------------

-- Type ---------------------------------------------------------------------

CREATE TYPE cfgmgr.cfgpath;

CREATE FUNCTION cfgmgr.cfgpath_in(cstring) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_in'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_in(cstring) IS
	'input function of cfgpath: validates the dotted path';

CREATE FUNCTION cfgmgr.cfgpath_out(cfgmgr.cfgpath) RETURNS cstring
	AS 'MODULE_PATHNAME', 'cfgpath_out'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_out(cfgmgr.cfgpath) IS
	'output function of cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_recv(internal) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_recv(internal) IS
	'binary input function of cfgpath: the path text, validated';

CREATE FUNCTION cfgmgr.cfgpath_send(cfgmgr.cfgpath) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cfgpath_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_send(cfgmgr.cfgpath) IS
	'binary output function of cfgpath: the path text';

-- STORAGE external: paths are never compressed, so index comparisons never
-- decompress; ALIGNMENT int4 as text, which makes the cast to text binary.
CREATE TYPE cfgmgr.cfgpath (
	INPUT = cfgmgr.cfgpath_in,
	OUTPUT = cfgmgr.cfgpath_out,
	RECEIVE = cfgmgr.cfgpath_recv,
	SEND = cfgmgr.cfgpath_send,
	INTERNALLENGTH = VARIABLE,
	STORAGE = external,
	ALIGNMENT = int4
);
COMMENT ON TYPE cfgmgr.cfgpath IS
	'dotted configuration key path: labels of [A-Za-z0-9_-]+ separated by dots, e.g. db.pool.max';

-- Comparison ---------------------------------------------------------------

CREATE FUNCTION cfgmgr.cfgpath_eq(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_eq(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of = for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_ne(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_ne(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of <> for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_lt(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_lt(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of < for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_le(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_le(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of <= for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_gt(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_gt(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of > for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_ge(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_ge(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of >= for cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_cmp(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS int4
	AS 'MODULE_PATHNAME', 'cfgpath_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_cmp(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'three-way comparison of cfgpaths (btree support): label by label, ancestors before descendants';

CREATE FUNCTION cfgmgr.cfgpath_sortsupport(internal) RETURNS void
	AS 'MODULE_PATHNAME', 'cfgpath_sortsupport'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_sortsupport(internal) IS
	'sort support for cfgpath (btree support)';

CREATE FUNCTION cfgmgr.cfgpath_hash(cfgmgr.cfgpath) RETURNS int4
	AS 'MODULE_PATHNAME', 'cfgpath_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_hash(cfgmgr.cfgpath) IS
	'hash of a cfgpath (hash support)';

CREATE FUNCTION cfgmgr.cfgpath_hash_extended(cfgmgr.cfgpath, int8) RETURNS int8
	AS 'MODULE_PATHNAME', 'cfgpath_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.cfgpath_hash_extended(cfgmgr.cfgpath, int8) IS
	'64-bit seeded hash of a cfgpath (hash support)';

CREATE OPERATOR cfgmgr.= (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_eq,
	COMMUTATOR = OPERATOR(cfgmgr.=), NEGATOR = OPERATOR(cfgmgr.<>),
	RESTRICT = pg_catalog.eqsel, JOIN = pg_catalog.eqjoinsel,
	HASHES, MERGES
);
COMMENT ON OPERATOR cfgmgr.= (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'equal';

CREATE OPERATOR cfgmgr.<> (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_ne,
	COMMUTATOR = OPERATOR(cfgmgr.<>), NEGATOR = OPERATOR(cfgmgr.=),
	RESTRICT = pg_catalog.neqsel, JOIN = pg_catalog.neqjoinsel
);
COMMENT ON OPERATOR cfgmgr.<> (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'not equal';

CREATE OPERATOR cfgmgr.< (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_lt,
	COMMUTATOR = OPERATOR(cfgmgr.>), NEGATOR = OPERATOR(cfgmgr.>=),
	RESTRICT = pg_catalog.scalarltsel, JOIN = pg_catalog.scalarltjoinsel
);
COMMENT ON OPERATOR cfgmgr.< (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'less than';

CREATE OPERATOR cfgmgr.<= (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_le,
	COMMUTATOR = OPERATOR(cfgmgr.>=), NEGATOR = OPERATOR(cfgmgr.>),
	RESTRICT = pg_catalog.scalarlesel, JOIN = pg_catalog.scalarlejoinsel
);
COMMENT ON OPERATOR cfgmgr.<= (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'less than or equal';

CREATE OPERATOR cfgmgr.> (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_gt,
	COMMUTATOR = OPERATOR(cfgmgr.<), NEGATOR = OPERATOR(cfgmgr.<=),
	RESTRICT = pg_catalog.scalargtsel, JOIN = pg_catalog.scalargtjoinsel
);
COMMENT ON OPERATOR cfgmgr.> (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'greater than';

CREATE OPERATOR cfgmgr.>= (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_ge,
	COMMUTATOR = OPERATOR(cfgmgr.<=), NEGATOR = OPERATOR(cfgmgr.<),
	RESTRICT = pg_catalog.scalargesel, JOIN = pg_catalog.scalargejoinsel
);
COMMENT ON OPERATOR cfgmgr.>= (cfgmgr.cfgpath, cfgmgr.cfgpath) IS 'greater than or equal';

-- equality is byte equality, so btree deduplication is safe (btequalimage)
CREATE OPERATOR CLASS cfgmgr.cfgpath_ops
	DEFAULT FOR TYPE cfgmgr.cfgpath USING btree AS
		OPERATOR 1 cfgmgr.< ,
		OPERATOR 2 cfgmgr.<= ,
		OPERATOR 3 cfgmgr.= ,
		OPERATOR 4 cfgmgr.>= ,
		OPERATOR 5 cfgmgr.> ,
		FUNCTION 1 cfgmgr.cfgpath_cmp(cfgmgr.cfgpath, cfgmgr.cfgpath),
		FUNCTION 2 cfgmgr.cfgpath_sortsupport(internal),
		FUNCTION 4 pg_catalog.btequalimage(oid);
COMMENT ON OPERATOR CLASS cfgmgr.cfgpath_ops USING btree IS
	'default btree operator class for cfgpath: descendants sort right after their ancestor';

CREATE OPERATOR CLASS cfgmgr.cfgpath_ops
	DEFAULT FOR TYPE cfgmgr.cfgpath USING hash AS
		OPERATOR 1 cfgmgr.= ,
		FUNCTION 1 cfgmgr.cfgpath_hash(cfgmgr.cfgpath),
		FUNCTION 2 cfgmgr.cfgpath_hash_extended(cfgmgr.cfgpath, int8);
COMMENT ON OPERATOR CLASS cfgmgr.cfgpath_ops USING hash IS
	'default hash operator class for cfgpath';

-- Hierarchy: @> and <@ ------------------------------------------------------

CREATE FUNCTION cfgmgr.cfgpath_desc_bound(cfgmgr.cfgpath) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_desc_bound'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_desc_bound(cfgmgr.cfgpath) IS
	'internal: the path with "-" appended, the least path sorting after it and all its descendants (upper bound of <@ index scans)';

CREATE FUNCTION cfgmgr.cfgpath_contains_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cfgpath_contains_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_contains_support(internal) IS
	'planner support for @>: turns "X @> path" into a btree range condition';

CREATE FUNCTION cfgmgr.cfgpath_contained_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cfgpath_contained_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_contained_support(internal) IS
	'planner support for <@: turns "path <@ X" into a btree range condition';

CREATE FUNCTION cfgmgr.cfgpath_contains(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_contains'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT cfgmgr.cfgpath_contains_support;
COMMENT ON FUNCTION cfgmgr.cfgpath_contains(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of @>: is the first path the second or an ancestor of it';

CREATE FUNCTION cfgmgr.cfgpath_contained(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_contained'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT cfgmgr.cfgpath_contained_support;
COMMENT ON FUNCTION cfgmgr.cfgpath_contained(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of <@: is the first path the second or a descendant of it';

CREATE OPERATOR cfgmgr.@> (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_contains,
	COMMUTATOR = OPERATOR(cfgmgr.<@),
	RESTRICT = pg_catalog.matchingsel, JOIN = pg_catalog.matchingjoinsel
);
COMMENT ON OPERATOR cfgmgr.@> (cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'is ancestor of or equal to';

CREATE OPERATOR cfgmgr.<@ (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_contained,
	COMMUTATOR = OPERATOR(cfgmgr.@>),
	RESTRICT = pg_catalog.matchingsel, JOIN = pg_catalog.matchingjoinsel
);
COMMENT ON OPERATOR cfgmgr.<@ (cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'is descendant of or equal to';

-- Glob match: ~~ and !~~ ---------------------------------------------------

CREATE FUNCTION cfgmgr.cfgpath_glob_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cfgpath_glob_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_glob_support(internal) IS
	'planner support for ~~: scans the subtree of the literal leading labels of a constant pattern';

CREATE FUNCTION cfgmgr.glob_match_support(internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cfgmgr_glob_match_support'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.glob_match_support(internal) IS
	'planner support for glob_match(): as for ~~';

CREATE FUNCTION cfgmgr.cfgpath_nomatchsel(internal, oid, internal, int4) RETURNS float8
	AS 'MODULE_PATHNAME', 'cfgpath_nomatchsel'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_nomatchsel(internal, oid, internal, int4) IS
	'restriction selectivity of !~~ on cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_nomatchjoinsel(internal, oid, internal, int2, internal) RETURNS float8
	AS 'MODULE_PATHNAME', 'cfgpath_nomatchjoinsel'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_nomatchjoinsel(internal, oid, internal, int2, internal) IS
	'join selectivity of !~~ on cfgpath';

CREATE FUNCTION cfgmgr.cfgpath_glob(cfgmgr.cfgpath, text) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_glob'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT cfgmgr.cfgpath_glob_support;
COMMENT ON FUNCTION cfgmgr.cfgpath_glob(cfgmgr.cfgpath, text) IS
	'implementation of ~~: does the path match the glob pattern';

CREATE FUNCTION cfgmgr.cfgpath_not_glob(cfgmgr.cfgpath, text) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgpath_not_glob'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_not_glob(cfgmgr.cfgpath, text) IS
	'implementation of !~~: does the path not match the glob pattern';

CREATE FUNCTION cfgmgr.glob_match(pattern text, path cfgmgr.cfgpath) RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_glob_match'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	SUPPORT cfgmgr.glob_match_support;
COMMENT ON FUNCTION cfgmgr.glob_match(text, cfgmgr.cfgpath) IS
	'does the path match the glob pattern: "*" one label, "**" any number of labels, "*" inside a label any run of characters';

CREATE OPERATOR cfgmgr.~~ (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = text,
	FUNCTION = cfgmgr.cfgpath_glob,
	NEGATOR = OPERATOR(cfgmgr.!~~),
	RESTRICT = pg_catalog.matchingsel, JOIN = pg_catalog.matchingjoinsel
);
COMMENT ON OPERATOR cfgmgr.~~ (cfgmgr.cfgpath, text) IS
	'matches glob pattern ("*" one label, "**" any number of labels)';

CREATE OPERATOR cfgmgr.!~~ (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = text,
	FUNCTION = cfgmgr.cfgpath_not_glob,
	NEGATOR = OPERATOR(cfgmgr.~~),
	RESTRICT = cfgmgr.cfgpath_nomatchsel, JOIN = cfgmgr.cfgpath_nomatchjoinsel
);
COMMENT ON OPERATOR cfgmgr.!~~ (cfgmgr.cfgpath, text) IS
	'does not match glob pattern';

-- Functions on labels ------------------------------------------------------

CREATE FUNCTION cfgmgr.nlevel(cfgmgr.cfgpath) RETURNS int4
	AS 'MODULE_PATHNAME', 'cfgpath_nlevel'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.nlevel(cfgmgr.cfgpath) IS
	'number of labels in the path';

CREATE FUNCTION cfgmgr.subpath(cfgmgr.cfgpath, "offset" int4, len int4) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_subpath'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.subpath(cfgmgr.cfgpath, int4, int4) IS
	'len labels starting at label offset (from 0; negative offset counts from the end, negative len leaves labels off the end)';

CREATE FUNCTION cfgmgr.subpath(cfgmgr.cfgpath, "offset" int4) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_subpath'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.subpath(cfgmgr.cfgpath, int4) IS
	'the labels from label offset to the end (from 0; negative offset counts from the end)';

CREATE FUNCTION cfgmgr.parent(cfgmgr.cfgpath) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_parent'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.parent(cfgmgr.cfgpath) IS
	'the path without its last label; NULL for a single label';

CREATE FUNCTION cfgmgr.label(cfgmgr.cfgpath, n int4) RETURNS text
	AS 'MODULE_PATHNAME', 'cfgpath_label'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.label(cfgmgr.cfgpath, int4) IS
	'label n (from 0; negative counts from the end, -1 is the last); NULL when out of range';

CREATE FUNCTION cfgmgr.labels(cfgmgr.cfgpath) RETURNS text[]
	AS 'MODULE_PATHNAME', 'cfgpath_labels'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.labels(cfgmgr.cfgpath) IS
	'the labels of the path as an array';

CREATE FUNCTION cfgmgr.cfgpath_concat(cfgmgr.cfgpath, cfgmgr.cfgpath) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_concat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_concat(cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'implementation of cfgpath || cfgpath: joins two paths with a dot';

CREATE FUNCTION cfgmgr.cfgpath_concat_text(cfgmgr.cfgpath, text) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_concat_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath_concat_text(cfgmgr.cfgpath, text) IS
	'implementation of cfgpath || text: appends the labels in the text';

CREATE FUNCTION cfgmgr.text_concat_cfgpath(text, cfgmgr.cfgpath) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'text_concat_cfgpath'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.text_concat_cfgpath(text, cfgmgr.cfgpath) IS
	'implementation of text || cfgpath: prepends the labels in the text';

CREATE OPERATOR cfgmgr.|| (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.cfgpath_concat
);
COMMENT ON OPERATOR cfgmgr.|| (cfgmgr.cfgpath, cfgmgr.cfgpath) IS
	'join two paths with a dot';

CREATE OPERATOR cfgmgr.|| (
	LEFTARG = cfgmgr.cfgpath, RIGHTARG = text,
	FUNCTION = cfgmgr.cfgpath_concat_text
);
COMMENT ON OPERATOR cfgmgr.|| (cfgmgr.cfgpath, text) IS
	'append labels to a path';

CREATE OPERATOR cfgmgr.|| (
	LEFTARG = text, RIGHTARG = cfgmgr.cfgpath,
	FUNCTION = cfgmgr.text_concat_cfgpath
);
COMMENT ON OPERATOR cfgmgr.|| (text, cfgmgr.cfgpath) IS
	'prepend labels to a path';

-- Casts --------------------------------------------------------------------

CREATE FUNCTION cfgmgr.cfgpath(text) RETURNS cfgmgr.cfgpath
	AS 'MODULE_PATHNAME', 'cfgpath_from_text'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.cfgpath(text) IS
	'convert text to cfgpath, validating it';

CREATE CAST (text AS cfgmgr.cfgpath)
	WITH FUNCTION cfgmgr.cfgpath(text) AS IMPLICIT;
COMMENT ON CAST (text AS cfgmgr.cfgpath) IS
	'validating conversion of text to a configuration path';

CREATE CAST (varchar AS cfgmgr.cfgpath)
	WITH FUNCTION cfgmgr.cfgpath(text) AS IMPLICIT;
COMMENT ON CAST (varchar AS cfgmgr.cfgpath) IS
	'validating conversion of varchar to a configuration path';

-- same bytes on both sides: a binary-coercible cast
CREATE CAST (cfgmgr.cfgpath AS text)
	WITHOUT FUNCTION AS ASSIGNMENT;
COMMENT ON CAST (cfgmgr.cfgpath AS text) IS
	'a configuration path as text';
