/*-------------------------------------------------------------------------
 *
 * cfg_secret.c
 *	  Encrypted secret values: the key file, encryption and decryption with
 *	  libsodium's XChaCha20-Poly1305 (IETF AEAD), the mask, and
 *	  cfgmgr.rotate_key().  The only file including <sodium.h>.
 *
 * Model (doc/secrets.md):
 *	- a secret entry keeps the mask "********" (a jsonb string) in
 *	  cfgmgr.entry.value, so every reader of value sees the mask, and its
 *	  real value only encrypted in cfgmgr.entry.ciphertext (history:
 *	  cfgmgr.change.old_ciphertext / new_ciphertext).  Only cfgmgr_owner may
 *	  read or write those columns.
 *	- the key is 32 bytes read from the file named by the superuser-only
 *	  GUC cfgmgr.key_file: 32 raw bytes, or 64 hexadecimal characters with
 *	  an optional trailing newline.  The file must be a regular file that
 *	  neither group nor others may access (mode 0600 or 0400), owned by the
 *	  server's user or root.
 *	- ciphertext = version (1 byte, 1) | key id (8 bytes: the first bytes
 *	  of the BLAKE2b hash of the key) | nonce (24 random bytes) | AEAD
 *	  output of the value's JSON text.  The associated data binds a fixed
 *	  context string, the version and key id, and the environment id,
 *	  service id, provider and path, each length-prefixed: a ciphertext
 *	  copied to another entry fails authentication.
 *
 * The key is cached per backend in sodium_malloc'd (guarded, locked where
 * the system allows) memory and reloaded when the GUC's value or the file
 * (device, inode, size, modification time) changes; the old copy is wiped.
 *
 * No message raised here, nor its detail, hint or context, ever contains
 * a secret value, a ciphertext or the key file's content: errors name the
 * file, or the environment, service and path of the entry.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_secret.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/jsonapi.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "port/pg_bswap.h"
#include "storage/fd.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_rotate_key);
PG_FUNCTION_INFO_V1(cfgmgr_change_append_only);
PG_FUNCTION_INFO_V1(cfgmgr_secret_key_available);

#define CFG_SECRET_VERSION		1
#define CFG_SECRET_KEYBYTES		crypto_aead_xchacha20poly1305_ietf_KEYBYTES		/* 32 */
#define CFG_SECRET_KEYIDBYTES	8
#define CFG_SECRET_NONCEBYTES	crypto_aead_xchacha20poly1305_ietf_NPUBBYTES	/* 24 */
#define CFG_SECRET_ABYTES		crypto_aead_xchacha20poly1305_ietf_ABYTES	/* 16 */
#define CFG_SECRET_HEADER		(1 + CFG_SECRET_KEYIDBYTES + CFG_SECRET_NONCEBYTES)
#define CFG_SECRET_AD_CONTEXT	"cfgmgr secret v1"
#define CFG_MASK_TEXT			"********"

/* GUC */
char	   *cfgmgr_key_file = NULL;

/* set only inside cfgmgr.rotate_key(): its own updates of ciphertexts */
bool		cfg_secret_rotating = false;

static bool sodium_ready = false;

/* A loaded key: where it came from and what it is. */
typedef struct CfgKey
{
	unsigned char *key;			/* sodium_malloc'd, CFG_SECRET_KEYBYTES */
	unsigned char id[CFG_SECRET_KEYIDBYTES];
	char	   *path;			/* in TopMemoryContext */
	dev_t		dev;
	ino_t		ino;
	off_t		size;
	struct timespec mtime;
} CfgKey;

/* the key of cfgmgr.key_file, cached per backend (key NULL: none loaded) */
static CfgKey cur_key;

/* ---------------------------------------------------------------------
 * Initialisation
 * ---------------------------------------------------------------------
 */
static void
CfgSecretXactCallback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_COMMIT ||
		event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
		event == XACT_EVENT_PREPARE)
		cfg_secret_rotating = false;
}

/*
 * Called from _PG_init, before the "cfgmgr" GUC prefix is reserved: the
 * GUC cfgmgr.key_file and libsodium.  A failing sodium_init() is reported
 * when a secret is first needed, not here (an error in _PG_init would
 * make the whole library unloadable).
 */
void
CfgSecretInit(void)
{
	DefineCustomStringVariable("cfgmgr.key_file",
							   gettext_noop("File holding the key that encrypts secret values."),
							   gettext_noop("32 raw bytes or 64 hexadecimal characters; the file must not be accessible to group or others. Empty: no key, secrets cannot be written or read in clear."),
							   &cfgmgr_key_file,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   NULL, NULL, NULL);
	sodium_ready = sodium_init() >= 0;
	RegisterXactCallback(CfgSecretXactCallback, NULL);
}

static void
CfgSodiumCheck(void)
{
	if (!sodium_ready)
	{
		sodium_ready = sodium_init() >= 0;
		if (!sodium_ready)
			ereport(ERROR,
					(errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
					 errmsg("could not initialize libsodium")));
	}
}

/* ---------------------------------------------------------------------
 * The key file
 * ---------------------------------------------------------------------
 */
static void
CfgKeyFree(CfgKey *k)
{
	if (k->key)
	{
		sodium_memzero(k->key, CFG_SECRET_KEYBYTES);
		sodium_free(k->key);
		k->key = NULL;
	}
	sodium_memzero(k->id, sizeof(k->id));
	if (k->path)
	{
		pfree(k->path);
		k->path = NULL;
	}
}

static bool
CfgKeyUnavailable(bool raise, const char *path, const char *detail)
{
	if (!raise)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE),
			 errmsg("secret key unavailable: key file \"%s\" cannot be used", path),
			 errdetail("%s", detail),
			 errhint("The key file holds 32 raw bytes or 64 hexadecimal characters, and only the server's user may access it (chmod 600).")));
	return false;
}

/* CM014 for a failed system call on the key file (errno set) */
static bool
CfgKeyFileError(bool raise, const char *what, const char *path)
{
	if (!raise)
		return false;
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE),
			 errmsg("secret key unavailable: could not %s key file \"%s\": %m", what, path),
			 errhint("Set cfgmgr.key_file to a file holding the key, readable by the server.")));
	return false;
}

#define KEYFILE_FORMAT "It must hold 32 raw bytes or 64 hexadecimal characters (and an optional newline)."

/*
 * Read and check the key file at path into *k (key in sodium_malloc'd
 * memory).  A file that is missing, unreadable, not a regular file,
 * accessible to group or others, owned by another user, or of the wrong
 * size or format is CM014 naming the file, never its content (raise), or
 * false (!raise; nothing is left allocated or open).
 */
static bool
CfgKeyLoad(const char *path, CfgKey *k, bool raise)
{
	int			fd;
	struct stat st;
	unsigned char *buf;
	unsigned char *key;
	ssize_t		n;
	size_t		len;
	size_t		binlen = 0;
	bool		ok;

	CfgSodiumCheck();
	memset(k, 0, sizeof(*k));
	if (path[0] != '/')
		return CfgKeyUnavailable(raise, path, "The key file must be named by an absolute path.");
	fd = OpenTransientFile(path, O_RDONLY | PG_BINARY);
	if (fd < 0)
		return CfgKeyFileError(raise, "open", path);
	if (fstat(fd, &st) != 0)
	{
		int			save = errno;

		CloseTransientFile(fd);
		errno = save;
		return CfgKeyFileError(raise, "stat", path);
	}
	if (!S_ISREG(st.st_mode))
	{
		CloseTransientFile(fd);
		return CfgKeyUnavailable(raise, path, "It is not a regular file.");
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0)
	{
		CloseTransientFile(fd);
		if (!raise)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE),
				 errmsg("secret key unavailable: key file \"%s\" has group or world access", path),
				 errdetail("Its mode is %04o; a key file must not be accessible to group or others.",
						   (unsigned int) (st.st_mode & 07777)),
				 errhint("chmod 600 the file.")));
	}
	if (st.st_uid != geteuid() && st.st_uid != 0)
	{
		CloseTransientFile(fd);
		return CfgKeyUnavailable(raise, path, "It must be owned by the server's user or by root.");
	}
	if (st.st_size != CFG_SECRET_KEYBYTES && st.st_size != 2 * CFG_SECRET_KEYBYTES &&
		st.st_size != 2 * CFG_SECRET_KEYBYTES + 1)
	{
		CloseTransientFile(fd);
		return CfgKeyUnavailable(raise, path, KEYFILE_FORMAT);
	}

	/* one byte more than allowed: a file growing meanwhile is noticed */
	buf = sodium_malloc(2 * CFG_SECRET_KEYBYTES + 2);
	key = sodium_malloc(CFG_SECRET_KEYBYTES);
	if (buf == NULL || key == NULL)
	{
		if (buf)
			sodium_free(buf);
		if (key)
			sodium_free(key);
		CloseTransientFile(fd);
		if (!raise)
			return false;
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory for the secret key")));
	}
	len = 0;
	do
	{
		n = read(fd, buf + len, 2 * CFG_SECRET_KEYBYTES + 2 - len);
		if (n > 0)
			len += n;
	} while (n > 0 && len < 2 * CFG_SECRET_KEYBYTES + 2);
	if (n < 0)
	{
		int			save = errno;

		sodium_free(buf);
		sodium_free(key);
		CloseTransientFile(fd);
		errno = save;
		return CfgKeyFileError(raise, "read", path);
	}
	CloseTransientFile(fd);

	if (len == CFG_SECRET_KEYBYTES)
	{
		memcpy(key, buf, CFG_SECRET_KEYBYTES);
		ok = true;
	}
	else if (len == 2 * CFG_SECRET_KEYBYTES ||
			 (len == 2 * CFG_SECRET_KEYBYTES + 1 && buf[len - 1] == '\n'))
		ok = sodium_hex2bin(key, CFG_SECRET_KEYBYTES, (const char *) buf, 2 * CFG_SECRET_KEYBYTES,
							NULL, &binlen, NULL) == 0 && binlen == CFG_SECRET_KEYBYTES;
	else
		ok = false;
	sodium_free(buf);			/* wipes it */
	if (!ok)
	{
		sodium_free(key);
		return CfgKeyUnavailable(raise, path, KEYFILE_FORMAT);
	}

	{
		unsigned char h[crypto_generichash_BYTES];

		crypto_generichash(h, sizeof(h), key, CFG_SECRET_KEYBYTES, NULL, 0);
		memcpy(k->id, h, CFG_SECRET_KEYIDBYTES);
		sodium_memzero(h, sizeof(h));
	}
	k->key = key;
	k->path = MemoryContextStrdup(TopMemoryContext, path);
	k->dev = st.st_dev;
	k->ino = st.st_ino;
	k->size = st.st_size;
	k->mtime = st.st_mtim;
	return true;
}

/*
 * The key of cfgmgr.key_file, (re)loaded when the setting or the file
 * changed.  Without a usable key: CM014 (raise) or NULL.
 */
static CfgKey *
CfgCurrentKey(bool raise)
{
	const char *path = cfgmgr_key_file;
	struct stat st;

	if (path == NULL || path[0] == '\0')
	{
		CfgKeyFree(&cur_key);
		if (raise)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE),
					 errmsg("secret key unavailable: cfgmgr.key_file is not set"),
					 errdetail("Secret values are stored only encrypted; writing or reading one in clear needs the key."),
					 errhint("A superuser sets cfgmgr.key_file to the key file in postgresql.conf.")));
		return NULL;
	}
	if (cur_key.key != NULL && strcmp(cur_key.path, path) == 0 &&
		stat(path, &st) == 0 && st.st_dev == cur_key.dev && st.st_ino == cur_key.ino &&
		st.st_size == cur_key.size && st.st_mtim.tv_sec == cur_key.mtime.tv_sec &&
		st.st_mtim.tv_nsec == cur_key.mtime.tv_nsec &&
		(st.st_mode & (S_IRWXG | S_IRWXO)) == 0 &&
		(st.st_uid == geteuid() || st.st_uid == 0))
		return &cur_key;
	CfgKeyFree(&cur_key);
	if (!CfgKeyLoad(path, &cur_key, raise))
		return NULL;
	return &cur_key;
}

/* Is a usable key configured?  Never raises. */
bool
CfgSecretKeyAvailable(void)
{
	return CfgCurrentKey(false) != NULL;
}

/* cfgmgr.secret_key_available() RETURNS bool */
Datum
cfgmgr_secret_key_available(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CfgSecretKeyAvailable());
}

/* ---------------------------------------------------------------------
 * Encryption
 * ---------------------------------------------------------------------
 */

static void
CfgAdAppend(StringInfo ad, const void *data, uint32 len)
{
	unsigned char l[4];

	l[0] = (len >> 24) & 0xFF;
	l[1] = (len >> 16) & 0xFF;
	l[2] = (len >> 8) & 0xFF;
	l[3] = len & 0xFF;
	appendBinaryStringInfo(ad, (const char *) l, 4);
	appendBinaryStringInfo(ad, data, len);
}

/* The associated data of an entry's ciphertext (header: version and key id). */
static void
CfgSecretAd(StringInfo ad, const unsigned char *header, int32 env_id, int32 svc_id,
			const char *provider, const char *path, int pathlen)
{
	uint32		ids[2];

	initStringInfo(ad);
	CfgAdAppend(ad, CFG_SECRET_AD_CONTEXT, strlen(CFG_SECRET_AD_CONTEXT));
	CfgAdAppend(ad, header, 1 + CFG_SECRET_KEYIDBYTES);
	ids[0] = pg_hton32((uint32) env_id);
	ids[1] = pg_hton32((uint32) svc_id);
	CfgAdAppend(ad, &ids[0], 4);
	CfgAdAppend(ad, &ids[1], 4);
	CfgAdAppend(ad, provider, strlen(provider));
	CfgAdAppend(ad, path, pathlen);
}

/* Names for messages: "environment "prod", service "billing", path "db.password"" */
static char *
CfgSecretWhere(int32 env_id, int32 svc_id, const char *provider, const char *path, int pathlen)
{
	CfgCatalog *cat = CfgGetCatalog();
	CfgEnv	   *env = CfgLookupEnvById(cat, env_id);
	CfgService *svc = CfgLookupServiceById(cat, svc_id);
	StringInfoData s;

	initStringInfo(&s);
	if (env)
		appendStringInfo(&s, "environment \"%s\"", env->name);
	else
		appendStringInfo(&s, "environment with id %d", env_id);
	if (svc)
		appendStringInfo(&s, ", service \"%s\"", svc->name);
	else
		appendStringInfo(&s, ", service with id %d", svc_id);
	appendStringInfo(&s, ", path \"%.*s\"", pathlen, path);
	if (provider && provider[0])
		appendStringInfo(&s, ", provider \"%s\"", provider);
	return s.data;
}

/* Encrypt plaintext (len bytes) for an entry with key k. */
static bytea *
CfgSecretSeal(CfgKey *k, const unsigned char *plain, size_t len, int32 env_id, int32 svc_id,
			  const char *provider, const char *path, int pathlen)
{
	StringInfoData ad;
	bytea	   *ct;
	unsigned char *p;
	unsigned long long clen;

	if (len > MaxAllocSize - VARHDRSZ - CFG_SECRET_HEADER - CFG_SECRET_ABYTES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("secret value at %s is too large to encrypt",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen))));
	ct = palloc(VARHDRSZ + CFG_SECRET_HEADER + len + CFG_SECRET_ABYTES);
	p = (unsigned char *) VARDATA(ct);
	p[0] = CFG_SECRET_VERSION;
	memcpy(p + 1, k->id, CFG_SECRET_KEYIDBYTES);
	randombytes_buf(p + 1 + CFG_SECRET_KEYIDBYTES, CFG_SECRET_NONCEBYTES);
	CfgSecretAd(&ad, p, env_id, svc_id, provider, path, pathlen);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(p + CFG_SECRET_HEADER, &clen,
												   plain, len,
												   (unsigned char *) ad.data, ad.len,
												   NULL, p + 1 + CFG_SECRET_KEYIDBYTES,
												   k->key) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_EXTERNAL_ROUTINE_INVOCATION_EXCEPTION),
				 errmsg("could not encrypt the secret value at %s",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen))));
	SET_VARSIZE(ct, VARHDRSZ + CFG_SECRET_HEADER + clen);
	pfree(ad.data);
	return ct;
}

/*
 * Decrypt ct of an entry with key k into a palloc'd buffer (*len bytes,
 * followed by a NUL).  CM014 when ct was made with another key;
 * data_corrupted when it fails authentication.
 */
static unsigned char *
CfgSecretOpen(CfgKey *k, bytea *ct, int32 env_id, int32 svc_id, const char *provider,
			  const char *path, int pathlen, size_t *len)
{
	unsigned char *p = (unsigned char *) VARDATA_ANY(ct);
	size_t		ctlen = VARSIZE_ANY_EXHDR(ct);
	StringInfoData ad;
	unsigned char *plain;
	unsigned long long plen;
	int			rc;

	if (ctlen < CFG_SECRET_HEADER + CFG_SECRET_ABYTES || p[0] != CFG_SECRET_VERSION)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("secret value at %s could not be decrypted",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen)),
				 errdetail("The stored ciphertext is not in a format cfgmgr writes.")));
	if (memcmp(p + 1, k->id, CFG_SECRET_KEYIDBYTES) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_SECRET_KEY_UNAVAILABLE),
				 errmsg("secret key unavailable: the secret value at %s was encrypted with another key",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen)),
				 errdetail("cfgmgr.key_file names a key whose id differs from the one the value was encrypted with."),
				 errhint("After cfgmgr.rotate_key(), point cfgmgr.key_file at the new key file and reload the configuration.")));
	CfgSecretAd(&ad, p, env_id, svc_id, provider, path, pathlen);
	plain = palloc(ctlen - CFG_SECRET_HEADER - CFG_SECRET_ABYTES + 1);
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(plain, &plen, NULL,
													p + CFG_SECRET_HEADER,
													ctlen - CFG_SECRET_HEADER,
													(unsigned char *) ad.data, ad.len,
													p + 1 + CFG_SECRET_KEYIDBYTES, k->key);
	pfree(ad.data);
	if (rc != 0)
	{
		pfree(plain);
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("secret value at %s could not be decrypted",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen)),
				 errdetail("The ciphertext fails authentication: it was altered, or copied from another entry.")));
	}
	plain[plen] = '\0';
	*len = plen;
	return plain;
}

/*
 * The ciphertext of an entry's secret value (the value's JSON text),
 * bound to (env_id, svc_id, provider, path).  CM014 without a usable key.
 */
bytea *
CfgSecretEncrypt(Jsonb *value, int32 env_id, int32 svc_id, const char *provider,
				 const char *path, int pathlen)
{
	CfgKey	   *k = CfgCurrentKey(true);
	StringInfoData text;
	bytea	   *ct;

	initStringInfo(&text);
	(void) JsonbToCString(&text, &value->root, VARSIZE(value));
	ct = CfgSecretSeal(k, (unsigned char *) text.data, text.len, env_id, svc_id,
					   provider, path, pathlen);
	sodium_memzero(text.data, text.maxlen);
	pfree(text.data);
	return ct;
}

/* JSON text (from a ciphertext that authenticated) as jsonb. */
static Jsonb *
CfgSecretJsonb(char *plain, size_t len, int32 env_id, int32 svc_id, const char *provider,
			   const char *path, int pathlen)
{
	JsonLexContext *lex;
	JsonParseErrorType rc;
	Jsonb	   *j;

	/*
	 * Checked before jsonb_in, whose messages quote the input: only a
	 * ciphertext forged with the key could hold anything but valid JSON.
	 */
	lex = makeJsonLexContextCstringLen(plain, len, GetDatabaseEncoding(), true);
	rc = pg_parse_json(lex, &nullSemAction);
	if (rc != JSON_SUCCESS || memchr(plain, '\0', len) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("secret value at %s could not be decrypted",
						CfgSecretWhere(env_id, svc_id, provider, path, pathlen)),
				 errdetail("The decrypted value is not a JSON document.")));
	j = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(plain)));
	return j;
}

/*
 * The value of an entry's secret from its ciphertext.  CM014 without a
 * key or for a ciphertext made with another key; data_corrupted when it
 * does not authenticate for this (env_id, svc_id, provider, path).
 */
Jsonb *
CfgSecretDecrypt(bytea *ct, int32 env_id, int32 svc_id, const char *provider,
				 const char *path, int pathlen)
{
	CfgKey	   *k = CfgCurrentKey(true);
	size_t		len;
	unsigned char *plain;
	Jsonb	   *j;

	plain = CfgSecretOpen(k, ct, env_id, svc_id, provider, path, pathlen, &len);
	j = CfgSecretJsonb((char *) plain, len, env_id, svc_id, provider, path, pathlen);
	sodium_memzero(plain, len);
	pfree(plain);
	return j;
}

/* The mask, "********", as jsonb (palloc'd). */
Jsonb *
CfgSecretMask(void)
{
	JsonbValue	v;

	v.type = jbvString;
	v.val.string.val = CFG_MASK_TEXT;
	v.val.string.len = strlen(CFG_MASK_TEXT);
	return JsonbValueToJsonb(&v);
}

/* Is v the mask? */
bool
CfgSecretIsMask(Jsonb *v)
{
	JsonbValue	s;

	return v != NULL && JB_ROOT_IS_SCALAR(v) && JsonbExtractScalar(&v->root, &s) &&
		s.type == jbvString && s.val.string.len == (int) strlen(CFG_MASK_TEXT) &&
		memcmp(s.val.string.val, CFG_MASK_TEXT, s.val.string.len) == 0;
}

/* ---------------------------------------------------------------------
 * Key rotation
 * ---------------------------------------------------------------------
 */

/*
 * ct re-encrypted from key old to key new for its entry; NULL when it is
 * under new already (a rotation run again).
 */
static bytea *
CfgSecretReseal(CfgKey *old, CfgKey *new, bytea *ct, int32 env_id, int32 svc_id,
				const char *provider, const char *path, int pathlen)
{
	unsigned char *p = (unsigned char *) VARDATA_ANY(ct);
	size_t		len;
	unsigned char *plain;
	bytea	   *res;

	if (VARSIZE_ANY_EXHDR(ct) >= CFG_SECRET_HEADER && p[0] == CFG_SECRET_VERSION &&
		memcmp(p + 1, new->id, CFG_SECRET_KEYIDBYTES) == 0)
		return NULL;
	plain = CfgSecretOpen(old, ct, env_id, svc_id, provider, path, pathlen, &len);
	res = CfgSecretSeal(new, plain, len, env_id, svc_id, provider, path, pathlen);
	sodium_memzero(plain, len);
	pfree(plain);
	return res;
}

static SPIPlanPtr plan_rot_entry_upd = NULL;
static SPIPlanPtr plan_rot_change_upd = NULL;

/* Re-encrypt every ciphertext of cfgmgr.entry (change: false) or cfgmgr.change. */
static int64
CfgRotateTable(CfgKey *old, CfgKey *new, bool change)
{
	const char *sql = change ?
		"SELECT h.id, h.env_id, h.service_id, h.provider::pg_catalog.text, h.path::pg_catalog.text,"
		" h.old_ciphertext, h.new_ciphertext FROM cfgmgr.change h"
		" WHERE h.old_ciphertext IS NOT NULL OR h.new_ciphertext IS NOT NULL ORDER BY h.id" :
		"SELECT 0::pg_catalog.int8, e.env_id, e.service_id, e.provider::pg_catalog.text, e.path::pg_catalog.text,"
		" e.ciphertext, NULL::pg_catalog.bytea FROM cfgmgr.entry e"
		" WHERE e.ciphertext IS NOT NULL ORDER BY e.env_id, e.service_id, e.path, e.provider";
	Portal		portal;
	int64		count = 0;
	MemoryContext rowcxt = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr rotate_key",
												 ALLOCSET_DEFAULT_SIZES);
	SPIPlanPtr	upd;

	if (change)
		upd = CfgKeepPlan(&plan_rot_change_upd,
						  "UPDATE cfgmgr.change SET old_ciphertext = $2, new_ciphertext = $3"
						  " WHERE id OPERATOR(pg_catalog.=) $1",
						  3, (Oid[]) {INT8OID, BYTEAOID, BYTEAOID});
	else
		upd = CfgKeepPlan(&plan_rot_entry_upd,
						  "UPDATE cfgmgr.entry SET ciphertext = $5"
						  " WHERE env_id OPERATOR(pg_catalog.=) $1 AND service_id OPERATOR(pg_catalog.=) $2"
						  " AND provider OPERATOR(pg_catalog.=) $3 AND path OPERATOR(cfgmgr.=) $4::cfgmgr.cfgpath",
						  5, (Oid[]) {INT4OID, INT4OID, TEXTOID, TEXTOID, BYTEAOID});
	portal = SPI_cursor_open_with_args(NULL, sql, 0, NULL, NULL, NULL, false, 0);
	for (;;)
	{
		SPITupleTable *batch;
		uint64		nbatch;

		SPI_cursor_fetch(portal, true, 1000);
		/* the updates below replace SPI_tuptable and SPI_processed */
		batch = SPI_tuptable;
		nbatch = SPI_processed;
		if (nbatch == 0)
			break;
		for (uint64 i = 0; i < nbatch; i++)
		{
			HeapTuple	tup = batch->vals[i];
			TupleDesc	desc = batch->tupdesc;
			bool		isnull;
			int64		id = DatumGetInt64(SPI_getbinval(tup, desc, 1, &isnull));
			int32		env_id = DatumGetInt32(SPI_getbinval(tup, desc, 2, &isnull));
			int32		svc_id = DatumGetInt32(SPI_getbinval(tup, desc, 3, &isnull));
			MemoryContext old_cxt = MemoryContextSwitchTo(rowcxt);
			char	   *provider = TextDatumGetCString(SPI_getbinval(tup, desc, 4, &isnull));
			text	   *path = DatumGetTextPP(SPI_getbinval(tup, desc, 5, &isnull));
			bytea	   *cts[2] = {NULL, NULL};
			bytea	   *news[2] = {NULL, NULL};
			bool		any = false;
			Datum		args[5];
			char		nulls[5] = {' ', ' ', ' ', ' ', ' '};
			int			ret;

			for (int c = 0; c < 2; c++)
			{
				Datum		d = SPI_getbinval(tup, desc, 6 + c, &isnull);

				if (isnull)
					continue;
				cts[c] = DatumGetByteaPP(d);
				news[c] = CfgSecretReseal(old, new, cts[c], env_id, svc_id, provider,
										  VARDATA_ANY(path), VARSIZE_ANY_EXHDR(path));
				if (news[c] != NULL)
				{
					any = true;
					count++;
				}
				else
					news[c] = cts[c];	/* under the new key already */
			}
			MemoryContextSwitchTo(old_cxt);
			if (any)
			{
				if (change)
				{
					args[0] = Int64GetDatum(id);
					args[1] = news[0] ? PointerGetDatum(news[0]) : (Datum) 0;
					nulls[1] = news[0] ? ' ' : 'n';
					args[2] = news[1] ? PointerGetDatum(news[1]) : (Datum) 0;
					nulls[2] = news[1] ? ' ' : 'n';
				}
				else
				{
					args[0] = Int32GetDatum(env_id);
					args[1] = Int32GetDatum(svc_id);
					args[2] = CStringGetTextDatum(provider);
					args[3] = PointerGetDatum(path);
					args[4] = PointerGetDatum(news[0]);
				}
				ret = SPI_execute_plan(upd, args, nulls, false, 0);
				if (ret != SPI_OK_UPDATE || SPI_processed != 1)
					elog(ERROR, "could not store a re-encrypted secret: %s",
						 SPI_result_code_string(ret));
			}
			MemoryContextReset(rowcxt);
		}
		SPI_freetuptable(batch);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(rowcxt);
	return count;
}

/*
 * cfgmgr.rotate_key(new_key_file text) RETURNS bigint
 *
 * Superuser only.  Re-encrypts every ciphertext of cfgmgr.entry and of the
 * history (cfgmgr.change) from the current key (cfgmgr.key_file) to the
 * key in new_key_file, in the calling transaction, without changesets or
 * history rows: the triggers of both tables let exactly these updates
 * through while cfg_secret_rotating is set, which only this function does.
 * Then sets cfgmgr.key_file to new_key_file for the rest of the session
 * (undone if the transaction aborts).  Returns the number of ciphertexts
 * re-encrypted (those under the new key already are skipped).
 */
Datum
cfgmgr_rotate_key(PG_FUNCTION_ARGS)
{
	char	   *newpath;
	CfgKey		newkey;
	CfgKey	   *oldkey;
	CfgUserSave save;
	volatile int64 count = 0;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to rotate the secret key"),
				 errdetail("Only superusers may call cfgmgr.rotate_key().")));
	newpath = CfgArgText(fcinfo, 0, "new_key_file");
	if (cfg_secret_rotating)
		elog(ERROR, "cfgmgr.rotate_key() cannot be nested");

	oldkey = CfgCurrentKey(true);
	(void) CfgKeyLoad(newpath, &newkey, true);
	PG_TRY();
	{
		cfg_secret_rotating = true;
		CfgSpiConnectOwner(&save);
		count = CfgRotateTable(oldkey, &newkey, false);
		count += CfgRotateTable(oldkey, &newkey, true);
		CfgSpiFinishOwner(&save);
		cfg_secret_rotating = false;
	}
	PG_FINALLY();
	{
		cfg_secret_rotating = false;
		CfgKeyFree(&newkey);
	}
	PG_END_TRY();
	CfgInvalidateLocal(false);
	{
		JsonbParseState *ps = NULL;
		JsonbValue *res;

		/* one audit record for the rotation (the file's name, never a key) */
		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		CfgPushInt(&ps, "reencrypted", count);
		CfgPushKey(&ps, "key_file");
		CfgPushString(&ps, newpath);
		res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
		CfgAuditRecord("rotate_key", NULL, NULL, NULL, NULL, JsonbValueToJsonb(res));
	}
	(void) set_config_option("cfgmgr.key_file", newpath, PGC_SUSET, PGC_S_SESSION,
							 GUC_ACTION_SET, true, 0, false);
	PG_RETURN_INT64(count);
}

/* ---------------------------------------------------------------------
 * cfgmgr.change is append-only
 * ---------------------------------------------------------------------
 */

/*
 * BEFORE UPDATE OR DELETE FOR EACH ROW on cfgmgr.change: refuses both
 * (CM015), except an UPDATE made by cfgmgr.rotate_key() that changes the
 * ciphertext columns and nothing else.
 */
Datum
cfgmgr_change_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_change_append_only: must be fired before, for each row");
	if (cfg_secret_rotating && TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		TupleDesc	desc = RelationGetDescr(td->tg_relation);
		bool		only_ct = true;

		for (int k = 0; k < desc->natts && only_ct; k++)
		{
			Form_pg_attribute att = TupleDescAttr(desc, k);
			bool		n1,
						n2;
			Datum		a,
						b;

			if (att->attisdropped || strcmp(NameStr(att->attname), "old_ciphertext") == 0 ||
				strcmp(NameStr(att->attname), "new_ciphertext") == 0)
				continue;
			a = heap_getattr(td->tg_trigtuple, k + 1, desc, &n1);
			b = heap_getattr(td->tg_newtuple, k + 1, desc, &n2);
			if (n1 != n2 || (!n1 && !datumIsEqual(a, b, att->attbyval, att->attlen)))
				only_ct = false;
		}
		if (only_ct)
			return PointerGetDatum(td->tg_newtuple);
	}
	ereport(ERROR,
			(errcode(ERRCODE_CFGMGR_AUDIT_TAMPERED),
			 errmsg("cannot %s rows of %s.%s: history is append-only",
					TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "update" : "delete",
					get_namespace_name(RelationGetNamespace(td->tg_relation)),
					RelationGetRelationName(td->tg_relation))));
	return PointerGetDatum(NULL);
}
