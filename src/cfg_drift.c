/*-------------------------------------------------------------------------
 *
 * cfg_drift.c
 *	  Drift: the resolved configurations of two environments compared leaf
 *	  by leaf, with expected variations and remediation statements.
 *
 * The naive way resolves both environments service by service into
 * documents and diffs them.  That reads every row of both chains, builds
 * two trees per service and walks them.  Here the rows are merged as they
 * come out of cfgmgr.entry's primary key, which for one (environment,
 * service) is already in path order (cfgpath order: a path's descendants
 * right after it):
 *
 *	- one ordered index scan per environment of either chain (an ancestor
 *	  both chains share is read once), plus the schema's defaults, merged by
 *	  path;
 *	- the rows are cut into "clusters": a path F with no row at any
 *	  ancestor, and every row at F or below it.  What a side resolves to at
 *	  F depends on the cluster's rows only (a tombstone that empties an
 *	  object removes the object too, cfg_merge.c, so no cluster leaves
 *	  traces above its root), and the documents differ exactly where some
 *	  cluster's two results differ;
 *	- a cluster of rows at F only, holding scalars or arrays (nearly all of
 *	  them), is decided without building anything: each side's value is its
 *	  deepest row, and when both sides' deepest row is the same row (a
 *	  shared ancestor's) there is nothing to compare.  Any other cluster is
 *	  resolved per side with the ordinary merge (cfg_merge.c) and diffed
 *	  (cfg_diff.c).
 *
 * The rows are streamed: cfgmgr.drift is an SQL function calling
 * drift_rows() from a select list (value-per-call, nothing materialized;
 * memory is one cluster's rows), and the remediation statement is written
 * by drift_statement() from a fix code only when that column is read.
 *
 * Remediation: the simplest statement that makes the right side's value at
 * a leaf equal the left's: cfgmgr.unset at the right environment when what
 * it inherits is the left value, else cfgmgr.set there (after removing
 * what it stores below the leaf, when it stores anything), or unset with
 * block => true for a value only on the right that it would still inherit.
 * For clusters resolved in full, the statement is first tried on the
 * cluster's rows of both sides (the right environment may be an ancestor
 * of the left): it must make the sides equal and leave the left as it is;
 * when no single write can (x-merge "append" arrays, objects stored whole
 * and extended below), the remediation suggests declaring the variation
 * instead.  Secret values are compared in clear inside the function
 * (decrypted only when two different rows have to be compared, so the key
 * is needed only then) and appear in the output in clear only for roles
 * with read_secret on the entry they come from, masked for others; their
 * remediation copies the value with cfgmgr.get instead of spelling it out.
 *
 * Also here: drift_observed and drift_coverage (declared against what
 * agents report as deployed, cfgmgr.observation) and remediate (applies
 * remediation statements).
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_drift.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/detoast.h"
#include "access/genam.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_drift_rows);
PG_FUNCTION_INFO_V1(cfgmgr_drift_statement);
PG_FUNCTION_INFO_V1(cfgmgr_drift_observed_rows);
PG_FUNCTION_INFO_V1(cfgmgr_drift_coverage);
PG_FUNCTION_INFO_V1(cfgmgr_remediate);

#define DRIFT_MASK "\"********\""

static SPIPlanPtr plan_annotations = NULL;
static SPIPlanPtr plan_variations = NULL;

/* Rendering of templates (the template engine sets it; NULL: none). */
CfgRenderHook cfg_render_hook = NULL;

/* A declared variation that is active and concerns the compared environments. */
typedef struct DriftVariation
{
	int64		id;
	char	   *service_pattern;
	char	   *path_pattern;	/* the pattern followed by ".**" */
	char	   *reason;			/* what the reason column says */
} DriftVariation;

/* What drift needs to know of one service. */
typedef struct DriftService
{
	int32		id;
	char	   *name;
	CfgAnnotations ann;			/* defaults sorted in path order, and
								 * x-env-specific paths followed by ".**" */
} DriftService;

typedef struct DriftServiceEnt
{
	int32		id;
	DriftService *svc;
} DriftServiceEnt;

/* One environment's rows for the current service, in path order. */
typedef struct DriftStream
{
	int32		env_id;
	int			level[2];		/* in the left and right chains; -2: not in it */
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		valid;			/* a current row */
	const char *path;			/* the current row's path (in the slot) */
	int			pathlen;
	bool		provider_specific;
} DriftStream;

/* A row of the current cluster. */
typedef struct DriftRow
{
	CfgLayerRow r;				/* r.level unused */
	int			level[2];		/* -1: schema default; -2: not on that side */
	bytea	   *ct;				/* a secret's ciphertext (r.value: the mask
								 * until DriftReveal decrypts it) */
} DriftRow;

/* How a leaf is fixed. */
typedef enum DriftFix
{
	FIX_NONE,					/* no statement (drift_observed) */
	FIX_SET,					/* cfgmgr.set */
	FIX_UNSET_SET,				/* cfgmgr.unset, then cfgmgr.set */
	FIX_UNSET,					/* cfgmgr.unset */
	FIX_BLOCK,					/* cfgmgr.unset(..., block => true) */
	FIX_DECLARE,				/* no write can: declare the variation */
	FIX_ADOPT					/* drift_observed: declare the deployed value */
} DriftFix;

/* A differing leaf waiting to be returned by drift_rows(). */
typedef struct DriftOut
{
	const char *path;
	int			pathlen;
	CfgDiffKind kind;
	Jsonb	   *left;			/* unmasked */
	Jsonb	   *right;
	bool		lsecret;		/* from a secret entry (the fix writes a secret) */
	bool		rsecret;
	bool		lmask;			/* ... that the caller may not read in clear */
	bool		rmask;
	DriftFix	fix;
	const char *reason;
} DriftOut;

typedef struct Drift
{
	const char *names[2];		/* left and right environment names */
	const char *provider;		/* NULL: provider-neutral */
	CfgEnv	  **chain[2];
	int			nchain[2];
	int			right_in_left;	/* the right environment's level in the left
								 * chain, -2 when it is not in it */
	bool		read_all;		/* the caller reads every row of the service */
	List	   *variations;		/* DriftVariation */

	/* output */
	TupleDesc	desc;			/* of cfgmgr.drift_row */

	/* services */
	DriftService *services;
	int			nservices;
	DriftService *cur;

	/* storage */
	Relation	rel;
	Relation	idx;
	AttrNumber	att_path,
				att_provider,
				att_value,
				att_tombstone,
				att_secret,
				att_ciphertext;
	int			natts;
	DriftStream *streams;
	int			nstreams;
	DriftStream **order;		/* streams with a current row, by that row */
	int			norder;

	/* the current cluster */
	MemoryContext cxt;
	DriftRow   *rows;
	int			nrows;
	int			maxrows;
	char	   *F;
	text	   *Ftext;			/* F as text (F points into it) */
	int			Flen;
	CfgResolved *res[2];		/* clusters resolved in full */
	Jsonb	   *raw[2];			/* their values at F before rendering, when
								 * templates were rendered (else NULL) */
	Jsonb	   *mask;
	StringInfoData stmt;		/* remediation statement being built */
	StringInfoData scratch;
	Datum		service_text;	/* d->cur->name as text */
	Datum		kind_text[4];	/* CfgDiffKindName as text */
	Datum		fix_text[FIX_ADOPT + 1][2]; /* DriftFixCode as text */

	/* streaming: the current cluster's rows to return, the position */
	DriftOut   *pending;		/* (their paths and values are in cxt) */
	int			npending;
	int			maxpending;
	int			nreturned;
	int			svc_index;		/* services[svc_index] is being compared */
	int			di;				/* next schema default of that service */
	bool		open;			/* scans open, snapshot registered */
	Snapshot	snap;
} Drift;

/* A leaf collected by remediate(). */
typedef struct DriftLeaf
{
	char	   *service;
	char	   *path;
	const char *kind;
	char	   *statement;
	bool		writes;			/* the statement is a write (not a suggestion) */
} DriftLeaf;

/* ---------------------------------------------------------------------
 * Set-up: services, annotations, variations
 * ---------------------------------------------------------------------
 */

static int
DriftServiceCmp(const void *a, const void *b)
{
	return strcmp(((const DriftService *) a)->name, ((const DriftService *) b)->name);
}

static int
DriftDefaultCmp(const void *a, const void *b)
{
	const CfgLayerRow *x = a;
	const CfgLayerRow *y = b;

	return CfgPathCmpInline(x->path, x->pathlen, y->path, y->pathlen);
}

/* "pattern" -> "pattern.**": the pattern and everything below what it matches. */
static char *
DriftSubtreePattern(const char *pat)
{
	return psprintf("%s.**", pat);
}

/*
 * The services to compare (one, or all in name order) with their schema
 * annotations.  Runs SPI; everything is allocated in the caller's context.
 */
static void
DriftLoadServices(Drift *d, CfgCatalog *cat, const char *only)
{
	MemoryContext caller = CurrentMemoryContext;
	HTAB	   *byid;
	HASHCTL		ctl;
	int			ret;
	uint64		i;

	if (only != NULL)
	{
		CfgService *s = CfgLookupService(cat, only, false);

		d->services = palloc0(sizeof(DriftService));
		d->services[0].id = s->id;
		d->services[0].name = pstrdup(s->name);
		d->nservices = 1;
	}
	else
	{
		HASH_SEQ_STATUS st;
		int32	   *idp;
		int			n = 0,
					max = 16;

		d->services = palloc0(sizeof(DriftService) * max);
		hash_seq_init(&st, cat->svc_by_id);
		while ((idp = hash_seq_search(&st)) != NULL)
		{
			CfgService *s = CfgLookupServiceById(cat, *idp);

			if (n == max)
			{
				max *= 2;
				d->services = repalloc(d->services, sizeof(DriftService) * max);
			}
			memset(&d->services[n], 0, sizeof(DriftService));
			d->services[n].id = s->id;
			d->services[n].name = pstrdup(s->name);
			n++;
		}
		d->nservices = n;
		if (n > 1)
			qsort(d->services, n, sizeof(DriftService), DriftServiceCmp);
	}

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(int32);
	ctl.entrysize = sizeof(DriftServiceEnt);
	ctl.hcxt = CurrentMemoryContext;
	byid = hash_create("cfgmgr drift services", Max(d->nservices, 16), &ctl,
					   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	for (int k = 0; k < d->nservices; k++)
	{
		DriftServiceEnt *e = hash_search(byid, &d->services[k].id, HASH_ENTER, NULL);

		e->svc = &d->services[k];
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_annotations,
									   "SELECT a.service_id, a.path::pg_catalog.text, a.keyword::pg_catalog.text, a.value"
										   " FROM cfgmgr.schema_annotation a JOIN cfgmgr.service s"
										   " ON s.id OPERATOR(pg_catalog.=) a.service_id"
										   " AND s.schema_version OPERATOR(pg_catalog.=) a.version"
										   " WHERE a.keyword OPERATOR(pg_catalog.=) ANY ('{default,x-merge,x-env-specific}'::pg_catalog.text[])"
										   " AND ($1 IS NULL OR a.service_id OPERATOR(pg_catalog.=) $1)",
										   1, (Oid[]) {INT4OID}),
						   (Datum[]) {Int32GetDatum(only ? d->services[0].id : 0)},
						   only ? " " : "n", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.schema_annotation: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		int32		sid = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		DriftServiceEnt *e = hash_search(byid, &sid, HASH_FIND, NULL);
		MemoryContext old;

		if (e == NULL)
			continue;
		old = MemoryContextSwitchTo(caller);
		CfgAnnotationAdd(&e->svc->ann,
						 TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull)),
						 TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull)),
						 DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 4, &isnull)));
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	for (int k = 0; k < d->nservices; k++)
	{
		CfgAnnotations *ann = &d->services[k].ann;
		ListCell   *lc;

		if (ann->ndefaults > 1)
			qsort(ann->defaults, ann->ndefaults, sizeof(CfgLayerRow), DriftDefaultCmp);
		/* an annotated path covers what is below it */
		foreach(lc, ann->env_specific)
		{
			char	   *path = lfirst(lc);

			lfirst(lc) = path[0] ? DriftSubtreePattern(path) : pstrdup("**");
		}
	}
	hash_destroy(byid);
}

/*
 * The active variations (not expired) whose environment list is empty or
 * names one of envs (NULL entries ignored), in id order.
 */
static List *
DriftLoadVariations(const char *env1, const char *env2)
{
	MemoryContext caller = CurrentMemoryContext;
	List	   *out = NIL;
	int			ret;
	uint64		i;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_variations,
									   "SELECT v.id, v.service_pattern, v.path_pattern, v.environments, v.reason"
										   " FROM cfgmgr.variation v"
										   " WHERE v.expires_at IS NULL OR v.expires_at OPERATOR(pg_catalog.>) pg_catalog.now()"
										   " ORDER BY v.id",
										   0, NULL),
						   NULL, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.variation: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		Datum		envs = SPI_getbinval(tup, desc, 4, &isnull);
		bool		applies = isnull;
		MemoryContext old;
		DriftVariation *v;
		char	   *reason;

		if (!applies)
		{
			Datum	   *elems;
			bool	   *enulls;
			int			n;

			deconstruct_array(DatumGetArrayTypeP(envs), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, &enulls, &n);
			for (int k = 0; k < n && !applies; k++)
			{
				char	   *pat;

				if (enulls[k])
					continue;
				pat = TextDatumGetCString(elems[k]);
				applies = CfgNameGlobMatch(pat, env1) || (env2 && CfgNameGlobMatch(pat, env2));
			}
		}
		if (!applies)
			continue;
		reason = SPI_getvalue(tup, desc, 5);
		old = MemoryContextSwitchTo(caller);
		v = palloc(sizeof(DriftVariation));
		v->id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
		v->service_pattern = TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull));
		v->path_pattern = DriftSubtreePattern(TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull)));
		v->reason = reason ? psprintf("variation %lld: %s", (long long) v->id, reason) :
			psprintf("variation %lld", (long long) v->id);
		out = lappend(out, v);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return out;
}

/*
 * May the caller read a secret entry of environment env_id (at path, in
 * the service being compared) in clear?  Its read_secret privilege there
 * says (superusers and the tables' owner may).
 */
static bool
DriftMayReadSecret(Drift *d, int32 env_id, const char *path, int pathlen)
{
	CfgCatalog *cat = CfgGetCatalog();

	return CfgAclAllowed(CFG_PRIV_READ_SECRET, CfgLookupEnvById(cat, env_id),
						 CfgLookupServiceById(cat, d->cur->id), path, pathlen);
}

/* Does any leaf at or below path come from a secret the caller may not read? */
static bool
DriftMaskUnder(Drift *d, CfgResolved *res, const char *path, int pathlen)
{
	CfgNode    *node = CfgNodeFind(res->root, path, pathlen);

	if (node == NULL)
		return false;
	for (int i = 0; i < res->nrows; i++)
		if (res->rows[i].secret && !res->rows[i].tombstone && CfgNodeUsesRow(node, i) &&
			!DriftMayReadSecret(d, res->rows[i].env_id, res->rows[i].path, res->rows[i].pathlen))
			return true;
	return false;
}

/* Is a row a secret the caller may not read in clear? */
static bool
DriftRowMasked(Drift *d, DriftRow *row)
{
	return row != NULL && row->r.secret && !row->r.tombstone &&
		!DriftMayReadSecret(d, row->r.env_id, row->r.path, row->r.pathlen);
}

/* ---------------------------------------------------------------------
 * Output
 * ---------------------------------------------------------------------
 */

/* Why a differing leaf is expected, or NULL. */
static const char *
DriftReason(Drift *d, const char *path, int pathlen, bool env_specific)
{
	ListCell   *lc;

	foreach(lc, d->variations)
	{
		DriftVariation *v = lfirst(lc);

		if (CfgNameGlobMatch(v->service_pattern, d->cur->name) &&
			CfgGlobMatch(v->path_pattern, strlen(v->path_pattern), path, pathlen))
			return v->reason;
	}
	if (env_specific)
		foreach(lc, d->cur->ann.env_specific)
	{
		const char *pat = lfirst(lc);

		if (CfgGlobMatch(pat, strlen(pat), path, pathlen))
			return "x-env-specific";
	}
	return NULL;
}

/* Append str as an SQL literal, as quote_literal() writes it. */
static void
DriftAppendLiteral(StringInfo s, const char *str, int len)
{
	int			start = 0;

	if (memchr(str, '\\', len) != NULL)
		appendStringInfoChar(s, 'E');
	appendStringInfoChar(s, '\'');
	for (int i = 0; i < len; i++)
	{
		if (str[i] == '\'' || str[i] == '\\')
		{
			/* the run up to and including it, then it once more */
			appendBinaryStringInfo(s, str + start, i + 1 - start);
			start = i;
		}
	}
	appendBinaryStringInfo(s, str + start, len - start);
	appendStringInfoChar(s, '\'');
}

static void
DriftAppendTarget(StringInfo s, const char *env, const char *svc, const char *path)
{
	DriftAppendLiteral(s, env, strlen(env));
	appendStringInfoString(s, ", ");
	DriftAppendLiteral(s, svc, strlen(svc));
	appendStringInfoString(s, ", ");
	DriftAppendLiteral(s, path, strlen(path));
}

static void
DriftAppendProvider(StringInfo s, const char *provider)
{
	if (provider)
	{
		appendStringInfoString(s, ", provider => ");
		DriftAppendLiteral(s, provider, strlen(provider));
	}
}

/*
 * The remediation statement for a leaf, in d->stmt; false when there is
 * none.
 */
static bool
DriftStatementFor(StringInfo s, StringInfo scratch, const char *left, const char *right,
				  const char *svc, const char *provider, DriftFix fix, const char *path,
				  Jsonb *value, bool secret)
{
	resetStringInfo(s);
	switch (fix)
	{
		case FIX_NONE:
			return false;
		case FIX_SET:
		case FIX_UNSET_SET:
		case FIX_ADOPT:
			appendStringInfoString(s, "SELECT cfgmgr.set(");
			DriftAppendTarget(s, fix == FIX_ADOPT ? left : right, svc, path);
			if (secret)
			{
				/* copy the value without spelling it out */
				appendStringInfoString(s, ", cfgmgr.get(");
				DriftAppendTarget(s, left, svc, path);
				DriftAppendProvider(s, provider);
				appendStringInfoChar(s, ')');
			}
			else
			{
				resetStringInfo(scratch);
				(void) JsonbToCString(scratch, &value->root, VARSIZE(value));
				appendStringInfoString(s, ", ");
				DriftAppendLiteral(s, scratch->data, scratch->len);
				appendStringInfoString(s, "::jsonb");
			}
			DriftAppendProvider(s, provider);
			if (secret)
				appendStringInfoString(s, ", secret => true");
			appendStringInfoChar(s, ')');
			if (fix == FIX_UNSET_SET)
			{
				appendStringInfoString(s, " FROM cfgmgr.unset(");
				DriftAppendTarget(s, right, svc, path);
				DriftAppendProvider(s, provider);
				appendStringInfoChar(s, ')');
			}
			break;
		case FIX_UNSET:
		case FIX_BLOCK:
			appendStringInfoString(s, "SELECT cfgmgr.unset(");
			DriftAppendTarget(s, right, svc, path);
			DriftAppendProvider(s, provider);
			if (fix == FIX_BLOCK)
				appendStringInfoString(s, ", block => true");
			appendStringInfoChar(s, ')');
			break;
		case FIX_DECLARE:
			appendStringInfo(s, "SELECT cfgmgr.expect_variation(%s, %s, ARRAY[%s, %s], %s)",
							 quote_literal_cstr(svc), quote_literal_cstr(path),
							 quote_literal_cstr(left), quote_literal_cstr(right),
							 quote_literal_cstr(psprintf("no single write makes %s equal %s at this path",
														 right, left)));
			break;
	}
	appendStringInfoChar(s, ';');
	return true;
}

static bool
DriftStatement(Drift *d, DriftFix fix, const char *path, Jsonb *value, bool secret)
{
	return DriftStatementFor(&d->stmt, &d->scratch, d->names[0], d->names[1], d->cur->name,
							 d->provider, fix, path, value, secret);
}

/* Fix codes as drift_rows() reports them and drift_statement() reads them. */
static const char *const fix_codes[] = {NULL, "set", "unset-set", "unset", "block", "declare", "adopt"};

static const char *
DriftFixCode(DriftFix fix, bool secret)
{
	if (secret && (fix == FIX_SET || fix == FIX_UNSET_SET))
		return fix == FIX_SET ? "set-secret" : "unset-set-secret";
	return fix_codes[fix];
}

static void
DriftInitOutput(Drift *d)
{
	d->mask = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(DRIFT_MASK)));
	initStringInfo(&d->stmt);
	initStringInfo(&d->scratch);
	d->maxpending = 16;
	d->pending = palloc(sizeof(DriftOut) * d->maxpending);
	for (int k = 0; k < 4; k++)
		d->kind_text[k] = CStringGetTextDatum(CfgDiffKindName((CfgDiffKind) k));
	for (int k = FIX_SET; k <= FIX_ADOPT; k++)
		for (int secret = 0; secret < 2; secret++)
			d->fix_text[k][secret] = CStringGetTextDatum(DriftFixCode((DriftFix) k, secret));
}

static void
DriftSetService(Drift *d, DriftService *svc)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgService *s = CfgLookupServiceById(cat, svc->id);

	d->cur = svc;
	d->service_text = CStringGetTextDatum(svc->name);
	/* rows are then checked one by one only for a role reading part of it */
	d->read_all = s != NULL &&
		CfgAclChainAll(CFG_PRIV_READ, d->chain[0], d->nchain[0], s) &&
		(d->nchain[1] == 0 || CfgAclChainAll(CFG_PRIV_READ, d->chain[1], d->nchain[1], s));
}

/*
 * A row drift compares must be readable by the caller: drift reports
 * values (and their absence), so a row it may not read refuses the whole
 * comparison (CM008) rather than hiding a difference.
 */
static void
DriftCheckRow(Drift *d, DriftStream *s)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnvById(cat, s->env_id);
	CfgService *svc = CfgLookupServiceById(cat, d->cur->id);

	if (env == NULL || svc == NULL ||
		!CfgAclAllowed(CFG_PRIV_READ, env, svc, s->path, s->pathlen))
		CfgAclDenied(CFG_PRIV_READ, env ? env->name : NULL, d->cur->name, s->path, s->pathlen);
}

/* Does path match one of remediate()'s selection patterns? */
static bool
DriftSelected(List *patterns, const char *path, int pathlen)
{
	ListCell   *lc;

	if (patterns == NIL)
		return true;
	foreach(lc, patterns)
	{
		const char *pat = lfirst(lc);

		if (CfgGlobMatch(pat, strlen(pat), path, pathlen))
			return true;
	}
	return false;
}

/*
 * A differing leaf: queued for whoever reads the comparison (drift_rows,
 * drift_observed_rows, remediate), in the current memory context.
 */
static void
DriftEmit(Drift *d, const char *path, int pathlen, CfgDiffKind kind,
		  Jsonb *left, Jsonb *right, bool lsecret, bool rsecret,
		  bool lmask, bool rmask, DriftFix fix, const char *reason)
{
	DriftOut   *o;

	if (d->npending == d->maxpending)
	{
		/* kept from cluster to cluster (allocated with d) */
		d->maxpending *= 2;
		d->pending = repalloc(d->pending, sizeof(DriftOut) * d->maxpending);
	}
	o = &d->pending[d->npending++];
	o->path = path == d->F ? d->F : pnstrdup(path, pathlen);
	o->pathlen = pathlen;
	o->kind = kind;
	o->left = left;
	o->right = right;
	o->lsecret = lsecret;
	o->rsecret = rsecret;
	o->lmask = lmask;
	o->rmask = rmask;
	o->fix = fix;
	o->reason = reason;
}

/* A queued leaf as a cfgmgr.drift_row (secrets masked), in the current context. */
static HeapTuple
DriftOutTuple(Drift *d, DriftOut *o)
{
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, false, false};

	values[0] = d->service_text;
	values[1] = o->path == d->F ? PointerGetDatum(d->Ftext) :
		PointerGetDatum(cstring_to_text_with_len(o->path, o->pathlen));
	values[2] = d->kind_text[o->kind];
	if (o->left)
		values[3] = JsonbPGetDatum(o->lmask ? d->mask : o->left);
	else
		nulls[3] = true;
	if (o->right)
		values[4] = JsonbPGetDatum(o->rmask ? d->mask : o->right);
	else
		nulls[4] = true;
	values[5] = BoolGetDatum(o->reason != NULL);
	if (o->reason)
		values[6] = CStringGetTextDatum(o->reason);
	else
		nulls[6] = true;
	if (o->fix != FIX_NONE)
		values[7] = d->fix_text[o->fix][o->lsecret ? 1 : 0];
	else
		nulls[7] = true;
	return heap_form_tuple(d->desc, values, nulls);
}

/* ---------------------------------------------------------------------
 * Reading the rows
 * ---------------------------------------------------------------------
 */

static void
DriftOpen(Drift *d)
{
	Oid			nsp = get_namespace_oid("cfgmgr", false);
	Oid			relid = get_relname_relid("entry", nsp);
	Oid			idxid = get_relname_relid("entry_pkey", nsp);

	if (!OidIsValid(relid) || !OidIsValid(idxid))
		elog(ERROR, "cfgmgr.entry or its primary key is missing");

	/*
	 * The rows are read below the executor, as the extension reads its
	 * tables (as their owner would, ciphertexts included): each row taken
	 * is checked against the caller's read privilege instead (DriftTake),
	 * and secrets are shown only to callers that may read them.
	 */
	d->rel = table_open(relid, AccessShareLock);
	d->idx = index_open(idxid, AccessShareLock);
	d->att_path = get_attnum(relid, "path");
	d->att_provider = get_attnum(relid, "provider");
	d->att_value = get_attnum(relid, "value");
	d->att_tombstone = get_attnum(relid, "tombstone");
	d->att_secret = get_attnum(relid, "secret");
	d->att_ciphertext = get_attnum(relid, "ciphertext");
	if (d->att_ciphertext == InvalidAttrNumber)
		elog(ERROR, "cfgmgr.entry has no column ciphertext");
	/* deform up to the last of these (not message, changeset and after) */
	d->natts = Max(Max(Max(d->att_path, d->att_provider), Max(d->att_value, d->att_tombstone)),
				   d->att_secret);
}

/* One stream per environment of either chain (shared ancestors once). */
static void
DriftStreams(Drift *d, Snapshot snap)
{
	d->streams = palloc0(sizeof(DriftStream) * (d->nchain[0] + d->nchain[1]));
	d->order = palloc0(sizeof(DriftStream *) * (d->nchain[0] + d->nchain[1]));
	d->nstreams = 0;
	for (int side = 0; side < 2; side++)
		for (int lvl = 0; lvl < d->nchain[side]; lvl++)
		{
			int32		id = d->chain[side][lvl]->id;
			DriftStream *s = NULL;

			for (int k = 0; k < d->nstreams; k++)
				if (d->streams[k].env_id == id)
					s = &d->streams[k];
			if (s == NULL)
			{
				s = &d->streams[d->nstreams++];
				s->env_id = id;
				s->level[0] = s->level[1] = -2;
				s->scan = index_beginscan(d->rel, d->idx, snap, 2, 0);
				s->slot = table_slot_create(d->rel, NULL);
			}
			s->level[side] = lvl;
		}
	d->right_in_left = -2;
	for (int k = 0; k < d->nstreams; k++)
		if (d->streams[k].level[1] == d->nchain[1] - 1)
			d->right_in_left = d->streams[k].level[0];
}

static void
DriftClose(Drift *d)
{
	for (int k = 0; k < d->nstreams; k++)
	{
		index_endscan(d->streams[k].scan);
		ExecDropSingleTupleTableSlot(d->streams[k].slot);
	}
	index_close(d->idx, AccessShareLock);
	table_close(d->rel, AccessShareLock);
}

/* Advance a stream to its next row of the neutral or the chosen provider. */
static void
DriftNext(Drift *d, DriftStream *s)
{
	int			plen = d->provider ? strlen(d->provider) : 0;

	for (;;)
	{
		Datum	   *v;
		struct varlena *pv;
		struct varlena *pp;

		if (!index_getnext_slot(s->scan, ForwardScanDirection, s->slot))
		{
			s->valid = false;
			return;
		}
		slot_getsomeattrs(s->slot, d->natts);
		v = s->slot->tts_values;
		pv = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(v[d->att_provider - 1]));
		if (VARSIZE_ANY_EXHDR(pv) == 0)
			s->provider_specific = false;
		else if (d->provider && (int) VARSIZE_ANY_EXHDR(pv) == plen &&
				 memcmp(VARDATA_ANY(pv), d->provider, plen) == 0)
			s->provider_specific = true;
		else
			continue;			/* another provider's value */
		pp = pg_detoast_datum_packed((struct varlena *) DatumGetPointer(v[d->att_path - 1]));
		s->path = VARDATA_ANY(pp);
		s->pathlen = VARSIZE_ANY_EXHDR(pp);
		s->valid = true;
		return;
	}
}

static DriftRow *
DriftNewRow(Drift *d)
{
	if (d->nrows == d->maxrows)
	{
		d->maxrows *= 2;
		d->rows = repalloc(d->rows, sizeof(DriftRow) * d->maxrows);
	}
	return &d->rows[d->nrows++];
}

/* A toasted value, detoasted into the cluster's memory. */
static void *
MemoryContextAllocDetoasted(Drift *d, struct varlena *val)
{
	MemoryContext old = MemoryContextSwitchTo(d->cxt);
	struct varlena *res = detoast_attr(val);

	MemoryContextSwitchTo(old);
	return res;
}

/* Copy a stream's current row into the cluster (d->cxt). */
static void
DriftTake(Drift *d, DriftStream *s)
{
	DriftRow   *row = DriftNewRow(d);
	Datum	   *v = s->slot->tts_values;
	struct varlena *val = NULL;
	Size		vlen = 0;
	char	   *mem;

	if (!d->read_all)
		DriftCheckRow(d, s);
	/* every field of the row is set here (no memset: this runs per row) */
	row->level[0] = s->level[0];
	row->level[1] = s->level[1];
	row->r.level = 0;
	row->r.env_id = s->env_id;
	row->r.provider_specific = s->provider_specific;
	row->r.pathlen = s->pathlen;
	row->r.value = NULL;
	row->r.changeset = 0;
	row->r.seq = 0;
	row->r.tombstone = DatumGetBool(v[d->att_tombstone - 1]);
	row->r.secret = DatumGetBool(v[d->att_secret - 1]);
	row->ct = NULL;
	if (row->r.secret && !row->r.tombstone)
	{
		bool		isnull;
		Datum		ct = slot_getattr(s->slot, d->att_ciphertext, &isnull);

		/* slot_getattr may have deformed more: the values array is the same */
		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(d->cxt);

			row->ct = DatumGetByteaPCopy(ct);
			MemoryContextSwitchTo(old);
		}
	}
	if (!row->r.tombstone)
	{
		val = (struct varlena *) DatumGetPointer(v[d->att_value - 1]);
		if (VARATT_IS_EXTERNAL(val) || VARATT_IS_COMPRESSED(val))
		{
			/* toasted: detoasted on its own */
			row->r.value = (Jsonb *) MemoryContextAllocDetoasted(d, val);
			val = NULL;
		}
		else
			vlen = VARSIZE_ANY_EXHDR(val) + VARHDRSZ;
	}
	/* the path and the value (with a 4-byte header, as jsonb code wants) in one chunk */
	mem = MemoryContextAlloc(d->cxt, MAXALIGN(vlen) + s->pathlen + 1);
	if (val != NULL)
	{
		SET_VARSIZE(mem, vlen);
		memcpy(mem + VARHDRSZ, VARDATA_ANY(val), vlen - VARHDRSZ);
		row->r.value = (Jsonb *) mem;
	}
	row->r.path = mem + MAXALIGN(vlen);
	memcpy(row->r.path, s->path, s->pathlen);
	row->r.path[s->pathlen] = '\0';
}

/* ---------------------------------------------------------------------
 * Clusters
 * ---------------------------------------------------------------------
 */

/*
 * A secret row's value in clear (decrypted into the cluster's memory):
 * only rows whose values are actually compared are decrypted, so the key
 * is needed (CM014) only when secrets differ in where they come from.
 */
static void
DriftReveal(Drift *d, DriftRow *row)
{
	MemoryContext old;

	if (row == NULL || row->ct == NULL)
		return;
	old = MemoryContextSwitchTo(d->cxt);
	row->r.value = CfgSecretDecrypt(row->ct, row->r.env_id, d->cur->id,
									row->r.provider_specific ? d->provider : CFG_NEUTRAL_PROVIDER,
									row->r.path, row->r.pathlen);
	row->ct = NULL;
	MemoryContextSwitchTo(old);
}

/* Is a row the right environment's own, with the qualifier a fix writes? */
static bool
DriftOwn(Drift *d, DriftRow *row)
{
	return row->level[1] == d->nchain[1] - 1 &&
		row->r.provider_specific == (d->provider != NULL);
}

/* Is a applied after b on a side (deeper level; provider after neutral)? */
static bool
DriftAfter(DriftRow *a, DriftRow *b, int side)
{
	if (a->level[side] != b->level[side])
		return a->level[side] > b->level[side];
	return a->r.provider_specific && !b->r.provider_specific;
}

static Jsonb *DriftNodeJsonb(CfgResolved *res, const char *path, int pathlen);

/*
 * The cluster resolved for one side, as it would be after a fix at the
 * right environment (when excl is not NULL): its own rows (qualifier of
 * the comparison) at or below excl left out, then a value of its own at
 * excl (extra) or a tombstone there (block).  The right environment may be
 * in the left side's chain too, so a fix can change both sides.
 */
static CfgResolved *
DriftResolveSide(Drift *d, int side, const char *excl, int excllen, Jsonb *extra, bool block)
{
	CfgResolved *res = palloc0(sizeof(CfgResolved));
	int			n = 0;
	int			own_level = side == 1 ? d->nchain[1] - 1 : d->right_in_left;

	res->provider = d->provider;
	res->merge_paths = d->cur->ann.merge_paths;
	res->merge_policies = d->cur->ann.merge_policies;
	res->rows = palloc(sizeof(CfgLayerRow) * (d->nrows + 1));
	for (int i = 0; i < d->nrows; i++)
	{
		DriftRow   *row = &d->rows[i];

		if (row->level[side] < -1)
			continue;
		if (excl && DriftOwn(d, row) &&
			CfgPathIsAncestorInline(excl, excllen, row->r.path, row->r.pathlen))
			continue;
		res->rows[n] = row->r;
		res->rows[n].level = row->level[side];
		n++;
	}
	if ((extra || block) && own_level >= 0)
	{
		CfgLayerRow *row = &res->rows[n++];

		memset(row, 0, sizeof(CfgLayerRow));
		row->level = own_level;
		row->provider_specific = d->provider != NULL;
		row->path = (char *) excl;
		row->pathlen = excllen;
		row->value = extra;
		row->tombstone = block;
	}
	res->nrows = n;
	CfgSortRows(res->rows, n);
	CfgMergeRows(res);
	return res;
}

static bool DriftLeavesEqual(Jsonb *a, Jsonb *b, CfgDiffKind *kind);

/* The same JSON value (or both none)? */
static bool
DriftSameValue(Jsonb *a, Jsonb *b)
{
	CfgDiffKind ignored;

	if (a == NULL || b == NULL)
		return a == b;
	return DriftLeavesEqual(a, b, &ignored);
}

/*
 * Would a fix at path make the right side resolve to left there, leaving
 * the left side as it is?  Tried on the cluster's rows.
 */
static bool
DriftFixWorks(Drift *d, const char *path, int pathlen, Jsonb *left, DriftFix fix)
{
	Jsonb	   *extra = (fix == FIX_SET || fix == FIX_UNSET_SET) ? left : NULL;
	bool		block = fix == FIX_BLOCK;

	for (int side = 0; side < 2; side++)
	{
		Jsonb	   *after;

		if (side == 0 && d->right_in_left < 0)
			continue;			/* the fix cannot touch the left side */
		after = DriftNodeJsonb(DriftResolveSide(d, side, path, pathlen, extra, block),
							   path, pathlen);
		if (!DriftSameValue(after, left))
			return false;
	}
	return true;
}

static Jsonb *
DriftNodeJsonb(CfgResolved *res, const char *path, int pathlen)
{
	CfgNode    *node = CfgNodeFind(res->root, path, pathlen);

	return node ? CfgNodeToJsonb(node) : NULL;
}

/* Does any leaf at or below path come from a secret row? */
static bool
DriftSecretUnder(CfgResolved *res, const char *path, int pathlen)
{
	CfgNode    *node = CfgNodeFind(res->root, path, pathlen);

	if (node == NULL)
		return false;
	for (int i = 0; i < res->nrows; i++)
		if (res->rows[i].secret && CfgNodeUsesRow(node, i))
			return true;
	return false;
}

static bool DriftRawSame(Drift *d, const char *path, int pathlen);

/* A differing leaf of a cluster resolved in full: find its fix and emit it. */
static void
DriftSlowLeaf(void *arg, const char *path, int pathlen, CfgDiffKind kind,
			  Jsonb *left, Jsonb *right)
{
	Drift	   *d = arg;
	bool		own = false,
				own_below = false;
	DriftFix	fix;

	for (int i = 0; i < d->nrows; i++)
	{
		DriftRow   *row = &d->rows[i];

		if (DriftOwn(d, row) && CfgPathIsAncestorInline(path, pathlen, row->r.path, row->r.pathlen))
		{
			own = true;
			if (row->r.pathlen != pathlen)
				own_below = true;
		}
	}
	/* the simplest statement that works: unset, set, block */
	if (own && DriftFixWorks(d, path, pathlen, left, FIX_UNSET))
		fix = FIX_UNSET;
	else if (kind == CFG_DIFF_ONLY_RIGHT)
		fix = DriftFixWorks(d, path, pathlen, NULL, FIX_BLOCK) ? FIX_BLOCK : FIX_DECLARE;
	else if (DriftFixWorks(d, path, pathlen, left, FIX_SET))
		fix = own_below ? FIX_UNSET_SET : FIX_SET;
	else
		fix = FIX_DECLARE;
	DriftEmit(d, path, pathlen, kind, left, right,
			  left && DriftSecretUnder(d->res[0], path, pathlen),
			  right && DriftSecretUnder(d->res[1], path, pathlen),
			  left && DriftMaskUnder(d, d->res[0], path, pathlen),
			  right && DriftMaskUnder(d, d->res[1], path, pathlen),
			  fix, DriftRawSame(d, path, pathlen) ? "template" : DriftReason(d, path, pathlen, true));
}

/*
 * Does the leaf at path hold the same stored value on both sides (so that
 * it differs only as its templates render)?
 */
/*
 * Does the leaf at path hold the same stored template on both sides (so
 * that it differs only as it renders)?
 */
static bool
DriftRawSame(Drift *d, const char *path, int pathlen)
{
	JsonbValue *v[2];

	if (d->raw[0] == NULL || d->raw[1] == NULL)
		return false;
	for (int side = 0; side < 2; side++)
	{
		if (pathlen == d->Flen)
		{
			v[side] = palloc(sizeof(JsonbValue));
			if (JB_ROOT_IS_SCALAR(d->raw[side]))
				JsonbExtractScalar(&d->raw[side]->root, v[side]);
			else
			{
				v[side]->type = jbvBinary;
				v[side]->val.binary.data = &d->raw[side]->root;
				v[side]->val.binary.len = VARSIZE(d->raw[side]) - VARHDRSZ;
			}
		}
		else
			v[side] = CfgJsonFollow(&d->raw[side]->root, path + d->Flen + (d->Flen > 0),
									pathlen - d->Flen - (d->Flen > 0));
		if (v[side] == NULL)
			return false;
	}
	if (v[0]->type != v[1]->type)
		return false;
	if (v[0]->type == jbvString)
		return v[0]->val.string.len == v[1]->val.string.len &&
			memcmp(v[0]->val.string.val, v[1]->val.string.val, v[0]->val.string.len) == 0 &&
			CfgStringHasTemplate(v[0]->val.string.val, v[0]->val.string.len);
	if (v[0]->type == jbvBinary)
		return compareJsonbContainers(v[0]->val.binary.data, v[1]->val.binary.data) == 0;
	return false;
}

static void
DriftSlow(Drift *d)
{
	Jsonb	   *j[2];
	bool		templated = false;

	for (int i = 0; i < d->nrows; i++)
		DriftReveal(d, &d->rows[i]);
	for (int i = 0; i < d->nrows && !templated; i++)
		templated = d->rows[i].r.value && CfgJsonbMayHaveTemplate(d->rows[i].r.value);
	for (int side = 0; side < 2; side++)
	{
		d->res[side] = DriftResolveSide(d, side, NULL, 0, NULL, false);
		d->raw[side] = NULL;
		if (templated)
		{
			/* compare rendered values; remember the raw ones for the reason */
			d->raw[side] = DriftNodeJsonb(d->res[side], d->F, d->Flen);
			d->res[side]->service = d->cur->name;
			d->res[side]->may_template = true;
			CfgRenderResolved(CfgRenderStart(d->names[side], d->provider, NULL),
							  d->res[side], d->F, d->Flen);
			j[side] = CfgRenderedValueAt(d->res[side], d->F, d->Flen);
		}
		else
			j[side] = DriftNodeJsonb(d->res[side], d->F, d->Flen);
	}
	CfgDiffAt(d->F, d->Flen, j[0], j[1], DriftSlowLeaf, d);
}

/*
 * Are two leaves (scalars or arrays) equal as JSON values?  If not, *kind
 * says whether their JSON types differ.  The common cases without
 * compareJsonbContainers' iterators: the same bytes (jsonb is canonical
 * but for numbers: 1 and 1.0), two scalars.
 */
static bool
DriftLeavesEqual(Jsonb *a, Jsonb *b, CfgDiffKind *kind)
{
	JsonbValue	x,
				y;

	if (VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	if (JB_ROOT_IS_SCALAR(a) && JB_ROOT_IS_SCALAR(b))
	{
		/*
		 * A scalar is a one-element array; its entry says the type.  Two
		 * strings, booleans or nulls are equal only with the same bytes
		 * (checked above); numbers compare by value (1 and 1.0).
		 */
		uint32		ta = a->root.children[0] & JENTRY_TYPEMASK;
		uint32		tb = b->root.children[0] & JENTRY_TYPEMASK;

		if (ta == JENTRY_ISBOOL_TRUE)
			ta = JENTRY_ISBOOL_FALSE;
		if (tb == JENTRY_ISBOOL_TRUE)
			tb = JENTRY_ISBOOL_FALSE;
		*kind = ta == tb ? CFG_DIFF_CHANGED : CFG_DIFF_TYPE_CHANGED;
		if (ta != tb || ta != JENTRY_ISNUMERIC)
			return false;
		JsonbExtractScalar(&a->root, &x);
		JsonbExtractScalar(&b->root, &y);
		return DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(x.val.numeric),
												NumericGetDatum(y.val.numeric)));
	}
	if (compareJsonbContainers(&a->root, &b->root) == 0)
		return true;
	*kind = CfgDiffJsonbType(a) == CfgDiffJsonbType(b) ? CFG_DIFF_CHANGED : CFG_DIFF_TYPE_CHANGED;
	return false;
}

/*
 * A cluster of rows at F only, holding scalars and arrays: each side's
 * value is its last row in application order.
 */
static void
DriftFast(Drift *d)
{
	DriftRow   *w[2] = {NULL, NULL};
	Jsonb	   *v[2];
	CfgDiffKind kind;
	DriftFix	fix = FIX_SET;

	for (int i = 0; i < d->nrows; i++)
		for (int side = 0; side < 2; side++)
			if (d->rows[i].level[side] >= -1 &&
				(w[side] == NULL || DriftAfter(&d->rows[i], w[side], side)))
				w[side] = &d->rows[i];
	if (w[0] == w[1] && (w[0] == NULL || w[0]->ct != NULL))
		return;					/* the same row (a secret is no template) */

	/*
	 * Secrets in clear: to compare two values, or to show one to a role
	 * that may read it; a value only on one side that is shown masked
	 * needs no key.
	 */
	for (int side = 0; side < 2; side++)
		if (w[side] && w[side]->ct &&
			((w[0] && w[1] && !w[0]->r.tombstone && !w[1]->r.tombstone) ||
			 !DriftRowMasked(d, w[side])))
			DriftReveal(d, w[side]);
	for (int side = 0; side < 2; side++)
		v[side] = w[side] && !w[side]->r.tombstone ? w[side]->r.value : NULL;
	if (cfg_render_hook != NULL &&
		((v[0] && CfgJsonbMayHaveTemplate(v[0])) || (v[1] && CfgJsonbMayHaveTemplate(v[1]))))
	{
		bool		same_raw = w[0] == w[1] ||
			(v[0] && v[1] && compareJsonbContainers(&v[0]->root, &v[1]->root) == 0);

		for (int side = 0; side < 2; side++)
			if (v[side])
				v[side] = cfg_render_hook(d->names[side], d->cur->name, d->provider,
										  d->F, d->Flen, v[side], w[side]->r.secret);
		if (same_raw && v[0] && v[1] && compareJsonbContainers(&v[0]->root, &v[1]->root) != 0)
		{
			/* the same template, rendered differently per environment */
			DriftEmit(d, d->F, d->Flen, CFG_DIFF_CHANGED, v[0], v[1],
					  w[0]->r.secret, w[1]->r.secret, DriftRowMasked(d, w[0]),
					  DriftRowMasked(d, w[1]), FIX_SET, "template");
			return;
		}
	}
	else if (w[0] == w[1])
		return;					/* the same row (a shared ancestor's) */
	if (v[0] == NULL && v[1] == NULL)
		return;
	if (v[0] && v[1])
	{
		if (DriftLeavesEqual(v[0], v[1], &kind))
			return;
	}
	else
		kind = v[0] ? CFG_DIFF_ONLY_LEFT : CFG_DIFF_ONLY_RIGHT;

	/*
	 * The fix: unset when what the right environment inherits is the left
	 * value (a needless override, or a tombstone hiding it), else set (or
	 * block, for a value only on the right).  A right environment in the
	 * left chain cannot change the left side here: the left value comes
	 * from a deeper level, or there would be no drift.
	 */
	{
		DriftRow   *next = NULL;
		bool		own = false;
		CfgDiffKind ignored;

		for (int i = 0; i < d->nrows; i++)
		{
			DriftRow   *row = &d->rows[i];

			if (row->level[1] < -1)
				continue;
			if (DriftOwn(d, row))
				own = true;
			else if (next == NULL || DriftAfter(row, next, 1))
				next = row;
		}
		if (own)
		{
			Jsonb	   *inherited;

			DriftReveal(d, next);
			DriftReveal(d, w[0]);
			v[0] = w[0] && !w[0]->r.tombstone ? w[0]->r.value : NULL;
			inherited = next && !next->r.tombstone ? next->r.value : NULL;

			if (inherited == NULL ? v[0] == NULL :
				v[0] != NULL && DriftLeavesEqual(inherited, v[0], &ignored))
				fix = FIX_UNSET;
		}
		if (fix != FIX_UNSET)
			fix = kind == CFG_DIFF_ONLY_RIGHT ? FIX_BLOCK : FIX_SET;
	}
	DriftEmit(d, d->F, d->Flen, kind, v[0], v[1],
			  w[0] && w[0]->r.secret, w[1] && w[1]->r.secret,
			  v[0] && DriftRowMasked(d, w[0]), v[1] && DriftRowMasked(d, w[1]), fix,
			  DriftReason(d, d->F, d->Flen, true));
}

static void
DriftCluster(Drift *d)
{
	bool		fast = true;

	if (d->cur->ann.merge_paths != NIL)
	{
		char		p = CfgMergePolicy(d->cur->ann.merge_paths, d->cur->ann.merge_policies, d->F, d->Flen);

		fast = p != 'a' && p != 'u';
	}
	for (int i = 0; i < d->nrows && fast; i++)
		if (d->rows[i].r.pathlen != d->Flen ||
			(!d->rows[i].r.tombstone && JB_ROOT_IS_OBJECT(d->rows[i].r.value)))
			fast = false;
	if (fast)
		DriftFast(d);
	else
		DriftSlow(d);
}

/*
 * Put a stream with a current row into d->order, which holds the streams
 * with a current row sorted by it (a binary search: a dense stream's next
 * row sorts first, a sparse one's far ahead).
 */
static void
DriftOrderInsert(Drift *d, DriftStream *s)
{
	int			lo = 0,
				hi = d->norder;

	if (!s->valid)
		return;
	/* the first position whose row sorts after s's */
	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;

		if (CfgPathCmpInline(d->order[mid]->path, d->order[mid]->pathlen,
							 s->path, s->pathlen) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	memmove(&d->order[lo + 1], &d->order[lo], sizeof(DriftStream *) * (d->norder - lo));
	d->order[lo] = s;
	d->norder++;
}

/* Start comparing a service: position every stream on its first row. */
static void
DriftStartService(Drift *d, DriftService *svc)
{
	ScanKeyData keys[2];

	DriftSetService(d, svc);
	d->di = 0;
	for (int k = 0; k < d->nstreams; k++)
	{
		DriftStream *s = &d->streams[k];

		ScanKeyInit(&keys[0], 1, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(s->env_id));
		ScanKeyInit(&keys[1], 2, BTEqualStrategyNumber, F_INT4EQ, Int32GetDatum(svc->id));
		index_rescan(s->scan, keys, 2, NULL, 0);
		DriftNext(d, s);
	}
	d->norder = 0;
	for (int k = 0; k < d->nstreams; k++)
		DriftOrderInsert(d, &d->streams[k]);
}

/*
 * Take the next cluster of the current service (the smallest path at the
 * streams' heads or the defaults, with everything stored below it) and
 * compare it; false when the service has no rows left.
 */
static bool
DriftClusterStep(Drift *d)
{
	DriftService *svc = d->cur;
	const char *minp = NULL;
	int			minlen = 0;
	MemoryContext old;

	CHECK_FOR_INTERRUPTS();
	if (d->norder > 0)
	{
		minp = d->order[0]->path;
		minlen = d->order[0]->pathlen;
	}
	if (d->di < svc->ann.ndefaults &&
		(minp == NULL || CfgPathCmpInline(svc->ann.defaults[d->di].path, svc->ann.defaults[d->di].pathlen,
									minp, minlen) < 0))
	{
		minp = svc->ann.defaults[d->di].path;
		minlen = svc->ann.defaults[d->di].pathlen;
	}
	if (minp == NULL)
		return false;

	/* the past cluster's rows and results are dead (returned) */
	MemoryContextReset(d->cxt);
	d->npending = d->nreturned = 0;
	/* F as a text datum too (the path column of most results) */
	d->Ftext = MemoryContextAlloc(d->cxt, VARHDRSZ + minlen + 1);
	SET_VARSIZE(d->Ftext, VARHDRSZ + minlen);
	d->F = VARDATA(d->Ftext);
	memcpy(d->F, minp, minlen);
	d->F[minlen] = '\0';
	d->Flen = minlen;
	d->nrows = 0;

	/*
	 * The streams whose current row is at or below F come first in
	 * d->order (F's subtree is one range of the path order); take their
	 * rows in it, then put them back in order.
	 */
	{
		DriftStream *moved[2 * CFG_MAX_DEPTH];
		int			nmoved = 0;

		while (nmoved < d->norder &&
			   CfgPathIsAncestorInline(d->F, d->Flen, d->order[nmoved]->path, d->order[nmoved]->pathlen))
		{
			DriftStream *st = d->order[nmoved];

			do
			{
				DriftTake(d, st);
				DriftNext(d, st);
			} while (st->valid && CfgPathIsAncestorInline(d->F, d->Flen, st->path, st->pathlen));
			moved[nmoved++] = st;
		}
		d->norder -= nmoved;
		memmove(&d->order[0], &d->order[nmoved], sizeof(DriftStream *) * d->norder);
		for (int k = 0; k < nmoved; k++)
			DriftOrderInsert(d, moved[k]);
	}
	while (d->di < svc->ann.ndefaults &&
		   CfgPathIsAncestorInline(d->F, d->Flen, svc->ann.defaults[d->di].path, svc->ann.defaults[d->di].pathlen))
	{
		DriftRow   *row = DriftNewRow(d);

		memset(row, 0, sizeof(DriftRow));
		row->r = svc->ann.defaults[d->di];
		row->level[0] = row->level[1] = -1;
		d->di++;
	}
	old = MemoryContextSwitchTo(d->cxt);
	DriftCluster(d);
	MemoryContextSwitchTo(old);
	return true;
}

/* Compare the next cluster of any service; false when all are done. */
static bool
DriftAdvance(Drift *d)
{
	while (d->open)
	{
		if (d->svc_index >= 0 && DriftClusterStep(d))
			return true;
		if (++d->svc_index >= d->nservices)
			return false;
		DriftStartService(d, &d->services[d->svc_index]);
	}
	return false;
}

/* The next differing leaf, or NULL at the end. */
static DriftOut *
DriftNextOut(Drift *d)
{
	while (d->nreturned >= d->npending)
		if (!DriftAdvance(d))
			return NULL;
	return &d->pending[d->nreturned++];
}

/* Close the scans and release the snapshot (also when the query stops early). */
static void
DriftEnd(Drift *d)
{
	if (!d->open)
		return;
	d->open = false;
	DriftClose(d);
	UnregisterSnapshot(d->snap);
}

static void
DriftShutdown(Datum arg)
{
	DriftEnd((Drift *) DatumGetPointer(arg));
}

/*
 * Set up d for comparing left and right (names checked, services, schema
 * annotations and variations loaded, scans opened under a registered
 * snapshot); in the current memory context, which must outlive the
 * comparison.
 */
static void
DriftBegin(Drift *d, const char *left, const char *right, const char *service,
		   const char *provider)
{
	CfgCatalog *cat = CfgGetCatalog();
	Snapshot	snap;

	d->provider = provider ? pstrdup(provider) : NULL;
	d->svc_index = -1;
	for (int side = 0; side < 2; side++)
	{
		CfgEnv	   *env = CfgLookupEnv(cat, side == 0 ? left : right, false);

		d->names[side] = pstrdup(env->name);
		d->chain[side] = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
		d->nchain[side] = CfgEnvChain(cat, env, d->chain[side]);
	}
	if (provider != NULL)
		CfgCheckProvider(cat, provider);
	DriftLoadServices(d, cat, service);
	DriftInitOutput(d);
	if (strcmp(d->names[0], d->names[1]) == 0)
		return;					/* an environment does not drift from itself */
	d->variations = DriftLoadVariations(d->names[0], d->names[1]);

	d->cxt = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr drift cluster",
								   ALLOCSET_DEFAULT_SIZES);
	d->maxrows = 64;
	d->rows = palloc(sizeof(DriftRow) * d->maxrows);
	DriftOpen(d);
	snap = CfgReadSnapshotPush();
	d->snap = RegisterSnapshot(snap);
	CfgReadSnapshotPop(snap);
	DriftStreams(d, d->snap);
	d->open = true;
}

static char *
DriftArgOpt(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * cfgmgr.drift_rows(left_env text, right_env text, service text,
 *					 provider text) RETURNS SETOF cfgmgr.drift_row
 *
 * The rows of cfgmgr.drift (an SQL function over this one), returned one
 * per call as they are found: called from a select list (a ProjectSet),
 * nothing is materialized.  Instead of the remediation statement each row
 * carries its fix code; cfgmgr.drift_statement writes the statement, only
 * when the remediation column is read.
 */
Datum
cfgmgr_drift_rows(PG_FUNCTION_ARGS)
{
	FuncCallContext *fc;
	Drift	   *d;
	DriftOut   *o;
	MemoryContext old;

	if (SRF_IS_FIRSTCALL())
	{
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
		char	   *left = CfgArgText(fcinfo, 0, "left_env");
		char	   *right = CfgArgText(fcinfo, 1, "right_env");
		TupleDesc	desc;

		fc = SRF_FIRSTCALL_INIT();
		old = MemoryContextSwitchTo(fc->multi_call_memory_ctx);
		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "cfgmgr.drift_rows must return a composite type");
		d = palloc0(sizeof(Drift));
		d->desc = BlessTupleDesc(desc);
		DriftBegin(d, left, right, DriftArgOpt(fcinfo, 2), DriftArgOpt(fcinfo, 3));
		if (d->open && rsinfo != NULL && IsA(rsinfo, ReturnSetInfo))
			RegisterExprContextCallback(rsinfo->econtext, DriftShutdown, PointerGetDatum(d));
		fc->user_fctx = d;
		MemoryContextSwitchTo(old);
	}
	fc = SRF_PERCALL_SETUP();
	d = fc->user_fctx;
	old = MemoryContextSwitchTo(fc->multi_call_memory_ctx);
	o = DriftNextOut(d);
	MemoryContextSwitchTo(old);
	if (o == NULL)
	{
		ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

		/* d goes with the multi-call context: no callback may use it later */
		if (d->open)
			UnregisterExprContextCallback(rsinfo->econtext, DriftShutdown, PointerGetDatum(d));
		DriftEnd(d);
		SRF_RETURN_DONE(fc);
	}
	SRF_RETURN_NEXT(fc, HeapTupleGetDatum(DriftOutTuple(d, o)));
}

/*
 * cfgmgr.drift_statement(fix text, left_env text, right_env text,
 *						  service text, path text, left_value jsonb,
 *						  right_value jsonb, provider text) RETURNS text
 *
 * The remediation statement of a drift row from its fix code (NULL for
 * none).  Immutable: it only writes text.
 */
Datum
cfgmgr_drift_statement(PG_FUNCTION_ARGS)
{
	StringInfoData s;
	StringInfoData scratch;
	char	   *code;
	DriftFix	fix = FIX_NONE;
	bool		secret = false;
	Jsonb	   *value;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	code = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (strcmp(code, "set-secret") == 0 || strcmp(code, "unset-set-secret") == 0)
	{
		secret = true;
		code[strlen(code) - strlen("-secret")] = '\0';
	}
	for (int k = 1; k < (int) lengthof(fix_codes); k++)
		if (strcmp(code, fix_codes[k]) == 0)
			fix = (DriftFix) k;
	if (fix == FIX_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown drift fix code \"%s\"", code)));
	for (int k = 1; k <= 4; k++)
		if (PG_ARGISNULL(k))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("environments, service and path must not be null")));
	value = fix == FIX_ADOPT ? (PG_ARGISNULL(6) ? NULL : PG_GETARG_JSONB_P(6)) :
		(PG_ARGISNULL(5) ? NULL : PG_GETARG_JSONB_P(5));
	if (value == NULL && !secret && (fix == FIX_SET || fix == FIX_UNSET_SET || fix == FIX_ADOPT))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("fix \"%s\" needs the value to write", code)));
	initStringInfo(&s);
	initStringInfo(&scratch);
	(void) DriftStatementFor(&s, &scratch,
							 text_to_cstring(PG_GETARG_TEXT_PP(1)),
							 text_to_cstring(PG_GETARG_TEXT_PP(2)),
							 text_to_cstring(PG_GETARG_TEXT_PP(3)),
							 PG_ARGISNULL(7) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(7)),
							 fix, text_to_cstring(PG_GETARG_TEXT_PP(4)), value, secret);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s.data, s.len));
}

/* ---------------------------------------------------------------------
 * remediate
 * ---------------------------------------------------------------------
 */

/* The leaves of a drift, as remediate() selects them. */
static List *
DriftCollect(const char *left, const char *right, const char *service,
			 const char *provider, List *patterns, bool include_expected)
{
	Drift	   *d = palloc0(sizeof(Drift));
	List	   *leaves = NIL;
	DriftOut   *o;

	DriftBegin(d, left, right, service, provider);
	while ((o = DriftNextOut(d)) != NULL)
	{
		DriftLeaf  *leaf;
		char	   *p;

		if ((o->reason != NULL && !include_expected) ||
			!DriftSelected(patterns, o->path, o->pathlen))
			continue;
		p = pnstrdup(o->path, o->pathlen);
		leaf = palloc(sizeof(DriftLeaf));
		leaf->service = pstrdup(d->cur->name);
		leaf->path = p;
		leaf->kind = CfgDiffKindName(o->kind);
		leaf->statement = DriftStatement(d, o->fix, p, o->fix == FIX_ADOPT ? o->right : o->left,
										 o->fix != FIX_ADOPT && o->lsecret) ?
			pstrdup(d->stmt.data) : NULL;
		leaf->writes = o->fix != FIX_DECLARE && o->fix != FIX_NONE;
		leaves = lappend(leaves, leaf);
	}
	DriftEnd(d);
	return leaves;
}

/*
 * cfgmgr.remediate(left_env text, right_env text, service text DEFAULT NULL,
 *					provider text DEFAULT NULL, paths text[] DEFAULT NULL,
 *					include_expected bool DEFAULT false,
 *					message text DEFAULT NULL)
 *	 RETURNS TABLE(service text, path text, kind text, statement text,
 *				   applied bool)
 *
 * Runs the remediation statements of drift(left_env, right_env, service,
 * provider) for the leaves matching one of the glob patterns in paths (all
 * when NULL), unexpected ones only unless include_expected, in the calling
 * transaction (one changeset, validated at commit like every write).  A
 * leaf whose remediation only suggests declaring a variation is listed with
 * applied = false.  Afterwards the drift is computed again: a leaf that was
 * fixed and still differs (a concurrent change) aborts the whole thing
 * with CM011.
 */
Datum
cfgmgr_remediate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *left = CfgArgText(fcinfo, 0, "left_env");
	char	   *right = CfgArgText(fcinfo, 1, "right_env");
	char	   *service = DriftArgOpt(fcinfo, 2);
	char	   *provider = DriftArgOpt(fcinfo, 3);
	bool		include_expected = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	char	   *message = DriftArgOpt(fcinfo, 6);
	List	   *patterns = NIL;
	List	   *leaves;
	List	   *again;
	ListCell   *lc;
	bool		any = false;

	if (!PG_ARGISNULL(4))
	{
		Datum	   *elems;
		bool	   *enulls;
		int			n;

		deconstruct_array(PG_GETARG_ARRAYTYPE_P(4), TEXTOID, -1, false, TYPALIGN_INT,
						  &elems, &enulls, &n);
		for (int k = 0; k < n; k++)
		{
			char	   *pat;
			char	   *detail;
			int			pos;

			if (enulls[k])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("paths must not contain null")));
			pat = TextDatumGetCString(elems[k]);
			detail = CfgGlobCheck(pat, strlen(pat), &pos);
			if (detail)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid path pattern \"%s\" at position %d", pat, pos),
						 errdetail_internal("%s", detail)));
			patterns = lappend(patterns, pat);
		}
		if (n == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("paths must not be empty"),
					 errhint("Pass NULL to select every differing path.")));
	}

	InitMaterializedSRF(fcinfo, 0);
	leaves = DriftCollect(left, right, service, provider, patterns, include_expected);
	foreach(lc, leaves)
		any |= ((DriftLeaf *) lfirst(lc))->writes;
	if (any)
	{
		(void) CfgCurrentChangeset(message ? message :
								   psprintf("remediate drift of %s from %s", right, left));
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		foreach(lc, leaves)
		{
			DriftLeaf  *leaf = lfirst(lc);
			int			ret;

			if (!leaf->writes)
				continue;
			ret = SPI_execute(leaf->statement, false, 0);
			if (ret != SPI_OK_SELECT)
				elog(ERROR, "could not run \"%s\": %s", leaf->statement,
					 SPI_result_code_string(ret));
		}
		SPI_finish();

		/* did it converge? */
		again = DriftCollect(left, right, service, provider, patterns, include_expected);
		foreach(lc, again)
		{
			DriftLeaf  *now = lfirst(lc);
			ListCell   *lc2;

			foreach(lc2, leaves)
			{
				DriftLeaf  *was = lfirst(lc2);

				if (was->writes && strcmp(was->service, now->service) == 0 &&
					strcmp(was->path, now->path) == 0)
					ereport(ERROR,
							(errcode(ERRCODE_CFGMGR_CONFLICTING_CHANGE),
							 errmsg("remediation did not make \"%s\" in service \"%s\" of \"%s\" equal to \"%s\"",
									now->path, now->service, right, left),
							 errdetail("After \"%s\" the leaf is still %s.", was->statement, now->kind),
							 errhint("Another transaction changed one of the environments meanwhile; run it again.")));
			}
		}
	}
	foreach(lc, leaves)
	{
		DriftLeaf  *leaf = lfirst(lc);
		Datum		values[5];
		bool		nulls[5] = {false, false, false, leaf->statement == NULL, false};

		values[0] = CStringGetTextDatum(leaf->service);
		values[1] = CStringGetTextDatum(leaf->path);
		values[2] = CStringGetTextDatum(leaf->kind);
		values[3] = leaf->statement ? CStringGetTextDatum(leaf->statement) : (Datum) 0;
		values[4] = BoolGetDatum(leaf->writes);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Observed configuration
 * ---------------------------------------------------------------------
 */

typedef struct Observed
{
	int32		service_id;
	Jsonb	   *document;
} Observed;

/*
 * The latest snapshot per service reported for env (and provider; NULL:
 * provider-neutral reports; all providers when any_provider), optionally
 * for one service.  Returned in service name order, with the provider of
 * each in *providers (NULL for neutral).
 */
static List *
DriftLatestObserved(CfgCatalog *cat, int32 env_id, const char *provider, bool any_provider,
					int32 service_id, List **providers)
{
	MemoryContext caller = CurrentMemoryContext;
	Oid			types[3] = {INT4OID, TEXTOID, INT4OID};
	Datum		args[3];
	char		nulls[3] = {' ', ' ', ' '};
	List	   *out = NIL;
	int			ret;
	uint64		i;

	args[0] = Int32GetDatum(env_id);
	args[1] = CStringGetTextDatum(provider ? provider : "");
	nulls[1] = any_provider ? 'n' : ' ';
	args[2] = Int32GetDatum(service_id);
	nulls[2] = service_id == 0 ? 'n' : ' ';
	*providers = NIL;
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_with_args("SELECT DISTINCT ON (s.name, o.provider) o.service_id, o.document, o.provider"
								" FROM cfgmgr.observation o JOIN cfgmgr.service s"
								" ON s.id OPERATOR(pg_catalog.=) o.service_id"
								" WHERE o.env_id OPERATOR(pg_catalog.=) $1"
								" AND ($2::pg_catalog.text IS NULL OR o.provider OPERATOR(pg_catalog.=) $2)"
								" AND ($3::pg_catalog.int4 IS NULL OR o.service_id OPERATOR(pg_catalog.=) $3)"
								" ORDER BY s.name, o.provider, o.id DESC",
								3, types, args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.observation: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		char	   *prov = SPI_getvalue(tup, desc, 3);
		MemoryContext old = MemoryContextSwitchTo(caller);
		Observed   *o = palloc(sizeof(Observed));

		o->service_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		o->document = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		out = lappend(out, o);
		*providers = lappend(*providers, prov && prov[0] ? pstrdup(prov) : NULL);
		MemoryContextSwitchTo(old);
	}
	SPI_finish();
	return out;
}

typedef struct ObservedDiff
{
	Drift	   *d;
	CfgResolved *res;			/* the declared configuration */
	int64		unmanaged;		/* only_right leaves */
	int64		leaves;			/* leaves of the observed document */
} ObservedDiff;

static bool
DriftIsMask(Jsonb *j)
{
	JsonbValue	v;

	return j != NULL && JB_ROOT_IS_SCALAR(j) && JsonbExtractScalar(&j->root, &v) &&
		v.type == jbvString && v.val.string.len == 8 &&
		memcmp(v.val.string.val, "********", 8) == 0;
}

static void DriftCountLeaf(void *arg, const char *path, int pathlen, CfgDiffKind kind,
						   Jsonb *left, Jsonb *right);

static void
DriftObservedLeaf(void *arg, const char *path, int pathlen, CfgDiffKind kind,
				  Jsonb *left, Jsonb *right)
{
	ObservedDiff *od = arg;
	bool		secret = left && DriftSecretUnder(od->res, path, pathlen);

	/* an agent need not (should not) report secrets: a mask is no drift */
	if (secret && DriftIsMask(right))
		return;
	if (kind == CFG_DIFF_ONLY_RIGHT)
		od->unmanaged++;
	else if (right != NULL && !JB_ROOT_IS_SCALAR(right) && JB_ROOT_IS_OBJECT(right) &&
			 CfgJsonObjectOfLabels(&right->root))
	{
		/* deployed keys below a declared leaf: none of them is declared */
		ObservedDiff below;

		memset(&below, 0, sizeof(below));
		CfgDiffAt("", 0, NULL, right, DriftCountLeaf, &below);
		od->unmanaged += below.leaves;
	}
	if (od->d == NULL)
		return;
	DriftEmit(od->d, path, pathlen, kind, left, right, secret, secret,
			  secret && DriftMaskUnder(od->d, od->res, path, pathlen),
			  secret && DriftMaskUnder(od->d, od->res, path, pathlen),
			  kind == CFG_DIFF_ONLY_RIGHT ? FIX_ADOPT : FIX_NONE,
			  DriftReason(od->d, path, pathlen, false));
}

static void
DriftCountLeaf(void *arg, const char *path, int pathlen, CfgDiffKind kind,
			   Jsonb *left, Jsonb *right)
{
	((ObservedDiff *) arg)->leaves++;
}

/*
 * Compare the declared configuration of env (for provider) with one
 * observed document; with d, emit the differing leaves.
 */
static void
DriftObservedService(ObservedDiff *od, const char *env, const char *svc, const char *provider,
					 Jsonb *observed)
{
	Jsonb	   *declared;
	Jsonb	   *empty = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum("{}")));

	/*
	 * Declared against deployed: secrets are compared in clear whoever
	 * asks (the output masks them for callers without read_secret).
	 */
	{
		CfgSecretView view = cfg_secret_view;

		cfg_secret_view = CFG_SECRETS_COMPARE;
		PG_TRY();
		{
			od->res = CfgResolve(env, svc, provider, NULL, 0);
		}
		PG_FINALLY();
		{
			cfg_secret_view = view;
		}
		PG_END_TRY();
	}
	if (od->res->may_template)
		CfgRenderResolved(CfgRenderStart(env, provider, NULL), od->res, NULL, 0);
	declared = CfgNodeToJsonb(od->res->root);
	CfgDiffJsonb(declared, observed, DriftObservedLeaf, od);
	CfgDiffJsonb(empty, observed, DriftCountLeaf, od);
}

/*
 * cfgmgr.drift_observed_rows(env text, service text, provider text)
 *	 RETURNS SETOF cfgmgr.drift_row
 *
 * The rows of cfgmgr.drift_observed (an SQL function over this one, as
 * drift is over drift_rows): the declared configuration (left) against the
 * latest snapshot reported for it (right).  Services nobody reported on
 * are not compared.  Fix code "adopt" for a deployed key that is not
 * declared (only_right): declare it with its deployed value; none
 * otherwise (the fix is deploying the declared configuration).
 */
Datum
cfgmgr_drift_observed_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *env = CfgArgText(fcinfo, 0, "env");
	char	   *service = DriftArgOpt(fcinfo, 1);
	char	   *provider = DriftArgOpt(fcinfo, 2);
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *e = CfgLookupEnv(cat, env, false);
	Drift	   *d = palloc0(sizeof(Drift));
	ObservedDiff od;
	List	   *obs;
	List	   *provs;
	ListCell   *lc;
	DriftService cur;

	if (provider)
		CfgCheckProvider(cat, provider);
	InitMaterializedSRF(fcinfo, 0);
	d->desc = rsinfo->setDesc;
	d->names[0] = e->name;
	d->names[1] = e->name;
	d->provider = provider;
	DriftInitOutput(d);
	d->variations = DriftLoadVariations(e->name, NULL);
	obs = DriftLatestObserved(cat, e->id, provider, false,
							  service ? CfgLookupService(cat, service, false)->id : 0, &provs);
	memset(&od, 0, sizeof(od));
	od.d = d;
	foreach(lc, obs)
	{
		Observed   *o = lfirst(lc);

		memset(&cur, 0, sizeof(cur));
		cur.id = o->service_id;
		cur.name = CfgLookupServiceById(cat, o->service_id)->name;
		DriftSetService(d, &cur);
		d->npending = 0;
		DriftObservedService(&od, e->name, cur.name, provider, o->document);
		for (int k = 0; k < d->npending; k++)
			tuplestore_puttuple(rsinfo->setResult, DriftOutTuple(d, &d->pending[k]));
	}
	return (Datum) 0;
}

/*
 * cfgmgr.drift_coverage(env text) RETURNS numeric
 *
 * Over the latest snapshot of every service and provider reported for env:
 * the share of observed leaves that are declared (rounded to 4 digits),
 * NULL when nothing (or only empty documents) was observed.
 */
Datum
cfgmgr_drift_coverage(PG_FUNCTION_ARGS)
{
	char	   *env = CfgArgText(fcinfo, 0, "env");
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *e = CfgLookupEnv(cat, env, false);
	ObservedDiff od;
	List	   *obs;
	List	   *provs;
	ListCell   *lc,
			   *lp;
	Datum		ratio;

	obs = DriftLatestObserved(cat, e->id, NULL, true, 0, &provs);
	memset(&od, 0, sizeof(od));
	forboth(lc, obs, lp, provs)
	{
		Observed   *o = lfirst(lc);

		DriftObservedService(&od, e->name, CfgLookupServiceById(cat, o->service_id)->name,
							 lfirst(lp), o->document);
	}
	if (od.leaves == 0)
		PG_RETURN_NULL();
	ratio = DirectFunctionCall2(numeric_div,
								DirectFunctionCall1(int8_numeric, Int64GetDatum(od.leaves - od.unmanaged)),
								DirectFunctionCall1(int8_numeric, Int64GetDatum(od.leaves)));
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_round, ratio, Int32GetDatum(4)));
}
