/*-------------------------------------------------------------------------
 *
 * cfg_yaml.h
 *	  Document import and export: the document tree shared by the YAML
 *	  reader (cfg_yaml.c), the JSON reader (cfg_jsonimport.c), the import
 *	  driver (cfg_import.c) and the YAML writer (cfg_export.c).
 *
 * A reader turns the text into a tree of CfgDocNode: scalars already typed
 * (null, bool, number, string), sequences, mappings (key/value pairs with
 * YAML merge keys already applied) and aliases (a reference to an anchored
 * node, shared, never copied).  The import driver then walks the tree into
 * rows (path, jsonb value or tombstone) and stores them with one statement.
 *
 * Every node carries its 1-based line and column, so that every problem is
 * reported where it is.  Aliases are expanded only by the walk, which counts
 * what it visits against a budget proportional to the input ("billion
 * laughs" documents are refused, not expanded).
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_yaml.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CFG_YAML_H
#define CFG_YAML_H

#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "cfg_errcodes.h"

/* GUC cfgmgr.import_max_size (bytes) */
extern int	cfgmgr_import_max_size;

/* deepest nesting of collections a document may have (also after aliases) */
#define CFG_DOC_MAX_DEPTH		1000

/* longest integer or hexadecimal/octal literal accepted, in digits */
#define CFG_DOC_MAX_RADIX_DIGITS 4096

typedef enum CfgDocKind
{
	CFG_DOC_NULL,
	CFG_DOC_BOOL,
	CFG_DOC_NUMBER,
	CFG_DOC_STRING,
	CFG_DOC_SEQ,
	CFG_DOC_MAP,
	CFG_DOC_ALIAS
} CfgDocKind;

/* node flags */
#define CFG_DOC_F_BLOCK		0x01	/* !block: a tombstone at this path */
#define CFG_DOC_F_SECRET	0x02	/* !secret: a secret value */
#define CFG_DOC_F_VALUE		0x04	/* !value: one value, never paths */
#define CFG_DOC_F_MERGE		0x08	/* the YAML merge key "<<" */
#define CFG_DOC_F_PATHKEYS	0x10	/* map: non-empty, every key a valid path */

typedef struct CfgDocNode
{
	uint8		kind;			/* CfgDocKind */
	uint8		flags;			/* CFG_DOC_F_* */
	bool		bval;			/* CFG_DOC_BOOL */
	int32		line;			/* 1-based position of the node's start */
	int32		column;
	int32		len;			/* scalars: bytes of str */
	int32		n;				/* SEQ: elements; MAP: 2 * pairs */
	int32		max;			/* allocated items */
	char	   *str;			/* scalar text as written (after escapes), in
								 * the server encoding; NUL-terminated */
	union
	{
		Numeric		num;		/* CFG_DOC_NUMBER */
		struct CfgDocNode **items;	/* SEQ: elements; MAP: key, value, ... */
		struct CfgDocNode *target;	/* ALIAS: the anchored node */
	}			u;
} CfgDocNode;

/*
 * State of one import, shared by the reader and the walk.
 */
typedef struct CfgDocState
{
	const char *format;			/* "YAML" or "JSON", for messages */
	Size		inputlen;		/* bytes of input */
	int64		nodes;			/* nodes visited (aliases expanded) */
	int64		bytes;			/* bytes of scalar text visited */
	int64		max_nodes;
	int64		max_bytes;
	CfgDocNode *alias_site;		/* outermost alias being expanded */
	char	   *arena;			/* bump allocator for nodes and text */
	Size		arena_left;
} CfgDocState;

typedef CfgDocNode *(*CfgDocReader) (CfgDocState *st, char *input, int len);

/* cfg_import.c */
extern void *CfgDocAlloc(CfgDocState *st, Size size);
extern char *CfgDocStrdup(CfgDocState *st, const char *s, int len);
extern CfgDocNode *CfgDocNew(CfgDocState *st, CfgDocKind kind, int line, int column);
extern void CfgDocAppend(CfgDocNode *parent, CfgDocNode *child);
extern void CfgDocMapFinish(CfgDocState *st, CfgDocNode *map);
extern Numeric CfgDocNumeric(CfgDocState *st, const char *text, int line, int column);
extern int	CfgDocPathKeyKind(const char *s, int len);
extern void CfgDocStateInit(CfgDocState *st, const char *format, Size inputlen);
extern void CfgDocScalarValue(CfgDocNode *node, JsonbValue *v);
extern CfgDocNode *CfgDocFollow(CfgDocState *st, CfgDocNode *node);
typedef void (*CfgDocTagCheck) (void *arg, CfgDocNode *node);
extern JsonbValue *CfgDocPushJson(CfgDocState *st, JsonbParseState **ps, CfgDocNode *node,
								  JsonbIteratorToken tok, int depth, CfgDocTagCheck check,
								  void *arg);
extern char *CfgDocShow(const char *s, int len);
extern Datum CfgImportRun(FunctionCallInfo fcinfo, const char *format,
						  CfgDocReader reader);

#define CFG_KEY_LABEL	0		/* a single label */
#define CFG_KEY_PATH	1		/* a dotted path */
#define CFG_KEY_OTHER	2		/* neither */

/*
 * Raise CM013 for a problem at (line, column) of a document.  The problem
 * text is lowercase and has no final period; more goes into errdetail.
 */
#define CfgDocError(st, line, column, ...) \
	ereport(ERROR, \
			(errcode(ERRCODE_CFGMGR_INVALID_DOCUMENT), \
			 errmsg("invalid %s document at line %d, column %d: %s", \
					(st)->format, (line), (column), psprintf(__VA_ARGS__))))

/* cfg_yaml.c: YAML 1.2 core schema resolution of plain scalars */
typedef enum CfgYamlPlain
{
	CFG_PLAIN_STRING,
	CFG_PLAIN_NULL,
	CFG_PLAIN_TRUE,
	CFG_PLAIN_FALSE,
	CFG_PLAIN_INT,				/* decimal */
	CFG_PLAIN_OCT,				/* 0o17 */
	CFG_PLAIN_HEX,				/* 0x1F */
	CFG_PLAIN_FLOAT,
	CFG_PLAIN_INF,				/* .inf, -.Inf, ... */
	CFG_PLAIN_NAN				/* .nan, .NaN, .NAN */
} CfgYamlPlain;

extern CfgYamlPlain CfgYamlResolvePlain(const char *s, int len);
extern CfgDocNode *CfgYamlRead(CfgDocState *st, char *input, int len);

#endif							/* CFG_YAML_H */
