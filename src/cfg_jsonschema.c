/*-------------------------------------------------------------------------
 *
 * cfg_jsonschema.c
 *	  JSON Schema (draft 2020-12 and draft-07) compiler and validator
 *	  working directly on jsonb, its compile cache, the resource loader
 *	  and the SQL entry points is_valid, validate_document and
 *	  register_schema_resource.
 *
 * Compiling.  A schema document is first scanned: every schema object in a
 * known subschema position is given a location (CfgLoc: document, JSON
 * pointer, base URI, draft, vocabularies, enclosing resource) and every
 * "$id", "$anchor" and "$dynamicAnchor" is entered into a registry of
 * URIs.  Then the root is compiled into CfgNode structures: property names
 * sorted in jsonb key order (so an object is checked by one merge pass over
 * its keys), enums pre-sorted, regexes compiled (most patterns also into a
 * bit-parallel automaton, see "Fast patterns"), numeric limits kept as
 * Numeric with their int64 value when they have one.  "$ref" targets are
 * compiled on demand and memoized by location,
 * so recursive schemas become cyclic graphs.  A reference to a URI the
 * registry does not know loads that document with CfgSchemaFetchResource
 * (table cfgmgr.schema_resource).  Finally every chain of in-place
 * applications ("$ref", allOf, anyOf, oneOf, not, if) is checked for
 * cycles, which could never consume input.
 *
 * Validating.  Instance values are JsonbValues read straight from the
 * jsonb containers with a small cursor (no iterator, no palloc while the
 * document is valid).  With no error list the validator returns at the
 * first failure; otherwise it collects every violation with the instance
 * path (a JSON pointer built from a stack only when an error is reported).
 * Combinators evaluate their alternatives silently and report one summary
 * error.  Annotations for unevaluatedProperties/unevaluatedItems (bitmaps
 * of evaluated property/item positions) are only computed below a node
 * that uses them.  The dynamic scope for "$dynamicRef" is a stack of
 * schema resources, kept only when the schema uses "$dynamicRef".
 * Messages never contain string values of the document (they may be
 * secrets); property names and limits from the schema are fine.  A schema
 * object with the annotation "x-message" (a string) that fails has its
 * errors collapsed to one per instance path, carrying that text instead
 * (ApplyMessage); fail-fast validation is unaffected.
 *
 * Caching.  CfgSchemaGetCached keeps up to CFG_SCHEMA_CACHE_MAX compiled
 * schemas per backend, keyed by the schema bytes, in a context under
 * CacheMemoryContext; the whole cache is dropped when cfgmgr's invalidation
 * generation moves (any committed change, including schema_resource rows)
 * or when it is full.  The SQL functions also remember the last schema in
 * fn_extra, so a query validating many rows against one schema compiles it
 * once and then compares the schema argument per row (a literal not even
 * that).  Validation allocates, when it must, in one scratch context that
 * is reset after every document, so long runs do not grow.
 *
 * Not re-entrant: validation never calls back into validation.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_jsonschema.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <limits.h>

#include "access/htup_details.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "port/pg_bitutils.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/syscache.h"

#include "cfg_jsonschema.h"
#include "cfgmgr.h"

/*
 * Append a printf-style message to a StringInfo from inside a variadic
 * function whose last named parameter is fmt (appendStringInfoVA may ask
 * for a larger buffer and a restart of the va_list).
 */
#define CFG_APPEND_FMT(buf, fmt) \
	for (;;) \
	{ \
		va_list		args_; \
		int			needed_; \
		va_start(args_, fmt); \
		needed_ = appendStringInfoVA((buf), (fmt), args_); \
		va_end(args_); \
		if (needed_ == 0) \
			break; \
		enlargeStringInfo((buf), needed_); \
	}

PG_FUNCTION_INFO_V1(cfgmgr_is_valid);
PG_FUNCTION_INFO_V1(cfgmgr_validate_document);
PG_FUNCTION_INFO_V1(cfgmgr_register_schema_resource);

/* GUCs */
int			cfgmgr_schema_default_draft = CFG_DRAFT_2020_12;
bool		cfgmgr_schema_format_assert = true;

static const struct config_enum_entry cfg_draft_options[] = {
	{"2020-12", CFG_DRAFT_2020_12, false},
	{"7", CFG_DRAFT_7, false},
	{NULL, 0, false}
};

#define CFG_SCHEMA_CACHE_MAX	64	/* compiled schemas kept per backend */
#define CFG_MAX_INPLACE			1000	/* schemas applied to one instance
										 * location inside each other */
#define CFG_NO_LIMIT			(-1)	/* absent count limit */
#define CFG_DEFAULT_BASE		"urn:cfgmgr:schema"

/* JSON types of instances; JT_INTEGER only appears in "type" masks */
#define JT_NULL		0x01
#define JT_BOOLEAN	0x02
#define JT_OBJECT	0x04
#define JT_ARRAY	0x08
#define JT_NUMBER	0x10
#define JT_STRING	0x20
#define JT_INTEGER	0x40

/* vocabularies (draft-07 schemas get V_2020_DEFAULT: every keyword) */
#define V_CORE			0x01
#define V_APPLICATOR	0x02
#define V_UNEVALUATED	0x04
#define V_VALIDATION	0x08
#define V_FORMAT_ANN	0x10
#define V_FORMAT_ASSERT 0x20
#define V_METADATA		0x40
#define V_CONTENT		0x80
#define V_ALL			0xFF
#define V_2020_DEFAULT	(V_ALL & ~V_FORMAT_ASSERT)

static const struct
{
	const char *uri;
	int			bit;
}			cfg_vocabularies[] = {
	{"https://json-schema.org/draft/2020-12/vocab/core", V_CORE},
	{"https://json-schema.org/draft/2020-12/vocab/applicator", V_APPLICATOR},
	{"https://json-schema.org/draft/2020-12/vocab/unevaluated", V_UNEVALUATED},
	{"https://json-schema.org/draft/2020-12/vocab/validation", V_VALIDATION},
	{"https://json-schema.org/draft/2020-12/vocab/format-annotation", V_FORMAT_ANN},
	{"https://json-schema.org/draft/2020-12/vocab/format-assertion", V_FORMAT_ASSERT},
	{"https://json-schema.org/draft/2020-12/vocab/meta-data", V_METADATA},
	{"https://json-schema.org/draft/2020-12/vocab/content", V_CONTENT},
};

/* drafts a keyword belongs to */
#define D_2020	0x01
#define D_7		0x02
#define D_BOTH	(D_2020 | D_7)

typedef enum CfgKw
{
	KW_SCHEMA,
	KW_ID,
	KW_REF,
	KW_DYNREF,
	KW_ANCHOR,
	KW_DYNANCHOR,
	KW_DEFS,
	KW_DEFINITIONS,
	KW_TYPE,
	KW_ENUM,
	KW_CONST,
	KW_MULTIPLEOF,
	KW_MAXIMUM,
	KW_EXMAXIMUM,
	KW_MINIMUM,
	KW_EXMINIMUM,
	KW_MAXLENGTH,
	KW_MINLENGTH,
	KW_PATTERN,
	KW_FORMAT,
	KW_ITEMS,
	KW_PREFIXITEMS,
	KW_ADDITIONALITEMS,
	KW_CONTAINS,
	KW_MINCONTAINS,
	KW_MAXCONTAINS,
	KW_MAXITEMS,
	KW_MINITEMS,
	KW_UNIQUEITEMS,
	KW_PROPERTIES,
	KW_PATTERNPROPERTIES,
	KW_ADDITIONALPROPERTIES,
	KW_PROPERTYNAMES,
	KW_REQUIRED,
	KW_DEPENDENTREQUIRED,
	KW_DEPENDENTSCHEMAS,
	KW_DEPENDENCIES,
	KW_MAXPROPERTIES,
	KW_MINPROPERTIES,
	KW_ALLOF,
	KW_ANYOF,
	KW_ONEOF,
	KW_NOT,
	KW_IF,
	KW_THEN,
	KW_ELSE,
	KW_UNEVALPROPS,
	KW_UNEVALITEMS,
	KW_COUNT
} CfgKw;

/* Keyword names, drafts and vocabularies, indexed by CfgKw. */
static const struct
{
	const char *name;
	uint8		drafts;
	uint8		vocab;
}			cfg_kw[KW_COUNT] = {
	[KW_SCHEMA] = {"$schema", D_BOTH, V_CORE},
	[KW_ID] = {"$id", D_BOTH, V_CORE},
	[KW_REF] = {"$ref", D_BOTH, V_CORE},
	[KW_DYNREF] = {"$dynamicRef", D_2020, V_CORE},
	[KW_ANCHOR] = {"$anchor", D_2020, V_CORE},
	[KW_DYNANCHOR] = {"$dynamicAnchor", D_2020, V_CORE},
	[KW_DEFS] = {"$defs", D_2020, V_CORE},
	[KW_DEFINITIONS] = {"definitions", D_7, V_CORE},
	[KW_TYPE] = {"type", D_BOTH, V_VALIDATION},
	[KW_ENUM] = {"enum", D_BOTH, V_VALIDATION},
	[KW_CONST] = {"const", D_BOTH, V_VALIDATION},
	[KW_MULTIPLEOF] = {"multipleOf", D_BOTH, V_VALIDATION},
	[KW_MAXIMUM] = {"maximum", D_BOTH, V_VALIDATION},
	[KW_EXMAXIMUM] = {"exclusiveMaximum", D_BOTH, V_VALIDATION},
	[KW_MINIMUM] = {"minimum", D_BOTH, V_VALIDATION},
	[KW_EXMINIMUM] = {"exclusiveMinimum", D_BOTH, V_VALIDATION},
	[KW_MAXLENGTH] = {"maxLength", D_BOTH, V_VALIDATION},
	[KW_MINLENGTH] = {"minLength", D_BOTH, V_VALIDATION},
	[KW_PATTERN] = {"pattern", D_BOTH, V_VALIDATION},
	[KW_FORMAT] = {"format", D_BOTH, V_FORMAT_ANN | V_FORMAT_ASSERT},
	[KW_ITEMS] = {"items", D_BOTH, V_APPLICATOR},
	[KW_PREFIXITEMS] = {"prefixItems", D_2020, V_APPLICATOR},
	[KW_ADDITIONALITEMS] = {"additionalItems", D_7, V_APPLICATOR},
	[KW_CONTAINS] = {"contains", D_BOTH, V_APPLICATOR},
	[KW_MINCONTAINS] = {"minContains", D_2020, V_VALIDATION},
	[KW_MAXCONTAINS] = {"maxContains", D_2020, V_VALIDATION},
	[KW_MAXITEMS] = {"maxItems", D_BOTH, V_VALIDATION},
	[KW_MINITEMS] = {"minItems", D_BOTH, V_VALIDATION},
	[KW_UNIQUEITEMS] = {"uniqueItems", D_BOTH, V_VALIDATION},
	[KW_PROPERTIES] = {"properties", D_BOTH, V_APPLICATOR},
	[KW_PATTERNPROPERTIES] = {"patternProperties", D_BOTH, V_APPLICATOR},
	[KW_ADDITIONALPROPERTIES] = {"additionalProperties", D_BOTH, V_APPLICATOR},
	[KW_PROPERTYNAMES] = {"propertyNames", D_BOTH, V_APPLICATOR},
	[KW_REQUIRED] = {"required", D_BOTH, V_VALIDATION},
	[KW_DEPENDENTREQUIRED] = {"dependentRequired", D_2020, V_VALIDATION},
	[KW_DEPENDENTSCHEMAS] = {"dependentSchemas", D_2020, V_APPLICATOR},
	[KW_DEPENDENCIES] = {"dependencies", D_7, V_APPLICATOR},
	[KW_MAXPROPERTIES] = {"maxProperties", D_BOTH, V_VALIDATION},
	[KW_MINPROPERTIES] = {"minProperties", D_BOTH, V_VALIDATION},
	[KW_ALLOF] = {"allOf", D_BOTH, V_APPLICATOR},
	[KW_ANYOF] = {"anyOf", D_BOTH, V_APPLICATOR},
	[KW_ONEOF] = {"oneOf", D_BOTH, V_APPLICATOR},
	[KW_NOT] = {"not", D_BOTH, V_APPLICATOR},
	[KW_IF] = {"if", D_BOTH, V_APPLICATOR},
	[KW_THEN] = {"then", D_BOTH, V_APPLICATOR},
	[KW_ELSE] = {"else", D_BOTH, V_APPLICATOR},
	[KW_UNEVALPROPS] = {"unevaluatedProperties", D_2020, V_UNEVALUATED},
	[KW_UNEVALITEMS] = {"unevaluatedItems", D_2020, V_UNEVALUATED},
};

/* ---------------------------------------------------------------------
 * Compiled schema
 * ---------------------------------------------------------------------
 */
/* A number from a schema, with its fast-path value when it has one. */
typedef struct CfgNum
{
	Numeric		num;			/* NULL: keyword absent */
	bool		isint;
	int64		i;
} CfgNum;

typedef struct CfgNode CfgNode;
typedef struct CfgLoc CfgLoc;
typedef struct CfgResource CfgResource;

/* A loaded schema document. */
typedef struct CfgDoc
{
	Jsonb	   *jb;				/* private copy */
	char	   *uri;			/* retrieval URI; NULL for the compiled one */
} CfgDoc;

/*
 * A location in a schema document.  Locations of schema objects in known
 * subschema positions are memoized by container address; others (pointer
 * steps through unknown keywords) are created as references need them.
 */
struct CfgLoc
{
	CfgDoc	   *doc;
	CfgLoc	   *parent;			/* NULL for a document root */
	const char *kw;				/* keyword step before key/index, or NULL */
	const char *key;			/* member name step (not NUL-terminated) */
	int			keylen;
	int			index;			/* array index step when key == NULL, or -1 */
	JsonbValue	val;			/* the schema: jbvBinary or jbvBool */
	char	   *base;			/* base URI in effect (no fragment) */
	CfgResource *res;			/* enclosing schema resource */
	uint8		draft;			/* CfgSchemaDraft */
	uint8		vocab;			/* V_* bits */
	bool		scanned;		/* identifiers registered */
	bool		dialect_pending;	/* reading it as a meta-schema */
	CfgNode    *node;			/* compiled node, once compiled */
};

/* A schema resource: what "$dynamicRef" looks up in the dynamic scope. */
struct CfgResource
{
	char	   *uri;
	int			ndyn;
	int			maxdyn;
	char	  **dyn_names;		/* $dynamicAnchor names */
	CfgLoc	  **dyn_locs;
	CfgNode   **dyn_nodes;		/* compiled when the schema needs them */
};

typedef struct CfgName
{
	const char *name;
	int			len;
} CfgName;

typedef struct CfgProp
{
	const char *name;			/* NUL-terminated copy */
	int			len;
	CfgNode    *node;
} CfgProp;

typedef struct CfgPatProp
{
	CfgRegex   *re;
	struct FastRe *fast;
	CfgNode    *node;
} CfgPatProp;

typedef struct CfgDepReq
{
	const char *name;
	int			len;
	int			nreq;
	CfgName    *req;
} CfgDepReq;

typedef enum CfgNodeKind
{
	NODE_TRUE,
	NODE_FALSE,
	NODE_SCHEMA
} CfgNodeKind;

/* node->flags: keyword families present, for quick dispatch */
#define NF_TYPE		0x0001
#define NF_ENUM		0x0002
#define NF_CONST	0x0004
#define NF_NUMBER	0x0008
#define NF_STRING	0x0010
#define NF_ARRAY	0x0020
#define NF_OBJECT	0x0040
#define NF_INPLACE	0x0080
#define NF_UNEVAL	0x0100
#define NF_OBJITER	0x0200		/* object check walks the instance keys */

struct CfgNode
{
	uint8		kind;			/* CfgNodeKind */
	uint8		types;			/* JT_* mask of "type" */
	uint8		dfs;			/* cycle check state */
	bool		unique_items;
	bool		format_vocab_assert;	/* format-assertion vocabulary */
	uint16		flags;			/* NF_* */
	CfgLoc	   *loc;			/* where it came from, for messages */
	CfgResource *resource;		/* enclosing resource (dynamic scope) */

	/* enum / const */
	int			nenum;
	JsonbValue *enum_vals;		/* non-string members */
	int			nenum_strs;
	CfgName    *enum_strs;		/* string members, jsonb key order */
	JsonbValue	const_val;

	/* numbers */
	CfgNum		multiple_of;
	CfgNum		maximum;
	CfgNum		minimum;
	CfgNum		ex_maximum;
	CfgNum		ex_minimum;

	/* strings */
	int64		max_length;
	int64		min_length;
	CfgRegex   *pattern;
	struct FastRe *pattern_fast;	/* fast form, or NULL */
	const char *pattern_src;
	const char *format;

	/* arrays */
	int			nprefix;
	CfgNode   **prefix;			/* prefixItems (draft-07: items array) */
	CfgNode    *items;			/* items (draft-07: additionalItems) */
	const char *prefix_kw;
	const char *items_kw;
	CfgNode    *contains;
	int64		min_contains;
	int64		max_contains;
	int64		max_items;
	int64		min_items;

	/* objects */
	int			nprops;
	CfgProp    *props;			/* jsonb key order */
	int			npatprops;
	CfgPatProp *patprops;
	CfgNode    *additional_props;
	CfgNode    *property_names;
	int			nrequired;
	CfgName    *required;		/* jsonb key order, no duplicates */
	int			ndepreq;
	CfgDepReq  *depreq;
	int			ndepschemas;
	CfgProp    *depschemas;
	const char *depreq_kw;
	const char *depschemas_kw;
	int64		max_props;
	int64		min_props;

	/* applicators */
	int			nall;
	CfgNode   **all_of;
	int			nany;
	CfgNode   **any_of;
	int			none;
	CfgNode   **one_of;
	CfgNode    *not_;
	CfgNode    *if_;
	CfgNode    *then_;
	CfgNode    *else_;
	CfgNode    *ref;
	CfgNode    *dynref;			/* static target of $dynamicRef */
	const char *dynref_anchor;	/* name looked up in the dynamic scope, or
								 * NULL when it behaves like $ref */
	CfgNode    *uneval_props;
	CfgNode    *uneval_items;

	const char *message;		/* "x-message": replaces this node's errors */
};

struct CfgSchema
{
	CfgNode    *root;
	bool		dynamic;		/* uses $dynamicRef: keep the dynamic scope */
};

/* Compilation state. */
typedef struct CfgCompile
{
	HTAB	   *memo;			/* container address -> CfgLoc */
	HTAB	   *registry;		/* URI (with anchor fragment) -> CfgLoc */
	List	   *resources;		/* CfgResource */
	List	   *nodes;			/* every NODE_SCHEMA node */
	CfgNode    *true_node;
	bool		dynamic;
} CfgCompile;

typedef struct CfgMemoEnt
{
	const void *container;		/* key */
	CfgLoc	   *loc;
} CfgMemoEnt;

typedef struct CfgRegEnt
{
	const char *uri;			/* key */
	CfgLoc	   *loc;
} CfgRegEnt;

/* ---------------------------------------------------------------------
 * jsonb access without iterators
 * ---------------------------------------------------------------------
 */

/* Sequential reader over the children of one container. */
typedef struct JbCursor
{
	JsonbContainer *c;
	char	   *base;			/* start of the children's data */
	int			i;				/* next child */
	uint32		off;			/* data offset of child i */
} JbCursor;

static inline void
JbCursorInit(JbCursor *cur, JsonbContainer *c, int start)
{
	int			n = JsonContainerSize(c);
	int			nentries = JsonContainerIsObject(c) ? 2 * n : n;

	cur->c = c;
	cur->base = (char *) &c->children[nentries];
	cur->i = start;
	cur->off = start > 0 ? getJsonbOffset(c, start) : 0;
}

/* Read the next child into *v (containers as jbvBinary). */
static inline void
JbCursorNext(JbCursor *cur, JsonbValue *v)
{
	JEntry		e = cur->c->children[cur->i];
	uint32		off = cur->off;
	uint32		end = JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : off + JBE_OFFLENFLD(e);

	switch (e & JENTRY_TYPEMASK)
	{
		case JENTRY_ISSTRING:
			v->type = jbvString;
			v->val.string.val = cur->base + off;
			v->val.string.len = end - off;
			break;
		case JENTRY_ISNUMERIC:
			v->type = jbvNumeric;
			v->val.numeric = (Numeric) (cur->base + INTALIGN(off));
			break;
		case JENTRY_ISBOOL_FALSE:
			v->type = jbvBool;
			v->val.boolean = false;
			break;
		case JENTRY_ISBOOL_TRUE:
			v->type = jbvBool;
			v->val.boolean = true;
			break;
		case JENTRY_ISNULL:
			v->type = jbvNull;
			break;
		default:
			v->type = jbvBinary;
			v->val.binary.data = (JsonbContainer *) (cur->base + INTALIGN(off));
			v->val.binary.len = end - INTALIGN(off);
			break;
	}
	cur->off = end;
	cur->i++;
}

/* Read the next key of an object (keys are always strings). */
static inline void
JbCursorNextKey(JbCursor *cur, JsonbValue *v)
{
	JEntry		e = cur->c->children[cur->i];
	uint32		end = JBE_HAS_OFF(e) ? JBE_OFFLENFLD(e) : cur->off + JBE_OFFLENFLD(e);

	v->type = jbvString;
	v->val.string.val = cur->base + cur->off;
	v->val.string.len = end - cur->off;
	cur->off = end;
	cur->i++;
}

/* The document's top-level value. */
static void
JbRootValue(Jsonb *jb, JsonbValue *v)
{
	if (JB_ROOT_IS_SCALAR(jb))
	{
		JbCursor	cur;

		JbCursorInit(&cur, &jb->root, 0);
		JbCursorNext(&cur, v);
	}
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = &jb->root;
		v->val.binary.len = VARSIZE(jb) - VARHDRSZ;
	}
}

static inline bool
JbIsObject(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data);
}

static inline bool
JbIsArray(const JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data);
}

/* JT_* of an instance value. */
static inline int
JbKind(const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			return JT_NULL;
		case jbvBool:
			return JT_BOOLEAN;
		case jbvNumeric:
			return JT_NUMBER;
		case jbvString:
			return JT_STRING;
		default:
			return JsonContainerIsObject(v->val.binary.data) ? JT_OBJECT : JT_ARRAY;
	}
}

/* Order of keys in a jsonb object: by length, then bytes. */
static inline int
JbKeyCmp(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	/* most names differ in their first byte: skip the call */
	if (alen > 0 && a[0] != b[0])
		return (unsigned char) a[0] < (unsigned char) b[0] ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
CfgNameCmp(const void *a, const void *b)
{
	const CfgName *x = a;
	const CfgName *y = b;

	return JbKeyCmp(x->name, x->len, y->name, y->len);
}

static inline int
NumCmp(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/* A number with zero fraction (1.0 is an integer). */
static inline bool
NumIsIntegral(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall1(numeric_min_scale,
											 NumericGetDatum(n))) == 0;
}

/*
 * Fast path for numbers: the exact int64 value of a numeric without
 * fraction and with |value| < 10^16, read from its stored base-10000
 * digits.  Anything else (fractions, huge values) takes the numeric
 * functions.  The stored layout belongs to numeric.c; it is stable on disk,
 * and CfgNumericInit checks it once per backend and leaves this path off
 * if it ever differs.
 */
static bool cfg_fastnum = false;

static bool
NumFastInt(Numeric num, int64 *out)
{
	const char *p = VARDATA_ANY(num);
	int			len = VARSIZE_ANY_EXHDR(num);
	const char *digits;
	uint16		h;
	int16		w = 0;
	int			weight;
	int			ndigits;
	bool		neg;
	int64		v = 0;

	memcpy(&h, p, sizeof(uint16));
	if ((h & 0xC000) == 0x8000)
	{
		/* short format: sign, display scale and weight in the header */
		neg = (h & 0x2000) != 0;
		weight = (h & 0x0040) ? (int) (h & 0x003F) - 64 : (int) (h & 0x003F);
		digits = p + sizeof(uint16);
	}
	else
	{
		/* long format: sign and display scale, then an int16 weight */
		neg = (h & 0x4000) != 0;
		if (len >= (int) (2 * sizeof(int16)))
			memcpy(&w, p + sizeof(uint16), sizeof(int16));
		weight = w;
		digits = p + sizeof(uint16) + sizeof(int16);
	}
	ndigits = (len - (digits - p)) / (int) sizeof(int16);
	/* NaN and infinities (0xC000) have no digits to read */
	if (!cfg_fastnum || (h & 0xC000) == 0xC000 ||
		(ndigits > 0 && (weight > 3 || weight < ndigits - 1)))
		return false;
	/* value = sum of digit[i] * 10000^(weight - i); absent digits are 0 */
	for (int i = 0; ndigits > 0 && i <= weight; i++)
	{
		int16		d = 0;

		if (i < ndigits)
			memcpy(&d, digits + i * sizeof(int16), sizeof(int16));
		v = v * 10000 + d;
	}
	*out = neg ? -v : v;
	return true;
}

static inline int
CfgNumCmp(const CfgNum *a, const CfgNum *b)
{
	if (a->isint && b->isint)
		return (a->i > b->i) - (a->i < b->i);
	return NumCmp(a->num, b->num);
}

static inline void
CfgNumSet(CfgNum *n, Numeric num)
{
	n->num = num;
	n->isint = NumFastInt(num, &n->i);
}

static bool
NumFastCheck(const char *text, bool isint, int64 expect)
{
	Numeric		n = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
														ObjectIdGetDatum(InvalidOid),
														Int32GetDatum(-1)));
	int64		v = 0;

	return NumFastInt(n, &v) == isint && v == expect;
}

/* Turn the fast path on if it reads numerics exactly as numeric.c does. */
static void
CfgNumericInit(void)
{
	cfg_fastnum = true;
	cfg_fastnum = NumFastCheck("0", true, 0) && NumFastCheck("0.000", true, 0) &&
		NumFastCheck("-42", true, -42) && NumFastCheck("65535", true, 65535) &&
		NumFastCheck("100.00", true, 100) && NumFastCheck("20000", true, 20000) &&
		NumFastCheck("-9999999999999999", true, INT64CONST(-9999999999999999)) &&
		NumFastCheck("7.00000000000000000000000000000000000000000000000000000000000000000000", true, 7) &&
		NumFastCheck("-3e12", true, INT64CONST(-3000000000000)) &&
		NumFastCheck("1.5", false, 0) && NumFastCheck("1e16", false, 0) &&
		NumFastCheck("0.0001", false, 0);
}

/*
 * JSON equality: numbers by value (1 == 1.0), objects regardless of key
 * order (jsonb keeps keys sorted, so pairwise comparison suffices), arrays
 * in order.
 */
static bool
JbEqual(const JsonbValue *a, const JsonbValue *b)
{
	JsonbContainer *ca;
	JsonbContainer *cb;
	JbCursor	xa;
	JbCursor	xb;
	int			n;

	if (a->type != b->type)
		return false;
	switch (a->type)
	{
		case jbvNull:
			return true;
		case jbvBool:
			return a->val.boolean == b->val.boolean;
		case jbvNumeric:
			{
				CfgNum		x;
				CfgNum		y;

				CfgNumSet(&x, a->val.numeric);
				CfgNumSet(&y, b->val.numeric);
				return CfgNumCmp(&x, &y) == 0;
			}
		case jbvString:
			return a->val.string.len == b->val.string.len &&
				memcmp(a->val.string.val, b->val.string.val, a->val.string.len) == 0;
		default:
			break;
	}
	ca = a->val.binary.data;
	cb = b->val.binary.data;
	if ((ca->header & (JB_FOBJECT | JB_FARRAY)) != (cb->header & (JB_FOBJECT | JB_FARRAY)) ||
		JsonContainerSize(ca) != JsonContainerSize(cb))
		return false;
	check_stack_depth();
	n = JsonContainerIsObject(ca) ? 2 * JsonContainerSize(ca) : JsonContainerSize(ca);
	JbCursorInit(&xa, ca, 0);
	JbCursorInit(&xb, cb, 0);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	va;
		JsonbValue	vb;

		JbCursorNext(&xa, &va);
		JbCursorNext(&xb, &vb);
		if (!JbEqual(&va, &vb))
			return false;
	}
	return true;
}

/* Hash consistent with JbEqual. */
static uint32
JbHash(const JsonbValue *v)
{
	JbCursor	cur;
	uint32		h;
	int			n;

	switch (v->type)
	{
		case jbvNull:
			return 0x9e3779b9;
		case jbvBool:
			return v->val.boolean ? 0x85ebca6b : 0xc2b2ae35;
		case jbvNumeric:
			return DatumGetUInt32(DirectFunctionCall1(hash_numeric,
													  NumericGetDatum(v->val.numeric)));
		case jbvString:
			return hash_bytes((const unsigned char *) v->val.string.val, v->val.string.len);
		default:
			break;
	}
	check_stack_depth();
	h = v->val.binary.data->header & (JB_FOBJECT | JB_FARRAY | JB_CMASK);
	n = JsonContainerIsObject(v->val.binary.data) ? 2 * JsonContainerSize(v->val.binary.data)
		: JsonContainerSize(v->val.binary.data);
	JbCursorInit(&cur, v->val.binary.data, 0);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	c;

		JbCursorNext(&cur, &c);
		h = hash_combine(h, JbHash(&c));
	}
	return h;
}

/* numeric constants, allocated once per backend in TopMemoryContext */
static Numeric cfg_zero = NULL;
static Numeric cfg_int32_max = NULL;

/* ---------------------------------------------------------------------
 * Fast patterns
 *
 * Most "pattern"s in configuration schemas are regular expressions in the
 * strict sense: literals, classes, groups, alternation and quantifiers,
 * optionally between ^ and $ ("^[a-z0-9]([a-z0-9-]*[a-z0-9])?$").  Such a
 * pattern with at most 64 character positions (counted repetitions
 * expanded) is also compiled here, into a Glushkov automaton whose state
 * set is one 64-bit word, and an all-ASCII string is matched in one pass:
 * the states after a character are the successors of the current states
 * whose class contains it.  Without backreferences or lookaround a match
 * exists exactly when ECMA-262 backtracking would find one, so the answer
 * equals CfgRegexMatch's at a fraction of the cost and with no risk of
 * exponential time.  Everything else (other syntax, more positions,
 * non-ASCII strings) goes to CfgRegexMatch.
 * ---------------------------------------------------------------------
 */
#define RX_MAX_POS	64

typedef enum RxKind
{
	RX_EMPTY,
	RX_SET,
	RX_CAT,
	RX_ALT,
	RX_REP
} RxKind;

/* Parsed pattern. */
typedef struct RxNode
{
	RxKind		kind;
	uint64		cls[2];			/* RX_SET: the ASCII characters matched */
	struct RxNode *a;			/* RX_CAT, RX_ALT: both; RX_REP: a */
	struct RxNode *b;
	int			min;			/* RX_REP */
	int			max;			/* RX_REP, -1: unbounded */
} RxNode;

typedef struct RxParse
{
	const char *p;
	int			len;
	int			i;
	bool		top_alt;		/* "|" outside any group */
} RxParse;

/* First, last and nullable of a subexpression (Glushkov sets). */
typedef struct RxFrag
{
	bool		nullable;
	uint64		first;
	uint64		last;
} RxFrag;

typedef struct FastRe
{
	bool		anchor_start;
	bool		anchor_end;
	bool		nullable;
	int			npos;
	uint64		first;
	uint64		last;
	uint64		follow[RX_MAX_POS];
	uint64		bychar[128];	/* positions whose class holds the character */
} FastRe;

/* characters that "\x" turns into literals */
#define RX_PUNCT "^$\\.*+?()[]{}|/-"

static RxNode *
RxNew(RxKind kind, RxNode *a, RxNode *b)
{
	RxNode	   *n = palloc0(sizeof(RxNode));

	n->kind = kind;
	n->a = a;
	n->b = b;
	return n;
}

static inline void
RxSetRange(RxNode *n, int lo, int hi)
{
	for (int c = lo; c <= hi; c++)
		n->cls[c >> 6] |= UINT64CONST(1) << (c & 63);
}

/* \d \w \s \D \W \S or an escaped literal, added to n's class */
static bool
RxEscape(RxNode *n, char c)
{
	RxNode		t;
	bool		negate = (c == 'D' || c == 'W' || c == 'S');

	memset(&t, 0, sizeof(t));
	switch (negate ? c + ('a' - 'A') : c)
	{
		case 'd':
			RxSetRange(&t, '0', '9');
			break;
		case 'w':
			RxSetRange(&t, '0', '9');
			RxSetRange(&t, 'A', 'Z');
			RxSetRange(&t, 'a', 'z');
			RxSetRange(&t, '_', '_');
			break;
		case 's':
			RxSetRange(&t, '\t', '\r');
			RxSetRange(&t, ' ', ' ');
			break;
		default:
			/* \b, \1, \n, \u..., \p{...} and the like: not here */
			if (strchr(RX_PUNCT, c) == NULL)
				return false;
			RxSetRange(&t, (unsigned char) c, (unsigned char) c);
			break;
	}
	n->cls[0] |= negate ? ~t.cls[0] : t.cls[0];
	n->cls[1] |= negate ? ~t.cls[1] : t.cls[1];
	return true;
}

/* A class member that can end a range (plain or escaped), or -1. */
static int
RxClassChar(RxParse *ps)
{
	unsigned char c = ps->p[ps->i];

	if (c == '\\')
	{
		c = ps->i + 1 < ps->len ? ps->p[ps->i + 1] : 'b';
		ps->i += 2;
		return strchr(RX_PUNCT, c) ? c : -1;
	}
	ps->i++;
	return (c < 0x20 || c >= 0x7f) ? -1 : c;
}

/* "[...]" (the pattern already compiled, so it is terminated) */
static bool
RxClass(RxParse *ps, RxNode *n)
{
	bool		negate = (ps->i + 1 < ps->len && ps->p[ps->i + 1] == '^');

	ps->i += negate ? 2 : 1;
	/* [] and [^] (nothing, anything) are left to the real engine */
	if (ps->i >= ps->len || ps->p[ps->i] == ']')
		return false;
	while (ps->i < ps->len && ps->p[ps->i] != ']')
	{
		int			lo;
		int			hi;

		if (ps->p[ps->i] == '\\' && ps->i + 1 < ps->len && strchr("dwsDWS", ps->p[ps->i + 1]))
		{
			/* \D \W \S inside a class: rare, not here */
			if (!islower((unsigned char) ps->p[ps->i + 1]))
				return false;
			(void) RxEscape(n, ps->p[ps->i + 1]);
			ps->i += 2;
			continue;
		}
		if ((lo = RxClassChar(ps)) < 0)
			return false;
		hi = lo;
		if (ps->i + 1 < ps->len && ps->p[ps->i] == '-' && ps->p[ps->i + 1] != ']')
		{
			ps->i++;
			if ((hi = RxClassChar(ps)) < lo)
				return false;
		}
		RxSetRange(n, lo, hi);
	}
	ps->i++;
	if (negate)
	{
		n->cls[0] = ~n->cls[0];
		n->cls[1] = ~n->cls[1];
	}
	return true;
}

/* {n}, {n,}, {n,m} at the current position */
static bool
RxBraces(RxParse *ps, RxNode *n)
{
	int			j = ps->i + 1;
	int			start = j;
	int			lo = 0;
	int			hi;

	for (; j < ps->len && isdigit((unsigned char) ps->p[j]) && lo <= RX_MAX_POS; j++)
		lo = lo * 10 + (ps->p[j] - '0');
	hi = lo;
	if (j < ps->len && ps->p[j] == ',')
	{
		hi = (j + 1 < ps->len && isdigit((unsigned char) ps->p[j + 1])) ? 0 : -1;
		for (j++; j < ps->len && isdigit((unsigned char) ps->p[j]) && hi <= RX_MAX_POS; j++)
			hi = hi * 10 + (ps->p[j] - '0');
	}
	n->min = lo;
	n->max = hi;
	ps->i = j + 1;
	/* more than RX_MAX_POS repetitions can never fit: not here */
	return j > start && j < ps->len && ps->p[j] == '}' && lo <= RX_MAX_POS && hi <= RX_MAX_POS;
}

static RxNode *RxParseAlt(RxParse *ps, int depth);

static RxNode *
RxParseAtom(RxParse *ps, int depth)
{
	unsigned char c = ps->p[ps->i];
	RxNode	   *n = RxNew(RX_SET, NULL, NULL);
	bool		ok = true;

	if (c == '(')
	{
		/* plain and (?:...) groups; lookaround and named groups are not here */
		if (ps->i + 1 < ps->len && ps->p[ps->i + 1] == '?')
		{
			ok = ps->i + 2 < ps->len && ps->p[ps->i + 2] == ':';
			ps->i += 2;
		}
		ps->i++;
		n = ok ? RxParseAlt(ps, depth + 1) : NULL;
		if (n == NULL || ps->i >= ps->len || ps->p[ps->i] != ')')
			return NULL;
		ps->i++;
		return n;
	}
	if (c == '.')
	{
		RxSetRange(n, 0, 127);
		n->cls[0] &= ~((UINT64CONST(1) << '\n') | (UINT64CONST(1) << '\r'));
		ps->i++;
	}
	else if (c == '\\')
	{
		ok = ps->i + 1 < ps->len && RxEscape(n, ps->p[ps->i + 1]);
		ps->i += 2;
	}
	else if (c == '[')
		ok = RxClass(ps, n);
	else
	{
		/* inner anchors, non-ASCII, controls: not here */
		ok = !(c < 0x20 || c >= 0x7f || strchr("^$|()]{}*+?", c));
		if (ok)
			RxSetRange(n, c, c);
		ps->i++;
	}
	return ok ? n : NULL;
}

static RxNode *
RxParseQuant(RxParse *ps, int depth)
{
	RxNode	   *atom = RxParseAtom(ps, depth);
	RxNode	   *rep;
	char		q;

	if (atom == NULL || ps->i >= ps->len || !strchr("*+?{", ps->p[ps->i]))
		return atom;
	q = ps->p[ps->i];
	rep = RxNew(RX_REP, atom, NULL);
	rep->min = q == '+' ? 1 : 0;
	rep->max = q == '?' ? 1 : -1;
	if (q == '{' ? !RxBraces(ps, rep) : (ps->i++, false))
		return NULL;
	/* lazy quantifiers match the same strings */
	if (ps->i < ps->len && ps->p[ps->i] == '?')
		ps->i++;
	return rep;
}

static RxNode *
RxParseAlt(RxParse *ps, int depth)
{
	RxNode	   *alt = NULL;

	check_stack_depth();
	for (;;)
	{
		RxNode	   *seq = RxNew(RX_EMPTY, NULL, NULL);

		while (ps->i < ps->len && ps->p[ps->i] != '|' && ps->p[ps->i] != ')')
		{
			RxNode	   *q = RxParseQuant(ps, depth);

			if (q == NULL)
				return NULL;
			seq = RxNew(RX_CAT, seq, q);
		}
		alt = alt ? RxNew(RX_ALT, alt, seq) : seq;
		if (ps->i >= ps->len || ps->p[ps->i] != '|')
			return alt;
		ps->top_alt |= (depth == 0);
		ps->i++;
	}
}

/* follow(p) |= to, for every position p in from */
static void
RxLink(FastRe *re, uint64 from, uint64 to)
{
	while (from)
	{
		int			p = pg_rightmost_one_pos64(from);

		re->follow[p] |= to;
		from &= from - 1;
	}
}

/* out := out followed by f */
static void
RxConcat(FastRe *re, RxFrag *out, const RxFrag *f)
{
	RxLink(re, out->last, f->first);
	out->first |= out->nullable ? f->first : 0;
	out->last = f->last | (f->nullable ? out->last : 0);
	out->nullable &= f->nullable;
}

/* Positions for n (a fresh copy each call); false beyond RX_MAX_POS. */
static bool
RxBuild(FastRe *re, const RxNode *n, RxFrag *out)
{
	RxFrag		a;
	RxFrag		b;

	check_stack_depth();
	memset(out, 0, sizeof(RxFrag));
	out->nullable = true;
	switch (n->kind)
	{
		case RX_EMPTY:
			return true;
		case RX_SET:
			if (re->npos == RX_MAX_POS)
				return false;
			for (int c = 0; c < 128; c++)
				if ((n->cls[c >> 6] >> (c & 63)) & 1)
					re->bychar[c] |= UINT64CONST(1) << re->npos;
			out->nullable = false;
			out->first = out->last = UINT64CONST(1) << re->npos++;
			return true;
		case RX_CAT:
			if (!RxBuild(re, n->a, out) || !RxBuild(re, n->b, &b))
				return false;
			RxConcat(re, out, &b);
			return true;
		case RX_ALT:
			if (!RxBuild(re, n->a, &a) || !RxBuild(re, n->b, &b))
				return false;
			out->nullable = a.nullable || b.nullable;
			out->first = a.first | b.first;
			out->last = a.last | b.last;
			return true;
		default:
			/* RX_REP: min copies, then max - min optional ones or a loop */
			for (int k = 0; k < (n->max < 0 ? Max(n->min, 1) : n->max); k++)
			{
				if (!RxBuild(re, n->a, &a))
					return false;
				if (n->max < 0 && k == Max(n->min, 1) - 1)
					RxLink(re, a.last, a.first);
				a.nullable |= (k >= n->min);
				RxConcat(re, out, &a);
			}
			return true;
	}
}

/* The fast form of an ECMA-262 pattern, or NULL. */
static FastRe *
FastReCompile(const char *p, int len)
{
	FastRe	   *re = palloc0(sizeof(FastRe));
	RxParse		ps = {p, len, 0, false};
	RxNode	   *root;
	RxFrag		f;
	int			bs = 0;

	re->anchor_start = len > 0 && p[0] == '^';
	ps.i = re->anchor_start ? 1 : 0;
	/* a final "$" is an anchor unless escaped */
	while (len - 2 - bs >= 0 && p[len - 2 - bs] == '\\')
		bs++;
	re->anchor_end = len > ps.i && p[len - 1] == '$' && bs % 2 == 0;
	ps.len = re->anchor_end ? len - 1 : len;
	root = RxParseAlt(&ps, 0);
	/* "^a|b$" anchors one alternative only; ")" without "(" */
	if (root == NULL || ps.i < ps.len || (ps.top_alt && (re->anchor_start || re->anchor_end)) ||
		!RxBuild(re, root, &f))
		return NULL;
	re->nullable = f.nullable;
	re->first = f.first;
	re->last = f.last;
	return re;
}

/* Does the all-ASCII string s contain a match of re? */
static bool
FastReMatch(const FastRe *re, const char *s, int len)
{
	uint64		cur = 0;

	/* the empty string matches somewhere allowed by the anchors */
	if (re->nullable && (!re->anchor_start || !re->anchor_end || len == 0))
		return true;
	for (int i = 0; i < len; i++)
	{
		uint64		next = (re->anchor_start && i > 0) ? 0 : re->first;

		if ((i & 0xFFFF) == 0)
			CHECK_FOR_INTERRUPTS();

		for (uint64 d = cur; d; d &= d - 1)
			next |= re->follow[pg_rightmost_one_pos64(d)];
		cur = next & re->bychar[(unsigned char) s[i]];
		if (!re->anchor_end && (cur & re->last))
			return true;
		if (cur == 0 && re->anchor_start)
			return false;
	}
	return (cur & re->last) != 0;
}

/* Unanchored ECMA-262 search, through the fast form when possible. */
static bool
RegexTest(CfgRegex *re, const FastRe *fast, const char *s, int len)
{
	if (fast)
	{
		int			i = 0;

		while (i < len && (unsigned char) s[i] < 0x80)
			i++;
		if (i == len)
			return FastReMatch(fast, s, len);
	}
	return CfgRegexMatch(re, s, len);
}

/* ---------------------------------------------------------------------
 * URIs (RFC 3986)
 * ---------------------------------------------------------------------
 */
typedef struct CfgUri
{
	const char *scheme;			/* NULL when absent */
	int			scheme_len;
	const char *auth;			/* NULL when absent ("//" missing) */
	int			auth_len;
	const char *path;
	int			path_len;
	const char *query;			/* NULL when absent */
	int			query_len;
	const char *frag;			/* NULL when absent */
	int			frag_len;
} CfgUri;

static void
UriParse(const char *s, CfgUri *u)
{
	const char *p = s;
	int			i = 0;

	memset(u, 0, sizeof(CfgUri));
	while (s[i] && s[i] != ':' && s[i] != '/' && s[i] != '?' && s[i] != '#')
		i++;
	if (s[i] == ':' && i > 0)
	{
		u->scheme = s;
		u->scheme_len = i;
		p = s + i + 1;
	}
	if (p[0] == '/' && p[1] == '/')
	{
		p += 2;
		u->auth = p;
		while (*p && *p != '/' && *p != '?' && *p != '#')
			p++;
		u->auth_len = p - u->auth;
	}
	u->path = p;
	while (*p && *p != '?' && *p != '#')
		p++;
	u->path_len = p - u->path;
	if (*p == '?')
	{
		u->query = ++p;
		while (*p && *p != '#')
			p++;
		u->query_len = p - u->query;
	}
	if (*p == '#')
	{
		u->frag = p + 1;
		u->frag_len = strlen(p + 1);
	}
}

/* RFC 3986 5.2.4: remove "." and ".." segments from path (in place). */
static void
UriRemoveDots(StringInfo out, const char *path, int len)
{
	const char *p = path;
	const char *end = path + len;

	while (p < end)
	{
		if (end - p >= 3 && strncmp(p, "../", 3) == 0)
			p += 3;
		else if (end - p >= 2 && strncmp(p, "./", 2) == 0)
			p += 2;
		else if (end - p >= 3 && strncmp(p, "/./", 3) == 0)
			p += 2;
		else if (end - p == 2 && strncmp(p, "/.", 2) == 0)
		{
			appendStringInfoChar(out, '/');
			p += 2;
		}
		else if ((end - p >= 4 && strncmp(p, "/../", 4) == 0) ||
				 (end - p == 3 && strncmp(p, "/..", 3) == 0))
		{
			char	   *slash;

			p += 3;
			out->data[out->len] = '\0';
			slash = strrchr(out->data, '/');
			out->len = slash ? slash - out->data : 0;
			out->data[out->len] = '\0';
			if (p == end)
				appendStringInfoChar(out, '/');
		}
		else if ((end - p == 1 && *p == '.') || (end - p == 2 && strncmp(p, "..", 2) == 0))
			p = end;
		else
		{
			const char *q = p + 1;

			while (q < end && *q != '/')
				q++;
			appendBinaryStringInfo(out, p, q - p);
			p = q;
		}
	}
}

/*
 * Resolve reference ref against base (RFC 3986 5.2.2); palloc'd result,
 * normalized so that an empty path after an authority is "/" (6.2.3).
 */
static char *
UriResolve(const char *base, const char *ref)
{
	CfgUri		b;
	CfgUri		r;
	StringInfoData out;
	const CfgUri *s;			/* scheme from */
	const CfgUri *a;			/* authority from */
	const CfgUri *q;			/* query from */
	int			path_at;

	UriParse(base, &b);
	UriParse(ref, &r);
	s = r.scheme ? &r : &b;
	a = (r.scheme || r.auth) ? &r : &b;
	initStringInfo(&out);
	if (s->scheme)
		appendBinaryStringInfo(&out, s->scheme, s->scheme_len + 1);
	if (a->auth)
	{
		appendStringInfoString(&out, "//");
		appendBinaryStringInfo(&out, a->auth, a->auth_len);
	}
	path_at = out.len;
	q = &r;
	if (a == &r || (r.path_len > 0 && r.path[0] == '/'))
		UriRemoveDots(&out, r.path, r.path_len);
	else if (r.path_len == 0)
	{
		appendBinaryStringInfo(&out, b.path, b.path_len);
		q = r.query ? &r : &b;
	}
	else
	{
		/* merge: the base path up to its last "/", then the reference */
		StringInfoData merged;
		const char *slash = NULL;

		initStringInfo(&merged);
		for (int i = 0; i < b.path_len; i++)
			if (b.path[i] == '/')
				slash = b.path + i;
		/* (bases are normalized: with an authority, the path is not empty) */
		if (slash)
			appendBinaryStringInfo(&merged, b.path, slash - b.path + 1);
		appendBinaryStringInfo(&merged, r.path, r.path_len);
		UriRemoveDots(&out, merged.data, merged.len);
	}
	if (a->auth && out.len == path_at)
		appendStringInfoChar(&out, '/');
	if (q->query)
	{
		appendStringInfoChar(&out, '?');
		appendBinaryStringInfo(&out, q->query, q->query_len);
	}
	if (r.frag)
	{
		appendStringInfoChar(&out, '#');
		appendBinaryStringInfo(&out, r.frag, r.frag_len);
	}
	return out.data;
}

/*
 * Split a URI into the part before '#' (returned, palloc'd) and the
 * fragment (*frag, NULL when there is none).
 */
static char *
UriSplit(const char *uri, const char **frag)
{
	const char *hash = strchr(uri, '#');

	if (hash == NULL)
	{
		*frag = NULL;
		return pstrdup(uri);
	}
	*frag = hash + 1;
	return pnstrdup(uri, hash - uri);
}

/* Percent-decode a URI fragment. */
static char *
UriDecode(const char *s)
{
	StringInfoData out;

	initStringInfo(&out);
	for (const char *p = s; *p; p++)
	{
		if (p[0] == '%' && isxdigit((unsigned char) p[1]) && isxdigit((unsigned char) p[2]))
		{
			char		hex[3] = {p[1], p[2], '\0'};

			appendStringInfoChar(&out, (char) strtol(hex, NULL, 16));
			p += 2;
		}
		else
			appendStringInfoChar(&out, *p);
	}
	return out.data;
}

/* An absolute URI: scheme ":" ..., with a syntactically valid scheme. */
static bool
UriIsAbsolute(const char *s)
{
	CfgUri		u;

	UriParse(s, &u);
	if (u.scheme == NULL || !isalpha((unsigned char) s[0]))
		return false;
	for (int i = 1; i < u.scheme_len; i++)
		if (!isalnum((unsigned char) s[i]) && s[i] != '+' && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

/* ---------------------------------------------------------------------
 * Schema locations and error reports
 * ---------------------------------------------------------------------
 */

/* Append a JSON pointer reference token, escaping '~' and '/'. */
static void
PtrAppendToken(StringInfo buf, const char *s, int len)
{
	appendStringInfoChar(buf, '/');
	for (int i = 0; i < len; i++)
	{
		if (s[i] == '~')
			appendStringInfoString(buf, "~0");
		else if (s[i] == '/')
			appendStringInfoString(buf, "~1");
		else
			appendStringInfoChar(buf, s[i]);
	}
}

static void
LocAppend(StringInfo buf, const CfgLoc *loc)
{
	if (loc->parent == NULL)
	{
		if (loc->doc->uri)
			appendStringInfo(buf, "%s#", loc->doc->uri);
		return;
	}
	check_stack_depth();
	LocAppend(buf, loc->parent);
	if (loc->kw)
		PtrAppendToken(buf, loc->kw, strlen(loc->kw));
	if (loc->key)
		PtrAppendToken(buf, loc->key, loc->keylen);
	else if (loc->index >= 0)
		appendStringInfo(buf, "/%d", loc->index);
}

/* JSON pointer (prefixed by the document URI outside the compiled one). */
static char *
LocString(const CfgLoc *loc, const char *kw)
{
	StringInfoData buf;

	initStringInfo(&buf);
	LocAppend(&buf, loc);
	if (kw)
		PtrAppendToken(&buf, kw, strlen(kw));
	return buf.data;
}

/* Raise "invalid JSON Schema" for the keyword kw (or NULL) at loc. */
static void
pg_attribute_printf(3, 4) pg_attribute_noreturn()
SchemaError(const CfgLoc *loc, const char *kw, const char *fmt,...)
{
	char	   *where = LocString(loc, kw);
	StringInfoData msg;

	initStringInfo(&msg);
	CFG_APPEND_FMT(&msg, fmt);
	if (where[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("At the schema root: %s.", msg.data)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid JSON Schema"),
			 errdetail("At \"%s\": %s.", where, msg.data)));
}

/* ---------------------------------------------------------------------
 * Compiler: registry, memo, scanning
 * ---------------------------------------------------------------------
 */
typedef struct CfgKwSlots
{
	bool		present[KW_COUNT];
	JsonbValue	val[KW_COUNT];
} CfgKwSlots;

/* Collect the keywords of a schema object by name. */
static void
KwCollect(JsonbContainer *c, CfgKwSlots *s)
{
	int			n = JsonContainerSize(c);
	JbCursor	kc;
	JbCursor	vc;

	memset(s->present, 0, sizeof(s->present));
	JbCursorInit(&kc, c, 0);
	JbCursorInit(&vc, c, n);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	k;
		JsonbValue	v;

		JbCursorNextKey(&kc, &k);
		JbCursorNext(&vc, &v);
		for (int kw = 0; kw < KW_COUNT; kw++)
		{
			if (strlen(cfg_kw[kw].name) == (size_t) k.val.string.len &&
				memcmp(cfg_kw[kw].name, k.val.string.val, k.val.string.len) == 0)
			{
				s->present[kw] = true;
				s->val[kw] = v;
				break;
			}
		}
	}
}

/* Does keyword kw apply at loc (its draft and vocabularies)? */
static inline bool
KwActive(const CfgLoc *loc, int kw)
{
	int			d = loc->draft == CFG_DRAFT_7 ? D_7 : D_2020;

	return (cfg_kw[kw].drafts & d) && (cfg_kw[kw].vocab & (loc->vocab | V_CORE));
}

static uint32
RegHash(const void *key, Size keysize)
{
	const char *s = *(const char *const *) key;

	return hash_bytes((const unsigned char *) s, strlen(s));
}

static int
RegMatch(const void *a, const void *b, Size keysize)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static CfgLoc *
RegGet(CfgCompile *cc, const char *uri)
{
	CfgRegEnt  *e = hash_search(cc->registry, &uri, HASH_FIND, NULL);

	return e ? e->loc : NULL;
}

/* Register uri for loc; the first registration of a URI wins. */
static void
RegPut(CfgCompile *cc, const char *uri, CfgLoc *loc)
{
	bool		found;
	CfgRegEnt  *e = hash_search(cc->registry, &uri, HASH_ENTER, &found);

	if (!found)
	{
		e->uri = pstrdup(uri);
		e->loc = loc;
	}
}

static CfgLoc *
LocNew(CfgDoc *doc, CfgLoc *parent, const char *kw, const char *key, int keylen,
	   int index, const JsonbValue *val)
{
	CfgLoc	   *loc = palloc0(sizeof(CfgLoc));

	loc->doc = doc;
	loc->parent = parent;
	loc->kw = kw;
	loc->key = key;
	loc->keylen = keylen;
	loc->index = index;
	loc->val = *val;
	if (parent)
	{
		loc->base = parent->base;
		loc->res = parent->res;
		loc->draft = parent->draft;
		loc->vocab = parent->vocab;
	}
	return loc;
}

/* The memoized location of a child schema, or a new one. */
static CfgLoc *
LocFor(CfgCompile *cc, CfgLoc *parent, const char *kw, const char *key, int keylen,
	   int index, const JsonbValue *v)
{
	if (v->type == jbvBinary)
	{
		CfgMemoEnt *me = hash_search(cc->memo, &v->val.binary.data, HASH_FIND, NULL);

		if (me)
			return me->loc;
	}
	return LocNew(parent->doc, parent, kw, key, keylen, index, v);
}

static CfgResource *
ResourceNew(CfgCompile *cc, const char *uri)
{
	CfgResource *r = palloc0(sizeof(CfgResource));

	r->uri = pstrdup(uri);
	cc->resources = lappend(cc->resources, r);
	return r;
}

/* Validate an $anchor / $dynamicAnchor value; returns the name. */
static char *
AnchorName(const CfgLoc *loc, int kw, const JsonbValue *v)
{
	char	   *name;

	if (v->type != jbvString)
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be a string", cfg_kw[kw].name);
	name = pnstrdup(v->val.string.val, v->val.string.len);
	for (int i = 0; name[i]; i++)
	{
		if (!(isalpha((unsigned char) name[i]) || name[i] == '_' ||
			  (i > 0 && (isdigit((unsigned char) name[i]) || name[i] == '-' || name[i] == '.'))))
			SchemaError(loc, cfg_kw[kw].name, "invalid anchor name \"%s\"", name);
	}
	if (name[0] == '\0')
		SchemaError(loc, cfg_kw[kw].name, "invalid anchor name \"\"");
	return name;
}

static void
RegAnchor(CfgCompile *cc, CfgLoc *loc, const char *base, const char *name)
{
	RegPut(cc, psprintf("%s#%s", base, name), loc);
}

static CfgLoc *LoadDoc(CfgCompile *cc, const char *uri, int draft);
static void ScanSchema(CfgCompile *cc, CfgLoc *loc);

/*
 * Apply "$schema" at loc: a known draft, or a meta-schema loaded as a
 * resource whose draft and "$vocabulary" decide which keywords apply.
 */
static void
Dialect(CfgCompile *cc, CfgLoc *loc, const JsonbValue *v)
{
	char	   *uri;
	const char *frag;
	CfgLoc	   *meta;
	JsonbValue	vocab;

	if (v->type != jbvString)
		SchemaError(loc, "$schema", "\"$schema\" must be a string");
	uri = UriSplit(pnstrdup(v->val.string.val, v->val.string.len), &frag);
	if (strcmp(uri, "https://json-schema.org/draft/2020-12/schema") == 0)
	{
		loc->draft = CFG_DRAFT_2020_12;
		loc->vocab = V_2020_DEFAULT;
		return;
	}
	if (strcmp(uri, "http://json-schema.org/draft-07/schema") == 0 ||
		strcmp(uri, "https://json-schema.org/draft-07/schema") == 0)
	{
		loc->draft = CFG_DRAFT_7;
		loc->vocab = V_2020_DEFAULT;
		return;
	}
	meta = RegGet(cc, uri);
	if (meta == NULL)
		meta = LoadDoc(cc, uri, loc->draft);
	if (meta == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("At \"%s\": unrecognized meta-schema \"%s\".", LocString(loc, "$schema"), uri),
				 errhint("Use \"https://json-schema.org/draft/2020-12/schema\" or \"http://json-schema.org/draft-07/schema#\", or register the meta-schema with cfgmgr.register_schema_resource.")));
	if (meta->dialect_pending)
		SchemaError(loc, "$schema", "meta-schema \"%s\" is its own meta-schema", uri);
	loc->draft = meta->draft;
	loc->vocab = meta->vocab;
	if (meta->draft == CFG_DRAFT_2020_12 && JbIsObject(&meta->val) &&
		getKeyJsonValueFromContainer(meta->val.val.binary.data, "$vocabulary", 11, &vocab))
	{
		JbCursor	kc;
		JbCursor	vc;
		int			n;

		if (!JbIsObject(&vocab))
			SchemaError(meta, "$vocabulary", "\"$vocabulary\" must be an object");
		n = JsonContainerSize(vocab.val.binary.data);
		JbCursorInit(&kc, vocab.val.binary.data, 0);
		JbCursorInit(&vc, vocab.val.binary.data, n);
		loc->vocab = V_CORE;
		for (int i = 0; i < n; i++)
		{
			JsonbValue	k;
			JsonbValue	req;
			int			bit = 0;

			JbCursorNextKey(&kc, &k);
			JbCursorNext(&vc, &req);
			for (int j = 0; j < (int) lengthof(cfg_vocabularies); j++)
				if (strlen(cfg_vocabularies[j].uri) == (size_t) k.val.string.len &&
					memcmp(cfg_vocabularies[j].uri, k.val.string.val, k.val.string.len) == 0)
					bit = cfg_vocabularies[j].bit;
			if (bit == 0 && req.type == jbvBool && req.val.boolean)
				SchemaError(loc, "$schema", "meta-schema \"%s\" requires the unsupported vocabulary \"%.*s\"",
							uri, k.val.string.len, k.val.string.val);
			loc->vocab |= bit;
		}
	}
}

/*
 * Register the identifiers of the schema object at loc and of every schema
 * below it in a known subschema position, and memoize their locations.
 * The caller guarantees loc's container was not scanned before.
 */
static void
ScanSchema(CfgCompile *cc, CfgLoc *loc)
{
	CfgKwSlots	s;
	JsonbContainer *c;
	CfgMemoEnt *me;
	bool		newres = (loc->parent == NULL);
	bool		d7;

	if (!JbIsObject(&loc->val))
		return;
	c = loc->val.val.binary.data;
	me = hash_search(cc->memo, &c, HASH_ENTER, NULL);
	me->loc = loc;
	loc->scanned = true;
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	KwCollect(c, &s);

	/* "$schema" counts at a document root or an embedded resource root */
	if (s.present[KW_SCHEMA] && (loc->parent == NULL || s.present[KW_ID]))
	{
		loc->dialect_pending = true;
		Dialect(cc, loc, &s.val[KW_SCHEMA]);
		loc->dialect_pending = false;
	}
	d7 = (loc->draft == CFG_DRAFT_7);

	/* draft-07: "$ref" makes every sibling keyword, "$id" included, inert */
	if (s.present[KW_ID] && !(d7 && s.present[KW_REF]))
	{
		JsonbValue *v = &s.val[KW_ID];
		char	   *id;

		if (v->type != jbvString)
			SchemaError(loc, "$id", "\"$id\" must be a string");
		id = pnstrdup(v->val.string.val, v->val.string.len);
		if (d7 && id[0] == '#')
			RegAnchor(cc, loc, loc->base, id + 1);
		else
		{
			const char *frag;
			char	   *base = UriSplit(UriResolve(loc->base, id), &frag);

			if (frag && frag[0])
			{
				if (!d7)
					SchemaError(loc, "$id", "\"$id\" must not contain a fragment");
				RegAnchor(cc, loc, base, frag);
			}
			loc->base = base;
			newres = true;
		}
	}
	if (newres)
	{
		loc->res = ResourceNew(cc, loc->base);
		RegPut(cc, loc->base, loc);
	}
	if (!d7 && s.present[KW_ANCHOR])
		RegAnchor(cc, loc, loc->base, AnchorName(loc, KW_ANCHOR, &s.val[KW_ANCHOR]));
	if (!d7 && s.present[KW_DYNANCHOR])
	{
		char	   *name = AnchorName(loc, KW_DYNANCHOR, &s.val[KW_DYNANCHOR]);
		CfgResource *r = loc->res;

		RegAnchor(cc, loc, loc->base, name);
		if (r->ndyn == r->maxdyn)
		{
			r->maxdyn = r->maxdyn ? r->maxdyn * 2 : 4;
			r->dyn_names = r->dyn_names ? repalloc(r->dyn_names, r->maxdyn * sizeof(char *)) : palloc(r->maxdyn * sizeof(char *));
			r->dyn_locs = r->dyn_locs ? repalloc(r->dyn_locs, r->maxdyn * sizeof(CfgLoc *)) : palloc(r->maxdyn * sizeof(CfgLoc *));
			r->dyn_nodes = r->dyn_nodes ? repalloc(r->dyn_nodes, r->maxdyn * sizeof(CfgNode *)) : palloc(r->maxdyn * sizeof(CfgNode *));
		}
		r->dyn_names[r->ndyn] = name;
		r->dyn_locs[r->ndyn] = loc;
		r->dyn_nodes[r->ndyn] = NULL;
		r->ndyn++;
	}

	/* subschemas in known positions */
	for (int kw = 0; kw < KW_COUNT; kw++)
	{
		JsonbValue *v = &s.val[kw];
		int			d = d7 ? D_7 : D_2020;
		JbCursor	kc;
		JbCursor	vc;
		int			n;

		if (!s.present[kw] || !(cfg_kw[kw].drafts & d) || v->type != jbvBinary)
			continue;
		switch (kw)
		{
			case KW_DEFS:
			case KW_DEFINITIONS:
			case KW_PROPERTIES:
			case KW_PATTERNPROPERTIES:
			case KW_DEPENDENTSCHEMAS:
			case KW_DEPENDENCIES:
				if (!JsonContainerIsObject(v->val.binary.data))
					break;
				n = JsonContainerSize(v->val.binary.data);
				JbCursorInit(&kc, v->val.binary.data, 0);
				JbCursorInit(&vc, v->val.binary.data, n);
				for (int i = 0; i < n; i++)
				{
					JsonbValue	k;
					JsonbValue	sub;

					JbCursorNextKey(&kc, &k);
					JbCursorNext(&vc, &sub);
					if (JbIsObject(&sub))
						ScanSchema(cc, LocNew(loc->doc, loc, cfg_kw[kw].name, k.val.string.val,
										k.val.string.len, -1, &sub));
				}
				break;
			case KW_PREFIXITEMS:
			case KW_ALLOF:
			case KW_ANYOF:
			case KW_ONEOF:
			case KW_ITEMS:
				if (JsonContainerIsArray(v->val.binary.data))
				{
					n = JsonContainerSize(v->val.binary.data);
					JbCursorInit(&vc, v->val.binary.data, 0);
					for (int i = 0; i < n; i++)
					{
						JsonbValue	sub;

						JbCursorNext(&vc, &sub);
						if (JbIsObject(&sub))
							ScanSchema(cc, LocNew(loc->doc, loc, cfg_kw[kw].name, NULL, 0, i, &sub));
					}
					break;
				}
				/* FALLTHROUGH */
			case KW_ADDITIONALITEMS:
			case KW_CONTAINS:
			case KW_ADDITIONALPROPERTIES:
			case KW_PROPERTYNAMES:
			case KW_NOT:
			case KW_IF:
			case KW_THEN:
			case KW_ELSE:
			case KW_UNEVALPROPS:
			case KW_UNEVALITEMS:
				if (JsonContainerIsObject(v->val.binary.data))
					ScanSchema(cc, LocNew(loc->doc, loc, cfg_kw[kw].name, NULL, 0, -1, v));
				break;
			default:
				break;
		}
	}
}

/*
 * Load the document with the given absolute URI (no fragment) through
 * CfgSchemaFetchResource, register and scan it.  NULL when unknown.
 * (A loaded URI is registered, so no URI is fetched twice.)
 */
static CfgLoc *
LoadDoc(CfgCompile *cc, const char *uri, int draft)
{
	Jsonb	   *jb = CfgSchemaFetchResource(uri);
	CfgDoc	   *doc;
	CfgLoc	   *loc;
	JsonbValue	root;

	if (jb == NULL)
		return NULL;
	doc = palloc0(sizeof(CfgDoc));
	doc->jb = jb;
	doc->uri = pstrdup(uri);
	JbRootValue(jb, &root);
	loc = LocNew(doc, NULL, NULL, NULL, 0, -1, &root);
	loc->base = doc->uri;
	loc->draft = draft;
	loc->vocab = V_2020_DEFAULT;
	RegPut(cc, uri, loc);
	ScanSchema(cc, loc);
	return loc;
}

/* Follow a JSON pointer (already percent-decoded) from loc. */
static CfgLoc *
Navigate(CfgCompile *cc, CfgLoc *loc, const char *ptr)
{
	const char *p = ptr;

	while (*p == '/')
	{
		StringInfoData seg;
		JsonbValue	cur = loc->val;
		JsonbValue	child;
		int			index = -1;

		p++;
		initStringInfo(&seg);
		for (; *p && *p != '/'; p++)
		{
			if (p[0] == '~' && p[1] == '1')
			{
				appendStringInfoChar(&seg, '/');
				p++;
			}
			else if (p[0] == '~' && p[1] == '0')
			{
				appendStringInfoChar(&seg, '~');
				p++;
			}
			else
				appendStringInfoChar(&seg, *p);
		}
		if (JbIsObject(&cur))
		{
			if (!getKeyJsonValueFromContainer(cur.val.binary.data, seg.data, seg.len, &child))
				return NULL;
			loc = LocFor(cc, loc, NULL, seg.data, seg.len, -1, &child);
			continue;
		}
		if (!JbIsArray(&cur) || seg.len == 0 || strspn(seg.data, "0123456789") != (size_t) seg.len ||
			(seg.data[0] == '0' && seg.len > 1) || seg.len > 9 ||
			(index = atoi(seg.data)) >= (int) JsonContainerSize(cur.val.binary.data))
			return NULL;
		{
			JbCursor	c;

			JbCursorInit(&c, cur.val.binary.data, index);
			JbCursorNext(&c, &child);
		}
		loc = LocFor(cc, loc, NULL, NULL, 0, index, &child);
	}
	return loc;
}

/*
 * Find the schema a reference names: a resource (loaded if unknown), then
 * a JSON pointer or an anchor inside it.  NULL when there is none.
 */
static CfgLoc *
ResolveRef(CfgCompile *cc, const char *uri, int draft)
{
	const char *frag;
	char	   *nofrag = UriSplit(uri, &frag);
	CfgLoc	   *root = RegGet(cc, nofrag);
	char	   *dec;

	if (root == NULL)
		root = LoadDoc(cc, nofrag, draft);
	if (root == NULL)
		return NULL;
	if (frag == NULL || frag[0] == '\0')
		return root;
	dec = UriDecode(frag);
	if (dec[0] == '/')
		return Navigate(cc, root, dec);
	return RegGet(cc, psprintf("%s#%s", nofrag, dec));
}

/* ---------------------------------------------------------------------
 * Compiler: schema objects to nodes
 * ---------------------------------------------------------------------
 */
static CfgNode *Compile(CfgCompile *cc, CfgLoc *loc);

/* Compile the subschema v found under keyword kw (and key or index). */
static CfgNode *
CompileSub(CfgCompile *cc, CfgLoc *parent, int kw, const char *key, int keylen,
		   int index, const JsonbValue *v)
{
	return Compile(cc, LocFor(cc, parent, cfg_kw[kw].name, key, keylen, index, v));
}

/* An array of subschemas. */
static CfgNode **
CompileArray(CfgCompile *cc, CfgLoc *loc, int kw, const JsonbValue *v, int *n)
{
	CfgNode   **out;
	JbCursor	cur;

	if (!JbIsArray(v) || JsonContainerSize(v->val.binary.data) == 0)
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be a non-empty array of schemas", cfg_kw[kw].name);
	*n = JsonContainerSize(v->val.binary.data);
	out = palloc(*n * sizeof(CfgNode *));
	JbCursorInit(&cur, v->val.binary.data, 0);
	for (int i = 0; i < *n; i++)
	{
		JsonbValue	sub;

		JbCursorNext(&cur, &sub);
		out[i] = CompileSub(cc, loc, kw, NULL, 0, i, &sub);
	}
	return out;
}

/* An object of subschemas, in jsonb key order. */
static CfgProp *
CompileMap(CfgCompile *cc, CfgLoc *loc, int kw, const JsonbValue *v, int *n)
{
	CfgProp    *out;
	JbCursor	kc;
	JbCursor	vc;

	if (!JbIsObject(v))
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be an object", cfg_kw[kw].name);
	*n = JsonContainerSize(v->val.binary.data);
	out = palloc(*n * sizeof(CfgProp));
	JbCursorInit(&kc, v->val.binary.data, 0);
	JbCursorInit(&vc, v->val.binary.data, *n);
	for (int i = 0; i < *n; i++)
	{
		JsonbValue	k;
		JsonbValue	sub;

		JbCursorNextKey(&kc, &k);
		JbCursorNext(&vc, &sub);
		out[i].name = pnstrdup(k.val.string.val, k.val.string.len);
		out[i].len = k.val.string.len;
		out[i].node = CompileSub(cc, loc, kw, k.val.string.val, k.val.string.len, -1, &sub);
	}
	return out;
}

/*
 * An array of strings, sorted in jsonb key order without duplicates; what
 * names it in the error (reported for keyword kw at loc).
 */
static CfgName *
CompileNames(const CfgLoc *loc, const char *kw, const char *what, const JsonbValue *v, int *n)
{
	CfgName    *out;
	JbCursor	cur;
	int			m = 0;
	int			count;

	if (!JbIsArray(v))
		SchemaError(loc, kw, "%s must be an array of strings", what);
	count = JsonContainerSize(v->val.binary.data);
	out = palloc((count + 1) * sizeof(CfgName));
	JbCursorInit(&cur, v->val.binary.data, 0);
	for (int i = 0; i < count; i++)
	{
		JsonbValue	e;

		JbCursorNext(&cur, &e);
		if (e.type != jbvString)
			SchemaError(loc, kw, "%s must be an array of strings", what);
		out[i].name = pnstrdup(e.val.string.val, e.val.string.len);
		out[i].len = e.val.string.len;
	}
	qsort(out, count, sizeof(CfgName), CfgNameCmp);
	for (int i = 0; i < count; i++)
		if (m == 0 || CfgNameCmp(&out[m - 1], &out[i]) != 0)
			out[m++] = out[i];
	*n = m;
	return out;
}

static Numeric
CompileNumber(const CfgLoc *loc, int kw, const JsonbValue *v)
{
	if (v->type != jbvNumeric)
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be a number", cfg_kw[kw].name);
	return v->val.numeric;
}

/* A non-negative integer count; values beyond any jsonb size saturate. */
static int64
CompileCount(const CfgLoc *loc, int kw, const JsonbValue *v)
{
	if (v->type != jbvNumeric || !NumIsIntegral(v->val.numeric) ||
		NumCmp(v->val.numeric, cfg_zero) < 0)
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be a non-negative integer", cfg_kw[kw].name);
	if (NumCmp(v->val.numeric, cfg_int32_max) > 0)
		return PG_INT32_MAX;
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v->val.numeric)));
}

static const struct
{
	const char *name;
	int			bit;
}			cfg_types[] = {
	{"null", JT_NULL},
	{"boolean", JT_BOOLEAN},
	{"object", JT_OBJECT},
	{"array", JT_ARRAY},
	{"number", JT_NUMBER},
	{"string", JT_STRING},
	{"integer", JT_INTEGER},
};

static int
CompileTypeName(const CfgLoc *loc, const JsonbValue *v)
{
	if (v->type != jbvString)
		SchemaError(loc, "type", "\"type\" must be a string or an array of strings");
	for (int i = 0; i < (int) lengthof(cfg_types); i++)
		if (strlen(cfg_types[i].name) == (size_t) v->val.string.len &&
			memcmp(cfg_types[i].name, v->val.string.val, v->val.string.len) == 0)
			return cfg_types[i].bit;
	SchemaError(loc, "type", "unrecognized type \"%.*s\"", v->val.string.len, v->val.string.val);
}

static void
CompileType(CfgNode *node, const CfgLoc *loc, const JsonbValue *v)
{
	if (JbIsArray(v))
	{
		JbCursor	cur;

		JbCursorInit(&cur, v->val.binary.data, 0);
		for (int i = 0; i < (int) JsonContainerSize(v->val.binary.data); i++)
		{
			JsonbValue	e;

			JbCursorNext(&cur, &e);
			node->types |= CompileTypeName(loc, &e);
		}
	}
	else
		node->types = CompileTypeName(loc, v);
	node->flags |= NF_TYPE;
}

static void
CompileEnum(CfgNode *node, const CfgLoc *loc, const JsonbValue *v)
{
	JbCursor	cur;
	int			n;

	if (!JbIsArray(v))
		SchemaError(loc, "enum", "\"enum\" must be an array");
	n = JsonContainerSize(v->val.binary.data);
	node->enum_vals = palloc((n + 1) * sizeof(JsonbValue));
	node->enum_strs = palloc((n + 1) * sizeof(CfgName));
	JbCursorInit(&cur, v->val.binary.data, 0);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	e;

		JbCursorNext(&cur, &e);
		if (e.type == jbvString)
		{
			node->enum_strs[node->nenum_strs].name = e.val.string.val;
			node->enum_strs[node->nenum_strs++].len = e.val.string.len;
		}
		else
			node->enum_vals[node->nenum++] = e;
	}
	qsort(node->enum_strs, node->nenum_strs, sizeof(CfgName), CfgNameCmp);
	node->flags |= NF_ENUM;
}

static CfgRegex *
CompileRegex(const CfgLoc *loc, const char *kw, const char *src, int len)
{
	char	   *errmsg = NULL;
	CfgRegex   *re = CfgRegexCompile(src, len, CurrentMemoryContext, &errmsg);

	if (re == NULL)
		SchemaError(loc, kw, "invalid regular expression \"%.*s\": %s", len, src, errmsg);
	return re;
}

/* "$ref" or "$dynamicRef": resolve and compile the target. */
static CfgNode *
CompileRef(CfgCompile *cc, CfgLoc *loc, int kw, const JsonbValue *v, char **full)
{
	CfgLoc	   *target;

	if (v->type != jbvString)
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be a string", cfg_kw[kw].name);
	*full = UriResolve(loc->base, pnstrdup(v->val.string.val, v->val.string.len));
	target = ResolveRef(cc, *full, loc->draft);
	if (target == NULL)
		SchemaError(loc, cfg_kw[kw].name, "cannot resolve reference \"%.*s\"",
					v->val.string.len, v->val.string.val);
	return Compile(cc, target);
}

/*
 * "$dynamicRef": behaves like "$ref" unless its fragment is a plain name
 * and the statically resolved target carries a "$dynamicAnchor" of that
 * name; then the dynamic scope decides at validation time.
 */
static void
CompileDynRef(CfgCompile *cc, CfgNode *node, CfgLoc *loc, const JsonbValue *v)
{
	char	   *full;
	const char *frag;
	CfgNode    *target = CompileRef(cc, loc, KW_DYNREF, v, &full);
	JsonbValue	anchor;

	node->dynref = target;
	(void) UriSplit(full, &frag);
	if (frag && frag[0] && frag[0] != '/' && target->kind == NODE_SCHEMA &&
		getKeyJsonValueFromContainer(target->loc->val.val.binary.data, "$dynamicAnchor", 14, &anchor) &&
		anchor.type == jbvString && (size_t) anchor.val.string.len == strlen(frag) &&
		memcmp(anchor.val.string.val, frag, anchor.val.string.len) == 0)
	{
		node->dynref_anchor = pstrdup(frag);
		cc->dynamic = true;
	}
}

/*
 * dependentRequired (names), dependentSchemas (schemas) or draft-07
 * dependencies (either, per property).
 */
static void
CompileDependencies(CfgCompile *cc, CfgNode *node, CfgLoc *loc, int kw, const JsonbValue *v)
{
	JbCursor	kc;
	JbCursor	vc;
	int			n;

	if (!JbIsObject(v))
		SchemaError(loc, cfg_kw[kw].name, "\"%s\" must be an object", cfg_kw[kw].name);
	n = JsonContainerSize(v->val.binary.data);
	if (kw != KW_DEPENDENTSCHEMAS)
	{
		node->depreq = palloc((n + 1) * sizeof(CfgDepReq));
		node->depreq_kw = cfg_kw[kw].name;
	}
	if (kw != KW_DEPENDENTREQUIRED)
	{
		node->depschemas = palloc((n + 1) * sizeof(CfgProp));
		node->depschemas_kw = cfg_kw[kw].name;
	}
	JbCursorInit(&kc, v->val.binary.data, 0);
	JbCursorInit(&vc, v->val.binary.data, n);
	for (int i = 0; i < n; i++)
	{
		JsonbValue	k;
		JsonbValue	e;
		char	   *name;

		JbCursorNextKey(&kc, &k);
		JbCursorNext(&vc, &e);
		name = pnstrdup(k.val.string.val, k.val.string.len);
		if (kw == KW_DEPENDENTREQUIRED || (kw == KW_DEPENDENCIES && JbIsArray(&e)))
		{
			CfgDepReq  *d = &node->depreq[node->ndepreq++];

			d->name = name;
			d->len = k.val.string.len;
			d->req = CompileNames(LocNew(loc->doc, loc, cfg_kw[kw].name, name, d->len, -1, &e),
								  NULL, "a property dependency", &e, &d->nreq);
		}
		else
		{
			CfgProp    *d = &node->depschemas[node->ndepschemas++];

			d->name = name;
			d->len = k.val.string.len;
			d->node = CompileSub(cc, loc, kw, k.val.string.val, k.val.string.len, -1, &e);
		}
	}
}

/*
 * Compile the schema at loc (memoized: a location being compiled is
 * returned as is, which is how recursive references become cycles).
 */
static CfgNode *
Compile(CfgCompile *cc, CfgLoc *loc)
{
	CfgKwSlots	s;
	CfgNode    *node;
	JsonbValue *v = s.val;
	bool		d7 = (loc->draft == CFG_DRAFT_7);

	if (loc->node)
		return loc->node;
	if (loc->val.type == jbvBool && loc->val.val.boolean)
		return cc->true_node;
	node = palloc0(sizeof(CfgNode));
	node->loc = loc;
	loc->node = node;
	if (loc->val.type == jbvBool)
	{
		node->kind = NODE_FALSE;
		return node;
	}
	if (!JbIsObject(&loc->val))
		SchemaError(loc, NULL, "a schema must be an object or a boolean");
	if (!loc->scanned)
		ScanSchema(cc, loc);
	node->kind = NODE_SCHEMA;
	node->resource = loc->res;
	node->max_length = node->min_length = CFG_NO_LIMIT;
	node->max_items = node->min_items = CFG_NO_LIMIT;
	node->max_props = node->min_props = CFG_NO_LIMIT;
	node->min_contains = 1;
	node->max_contains = CFG_NO_LIMIT;
	cc->nodes = lappend(cc->nodes, node);
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	KwCollect(loc->val.val.binary.data, &s);

	if (d7 && s.present[KW_REF])
	{
		char	   *full;

		node->ref = CompileRef(cc, loc, KW_REF, &v[KW_REF], &full);
		node->flags = NF_INPLACE;
		return node;
	}

	/* cfgmgr's annotation: a friendly message for this schema's errors */
	{
		JsonbValue *xm = getKeyJsonValueFromContainer(loc->val.val.binary.data,
													  "x-message", 9, NULL);

		if (xm != NULL)
		{
			if (xm->type != jbvString)
				SchemaError(loc, "x-message", "\"x-message\" must be a string");
			node->message = pnstrdup(xm->val.string.val, xm->val.string.len);
		}
	}

	for (int kw = 0; kw < KW_COUNT; kw++)
	{
		char	   *full;
		int			n;

		if (!s.present[kw] || !KwActive(loc, kw))
			continue;
		switch (kw)
		{
			case KW_REF:
				node->ref = CompileRef(cc, loc, kw, &v[kw], &full);
				break;
			case KW_DYNREF:
				CompileDynRef(cc, node, loc, &v[kw]);
				break;
			case KW_DEFS:
			case KW_DEFINITIONS:
				/* compiled for their errors; used through references */
				(void) CompileMap(cc, loc, kw, &v[kw], &n);
				break;
			case KW_TYPE:
				CompileType(node, loc, &v[kw]);
				break;
			case KW_ENUM:
				CompileEnum(node, loc, &v[kw]);
				break;
			case KW_CONST:
				node->const_val = v[kw];
				node->flags |= NF_CONST;
				break;
			case KW_MULTIPLEOF:
				CfgNumSet(&node->multiple_of, CompileNumber(loc, kw, &v[kw]));
				if (NumCmp(node->multiple_of.num, cfg_zero) <= 0)
					SchemaError(loc, "multipleOf", "\"multipleOf\" must be a number greater than 0");
				node->flags |= NF_NUMBER;
				break;
			case KW_MAXIMUM:
				CfgNumSet(&node->maximum, CompileNumber(loc, kw, &v[kw]));
				node->flags |= NF_NUMBER;
				break;
			case KW_EXMAXIMUM:
				CfgNumSet(&node->ex_maximum, CompileNumber(loc, kw, &v[kw]));
				node->flags |= NF_NUMBER;
				break;
			case KW_MINIMUM:
				CfgNumSet(&node->minimum, CompileNumber(loc, kw, &v[kw]));
				node->flags |= NF_NUMBER;
				break;
			case KW_EXMINIMUM:
				CfgNumSet(&node->ex_minimum, CompileNumber(loc, kw, &v[kw]));
				node->flags |= NF_NUMBER;
				break;
			case KW_MAXLENGTH:
				node->max_length = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_STRING;
				break;
			case KW_MINLENGTH:
				node->min_length = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_STRING;
				break;
			case KW_PATTERN:
				if (v[kw].type != jbvString)
					SchemaError(loc, "pattern", "\"pattern\" must be a string");
				node->pattern = CompileRegex(loc, "pattern", v[kw].val.string.val, v[kw].val.string.len);
				node->pattern_fast = FastReCompile(v[kw].val.string.val, v[kw].val.string.len);
				node->pattern_src = pnstrdup(v[kw].val.string.val, v[kw].val.string.len);
				node->flags |= NF_STRING;
				break;
			case KW_FORMAT:
				if (v[kw].type != jbvString)
					SchemaError(loc, "format", "\"format\" must be a string");
				node->format = pnstrdup(v[kw].val.string.val, v[kw].val.string.len);
				node->format_vocab_assert = (loc->vocab & V_FORMAT_ASSERT) != 0;
				node->flags |= NF_STRING;
				break;
			case KW_ITEMS:
				if (d7 && JbIsArray(&v[kw]))
				{
					node->prefix = CompileArray(cc, loc, kw, &v[kw], &node->nprefix);
					node->prefix_kw = "items";
					if (s.present[KW_ADDITIONALITEMS])
					{
						node->items = CompileSub(cc, loc, KW_ADDITIONALITEMS, NULL, 0, -1, &v[KW_ADDITIONALITEMS]);
						node->items_kw = "additionalItems";
					}
				}
				else
				{
					node->items = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
					node->items_kw = "items";
				}
				node->flags |= NF_ARRAY;
				break;
			case KW_PREFIXITEMS:
				node->prefix = CompileArray(cc, loc, kw, &v[kw], &node->nprefix);
				node->prefix_kw = "prefixItems";
				node->flags |= NF_ARRAY;
				break;
			case KW_CONTAINS:
				node->contains = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				node->flags |= NF_ARRAY;
				break;
			case KW_MINCONTAINS:
				node->min_contains = CompileCount(loc, kw, &v[kw]);
				break;
			case KW_MAXCONTAINS:
				node->max_contains = CompileCount(loc, kw, &v[kw]);
				break;
			case KW_MAXITEMS:
				node->max_items = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_ARRAY;
				break;
			case KW_MINITEMS:
				node->min_items = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_ARRAY;
				break;
			case KW_UNIQUEITEMS:
				if (v[kw].type != jbvBool)
					SchemaError(loc, "uniqueItems", "\"uniqueItems\" must be a boolean");
				node->unique_items = v[kw].val.boolean;
				node->flags |= NF_ARRAY;
				break;
			case KW_PROPERTIES:
				node->props = CompileMap(cc, loc, kw, &v[kw], &node->nprops);
				node->flags |= NF_OBJECT | NF_OBJITER;
				break;
			case KW_PATTERNPROPERTIES:
				{
					CfgProp    *m = CompileMap(cc, loc, kw, &v[kw], &n);

					node->npatprops = n;
					node->patprops = palloc((n + 1) * sizeof(CfgPatProp));
					for (int i = 0; i < n; i++)
					{
						node->patprops[i].re = CompileRegex(loc, "patternProperties", m[i].name, m[i].len);
						node->patprops[i].fast = FastReCompile(m[i].name, m[i].len);
						node->patprops[i].node = m[i].node;
					}
					node->flags |= NF_OBJECT | NF_OBJITER;
				}
				break;
			case KW_ADDITIONALPROPERTIES:
				node->additional_props = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				node->flags |= NF_OBJECT | NF_OBJITER;
				break;
			case KW_PROPERTYNAMES:
				node->property_names = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				node->flags |= NF_OBJECT | NF_OBJITER;
				break;
			case KW_REQUIRED:
				node->required = CompileNames(loc, "required", "\"required\"", &v[kw], &node->nrequired);
				node->flags |= NF_OBJECT;
				break;
			case KW_DEPENDENTREQUIRED:
			case KW_DEPENDENTSCHEMAS:
			case KW_DEPENDENCIES:
				CompileDependencies(cc, node, loc, kw, &v[kw]);
				node->flags |= NF_OBJECT;
				break;
			case KW_MAXPROPERTIES:
				node->max_props = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_OBJECT;
				break;
			case KW_MINPROPERTIES:
				node->min_props = CompileCount(loc, kw, &v[kw]);
				node->flags |= NF_OBJECT;
				break;
			case KW_ALLOF:
				node->all_of = CompileArray(cc, loc, kw, &v[kw], &node->nall);
				break;
			case KW_ANYOF:
				node->any_of = CompileArray(cc, loc, kw, &v[kw], &node->nany);
				break;
			case KW_ONEOF:
				node->one_of = CompileArray(cc, loc, kw, &v[kw], &node->none);
				break;
			case KW_NOT:
				node->not_ = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				break;
			case KW_IF:
				node->if_ = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				break;
			case KW_THEN:
				node->then_ = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				break;
			case KW_ELSE:
				node->else_ = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				break;
			case KW_UNEVALPROPS:
				node->uneval_props = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				node->flags |= NF_UNEVAL;
				break;
			case KW_UNEVALITEMS:
				node->uneval_items = CompileSub(cc, loc, kw, NULL, 0, -1, &v[kw]);
				node->flags |= NF_UNEVAL;
				break;
			default:
				/* identifiers were handled by Scan; the rest annotate */
				break;
		}
	}
	if (node->ref || node->dynref || node->nall || node->nany || node->none ||
		node->not_ || node->if_)
		node->flags |= NF_INPLACE;
	return node;
}

/*
 * A cycle of in-place applications ("$ref", allOf, anyOf, oneOf, not, if)
 * would apply schemas to the same value forever.
 */
static void
CycleCheck(CfgNode *n)
{
	if (n->kind != NODE_SCHEMA || n->dfs == 2)
		return;
	if (n->dfs == 1)
		SchemaError(n->loc, NULL, "reference cycle that never consumes input");
	n->dfs = 1;
	check_stack_depth();
	if (n->ref)
		CycleCheck(n->ref);
	for (int i = 0; i < n->nall; i++)
		CycleCheck(n->all_of[i]);
	for (int i = 0; i < n->nany; i++)
		CycleCheck(n->any_of[i]);
	for (int i = 0; i < n->none; i++)
		CycleCheck(n->one_of[i]);
	if (n->not_)
		CycleCheck(n->not_);
	if (n->if_)
		CycleCheck(n->if_);
	n->dfs = 2;
}

CfgSchema *
CfgSchemaCompile(Jsonb *schema, const char *base_uri, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	MemoryContext tmp = AllocSetContextCreate(cxt, "cfgmgr schema compiler", ALLOCSET_DEFAULT_SIZES);
	CfgCompile	cc;
	HASHCTL		ctl;
	CfgDoc	   *doc = palloc0(sizeof(CfgDoc));
	CfgLoc	   *root;
	CfgSchema  *result = palloc0(sizeof(CfgSchema));
	JsonbValue	rv;
	const char *frag;
	ListCell   *lc;
	bool		changed = true;

	if (cfg_zero == NULL)
	{
		MemoryContext top = MemoryContextSwitchTo(TopMemoryContext);

		cfg_zero = int64_to_numeric(0);
		cfg_int32_max = int64_to_numeric(PG_INT32_MAX);
		CfgNumericInit();
		MemoryContextSwitchTo(top);
	}
	memset(&cc, 0, sizeof(cc));
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(void *);
	ctl.entrysize = sizeof(CfgMemoEnt);
	ctl.hcxt = tmp;
	cc.memo = hash_create("cfgmgr schema locations", 64, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	ctl.entrysize = sizeof(CfgRegEnt);
	ctl.hash = RegHash;
	ctl.match = RegMatch;
	cc.registry = hash_create("cfgmgr schema URIs", 64, &ctl,
							  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
	cc.true_node = palloc0(sizeof(CfgNode));
	cc.true_node->kind = NODE_TRUE;

	doc->jb = palloc(VARSIZE(schema));
	memcpy(doc->jb, schema, VARSIZE(schema));
	JbRootValue(doc->jb, &rv);
	root = LocNew(doc, NULL, NULL, NULL, 0, -1, &rv);
	base_uri = base_uri ? base_uri : CFG_DEFAULT_BASE;
	root->base = UriSplit(UriResolve(base_uri, base_uri), &frag);
	root->draft = cfgmgr_schema_default_draft;
	root->vocab = V_2020_DEFAULT;
	RegPut(&cc, root->base, root);
	ScanSchema(&cc, root);
	result->root = Compile(&cc, root);

	/* the dynamic scope may pick any resource's $dynamicAnchor */
	while (cc.dynamic && changed)
	{
		changed = false;
		for (int i = 0; i < list_length(cc.resources); i++)
		{
			CfgResource *r = list_nth(cc.resources, i);

			for (int j = 0; j < r->ndyn; j++)
			{
				if (r->dyn_nodes[j] == NULL)
				{
					r->dyn_nodes[j] = Compile(&cc, r->dyn_locs[j]);
					changed = true;
				}
			}
		}
	}
	result->dynamic = cc.dynamic;

	foreach(lc, cc.nodes)
		CycleCheck(lfirst(lc));

	MemoryContextDelete(tmp);
	MemoryContextSwitchTo(old);
	return result;
}

/* ---------------------------------------------------------------------
 * Validator
 * ---------------------------------------------------------------------
 */

/* Evaluated property or item positions of one instance (annotations). */
typedef struct CfgAnnot
{
	bool		all;			/* every position */
	int			n;				/* positions in the instance */
	uint64	   *bits;			/* allocated on the first mark */
} CfgAnnot;

/* One step of the instance path: a member name, or an index (key NULL). */
typedef struct CfgPathSeg
{
	const char *key;
	int			len;			/* key length, or the index */
} CfgPathSeg;

typedef struct VState
{
	bool		report;			/* report violations (else fail fast) */
	bool		track;			/* keep the instance path (errors wanted) */
	bool		dynamic;		/* keep the dynamic scope */
	int			inplace;		/* schemas applied to the current value */
	const char *via;			/* keyword applying the schema entered next */
	List	  **errors;
	MemoryContext errcxt;
	int			npath;
	int			maxpath;
	CfgPathSeg *path;
	int			nscope;
	int			maxscope;
	CfgResource **scope;
} VState;

/* per-call scratch memory, reset after every document */
static MemoryContext cfg_scratch = NULL;

#define FAIL(st) do { if (!(st)->report) return false; ok = false; } while (0)

static inline void
AnnotInit(CfgAnnot *a, int n)
{
	a->all = false;
	a->n = n;
	a->bits = NULL;
}

static inline void
AnnotMark(CfgAnnot *a, int i)
{
	if (a == NULL || a->all)
		return;
	if (a->bits == NULL)
		a->bits = palloc0(((a->n + 63) / 64) * sizeof(uint64));
	a->bits[i / 64] |= UINT64CONST(1) << (i % 64);
}

static inline bool
AnnotHas(const CfgAnnot *a, int i)
{
	return a->all || (a->bits && (a->bits[i / 64] >> (i % 64)) & 1);
}

static void
AnnotMerge(CfgAnnot *into, const CfgAnnot *from)
{
	if (into == NULL || into->all)
		return;
	if (from->all)
		into->all = true;
	else if (from->bits)
	{
		if (into->bits == NULL)
			into->bits = palloc0(((into->n + 63) / 64) * sizeof(uint64));
		for (int w = 0; w < (into->n + 63) / 64; w++)
			into->bits[w] |= from->bits[w];
	}
}

static void
PathGrow(VState *st)
{
	st->maxpath = st->maxpath ? st->maxpath * 2 : 32;
	st->path = st->path ? repalloc(st->path, st->maxpath * sizeof(CfgPathSeg))
		: palloc(st->maxpath * sizeof(CfgPathSeg));
}

static inline void
PathPush(VState *st, const char *key, int len)
{
	if (!st->track)
		return;
	if (st->npath == st->maxpath)
		PathGrow(st);
	st->path[st->npath].key = key;
	st->path[st->npath].len = len;
	st->npath++;
}

static inline void
PathPop(VState *st)
{
	if (st->track)
		st->npath--;
}

static char *
PathString(VState *st)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < st->npath; i++)
	{
		if (st->path[i].key)
			PtrAppendToken(&buf, st->path[i].key, st->path[i].len);
		else
			appendStringInfo(&buf, "/%d", st->path[i].len);
	}
	return buf.data;
}

/*
 * Record a violation of keyword kw of node n at the current instance path
 * (skw: the keyword appended to n's location for the schema path, or
 * NULL).  Does nothing in fail-fast or silent evaluation.
 */
static void
pg_attribute_printf(5, 6)
Report(VState *st, const CfgNode *n, const char *kw, const char *skw, const char *fmt,...)
{
	MemoryContext old;
	CfgSchemaError *e;
	StringInfoData msg;

	if (!st->report)
		return;
	old = MemoryContextSwitchTo(st->errcxt);
	e = palloc(sizeof(CfgSchemaError));
	e->instance_path = PathString(st);
	e->keyword = pstrdup(kw);
	e->schema_path = LocString(n->loc, skw);
	initStringInfo(&msg);
	CFG_APPEND_FMT(&msg, fmt);
	e->message = msg.data;
	*st->errors = lappend(*st->errors, e);
	MemoryContextSwitchTo(old);
}

#define REPORT(st, n, kw, ...) Report((st), (n), (kw), (kw), __VA_ARGS__)

/* cfg_types is in JT_* bit order */
static const char *
JtName(int kind)
{
	return cfg_types[pg_rightmost_one_pos32(kind)].name;
}

/* "string", "string or null", "object, array or null" */
static char *
TypeList(int mask)
{
	static const int order[] = {JT_STRING, JT_INTEGER, JT_NUMBER, JT_BOOLEAN, JT_OBJECT, JT_ARRAY, JT_NULL};
	StringInfoData buf;
	int			left = 0;

	for (int i = 0; i < (int) lengthof(order); i++)
		if (mask & order[i])
			left++;
	initStringInfo(&buf);
	for (int i = 0; i < (int) lengthof(order); i++)
	{
		if (!(mask & order[i]))
			continue;
		appendStringInfoString(&buf, JtName(order[i]));
		left--;
		if (left > 1)
			appendStringInfoString(&buf, ", ");
		else if (left == 1)
			appendStringInfoString(&buf, " or ");
	}
	return buf.data;
}

static char *
NumText(Numeric n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n)));
}

static bool EvalNode(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A);

/* Apply n to v itself (an in-place applicator named via). */
static inline bool
EvalInPlace(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A, const char *via)
{
	st->via = via;
	return EvalNode(st, n, v, A);
}

/* Apply n to a member or item v of the current value (path pushed). */
static inline bool
EvalChild(VState *st, CfgNode *n, const JsonbValue *v, const char *via)
{
	int			saved = st->inplace;
	bool		ok;

	if (n->kind == NODE_TRUE)
		return true;
	st->inplace = 0;
	st->via = via;
	ok = EvalNode(st, n, v, NULL);
	st->inplace = saved;
	return ok;
}

/* Apply n silently: only the outcome counts. */
static inline bool
EvalSilent(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A, const char *via)
{
	bool		save = st->report;
	bool		ok;

	st->report = false;
	ok = EvalInPlace(st, n, v, A, via);
	st->report = save;
	return ok;
}

static bool
EvalNumber(VState *st, CfgNode *n, const CfgNum *num)
{
	bool		ok = true;

	if (n->maximum.num && CfgNumCmp(num, &n->maximum) > 0)
	{
		REPORT(st, n, "maximum", "must be at most %s", NumText(n->maximum.num));
		FAIL(st);
	}
	if (n->ex_maximum.num && CfgNumCmp(num, &n->ex_maximum) >= 0)
	{
		REPORT(st, n, "exclusiveMaximum", "must be less than %s", NumText(n->ex_maximum.num));
		FAIL(st);
	}
	if (n->minimum.num && CfgNumCmp(num, &n->minimum) < 0)
	{
		REPORT(st, n, "minimum", "must be at least %s", NumText(n->minimum.num));
		FAIL(st);
	}
	if (n->ex_minimum.num && CfgNumCmp(num, &n->ex_minimum) <= 0)
	{
		REPORT(st, n, "exclusiveMinimum", "must be greater than %s", NumText(n->ex_minimum.num));
		FAIL(st);
	}
	/* exact decimal arithmetic: 0.3 is a multiple of 0.1, 1e308 is not of 0.123 */
	if (n->multiple_of.num &&
		((num->isint && n->multiple_of.isint) ? num->i % n->multiple_of.i != 0
		 : NumCmp(numeric_mod_opt_error(num->num, n->multiple_of.num, NULL), cfg_zero) != 0))
	{
		REPORT(st, n, "multipleOf", "must be a multiple of %s", NumText(n->multiple_of.num));
		FAIL(st);
	}
	return ok;
}

static bool
EvalString(VState *st, CfgNode *n, const char *s, int len)
{
	bool		ok = true;

	/* characters <= bytes <= characters * max encoding length */
	if (n->max_length >= 0 && len > n->max_length &&
		pg_mbstrlen_with_len(s, len) > n->max_length)
	{
		REPORT(st, n, "maxLength", "must be at most " INT64_FORMAT " character%s long",
			   n->max_length, n->max_length == 1 ? "" : "s");
		FAIL(st);
	}
	if (n->min_length > 0 &&
		(len < n->min_length ||
		 (len < n->min_length * pg_database_encoding_max_length() &&
		  pg_mbstrlen_with_len(s, len) < n->min_length)))
	{
		REPORT(st, n, "minLength", "must be at least " INT64_FORMAT " character%s long",
			   n->min_length, n->min_length == 1 ? "" : "s");
		FAIL(st);
	}
	if (n->pattern && !RegexTest(n->pattern, n->pattern_fast, s, len))
	{
		REPORT(st, n, "pattern", "string does not match pattern \"%s\"", n->pattern_src);
		FAIL(st);
	}
	if (n->format && (n->format_vocab_assert || cfgmgr_schema_format_assert))
	{
		bool		known;

		if (!CfgFormatCheck(n->format, s, len, &known))
		{
			REPORT(st, n, "format", "string is not a valid \"%s\"", n->format);
			FAIL(st);
		}
	}
	return ok;
}

static int
HashIdxCmp(const void *a, const void *b)
{
	const uint64 *x = a;
	const uint64 *y = b;

	return *x < *y ? -1 : (*x > *y ? 1 : 0);
}

/*
 * Are the items of array c distinct?  Small arrays compare pairwise;
 * larger ones sort (hash, index) pairs and compare within equal hashes.
 * On a duplicate, *first and *second are the positions.
 */
static bool
ArrayUnique(JsonbContainer *c, int na, int *first, int *second)
{
	JsonbValue *items = palloc(na * sizeof(JsonbValue));
	JbCursor	cur;

	JbCursorInit(&cur, c, 0);
	for (int i = 0; i < na; i++)
		JbCursorNext(&cur, &items[i]);
	if (na <= 16)
	{
		for (int i = 0; i < na; i++)
			for (int j = i + 1; j < na; j++)
				if (JbEqual(&items[i], &items[j]))
				{
					*first = i;
					*second = j;
					return false;
				}
	}
	else
	{
		uint64	   *hi = palloc(na * sizeof(uint64));

		for (int i = 0; i < na; i++)
		{
			CHECK_FOR_INTERRUPTS();
			hi[i] = ((uint64) JbHash(&items[i]) << 32) | (uint32) i;
		}
		qsort(hi, na, sizeof(uint64), HashIdxCmp);
		for (int i = 0; i < na; i++)
		{
			for (int j = i + 1; j < na && (hi[j] >> 32) == (hi[i] >> 32); j++)
			{
				int			a = (int) (uint32) hi[i];
				int			b = (int) (uint32) hi[j];

				if (JbEqual(&items[a], &items[b]))
				{
					*first = Min(a, b);
					*second = Max(a, b);
					return false;
				}
			}
		}
	}
	return true;
}

static bool
EvalArray(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A)
{
	JsonbContainer *c = v->val.binary.data;
	int			na = JsonContainerSize(c);
	bool		ok = true;

	if (n->max_items >= 0 && na > n->max_items)
	{
		REPORT(st, n, "maxItems", "array must have at most " INT64_FORMAT " item%s",
			   n->max_items, n->max_items == 1 ? "" : "s");
		FAIL(st);
	}
	if (n->min_items > 0 && na < n->min_items)
	{
		REPORT(st, n, "minItems", "array must have at least " INT64_FORMAT " item%s",
			   n->min_items, n->min_items == 1 ? "" : "s");
		FAIL(st);
	}
	if (n->nprefix > 0 || n->items)
	{
		JbCursor	cur;

		JbCursorInit(&cur, c, 0);
		for (int i = 0; i < na; i++)
		{
			JsonbValue	e;
			bool		good;
			CfgNode    *s = i < n->nprefix ? n->prefix[i] : n->items;
			const char *kw = i < n->nprefix ? n->prefix_kw : n->items_kw;

			if (s == NULL)
				break;
			CHECK_FOR_INTERRUPTS();
			JbCursorNext(&cur, &e);
			if (s->kind == NODE_FALSE && i >= n->nprefix)
			{
				Report(st, s, kw, NULL, "array must have at most %d item%s", n->nprefix,
					   n->nprefix == 1 ? "" : "s");
				FAIL(st);
				break;
			}
			if (s->kind == NODE_FALSE)
			{
				Report(st, s, kw, NULL, "item at index %d is not allowed", i);
				FAIL(st);
				continue;
			}
			PathPush(st, NULL, i);
			good = EvalChild(st, s, &e, kw);
			PathPop(st);
			if (!good)
				FAIL(st);
		}
		if (n->items && A)
			A->all = true;
		else
			for (int i = 0; i < Min(na, n->nprefix); i++)
				AnnotMark(A, i);
	}
	if (n->contains)
	{
		int64		matches = 0;
		JbCursor	cur;

		JbCursorInit(&cur, c, 0);
		for (int i = 0; i < na; i++)
		{
			JsonbValue	e;
			bool		save = st->report;
			bool		m;

			CHECK_FOR_INTERRUPTS();
			JbCursorNext(&cur, &e);
			st->report = false;
			m = EvalChild(st, n->contains, &e, "contains");
			st->report = save;
			if (m)
			{
				matches++;
				AnnotMark(A, i);
				/* with no upper bound and no annotations wanted, enough is enough */
				if (A == NULL && n->max_contains < 0 && matches >= n->min_contains)
					break;
			}
		}
		if (matches < n->min_contains)
		{
			REPORT(st, n, n->min_contains == 1 ? "contains" : "minContains",
				   "array must contain at least " INT64_FORMAT " matching item%s",
				   n->min_contains, n->min_contains == 1 ? "" : "s");
			FAIL(st);
		}
		if (n->max_contains >= 0 && matches > n->max_contains)
		{
			REPORT(st, n, "maxContains", "array must contain at most " INT64_FORMAT " matching item%s",
				   n->max_contains, n->max_contains == 1 ? "" : "s");
			FAIL(st);
		}
	}
	if (n->unique_items && na > 1)
	{
		int			a;
		int			b;

		if (!ArrayUnique(c, na, &a, &b))
		{
			REPORT(st, n, "uniqueItems", "array items %d and %d are equal", a, b);
			FAIL(st);
		}
	}
	return ok;
}

/* Apply a property's schema (kw says which keyword matched it). */
static bool
EvalProp(VState *st, CfgNode *s, const JsonbValue *k, const JsonbValue *val, const char *kw)
{
	bool		ok;

	if (s->kind == NODE_FALSE)
	{
		Report(st, s, kw, NULL, "%sproperty \"%.*s\" is not allowed",
			   kw[0] == 'a' ? "additional " : (kw[0] == 'u' ? "unevaluated " : ""),
			   k->val.string.len, k->val.string.val);
		return false;
	}
	PathPush(st, k->val.string.val, k->val.string.len);
	ok = EvalChild(st, s, val, kw);
	PathPop(st);
	return ok;
}

static bool
EvalObject(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A)
{
	JsonbContainer *c = v->val.binary.data;
	int			np = JsonContainerSize(c);
	bool		ok = true;
	JsonbValue	tmp;

	if (n->max_props >= 0 && np > n->max_props)
	{
		REPORT(st, n, "maxProperties", "object must have at most " INT64_FORMAT " propert%s",
			   n->max_props, n->max_props == 1 ? "y" : "ies");
		FAIL(st);
	}
	if (n->min_props > 0 && np < n->min_props)
	{
		REPORT(st, n, "minProperties", "object must have at least " INT64_FORMAT " propert%s",
			   n->min_props, n->min_props == 1 ? "y" : "ies");
		FAIL(st);
	}
	if (n->flags & NF_OBJITER)
	{
		/* one pass over the keys, merged with the sorted names */
		JbCursor	kc;
		JbCursor	vc;
		int			pi = 0;
		int			ri = 0;

		JbCursorInit(&kc, c, 0);
		JbCursorInit(&vc, c, np);
		for (int i = 0; i < np; i++)
		{
			JsonbValue	k;
			JsonbValue	val;
			bool		matched = false;
			int			cmp = 1;

			CHECK_FOR_INTERRUPTS();
			JbCursorNextKey(&kc, &k);
			JbCursorNext(&vc, &val);
			for (; ri < n->nrequired; ri++)
			{
				cmp = JbKeyCmp(n->required[ri].name, n->required[ri].len,
							   k.val.string.val, k.val.string.len);
				if (cmp >= 0)
					break;
				REPORT(st, n, "required", "missing required property \"%s\"", n->required[ri].name);
				FAIL(st);
			}
			if (cmp == 0)
				ri++;
			for (cmp = 1; pi < n->nprops; pi++)
			{
				cmp = JbKeyCmp(n->props[pi].name, n->props[pi].len,
							   k.val.string.val, k.val.string.len);
				if (cmp >= 0)
					break;
			}
			if (cmp == 0)
			{
				matched = true;
				if (!EvalProp(st, n->props[pi].node, &k, &val, "properties"))
					FAIL(st);
				AnnotMark(A, i);
			}
			for (int j = 0; j < n->npatprops; j++)
			{
				if (RegexTest(n->patprops[j].re, n->patprops[j].fast, k.val.string.val, k.val.string.len))
				{
					matched = true;
					if (!EvalProp(st, n->patprops[j].node, &k, &val, "patternProperties"))
						FAIL(st);
					AnnotMark(A, i);
				}
			}
			if (!matched && n->additional_props)
			{
				if (!EvalProp(st, n->additional_props, &k, &val, "additionalProperties"))
					FAIL(st);
				AnnotMark(A, i);
			}
			if (n->property_names)
			{
				bool		save = st->report;
				bool		good;

				st->report = false;
				good = EvalChild(st, n->property_names, &k, "propertyNames");
				st->report = save;
				if (!good)
				{
					REPORT(st, n, "propertyNames", "property name \"%.*s\" is not valid",
						   k.val.string.len, k.val.string.val);
					FAIL(st);
				}
			}
		}
		for (; ri < n->nrequired; ri++)
		{
			REPORT(st, n, "required", "missing required property \"%s\"", n->required[ri].name);
			FAIL(st);
		}
	}
	else
	{
		for (int ri = 0; ri < n->nrequired; ri++)
		{
			if (!getKeyJsonValueFromContainer(c, n->required[ri].name, n->required[ri].len, &tmp))
			{
				REPORT(st, n, "required", "missing required property \"%s\"", n->required[ri].name);
				FAIL(st);
			}
		}
	}
	for (int i = 0; i < n->ndepreq; i++)
	{
		CfgDepReq  *d = &n->depreq[i];

		if (!getKeyJsonValueFromContainer(c, d->name, d->len, &tmp))
			continue;
		for (int j = 0; j < d->nreq; j++)
		{
			if (!getKeyJsonValueFromContainer(c, d->req[j].name, d->req[j].len, &tmp))
			{
				REPORT(st, n, n->depreq_kw, "property \"%s\" requires property \"%s\"",
					   d->name, d->req[j].name);
				FAIL(st);
			}
		}
	}
	for (int i = 0; i < n->ndepschemas; i++)
	{
		CfgProp    *d = &n->depschemas[i];

		if (getKeyJsonValueFromContainer(c, d->name, d->len, &tmp) &&
			!EvalInPlace(st, d->node, v, A, n->depschemas_kw))
			FAIL(st);
	}
	return ok;
}

/* The schema "$dynamicRef" lands on: the outermost scope's anchor. */
static CfgNode *
DynamicTarget(VState *st, CfgNode *n)
{
	for (int i = 0; i < st->nscope; i++)
	{
		CfgResource *r = st->scope[i];

		for (int j = 0; j < r->ndyn; j++)
			if (strcmp(r->dyn_names[j], n->dynref_anchor) == 0)
				return r->dyn_nodes[j];
	}
	return n->dynref;
}

static bool
EvalApplicators(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A)
{
	bool		ok = true;
	int			size = v->type == jbvBinary ? JsonContainerSize(v->val.binary.data) : 0;

	if (n->ref && !EvalInPlace(st, n->ref, v, A, "$ref"))
		FAIL(st);
	if (n->dynref &&
		!EvalInPlace(st, n->dynref_anchor ? DynamicTarget(st, n) : n->dynref, v, A, "$dynamicRef"))
		FAIL(st);
	for (int i = 0; i < n->nall; i++)
		if (!EvalInPlace(st, n->all_of[i], v, A, "allOf"))
			FAIL(st);
	if (n->nany)
	{
		bool		any = false;

		for (int i = 0; i < n->nany; i++)
		{
			CfgAnnot	t;

			AnnotInit(&t, size);
			if (EvalSilent(st, n->any_of[i], v, A ? &t : NULL, "anyOf"))
			{
				any = true;
				if (A == NULL)
					break;
				AnnotMerge(A, &t);
			}
		}
		if (!any)
		{
			REPORT(st, n, "anyOf", "value does not match any of the alternatives");
			FAIL(st);
		}
	}
	if (n->none)
	{
		int			first = -1;
		int			second = -1;
		CfgAnnot	win;

		for (int i = 0; i < n->none && second < 0; i++)
		{
			CfgAnnot	t;

			AnnotInit(&t, size);
			if (EvalSilent(st, n->one_of[i], v, A ? &t : NULL, "oneOf"))
			{
				if (first < 0)
				{
					first = i;
					win = t;
				}
				else
					second = i;
			}
		}
		if (first < 0)
		{
			REPORT(st, n, "oneOf", "value does not match any of the alternatives");
			FAIL(st);
		}
		else if (second >= 0)
		{
			REPORT(st, n, "oneOf", "value must match exactly one alternative but matches %d and %d",
				   first, second);
			FAIL(st);
		}
		else
			AnnotMerge(A, &win);
	}
	if (n->not_ && EvalSilent(st, n->not_, v, NULL, "not"))
	{
		REPORT(st, n, "not", "value must not be valid against the schema in \"not\"");
		FAIL(st);
	}
	if (n->if_)
	{
		CfgAnnot	t;

		AnnotInit(&t, size);
		if (EvalSilent(st, n->if_, v, A ? &t : NULL, "if"))
		{
			AnnotMerge(A, &t);
			if (n->then_ && !EvalInPlace(st, n->then_, v, A, "then"))
				FAIL(st);
		}
		else if (n->else_ && !EvalInPlace(st, n->else_, v, A, "else"))
			FAIL(st);
	}
	return ok;
}

/* unevaluatedProperties / unevaluatedItems, given n's own annotations. */
static bool
EvalUnevaluated(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A)
{
	bool		ok = true;
	JbCursor	kc;
	JbCursor	vc;
	int			size;

	if (v->type != jbvBinary)
		return true;
	size = JsonContainerSize(v->val.binary.data);
	if (JsonContainerIsObject(v->val.binary.data) && n->uneval_props)
	{
		JbCursorInit(&kc, v->val.binary.data, 0);
		JbCursorInit(&vc, v->val.binary.data, size);
		for (int i = 0; i < size; i++)
		{
			JsonbValue	k;
			JsonbValue	val;

			JbCursorNextKey(&kc, &k);
			JbCursorNext(&vc, &val);
			if (!AnnotHas(A, i) &&
				!EvalProp(st, n->uneval_props, &k, &val, "unevaluatedProperties"))
				FAIL(st);
		}
		A->all = true;
	}
	else if (JsonContainerIsArray(v->val.binary.data) && n->uneval_items)
	{
		JbCursorInit(&vc, v->val.binary.data, 0);
		for (int i = 0; i < size; i++)
		{
			JsonbValue	e;
			bool		good;

			JbCursorNext(&vc, &e);
			if (AnnotHas(A, i))
				continue;
			if (n->uneval_items->kind == NODE_FALSE)
			{
				Report(st, n->uneval_items, "unevaluatedItems", NULL,
					   "unevaluated item at index %d is not allowed", i);
				FAIL(st);
				continue;
			}
			PathPush(st, NULL, i);
			good = EvalChild(st, n->uneval_items, &e, "unevaluatedItems");
			PathPop(st);
			if (!good)
				FAIL(st);
		}
		A->all = true;
	}
	return ok;
}

/* The keywords of node n applied to v (see EvalNode). */
static bool
EvalBody(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *ann)
{
	bool		ok = true;
	int			kind = JbKind(v);
	CfgNum		num;

	if (kind == JT_NUMBER)
		CfgNumSet(&num, v->val.numeric);
	if ((n->flags & NF_TYPE) && !(n->types & kind) &&
		!(kind == JT_NUMBER && (n->types & JT_INTEGER) && (num.isint || NumIsIntegral(num.num))))
	{
		REPORT(st, n, "type", "expected %s, got %s", TypeList(n->types), JtName(kind));
		FAIL(st);
	}
	if (n->flags & NF_ENUM)
	{
		bool		found = false;

		if (v->type == jbvString)
		{
			CfgName		key = {v->val.string.val, v->val.string.len};

			found = bsearch(&key, n->enum_strs, n->nenum_strs, sizeof(CfgName), CfgNameCmp) != NULL;
		}
		else
			for (int i = 0; i < n->nenum && !found; i++)
				found = JbEqual(v, &n->enum_vals[i]);
		if (!found)
		{
			REPORT(st, n, "enum", "value must be one of the enumerated values");
			FAIL(st);
		}
	}
	if ((n->flags & NF_CONST) && !JbEqual(v, &n->const_val))
	{
		REPORT(st, n, "const", "value must be equal to the constant");
		FAIL(st);
	}
	switch (kind)
	{
		case JT_NUMBER:
			if ((n->flags & NF_NUMBER) && !EvalNumber(st, n, &num))
				FAIL(st);
			break;
		case JT_STRING:
			if ((n->flags & NF_STRING) && !EvalString(st, n, v->val.string.val, v->val.string.len))
				FAIL(st);
			break;
		case JT_ARRAY:
			if ((n->flags & NF_ARRAY) && !EvalArray(st, n, v, ann))
				FAIL(st);
			break;
		case JT_OBJECT:
			if ((n->flags & NF_OBJECT) && !EvalObject(st, n, v, ann))
				FAIL(st);
			break;
		default:
			break;
	}
	if ((n->flags & NF_INPLACE) && !EvalApplicators(st, n, v, ann))
		FAIL(st);
	if ((n->flags & NF_UNEVAL) && !EvalUnevaluated(st, n, v, ann))
		FAIL(st);
	return ok;
}

/*
 * "x-message": node n failed and reported the errors from index before on
 * in *st->errors.  Keep one error per instance path among them (the first
 * reported there, with its keyword and schema path) and give it n's
 * message.  Nested x-message nodes have collapsed their own errors first,
 * so the outermost failing one decides the text.
 */
static void
ApplyMessage(VState *st, const CfgNode *n, int before)
{
	MemoryContext old = MemoryContextSwitchTo(st->errcxt);
	List	   *added = NIL;
	List	   *errors = *st->errors;
	ListCell   *lc;

	for (int i = before; i < list_length(errors); i++)
		added = lappend(added, list_nth(errors, i));
	errors = list_truncate(errors, before);
	if (added == NIL)
	{
		/* a failure without a report of its own: still say why */
		CfgSchemaError *e = palloc(sizeof(CfgSchemaError));

		e->instance_path = PathString(st);
		e->keyword = pstrdup("x-message");
		e->schema_path = LocString(n->loc, "x-message");
		e->message = pstrdup(n->message);
		errors = lappend(errors, e);
	}
	foreach(lc, added)
	{
		CfgSchemaError *e = lfirst(lc);
		bool		seen = false;

		for (int i = before; i < list_length(errors) && !seen; i++)
			seen = strcmp(((CfgSchemaError *) list_nth(errors, i))->instance_path,
						  e->instance_path) == 0;
		if (seen)
			continue;
		e->message = pstrdup(n->message);
		errors = lappend(errors, e);
	}
	*st->errors = errors;
	MemoryContextSwitchTo(old);
}

/*
 * Apply node n to value v.  A collects the annotations (evaluated
 * properties/items) for an enclosing unevaluated* keyword, or is NULL
 * when nobody needs them.
 */
static bool
EvalNode(VState *st, CfgNode *n, const JsonbValue *v, CfgAnnot *A)
{
	bool		ok;
	bool		pushed = false;
	CfgAnnot	local;
	CfgAnnot   *ann = A;
	int			before;

	if (n->kind == NODE_TRUE)
		return true;
	if (n->kind == NODE_FALSE)
	{
		Report(st, n, st->via, NULL, "value is not allowed");
		return false;
	}
	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (++st->inplace > CFG_MAX_INPLACE)
		ereport(ERROR,
				(errcode(ERRCODE_STATEMENT_TOO_COMPLEX),
				 errmsg("JSON Schema evaluation does not terminate"),
				 errdetail("More than %d schemas were applied to one value without consuming input, the last one at \"%s%s\".",
						   CFG_MAX_INPLACE, n->loc->doc->uri ? "" : "#", LocString(n->loc, NULL))));
	if (st->dynamic && (st->nscope == 0 || st->scope[st->nscope - 1] != n->resource))
	{
		if (st->nscope == st->maxscope)
		{
			st->maxscope = st->maxscope ? st->maxscope * 2 : 16;
			st->scope = st->scope ? repalloc(st->scope, st->maxscope * sizeof(CfgResource *))
				: palloc(st->maxscope * sizeof(CfgResource *));
		}
		st->scope[st->nscope++] = n->resource;
		pushed = true;
	}
	if (n->flags & NF_UNEVAL)
	{
		AnnotInit(&local, v->type == jbvBinary ? JsonContainerSize(v->val.binary.data) : 0);
		ann = &local;
	}
	before = (n->message && st->report) ? list_length(*st->errors) : -1;
	ok = EvalBody(st, n, v, ann);
	if (!ok && before >= 0)
		ApplyMessage(st, n, before);
	if (ok && ann != A)
		AnnotMerge(A, ann);
	if (pushed)
		st->nscope--;
	st->inplace--;
	return ok;
}

bool
CfgSchemaValidate(CfgSchema *schema, Jsonb *doc, List **errors)
{
	VState		st;
	JsonbValue	root;
	MemoryContext old;
	bool		ok;

	if (cfg_scratch == NULL)
		cfg_scratch = AllocSetContextCreate(TopMemoryContext, "cfgmgr schema validation",
											ALLOCSET_DEFAULT_SIZES);
	memset(&st, 0, sizeof(st));
	st.report = st.track = (errors != NULL);
	st.dynamic = schema->dynamic;
	st.via = "false";
	st.errors = errors;
	st.errcxt = CurrentMemoryContext;
	old = MemoryContextSwitchTo(cfg_scratch);
	JbRootValue(doc, &root);
	ok = EvalNode(&st, schema->root, &root, NULL);
	MemoryContextSwitchTo(old);
	MemoryContextReset(cfg_scratch);
	return ok;
}

/* ---------------------------------------------------------------------
 * Compile cache
 * ---------------------------------------------------------------------
 */
typedef struct CfgCachedSchema
{
	uint32		hash;
	int			draft;			/* cfgmgr.schema_default_draft it was built with */
	Jsonb	   *key;			/* copy of the schema */
	CfgSchema  *schema;
} CfgCachedSchema;

static MemoryContext cache_cxt = NULL;
static CfgCachedSchema cache_ents[CFG_SCHEMA_CACHE_MAX];
static int	cache_n = 0;
static uint64 cache_gen = 0;
static uint64 cache_epoch = 0;	/* moves whenever entries are freed */

static void
CfgSchemaCacheReset(uint64 gen)
{
	MemoryContextReset(cache_cxt);
	cache_n = 0;
	cache_gen = gen;
	cache_epoch++;
}

/*
 * The compiled form of schema: from the cache (valid until the cache moves
 * on), or compiled now.  When CfgCacheUsable() is false (cfgmgr.cache off,
 * or a transaction reading through one snapshot) the cache is bypassed and
 * the result lives in a new child of CurrentMemoryContext.
 */
CfgSchema *
CfgSchemaGetCached(Jsonb *schema)
{
	uint64		gen;
	uint32		h;
	MemoryContext cxt;
	CfgSchema  *s;
	CfgCachedSchema *e;

	CfgAcceptInvalidations();
	(void) CfgSignalRelid(true);	/* invalidations are matched against it */
	gen = CfgCatalogGeneration();
	if (!CfgCacheUsable())
		return CfgSchemaCompile(schema, NULL,
								AllocSetContextCreate(CurrentMemoryContext, "cfgmgr compiled schema",
													  ALLOCSET_SMALL_SIZES));
	if (cache_cxt == NULL)
		cache_cxt = AllocSetContextCreate(CacheMemoryContext, "cfgmgr schema cache",
										  ALLOCSET_SMALL_SIZES);
	if (gen != cache_gen)
		CfgSchemaCacheReset(gen);
	h = hash_bytes((const unsigned char *) schema, VARSIZE(schema));
	for (int i = 0; i < cache_n; i++)
	{
		e = &cache_ents[i];
		if (e->hash == h && e->draft == cfgmgr_schema_default_draft &&
			VARSIZE(e->key) == VARSIZE(schema) && memcmp(e->key, schema, VARSIZE(schema)) == 0)
			return e->schema;
	}
	/* compiled outside the cache first, so that an error leaves no trace */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr compiled schema",
								ALLOCSET_SMALL_SIZES);
	s = CfgSchemaCompile(schema, NULL, cxt);
	if (cache_n == CFG_SCHEMA_CACHE_MAX)
		CfgSchemaCacheReset(gen);
	MemoryContextSetParent(cxt, cache_cxt);
	e = &cache_ents[cache_n++];
	e->hash = h;
	e->draft = cfgmgr_schema_default_draft;
	e->key = MemoryContextAlloc(cxt, VARSIZE(schema));
	memcpy(e->key, schema, VARSIZE(schema));
	e->schema = s;
	return s;
}

/* ---------------------------------------------------------------------
 * Resource loader
 * ---------------------------------------------------------------------
 */

/* can't-happen failures of internal calls, checked on one line */
#define CFG_CHECK(cond, what) \
	do { if (!(cond)) elog(ERROR, "%s failed", (what)); } while (0)

static SPIPlanPtr plan_fetch = NULL;
static SPIPlanPtr plan_register = NULL;

static SPIPlanPtr
CfgPlan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		CFG_CHECK(p != NULL && SPI_keepplan(p) == 0, "SPI_prepare");
		*plan = p;
	}
	return *plan;
}

/*
 * Read document of cfgmgr.schema_resource for uri (an absolute URI without
 * fragment; a row stored with an empty fragment, "...#", matches too).
 * Runs as the table's owner (cfgmgr_owner): schema documents are
 * readable through validation by anyone who may validate, but the table
 * itself is not granted to PUBLIC.  Returns a copy in the caller's memory context.
 */
Jsonb *
CfgSchemaFetchResource(const char *uri)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[2] = {TEXTOID, TEXTOID};
	Datum		args[2];
	CfgUserSave save;
	Snapshot	snap;
	Jsonb	   *result = NULL;
	int			ret;

	CFG_CHECK(SPI_connect() == SPI_OK_CONNECT, "SPI_connect");
	args[0] = CStringGetTextDatum(uri);
	args[1] = CStringGetTextDatum(psprintf("%s#", uri));
	CfgBecomeOwner(&save);
	snap = CfgReadSnapshotPush();
	ret = SPI_execute_plan(CfgPlan(&plan_fetch,
								   "SELECT document FROM cfgmgr.schema_resource"
								   " WHERE uri OPERATOR(pg_catalog.=) $1 OR uri OPERATOR(pg_catalog.=) $2"
								   " ORDER BY uri LIMIT 1",
								   2, types),
						   args, NULL, true, 1);
	CfgReadSnapshotPop(snap);
	CfgRestoreUser(&save);
	CFG_CHECK(ret == SPI_OK_SELECT, "reading cfgmgr.schema_resource");
	if (SPI_processed == 1)
	{
		bool		isnull;
		Jsonb	   *doc = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
													   SPI_tuptable->tupdesc, 1, &isnull));

		result = MemoryContextAlloc(caller, VARSIZE(doc));
		memcpy(result, doc, VARSIZE(doc));
	}
	SPI_finish();
	return result;
}

/* ---------------------------------------------------------------------
 * SQL entry points
 * ---------------------------------------------------------------------
 */

/* Last schema used by one call site (fn_extra). */
typedef struct CfgFnCache
{
	MemoryContext cxt;			/* key copy and private compilations */
	char	   *key;			/* the argument as passed (maybe compressed) */
	Size		keylen;
	int			draft;
	uint64		gen;
	uint64		epoch;
	bool		shared;			/* schema lives in the backend cache */
	bool		stable;			/* the schema argument is a constant */
	CfgSchema  *schema;
} CfgFnCache;

/*
 * The compiled schema for argument 0 of this call: the previous call's
 * when the argument bytes are the same and nothing was invalidated since.
 * The bytes are compared before detoasting, so a schema read from a table
 * is neither fetched nor decompressed for every row: a compressed value
 * compares as compressed, and an on-disk TOAST pointer names one immutable
 * value (an update stores a new one under a new value OID).  In-memory
 * pointers (indirect, expanded) always take the lookup.
 */
static CfgSchema *
CfgFnSchema(FunctionCallInfo fcinfo)
{
	CfgFnCache *fc = fcinfo->flinfo->fn_extra;
	struct varlena *raw = (struct varlena *) PG_GETARG_POINTER(0);
	Size		rawlen = VARSIZE_ANY(raw);
	MemoryContext old;

	CfgAcceptInvalidations();
	if (fc == NULL)
	{
		fc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(CfgFnCache));
		fc->cxt = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "cfgmgr schema of a call",
										ALLOCSET_SMALL_SIZES);

		/*
		 * A literal schema is the same in every call: no memcmp.  (Not any
		 * "stable" argument: a PL/pgSQL variable is a Param whose value
		 * changes between evaluations of one expression state.)
		 */
		fc->stable = fcinfo->flinfo->fn_expr && IsA(fcinfo->flinfo->fn_expr, FuncExpr) &&
			IsA(linitial(((FuncExpr *) fcinfo->flinfo->fn_expr)->args), Const);
		fcinfo->flinfo->fn_extra = fc;
	}
	else if (fc->schema && fc->draft == cfgmgr_schema_default_draft &&
			 fc->gen == CfgCatalogGeneration() && (!fc->shared || fc->epoch == cache_epoch) &&
			 (fc->stable ||
			  ((!VARATT_IS_EXTERNAL(raw) || VARATT_IS_EXTERNAL_ONDISK(raw)) &&
			   fc->keylen == rawlen && memcmp(fc->key, raw, rawlen) == 0)))
		return fc->schema;
	MemoryContextReset(fc->cxt);
	fc->schema = NULL;
	old = MemoryContextSwitchTo(fc->cxt);
	fc->gen = CfgCatalogGeneration();
	fc->draft = cfgmgr_schema_default_draft;
	fc->shared = CfgCacheUsable();
	fc->schema = CfgSchemaGetCached(PG_GETARG_JSONB_P(0));
	fc->epoch = cache_epoch;
	fc->key = palloc(rawlen);
	memcpy(fc->key, raw, rawlen);
	fc->keylen = rawlen;
	MemoryContextSwitchTo(old);
	return fc->schema;
}

/*
 * cfgmgr.is_valid(schema jsonb, doc jsonb) RETURNS bool
 */
Datum
cfgmgr_is_valid(PG_FUNCTION_ARGS)
{
	CfgSchema  *schema = CfgFnSchema(fcinfo);

	PG_RETURN_BOOL(CfgSchemaValidate(schema, PG_GETARG_JSONB_P(1), NULL));
}

/*
 * cfgmgr.validate_document(schema jsonb, doc jsonb)
 *		RETURNS TABLE(path text, keyword text, message text)
 */
Datum
cfgmgr_validate_document(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CfgSchema  *s = CfgFnSchema(fcinfo);
	Jsonb	   *doc = PG_GETARG_JSONB_P(1);
	List	   *errors = NIL;
	ListCell   *lc;

	InitMaterializedSRF(fcinfo, 0);
	(void) CfgSchemaValidate(s, doc, &errors);
	foreach(lc, errors)
	{
		CfgSchemaError *e = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(e->instance_path);
		values[1] = CStringGetTextDatum(e->keyword);
		values[2] = CStringGetTextDatum(e->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * cfgmgr.register_schema_resource(uri text, document jsonb) RETURNS void
 *
 * Stores (or replaces) a document that "$ref", "$dynamicRef" and
 * "$schema" can name by uri, after checking that uri is absolute without
 * a fragment and that the document compiles with uri as its base.
 */
Datum
cfgmgr_register_schema_resource(PG_FUNCTION_ARGS)
{
	char	   *uri = text_to_cstring(PG_GETARG_TEXT_PP(0));
	Jsonb	   *doc = PG_GETARG_JSONB_P(1);
	size_t		len = strlen(uri);
	MemoryContext cxt;
	Oid			types[2] = {TEXTOID, JSONBOID};
	Datum		args[2];
	int			ret;

	/* "http://json-schema.org/draft-07/schema#" names the document itself */
	if (len > 0 && uri[len - 1] == '#')
		uri[len - 1] = '\0';
	if (!UriIsAbsolute(uri) || strchr(uri, '#') != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid schema resource URI \"%s\"", text_to_cstring(PG_GETARG_TEXT_PP(0))),
				 errdetail("A schema resource URI must be absolute (start with a scheme such as \"https:\") and must not have a fragment.")));
	/* stored as references resolve to it ("https://host" as "https://host/") */
	uri = UriResolve(uri, uri);
	cxt = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr schema resource check",
								ALLOCSET_SMALL_SIZES);
	(void) CfgSchemaCompile(doc, uri, cxt);
	MemoryContextDelete(cxt);

	CFG_CHECK(SPI_connect() == SPI_OK_CONNECT, "SPI_connect");
	args[0] = CStringGetTextDatum(uri);
	args[1] = JsonbPGetDatum(doc);
	ret = SPI_execute_plan(CfgPlan(&plan_register,
								   "INSERT INTO cfgmgr.schema_resource AS r (uri, document) VALUES ($1, $2)"
								   " ON CONFLICT (uri) DO UPDATE SET document = EXCLUDED.document,"
								   " builtin = false, registered_at = pg_catalog.now()",
								   2, types),
						   args, NULL, false, 0);
	CFG_CHECK(ret == SPI_OK_INSERT, "writing cfgmgr.schema_resource");
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * GUCs
 * ---------------------------------------------------------------------
 */
void
CfgSchemaGucInit(void)
{
	DefineCustomEnumVariable("cfgmgr.schema_default_draft",
							 gettext_noop("JSON Schema draft of schemas without \"$schema\"."),
							 gettext_noop("2020-12 or 7 (draft-07)."),
							 &cfgmgr_schema_default_draft,
							 CFG_DRAFT_2020_12,
							 cfg_draft_options,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("cfgmgr.schema_format_assert",
							 gettext_noop("Makes the JSON Schema keyword \"format\" an assertion."),
							 gettext_noop("When off, \"format\" is an annotation only, unless a meta-schema requires the format-assertion vocabulary."),
							 &cfgmgr_schema_format_assert,
							 true,
							 PGC_USERSET, 0,
							 NULL, NULL, NULL);
}
