/*-------------------------------------------------------------------------
 *
 * cfg_util.c
 *	  Small helpers shared by cfgmgr's SQL-callable functions.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_util.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"

#include "cfgmgr.h"
#include "cfgpath.h"

/*
 * Argument n as a C string; a NULL argument is refused with 22004 naming
 * what it is ("environment", "service", ...).
 */
char *
CfgArgText(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * The prepared plan kept in *slot, preparing and keeping it (for the life
 * of the backend) on first use.  The caller must be connected to SPI.
 */
SPIPlanPtr
CfgKeepPlan(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types)
{
	return CfgKeepPlanOpts(slot, sql, nargs, types, 0);
}

/*
 * CfgKeepPlan with cursor options: CURSOR_OPT_GENERIC_PLAN for the small
 * index lookups of every read, which the plan cache would otherwise
 * re-plan on each call (their custom plans look cheaper than the generic
 * one and are not).
 */
SPIPlanPtr
CfgKeepPlanOpts(SPIPlanPtr *slot, const char *sql, int nargs, Oid *types, int options)
{
	if (*slot == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, options);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql,
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*slot = plan;
	}
	return *slot;
}

/*
 * Follow a dotted path (labels separated by ".") into a container: the
 * value there, or NULL when some label is missing or a step is not an
 * object.
 */
JsonbValue *
CfgJsonFollow(JsonbContainer *c, const char *path, int len)
{
	const char *p = path;
	const char *end = path + len;
	JsonbValue *v = NULL;

	for (;;)
	{
		const char *dot = memchr(p, '.', end - p);
		int			l = (dot ? dot : end) - p;

		if (c == NULL || !JsonContainerIsObject(c))
			return NULL;
		v = getKeyJsonValueFromContainer(c, p, l, NULL);
		if (v == NULL || dot == NULL)
			return v;
		c = v->type == jbvBinary ? v->val.binary.data : NULL;
		p = dot + 1;
	}
}

/* Byte order of keys; a prefix sorts first. */
int
CfgKeyBytesCmp(const char *a, int alen, const char *b, int blen)
{
	int			c = memcmp(a, b, Min(alen, blen));

	if (c != 0)
		return c;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

static int
CfgJsonPairCmp(const void *a, const void *b)
{
	const CfgJsonPair *pa = (const CfgJsonPair *) a;
	const CfgJsonPair *pb = (const CfgJsonPair *) b;

	return CfgKeyBytesCmp(pa->key, pa->keylen, pb->key, pb->keylen);
}

/*
 * The (key, value) pairs of an object, sorted by key bytes (jsonb keeps
 * them shortest first).  For labels, byte order is path order.
 */
CfgJsonPair *
CfgJsonObjectPairs(JsonbContainer *c, int *npairs)
{
	int			n = JsonContainerSize(c);
	CfgJsonPair *pairs = palloc(sizeof(CfgJsonPair) * Max(n, 1));
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	k;
	JsonbIteratorToken tok;
	int			i = 0;

	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		pairs[i].key = k.val.string.val;
		pairs[i].keylen = k.val.string.len;
		(void) JsonbIteratorNext(&it, &pairs[i].value, true);
		i++;
	}
	*npairs = i;
	qsort(pairs, i, sizeof(CfgJsonPair), CfgJsonPairCmp);
	return pairs;
}

/*
 * Is c a non-empty object whose keys are all path labels?  Such an object
 * is a branch of paths (set_many stores below it, the diff and the export
 * descend into it); any other value is stored and compared whole.
 */
bool
CfgJsonObjectOfLabels(JsonbContainer *c)
{
	JsonbIterator *it;
	JsonbValue	k;
	JsonbIteratorToken tok;
	bool		any = false;

	if (!JsonContainerIsObject(c))
		return false;
	it = JsonbIteratorInit(c);
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
