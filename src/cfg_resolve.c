/*-------------------------------------------------------------------------
 *
 * cfg_resolve.c
 *	  Reading configuration: get, the typed getters, resolve, explain,
 *	  provenance and environment_chain.
 *
 * All readers share one pipeline: look the environment chain up in the
 * catalog (cfg_catalog.c), fetch the entries of the chain for the service
 * (only the path's ancestors and subtree when one path is asked for) with
 * one prepared SPI query that runs as btree range scans, sort them into
 * application order and merge them (cfg_merge.c).  get and resolve results
 * are cached per backend (cfg_cache.c) and the cache is invalidated on every
 * committed change.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_resolve.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/snapmgr.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_get);
PG_FUNCTION_INFO_V1(cfgmgr_get_text);
PG_FUNCTION_INFO_V1(cfgmgr_get_int);
PG_FUNCTION_INFO_V1(cfgmgr_get_bool);
PG_FUNCTION_INFO_V1(cfgmgr_get_numeric);
PG_FUNCTION_INFO_V1(cfgmgr_resolve);
PG_FUNCTION_INFO_V1(cfgmgr_explain);
PG_FUNCTION_INFO_V1(cfgmgr_provenance);
PG_FUNCTION_INFO_V1(cfgmgr_environment_chain);

static SPIPlanPtr plan_all = NULL;
static SPIPlanPtr plan_path = NULL;
static SPIPlanPtr plan_all_asof = NULL;
static SPIPlanPtr plan_path_asof = NULL;
static SPIPlanPtr plan_annotations = NULL;

/*
 * The entries of the chain's environments for the service and provider;
 * FROM cfgmgr.entry (now) or cfgmgr.entries_at(seq) (as of a version: the
 * same rows as they were then), optionally only those at a path, its
 * ancestors and its descendants.
 */
#define FETCH_SELECT \
	"SELECT e.env_id, e.path::pg_catalog.text, e.provider OPERATOR(pg_catalog.<>) '', e.value," \
	" e.tombstone, e.secret, e.changeset, e.ciphertext"
#define FETCH_WHERE \
	" WHERE e.env_id OPERATOR(pg_catalog.=) ANY ($1) AND e.service_id OPERATOR(pg_catalog.=) $2" \
	" AND (e.provider OPERATOR(pg_catalog.=) '' OR e.provider OPERATOR(pg_catalog.=) $3)"
#define FETCH_PATH \
	" AND (e.path OPERATOR(cfgmgr.<@) $4::cfgmgr.cfgpath" \
	" OR e.path OPERATOR(cfgmgr.=) ANY ($5::cfgmgr.cfgpath[]))"

/*
 * Add one row of cfgmgr.schema_annotation to ann (allocating in the
 * current memory context; value is kept): a default becomes a row of level
 * -1, an x-merge policy a (pattern, policy) pair, "x-env-specific": true
 * its path.  Other keywords and values are ignored.
 */
void
CfgAnnotationAdd(CfgAnnotations *ann, const char *path, const char *keyword, Jsonb *value)
{
	JsonbValue	sv;

	if (strcmp(keyword, "default") == 0)
	{
		CfgLayerRow *row;

		if (ann->ndefaults == ann->maxdefaults)
		{
			ann->maxdefaults = ann->maxdefaults ? ann->maxdefaults * 2 : 8;
			ann->defaults = ann->defaults ?
				repalloc(ann->defaults, sizeof(CfgLayerRow) * ann->maxdefaults) :
				palloc(sizeof(CfgLayerRow) * ann->maxdefaults);
		}
		row = &ann->defaults[ann->ndefaults++];
		memset(row, 0, sizeof(CfgLayerRow));
		row->level = -1;
		row->path = pstrdup(path);
		row->pathlen = strlen(path);
		row->value = value;
		return;
	}
	if (!JB_ROOT_IS_SCALAR(value) || !JsonbExtractScalar(&value->root, &sv))
		return;
	if (strcmp(keyword, "x-merge") == 0 && sv.type == jbvString)
	{
		ann->merge_paths = lappend(ann->merge_paths, pstrdup(path));
		ann->merge_policies = lappend(ann->merge_policies,
									  pnstrdup(sv.val.string.val, sv.val.string.len));
	}
	else if (strcmp(keyword, "x-env-specific") == 0 && sv.type == jbvBool && sv.val.boolean)
		ann->env_specific = lappend(ann->env_specific, pstrdup(path));
}

/* A secret row's value in clear (CM014 without the key). */
static Jsonb *
CfgRowSecret(CfgResolved *res, CfgService *svc, CfgLayerRow *row)
{
	Jsonb	   *v;

	if (row->ciphertext == NULL)
		return CfgSecretMask();	/* cannot happen: the table's CHECK */
	v = CfgSecretDecrypt(row->ciphertext, row->env_id, svc->id,
						 row->provider_specific ? res->provider : CFG_NEUTRAL_PROVIDER,
						 row->path, row->pathlen);
	/* a secret may hold templates (referencing other secrets) */
	if (!res->may_template)
		res->may_template = CfgJsonbMayHaveTemplate(v);
	return v;
}

/*
 * The extension's own reads (commit-time validation): secrets in clear
 * when the key is there; without it they stay masked, so that everything
 * that is not a secret keeps working (a schema typing a secret as a
 * string is then checked against the mask).
 */
static void
CfgRevealInternal(CfgResolved *res, CfgService *svc)
{
	bool		key = false;
	bool		checked = false;

	for (int i = 0; i < res->nrows; i++)
	{
		CfgLayerRow *row = &res->rows[i];

		if (!row->secret || row->tombstone || row->level < 0)
			continue;
		res->secret_rows = true;
		if (!checked)
		{
			key = CfgSecretKeyAvailable();
			checked = true;
		}
		if (key)
			row->value = CfgRowSecret(res, svc, row);
		else
			row->masked = true;
	}
}

/*
 * Access control of a read: every stored row that takes part in the answer
 * must be readable by the caller, or the whole read is refused (CM008): a
 * reader never gets a value that silently differs from the real one.  For
 * a read at path, a row above it (whose value holds the path) is checked
 * at path, the part of it that is answered.  Secret rows the caller may
 * not read in clear are masked.
 */
static void
CfgCheckRows(CfgResolved *res, CfgService *svc, const char *path, int pathlen)
{
	Oid			role = GetUserId();
	int			level = -1;
	CfgAclScope *read = NULL;
	CfgAclScope *secret = NULL;

	for (int i = 0; i < res->nrows; i++)
	{
		CfgLayerRow *row = &res->rows[i];
		const char *p = row->path;
		int			plen = row->pathlen;

		if (row->level < 0 || row->level >= res->nchain)
			continue;			/* schema defaults */
		if (row->level != level)
		{
			level = row->level;
			read = CfgAclScopeOf(role, CFG_PRIV_READ, res->chain[level], svc);
			secret = NULL;
		}
		if (path != NULL && plen < pathlen)
		{
			p = path;
			plen = pathlen;
		}
		if (!CfgAclScopeCovers(read, p, plen))
			CfgAclDenied(CFG_PRIV_READ, res->chain[level]->name, svc->name, p, plen);
		if (row->secret && !row->tombstone)
		{
			res->secret_rows = true;
			if (secret == NULL)
				secret = CfgAclScopeOf(role, CFG_PRIV_READ_SECRET, res->chain[level], svc);
			if (cfg_secret_view == CFG_SECRETS_BY_GRANT &&
				CfgAclScopeCovers(secret, row->path, row->pathlen))
			{
				res->secret_read = true;
				row->value = CfgRowSecret(res, svc, row);
			}
			else
			{
				row->masked = true;
				/* compared in clear, shown masked (drift_observed) */
				if (cfg_secret_view == CFG_SECRETS_COMPARE && CfgSecretKeyAvailable())
					row->value = CfgRowSecret(res, svc, row);
				else
					row->value = CfgSecretMask();
			}
		}
	}
}

/*
 * Fetch the entries of res->chain for svc into res->rows, in application
 * order.  With a path, only entries at the path, its ancestors and its
 * descendants are read.  Must be called with a snapshot pushed by
 * CfgReadSnapshotPush (or by the executor, for snapshot-bound transactions).
 */
void
CfgFetchRows(CfgResolved *res, CfgService *svc, const char *path, int pathlen)
{
	MemoryContext caller = CurrentMemoryContext;
	Datum	   *ids = palloc(sizeof(Datum) * res->nchain);
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	Oid			types[6] = {INT4ARRAYOID, INT4OID, TEXTOID, TEXTOID, TEXTARRAYOID, INT8OID};
	int			nargs = 3;
	SPIPlanPtr	plan;
	int			ret;
	uint64		i;
	int			j;
	CfgUserSave save;

	for (j = 0; j < res->nchain; j++)
		ids[j] = Int32GetDatum(res->chain[j]->id);
	args[0] = PointerGetDatum(construct_array(ids, res->nchain, INT4OID, 4, true, TYPALIGN_INT));
	args[1] = Int32GetDatum(svc->id);
	args[2] = CStringGetTextDatum(res->provider ? res->provider : "");

	CfgSpiConnectOwner(&save);
	if (path != NULL)
	{
		Datum	   *anc = palloc(sizeof(Datum) * (pathlen / 2 + 1));
		int			nanc = 0;

		for (j = 0; j < pathlen; j++)
			if (path[j] == '.')
				anc[nanc++] = PointerGetDatum(cstring_to_text_with_len(path, j));
		args[nargs++] = PointerGetDatum(cstring_to_text_with_len(path, pathlen));
		args[nargs++] = PointerGetDatum(construct_array(anc, nanc, TEXTOID, -1, false, TYPALIGN_INT));
	}
	if (res->as_of_seq != 0)
		args[nargs++] = Int64GetDatum(res->as_of_seq);

	if (path == NULL && res->as_of_seq == 0)
		plan = CfgKeepPlan(&plan_all, FETCH_SELECT " FROM cfgmgr.entry e" FETCH_WHERE, 3, types);
	else if (path == NULL)
		plan = CfgKeepPlan(&plan_all_asof, FETCH_SELECT " FROM cfgmgr.entries_at($4) e" FETCH_WHERE,
						   4, (Oid[]) {INT4ARRAYOID, INT4OID, TEXTOID, INT8OID});
	else if (res->as_of_seq == 0)
		plan = CfgKeepPlanOpts(&plan_path, FETCH_SELECT " FROM cfgmgr.entry e" FETCH_WHERE FETCH_PATH,
							   5, types, CURSOR_OPT_GENERIC_PLAN);
	else
		plan = CfgKeepPlan(&plan_path_asof,
						   FETCH_SELECT " FROM cfgmgr.entries_at($6) e" FETCH_WHERE FETCH_PATH,
						   6, types);

	ret = SPI_execute_plan(plan, args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.entry: %s", SPI_result_code_string(ret));

	{
		/* schema defaults (level -1) and x-merge policies */
		uint64		nentries = SPI_processed;
		SPITupleTable *entries = SPI_tuptable;
		uint64		ndefaults = 0;
		SPITupleTable *ann = NULL;

		if (svc->schema_version > 0)
		{
			Oid			atypes[2] = {INT4OID, INT4OID};
			Datum		aargs[2];

			aargs[0] = Int32GetDatum(svc->id);
			aargs[1] = Int32GetDatum(svc->schema_version);
			ret = SPI_execute_plan(CfgKeepPlan(&plan_annotations,
												  "SELECT a.path, a.keyword, a.value FROM cfgmgr.schema_annotation a"
												  " WHERE a.service_id OPERATOR(pg_catalog.=) $1"
												  " AND a.version OPERATOR(pg_catalog.=) $2"
												  " AND a.keyword OPERATOR(pg_catalog.=) ANY ('{default,x-merge}'::pg_catalog.text[])",
												  2, atypes),
								   aargs, NULL, true, 0);
			if (ret != SPI_OK_SELECT)
				elog(ERROR, "could not read cfgmgr.schema_annotation: %s", SPI_result_code_string(ret));
			ann = SPI_tuptable;
			ndefaults = SPI_processed;
		}

		res->nrows = 0;
		res->rows = MemoryContextAllocZero(caller, sizeof(CfgLayerRow) * Max(nentries + ndefaults, 1));
		for (i = 0; i < nentries; i++)
		{
			HeapTuple	tup = entries->vals[i];
			TupleDesc	desc = entries->tupdesc;
			CfgLayerRow *row = &res->rows[res->nrows++];
			bool		isnull;
			int32		env_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
			text	   *p = DatumGetTextPP(SPI_getbinval(tup, desc, 2, &isnull));
			Datum		v;
			MemoryContext old;

			for (j = 0; j < res->nchain; j++)
				if (res->chain[j]->id == env_id)
					break;
			row->level = j;
			row->env_id = env_id;
			row->provider_specific = DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull));
			row->tombstone = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
			row->secret = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));
			row->changeset = DatumGetInt64(SPI_getbinval(tup, desc, 7, &isnull));
			old = MemoryContextSwitchTo(caller);
			row->pathlen = VARSIZE_ANY_EXHDR(p);
			row->path = pnstrdup(VARDATA_ANY(p), row->pathlen);
			v = SPI_getbinval(tup, desc, 4, &isnull);
			row->value = isnull ? NULL : DatumGetJsonbPCopy(v);
			if (row->secret && !row->tombstone)
			{
				/* the value column holds the mask; the value is this */
				v = SPI_getbinval(tup, desc, 8, &isnull);
				row->ciphertext = isnull ? NULL : DatumGetByteaPCopy(v);
			}
			MemoryContextSwitchTo(old);
			if (row->value != NULL && !res->may_template)
				res->may_template = CfgJsonbMayHaveTemplate(row->value);
		}
		if (ann != NULL)
		{
			CfgAnnotations a;
			MemoryContext old = MemoryContextSwitchTo(caller);

			memset(&a, 0, sizeof(a));
			for (i = 0; i < ndefaults; i++)
			{
				HeapTuple	tup = ann->vals[i];
				TupleDesc	desc = ann->tupdesc;
				bool		isnull;

				CfgAnnotationAdd(&a, TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull)),
								 TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull)),
								 DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull)));
			}
			MemoryContextSwitchTo(old);
			memcpy(&res->rows[res->nrows], a.defaults, sizeof(CfgLayerRow) * a.ndefaults);
			for (int k = 0; k < a.ndefaults && !res->may_template; k++)
				res->may_template = CfgJsonbMayHaveTemplate(a.defaults[k].value);
			res->nrows += a.ndefaults;
			res->merge_paths = a.merge_paths;	/* in caller's context */
			res->merge_policies = a.merge_policies;
		}
	}
	CfgSpiFinishOwner(&save);
	if (cfg_acl_internal > 0)
		CfgRevealInternal(res, svc);
	else
	{
		CfgCheckRows(res, svc, path, pathlen);
		/* every read (with cfgmgr.audit_reads), every secret read in clear */
		if (res->secret_read || cfgmgr_audit_reads)
			CfgAuditRecord(res->secret_read ? "read_secret" : "read",
						   res->chain[res->nchain - 1]->name, svc->name,
						   path ? pnstrdup(path, pathlen) : NULL, res->provider, NULL);
	}
	CfgSortRows(res->rows, res->nrows);
}

/*
 * Resolve (env, service, provider), restricted to path's ancestors and
 * subtree when path is not NULL.  Raises CM006/CM007 for unknown names.
 */
CfgResolved *
CfgResolve(const char *envname, const char *svcname, const char *provider,
		   const char *path, int pathlen)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnv(cat, envname, false);
	CfgService *svc = CfgLookupService(cat, svcname, false);
	CfgResolved *res = palloc0(sizeof(CfgResolved));
	Snapshot	snap;

	if (provider != NULL)
		CfgCheckProvider(cat, provider);
	res->service = svc->name;
	res->provider = provider;
	res->chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
	res->nchain = CfgEnvChain(cat, env, res->chain);

	snap = CfgReadSnapshotPush();
	CfgFetchRows(res, svc, path, pathlen);
	CfgReadSnapshotPop(snap);
	CfgMergeRows(res);
	return res;
}

/*
 * Resolve (env, service, provider) as it was right after the version
 * as_of committed: the environment tree, the stored values and the
 * service's schema version of that moment.  Never cached.
 */
CfgResolved *
CfgResolveVersion(const char *envname, const char *svcname, const char *provider,
				  const char *path, int pathlen, const char *as_of)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgService *cur = CfgLookupService(cat, svcname, false);
	CfgService	svc = *cur;
	CfgResolved *res = palloc0(sizeof(CfgResolved));
	CfgVersion	v;
	Snapshot	snap;

	if (provider != NULL)
		CfgCheckProvider(cat, provider);
	v = CfgParseVersion(as_of);
	res->service = cur->name;
	res->provider = provider;
	res->as_of_seq = v.seq;
	res->chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
	res->nchain = CfgEnvChainAsOf(envname, v.seq, as_of, res->chain);
	svc.schema_version = CfgSchemaVersionAsOf(svc.id, v.seq);

	snap = CfgReadSnapshotPush();
	CfgFetchRows(res, &svc, path, pathlen);
	CfgReadSnapshotPop(snap);
	CfgMergeRows(res);
	return res;
}

/* ---------------------------------------------------------------------
 * Argument helpers
 * ---------------------------------------------------------------------
 */
static char *
CfgArgTextOrNull(FunctionCallInfo fcinfo, int n)
{
	if (PG_ARGISNULL(n))
		return NULL;
	return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * The value at path of a resolution, its templates rendered (as of as_of
 * for references when not NULL); NULL when nothing is there.
 */
static Jsonb *
CfgRenderedValue(CfgResolved *res, const char *env, const char *provider, const char *as_of,
				 const char *path, int pathlen)
{
	if (res->may_template)
	{
		CfgRenderCtx *ctx = CfgRenderStart(env, provider, as_of);

		CfgRenderResolved(ctx, res, path, pathlen);
		return CfgRenderedValueAt(res, path, pathlen);
	}
	else
	{
		CfgNode    *node = CfgNodeFind(res->root, path, pathlen);

		return node ? CfgNodeToJsonb(node) : NULL;
	}
}

/* The whole document of a resolution, rendered unless render is false. */
static Jsonb *
CfgRenderedDocument(CfgResolved *res, const char *env, const char *provider,
					const char *as_of, bool render)
{
	if (render && res->may_template)
		CfgRenderResolved(CfgRenderStart(env, provider, as_of), res, NULL, 0);
	return CfgNodeToJsonb(res->root);
}

/*
 * Record a read answered from the cache in the audit log (CfgFetchRows
 * records the others): always when a secret was read in clear, every read
 * when cfgmgr.audit_reads is on.
 */
static void
CfgAuditRead(const char *env, const char *svc, const char *path, int pathlen,
			 const char *provider, bool secret)
{
	if (!secret && !cfgmgr_audit_reads)
		return;
	CfgAuditRecord(secret ? "read_secret" : "read", env, svc,
				   path ? pnstrdup(path, pathlen) : NULL, provider, NULL);
}

/*
 * The cached answer usable for a reader in mode (CfgAclReadMode), or NULL.
 * Answers are cached per mode ('a': secrets in clear, 'm': masked); a
 * reader of some secrets only ('x') may use a masked answer in which no
 * secret took part.  Readers of part of the chain ('\0') never use the
 * cache.
 */
static CfgResult *
CfgCacheProbe(char mode, StringInfo key)
{
	CfgResult  *hit;

	if (mode == '\0')
		return NULL;
	hit = CfgResultLookup(key->data, key->len);
	if (hit != NULL && mode == 'x' && hit->secret)
		return NULL;
	return hit;
}

/* Append a NUL-terminated field (or a marker for NULL) to a cache key. */
static void
CfgKeyAdd(StringInfo key, const char *s, int len)
{
	if (s == NULL)
		appendStringInfoChar(key, '\x01');
	else
		appendBinaryStringInfo(key, s, len < 0 ? (int) strlen(s) : len);
	appendStringInfoChar(key, '\0');
}

/*
 * The resolved value at (env, service, path, provider), through the cache.
 * Returns NULL when the path resolves to nothing.
 */
static Jsonb *
CfgGetValue(const char *env, const char *svc, const char *path, int pathlen,
			const char *provider, bool render)
{
	StringInfoData key;
	CfgResult  *hit;
	uint64		gen;
	CfgResolved *res;
	CfgNode    *node;
	Jsonb	   *value;
	char		mode;

	CfgAcceptInvalidations();
	mode = CfgAclReadMode(env, svc);
	initStringInfo(&key);
	appendStringInfoChar(&key, render ? 'g' : 'G');
	appendStringInfoChar(&key, mode == 'x' ? 'm' : mode);
	CfgKeyAdd(&key, env, -1);
	CfgKeyAdd(&key, svc, -1);
	CfgKeyAdd(&key, provider, -1);
	CfgKeyAdd(&key, path, pathlen);

	hit = CfgCacheProbe(mode, &key);
	if (hit != NULL)
	{
		CfgAuditRead(env, svc, path, pathlen, provider, mode == 'a' && hit->secret);
		if (!hit->found)
			return NULL;
		value = palloc(VARSIZE(hit->value));
		memcpy(value, hit->value, VARSIZE(hit->value));
		return value;
	}

	gen = CfgCacheGeneration();
	res = CfgResolve(env, svc, provider, path, pathlen);
	if (render)
		value = CfgRenderedValue(res, env, provider, NULL, path, pathlen);
	else
	{
		node = CfgNodeFind(res->root, path, pathlen);
		value = node ? CfgNodeToJsonb(node) : NULL;
	}
	if (mode && (mode != 'x' || !res->secret_rows))
		CfgResultStore(key.data, key.len, gen, value != NULL, value, res->secret_rows);
	return value;
}

/*
 * Common body of get and the typed getters: the value, or NULL when it is
 * missing and a fallback was given (argument 5); raises CM005 otherwise.
 */
static Jsonb *
CfgGetCommon(FunctionCallInfo fcinfo, char **pathout)
{
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *svc = CfgArgText(fcinfo, 1, "service");
	CfgPath    *path;
	char	   *provider;
	Jsonb	   *value;
	bool		render;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be null")));
	path = PG_GETARG_CFGPATH_PP(2);
	provider = CfgArgTextOrNull(fcinfo, 3);
	render = PG_ARGISNULL(6) || PG_GETARG_BOOL(6);	/* NULL: the default */

	if (PG_ARGISNULL(4))
		value = CfgGetValue(env, svc, CFGPATH_DATA(path), CFGPATH_LEN(path), provider, render);
	else
	{
		char	   *as_of = CfgArgText(fcinfo, 4, "as_of");
		CfgResolved *res = CfgResolveVersion(env, svc, provider, CFGPATH_DATA(path),
											 CFGPATH_LEN(path), as_of);

		if (render)
			value = CfgRenderedValue(res, env, provider, as_of, CFGPATH_DATA(path),
									 CFGPATH_LEN(path));
		else
		{
			CfgNode    *node = CfgNodeFind(res->root, CFGPATH_DATA(path), CFGPATH_LEN(path));

			value = node ? CfgNodeToJsonb(node) : NULL;
		}
	}
	*pathout = pnstrdup(CFGPATH_DATA(path), CFGPATH_LEN(path));
	if (value == NULL && PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
				 provider ?
				 errmsg("configuration not found: \"%s\" in service \"%s\" for environment \"%s\" and provider \"%s\"",
						*pathout, svc, env, provider) :
				 errmsg("configuration not found: \"%s\" in service \"%s\" for environment \"%s\"",
						*pathout, svc, env),
				 errhint("Pass fallback => ... to get a value instead of this error.")));
	return value;
}

/*
 * cfgmgr.get(env text, service text, path cfgpath, provider text DEFAULT NULL,
 *			  as_of text DEFAULT NULL, fallback jsonb DEFAULT NULL) RETURNS jsonb
 */
Datum
cfgmgr_get(PG_FUNCTION_ARGS)
{
	char	   *path;
	Jsonb	   *value = CfgGetCommon(fcinfo, &path);

	if (value == NULL)
		PG_RETURN_DATUM(PG_GETARG_DATUM(5));
	PG_RETURN_JSONB_P(value);
}

static const char *
CfgJsonTypeName(Jsonb *j)
{
	JsonbValue	v;

	if (JB_ROOT_IS_SCALAR(j))
	{
		JsonbExtractScalar(&j->root, &v);
		switch (v.type)
		{
			case jbvNull:
				return "null";
			case jbvString:
				return "a string";
			case jbvNumeric:
				return "a number";
			case jbvBool:
				return "a boolean";
			default:
				break;
		}
	}
	if (JB_ROOT_IS_OBJECT(j))
		return "an object";
	return "an array";
}

static void
CfgTypeMismatch(const char *path, Jsonb *j, const char *want)
{
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_INVALID_PARAMETER_TYPE),
			 errmsg("configuration value \"%s\" is %s, not %s", path, CfgJsonTypeName(j), want),
			 errhint("Use cfgmgr.get() to read it as jsonb.")));
}

/* The scalar of a jsonb value if it has the wanted type, else CM001. */
static JsonbValue *
CfgScalarOf(Jsonb *j, enum jbvType type, const char *path, const char *want)
{
	JsonbValue *v = palloc(sizeof(JsonbValue));

	if (!JB_ROOT_IS_SCALAR(j) || !JsonbExtractScalar(&j->root, v) || v->type != type)
		CfgTypeMismatch(path, j, want);
	return v;
}

/* cfgmgr.get_text(..., fallback text) RETURNS text: a JSON string */
Datum
cfgmgr_get_text(PG_FUNCTION_ARGS)
{
	char	   *path;
	Jsonb	   *value = CfgGetCommon(fcinfo, &path);
	JsonbValue *v;

	if (value == NULL)
		PG_RETURN_DATUM(PG_GETARG_DATUM(5));
	v = CfgScalarOf(value, jbvString, path, "a string");
	PG_RETURN_TEXT_P(cstring_to_text_with_len(v->val.string.val, v->val.string.len));
}

/* cfgmgr.get_int(..., fallback bigint) RETURNS bigint: an integral JSON number */
Datum
cfgmgr_get_int(PG_FUNCTION_ARGS)
{
	char	   *path;
	Jsonb	   *value = CfgGetCommon(fcinfo, &path);
	JsonbValue *v;
	Datum		truncated;
	bool		have_error = false;
	int64		result;

	if (value == NULL)
		PG_RETURN_DATUM(PG_GETARG_DATUM(5));
	v = CfgScalarOf(value, jbvNumeric, path, "an integer");
	truncated = DirectFunctionCall2(numeric_trunc, NumericGetDatum(v->val.numeric), Int32GetDatum(0));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, truncated, NumericGetDatum(v->val.numeric))))
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_PARAMETER_TYPE),
				 errmsg("configuration value \"%s\" is not an integer", path),
				 errhint("Use cfgmgr.get_numeric() to read it.")));
	have_error =
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(v->val.numeric),
										  NumericGetDatum(int64_to_numeric(PG_INT64_MAX)))) > 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(v->val.numeric),
										  NumericGetDatum(int64_to_numeric(PG_INT64_MIN)))) < 0;
	if (have_error)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("configuration value \"%s\" is out of range for type bigint", path),
				 errhint("Use cfgmgr.get_numeric() to read it.")));
	result = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(v->val.numeric)));
	PG_RETURN_INT64(result);
}

/* cfgmgr.get_bool(..., fallback boolean) RETURNS boolean: a JSON boolean */
Datum
cfgmgr_get_bool(PG_FUNCTION_ARGS)
{
	char	   *path;
	Jsonb	   *value = CfgGetCommon(fcinfo, &path);
	JsonbValue *v;

	if (value == NULL)
		PG_RETURN_DATUM(PG_GETARG_DATUM(5));
	v = CfgScalarOf(value, jbvBool, path, "a boolean");
	PG_RETURN_BOOL(v->val.boolean);
}

/* cfgmgr.get_numeric(..., fallback numeric) RETURNS numeric: a JSON number */
Datum
cfgmgr_get_numeric(PG_FUNCTION_ARGS)
{
	char	   *path;
	Jsonb	   *value = CfgGetCommon(fcinfo, &path);
	JsonbValue *v;

	if (value == NULL)
		PG_RETURN_DATUM(PG_GETARG_DATUM(5));
	v = CfgScalarOf(value, jbvNumeric, path, "a number");
	PG_RETURN_NUMERIC(v->val.numeric);
}

/*
 * cfgmgr.resolve(env text, service text, provider text DEFAULT NULL,
 *				  as_of text DEFAULT NULL, render bool DEFAULT true) RETURNS jsonb
 *
 * With render (the default) the ${...} templates of string values are
 * rendered (cfg_template.c); render => false returns the values as stored.
 */
Datum
cfgmgr_resolve(PG_FUNCTION_ARGS)
{
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *svc = CfgArgText(fcinfo, 1, "service");
	char	   *provider = CfgArgTextOrNull(fcinfo, 2);
	StringInfoData key;
	CfgResult  *hit;
	uint64		gen;
	CfgResolved *res;
	Jsonb	   *value;
	bool		render;
	char		mode;

	render = PG_ARGISNULL(4) || PG_GETARG_BOOL(4);	/* NULL: the default */
	if (!PG_ARGISNULL(3))
	{
		char	   *as_of = CfgArgText(fcinfo, 3, "as_of");

		res = CfgResolveVersion(env, svc, provider, NULL, 0, as_of);
		value = CfgRenderedDocument(res, env, provider, as_of, render);
		PG_RETURN_JSONB_P(value);
	}
	CfgAcceptInvalidations();
	mode = CfgAclReadMode(env, svc);
	initStringInfo(&key);
	appendStringInfoChar(&key, render ? 'r' : 'R');
	appendStringInfoChar(&key, mode == 'x' ? 'm' : mode);
	CfgKeyAdd(&key, env, -1);
	CfgKeyAdd(&key, svc, -1);
	CfgKeyAdd(&key, provider, -1);

	hit = CfgCacheProbe(mode, &key);
	if (hit != NULL)
	{
		CfgAuditRead(env, svc, NULL, 0, provider, mode == 'a' && hit->secret);
		value = palloc(VARSIZE(hit->value));
		memcpy(value, hit->value, VARSIZE(hit->value));
		PG_RETURN_JSONB_P(value);
	}
	gen = CfgCacheGeneration();
	res = CfgResolve(env, svc, provider, NULL, 0);
	value = CfgRenderedDocument(res, env, provider, NULL, render);
	if (mode && (mode != 'x' || !res->secret_rows))
		CfgResultStore(key.data, key.len, gen, true, value, res->secret_rows);
	PG_RETURN_JSONB_P(value);
}

/* ---------------------------------------------------------------------
 * explain
 * ---------------------------------------------------------------------
 */

/*
 * The part of a row's value that lands at target: the row's own value when
 * its path is target; the sub-value for an ancestor row; the value wrapped
 * in objects along the remaining labels for a descendant row.  *reaches is
 * false when an ancestor row's value has nothing at target.
 */
static Jsonb *
CfgRowContribution(CfgLayerRow *row, const char *target, int tlen, bool *reaches)
{
	*reaches = true;
	if (row->tombstone)
		return NULL;
	if (row->pathlen == tlen)
		return row->value;
	if (row->pathlen < tlen)
	{
		/* ancestor: the value below it at the remaining labels */
		JsonbValue *v = CfgJsonFollow(&row->value->root, target + row->pathlen + 1,
									  tlen - row->pathlen - 1);

		*reaches = v != NULL;
		return v ? JsonbValueToJsonb(v) : NULL;
	}
	else
	{
		/* descendant: {"rest": {"of": value}} */
		JsonbParseState *state = NULL;
		JsonbValue *res = NULL;
		const char *p = row->path + tlen + 1;
		const char *end = row->path + row->pathlen;
		int			depth = 0;
		JsonbValue	v;

		for (;;)
		{
			const char *dot = memchr(p, '.', end - p);
			int			len = (dot ? dot : end) - p;
			JsonbValue	k;

			pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
			depth++;
			k.type = jbvString;
			k.val.string.val = (char *) p;
			k.val.string.len = len;
			pushJsonbValue(&state, WJB_KEY, &k);
			if (dot == NULL)
				break;
			p = dot + 1;
		}
		v.type = jbvBinary;
		v.val.binary.data = &row->value->root;
		v.val.binary.len = VARSIZE(row->value) - VARHDRSZ;
		if (JB_ROOT_IS_SCALAR(row->value))
			JsonbExtractScalar(&row->value->root, &v);
		pushJsonbValue(&state, WJB_VALUE, &v);
		while (depth-- > 0)
			res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
		return JsonbValueToJsonb(res);
	}
}

/*
 * cfgmgr.explain(env text, service text, path cfgpath, provider text DEFAULT NULL)
 *	 RETURNS TABLE(level int, environment text, provider text, source text,
 *				   value jsonb, winner bool)
 *
 * One row per stored entry that touches path (at it, above it or below it),
 * in the order resolution applies them.  winner marks the entries whose
 * contribution survives in the resolved value; when the path resolves to
 * nothing because of a tombstone, the last tombstone is the winner.
 */
Datum
cfgmgr_explain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *svc = CfgArgText(fcinfo, 1, "service");
	CfgPath    *pathp;
	char	   *provider;
	const char *path;
	int			pathlen;
	CfgResolved *res;
	CfgNode    *node;
	int			i;
	int			last_tombstone = -1;
	char	   *as_of;
	Jsonb	   *raw;
	Jsonb	   *rendered;

	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be null")));
	pathp = PG_GETARG_CFGPATH_PP(2);
	path = CFGPATH_DATA(pathp);
	pathlen = CFGPATH_LEN(pathp);
	provider = CfgArgTextOrNull(fcinfo, 3);

	InitMaterializedSRF(fcinfo, 0);
	as_of = PG_ARGISNULL(4) ? NULL : CfgArgText(fcinfo, 4, "as_of");
	if (as_of == NULL)
		res = CfgResolve(env, svc, provider, path, pathlen);
	else
		res = CfgResolveVersion(env, svc, provider, path, pathlen, as_of);
	node = CfgNodeFind(res->root, path, pathlen);
	raw = node ? CfgNodeToJsonb(node) : NULL;
	rendered = CfgRenderedValue(res, env, provider, as_of, path, pathlen);

	if (node == NULL)
		for (i = 0; i < res->nrows; i++)
			if (res->rows[i].tombstone &&
				CfgPathIsAncestor(res->rows[i].path, res->rows[i].pathlen, path, pathlen))
				last_tombstone = i;

	for (i = 0; i < res->nrows; i++)
	{
		CfgLayerRow *row = &res->rows[i];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		bool		reaches;
		Jsonb	   *contrib;

		/* rows at, above and below the path touch it; others do not */
		if (!CfgPathIsAncestor(row->path, row->pathlen, path, pathlen) &&
			!CfgPathIsAncestor(path, pathlen, row->path, row->pathlen))
			continue;
		contrib = CfgRowContribution(row, path, pathlen, &reaches);
		if (!reaches)
			continue;
		if (row->level >= 0)
		{
			values[0] = Int32GetDatum(row->level);
			values[1] = CStringGetTextDatum(res->chain[row->level]->name);
		}
		else
			nulls[0] = nulls[1] = true;
		if (row->provider_specific)
			values[2] = CStringGetTextDatum(provider);
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum(row->tombstone ? "tombstone" :
										row->level < 0 ? "default" : "value");
		if (contrib)
			values[4] = JsonbPGetDatum(contrib);
		else
			nulls[4] = true;
		if (node != NULL)
			values[5] = BoolGetDatum(!row->tombstone && CfgNodeUsesRow(node, row->seq));
		else
			values[5] = BoolGetDatum(i == last_tombstone);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}

	/* rendering is the last step: the value the templates render to */
	if (rendered != NULL &&
		(raw == NULL || compareJsonbContainers(&raw->root, &rendered->root) != 0))
	{
		Datum		values[6];
		bool		nulls[6] = {true, false, false, false, false, false};

		values[1] = CStringGetTextDatum(res->chain[res->nchain - 1]->name);
		if (provider)
			values[2] = CStringGetTextDatum(provider);
		else
			nulls[2] = true;
		values[3] = CStringGetTextDatum("template");
		values[4] = JsonbPGetDatum(rendered);
		values[5] = BoolGetDatum(true);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * provenance
 * ---------------------------------------------------------------------
 */
typedef struct ProvenanceState
{
	ReturnSetInfo *rsinfo;
	CfgResolved *res;
} ProvenanceState;

static void
CfgProvenanceLeaf(void *arg, const char *path, int pathlen, CfgNode *leaf)
{
	ProvenanceState *st = arg;
	Datum		values[5];
	bool		nulls[5] = {false, false, false, false, false};
	int			origin = CfgNodeOrigin(leaf);
	CfgLayerRow *row;

	if (pathlen == 0)
		return;					/* the empty root document */
	Assert(origin >= 0 && origin < st->res->nrows);
	row = &st->res->rows[origin];
	values[0] = PointerGetDatum(cstring_to_text_with_len(path, pathlen));
	values[1] = JsonbPGetDatum(CfgNodeToJsonb(leaf));
	if (row->level >= 0)
		values[2] = CStringGetTextDatum(st->res->chain[row->level]->name);
	else
		nulls[2] = true;		/* a schema default */
	if (row->provider_specific)
		values[3] = CStringGetTextDatum(st->res->provider);
	else
		nulls[3] = true;
	values[4] = Int64GetDatum(row->changeset);
	nulls[4] = row->level < 0;
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, values, nulls);
}

/*
 * cfgmgr.provenance(env text, service text, provider text DEFAULT NULL)
 *	 RETURNS TABLE(path text, value jsonb, environment text, provider text,
 *				   changeset bigint)
 *
 * Every resolved leaf (scalar, array or empty object) with the environment,
 * provider qualifier and changeset of the entry it came from.
 */
Datum
cfgmgr_provenance(PG_FUNCTION_ARGS)
{
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *svc = CfgArgText(fcinfo, 1, "service");
	char	   *provider = CfgArgTextOrNull(fcinfo, 2);
	ProvenanceState st;

	InitMaterializedSRF(fcinfo, 0);
	st.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	if (PG_ARGISNULL(3))
		st.res = CfgResolve(env, svc, provider, NULL, 0);
	else
		st.res = CfgResolveVersion(env, svc, provider, NULL, 0, CfgArgText(fcinfo, 3, "as_of"));
	if (st.res->may_template)
		CfgRenderResolved(CfgRenderStart(env, provider,
										 PG_ARGISNULL(3) ? NULL : CfgArgText(fcinfo, 3, "as_of")),
						  st.res, NULL, 0);
	CfgNodeWalkLeaves(st.res->root, "", 0, CfgProvenanceLeaf, &st);
	return (Datum) 0;
}

/* cfgmgr.environment_chain(env text) RETURNS SETOF text, root first */
Datum
cfgmgr_environment_chain(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *envname = CfgArgText(fcinfo, 0, "environment");
	CfgCatalog *cat;
	CfgEnv	  **chain;
	int			n,
				i;

	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	cat = CfgGetCatalog();
	chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
	n = CfgEnvChain(cat, CfgLookupEnv(cat, envname, false), chain);
	for (i = 0; i < n; i++)
	{
		Datum		v = CStringGetTextDatum(chain[i]->name);
		bool		isnull = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &v, &isnull);
	}
	return (Datum) 0;
}
