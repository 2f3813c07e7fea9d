/*-------------------------------------------------------------------------
 *
 * cfg_tree.c
 *	  Reading environments.yaml, the description of the environment tree
 *	  that cfgmgr.export_tree writes and cfgmgr.import_tree reads (both in
 *	  sql/install/56_tree.sql; see doc/git.md).
 *
 * The file is a YAML mapping from environment names to their attributes:
 *
 *	prod:
 *	  parent: base
 *	  is_production: true
 *	  approval_required: false
 *	  required_approvals: 1
 *	  labels: {"region": "eu"}
 *
 * Every attribute may be left out (its default applies), and an
 * environment with none may be written "dev:" or "dev: {}".  The file is
 * read with the YAML reader of the imports (cfg_yaml.c: anchors, aliases
 * and merge keys, positions, the alias budget) and checked here, every
 * problem reported with its line and column (CM013).  What the tree means
 * (parents that exist, cycles) is import_tree's business.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_tree.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "cfg_errcodes.h"
#include "cfg_yaml.h"
#include "cfgmgr.h"

PG_FUNCTION_INFO_V1(cfgmgr_tree_environments);
PG_FUNCTION_INFO_V1(cfgmgr_tree_json_flow);

/* environments.yaml has no use for cfgmgr's own tags */
static void
TreeRefuseTags(void *arg, CfgDocNode *node)
{
	CfgDocState *st = arg;

	if (node->flags & (CFG_DOC_F_BLOCK | CFG_DOC_F_SECRET | CFG_DOC_F_VALUE))
		CfgDocError(st, node->line, node->column,
					"tags !block, !value and !secret cannot be used in environments.yaml");
}

static bool
TreeKeyIs(CfgDocNode *key, const char *name)
{
	return key->len == (int) strlen(name) && memcmp(key->str, name, key->len) == 0;
}

static bool
TreeValidName(const char *s, int len)
{
	int			i;

	if (len < 1 || len > 63 || s[0] == '-')
		return false;
	for (i = 0; i < len; i++)
	{
		char		c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

static void
TreePushString(JsonbParseState **ps, const char *key, const char *s, int len)
{
	JsonbValue	k,
				v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(ps, WJB_KEY, &k);
	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = len;
	}
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

static void
TreePushBool(JsonbParseState **ps, const char *key, bool b)
{
	JsonbValue	k,
				v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(ps, WJB_KEY, &k);
	v.type = jbvBool;
	v.val.boolean = b;
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

static void
TreePushInt(JsonbParseState **ps, const char *key, int64 i)
{
	JsonbValue	k,
				v;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(ps, WJB_KEY, &k);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(i);
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

/* A whole number from 1 to INT_MAX, or -1. */
static int64
TreeCount(CfgDocNode *node)
{
	Numeric		n = node->u.num;
	Datum		d = NumericGetDatum(n);

	if (node->kind != CFG_DOC_NUMBER || numeric_is_nan(n) || numeric_is_inf(n))
		return -1;
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, d,
										  DirectFunctionCall1(numeric_floor, d))) != 0)
		return -1;
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, d,
										  NumericGetDatum(int64_to_numeric(1)))) < 0 ||
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, d,
										  NumericGetDatum(int64_to_numeric(INT_MAX)))) > 0)
		return -1;
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, d));
}

/*
 * One environment's attributes (node: its dereferenced value) pushed as
 * the object {"name", "parent", "is_production", "approval_required",
 * "required_approvals", "labels", "line"}.
 */
static void
TreeEnvironment(CfgDocState *st, JsonbParseState **ps, CfgDocNode *name, CfgDocNode *node)
{
	const char *parent = NULL;
	int			parentlen = 0;
	bool		is_production = false;
	bool		approval_required = false;
	int64		required_approvals = 1;
	Jsonb	   *labels = NULL;
	JsonbValue	k,
				v;
	int			i;

	TreeRefuseTags(st, node);
	if (node->kind != CFG_DOC_MAP && node->kind != CFG_DOC_NULL)
		CfgDocError(st, node->line, node->column,
					"the attributes of environment \"%s\" must be a mapping", name->str);
	for (i = 0; node->kind == CFG_DOC_MAP && i < node->n; i += 2)
	{
		CfgDocNode *key = node->u.items[i];
		CfgDocNode *val = CfgDocFollow(st, node->u.items[i + 1]);

		TreeRefuseTags(st, val);
		if (TreeKeyIs(key, "parent"))
		{
			if (val->kind == CFG_DOC_NULL)
				parent = NULL;
			else if (val->kind == CFG_DOC_SEQ || val->kind == CFG_DOC_MAP ||
					 !TreeValidName(val->str, val->len))
				CfgDocError(st, val->line, val->column,
							"the parent of environment \"%s\" must be an environment name or null",
							name->str);
			else
			{
				parent = val->str;
				parentlen = val->len;
			}
		}
		else if (TreeKeyIs(key, "is_production") ||
				 TreeKeyIs(key, "approval_required"))
		{
			if (val->kind != CFG_DOC_BOOL)
				CfgDocError(st, val->line, val->column,
							"%s of environment \"%s\" must be true or false", key->str, name->str);
			if (key->str[0] == 'i')
				is_production = val->bval;
			else
				approval_required = val->bval;
		}
		else if (TreeKeyIs(key, "required_approvals"))
		{
			required_approvals = TreeCount(val);
			if (required_approvals < 0)
				CfgDocError(st, val->line, val->column,
							"required_approvals of environment \"%s\" must be a whole number from 1 to %d",
							name->str, INT_MAX);
		}
		else if (TreeKeyIs(key, "labels"))
		{
			JsonbParseState *lps = NULL;

			if (val->kind == CFG_DOC_NULL)
				labels = NULL;
			else if (val->kind != CFG_DOC_MAP)
				CfgDocError(st, val->line, val->column,
							"the labels of environment \"%s\" must be a mapping", name->str);
			else
				labels = JsonbValueToJsonb(CfgDocPushJson(st, &lps, val, WJB_VALUE, 2, TreeRefuseTags, st));
		}
		else
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
					 errmsg("invalid YAML document at line %d, column %d: unrecognized attribute \"%s\" of environment \"%s\"",
							key->line, key->column, key->str, name->str),
					 errhint("An environment has parent, is_production, approval_required, required_approvals and labels.")));
	}

	(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
	TreePushString(ps, "name", name->str, name->len);
	TreePushString(ps, "parent", parent, parentlen);
	TreePushBool(ps, "is_production", is_production);
	TreePushBool(ps, "approval_required", approval_required);
	TreePushInt(ps, "required_approvals", required_approvals);
	k.type = jbvString;
	k.val.string.val = "labels";
	k.val.string.len = 6;
	(void) pushJsonbValue(ps, WJB_KEY, &k);
	if (labels == NULL)
	{
		(void) pushJsonbValue(ps, WJB_BEGIN_OBJECT, NULL);
		(void) pushJsonbValue(ps, WJB_END_OBJECT, NULL);
	}
	else
	{
		v.type = jbvBinary;
		v.val.binary.data = &labels->root;
		v.val.binary.len = VARSIZE(labels) - VARHDRSZ;
		(void) pushJsonbValue(ps, WJB_VALUE, &v);
	}
	TreePushInt(ps, "line", name->line);
	(void) pushJsonbValue(ps, WJB_END_OBJECT, NULL);
}

/*
 * cfgmgr.tree_environments(yaml text) RETURNS jsonb
 *
 * Internal (import_tree): the environments of an environments.yaml as a
 * JSON array, in the order of the file, each element an object with name,
 * parent (null for a root), is_production, approval_required,
 * required_approvals, labels and line (where the name is).  CM013 with
 * line and column for anything that is not such a file.
 */
Datum
cfgmgr_tree_environments(PG_FUNCTION_ARGS)
{
	text	   *doc;
	CfgDocState st;
	CfgDocNode *root;
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	Size		len;
	int			i;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("document must not be null")));
	doc = PG_GETARG_TEXT_PP(0);
	len = VARSIZE_ANY_EXHDR(doc);
	if (len > (Size) cfgmgr_import_max_size)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("YAML document is too large to import"),
				 errdetail("The document has %zu bytes; cfgmgr.import_max_size allows %d.",
						   len, cfgmgr_import_max_size)));
	CfgDocStateInit(&st, "YAML", len);
	/* the reader may convert in place: give it a copy */
	root = CfgYamlRead(&st, pnstrdup(VARDATA_ANY(doc), len), (int) len);
	TreeRefuseTags(&st, root);

	res = pushJsonbValue(&ps, WJB_BEGIN_ARRAY, NULL);
	for (i = 0; i < root->n; i += 2)
	{
		CfgDocNode *name = root->u.items[i];

		CHECK_FOR_INTERRUPTS();
		if (!TreeValidName(name->str, name->len))
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
					 errmsg("invalid YAML document at line %d, column %d: \"%s\" is not a valid environment name",
							name->line, name->column, name->str),
					 errdetail("Names are 1 to 63 letters, digits, \"_\" and \"-\", not starting with \"-\".")));
		TreeEnvironment(&st, &ps, name, CfgDocFollow(&st, root->u.items[i + 1]));
	}
	res = pushJsonbValue(&ps, WJB_END_ARRAY, NULL);
	PG_RETURN_JSONB_P(JsonbValueToJsonb(res));
}

/*
 * cfgmgr.tree_json_flow(value jsonb) RETURNS text
 *
 * Internal (export_tree): the JSON text of value, which is also a YAML
 * flow collection or scalar, with the characters YAML cannot hold raw or
 * would read as line breaks (DEL, C1 controls, U+2028, U+2029, U+FEFF,
 * U+FFFE, U+FFFF) escaped as \uXXXX.  JSON's own output escapes only
 * '"', '\' and C0 controls; these characters can only occur inside its
 * strings, where \uXXXX means the same to a JSON and a YAML reader.
 */
Datum
cfgmgr_tree_json_flow(PG_FUNCTION_ARGS)
{
	Jsonb	   *j = PG_GETARG_JSONB_P(0);
	char	   *json = JsonbToCString(NULL, &j->root, VARSIZE(j));
	int			encoding = GetDatabaseEncoding();
	bool		convert = encoding != PG_UTF8 && encoding != PG_SQL_ASCII;
	const unsigned char *s;
	StringInfoData out;
	int			len;
	int			i;

	s = (const unsigned char *) (convert ? pg_server_to_any(json, strlen(json), PG_UTF8) : json);
	len = strlen((const char *) s);
	initStringInfo(&out);
	for (i = 0; i < len;)
	{
		int			width = (s[i] < 0x80 || encoding == PG_SQL_ASCII) ? 1 : pg_utf_mblen(s + i);
		pg_wchar	cp = width == 1 ? s[i] : utf8_to_unicode(s + i);

		if (cp == 0x7F || (width > 1 && ((cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 ||
										 cp == 0x2029 || cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)))
			appendStringInfo(&out, "\\u%04X", (unsigned int) cp);
		else
			appendBinaryStringInfo(&out, (const char *) s + i, width);
		i += width;
	}
	PG_RETURN_TEXT_P(cstring_to_text(convert ? pg_any_to_server(out.data, out.len, PG_UTF8) : out.data));
}
