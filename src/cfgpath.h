/*-------------------------------------------------------------------------
 *
 * cfgpath.h
 *	  The cfgmgr.cfgpath type: dotted configuration key paths.
 *
 * A cfgpath is a varlena holding the path text exactly as written, labels of
 * [A-Za-z0-9_-]+ separated by single dots ("db.pool.max").  Input is strict,
 * so the stored form is canonical and equal paths are byte-equal.
 *
 * Ordering compares the bytes with '.' ranked below every label character,
 * which is label-by-label lexicographic order with an ancestor sorting
 * before its descendants: "db" < "db.pool" < "db.pool.max" < "db-x" < "dbx".
 * Every descendant of P therefore lies in the half-open range
 * [P, P || '-'), which is how "path <@ P" becomes a btree range scan.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfgpath.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef CFGPATH_H
#define CFGPATH_H

#include "fmgr.h"
#include "port/pg_bitutils.h"

typedef struct varlena CfgPath;

#define DatumGetCfgPathPP(X)	((CfgPath *) PG_DETOAST_DATUM_PACKED(X))
#define PG_GETARG_CFGPATH_PP(n) DatumGetCfgPathPP(PG_GETARG_DATUM(n))
#define CFGPATH_DATA(p)			VARDATA_ANY(p)
#define CFGPATH_LEN(p)			VARSIZE_ANY_EXHDR(p)

/* limits; longer input is rejected with SQLSTATE 22P02 */
#define CFGPATH_MAX_LABEL_LEN	255		/* bytes in one label */
#define CFGPATH_MAX_LEN			2048	/* bytes in a whole path (btree-safe) */
#define CFGPATH_MAX_PATTERN_LEN	8192	/* bytes in a glob pattern */

/* character classes */
#define CFG_LABEL_CHAR(c) \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || \
	 ((c) >= '0' && (c) <= '9') || (c) == '_' || (c) == '-')

/*
 * CfgPathCheck: validate s[0..len).  Returns NULL when valid; otherwise a
 * palloc'd description of the problem (a capitalized sentence ending in a
 * period, for errdetail) and sets *errpos to the 1-based character position
 * of the offending character.
 */
extern char *CfgPathCheck(const char *s, int len, int *errpos);

/* Validate and build a path; raises 22P02 naming the position when invalid. */
extern CfgPath *CfgPathMake(const char *s, int len);

/* Is s[0..len) one valid label? */
extern bool CfgLabelIsValid(const char *s, int len);

/*
 * Three-way comparison in cfgpath order (see above).  Inline: it runs on
 * every btree probe and for every row drift merges.  Allocates nothing and
 * skips the common prefix (paths share long ones) eight bytes at a time.
 */
static inline int
CfgPathCmpInline(const char *a, int alen, const char *b, int blen)
{
	int			n = Min(alen, blen);
	int			i = 0;
	unsigned char ca,
				cb;

	while (i + (int) sizeof(uint64) <= n)
	{
		uint64		x,
					y;

		memcpy(&x, a + i, sizeof(uint64));
		memcpy(&y, b + i, sizeof(uint64));
		if (x != y)
		{
			/* the first differing byte of the word */
#ifdef WORDS_BIGENDIAN
			i += (63 - pg_leftmost_one_pos64(x ^ y)) / 8;
#else
			i += pg_rightmost_one_pos64(x ^ y) / 8;
#endif
			goto differ;
		}
		i += sizeof(uint64);
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			goto differ;
	return (alen > blen) - (alen < blen);

differ:
	ca = (unsigned char) a[i];
	cb = (unsigned char) b[i];
	/* '.' ranks below every label character */
	if (ca == '.')
		return -1;
	if (cb == '.')
		return 1;
	return ca < cb ? -1 : 1;
}

extern int	CfgPathCmp(const char *a, int alen, const char *b, int blen);

/* Is anc an ancestor of p, or equal to it ("anc @> p")? */
static inline bool
CfgPathIsAncestorInline(const char *anc, int alen, const char *p, int plen)
{
	if (alen > plen || memcmp(anc, p, alen) != 0)
		return false;
	return alen == plen || p[alen] == '.';
}

extern bool CfgPathIsAncestor(const char *anc, int alen, const char *p, int plen);

/* Number of labels. */
extern int	CfgPathNLevel(const char *s, int len);

/*
 * Glob match of a path against a pattern: labels separated by '.', where a
 * label "*" matches exactly one label, "**" matches zero or more labels, and
 * a '*' inside a label ("feature_*") matches any run of label characters.
 * Raises 22P02 for a malformed pattern.
 */
extern bool CfgGlobMatch(const char *pat, int patlen, const char *s, int len);

/*
 * CfgGlobCheck: validate a glob pattern without raising, like CfgPathCheck
 * (NULL when valid, else a palloc'd detail sentence and *errpos).
 */
extern char *CfgGlobCheck(const char *pat, int patlen, int *errpos);

/*
 * Byte length of the leading labels of a valid pattern that hold no
 * wildcard (0 if the first label has one, patlen if none has).  Every path
 * the pattern matches lies in the subtree of that prefix.
 */
extern int	CfgGlobLiteralPrefix(const char *pat, int patlen);

#endif							/* CFGPATH_H */
