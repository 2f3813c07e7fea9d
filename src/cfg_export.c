/*-------------------------------------------------------------------------
 *
 * cfg_export.c
 *	  cfgmgr.export_yaml: deterministic YAML for a configuration, so that it
 *	  diffs cleanly in Git and imports back to exactly what was exported.
 *
 * Two sources (CfgExportFetch is the only place reading them):
 *	resolved => true	cfgmgr.resolve(env, service, provider, as_of): one
 *						document;
 *	resolved => false	the environment's own entries for that provider
 *						qualifier (the neutral ones for NULL), tombstones
 *						included, nested by path; with as_of, those it
 *						stored at that version (from the history).
 *
 * Layout rules (the same input always gives the same bytes):
 *	- block style, 2-space indentation, a final newline; sequences are
 *	  indented below their key, items that are collections start on the
 *	  "- " line; "{}" and "[]" for empty collections;
 *	- mapping keys sorted by their bytes;
 *	- numbers as jsonb prints them, true, false, null;
 *	- a string is plain unless it would read back as something else or
 *	  might to another YAML reader: empty, null/bool/int/float/.inf/.nan
 *	  look-alikes (YAML 1.2 core), YAML 1.1 booleans (yes, no, on, off, y,
 *	  n in any usual case), anything starting with a digit or with [-+.]
 *	  and a digit, an indicator character or a space, ending with a space
 *	  or ":", containing ": " or " #", "<<", "..."; quoted strings use
 *	  double quotes, escaping '"', '\', control characters, and the
 *	  characters YAML treats as line breaks or cannot hold raw (U+0085,
 *	  U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF), so a multi-line string is
 *	  one double-quoted line;
 *	- a key longer than 1000 bytes is written as an explicit "? key" (YAML
 *	  readers limit implicit keys to 1024 characters);
 *	- stored entries (resolved => false): a path with its own entry and
 *	  entries below it writes those below as dotted keys next to it
 *	  ("db: !block" then "db.host: x"); a tombstone is "!block"; a stored
 *	  non-empty object is tagged "!value" (import stores it as one value
 *	  rather than as paths);
 *	- resolved documents: an object whose keys are not all single labels
 *	  is tagged "!value", so that importing the export gives back the same
 *	  resolved document;
 *	- a secret is written as the mask, tagged: key: !secret "********"
 *	  (import keeps the secret stored at that path).
 *
 * The document is built in UTF-8 and converted to the server encoding at
 * the end (a no-op in UTF8 databases).
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_export.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "cfg_errcodes.h"
#include "cfg_yaml.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_export_yaml);

/* keys longer than this (in bytes, as written) use the explicit "? " form */
#define YAML_MAX_IMPLICIT_KEY	1000

static SPIPlanPtr plan_stored = NULL;
static SPIPlanPtr plan_stored_asof = NULL;

/*
 * An environment's own entries for one service and provider qualifier,
 * from cfgmgr.entry (now) or cfgmgr.entries_at(seq) (as of a version).
 */
#define STORED_ROWS(from) \
	"SELECT e.path::pg_catalog.text, e.value, e.tombstone, e.secret FROM " from \
	" WHERE e.env_id OPERATOR(pg_catalog.=) $1 AND e.service_id OPERATOR(pg_catalog.=) $2" \
	" AND e.provider OPERATOR(pg_catalog.=) $3"

/* ---------------------------------------------------------------------
 * The source document
 * ---------------------------------------------------------------------
 */
typedef struct CfgExportRow
{
	char	   *path;
	int			pathlen;
	Jsonb	   *value;			/* NULL for a tombstone */
	bool		secret;
} CfgExportRow;

typedef struct CfgExportSource
{
	Jsonb	   *resolved;		/* resolved => true */
	char	  **secret_paths;	/* ... its leaves from secret entries, in
								 * cfgpath order */
	int			nsecret;
	CfgExportRow *rows;			/* resolved => false, in cfgpath order */
	int			nrows;
} CfgExportSource;

/* Collects the leaves of a resolution that come from secret entries. */
typedef struct SecretLeaves
{
	CfgResolved *res;
	char	  **paths;
	int			n;
	int			max;
} SecretLeaves;

static void
CfgExportSecretLeaf(void *arg, const char *path, int pathlen, CfgNode *leaf)
{
	SecretLeaves *sl = arg;
	int			origin = CfgNodeOrigin(leaf);

	if (origin < 0 || origin >= sl->res->nrows || !sl->res->rows[origin].secret)
		return;
	if (sl->n == sl->max)
	{
		sl->max = sl->max ? sl->max * 2 : 16;
		sl->paths = sl->paths ? repalloc(sl->paths, sizeof(char *) * sl->max) :
			palloc(sizeof(char *) * sl->max);
	}
	sl->paths[sl->n++] = pnstrdup(path, pathlen);
}

static int
CfgExportPathCmp(const void *a, const void *b)
{
	const char *x = *(const char *const *) a;
	const char *y = *(const char *const *) b;

	return CfgPathCmp(x, strlen(x), y, strlen(y));
}

/*
 * Is path (or something below it) a leaf from a secret entry?  Then the
 * export writes the mask there.  The secret leaves are sorted in cfgpath
 * order, where a path's descendants follow it.
 */
static bool
CfgExportSecretAt(CfgExportSource *src, const char *path, int pathlen)
{
	int			lo = 0,
				hi = src->nsecret;

	while (lo < hi)
	{
		int			mid = (lo + hi) / 2;
		const char *p = src->secret_paths[mid];

		if (CfgPathCmp(p, strlen(p), path, pathlen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo >= src->nsecret)
		return false;
	return CfgPathIsAncestorInline(path, pathlen, src->secret_paths[lo],
								   strlen(src->secret_paths[lo]));
}

/*
 * What export_yaml writes: the resolved document, or the environment's own
 * entries for the provider qualifier ("" = neutral).  The one place that
 * reads it, so reading as of a version belongs here: as_of (NULL: now)
 * passes to cfgmgr.resolve, or selects, for every stored key of the
 * environment that had that name then, the newest history row among the
 * changesets committed by then (an "unset" row: no entry).
 *
 * Secrets are exported as the mask, tagged !secret, and never in clear
 * (exports go to Git), whoever asks: stored entries hold the mask in
 * value; for the resolved document the leaves that come from secret
 * entries are found on a resolution of our own (secret_paths) and masked
 * when written.  Stored entries are read as the tables' owner (the history
 * holds ciphertexts only the owner may read), each checked against the
 * caller's read privilege (CM008).
 */
static void
CfgExportFetch(const char *env, const char *svc, const char *provider,
			   bool resolved, const char *as_of, CfgExportSource *src)
{
	MemoryContext caller = CurrentMemoryContext;
	int			ret;
	uint64		i;

	memset(src, 0, sizeof(*src));
	if (resolved)
	{
		/*
		 * One resolution, secrets masked whoever asks (an export goes to Git;
		 * so it needs no key): the document, rendered, and which of its
		 * leaves are secrets (written with the !secret tag).
		 */
		CfgSecretView view = cfg_secret_view;
		CfgResolved *res;
		SecretLeaves sl;

		cfg_secret_view = CFG_SECRETS_MASKED;
		PG_TRY();
		{
			res = as_of ? CfgResolveVersion(env, svc, provider, NULL, 0, as_of) :
				CfgResolve(env, svc, provider, NULL, 0);
		}
		PG_FINALLY();
		{
			cfg_secret_view = view;
		}
		PG_END_TRY();
		memset(&sl, 0, sizeof(sl));
		sl.res = res;
		CfgNodeWalkLeaves(res->root, "", 0, CfgExportSecretLeaf, &sl);
		if (sl.n > 1)
			qsort(sl.paths, sl.n, sizeof(char *), CfgExportPathCmp);
		src->secret_paths = sl.paths;
		src->nsecret = sl.n;
		if (res->may_template)
			CfgRenderResolved(CfgRenderStart(env, provider, as_of), res, NULL, 0);
		src->resolved = CfgNodeToJsonb(res->root);
	}
	else
	{
		CfgCatalog *cat = CfgGetCatalog();
		Oid			types[4] = {INT4OID, INT4OID, TEXTOID, INT8OID};
		Datum		args[4];
		CfgEnv	   *e;
		CfgService *service = CfgLookupService(cat, svc, false);
		CfgUserSave save;

		if (as_of == NULL)
			e = CfgLookupEnv(cat, env, false);
		else
		{
			CfgVersion	v = CfgParseVersion(as_of);
			CfgEnv	  **chain = palloc(sizeof(CfgEnv *) * CFG_MAX_DEPTH);
			int			n = CfgEnvChainAsOf(env, v.seq, as_of, chain);

			/* root first: the environment itself is the last one */
			e = chain[n - 1];
			args[3] = Int64GetDatum(v.seq);
		}
		args[0] = Int32GetDatum(e->id);
		args[1] = Int32GetDatum(service->id);
		if (provider != NULL)
			CfgCheckProvider(cat, provider);
		args[2] = CStringGetTextDatum(provider ? provider : CFG_NEUTRAL_PROVIDER);
		CfgSpiConnectOwner(&save);
		if (as_of == NULL)
			ret = SPI_execute_plan(CfgKeepPlan(&plan_stored, STORED_ROWS("cfgmgr.entry e"), 3, types),
								   args, NULL, true, 0);
		else
			ret = SPI_execute_plan(CfgKeepPlan(&plan_stored_asof, STORED_ROWS("cfgmgr.entries_at($4) e"),
											   4, types),
								   args, NULL, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read the stored values: %s", SPI_result_code_string(ret));
		src->nrows = (int) SPI_processed;
		src->rows = MemoryContextAlloc(caller, sizeof(CfgExportRow) * Max(src->nrows, 1));
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			CfgExportRow *row = &src->rows[i];
			bool		isnull;
			text	   *p = DatumGetTextPP(SPI_getbinval(tup, desc, 1, &isnull));
			Datum		v = SPI_getbinval(tup, desc, 2, &isnull);
			MemoryContext old = MemoryContextSwitchTo(caller);

			row->pathlen = VARSIZE_ANY_EXHDR(p);
			row->path = pnstrdup(VARDATA_ANY(p), row->pathlen);
			row->value = isnull ? NULL : DatumGetJsonbPCopy(v);
			MemoryContextSwitchTo(old);
			if (DatumGetBool(SPI_getbinval(tup, desc, 3, &isnull)))
				row->value = NULL;
			row->secret = DatumGetBool(SPI_getbinval(tup, desc, 4, &isnull));
		}
		CfgSpiFinishOwner(&save);
		/* read as the owner, checked as the caller: every row, or refused */
		for (i = 0; i < (uint64) src->nrows; i++)
			CfgAclRequire(CFG_PRIV_READ, e, service, src->rows[i].path, src->rows[i].pathlen);
	}
}

/* ---------------------------------------------------------------------
 * Writing scalars
 * ---------------------------------------------------------------------
 */
typedef struct YamlOut
{
	StringInfoData buf;			/* UTF-8 */
	bool		convert;		/* server encoding is neither UTF8 nor
								 * SQL_ASCII: strings are converted */
	bool		check;			/* SQL_ASCII: strings must be valid UTF-8 */
} YamlOut;

/* A string of the server encoding as UTF-8 (checked in SQL_ASCII). */
static const char *
YamlUtf8(YamlOut *out, const char *s, int len, int *outlen)
{
	if (out->convert)
	{
		char	   *res = pg_server_to_any(s, len, PG_UTF8);

		*outlen = res == s ? len : (int) strlen(res);
		return res;
	}
	if (out->check && !pg_verify_mbstr(PG_UTF8, s, len, true))
		ereport(ERROR,
				(errcode(ERRCODE_CHARACTER_NOT_IN_REPERTOIRE),
				 errmsg("cannot export a string that is not valid UTF-8"),
				 errdetail("YAML documents are UTF-8; this SQL_ASCII database stores other bytes.")));
	*outlen = len;
	return s;
}

/*
 * The code point of the UTF-8 sequence at s (valid UTF-8) and its length.
 */
static pg_wchar
YamlCodePoint(const unsigned char *s, int *width)
{
	*width = pg_utf_mblen(s);
	return utf8_to_unicode(s);
}

/* Characters a YAML scalar cannot hold raw: they are written escaped. */
static inline bool
YamlMustEscape(pg_wchar cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
		cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF;
}

/* Could the string be written plain (see the file header)? */
static bool
YamlPlainOk(const char *s, int len)
{
	static const char *const yaml11[] = {
		"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO",
		"on", "On", "ON", "off", "Off", "OFF", NULL
	};
	const char *const *w;
	unsigned char c0;
	int			i;

	if (len == 0 || CfgYamlResolvePlain(s, len) != CFG_PLAIN_STRING)
		return false;
	for (w = yaml11; *w; w++)
		if ((int) strlen(*w) == len && memcmp(s, *w, len) == 0)
			return false;
	c0 = (unsigned char) s[0];
	if (strchr("-?:,[]{}#&*!|>'\"%@`", c0) != NULL || c0 == ' ')
		return false;
	if ((c0 >= '0' && c0 <= '9') ||
		((c0 == '+' || c0 == '.') && len > 1 && s[1] >= '0' && s[1] <= '9'))
		return false;
	if (s[len - 1] == ' ' || s[len - 1] == ':')
		return false;
	if ((len == 2 && memcmp(s, "<<", 2) == 0) ||
		(len >= 3 && memcmp(s, "...", 3) == 0))
		return false;
	for (i = 0; i < len;)
	{
		unsigned char c = (unsigned char) s[i];

		if (c < 0x80)
		{
			if (YamlMustEscape(c) ||
				(c == ':' && i + 1 < len && s[i + 1] == ' ') ||
				(c == ' ' && i + 1 < len && s[i + 1] == '#'))
				return false;
			i++;
		}
		else
		{
			int			width;

			if (YamlMustEscape(YamlCodePoint((const unsigned char *) s + i, &width)))
				return false;
			i += width;
		}
	}
	return true;
}

static void
YamlWriteQuoted(StringInfo buf, const char *s, int len)
{
	int			i;

	appendStringInfoChar(buf, '"');
	for (i = 0; i < len;)
	{
		unsigned char c = (unsigned char) s[i];
		pg_wchar	cp;
		int			width;

		if (c < 0x80)
		{
			cp = c;
			width = 1;
		}
		else
			cp = YamlCodePoint((const unsigned char *) s + i, &width);

		switch (cp)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case 0x85:
				appendStringInfoString(buf, "\\N");
				break;
			case 0x2028:
				appendStringInfoString(buf, "\\L");
				break;
			case 0x2029:
				appendStringInfoString(buf, "\\P");
				break;
			default:
				if (YamlMustEscape(cp))
				{
					if (cp <= 0xFF)
						appendStringInfo(buf, "\\x%02X", (unsigned int) cp);
					else
						appendStringInfo(buf, "\\u%04X", (unsigned int) cp);
				}
				else
					appendBinaryStringInfo(buf, s + i, width);
				break;
		}
		i += width;
	}
	appendStringInfoChar(buf, '"');
}

/* A string value or key, plain when that reads back as the same string. */
static void
YamlWriteString(YamlOut *out, const char *s, int len)
{
	int			ulen;
	const char *u = YamlUtf8(out, s, len, &ulen);

	if (YamlPlainOk(u, ulen))
		appendBinaryStringInfo(&out->buf, u, ulen);
	else
		YamlWriteQuoted(&out->buf, u, ulen);
}

/*
 * "key:" at the current position (the indentation is written); a long key
 * becomes "? key" NEWLINE indent ":".
 */
static void
YamlWriteKey(YamlOut *out, const char *key, int keylen, int indent)
{
	int			start = out->buf.len;

	YamlWriteString(out, key, keylen);
	if (out->buf.len - start > YAML_MAX_IMPLICIT_KEY)
	{
		/* insert "? " before the key, then ":" on a line of its own */
		appendStringInfoString(&out->buf, "  ");
		memmove(out->buf.data + start + 2, out->buf.data + start, out->buf.len - start - 2);
		memcpy(out->buf.data + start, "? ", 2);
		appendStringInfoChar(&out->buf, '\n');
		appendStringInfoSpaces(&out->buf, indent);
	}
	appendStringInfoChar(&out->buf, ':');
}

static void
YamlWriteScalar(YamlOut *out, JsonbValue *v)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoString(&out->buf, "null");
			break;
		case jbvBool:
			appendStringInfoString(&out->buf, v->val.boolean ? "true" : "false");
			break;
		case jbvNumeric:
			appendStringInfoString(&out->buf,
								   DatumGetCString(DirectFunctionCall1(numeric_out,
																	   NumericGetDatum(v->val.numeric))));
			break;
		case jbvString:
			YamlWriteString(out, v->val.string.val, v->val.string.len);
			break;
		default:
			elog(ERROR, "unexpected jsonb value type %d", (int) v->type);
	}
}

/* ---------------------------------------------------------------------
 * Writing JSON values (no paths, no tags)
 * ---------------------------------------------------------------------
 */
static bool
YamlIsContainer(JsonbValue *v, bool *object, bool *empty)
{
	if (v->type != jbvBinary)
		return false;
	*object = JsonContainerIsObject(v->val.binary.data);
	*empty = JsonContainerSize(v->val.binary.data) == 0;
	return true;
}

static void YamlWriteJsonMapping(YamlOut *out, JsonbContainer *c, int indent, bool first_inline);
static void YamlWriteJsonSeq(YamlOut *out, JsonbContainer *c, int indent, bool first_inline);

/*
 * A JSON value right after "key:" (dash = false) or "-" (dash = true) of a
 * collection at indentation indent.  tag is written before a non-empty
 * collection.
 */
static void
YamlWriteJsonValue(YamlOut *out, JsonbValue *v, int indent, bool dash, const char *tag)
{
	bool		object,
				empty;

	check_stack_depth();
	if (!YamlIsContainer(v, &object, &empty))
	{
		appendStringInfoChar(&out->buf, ' ');
		YamlWriteScalar(out, v);
		appendStringInfoChar(&out->buf, '\n');
	}
	else if (empty)
		appendStringInfoString(&out->buf, object ? " {}\n" : " []\n");
	else if (dash && tag == NULL)
	{
		/* compact: the first key or item on the "- " line */
		appendStringInfoChar(&out->buf, ' ');
		if (object)
			YamlWriteJsonMapping(out, v->val.binary.data, indent + 2, true);
		else
			YamlWriteJsonSeq(out, v->val.binary.data, indent + 2, true);
	}
	else
	{
		if (tag)
			appendStringInfo(&out->buf, " %s", tag);
		appendStringInfoChar(&out->buf, '\n');
		if (object)
			YamlWriteJsonMapping(out, v->val.binary.data, indent + 2, false);
		else
			YamlWriteJsonSeq(out, v->val.binary.data, indent + 2, false);
	}
}

static void
YamlWriteJsonMapping(YamlOut *out, JsonbContainer *c, int indent, bool first_inline)
{
	int			n;
	CfgJsonPair *pairs = CfgJsonObjectPairs(c, &n);
	int			i;

	for (i = 0; i < n; i++)
	{
		if (i > 0 || !first_inline)
			appendStringInfoSpaces(&out->buf, indent);
		YamlWriteKey(out, pairs[i].key, pairs[i].keylen, indent);
		YamlWriteJsonValue(out, &pairs[i].value, indent, false, NULL);
	}
	pfree(pairs);
}

static void
YamlWriteJsonSeq(YamlOut *out, JsonbContainer *c, int indent, bool first_inline)
{
	JsonbIterator *it = JsonbIteratorInit(c);
	JsonbValue	v;
	JsonbIteratorToken tok;
	bool		first = true;

	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		if (tok != WJB_ELEM)
			continue;
		CHECK_FOR_INTERRUPTS();
		if (!first || !first_inline)
			appendStringInfoSpaces(&out->buf, indent);
		first = false;
		appendStringInfoChar(&out->buf, '-');
		YamlWriteJsonValue(out, &v, indent, true, NULL);
	}
}

/* The JsonbValue of a whole jsonb (a scalar, or a container as jbvBinary). */
static void
YamlJsonbValue(Jsonb *j, JsonbValue *v)
{
	if (JB_ROOT_IS_SCALAR(j))
		(void) JsonbExtractScalar(&j->root, v);
	else
	{
		v->type = jbvBinary;
		v->val.binary.data = &j->root;
		v->val.binary.len = VARSIZE(j) - VARHDRSZ;
	}
}

/* ---------------------------------------------------------------------
 * Writing mappings of paths
 * ---------------------------------------------------------------------
 */

/* A secret, whatever its value: the mask, tagged (import keeps the secret). */
#define YAML_SECRET " !secret \"********\"\n"

/*
 * resolved => true: an object of the resolved document, at path (len
 * pathlen; the leaves from secret entries are masked).
 */
static void
YamlWriteResolved(YamlOut *out, CfgExportSource *src, StringInfo path, JsonbContainer *c,
				  int indent)
{
	int			n;
	CfgJsonPair *pairs = CfgJsonObjectPairs(c, &n);
	int			base = path->len;
	int			i;

	check_stack_depth();
	for (i = 0; i < n; i++)
	{
		JsonbValue *v = &pairs[i].value;
		bool		object = false,
					empty = false;

		CHECK_FOR_INTERRUPTS();
		appendStringInfoSpaces(&out->buf, indent);
		YamlWriteKey(out, pairs[i].key, pairs[i].keylen, indent);
		path->len = base;
		path->data[base] = '\0';
		if (base > 0)
			appendStringInfoChar(path, '.');
		appendBinaryStringInfo(path, pairs[i].key, pairs[i].keylen);
		if (!YamlIsContainer(v, &object, &empty))
			object = empty = false;
		if (object && !empty && CfgJsonObjectOfLabels(v->val.binary.data))
		{
			appendStringInfoChar(&out->buf, '\n');
			YamlWriteResolved(out, src, path, v->val.binary.data, indent + 2);
		}
		else if (src->nsecret > 0 && CfgExportSecretAt(src, path->data, path->len))
			appendStringInfoString(&out->buf, YAML_SECRET);
		else if (object && !empty)
			YamlWriteJsonValue(out, v, indent, false, "!value");
		else
			YamlWriteJsonValue(out, v, indent, false, NULL);
	}
	path->len = base;
	path->data[base] = '\0';
	pfree(pairs);
}

/* resolved => false: the stored entries as a tree of labels */
typedef struct ExNode
{
	const char *label;
	int			labellen;
	CfgExportRow *row;			/* the entry at this path, if any */
	int			n;
	int			max;
	struct ExNode **children;	/* in label byte order */
} ExNode;

typedef struct ExEntry
{
	char	   *key;			/* a label, or labels joined by dots */
	int			keylen;
	CfgExportRow *row;			/* write this entry's value ... */
	ExNode	   *tree;			/* ... or this subtree (row == NULL) */
} ExEntry;

static ExNode *
ExChild(ExNode *parent, const char *label, int labellen)
{
	ExNode	   *child;

	/* rows come in cfgpath order: an existing child is the last one */
	if (parent->n > 0)
	{
		child = parent->children[parent->n - 1];
		if (child->labellen == labellen && memcmp(child->label, label, labellen) == 0)
			return child;
	}
	child = palloc0(sizeof(ExNode));
	child->label = label;
	child->labellen = labellen;
	if (parent->n == parent->max)
	{
		parent->max = parent->max ? parent->max * 2 : 4;
		parent->children = parent->children ?
			repalloc(parent->children, sizeof(ExNode *) * parent->max) :
			palloc(sizeof(ExNode *) * parent->max);
	}
	parent->children[parent->n++] = child;
	return child;
}

static int
ExRowCmp(const void *a, const void *b)
{
	const CfgExportRow *ra = (const CfgExportRow *) a;
	const CfgExportRow *rb = (const CfgExportRow *) b;

	return CfgPathCmp(ra->path, ra->pathlen, rb->path, rb->pathlen);
}

static ExNode *
ExBuildTree(CfgExportSource *src)
{
	ExNode	   *root = palloc0(sizeof(ExNode));
	int			i;

	qsort(src->rows, src->nrows, sizeof(CfgExportRow), ExRowCmp);
	for (i = 0; i < src->nrows; i++)
	{
		CfgExportRow *row = &src->rows[i];
		ExNode	   *node = root;
		int			start = 0;
		int			j;

		for (j = 0; j <= row->pathlen; j++)
		{
			if (j < row->pathlen && row->path[j] != '.')
				continue;
			node = ExChild(node, row->path + start, j - start);
			start = j + 1;
		}
		node->row = row;
	}
	return root;
}

/* The entries of node's mapping: children, and below own entries, dotted. */
static void
ExCollect(ExNode *node, const char *prefix, int prefixlen, ExEntry **entries,
		  int *n, int *max)
{
	int			i;

	for (i = 0; i < node->n; i++)
	{
		ExNode	   *child = node->children[i];
		ExEntry    *e;
		char	   *key = palloc(prefixlen + child->labellen + 2);

		memcpy(key, prefix, prefixlen);
		memcpy(key + prefixlen, child->label, child->labellen);
		key[prefixlen + child->labellen] = '\0';
		if (*n == *max)
		{
			*max *= 2;
			*entries = repalloc(*entries, sizeof(ExEntry) * *max);
		}
		e = &(*entries)[(*n)++];
		e->key = key;
		e->keylen = prefixlen + child->labellen;
		e->row = child->row;
		e->tree = child->row ? NULL : child;
		if (child->row && child->n > 0)
		{
			key[e->keylen] = '.';
			ExCollect(child, key, e->keylen + 1, entries, n, max);
		}
	}
}

static int
ExEntryCmp(const void *a, const void *b)
{
	const ExEntry *ea = (const ExEntry *) a;
	const ExEntry *eb = (const ExEntry *) b;

	return CfgKeyBytesCmp(ea->key, ea->keylen, eb->key, eb->keylen);
}

static void
YamlWriteTree(YamlOut *out, ExNode *node, int indent)
{
	int			n = 0;
	int			max = 16;
	ExEntry    *entries = palloc(sizeof(ExEntry) * max);
	int			i;

	check_stack_depth();
	ExCollect(node, "", 0, &entries, &n, &max);
	qsort(entries, n, sizeof(ExEntry), ExEntryCmp);
	for (i = 0; i < n; i++)
	{
		ExEntry    *e = &entries[i];

		CHECK_FOR_INTERRUPTS();
		appendStringInfoSpaces(&out->buf, indent);
		YamlWriteKey(out, e->key, e->keylen, indent);
		if (e->tree)
		{
			appendStringInfoChar(&out->buf, '\n');
			YamlWriteTree(out, e->tree, indent + 2);
		}
		else if (e->row->value == NULL)
			appendStringInfoString(&out->buf, " !block\n");
		else if (e->row->secret)
			appendStringInfoString(&out->buf, YAML_SECRET);
		else
		{
			JsonbValue	v;
			bool		object,
						empty;

			YamlJsonbValue(e->row->value, &v);
			YamlWriteJsonValue(out, &v, indent, false,
							   YamlIsContainer(&v, &object, &empty) && object ? "!value" : NULL);
		}
	}
	pfree(entries);
}

/*
 * cfgmgr.export_yaml(env text, service text, provider text DEFAULT NULL,
 *					  resolved bool DEFAULT true, as_of text DEFAULT NULL)
 *	 RETURNS text
 */
Datum
cfgmgr_export_yaml(PG_FUNCTION_ARGS)
{
	char	   *env = CfgArgText(fcinfo, 0, "environment");
	char	   *svc = CfgArgText(fcinfo, 1, "service");
	char	   *provider = PG_ARGISNULL(2) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(2));
	char	   *as_of = PG_ARGISNULL(4) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(4));
	bool		resolved;
	CfgExportSource src;
	YamlOut		out;
	int			encoding = GetDatabaseEncoding();
	char	   *result;

	if (PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resolved must not be null")));
	resolved = PG_GETARG_BOOL(3);

	CfgExportFetch(env, svc, provider, resolved, as_of, &src);

	memset(&out, 0, sizeof(out));
	initStringInfo(&out.buf);
	out.convert = encoding != PG_UTF8 && encoding != PG_SQL_ASCII;
	out.check = encoding == PG_SQL_ASCII;
	if (resolved)
	{
		if (src.resolved == NULL || JB_ROOT_IS_SCALAR(src.resolved) ||
			!JB_ROOT_IS_OBJECT(src.resolved))
			elog(ERROR, "cfgmgr.resolve did not return an object");
		if (JB_ROOT_COUNT(src.resolved) == 0)
			appendStringInfoString(&out.buf, "{}\n");
		else
		{
			StringInfoData path;

			initStringInfo(&path);
			YamlWriteResolved(&out, &src, &path, &src.resolved->root, 0);
		}
	}
	else if (src.nrows == 0)
		appendStringInfoString(&out.buf, "{}\n");
	else
		YamlWriteTree(&out, ExBuildTree(&src), 0);

	result = out.buf.data;
	if (out.convert)
		result = pg_any_to_server(out.buf.data, out.buf.len, PG_UTF8);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}
