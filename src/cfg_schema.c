/*-------------------------------------------------------------------------
 *
 * cfg_schema.c
 *	  Service schemas: versioned registration, annotations (defaults and
 *	  x- keywords), compatibility reports, cross-parameter constraints,
 *	  validate() and the commit-time enforcement trigger.
 *
 * The JSON Schema engine itself is in cfg_jsonschema.c; this file decides
 * what is validated when.
 *
 * Commit-time enforcement.  A DEFERRABLE INITIALLY DEFERRED constraint
 * trigger on cfgmgr.entry fires, at commit, once per changed row.  The
 * first call for an (environment, service, provider) validates the
 * resolved configuration of that environment and of every environment
 * below it, provider-neutral and for every provider (a neutral change
 * reaches every provider's resolution; a provider-qualified change only
 * that provider's).  Each (environment, service, provider) validated is
 * remembered for the rest of the transaction together with the cache
 * generation it was validated at, so 100,000 changed rows cost 100,000
 * hash probes plus one validation per affected configuration; a write made
 * after an early validation (SET CONSTRAINTS ... IMMEDIATE) moves the
 * generation on and is validated again.  The first invalid configuration
 * raises CM001/CM002/CM003 and so aborts the transaction.
 *
 * Cross-parameter constraints are boolean SQL expressions over "cfg".
 * CfgCheckConstraintSql proves at definition time, and again before every
 * evaluation, that the text is exactly one expression: it is parsed and
 * analyzed inside a fixed SELECT and refused unless the parse tree has the
 * expected shape (one target, only our input relation, no subqueries, no
 * aggregates, window functions or set-returning functions, no volatile
 * functions).  Evaluation runs in a read-only SPI query inside a
 * subtransaction, so an expression that fails (a bad cast, say) is reported
 * as a violation instead of an unexplained error.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_schema.c
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
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"

#include "cfg_errcodes.h"
#include "cfg_jsonschema.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_register_schema);
PG_FUNCTION_INFO_V1(cfgmgr_schema_compat);
PG_FUNCTION_INFO_V1(cfgmgr_validate);
PG_FUNCTION_INFO_V1(cfgmgr_add_constraint);
PG_FUNCTION_INFO_V1(cfgmgr_drop_constraint);
PG_FUNCTION_INFO_V1(cfgmgr_validate_at_commit);

/* A violation found by CfgValidateConfig. */
typedef struct CfgViolation
{
	char	   *path;			/* JSON pointer, "" = root */
	char	   *keyword;
	char	   *message;
} CfgViolation;

/* ---------------------------------------------------------------------
 * Small SPI helpers
 * ---------------------------------------------------------------------
 */
static void
CfgSpiConnect(void)
{
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
}

static int
CfgSpiExec(const char *sql, int nargs, Oid *types, Datum *values, const char *nulls,
		   bool read_only, int expect)
{
	int			ret = SPI_execute_with_args(sql, nargs, types, values, nulls, read_only, 0);

	if (ret != expect)
		elog(ERROR, "cfgmgr internal query failed (%s): %s", SPI_result_code_string(ret), sql);
	return ret;
}

/* ---------------------------------------------------------------------
 * Schemas of services
 * ---------------------------------------------------------------------
 */

/*
 * The current schema of a service, or NULL.  Read with the active snapshot
 * (the caller's), so commit-time validation sees the transaction's own
 * registration.
 */
static Jsonb *
CfgServiceSchema(int32 svc_id, int *version)
{
	Oid			types[1] = {INT4OID};
	Datum		args[1];
	Jsonb	   *result = NULL;
	MemoryContext caller = CurrentMemoryContext;
	CfgUserSave save;

	args[0] = Int32GetDatum(svc_id);
	CfgSpiConnectOwner(&save);
	CfgSpiExec("SELECT v.schema, v.version FROM cfgmgr.service_schema v"
			   " WHERE v.service_id OPERATOR(pg_catalog.=) $1"
			   " ORDER BY v.version DESC LIMIT 1",
			   1, types, args, NULL, true, SPI_OK_SELECT);
	if (SPI_processed == 1)
	{
		bool		isnull;
		MemoryContext old = MemoryContextSwitchTo(caller);

		result = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContextSwitchTo(old);
		if (version)
			*version = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	}
	else if (version)
		*version = 0;
	CfgSpiFinishOwner(&save);
	return result;
}

/* ---------------------------------------------------------------------
 * Cross-parameter constraints
 * ---------------------------------------------------------------------
 */
#define CFG_CONSTRAINT_INPUT "cfgmgr_constraint_input"

static char *
CfgConstraintQuery(const char *check_sql)
{
	return psprintf("SELECT (%s)::pg_catalog.bool FROM (SELECT $1::pg_catalog.jsonb AS cfg) AS "
					CFG_CONSTRAINT_INPUT, check_sql);
}

static void
CfgBadConstraint(const char *name, const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid constraint expression for \"%s\"", name),
			 errdetail("%s", why),
			 errhint("A constraint is one boolean SQL expression over cfg, the resolved jsonb, e.g. (cfg#>>'{pool,max}')::int <= 100.")));
}

/*
 * Prove that check_sql is exactly one side-effect-free boolean expression
 * over cfg (see the file header).  Raises 22023 otherwise; syntax errors
 * raise the parser's own error.
 */
static void
CfgCheckConstraintSql(const char *name, const char *check_sql)
{
	char	   *sql = CfgConstraintQuery(check_sql);
	List	   *raw;
	RawStmt    *rs;
	SelectStmt *sel;
	Query	   *q;
	Oid			argtype = JSONBOID;
	TargetEntry *te;

	if (strchr(check_sql, ';') != NULL)
		CfgBadConstraint(name, "The expression contains a semicolon.");
	raw = raw_parser(sql, RAW_PARSE_DEFAULT);
	if (list_length(raw) != 1)
		CfgBadConstraint(name, "The text is not a single expression.");
	rs = linitial_node(RawStmt, raw);
	if (!IsA(rs->stmt, SelectStmt))
		CfgBadConstraint(name, "The text is not a single expression.");
	sel = (SelectStmt *) rs->stmt;
	if (sel->op != SETOP_NONE || sel->withClause || sel->whereClause ||
		sel->groupClause || sel->havingClause || sel->windowClause ||
		sel->sortClause || sel->limitCount || sel->limitOffset ||
		sel->lockingClause || sel->distinctClause || sel->intoClause ||
		list_length(sel->targetList) != 1 || list_length(sel->fromClause) != 1 ||
		!IsA(linitial(sel->fromClause), RangeSubselect))
		CfgBadConstraint(name, "The text is not a single expression.");
	{
		RangeSubselect *rsub = linitial_node(RangeSubselect, sel->fromClause);

		if (rsub->alias == NULL || strcmp(rsub->alias->aliasname, CFG_CONSTRAINT_INPUT) != 0)
			CfgBadConstraint(name, "The text is not a single expression.");
	}

	q = parse_analyze_fixedparams(rs, sql, &argtype, 1, NULL);
	if (q->commandType != CMD_SELECT || list_length(q->rtable) != 1 ||
		list_length(q->targetList) != 1)
		CfgBadConstraint(name, "The text is not a single expression.");
	if (q->hasSubLinks)
		CfgBadConstraint(name, "Subqueries are not allowed.");
	if (q->hasAggs || q->hasWindowFuncs || q->hasTargetSRFs)
		CfgBadConstraint(name, "Aggregates, window functions and set-returning functions are not allowed.");
	te = linitial_node(TargetEntry, q->targetList);
	if (contain_volatile_functions((Node *) te->expr))
		CfgBadConstraint(name, "Volatile functions are not allowed.");
}

typedef struct CfgConstraint
{
	char	   *name;
	char	   *check_sql;
	char	   *message;
} CfgConstraint;

static List *
CfgServiceConstraints(int32 svc_id)
{
	Oid			types[1] = {INT4OID};
	Datum		args[1];
	List	   *result = NIL;
	MemoryContext caller = CurrentMemoryContext;
	uint64		i;
	CfgUserSave save;

	args[0] = Int32GetDatum(svc_id);
	CfgSpiConnectOwner(&save);
	CfgSpiExec("SELECT c.name, c.check_sql, c.message FROM cfgmgr.service_constraint c"
			   " WHERE c.service_id OPERATOR(pg_catalog.=) $1 ORDER BY c.name",
			   1, types, args, NULL, true, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		MemoryContext old = MemoryContextSwitchTo(caller);
		CfgConstraint *c = palloc(sizeof(CfgConstraint));

		c->name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);
		c->check_sql = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2);
		c->message = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3);
		result = lappend(result, c);
		MemoryContextSwitchTo(old);
	}
	CfgSpiFinishOwner(&save);
	return result;
}

/*
 * Evaluate one constraint on cfg.  Returns NULL when it holds (true or
 * NULL, as for CHECK constraints), else the reason it does not.
 */
static char *
CfgEvalConstraint(CfgConstraint *c, Jsonb *cfg)
{
	MemoryContext caller = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	char	   *volatile failure = NULL;
	int			internal = cfg_acl_internal;

	CfgCheckConstraintSql(c->name, c->check_sql);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(caller);
	/* the rule's SQL is a user's: whatever it reads is checked as usual */
	cfg_acl_internal = 0;
	PG_TRY();
	{
		Oid			types[1] = {JSONBOID};
		Datum		args[1];
		bool		isnull;
		Datum		d;

		args[0] = JsonbPGetDatum(cfg);
		CfgSpiConnect();
		CfgSpiExec(CfgConstraintQuery(c->check_sql), 1, types, args, NULL, true, SPI_OK_SELECT);
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		if (!isnull && !DatumGetBool(d))
			failure = MemoryContextStrdup(caller, c->message);
		SPI_finish();
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		cfg_acl_internal = internal;
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(caller);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(caller);
		CurrentResourceOwner = owner;
		cfg_acl_internal = internal;
		/* an interrupt or out-of-memory is not the constraint's verdict */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED ||
			edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY)
			ReThrowError(edata);
		failure = psprintf("%s (the expression failed: %s)", c->message, edata->message);
	}
	PG_END_TRY();
	return failure;
}

/*
 * cfgmgr.add_constraint(service text, name text, check_sql text, message text)
 */
Datum
cfgmgr_add_constraint(PG_FUNCTION_ARGS)
{
	char	   *svcname = CfgArgText(fcinfo, 0, "service");
	char	   *name = CfgArgText(fcinfo, 1, "constraint name");
	char	   *check_sql = CfgArgText(fcinfo, 2, "check_sql");
	char	   *message = CfgArgText(fcinfo, 3, "message");
	CfgService *svc = CfgLookupService(CfgGetCatalog(), svcname, false);
	Oid			types[4] = {INT4OID, TEXTOID, TEXTOID, TEXTOID};
	Datum		args[4];

	if (!CfgLabelIsValid(name, strlen(name)) || strlen(name) > 63)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid constraint name: \"%s\"", name),
				 errdetail("Names are 1 to 63 letters, digits, \"_\" and \"-\".")));
	CfgAclRequire(CFG_PRIV_ADMIN, NULL, svc, NULL, 0);
	CfgCheckConstraintSql(name, check_sql);
	(void) CfgCurrentChangeset(NULL);

	args[0] = Int32GetDatum(svc->id);
	args[1] = CStringGetTextDatum(name);
	args[2] = CStringGetTextDatum(check_sql);
	args[3] = CStringGetTextDatum(message);
	CfgSpiConnect();
	CfgSpiExec("SELECT 1 FROM cfgmgr.service_constraint c WHERE c.service_id OPERATOR(pg_catalog.=) $1"
			   " AND c.name OPERATOR(pg_catalog.=) $2",
			   2, types, args, NULL, false, SPI_OK_SELECT);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("constraint \"%s\" of service \"%s\" already exists", name, svcname),
				 errhint("Drop it first with cfgmgr.drop_constraint().")));
	CfgSpiExec("INSERT INTO cfgmgr.service_constraint (service_id, name, check_sql, message)"
			   " VALUES ($1, $2, $3, $4)", 4, types, args, NULL, false, SPI_OK_INSERT);
	SPI_finish();
	PG_RETURN_VOID();
}

/* cfgmgr.drop_constraint(service text, name text) */
Datum
cfgmgr_drop_constraint(PG_FUNCTION_ARGS)
{
	char	   *svcname = CfgArgText(fcinfo, 0, "service");
	char	   *name = CfgArgText(fcinfo, 1, "constraint name");
	CfgService *svc = CfgLookupService(CfgGetCatalog(), svcname, false);
	Oid			types[2] = {INT4OID, TEXTOID};
	Datum		args[2];

	CfgAclRequire(CFG_PRIV_ADMIN, NULL, svc, NULL, 0);
	args[0] = Int32GetDatum(svc->id);
	args[1] = CStringGetTextDatum(name);
	(void) CfgCurrentChangeset(NULL);
	CfgSpiConnect();
	CfgSpiExec("DELETE FROM cfgmgr.service_constraint c WHERE c.service_id OPERATOR(pg_catalog.=) $1"
			   " AND c.name OPERATOR(pg_catalog.=) $2",
			   2, types, args, NULL, false, SPI_OK_DELETE);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("constraint \"%s\" of service \"%s\" does not exist", name, svcname)));
	SPI_finish();
	PG_RETURN_VOID();
}

/* ---------------------------------------------------------------------
 * Validation of resolved configurations
 * ---------------------------------------------------------------------
 */

/*
 * Append the violations of schema by doc to list; their keywords prefixed
 * with "prefix:" when prefix is not NULL (a provider's rules).
 */
static List *
CfgSchemaViolations(List *list, Jsonb *schema, Jsonb *doc, const char *prefix)
{
	List	   *errors = NIL;
	ListCell   *lc;

	(void) CfgSchemaValidate(CfgSchemaGetCached(schema), doc, &errors);
	foreach(lc, errors)
	{
		CfgSchemaError *e = lfirst(lc);
		CfgViolation *v = palloc(sizeof(CfgViolation));

		v->path = e->instance_path;
		v->keyword = prefix ? psprintf("%s:%s", prefix, e->keyword) : e->keyword;
		v->message = e->message;
		list = lappend(list, v);
	}
	return list;
}

/*
 * Is (env, provider) a deployment the provider's rules apply to at commit:
 * is env, or an ancestor, a target of the provider, and has it rules?
 */
static CfgProvider *
CfgRulesAtCommit(CfgCatalog *cat, CfgEnv *env, const char *provider)
{
	CfgProvider *prov;

	if (provider == NULL)
		return NULL;
	prov = CfgLookupProvider(cat, provider, true);
	if (prov == NULL || prov->rules == NULL)
		return NULL;
	return CfgEnvIsTarget(cat, env, provider) ? prov : NULL;
}

/*
 * Render a resolution's templates.  Returns NULL when it rendered;
 * otherwise the error (after rolling back the subtransaction it ran in)
 * and *path the value whose rendering failed.
 */
static ErrorData *
CfgTryRender(CfgEnv *env, const char *provider, CfgResolved *res, char **path,
			 bool lenient, bool *unbound)
{
	MemoryContext cxt = CurrentMemoryContext;
	ResourceOwner owner = CurrentResourceOwner;
	CfgRenderCtx *ctx = CfgRenderStart(env->name, provider, NULL);
	ErrorData  *edata = NULL;

	*path = NULL;
	if (lenient)
		CfgRenderSetLenient(ctx);
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(cxt);
	PG_TRY();
	{
		CfgRenderResolved(ctx, res, NULL, 0);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(cxt);
		CurrentResourceOwner = owner;
		*path = CfgRenderErrorPath(ctx);
	}
	PG_END_TRY();
	*unbound = CfgRenderUnbound(ctx);
	return edata;
}

/*
 * All violations of (schema, constraints, the provider's rules) by the
 * resolved, rendered configuration of (env, svc, provider).  schema may be
 * NULL.  At commit (at_commit) the provider's rules apply only to a target
 * of the provider, a configuration that cannot be rendered for want of a
 * provider or target variable is not checked (it is not deployed there),
 * and other template errors are raised; validate() reports them as
 * violations of keyword "template" and applies the rules of the provider
 * asked for.
 */
static List *CfgValidateConfigInternal(CfgCatalog *cat, CfgEnv *env, CfgService *svc,
									   const char *provider, Jsonb *schema, List *constraints,
									   bool at_commit, bool templated);

static List *
CfgValidateConfig(CfgCatalog *cat, CfgEnv *env, CfgService *svc, const char *provider,
				  Jsonb *schema, List *constraints, bool at_commit, bool templated)
{
	List	   *result;

	if (!at_commit)
		return CfgValidateConfigInternal(cat, env, svc, provider, schema, constraints,
										 false, templated);

	/*
	 * The check at commit is the extension's, not a read by the writer: it
	 * sees every row (a writer of prod-eu may lack read on base) and the
	 * secrets in clear.  Nothing of it reaches the caller but violations.
	 */
	cfg_acl_internal++;
	PG_TRY();
	{
		result = CfgValidateConfigInternal(cat, env, svc, provider, schema, constraints,
										   true, templated);
	}
	PG_FINALLY();
	{
		cfg_acl_internal--;
	}
	PG_END_TRY();
	return result;
}

static List *
CfgValidateConfigInternal(CfgCatalog *cat, CfgEnv *env, CfgService *svc, const char *provider,
						  Jsonb *schema, List *constraints, bool at_commit, bool templated)
{
	CfgResolved *res;
	Jsonb	   *doc;
	List	   *result = NIL;
	ListCell   *lc;
	int			i;
	bool		stored = false;
	CfgProvider *rules;

	if (at_commit)
		rules = CfgRulesAtCommit(cat, env, provider);
	else
	{
		rules = provider ? CfgLookupProvider(cat, provider, false) : NULL;
		if (rules != NULL && rules->rules == NULL)
			rules = NULL;
	}
	if (at_commit && schema == NULL && constraints == NIL && rules == NULL && !templated)
		return NIL;				/* nothing applies */

	res = CfgResolve(env->name, svc->name, provider, NULL, 0);
	/* an environment that stores nothing for the service has no configuration */
	for (i = 0; i < res->nrows && !stored; i++)
		stored = res->rows[i].level >= 0;
	if (!stored)
		return NIL;
	if (res->may_template)
	{
		char	   *path;
		bool		unbound;
		ErrorData  *edata = CfgTryRender(env, provider, res, &path, at_commit, &unbound);

		if (edata == NULL && unbound)
			return NIL;			/* needs a provider it is not deployed to */
		if (edata != NULL)
		{
			CfgViolation *v;

			/*
			 * Not deployed for want of a provider or target variable; or
			 * an environment with children missing a label, variable or
			 * value they may set (each of them is checked too).
			 */
			if (at_commit && (cfg_render_unbound ||
							  (cfg_render_missing && CfgEnvHasChildren(cat, env) &&
							   !CfgEnvIsTarget(cat, env, provider))))
				return NIL;
			if (at_commit)
				ereport(ERROR,
						(errcode(edata->sqlerrcode),
						 provider ?
						 errmsg("configuration of service \"%s\" in environment \"%s\" for provider \"%s\" cannot be rendered: %s",
								svc->name, env->name, provider, edata->message) :
						 errmsg("configuration of service \"%s\" in environment \"%s\" cannot be rendered: %s",
								svc->name, env->name, edata->message),
						 edata->detail ? errdetail("%s", edata->detail) : 0,
						 edata->hint ? errhint("%s", edata->hint) : 0));
			v = palloc(sizeof(CfgViolation));
			v->path = path ? path : "";
			v->keyword = "template";
			v->message = edata->message;
			return list_make1(v);
		}
	}
	doc = CfgNodeToJsonb(res->root);
	if (schema != NULL)
		result = CfgSchemaViolations(result, schema, doc, NULL);
	if (rules != NULL)
		result = CfgSchemaViolations(result, rules->rules, doc, rules->name);
	foreach(lc, constraints)
	{
		CfgConstraint *c = lfirst(lc);
		char	   *failure = CfgEvalConstraint(c, doc);

		if (failure != NULL)
		{
			CfgViolation *v = palloc(sizeof(CfgViolation));

			v->path = "";
			v->keyword = psprintf("constraint:%s", c->name);
			v->message = failure;
			result = lappend(result, v);
		}
	}
	return result;
}

/* SQLSTATE for a violation's keyword (SPEC.md section 5). */
static int
CfgViolationCode(CfgViolation *v)
{
	const char *colon = strchr(v->keyword, ':');

	if (colon != NULL && strncmp(v->keyword, "constraint:", 11) != 0)
		return ERRCODE_CFGMGR_CONSTRAINT_VIOLATION;	/* a provider's rule */
	if (strcmp(v->keyword, "type") == 0)
		return ERRCODE_CFGMGR_INVALID_PARAMETER_TYPE;
	if (strcmp(v->keyword, "required") == 0 || strcmp(v->keyword, "dependentRequired") == 0)
		return ERRCODE_CFGMGR_MISSING_REQUIRED_PARAMETER;
	return ERRCODE_CFGMGR_CONSTRAINT_VIOLATION;
}

/* Raise the violations of one configuration as one error. */
static void
CfgRaiseViolations(CfgEnv *env, CfgService *svc, const char *provider, List *violations,
				   const char *context)
{
	StringInfoData detail;
	ListCell   *lc;
	CfgViolation *first = linitial(violations);
	int			n = 0;

	initStringInfo(&detail);
	foreach(lc, violations)
	{
		CfgViolation *v = lfirst(lc);

		if (n++ > 0)
			appendStringInfoChar(&detail, '\n');
		if (n > 20)
		{
			appendStringInfo(&detail, "... and %d more.", list_length(violations) - 20);
			break;
		}
		appendStringInfo(&detail, "At \"%s\" (%s): %s.",
						 v->path[0] ? v->path : "/", v->keyword, v->message);
	}
	ereport(ERROR,
			(errcode(CfgViolationCode(first)),
			 provider ?
			 errmsg("configuration of service \"%s\" in environment \"%s\" for provider \"%s\" is invalid: %s at \"%s\"",
					svc->name, env->name, provider, first->message, first->path[0] ? first->path : "/") :
			 errmsg("configuration of service \"%s\" in environment \"%s\" is invalid: %s at \"%s\"",
					svc->name, env->name, first->message, first->path[0] ? first->path : "/"),
			 errdetail("%s", detail.data),
			 context ? errhint("%s", context) : 0));
}

/*
 * cfgmgr.validate(env text, service text, provider text DEFAULT NULL)
 *	 RETURNS TABLE(path text, keyword text, message text)
 */
Datum
cfgmgr_validate(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *envname = CfgArgText(fcinfo, 0, "environment");
	char	   *svcname = CfgArgText(fcinfo, 1, "service");
	char	   *provider = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnv(cat, envname, false);
	CfgService *svc = CfgLookupService(cat, svcname, false);
	List	   *violations;
	ListCell   *lc;

	if (provider)
		CfgCheckProvider(cat, provider);
	InitMaterializedSRF(fcinfo, 0);
	violations = CfgValidateConfig(cat, env, svc, provider, CfgServiceSchema(svc->id, NULL),
								   CfgServiceConstraints(svc->id), false, true);
	foreach(lc, violations)
	{
		CfgViolation *v = lfirst(lc);
		Datum		values[3];
		bool		nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(v->path);
		values[1] = CStringGetTextDatum(v->keyword);
		values[2] = CStringGetTextDatum(v->message);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * Which configurations a change reaches
 * ---------------------------------------------------------------------
 */

/* Every live environment whose chain contains env (env included). */
static List *
CfgSubtree(CfgCatalog *cat, CfgEnv *env)
{
	HASH_SEQ_STATUS st;
	struct
	{
		int32		id;
		CfgEnv	   *env;
	}		   *ent;
	List	   *result = NIL;
	CfgEnv	  **chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);

	hash_seq_init(&st, cat->env_by_id);
	while ((ent = hash_seq_search(&st)) != NULL)
	{
		int			n = CfgEnvChain(cat, ent->env, chain);
		int			i;

		for (i = 0; i < n; i++)
			if (chain[i]->id == env->id)
			{
				result = lappend(result, ent->env);
				break;
			}
	}
	pfree(chain);
	return result;
}

/* Provider-neutral (NULL) plus every known provider. */
static List *
CfgAllProviders(CfgCatalog *cat)
{
	HASH_SEQ_STATUS st;
	char	   *name;
	List	   *result = list_make1(NULL);

	hash_seq_init(&st, cat->providers);
	while ((name = hash_seq_search(&st)) != NULL)
		result = lappend(result, pstrdup(name));
	return result;
}

/*
 * Validate every configuration of svc in env's subtree for the given
 * providers (a List of char *, NULL = neutral), raising on the first
 * invalid one.  done (may be NULL) remembers what was validated at which
 * generation.  new_schema, when not NULL, is used instead of the
 * registered schema (register_schema checks a schema before it counts).
 */
/*
 * Does any stored value of the service hold a template?  (An index probe
 * of entry_templated, remembered for the transaction: the commit-time
 * check runs after the transaction's writes.)
 */
static HTAB *templated_htab = NULL;
static LocalTransactionId templated_lxid = InvalidLocalTransactionId;

typedef struct TemplatedEnt
{
	int32		svc_id;
	bool		templated;
} TemplatedEnt;

static bool
CfgServiceTemplated(int32 svc_id)
{
	TemplatedEnt *t;
	bool		found;
	CfgUserSave save;

	if (templated_htab == NULL || templated_lxid != MyProc->lxid)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(int32);
		ctl.entrysize = sizeof(TemplatedEnt);
		ctl.hcxt = TopTransactionContext;
		templated_htab = hash_create("cfgmgr templated services", 16, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		templated_lxid = MyProc->lxid;
	}
	t = hash_search(templated_htab, &svc_id, HASH_ENTER, &found);
	if (!found)
	{
		Datum		arg = Int32GetDatum(svc_id);
		Oid			type = INT4OID;
		bool		isnull;

		CfgSpiConnectOwner(&save);
		CfgSpiExec("SELECT EXISTS (SELECT FROM cfgmgr.entry e"
				   " WHERE e.service_id OPERATOR(pg_catalog.=) $1 AND cfgmgr.has_template(e.value))",
				   1, &type, &arg, NULL, true, SPI_OK_SELECT);
		t->templated = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
												  1, &isnull));
		CfgSpiFinishOwner(&save);
	}
	return t->templated;
}

typedef struct DoneKey
{
	int32		env_id;
	int32		svc_id;
	char		provider[64];
} DoneKey;

typedef struct DoneEnt
{
	DoneKey		key;
	uint64		gen;
} DoneEnt;

static void
CfgValidateReach(CfgCatalog *cat, CfgEnv *env, CfgService *svc, List *providers,
				 HTAB *done, const char *context, Jsonb *new_schema)
{
	Jsonb	   *schema = new_schema ? new_schema : CfgServiceSchema(svc->id, NULL);
	List	   *constraints = CfgServiceConstraints(svc->id);
	bool		templated = CfgServiceTemplated(svc->id);
	List	   *envs;
	ListCell   *le,
			   *lp;

	if (schema == NULL && constraints == NIL && !templated && !CfgAnyProviderRules(cat))
		return;
	envs = CfgSubtree(cat, env);
	foreach(le, envs)
	{
		CfgEnv	   *e = lfirst(le);

		foreach(lp, providers)
		{
			char	   *p = lfirst(lp);
			List	   *violations;

			if (done)
			{
				DoneKey		key;
				DoneEnt    *d;
				bool		found;

				memset(&key, 0, sizeof(key));
				key.env_id = e->id;
				key.svc_id = svc->id;
				if (p)
					strlcpy(key.provider, p, sizeof(key.provider));
				d = hash_search(done, &key, HASH_ENTER, &found);
				if (found && d->gen == CfgCacheGeneration())
					continue;
				d->gen = CfgCacheGeneration();
			}
			CHECK_FOR_INTERRUPTS();
			violations = CfgValidateConfig(cat, e, svc, p, schema, constraints, true, templated);
			if (violations != NIL)
				CfgRaiseViolations(e, svc, p, violations, context);
		}
	}
}

/* per-transaction memory of validated configurations */
static HTAB *done_htab = NULL;
static LocalTransactionId done_lxid = InvalidLocalTransactionId;

static HTAB *
CfgDoneTable(void)
{
	if (done_htab == NULL || done_lxid != MyProc->lxid)
	{
		HASHCTL		ctl;

		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(DoneKey);
		ctl.entrysize = sizeof(DoneEnt);
		ctl.hcxt = TopTransactionContext;
		done_htab = hash_create("cfgmgr validated configurations", 64, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		done_lxid = MyProc->lxid;
	}
	return done_htab;
}

/* Services with a schema or constraints. */
static List *
CfgValidatedServices(CfgCatalog *cat)
{
	List	   *result = NIL;
	uint64		i;
	MemoryContext caller = CurrentMemoryContext;
	CfgUserSave save;

	CfgSpiConnectOwner(&save);
	if (CfgAnyProviderRules(cat))
		CfgSpiExec("SELECT id FROM cfgmgr.service", 0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	else
		CfgSpiExec("SELECT service_id FROM cfgmgr.service_schema"
				   " UNION SELECT service_id FROM cfgmgr.service_constraint"
				   " UNION SELECT e.service_id FROM cfgmgr.entry e WHERE cfgmgr.has_template(e.value)",
				   0, NULL, NULL, NULL, true, SPI_OK_SELECT);
	for (i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		int32		id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		MemoryContext old = MemoryContextSwitchTo(caller);	/* outlives SPI */

		result = lappend_int(result, id);
		MemoryContextSwitchTo(old);
	}
	CfgSpiFinishOwner(&save);
	return result;
}

/* CfgValidateReach of env's subtree for every service anything applies to. */
static void
CfgValidateServices(CfgCatalog *cat, CfgEnv *env, List *providers, const char *context)
{
	ListCell   *lc;

	foreach(lc, CfgValidatedServices(cat))
	{
		CfgService *svc = CfgLookupServiceById(cat, lfirst_int(lc));

		if (svc)
			CfgValidateReach(cat, env, svc, providers, CfgDoneTable(), context, NULL);
	}
}

/*
 * Constraint trigger, DEFERRABLE INITIALLY DEFERRED, on cfgmgr.entry (each
 * changed row), cfgmgr.environment (parent changes) and
 * cfgmgr.service_constraint (new rules).
 */
Datum
cfgmgr_validate_at_commit(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tup;
	const char *relname;
	CfgCatalog *cat;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_validate_at_commit: must be fired after, for each row");
	rel = td->tg_relation;
	desc = RelationGetDescr(rel);
	relname = RelationGetRelationName(rel);
	tup = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	/*
	 * Fired for a row of the catalog (immediately, with SET CONSTRAINTS):
	 * its statement's invalidation has not run yet.
	 */
	if (strcmp(relname, "entry") != 0)
		CfgInvalidateLocal(true);
	cat = CfgGetCatalog();

	if (strcmp(relname, "entry") == 0)
	{
		int32		env_id = DatumGetInt32(heap_getattr(tup, 1, desc, &isnull));
		int32		svc_id = DatumGetInt32(heap_getattr(tup, 2, desc, &isnull));
		char	   *provider = TextDatumGetCString(heap_getattr(tup, 4, desc, &isnull));
		CfgEnv	   *env = CfgLookupEnvById(cat, env_id);
		CfgService *svc = CfgLookupServiceById(cat, svc_id);
		HTAB	   *done = CfgDoneTable();
		DoneKey		key;
		DoneEnt    *d;

		if (env == NULL || svc == NULL)
			return PointerGetDatum(NULL);	/* dropped meanwhile */
		if (svc->schema_version == 0 && !svc->has_constraints &&
			!CfgAnyProviderRules(cat) && !CfgServiceTemplated(svc_id))
			return PointerGetDatum(NULL);	/* nothing to validate against */
		/* fast exit: this configuration was validated at this generation */
		memset(&key, 0, sizeof(key));
		key.env_id = env_id;
		key.svc_id = svc_id;
		strlcpy(key.provider, provider, sizeof(key.provider));
		d = hash_search(done, &key, HASH_FIND, NULL);
		if (d != NULL && d->gen == CfgCacheGeneration() && provider[0] != '\0')
			return PointerGetDatum(NULL);
		if (provider[0] == '\0')
		{
			/* a neutral change reaches every provider's resolution */
			key.provider[0] = '\1';
			d = hash_search(done, &key, HASH_FIND, NULL);
			if (d != NULL && d->gen == CfgCacheGeneration())
				return PointerGetDatum(NULL);
			CfgValidateReach(cat, env, svc, CfgAllProviders(cat), done, NULL, NULL);
			d = hash_search(done, &key, HASH_ENTER, NULL);
			d->gen = CfgCacheGeneration();
		}
		else
			CfgValidateReach(cat, env, svc, list_make1(provider), done, NULL, NULL);
	}
	else if (strcmp(relname, "environment") == 0)
	{
		int32		env_id = DatumGetInt32(heap_getattr(tup, 1, desc, &isnull));
		CfgEnv	   *env = CfgLookupEnvById(cat, env_id);

		if (env == NULL)
			return PointerGetDatum(NULL);
		CfgValidateServices(cat, env, CfgAllProviders(cat),
							"The environment's new parent or labels change what it resolves to.");
	}
	else if (strcmp(relname, "target") == 0)
	{
		int32		env_id = DatumGetInt32(heap_getattr(tup, 1, desc, &isnull));
		char	   *provider = TextDatumGetCString(heap_getattr(tup, 2, desc, &isnull));
		CfgEnv	   *env = CfgLookupEnvById(cat, env_id);

		if (env == NULL || !CfgProviderExists(cat, provider))
			return PointerGetDatum(NULL);
		CfgValidateServices(cat, env, list_make1(provider),
							"The target's variables change what its configurations render to, and the provider's rules apply to its configurations.");
	}
	else if (strcmp(relname, "service_constraint") == 0)
	{
		int32		svc_id = DatumGetInt32(heap_getattr(tup, 1, desc, &isnull));
		CfgService *svc = CfgLookupServiceById(cat, svc_id);
		HASH_SEQ_STATUS st;
		struct
		{
			int32		id;
			CfgEnv	   *env;
		}		   *ent;

		if (svc == NULL)
			return PointerGetDatum(NULL);
		hash_seq_init(&st, cat->env_by_id);
		while ((ent = hash_seq_search(&st)) != NULL)
			if (ent->env->parent_id == 0)
				CfgValidateReach(cat, ent->env, svc, CfgAllProviders(cat), NULL,
								 "Existing configurations must satisfy a new constraint; fix them first.", NULL);
	}
	return PointerGetDatum(NULL);
}

/* ---------------------------------------------------------------------
 * Annotations: default, x-merge, x-env-specific, x-secret, x-sensitive
 * ---------------------------------------------------------------------
 */
typedef struct AnnState
{
	Jsonb	   *root;
	List	   *paths;			/* char * */
	List	   *keywords;		/* char * */
	List	   *values;			/* Jsonb * */
	int			refdepth;
} AnnState;

static const char *ann_keywords[] = {"default", "x-merge", "x-env-specific", "x-secret", "x-sensitive"};

/* Resolve a local "#/a/b" reference inside root; NULL otherwise. */
static JsonbContainer *
CfgLocalRef(Jsonb *root, const char *ref)
{
	JsonbContainer *c = &root->root;
	const char *p;

	if (ref[0] != '#')
		return NULL;
	p = ref + 1;
	if (*p == '\0')
		return c;
	if (*p != '/')
		return NULL;
	while (*p == '/')
	{
		const char *start = ++p;
		StringInfoData tok;
		JsonbValue *v;
		const char *q;

		while (*p && *p != '/')
			p++;
		initStringInfo(&tok);
		for (q = start; q < p; q++)
		{
			if (*q == '~' && q + 1 < p && q[1] == '1')
			{
				appendStringInfoChar(&tok, '/');
				q++;
			}
			else if (*q == '~' && q + 1 < p && q[1] == '0')
			{
				appendStringInfoChar(&tok, '~');
				q++;
			}
			else
				appendStringInfoChar(&tok, *q);
		}
		if (!JsonContainerIsObject(c))
			return NULL;
		v = getKeyJsonValueFromContainer(c, tok.data, tok.len, NULL);
		if (v == NULL || v->type != jbvBinary)
			return NULL;
		c = v->val.binary.data;
	}
	return c;
}

static void CfgWalkSchema(AnnState *st, JsonbContainer *schema, const char *path);

static void
CfgRecordAnnotations(AnnState *st, JsonbContainer *schema, const char *path)
{
	int			i;

	if (path[0] == '\0')
		return;
	for (i = 0; i < (int) lengthof(ann_keywords); i++)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(schema, ann_keywords[i],
													 strlen(ann_keywords[i]), NULL);

		if (v == NULL)
			continue;
		if (i == 0 && strchr(path, '*') != NULL)
			continue;			/* defaults need a concrete path */
		st->paths = lappend(st->paths, pstrdup(path));
		st->keywords = lappend(st->keywords, (char *) ann_keywords[i]);
		st->values = lappend(st->values, JsonbValueToJsonb(v));
	}
}

static void
CfgWalkSubschemas(AnnState *st, JsonbContainer *schema, const char *key, const char *path)
{
	JsonbValue *v = getKeyJsonValueFromContainer(schema, key, strlen(key), NULL);
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (v == NULL || v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		return;
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		if (tok == WJB_ELEM && e.type == jbvBinary && JsonContainerIsObject(e.val.binary.data))
			CfgWalkSchema(st, e.val.binary.data, path);
}

/*
 * Record the annotations of the object schema at path and below, following
 * "properties", "additionalProperties" (as label "*"), "allOf" and local
 * "$ref"s.
 */
static void
CfgWalkSchema(AnnState *st, JsonbContainer *schema, const char *path)
{
	JsonbValue *v;

	check_stack_depth();
	CHECK_FOR_INTERRUPTS();
	if (!JsonContainerIsObject(schema))
		return;
	CfgRecordAnnotations(st, schema, path);

	v = getKeyJsonValueFromContainer(schema, "$ref", 4, NULL);
	if (v != NULL && v->type == jbvString && st->refdepth < 32)
	{
		char	   *ref = pnstrdup(v->val.string.val, v->val.string.len);
		JsonbContainer *target = CfgLocalRef(st->root, ref);

		if (target != NULL)
		{
			st->refdepth++;
			CfgWalkSchema(st, target, path);
			st->refdepth--;
		}
	}
	CfgWalkSubschemas(st, schema, "allOf", path);

	v = getKeyJsonValueFromContainer(schema, "properties", 10, NULL);
	if (v != NULL && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(v->val.binary.data);
		JsonbValue	k,
					sub;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *child;

			if (tok != WJB_KEY)
				continue;
			tok = JsonbIteratorNext(&it, &sub, true);
			if (!CfgLabelIsValid(k.val.string.val, k.val.string.len))
				continue;		/* not addressable by a path */
			child = path[0] ? psprintf("%s.%.*s", path, k.val.string.len, k.val.string.val)
				: pnstrdup(k.val.string.val, k.val.string.len);
			if (strlen(child) > CFGPATH_MAX_LEN)
				continue;
			if (sub.type == jbvBinary)
				CfgWalkSchema(st, sub.val.binary.data, child);
		}
	}
	v = getKeyJsonValueFromContainer(schema, "additionalProperties", 20, NULL);
	if (v != NULL && v->type == jbvBinary && JsonContainerIsObject(v->val.binary.data))
		CfgWalkSchema(st, v->val.binary.data, path[0] ? psprintf("%s.*", path) : "*");
}

static void
CfgCollectAnnotations(Jsonb *schema, AnnState *st)
{
	memset(st, 0, sizeof(*st));
	st->root = schema;
	if (JB_ROOT_IS_OBJECT(schema))
		CfgWalkSchema(st, &schema->root, "");
}

/* ---------------------------------------------------------------------
 * schema_compat
 * ---------------------------------------------------------------------
 */
typedef struct CompatRow
{
	char	   *path;
	char	   *change;
	bool		breaking;
	char	   *detail;
} CompatRow;

static void
CfgCompatAdd(List **rows, const char *path, const char *change, bool breaking, char *detail)
{
	CompatRow  *r = palloc(sizeof(CompatRow));

	r->path = pstrdup(path[0] ? path : "/");
	r->change = (char *) change;
	r->breaking = breaking;
	r->detail = detail;
	*rows = lappend(*rows, r);
}

static JsonbValue *
CfgKey(JsonbContainer *c, const char *key)
{
	if (c == NULL || !JsonContainerIsObject(c))
		return NULL;
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

static JsonbContainer *
CfgKeyContainer(JsonbContainer *c, const char *key)
{
	JsonbValue *v = CfgKey(c, key);

	return (v && v->type == jbvBinary) ? v->val.binary.data : NULL;
}

/* Follow a local $ref (one hop at a time, bounded). */
static JsonbContainer *
CfgDeref(Jsonb *root, JsonbContainer *c)
{
	int			hops = 0;

	while (c && hops++ < 32)
	{
		JsonbValue *ref = CfgKey(c, "$ref");
		JsonbContainer *t;

		if (ref == NULL || ref->type != jbvString)
			break;
		t = CfgLocalRef(root, pnstrdup(ref->val.string.val, ref->val.string.len));
		if (t == NULL)
			break;
		c = t;
	}
	return c;
}

/* Set of JSON type names a schema admits ("number" includes "integer"). */
static int
CfgTypeMask(JsonbContainer *c)
{
	static const char *names[] = {"null", "boolean", "object", "array", "number", "string", "integer"};
	JsonbValue *t = CfgKey(c, "type");
	int			mask = 0;
	int			i;

	if (t == NULL)
		return 0x7f;			/* any */
	if (t->type == jbvString)
	{
		for (i = 0; i < (int) lengthof(names); i++)
			if (t->val.string.len == (int) strlen(names[i]) &&
				memcmp(t->val.string.val, names[i], t->val.string.len) == 0)
				mask |= 1 << i;
	}
	else if (t->type == jbvBinary && JsonContainerIsArray(t->val.binary.data))
	{
		JsonbIterator *it = JsonbIteratorInit(t->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
			if (tok == WJB_ELEM && e.type == jbvString)
				for (i = 0; i < (int) lengthof(names); i++)
					if (e.val.string.len == (int) strlen(names[i]) &&
						memcmp(e.val.string.val, names[i], e.val.string.len) == 0)
						mask |= 1 << i;
	}
	if (mask & (1 << 4))
		mask |= 1 << 6;			/* number admits integers */
	return mask;
}

static char *
CfgValueText(JsonbValue *v)
{
	Jsonb	   *j;

	if (v == NULL)
		return pstrdup("none");
	j = JsonbValueToJsonb(v);
	return JsonbToCString(NULL, &j->root, VARSIZE(j));
}

/* Is every element of enum b also in enum a?  (b subset of a) */
static bool
CfgEnumSubset(JsonbValue *b, JsonbValue *a)
{
	JsonbIterator *it;
	JsonbValue	e;
	JsonbIteratorToken tok;

	if (a == NULL)
		return true;
	if (b == NULL)
		return false;
	if (a->type != jbvBinary || b->type != jbvBinary)
		return false;
	it = JsonbIteratorInit(b->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		if (e.type == jbvBinary)
			return false;		/* containers: not proven, report conservatively */
		if (findJsonbValueFromContainer(a->val.binary.data, JB_FARRAY, &e) == NULL)
			return false;
	}
	return true;
}

/*
 * Compare a numeric bound; returns -1 narrowed, 1 widened, 0 same.
 * For lower bounds (minimum) a larger new value narrows.
 */
static int
CfgBoundChange(JsonbValue *oldv, JsonbValue *newv, bool lower)
{
	int			c;

	if (oldv == NULL && newv == NULL)
		return 0;
	if (oldv == NULL)
		return -1;				/* a new bound narrows */
	if (newv == NULL)
		return 1;				/* a removed bound widens */
	if (oldv->type != jbvNumeric || newv->type != jbvNumeric)
		return 0;
	c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(newv->val.numeric),
										  NumericGetDatum(oldv->val.numeric)));
	if (c == 0)
		return 0;
	return (lower ? c > 0 : c < 0) ? -1 : 1;
}

static void
CfgCompareSchemas(Jsonb *oroot, JsonbContainer *o, Jsonb *nroot, JsonbContainer *n,
				  const char *path, List **rows)
{
	static const struct
	{
		const char *kw;
		bool		lower;
	}			bounds[] = {
		{"minimum", true}, {"exclusiveMinimum", true}, {"maximum", false}, {"exclusiveMaximum", false},
		{"minLength", true}, {"maxLength", false}, {"minItems", true}, {"maxItems", false},
		{"minProperties", true}, {"maxProperties", false}
	};
	JsonbContainer *op,
			   *np;
	JsonbValue *ov,
			   *nv;
	int			om,
				nm,
				i;
	List	   *removed = NIL;
	List	   *added = NIL;

	check_stack_depth();
	o = CfgDeref(oroot, o);
	n = CfgDeref(nroot, n);
	if (o == NULL || n == NULL || !JsonContainerIsObject(o) || !JsonContainerIsObject(n))
		return;

	/* types */
	om = CfgTypeMask(o);
	nm = CfgTypeMask(n);
	if ((om & nm) != om)
		CfgCompatAdd(rows, path, "type_narrowed", true,
					 psprintf("Type %s is now %s.", CfgValueText(CfgKey(o, "type")), CfgValueText(CfgKey(n, "type"))));
	else if (om != nm)
		CfgCompatAdd(rows, path, "type_widened", false,
					 psprintf("Type %s is now %s.", CfgValueText(CfgKey(o, "type")), CfgValueText(CfgKey(n, "type"))));

	/* enum and const */
	ov = CfgKey(o, "enum");
	nv = CfgKey(n, "enum");
	if (ov != NULL || nv != NULL)
	{
		if (!CfgEnumSubset(ov, nv) && nv != NULL)
			CfgCompatAdd(rows, path, "enum_narrowed", true,
						 psprintf("Allowed values %s are now %s.", CfgValueText(ov), CfgValueText(nv)));
		else if (ov == NULL || !CfgEnumSubset(nv, ov))
			CfgCompatAdd(rows, path, "enum_widened", false,
						 psprintf("Allowed values %s are now %s.", CfgValueText(ov), CfgValueText(nv)));
	}
	ov = CfgKey(o, "const");
	nv = CfgKey(n, "const");
	if (nv != NULL && (ov == NULL || strcmp(CfgValueText(ov), CfgValueText(nv)) != 0))
		CfgCompatAdd(rows, path, "const_changed", true,
					 psprintf("Constant %s is now %s.", CfgValueText(ov), CfgValueText(nv)));

	/* ranges */
	for (i = 0; i < (int) lengthof(bounds); i++)
	{
		JsonbValue *ob = CfgKey(o, bounds[i].kw);
		JsonbValue *nb = CfgKey(n, bounds[i].kw);
		int			c = CfgBoundChange(ob, nb, bounds[i].lower);

		if (c != 0)
			CfgCompatAdd(rows, path, c < 0 ? "range_narrowed" : "range_widened", c < 0,
						 psprintf("%s %s is now %s.", bounds[i].kw, CfgValueText(ob), CfgValueText(nb)));
	}

	/* pattern and format */
	ov = CfgKey(o, "pattern");
	nv = CfgKey(n, "pattern");
	if (nv != NULL && (ov == NULL || strcmp(CfgValueText(ov), CfgValueText(nv)) != 0))
		CfgCompatAdd(rows, path, "pattern_changed", true,
					 psprintf("Pattern %s is now %s.", CfgValueText(ov), CfgValueText(nv)));
	else if (ov != NULL && nv == NULL)
		CfgCompatAdd(rows, path, "pattern_removed", false,
					 psprintf("Pattern %s was removed.", CfgValueText(ov)));
	ov = CfgKey(o, "format");
	nv = CfgKey(n, "format");
	if (nv != NULL && (ov == NULL || strcmp(CfgValueText(ov), CfgValueText(nv)) != 0))
		CfgCompatAdd(rows, path, "format_changed", true,
					 psprintf("Format %s is now %s.", CfgValueText(ov), CfgValueText(nv)));

	/* additionalProperties closing */
	ov = CfgKey(o, "additionalProperties");
	nv = CfgKey(n, "additionalProperties");
	if (nv != NULL && nv->type == jbvBool && !nv->val.boolean &&
		!(ov != NULL && ov->type == jbvBool && !ov->val.boolean))
		CfgCompatAdd(rows, path, "additional_properties_closed", true,
					 pstrdup("Properties not listed in the schema are no longer allowed."));

	/* properties */
	op = CfgKeyContainer(o, "properties");
	np = CfgKeyContainer(n, "properties");
	if (op != NULL && JsonContainerIsObject(op))
	{
		JsonbIterator *it = JsonbIteratorInit(op);
		JsonbValue	k,
					sub;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *name;
			char	   *child;
			JsonbContainer *nsub;

			if (tok != WJB_KEY)
				continue;
			tok = JsonbIteratorNext(&it, &sub, true);
			name = pnstrdup(k.val.string.val, k.val.string.len);
			child = path[0] ? psprintf("%s.%s", path, name) : name;
			nsub = np ? CfgKeyContainer(np, name) : NULL;
			if (np == NULL || CfgKey(np, name) == NULL)
				removed = lappend(removed, name);
			else if (sub.type == jbvBinary && nsub != NULL)
				CfgCompareSchemas(oroot, sub.val.binary.data, nroot, nsub, child, rows);
		}
	}
	if (np != NULL && JsonContainerIsObject(np))
	{
		JsonbIterator *it = JsonbIteratorInit(np);
		JsonbValue	k,
					sub;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
		{
			char	   *name;

			if (tok != WJB_KEY)
				continue;
			tok = JsonbIteratorNext(&it, &sub, true);
			name = pnstrdup(k.val.string.val, k.val.string.len);
			if (op == NULL || CfgKey(op, name) == NULL)
				added = lappend(added, name);
		}
	}

	/* removed properties, or renamed when an added one has the same schema */
	{
		ListCell   *lr;

		foreach(lr, removed)
		{
			char	   *name = lfirst(lr);
			char	   *child = path[0] ? psprintf("%s.%s", path, name) : name;
			char	   *oldtext = CfgValueText(CfgKey(op, name));
			char	   *renamed_to = NULL;
			ListCell   *la;

			foreach(la, added)
			{
				char	   *cand = lfirst(la);

				if (strcmp(CfgValueText(CfgKey(np, cand)), oldtext) == 0)
				{
					renamed_to = cand;
					added = foreach_delete_current(added, la);
					break;
				}
			}
			if (renamed_to)
				CfgCompatAdd(rows, child, "renamed", true,
							 psprintf("Property \"%s\" appears to be renamed to \"%s\" (same schema).", name, renamed_to));
			else
				CfgCompatAdd(rows, child, "removed", true,
							 psprintf("Property \"%s\" was removed.", name));
		}
	}

	/* required: new required properties without defaults break old configurations */
	nv = CfgKey(n, "required");
	if (nv != NULL && nv->type == jbvBinary && JsonContainerIsArray(nv->val.binary.data))
	{
		JsonbValue *oreq = CfgKey(o, "required");
		JsonbIterator *it = JsonbIteratorInit(nv->val.binary.data);
		JsonbValue	e;
		JsonbIteratorToken tok;

		while ((tok = JsonbIteratorNext(&it, &e, true)) != WJB_DONE)
		{
			char	   *name;
			char	   *child;
			JsonbContainer *psch;
			bool		has_default;

			if (tok != WJB_ELEM || e.type != jbvString)
				continue;
			if (oreq != NULL && oreq->type == jbvBinary &&
				findJsonbValueFromContainer(oreq->val.binary.data, JB_FARRAY, &e) != NULL)
				continue;
			name = pnstrdup(e.val.string.val, e.val.string.len);
			child = path[0] ? psprintf("%s.%s", path, name) : name;
			psch = np ? CfgDeref(nroot, CfgKeyContainer(np, name)) : NULL;
			has_default = psch != NULL && CfgKey(psch, "default") != NULL;
			CfgCompatAdd(rows, child, "required_added", !has_default,
						 has_default ?
						 psprintf("Property \"%s\" is now required; its default fills it in.", name) :
						 psprintf("Property \"%s\" is now required and has no default.", name));
		}
	}

	/* added optional properties */
	{
		ListCell   *la;

		foreach(la, added)
		{
			char	   *name = lfirst(la);
			char	   *child = path[0] ? psprintf("%s.%s", path, name) : name;

			CfgCompatAdd(rows, child, "added", false, psprintf("Property \"%s\" was added.", name));
		}
	}

	/* items */
	op = CfgKeyContainer(o, "items");
	np = CfgKeyContainer(n, "items");
	if (op != NULL && np != NULL && JsonContainerIsObject(op) && JsonContainerIsObject(np))
		CfgCompareSchemas(oroot, op, nroot, np, path[0] ? psprintf("%s[]", path) : "[]", rows);
}

static List *
CfgCompat(Jsonb *oldschema, Jsonb *newschema)
{
	List	   *rows = NIL;

	if (oldschema == NULL)
		return NIL;
	if (!JB_ROOT_IS_OBJECT(oldschema) || !JB_ROOT_IS_OBJECT(newschema))
	{
		if (strcmp(JsonbToCString(NULL, &oldschema->root, VARSIZE(oldschema)),
				   JsonbToCString(NULL, &newschema->root, VARSIZE(newschema))) != 0)
			CfgCompatAdd(&rows, "", "replaced", true, pstrdup("A boolean schema was replaced."));
		return rows;
	}
	CfgCompareSchemas(oldschema, &oldschema->root, newschema, &newschema->root, "", &rows);
	return rows;
}

/*
 * cfgmgr.schema_compat(service text, schema jsonb)
 *	 RETURNS TABLE(path text, change text, breaking bool, detail text)
 */
Datum
cfgmgr_schema_compat(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	char	   *svcname = CfgArgText(fcinfo, 0, "service");
	CfgService *svc = CfgLookupService(CfgGetCatalog(), svcname, false);
	Jsonb	   *schema;
	List	   *rows;
	ListCell   *lc;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema must not be null")));
	schema = PG_GETARG_JSONB_P(1);
	(void) CfgSchemaGetCached(schema);	/* refuses malformed schemas */
	InitMaterializedSRF(fcinfo, 0);
	rows = CfgCompat(CfgServiceSchema(svc->id, NULL), schema);
	foreach(lc, rows)
	{
		CompatRow  *r = lfirst(lc);
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};

		values[0] = CStringGetTextDatum(r->path);
		values[1] = CStringGetTextDatum(r->change);
		values[2] = BoolGetDatum(r->breaking);
		values[3] = CStringGetTextDatum(r->detail);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/* ---------------------------------------------------------------------
 * register_schema
 * ---------------------------------------------------------------------
 */

/*
 * cfgmgr.register_schema(service text, schema jsonb, force bool DEFAULT false)
 *	 RETURNS int
 */
Datum
cfgmgr_register_schema(PG_FUNCTION_ARGS)
{
	char	   *svcname = CfgArgText(fcinfo, 0, "service");
	bool		force = !PG_ARGISNULL(2) && PG_GETARG_BOOL(2);
	CfgCatalog *cat = CfgGetCatalog();
	CfgService *svc = CfgLookupService(cat, svcname, false);
	Jsonb	   *schema;
	Jsonb	   *previous;
	int			prev_version;
	int			version;
	int64		cs;
	List	   *rows;
	ListCell   *lc;
	AnnState	ann;
	ListCell   *lp,
			   *lk,
			   *lv;

	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("schema must not be null")));
	CfgAclRequire(CFG_PRIV_ADMIN, NULL, svc, NULL, 0);
	schema = PG_GETARG_JSONB_P(1);
	if (!JB_ROOT_IS_OBJECT(schema) &&
		!(JB_ROOT_IS_SCALAR(schema) && JB_ROOT_COUNT(schema) == 1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid JSON Schema"),
				 errdetail("A schema is a JSON object or a boolean.")));
	(void) CfgSchemaGetCached(schema);	/* refuses malformed schemas (22023) */

	/* backward compatibility with the previous version (raised after validation) */
	previous = CfgServiceSchema(svc->id, &prev_version);
	rows = CfgCompat(previous, schema);

	/* register */
	cs = CfgCurrentChangeset(NULL);
	version = prev_version + 1;
	CfgCollectAnnotations(schema, &ann);
	CfgSpiConnect();
	{
		Oid			types[5] = {INT4OID, INT4OID, JSONBOID, BOOLOID, INT8OID};
		Datum		args[5];

		args[0] = Int32GetDatum(svc->id);
		args[1] = Int32GetDatum(version);
		args[2] = JsonbPGetDatum(schema);
		args[3] = BoolGetDatum(force);
		args[4] = Int64GetDatum(cs);
		CfgSpiExec("INSERT INTO cfgmgr.service_schema (service_id, version, schema, forced, changeset)"
				   " VALUES ($1, $2, $3, $4, $5)", 5, types, args, NULL, false, SPI_OK_INSERT);
		CfgSpiExec("UPDATE cfgmgr.service SET schema_version = $2 WHERE id OPERATOR(pg_catalog.=) $1",
				   2, types, args, NULL, false, SPI_OK_UPDATE);
	}
	forthree(lp, ann.paths, lk, ann.keywords, lv, ann.values)
	{
		Oid			types[5] = {INT4OID, INT4OID, TEXTOID, TEXTOID, JSONBOID};
		Datum		args[5];

		args[0] = Int32GetDatum(svc->id);
		args[1] = Int32GetDatum(version);
		args[2] = CStringGetTextDatum((char *) lfirst(lp));
		args[3] = CStringGetTextDatum((char *) lfirst(lk));
		args[4] = JsonbPGetDatum((Jsonb *) lfirst(lv));
		CfgSpiExec("INSERT INTO cfgmgr.schema_annotation (service_id, version, path, keyword, value)"
				   " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
				   5, types, args, NULL, false, SPI_OK_INSERT);
	}
	SPI_finish();
	CfgInvalidateLocal(true);
	CommandCounterIncrement();

	/* existing configurations must satisfy it */
	if (!force)
	{
		HASH_SEQ_STATUS st;
		struct
		{
			int32		id;
			CfgEnv	   *env;
		}		   *ent;

		cat = CfgGetCatalog();
		hash_seq_init(&st, cat->env_by_id);
		while ((ent = hash_seq_search(&st)) != NULL)
		{
			if (ent->env->parent_id != 0)
				continue;
			CfgValidateReach(cat, ent->env, svc, CfgAllProviders(cat), NULL,
							 "Existing configurations violate the new schema: fix them first, or pass force => true.", schema);
		}
	}
	/* then backward compatibility with the previous version */
	if (!force)
	{
		StringInfoData detail;
		int			nbreaking = 0;

		initStringInfo(&detail);
		foreach(lc, rows)
		{
			CompatRow  *r = lfirst(lc);

			if (!r->breaking)
				continue;
			if (nbreaking++ > 0)
				appendStringInfoChar(&detail, '\n');
			appendStringInfo(&detail, "%s (%s): %s", r->path, r->change, r->detail);
		}
		if (nbreaking > 0)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CONSTRAINT_VIOLATION),
					 errmsg("schema for service \"%s\" is not backward-compatible with version %d",
							svcname, prev_version),
					 errdetail("%s", detail.data),
					 errhint("Review cfgmgr.schema_compat(); pass force => true to register it anyway.")));
	}

	PG_RETURN_INT32(version);
}
