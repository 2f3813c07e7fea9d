/*-------------------------------------------------------------------------
 *
 * cfg_template.c
 *	  ${...} templates in string values: syntax, rendering, references.
 *
 * A string value may hold placeholders:
 *
 *	${env.name}				the environment being resolved
 *	${env.<label>}			one of its labels (inherited from ancestors)
 *	${provider.name}		the provider resolved for
 *	${provider.<var>}		a target variable, else the provider's default
 *	${ref:<path>}			another resolved value of the same service
 *	${ref:<service>.<path>}	... or of another service (the first label
 *							names a service)
 *	${<any of those>:-text}	text when the variable is not set
 *	$${						a literal "${"
 *
 * Labels, variables and references may be dotted paths into objects.  A
 * string that is exactly one ${ref:...} takes the referenced value (any
 * JSON type); elsewhere strings, numbers and booleans are interpolated as
 * text and other values are an error.
 *
 * Rendering works on resolved trees (cfg_merge.c): leaves are rendered in
 * place, once (a node remembers it), so a value referenced many times is
 * rendered once.  A reference is looked up in a tree of the referenced
 * service already at hand, else in a new resolution of just that path
 * (CfgResolve with a path), kept for later references.  The references
 * being followed form a stack; meeting an entry of the stack again is a
 * cycle (CM004, naming it).  Errors of syntax or unknown variables are
 * CM012 naming the value's path.  A value that is not secret may not
 * reference a secret one.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_template.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/resowner.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_render);
PG_FUNCTION_INFO_V1(cfgmgr_has_template);
PG_FUNCTION_INFO_V1(cfgmgr_check_template);

/* Limits that turn runaway input into clear errors. */
#define TPL_MAX_PLACEHOLDERS	1000	/* ${...} in one string */
#define TPL_MAX_DEPTH			64	/* references followed at once */
#define TPL_MAX_OUTPUT			(64 * 1024 * 1024)	/* bytes of one rendered string */

typedef enum TplKind
{
	TPL_TEXT,					/* literal text */
	TPL_ENV_NAME,
	TPL_ENV_LABEL,
	TPL_PROVIDER_NAME,
	TPL_PROVIDER_VAR,
	TPL_REF
} TplKind;

typedef struct TplPart
{
	TplKind		kind;
	const char *text;			/* literal, or the variable's path */
	int			len;
	const char *expr;			/* the whole placeholder, for messages */
	int			exprlen;
	bool		has_default;
	const char *def;
	int			deflen;
} TplPart;

/* A reference being rendered (the stack of CfgRenderCtx). */
typedef struct TplFrame
{
	const char *service;
	const char *path;
	int			pathlen;
} TplFrame;

/* A resolved tree references can be looked up in. */
typedef struct TplSource
{
	const char *service;
	const char *path;			/* NULL: the whole service */
	int			pathlen;
	CfgResolved *res;
} TplSource;

struct CfgRenderCtx
{
	CfgCatalog *cat;
	const char *envname;
	CfgEnv	  **chain;
	int			nchain;
	const char *provider;		/* NULL: provider-neutral */
	CfgProvider *prov;
	const char *as_of;			/* version references are read at, or NULL */
	bool		vars_loaded;
	Jsonb	   *target;			/* merged target variables, or NULL */
	List	   *sources;		/* TplSource * */
	TplFrame	stack[TPL_MAX_DEPTH];
	int			depth;
	bool		unbound;		/* a ${provider...} could not be rendered */
	bool		lenient;		/* validation: leave those as written */
};

/* Set when the last error raised was a ${provider...} with no provider. */
bool		cfg_render_unbound = false;

/*
 * Set when the last error raised was a label, variable or reference that
 * is not set (what an environment's descendants may still provide).
 */
bool		cfg_render_missing = false;

/* ---------------------------------------------------------------------
 * Detection
 * ---------------------------------------------------------------------
 */

/* Does the string contain "${" (a placeholder or the $${ escape)? */
bool
CfgStringHasTemplate(const char *s, int len)
{
	const char *p = s;
	const char *end = s + len;

	while (p < end && (p = memchr(p, '$', end - p)) != NULL)
	{
		if (p + 1 < end && p[1] == '{')
			return true;
		p++;
	}
	return false;
}

/*
 * May the jsonb hold a template?  A byte scan: strings are stored as they
 * are, so a template's "${" appears in the bytes; a false positive (the
 * bytes of a number) only costs a closer look.
 */
bool
CfgJsonbMayHaveTemplate(Jsonb *j)
{
	return CfgStringHasTemplate(VARDATA_ANY(j), VARSIZE_ANY_EXHDR(j));
}

static bool
TplValueMayHave(JsonbValue *v)
{
	if (v->type == jbvString)
		return CfgStringHasTemplate(v->val.string.val, v->val.string.len);
	if (v->type == jbvBinary)
		return CfgStringHasTemplate((const char *) v->val.binary.data, v->val.binary.len);
	return false;
}

/* ---------------------------------------------------------------------
 * Syntax
 * ---------------------------------------------------------------------
 */

/* Is s[0..len) a dotted path of labels [A-Za-z0-9_-]+? */
static bool
TplIsPath(const char *s, int len)
{
	bool		label = false;

	if (len == 0)
		return false;
	for (int i = 0; i < len; i++)
	{
		char		c = s[i];

		if (c == '.')
		{
			if (!label)
				return false;
			label = false;
		}
		else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				 (c >= '0' && c <= '9') || c == '_' || c == '-')
			label = true;
		else
			return false;
	}
	return label;
}

/* set while a secret's string is parsed: its text must not be quoted */
static bool tpl_parsing_secret = false;

static void
TplSyntaxError(const char *where, const char *s, int len, int pos, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
			 errmsg("invalid template in %s: %s at position %d", where, what, pos + 1),
			 tpl_parsing_secret ? errdetail("The value is a secret; its text is not shown.") :
			 errdetail("The string is \"%s\".",
					   len > 200 ? psprintf("%.*s...", 200, s) : pnstrdup(s, len)),
			 errhint("Placeholders are ${env.name}, ${env.<label>}, ${provider.name}, "
					 "${provider.<variable>}, ${ref:<path>} and ${ref:<service>.<path>}, "
					 "optionally with :-default; write $${ for a literal \"${\".")));
}

/*
 * Cut the string into parts.  Raises CM012 naming where (the value's
 * description) for bad syntax.  Returns the number of parts; *parts is
 * palloc'd.  Consecutive literal text may form several parts.
 */
static int
TplParse(const char *s, int len, const char *where, TplPart **parts)
{
	int			max = 8;
	int			n = 0;
	int			nplace = 0;
	int			i = 0;
	int			lit = 0;		/* start of pending literal text */
	TplPart    *p = palloc(sizeof(TplPart) * max);

#define TPL_ADD() \
	do { \
		if (n == max) \
		{ \
			max *= 2; \
			p = repalloc(p, sizeof(TplPart) * max); \
		} \
		memset(&p[n], 0, sizeof(TplPart)); \
		n++; \
	} while (0)
#define TPL_FLUSH(upto) \
	do { \
		if ((upto) > lit) \
		{ \
			TPL_ADD(); \
			p[n - 1].kind = TPL_TEXT; \
			p[n - 1].text = s + lit; \
			p[n - 1].len = (upto) - lit; \
		} \
	} while (0)

	while (i < len)
	{
		const char *close;
		const char *expr;
		int			elen;
		const char *dflt;
		TplPart    *part;

		if (s[i] != '$')
		{
			i++;
			continue;
		}
		if (i + 2 < len && s[i + 1] == '$' && s[i + 2] == '{')
		{
			/* $${ : a literal ${ */
			TPL_FLUSH(i);
			TPL_ADD();
			p[n - 1].kind = TPL_TEXT;
			p[n - 1].text = s + i + 1;
			p[n - 1].len = 2;
			i += 3;
			lit = i;
			continue;
		}
		if (i + 1 >= len || s[i + 1] != '{')
		{
			i++;
			continue;
		}
		/* a placeholder */
		if (++nplace > TPL_MAX_PLACEHOLDERS)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
					 errmsg("invalid template in %s: more than %d placeholders in one string",
							where, TPL_MAX_PLACEHOLDERS),
					 errhint("Split the value, or reference one value that holds the repeated part.")));
		TPL_FLUSH(i);
		expr = s + i + 2;
		close = memchr(expr, '}', len - (i + 2));
		{
			/* a "${" before the closing brace is a nested placeholder */
			const char *q = expr;
			const char *lim = close ? close : s + len;

			while (q + 1 < lim && (q = memchr(q, '$', lim - q - 1)) != NULL)
			{
				if (q[1] == '{')
					TplSyntaxError(where, s, len, q - s, "nested \"${\" inside a placeholder");
				q++;
			}
		}
		if (close == NULL)
			TplSyntaxError(where, s, len, i, "unterminated \"${\"");
		elen = close - expr;
		TPL_ADD();
		part = &p[n - 1];
		part->expr = s + i;
		part->exprlen = elen + 3;

		/* name:-default (the default is literal text, possibly empty) */
		{
			int			from = (elen >= 4 && memcmp(expr, "ref:", 4) == 0) ? 4 : 0;
			const char *q = expr + from;

			dflt = NULL;
			while (q + 1 < close && (q = memchr(q, ':', close - q - 1)) != NULL)
			{
				if (q[1] == '-')
				{
					dflt = q;
					break;
				}
				q++;
			}
			if (dflt)
			{
				part->has_default = true;
				part->def = dflt + 2;
				part->deflen = close - (dflt + 2);
				elen = dflt - expr;
			}
		}

		if (elen == 8 && memcmp(expr, "env.name", 8) == 0)
			part->kind = TPL_ENV_NAME;
		else if (elen > 4 && memcmp(expr, "env.", 4) == 0 && TplIsPath(expr + 4, elen - 4))
		{
			part->kind = TPL_ENV_LABEL;
			part->text = expr + 4;
			part->len = elen - 4;
		}
		else if (elen == 13 && memcmp(expr, "provider.name", 13) == 0)
			part->kind = TPL_PROVIDER_NAME;
		else if (elen > 9 && memcmp(expr, "provider.", 9) == 0 && TplIsPath(expr + 9, elen - 9))
		{
			part->kind = TPL_PROVIDER_VAR;
			part->text = expr + 9;
			part->len = elen - 9;
		}
		else if (elen > 4 && memcmp(expr, "ref:", 4) == 0 && TplIsPath(expr + 4, elen - 4))
		{
			part->kind = TPL_REF;
			part->text = expr + 4;
			part->len = elen - 4;
		}
		else if (elen == 0)
			TplSyntaxError(where, s, len, i, "empty placeholder \"${}\"");
		else
			TplSyntaxError(where, s, len, i,
						   psprintf("unknown variable \"%.*s\"", elen, expr));
		i = close - s + 1;
		lit = i;
	}
	TPL_FLUSH(len);
	*parts = p;
	return n;
#undef TPL_ADD
#undef TPL_FLUSH
}

static char *
TplWhere(const char *service, const char *path, int pathlen)
{
	if (path == NULL)
		return pstrdup("the template argument");
	if (service == NULL)
		return psprintf("value \"%.*s\"", pathlen, path);
	return psprintf("value \"%.*s\" of service \"%s\"", pathlen, path, service);
}

/* Check the syntax of every template in a value (raises CM012). */
static void
TplCheckContainer(JsonbContainer *c, const char *where)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;

	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		TplPart    *parts;

		if ((tok == WJB_VALUE || tok == WJB_ELEM) && v.type == jbvString &&
			CfgStringHasTemplate(v.val.string.val, v.val.string.len))
		{
			(void) TplParse(v.val.string.val, v.val.string.len, where, &parts);
			pfree(parts);
		}
	}
}

/*
 * Check the syntax of the templates of a value about to be stored at path
 * of service (CM012 on error).  Cheap when the value has no "${".
 */
void
CfgTemplateCheckValue(Jsonb *value, const char *service, const char *path, int pathlen)
{
	if (value == NULL || !CfgJsonbMayHaveTemplate(value))
		return;
	TplCheckContainer(&value->root, TplWhere(service, path, pathlen));
}

/* ---------------------------------------------------------------------
 * Variables
 * ---------------------------------------------------------------------
 */

/* An environment label, the deepest environment of the chain first. */
static JsonbValue *
TplLabel(CfgRenderCtx *ctx, const char *path, int len)
{
	for (int i = ctx->nchain - 1; i >= 0; i--)
	{
		JsonbValue *v = CfgJsonFollow(&ctx->chain[i]->labels->root, path, len);

		if (v != NULL)
			return v;
	}
	return NULL;
}

/* A target variable, else the provider's default. */
static JsonbValue *
TplProviderVar(CfgRenderCtx *ctx, const char *path, int len)
{
	JsonbValue *v = NULL;

	if (!ctx->vars_loaded)
	{
		MemoryContext old = MemoryContextSwitchTo(GetMemoryChunkContext(ctx));

		ctx->target = CfgTargetVariables(ctx->cat, ctx->chain, ctx->nchain, ctx->provider);
		MemoryContextSwitchTo(old);
		ctx->vars_loaded = true;
	}
	if (ctx->target != NULL)
		v = CfgJsonFollow(&ctx->target->root, path, len);
	if (v == NULL && ctx->prov != NULL)
		v = CfgJsonFollow(&ctx->prov->variables->root, path, len);
	return v;
}

/* ---------------------------------------------------------------------
 * Rendering
 * ---------------------------------------------------------------------
 */
static bool TplRenderString(CfgRenderCtx *ctx, const char *s, int len, const char *service,
							const char *where, bool secret, JsonbValue *out);

/* The description of the frame at the top of the stack. */
static char *
TplWhereTop(CfgRenderCtx *ctx)
{
	TplFrame   *f;

	if (ctx->depth == 0)
		return pstrdup("the template argument");
	f = &ctx->stack[ctx->depth - 1];
	return TplWhere(f->service, f->path, f->pathlen);
}

static void
TplPush(CfgRenderCtx *ctx, const char *service, const char *path, int pathlen)
{
	for (int i = 0; i < ctx->depth; i++)
	{
		TplFrame   *f = &ctx->stack[i];

		if (f->pathlen == pathlen && strcmp(f->service, service) == 0 &&
			memcmp(f->path, path, pathlen) == 0)
		{
			StringInfoData cycle;

			initStringInfo(&cycle);
			for (int j = i; j < ctx->depth; j++)
				appendStringInfo(&cycle, "%s.%.*s -> ", ctx->stack[j].service,
								 ctx->stack[j].pathlen, ctx->stack[j].path);
			appendStringInfo(&cycle, "%s.%.*s", service, pathlen, path);
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_CIRCULAR_DEPENDENCY),
					 errmsg("template references form a cycle: %s", cycle.data),
					 errdetail("Environment \"%s\"%s.", ctx->envname,
							   ctx->provider ? psprintf(", provider \"%s\"", ctx->provider) : ""),
					 errhint("Replace one of the references by a value.")));
		}
	}
	if (ctx->depth >= TPL_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
				 errmsg("invalid template in %s: references nested more than %d deep",
						TplWhereTop(ctx), TPL_MAX_DEPTH)));
	ctx->stack[ctx->depth].service = service;
	ctx->stack[ctx->depth].path = path;
	ctx->stack[ctx->depth].pathlen = pathlen;
	ctx->depth++;
}

/*
 * Render every string of a container (an array, or an object inside one);
 * *changed tells whether anything was rendered.  Returns the new value.
 */
static JsonbValue *
TplRenderContainer(CfgRenderCtx *ctx, JsonbContainer *c, const char *service,
				   const char *where, bool secret, bool *changed)
{
	JsonbParseState *state = NULL;
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbValue *res = NULL;
	JsonbIteratorToken tok;

	check_stack_depth();
	while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
	{
		if ((tok == WJB_VALUE || tok == WJB_ELEM) && v.type == jbvString &&
			CfgStringHasTemplate(v.val.string.val, v.val.string.len))
		{
			JsonbValue	out;

			if (TplRenderString(ctx, v.val.string.val, v.val.string.len, service, where,
								secret, &out))
				*changed = true;
			res = pushJsonbValue(&state, tok, &out);
		}
		else
			res = pushJsonbValue(&state, tok, tok < WJB_BEGIN_ARRAY ? &v : NULL);
	}
	return res;
}

/* The JSON value v as a JsonbValue usable as a leaf or element. */
static void
TplJsonbToValue(Jsonb *j, JsonbValue *out)
{
	if (JB_ROOT_IS_SCALAR(j))
		JsonbExtractScalar(&j->root, out);
	else
	{
		out->type = jbvBinary;
		out->val.binary.data = &j->root;
		out->val.binary.len = VARSIZE(j) - VARHDRSZ;
	}
}

static bool TplSecretBelow(CfgResolved *res, CfgNode *node);
static void TplRenderNode(CfgRenderCtx *ctx, CfgResolved *res, CfgNode *node,
						  const char *path, int pathlen);

/* The tree to look (service, path) up in: one at hand, or a new one. */
static CfgResolved *
TplSourceFor(CfgRenderCtx *ctx, const char *service, const char *path, int pathlen)
{
	ListCell   *lc;
	TplSource  *src;
	MemoryContext old;

	foreach(lc, ctx->sources)
	{
		src = lfirst(lc);
		if (strcmp(src->service, service) != 0)
			continue;
		if (src->path == NULL ||
			CfgPathIsAncestor(src->path, src->pathlen, path, pathlen))
			return src->res;
	}
	old = MemoryContextSwitchTo(GetMemoryChunkContext(ctx));
	src = palloc0(sizeof(TplSource));
	src->service = pstrdup(service);
	src->path = pnstrdup(path, pathlen);
	src->pathlen = pathlen;
	if (ctx->as_of != NULL)
		src->res = CfgResolveVersion(ctx->envname, service, ctx->provider, path, pathlen, ctx->as_of);
	else
		src->res = CfgResolve(ctx->envname, service, ctx->provider, path, pathlen);
	ctx->sources = lappend(ctx->sources, src);
	MemoryContextSwitchTo(old);
	return src->res;
}

/*
 * The rendered value of (service, path), or NULL when it resolves to
 * nothing.  *secret tells whether it holds a secret.
 */
static Jsonb *
TplLookup(CfgRenderCtx *ctx, const char *service, const char *path, int pathlen, bool *secret)
{
	CfgResolved *res = TplSourceFor(ctx, service, path, pathlen);
	int			matched;
	CfgNode    *node = CfgNodeFindPrefix(res->root, path, pathlen, &matched);

	if (matched == 0 || (matched < pathlen && CfgNodeIsObject(node)))
		return NULL;			/* nothing there (render nothing else) */
	TplRenderNode(ctx, res, node, path, matched);
	*secret = TplSecretBelow(res, node);
	return CfgRenderedValueAt(res, path, pathlen);
}

/* Append an interpolated value to buf; false when it cannot be. */
static bool
TplAppendScalar(StringInfo buf, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			appendBinaryStringInfo(buf, v->val.string.val, v->val.string.len);
			return true;
		case jbvNumeric:
			appendStringInfoString(buf, DatumGetCString(DirectFunctionCall1(numeric_out,
																			NumericGetDatum(v->val.numeric))));
			return true;
		case jbvBool:
			appendStringInfoString(buf, v->val.boolean ? "true" : "false");
			return true;
		default:
			return false;
	}
}

static const char *
TplTypeName(JsonbValue *v)
{
	if (v->type == jbvNull)
		return "null";
	if (v->type == jbvBinary)
		return JsonContainerIsObject(v->val.binary.data) ? "an object" : "an array";
	return "a scalar";
}

static void
TplUnknown(CfgRenderCtx *ctx, const char *where, TplPart *part, const char *why)
{
	cfg_render_missing = true;
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
			 errmsg("unknown variable \"%.*s\" in %s", part->exprlen, part->expr, where),
			 errdetail("%s", why),
			 errhint("Set it, or give a default: ${name:-default}.")));
}

/*
 * Render one string; out receives the result (a string, or for a string
 * that is exactly one reference, the referenced value).  Returns whether
 * the string had anything to render.
 */
static bool
TplRenderString(CfgRenderCtx *ctx, const char *s, int len, const char *service,
				const char *where, bool secret, JsonbValue *out)
{
	TplPart    *parts;
	int			nparts;
	StringInfoData buf;

	out->type = jbvString;
	out->val.string.val = (char *) s;
	out->val.string.len = len;
	if (!CfgStringHasTemplate(s, len))
		return false;
	tpl_parsing_secret = secret;
	PG_TRY();
	{
		nparts = TplParse(s, len, where, &parts);
	}
	PG_FINALLY();
	{
		tpl_parsing_secret = false;
	}
	PG_END_TRY();
	initStringInfo(&buf);
	for (int i = 0; i < nparts; i++)
	{
		TplPart    *part = &parts[i];
		JsonbValue *v = NULL;
		JsonbValue	tmp;
		Jsonb	   *ref = NULL;

		CHECK_FOR_INTERRUPTS();
		switch (part->kind)
		{
			case TPL_TEXT:
				appendBinaryStringInfo(&buf, part->text, part->len);
				break;
			case TPL_ENV_NAME:
				appendStringInfoString(&buf, ctx->envname);
				break;
			case TPL_ENV_LABEL:
				v = TplLabel(ctx, part->text, part->len);
				if (v == NULL && !part->has_default)
					TplUnknown(ctx, where, part,
							   psprintf("Environment \"%s\" and its ancestors have no label \"%.*s\".",
										ctx->envname, part->len, part->text));
				break;
			case TPL_PROVIDER_NAME:
			case TPL_PROVIDER_VAR:
				if (ctx->provider == NULL)
				{
					if (part->has_default)
						break;
					ctx->unbound = true;
					if (ctx->lenient)
					{
						appendBinaryStringInfo(&buf, part->expr, part->exprlen);
						break;
					}
					cfg_render_unbound = true;
					cfg_render_missing = true;
					ereport(ERROR,
							(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
							 errmsg("unknown variable \"%.*s\" in %s: no provider given",
									part->exprlen, part->expr, where),
							 errhint("Resolve for a provider (provider => ...), or give a default: ${name:-default}.")));
				}
				if (part->kind == TPL_PROVIDER_NAME)
				{
					appendStringInfoString(&buf, ctx->provider);
					break;
				}
				v = TplProviderVar(ctx, part->text, part->len);
				if (v == NULL && !part->has_default && ctx->lenient && ctx->target == NULL)
				{
					/* not deployed to the provider: not rendered there */
					ctx->unbound = true;
					appendBinaryStringInfo(&buf, part->expr, part->exprlen);
					break;
				}
				if (v == NULL && !part->has_default)
				{
					if (ctx->target == NULL)
						cfg_render_unbound = true;	/* not deployed there */
					TplUnknown(ctx, where, part,
							   psprintf("Provider \"%s\" has no default for it and environment \"%s\" %s.",
										ctx->provider, ctx->envname,
										ctx->target ? "is deployed to it without it (cfgmgr.set_target)" :
										"is not deployed to it (cfgmgr.set_target)"));
				}
				break;
			case TPL_REF:
				{
					const char *rsvc = service;
					const char *rpath = part->text;
					int			rlen = part->len;
					const char *dot = memchr(rpath, '.', rlen);
					bool		rsecret = false;

					if (dot != NULL)
					{
						char	   *first = pnstrdup(rpath, dot - rpath);

						if (CfgLookupService(ctx->cat, first, true) != NULL)
						{
							rsvc = first;
							rlen -= dot + 1 - rpath;
							rpath = dot + 1;
						}
					}
					ref = TplLookup(ctx, rsvc, rpath, rlen, &rsecret);
					if (ref == NULL)
					{
						if (!part->has_default)
							cfg_render_missing = true;
						if (!part->has_default)
							ereport(ERROR,
									(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
									 errmsg("unknown variable \"%.*s\" in %s: \"%.*s\" of service \"%s\" is not set",
											part->exprlen, part->expr, where, rlen, rpath, rsvc),
									 errdetail("Environment \"%s\"%s.", ctx->envname,
											   ctx->provider ? psprintf(", provider \"%s\"", ctx->provider) : ""),
									 errhint("Set it, or give a default: ${ref:path:-default}.")));
						break;
					}
					if (rsecret && !secret)
						ereport(ERROR,
								(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
								 errmsg("invalid template in %s: \"%.*s\" references a secret",
										where, part->exprlen, part->expr),
								 errdetail("A secret must not leak into a value that is not secret."),
								 errhint("Store the referencing value as a secret too (secret => true).")));
					if (nparts == 1)
					{
						/* exactly one reference: the referenced value, any type */
						TplJsonbToValue(ref, out);
						return true;
					}
					TplJsonbToValue(ref, &tmp);
					v = &tmp;
					break;
				}
		}
		if (v == NULL && part->kind != TPL_TEXT && part->has_default &&
			part->kind != TPL_ENV_NAME &&
			!(part->kind == TPL_PROVIDER_NAME && ctx->provider != NULL))
			appendBinaryStringInfo(&buf, part->def, part->deflen);
		else if (v != NULL && !TplAppendScalar(&buf, v))
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
					 errmsg("invalid template in %s: \"%.*s\" is %s, which cannot be part of a string",
							where, part->exprlen, part->expr, TplTypeName(v)),
					 errhint("Only a string that is exactly one ${ref:...} takes an object, array or null.")));
		if (buf.len > TPL_MAX_OUTPUT)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_TEMPLATE),
					 errmsg("invalid template in %s: the rendered string exceeds %d bytes",
							where, TPL_MAX_OUTPUT)));
	}
	out->type = jbvString;
	out->val.string.val = buf.data;
	out->val.string.len = buf.len;
	return true;
}

/* Is any leaf below node (or node itself) from a secret entry? */
static bool
TplSecretBelow(CfgResolved *res, CfgNode *node)
{
	int			origin = CfgNodeOrigin(node);

	if (origin >= 0 && origin < res->nrows && res->rows[origin].secret)
		return true;
	if (CfgNodeIsObject(node))
	{
		/* any secret row at or below the node's path would be in the tree */
		for (int i = 0; i < res->nrows; i++)
			if (res->rows[i].secret && !res->rows[i].tombstone &&
				CfgNodeUsesRow(node, res->rows[i].seq))
				return true;
	}
	return false;
}

typedef struct TplWalk
{
	CfgRenderCtx *ctx;
	CfgResolved *res;
} TplWalk;

static void
TplRenderLeaf(CfgRenderCtx *ctx, CfgResolved *res, CfgNode *leaf, const char *path, int pathlen)
{
	JsonbValue *v = CfgNodeLeafValue(leaf);
	JsonbValue	out;
	bool		secret;
	int			origin;
	char	   *where;
	const char *p;

	if (CfgNodeRendered(leaf))
		return;
	if (v == NULL || !TplValueMayHave(v))
	{
		CfgNodeSetRendered(leaf);
		return;
	}
	origin = CfgNodeOrigin(leaf);
	secret = origin >= 0 && origin < res->nrows && res->rows[origin].secret;
	p = pnstrdup(path, pathlen);	/* the walk's buffer changes */
	TplPush(ctx, res->service, p, pathlen);
	where = TplWhere(res->service, p, pathlen);
	if (v->type == jbvString)
	{
		if (TplRenderString(ctx, v->val.string.val, v->val.string.len, res->service,
							where, secret, &out))
			CfgNodeSetLeafValue(leaf, &out);
	}
	else if (v->type == jbvBinary)
	{
		bool		changed = false;
		JsonbValue *r = TplRenderContainer(ctx, v->val.binary.data, res->service, where,
										   secret, &changed);

		if (changed)
		{
			TplJsonbToValue(JsonbValueToJsonb(r), &out);
			CfgNodeSetLeafValue(leaf, &out);
		}
	}
	ctx->depth--;
	CfgNodeSetRendered(leaf);
}

static void
TplWalkLeaf(void *arg, const char *path, int pathlen, CfgNode *leaf)
{
	TplWalk    *w = arg;

	TplRenderLeaf(w->ctx, w->res, leaf, path, pathlen);
}

/* Render the templates of node (at path) and below, in place. */
static void
TplRenderNode(CfgRenderCtx *ctx, CfgResolved *res, CfgNode *node, const char *path, int pathlen)
{
	TplWalk		w;

	if (CfgNodeRendered(node))
		return;
	if (!CfgNodeIsObject(node))
	{
		TplRenderLeaf(ctx, res, node, path, pathlen);
		return;
	}
	w.ctx = ctx;
	w.res = res;
	if (pathlen > 0)
		TplPush(ctx, res->service, pnstrdup(path, pathlen), pathlen);
	CfgNodeWalkLeaves(node, path, pathlen, TplWalkLeaf, &w);
	if (pathlen > 0)
		ctx->depth--;
	CfgNodeSetRendered(node);
}

/* ---------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------
 */

/* A rendering context for (env, provider), references read as of as_of. */
CfgRenderCtx *
CfgRenderStart(const char *envname, const char *provider, const char *as_of)
{
	CfgRenderCtx *ctx = palloc0(sizeof(CfgRenderCtx));
	CfgEnv	   *env;

	ctx->cat = CfgGetCatalog();
	env = CfgLookupEnv(ctx->cat, envname, false);
	ctx->envname = env->name;
	ctx->chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
	ctx->nchain = CfgEnvChain(ctx->cat, env, ctx->chain);
	ctx->provider = provider;
	ctx->prov = provider ? CfgLookupProvider(ctx->cat, provider, false) : NULL;
	ctx->as_of = as_of;
	cfg_render_unbound = false;
	cfg_render_missing = false;
	return ctx;
}

/*
 * Render res (a resolution of ctx's environment and provider) in place: the
 * node at path and below, or the whole document when path is NULL.  res
 * becomes a source of references.
 */
void
CfgRenderResolved(CfgRenderCtx *ctx, CfgResolved *res, const char *path, int pathlen)
{
	TplSource  *src = palloc0(sizeof(TplSource));
	CfgNode    *node;
	int			matched;

	src->service = res->service;
	src->res = res;
	ctx->sources = lappend(ctx->sources, src);
	if (!res->may_template)
		return;
	if (path == NULL)
	{
		TplRenderNode(ctx, res, res->root, "", 0);
		return;
	}
	src->path = pnstrdup(path, pathlen);
	src->pathlen = pathlen;
	node = CfgNodeFindPrefix(res->root, path, pathlen, &matched);
	/* the path itself, or a leaf above it that may render to an object */
	if (matched == pathlen || (matched > 0 && !CfgNodeIsObject(node)))
		TplRenderNode(ctx, res, node, path, matched);
}

/*
 * Validation: a ${provider...} that cannot be rendered (no provider, or a
 * variable of a provider the environment is not deployed to) is left as
 * written and noted (CfgRenderUnbound) instead of raising, so that other
 * errors are found whatever the order of the values.
 */
void
CfgRenderSetLenient(CfgRenderCtx *ctx)
{
	ctx->lenient = true;
}

bool
CfgRenderUnbound(CfgRenderCtx *ctx)
{
	return ctx->unbound;
}

/*
 * After an error: the path of the outermost value being rendered (what a
 * validation reports), or NULL.
 */
char *
CfgRenderErrorPath(CfgRenderCtx *ctx)
{
	if (ctx->depth == 0)
		return NULL;
	return pnstrdup(ctx->stack[0].path, ctx->stack[0].pathlen);
}

/*
 * The rendered value at path in res after CfgRenderResolved(ctx, res,
 * path): also below a leaf that rendered to an object.  NULL if none.
 */
Jsonb *
CfgRenderedValueAt(CfgResolved *res, const char *path, int pathlen)
{
	int			matched;
	CfgNode    *node = CfgNodeFindPrefix(res->root, path, pathlen, &matched);
	Jsonb	   *leaf;
	JsonbValue *v;

	if (matched == pathlen)
		return pathlen > 0 ? CfgNodeToJsonb(node) : NULL;
	if (matched == 0 || CfgNodeIsObject(node))
		return NULL;
	leaf = CfgNodeToJsonb(node);
	v = CfgJsonFollow(&leaf->root, path + matched + 1, pathlen - matched - 1);
	return v ? JsonbValueToJsonb(v) : NULL;
}

/*
 * Render one value stored at (service, path) in ctx's environment: the
 * drift hook, and export.  value is returned as is when it holds no
 * template.
 */
Jsonb *
CfgRenderValue(CfgRenderCtx *ctx, const char *service, const char *path, int pathlen,
			   Jsonb *value, bool secret)
{
	JsonbValue	jv;
	JsonbValue	out;
	char	   *where;
	Jsonb	   *result = value;

	if (value == NULL || !CfgJsonbMayHaveTemplate(value))
		return value;
	where = TplWhere(service, path, pathlen);
	TplPush(ctx, service, path, pathlen);
	if (JB_ROOT_IS_SCALAR(value))
	{
		JsonbExtractScalar(&value->root, &jv);
		if (jv.type == jbvString &&
			TplRenderString(ctx, jv.val.string.val, jv.val.string.len, service, where, secret, &out))
			result = JsonbValueToJsonb(&out);
	}
	else
	{
		bool		changed = false;
		JsonbValue *r = TplRenderContainer(ctx, &value->root, service, where, secret, &changed);

		if (changed)
			result = JsonbValueToJsonb(r);
	}
	ctx->depth--;
	return result;
}

/* The drift hook: a value as (env, service, provider) renders it. */
static Jsonb *
CfgDriftRender(const char *env, const char *service, const char *provider,
			   const char *path, int pathlen, Jsonb *value, bool secret)
{
	CfgRenderCtx *ctx;

	if (value == NULL || !CfgJsonbMayHaveTemplate(value))
		return value;
	ctx = CfgRenderStart(env, provider, NULL);
	return CfgRenderValue(ctx, service, path, pathlen, value, secret);
}

void
CfgTemplateInit(void)
{
	cfg_render_hook = CfgDriftRender;
}

/* ---------------------------------------------------------------------
 * SQL functions
 * ---------------------------------------------------------------------
 */

/*
 * cfgmgr.render(template text, env text, service text, provider text
 *				 DEFAULT NULL) RETURNS text
 *
 * The template rendered as a value of service would be in env for
 * provider.  A template that is exactly one reference to a value that is
 * not a string returns that value's JSON text.
 */
Datum
cfgmgr_render(PG_FUNCTION_ARGS)
{
	text	   *tpl;
	char	   *env = CfgArgText(fcinfo, 1, "environment");
	char	   *svc = CfgArgText(fcinfo, 2, "service");
	char	   *provider = PG_ARGISNULL(3) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(3));
	CfgRenderCtx *ctx;
	JsonbValue	out;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("template must not be null")));
	tpl = PG_GETARG_TEXT_PP(0);
	ctx = CfgRenderStart(env, provider, NULL);
	(void) CfgLookupService(ctx->cat, svc, false);
	if (!TplRenderString(ctx, VARDATA_ANY(tpl), VARSIZE_ANY_EXHDR(tpl), svc, "the template argument",
						 false, &out))
		PG_RETURN_TEXT_P(tpl);
	if (out.type == jbvString)
		PG_RETURN_TEXT_P(cstring_to_text_with_len(out.val.string.val, out.val.string.len));
	PG_RETURN_TEXT_P(cstring_to_text(JsonbToCString(NULL, out.type == jbvBinary ?
													out.val.binary.data :
													&JsonbValueToJsonb(&out)->root,
													-1)));
}

/* cfgmgr.has_template(jsonb) RETURNS bool: may the value hold a template? */
Datum
cfgmgr_has_template(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = PG_GETARG_JSONB_P(0);

	PG_RETURN_BOOL(CfgJsonbMayHaveTemplate(j));
}

/*
 * cfgmgr.check_template(template text) RETURNS void: raises CM012 when
 * the template's syntax is wrong (variables are not looked up).
 */
Datum
cfgmgr_check_template(PG_FUNCTION_ARGS)
{
	text	   *tpl;
	TplPart    *parts;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("template must not be null")));
	tpl = PG_GETARG_TEXT_PP(0);
	(void) TplParse(VARDATA_ANY(tpl), VARSIZE_ANY_EXHDR(tpl), "the template argument", &parts);
	PG_RETURN_VOID();
}
