/*-------------------------------------------------------------------------
 *
 * cfg_import.c
 *	  Importing a document (YAML or JSON) into an environment: the part
 *	  shared by both formats.
 *
 * A reader (cfg_yaml.c, cfg_jsonimport.c) builds a tree of CfgDocNode,
 * calling CfgDocMapFinish on every mapping (duplicate keys, merge keys).
 * CfgImportRun then:
 *	1. walks the tree into rows: a mapping reached through path keys
 *	   descends (its keys extend the path; a key may itself be a dotted
 *	   path) when it is not empty, is not tagged !value and every key is a
 *	   valid path; anything else is one jsonb value stored at its path;
 *	   !block stores a tombstone.  Aliases are expanded here, and every
 *	   visited node counts against a budget proportional to the input;
 *	2. refuses a path named twice (a dotted key and a nested one) and marks
 *	   the rows tagged !secret (CfgImportSecretFlags; the entry trigger
 *	   encrypts them);
 *	3. writes everything with one INSERT ... ON CONFLICT over unnest'ed
 *	   arrays that skips unchanged rows (so a re-import writes no history),
 *	   preceded with replace => true by one DELETE of the rows the document
 *	   does not name.  Nothing is written before the whole document was
 *	   read, typed and checked.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"

#include "cfg_errcodes.h"
#include "cfg_yaml.h"
#include "cfgmgr.h"
#include "cfgpath.h"

int			cfgmgr_import_max_size = 64 * 1024 * 1024;

/* numeric's limits (numeric.c): decimal weight and display scale */
#define CFG_NUMERIC_MAX_WEIGHT10	131071
#define CFG_NUMERIC_MAX_DSCALE		16383

/* expansion budget: at least this many nodes and bytes, else 10x the input */
#define CFG_DOC_MIN_NODES		1000000
#define CFG_DOC_MIN_BYTES		((int64) 32 * 1024 * 1024)
#define CFG_DOC_EXPANSION		10

static SPIPlanPtr plan_import = NULL;
static SPIPlanPtr plan_import_delete = NULL;

void
CfgImportGucInit(void)
{
	DefineCustomIntVariable("cfgmgr.import_max_size",
							gettext_noop("Largest document cfgmgr.import_yaml and cfgmgr.import_json accept."),
							gettext_noop("Larger documents are refused before they are parsed."),
							&cfgmgr_import_max_size,
							64 * 1024 * 1024, 1, MaxAllocSize,
							PGC_USERSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
}

/* ---------------------------------------------------------------------
 * Building the tree (called by the readers)
 * ---------------------------------------------------------------------
 */
/*
 * Memory for the tree: a bump allocator over 64 kB blocks of the import's
 * memory context.  A document has a node per scalar; separate pallocs (a
 * header each, sizes rounded up to a power of 2) doubled the memory an
 * import touches and made the reader twice as slow.
 */
#define CFG_DOC_ARENA_BLOCK (64 * 1024)

void *
CfgDocAlloc(CfgDocState *st, Size size)
{
	void	   *p;

	size = MAXALIGN(size);
	if (size > st->arena_left)
	{
		if (size > CFG_DOC_ARENA_BLOCK / 8)
			return palloc_extended(size, MCXT_ALLOC_HUGE);
		st->arena = palloc(CFG_DOC_ARENA_BLOCK);
		st->arena_left = CFG_DOC_ARENA_BLOCK;
	}
	p = st->arena;
	st->arena += size;
	st->arena_left -= size;
	return p;
}

/* A NUL-terminated copy of s[0..len) in the arena. */
char *
CfgDocStrdup(CfgDocState *st, const char *s, int len)
{
	char	   *res = CfgDocAlloc(st, len + 1);

	memcpy(res, s, len);
	res[len] = '\0';
	return res;
}

CfgDocNode *
CfgDocNew(CfgDocState *st, CfgDocKind kind, int line, int column)
{
	CfgDocNode *node = CfgDocAlloc(st, sizeof(CfgDocNode));

	memset(node, 0, sizeof(CfgDocNode));

	node->kind = kind;
	node->line = line;
	node->column = column;
	return node;
}

/* Append an element (sequence) or a key or value (mapping). */
void
CfgDocAppend(CfgDocNode *parent, CfgDocNode *child)
{
	if (parent->n == parent->max)
	{
		parent->max = parent->max == 0 ? 8 : parent->max * 2;
		if (parent->u.items == NULL)
			parent->u.items = palloc(sizeof(CfgDocNode *) * parent->max);
		else
			parent->u.items = repalloc_huge(parent->u.items,
										  sizeof(CfgDocNode *) * parent->max);
	}
	parent->u.items[parent->n++] = child;
}

/*
 * Count nodes and bytes of the document as the walk visits them (aliases
 * expanded) and refuse documents that expand past the budget.
 */
static void
CfgDocBudgetExceeded(CfgDocState *st, CfgDocNode *at)
{
	CfgDocNode *site = st->alias_site ? st->alias_site : at;

	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
			 errmsg("invalid %s document at line %d, column %d: aliases and merge keys expand to more than %lld nodes or %lld bytes",
					st->format, site->line, site->column,
					(long long) st->max_nodes, (long long) st->max_bytes),
			 errdetail("An import may expand aliases and merge keys to at most max(%d, %d x the document's size) nodes and max(%lld, %d x the document's size) bytes of text.",
					   CFG_DOC_MIN_NODES, CFG_DOC_EXPANSION,
					   (long long) CFG_DOC_MIN_BYTES, CFG_DOC_EXPANSION),
			 errhint("Repeat large nodes less often through aliases.")));
}

static inline void
CfgDocCount(CfgDocState *st, CfgDocNode *node, int64 nodes)
{
	st->nodes += nodes;
	if (node->kind <= CFG_DOC_STRING)
		st->bytes += node->len;
	if (st->nodes > st->max_nodes || st->bytes > st->max_bytes)
		CfgDocBudgetExceeded(st, node);
	if ((st->nodes & 4095) == 0)
		CHECK_FOR_INTERRUPTS();
}

/*
 * A key or scalar shown in a message: at most 64 characters, control
 * characters (newlines) as spaces.
 */
char *
CfgDocShow(const char *s, int len)
{
	int			cut = pg_mbcliplen(s, len, 64);
	char	   *res = psprintf("%.*s%s", cut, s, cut < len ? "..." : "");
	char	   *p;

	for (p = res; *p; p++)
		if ((unsigned char) *p < 0x20)
			*p = ' ';
	return res;
}

/*
 * Classify a mapping key: one label, a dotted path, or neither.
 */
int
CfgDocPathKeyKind(const char *s, int len)
{
	int			i;
	bool		dot = false;
	int			errpos;

	if (len <= 0 || len > CFGPATH_MAX_LEN)
		return CFG_KEY_OTHER;
	for (i = 0; i < len; i++)
	{
		if (s[i] == '.')
			dot = true;
		else if (!CFG_LABEL_CHAR(s[i]))
			return CFG_KEY_OTHER;
	}
	if (!dot)
		return len <= CFGPATH_MAX_LABEL_LEN ? CFG_KEY_LABEL : CFG_KEY_OTHER;
	return CfgPathCheck(s, len, &errpos) == NULL ? CFG_KEY_PATH : CFG_KEY_OTHER;
}

/*
 * A small open-addressing set of key nodes, compared by their text: finds
 * duplicate keys and applies merge keys in linear time.
 */
typedef struct CfgKeySet
{
	uint32		mask;
	CfgDocNode **slots;
} CfgKeySet;

static void
CfgKeySetInit(CfgKeySet *ks, int expected)
{
	uint32		size = 16;

	while (size < (uint32) expected * 2 && size < (1U << 30))
		size <<= 1;
	ks->mask = size - 1;
	ks->slots = palloc_extended(sizeof(CfgDocNode *) * size,
								MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
}

/* Add key; returns the node already holding the same text, or NULL. */
static CfgDocNode *
CfgKeySetAdd(CfgKeySet *ks, CfgDocNode *key)
{
	uint32		h = hash_bytes((const unsigned char *) key->str, key->len) & ks->mask;

	for (;;)
	{
		CfgDocNode *slot = ks->slots[h];

		if (slot == NULL)
		{
			ks->slots[h] = key;
			return NULL;
		}
		if (slot->len == key->len && memcmp(slot->str, key->str, key->len) == 0)
			return slot;
		h = (h + 1) & ks->mask;
	}
}

static inline CfgDocNode *
CfgDocDeref(CfgDocNode *node)
{
	return node->kind == CFG_DOC_ALIAS ? node->u.target : node;
}

/*
 * Finish a mapping once all its pairs are read: refuse duplicate keys,
 * apply merge keys ("<<": a mapping or a sequence of mappings whose pairs
 * are added unless the mapping has the key already; earlier mappings win
 * over later ones) and note whether every key is a path (CFG_DOC_F_PATHKEYS).
 * Mappings are finished bottom-up, so merged mappings are final already.
 */
void
CfgDocMapFinish(CfgDocState *st, CfgDocNode *map)
{
	CfgDocNode *merge_key = NULL;
	CfgDocNode *merge_value = NULL;
	CfgDocNode **sources = NULL;
	int			nsources = 0;
	int			max = map->n;
	CfgKeySet	ks;
	int			i;
	bool		pathkeys = true;

	Assert(map->kind == CFG_DOC_MAP && map->n % 2 == 0);
	if (map->n == 0)
		return;

	/* the merge key, its mappings, and how many pairs there may be */
	for (i = 0; i < map->n; i += 2)
	{
		CfgDocNode *key = map->u.items[i];

		if (!(key->flags & CFG_DOC_F_MERGE))
			continue;
		if (merge_key != NULL)
			CfgDocError(st, key->line, key->column,
						"duplicate merge key \"<<\" (first at line %d, column %d)",
						merge_key->line, merge_key->column);
		merge_key = key;
		merge_value = map->u.items[i + 1];
	}
	if (merge_key != NULL)
	{
		CfgDocNode *v = CfgDocDeref(merge_value);
		int			s;

		if (v->kind == CFG_DOC_MAP)
		{
			sources = palloc(sizeof(CfgDocNode *));
			sources[0] = v;
			nsources = 1;
		}
		else if (v->kind == CFG_DOC_SEQ)
		{
			sources = v->u.items;
			nsources = v->n;
			for (s = 0; s < nsources; s++)
				if (CfgDocDeref(sources[s])->kind != CFG_DOC_MAP)
					CfgDocError(st, sources[s]->line, sources[s]->column,
								"the sequence of a merge key \"<<\" must hold only mappings");
		}
		else
			CfgDocError(st, merge_value->line, merge_value->column,
						"the value of a merge key \"<<\" must be a mapping or a sequence of mappings");
		for (s = 0; s < nsources; s++)
		{
			/* merged pairs are copies: they count against the budget */
			CfgDocCount(st, merge_key, CfgDocDeref(sources[s])->n / 2);
			max += CfgDocDeref(sources[s])->n;
		}
	}

	/* duplicate keys */
	CfgKeySetInit(&ks, max / 2);
	for (i = 0; i < map->n; i += 2)
	{
		CfgDocNode *key = map->u.items[i];
		CfgDocNode *prev;

		if (key->flags & CFG_DOC_F_MERGE)
			continue;
		prev = CfgKeySetAdd(&ks, key);
		if (prev != NULL)
			CfgDocError(st, key->line, key->column,
						"duplicate key \"%s\" (first at line %d, column %d)",
						CfgDocShow(key->str, key->len), prev->line, prev->column);
	}

	/* merged pairs follow the mapping's own; the first to name a key wins */
	if (merge_key != NULL)
	{
		CfgDocNode **items = palloc_extended(sizeof(CfgDocNode *) * max, MCXT_ALLOC_HUGE);
		int			n = 0;
		int			s;

		for (i = 0; i < map->n; i += 2)
		{
			if (map->u.items[i]->flags & CFG_DOC_F_MERGE)
				continue;
			items[n++] = map->u.items[i];
			items[n++] = map->u.items[i + 1];
		}
		for (s = 0; s < nsources; s++)
		{
			CfgDocNode *src = CfgDocDeref(sources[s]);

			for (i = 0; i < src->n; i += 2)
			{
				if ((i & 4095) == 0)
					CHECK_FOR_INTERRUPTS();
				if (CfgKeySetAdd(&ks, src->u.items[i]) != NULL)
					continue;
				items[n++] = src->u.items[i];
				items[n++] = src->u.items[i + 1];
			}
		}
		map->u.items = items;
		map->n = n;
		map->max = max;
	}
	pfree(ks.slots);

	for (i = 0; i < map->n && pathkeys; i += 2)
		pathkeys = CfgDocPathKeyKind(map->u.items[i]->str, map->u.items[i]->len) != CFG_KEY_OTHER;
	if (map->n > 0 && pathkeys)
		map->flags |= CFG_DOC_F_PATHKEYS;
}

/*
 * A number, as text of the form [-+]digits[.digits][e[-+]digits] (or
 * .digits), converted to numeric.  Values numeric cannot hold are refused
 * with the document error rather than numeric_in's.
 */
Numeric
CfgDocNumeric(CfgDocState *st, const char *text, int line, int column)
{
	const char *p = text;
	int			intdigits = 0;
	int			fracdigits = 0;
	int			fraclead = 0;
	bool		nonzero = false;
	int64		exp = 0;
	bool		expneg = false;
	int64		weight;
	int64		dscale;

	if (*p == '-' || *p == '+')
		p++;
	while (*p == '0')
		p++;
	while (*p >= '0' && *p <= '9')
	{
		intdigits++;
		nonzero = true;
		p++;
	}
	if (*p == '.')
	{
		p++;
		while (*p >= '0' && *p <= '9')
		{
			if (!nonzero && *p == '0')
				fraclead++;
			else
				nonzero = true;
			fracdigits++;
			p++;
		}
	}
	if (*p == 'e' || *p == 'E')
	{
		p++;
		if (*p == '-' || *p == '+')
			expneg = (*p++ == '-');
		while (*p >= '0' && *p <= '9')
		{
			if (exp < 100000000)
				exp = exp * 10 + (*p - '0');
			p++;
		}
		if (expneg)
			exp = -exp;
	}
	if (nonzero)
		weight = (intdigits > 0 ? intdigits - 1 : -(fraclead + 1)) + exp;
	else
		weight = 0;
	dscale = Max(0, fracdigits - exp);
	if (weight > CFG_NUMERIC_MAX_WEIGHT10 || dscale > CFG_NUMERIC_MAX_DSCALE ||
		exp > 10000000 || exp < -10000000)
		CfgDocError(st, line, column, "number \"%.40s%s\" is out of range",
					text, strlen(text) > 40 ? "..." : "");
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* ---------------------------------------------------------------------
 * Walking the tree into rows
 * ---------------------------------------------------------------------
 */
typedef struct CfgImportRow
{
	char	   *path;
	int			pathlen;
	Jsonb	   *value;			/* NULL for a tombstone */
	CfgDocNode *key;			/* where the document names the path */
} CfgImportRow;

typedef struct CfgImportRows
{
	CfgDocState *st;
	StringInfoData path;		/* path of the node being walked */
	CfgImportRow *rows;
	int			n;
	int			max;
	List	   *secret_paths;	/* char * paths of !secret values */
	List	   *secret_nodes;	/* ... and the tagged nodes */
} CfgImportRows;

static void
CfgImportAddRow(CfgImportRows *r, CfgDocNode *key, Jsonb *value)
{
	CfgImportRow *row;

	if (r->n == r->max)
	{
		r->max = r->max == 0 ? 256 : r->max * 2;
		if (r->rows == NULL)
			r->rows = palloc(sizeof(CfgImportRow) * r->max);
		else
			r->rows = repalloc_huge(r->rows, sizeof(CfgImportRow) * r->max);
	}
	row = &r->rows[r->n++];
	row->path = CfgDocStrdup(r->st, r->path.data, r->path.len);
	row->pathlen = r->path.len;
	row->value = value;
	row->key = key;
}

static void
CfgImportNoteSecret(CfgImportRows *r, CfgDocNode *node)
{
	r->secret_paths = lappend(r->secret_paths, pnstrdup(r->path.data, r->path.len));
	r->secret_nodes = lappend(r->secret_nodes, node);
}

static void
CfgDocCheckDepth(CfgDocState *st, CfgDocNode *node, int depth)
{
	if (depth > CFG_DOC_MAX_DEPTH)
	{
		CfgDocNode *site = st->alias_site ? st->alias_site : node;

		CfgDocError(st, site->line, site->column,
					"collections nest deeper than %d levels", CFG_DOC_MAX_DEPTH);
	}
	check_stack_depth();
}

/* A scalar node as a jsonb scalar. */
void
CfgDocScalarValue(CfgDocNode *node, JsonbValue *v)
{
	switch ((CfgDocKind) node->kind)
	{
		case CFG_DOC_NULL:
			v->type = jbvNull;
			break;
		case CFG_DOC_BOOL:
			v->type = jbvBool;
			v->val.boolean = node->bval;
			break;
		case CFG_DOC_NUMBER:
			v->type = jbvNumeric;
			v->val.numeric = node->u.num;
			break;
		case CFG_DOC_STRING:
			v->type = jbvString;
			v->val.string.val = node->str;
			v->val.string.len = node->len;
			break;
		default:
			elog(ERROR, "unexpected document node kind %d", node->kind);
	}
}

/*
 * Follow an alias (the node a collection holds) and count the node reached
 * against the expansion budget.
 */
CfgDocNode *
CfgDocFollow(CfgDocState *st, CfgDocNode *node)
{
	node = CfgDocDeref(node);
	CfgDocCount(st, node, 1);
	return node;
}

/*
 * Push the (already visited, dereferenced) node as a JSON value: inside a
 * value, mappings are objects with any keys and tags only type scalars.
 * check (when not NULL) sees every node pushed, for the caller's rules on
 * cfgmgr's tags.  Aliases count against the expansion budget, and errors
 * inside an alias point at the alias.
 */
JsonbValue *
CfgDocPushJson(CfgDocState *st, JsonbParseState **ps, CfgDocNode *node,
			   JsonbIteratorToken tok, int depth, CfgDocTagCheck check, void *arg)
{
	JsonbValue	v;
	JsonbValue *res = NULL;
	int			i;

	CfgDocCheckDepth(st, node, depth);
	if (check)
		check(arg, node);

	switch ((CfgDocKind) node->kind)
	{
		case CFG_DOC_SEQ:
			res = pushJsonbValue(ps, WJB_BEGIN_ARRAY, NULL);
			for (i = 0; i < node->n; i++)
			{
				CfgDocNode *saved = st->alias_site;
				CfgDocNode *item = node->u.items[i];

				if (item->kind == CFG_DOC_ALIAS && saved == NULL)
					st->alias_site = item;
				CfgDocPushJson(st, ps, CfgDocFollow(st, item), WJB_ELEM, depth + 1, check, arg);
				st->alias_site = saved;
			}
			res = pushJsonbValue(ps, WJB_END_ARRAY, NULL);
			break;
		case CFG_DOC_MAP:
			res = pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
			for (i = 0; i < node->n; i += 2)
			{
				CfgDocNode *saved = st->alias_site;
				CfgDocNode *key = node->u.items[i];
				CfgDocNode *item = node->u.items[i + 1];

				CfgDocCount(st, key, 1);
				v.type = jbvString;
				v.val.string.val = key->str;
				v.val.string.len = key->len;
				(void) pushJsonbValue(ps, WJB_KEY, &v);
				if (item->kind == CFG_DOC_ALIAS && saved == NULL)
					st->alias_site = item;
				CfgDocPushJson(st, ps, CfgDocFollow(st, item), WJB_VALUE, depth + 1, check, arg);
				st->alias_site = saved;
			}
			res = pushJsonbValue(ps, WJB_END_OBJECT, NULL);
			break;
		default:
			CfgDocScalarValue(node, &v);
			res = pushJsonbValue(ps, tok, &v);
			break;
	}
	return res;
}

/* The import's rules inside a value: no !block; !secret noted. */
static void
CfgImportValueTags(void *arg, CfgDocNode *node)
{
	CfgImportRows *r = arg;

	if (node->flags & CFG_DOC_F_BLOCK)
		CfgDocError(r->st, node->line, node->column,
					"tag !block marks a path and cannot be used inside a value");
	if (node->flags & CFG_DOC_F_SECRET)
		CfgImportNoteSecret(r, node);
}

/*
 * The jsonb of a whole value (node already visited and dereferenced).
 * JsonbValueToJsonb returns its 1 kB (at least) work buffer: the value is
 * copied into the arena and the buffer given back, else an import of many
 * small values would touch a kilobyte for each.
 */
static Jsonb *
CfgDocToJsonb(CfgImportRows *r, CfgDocNode *node, int depth)
{
	JsonbParseState *ps = NULL;
	JsonbValue	v;
	Jsonb	   *j;
	Jsonb	   *res;

	if (node->kind == CFG_DOC_SEQ || node->kind == CFG_DOC_MAP)
		j = JsonbValueToJsonb(CfgDocPushJson(r->st, &ps, node, WJB_VALUE, depth,
												CfgImportValueTags, r));
	else
	{
		if (node->flags & CFG_DOC_F_SECRET)
			CfgImportNoteSecret(r, node);
		CfgDocScalarValue(node, &v);
		j = JsonbValueToJsonb(&v);
	}
	res = CfgDocAlloc(r->st, VARSIZE(j));
	memcpy(res, j, VARSIZE(j));
	pfree(j);
	return res;
}

static void CfgDocWalkMap(CfgImportRows *r, CfgDocNode *map, bool top, int depth);

/* The value of a path key: a tombstone, a mapping of paths, or a value. */
static void
CfgDocWalkValue(CfgImportRows *r, CfgDocNode *key, CfgDocNode *node, int depth)
{
	CfgDocState *st = r->st;
	CfgDocNode *saved = st->alias_site;

	if (node->kind == CFG_DOC_ALIAS && saved == NULL)
		st->alias_site = node;
	node = CfgDocDeref(node);
	CfgDocCount(st, node, 1);
	CfgDocCheckDepth(st, node, depth);

	if (node->flags & CFG_DOC_F_BLOCK)
		CfgImportAddRow(r, key, NULL);
	else if (node->kind == CFG_DOC_MAP && (node->flags & CFG_DOC_F_PATHKEYS) &&
			 !(node->flags & (CFG_DOC_F_VALUE | CFG_DOC_F_SECRET)))
		CfgDocWalkMap(r, node, false, depth);
	else
		CfgImportAddRow(r, key, CfgDocToJsonb(r, node, depth));
	st->alias_site = saved;
}

/* A mapping of paths to values (the top level, or below a path key). */
static void
CfgDocWalkMap(CfgImportRows *r, CfgDocNode *map, bool top, int depth)
{
	CfgDocState *st = r->st;
	int			base = r->path.len;
	int			i;

	for (i = 0; i < map->n; i += 2)
	{
		CfgDocNode *key = map->u.items[i];

		CfgDocCount(st, key, 1);
		if (top && CfgDocPathKeyKind(key->str, key->len) == CFG_KEY_OTHER)
		{
			int			errpos;
			char	   *detail = CfgPathCheck(key->str, key->len, &errpos);

			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
					 errmsg("invalid %s document at line %d, column %d: key \"%s\" is not a valid configuration path",
							st->format, key->line, key->column, CfgDocShow(key->str, key->len)),
					 detail ? errdetail("%s", detail) : 0,
					 errhint("Top-level keys are paths: labels of letters, digits, \"_\" and \"-\", separated by dots.")));
		}
		if (base > 0)
			appendStringInfoChar(&r->path, '.');
		appendBinaryStringInfo(&r->path, key->str, key->len);
		if (r->path.len > CFGPATH_MAX_LEN)
			CfgDocError(st, key->line, key->column,
						"path \"%.64s...\" is longer than %d bytes",
						r->path.data, CFGPATH_MAX_LEN);
		CfgDocWalkValue(r, key, map->u.items[i + 1], depth + 1);
		r->path.len = base;
		r->path.data[base] = '\0';
	}
}

static int
CfgImportRowCmp(const void *a, const void *b)
{
	const CfgImportRow *ra = (const CfgImportRow *) a;
	const CfgImportRow *rb = (const CfgImportRow *) b;
	int			c = CfgPathCmp(ra->path, ra->pathlen, rb->path, rb->pathlen);

	if (c != 0)
		return c;
	/* equal paths: document order, so the error names the later one */
	if (ra->key->line != rb->key->line)
		return ra->key->line < rb->key->line ? -1 : 1;
	if (ra->key->column != rb->key->column)
		return ra->key->column < rb->key->column ? -1 : 1;
	return 0;
}

/* A document naming one path twice ("a.b: 1" and "a: {b: 2}") is refused. */
static void
CfgImportCheckDuplicates(CfgImportRows *r)
{
	int			i;

	if (r->n < 2)
		return;
	qsort(r->rows, r->n, sizeof(CfgImportRow), CfgImportRowCmp);
	for (i = 1; i < r->n; i++)
	{
		CfgImportRow *a = &r->rows[i - 1];
		CfgImportRow *b = &r->rows[i];

		if (CfgPathCmp(a->path, a->pathlen, b->path, b->pathlen) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
					 errmsg("invalid %s document at line %d, column %d: path \"%s\" is given more than once (first at line %d, column %d)",
							r->st->format, b->key->line, b->key->column, b->path,
							a->key->line, a->key->column),
					 errhint("Write each path once, either as a dotted key or nested.")));
	}
}

/*
 * Secrets (!secret): the rows whose value is, or holds, a node tagged
 * !secret are stored as secrets (encrypted by the entry trigger; the mask
 * "********" keeps the secret stored at that path, so a masked export
 * imports back without change).  Sets secrets[i] for rows[i] (the rows
 * are sorted by path, as r->secret_paths is not).
 */
static void
CfgImportSecretFlags(CfgImportRows *r, bool *secrets)
{
	ListCell   *lc;

	memset(secrets, 0, sizeof(bool) * Max(r->n, 1));
	foreach(lc, r->secret_paths)
	{
		const char *p = lfirst(lc);
		int			plen = strlen(p);
		int			lo = 0,
					hi = r->n;

		while (lo < hi)
		{
			int			mid = (lo + hi) / 2;
			int			c = CfgPathCmp(r->rows[mid].path, r->rows[mid].pathlen, p, plen);

			if (c == 0)
			{
				secrets[mid] = r->rows[mid].value != NULL;
				break;
			}
			if (c < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
	}
}

/* ---------------------------------------------------------------------
 * Storing the rows
 * ---------------------------------------------------------------------
 */

/*
 * A fresh document state with the expansion budget for inputlen bytes of
 * input: aliases and merge keys may expand to CFG_DOC_EXPANSION times the
 * input, with a floor for small documents.
 */
void
CfgDocStateInit(CfgDocState *st, const char *format, Size inputlen)
{
	memset(st, 0, sizeof(*st));
	st->format = format;
	st->inputlen = inputlen;
	st->max_nodes = Max(CFG_DOC_MIN_NODES, CFG_DOC_EXPANSION * (int64) inputlen);
	st->max_bytes = Max(CFG_DOC_MIN_BYTES, CFG_DOC_EXPANSION * (int64) inputlen);
}

/*
 * Store the rows for (env_id, svc_id, provider); with replace, first remove
 * the entries the document does not name.  Returns the number of entries
 * inserted, updated or deleted.
 */
static uint64
CfgImportApply(int32 env_id, int32 svc_id, const char *provider, bool replace,
			   const char *message, CfgImportRows *r)
{
	Datum	   *paths = palloc(sizeof(Datum) * Max(r->n, 1));
	Datum	   *values = palloc(sizeof(Datum) * Max(r->n, 1));
	bool	   *vnulls = palloc(sizeof(bool) * Max(r->n, 1));
	Datum	   *tombs = palloc(sizeof(Datum) * Max(r->n, 1));
	bool	   *secrets = palloc(sizeof(bool) * Max(r->n, 1));
	Datum	   *secretd = palloc(sizeof(Datum) * Max(r->n, 1));
	int			dims[1];
	int			lbs[1] = {1};
	ArrayType  *patharr;
	uint64		changed = 0;
	int			ret;
	int			i;

	CfgImportSecretFlags(r, secrets);
	for (i = 0; i < r->n; i++)
	{
		secretd[i] = BoolGetDatum(secrets[i]);
		paths[i] = PointerGetDatum(cstring_to_text_with_len(r->rows[i].path, r->rows[i].pathlen));
		values[i] = r->rows[i].value ? JsonbPGetDatum(r->rows[i].value) : (Datum) 0;
		vnulls[i] = r->rows[i].value == NULL;
		tombs[i] = BoolGetDatum(r->rows[i].value == NULL);
	}
	dims[0] = r->n;
	patharr = construct_array(paths, r->n, TEXTOID, -1, false, TYPALIGN_INT);

	if (replace)
	{
		/* replacing removes whatever else is stored: refused, not filtered */
		CfgCatalog *cat = CfgGetCatalog();

		CfgAclRequire(CFG_PRIV_WRITE, CfgLookupEnvById(cat, env_id),
					  CfgLookupServiceById(cat, svc_id), NULL, 0);
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (replace)
	{
		Oid			types[4] = {INT4OID, INT4OID, TEXTOID, TEXTARRAYOID};
		Datum		args[4];

		args[0] = Int32GetDatum(env_id);
		args[1] = Int32GetDatum(svc_id);
		args[2] = CStringGetTextDatum(provider);
		args[3] = PointerGetDatum(patharr);
		ret = SPI_execute_plan(CfgKeepPlan(&plan_import_delete,
										   "DELETE FROM cfgmgr.entry e"
										   " WHERE e.env_id OPERATOR(pg_catalog.=) $1"
										   " AND e.service_id OPERATOR(pg_catalog.=) $2"
										   " AND e.provider OPERATOR(pg_catalog.=) $3"
										   " AND NOT EXISTS (SELECT FROM pg_catalog.unnest($4) AS u(p)"
										   " WHERE u.p OPERATOR(pg_catalog.=) e.path::pg_catalog.text)",
										   4, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_DELETE)
			elog(ERROR, "could not remove values: %s", SPI_result_code_string(ret));
		changed += SPI_processed;
	}
	if (r->n > 0)
	{
		Oid			types[8] = {INT4OID, INT4OID, TEXTARRAYOID, JSONBARRAYOID,
		BOOLARRAYOID, TEXTOID, TEXTOID, BOOLARRAYOID};
		Datum		args[8];
		char		nulls[8] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

		args[0] = Int32GetDatum(env_id);
		args[1] = Int32GetDatum(svc_id);
		args[2] = PointerGetDatum(patharr);
		args[3] = PointerGetDatum(construct_md_array(values, vnulls, 1, dims, lbs,
													 JSONBOID, -1, false, TYPALIGN_INT));
		args[4] = PointerGetDatum(construct_array(tombs, r->n, BOOLOID, 1, true, TYPALIGN_CHAR));
		args[5] = CStringGetTextDatum(provider);
		args[6] = message ? CStringGetTextDatum(message) : (Datum) 0;
		nulls[6] = message ? ' ' : 'n';
		args[7] = PointerGetDatum(construct_array(secretd, r->n, BOOLOID, 1, true, TYPALIGN_CHAR));

		/*
		 * Unchanged entries are skipped (no history row): filtered before the
		 * insert, since ON CONFLICT DO UPDATE would lock (write) every row it
		 * finds even when its WHERE is false; the WHERE still guards against
		 * a concurrent writer.  Values compare as text, so a change of
		 * representation (1 -> 1.0) is a change.  A secret given as the mask
		 * where a secret is stored is unchanged; a secret given in clear is
		 * written again (its ciphertext cannot be compared here).
		 */
		ret = SPI_execute_plan(CfgKeepPlan(&plan_import,
										   "INSERT INTO cfgmgr.entry AS e (env_id, service_id, path, provider, value,"
										   " tombstone, secret, message, changeset)"
										   " SELECT $1, $2, u.p::cfgmgr.cfgpath, $6, u.v, u.t, u.s, $7, 0"
										   " FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4),"
										   " pg_catalog.unnest($5), pg_catalog.unnest($8)) AS u(p, v, t, s)"
										   " WHERE NOT EXISTS (SELECT FROM cfgmgr.entry o"
										   " WHERE o.env_id OPERATOR(pg_catalog.=) $1"
										   " AND o.service_id OPERATOR(pg_catalog.=) $2"
										   " AND o.path OPERATOR(cfgmgr.=) u.p::cfgmgr.cfgpath"
										   " AND o.provider OPERATOR(pg_catalog.=) $6"
										   " AND o.tombstone OPERATOR(pg_catalog.=) u.t AND o.secret OPERATOR(pg_catalog.=) u.s"
										   " AND (u.t OR o.value::pg_catalog.text"
										   " OPERATOR(pg_catalog.=) u.v::pg_catalog.text))"
										   " ON CONFLICT (env_id, service_id, path, provider) DO UPDATE"
										   " SET value = excluded.value, tombstone = excluded.tombstone,"
										   " secret = excluded.secret, message = excluded.message"
										   " WHERE e.tombstone OPERATOR(pg_catalog.<>) excluded.tombstone"
										   " OR e.secret OPERATOR(pg_catalog.<>) excluded.secret"
										   " OR (NOT excluded.tombstone AND e.value::pg_catalog.text"
										   " OPERATOR(pg_catalog.<>) excluded.value::pg_catalog.text)",
										   8, types),
							   args, nulls, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not store values: %s", SPI_result_code_string(ret));
		changed += SPI_processed;
	}
	SPI_finish();
	return changed;
}

/*
 * The body of cfgmgr.import_yaml and cfgmgr.import_json:
 *	(env text, service text, document text, provider text DEFAULT NULL,
 *	 replace bool DEFAULT false, message text DEFAULT NULL) RETURNS bigint
 * Returns the changeset id, or NULL when the document changed nothing.
 */
Datum
CfgImportRun(FunctionCallInfo fcinfo, const char *format, CfgDocReader reader)
{
	int32		env_id,
				svc_id;
	char	   *provider;
	bool		replace;
	char	   *message;
	Size		size;
	MemoryContext cxt,
				old;
	text	   *doc;
	CfgDocState st;
	CfgDocNode *root;
	CfgImportRows rows;
	uint64		changed;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("document must not be null")));
	/* before anything is detoasted or parsed */
	size = toast_raw_datum_size(PG_GETARG_DATUM(2)) - VARHDRSZ;
	if (size > (Size) cfgmgr_import_max_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s document is too large to import", format),
				 errdetail("The document has %zu bytes; cfgmgr.import_max_size allows %d.",
						   size, cfgmgr_import_max_size),
				 errhint("Raise cfgmgr.import_max_size (SET cfgmgr.import_max_size = '256MB') or import the document in parts.")));
	CfgWriteTarget(fcinfo, &env_id, &svc_id, &provider, 3);
	replace = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	message = PG_ARGISNULL(5) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(5));

	cxt = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr import",
								ALLOCSET_DEFAULT_SIZES);
	old = MemoryContextSwitchTo(cxt);

	doc = PG_GETARG_TEXT_PP(2);
	CfgDocStateInit(&st, format, VARSIZE_ANY_EXHDR(doc));
	root = reader(&st, VARDATA_ANY(doc), VARSIZE_ANY_EXHDR(doc));
	Assert(root->kind == CFG_DOC_MAP);
	if (root->flags & (CFG_DOC_F_BLOCK | CFG_DOC_F_SECRET | CFG_DOC_F_VALUE))
		CfgDocError(&st, root->line, root->column,
					"the top level must be a mapping of paths without a tag");

	memset(&rows, 0, sizeof(rows));
	rows.st = &st;
	initStringInfo(&rows.path);
	CfgDocWalkMap(&rows, root, true, 1);
	CfgImportCheckDuplicates(&rows);

	changed = CfgImportApply(env_id, svc_id, provider, replace, message, &rows);
	MemoryContextSwitchTo(old);

	/* one audit record for the statement (the rows have theirs) */
	{
		StringInfoData detail;

		initStringInfo(&detail);
		appendStringInfoString(&detail, "{\"format\": ");
		escape_json(&detail, format);
		appendStringInfo(&detail, ", \"keys\": %d, \"changed\": " UINT64_FORMAT ", \"replace\": %s}",
						 rows.n, changed, replace ? "true" : "false");
		CfgAuditRecord("import", text_to_cstring(PG_GETARG_TEXT_PP(0)),
					   text_to_cstring(PG_GETARG_TEXT_PP(1)), NULL,
					   provider[0] == '\0' ? NULL : provider,
					   DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(detail.data))));
	}
	MemoryContextDelete(cxt);

	if (changed == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT64(CfgCurrentChangeset(message));
}
