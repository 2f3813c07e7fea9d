/*-------------------------------------------------------------------------
 *
 * cfg_write.c
 *	  Writing configuration: changesets, set, unset, set_many, and the
 *	  triggers that keep cfgmgr.entry consistent and historied.
 *
 * Changesets.  The first configuration change of a transaction inserts one
 * cfgmgr.changeset row keyed by the transaction's xid8; its id is kept in a
 * static for the rest of the transaction, forgotten at transaction end and
 * when the subtransaction that created it aborts.
 *
 * Triggers on cfgmgr.entry (installed by the extension script):
 *	BEFORE INSERT/UPDATE (cfgmgr_entry_before): refuses writes to unknown
 *		or dropped environments, unknown services and providers, and key
 *		changes; stamps changeset, updated_at and updated_by; takes the
 *		environment's shared advisory lock (drop_environment takes it
 *		exclusively) so that no entry can appear in a dropped environment.
 *	AFTER INSERT/UPDATE/DELETE (cfgmgr_entry_history): one cfgmgr.change row.
 *	AFTER statement (cfgmgr_invalidate): queues the cache invalidation, also
 *		installed on environment, service and provider.
 * Direct table writes therefore behave exactly like API writes.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_write.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_current_changeset);
PG_FUNCTION_INFO_V1(cfgmgr_set);
PG_FUNCTION_INFO_V1(cfgmgr_unset);
PG_FUNCTION_INFO_V1(cfgmgr_set_many);
PG_FUNCTION_INFO_V1(cfgmgr_entry_before);
PG_FUNCTION_INFO_V1(cfgmgr_entry_history);
PG_FUNCTION_INFO_V1(cfgmgr_invalidate);
PG_FUNCTION_INFO_V1(cfgmgr_lock_environment);

/* the current transaction's changeset */
static int64 cur_changeset = 0;
static FullTransactionId cur_fxid;
static SubTransactionId cur_subid = InvalidSubTransactionId;

static SPIPlanPtr plan_changeset = NULL;
static SPIPlanPtr plan_message = NULL;
static SPIPlanPtr plan_history = NULL;
static SPIPlanPtr plan_upsert = NULL;
static SPIPlanPtr plan_block = NULL;
static SPIPlanPtr plan_delete = NULL;
static SPIPlanPtr plan_clear_below = NULL;
static SPIPlanPtr plan_many = NULL;

/*
 * Commit order.  Changeset ids are handed out at a transaction's first
 * write, so they do not say in which order transactions became visible;
 * reading "as of a changeset" needs exactly that order.  Just before
 * commit we take an exclusive lock that is held until the commit is
 * visible to everyone (heavyweight locks are released after the
 * transaction is marked committed in the proc array), draw the next
 * commit_seq and record it with the commit time.  A transaction that
 * draws a later number therefore became visible later: the configuration
 * a reader saw right after changeset N committed is exactly the
 * changesets with commit_seq <= N's.
 *
 * In the same statement we send the one NOTIFY cfgmgr_change of the
 * transaction: ids and names only, never values (any role that can
 * LISTEN reads the payload).  NOTIFY serializes committing transactions
 * on a lock of its own anyway (PostgreSQL keeps its queue in commit
 * order), so the ordering lock costs nothing more.
 */
static void CfgPendingClear(void);

static SPIPlanPtr plan_notify = NULL;
static SPIPlanPtr plan_commit = NULL;

static void
CfgCommitChangeset(void)
{
	LOCKTAG		tag;
	Oid			types[1] = {INT8OID};
	Datum		args[1];
	int			ret;
	CfgUserSave save;

	args[0] = Int64GetDatum(cur_changeset);
	/* at pre-commit no statement is running: give SPI a snapshot */
	PushActiveSnapshot(GetTransactionSnapshot());
	CfgSpiConnectOwner(&save);

	/*
	 * The notification first, outside the lock: PostgreSQL queues it at
	 * commit, in commit order, whenever it was issued.
	 */
	ret = SPI_execute_plan(CfgKeepPlan(&plan_notify,
								   "WITH t AS (SELECT DISTINCT h.env_id, h.service_id FROM cfgmgr.change h"
								   " WHERE h.changeset OPERATOR(pg_catalog.=) $1),"
								   " p AS (SELECT pg_catalog.jsonb_build_object('changeset', $1,"
								   " 'environments', (SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT e.name ORDER BY e.name), '[]'::pg_catalog.jsonb)"
								   " FROM cfgmgr.environment e WHERE e.id IN"
								   " (SELECT t.env_id FROM t"
								   " UNION SELECT x.env_id FROM cfgmgr.environment_change x WHERE x.changeset OPERATOR(pg_catalog.=) $1"
								   " UNION SELECT x.env_id FROM cfgmgr.target x WHERE x.changeset OPERATOR(pg_catalog.=) $1)),"
								   " 'services', (SELECT COALESCE(pg_catalog.jsonb_agg(DISTINCT s.name ORDER BY s.name), '[]'::pg_catalog.jsonb)"
								   " FROM cfgmgr.service s WHERE s.id IN"
								   " (SELECT t.service_id FROM t"
								   " UNION SELECT x.service_id FROM cfgmgr.service_schema x WHERE x.changeset OPERATOR(pg_catalog.=) $1)))::pg_catalog.text AS j)"
								   " SELECT pg_catalog.pg_notify('cfgmgr_change',"
								   " CASE WHEN pg_catalog.octet_length(p.j) OPERATOR(pg_catalog.<) 8000 THEN p.j"
								   " ELSE pg_catalog.jsonb_build_object('changeset', $1, 'truncated', true)::pg_catalog.text END)"
								   " FROM p",
								   1, types),
						   args, NULL, false, 0);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not notify the commit of changeset " INT64_FORMAT ": %s",
			 cur_changeset, SPI_result_code_string(ret));

	/* then, under the lock, the commit order */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, 0, 0, CFG_LOCKTAG_COMMIT);
	(void) LockAcquire(&tag, ExclusiveLock, false, false);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_commit,
								   "UPDATE cfgmgr.changeset"
								   " SET commit_seq = pg_catalog.nextval('cfgmgr.changeset_commit_seq'::pg_catalog.regclass),"
								   " committed_at = pg_catalog.clock_timestamp()"
								   " WHERE id OPERATOR(pg_catalog.=) $1",
								   1, types),
						   args, NULL, false, 0);
	if (ret != SPI_OK_UPDATE || SPI_processed != 1)
		elog(ERROR, "could not record the commit of changeset " INT64_FORMAT ": %s",
			 cur_changeset, SPI_result_code_string(ret));
	CfgSpiFinishOwner(&save);
	PopActiveSnapshot();
}

static void
CfgXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (cur_changeset != 0)
				CfgCommitChangeset();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (cur_changeset != 0)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that changed configuration"),
						 errdetail("The commit order of a configuration change is recorded when it commits, which a prepared transaction does not do in one step.")));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			cur_changeset = 0;
			cur_subid = InvalidSubTransactionId;
			CfgPendingClear();
			break;
		default:
			break;
	}
}

static void
CfgSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
				   SubTransactionId parentSubid, void *arg)
{
	if (cur_changeset == 0 || mySubid != cur_subid)
		return;
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		/* the changeset row went away with the subtransaction */
		cur_changeset = 0;
		cur_subid = InvalidSubTransactionId;
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
		cur_subid = parentSubid;
}

void
CfgWriteInit(void)
{
	RegisterXactCallback(CfgXactCallback, NULL);
	RegisterSubXactCallback(CfgSubXactCallback, NULL);
}

/*
 * The changeset id of the current transaction, creating it on first use.
 * A non-NULL message is appended to the changeset's message.
 */
int64
CfgCurrentChangeset(const char *message)
{
	FullTransactionId fxid = GetTopFullTransactionId();
	bool		have = cur_changeset != 0 &&
		FullTransactionIdEquals(fxid, cur_fxid);
	CfgUserSave save;
	char	   *role;

	if (have && message == NULL)
		return cur_changeset;

	/* the role writing, before the bookkeeping runs as the owner */
	role = GetUserNameFromId(GetUserId(), false);
	CfgSpiConnectOwner(&save);
	if (!have)
	{
		Oid			types[3] = {TEXTOID, TEXTOID, TEXTOID};
		Datum		args[3];
		char		nulls[3] = {' ', ' ', ' '};
		bool		isnull;
		int			ret;

		args[0] = message ? CStringGetTextDatum(message) : (Datum) 0;
		nulls[0] = message ? ' ' : 'n';
		args[1] = CStringGetTextDatum(role);
		args[2] = CStringGetTextDatum(CfgClientName());
		ret = SPI_execute_plan(CfgKeepPlan(&plan_changeset,
									   "INSERT INTO cfgmgr.changeset (xid, client, message, role)"
									   " VALUES (pg_catalog.pg_current_xact_id(), $3, $1, $2)"
									   " ON CONFLICT (xid) DO UPDATE SET xid = excluded.xid RETURNING id",
									   3, types),
							   args, nulls, false, 1);
		if (ret != SPI_OK_INSERT_RETURNING || SPI_processed != 1)
			elog(ERROR, "could not create a changeset: %s", SPI_result_code_string(ret));
		cur_changeset = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
													SPI_tuptable->tupdesc, 1, &isnull));
		cur_fxid = fxid;
		cur_subid = GetCurrentSubTransactionId();
	}
	else
	{
		Oid			types[2] = {INT8OID, TEXTOID};
		Datum		args[2];
		int			ret;

		args[0] = Int64GetDatum(cur_changeset);
		args[1] = CStringGetTextDatum(message);
		ret = SPI_execute_plan(CfgKeepPlan(&plan_message,
									   "UPDATE cfgmgr.changeset SET message ="
									   " CASE WHEN message IS NULL THEN $2"
									   " WHEN pg_catalog.strpos(message, $2) OPERATOR(pg_catalog.>) 0 THEN message"
									   " ELSE message OPERATOR(pg_catalog.||) E'\\n' OPERATOR(pg_catalog.||) $2 END"
									   " WHERE id OPERATOR(pg_catalog.=) $1",
									   2, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_UPDATE)
			elog(ERROR, "could not update changeset: %s", SPI_result_code_string(ret));
	}
	CfgSpiFinishOwner(&save);
	return cur_changeset;
}

/*
 * The current transaction's changeset if it has one, else 0 (never creates
 * one: the audit log asks this for reads too).
 */
int64
CfgChangesetIfAny(void)
{
	if (cur_changeset != 0 &&
		FullTransactionIdEquals(GetTopFullTransactionIdIfAny(), cur_fxid))
		return cur_changeset;
	return 0;
}

/* Own writes of values: our caches must not serve what was read before them. */
void
CfgNoteWrite(void)
{
	CfgInvalidateLocal(false);
}

/* cfgmgr.current_changeset() RETURNS bigint */
Datum
cfgmgr_current_changeset(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT64(CfgCurrentChangeset(NULL));
}

/*
 * Advisory lock on an environment: shared by writers of its entries,
 * exclusive for drop_environment.
 */
static void
CfgLockEnv(int32 env_id, bool exclusive)
{
	LOCKTAG		tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, (uint32) env_id, 0, CFG_LOCKTAG_ENV);
	(void) LockAcquire(&tag, exclusive ? ExclusiveLock : ShareLock, false, false);
}

/* cfgmgr.lock_environment(id int, exclusive bool): for drop_environment */
Datum
cfgmgr_lock_environment(PG_FUNCTION_ARGS)
{
	CfgLockEnv(PG_GETARG_INT32(0), PG_GETARG_BOOL(1));
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Triggers
 * ---------------------------------------------------------------------
 */

static void
CfgCheckEntryShape(TupleDesc desc)
{
	if (desc->natts != ENTRY_NATTS)
		elog(ERROR, "cfgmgr.entry has an unexpected shape");
}

/*
 * The ciphertext the BEFORE INSERT trigger made last, for the update of
 * INSERT ... ON CONFLICT DO UPDATE that may follow in the same command
 * (SET value = excluded.value hands it the mask, not the value).
 */
static MemoryContext pending_cxt = NULL;
static struct
{
	bool		valid;
	CommandId	cid;
	int32		env_id;
	int32		svc_id;
	char	   *provider;
	CfgPath    *path;
	bytea	   *ct;
}			pending;

static void
CfgPendingSet(int32 env_id, int32 svc_id, const char *provider, CfgPath *path, bytea *ct)
{
	MemoryContext old;

	if (pending_cxt == NULL)
		pending_cxt = AllocSetContextCreate(TopMemoryContext, "cfgmgr pending ciphertext",
											ALLOCSET_SMALL_SIZES);
	MemoryContextReset(pending_cxt);
	old = MemoryContextSwitchTo(pending_cxt);
	pending.cid = GetCurrentCommandId(false);
	pending.env_id = env_id;
	pending.svc_id = svc_id;
	pending.provider = pstrdup(provider);
	pending.path = (CfgPath *) PG_DETOAST_DATUM_COPY(PointerGetDatum(path));
	pending.ct = DatumGetByteaPCopy(PointerGetDatum(ct));
	pending.valid = true;
	MemoryContextSwitchTo(old);
}

static void
CfgPendingClear(void)
{
	pending.valid = false;
	if (pending_cxt)
		MemoryContextReset(pending_cxt);
}

/* The pending ciphertext if it is this entry's (of this command), else NULL. */
static bytea *
CfgPendingTake(int32 env_id, int32 svc_id, const char *provider, CfgPath *path)
{
	bytea	   *ct;

	if (!pending.valid || pending.cid != GetCurrentCommandId(false) ||
		pending.env_id != env_id || pending.svc_id != svc_id ||
		strcmp(pending.provider, provider) != 0 ||
		CfgPathCmp(CFGPATH_DATA(pending.path), CFGPATH_LEN(pending.path),
				   CFGPATH_DATA(path), CFGPATH_LEN(path)) != 0)
		return NULL;
	ct = DatumGetByteaPCopy(PointerGetDatum(pending.ct));
	CfgPendingClear();
	return ct;
}

static SPIPlanPtr plan_stored_ct = NULL;

/* The ciphertext of the secret stored at an entry's key now, or NULL. */
static bytea *
CfgStoredCiphertext(int32 env_id, int32 svc_id, const char *provider, CfgPath *path)
{
	MemoryContext caller = CurrentMemoryContext;
	CfgUserSave save;
	Datum		args[4];
	bytea	   *ct = NULL;
	bool		isnull;
	int			ret;

	args[0] = Int32GetDatum(env_id);
	args[1] = Int32GetDatum(svc_id);
	args[2] = PointerGetDatum(cstring_to_text_with_len(CFGPATH_DATA(path), CFGPATH_LEN(path)));
	args[3] = CStringGetTextDatum(provider);
	CfgSpiConnectOwner(&save);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_stored_ct,
								   "SELECT e.ciphertext FROM cfgmgr.entry e"
								   " WHERE e.env_id OPERATOR(pg_catalog.=) $1 AND e.service_id OPERATOR(pg_catalog.=) $2"
								   " AND e.path OPERATOR(cfgmgr.=) $3::cfgmgr.cfgpath AND e.provider OPERATOR(pg_catalog.=) $4"
								   " AND e.secret AND NOT e.tombstone",
								   4, (Oid[]) {INT4OID, INT4OID, TEXTOID, TEXTOID}),
						   args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.entry: %s", SPI_result_code_string(ret));
	if (SPI_processed == 1)
	{
		Datum		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);

		if (!isnull)
		{
			MemoryContext old = MemoryContextSwitchTo(caller);

			ct = DatumGetByteaPCopy(d);
			MemoryContextSwitchTo(old);
		}
	}
	CfgSpiFinishOwner(&save);
	return ct;
}

/* Do two versions of an entry differ in nothing but the ciphertext? */
static bool
CfgEntrySameButCiphertext(TupleDesc desc, HeapTuple a, HeapTuple b)
{
	for (int k = 1; k <= ENTRY_NATTS; k++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, k - 1);
		bool		n1,
					n2;
		Datum		x,
					y;

		if (k == ENTRY_CIPHERTEXT)
			continue;
		x = heap_getattr(a, k, desc, &n1);
		y = heap_getattr(b, k, desc, &n2);
		if (n1 != n2 || (!n1 && !datumIsEqual(x, y, att->attbyval, att->attlen)))
			return false;
	}
	return true;
}

/*
 * The value and ciphertext columns of an entry being written (secret:
 * secret and not a tombstone).  A secret's value is encrypted into the
 * ciphertext and replaced by the mask; the mask itself as the value of a
 * row that already was secret keeps its ciphertext (so re-importing a
 * masked export changes nothing), and is refused anywhere else.  Rows
 * that are not secret have no ciphertext.
 */
static void
CfgEntrySecret(TriggerData *td, TupleDesc desc, HeapTuple tup, bool secret,
			   int32 env_id, int32 svc_id, const char *provider,
			   Datum *value, Datum *ct, bool *value_null, bool *ct_null)
{
	bool		isnull;
	Datum		v = heap_getattr(tup, ENTRY_VALUE, desc, &isnull);
	Jsonb	   *j;
	CfgPath    *path;

	*value = v;
	*value_null = isnull;
	*ct = (Datum) 0;
	*ct_null = true;
	if (!secret)
		return;
	j = DatumGetJsonbP(v);
	path = DatumGetCfgPathPP(heap_getattr(tup, ENTRY_PATH, desc, &isnull));
	if (CfgSecretIsMask(j))
	{
		bytea	   *keep = NULL;

		if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		{
			/*
			 * The update of INSERT ... ON CONFLICT whose insert attempt just
			 * encrypted a new value (the trigger masked excluded.value):
			 * that ciphertext.  Otherwise the mask means "keep".
			 */
			keep = CfgPendingTake(env_id, svc_id, provider, path);
			if (keep == NULL)
			{
				Datum		oldct = heap_getattr(td->tg_trigtuple, ENTRY_CIPHERTEXT, desc, &isnull);

				if (!isnull)
					keep = DatumGetByteaPCopy(oldct);
			}
		}
		else
			keep = CfgStoredCiphertext(env_id, svc_id, provider, path);
		if (keep == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the mask cannot be stored as a secret value"),
					 errdetail("\"********\" stands for the secret already stored at path \"%.*s\", and there is none to keep.",
							   (int) CFGPATH_LEN(path), CFGPATH_DATA(path)),
					 errhint("Give the secret's real value.")));
		*ct = PointerGetDatum(keep);
		*ct_null = false;
		return;
	}
	*ct = PointerGetDatum(CfgSecretEncrypt(j, env_id, svc_id, provider,
										   CFGPATH_DATA(path), CFGPATH_LEN(path)));
	*ct_null = false;
	*value = JsonbPGetDatum(CfgSecretMask());
	*value_null = false;
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		CfgPendingSet(env_id, svc_id, provider, path, (bytea *) DatumGetPointer(*ct));
}

/* BEFORE INSERT OR UPDATE FOR EACH ROW on cfgmgr.entry */
Datum
cfgmgr_entry_before(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	tup;
	bool		isnull;
	int32		env_id,
				svc_id;
	char	   *provider;
	CfgCatalog *cat;
	CfgEnv	   *env;
	CfgService *svc;
	int			cols[5] = {ENTRY_CHANGESET, ENTRY_UPDATED_AT, ENTRY_UPDATED_BY,
	ENTRY_VALUE, ENTRY_CIPHERTEXT};
	Datum		vals[5];
	bool		nulls[5] = {false, false, false, false, false};
	bool		secret;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_entry_before: must be fired before insert or update, for each row");
	desc = RelationGetDescr(td->tg_relation);
	CfgCheckEntryShape(desc);
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;

	/* cfgmgr.rotate_key() re-encrypting: nothing else may change */
	if (cfg_secret_rotating && TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		if (!CfgEntrySameButCiphertext(desc, td->tg_trigtuple, tup))
			elog(ERROR, "cfgmgr.rotate_key() may change ciphertexts only");
		return PointerGetDatum(tup);
	}

	env_id = DatumGetInt32(heap_getattr(tup, ENTRY_ENV_ID, desc, &isnull));
	svc_id = DatumGetInt32(heap_getattr(tup, ENTRY_SERVICE_ID, desc, &isnull));
	provider = TextDatumGetCString(heap_getattr(tup, ENTRY_PROVIDER, desc, &isnull));

	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		int			k;

		for (k = ENTRY_ENV_ID; k <= ENTRY_PROVIDER; k++)
		{
			bool		n1,
						n2;
			Datum		a = heap_getattr(td->tg_trigtuple, k, desc, &n1);
			Datum		b = heap_getattr(tup, k, desc, &n2);
			Form_pg_attribute att = TupleDescAttr(desc, k - 1);

			if (!datumIsEqual(a, b, att->attbyval, att->attlen))
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot change the key of a configuration entry"),
						 errdetail("Column \"%s\" of cfgmgr.entry is part of the key.",
								   NameStr(att->attname)),
						 errhint("Unset the old path and set the new one.")));
		}
	}

	CfgLockEnv(env_id, false);
	/* drop_environment may have committed while we waited for the lock */
	AcceptInvalidationMessages();
	cat = CfgGetCatalog();
	env = CfgLookupEnvById(cat, env_id);
	if (env == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND),
				 errmsg("environment with id %d does not exist", env_id)));
	svc = CfgLookupServiceById(cat, svc_id);
	if (svc == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_SERVICE_NOT_FOUND),
				 errmsg("service with id %d does not exist", svc_id)));
	if (provider[0] != '\0')
		CfgCheckProvider(cat, provider);

	secret = DatumGetBool(heap_getattr(tup, ENTRY_SECRET, desc, &isnull)) &&
		!DatumGetBool(heap_getattr(tup, ENTRY_TOMBSTONE, desc, &isnull));
	{
		CfgPath    *path = DatumGetCfgPathPP(heap_getattr(tup, ENTRY_PATH, desc, &isnull));
		Datum		v = heap_getattr(tup, ENTRY_VALUE, desc, &isnull);

		/* however the row is written: the caller must hold write there */
		CfgAclRequire(CFG_PRIV_WRITE, env, svc, CFGPATH_DATA(path), CFGPATH_LEN(path));

		/*
		 * The syntax of templates is checked as the value is written; not
		 * in secrets, whose text a syntax error would quote (a secret is
		 * stored as it is given).
		 */
		if (!isnull && !secret)
			CfgTemplateCheckValue(DatumGetJsonbP(v), svc->name, CFGPATH_DATA(path),
								  CFGPATH_LEN(path));
	}

	vals[0] = Int64GetDatum(CfgCurrentChangeset(NULL));
	vals[1] = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
	vals[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
	CfgEntrySecret(td, desc, tup, secret, env_id, svc_id, provider, &vals[3], &vals[4],
				   &nulls[3], &nulls[4]);
	tup = heap_modify_tuple_by_cols(tup, desc, 5, cols, vals, nulls);
	return PointerGetDatum(tup);
}

/*
 * The rows of an AFTER ROW trigger on cfgmgr.entry: *oldtup NULL for an
 * INSERT, *newtup NULL for a DELETE.
 */
void
CfgEntryTriggerRows(TriggerData *td, HeapTuple *oldtup, HeapTuple *newtup)
{
	*oldtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? NULL : td->tg_trigtuple;
	*newtup = TRIGGER_FIRED_BY_INSERT(td->tg_event) ? td->tg_trigtuple :
		TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : NULL;
}

/* The change an entry row makes, as history and the audit log name it. */
const char *
CfgEntryChangeOp(TupleDesc desc, HeapTuple newtup)
{
	bool		isnull;

	if (newtup == NULL)
		return "unset";
	if (DatumGetBool(heap_getattr(newtup, ENTRY_TOMBSTONE, desc, &isnull)))
		return "block";
	return "set";
}

/* AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW on cfgmgr.entry */
Datum
cfgmgr_entry_history(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	newtup = NULL,
				oldtup = NULL,
				keytup;
	Oid			types[13] = {INT8OID, INT4OID, INT4OID, TEXTOID, TEXTOID, TEXTOID,
	JSONBOID, JSONBOID, BOOLOID, TEXTOID, BYTEAOID, BYTEAOID, TEXTOID};
	Datum		args[13];
	char		nulls[13];
	bool		isnull;
	const char *op;
	int			ret;
	CfgUserSave save;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_entry_history: must be fired after, for each row");
	desc = RelationGetDescr(td->tg_relation);
	CfgCheckEntryShape(desc);
	CfgEntryTriggerRows(td, &oldtup, &newtup);
	keytup = newtup ? newtup : oldtup;
	memset(nulls, ' ', sizeof(nulls));

	/* cfgmgr.rotate_key() re-encrypting is no change of configuration */
	if (cfg_secret_rotating && oldtup && newtup &&
		CfgEntrySameButCiphertext(desc, oldtup, newtup))
		return PointerGetDatum(NULL);
	op = CfgEntryChangeOp(desc, newtup);

	args[0] = Int64GetDatum(CfgCurrentChangeset(NULL));
	args[1] = heap_getattr(keytup, ENTRY_ENV_ID, desc, &isnull);
	args[2] = heap_getattr(keytup, ENTRY_SERVICE_ID, desc, &isnull);
	args[3] = heap_getattr(keytup, ENTRY_PATH, desc, &isnull);
	args[4] = heap_getattr(keytup, ENTRY_PROVIDER, desc, &isnull);
	args[5] = CStringGetTextDatum(op);
	if (oldtup)
		args[6] = heap_getattr(oldtup, ENTRY_VALUE, desc, &isnull);
	if (!oldtup || isnull)
		nulls[6] = 'n';
	if (newtup)
		args[7] = heap_getattr(newtup, ENTRY_VALUE, desc, &isnull);
	if (!newtup || isnull)
		nulls[7] = 'n';
	args[8] = heap_getattr(keytup, ENTRY_SECRET, desc, &isnull);
	args[9] = newtup ? heap_getattr(newtup, ENTRY_MESSAGE, desc, &isnull) : (Datum) 0;
	if (!newtup || isnull)
		nulls[9] = 'n';
	if (oldtup)
		args[10] = heap_getattr(oldtup, ENTRY_CIPHERTEXT, desc, &isnull);
	if (!oldtup || isnull)
		nulls[10] = 'n';
	if (newtup)
		args[11] = heap_getattr(newtup, ENTRY_CIPHERTEXT, desc, &isnull);
	if (!newtup || isnull)
		nulls[11] = 'n';

	/* the acting role, before the switch below */
	args[12] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));

	/* bookkeeping, and the ciphertexts only the owner may write */
	CfgSpiConnectOwner(&save);
	ret = SPI_execute_plan(CfgKeepPlan(&plan_history,
								   "INSERT INTO cfgmgr.change (changeset, env_id, service_id, path,"
								   " provider, op, old_value, new_value, secret, message,"
								   " old_ciphertext, new_ciphertext, actor)"
								   " VALUES ($1, $2, $3, $4::cfgmgr.cfgpath, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
								   13, types),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not write history: %s", SPI_result_code_string(ret));
	CfgSpiFinishOwner(&save);
	CfgNoteWrite();
	return PointerGetDatum(NULL);
}

/*
 * AFTER ... FOR EACH STATEMENT on cfgmgr's tables: every backend drops its
 * caches when this transaction commits.  The trigger argument says what
 * changed: 'values' (cfgmgr.entry) or 'catalog' (everything else).
 */
Datum
cfgmgr_invalidate(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		catalog;

	if (!CALLED_AS_TRIGGER(fcinfo) || td->tg_trigger->tgnargs != 1)
		elog(ERROR, "cfgmgr_invalidate: must be called as a trigger with one argument");
	catalog = strcmp(td->tg_trigger->tgargs[0], "values") != 0;
	CacheInvalidateRelcacheByRelid(CfgSignalRelid(catalog));
	CfgInvalidateLocal(catalog);
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * set, unset, set_many
 * ---------------------------------------------------------------------
 */
/*
 * Look up and check the target of a write: environment (argument 0),
 * service (argument 1) and provider (argument provider_arg; "" for NULL).
 */
void
CfgWriteTarget(FunctionCallInfo fcinfo, int32 *env_id, int32 *svc_id, char **provider,
			   int provider_arg)
{
	char	   *envname = CfgArgText(fcinfo, 0, "environment");
	char	   *svcname = CfgArgText(fcinfo, 1, "service");
	CfgCatalog *cat = CfgGetCatalog();

	*env_id = CfgLookupEnv(cat, envname, false)->id;
	*svc_id = CfgLookupService(cat, svcname, false)->id;
	*provider = PG_ARGISNULL(provider_arg) ? "" :
		text_to_cstring(PG_GETARG_TEXT_PP(provider_arg));
	/* '' is how neutral entries are stored, never a provider name */
	if (!PG_ARGISNULL(provider_arg))
		CfgCheckProvider(cat, *provider);
}

/*
 * cfgmgr.set(env text, service text, path cfgpath, value jsonb,
 *			  provider text DEFAULT NULL, secret bool DEFAULT false,
 *			  message text DEFAULT NULL) RETURNS bigint
 */
Datum
cfgmgr_set(PG_FUNCTION_ARGS)
{
	int32		env_id,
				svc_id;
	char	   *provider;
	char	   *message;
	Oid			types[7] = {INT4OID, INT4OID, TEXTOID, TEXTOID, JSONBOID, TEXTOID, BOOLOID};
	Datum		args[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;
	int64		cs;
	bool		secret;

	CfgWriteTarget(fcinfo, &env_id, &svc_id, &provider, 4);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be null")));
	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("value must not be null"),
				 errhint("Use 'null'::jsonb to store a JSON null, or cfgmgr.unset() to remove a value.")));
	secret = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
	message = PG_ARGISNULL(6) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(6));

	cs = CfgCurrentChangeset(message);
	args[0] = Int32GetDatum(env_id);
	args[1] = Int32GetDatum(svc_id);
	args[2] = PointerGetDatum(cstring_to_text_with_len(CFGPATH_DATA(PG_GETARG_CFGPATH_PP(2)),
													   CFGPATH_LEN(PG_GETARG_CFGPATH_PP(2))));
	args[3] = CStringGetTextDatum(provider);
	args[4] = PG_GETARG_DATUM(3);
	args[5] = message ? CStringGetTextDatum(message) : (Datum) 0;
	nulls[5] = message ? ' ' : 'n';
	args[6] = BoolGetDatum(secret);

	/*
	 * A secret's value goes in as given and is encrypted (and replaced by
	 * the mask) by the BEFORE trigger; it travels as a parameter, so it is
	 * in no statement text that a log could print.
	 */
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_upsert,
								   "INSERT INTO cfgmgr.entry AS e (env_id, service_id, path, provider, value,"
								   " tombstone, secret, message, changeset)"
								   " VALUES ($1, $2, $3::cfgmgr.cfgpath, $4, $5, false, $7, $6, 0)"
								   " ON CONFLICT (env_id, service_id, path, provider) DO UPDATE"
								   " SET value = excluded.value, tombstone = false, secret = excluded.secret,"
								   " message = excluded.message",
								   7, types),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not store value: %s", SPI_result_code_string(ret));
	SPI_finish();
	PG_RETURN_INT64(cs);
}

/*
 * cfgmgr.unset(env text, service text, path cfgpath, provider text DEFAULT NULL,
 *				block bool DEFAULT false) RETURNS bigint
 *
 * Without block: removes what this environment stores at path and below
 * (CM005 when it stores nothing there).  With block: also writes a
 * tombstone at path, hiding inherited values.
 */
Datum
cfgmgr_unset(PG_FUNCTION_ARGS)
{
	int32		env_id,
				svc_id;
	char	   *provider;
	bool		block = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
	Oid			types[4] = {INT4OID, INT4OID, TEXTOID, TEXTOID};
	Datum		args[4];
	CfgPath    *path;
	int			ret;
	int64		cs;

	CfgWriteTarget(fcinfo, &env_id, &svc_id, &provider, 3);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("path must not be null")));
	path = PG_GETARG_CFGPATH_PP(2);
	/* the path and everything below it: refused rather than filtered */
	{
		CfgCatalog *cat = CfgGetCatalog();

		CfgAclRequire(CFG_PRIV_WRITE, CfgLookupEnvById(cat, env_id),
					  CfgLookupServiceById(cat, svc_id), CFGPATH_DATA(path), CFGPATH_LEN(path));
	}
	args[0] = Int32GetDatum(env_id);
	args[1] = Int32GetDatum(svc_id);
	args[2] = PointerGetDatum(cstring_to_text_with_len(CFGPATH_DATA(path), CFGPATH_LEN(path)));
	args[3] = CStringGetTextDatum(provider);

	cs = CfgCurrentChangeset(NULL);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (!block)
	{
		ret = SPI_execute_plan(CfgKeepPlan(&plan_delete,
									   "DELETE FROM cfgmgr.entry WHERE env_id OPERATOR(pg_catalog.=) $1"
									   " AND service_id OPERATOR(pg_catalog.=) $2"
									   " AND path OPERATOR(cfgmgr.<@) $3::cfgmgr.cfgpath"
									   " AND provider OPERATOR(pg_catalog.=) $4",
									   4, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_DELETE)
			elog(ERROR, "could not remove value: %s", SPI_result_code_string(ret));
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CONFIGURATION_NOT_FOUND),
					 errmsg("configuration not found: environment \"%s\" stores nothing at \"%s\" in service \"%s\"",
							text_to_cstring(PG_GETARG_TEXT_PP(0)),
							text_to_cstring((text *) DatumGetPointer(args[2])),
							text_to_cstring(PG_GETARG_TEXT_PP(1))),
					 errhint("To hide a value inherited from a parent environment, use block => true.")));
	}
	else
	{
		ret = SPI_execute_plan(CfgKeepPlan(&plan_clear_below,
									   "DELETE FROM cfgmgr.entry WHERE env_id OPERATOR(pg_catalog.=) $1"
									   " AND service_id OPERATOR(pg_catalog.=) $2"
									   " AND path OPERATOR(cfgmgr.<@) $3::cfgmgr.cfgpath"
									   " AND path OPERATOR(cfgmgr.<>) $3::cfgmgr.cfgpath"
									   " AND provider OPERATOR(pg_catalog.=) $4",
									   4, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_DELETE)
			elog(ERROR, "could not remove value: %s", SPI_result_code_string(ret));
		ret = SPI_execute_plan(CfgKeepPlan(&plan_block,
									   "INSERT INTO cfgmgr.entry (env_id, service_id, path, provider, value,"
									   " tombstone, secret, changeset)"
									   " VALUES ($1, $2, $3::cfgmgr.cfgpath, $4, NULL, true, false, 0)"
									   " ON CONFLICT (env_id, service_id, path, provider) DO UPDATE"
									   " SET value = NULL, tombstone = true, secret = false, message = NULL",
									   4, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not store tombstone: %s", SPI_result_code_string(ret));
	}
	SPI_finish();
	PG_RETURN_INT64(cs);
}

/*
 * Flatten a document into (path, value) pairs.  An object is descended into
 * when every key is a valid label; otherwise (and for empty objects,
 * arrays and scalars) it is stored whole at its path.
 */
typedef struct FlatState
{
	StringInfoData path;
	int			n;
	int			max;
	Datum	   *paths;
	Datum	   *values;
} FlatState;

static void
CfgFlatAdd(FlatState *st, JsonbValue *v)
{
	if (st->path.len > CFGPATH_MAX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid configuration path: \"%.64s...\"", st->path.data),
				 errdetail("A path may be at most %d bytes long.", CFGPATH_MAX_LEN)));
	if (st->n == st->max)
	{
		st->max *= 2;
		st->paths = repalloc_huge(st->paths, sizeof(Datum) * st->max);
		st->values = repalloc_huge(st->values, sizeof(Datum) * st->max);
	}
	st->paths[st->n] = PointerGetDatum(cstring_to_text_with_len(st->path.data, st->path.len));
	st->values[st->n] = JsonbPGetDatum(JsonbValueToJsonb(v));
	st->n++;
}

static void
CfgFlatten(FlatState *st, JsonbContainer *c)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	k,
				v;
	JsonbIteratorToken tok;
	int			base = st->path.len;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (base > CFGPATH_MAX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid configuration path: \"%.64s...\"", st->path.data),
				 errdetail("A path may be at most %d bytes long.", CFGPATH_MAX_LEN)));
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		if (tok != WJB_KEY)
			continue;
		tok = JsonbIteratorNext(&it, &v, true);
		if (base > 0)
			appendStringInfoChar(&st->path, '.');
		appendBinaryStringInfo(&st->path, k.val.string.val, k.val.string.len);
		if (v.type == jbvBinary && JsonContainerIsObject(v.val.binary.data) &&
			CfgJsonObjectOfLabels(v.val.binary.data))
			CfgFlatten(st, v.val.binary.data);
		else
			CfgFlatAdd(st, &v);
		st->path.len = base;
		st->path.data[base] = '\0';
	}
}

static int
CfgTextDatumCmp(const void *a, const void *b)
{
	text	   *ta = DatumGetTextPP(*(const Datum *) a);
	text	   *tb = DatumGetTextPP(*(const Datum *) b);

	return CfgPathCmp(VARDATA_ANY(ta), VARSIZE_ANY_EXHDR(ta),
					  VARDATA_ANY(tb), VARSIZE_ANY_EXHDR(tb));
}

/*
 * A document may name one path twice ({"a.b": 1, "a": {"b": 2}}): refuse
 * it rather than pick one silently.
 */
static void
CfgCheckDuplicates(FlatState *st)
{
	Datum	   *sorted;
	int			i;

	if (st->n < 2)
		return;
	sorted = palloc(sizeof(Datum) * st->n);
	memcpy(sorted, st->paths, sizeof(Datum) * st->n);
	qsort(sorted, st->n, sizeof(Datum), CfgTextDatumCmp);
	for (i = 1; i < st->n; i++)
		if (CfgTextDatumCmp(&sorted[i - 1], &sorted[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("document names path \"%s\" more than once",
							TextDatumGetCString(sorted[i])),
					 errhint("Write each path once, either dotted or nested.")));
	pfree(sorted);
}

/*
 * cfgmgr.set_many(env text, service text, "values" jsonb,
 *				   provider text DEFAULT NULL, message text DEFAULT NULL) RETURNS bigint
 *
 * A path that holds a secret stays secret (the new value is encrypted; the
 * mask keeps the secret as it is); new paths are not secret.
 */
Datum
cfgmgr_set_many(PG_FUNCTION_ARGS)
{
	int32		env_id,
				svc_id;
	char	   *provider;
	char	   *message;
	Jsonb	   *doc;
	FlatState	st;
	Oid			types[6] = {INT4OID, INT4OID, TEXTARRAYOID, JSONBARRAYOID, TEXTOID, TEXTOID};
	Datum		args[6];
	char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int			ret;
	int64		cs;

	CfgWriteTarget(fcinfo, &env_id, &svc_id, &provider, 3);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("values must not be null")));
	doc = PG_GETARG_JSONB_P(2);
	if (!JB_ROOT_IS_OBJECT(doc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("values must be a JSON object"),
				 errdetail("The document's top level maps paths to values.")));
	message = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));

	/* top-level keys must be labels: there is nothing to store a map at */
	{
		JsonbIterator *it = JsonbIteratorInit(&doc->root);
		JsonbValue	k;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
			if (tok == WJB_KEY)
				(void) CfgPathMake(k.val.string.val, k.val.string.len);
	}

	memset(&st, 0, sizeof(st));
	initStringInfo(&st.path);
	st.max = 64;
	st.paths = palloc(sizeof(Datum) * st.max);
	st.values = palloc(sizeof(Datum) * st.max);
	CfgFlatten(&st, &doc->root);
	CfgCheckDuplicates(&st);

	cs = CfgCurrentChangeset(message);
	if (st.n == 0)
		PG_RETURN_INT64(cs);

	args[0] = Int32GetDatum(env_id);
	args[1] = Int32GetDatum(svc_id);
	args[2] = PointerGetDatum(construct_array(st.paths, st.n, TEXTOID, -1, false, TYPALIGN_INT));
	args[3] = PointerGetDatum(construct_array(st.values, st.n, JSONBOID, -1, false, TYPALIGN_INT));
	args[4] = CStringGetTextDatum(provider);
	args[5] = message ? CStringGetTextDatum(message) : (Datum) 0;
	nulls[5] = message ? ' ' : 'n';

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	ret = SPI_execute_plan(CfgKeepPlan(&plan_many,
								   "INSERT INTO cfgmgr.entry AS e (env_id, service_id, path, provider, value,"
								   " tombstone, secret, message, changeset)"
								   " SELECT $1, $2, u.p::cfgmgr.cfgpath, $5, u.v, false, false, $6, 0"
								   " FROM ROWS FROM (pg_catalog.unnest($3), pg_catalog.unnest($4)) AS u(p, v)"
								   " ON CONFLICT (env_id, service_id, path, provider) DO UPDATE"
								   " SET value = excluded.value, tombstone = false,"
								   " secret = e.secret AND NOT e.tombstone, message = excluded.message",
								   6, types),
						   args, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "could not store values: %s", SPI_result_code_string(ret));
	SPI_finish();
	PG_RETURN_INT64(cs);
}

/*
 * AFTER INSERT OR UPDATE FOR EACH ROW on cfgmgr.environment: one
 * cfgmgr.environment_change row per creation, re-parenting, renaming or
 * drop, so reads as of a version walk the tree of that time.  Written as
 * the owner (nobody else may write history), with the caller as actor.
 */
PG_FUNCTION_INFO_V1(cfgmgr_environment_history);

static SPIPlanPtr plan_env_history = NULL;

Datum
cfgmgr_environment_history(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	newtup;
	HeapTuple	oldtup = NULL;
	int			att_id,
				att_name,
				att_parent,
				att_dropped;
	bool		new_dropped,
				isnull;
	const char *op = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || TRIGGER_FIRED_BY_DELETE(td->tg_event))
		elog(ERROR, "cfgmgr_environment_history: must be fired after insert or update, for each row");
	desc = RelationGetDescr(td->tg_relation);
	att_id = SPI_fnumber(desc, "id");
	att_name = SPI_fnumber(desc, "name");
	att_parent = SPI_fnumber(desc, "parent_id");
	att_dropped = SPI_fnumber(desc, "dropped_at");
	if (att_id <= 0 || att_name <= 0 || att_parent <= 0 || att_dropped <= 0)
		elog(ERROR, "cfgmgr.environment has an unexpected shape");
	if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
	}
	else
		newtup = td->tg_trigtuple;

	(void) heap_getattr(newtup, att_dropped, desc, &isnull);
	new_dropped = !isnull;
	if (oldtup == NULL)
		op = new_dropped ? NULL : "create";
	else
	{
		bool		old_dropped;
		bool		n1,
					n2;
		Datum		p1,
					p2;

		(void) heap_getattr(oldtup, att_dropped, desc, &isnull);
		old_dropped = !isnull;
		p1 = heap_getattr(oldtup, att_parent, desc, &n1);
		p2 = heap_getattr(newtup, att_parent, desc, &n2);
		if (new_dropped && !old_dropped)
			op = "drop";
		else if (!new_dropped && old_dropped)
			op = "create";
		else if (!new_dropped &&
				 (n1 != n2 || (!n1 && DatumGetInt32(p1) != DatumGetInt32(p2)) ||
				  strcmp(TextDatumGetCString(heap_getattr(oldtup, att_name, desc, &isnull)),
						 TextDatumGetCString(heap_getattr(newtup, att_name, desc, &isnull))) != 0))
			op = "update";
	}
	if (op != NULL)
	{
		Oid			types[6] = {INT8OID, INT4OID, TEXTOID, INT4OID, TEXTOID, TEXTOID};
		Datum		args[6];
		char		nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
		CfgUserSave save;
		int			ret;

		args[0] = Int64GetDatum(CfgCurrentChangeset(NULL));
		args[1] = heap_getattr(newtup, att_id, desc, &isnull);
		args[2] = heap_getattr(newtup, att_name, desc, &isnull);
		args[3] = heap_getattr(newtup, att_parent, desc, &isnull);
		if (isnull)
			nulls[3] = 'n';
		args[4] = CStringGetTextDatum(op);
		args[5] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
		CfgSpiConnectOwner(&save);
		ret = SPI_execute_plan(CfgKeepPlan(&plan_env_history,
										   "INSERT INTO cfgmgr.environment_change"
										   " (changeset, env_id, name, parent_id, op, actor)"
										   " VALUES ($1, $2, $3, $4, $5, $6)",
										   6, types),
							   args, nulls, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not write the environment's history: %s", SPI_result_code_string(ret));
		CfgSpiFinishOwner(&save);
	}
	return PointerGetDatum(NULL);
}
