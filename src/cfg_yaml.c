/*-------------------------------------------------------------------------
 *
 * cfg_yaml.c
 *	  cfgmgr.import_yaml: reading YAML with libyaml into the document tree
 *	  of cfg_yaml.h, and the YAML 1.2 core schema typing of scalars.
 *
 * libyaml's event API is used, not its document loader: events carry the
 * position of every node, and resolving aliases ourselves lets the walk in
 * cfg_import.c bound their expansion.  Nodes are composed bottom-up with an
 * explicit stack (no recursion, a depth limit); an anchor is registered
 * when its node is complete, so an alias can never refer to a node that
 * contains it (JSON cannot hold cycles).
 *
 * libyaml allocates with malloc: the parser and the current event are
 * released in PG_FINALLY, so an error raised anywhere in the loop (a bad
 * document, an interrupt) leaks nothing.  Every scalar is copied out with
 * palloc at once.  This is the only file including <yaml.h>.
 *
 * Typing (YAML 1.2 core schema, plain scalars only; quoted scalars are
 * strings): null ~ null Null NULL and empty; bool true True TRUE false
 * False FALSE; int [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+ (any size,
 * exact); float [-+]?(.[0-9]+|[0-9]+(.[0-9]*)?)([eE][-+]?[0-9]+)?
 * (exact, as numeric); .inf and .nan are refused.  Tags !!str !!int
 * !!float !!bool !!null !!map !!seq force a type; cfgmgr's own tags are
 * !block (a tombstone), !secret (a secret value) and !value (a mapping
 * stored as one value).
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_yaml.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <yaml.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cfg_errcodes.h"
#include "cfg_yaml.h"
#include "cfgmgr.h"

PG_FUNCTION_INFO_V1(cfgmgr_import_yaml);

#define YAML_CORE_TAG	"tag:yaml.org,2002:"
#define YAML_CORE_TAG_LEN (sizeof(YAML_CORE_TAG) - 1)

/* ---------------------------------------------------------------------
 * Core schema resolution of plain scalars
 * ---------------------------------------------------------------------
 */
static inline bool
YamlIsDigit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
YamlAllOf(const char *s, int len, const char *set)
{
	int			i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '\0' || strchr(set, s[i]) == NULL)
			return false;
	return true;
}

static bool
YamlWordIs(const char *s, int len, const char *const *words)
{
	for (; *words; words++)
		if ((int) strlen(*words) == len && memcmp(s, *words, len) == 0)
			return true;
	return false;
}

/* Does s match [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool
YamlIsFloat(const char *s, int len)
{
	int			i = 0;
	int			intd = 0,
				fracd = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	while (i < len && YamlIsDigit(s[i]))
		i++, intd++;
	if (i < len && s[i] == '.')
	{
		i++;
		while (i < len && YamlIsDigit(s[i]))
			i++, fracd++;
		if (intd == 0 && fracd == 0)
			return false;
	}
	else if (intd == 0)
		return false;
	if (i < len && (s[i] == 'e' || s[i] == 'E'))
	{
		int			expd = 0;

		i++;
		if (i < len && (s[i] == '-' || s[i] == '+'))
			i++;
		while (i < len && YamlIsDigit(s[i]))
			i++, expd++;
		if (expd == 0)
			return false;
	}
	return i == len;
}

/*
 * What a plain (unquoted, untagged) scalar means under the YAML 1.2 core
 * schema.  Also used by the writer: a string is quoted exactly when this
 * says it is not a string.
 */
CfgYamlPlain
CfgYamlResolvePlain(const char *s, int len)
{
	static const char *const nulls[] = {"~", "null", "Null", "NULL", NULL};
	static const char *const trues[] = {"true", "True", "TRUE", NULL};
	static const char *const falses[] = {"false", "False", "FALSE", NULL};
	static const char *const infs[] = {".inf", ".Inf", ".INF", NULL};
	static const char *const nans[] = {".nan", ".NaN", ".NAN", NULL};
	int			i;

	if (len == 0)
		return CFG_PLAIN_NULL;
	if (strchr("~nNtTfF0123456789+-.", s[0]) == NULL || s[0] == '\0')
		return CFG_PLAIN_STRING;
	if (YamlWordIs(s, len, nulls))
		return CFG_PLAIN_NULL;
	if (YamlWordIs(s, len, trues))
		return CFG_PLAIN_TRUE;
	if (YamlWordIs(s, len, falses))
		return CFG_PLAIN_FALSE;
	if (len > 2 && s[0] == '0' && s[1] == 'o' && YamlAllOf(s + 2, len - 2, "01234567"))
		return CFG_PLAIN_OCT;
	if (len > 2 && s[0] == '0' && s[1] == 'x' &&
		YamlAllOf(s + 2, len - 2, "0123456789abcdefABCDEF"))
		return CFG_PLAIN_HEX;
	i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
	if (YamlAllOf(s + i, len - i, "0123456789"))
		return CFG_PLAIN_INT;
	if (YamlIsFloat(s, len))
		return CFG_PLAIN_FLOAT;
	if (YamlWordIs(s + i, len - i, infs))
		return CFG_PLAIN_INF;
	if (YamlWordIs(s, len, nans))
		return CFG_PLAIN_NAN;
	return CFG_PLAIN_STRING;
}

/*
 * Text numeric_in accepts for an int, octal, hex or float scalar.  Octal
 * and hexadecimal literals are converted to decimal exactly (base 10^9
 * limbs), so they are limited to CFG_DOC_MAX_RADIX_DIGITS digits.
 */
static char *
YamlNumberText(CfgDocState *st, CfgYamlPlain kind, const char *s, int len,
			   int line, int column)
{
	int			i = 0;
	char	   *res;
	char	   *p;

	if (kind == CFG_PLAIN_OCT || kind == CFG_PLAIN_HEX)
	{
		StringInfoData buf;
		int			radix = kind == CFG_PLAIN_OCT ? 8 : 16;
		int			ndigits = len - 2;
		uint32	   *limbs;
		int			nlimbs = 1;
		int			j;

		if (ndigits > CFG_DOC_MAX_RADIX_DIGITS)
			CfgDocError(st, line, column, "integer \"%.20s...\" has more than %d digits",
						s, CFG_DOC_MAX_RADIX_DIGITS);
		initStringInfo(&buf);
		limbs = palloc0(sizeof(uint32) * (ndigits + 2));
		for (i = 2; i < len; i++)
		{
			uint64		carry;
			char		c = s[i];

			carry = YamlIsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
			for (j = 0; j < nlimbs; j++)
			{
				uint64		v = (uint64) limbs[j] * radix + carry;

				limbs[j] = (uint32) (v % 1000000000);
				carry = v / 1000000000;
			}
			if (carry)
				limbs[nlimbs++] = (uint32) carry;
		}
		appendStringInfo(&buf, "%u", limbs[nlimbs - 1]);
		for (j = nlimbs - 2; j >= 0; j--)
			appendStringInfo(&buf, "%09u", limbs[j]);
		pfree(limbs);
		return buf.data;
	}

	/*
	 * Decimal int or float: drop '+', supply the digit numeric_in wants
	 * ("-.5" -> "-0.5", "5." -> "5").  At most one character longer.
	 */
	res = CfgDocAlloc(st, len + 2);
	p = res;
	if (s[i] == '-')
		*p++ = '-';
	if (s[i] == '-' || s[i] == '+')
		i++;
	if (i == len || !YamlIsDigit(s[i]))
		*p++ = '0';
	while (i < len && YamlIsDigit(s[i]))
		*p++ = s[i++];
	if (i < len && s[i] == '.')
	{
		i++;
		if (i < len && YamlIsDigit(s[i]))
			*p++ = '.';
		while (i < len && YamlIsDigit(s[i]))
			*p++ = s[i++];
	}
	if (i < len)				/* exponent */
	{
		*p++ = 'e';
		memcpy(p, s + i + 1, len - i - 1);
		p += len - i - 1;
	}
	*p = '\0';
	return res;
}

/* ---------------------------------------------------------------------
 * Composing the tree from events
 * ---------------------------------------------------------------------
 */
typedef struct YamlFrame
{
	CfgDocNode *node;
	char	   *anchor;			/* registered when the node is complete */
} YamlFrame;

typedef struct YamlAnchor
{
	char	   *name;			/* hash key (the pointer; see YamlAnchorHash) */
	CfgDocNode *node;
} YamlAnchor;

typedef struct YamlComposer
{
	CfgDocState *st;
	bool		convert;		/* libyaml's UTF-8 differs from the server
								 * encoding: convert scalars */
	YamlFrame	stack[CFG_DOC_MAX_DEPTH + 1];
	int			depth;
	CfgDocNode *root;
	int			ndocs;
	HTAB	   *anchors;
} YamlComposer;

static uint32
YamlAnchorHash(const void *key, Size keysize)
{
	const char *name = *(char *const *) key;

	return hash_bytes((const unsigned char *) name, strlen(name));
}

static int
YamlAnchorMatch(const void *key1, const void *key2, Size keysize)
{
	return strcmp(*(char *const *) key1, *(char *const *) key2);
}

/*
 * Copy text out of libyaml's buffers, in the server encoding.  A "\0"
 * escape gives libyaml a scalar holding U+0000, which text cannot hold.
 */
static char *
YamlCopy(YamlComposer *c, const yaml_char_t *s, size_t len, int *outlen,
		 const yaml_mark_t *mark)
{
	char	   *res;

	if (len > MaxAllocSize - 1)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("YAML scalar is too long")));
	if (memchr(s, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line %d, column %d: a scalar holding U+0000 cannot be stored",
						(int) mark->line + 1, (int) mark->column + 1),
				 errhint("Remove the \"\\0\" escape.")));
	if (c->convert)
	{
		res = pg_any_to_server((const char *) s, (int) len, PG_UTF8);
		if (res != (const char *) s)
		{
			*outlen = strlen(res);
			return res;
		}
	}
	*outlen = (int) len;
	return CfgDocStrdup(c->st, (const char *) s, *outlen);
}

/* A tag for messages: "!!int" rather than "tag:yaml.org,2002:int" */
static const char *
YamlTagShow(const char *tag)
{
	if (strncmp(tag, YAML_CORE_TAG, YAML_CORE_TAG_LEN) == 0)
		return psprintf("!!%s", tag + YAML_CORE_TAG_LEN);
	return tag;
}

static bool
YamlCoreTagIs(const char *tag, const char *name)
{
	return strncmp(tag, YAML_CORE_TAG, YAML_CORE_TAG_LEN) == 0 &&
		strcmp(tag + YAML_CORE_TAG_LEN, name) == 0;
}

static bool
YamlInKeyPosition(YamlComposer *c)
{
	return c->depth > 0 && c->stack[c->depth - 1].node->kind == CFG_DOC_MAP &&
		c->stack[c->depth - 1].node->n % 2 == 0;
}

static void
YamlAttach(YamlComposer *c, CfgDocNode *node)
{
	if (c->depth == 0)
		c->root = node;
	else
		CfgDocAppend(c->stack[c->depth - 1].node, node);
}

static void
YamlRegisterAnchor(YamlComposer *c, char *name, CfgDocNode *node)
{
	YamlAnchor *a;
	bool		found;

	if (name == NULL)
		return;
	a = hash_search(c->anchors, &name, HASH_ENTER, &found);
	a->node = node;
}

static char *
YamlAnchorName(YamlComposer *c, const yaml_char_t *anchor, const yaml_mark_t *mark)
{
	int			len;

	return anchor ? YamlCopy(c, anchor, strlen((const char *) anchor), &len, mark) : NULL;
}

/* A mapping key: any scalar, taken as the text written. */
static CfgDocNode *
YamlKey(YamlComposer *c, yaml_event_t *ev)
{
	CfgDocState *st = c->st;
	const char *tag = (const char *) ev->data.scalar.tag;
	CfgDocNode *key = CfgDocNew(st, CFG_DOC_STRING, ev->start_mark.line + 1,
								ev->start_mark.column + 1);

	key->str = YamlCopy(c, ev->data.scalar.value, ev->data.scalar.length, &key->len,
						&ev->start_mark);
	if (key->len == 2 && memcmp(key->str, "<<", 2) == 0 &&
		((tag == NULL && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) ||
		 (tag != NULL && YamlCoreTagIs(tag, "merge"))))
		key->flags |= CFG_DOC_F_MERGE;
	else if (tag != NULL && strcmp(tag, "!") != 0 && !YamlCoreTagIs(tag, "str"))
		CfgDocError(st, key->line, key->column,
					"tag \"%s\" cannot be used on a mapping key", YamlTagShow(tag));
	return key;
}

/* A scalar in value position, typed. */
static CfgDocNode *
YamlScalar(YamlComposer *c, yaml_event_t *ev)
{
	CfgDocState *st = c->st;
	const char *tag = (const char *) ev->data.scalar.tag;
	bool		plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	int			line = ev->start_mark.line + 1;
	int			column = ev->start_mark.column + 1;
	char	   *text;
	int			len;
	CfgYamlPlain kind;
	uint8		flags = 0;
	const char *want = NULL;	/* the core tag forcing a type, if any */
	CfgDocNode *node;

	text = YamlCopy(c, ev->data.scalar.value, ev->data.scalar.length, &len, &ev->start_mark);

	if (tag == NULL)
		kind = plain ? CfgYamlResolvePlain(text, len) : CFG_PLAIN_STRING;
	else if (strcmp(tag, "!") == 0)
		kind = CFG_PLAIN_STRING;
	else if (strcmp(tag, "!block") == 0)
	{
		kind = (plain || len == 0) ? CfgYamlResolvePlain(text, len) : CFG_PLAIN_STRING;
		if (kind != CFG_PLAIN_NULL)
			CfgDocError(st, line, column,
						"tag !block marks a removed value and takes no value, not \"%s\"",
						CfgDocShow(text, len));
		flags |= CFG_DOC_F_BLOCK;
	}
	else if (strcmp(tag, "!secret") == 0 || strcmp(tag, "!value") == 0)
	{
		kind = plain ? CfgYamlResolvePlain(text, len) : CFG_PLAIN_STRING;
		flags |= tag[1] == 's' ? CFG_DOC_F_SECRET : CFG_DOC_F_VALUE;
	}
	else if (YamlCoreTagIs(tag, "str"))
		kind = CFG_PLAIN_STRING;
	else if (YamlCoreTagIs(tag, "null") || YamlCoreTagIs(tag, "bool") ||
			 YamlCoreTagIs(tag, "int") || YamlCoreTagIs(tag, "float"))
	{
		want = tag + YAML_CORE_TAG_LEN;
		kind = CfgYamlResolvePlain(text, len);
	}
	else if (YamlCoreTagIs(tag, "map") || YamlCoreTagIs(tag, "seq"))
		CfgDocError(st, line, column, "tag \"%s\" cannot be used on a scalar",
					YamlTagShow(tag));
	else
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line %d, column %d: unrecognized tag \"%s\"",
						line, column, YamlTagShow(tag)),
				 errhint("The tags cfgmgr knows are !!str, !!int, !!float, !!bool, !!null, !!map, !!seq, !block, !secret and !value.")));

	if (want != NULL)
	{
		bool		ok;

		if (strcmp(want, "null") == 0)
			ok = kind == CFG_PLAIN_NULL;
		else if (strcmp(want, "bool") == 0)
			ok = kind == CFG_PLAIN_TRUE || kind == CFG_PLAIN_FALSE;
		else if (strcmp(want, "int") == 0)
			ok = kind == CFG_PLAIN_INT || kind == CFG_PLAIN_OCT || kind == CFG_PLAIN_HEX;
		else
			ok = kind == CFG_PLAIN_INT || kind == CFG_PLAIN_OCT || kind == CFG_PLAIN_HEX ||
				kind == CFG_PLAIN_FLOAT || kind == CFG_PLAIN_INF || kind == CFG_PLAIN_NAN;
		if (!ok)
			CfgDocError(st, line, column, "value \"%s\" does not match its tag \"!!%s\"",
						CfgDocShow(text, len), want);
	}

	switch (kind)
	{
		case CFG_PLAIN_NULL:
			node = CfgDocNew(st, CFG_DOC_NULL, line, column);
			break;
		case CFG_PLAIN_TRUE:
		case CFG_PLAIN_FALSE:
			node = CfgDocNew(st, CFG_DOC_BOOL, line, column);
			node->bval = kind == CFG_PLAIN_TRUE;
			break;
		case CFG_PLAIN_INT:
		case CFG_PLAIN_OCT:
		case CFG_PLAIN_HEX:
		case CFG_PLAIN_FLOAT:
			node = CfgDocNew(st, CFG_DOC_NUMBER, line, column);
			node->u.num = CfgDocNumeric(st, YamlNumberText(st, kind, text, len, line, column),
									  line, column);
			break;
		case CFG_PLAIN_INF:
		case CFG_PLAIN_NAN:
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
					 errmsg("invalid YAML document at line %d, column %d: \"%s\" cannot be stored, JSON has no infinity or NaN",
							line, column, CfgDocShow(text, len)),
					 errhint("Quote the value to store it as a string.")));
			node = NULL;		/* keep the compiler quiet */
			break;
		default:
			node = CfgDocNew(st, CFG_DOC_STRING, line, column);
			break;
	}
	node->str = text;
	node->len = len;
	node->flags |= flags;
	return node;
}

/* The start of a mapping or sequence. */
static void
YamlCollectionStart(YamlComposer *c, yaml_event_t *ev, bool map)
{
	CfgDocState *st = c->st;
	const char *tag;
	const yaml_char_t *anchor;
	int			line = ev->start_mark.line + 1;
	int			column = ev->start_mark.column + 1;
	CfgDocNode *node;

	if (map)
	{
		tag = (const char *) ev->data.mapping_start.tag;
		anchor = ev->data.mapping_start.anchor;
	}
	else
	{
		tag = (const char *) ev->data.sequence_start.tag;
		anchor = ev->data.sequence_start.anchor;
	}
	if (YamlInKeyPosition(c))
		CfgDocError(st, line, column, "a mapping key must be a scalar, not a %s",
					map ? "mapping" : "sequence");
	if (c->depth >= CFG_DOC_MAX_DEPTH)
		CfgDocError(st, line, column, "collections nest deeper than %d levels",
					CFG_DOC_MAX_DEPTH);

	node = CfgDocNew(st, map ? CFG_DOC_MAP : CFG_DOC_SEQ, line, column);
	if (tag == NULL || strcmp(tag, "!") == 0 ||
		YamlCoreTagIs(tag, map ? "map" : "seq"))
		tag = NULL;				/* the tag says what the node is anyway */
	else if (strcmp(tag, "!value") == 0)
		node->flags |= CFG_DOC_F_VALUE;
	else if (strcmp(tag, "!secret") == 0)
		node->flags |= CFG_DOC_F_SECRET;
	else if (strcmp(tag, "!block") == 0)
		CfgDocError(st, line, column,
					"tag !block marks a removed value and takes no value, not a %s",
					map ? "mapping" : "sequence");
	else if (strncmp(tag, YAML_CORE_TAG, YAML_CORE_TAG_LEN) == 0 &&
			 (YamlCoreTagIs(tag, "str") || YamlCoreTagIs(tag, "int") ||
			  YamlCoreTagIs(tag, "float") || YamlCoreTagIs(tag, "bool") ||
			  YamlCoreTagIs(tag, "null") || YamlCoreTagIs(tag, "map") ||
			  YamlCoreTagIs(tag, "seq")))
		CfgDocError(st, line, column, "tag \"%s\" cannot be used on a %s",
					YamlTagShow(tag), map ? "mapping" : "sequence");
	else
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line %d, column %d: unrecognized tag \"%s\"",
						line, column, YamlTagShow(tag)),
				 errhint("The tags cfgmgr knows are !!str, !!int, !!float, !!bool, !!null, !!map, !!seq, !block, !secret and !value.")));

	c->stack[c->depth].node = node;
	c->stack[c->depth].anchor = YamlAnchorName(c, anchor, &ev->start_mark);
	c->depth++;
}

static void
YamlCollectionEnd(YamlComposer *c)
{
	YamlFrame  *f;

	Assert(c->depth > 0);
	f = &c->stack[--c->depth];
	if (f->node->kind == CFG_DOC_MAP)
		CfgDocMapFinish(c->st, f->node);
	YamlRegisterAnchor(c, f->anchor, f->node);
	YamlAttach(c, f->node);
}

static void
YamlAlias(YamlComposer *c, yaml_event_t *ev)
{
	CfgDocState *st = c->st;
	char	   *name = YamlAnchorName(c, ev->data.alias.anchor, &ev->start_mark);
	int			line = ev->start_mark.line + 1;
	int			column = ev->start_mark.column + 1;
	YamlAnchor *a = hash_search(c->anchors, &name, HASH_FIND, NULL);
	CfgDocNode *node;

	if (a == NULL)
	{
		int			i;

		for (i = 0; i < c->depth; i++)
			if (c->stack[i].anchor && strcmp(c->stack[i].anchor, name) == 0)
				CfgDocError(st, line, column,
							"alias \"*%s\" refers to a node that contains it (JSON cannot hold cycles)",
							CfgDocShow(name, strlen(name)));
		CfgDocError(st, line, column, "alias \"*%s\" refers to an undefined anchor",
					CfgDocShow(name, strlen(name)));
	}
	if (YamlInKeyPosition(c))
	{
		if (a->node->kind == CFG_DOC_MAP || a->node->kind == CFG_DOC_SEQ)
			CfgDocError(st, line, column, "a mapping key must be a scalar, not a %s",
						a->node->kind == CFG_DOC_MAP ? "mapping" : "sequence");
		node = CfgDocNew(st, CFG_DOC_STRING, line, column);
		node->str = a->node->str;
		node->len = a->node->len;
	}
	else
	{
		node = CfgDocNew(st, CFG_DOC_ALIAS, line, column);
		node->u.target = a->node;
	}
	YamlAttach(c, node);
}

static void
YamlEvent(YamlComposer *c, yaml_event_t *ev)
{
	CfgDocNode *node;

	switch (ev->type)
	{
		case YAML_DOCUMENT_START_EVENT:
			if (c->ndocs++ > 0)
				ereport(ERROR,
						(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
						 errmsg("invalid YAML document at line %d, column %d: a second document is not allowed",
								(int) ev->start_mark.line + 1, (int) ev->start_mark.column + 1),
						 errhint("Import one document per call.")));
			break;
		case YAML_SCALAR_EVENT:
			node = YamlInKeyPosition(c) ? YamlKey(c, ev) : YamlScalar(c, ev);
			YamlRegisterAnchor(c, YamlAnchorName(c, ev->data.scalar.anchor, &ev->start_mark),
							   node);
			YamlAttach(c, node);
			break;
		case YAML_SEQUENCE_START_EVENT:
			YamlCollectionStart(c, ev, false);
			break;
		case YAML_MAPPING_START_EVENT:
			YamlCollectionStart(c, ev, true);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			YamlCollectionEnd(c);
			break;
		case YAML_ALIAS_EVENT:
			YamlAlias(c, ev);
			break;
		default:
			break;
	}
}

/* Raise CM013 for a libyaml reader, scanner or parser error. */
static void
YamlParserError(CfgDocState *st, yaml_parser_t *parser, const char *input, size_t len)
{
	int			line,
				column;
	const char *problem = parser->problem ? parser->problem : "syntax error";

	if (parser->error == YAML_MEMORY_ERROR)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while parsing a YAML document")));
	if (parser->error == YAML_READER_ERROR)
	{
		/* reader errors carry a byte offset, not a mark */
		size_t		i;
		size_t		end = Min(parser->problem_offset, len);

		line = 1;
		column = 1;
		for (i = 0; i < end; i++)
		{
			if (input[i] == '\n')
			{
				line++;
				column = 1;
			}
			else if (((unsigned char) input[i] & 0xC0) != 0x80)
				column++;
		}
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line %d, column %d: %s",
						line, column, problem),
				 parser->problem_value != -1 ?
				 errdetail("Offending value 0x%X at byte offset %zu.",
						   (unsigned int) parser->problem_value, parser->problem_offset) :
				 errdetail("At byte offset %zu.", parser->problem_offset)));
	}
	line = (int) parser->problem_mark.line + 1;
	column = (int) parser->problem_mark.column + 1;
	if (parser->context)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line %d, column %d: %s",
						line, column, problem),
				 errdetail("%c%s that starts at line %d, column %d.",
						   pg_toupper((unsigned char) parser->context[0]),
						   parser->context + 1,
						   (int) parser->context_mark.line + 1,
						   (int) parser->context_mark.column + 1)));
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
			 errmsg("invalid YAML document at line %d, column %d: %s",
					line, column, problem)));
}

/* The event loop: the caller frees parser and event, also on error. */
static void
YamlParse(YamlComposer *c, yaml_parser_t *parser, yaml_event_t *event,
		  const char *input, int len)
{
	bool		done = false;

	yaml_parser_set_input_string(parser, (const unsigned char *) input, len);
	yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING);
	while (!done)
	{
		CHECK_FOR_INTERRUPTS();
		if (!yaml_parser_parse(parser, event))
			YamlParserError(c->st, parser, input, len);
		done = event->type == YAML_STREAM_END_EVENT;
		YamlEvent(c, event);
		yaml_event_delete(event);
	}
}

/* Parse with libyaml, freeing its memory whatever happens. */
static void
YamlRun(YamlComposer *c, const char *input, int len)
{
	yaml_parser_t parser;
	yaml_event_t event;

	memset(&event, 0, sizeof(event));
	if (!yaml_parser_initialize(&parser))
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while parsing a YAML document")));
	PG_TRY();
	{
		YamlParse(c, &parser, &event, input, len);
	}
	PG_FINALLY();
	{
		/* both are no-ops on what is already freed */
		yaml_event_delete(&event);
		yaml_parser_delete(&parser);
	}
	PG_END_TRY();
}

/*
 * Read a YAML document (one, whose top level is a mapping) into a tree.
 */
CfgDocNode *
CfgYamlRead(CfgDocState *st, char *input, int len)
{
	YamlComposer *c = palloc0(sizeof(YamlComposer));
	HASHCTL		ctl;
	int			encoding = GetDatabaseEncoding();

	c->st = st;
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(YamlAnchor);
	ctl.hash = YamlAnchorHash;
	ctl.match = YamlAnchorMatch;
	ctl.hcxt = CurrentMemoryContext;
	c->anchors = hash_create("cfgmgr YAML anchors", 64, &ctl,
							 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);

	/* libyaml reads UTF-8 (SQL_ASCII bytes are passed as they are) */
	if (encoding != PG_UTF8 && encoding != PG_SQL_ASCII)
	{
		char	   *utf8 = pg_server_to_any(input, len, PG_UTF8);

		/* a new string when converted; the input itself otherwise */
		if (utf8 != input)
		{
			input = utf8;
			len = strlen(utf8);
		}
		c->convert = true;
	}

	YamlRun(c, input, len);

	if (c->root == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid YAML document at line 1, column 1: the document is empty"),
				 errhint("Import \"{}\" to import an empty configuration.")));
	if (c->root->kind != CFG_DOC_MAP)
		CfgDocError(st, c->root->line, c->root->column,
					"the top level must be a mapping of paths to values");
	hash_destroy(c->anchors);
	return c->root;
}

/*
 * cfgmgr.import_yaml(env text, service text, yaml text, provider text DEFAULT NULL,
 *					  replace bool DEFAULT false, message text DEFAULT NULL)
 *	RETURNS bigint
 */
Datum
cfgmgr_import_yaml(PG_FUNCTION_ARGS)
{
	return CfgImportRun(fcinfo, "YAML", CfgYamlRead);
}
