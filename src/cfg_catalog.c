/*-------------------------------------------------------------------------
 *
 * cfg_catalog.c
 *	  Backend-local copy of cfgmgr's small catalog tables (environments,
 *	  services, providers), and the invalidation that keeps every cfgmgr
 *	  cache fresh.
 *
 * Freshness design.  Every statement that changes cfgmgr.entry,
 * cfgmgr.environment, cfgmgr.service, cfgmgr.provider or a schema table
 * queues a relcache invalidation for cfgmgr.cache_signal (values) or
 * cfgmgr.catalog_signal (the rest), empty relations kept for this purpose
 * (CacheInvalidateRelcacheByRelid).  PostgreSQL
 * delivers it to every backend when the transaction commits, and locally at
 * once.  Our relcache callback only bumps a generation counter; caches compare
 * generations before use and rebuild lazily, so nothing is freed while a
 * caller may still hold a pointer.  The catalog follows only the catalog
 * generation, so writing values never reloads it.  A backend reads pending invalidations at
 * every transaction start and, through CfgAcceptInvalidations, at the start
 * of every statement that reads configuration, so a committed change is seen
 * by the very next call in any session.
 *
 * A cache filled from an old snapshot would stay stale after the
 * invalidation that should have emptied it had already been processed.  So
 * cached data is always read with a snapshot taken after the invalidations
 * processed so far (GetLatestSnapshot), and transactions that use one
 * snapshot for their whole life (REPEATABLE READ, SERIALIZABLE) bypass the
 * caches and read with their own snapshot.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_catalog.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "storage/sinval.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"

#define CFG_NAME_KEYLEN 64		/* names are at most 63 bytes (CHECK) */

typedef struct EnvByName
{
	char		name[CFG_NAME_KEYLEN];
	CfgEnv	   *env;
} EnvByName;

typedef struct EnvById
{
	int32		id;
	CfgEnv	   *env;
} EnvById;

typedef struct SvcByName
{
	char		name[CFG_NAME_KEYLEN];
	CfgService *svc;
} SvcByName;

typedef struct SvcById
{
	int32		id;
	CfgService *svc;
} SvcById;

typedef struct ProviderEnt
{
	char		name[CFG_NAME_KEYLEN];
	CfgProvider *provider;
} ProviderEnt;

typedef struct TargetKey
{
	int32		env_id;
	char		provider[CFG_NAME_KEYLEN];
} TargetKey;

typedef struct TargetEnt
{
	TargetKey	key;
	Jsonb	   *variables;
} TargetEnt;

static uint64 cfg_generation = 1;	/* data: bumped by every invalidation */
static uint64 cfg_catalog_generation = 1;	/* catalog tables changed */
static Oid	cfg_signal_relid = InvalidOid;
static Oid	cfg_catalog_signal_relid = InvalidOid;

/* the long-lived catalog (READ COMMITTED, cache on) */
static CfgCatalog *cfg_catalog = NULL;
static uint64 cfg_catalog_gen = 0;

/* a per-transaction catalog (snapshot-bound transactions, cache off) */
static CfgCatalog *cfg_xact_catalog = NULL;
static LocalTransactionId cfg_xact_catalog_lxid = InvalidLocalTransactionId;
static CommandId cfg_xact_catalog_cid = InvalidCommandId;
static uint64 cfg_xact_catalog_gen = 0;

static TimestampTz cfg_last_stmt = 0;
static LocalTransactionId cfg_last_lxid = InvalidLocalTransactionId;

static void
CfgRelcacheCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid)
	{
		/* everything (sinval queue overflow, or a relation we do not know yet) */
		cfg_generation++;
		cfg_catalog_generation++;
		/* the extension may have been dropped and recreated: look up again */
		cfg_signal_relid = InvalidOid;
		cfg_catalog_signal_relid = InvalidOid;
	}
	else if (relid == cfg_signal_relid)
		cfg_generation++;
	else if (relid == cfg_catalog_signal_relid)
	{
		cfg_generation++;
		cfg_catalog_generation++;
	}
}

void
CfgCacheInit(void)
{
	CacheRegisterRelcacheCallback(CfgRelcacheCallback, (Datum) 0);
}

static Oid
CfgLookupSignal(const char *name)
{
	Oid			nsp = get_namespace_oid("cfgmgr", false);
	Oid			relid = get_relname_relid(name, nsp);

	if (!OidIsValid(relid))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("relation \"cfgmgr.%s\" does not exist", name),
				 errhint("Reinstall the extension with CREATE EXTENSION cfgmgr.")));
	return relid;
}

/*
 * OIDs of cfgmgr.cache_signal and cfgmgr.catalog_signal, the empty
 * relations whose relcache invalidations stand for "values changed" and
 * "environments, services, providers or schemas changed".  Relations of
 * their own, not the data tables: an invalidation of a relation also
 * invalidates every cached plan that uses it, and replanning every SPI
 * statement in every backend after each committed change would cost more
 * than the change.  Two of them, because a change of values must not make
 * every backend reload the catalog.
 */
Oid
CfgSignalRelid(bool catalog)
{
	if (!OidIsValid(cfg_signal_relid) || !OidIsValid(cfg_catalog_signal_relid))
	{
		cfg_signal_relid = CfgLookupSignal("cache_signal");
		cfg_catalog_signal_relid = CfgLookupSignal("catalog_signal");
	}
	return catalog ? cfg_catalog_signal_relid : cfg_signal_relid;
}

/* Moves on whenever anything cached may have changed. */
uint64
CfgCacheGeneration(void)
{
	return cfg_generation;
}

/* Moves on when environments, services, providers or schemas changed. */
uint64
CfgCatalogGeneration(void)
{
	return cfg_catalog_generation;
}

/*
 * Local, immediate invalidation (own writes), in addition to the queued
 * one: of cached values, and with catalog also of the catalog.
 */
void
CfgInvalidateLocal(bool catalog)
{
	cfg_generation++;
	if (catalog)
		cfg_catalog_generation++;
}

/*
 * May the long-lived caches be used (and filled) by this call?  Not in
 * transactions bound to one snapshot, whose view may be older than the
 * caches'.
 */
bool
CfgCacheUsable(void)
{
	return cfgmgr_cache_enabled && !IsolationUsesXactSnapshot();
}

/*
 * Read invalidations queued by other backends once per statement, so that
 * a statement inside an open transaction block also sees changes committed
 * since the previous statement (as a plain SELECT would in READ COMMITTED).
 */
void
CfgAcceptInvalidations(void)
{
	TimestampTz stmt = GetCurrentStatementStartTimestamp();

	if (stmt != cfg_last_stmt || MyProc->lxid != cfg_last_lxid)
	{
		cfg_last_stmt = stmt;
		cfg_last_lxid = MyProc->lxid;
		AcceptInvalidationMessages();
	}
}

/*
 * Push the snapshot that reads meant for the caches must use: the latest
 * one when the caches are in use, the transaction's otherwise.  Returns what
 * CfgReadSnapshotPop needs.
 */
Snapshot
CfgReadSnapshotPush(void)
{
	Snapshot	snap;

	if (CfgCacheUsable())
		snap = GetLatestSnapshot();
	else
		snap = GetTransactionSnapshot();
	PushActiveSnapshot(snap);
	return GetActiveSnapshot();
}

void
CfgReadSnapshotPop(Snapshot snap)
{
	PopActiveSnapshot();
}

static HTAB *
CfgMakeHash(const char *name, MemoryContext cxt, Size keysize, Size entrysize, bool strings)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = cxt;
	return hash_create(name, 64, &ctl,
					   HASH_ELEM | HASH_CONTEXT | (strings ? HASH_STRINGS : HASH_BLOBS));
}

static char *
CfgSpiText(HeapTuple tup, TupleDesc desc, int col, MemoryContext cxt)
{
	bool		isnull;
	Datum		d = SPI_getbinval(tup, desc, col, &isnull);
	MemoryContext old;
	char	   *s;

	if (isnull)
		return NULL;
	old = MemoryContextSwitchTo(cxt);
	s = TextDatumGetCString(d);
	MemoryContextSwitchTo(old);
	return s;
}

/*
 * Load the catalog with SPI, using the active snapshot (pushed by the
 * caller), into a new memory context under parent.
 */
static CfgCatalog *
CfgLoadCatalog(MemoryContext parent)
{
	MemoryContext cxt;
	CfgCatalog *cat;
	int			ret;
	uint64		i;
	CfgUserSave save;

	cxt = AllocSetContextCreate(parent, "cfgmgr catalog", ALLOCSET_DEFAULT_SIZES);
	cat = MemoryContextAllocZero(cxt, sizeof(CfgCatalog));
	cat->cxt = cxt;
	cat->env_by_name = CfgMakeHash("cfgmgr environments", cxt, CFG_NAME_KEYLEN, sizeof(EnvByName), true);
	cat->env_by_id = CfgMakeHash("cfgmgr environment ids", cxt, sizeof(int32), sizeof(EnvById), false);
	cat->svc_by_name = CfgMakeHash("cfgmgr services", cxt, CFG_NAME_KEYLEN, sizeof(SvcByName), true);
	cat->svc_by_id = CfgMakeHash("cfgmgr service ids", cxt, sizeof(int32), sizeof(SvcById), false);
	cat->providers = CfgMakeHash("cfgmgr providers", cxt, CFG_NAME_KEYLEN, sizeof(ProviderEnt), true);
	cat->targets = CfgMakeHash("cfgmgr targets", cxt, sizeof(TargetKey), sizeof(TargetEnt), false);

	CfgSpiConnectOwner(&save);

	ret = SPI_execute("SELECT id, COALESCE(parent_id, 0), name, is_production,"
					  " approval_required, required_approvals, labels"
					  " FROM cfgmgr.environment WHERE dropped_at IS NULL", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.environment: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CfgEnv	   *env = MemoryContextAllocZero(cxt, sizeof(CfgEnv));
		EnvByName  *bn;
		EnvById    *bi;
		bool		isnull;
		MemoryContext old;

		env->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		env->parent_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
		env->name = CfgSpiText(tup, desc, 3, cxt);
		env->is_production = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		env->approval_required = DatumGetBool(SPI_getbinval(tup, desc, 5, &isnull));
		env->required_approvals = DatumGetInt32(SPI_getbinval(tup, desc, 6, &isnull));
		old = MemoryContextSwitchTo(cxt);
		env->labels = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 7, &isnull));
		MemoryContextSwitchTo(old);
		env->depth = -1;

		bn = hash_search(cat->env_by_name, env->name, HASH_ENTER, NULL);
		bn->env = env;
		bi = hash_search(cat->env_by_id, &env->id, HASH_ENTER, NULL);
		bi->env = env;
	}

	ret = SPI_execute("SELECT s.id, s.name, COALESCE(s.schema_version, 0),"
					  " EXISTS (SELECT FROM cfgmgr.service_constraint c"
					  "         WHERE c.service_id OPERATOR(pg_catalog.=) s.id)"
					  " FROM cfgmgr.service s", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.service: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CfgService *svc = MemoryContextAllocZero(cxt, sizeof(CfgService));
		SvcByName  *bn;
		SvcById    *bi;
		bool		isnull;

		svc->id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		svc->name = CfgSpiText(tup, desc, 2, cxt);
		svc->schema_version = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
		svc->has_constraints = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		bn = hash_search(cat->svc_by_name, svc->name, HASH_ENTER, NULL);
		bn->svc = svc;
		bi = hash_search(cat->svc_by_id, &svc->id, HASH_ENTER, NULL);
		bi->svc = svc;
	}

	ret = SPI_execute("SELECT name, variables, rules FROM cfgmgr.provider", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.provider: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CfgProvider *prov = MemoryContextAllocZero(cxt, sizeof(CfgProvider));
		ProviderEnt *pe;
		bool		isnull;
		Datum		d;
		MemoryContext old;

		prov->name = CfgSpiText(tup, desc, 1, cxt);
		old = MemoryContextSwitchTo(cxt);
		prov->variables = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 2, &isnull));
		d = SPI_getbinval(tup, desc, 3, &isnull);
		prov->rules = isnull ? NULL : DatumGetJsonbPCopy(d);
		MemoryContextSwitchTo(old);
		pe = hash_search(cat->providers, prov->name, HASH_ENTER, NULL);
		pe->provider = prov;
	}

	ret = SPI_execute("SELECT env_id, provider, variables FROM cfgmgr.target", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.target: %s", SPI_result_code_string(ret));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		TargetKey	key;
		TargetEnt  *te;
		bool		isnull;
		MemoryContext old;

		memset(&key, 0, sizeof(key));
		key.env_id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		strlcpy(key.provider, CfgSpiText(tup, desc, 2, CurrentMemoryContext), CFG_NAME_KEYLEN);
		te = hash_search(cat->targets, &key, HASH_ENTER, NULL);
		old = MemoryContextSwitchTo(cxt);
		te->variables = DatumGetJsonbPCopy(SPI_getbinval(tup, desc, 3, &isnull));
		MemoryContextSwitchTo(old);
	}

	ret = SPI_execute("SELECT a.role_id, a.privilege, a.env_pattern, a.service_pattern,"
					  " a.path_prefix::pg_catalog.text FROM cfgmgr.acl a ORDER BY a.id", true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.acl: %s", SPI_result_code_string(ret));
	cat->ngrants = (int) SPI_processed;
	cat->grants = MemoryContextAllocZero(cxt, sizeof(CfgGrant) * Max(cat->ngrants, 1));
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	tup = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		CfgGrant   *g = &cat->grants[i];
		bool		isnull;
		char	   *priv;

		g->role = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
		priv = CfgSpiText(tup, desc, 2, CurrentMemoryContext);
		g->priv = CfgPrivFromName(priv);
		g->env_pattern = CfgSpiText(tup, desc, 3, cxt);
		g->svc_pattern = CfgSpiText(tup, desc, 4, cxt);
		g->prefix = CfgSpiText(tup, desc, 5, cxt);
	}

	CfgSpiFinishOwner(&save);
	return cat;
}

/*
 * The catalog valid for this call.  Pointers into it stay valid until the
 * end of the transaction even if it is replaced meanwhile: a replaced
 * catalog is moved under TopTransactionContext rather than freed.
 */
CfgCatalog *
CfgGetCatalog(void)
{
	Snapshot	snap;

	CfgAcceptInvalidations();
	/* the signal relation's OID is what invalidations are matched against */
	(void) CfgSignalRelid(false);

	if (CfgCacheUsable())
	{
		if (cfg_catalog != NULL && cfg_catalog_gen == cfg_catalog_generation)
			return cfg_catalog;
		if (cfg_catalog != NULL)
		{
			MemoryContextSetParent(cfg_catalog->cxt, TopTransactionContext);
			cfg_catalog = NULL;
		}
		for (;;)
		{
			uint64		gen = cfg_catalog_generation;
			CfgCatalog *cat;

			snap = CfgReadSnapshotPush();
			cat = CfgLoadCatalog(TopMemoryContext);
			CfgReadSnapshotPop(snap);
			if (gen == cfg_catalog_generation)
			{
				cfg_catalog = cat;
				cfg_catalog_gen = gen;
				return cat;
			}
			/* invalidated while loading: retry (the old copy dies with the xact) */
			MemoryContextSetParent(cat->cxt, TopTransactionContext);
		}
	}

	/* snapshot-bound transaction: one copy per command */
	if (cfg_xact_catalog != NULL &&
		cfg_xact_catalog_lxid == MyProc->lxid &&
		cfg_xact_catalog_cid == GetCurrentCommandId(false) &&
		cfg_xact_catalog_gen == cfg_catalog_generation)
		return cfg_xact_catalog;
	cfg_xact_catalog_gen = cfg_catalog_generation;
	snap = CfgReadSnapshotPush();
	cfg_xact_catalog = CfgLoadCatalog(TopTransactionContext);
	CfgReadSnapshotPop(snap);
	cfg_xact_catalog_lxid = MyProc->lxid;
	cfg_xact_catalog_cid = GetCurrentCommandId(false);
	return cfg_xact_catalog;
}

static void
CfgNameCheck(const char *kind, const char *name)
{
	if (strlen(name) >= CFG_NAME_KEYLEN)
		ereport(ERROR,
				(errcode(strcmp(kind, "environment") == 0 ?
						 ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND :
						 ERRCODE_CFGMGR_SERVICE_NOT_FOUND),
				 errmsg("%s \"%.63s...\" does not exist", kind, name),
				 errdetail("Names are at most 63 bytes long.")));
}

CfgEnv *
CfgLookupEnv(CfgCatalog *cat, const char *name, bool missing_ok)
{
	EnvByName  *e;

	CfgNameCheck("environment", name);
	e = hash_search(cat->env_by_name, name, HASH_FIND, NULL);
	if (e == NULL)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND),
				 errmsg("environment \"%s\" does not exist", name),
				 errhint("Create it with cfgmgr.create_environment().")));
	}
	return e->env;
}

CfgEnv *
CfgLookupEnvById(CfgCatalog *cat, int32 id)
{
	EnvById    *e = hash_search(cat->env_by_id, &id, HASH_FIND, NULL);

	return e ? e->env : NULL;
}

CfgService *
CfgLookupService(CfgCatalog *cat, const char *name, bool missing_ok)
{
	SvcByName  *s;

	CfgNameCheck("service", name);
	s = hash_search(cat->svc_by_name, name, HASH_FIND, NULL);
	if (s == NULL)
	{
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_SERVICE_NOT_FOUND),
				 errmsg("service \"%s\" does not exist", name),
				 errhint("Create it with cfgmgr.create_service().")));
	}
	return s->svc;
}

CfgService *
CfgLookupServiceById(CfgCatalog *cat, int32 id)
{
	SvcById    *s = hash_search(cat->svc_by_id, &id, HASH_FIND, NULL);

	return s ? s->svc : NULL;
}

bool
CfgProviderExists(CfgCatalog *cat, const char *name)
{
	if (strlen(name) >= CFG_NAME_KEYLEN)
		return false;
	return hash_search(cat->providers, name, HASH_FIND, NULL) != NULL;
}

CfgProvider *
CfgLookupProvider(CfgCatalog *cat, const char *name, bool missing_ok)
{
	ProviderEnt *pe = NULL;

	if (strlen(name) < CFG_NAME_KEYLEN)
		pe = hash_search(cat->providers, name, HASH_FIND, NULL);
	if (pe == NULL && !missing_ok)
		CfgCheckProvider(cat, name);
	return pe ? pe->provider : NULL;
}

/*
 * The variables of the target (chain[n-1], provider): the target rows of
 * the chain's environments for provider, merged from the root down (a
 * deeper row's variable replaces the same variable of an upper one).
 * Returns NULL when no environment of the chain is deployed to provider;
 * the result is allocated in the current memory context.
 */
Jsonb *
CfgTargetVariables(CfgCatalog *cat, CfgEnv **chain, int n, const char *provider)
{
	JsonbParseState *state = NULL;
	Jsonb	   *rows[CFG_MAX_DEPTH];
	int			nrows = 0;
	TargetKey	key;
	int			i;

	if (provider == NULL || strlen(provider) >= CFG_NAME_KEYLEN)
		return NULL;
	memset(&key, 0, sizeof(key));
	strlcpy(key.provider, provider, CFG_NAME_KEYLEN);
	for (i = 0; i < n; i++)
	{
		TargetEnt  *te;

		key.env_id = chain[i]->id;
		te = hash_search(cat->targets, &key, HASH_FIND, NULL);
		if (te != NULL)
			rows[nrows++] = te->variables;
	}
	if (nrows == 0)
		return NULL;
	if (nrows == 1)
		return rows[0];

	/* object keys: the deepest row that has the key wins */
	{
		JsonbValue *res;
		int			npairs;

		pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < nrows; i++)
		{
			CfgJsonPair *pairs = CfgJsonObjectPairs(&rows[i]->root, &npairs);

			for (int k = 0; k < npairs; k++)
			{
				JsonbValue	kv;
				bool		later = false;

				for (int j = i + 1; j < nrows && !later; j++)
					later = getKeyJsonValueFromContainer(&rows[j]->root, pairs[k].key,
														 pairs[k].keylen, NULL) != NULL;
				if (later)
					continue;
				kv.type = jbvString;
				kv.val.string.val = (char *) pairs[k].key;
				kv.val.string.len = pairs[k].keylen;
				pushJsonbValue(&state, WJB_KEY, &kv);
				pushJsonbValue(&state, WJB_VALUE, &pairs[k].value);
			}
		}
		res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
		return JsonbValueToJsonb(res);
	}
}

/* Is any environment a target of a provider that has rules? */
bool
CfgAnyProviderRules(CfgCatalog *cat)
{
	HASH_SEQ_STATUS st;
	TargetEnt  *te;
	bool		any = false;

	hash_seq_init(&st, cat->targets);
	while ((te = hash_seq_search(&st)) != NULL)
	{
		ProviderEnt *pe = hash_search(cat->providers, te->key.provider, HASH_FIND, NULL);

		if (pe != NULL && pe->provider->rules != NULL)
		{
			hash_seq_term(&st);
			any = true;
			break;
		}
	}
	return any;
}

/* Is env, or an ancestor, a target of provider (without merging variables)? */
bool
CfgEnvIsTarget(CfgCatalog *cat, CfgEnv *env, const char *provider)
{
	TargetKey	key;
	CfgEnv	   *e;
	int			n = 0;

	if (provider == NULL || strlen(provider) >= CFG_NAME_KEYLEN)
		return false;
	memset(&key, 0, sizeof(key));
	strlcpy(key.provider, provider, CFG_NAME_KEYLEN);
	for (e = env; e != NULL && n++ < CFG_MAX_DEPTH;
		 e = e->parent_id ? CfgLookupEnvById(cat, e->parent_id) : NULL)
	{
		key.env_id = e->id;
		if (hash_search(cat->targets, &key, HASH_FIND, NULL) != NULL)
			return true;
	}
	return false;
}

/* Has env any live child? */
bool
CfgEnvHasChildren(CfgCatalog *cat, CfgEnv *env)
{
	HASH_SEQ_STATUS st;
	EnvById    *ent;

	hash_seq_init(&st, cat->env_by_id);
	while ((ent = hash_seq_search(&st)) != NULL)
		if (ent->env->parent_id == env->id)
		{
			hash_seq_term(&st);
			return true;
		}
	return false;
}

void
CfgCheckProvider(CfgCatalog *cat, const char *name)
{
	if (!CfgProviderExists(cat, name))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("provider \"%s\" does not exist", name),
				 errhint("The known providers are listed in table cfgmgr.provider.")));
}

/*
 * Fill chain[] with the environments from the root down to env and return
 * how many there are.  chain must have room for CFG_MAX_DEPTH entries; a
 * parent cycle (only possible through direct table writes that bypassed the
 * trigger) is reported as CM004.
 */
int
CfgEnvChain(CfgCatalog *cat, CfgEnv *env, CfgEnv **chain)
{
	CfgEnv	   *tmp[CFG_MAX_DEPTH];
	int			n = 0;
	int			i;
	CfgEnv	   *e = env;

	while (e != NULL)
	{
		if (n >= CFG_MAX_DEPTH)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CIRCULAR_DEPENDENCY),
					 errmsg("environment \"%s\" has a circular or too deep parent chain", env->name),
					 errdetail("An environment chain may have at most %d levels.", CFG_MAX_DEPTH)));
		tmp[n++] = e;
		if (e->parent_id == 0)
			break;
		e = CfgLookupEnvById(cat, e->parent_id);
		if (e == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_ENVIRONMENT_NOT_FOUND),
					 errmsg("parent of environment \"%s\" does not exist", tmp[n - 1]->name)));
	}
	for (i = 0; i < n; i++)
		chain[i] = tmp[n - 1 - i];
	return n;
}
