/*-------------------------------------------------------------------------
 *
 * cfg_merge.c
 *	  Layered resolution: overlaying stored entries into one document.
 *
 * Entries are applied in "application order": environment level from the
 * root down; within a level provider-neutral entries before the provider's
 * own; within those, path order (ancestors before descendants, so the more
 * specific entry wins).  Applying an entry at path P:
 *	- a tombstone removes P, and any object that leaves without keys;
 *	- an object deep-merges into an object already at P (and replaces
 *	  anything else);
 *	- scalars and arrays replace what is at P;
 *	- missing or non-object intermediate nodes on the way to P become
 *	  objects.
 *
 * The document is built as a tree of CfgNode (objects with keyed children,
 * leaves holding a JsonbValue that points into the stored jsonb), then
 * serialized once.  Every node remembers which entry ("origin", the entry's
 * position in application order) produced it; explain and provenance read
 * that.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_merge.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "cfgmgr.h"
#include "cfgpath.h"

struct CfgNode
{
	bool		is_object;
	char		rendered;		/* templates below rendered (cfg_template.c) */
	int			origin;			/* seq of the entry that produced this node */
	/* leaves */
	JsonbValue	value;			/* scalar, or jbvBinary for arrays */
	/* objects */
	int			nchildren;
	int			maxchildren;
	const char **keys;
	int		   *keylens;
	CfgNode   **children;
	int		   *index;			/* open addressing over children, or NULL */
	int			indexsize;		/* power of two */
};

#define CFG_INDEX_MIN 16		/* children before a node gets a hash index */

static CfgNode *
CfgNewObject(int origin)
{
	CfgNode    *n = palloc0(sizeof(CfgNode));

	n->is_object = true;
	n->origin = origin;
	return n;
}

static CfgNode *
CfgNewLeaf(JsonbValue *v, int origin)
{
	CfgNode    *n = palloc0(sizeof(CfgNode));

	n->is_object = false;
	n->origin = origin;
	n->value = *v;
	return n;
}

static void
CfgIndexRebuild(CfgNode *obj)
{
	int			size = CFG_INDEX_MIN * 2;
	int			i;

	while (size < obj->maxchildren * 2)
		size *= 2;
	if (obj->index)
		pfree(obj->index);
	obj->index = palloc(sizeof(int) * size);
	memset(obj->index, -1, sizeof(int) * size);
	obj->indexsize = size;
	for (i = 0; i < obj->nchildren; i++)
	{
		uint32		h = hash_bytes((const unsigned char *) obj->keys[i], obj->keylens[i]);
		int			slot = h & (size - 1);

		while (obj->index[slot] >= 0)
			slot = (slot + 1) & (size - 1);
		obj->index[slot] = i;
	}
}

/* Position of key among obj's children, or -1. */
static int
CfgChildPos(CfgNode *obj, const char *key, int keylen)
{
	int			i;

	if (obj->index)
	{
		uint32		h = hash_bytes((const unsigned char *) key, keylen);
		int			slot = h & (obj->indexsize - 1);

		while ((i = obj->index[slot]) >= 0)
		{
			if (i < obj->nchildren && obj->children[i] != NULL &&
				obj->keylens[i] == keylen && memcmp(obj->keys[i], key, keylen) == 0)
				return i;
			slot = (slot + 1) & (obj->indexsize - 1);
		}
		return -1;
	}
	for (i = 0; i < obj->nchildren; i++)
		if (obj->children[i] != NULL && obj->keylens[i] == keylen &&
			memcmp(obj->keys[i], key, keylen) == 0)
			return i;
	return -1;
}

static CfgNode *
CfgChild(CfgNode *obj, const char *key, int keylen)
{
	int			i = CfgChildPos(obj, key, keylen);

	return i >= 0 ? obj->children[i] : NULL;
}

/* Set (add or replace) a child. */
static void
CfgSetChild(CfgNode *obj, const char *key, int keylen, CfgNode *child)
{
	int			i = CfgChildPos(obj, key, keylen);

	if (i >= 0)
	{
		obj->children[i] = child;
		return;
	}
	if (obj->nchildren == obj->maxchildren)
	{
		int			newmax = obj->maxchildren ? obj->maxchildren * 2 : 4;

		if (obj->maxchildren == 0)
		{
			obj->keys = palloc(sizeof(char *) * newmax);
			obj->keylens = palloc(sizeof(int) * newmax);
			obj->children = palloc(sizeof(CfgNode *) * newmax);
		}
		else
		{
			obj->keys = repalloc(obj->keys, sizeof(char *) * newmax);
			obj->keylens = repalloc(obj->keylens, sizeof(int) * newmax);
			obj->children = repalloc(obj->children, sizeof(CfgNode *) * newmax);
		}
		obj->maxchildren = newmax;
		if (newmax >= CFG_INDEX_MIN)
		{
			/* rebuilt below after the append, with room for the new size */
			if (obj->index)
				pfree(obj->index);
			obj->index = NULL;
		}
	}
	i = obj->nchildren++;
	obj->keys[i] = key;
	obj->keylens[i] = keylen;
	obj->children[i] = child;
	if (obj->maxchildren >= CFG_INDEX_MIN)
	{
		if (obj->index == NULL)
			CfgIndexRebuild(obj);
		else
		{
			uint32		h = hash_bytes((const unsigned char *) key, keylen);
			int			slot = h & (obj->indexsize - 1);

			while (obj->index[slot] >= 0)
				slot = (slot + 1) & (obj->indexsize - 1);
			obj->index[slot] = i;
		}
	}
}

/*
 * Remove a child.  The slot is kept (NULL child) so that positions in the
 * hash index stay valid; serialization skips it.
 */
static void
CfgRemoveChild(CfgNode *obj, const char *key, int keylen)
{
	int			i = CfgChildPos(obj, key, keylen);

	if (i >= 0)
		obj->children[i] = NULL;
}

static CfgNode *CfgBuildNode(JsonbValue *v, int origin);

/* Build an object node from a jsonb object container. */
static CfgNode *
CfgBuildObject(JsonbContainer *c, int origin)
{
	CfgNode    *obj = CfgNewObject(origin);
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	check_stack_depth();
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		CfgSetChild(obj, k.val.string.val, k.val.string.len, CfgBuildNode(&v, origin));
	}
	return obj;
}

static CfgNode *
CfgBuildNode(JsonbValue *v, int origin)
{
	if (v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		return CfgBuildObject(v->val.binary.data, origin);
	return CfgNewLeaf(v, origin);
}

/*
 * The x-merge policy of the schema for path: 'r' (replace), 'a' (append),
 * 'u' (union) or 0 for the default rules (paths: patterns, policies: their
 * policy names, as CfgResolved holds them).
 */
char
CfgMergePolicy(List *paths, List *policies, const char *path, int len)
{
	ListCell   *a,
			   *b;

	forboth(a, paths, b, policies)
	{
		const char *pat = lfirst(a);

		if (CfgGlobMatch(pat, strlen(pat), path, len))
			return ((const char *) lfirst(b))[0];
	}
	return 0;
}

static bool
CfgIsArray(JsonbValue *v)
{
	return v->type == jbvBinary && JsonContainerIsArray(v->val.binary.data) &&
		!JsonContainerIsScalar(v->val.binary.data);
}

/* Is e (an element) already an element of array c?  Containers compare as text. */
static bool
CfgArrayHas(JsonbContainer *c, JsonbValue *e)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	x;
	JsonbIteratorToken tok;
	char	   *etext = NULL;

	while ((tok = JsonbIteratorNext(&it, &x, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM || x.type != e->type)
			continue;
		if (x.type == jbvBinary)
		{
			if (etext == NULL)
				etext = JsonbToCString(NULL, e->val.binary.data, e->val.binary.len);
			if (strcmp(etext, JsonbToCString(NULL, x.val.binary.data, x.val.binary.len)) == 0)
				return true;
		}
		else if (x.type == jbvNull ||
				 (x.type == jbvString && x.val.string.len == e->val.string.len &&
				  memcmp(x.val.string.val, e->val.string.val, x.val.string.len) == 0) ||
				 (x.type == jbvBool && x.val.boolean == e->val.boolean) ||
				 (x.type == jbvNumeric &&
				  DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(x.val.numeric),
												   NumericGetDatum(e->val.numeric)))))
			return true;
	}
	return false;
}

/* Array old followed by the elements of add (all, or only new ones). */
static JsonbValue
CfgCombineArrays(JsonbValue *old, JsonbValue *add, bool unique)
{
	JsonbParseState *state = NULL;
	JsonbValue *res = NULL;
	JsonbValue	e,
				out;
	JsonbIteratorToken tok;
	JsonbIterator *it;
	Jsonb	   *j;
	int			pass;

	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (pass = 0; pass < 2; pass++)
	{
		it = JsonbIteratorInit(pass == 0 ? old->val.binary.data : add->val.binary.data);
		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			if (tok != WJB_ELEM)
				continue;
			if (pass == 1 && unique && CfgArrayHas(old->val.binary.data, &e))
				continue;
			pushJsonbValue(&state, WJB_ELEM, &e);
		}
	}
	res = pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	j = JsonbValueToJsonb(res);
	out.type = jbvBinary;
	out.val.binary.data = &j->root;
	out.val.binary.len = VARSIZE(j) - VARHDRSZ;
	return out;
}

/*
 * Put value v at key of obj (whose own path is path[0..len)), following the
 * merge rules and the schema's x-merge policies.
 */
static void CfgMergeObject(CfgResolved *res, CfgNode *obj, JsonbContainer *c, int origin,
						   StringInfo path);

static void
CfgPutValue(CfgResolved *res, CfgNode *obj, const char *key, int keylen, JsonbValue *v,
			int origin, StringInfo path)
{
	CfgNode    *existing = CfgChild(obj, key, keylen);
	int			base = path->len;
	char		policy = 0;

	if (res->merge_paths != NIL)
	{
		if (base > 0)
			appendStringInfoChar(path, '.');
		appendBinaryStringInfo(path, key, keylen);
		policy = CfgMergePolicy(res->merge_paths, res->merge_policies, path->data, path->len);
	}
	if (existing != NULL && existing->is_object && policy != 'r' &&
		v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		CfgMergeObject(res, existing, v->val.binary.data, origin, path);
	else if ((policy == 'a' || policy == 'u') && existing != NULL && !existing->is_object &&
			 CfgIsArray(&existing->value) && CfgIsArray(v))
	{
		JsonbValue	combined = CfgCombineArrays(&existing->value, v, policy == 'u');

		CfgSetChild(obj, key, keylen, CfgNewLeaf(&combined, origin));
	}
	else
		CfgSetChild(obj, key, keylen, CfgBuildNode(v, origin));
	path->len = base;
	path->data[base] = '\0';
}

/* Deep-merge the jsonb object c into the object node obj. */
static void
CfgMergeObject(CfgResolved *res, CfgNode *obj, JsonbContainer *c, int origin, StringInfo path)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;

	check_stack_depth();
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		CfgPutValue(res, obj, k.val.string.val, k.val.string.len, &v, origin, path);
	}
}

static bool
CfgObjectIsEmpty(CfgNode *obj)
{
	for (int i = 0; i < obj->nchildren; i++)
		if (obj->children[i] != NULL)
			return false;
	return true;
}

/*
 * Remove the child at the end of a walk (nodes[depth] holds it under
 * labels[depth]); then every object the removal left without keys goes
 * too, up to (not including) the root.  So a resolved document never holds
 * an object emptied by tombstones: "{}" appears only where a value stored
 * an empty object.  This keeps the result for a subtree independent of
 * what other subtrees hold, which drift relies on (src/cfg_drift.c).
 */
static void
CfgRemovePruning(CfgNode **nodes, const char **labels, int *lens, int depth)
{
	CfgRemoveChild(nodes[depth], labels[depth], lens[depth]);
	while (depth > 0 && CfgObjectIsEmpty(nodes[depth]))
	{
		depth--;
		CfgRemoveChild(nodes[depth], labels[depth], lens[depth]);
	}
}

/* Apply one entry to the tree. */
static void
CfgApplyRow(CfgResolved *res, CfgNode *root, CfgLayerRow *row, StringInfo path)
{
	CfgNode    *node = root;
	const char *p = row->path;
	const char *end = row->path + row->pathlen;
	/* the walk, for pruning after a tombstone (a path has < 1024 labels) */
	CfgNode    *nodes[CFGPATH_MAX_LEN / 2 + 1];
	const char *labels[CFGPATH_MAX_LEN / 2 + 1];
	int			lens[CFGPATH_MAX_LEN / 2 + 1];
	int			depth = 0;

	for (;;)
	{
		const char *dot = memchr(p, '.', end - p);
		int			len = (dot ? dot : end) - p;

		if (depth > CFGPATH_MAX_LEN / 2)
			elog(ERROR, "configuration path too deep: \"%.64s...\"", row->path);
		nodes[depth] = node;
		labels[depth] = p;
		lens[depth] = len;
		if (dot == NULL)
		{
			/* last label: path holds the parent's path */
			resetStringInfo(path);
			appendBinaryStringInfo(path, row->path, p - row->path - (p > row->path ? 1 : 0));
			if (row->tombstone)
			{
				if (CfgChild(node, p, len) != NULL)
					CfgRemovePruning(nodes, labels, lens, depth);
			}
			else
			{
				JsonbValue	v;

				if (JB_ROOT_IS_SCALAR(row->value))
					JsonbExtractScalar(&row->value->root, &v);
				else
				{
					v.type = jbvBinary;
					v.val.binary.data = &row->value->root;
					v.val.binary.len = VARSIZE(row->value) - VARHDRSZ;
				}
				CfgPutValue(res, node, p, len, &v, row->seq, path);
			}
			return;
		}
		else
		{
			CfgNode    *child = CfgChild(node, p, len);

			if (child == NULL || !child->is_object)
			{
				if (row->tombstone)
					return;		/* nothing below to remove */
				child = CfgNewObject(row->seq);
				CfgSetChild(node, p, len, child);
			}
			node = child;
			p = dot + 1;
			depth++;
		}
	}
}

static int
CfgRowCmp(const void *a, const void *b)
{
	const CfgLayerRow *ra = a;
	const CfgLayerRow *rb = b;

	if (ra->level != rb->level)
		return ra->level < rb->level ? -1 : 1;
	if (ra->provider_specific != rb->provider_specific)
		return ra->provider_specific ? 1 : -1;
	return CfgPathCmp(ra->path, ra->pathlen, rb->path, rb->pathlen);
}

/* Sort rows into application order and number them. */
void
CfgSortRows(CfgLayerRow *rows, int nrows)
{
	int			i;

	if (nrows > 1)
		qsort(rows, nrows, sizeof(CfgLayerRow), CfgRowCmp);
	for (i = 0; i < nrows; i++)
		rows[i].seq = i;
}

/* Build res->root from res->rows (which must be in application order). */
void
CfgMergeRows(CfgResolved *res)
{
	int			i;

	StringInfoData path;

	initStringInfo(&path);
	res->root = CfgNewObject(-1);
	for (i = 0; i < res->nrows; i++)
	{
		CHECK_FOR_INTERRUPTS();
		CfgApplyRow(res, res->root, &res->rows[i], &path);
	}
	pfree(path.data);
}

/* The node at path, or NULL. */
CfgNode *
CfgNodeFind(CfgNode *root, const char *path, int pathlen)
{
	CfgNode    *node = root;
	const char *p = path;
	const char *end = path + pathlen;

	while (node != NULL)
	{
		const char *dot = memchr(p, '.', end - p);
		int			len = (dot ? dot : end) - p;

		if (!node->is_object)
			return NULL;
		node = CfgChild(node, p, len);
		if (dot == NULL)
			return node;
		p = dot + 1;
	}
	return NULL;
}

static int
CfgKeyCmp(const void *a, const void *b, void *arg)
{
	CfgNode    *obj = arg;
	int			ia = *(const int *) a;
	int			ib = *(const int *) b;
	int			la = obj->keylens[ia];
	int			lb = obj->keylens[ib];
	int			c = memcmp(obj->keys[ia], obj->keys[ib], Min(la, lb));

	if (c != 0)
		return c;
	return la - lb;
}

/* Live children of obj in key order (an array of positions, count in *n). */
static int *
CfgSortedChildren(CfgNode *obj, int *n)
{
	int		   *pos = palloc(sizeof(int) * Max(obj->nchildren, 1));
	int			i,
				m = 0;

	for (i = 0; i < obj->nchildren; i++)
		if (obj->children[i] != NULL)
			pos[m++] = i;
	qsort_arg(pos, m, sizeof(int), CfgKeyCmp, obj);
	*n = m;
	return pos;
}

static JsonbValue *
CfgPushNode(JsonbParseState **state, CfgNode *node, JsonbIteratorToken as)
{
	int			i;
	JsonbValue *res = NULL;

	check_stack_depth();
	if (!node->is_object)
		return pushJsonbValue(state, as, &node->value);
	pushJsonbValue(state, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < node->nchildren; i++)
	{
		JsonbValue	k;

		if (node->children[i] == NULL)
			continue;
		k.type = jbvString;
		k.val.string.val = (char *) node->keys[i];
		k.val.string.len = node->keylens[i];
		pushJsonbValue(state, WJB_KEY, &k);
		CfgPushNode(state, node->children[i], WJB_VALUE);
	}
	res = pushJsonbValue(state, WJB_END_OBJECT, NULL);
	return res;
}

/* Serialize a node (object or leaf) as a jsonb datum. */
Jsonb *
CfgNodeToJsonb(CfgNode *node)
{
	JsonbParseState *state = NULL;
	JsonbValue *v;

	if (!node->is_object)
		return JsonbValueToJsonb(&node->value);
	v = CfgPushNode(&state, node, WJB_VALUE);
	return JsonbValueToJsonb(v);
}

/*
 * Call cb for every leaf under node, in key order, with its full path.
 * Leaves are scalars, arrays and empty objects.
 */
static void
CfgWalk(CfgNode *node, StringInfo path, CfgLeafCallback cb, void *arg)
{
	int			n,
				i;
	int		   *pos;
	int			base = path->len;

	check_stack_depth();
	if (!node->is_object || node->nchildren == 0)
	{
		cb(arg, path->data, path->len, node);
		return;
	}
	pos = CfgSortedChildren(node, &n);
	if (n == 0)
		cb(arg, path->data, path->len, node);
	for (i = 0; i < n; i++)
	{
		int			c = pos[i];

		if (base > 0)
			appendStringInfoChar(path, '.');
		appendBinaryStringInfo(path, node->keys[c], node->keylens[c]);
		CfgWalk(node->children[c], path, cb, arg);
		path->len = base;
		path->data[base] = '\0';
	}
	pfree(pos);
}

void
CfgNodeWalkLeaves(CfgNode *node, const char *prefix, int prefixlen,
				  CfgLeafCallback cb, void *arg)
{
	StringInfoData path;

	initStringInfo(&path);
	appendBinaryStringInfo(&path, prefix, prefixlen);
	CfgWalk(node, &path, cb, arg);
	pfree(path.data);
}

/* The entry that produced a node (its seq), -1 for implicit objects. */
int
CfgNodeOrigin(CfgNode *node)
{
	return node->origin;
}

bool
CfgNodeIsObject(CfgNode *node)
{
	return node->is_object;
}

/* Does any leaf under node come from entry seq? */
bool
CfgNodeUsesRow(CfgNode *node, int seq)
{
	int			i;
	bool		any = false;

	check_stack_depth();
	if (!node->is_object)
		return node->origin == seq;
	for (i = 0; i < node->nchildren; i++)
	{
		if (node->children[i] == NULL)
			continue;
		any = true;
		if (CfgNodeUsesRow(node->children[i], seq))
			return true;
	}
	/* an empty object is a leaf of its own */
	return !any && node->origin == seq;
}

/* The value of a leaf (scalar, or jbvBinary for arrays); NULL for objects. */
JsonbValue *
CfgNodeLeafValue(CfgNode *node)
{
	return node->is_object ? NULL : &node->value;
}

/* Replace the value of a leaf (the rendering of a template). */
void
CfgNodeSetLeafValue(CfgNode *node, JsonbValue *v)
{
	Assert(!node->is_object);
	node->value = *v;
}

bool
CfgNodeRendered(CfgNode *node)
{
	return node->rendered;
}

void
CfgNodeSetRendered(CfgNode *node)
{
	node->rendered = true;
}

/*
 * The deepest node on the way to path (root itself when nothing below it
 * matches); *matched is the length of the path prefix it stands for.
 */
CfgNode *
CfgNodeFindPrefix(CfgNode *root, const char *path, int pathlen, int *matched)
{
	CfgNode    *node = root;
	const char *p = path;
	const char *end = path + pathlen;

	*matched = 0;
	while (p < end && node->is_object)
	{
		const char *dot = memchr(p, '.', end - p);
		int			len = (dot ? dot : end) - p;
		CfgNode    *child = CfgChild(node, p, len);

		if (child == NULL)
			break;
		node = child;
		*matched = (dot ? dot : end) - path;
		if (dot == NULL)
			break;
		p = dot + 1;
	}
	return node;
}
