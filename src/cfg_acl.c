/*-------------------------------------------------------------------------
 *
 * cfg_acl.c
 *	  Access control: who may read, write, read secrets, approve or
 *	  administer which environment, service and path.
 *
 * Grants are rows of cfgmgr.acl (role, privilege, environment glob, service
 * glob, path prefix), loaded with the rest of the catalog (cfg_catalog.c).
 * One rule decides everything, CfgAclScopeOf(): for the current role, a
 * privilege, an environment and a service it returns "everything", "nothing"
 * or the list of path prefixes granted.  Role membership counts the way
 * PostgreSQL privileges count (has_privs_of_role: INHERIT memberships).
 * Privileges imply others: admin implies all of them; write and
 * read_secret imply read.
 *
 * The same rule is applied twice:
 *	- by the row-level security policies of the configuration tables
 *	  (cfgmgr.allowed(), so a BI tool reading cfgmgr.entry directly sees only
 *	  what it may), and
 *	- by the API functions, which read the tables as the extension's owner
 *	  role (CfgBecomeOwner) and check every row that contributes to an answer
 *	  (CfgAclCheckRow), raising CM008 rather than answering with a value that
 *	  silently differs from the real one.
 *
 * Scopes are cached per backend, keyed by (role, privilege, environment,
 * service), and dropped when grants change (the catalog generation) or when
 * role memberships or roles change (syscache callbacks on pg_auth_members
 * and pg_authid), so a GRANT team TO alice is seen by the next statement.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_acl.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_class.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_allowed);
PG_FUNCTION_INFO_V1(cfgmgr_allowed_names);
PG_FUNCTION_INFO_V1(cfgmgr_require);
PG_FUNCTION_INFO_V1(cfgmgr_may_grant);
PG_FUNCTION_INFO_V1(cfgmgr_has_privilege);
PG_FUNCTION_INFO_V1(cfgmgr_glob_name_match);

/* internal reads (commit-time validation): no check, secrets decrypted */
int			cfg_acl_internal = 0;

/* how the reads of the current call show secrets */
CfgSecretView cfg_secret_view = CFG_SECRETS_BY_GRANT;

typedef struct AclKey
{
	Oid			role;
	int32		priv;
	int32		env_id;
	int32		svc_id;
} AclKey;

typedef struct AclEnt
{
	AclKey		key;
	CfgAclScope scope;
} AclEnt;

static MemoryContext acl_cxt = NULL;
static HTAB *acl_htab = NULL;
static uint64 acl_gen = 0;
static bool acl_roles_changed = false;
static uint64 acl_epoch = 0;	/* bumped whenever acl_cxt is emptied */
static bool acl_callbacks = false;

static Oid	owner_relid = InvalidOid;	/* cfgmgr.entry; invalid: look up again */
static Oid	owner_oid = InvalidOid;

static void
CfgAclRolesCallback(Datum arg, int cacheid, uint32 hashvalue)
{
	acl_roles_changed = true;
}

static void
CfgAclOwnerCallback(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == owner_relid)
		owner_relid = InvalidOid;
}

const char *
CfgPrivName(int priv)
{
	switch (priv)
	{
		case CFG_PRIV_READ:
			return "read";
		case CFG_PRIV_WRITE:
			return "write";
		case CFG_PRIV_READ_SECRET:
			return "read_secret";
		case CFG_PRIV_APPROVE:
			return "approve";
		case CFG_PRIV_ADMIN:
			return "admin";
	}
	return "?";
}

/* The privilege named, or 0. */
int
CfgPrivFromName(const char *name)
{
	if (strcmp(name, "read") == 0)
		return CFG_PRIV_READ;
	if (strcmp(name, "write") == 0)
		return CFG_PRIV_WRITE;
	if (strcmp(name, "read_secret") == 0)
		return CFG_PRIV_READ_SECRET;
	if (strcmp(name, "approve") == 0)
		return CFG_PRIV_APPROVE;
	if (strcmp(name, "admin") == 0)
		return CFG_PRIV_ADMIN;
	return 0;
}

/* The privileges a granted one carries with it. */
int
CfgPrivImplied(int granted)
{
	switch (granted)
	{
		case CFG_PRIV_ADMIN:
			return CFG_PRIV_ADMIN | CFG_PRIV_WRITE | CFG_PRIV_READ |
				CFG_PRIV_READ_SECRET | CFG_PRIV_APPROVE;
		case CFG_PRIV_WRITE:
			return CFG_PRIV_WRITE | CFG_PRIV_READ;
		case CFG_PRIV_READ_SECRET:
			return CFG_PRIV_READ_SECRET | CFG_PRIV_READ;
		default:
			return granted;
	}
}

/*
 * Glob match of an environment or service name, as grants and declared
 * variations name them: '*' any run of characters (also empty), '?' one
 * character (grants only: variation patterns do not allow it), anything
 * else itself.  Iterative with one backtrack point; never raises.
 */
bool
CfgNameGlobMatch(const char *pat, const char *name)
{
	const char *star = NULL;
	const char *resume = NULL;

	while (*name)
	{
		if (*pat == '*')
		{
			star = pat++;
			resume = name;
		}
		else if (*pat == '?' || *pat == *name)
		{
			pat++;
			name++;
		}
		else if (star)
		{
			pat = star + 1;
			name = ++resume;
		}
		else
			return false;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/*
 * Does grant g carry priv for the environment and service named (NULL: every
 * one, which only the pattern '*' covers)?  Path prefix and role are the
 * caller's to check.
 */
static bool
CfgGrantCovers(CfgGrant *g, int priv, const char *envname, const char *svcname)
{
	if (!(CfgPrivImplied(g->priv) & priv))
		return false;
	if (envname ? !CfgNameGlobMatch(g->env_pattern, envname) : strcmp(g->env_pattern, "*") != 0)
		return false;
	if (svcname ? !CfgNameGlobMatch(g->svc_pattern, svcname) : strcmp(g->svc_pattern, "*") != 0)
		return false;
	return true;
}

/* ---------------------------------------------------------------------
 * The extension's owner role
 * ---------------------------------------------------------------------
 */

/*
 * OID of the role owning the extension's tables (cfgmgr_owner), kept until
 * a relcache invalidation of cfgmgr.entry (ALTER ... OWNER sends one, and
 * so do DROP and CREATE EXTENSION): it is asked on every read.
 */
Oid
CfgOwnerId(void)
{
	HeapTuple	tup;

	if (!OidIsValid(owner_relid))
	{
		Oid			relid;

		if (!acl_callbacks)
		{
			CacheRegisterSyscacheCallback(AUTHMEMROLEMEM, CfgAclRolesCallback, (Datum) 0);
			CacheRegisterSyscacheCallback(AUTHOID, CfgAclRolesCallback, (Datum) 0);
			CacheRegisterRelcacheCallback(CfgAclOwnerCallback, (Datum) 0);
			acl_callbacks = true;
		}
		relid = get_relname_relid("entry", get_namespace_oid("cfgmgr", false));
		if (!OidIsValid(relid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("relation \"cfgmgr.entry\" does not exist"),
					 errhint("Reinstall the extension with CREATE EXTENSION cfgmgr.")));
		tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
		if (!HeapTupleIsValid(tup))
			elog(ERROR, "cache lookup failed for relation %u", relid);
		owner_oid = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
		owner_relid = relid;
	}
	return owner_oid;
}

/*
 * Run what follows as the owner of the extension's tables, with row-level
 * security not forced on it: the reads behind every API answer see all
 * rows (the API checks them itself), and bookkeeping tables nobody else may
 * write (changesets, history, audit) are written.  Only the extension's own
 * fully qualified statements run in between; a user's code never does.  An
 * error restores the role through the (sub)transaction abort.
 */
void
CfgBecomeOwner(CfgUserSave *save)
{
	Oid			owner = CfgOwnerId();

	GetUserIdAndSecContext(&save->userid, &save->sec);
	SetUserIdAndSecContext(owner, save->sec | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}

void
CfgRestoreUser(CfgUserSave *save)
{
	SetUserIdAndSecContext(save->userid, save->sec);
}

/* SPI_connect, then run as the owner until CfgSpiFinishOwner. */
void
CfgSpiConnectOwner(CfgUserSave *save)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	CfgBecomeOwner(save);
}

void
CfgSpiFinishOwner(CfgUserSave *save)
{
	CfgRestoreUser(save);
	SPI_finish();
}

/* ---------------------------------------------------------------------
 * Scopes
 * ---------------------------------------------------------------------
 */
static void
CfgAclCacheCheck(void)
{
	uint64		gen = CfgCatalogGeneration();

	if (acl_htab != NULL && acl_gen == gen && !acl_roles_changed)
		return;
	if (acl_cxt == NULL)
		acl_cxt = AllocSetContextCreate(TopMemoryContext, "cfgmgr acl",
										ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(acl_cxt);
	acl_epoch++;
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(AclKey);
		ctl.entrysize = sizeof(AclEnt);
		ctl.hcxt = acl_cxt;
		acl_htab = hash_create("cfgmgr acl scopes", 256, &ctl,
							   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	acl_gen = gen;
	acl_roles_changed = false;
}

/* Does the role bypass the rules (superuser, or the extension's owner)? */
static bool
CfgAclBypass(Oid role)
{
	return superuser_arg(role) || role == CfgOwnerId();
}

/*
 * The scope of priv for role over (env, svc); env or svc NULL stands for
 * "every environment" / "every service", which only a grant with the
 * pattern '*' covers.  The result lives in the backend's acl cache; do not
 * keep it past a catalog reload.
 */
CfgAclScope *
CfgAclScopeOf(Oid role, int priv, CfgEnv *env, CfgService *svc)
{
	static CfgAclScope all = {true, 0, NULL, NULL};
	CfgCatalog *cat;
	AclKey		key;
	AclEnt	   *ent;
	bool		found;

	if (CfgAclBypass(role))
		return &all;
	cat = CfgGetCatalog();
	CfgAclCacheCheck();
	memset(&key, 0, sizeof(key));
	key.role = role;
	key.priv = priv;
	key.env_id = env ? env->id : 0;
	key.svc_id = svc ? svc->id : 0;
	ent = hash_search(acl_htab, &key, HASH_ENTER, &found);
	if (found)
		return &ent->scope;

	memset(&ent->scope, 0, sizeof(CfgAclScope));
	for (int i = 0; i < cat->ngrants && !ent->scope.all; i++)
	{
		CfgGrant   *g = &cat->grants[i];

		if (!CfgGrantCovers(g, priv, env ? env->name : NULL, svc ? svc->name : NULL))
			continue;
		if (!has_privs_of_role(role, g->role))
			continue;
		if (g->prefix == NULL)
		{
			ent->scope.all = true;
			break;
		}
		ent->scope.prefixes = ent->scope.prefixes ?
			repalloc(ent->scope.prefixes, sizeof(char *) * (ent->scope.nprefix + 1)) :
			MemoryContextAlloc(acl_cxt, sizeof(char *));
		ent->scope.lens = ent->scope.lens ?
			repalloc(ent->scope.lens, sizeof(int) * (ent->scope.nprefix + 1)) :
			MemoryContextAlloc(acl_cxt, sizeof(int));
		ent->scope.prefixes[ent->scope.nprefix] = MemoryContextStrdup(acl_cxt, g->prefix);
		ent->scope.lens[ent->scope.nprefix] = strlen(g->prefix);
		ent->scope.nprefix++;
	}
	if (ent->scope.all)
		ent->scope.nprefix = 0;
	return &ent->scope;
}

/* Does scope cover path (and, with below, everything under it)? */
bool
CfgAclScopeCovers(CfgAclScope *scope, const char *path, int pathlen)
{
	if (scope->all)
		return true;
	if (path == NULL)
		return false;
	for (int i = 0; i < scope->nprefix; i++)
		if (CfgPathIsAncestorInline(scope->prefixes[i], scope->lens[i], path, pathlen))
			return true;
	return false;
}

/* May the current role use priv on (env, svc, path)?  path NULL: all of it. */
bool
CfgAclAllowed(int priv, CfgEnv *env, CfgService *svc, const char *path, int pathlen)
{
	return CfgAclScopeCovers(CfgAclScopeOf(GetUserId(), priv, env, svc), path, pathlen);
}

/* CM008 naming what was refused. */
void
CfgAclDenied(int priv, const char *envname, const char *svcname, const char *path, int pathlen)
{
	char	   *role = GetUserNameFromId(GetUserId(), false);
	StringInfoData what;

	initStringInfo(&what);
	if (envname)
		appendStringInfo(&what, "environment \"%s\"", envname);
	else
		appendStringInfoString(&what, "every environment");
	if (svcname)
		appendStringInfo(&what, ", service \"%s\"", svcname);
	else
		appendStringInfoString(&what, ", every service");
	if (path)
		appendStringInfo(&what, ", path \"%.*s\"", pathlen, path);
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_ACCESS_DENIED),
			 errmsg("access denied: role \"%s\" lacks %s on %s", role, CfgPrivName(priv), what.data),
			 errhint("An administrator can allow it with cfgmgr.grant('%s', '%s', ...).",
					 role, CfgPrivName(priv))));
}

void
CfgAclRequire(int priv, CfgEnv *env, CfgService *svc, const char *path, int pathlen)
{
	if (!CfgAclAllowed(priv, env, svc, path, pathlen))
		CfgAclDenied(priv, env ? env->name : NULL, svc ? svc->name : NULL, path, pathlen);
}

/*
 * Is every level of chain readable (priv) for svc as a whole?  Then an
 * answer can come from the cache without looking at rows.
 */
bool
CfgAclChainAll(int priv, CfgEnv **chain, int nchain, CfgService *svc)
{
	Oid			role = GetUserId();

	if (CfgAclBypass(role))
		return true;
	for (int i = 0; i < nchain; i++)
		if (!CfgAclScopeOf(role, priv, chain[i], svc)->all)
			return false;
	return true;
}

/* Does the role have priv nowhere in chain for svc (not even a prefix)? */
bool
CfgAclChainNone(int priv, CfgEnv **chain, int nchain, CfgService *svc)
{
	Oid			role = GetUserId();

	if (CfgAclBypass(role))
		return false;
	for (int i = 0; i < nchain; i++)
	{
		CfgAclScope *s = CfgAclScopeOf(role, priv, chain[i], svc);

		if (s->all || s->nprefix > 0)
			return false;
	}
	return true;
}

/*
 * May the current role grant (or revoke) priv over (env_pattern,
 * svc_pattern, prefix)?  It needs admin over a scope at least as wide: for
 * each of its admin grants, the pattern '*' or the same pattern (or a
 * pattern matching the requested one when that has no wildcard), and no
 * prefix or an ancestor of the requested one.
 */
bool
CfgAclMayGrant(const char *env_pattern, const char *svc_pattern, const char *prefix)
{
	Oid			role = GetUserId();
	CfgCatalog *cat;

	if (CfgAclBypass(role))
		return true;
	cat = CfgGetCatalog();
	for (int i = 0; i < cat->ngrants; i++)
	{
		CfgGrant   *g = &cat->grants[i];

		if (g->priv != CFG_PRIV_ADMIN)
			continue;
		if (!(strcmp(g->env_pattern, "*") == 0 || strcmp(g->env_pattern, env_pattern) == 0 ||
			  (strpbrk(env_pattern, "*?") == NULL && CfgNameGlobMatch(g->env_pattern, env_pattern))))
			continue;
		if (!(strcmp(g->svc_pattern, "*") == 0 || strcmp(g->svc_pattern, svc_pattern) == 0 ||
			  (strpbrk(svc_pattern, "*?") == NULL && CfgNameGlobMatch(g->svc_pattern, svc_pattern))))
			continue;
		if (g->prefix != NULL &&
			(prefix == NULL || !CfgPathIsAncestorInline(g->prefix, strlen(g->prefix), prefix, strlen(prefix))))
			continue;
		if (has_privs_of_role(role, g->role))
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------------
 * SQL-callable
 * ---------------------------------------------------------------------
 */
static int
CfgPrivArg(FunctionCallInfo fcinfo, int n)
{
	char	   *name;
	int			priv;

	if (PG_ARGISNULL(n))
		return 0;
	name = text_to_cstring(PG_GETARG_TEXT_PP(n));
	priv = CfgPrivFromName(name);
	return priv;
}

/*
 * cfgmgr.allowed(privilege text, env_id int, service_id int, path cfgpath)
 * RETURNS bool: the row-level security rule.  Never raises for any input
 * (an unknown privilege, environment or service is simply not allowed), so
 * it is leakproof.  A NULL path stands for the whole service.
 */
Datum
cfgmgr_allowed(PG_FUNCTION_ARGS)
{
	int			priv = CfgPrivArg(fcinfo, 0);
	CfgCatalog *cat;
	CfgEnv	   *env = NULL;
	CfgService *svc = NULL;
	CfgAclScope *scope;
	Oid			role = GetUserId();

	if (priv == 0)
		PG_RETURN_BOOL(false);
	if (CfgAclBypass(role))
		PG_RETURN_BOOL(true);
	cat = CfgGetCatalog();
	if (!PG_ARGISNULL(1))
	{
		env = CfgLookupEnvById(cat, PG_GETARG_INT32(1));
		if (env == NULL)
			PG_RETURN_BOOL(false);	/* dropped: only a '*' grant would cover it */
	}
	if (!PG_ARGISNULL(2))
	{
		svc = CfgLookupServiceById(cat, PG_GETARG_INT32(2));
		if (svc == NULL)
			PG_RETURN_BOOL(false);
	}
	scope = CfgAclScopeOf(role, priv, env, svc);
	if (scope->all)
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(3))
		PG_RETURN_BOOL(false);
	{
		CfgPath    *p = PG_GETARG_CFGPATH_PP(3);

		PG_RETURN_BOOL(CfgAclScopeCovers(scope, CFGPATH_DATA(p), CFGPATH_LEN(p)));
	}
}

/*
 * May role use priv on (envname, svcname, path)?  By names: NULL stands
 * for every environment / service; a name not in the catalog (an
 * environment or service being created) is matched against the grants'
 * patterns directly.  Never raises.
 */
static bool
CfgAclNamesAllowed(Oid role, int priv, const char *envname, const char *svcname,
				   const char *path, int pathlen)
{
	CfgCatalog *cat;
	CfgEnv	   *env = NULL;
	CfgService *svc = NULL;
	bool		known = true;

	if (CfgAclBypass(role))
		return true;
	cat = CfgGetCatalog();
	if (envname != NULL &&
		(strlen(envname) >= 64 || (env = CfgLookupEnv(cat, envname, true)) == NULL))
		known = false;
	if (svcname != NULL &&
		(strlen(svcname) >= 64 || (svc = CfgLookupService(cat, svcname, true)) == NULL))
		known = false;
	if (known)
		return CfgAclScopeCovers(CfgAclScopeOf(role, priv, env, svc), path, pathlen);

	/* not in the catalog (yet): not cached, matched here */
	for (int i = 0; i < cat->ngrants; i++)
	{
		CfgGrant   *g = &cat->grants[i];

		if (!CfgGrantCovers(g, priv, envname, svcname))
			continue;
		if (g->prefix != NULL &&
			(path == NULL || !CfgPathIsAncestorInline(g->prefix, strlen(g->prefix), path, pathlen)))
			continue;
		if (has_privs_of_role(role, g->role))
			return true;
	}
	return false;
}

/* The (text) argument n, or NULL. */
static char *
CfgAclNameArg(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/*
 * cfgmgr.allowed_names(privilege text, env text, service text, path cfgpath)
 * RETURNS bool: the same rule by names (NULL env/service: all of them); an
 * environment or service not created yet is matched by its name.
 */
Datum
cfgmgr_allowed_names(PG_FUNCTION_ARGS)
{
	int			priv = CfgPrivArg(fcinfo, 0);
	CfgPath    *p = PG_ARGISNULL(3) ? NULL : PG_GETARG_CFGPATH_PP(3);

	if (priv == 0)
		PG_RETURN_BOOL(false);
	PG_RETURN_BOOL(CfgAclNamesAllowed(GetUserId(), priv, CfgAclNameArg(fcinfo, 1),
									  CfgAclNameArg(fcinfo, 2),
									  p ? CFGPATH_DATA(p) : NULL, p ? CFGPATH_LEN(p) : 0));
}

/*
 * cfgmgr.require(privilege text, env text, service text, path cfgpath
 * DEFAULT NULL) RETURNS void: CM008 unless allowed (cfgmgr.allowed_names).
 */
Datum
cfgmgr_require(PG_FUNCTION_ARGS)
{
	int			priv = CfgPrivArg(fcinfo, 0);
	char	   *envname = CfgAclNameArg(fcinfo, 1);
	char	   *svcname = CfgAclNameArg(fcinfo, 2);
	CfgPath    *p = PG_ARGISNULL(3) ? NULL : PG_GETARG_CFGPATH_PP(3);

	if (priv == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown privilege"),
				 errhint("Privileges are read, write, read_secret, approve and admin.")));
	if (!CfgAclNamesAllowed(GetUserId(), priv, envname, svcname,
							p ? CFGPATH_DATA(p) : NULL, p ? CFGPATH_LEN(p) : 0))
		CfgAclDenied(priv, envname, svcname, p ? CFGPATH_DATA(p) : NULL, p ? CFGPATH_LEN(p) : 0);
	PG_RETURN_VOID();
}

/*
 * cfgmgr.may_grant(env_pattern text, service_pattern text, path_prefix
 * cfgpath) RETURNS bool: the escalation rule of grant/revoke, also the
 * row-level security policy of cfgmgr.acl.
 */
Datum
cfgmgr_may_grant(PG_FUNCTION_ARGS)
{
	char	   *envp;
	char	   *svcp;
	char	   *prefix = NULL;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_BOOL(false);
	envp = text_to_cstring(PG_GETARG_TEXT_PP(0));
	svcp = text_to_cstring(PG_GETARG_TEXT_PP(1));
	if (!PG_ARGISNULL(2))
	{
		CfgPath    *p = PG_GETARG_CFGPATH_PP(2);

		prefix = pnstrdup(CFGPATH_DATA(p), CFGPATH_LEN(p));
	}
	PG_RETURN_BOOL(CfgAclMayGrant(envp, svcp, prefix));
}

/*
 * cfgmgr.has_privilege(privilege text) RETURNS bool: does the current role
 * hold privilege anywhere (any environment, service or path)?
 */
Datum
cfgmgr_has_privilege(PG_FUNCTION_ARGS)
{
	int			priv = CfgPrivArg(fcinfo, 0);
	Oid			role = GetUserId();
	CfgCatalog *cat;

	if (priv == 0)
		PG_RETURN_BOOL(false);
	if (CfgAclBypass(role))
		PG_RETURN_BOOL(true);
	cat = CfgGetCatalog();
	for (int i = 0; i < cat->ngrants; i++)
		if ((CfgPrivImplied(cat->grants[i].priv) & priv) &&
			has_privs_of_role(role, cat->grants[i].role))
			PG_RETURN_BOOL(true);
	PG_RETURN_BOOL(false);
}

/* cfgmgr.glob_name_match(pattern text, name text) RETURNS bool */
Datum
cfgmgr_glob_name_match(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgNameGlobMatch(text_to_cstring(PG_GETARG_TEXT_PP(0)),
								text_to_cstring(PG_GETARG_TEXT_PP(1))));
}


/*
 * How the current role may read (env, svc) through the result cache:
 * 'a' (read everywhere in the chain, secrets in clear everywhere), 'm' (read
 * everywhere, no secret in clear anywhere: masked), 'x' (read everywhere,
 * some secrets in clear: an answer involving no secret is the same as
 * 'm''s), or '\0' when the answer depends on which rows take part (path
 * prefixes, some levels only): such reads bypass the cache and check every
 * row.  Unknown names raise CM006 /
 * CM007 as the read itself would.
 */
typedef struct ModeKey
{
	Oid			role;
	char		env[64];
	char		svc[64];
} ModeKey;

typedef struct ModeEnt
{
	ModeKey		key;
	char		mode;
} ModeEnt;

static HTAB *mode_htab = NULL;	/* in acl_cxt, reset with the scopes */
static uint64 mode_htab_epoch = 0;	/* acl_epoch it was made in */

static char
CfgAclReadModeCompute(const char *envname, const char *svcname)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnv(cat, envname, false);
	CfgService *svc = CfgLookupService(cat, svcname, false);
	CfgEnv	   *chain[CFG_MAX_DEPTH];
	int			n = CfgEnvChain(cat, env, chain);

	if (!CfgAclChainAll(CFG_PRIV_READ, chain, n, svc))
		return '\0';
	if (CfgAclChainAll(CFG_PRIV_READ_SECRET, chain, n, svc))
		return 'a';
	if (CfgAclChainNone(CFG_PRIV_READ_SECRET, chain, n, svc))
		return 'm';
	return 'x';
}

char
CfgAclReadMode(const char *envname, const char *svcname)
{
	ModeKey		key;
	ModeEnt    *ent;
	bool		found;
	Oid			role = GetUserId();
	char		mode;

	if (CfgAclBypass(role))
		return 'a';
	if (strlen(envname) >= sizeof(key.env) || strlen(svcname) >= sizeof(key.svc))
		return CfgAclReadModeCompute(envname, svcname);	/* raises */
	(void) CfgGetCatalog();		/* accept invalidations first */
	CfgAclCacheCheck();
	if (mode_htab == NULL || mode_htab_epoch != acl_epoch)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(ModeKey);
		ctl.entrysize = sizeof(ModeEnt);
		ctl.hcxt = acl_cxt;
		mode_htab = hash_create("cfgmgr acl read modes", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		mode_htab_epoch = acl_epoch;
	}
	memset(&key, 0, sizeof(key));
	key.role = role;
	strcpy(key.env, envname);
	strcpy(key.svc, svcname);
	ent = hash_search(mode_htab, &key, HASH_FIND, &found);
	if (ent != NULL)
		return ent->mode;
	mode = CfgAclReadModeCompute(envname, svcname);
	/* computing may have reloaded the catalog and emptied the scopes */
	if (mode_htab_epoch == acl_epoch)
	{
		ent = hash_search(mode_htab, &key, HASH_ENTER, &found);
		ent->mode = mode;
	}
	return mode;
}
