/*-------------------------------------------------------------------------
 *
 * cfg_diff.c
 *	  Leaf-by-leaf comparison of two configuration documents.
 *
 * A leaf is what a configuration path can name: a scalar, an array, an
 * empty object, or an object whose keys are not all valid path labels
 * (set_many stores such an object whole at its path).  Objects whose keys
 * are all labels are descended into.  Leaves are compared as JSON values
 * (1 and 1.0 are equal, arrays compare element by element in order); a
 * pair of leaves of different JSON types is "type_changed", a nested
 * object against a leaf too.  A subtree present on one side only is
 * reported leaf by leaf.  Keys are visited in path order, so the output is
 * deterministic.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_diff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/jsonb.h"

#include "cfgmgr.h"
#include "cfgpath.h"

const char *
CfgDiffKindName(CfgDiffKind kind)
{
	switch (kind)
	{
		case CFG_DIFF_ONLY_LEFT:
			return "only_left";
		case CFG_DIFF_ONLY_RIGHT:
			return "only_right";
		case CFG_DIFF_CHANGED:
			return "changed";
		case CFG_DIFF_TYPE_CHANGED:
			return "type_changed";
	}
	return "changed";			/* not reached */
}

typedef struct DiffKey
{
	const char *key;
	int			len;
	JsonbValue	val;
} DiffKey;

typedef struct DiffState
{
	StringInfoData path;
	CfgDiffCallback cb;
	void	   *arg;
} DiffState;

/* Does the diff descend into this value (an object of label keys)? */
static bool
CfgDiffDescends(JsonbValue *v)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbIteratorToken tok;
	bool		any = false;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		return false;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		any = true;
		if (!CfgLabelIsValid(k.val.string.val, k.val.string.len))
			return false;
	}
	return any;
}

static Jsonb *
CfgDiffToJsonb(JsonbValue *v)
{
	return JsonbValueToJsonb(v);
}

/* The JSON type of a value, for type_changed. */
static int
CfgDiffType(JsonbValue *v)
{
	if (v->type == jbvBinary)
		return JsonContainerIsObject(v->val.binary.data) ? 10 : 11;
	return (int) v->type;
}

/* The keys of an object container, in path order. */
static DiffKey *
CfgDiffKeys(JsonbContainer *c, int *n)
{
	int			max = JsonContainerSize(c);
	DiffKey    *keys = palloc(sizeof(DiffKey) * Max(max, 1));
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	k;
	JsonbIteratorToken tok;
	int			i = 0;

	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		keys[i].key = k.val.string.val;
		keys[i].len = k.val.string.len;
		(void) JsonbIteratorNext(&it, &keys[i].val, true);
		i++;
	}
	*n = i;
	/* jsonb orders keys by length first; paths order bytewise */
	for (int a = 1; a < i; a++)
	{
		DiffKey		t = keys[a];
		int			b = a - 1;

		while (b >= 0 && CfgPathCmp(keys[b].key, keys[b].len, t.key, t.len) > 0)
		{
			keys[b + 1] = keys[b];
			b--;
		}
		keys[b + 1] = t;
	}
	return keys;
}

static void CfgDiffOneSided(DiffState *st, JsonbValue *v, bool left);
static void CfgDiffObjects(DiffState *st, JsonbContainer *l, JsonbContainer *r);

static void
CfgDiffPush(DiffState *st, const char *key, int len)
{
	if (st->path.len > 0)
		appendStringInfoChar(&st->path, '.');
	appendBinaryStringInfo(&st->path, key, len);
}

static void
CfgDiffPop(DiffState *st, int base)
{
	st->path.len = base;
	st->path.data[base] = '\0';
}

static void
CfgDiffOneSided(DiffState *st, JsonbValue *v, bool left)
{
	if (CfgDiffDescends(v))
	{
		int			n;
		DiffKey    *keys = CfgDiffKeys(v->val.binary.data, &n);
		int			base = st->path.len;

		check_stack_depth();
		for (int i = 0; i < n; i++)
		{
			CfgDiffPush(st, keys[i].key, keys[i].len);
			CfgDiffOneSided(st, &keys[i].val, left);
			CfgDiffPop(st, base);
		}
		pfree(keys);
		return;
	}
	if (left)
		st->cb(st->arg, st->path.data, st->path.len, CFG_DIFF_ONLY_LEFT, CfgDiffToJsonb(v), NULL);
	else
		st->cb(st->arg, st->path.data, st->path.len, CFG_DIFF_ONLY_RIGHT, NULL, CfgDiffToJsonb(v));
}

static void
CfgDiffValues(DiffState *st, JsonbValue *l, JsonbValue *r)
{
	bool		ld = CfgDiffDescends(l);
	bool		rd = CfgDiffDescends(r);
	Jsonb	   *lj,
			   *rj;

	if (ld && rd)
	{
		CfgDiffObjects(st, l->val.binary.data, r->val.binary.data);
		return;
	}
	lj = CfgDiffToJsonb(l);
	rj = CfgDiffToJsonb(r);
	if (!ld && !rd && compareJsonbContainers(&lj->root, &rj->root) == 0)
		return;
	st->cb(st->arg, st->path.data, st->path.len,
		   CfgDiffType(l) == CfgDiffType(r) ? CFG_DIFF_CHANGED : CFG_DIFF_TYPE_CHANGED,
		   lj, rj);
}

static void
CfgDiffObjects(DiffState *st, JsonbContainer *l, JsonbContainer *r)
{
	int			nl,
				nr;
	DiffKey    *lk = CfgDiffKeys(l, &nl);
	DiffKey    *rk = CfgDiffKeys(r, &nr);
	int			i = 0,
				j = 0;
	int			base = st->path.len;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	while (i < nl || j < nr)
	{
		int			c;

		if (i >= nl)
			c = 1;
		else if (j >= nr)
			c = -1;
		else
			c = CfgPathCmp(lk[i].key, lk[i].len, rk[j].key, rk[j].len);
		if (c < 0)
		{
			CfgDiffPush(st, lk[i].key, lk[i].len);
			CfgDiffOneSided(st, &lk[i].val, true);
			i++;
		}
		else if (c > 0)
		{
			CfgDiffPush(st, rk[j].key, rk[j].len);
			CfgDiffOneSided(st, &rk[j].val, false);
			j++;
		}
		else
		{
			CfgDiffPush(st, lk[i].key, lk[i].len);
			CfgDiffValues(st, &lk[i].val, &rk[j].val);
			i++;
			j++;
		}
		CfgDiffPop(st, base);
	}
	pfree(lk);
	pfree(rk);
}

/*
 * Compare two documents and call cb once per differing leaf, in path
 * order.  Documents are objects (resolved configurations); other values
 * are compared as one leaf at the empty path.
 */
void
CfgDiffJsonb(Jsonb *left, Jsonb *right, CfgDiffCallback cb, void *arg)
{
	DiffState	st;
	JsonbValue	lv,
				rv;

	initStringInfo(&st.path);
	st.cb = cb;
	st.arg = arg;
	if (!JB_ROOT_IS_OBJECT(left) || !JB_ROOT_IS_OBJECT(right))
	{
		lv.type = jbvBinary;
		lv.val.binary.data = &left->root;
		lv.val.binary.len = VARSIZE(left) - VARHDRSZ;
		if (JB_ROOT_IS_SCALAR(left))
			JsonbExtractScalar(&left->root, &lv);
		rv.type = jbvBinary;
		rv.val.binary.data = &right->root;
		rv.val.binary.len = VARSIZE(right) - VARHDRSZ;
		if (JB_ROOT_IS_SCALAR(right))
			JsonbExtractScalar(&right->root, &rv);
		CfgDiffValues(&st, &lv, &rv);
		return;
	}
	CfgDiffObjects(&st, &left->root, &right->root);
}
