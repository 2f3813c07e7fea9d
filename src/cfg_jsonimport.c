/*-------------------------------------------------------------------------
 *
 * cfg_jsonimport.c
 *	  cfgmgr.import_json: reading JSON text into the document tree of
 *	  cfg_yaml.h with PostgreSQL's own JSON parser (common/jsonapi.h).
 *
 * The semantic actions build the tree (positions included), refuse
 * duplicate keys (jsonb would keep the last one silently) and nesting
 * deeper than CFG_DOC_MAX_DEPTH.  Positions: the parser calls
 * object_field_start and array_element_start with the lexer on the value's
 * first token, and the scalar action after it moved past the scalar, so a
 * scalar's position is taken at the element or field start.  A key's
 * position is found by stepping back from its value over ':' and the
 * quoted key (inside a JSON string every '"' is escaped).  Columns count
 * characters and are computed incrementally along a line, so a document on
 * one long line costs linear time.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_jsonimport.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/jsonapi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "cfg_errcodes.h"
#include "cfg_yaml.h"
#include "cfgmgr.h"

PG_FUNCTION_INFO_V1(cfgmgr_import_json);

typedef struct JsonComposer
{
	CfgDocState *st;
	JsonLexContext *lex;
	CfgDocNode *stack[CFG_DOC_MAX_DEPTH + 1];
	int			depth;
	CfgDocNode *root;
	int			value_line;		/* position of the value being started */
	int			value_column;
	/* column cache: the column of cache_ptr, on the line at cache_line */
	char	   *cache_line;
	char	   *cache_ptr;
	int			cache_column;
} JsonComposer;

/*
 * The lexer's current token; at the end of the input the lexer sets
 * token_start to NULL (and the parser still calls the element and field
 * actions before it reports the truncated document).
 */
static char *
JsonTokenStart(JsonLexContext *lex)
{
	return lex->token_start ? lex->token_start : lex->input + lex->input_length;
}

/* Line and column of p, a position on the lexer's current line or before. */
static void
JsonPosition(JsonComposer *c, char *p, int *line, int *column)
{
	JsonLexContext *lex = c->lex;

	if (p >= lex->line_start)
	{
		*line = lex->line_number;
		if (c->cache_line == lex->line_start && p >= c->cache_ptr)
			*column = c->cache_column + pg_mbstrlen_with_len(c->cache_ptr, p - c->cache_ptr);
		else
			*column = 1 + pg_mbstrlen_with_len(lex->line_start, p - lex->line_start);
		c->cache_line = lex->line_start;
		c->cache_ptr = p;
		c->cache_column = *column;
	}
	else
	{
		/* an earlier line (a key written on a line before its value): rare */
		char	   *q = lex->line_start;
		char	   *start;

		*line = lex->line_number;
		while (q > p)
			if (*--q == '\n')
				(*line)--;
		start = p;
		while (start > lex->input && start[-1] != '\n')
			start--;
		*column = 1 + pg_mbstrlen_with_len(start, p - start);
	}
}

static void
JsonPushCheck(JsonComposer *c, int line, int column)
{
	if (c->depth >= CFG_DOC_MAX_DEPTH)
		CfgDocError(c->st, line, column, "collections nest deeper than %d levels",
					CFG_DOC_MAX_DEPTH);
}

static void
JsonAttach(JsonComposer *c, CfgDocNode *node)
{
	if (c->depth == 0)
		c->root = node;
	else
		CfgDocAppend(c->stack[c->depth - 1], node);
}

/* the position of the value starting at the current token */
static void
JsonValueStart(JsonComposer *c)
{
	JsonPosition(c, JsonTokenStart(c->lex), &c->value_line, &c->value_column);
}

static void
JsonCollectionStart(void *state, CfgDocKind kind)
{
	JsonComposer *c = (JsonComposer *) state;
	int			line,
				column;

	CHECK_FOR_INTERRUPTS();
	JsonPosition(c, JsonTokenStart(c->lex), &line, &column);
	JsonPushCheck(c, line, column);
	c->stack[c->depth++] = CfgDocNew(c->st, kind, line, column);
}

static void
JsonObjectStart(void *state)
{
	JsonCollectionStart(state, CFG_DOC_MAP);
}

static void
JsonArrayStart(void *state)
{
	JsonCollectionStart(state, CFG_DOC_SEQ);
}

static void
JsonCollectionEnd(void *state)
{
	JsonComposer *c = (JsonComposer *) state;
	CfgDocNode *node = c->stack[--c->depth];

	if (node->kind == CFG_DOC_MAP)
		CfgDocMapFinish(c->st, node);
	JsonAttach(c, node);
}

static void
JsonFieldStart(void *state, char *fname, bool isnull)
{
	JsonComposer *c = (JsonComposer *) state;
	JsonLexContext *lex = c->lex;
	char	   *p = JsonTokenStart(lex);
	CfgDocNode *key;
	int			line,
				column;

	/* back over blanks, ':', blanks and the key's closing quote */
	while (p > lex->input && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
		p--;
	if (p > lex->input && p[-1] == ':')
		p--;
	while (p > lex->input && (p[-1] == ' ' || p[-1] == '\t' || p[-1] == '\n' || p[-1] == '\r'))
		p--;
	if (p > lex->input && p[-1] == '"')
	{
		p--;
		/* the opening quote: a '"' preceded by an even number of '\' */
		while (p > lex->input)
		{
			int			nbs = 0;

			p--;
			if (*p != '"')
				continue;
			while (p - nbs > lex->input && p[-nbs - 1] == '\\')
				nbs++;
			if (nbs % 2 == 0)
				break;
		}
	}
	JsonPosition(c, p, &line, &column);
	key = CfgDocNew(c->st, CFG_DOC_STRING, line, column);
	key->str = fname;
	key->len = strlen(fname);
	CfgDocAppend(c->stack[c->depth - 1], key);
	JsonValueStart(c);
}

static void
JsonElementStart(void *state, bool isnull)
{
	JsonValueStart((JsonComposer *) state);
}

static void
JsonScalar(void *state, char *token, JsonTokenType tokentype)
{
	JsonComposer *c = (JsonComposer *) state;
	CfgDocNode *node;
	CfgDocKind	kind;

	switch (tokentype)
	{
		case JSON_TOKEN_STRING:
			kind = CFG_DOC_STRING;
			break;
		case JSON_TOKEN_NUMBER:
			kind = CFG_DOC_NUMBER;
			break;
		case JSON_TOKEN_TRUE:
		case JSON_TOKEN_FALSE:
			kind = CFG_DOC_BOOL;
			break;
		default:
			kind = CFG_DOC_NULL;
			break;
	}
	node = CfgDocNew(c->st, kind, c->value_line, c->value_column);
	node->str = token;
	node->len = strlen(token);
	if (kind == CFG_DOC_NUMBER)
		node->u.num = CfgDocNumeric(c->st, token, node->line, node->column);
	else if (kind == CFG_DOC_BOOL)
		node->bval = tokentype == JSON_TOKEN_TRUE;
	JsonAttach(c, node);
}

/* A short description of a JSON parser error, for the primary message. */
static const char *
JsonProblem(JsonParseErrorType err)
{
	switch (err)
	{
		case JSON_ESCAPING_INVALID:
			return "invalid escape sequence";
		case JSON_ESCAPING_REQUIRED:
			return "unescaped control character in a string";
		case JSON_EXPECTED_ARRAY_FIRST:
			return "expected an array element or \"]\"";
		case JSON_EXPECTED_ARRAY_NEXT:
			return "expected \",\" or \"]\"";
		case JSON_EXPECTED_COLON:
			return "expected \":\"";
		case JSON_EXPECTED_END:
			return "unexpected text after the document";
		case JSON_EXPECTED_JSON:
			return "expected a JSON value";
		case JSON_EXPECTED_MORE:
			return "unexpected end of the document";
		case JSON_EXPECTED_OBJECT_FIRST:
			return "expected a string or \"}\"";
		case JSON_EXPECTED_OBJECT_NEXT:
			return "expected \",\" or \"}\"";
		case JSON_EXPECTED_STRING:
			return "expected a string";
		case JSON_INVALID_TOKEN:
			return "invalid token";
		case JSON_UNICODE_CODE_POINT_ZERO:
			return "\\u0000 cannot be stored in text";
		case JSON_UNICODE_ESCAPE_FORMAT:
			return "invalid \\u escape";
		case JSON_UNICODE_HIGH_ESCAPE:
			return "\\u escape not representable in the database encoding";
		case JSON_UNICODE_HIGH_SURROGATE:
		case JSON_UNICODE_LOW_SURROGATE:
			return "invalid Unicode surrogate pair";
		default:
			return "syntax error";
	}
}

/*
 * Read a JSON document (an object at the top level) into a tree.
 */
static CfgDocNode *
CfgJsonRead(CfgDocState *st, char *input, int len)
{
	JsonComposer *c = palloc0(sizeof(JsonComposer));
	JsonSemAction sem;
	JsonParseErrorType err;

	c->st = st;
	c->lex = makeJsonLexContextCstringLen(input, len, GetDatabaseEncoding(), true);
	memset(&sem, 0, sizeof(sem));
	sem.semstate = c;
	sem.object_start = JsonObjectStart;
	sem.object_end = JsonCollectionEnd;
	sem.array_start = JsonArrayStart;
	sem.array_end = JsonCollectionEnd;
	sem.object_field_start = JsonFieldStart;
	sem.array_element_start = JsonElementStart;
	sem.scalar = JsonScalar;
	c->value_line = 1;
	c->value_column = 1;
	/* a scalar at the top level: its position is that of the first token */
	{
		char	   *p = input;

		while (p < input + len && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		{
			if (*p == '\n')
			{
				c->value_line++;
				c->value_column = 1;
			}
			else
				c->value_column++;
			p++;
		}
	}

	err = pg_parse_json(c->lex, &sem);
	if (err != JSON_SUCCESS)
	{
		JsonLexContext *lex = c->lex;
		char	   *p = JsonTokenStart(lex);
		int			line,
					column;

		if (p < lex->line_start)
			p = lex->line_start;
		c->cache_line = NULL;
		JsonPosition(c, p, &line, &column);
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT),
				 errmsg("invalid JSON document at line %d, column %d: %s",
						line, column, JsonProblem(err)),
				 errdetail("%s", json_errdetail(err, lex))));
	}
	if (c->root == NULL)
		CfgDocError(st, 1, 1, "the document is empty");
	if (c->root->kind != CFG_DOC_MAP)
		CfgDocError(st, c->root->line, c->root->column,
					"the top level must be an object mapping paths to values");
	return c->root;
}

/*
 * cfgmgr.import_json(env text, service text, json text, provider text DEFAULT NULL,
 *					  replace bool DEFAULT false, message text DEFAULT NULL)
 *	RETURNS bigint
 */
Datum
cfgmgr_import_json(PG_FUNCTION_ARGS)
{
	return CfgImportRun(fcinfo, "JSON", CfgJsonRead);
}
