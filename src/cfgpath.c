/*-------------------------------------------------------------------------
 *
 * cfgpath.c
 *	  The cfgmgr.cfgpath type: dotted configuration key paths.
 *
 * A cfgpath is a varlena holding the path text exactly as written: labels
 * of [A-Za-z0-9_-]+ separated by single dots.  Input is strict, so the
 * stored form is canonical and equality is byte equality (which is what
 * the hash opclass and btree deduplication rely on).
 *
 * Ordering compares bytes, with '.' ranked below every label character.
 * That is label-by-label lexicographic order in which an ancestor sorts
 * right before its descendants, and the descendants of P fill exactly the
 * half-open range [P, P || '-'): '-' is the smallest label character, so
 * P || '-' is the least path greater than every "P.<anything>".  The
 * planner support functions below use that to turn "path <@ X" (and glob
 * patterns with a literal leading part) into btree range scans.
 *
 * Glob patterns (the ~~ operator) use labels separated by dots where a
 * label "**" matches zero or more labels, and '*' inside any other label
 * matches a run of label characters (so a label "*" matches exactly one
 * label).  Matching is the classic greedy wildcard algorithm applied twice,
 * once over labels (with "**" as the wildcard) and once over characters
 * within a label; it never backtracks further than the last wildcard, so it
 * costs O(pattern length * path length) at worst, never exponential time.
 *
 * Error reporting: all syntax checks live in CfgPathScan(), which returns a
 * description of the problem instead of raising, so the callers can word
 * the primary message for their context (text input, binary input,
 * pattern), and so moving to soft input errors on PG 16 is easy.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfgpath.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <string.h>

#include "access/detoast.h"
#include "access/stratnum.h"
#include "catalog/pg_am.h"
#include "catalog/pg_statistic.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/pg_list.h"
#include "nodes/supportnodes.h"
#include "nodes/value.h"
#include "optimizer/optimizer.h"
#include "parser/parse_func.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/selfuncs.h"
#include "utils/sortsupport.h"

#include "cfgpath.h"

/* how much of a rejected value the primary error message shows */
#define CFGPATH_DISPLAY_MAX		100

static char *CfgPathScan(const char *s, int len, bool pattern, int *errpos,
						 bool *charerr);
static void CfgPathReportInvalid(const char *s, int len, bool pattern);


/* ------------------------------------------------------------------------
 * Validation
 * ------------------------------------------------------------------------
 */

/*
 * Describe the unexpected byte at s[i] for an error detail.  The input may
 * be arbitrary bytes (binary input), so only printable ASCII and complete,
 * valid multibyte characters of the database encoding are shown as
 * characters; anything else is shown in hex.  Everything before s[i] is
 * ASCII (it passed the scan), so byte and character positions agree.
 */
static char *
CfgPathBadCharDetail(const char *s, int len, int i)
{
	unsigned char c = (unsigned char) s[i];

	if (c >= 0x20 && c < 0x7f)
		return psprintf("Unexpected character \"%c\" at character %d.",
						c, i + 1);
	if (c >= 0x80)
	{
		int			n = pg_encoding_verifymbchar(GetDatabaseEncoding(),
												 s + i, len - i);

		if (n > 0)
			return psprintf("Unexpected character \"%.*s\" at character %d.",
							n, s + i, i + 1);
	}
	return psprintf("Unexpected byte 0x%02X at character %d.", c, i + 1);
}

/*
 * Check s[0..len) as a path (pattern = false) or a glob pattern
 * (pattern = true).  Returns NULL when valid; otherwise a palloc'd detail
 * sentence, with *errpos set to the 1-based position of the offending
 * character and *charerr telling whether it was a character outside the
 * alphabet (the callers add a hint for that case).
 *
 * The length is checked before anything is scanned, so absurdly long input
 * costs nothing.  Patterns have no per-label limit (wildcards make them
 * longer than what they match) but a larger overall cap, which bounds the
 * cost of matching.
 */
static char *
CfgPathScan(const char *s, int len, bool pattern, int *errpos, bool *charerr)
{
	int			label_start = 0;
	int			i;

	*charerr = false;
	if (len <= 0)
	{
		*errpos = 1;
		return pstrdup(pattern ? "The pattern is empty." : "The path is empty.");
	}
	if (!pattern && len > CFGPATH_MAX_LEN)
	{
		*errpos = CFGPATH_MAX_LEN + 1;
		return psprintf("The path is %d bytes long; the maximum is %d bytes.",
						len, CFGPATH_MAX_LEN);
	}
	if (pattern && len > CFGPATH_MAX_PATTERN_LEN)
	{
		*errpos = CFGPATH_MAX_PATTERN_LEN + 1;
		return psprintf("The pattern is %d bytes long; the maximum is %d bytes.",
						len, CFGPATH_MAX_PATTERN_LEN);
	}

	for (i = 0; i <= len; i++)
	{
		unsigned char c;

		if (i == len || s[i] == '.')
		{
			if (i == label_start)
			{
				if (i == 0)
				{
					*errpos = 1;
					return pstrdup("Leading dot at character 1.");
				}
				if (i == len)
				{
					*errpos = len;
					return psprintf("Trailing dot at character %d.", len);
				}
				*errpos = i + 1;
				return psprintf("Empty label at character %d.", i + 1);
			}
			label_start = i + 1;
			continue;
		}

		c = (unsigned char) s[i];
		if (CFG_LABEL_CHAR(c))
		{
			if (!pattern && i - label_start >= CFGPATH_MAX_LABEL_LEN)
			{
				*errpos = label_start + 1;
				return psprintf("Label at character %d is longer than %d bytes.",
								label_start + 1, CFGPATH_MAX_LABEL_LEN);
			}
			continue;
		}
		if (pattern && c == '*')
		{
			/* "**" is only meaningful as a whole label */
			if (i > label_start && s[i - 1] == '*' &&
				!(i - 1 == label_start && (i + 1 == len || s[i + 1] == '.')))
			{
				*errpos = i;
				return psprintf("Wildcard \"**\" at character %d must be a whole label.",
								i);
			}
			continue;
		}

		*errpos = i + 1;
		*charerr = true;
		return CfgPathBadCharDetail(s, len, i);
	}
	return NULL;
}

/*
 * The rejected value as shown in a primary message: cut to a reasonable
 * length (on a character boundary; the value is in the database encoding).
 */
static char *
CfgPathDisplay(const char *s, int len)
{
	int			n;

	if (len <= CFGPATH_DISPLAY_MAX)
		return pnstrdup(s, len);
	n = pg_mbcliplen(s, len, CFGPATH_DISPLAY_MAX);
	return psprintf("%.*s...", n, s);
}

/*
 * Raise the 22P02 error for an invalid path or pattern given as text in
 * the database encoding.
 */
static void
CfgPathReportInvalid(const char *s, int len, bool pattern)
{
	int			errpos;
	bool		charerr;
	char	   *detail = CfgPathScan(s, len, pattern, &errpos, &charerr);

	if (detail == NULL)
		elog(ERROR, "configuration path unexpectedly valid");

	if (pattern)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid configuration path pattern: \"%s\"",
						CfgPathDisplay(s, len)),
				 errdetail_internal("%s", detail),
				 charerr ? errhint("Pattern labels may contain only ASCII letters, digits, \"_\", \"-\" and the wildcard \"*\".") : 0));
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid configuration path: \"%s\"",
						CfgPathDisplay(s, len)),
				 errdetail_internal("%s", detail),
				 charerr ? errhint("Labels may contain only ASCII letters, digits, \"_\" and \"-\", separated by single dots.") : 0));
}

char *
CfgPathCheck(const char *s, int len, int *errpos)
{
	bool		charerr;

	return CfgPathScan(s, len, false, errpos, &charerr);
}

char *
CfgGlobCheck(const char *pat, int patlen, int *errpos)
{
	bool		charerr;

	return CfgPathScan(pat, patlen, true, errpos, &charerr);
}

bool
CfgLabelIsValid(const char *s, int len)
{
	int			i;

	if (len <= 0 || len > CFGPATH_MAX_LABEL_LEN)
		return false;
	for (i = 0; i < len; i++)
		if (!CFG_LABEL_CHAR(s[i]))
			return false;
	return true;
}

/* Build a cfgpath from bytes already known to be valid. */
static CfgPath *
CfgPathFromBytes(const char *s, int len)
{
	CfgPath    *res = (CfgPath *) palloc(VARHDRSZ + len);

	SET_VARSIZE(res, VARHDRSZ + len);
	memcpy(VARDATA(res), s, len);
	return res;
}

CfgPath *
CfgPathMake(const char *s, int len)
{
	int			errpos;
	bool		charerr;

	if (CfgPathScan(s, len, false, &errpos, &charerr) != NULL)
		CfgPathReportInvalid(s, len, false);
	return CfgPathFromBytes(s, len);
}


/* ------------------------------------------------------------------------
 * Primitive operations on bytes
 * ------------------------------------------------------------------------
 */

/*
 * Three-way comparison in cfgpath order (CfgPathCmpInline in cfgpath.h),
 * for callers outside this extension's hot loops.
 */
int
CfgPathCmp(const char *a, int alen, const char *b, int blen)
{
	return CfgPathCmpInline(a, alen, b, blen);
}

bool
CfgPathIsAncestor(const char *anc, int alen, const char *p, int plen)
{
	return CfgPathIsAncestorInline(anc, alen, p, plen);
}

int
CfgPathNLevel(const char *s, int len)
{
	const char *end = s + len;
	int			n;

	if (len <= 0)
		return 0;
	n = 1;
	while ((s = memchr(s, '.', end - s)) != NULL)
	{
		n++;
		s++;
	}
	return n;
}

/*
 * Byte range [*bstart, *bend) covering labels [from, to) of a valid path
 * (0 <= from < to <= number of labels).
 */
static void
CfgPathLabelRange(const char *s, int len, int from, int to,
				  int *bstart, int *bend)
{
	int			level = 0;
	int			i;

	*bstart = 0;
	*bend = len;
	for (i = 0; i < len; i++)
	{
		if (s[i] != '.')
			continue;
		level++;				/* label number 'level' starts at i + 1 */
		if (level == to)
		{
			*bend = i;
			return;
		}
		if (level == from)
			*bstart = i + 1;
	}
}


/* ------------------------------------------------------------------------
 * Glob matching
 * ------------------------------------------------------------------------
 */

/* End offset (exclusive) of the label starting at offset 'start'. */
static inline int
CfgLabelEnd(const char *s, int len, int start)
{
	const char *dot = memchr(s + start, '.', len - start);

	return dot ? (int) (dot - s) : len;
}

/*
 * Match one path label against one pattern label in which '*' matches any
 * run (possibly empty) of characters.  Greedy, remembering only the last
 * '*': a later '*' can absorb whatever an earlier one would, so retrying
 * from the last one suffices, and the cost is O(plen * slen) at worst.
 */
static bool
CfgGlobLabelMatch(const char *p, int plen, const char *s, int slen)
{
	int			pi = 0,
				si = 0,
				star = -1,
				mark = 0;

	while (si < slen)
	{
		if (pi < plen && p[pi] == '*')
		{
			star = pi++;
			mark = si;
		}
		else if (pi < plen && p[pi] == s[si])
		{
			pi++;
			si++;
		}
		else if (star >= 0)
		{
			pi = star + 1;
			si = ++mark;
		}
		else
			return false;
	}
	while (pi < plen && p[pi] == '*')
		pi++;
	return pi == plen;
}

static inline bool
CfgGlobIsDoubleStar(const char *pat, int start, int end)
{
	return end - start == 2 && pat[start] == '*' && pat[start + 1] == '*';
}

/*
 * Match a valid path against a valid pattern.  The same greedy scheme as
 * CfgGlobLabelMatch, over labels: "**" is the wildcard, every other pattern
 * label consumes exactly one path label.  Offsets point at label starts;
 * an offset past the end (len + 1) means "no labels left".
 */
static bool
CfgGlobMatchValid(const char *pat, int patlen, const char *s, int len)
{
	int			p = 0,
				i = 0,
				star = -1,		/* offset of the last "**" seen */
				mark = 0;		/* first path label not absorbed by it */

	while (i <= len)
	{
		if (p <= patlen)
		{
			int			pe = CfgLabelEnd(pat, patlen, p);

			if (CfgGlobIsDoubleStar(pat, p, pe))
			{
				star = p;
				mark = i;
				p = pe + 1;
				continue;
			}
			else
			{
				int			se = CfgLabelEnd(s, len, i);

				if (CfgGlobLabelMatch(pat + p, pe - p, s + i, se - i))
				{
					p = pe + 1;
					i = se + 1;
					continue;
				}
			}
		}
		if (star < 0)
			return false;
		/* let the last "**" absorb one more label and retry after it */
		p = star + 3;
		mark = CfgLabelEnd(s, len, mark) + 1;
		i = mark;
	}
	/* path used up: what is left of the pattern must all be "**" */
	while (p <= patlen)
	{
		int			pe = CfgLabelEnd(pat, patlen, p);

		if (!CfgGlobIsDoubleStar(pat, p, pe))
			return false;
		p = pe + 1;
	}
	return true;
}

bool
CfgGlobMatch(const char *pat, int patlen, const char *s, int len)
{
	int			errpos;
	bool		charerr;

	if (CfgPathScan(pat, patlen, true, &errpos, &charerr) != NULL)
		CfgPathReportInvalid(pat, patlen, true);
	return CfgGlobMatchValid(pat, patlen, s, len);
}

/*
 * Length of the literal leading labels of a valid pattern (the labels
 * before the first one holding a '*'), 0 when the pattern starts with a
 * wildcard.  Equal to patlen when the pattern has no wildcard at all.
 */
int
CfgGlobLiteralPrefix(const char *pat, int patlen)
{
	const char *star = memchr(pat, '*', patlen);
	int			n;

	if (star == NULL)
		return patlen;
	/* back up to the dot ending the last complete literal label */
	for (n = (int) (star - pat); n > 0; n--)
		if (pat[n - 1] == '.')
			return n - 1;
	return 0;
}


/* ------------------------------------------------------------------------
 * I/O
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(cfgpath_in);
PG_FUNCTION_INFO_V1(cfgpath_out);
PG_FUNCTION_INFO_V1(cfgpath_recv);
PG_FUNCTION_INFO_V1(cfgpath_send);
PG_FUNCTION_INFO_V1(cfgpath_from_text);

/* cfgpath_in(cstring) RETURNS cfgpath */
Datum
cfgpath_in(PG_FUNCTION_ARGS)
{
	const char *s = PG_GETARG_CSTRING(0);
	size_t		len = strlen(s);

	/* a cstring is palloc'd, so shorter than MaxAllocSize: fits an int */
	PG_RETURN_POINTER(CfgPathMake(s, (int) Min(len, (size_t) MaxAllocSize)));
}

/* cfgpath_out(cfgpath) RETURNS cstring */
Datum
cfgpath_out(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);

	PG_RETURN_CSTRING(pnstrdup(CFGPATH_DATA(p), CFGPATH_LEN(p)));
}

/*
 * cfgpath_recv(internal) RETURNS cfgpath
 *
 * The binary form is the path text.  It comes from the client unchecked,
 * possibly with bytes invalid in any encoding, so it is re-validated and
 * never echoed in the message (the detail shows the offending byte safely).
 */
Datum
cfgpath_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	const char *s = buf->data + buf->cursor;
	int			len = buf->len - buf->cursor;
	int			errpos;
	bool		charerr;
	char	   *detail;
	CfgPath    *res;

	detail = CfgPathScan(s, len, false, &errpos, &charerr);
	if (detail != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid configuration path in binary input"),
				 errdetail_internal("%s", detail)));
	res = CfgPathFromBytes(s, len);
	buf->cursor = buf->len;
	PG_RETURN_POINTER(res);
}

/* cfgpath_send(cfgpath) RETURNS bytea */
Datum
cfgpath_send(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, CFGPATH_DATA(p), CFGPATH_LEN(p));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* cfgpath(text) RETURNS cfgpath: the text and varchar casts */
Datum
cfgpath_from_text(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	CfgPath    *res = CfgPathMake(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

	PG_FREE_IF_COPY(t, 0);
	PG_RETURN_POINTER(res);
}


/* ------------------------------------------------------------------------
 * Comparison, hashing, sorting
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(cfgpath_eq);
PG_FUNCTION_INFO_V1(cfgpath_ne);
PG_FUNCTION_INFO_V1(cfgpath_lt);
PG_FUNCTION_INFO_V1(cfgpath_le);
PG_FUNCTION_INFO_V1(cfgpath_gt);
PG_FUNCTION_INFO_V1(cfgpath_ge);
PG_FUNCTION_INFO_V1(cfgpath_cmp);
PG_FUNCTION_INFO_V1(cfgpath_sortsupport);
PG_FUNCTION_INFO_V1(cfgpath_hash);
PG_FUNCTION_INFO_V1(cfgpath_hash_extended);

/*
 * Byte equality.  Values of different length differ, which can be told
 * without detoasting either one.
 */
static bool
CfgPathDatumEq(FunctionCallInfo fcinfo)
{
	Datum		d1 = PG_GETARG_DATUM(0);
	Datum		d2 = PG_GETARG_DATUM(1);
	CfgPath    *a,
			   *b;
	bool		eq;

	if (toast_raw_datum_size(d1) != toast_raw_datum_size(d2))
		return false;
	a = DatumGetCfgPathPP(d1);
	b = DatumGetCfgPathPP(d2);
	eq = memcmp(CFGPATH_DATA(a), CFGPATH_DATA(b), CFGPATH_LEN(a)) == 0;
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return eq;
}

static int
CfgPathDatumCmp(FunctionCallInfo fcinfo)
{
	CfgPath    *a = PG_GETARG_CFGPATH_PP(0);
	CfgPath    *b = PG_GETARG_CFGPATH_PP(1);
	int			r;

	r = CfgPathCmp(CFGPATH_DATA(a), CFGPATH_LEN(a),
				   CFGPATH_DATA(b), CFGPATH_LEN(b));
	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

Datum
cfgpath_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumEq(fcinfo));
}

Datum
cfgpath_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!CfgPathDatumEq(fcinfo));
}

Datum
cfgpath_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumCmp(fcinfo) < 0);
}

Datum
cfgpath_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumCmp(fcinfo) <= 0);
}

Datum
cfgpath_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumCmp(fcinfo) > 0);
}

Datum
cfgpath_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumCmp(fcinfo) >= 0);
}

/* cfgpath_cmp(cfgpath, cfgpath) RETURNS int4: btree support 1 */
Datum
cfgpath_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CfgPathDatumCmp(fcinfo));
}

/* SortSupport comparator: skips the fmgr call of cfgpath_cmp per pair. */
static int
cfgpath_fastcmp(Datum x, Datum y, SortSupport ssup)
{
	CfgPath    *a = DatumGetCfgPathPP(x);
	CfgPath    *b = DatumGetCfgPathPP(y);
	int			r;

	r = CfgPathCmp(CFGPATH_DATA(a), CFGPATH_LEN(a),
				   CFGPATH_DATA(b), CFGPATH_LEN(b));
	if ((Pointer) a != DatumGetPointer(x))
		pfree(a);
	if ((Pointer) b != DatumGetPointer(y))
		pfree(b);
	return r;
}

/* cfgpath_sortsupport(internal) RETURNS void: btree support 2 */
Datum
cfgpath_sortsupport(PG_FUNCTION_ARGS)
{
	SortSupport ssup = (SortSupport) PG_GETARG_POINTER(0);

	ssup->comparator = cfgpath_fastcmp;
	PG_RETURN_VOID();
}

/* cfgpath_hash(cfgpath) RETURNS int4: hash support 1 */
Datum
cfgpath_hash(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	Datum		h;

	h = hash_any((const unsigned char *) CFGPATH_DATA(p), CFGPATH_LEN(p));
	PG_FREE_IF_COPY(p, 0);
	return h;
}

/* cfgpath_hash_extended(cfgpath, int8) RETURNS int8: hash support 2 */
Datum
cfgpath_hash_extended(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	Datum		h;

	h = hash_any_extended((const unsigned char *) CFGPATH_DATA(p),
						  CFGPATH_LEN(p), PG_GETARG_INT64(1));
	PG_FREE_IF_COPY(p, 0);
	return h;
}


/* ------------------------------------------------------------------------
 * Hierarchy and glob operators
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(cfgpath_contains);
PG_FUNCTION_INFO_V1(cfgpath_contained);
PG_FUNCTION_INFO_V1(cfgpath_desc_bound);
PG_FUNCTION_INFO_V1(cfgpath_glob);
PG_FUNCTION_INFO_V1(cfgpath_not_glob);
PG_FUNCTION_INFO_V1(cfgmgr_glob_match);

static bool
CfgPathDatumIsAncestor(FunctionCallInfo fcinfo, int ancarg, int parg)
{
	CfgPath    *anc = PG_GETARG_CFGPATH_PP(ancarg);
	CfgPath    *p = PG_GETARG_CFGPATH_PP(parg);
	bool		res;

	res = CfgPathIsAncestor(CFGPATH_DATA(anc), CFGPATH_LEN(anc),
							CFGPATH_DATA(p), CFGPATH_LEN(p));
	PG_FREE_IF_COPY(anc, ancarg);
	PG_FREE_IF_COPY(p, parg);
	return res;
}

/* cfgpath_contains(a, b): a @> b, a is b or an ancestor of b */
Datum
cfgpath_contains(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumIsAncestor(fcinfo, 0, 1));
}

/* cfgpath_contained(a, b): a <@ b, a is b or a descendant of b */
Datum
cfgpath_contained(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumIsAncestor(fcinfo, 1, 0));
}

/* P || '-': the least path sorting after P and all its descendants. */
static CfgPath *
CfgPathDescBound(const char *s, int len)
{
	CfgPath    *res = (CfgPath *) palloc(VARHDRSZ + len + 1);

	SET_VARSIZE(res, VARHDRSZ + len + 1);
	memcpy(VARDATA(res), s, len);
	VARDATA(res)[len] = '-';
	return res;
}

/* cfgpath_desc_bound(cfgpath) RETURNS cfgpath (internal, for index scans) */
Datum
cfgpath_desc_bound(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);

	PG_RETURN_POINTER(CfgPathDescBound(CFGPATH_DATA(p), CFGPATH_LEN(p)));
}

static bool
CfgPathDatumGlob(FunctionCallInfo fcinfo, int patharg, int patarg)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(patharg);
	text	   *pat = PG_GETARG_TEXT_PP(patarg);
	bool		res;

	res = CfgGlobMatch(VARDATA_ANY(pat), VARSIZE_ANY_EXHDR(pat),
					   CFGPATH_DATA(p), CFGPATH_LEN(p));
	PG_FREE_IF_COPY(p, patharg);
	PG_FREE_IF_COPY(pat, patarg);
	return res;
}

/* cfgpath_glob(path cfgpath, pattern text): path ~~ pattern */
Datum
cfgpath_glob(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumGlob(fcinfo, 0, 1));
}

/* cfgpath_not_glob(path cfgpath, pattern text): path !~~ pattern */
Datum
cfgpath_not_glob(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!CfgPathDatumGlob(fcinfo, 0, 1));
}

/* glob_match(pattern text, path cfgpath) RETURNS bool */
Datum
cfgmgr_glob_match(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgPathDatumGlob(fcinfo, 1, 0));
}


/* ------------------------------------------------------------------------
 * Functions on labels
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(cfgpath_nlevel);
PG_FUNCTION_INFO_V1(cfgpath_subpath);
PG_FUNCTION_INFO_V1(cfgpath_parent);
PG_FUNCTION_INFO_V1(cfgpath_label);
PG_FUNCTION_INFO_V1(cfgpath_labels);
PG_FUNCTION_INFO_V1(cfgpath_concat);
PG_FUNCTION_INFO_V1(cfgpath_concat_text);
PG_FUNCTION_INFO_V1(text_concat_cfgpath);

/* nlevel(cfgpath) RETURNS int4 */
Datum
cfgpath_nlevel(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	int			n = CfgPathNLevel(CFGPATH_DATA(p), CFGPATH_LEN(p));

	PG_FREE_IF_COPY(p, 0);
	PG_RETURN_INT32(n);
}

/*
 * subpath(path cfgpath, "offset" int4 [, len int4]) RETURNS cfgpath
 *
 * Labels count from 0; a negative offset counts from the end.  A positive
 * len is cut at the end of the path, a negative one leaves that many
 * labels off the end; without len the subpath runs to the end.  An offset
 * outside the path, or a subpath with no labels, is an error (an empty
 * path is not a value).
 */
Datum
cfgpath_subpath(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	int32		offset = PG_GETARG_INT32(1);
	const char *s = CFGPATH_DATA(p);
	int			len = CFGPATH_LEN(p);
	int			n = CfgPathNLevel(s, len);
	int64		start,
				end;
	int			bstart,
				bend;

	start = offset < 0 ? (int64) n + offset : offset;
	if (start < 0 || start >= n)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("subpath offset %d is out of range", offset),
				 errdetail_plural("The path has %d label; the offset must be between %d and %d.",
								  "The path has %d labels; the offset must be between %d and %d.",
								  n, n, -n, n - 1)));

	if (PG_NARGS() < 3)
		end = n;
	else
	{
		int32		sublen = PG_GETARG_INT32(2);

		if (sublen > 0)
			end = Min(start + sublen, (int64) n);
		else if (sublen < 0)
			end = (int64) n + sublen;
		else
			end = start;
		if (end <= start)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("subpath length %d is out of range", sublen),
					 errdetail("The subpath would contain no labels.")));
	}

	CfgPathLabelRange(s, len, (int) start, (int) end, &bstart, &bend);
	PG_RETURN_POINTER(CfgPathFromBytes(s + bstart, bend - bstart));
}

/* parent(cfgpath) RETURNS cfgpath: NULL for a single label */
Datum
cfgpath_parent(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	const char *s = CFGPATH_DATA(p);
	int			i;

	for (i = CFGPATH_LEN(p) - 1; i > 0; i--)
		if (s[i] == '.')
			PG_RETURN_POINTER(CfgPathFromBytes(s, i));
	PG_RETURN_NULL();
}

/*
 * label(path cfgpath, n int4) RETURNS text: label n counting from 0, or
 * from the end when negative (-1 is the last); NULL when out of range.
 */
Datum
cfgpath_label(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	int32		idx = PG_GETARG_INT32(1);
	const char *s = CFGPATH_DATA(p);
	int			len = CFGPATH_LEN(p);
	int			n = CfgPathNLevel(s, len);
	int64		k = idx < 0 ? (int64) n + idx : idx;
	int			bstart,
				bend;

	if (k < 0 || k >= n)
		PG_RETURN_NULL();
	CfgPathLabelRange(s, len, (int) k, (int) k + 1, &bstart, &bend);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(s + bstart, bend - bstart));
}

/* labels(cfgpath) RETURNS text[] */
Datum
cfgpath_labels(PG_FUNCTION_ARGS)
{
	CfgPath    *p = PG_GETARG_CFGPATH_PP(0);
	const char *s = CFGPATH_DATA(p);
	int			len = CFGPATH_LEN(p);
	int			n = CfgPathNLevel(s, len);
	Datum	   *elems = (Datum *) palloc(n * sizeof(Datum));
	int			start = 0;
	int			k;

	for (k = 0; k < n; k++)
	{
		int			end = CfgLabelEnd(s, len, start);

		elems[k] = PointerGetDatum(cstring_to_text_with_len(s + start,
															end - start));
		start = end + 1;
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TEXTOID, -1, false,
										  TYPALIGN_INT));
}

/* Join two valid paths with a dot, enforcing the overall length limit. */
static CfgPath *
CfgPathJoin(const char *a, int alen, const char *b, int blen)
{
	int			total = alen + 1 + blen;
	CfgPath    *res;

	if (total > CFGPATH_MAX_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("configuration path too long"),
				 errdetail("The result would be %d bytes long; the maximum is %d bytes.",
						   total, CFGPATH_MAX_LEN)));
	res = (CfgPath *) palloc(VARHDRSZ + total);
	SET_VARSIZE(res, VARHDRSZ + total);
	memcpy(VARDATA(res), a, alen);
	VARDATA(res)[alen] = '.';
	memcpy(VARDATA(res) + alen + 1, b, blen);
	return res;
}

/* cfgpath || cfgpath */
Datum
cfgpath_concat(PG_FUNCTION_ARGS)
{
	CfgPath    *a = PG_GETARG_CFGPATH_PP(0);
	CfgPath    *b = PG_GETARG_CFGPATH_PP(1);

	PG_RETURN_POINTER(CfgPathJoin(CFGPATH_DATA(a), CFGPATH_LEN(a),
								  CFGPATH_DATA(b), CFGPATH_LEN(b)));
}

/* cfgpath || text: the text must itself be a valid path */
Datum
cfgpath_concat_text(PG_FUNCTION_ARGS)
{
	CfgPath    *a = PG_GETARG_CFGPATH_PP(0);
	text	   *t = PG_GETARG_TEXT_PP(1);
	int			errpos;
	bool		charerr;

	if (CfgPathScan(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false,
					&errpos, &charerr) != NULL)
		CfgPathReportInvalid(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false);
	PG_RETURN_POINTER(CfgPathJoin(CFGPATH_DATA(a), CFGPATH_LEN(a),
								  VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)));
}

/* text || cfgpath: the text must itself be a valid path */
Datum
text_concat_cfgpath(PG_FUNCTION_ARGS)
{
	text	   *t = PG_GETARG_TEXT_PP(0);
	CfgPath    *b = PG_GETARG_CFGPATH_PP(1);
	int			errpos;
	bool		charerr;

	if (CfgPathScan(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false,
					&errpos, &charerr) != NULL)
		CfgPathReportInvalid(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false);
	PG_RETURN_POINTER(CfgPathJoin(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t),
								  CFGPATH_DATA(b), CFGPATH_LEN(b)));
}


/* ------------------------------------------------------------------------
 * Planner support: index conditions and selectivity
 * ------------------------------------------------------------------------
 */

PG_FUNCTION_INFO_V1(cfgpath_contains_support);
PG_FUNCTION_INFO_V1(cfgpath_contained_support);
PG_FUNCTION_INFO_V1(cfgpath_glob_support);
PG_FUNCTION_INFO_V1(cfgmgr_glob_match_support);
PG_FUNCTION_INFO_V1(cfgpath_nomatchsel);
PG_FUNCTION_INFO_V1(cfgpath_nomatchjoinsel);

/* "key op arg" as an index clause, index key on the left */
static Expr *
CfgMakeIndexClause(Oid opno, Node *key, Expr *arg)
{
	OpExpr	   *op;

	op = (OpExpr *) make_opclause(opno, BOOLOID, false,
								  (Expr *) copyObject(key), arg,
								  InvalidOid, InvalidOid);
	op->opfuncid = get_opcode(opno);
	return (Expr *) op;
}

/* A cfgpath Const of the given (possibly domain) type. */
static Expr *
CfgMakePathConst(Oid typid, CfgPath *p)
{
	return (Expr *) makeConst(typid, -1, InvalidOid, -1,
							  PointerGetDatum(p), false, false);
}

/*
 * Index clauses for "key <@ root" on a btree index:
 *     key >= root AND key < cfgpath_desc_bound(root)
 * exact (not lossy) by the ordering.  A Const root is folded at plan time;
 * any other pseudoconstant (a Param of a generic plan, a stable function,
 * an outer Var of a parameterized path) becomes a runtime scan key through
 * a call of cfgpath_desc_bound, found next to the supported function.
 */
static List *
CfgSubtreeClauses(SupportRequestIndexCondition *req, Node *key, Node *root)
{
	Oid			typid = getBaseType(exprType(key));
	Oid			geop,
				ltop;
	Expr	   *bound;

	if (req->index->relam != BTREE_AM_OID)
		return NIL;
	if (getBaseType(exprType(root)) != typid)
		return NIL;
	geop = get_opfamily_member(req->opfamily, typid, typid,
							   BTGreaterEqualStrategyNumber);
	ltop = get_opfamily_member(req->opfamily, typid, typid,
							   BTLessStrategyNumber);
	if (!OidIsValid(geop) || !OidIsValid(ltop))
		return NIL;

	if (IsA(root, Const))
	{
		Const	   *c = (Const *) root;
		CfgPath    *p;

		if (c->constisnull)
			return NIL;
		p = DatumGetCfgPathPP(c->constvalue);
		bound = CfgMakePathConst(typid,
								 CfgPathDescBound(CFGPATH_DATA(p),
												  CFGPATH_LEN(p)));
	}
	else
	{
		Oid			nsp = get_func_namespace(req->funcid);
		char	   *nspname = get_namespace_name(nsp);
		Oid			fn;

		if (nspname == NULL ||
			!is_pseudo_constant_for_index(req->root, root, req->index))
			return NIL;
		fn = LookupFuncName(list_make2(makeString(nspname),
									   makeString("cfgpath_desc_bound")),
							1, &typid, true);
		if (!OidIsValid(fn))
			return NIL;
		bound = (Expr *) makeFuncExpr(fn, typid,
									  list_make1(copyObject(root)),
									  InvalidOid, InvalidOid,
									  COERCE_EXPLICIT_CALL);
	}

	req->lossy = false;
	return list_make2(CfgMakeIndexClause(geop, key, (Expr *) copyObject(root)),
					  CfgMakeIndexClause(ltop, key, bound));
}

/* The two arguments of the operator or function call being supported. */
static bool
CfgSupportArgs(Node *node, Node **arg0, Node **arg1)
{
	List	   *args;

	if (is_opclause(node))
		args = ((OpExpr *) node)->args;
	else if (is_funcclause(node))
		args = ((FuncExpr *) node)->args;
	else
		return false;
	if (list_length(args) != 2)
		return false;
	*arg0 = linitial(args);
	*arg1 = lsecond(args);
	return true;
}

/*
 * Shared body of the support functions for "a @> b" (ancarg = 0) and
 * "a <@ b" (ancarg = 1): only the form "indexed <@ X" / "X @> indexed" is a
 * contiguous key range; "indexed @> X" (the ancestors of X) is not.
 */
static Node *
CfgHierarchySupport(Node *rawreq, int ancarg)
{
	SupportRequestIndexCondition *req;
	Node	   *args[2];

	if (!IsA(rawreq, SupportRequestIndexCondition))
		return NULL;
	req = (SupportRequestIndexCondition *) rawreq;
	if (req->indexarg != 1 - ancarg)
		return NULL;
	if (!CfgSupportArgs(req->node, &args[0], &args[1]))
		return NULL;
	return (Node *) CfgSubtreeClauses(req, args[1 - ancarg], args[ancarg]);
}

/* cfgpath_contains_support(internal) RETURNS internal */
Datum
cfgpath_contains_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(CfgHierarchySupport((Node *) PG_GETARG_POINTER(0), 0));
}

/* cfgpath_contained_support(internal) RETURNS internal */
Datum
cfgpath_contained_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(CfgHierarchySupport((Node *) PG_GETARG_POINTER(0), 1));
}

/*
 * Index clauses for "key ~~ 'pattern'" with a constant pattern.  The
 * leading labels without wildcards fix a subtree, scanned as for <@ with a
 * recheck of the pattern (lossy); a pattern without wildcards is plain
 * equality, and "literal.**" is exactly the subtree, both exact.
 */
static Node *
CfgGlobSupport(Node *rawreq, int patharg)
{
	SupportRequestIndexCondition *req;
	Node	   *args[2];
	Node	   *key;
	Const	   *patc;
	text	   *pat;
	const char *ps;
	int			plen;
	int			prefix;
	int			errpos;
	bool		charerr;
	Oid			typid;
	CfgPath    *root;

	if (!IsA(rawreq, SupportRequestIndexCondition))
		return NULL;
	req = (SupportRequestIndexCondition *) rawreq;
	if (req->indexarg != patharg)
		return NULL;
	if (!CfgSupportArgs(req->node, &args[0], &args[1]))
		return NULL;
	key = args[patharg];
	if (!IsA(args[1 - patharg], Const))
		return NULL;
	patc = (Const *) args[1 - patharg];
	if (patc->constisnull || patc->consttype != TEXTOID)
		return NULL;

	pat = DatumGetTextPP(patc->constvalue);
	ps = VARDATA_ANY(pat);
	plen = VARSIZE_ANY_EXHDR(pat);
	/* a malformed pattern raises at execution; don't raise while planning */
	if (CfgPathScan(ps, plen, true, &errpos, &charerr) != NULL)
		return NULL;
	prefix = CfgGlobLiteralPrefix(ps, plen);
	if (prefix == 0 || CfgPathScan(ps, prefix, false, &errpos, &charerr) != NULL)
		return NULL;
	root = CfgPathFromBytes(ps, prefix);
	typid = getBaseType(exprType(key));

	if (prefix == plen)
	{
		/* no wildcard at all: equality, usable by btree and hash alike */
		Oid			eqop;

		if (req->index->relam == BTREE_AM_OID)
			eqop = get_opfamily_member(req->opfamily, typid, typid,
									   BTEqualStrategyNumber);
		else if (req->index->relam == HASH_AM_OID)
			eqop = get_opfamily_member(req->opfamily, typid, typid,
									   HTEqualStrategyNumber);
		else
			return NULL;
		if (!OidIsValid(eqop))
			return NULL;
		req->lossy = false;
		return (Node *) list_make1(CfgMakeIndexClause(eqop, key,
													  CfgMakePathConst(typid, root)));
	}
	else
	{
		List	   *clauses;
		bool		exact;

		/* the rest after "prefix." is exactly "**": the whole subtree */
		exact = (plen - prefix == 3 && ps[prefix + 1] == '*' &&
				 ps[prefix + 2] == '*');
		clauses = CfgSubtreeClauses(req, key,
									(Node *) CfgMakePathConst(typid, root));
		req->lossy = !(clauses != NIL && exact);
		return (Node *) clauses;
	}
}

/* cfgpath_glob_support(internal) RETURNS internal: for path ~~ pattern */
Datum
cfgpath_glob_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(CfgGlobSupport((Node *) PG_GETARG_POINTER(0), 0));
}

/* glob_match_support(internal) RETURNS internal: for glob_match(pattern, path) */
Datum
cfgmgr_glob_match_support(PG_FUNCTION_ARGS)
{
	PG_RETURN_POINTER(CfgGlobSupport((Node *) PG_GETARG_POINTER(0), 1));
}

/*
 * cfgpath_nomatchsel: restriction selectivity of !~~, the complement of
 * what matchingsel estimates for its negator ~~, leaving out the NULLs
 * (which match neither).
 */
Datum
cfgpath_nomatchsel(PG_FUNCTION_ARGS)
{
	PlannerInfo *root = (PlannerInfo *) PG_GETARG_POINTER(0);
	Oid			operator = PG_GETARG_OID(1);
	List	   *args = (List *) PG_GETARG_POINTER(2);
	int			varRelid = PG_GETARG_INT32(3);
	Oid			negator = get_negator(operator);
	VariableStatData vardata;
	Node	   *other;
	bool		varonleft;
	double		nullfrac = 0.0;
	double		sel;

	if (!OidIsValid(negator))
		PG_RETURN_FLOAT8(1.0 - DEFAULT_MATCHING_SEL);
	sel = generic_restriction_selectivity(root, negator, PG_GET_COLLATION(),
										  args, varRelid,
										  DEFAULT_MATCHING_SEL);
	if (get_restriction_variable(root, args, varRelid,
								 &vardata, &other, &varonleft))
	{
		if (HeapTupleIsValid(vardata.statsTuple))
			nullfrac = ((Form_pg_statistic) GETSTRUCT(vardata.statsTuple))->stanullfrac;
		ReleaseVariableStats(vardata);
	}
	sel = 1.0 - sel - nullfrac;
	CLAMP_PROBABILITY(sel);
	PG_RETURN_FLOAT8(sel);
}

/* cfgpath_nomatchjoinsel: join selectivity of !~~, a fixed default */
Datum
cfgpath_nomatchjoinsel(PG_FUNCTION_ARGS)
{
	PG_RETURN_FLOAT8(1.0 - DEFAULT_MATCHING_SEL);
}
