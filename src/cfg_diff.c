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
	return v->type == jbvBinary && CfgJsonObjectOfLabels(v->val.binary.data);
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
		CfgJsonPair *keys = CfgJsonObjectPairs(v->val.binary.data, &n);
		int			base = st->path.len;

		check_stack_depth();
		for (int i = 0; i < n; i++)
		{
			CfgDiffPush(st, keys[i].key, keys[i].keylen);
			CfgDiffOneSided(st, &keys[i].value, left);
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
	CfgJsonPair *lk = CfgJsonObjectPairs(l, &nl);
	CfgJsonPair *rk = CfgJsonObjectPairs(r, &nr);
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
			c = CfgKeyBytesCmp(lk[i].key, lk[i].keylen, rk[j].key, rk[j].keylen);
		if (c < 0)
		{
			CfgDiffPush(st, lk[i].key, lk[i].keylen);
			CfgDiffOneSided(st, &lk[i].value, true);
			i++;
		}
		else if (c > 0)
		{
			CfgDiffPush(st, rk[j].key, rk[j].keylen);
			CfgDiffOneSided(st, &rk[j].value, false);
			j++;
		}
		else
		{
			CfgDiffPush(st, lk[i].key, lk[i].keylen);
			CfgDiffValues(st, &lk[i].value, &rk[j].value);
			i++;
			j++;
		}
		CfgDiffPop(st, base);
	}
	pfree(lk);
	pfree(rk);
}

/* A whole jsonb datum as a JsonbValue (scalars extracted). */
static void
CfgDiffRootValue(Jsonb *j, JsonbValue *v)
{
	if (JB_ROOT_IS_SCALAR(j))
	{
		JsonbExtractScalar(&j->root, v);
		return;
	}
	v->type = jbvBinary;
	v->val.binary.data = &j->root;
	v->val.binary.len = VARSIZE(j) - VARHDRSZ;
}

/*
 * Compare the values two documents hold at one path (NULL: no value there)
 * and call cb once per differing leaf at or below it, in path order.
 */
void
CfgDiffAt(const char *path, int pathlen, Jsonb *left, Jsonb *right,
		  CfgDiffCallback cb, void *arg)
{
	DiffState	st;
	JsonbValue	lv,
				rv;

	if (left == NULL && right == NULL)
		return;
	initStringInfo(&st.path);
	appendBinaryStringInfo(&st.path, path, pathlen);
	st.cb = cb;
	st.arg = arg;
	if (left)
		CfgDiffRootValue(left, &lv);
	if (right)
		CfgDiffRootValue(right, &rv);
	if (left && right)
		CfgDiffValues(&st, &lv, &rv);
	else
		CfgDiffOneSided(&st, left ? &lv : &rv, left != NULL);
	pfree(st.path.data);
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

	if (!JB_ROOT_IS_OBJECT(left) || !JB_ROOT_IS_OBJECT(right))
	{
		CfgDiffAt("", 0, left, right, cb, arg);
		return;
	}
	initStringInfo(&st.path);
	st.cb = cb;
	st.arg = arg;
	CfgDiffObjects(&st, &left->root, &right->root);
	pfree(st.path.data);
}

/* The JSON type of a whole value, in CfgDiffType's terms. */
int
CfgDiffJsonbType(Jsonb *j)
{
	JsonbValue	v;

	CfgDiffRootValue(j, &v);
	return CfgDiffType(&v);
}
