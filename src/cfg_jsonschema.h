/*-------------------------------------------------------------------------
 *
 * cfg_jsonschema.h
 *	  JSON Schema (draft 2020-12 and draft-07) validation over jsonb.
 *
 * A schema is compiled once into a graph of C structures (CfgSchema) and
 * then validates any number of jsonb documents without re-reading the
 * schema.  $ref/$dynamicRef targets outside the compiled document are
 * loaded through CfgSchemaFetchResource (table cfgmgr.schema_resource,
 * which also holds the shipped meta-schemas).
 *
 * Files:
 *	cfg_jsonschema.c	compiler, validator, compile cache, SQL entry points
 *						is_valid and validate_document
 *	cfg_format.c		"format" checks and ECMA-262 -> PostgreSQL regex
 *						translation (CfgRegex)
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_jsonschema.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CFG_JSONSCHEMA_H
#define CFG_JSONSCHEMA_H

#include "nodes/pg_list.h"
#include "utils/jsonb.h"

typedef enum CfgSchemaDraft
{
	CFG_DRAFT_2020_12,
	CFG_DRAFT_7
} CfgSchemaDraft;

/* GUCs (defined in cfg_jsonschema.c, registered by CfgSchemaGucInit) */
extern int	cfgmgr_schema_default_draft;	/* CfgSchemaDraft, for schemas without $schema */
extern bool cfgmgr_schema_format_assert;	/* assert "format" (true) or annotate */
extern void CfgSchemaGucInit(void);

/* One violation. */
typedef struct CfgSchemaError
{
	char	   *instance_path;	/* JSON pointer into the document, "" = root */
	char	   *keyword;		/* failing keyword: "type", "required", ... */
	char	   *message;		/* lowercase, no trailing period */
	char	   *schema_path;	/* JSON pointer to the keyword in the schema */
} CfgSchemaError;

typedef struct CfgSchema CfgSchema;		/* opaque */

/*
 * Compile a schema (an object or a boolean) whose retrieval URI is base_uri
 * (may be NULL: then "$id" or a generated URN).  Everything is allocated in
 * cxt.  A malformed schema raises ERRCODE_INVALID_PARAMETER_VALUE with
 * errmsg "invalid JSON Schema" and a detail naming the schema location
 * (JSON pointer) and the problem: unknown "type" names, non-schema values
 * where a schema is required, invalid regexes, $ref to nothing, $ref cycles
 * that never consume input.
 */
extern CfgSchema *CfgSchemaCompile(Jsonb *schema, const char *base_uri, MemoryContext cxt);

/*
 * Compile through a per-backend cache keyed by the schema's bytes (hash +
 * memcmp); the cache is dropped when cfgmgr's invalidation generation moves
 * (cfgmgr.h CfgCacheGeneration) so changed resources are re-read.
 */
extern CfgSchema *CfgSchemaGetCached(Jsonb *schema);

/*
 * Validate doc.  With errors == NULL stops at the first violation (fast
 * path for is_valid); otherwise appends every violation (CfgSchemaError *)
 * to *errors.  Returns true when valid.  Checks for interrupts and stack
 * depth, so hostile schemas or documents cannot hang or crash the backend.
 */
extern bool CfgSchemaValidate(CfgSchema *schema, Jsonb *doc, List **errors);

/*
 * Resource loader for absolute URIs (no fragment) that the compiled
 * document does not define itself; returns NULL when unknown.
 */
extern Jsonb *CfgSchemaFetchResource(const char *uri);

/* ---------------------------------------------------------------------
 * cfg_format.c
 * ---------------------------------------------------------------------
 */

/*
 * Check a string against a format.  *known is set false for formats this
 * build does not know (those always pass).  Known: date-time, date, time,
 * duration, email, idn-email, hostname, idn-hostname, ipv4, ipv6, uri,
 * uri-reference, iri, iri-reference, uri-template, uuid, regex,
 * json-pointer, relative-json-pointer.
 */
extern bool CfgFormatCheck(const char *format, const char *s, int len, bool *known);

typedef struct CfgRegex CfgRegex;		/* opaque compiled regex */

/*
 * Compile an ECMA-262 pattern (as JSON Schema's "pattern" and
 * "patternProperties" use) into PostgreSQL's regex engine, translating
 * what ARE lacks (\p{..} classes, \d \w \s with ECMA meanings, ...).
 * Returns NULL and sets *errmsg when the pattern is invalid.
 */
extern CfgRegex *CfgRegexCompile(const char *pattern, int len, MemoryContext cxt, char **errmsg);

/* Unanchored search, like ECMA RegExp.prototype.test; interruptible. */
extern bool CfgRegexMatch(CfgRegex *re, const char *s, int len);

#endif							/* CFG_JSONSCHEMA_H */
