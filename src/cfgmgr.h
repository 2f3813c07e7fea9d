/*-------------------------------------------------------------------------
 *
 * cfgmgr.h
 *	  Declarations shared by cfgmgr's C files.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfgmgr.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CFGMGR_H
#define CFGMGR_H

#include "fmgr.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "nodes/pg_list.h"
#include "utils/jsonb.h"
#include "utils/snapshot.h"

/* GUCs (cfgmgr.c) */
extern int	cfgmgr_cache_size;
extern bool cfgmgr_cache_enabled;

/* Column numbers of cfgmgr.entry (1-based, as created in 20_tables.sql) */
#define ENTRY_ENV_ID		1
#define ENTRY_SERVICE_ID	2
#define ENTRY_PATH			3
#define ENTRY_PROVIDER		4
#define ENTRY_VALUE			5
#define ENTRY_TOMBSTONE		6
#define ENTRY_SECRET		7
#define ENTRY_MESSAGE		8
#define ENTRY_CHANGESET		9
#define ENTRY_UPDATED_AT	10
#define ENTRY_UPDATED_BY	11
#define ENTRY_CIPHERTEXT	12
#define ENTRY_NATTS			12

/* Name of the provider-neutral qualifier as stored in cfgmgr.entry.provider */
#define CFG_NEUTRAL_PROVIDER ""

/* Lock tag space for advisory locks taken by cfgmgr (field 4 of the tag) */
#define CFG_LOCKTAG_ENV		0x6366		/* "cf": environment liveness */
#define CFG_LOCKTAG_COMMIT	0x6367		/* commit order of changesets */

/* ---------------------------------------------------------------------
 * cfg_catalog.c: backend-local copy of environments, services, providers,
 * invalidated through the relcache callback on cfgmgr.entry.
 * ---------------------------------------------------------------------
 */
typedef struct CfgEnv
{
	int32		id;
	int32		parent_id;		/* 0 for a root */
	char	   *name;
	bool		is_production;
	bool		approval_required;
	int32		required_approvals;
	Jsonb	   *labels;
	int			depth;			/* 0 for a root */
} CfgEnv;

typedef struct CfgService
{
	int32		id;
	char	   *name;
	int32		schema_version; /* 0: no schema */
	bool		has_constraints;	/* cross-parameter rules exist */
} CfgService;

typedef struct CfgProvider
{
	char	   *name;
	Jsonb	   *variables;		/* defaults of ${provider.<var>} */
	Jsonb	   *rules;			/* JSON Schema over resolved configurations, or NULL */
} CfgProvider;

typedef struct CfgCatalog
{
	MemoryContext cxt;
	struct HTAB *env_by_name;
	struct HTAB *env_by_id;
	struct HTAB *svc_by_name;
	struct HTAB *svc_by_id;
	struct HTAB *providers;
	struct HTAB *targets;		/* (env_id, provider) -> variables */
	struct CfgGrant *grants;	/* rows of cfgmgr.acl */
	int			ngrants;
} CfgCatalog;

extern void CfgCacheInit(void);
extern Oid	CfgSignalRelid(bool catalog);
extern uint64 CfgCacheGeneration(void);
extern uint64 CfgCatalogGeneration(void);
extern void CfgInvalidateLocal(bool catalog);
extern bool CfgCacheUsable(void);
extern void CfgAcceptInvalidations(void);
extern Snapshot CfgReadSnapshotPush(void);
extern void CfgReadSnapshotPop(Snapshot snap);
extern CfgCatalog *CfgGetCatalog(void);
extern CfgEnv *CfgLookupEnv(CfgCatalog *cat, const char *name, bool missing_ok);
extern CfgEnv *CfgLookupEnvById(CfgCatalog *cat, int32 id);
extern CfgService *CfgLookupService(CfgCatalog *cat, const char *name, bool missing_ok);
extern CfgService *CfgLookupServiceById(CfgCatalog *cat, int32 id);
extern bool CfgProviderExists(CfgCatalog *cat, const char *name);
extern void CfgCheckProvider(CfgCatalog *cat, const char *name);
extern CfgProvider *CfgLookupProvider(CfgCatalog *cat, const char *name, bool missing_ok);
extern bool CfgAnyProviderRules(CfgCatalog *cat);
extern bool CfgEnvIsTarget(CfgCatalog *cat, CfgEnv *env, const char *provider);
extern bool CfgEnvHasChildren(CfgCatalog *cat, CfgEnv *env);
#define CFG_MAX_DEPTH 1000		/* levels in an environment chain */
extern int	CfgEnvChain(CfgCatalog *cat, CfgEnv *env, CfgEnv **chain);
extern Jsonb *CfgTargetVariables(CfgCatalog *cat, CfgEnv **chain, int n,
								 const char *provider);

/* ---------------------------------------------------------------------
 * cfg_acl.c: access control (grants, the rule, the owner role)
 * ---------------------------------------------------------------------
 */
#define CFG_PRIV_READ			0x01
#define CFG_PRIV_WRITE			0x02
#define CFG_PRIV_READ_SECRET	0x04
#define CFG_PRIV_APPROVE		0x08
#define CFG_PRIV_ADMIN			0x10

typedef struct CfgGrant
{
	Oid			role;
	int			priv;
	char	   *env_pattern;
	char	   *svc_pattern;
	char	   *prefix;			/* NULL: the whole service */
} CfgGrant;

/* what a role may do in one (environment, service) for one privilege */
typedef struct CfgAclScope
{
	bool		all;			/* every path */
	int			nprefix;		/* else these path prefixes (none: nothing) */
	char	  **prefixes;
	int		   *lens;
} CfgAclScope;

typedef struct CfgUserSave
{
	Oid			userid;
	int			sec;
} CfgUserSave;

extern int	cfg_acl_internal;
/* How reads show secret rows (cfg_resolve.c CfgCheckRows) */
typedef enum CfgSecretView
{
	CFG_SECRETS_BY_GRANT = 0,	/* in clear where the caller has read_secret */
	CFG_SECRETS_COMPARE,		/* in clear when the key is there, but shown
								 * masked (drift_observed compares them) */
	CFG_SECRETS_MASKED			/* always masked (exports) */
} CfgSecretView;
extern CfgSecretView cfg_secret_view;
extern const char *CfgPrivName(int priv);
extern int	CfgPrivFromName(const char *name);
extern int	CfgPrivImplied(int granted);
extern bool CfgNameGlobMatch(const char *pat, const char *name);
extern Oid	CfgOwnerId(void);
extern void CfgBecomeOwner(CfgUserSave *save);
extern void CfgRestoreUser(CfgUserSave *save);
extern void CfgSpiConnectOwner(CfgUserSave *save);
extern void CfgSpiFinishOwner(CfgUserSave *save);
extern CfgAclScope *CfgAclScopeOf(Oid role, int priv, CfgEnv *env, CfgService *svc);
extern bool CfgAclScopeCovers(CfgAclScope *scope, const char *path, int pathlen);
extern bool CfgAclAllowed(int priv, CfgEnv *env, CfgService *svc, const char *path, int pathlen);
extern void CfgAclRequire(int priv, CfgEnv *env, CfgService *svc, const char *path, int pathlen);
extern void CfgAclDenied(int priv, const char *envname, const char *svcname,
						 const char *path, int pathlen);
extern bool CfgAclChainAll(int priv, CfgEnv **chain, int nchain, CfgService *svc);
extern bool CfgAclChainNone(int priv, CfgEnv **chain, int nchain, CfgService *svc);
extern bool CfgAclMayGrant(const char *env_pattern, const char *svc_pattern, const char *prefix);

extern char CfgAclReadMode(const char *envname, const char *svcname);

/* ---------------------------------------------------------------------
 * cfg_util.c: helpers shared by the SQL-callable functions
 * ---------------------------------------------------------------------
 */
struct _SPI_plan;
extern char *CfgArgText(FunctionCallInfo fcinfo, int n, const char *what);
extern struct _SPI_plan *CfgKeepPlan(struct _SPI_plan **slot, const char *sql,
									 int nargs, Oid *types);
extern struct _SPI_plan *CfgKeepPlanOpts(struct _SPI_plan **slot, const char *sql,
										 int nargs, Oid *types, int options);
typedef struct CfgJsonPair
{
	const char *key;
	int			keylen;
	JsonbValue	value;
} CfgJsonPair;

extern JsonbValue *CfgJsonFollow(JsonbContainer *c, const char *path, int len);
extern int	CfgKeyBytesCmp(const char *a, int alen, const char *b, int blen);
extern CfgJsonPair *CfgJsonObjectPairs(JsonbContainer *c, int *npairs);
extern bool CfgJsonObjectOfLabels(JsonbContainer *c);

/* ---------------------------------------------------------------------
 * cfg_cache.c: cache of resolved results keyed by the call's arguments.
 * ---------------------------------------------------------------------
 */
typedef struct CfgResult
{
	bool		found;
	bool		secret;			/* secret rows took part in it */
	Jsonb	   *value;			/* in the cache context; NULL when !found */
} CfgResult;

extern CfgResult *CfgResultLookup(const char *key, int keylen);
extern void CfgResultStore(const char *key, int keylen, uint64 gen,
						   bool found, Jsonb *value, bool secret);
extern void CfgResultReset(void);

/* ---------------------------------------------------------------------
 * cfg_merge.c: layered resolution over jsonb.
 * ---------------------------------------------------------------------
 */
typedef struct CfgNode CfgNode;

/* One stored entry taking part in a resolution, in application order. */
typedef struct CfgLayerRow
{
	int			level;			/* index in the environment chain, 0 = root;
								 * -1 for schema defaults */
	int32		env_id;
	bool		provider_specific;
	char	   *path;			/* cfgpath text */
	int			pathlen;
	Jsonb	   *value;			/* NULL for a tombstone */
	bool		tombstone;
	bool		secret;
	bool		masked;			/* a secret the reader may not see: "********" */
	struct varlena *ciphertext;	/* of a secret row: its value, encrypted */
	int64		changeset;
	int			seq;			/* position in application order */
} CfgLayerRow;

typedef struct CfgResolved
{
	CfgNode    *root;			/* object node, never NULL */
	const char *service;		/* the service resolved */
	bool		may_template;	/* some row's value may hold a ${...} template */
	CfgLayerRow *rows;
	int			nrows;
	CfgEnv	  **chain;
	int			nchain;
	const char *provider;		/* NULL: provider-neutral resolution */
	List	   *merge_paths;	/* x-merge annotations: path patterns ... */
	List	   *merge_policies; /* ... and "replace", "append" or "union" */
	int64		as_of_seq;		/* 0: the current configuration; else the
								 * commit_seq of the version read */
	bool		secret_read;	/* a secret was read in clear (audited) */
	bool		secret_rows;	/* secret rows took part (clear or masked) */
} CfgResolved;

extern void CfgMergeRows(CfgResolved *res);
extern char CfgMergePolicy(List *paths, List *policies, const char *path, int len);
extern CfgNode *CfgNodeFind(CfgNode *root, const char *path, int pathlen);
extern Jsonb *CfgNodeToJsonb(CfgNode *node);
extern void CfgSortRows(CfgLayerRow *rows, int nrows);

typedef void (*CfgLeafCallback) (void *arg, const char *path, int pathlen,
								 CfgNode *leaf);
extern void CfgNodeWalkLeaves(CfgNode *node, const char *prefix, int prefixlen,
							  CfgLeafCallback cb, void *arg);
extern bool CfgNodeUsesRow(CfgNode *node, int seq);
extern JsonbValue *CfgNodeLeafValue(CfgNode *node);
extern void CfgNodeSetLeafValue(CfgNode *node, JsonbValue *v);
extern bool CfgNodeRendered(CfgNode *node);
extern void CfgNodeSetRendered(CfgNode *node);
extern CfgNode *CfgNodeFindPrefix(CfgNode *root, const char *path, int pathlen,
								  int *matched);
extern int	CfgNodeOrigin(CfgNode *node);
extern bool CfgNodeIsObject(CfgNode *node);

/* ---------------------------------------------------------------------
 * cfg_resolve.c
 * ---------------------------------------------------------------------
 */
/*
 * What resolution (and drift) take from a schema version's annotations:
 * defaults as rows of level -1, x-merge policies, x-env-specific paths.
 */
typedef struct CfgAnnotations
{
	CfgLayerRow *defaults;
	int			ndefaults;
	int			maxdefaults;
	List	   *merge_paths;	/* patterns ... */
	List	   *merge_policies; /* ... and "replace", "append" or "union" */
	List	   *env_specific;	/* paths marked "x-env-specific": true */
} CfgAnnotations;

extern void CfgAnnotationAdd(CfgAnnotations *ann, const char *path, const char *keyword,
							 Jsonb *value);
extern void CfgFetchRows(CfgResolved *res, CfgService *svc,
						 const char *path, int pathlen);
extern CfgResolved *CfgResolve(const char *envname, const char *svcname,
							   const char *provider, const char *path, int pathlen);
extern CfgResolved *CfgResolveVersion(const char *envname, const char *svcname,
									  const char *provider, const char *path,
									  int pathlen, const char *as_of);

/* ---------------------------------------------------------------------
 * cfg_version.c: versions (tags, changeset ids, times) and the catalog as
 * of a version.
 * ---------------------------------------------------------------------
 */
typedef struct CfgVersion
{
	int64		changeset;		/* the changeset the version names */
	int64		seq;			/* its commit_seq */
} CfgVersion;

extern CfgVersion CfgParseVersion(const char *version);
extern int	CfgEnvChainAsOf(const char *envname, int64 seq, const char *version,
							CfgEnv **chain);
extern int32 CfgSchemaVersionAsOf(int32 svc_id, int64 seq);

/* ---------------------------------------------------------------------
 * cfg_diff.c: leaf-by-leaf comparison of two jsonb documents.
 * ---------------------------------------------------------------------
 */
typedef enum CfgDiffKind
{
	CFG_DIFF_ONLY_LEFT,
	CFG_DIFF_ONLY_RIGHT,
	CFG_DIFF_CHANGED,
	CFG_DIFF_TYPE_CHANGED
} CfgDiffKind;

extern const char *CfgDiffKindName(CfgDiffKind kind);
typedef void (*CfgDiffCallback) (void *arg, const char *path, int pathlen,
								 CfgDiffKind kind, Jsonb *left, Jsonb *right);
extern void CfgDiffJsonb(Jsonb *left, Jsonb *right, CfgDiffCallback cb, void *arg);
extern void CfgDiffAt(const char *path, int pathlen, Jsonb *left, Jsonb *right,
					  CfgDiffCallback cb, void *arg);
extern int	CfgDiffJsonbType(Jsonb *j);

/* ---------------------------------------------------------------------
 * cfg_drift.c
 * ---------------------------------------------------------------------
 */

/*
 * Template rendering as drift sees it: the value a leaf renders to in an
 * environment (the template engine installs the hook; NULL: values are
 * compared as stored).  Drift compares rendered values, and a leaf whose
 * two sides store the same template but render differently is expected
 * (reason "template").
 */
typedef Jsonb *(*CfgRenderHook) (const char *env, const char *service,
								 const char *provider, const char *path,
								 int pathlen, Jsonb *value, bool secret);
extern CfgRenderHook cfg_render_hook;

/* ---------------------------------------------------------------------
 * cfg_template.c: ${...} templates in string values.
 * ---------------------------------------------------------------------
 */
typedef struct CfgRenderCtx CfgRenderCtx;

extern bool cfg_render_unbound;
extern bool cfg_render_missing;
extern void CfgTemplateInit(void);
extern bool CfgJsonbMayHaveTemplate(Jsonb *j);
extern bool CfgStringHasTemplate(const char *s, int len);
extern void CfgTemplateCheckValue(Jsonb *value, const char *service, const char *path,
								  int pathlen);
extern CfgRenderCtx *CfgRenderStart(const char *env, const char *provider, const char *as_of);
extern void CfgRenderResolved(CfgRenderCtx *ctx, CfgResolved *res, const char *path,
							  int pathlen);
extern char *CfgRenderErrorPath(CfgRenderCtx *ctx);
extern void CfgRenderSetLenient(CfgRenderCtx *ctx);
extern bool CfgRenderUnbound(CfgRenderCtx *ctx);
extern Jsonb *CfgRenderedValueAt(CfgResolved *res, const char *path, int pathlen);
extern Jsonb *CfgRenderValue(CfgRenderCtx *ctx, const char *service, const char *path,
							 int pathlen, Jsonb *value, bool secret);

/* ---------------------------------------------------------------------
 * cfg_write.c
 * ---------------------------------------------------------------------
 */
extern void CfgWriteInit(void);
struct TriggerData;
extern void CfgEntryTriggerRows(struct TriggerData *td, HeapTuple *oldtup,
								HeapTuple *newtup);
extern const char *CfgEntryChangeOp(TupleDesc desc, HeapTuple newtup);
extern int64 CfgCurrentChangeset(const char *message);
extern int64 CfgChangesetIfAny(void);
extern void CfgNoteWrite(void);
extern void CfgWriteTarget(FunctionCallInfo fcinfo, int32 *env_id, int32 *svc_id,
						   char **provider, int provider_arg);

/* ---------------------------------------------------------------------
 * cfg_secret.c: encrypted secret values (doc/secrets.md).  A secret entry
 * stores the mask in value and its real value only in ciphertext.
 * ---------------------------------------------------------------------
 */
extern char *cfgmgr_key_file;
extern bool cfg_secret_rotating;
extern void CfgSecretInit(void);
extern bytea *CfgSecretEncrypt(Jsonb *value, int32 env_id, int32 svc_id, const char *provider,
							   const char *path, int pathlen);
extern Jsonb *CfgSecretDecrypt(bytea *ct, int32 env_id, int32 svc_id, const char *provider,
							   const char *path, int pathlen);
extern Jsonb *CfgSecretMask(void);
extern bool CfgSecretIsMask(Jsonb *v);
extern bool CfgSecretKeyAvailable(void);

/* ---------------------------------------------------------------------
 * cfg_audit.c: the hash-chained audit log.  CfgAuditRecord appends one
 * record to cfgmgr.audit_log in the current transaction (as the owner
 * role; the actor is the caller's session_user and current_user).  detail
 * must never hold a secret value.  Writes of the audited tables are
 * recorded by the trigger cfgmgr.audit_row(); statement-level operations
 * (import, rollback, and later approvals) and reads call it directly.
 * ---------------------------------------------------------------------
 */
extern bool cfgmgr_audit_reads;
extern void CfgAuditGucInit(void);
extern void CfgAuditInit(void);
extern void CfgAuditRecord(const char *op, const char *env, const char *service,
						   const char *path, const char *provider, Jsonb *detail);
extern char *CfgClientName(void);
extern void CfgPushKey(JsonbParseState **ps, const char *key);
extern void CfgPushString(JsonbParseState **ps, const char *s);
extern void CfgPushInt(JsonbParseState **ps, const char *key, int64 i);

/* ---------------------------------------------------------------------
 * cfg_import.c, cfg_yaml.c, cfg_jsonimport.c, cfg_export.c (cfg_yaml.h)
 * ---------------------------------------------------------------------
 */
extern void CfgImportGucInit(void);

#endif							/* CFGMGR_H */
