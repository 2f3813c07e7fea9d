/*-------------------------------------------------------------------------
 *
 * cfg_version.c
 *	  Versions of the configuration: naming a version (tag, changeset id
 *	  or time), the environment tree and schema version as of a version,
 *	  and the functions built on them: history, rollback, diff_versions.
 *
 * A version is a committed changeset.  Changesets are ordered by
 * commit_seq, drawn while the transaction commits under a lock held until
 * its commit is visible (cfg_write.c), so "the configuration as of
 * changeset N" is exactly what a reader saw right after N committed: every
 * change of a changeset whose commit_seq is not greater than N's.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_version.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_version_changeset);
PG_FUNCTION_INFO_V1(cfgmgr_environment_id);
PG_FUNCTION_INFO_V1(cfgmgr_service_id);
PG_FUNCTION_INFO_V1(cfgmgr_rollback);
PG_FUNCTION_INFO_V1(cfgmgr_diff_versions);

static SPIPlanPtr plan_tag = NULL;
static SPIPlanPtr plan_changeset = NULL;
static SPIPlanPtr plan_time = NULL;
static SPIPlanPtr plan_chain = NULL;
static SPIPlanPtr plan_schema = NULL;
static SPIPlanPtr plan_env_existed = NULL;
static SPIPlanPtr plan_rb_delete = NULL;
static SPIPlanPtr plan_rb_upsert = NULL;

/* ---------------------------------------------------------------------
 * Naming a version
 * ---------------------------------------------------------------------
 */

/*
 * Parse s as a timestamptz.  Input errors (class 22) mean "not a time";
 * anything else (a cancel, out of memory) propagates.
 */
static bool
CfgTryTimestamp(const char *s, TimestampTz *ts)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	volatile bool ok = false;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(oldcxt);
	PG_TRY();
	{
		*ts = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
													  ObjectIdGetDatum(InvalidOid),
													  Int32GetDatum(-1)));
		ok = true;
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(oldcxt);
		CurrentResourceOwner = oldowner;
		if (ERRCODE_TO_CATEGORY(edata->sqlerrcode) != ERRCODE_DATA_EXCEPTION)
			ReThrowError(edata);
		FreeErrorData(edata);
	}
	PG_END_TRY();
	return ok;
}

/*
 * Run one lookup of a version: sql takes one argument and returns the
 * changeset's id and commit_seq.  False when it finds nothing; *committed
 * is false for a changeset that has not committed.
 */
static bool
CfgVersionLookup(SPIPlanPtr *slot, const char *sql, Oid type, Datum arg,
				 CfgVersion *v, bool *committed)
{
	bool		isnull;
	bool		found;
	int			ret;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(slot, sql, 1, &type), &arg, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not look up a version: %s", SPI_result_code_string(ret));
	found = SPI_processed > 0;
	if (found)
	{
		v->changeset = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		v->seq = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
		*committed = !isnull;
	}
	SPI_finish();
	return found;
}

static void
CfgNotCommitted(const char *version, int64 changeset)
{
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
			 errmsg("version \"%s\" (changeset " INT64_FORMAT ") has not committed", version, changeset),
			 errdetail("Only committed changesets are versions of the configuration.")));
}

/*
 * What a version string names: a tag, a changeset id (digits), or a time
 * (timestamptz input syntax; the newest changeset committed at or before
 * it).  Tags are looked up first.  Raises CM005 when nothing matches.
 */
CfgVersion
CfgParseVersion(const char *version)
{
	CfgVersion	v = {0, 0};
	bool		committed = true;
	size_t		len = strlen(version);
	bool		digits = len > 0 && len <= 18 && strspn(version, "0123456789") == len;
	TimestampTz ts;

	if (len == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("version must not be empty"),
				 errhint("Name a version by tag, changeset id or time.")));

	if (CfgVersionLookup(&plan_tag,
						 "SELECT c.id, c.commit_seq FROM cfgmgr.tag t"
						 " JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) t.changeset"
						 " WHERE t.name OPERATOR(pg_catalog.=) $1",
						 TEXTOID, CStringGetTextDatum(version), &v, &committed))
		 /* a tag */ ;
	else if (digits)
	{
		if (!CfgVersionLookup(&plan_changeset,
							  "SELECT c.id, c.commit_seq FROM cfgmgr.changeset c"
							  " WHERE c.id OPERATOR(pg_catalog.=) $1",
							  INT8OID, Int64GetDatum(strtoi64(version, NULL, 10)), &v, &committed))
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
					 errmsg("version \"%s\" does not exist: there is no changeset %s", version, version),
					 errhint("See cfgmgr.history() for changesets and cfgmgr.tags for tags.")));
	}
	else
	{
		if (!CfgTryTimestamp(version, &ts))
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
					 errmsg("version \"%s\" does not exist", version),
					 errdetail("A version is a tag name, a changeset id or a timestamp; \"%s\" is no tag and no time.",
							   version),
					 errhint("See cfgmgr.tags for tags.")));
		if (!CfgVersionLookup(&plan_time,
							  "SELECT c.id, c.commit_seq FROM cfgmgr.changeset c"
							  " WHERE c.committed_at OPERATOR(pg_catalog.<=) $1"
							  " ORDER BY c.committed_at DESC, c.commit_seq DESC LIMIT 1",
							  TIMESTAMPTZOID, TimestampTzGetDatum(ts), &v, &committed))
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
					 errmsg("version \"%s\" does not exist: no change had committed by then", version)));
	}
	if (!committed)
		CfgNotCommitted(version, v.changeset);
	return v;
}

/*
 * cfgmgr.version_changeset(version text) RETURNS bigint: the changeset a
 * version names.
 */
Datum
cfgmgr_version_changeset(PG_FUNCTION_ARGS)
{
	CfgVersion	v = CfgParseVersion(CfgArgText(fcinfo, 0, "version"));

	PG_RETURN_INT64(v.changeset);
}

/* ---------------------------------------------------------------------
 * The catalog as of a version
 * ---------------------------------------------------------------------
 */

/*
 * The chain (root first) of the environment called envname as of commit
 * sequence seq, from cfgmgr.environment_change.  The CfgEnv entries carry
 * id, parent_id, name and depth only.  CM006 when no environment had that
 * name then.
 */
int
CfgEnvChainAsOf(const char *envname, int64 seq, const char *version, CfgEnv **chain)
{
	MemoryContext caller = CurrentMemoryContext;
	Datum		args[2];
	int			ret;
	uint64		i,
				n;

	args[0] = CStringGetTextDatum(envname);
	args[1] = Int64GetDatum(seq);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_chain,
								   "WITH RECURSIVE st AS (SELECT * FROM cfgmgr.environments_at($2)),"
								   " ch(env_id, name, parent_id, depth) AS ("
								   " SELECT st.id, st.name, st.parent_id, 0 FROM st"
								   " WHERE st.name OPERATOR(pg_catalog.=) $1"
								   " UNION ALL"
								   " SELECT st.id, st.name, st.parent_id, ch.depth OPERATOR(pg_catalog.+) 1"
								   " FROM st JOIN ch ON st.id OPERATOR(pg_catalog.=) ch.parent_id"
								   " WHERE ch.depth OPERATOR(pg_catalog.<) 1000)"
								   " SELECT ch.env_id, ch.name::pg_catalog.text, COALESCE(ch.parent_id, 0)"
								   " FROM ch ORDER BY ch.depth DESC",
								   2, (Oid[]) {TEXTOID, INT8OID}),
						   args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.environment_change: %s", SPI_result_code_string(ret));
	n = SPI_processed;
	if (n == 0)
	{
		bool		exists_now = CfgLookupEnv(CfgGetCatalog(), envname, true) != NULL;

		SPI_finish();
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND),
				 exists_now ?
				 errmsg("environment \"%s\" did not exist at version \"%s\"", envname, version) :
				 errmsg("environment \"%s\" does not exist", envname)));
	}
	if (n > CFG_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_CIRCULAR_DEPENDENCY),
				 errmsg("environment \"%s\" had a too deep parent chain at version \"%s\"", envname, version)));
	for (i = 0; i < n; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull;
		CfgEnv	   *e = MemoryContextAllocZero(caller, sizeof(CfgEnv));

		e->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		e->name = MemoryContextStrdup(caller,
									  TextDatumGetCString(SPI_getbinval(tup, desc, 2, &isnull)));
		e->parent_id = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		e->depth = (int) i;
		chain[i] = e;
	}
	SPI_finish();
	return (int) n;
}

/* The version of svc's schema in force at commit sequence seq (0: none). */
int32
CfgSchemaVersionAsOf(int32 svc_id, int64 seq)
{
	Datum		args[2];
	int			ret;
	bool		isnull;
	int32		version = 0;

	args[0] = Int32GetDatum(svc_id);
	args[1] = Int64GetDatum(seq);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_schema,
								   "SELECT pg_catalog.max(s.version) FROM cfgmgr.service_schema s"
								   " JOIN cfgmgr.changeset c ON c.id OPERATOR(pg_catalog.=) s.changeset"
								   " WHERE s.service_id OPERATOR(pg_catalog.=) $1"
								   " AND c.commit_seq OPERATOR(pg_catalog.<=) $2",
								   2, (Oid[]) {INT4OID, INT8OID}),
						   args, NULL, true, 1);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not read cfgmgr.service_schema: %s", SPI_result_code_string(ret));
	version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	if (isnull)
		version = 0;
	SPI_finish();
	return version;
}

/* ---------------------------------------------------------------------
 * Names to ids, for cfgmgr.history (a SQL function the planner inlines)
 * ---------------------------------------------------------------------
 */

/* cfgmgr.environment_id(name text) RETURNS int: CM006 when unknown */
Datum
cfgmgr_environment_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CfgLookupEnv(CfgGetCatalog(), text_to_cstring(PG_GETARG_TEXT_PP(0)), false)->id);
}

/* cfgmgr.service_id(name text) RETURNS int: CM007 when unknown */
Datum
cfgmgr_service_id(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CfgLookupService(CfgGetCatalog(), text_to_cstring(PG_GETARG_TEXT_PP(0)), false)->id);
}

/* ---------------------------------------------------------------------
 * rollback
 * ---------------------------------------------------------------------
 */

/* The rows to restore, read before anything is written. */
typedef struct RbRows
{
	int			n;
	int			nforce;
	Datum	   *svc;
	Datum	   *path;
	Datum	   *provider;
	Datum	   *value;
	bool	   *vnull;
	Datum	   *tomb;
	Datum	   *secret;
	bool	   *force;			/* a secret to write although a secret is
								 * stored (its value differs) */
} RbRows;

static SPIPlanPtr plan_rb_read = NULL;

/*
 * What environment env_id stored (service svc_id, or all when 0) at commit
 * sequence seq, read as the tables' owner (the history's ciphertexts are
 * the owner's only).  A secret is restored from its historic ciphertext,
 * decrypted (CM014 without the key; data_corrupted when it does not
 * authenticate), unless the secret stored now is the same: then the mask
 * (keep it), without decrypting when the ciphertexts are the same bytes.
 */
static void
CfgRollbackRead(int32 env_id, int32 svc_id, int64 seq, RbRows *rb)
{
	MemoryContext caller = CurrentMemoryContext;
	CfgUserSave save;
	Datum		args[3];
	char		nulls[3] = {' ', svc_id ? ' ' : 'n', ' '};
	int			ret;
	uint64		i;
	Jsonb	   *mask = CfgSecretMask();

	args[0] = Int32GetDatum(env_id);
	args[1] = Int32GetDatum(svc_id);
	args[2] = Int64GetDatum(seq);
	CfgSpiConnectOwner(&save);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_rb_read,
								   "SELECT p.service_id, p.path::pg_catalog.text, p.provider, p.value, p.tombstone,"
								   " p.secret AND NOT p.tombstone, p.ciphertext, c.secret AND NOT c.tombstone, c.ciphertext"
								   " FROM cfgmgr.entries_at($3) p"
								   " LEFT JOIN cfgmgr.entry c ON c.env_id OPERATOR(pg_catalog.=) $1"
								   " AND c.service_id OPERATOR(pg_catalog.=) p.service_id"
								   " AND c.path OPERATOR(cfgmgr.=) p.path AND c.provider OPERATOR(pg_catalog.=) p.provider"
								   " WHERE p.env_id OPERATOR(pg_catalog.=) $1"
								   " AND ($2::pg_catalog.int4 IS NULL OR p.service_id OPERATOR(pg_catalog.=) $2)",
								   3, (Oid[]) {INT4OID, INT4OID, INT8OID}),
						   args, nulls, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read the history: %s", SPI_result_code_string(ret));
	{
		MemoryContext old = MemoryContextSwitchTo(caller);
		int			n = (int) SPI_processed;

		memset(rb, 0, sizeof(*rb));
		rb->svc = palloc(sizeof(Datum) * Max(n, 1));
		rb->path = palloc(sizeof(Datum) * Max(n, 1));
		rb->provider = palloc(sizeof(Datum) * Max(n, 1));
		rb->value = palloc(sizeof(Datum) * Max(n, 1));
		rb->vnull = palloc(sizeof(bool) * Max(n, 1));
		rb->tomb = palloc(sizeof(Datum) * Max(n, 1));
		rb->secret = palloc(sizeof(Datum) * Max(n, 1));
		rb->force = palloc0(sizeof(bool) * Max(n, 1));
		MemoryContextSwitchTo(old);
	}
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		bool		isnull,
					cnull;
		MemoryContext old = MemoryContextSwitchTo(caller);
		int			k = rb->n++;
		int32		sid = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		text	   *path = DatumGetTextPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		char	   *provider = TextDatumGetCString(SPI_getbinval(tup, desc, 3, &isnull));
		bool		vnull;
		Datum		v = SPI_getbinval(tup, desc, 4, &vnull);
		bool		secret = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));

		rb->svc[k] = Int32GetDatum(sid);
		rb->path[k] = PointerGetDatum(path);
		rb->provider[k] = CStringGetTextDatum(provider);
		rb->vnull[k] = vnull;
		rb->value[k] = vnull ? (Datum) 0 : PointerGetDatum(DatumGetJsonbPCopy(v));
		rb->tomb[k] = BoolGetDatum(DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull)));
		rb->secret[k] = BoolGetDatum(secret);
		if (secret)
		{
			bytea	   *past = DatumGetByteaPP(SPI_getbinval(tup, desc, 7, &isnull));
			bool		now_secret = DatumGetBool(SPI_getbinval(tup, desc, 8, &cnull)) && !cnull;
			Datum		nowd = SPI_getbinval(tup, desc, 9, &cnull);
			bytea	   *now = now_secret && !cnull ? DatumGetByteaPP(nowd) : NULL;

			if (isnull)
				elog(ERROR, "secret in the history of path \"%s\" has no ciphertext",
					 text_to_cstring(path));
			if (now != NULL && VARSIZE_ANY_EXHDR(now) == VARSIZE_ANY_EXHDR(past) &&
				memcmp(VARDATA_ANY(now), VARDATA_ANY(past), VARSIZE_ANY_EXHDR(past)) == 0)
				rb->value[k] = PointerGetDatum(mask);
			else
			{
				Jsonb	   *clear = CfgSecretDecrypt(past, env_id, sid, provider,
													 VARDATA_ANY(path), VARSIZE_ANY_EXHDR(path));

				if (now != NULL &&
					compareJsonbContainers(&clear->root,
										   &CfgSecretDecrypt(now, env_id, sid, provider,
															 VARDATA_ANY(path),
															 VARSIZE_ANY_EXHDR(path))->root) == 0)
					rb->value[k] = PointerGetDatum(mask);	/* the same secret */
				else
				{
					rb->value[k] = PointerGetDatum(clear);
					rb->force[k] = now != NULL;
					rb->nforce += rb->force[k];
				}
			}
			rb->vnull[k] = false;
		}
		MemoryContextSwitchTo(old);
	}
	CfgSpiFinishOwner(&save);
}

/* The rows of rb with force == which, as the arrays of the restoring statements. */
static void
CfgRollbackArgs(RbRows *rb, bool which, Datum *args, bool all)
{
	Datum	   *svc = palloc(sizeof(Datum) * Max(rb->n, 1));
	Datum	   *path = palloc(sizeof(Datum) * Max(rb->n, 1));
	Datum	   *prov = palloc(sizeof(Datum) * Max(rb->n, 1));
	Datum	   *val = palloc(sizeof(Datum) * Max(rb->n, 1));
	bool	   *vnull = palloc(sizeof(bool) * Max(rb->n, 1));
	Datum	   *tomb = palloc(sizeof(Datum) * Max(rb->n, 1));
	Datum	   *sec = palloc(sizeof(Datum) * Max(rb->n, 1));
	int			n = 0;
	int			dims[1];
	int			lbs[1] = {1};

	for (int k = 0; k < rb->n; k++)
	{
		if (!all && rb->force[k] != which)
			continue;
		svc[n] = rb->svc[k];
		path[n] = rb->path[k];
		prov[n] = rb->provider[k];
		val[n] = rb->value[k];
		vnull[n] = rb->vnull[k];
		tomb[n] = rb->tomb[k];
		sec[n] = rb->secret[k];
		n++;
	}
	dims[0] = n;
	args[0] = PointerGetDatum(construct_array(svc, n, INT4OID, 4, true, TYPALIGN_INT));
	args[1] = PointerGetDatum(construct_array(path, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[2] = PointerGetDatum(construct_array(prov, n, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_md_array(val, vnull, 1, dims, lbs, JSONBOID, -1, false,
												 TYPALIGN_INT));
	args[4] = PointerGetDatum(construct_array(tomb, n, BOOLOID, 1, true, TYPALIGN_CHAR));
	args[5] = PointerGetDatum(construct_array(sec, n, BOOLOID, 1, true, TYPALIGN_CHAR));
}

#define RB_ROWS \
	" FROM ROWS FROM (pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6)," \
	" pg_catalog.unnest($7), pg_catalog.unnest($8), pg_catalog.unnest($9)) AS p(service_id, path, provider," \
	" value, tombstone, secret)"

#define RB_UPSERT \
	"INSERT INTO cfgmgr.entry AS e (env_id, service_id, path, provider, value," \
	" tombstone, secret, message, changeset)" \
	" SELECT $1, p.service_id, p.path::cfgmgr.cfgpath, p.provider, p.value," \
	" p.tombstone, p.secret, $3, 0" RB_ROWS \
	" ON CONFLICT (env_id, service_id, path, provider) DO UPDATE" \
	" SET value = excluded.value, tombstone = excluded.tombstone," \
	" secret = excluded.secret, message = excluded.message"

static SPIPlanPtr plan_rb_force = NULL;

/*
 * cfgmgr.rollback(env text, to_version text, service text DEFAULT NULL)
 *	 RETURNS bigint
 *
 * A new changeset that makes what env stores (for one service or all, for
 * every provider qualifier, tombstones included) exactly what it stored
 * at to_version.  History keeps both the original changes and the
 * rollback; the environment tree and schemas are not rolled back.  Rows
 * already equal are not rewritten.  The result is validated at commit like
 * any other write.  Secrets are restored from their historic ciphertexts
 * (see CfgRollbackRead).  The past is read as the tables' owner; the
 * writes run as the caller, under the row-level security of cfgmgr.entry.
 */
Datum
cfgmgr_rollback(PG_FUNCTION_ARGS)
{
	char	   *envname = CfgArgText(fcinfo, 0, "environment");
	char	   *version = CfgArgText(fcinfo, 1, "to_version");
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnv(cat, envname, false);
	CfgService *svc = NULL;
	CfgVersion	v;
	Datum		args[9];
	char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Oid			types[9] = {INT4OID, INT4OID, TEXTOID, INT4ARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
	JSONBARRAYOID, BOOLARRAYOID, BOOLARRAYOID};
	StringInfoData msg;
	RbRows		rb;
	int64		cs;
	int			ret;

	if (!PG_ARGISNULL(2))
		svc = CfgLookupService(cat, text_to_cstring(PG_GETARG_TEXT_PP(2)), false);
	/* everything the rollback may rewrite: refused rather than partly done */
	CfgAclRequire(CFG_PRIV_WRITE, env, svc, NULL, 0);
	v = CfgParseVersion(version);

	args[0] = Int32GetDatum(env->id);
	args[1] = svc ? Int32GetDatum(svc->id) : (Datum) 0;
	nulls[1] = svc ? ' ' : 'n';
	args[2] = Int64GetDatum(v.seq);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	/* the environment must have existed then (and be the same one) */
	ret = SPI_execute_plan(CfgKeepPlan(&plan_env_existed,
								   "SELECT FROM cfgmgr.environments_at($3) x"
								   " WHERE x.id OPERATOR(pg_catalog.=) $1",
								   3, (Oid[]) {INT4OID, INT4OID, INT8OID}),
						   args, nulls, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.environment_change: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND),
				 errmsg("environment \"%s\" did not exist at version \"%s\"", envname, version),
				 errdetail("Version \"%s\" is changeset " INT64_FORMAT ".", version, v.changeset),
				 errhint("Roll back to a version from after the environment was created.")));
	SPI_finish();

	CfgRollbackRead(env->id, svc ? svc->id : 0, v.seq, &rb);

	initStringInfo(&msg);
	appendStringInfo(&msg, "rollback of environment %s", envname);
	if (svc)
		appendStringInfo(&msg, ", service %s,", svc->name);
	appendStringInfo(&msg, " to version %s (changeset " INT64_FORMAT ")", version, v.changeset);
	cs = CfgCurrentChangeset(msg.data);
	args[2] = CStringGetTextDatum(msg.data);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CfgRollbackArgs(&rb, false, &args[3], true);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_rb_delete,
								   "DELETE FROM cfgmgr.entry e WHERE e.env_id OPERATOR(pg_catalog.=) $1"
								   " AND ($2::pg_catalog.int4 IS NULL OR e.service_id OPERATOR(pg_catalog.=) $2)"
								   " AND NOT EXISTS (SELECT" RB_ROWS
								   " WHERE p.service_id OPERATOR(pg_catalog.=) e.service_id"
								   " AND p.path::cfgmgr.cfgpath OPERATOR(cfgmgr.=) e.path"
								   " AND p.provider OPERATOR(pg_catalog.=) e.provider)",
								   9, types),
						   args, nulls, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "could not roll back: %s", SPI_result_code_string(ret));
	/* rows not forced: those already equal are skipped */
	CfgRollbackArgs(&rb, false, &args[3], false);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_rb_upsert,
								   RB_UPSERT
								   " WHERE e.value IS DISTINCT FROM excluded.value"
								   " OR e.tombstone IS DISTINCT FROM excluded.tombstone"
								   " OR e.secret IS DISTINCT FROM excluded.secret",
								   9, types),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not roll back: %s", SPI_result_code_string(ret));
	/* secrets differing from the secret stored: value and mask look alike */
	if (rb.nforce > 0)
	{
		CfgRollbackArgs(&rb, true, &args[3], false);
		ret = SPI_execute_plan(CfgKeepPlan(&plan_rb_force,
									   RB_UPSERT,
									   9, types),
							   args, nulls, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not roll back: %s", SPI_result_code_string(ret));
	}
	SPI_finish();

	{
		StringInfoData detail;

		initStringInfo(&detail);
		appendStringInfoString(&detail, "{\"to_version\": ");
		escape_json(&detail, version);
		appendStringInfo(&detail, ", \"to_changeset\": " INT64_FORMAT "}", v.changeset);
		CfgAuditRecord("rollback", env->name, svc ? svc->name : NULL, NULL, NULL,
					   DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(detail.data))));
	}
	PG_RETURN_INT64(cs);
}

/* ---------------------------------------------------------------------
 * diff_versions
 * ---------------------------------------------------------------------
 */
typedef struct DiffOut
{
	ReturnSetInfo *rsinfo;
	const char *env;
	const char *service;
	const char *provider;
} DiffOut;

/* The statement that would make the right side's value equal the left's. */
static char *
CfgRemediation(DiffOut *out, const char *path, CfgDiffKind kind, Jsonb *left)
{
	StringInfoData s;

	initStringInfo(&s);
	if (kind == CFG_DIFF_ONLY_RIGHT)
		appendStringInfo(&s, "SELECT cfgmgr.unset(%s, %s, %s",
						 quote_literal_cstr(out->env), quote_literal_cstr(out->service),
						 quote_literal_cstr(path));
	else
		appendStringInfo(&s, "SELECT cfgmgr.set(%s, %s, %s, %s::jsonb",
						 quote_literal_cstr(out->env), quote_literal_cstr(out->service),
						 quote_literal_cstr(path),
						 quote_literal_cstr(JsonbToCString(NULL, &left->root, VARSIZE(left))));
	if (out->provider)
		appendStringInfo(&s, ", provider => %s", quote_literal_cstr(out->provider));
	if (kind == CFG_DIFF_ONLY_RIGHT)
		appendStringInfoString(&s, ", block => true");
	appendStringInfoString(&s, ");");
	return s.data;
}

static void
CfgDiffRow(void *arg, const char *path, int pathlen, CfgDiffKind kind, Jsonb *left, Jsonb *right)
{
	DiffOut    *out = arg;
	Datum		values[8];
	bool		nulls[8] = {false, false, false, false, false, false, true, false};

	values[0] = CStringGetTextDatum(out->service);
	values[1] = PointerGetDatum(cstring_to_text_with_len(path, pathlen));
	values[2] = CStringGetTextDatum(CfgDiffKindName(kind));
	if (left)
		values[3] = JsonbPGetDatum(left);
	else
		nulls[3] = true;
	if (right)
		values[4] = JsonbPGetDatum(right);
	else
		nulls[4] = true;
	values[5] = BoolGetDatum(false);
	values[7] = CStringGetTextDatum(CfgRemediation(out, pnstrdup(path, pathlen), kind, left));
	tuplestore_putvalues(out->rsinfo->setResult, out->rsinfo->setDesc, values, nulls);
}

static Jsonb *
CfgDocAt(const char *env, const char *svc, const char *provider, const char *version)
{
	CfgResolved *res;

	if (version == NULL)
		res = CfgResolve(env, svc, provider, NULL, 0);
	else
		res = CfgResolveVersion(env, svc, provider, NULL, 0, version);
	return CfgNodeToJsonb(res->root);
}

/*
 * cfgmgr.diff_versions(env text, service text, from_version text,
 *						to_version text DEFAULT NULL, provider text DEFAULT NULL)
 *	 RETURNS TABLE(service text, path text, kind text, left_value jsonb,
 *				   right_value jsonb, expected bool, reason text,
 *				   remediation text)
 *
 * The resolved configuration of env at from_version (left) against
 * to_version (right; NULL: the current configuration), leaf by leaf, with
 * the columns of drift.  service NULL compares every service.  expected
 * is false (declared variations are about environments, not versions);
 * remediation is the statement that would bring the configuration back to
 * from_version's value.
 */
Datum
cfgmgr_diff_versions(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *from = CfgArgText(fcinfo, 2, "from_version");
	char	   *to = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	DiffOut		out;
	List	   *services = NIL;
	ListCell   *lc;
	CfgCatalog *cat;

	InitMaterializedSRF(fcinfo, 0);
	out.rsinfo = rsinfo;
	out.env = env;
	out.provider = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	cat = CfgGetCatalog();
	(void) CfgLookupEnv(cat, env, false);
	/* both versions must exist, even when there is no service to compare */
	(void) CfgParseVersion(from);
	if (to)
		(void) CfgParseVersion(to);
	if (!PG_ARGISNULL(1))
		services = list_make1(pstrdup(CfgLookupService(cat, text_to_cstring(PG_GETARG_TEXT_PP(1)), false)->name));
	else
	{
		MemoryContext caller = CurrentMemoryContext;
		int			ret;
		uint64		i;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ret = SPI_execute("SELECT s.name::pg_catalog.text FROM cfgmgr.service s ORDER BY s.name", true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read cfgmgr.service: %s", SPI_result_code_string(ret));
		for (i = 0; i < SPI_processed; i++)
		{
			char	   *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
			MemoryContext old = MemoryContextSwitchTo(caller);

			services = lappend(services, pstrdup(name));
			MemoryContextSwitchTo(old);
		}
		SPI_finish();
	}
	foreach(lc, services)
	{
		char	   *svc = lfirst(lc);

		out.service = svc;
		CfgDiffJsonb(CfgDocAt(env, svc, out.provider, from),
					 CfgDocAt(env, svc, out.provider, to),
					 CfgDiffRow, &out);
	}
	return (Datum) 0;
}
