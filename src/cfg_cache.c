/*-------------------------------------------------------------------------
 *
 * cfg_cache.c
 *	  Per-backend cache of resolved configuration (get and resolve results).
 *
 * Keys are the call's arguments packed into one byte string by the caller
 * (kind, environment, service, provider, path).  Values are jsonb copies in
 * the cache's own memory context, or a "not found" marker.  The whole cache
 * is tied to one invalidation generation (cfg_catalog.c): when the
 * generation moves on, the next lookup empties it.  When the cache would
 * grow past cfgmgr.cache_size it is emptied too; refilling is cheap and
 * the bound keeps a backend's memory predictable.
 *
 * Callers copy a result out before doing anything else, so emptying the
 * cache never pulls memory from under them.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "cfgmgr.h"

typedef struct CfgCacheKey
{
	uint32		hash;
	int			len;
	const char *data;
} CfgCacheKey;

typedef struct CfgCacheEntry
{
	CfgCacheKey key;			/* must be first */
	CfgResult	result;
} CfgCacheEntry;

static MemoryContext cache_cxt = NULL;
static HTAB *cache_htab = NULL;
static uint64 cache_gen = 0;
static Size cache_bytes = 0;

static uint32
CfgKeyHash(const void *key, Size keysize)
{
	return ((const CfgCacheKey *) key)->hash;
}

static int
CfgKeyMatch(const void *key1, const void *key2, Size keysize)
{
	const CfgCacheKey *a = key1;
	const CfgCacheKey *b = key2;

	if (a->hash != b->hash || a->len != b->len)
		return 1;
	return memcmp(a->data, b->data, a->len);
}

static void *
CfgKeyCopy(void *dest, const void *src, Size keysize)
{
	const CfgCacheKey *s = src;
	CfgCacheKey *d = dest;
	char	   *copy = MemoryContextAlloc(cache_cxt, s->len);

	memcpy(copy, s->data, s->len);
	d->hash = s->hash;
	d->len = s->len;
	d->data = copy;
	return dest;
}

void
CfgResultReset(void)
{
	if (cache_cxt != NULL)
		MemoryContextDelete(cache_cxt);
	cache_cxt = NULL;
	cache_htab = NULL;
	cache_bytes = 0;
}

static void
CfgCacheEnsure(void)
{
	HASHCTL		ctl;

	if (cache_htab != NULL && cache_gen == CfgCacheGeneration())
		return;
	CfgResultReset();
	cache_cxt = AllocSetContextCreate(TopMemoryContext, "cfgmgr result cache",
									  ALLOCSET_DEFAULT_SIZES);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(CfgCacheKey);
	ctl.entrysize = sizeof(CfgCacheEntry);
	ctl.hash = CfgKeyHash;
	ctl.match = CfgKeyMatch;
	ctl.keycopy = CfgKeyCopy;
	ctl.hcxt = cache_cxt;
	cache_htab = hash_create("cfgmgr result cache", 256, &ctl,
							 HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
							 HASH_KEYCOPY | HASH_CONTEXT);
	cache_gen = CfgCacheGeneration();
}

/* Look a result up; NULL when not cached (or caching is not usable now). */
CfgResult *
CfgResultLookup(const char *key, int keylen)
{
	CfgCacheKey k;
	CfgCacheEntry *e;

	if (!CfgCacheUsable())
		return NULL;
	CfgCacheEnsure();
	k.hash = hash_bytes((const unsigned char *) key, keylen);
	k.len = keylen;
	k.data = key;
	e = hash_search(cache_htab, &k, HASH_FIND, NULL);
	return e ? &e->result : NULL;
}

/*
 * Store a result computed under generation gen.  Dropped when an
 * invalidation arrived meanwhile (the result may predate the change).
 */
void
CfgResultStore(const char *key, int keylen, uint64 gen, bool found, Jsonb *value,
			   bool secret)
{
	CfgCacheKey k;
	CfgCacheEntry *e;
	bool		existed;
	Size		need;

	if (!CfgCacheUsable() || gen != CfgCacheGeneration())
		return;
	need = keylen + sizeof(CfgCacheEntry) + 32 + (value ? VARSIZE(value) : 0);
	if (need > (Size) cfgmgr_cache_size * 1024)
		return;
	CfgCacheEnsure();
	if (cache_bytes + need > (Size) cfgmgr_cache_size * 1024)
	{
		CfgResultReset();
		CfgCacheEnsure();
	}
	k.hash = hash_bytes((const unsigned char *) key, keylen);
	k.len = keylen;
	k.data = key;
	e = hash_search(cache_htab, &k, HASH_ENTER, &existed);
	if (existed)
		return;
	e->result.found = found;
	e->result.secret = secret;
	e->result.value = NULL;
	if (found)
	{
		e->result.value = MemoryContextAlloc(cache_cxt, VARSIZE(value));
		memcpy(e->result.value, value, VARSIZE(value));
	}
	cache_bytes += need;
}
