/*-------------------------------------------------------------------------
 *
 * cfg_audit.c
 *	  The tamper-evident audit log: cfgmgr.audit_log, a hash chain whose
 *	  head is cfgmgr.audit_head.
 *
 * CfgAuditRecord() appends one record, in the caller's transaction, as the
 * extension's owner role (nobody else may insert).  It is called by the
 * row trigger cfgmgr.audit_row() on the audited tables, by the statement-
 * level operations (import, rollback), and by the read path for secret
 * reads (and every read when cfgmgr.audit_reads is on).
 *
 * Chain.  Record n carries prev_hash = hash of record n-1 (32 zero bytes
 * for record 1) and hash = SHA-256(prev_hash || canonical form of record
 * n); see CfgAuditCanonical() and doc/audit.md for the exact bytes.  Ids
 * are 1, 2, 3, ... without gaps: they come from the head, not a sequence.
 *
 * Serialization.  Reading "the last row" to extend the chain forks it as
 * soon as two transactions do it concurrently.  Every transaction that
 * appends first locks the single row of cfgmgr.audit_head FOR UPDATE and
 * holds the lock until it ends: under READ COMMITTED a waiter then reads
 * the head its predecessor committed; under REPEATABLE READ or SERIALIZABLE
 * it fails with 40001 and retries.  The lock is taken once per transaction;
 * the head is then kept in memory (head_id, head_hash) and written back to
 * the head row once, just before commit (or PREPARE).  A subtransaction
 * abort removes its records and, if it took it, the row lock: the head
 * state saved when the subtransaction started is restored (held or not,
 * last id and hash), so the log itself is never read to find the head.
 *
 * Copyright (c) 2026, cfgmgr developers
 *
 * src/cfg_audit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "cfg_errcodes.h"
#include "cfgmgr.h"
#include "cfgpath.h"

PG_FUNCTION_INFO_V1(cfgmgr_audit_row);
PG_FUNCTION_INFO_V1(cfgmgr_audit_head_guard);
PG_FUNCTION_INFO_V1(cfgmgr_verify_audit);
PG_FUNCTION_INFO_V1(cfgmgr_audit_anchor);

#define AUDIT_HASH_LEN	PG_SHA256_DIGEST_LENGTH
#define AUDIT_FORMAT	"CFGAUDIT1"		/* first bytes of every canonical form */
#define AUDIT_FETCH		1000			/* rows per cursor fetch in verify_audit */

bool		cfgmgr_audit_reads = false;

/* The chain head as this transaction sees it (see the file header). */
static bool head_held = false;	/* row locked and cache valid */
static FullTransactionId head_fxid;
static int64 head_id = 0;		/* id of the last record */
static uint8 head_hash[AUDIT_HASH_LEN];
static int64 head_row_id = 0;	/* what the head row says */
static bool appended = false;	/* this transaction appended records */
static bool head_writing = false;	/* cfgmgr.audit_head_guard() lets it pass */

/*
 * The head state at the start of each open subtransaction, innermost last:
 * an abort restores it exactly (its records are gone, and so is the row
 * lock when the subtransaction took it).
 */
typedef struct AuditSaved
{
	SubTransactionId subid;
	bool		held;
	int64		id;
	uint8		hash[AUDIT_HASH_LEN];
	int64		row_id;
	bool		appended;
	int			npending;
	int			nwritten;
} AuditSaved;

static AuditSaved *saved = NULL;
static int	nsaved = 0;
static int	maxsaved = 0;

/* application_name@address: the address part, fetched once per backend */
static char *client_addr = NULL;
static bool client_addr_known = false;

static SPIPlanPtr plan_head = NULL;
static SPIPlanPtr plan_head_create = NULL;
static SPIPlanPtr plan_log_last = NULL;
static SPIPlanPtr plan_insert = NULL;
static SPIPlanPtr plan_head_update = NULL;
static SPIPlanPtr plan_client = NULL;
static SPIPlanPtr plan_verify = NULL;
static SPIPlanPtr plan_verify_head = NULL;

static const uint8 zero_hash[AUDIT_HASH_LEN] = {0};

/* One record, as hashed. */
typedef struct AuditRec
{
	int64		id;
	TimestampTz at;
	const char *session_role;
	const char *effective_role;
	const char *client;			/* NULL allowed from here on */
	bool		has_changeset;
	int64		changeset;
	const char *op;
	const char *environment;
	const char *service;
	const char *path;
	const char *provider;
	const char *detail;			/* jsonb as text (JsonbToCString) */
} AuditRec;

/*
 * Records of this transaction, in order.  They are written (numbered,
 * chained and inserted) at pre-commit, so the chain head is locked only
 * while the transaction commits, not from its first audited change on:
 * audited transactions run concurrently and serialize only their commits.
 * cfgmgr.audit_flush() writes them earlier.  pending[0 .. nwritten) are
 * written, pending[nwritten .. npending) wait; a subtransaction abort
 * restores both counts (its records, and the rows it wrote, are gone).
 */
typedef struct AuditPending
{
	AuditRec	r;				/* id and client filled when written */
	Jsonb	   *detail;
} AuditPending;

static AuditPending *pending = NULL;	/* in TopTransactionContext */
static int	npending = 0;
static int	maxpending = 0;
static int	nwritten = 0;

/* ---------------------------------------------------------------------
 * Canonical form and hash
 * ---------------------------------------------------------------------
 */
static void
CanonNull(StringInfo buf)
{
	appendStringInfoCharMacro(buf, 0x00);
}

static void
CanonInt64(StringInfo buf, int64 v)
{
	uint64		u = (uint64) v;

	appendStringInfoCharMacro(buf, 0x01);
	for (int shift = 56; shift >= 0; shift -= 8)
		appendStringInfoCharMacro(buf, (char) ((u >> shift) & 0xFF));
}

static void
CanonText(StringInfo buf, const char *s)
{
	uint32		len;

	if (s == NULL)
	{
		CanonNull(buf);
		return;
	}
	len = (uint32) strlen(s);
	appendStringInfoCharMacro(buf, 0x02);
	appendStringInfoCharMacro(buf, (char) ((len >> 24) & 0xFF));
	appendStringInfoCharMacro(buf, (char) ((len >> 16) & 0xFF));
	appendStringInfoCharMacro(buf, (char) ((len >> 8) & 0xFF));
	appendStringInfoCharMacro(buf, (char) (len & 0xFF));
	appendBinaryStringInfo(buf, s, len);
}

/*
 * The canonical form of a record: "CFGAUDIT1", then the fields in column
 * order (id, at, session_role, effective_role, client, changeset, op,
 * environment, service, path, provider, detail), each
 *	NULL:	0x00
 *	bigint:	0x01, 8 bytes big-endian two's complement (at: microseconds
 *			since 2000-01-01 00:00:00 UTC, PostgreSQL's own representation)
 *	text:	0x02, the byte length as 4 bytes big-endian, the bytes in the
 *			database encoding (detail: the jsonb's text output)
 * Every field has a fixed position and a self-delimiting encoding, so two
 * different records never have the same form.
 */
static void
CfgAuditCanonical(StringInfo buf, const AuditRec *r)
{
	appendBinaryStringInfo(buf, AUDIT_FORMAT, strlen(AUDIT_FORMAT));
	CanonInt64(buf, r->id);
	CanonInt64(buf, (int64) r->at);
	CanonText(buf, r->session_role);
	CanonText(buf, r->effective_role);
	CanonText(buf, r->client);
	if (r->has_changeset)
		CanonInt64(buf, r->changeset);
	else
		CanonNull(buf);
	CanonText(buf, r->op);
	CanonText(buf, r->environment);
	CanonText(buf, r->service);
	CanonText(buf, r->path);
	CanonText(buf, r->provider);
	CanonText(buf, r->detail);
}

/* SHA-256 of the concatenation of two byte strings (b may be NULL). */
static void
CfgSha256(const uint8 *a, size_t alen, const uint8 *b, size_t blen, uint8 *out)
{
	pg_cryptohash_ctx *ctx = pg_cryptohash_create(PG_SHA256);

	if (ctx == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (pg_cryptohash_init(ctx) < 0 ||
		pg_cryptohash_update(ctx, a, alen) < 0 ||
		(b != NULL && pg_cryptohash_update(ctx, b, blen) < 0) ||
		pg_cryptohash_final(ctx, out, AUDIT_HASH_LEN) < 0)
	{
		const char *why = pg_cryptohash_error(ctx);

		pg_cryptohash_free(ctx);
		elog(ERROR, "could not compute a SHA-256 hash: %s", why);
	}
	pg_cryptohash_free(ctx);
}

/* hash = SHA-256(prev || canonical form of r) */
static void
CfgAuditHash(const uint8 *prev, const AuditRec *r, uint8 *out)
{
	StringInfoData buf;

	initStringInfo(&buf);
	CfgAuditCanonical(&buf, r);
	CfgSha256(prev, AUDIT_HASH_LEN, (uint8 *) buf.data, buf.len, out);
	pfree(buf.data);
}

/* Lowercase hex SHA-256 of a string, palloc'd. */
static char *
CfgSha256Hex(const char *s, size_t len)
{
	uint8		h[AUDIT_HASH_LEN];
	char	   *hex = palloc(AUDIT_HASH_LEN * 2 + 1);

	CfgSha256((const uint8 *) s, len, NULL, 0, h);
	for (int i = 0; i < AUDIT_HASH_LEN; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	return hex;
}

static bytea *
CfgHashBytea(const uint8 *h)
{
	bytea	   *b = palloc(VARHDRSZ + AUDIT_HASH_LEN);

	SET_VARSIZE(b, VARHDRSZ + AUDIT_HASH_LEN);
	memcpy(VARDATA(b), h, AUDIT_HASH_LEN);
	return b;
}

/* Is datum d (a bytea) exactly the 32 bytes h? */
static bool
CfgHashEquals(Datum d, const uint8 *h)
{
	bytea	   *b = DatumGetByteaPP(d);

	return VARSIZE_ANY_EXHDR(b) == AUDIT_HASH_LEN &&
		memcmp(VARDATA_ANY(b), h, AUDIT_HASH_LEN) == 0;
}

/* ---------------------------------------------------------------------
 * The head
 * ---------------------------------------------------------------------
 */
static void
CfgAuditReset(void)
{
	head_held = false;
	appended = false;
	head_writing = false;
	nsaved = 0;
	pending = NULL;				/* gone with TopTransactionContext */
	npending = maxpending = nwritten = 0;
}

/*
 * Lock the head row and load the head into memory, unless this transaction
 * already holds it.  The caller is connected to SPI, as the owner.
 */
static void
CfgAuditLoadHead(void)
{
	FullTransactionId fxid = GetTopFullTransactionId();
	int			ret;
	bool		isnull;

	if (head_held && FullTransactionIdEquals(fxid, head_fxid))
		return;

	ret = SPI_execute_plan(CfgKeepPlan(&plan_head,
									   "SELECT h.last_id, h.last_hash FROM cfgmgr.audit_head h FOR UPDATE",
									   0, NULL),
						   NULL, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not lock the audit chain head: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		/* the first record ever: the log must be empty */
		Datum		args[1];
		Oid			types[1] = {BYTEAOID};

		ret = SPI_execute_plan(CfgKeepPlan(&plan_log_last,
										   "SELECT l.id FROM cfgmgr.audit_log l ORDER BY l.id DESC LIMIT 1",
										   0, NULL),
							   NULL, NULL, false, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "could not read cfgmgr.audit_log: %s", SPI_result_code_string(ret));
		if (SPI_processed > 0)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_AUDIT_TAMPERED),
					 errmsg("the audit chain head is missing"),
					 errdetail("cfgmgr.audit_log has records but cfgmgr.audit_head has no row."),
					 errhint("Run cfgmgr.verify_audit() and investigate before writing again.")));
		/* a concurrent first writer may insert it too: then wait for it */
		args[0] = PointerGetDatum(CfgHashBytea(zero_hash));
		ret = SPI_execute_plan(CfgKeepPlan(&plan_head_create,
										   "INSERT INTO cfgmgr.audit_head (singleton, last_id, last_hash)"
										   " VALUES (true, 0, $1) ON CONFLICT (singleton) DO NOTHING",
										   1, types),
							   args, NULL, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "could not create the audit chain head: %s", SPI_result_code_string(ret));
		ret = SPI_execute_plan(plan_head, NULL, NULL, false, 0);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not lock the audit chain head");
	}
	head_row_id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	{
		Datum		h = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);
		bytea	   *b = DatumGetByteaPP(h);

		if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_CFGMGR_AUDIT_TAMPERED),
					 errmsg("the audit chain head holds a hash of %d bytes",
							(int) VARSIZE_ANY_EXHDR(b)),
					 errhint("Run cfgmgr.verify_audit() and investigate before writing again.")));
		memcpy(head_hash, VARDATA_ANY(b), AUDIT_HASH_LEN);
	}
	head_id = head_row_id;

	head_fxid = fxid;
	head_held = true;
}

/* Write the in-memory head to the head row (pre-commit, pre-prepare). */
static void
CfgAuditFlushHead(void)
{
	CfgUserSave save;
	Datum		args[2];
	Oid			types[2] = {INT8OID, BYTEAOID};
	int			ret;

	PushActiveSnapshot(GetTransactionSnapshot());
	CfgSpiConnectOwner(&save);
	CfgAuditLoadHead();
	if (head_id != head_row_id)
	{
		args[0] = Int64GetDatum(head_id);
		args[1] = PointerGetDatum(CfgHashBytea(head_hash));
		head_writing = true;
		ret = SPI_execute_plan(CfgKeepPlan(&plan_head_update,
										   "UPDATE cfgmgr.audit_head SET last_id = $1, last_hash = $2",
										   2, types),
							   args, NULL, false, 0);
		head_writing = false;
		if (ret != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "could not move the audit chain head: %s", SPI_result_code_string(ret));
		head_row_id = head_id;
	}
	CfgSpiFinishOwner(&save);
	PopActiveSnapshot();
}

static void CfgAuditWritePending(void);

static void
CfgAuditXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			if (nwritten < npending)
				CfgAuditWritePending();
			if (appended)
				CfgAuditFlushHead();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			CfgAuditReset();
			break;
		default:
			break;
	}
}

static void
CfgAuditSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
						SubTransactionId parentSubid, void *arg)
{
	AuditSaved *sv;

	switch (event)
	{
		case SUBXACT_EVENT_START_SUB:
			if (nsaved == maxsaved)
			{
				maxsaved = Max(16, maxsaved * 2);
				saved = saved ? repalloc(saved, sizeof(AuditSaved) * maxsaved) :
					MemoryContextAlloc(TopMemoryContext, sizeof(AuditSaved) * maxsaved);
			}
			sv = &saved[nsaved++];
			sv->subid = mySubid;
			sv->held = head_held;
			sv->id = head_id;
			memcpy(sv->hash, head_hash, AUDIT_HASH_LEN);
			sv->row_id = head_row_id;
			sv->appended = appended;
			sv->npending = npending;
			sv->nwritten = nwritten;
			break;
		case SUBXACT_EVENT_COMMIT_SUB:
		case SUBXACT_EVENT_ABORT_SUB:
			/* inner subtransactions end first, so it is the last entry */
			while (nsaved > 0 && saved[nsaved - 1].subid != mySubid)
				nsaved--;
			if (nsaved == 0)
				break;
			sv = &saved[--nsaved];
			if (event == SUBXACT_EVENT_ABORT_SUB)
			{
				head_held = sv->held;
				head_id = sv->id;
				memcpy(head_hash, sv->hash, AUDIT_HASH_LEN);
				head_row_id = sv->row_id;
				appended = sv->appended;
				npending = sv->npending;
				nwritten = sv->nwritten;
				head_writing = false;
			}
			break;
		default:
			break;
	}
}

/* cfgmgr.audit_reads; called before the cfgmgr prefix is reserved */
void
CfgAuditGucInit(void)
{
	DefineCustomBoolVariable("cfgmgr.audit_reads",
							 gettext_noop("Records every configuration read in the audit log, not only secret reads."),
							 gettext_noop("Each audited transaction appends to one hash chain, so with this on, reading transactions serialize on the chain head like writing ones."),
							 &cfgmgr_audit_reads,
							 false,
							 PGC_SUSET, 0,
							 NULL, NULL, NULL);
}

void
CfgAuditInit(void)
{
	RegisterXactCallback(CfgAuditXactCallback, NULL);
	RegisterSubXactCallback(CfgAuditSubXactCallback, NULL);
}

/* ---------------------------------------------------------------------
 * Appending
 * ---------------------------------------------------------------------
 */

/*
 * application_name@client address (either alone when the other is
 * missing; "" when both are): the client of changesets and audit records.
 * The caller is connected to SPI (the address is read once per backend).
 */
char *
CfgClientName(void)
{
	const char *app = GetConfigOption("application_name", true, false);

	if (!client_addr_known)
	{
		int			ret = SPI_execute_plan(CfgKeepPlan(&plan_client,
													   "SELECT pg_catalog.inet_client_addr()::pg_catalog.text",
													   0, NULL),
										   NULL, NULL, true, 1);
		bool		isnull;
		Datum		d;

		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "could not read the client address: %s", SPI_result_code_string(ret));
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
		client_addr = isnull ? NULL : MemoryContextStrdup(TopMemoryContext, TextDatumGetCString(d));
		client_addr_known = true;
	}
	if (app != NULL && app[0] == '\0')
		app = NULL;
	if (app && client_addr)
		return psprintf("%s@%s", app, client_addr);
	return pstrdup(app ? app : client_addr ? client_addr : "");
}

/*
 * Append a record to the audit log, in the current transaction.  op names
 * the operation; env, service, path, provider may be NULL; detail is a
 * jsonb object (or NULL) and must never hold a secret value.  The actor is
 * the caller's session_user and current_user, taken now.  The record is
 * written at pre-commit (or by cfgmgr.audit_flush()).
 */
void
CfgAuditRecord(const char *op, const char *env, const char *service,
			   const char *path, const char *provider, Jsonb *detail)
{
	MemoryContext old;
	AuditPending *p;

	/*
	 * A read-only transaction (or a standby) cannot write the log at
	 * commit.  A secret must not be shown unrecorded: refuse it now, before
	 * the value leaves the server.  Other reads (cfgmgr.audit_reads) go to
	 * the server log instead.
	 */
	if (XactReadOnly || RecoveryInProgress())
	{
		if (strcmp(op, "read_secret") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_READ_ONLY_SQL_TRANSACTION),
					 errmsg("cannot read a secret in clear in a read-only transaction"),
					 errdetail("Every secret read is recorded in cfgmgr.audit_log, which a read-only transaction or a standby cannot write."),
					 errhint("Read it in a read-write transaction on the primary.")));
		ereport(LOG,
				(errmsg("cfgmgr audit (not recorded in cfgmgr.audit_log, read-only transaction): %s by \"%s\" of environment \"%s\", service \"%s\"%s%s%s",
						op, GetUserNameFromId(GetUserId(), false), env ? env : "", service ? service : "",
						path ? ", path \"" : "", path ? path : "", path ? "\"" : "")));
		return;
	}
	old = MemoryContextSwitchTo(TopTransactionContext);

	if (npending == maxpending)
	{
		maxpending = Max(16, maxpending * 2);
		pending = pending ? repalloc(pending, sizeof(AuditPending) * maxpending) :
			palloc(sizeof(AuditPending) * maxpending);
	}
	p = &pending[npending];
	memset(p, 0, sizeof(*p));
	p->r.session_role = GetUserNameFromId(GetSessionUserId(), false);
	p->r.effective_role = GetUserNameFromId(GetUserId(), false);
	p->r.changeset = CfgChangesetIfAny();
	p->r.has_changeset = p->r.changeset != 0;
	p->r.at = GetCurrentTimestamp();
	p->r.op = pstrdup(op);
	p->r.environment = env ? pstrdup(env) : NULL;
	p->r.service = service ? pstrdup(service) : NULL;
	p->r.path = path ? pstrdup(path) : NULL;
	p->r.provider = provider ? pstrdup(provider) : NULL;
	if (detail)
	{
		p->detail = palloc(VARSIZE(detail));
		memcpy(p->detail, detail, VARSIZE(detail));
		p->r.detail = JsonbToCString(NULL, &p->detail->root, VARSIZE(p->detail));
	}
	MemoryContextSwitchTo(old);
	npending++;
}

/*
 * Write the waiting records: lock the chain head (held until the
 * transaction ends), number, chain and insert them.  The caller has a
 * snapshot.
 */
static void
CfgAuditWritePending(void)
{
	CfgUserSave save;
	Datum		args[14];
	char		nulls[14];
	Oid			types[14] = {INT8OID, TIMESTAMPTZOID, TEXTOID, TEXTOID, TEXTOID, INT8OID,
		TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, JSONBOID, BYTEAOID, BYTEAOID};
	int			ret;
	bool		pushed = !ActiveSnapshotSet();

	if (pushed)
		PushActiveSnapshot(GetTransactionSnapshot());
	CfgSpiConnectOwner(&save);
	CfgAuditLoadHead();
	while (nwritten < npending)
	{
		AuditRec   *r = &pending[nwritten].r;
		uint8		hash[AUDIT_HASH_LEN];

		r->client = CfgClientName();
		r->id = head_id + 1;
		CfgAuditHash(head_hash, r, hash);

		memset(nulls, ' ', sizeof(nulls));
		args[0] = Int64GetDatum(r->id);
		args[1] = TimestampTzGetDatum(r->at);
		args[2] = CStringGetTextDatum(r->session_role);
		args[3] = CStringGetTextDatum(r->effective_role);
		args[4] = CStringGetTextDatum(r->client);
		args[5] = Int64GetDatum(r->changeset);
		nulls[5] = r->has_changeset ? ' ' : 'n';
#define AUDIT_TEXT_ARG(i, s) \
	do { if (s) args[i] = CStringGetTextDatum(s); else nulls[i] = 'n'; } while (0)
		AUDIT_TEXT_ARG(6, r->op);
		AUDIT_TEXT_ARG(7, r->environment);
		AUDIT_TEXT_ARG(8, r->service);
		AUDIT_TEXT_ARG(9, r->path);
		AUDIT_TEXT_ARG(10, r->provider);
#undef AUDIT_TEXT_ARG
		if (pending[nwritten].detail)
			args[11] = JsonbPGetDatum(pending[nwritten].detail);
		else
			nulls[11] = 'n';
		args[12] = PointerGetDatum(CfgHashBytea(head_hash));
		args[13] = PointerGetDatum(CfgHashBytea(hash));

		ret = SPI_execute_plan(CfgKeepPlan(&plan_insert,
										   "INSERT INTO cfgmgr.audit_log (id, at, session_role, effective_role, client,"
										   " changeset, op, environment, service, path, provider, detail, prev_hash, hash)"
										   " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
										   14, types),
							   args, nulls, false, 0);
		if (ret != SPI_OK_INSERT || SPI_processed != 1)
			elog(ERROR, "could not write the audit log: %s", SPI_result_code_string(ret));
		head_id = r->id;
		memcpy(head_hash, hash, AUDIT_HASH_LEN);
		appended = true;
		nwritten++;
	}
	CfgSpiFinishOwner(&save);
	if (pushed)
		PopActiveSnapshot();
}

/*
 * cfgmgr.audit_flush() RETURNS bigint: writes this transaction's waiting
 * audit records now (they are written at commit otherwise), so that the
 * transaction can read them back; the chain head stays locked until the
 * transaction ends.  Returns how many were written.
 */
PG_FUNCTION_INFO_V1(cfgmgr_audit_flush);
Datum
cfgmgr_audit_flush(PG_FUNCTION_ARGS)
{
	int			before = nwritten;

	if (nwritten < npending)
		CfgAuditWritePending();
	PG_RETURN_INT64(nwritten - before);
}

/* ---------------------------------------------------------------------
 * The row trigger
 * ---------------------------------------------------------------------
 */

/* How a column goes into a record */
#define AC_VALUE	'v'			/* the value (jsonb as is, bool, numbers, else text) */
#define AC_SHA256	'h'			/* the SHA-256 (hex) of its text form */
#define AC_ROLE		'r'			/* a role oid: the role's name */
#define AC_ENV		'e'			/* an environment id: its name */
#define AC_SVC		's'			/* a service id: its name */
#define AC_NAME		'n'			/* a name, as is */

typedef struct AuditCol
{
	const char *col;
	const char *key;			/* key in detail (NULL: the column name) */
	char		how;
} AuditCol;

#define AUDIT_MAX_COLS 8
typedef struct AuditTable
{
	const char *relname;
	const char *op[3];			/* on insert, update, delete */
	AuditCol	env;			/* column giving the environment (or none) */
	AuditCol	svc;			/* ... the service */
	const char *provider_col;
	const char *path_col;
	AuditCol	detail[AUDIT_MAX_COLS];
} AuditTable;

/*
 * The audited tables other than cfgmgr.entry (which has its own handler:
 * values must be kept out of the log).
 */
static const AuditTable audit_tables[] = {
	{"acl", {"grant", "alter_grant", "revoke"}, {NULL}, {NULL}, NULL, NULL,
	{{"role_id", "role", AC_ROLE}, {"privilege", NULL, AC_VALUE},
	{"env_pattern", "environment_pattern", AC_VALUE}, {"service_pattern", NULL, AC_VALUE},
	{"path_prefix", NULL, AC_VALUE}, {"builtin", NULL, AC_VALUE}}},
	{"environment", {"create_environment", "alter_environment", "delete_environment"},
		{"name", NULL, AC_NAME}, {NULL}, NULL, NULL,
	{{"parent_id", "parent", AC_ENV}, {"is_production", NULL, AC_VALUE},
	{"approval_required", NULL, AC_VALUE}, {"required_approvals", NULL, AC_VALUE},
	{"labels", NULL, AC_VALUE}, {"dropped_at", NULL, AC_VALUE}}},
	{"service", {"create_service", "alter_service", "delete_service"},
		{NULL}, {"name", NULL, AC_NAME}, NULL, NULL,
	{{"description", NULL, AC_VALUE}}},
	{"service_schema", {"register_schema", "alter_schema", "delete_schema"},
		{NULL}, {"service_id", NULL, AC_SVC}, NULL, NULL,
	{{"version", NULL, AC_VALUE}, {"forced", NULL, AC_VALUE}, {"schema", "schema_sha256", AC_SHA256}}},
	{"service_constraint", {"add_constraint", "alter_constraint", "drop_constraint"},
		{NULL}, {"service_id", NULL, AC_SVC}, NULL, NULL,
	{{"name", NULL, AC_VALUE}, {"check_sql", NULL, AC_VALUE}, {"message", NULL, AC_VALUE}}},
	{"target", {"set_target", "set_target", "drop_target"},
		{"env_id", NULL, AC_ENV}, {NULL}, "provider", NULL,
	{{"variables", NULL, AC_VALUE}}},
	{"provider", {"register_provider", "alter_provider", "drop_provider"},
		{NULL}, {NULL}, "name", NULL,
	{{"description", NULL, AC_VALUE}, {"variables", NULL, AC_VALUE},
	{"rules", "rules_sha256", AC_SHA256}}},
	{"variation", {"expect_variation", "alter_variation", "drop_variation"},
		{NULL}, {NULL}, NULL, NULL,
	{{"id", NULL, AC_VALUE}, {"service_pattern", NULL, AC_VALUE}, {"path_pattern", NULL, AC_VALUE},
	{"environments", NULL, AC_VALUE}, {"reason", NULL, AC_VALUE}, {"owner", NULL, AC_VALUE},
	{"expires_at", NULL, AC_VALUE}}},
	{"tag", {"tag", "alter_tag", "drop_tag"}, {NULL}, {NULL}, NULL, NULL,
	{{"name", "tag", AC_VALUE}, {"changeset", NULL, AC_VALUE}, {"note", NULL, AC_VALUE}}},
};

/* The text form of a datum of type typid. */
static char *
CfgDatumText(Datum d, Oid typid)
{
	Oid			out;
	bool		varlena;

	if (typid == JSONBOID)
	{
		Jsonb	   *j = DatumGetJsonbP(d);

		return JsonbToCString(NULL, &j->root, VARSIZE(j));
	}
	getTypeOutputInfo(typid, &out, &varlena);
	return OidOutputFunctionCall(out, d);
}

static const char *
CfgEnvName(CfgCatalog *cat, int32 id)
{
	CfgEnv	   *e = CfgLookupEnvById(cat, id);

	return e ? e->name : NULL;
}

static const char *
CfgSvcName(CfgCatalog *cat, int32 id)
{
	CfgService *s = CfgLookupServiceById(cat, id);

	return s ? s->name : NULL;
}

/*
 * Building a record's detail (a jsonb object): a key, then its value;
 * CfgPushInt pushes both.  Also used by callers of CfgAuditRecord.
 */
void
CfgPushKey(JsonbParseState **ps, const char *key)
{
	JsonbValue	k;

	k.type = jbvString;
	k.val.string.val = (char *) key;
	k.val.string.len = strlen(key);
	(void) pushJsonbValue(ps, WJB_KEY, &k);
}

void
CfgPushString(JsonbParseState **ps, const char *s)
{
	JsonbValue	v;

	if (s == NULL)
		v.type = jbvNull;
	else
	{
		v.type = jbvString;
		v.val.string.val = (char *) s;
		v.val.string.len = strlen(s);
	}
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

static void
CfgPushBool(JsonbParseState **ps, const char *key, bool b)
{
	JsonbValue	v;

	CfgPushKey(ps, key);
	v.type = jbvBool;
	v.val.boolean = b;
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

void
CfgPushInt(JsonbParseState **ps, const char *key, int64 i)
{
	JsonbValue	v;

	CfgPushKey(ps, key);
	v.type = jbvNumeric;
	v.val.numeric = int64_to_numeric(i);
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

/* Push column ac of tup as key: value. */
static void
CfgPushColumn(JsonbParseState **ps, CfgCatalog *cat, HeapTuple tup, TupleDesc desc,
			  int attno, const AuditCol *ac)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);
	Oid			typid = SPI_gettypeid(desc, attno);
	JsonbValue	v;

	CfgPushKey(ps, ac->key ? ac->key : ac->col);
	if (isnull)
	{
		v.type = jbvNull;
		(void) pushJsonbValue(ps, WJB_VALUE, &v);
		return;
	}
	switch (ac->how)
	{
		case AC_SHA256:
			{
				char	   *t = CfgDatumText(d, typid);

				CfgPushString(ps, CfgSha256Hex(t, strlen(t)));
				return;
			}
		case AC_ROLE:
			{
				char	   *name = GetUserNameFromId(DatumGetObjectId(d), true);

				CfgPushString(ps, name ? name : CfgDatumText(d, typid));
				return;
			}
		case AC_ENV:
			{
				const char *name = CfgEnvName(cat, DatumGetInt32(d));

				CfgPushString(ps, name ? name : CfgDatumText(d, typid));
				return;
			}
		case AC_SVC:
			{
				const char *name = CfgSvcName(cat, DatumGetInt32(d));

				CfgPushString(ps, name ? name : CfgDatumText(d, typid));
				return;
			}
		default:
			break;
	}
	switch (typid)
	{
		case JSONBOID:
			v.type = jbvBinary;
			v.val.binary.data = &DatumGetJsonbP(d)->root;
			v.val.binary.len = VARSIZE(DatumGetJsonbP(d)) - VARHDRSZ;
			break;
		case BOOLOID:
			v.type = jbvBool;
			v.val.boolean = DatumGetBool(d);
			break;
		case INT2OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt16(d));
			break;
		case INT4OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt32(d));
			break;
		case INT8OID:
			v.type = jbvNumeric;
			v.val.numeric = int64_to_numeric(DatumGetInt64(d));
			break;
		default:
			CfgPushString(ps, CfgDatumText(d, typid));
			return;
	}
	(void) pushJsonbValue(ps, WJB_VALUE, &v);
}

static int
CfgAttno(Relation rel, const char *col)
{
	int			attno = SPI_fnumber(RelationGetDescr(rel), col);

	if (attno <= 0)
		elog(ERROR, "audited table \"%s\" has no column \"%s\"",
			 RelationGetRelationName(rel), col);
	return attno;
}

/* The value of a column naming something, as a C string (NULL if null). */
static const char *
CfgColumnName(CfgCatalog *cat, Relation rel, HeapTuple tup, const AuditCol *ac)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			attno;
	bool		isnull;
	Datum		d;

	if (ac->col == NULL)
		return NULL;
	attno = CfgAttno(rel, ac->col);
	d = heap_getattr(tup, attno, desc, &isnull);
	if (isnull)
		return NULL;
	switch (ac->how)
	{
		case AC_ENV:
			return CfgEnvName(cat, DatumGetInt32(d));
		case AC_SVC:
			return CfgSvcName(cat, DatumGetInt32(d));
		default:
			return CfgDatumText(d, SPI_gettypeid(desc, attno));
	}
}

/* Do two versions of a row differ in column attno? */
static bool
CfgColumnChanged(HeapTuple a, HeapTuple b, TupleDesc desc, int attno)
{
	bool		n1,
				n2;
	Datum		d1 = heap_getattr(a, attno, desc, &n1);
	Datum		d2 = heap_getattr(b, attno, desc, &n2);
	Form_pg_attribute att = TupleDescAttr(desc, attno - 1);

	if (n1 || n2)
		return n1 != n2;
	return !datumIsEqual(d1, d2, att->attbyval, att->attlen);
}

/* Record a row change of one of audit_tables. */
static void
CfgAuditTableRow(const AuditTable *t, TriggerData *td)
{
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	CfgCatalog *cat = CfgGetCatalog();
	HeapTuple	newtup = NULL,
				oldtup = NULL,
				tup;
	const char *op;
	const char *keycols[4] = {t->env.col, t->svc.col, t->provider_col, t->path_col};
	bool		changed = false;
	JsonbParseState *ps = NULL;
	JsonbValue *res;
	int			i;

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		newtup = td->tg_trigtuple;
		op = t->op[0];
	}
	else if (TRIGGER_FIRED_BY_UPDATE(td->tg_event))
	{
		oldtup = td->tg_trigtuple;
		newtup = td->tg_newtuple;
		op = t->op[1];
	}
	else
	{
		oldtup = td->tg_trigtuple;
		op = t->op[2];
	}
	tup = newtup ? newtup : oldtup;

	/* an update touching nothing recorded (a changeset stamp) is not logged */
	if (oldtup && newtup)
	{
		for (i = 0; i < 4 && !changed; i++)
			if (keycols[i])
				changed = CfgColumnChanged(oldtup, newtup, desc, CfgAttno(rel, keycols[i]));
		for (i = 0; i < AUDIT_MAX_COLS && t->detail[i].col && !changed; i++)
			changed = CfgColumnChanged(oldtup, newtup, desc, CfgAttno(rel, t->detail[i].col));
		if (!changed)
			return;
	}

	/* environments: dropping and restoring are updates of dropped_at */
	if (strcmp(t->relname, "environment") == 0 && oldtup && newtup)
	{
		bool		was,
					is;
		int			attno = CfgAttno(rel, "dropped_at");

		(void) heap_getattr(oldtup, attno, desc, &was);
		(void) heap_getattr(newtup, attno, desc, &is);
		if (was && !is)
			op = "drop_environment";
		else if (!was && is)
			op = "create_environment";
	}

	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	for (i = 0; i < AUDIT_MAX_COLS && t->detail[i].col; i++)
		CfgPushColumn(&ps, cat, tup, desc, CfgAttno(rel, t->detail[i].col), &t->detail[i]);
	if (oldtup && newtup)
	{
		/* what the update changed, as it was */
		CfgPushKey(&ps, "old");
		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		for (i = 0; i < 4; i++)
		{
			AuditCol	ac = {keycols[i], NULL, i == 0 ? t->env.how : i == 1 ? t->svc.how : AC_VALUE};
			int			attno;

			if (!keycols[i])
				continue;
			attno = CfgAttno(rel, keycols[i]);
			if (CfgColumnChanged(oldtup, newtup, desc, attno))
				CfgPushColumn(&ps, cat, oldtup, desc, attno, &ac);
		}
		for (i = 0; i < AUDIT_MAX_COLS && t->detail[i].col; i++)
		{
			int			attno = CfgAttno(rel, t->detail[i].col);

			if (CfgColumnChanged(oldtup, newtup, desc, attno))
				CfgPushColumn(&ps, cat, oldtup, desc, attno, &t->detail[i]);
		}
		(void) pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);

	{
		AuditCol	prov = {t->provider_col, NULL, AC_NAME};
		AuditCol	path = {t->path_col, NULL, AC_NAME};

		CfgAuditRecord(op,
					   CfgColumnName(cat, rel, tup, &t->env),
					   CfgColumnName(cat, rel, tup, &t->svc),
					   CfgColumnName(cat, rel, tup, &path),
					   CfgColumnName(cat, rel, tup, &prov),
					   JsonbValueToJsonb(res));
	}
}

/*
 * A change of cfgmgr.entry: op set, block or unset (as in history).  The
 * detail says whether the entry is secret and, only when neither version
 * of the row is, the SHA-256 of the old and new values' text: enough to
 * check cfgmgr.change against the log, never a value.
 */
static void
CfgAuditEntryRow(TriggerData *td)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);
	HeapTuple	newtup = NULL,
				oldtup = NULL,
				tup;
	CfgCatalog *cat;
	bool		isnull;
	bool		secret = false;
	const char *op;
	int32		env_id,
				svc_id;
	const char *env;
	const char *svc;
	char	   *provider;
	CfgPath    *path;
	JsonbParseState *ps = NULL;
	JsonbValue *res;

	if (desc->natts != ENTRY_NATTS)
		elog(ERROR, "cfgmgr.entry has an unexpected shape");
	/* cfgmgr.rotate_key() re-encrypting is one event, recorded by it */
	if (cfg_secret_rotating)
		return;
	CfgEntryTriggerRows(td, &oldtup, &newtup);
	tup = newtup ? newtup : oldtup;
	op = CfgEntryChangeOp(desc, newtup);
	if (oldtup && DatumGetBool(heap_getattr(oldtup, ENTRY_SECRET, desc, &isnull)))
		secret = true;
	if (newtup && DatumGetBool(heap_getattr(newtup, ENTRY_SECRET, desc, &isnull)))
		secret = true;

	cat = CfgGetCatalog();
	env_id = DatumGetInt32(heap_getattr(tup, ENTRY_ENV_ID, desc, &isnull));
	svc_id = DatumGetInt32(heap_getattr(tup, ENTRY_SERVICE_ID, desc, &isnull));
	env = CfgEnvName(cat, env_id);
	svc = CfgSvcName(cat, svc_id);
	provider = TextDatumGetCString(heap_getattr(tup, ENTRY_PROVIDER, desc, &isnull));
	path = DatumGetCfgPathPP(heap_getattr(tup, ENTRY_PATH, desc, &isnull));

	(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
	CfgPushBool(&ps, "secret", secret);
	if (env == NULL)
		CfgPushInt(&ps, "env_id", env_id);
	if (svc == NULL)
		CfgPushInt(&ps, "service_id", svc_id);
	if (!secret)
	{
		HeapTuple	versions[2] = {oldtup, newtup};
		const char *keys[2] = {"old_sha256", "new_sha256"};

		for (int i = 0; i < 2; i++)
		{
			Datum		v;

			if (versions[i] == NULL)
				continue;
			v = heap_getattr(versions[i], ENTRY_VALUE, desc, &isnull);
			CfgPushKey(&ps, keys[i]);
			if (isnull)
				CfgPushString(&ps, NULL);
			else
			{
				char	   *t = CfgDatumText(v, JSONBOID);

				CfgPushString(&ps, CfgSha256Hex(t, strlen(t)));
			}
		}
	}
	res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);

	CfgAuditRecord(op, env, svc, pnstrdup(CFGPATH_DATA(path), CFGPATH_LEN(path)),
				   provider[0] == '\0' ? NULL : provider, JsonbValueToJsonb(res));
}

/*
 * cfgmgr.audit_row(): AFTER INSERT OR UPDATE OR DELETE FOR EACH ROW, and
 * AFTER TRUNCATE FOR EACH STATEMENT, on the audited tables.
 */
Datum
cfgmgr_audit_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *relname;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event))
		elog(ERROR, "cfgmgr_audit_row: must be fired as an AFTER trigger");
	relname = RelationGetRelationName(td->tg_relation);

	if (TRIGGER_FIRED_BY_TRUNCATE(td->tg_event))
	{
		JsonbParseState *ps = NULL;
		JsonbValue *res;

		(void) pushJsonbValue(&ps, WJB_BEGIN_OBJECT, NULL);
		CfgPushKey(&ps, "table");
		CfgPushString(&ps, psprintf("cfgmgr.%s", relname));
		res = pushJsonbValue(&ps, WJB_END_OBJECT, NULL);
		CfgAuditRecord("truncate", NULL, NULL, NULL, NULL, JsonbValueToJsonb(res));
		return PointerGetDatum(NULL);
	}
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_audit_row: must be fired for each row (or for TRUNCATE)");

	if (strcmp(relname, "entry") == 0)
		CfgAuditEntryRow(td);
	else
	{
		int			i;

		for (i = 0; i < (int) lengthof(audit_tables); i++)
			if (strcmp(audit_tables[i].relname, relname) == 0)
				break;
		if (i == (int) lengthof(audit_tables))
			elog(ERROR, "cfgmgr_audit_row: table \"%s\" is not audited", relname);
		CfgAuditTableRow(&audit_tables[i], td);
	}
	return PointerGetDatum(NULL);
}

/*
 * cfgmgr.audit_head_guard(): BEFORE UPDATE OR DELETE FOR EACH ROW on
 * cfgmgr.audit_head.  Only CfgAuditFlushHead moves the head.
 */
Datum
cfgmgr_audit_head_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		elog(ERROR, "cfgmgr_audit_head_guard: must be fired before, for each row");
	if (!head_writing || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_CFGMGR_AUDIT_TAMPERED),
				 errmsg("cannot %s the audit chain head",
						TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "update" : "delete"),
				 errdetail("cfgmgr.audit_head is moved only by cfgmgr as it appends to cfgmgr.audit_log.")));
	return PointerGetDatum(td->tg_newtuple);
}

/* ---------------------------------------------------------------------
 * Checking
 * ---------------------------------------------------------------------
 */

/*
 * The head to compare the log with: the head row, or, when this
 * transaction appended records (the row is written at commit), the head in
 * memory.  false: no head row.  The caller is connected to SPI as owner.
 */
static bool
CfgAuditCurrentHead(int64 *id, uint8 *hash)
{
	int			ret;
	bool		isnull;
	bytea	   *b;

	if (appended)
	{
		CfgAuditLoadHead();
		*id = head_id;
		memcpy(hash, head_hash, AUDIT_HASH_LEN);
		return true;
	}
	ret = SPI_execute_plan(CfgKeepPlan(&plan_verify_head,
									   "SELECT h.last_id, h.last_hash FROM cfgmgr.audit_head h",
									   0, NULL),
						   NULL, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "could not read cfgmgr.audit_head: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		return false;
	*id = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	b = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
	memset(hash, 0xFF, AUDIT_HASH_LEN);		/* a wrong length never matches */
	if (VARSIZE_ANY_EXHDR(b) == AUDIT_HASH_LEN)
		memcpy(hash, VARDATA_ANY(b), AUDIT_HASH_LEN);
	else
		*id = -1;
	return true;
}

static const char *
CfgGetText(HeapTuple tup, TupleDesc desc, int attno)
{
	bool		isnull;
	Datum		d = heap_getattr(tup, attno, desc, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

/*
 * cfgmgr.verify_audit(anchor_id bigint DEFAULT NULL, anchor_hash bytea
 * DEFAULT NULL) RETURNS TABLE(ok bool, first_bad_id bigint, checked bigint)
 *
 * Reads the log in id order through a cursor and recomputes the chain.  A
 * record fails when its id is not the previous one plus 1 (a deleted or
 * reordered record), its prev_hash is not the previous record's hash (a
 * deleted record), or its hash is not the hash of its contents (a modified
 * record); first_bad_id is the first record failing.  Then the head must
 * name the last record: a head past it is a truncated tail (first_bad_id =
 * the head's id), a head before it means records were added behind the
 * chain's back (first_bad_id = the first one), no head row at all with
 * records in the log gives first_bad_id NULL.  With an anchor (an id and
 * hash taken earlier by cfgmgr.audit_anchor() and kept elsewhere), the
 * record with that id must still have that hash.  checked counts the
 * records read.  Everything is read with the statement's snapshot, so
 * concurrent writers never make it fail.
 */
Datum
cfgmgr_verify_audit(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		have_anchor = !PG_ARGISNULL(0);
	int64		anchor_id = have_anchor ? PG_GETARG_INT64(0) : 0;
	uint8		anchor_hash[AUDIT_HASH_LEN];
	CfgUserSave save;
	int64		hid = 0;
	uint8		hhash[AUDIT_HASH_LEN];
	bool		have_head;
	uint8		prev[AUDIT_HASH_LEN];
	int64		prev_id = 0;
	int64		checked = 0;
	bool		ok = true;
	int64		bad = 0;
	bool		bad_null = false;
	Portal		portal;
	MemoryContext scratch,
				old;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) != PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("anchor_id and anchor_hash must be given together")));
	if (have_anchor)
	{
		bytea	   *b = PG_GETARG_BYTEA_PP(1);

		if (VARSIZE_ANY_EXHDR(b) != AUDIT_HASH_LEN || anchor_id < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid audit anchor"),
					 errdetail("An anchor is a record id (0 or more) and a 32-byte SHA-256 hash, as cfgmgr.audit_anchor() returns them.")));
		memcpy(anchor_hash, VARDATA_ANY(b), AUDIT_HASH_LEN);
	}
	CfgAclRequire(CFG_PRIV_ADMIN, NULL, NULL, NULL, 0);
	InitMaterializedSRF(fcinfo, 0);

	/* anchor 0 is the empty chain */
	if (have_anchor && anchor_id == 0 && memcmp(anchor_hash, zero_hash, AUDIT_HASH_LEN) != 0)
	{
		ok = false;
		bad = 0;
	}

	CfgSpiConnectOwner(&save);
	have_head = CfgAuditCurrentHead(&hid, hhash);
	memcpy(prev, zero_hash, AUDIT_HASH_LEN);
	scratch = AllocSetContextCreate(CurrentMemoryContext, "cfgmgr verify_audit",
									ALLOCSET_DEFAULT_SIZES);
	portal = SPI_cursor_open(NULL,
							 CfgKeepPlan(&plan_verify,
										 "SELECT l.id, l.at, l.session_role, l.effective_role, l.client,"
										 " l.changeset, l.op, l.environment, l.service, l.path, l.provider,"
										 " l.detail, l.prev_hash, l.hash FROM cfgmgr.audit_log l ORDER BY l.id",
										 0, NULL),
							 NULL, NULL, true);
	while (ok)
	{
		uint64		n;

		SPI_cursor_fetch(portal, true, AUDIT_FETCH);
		n = SPI_processed;
		if (n == 0)
			break;
		old = MemoryContextSwitchTo(scratch);
		for (uint64 i = 0; i < n && ok; i++)
		{
			HeapTuple	tup = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			AuditRec	r;
			bool		isnull;
			Datum		d;
			uint8		h[AUDIT_HASH_LEN];

			memset(&r, 0, sizeof(r));
			r.id = DatumGetInt64(heap_getattr(tup, 1, desc, &isnull));
			r.at = DatumGetTimestampTz(heap_getattr(tup, 2, desc, &isnull));
			r.session_role = CfgGetText(tup, desc, 3);
			r.effective_role = CfgGetText(tup, desc, 4);
			r.client = CfgGetText(tup, desc, 5);
			d = heap_getattr(tup, 6, desc, &isnull);
			r.has_changeset = !isnull;
			r.changeset = isnull ? 0 : DatumGetInt64(d);
			r.op = CfgGetText(tup, desc, 7);
			r.environment = CfgGetText(tup, desc, 8);
			r.service = CfgGetText(tup, desc, 9);
			r.path = CfgGetText(tup, desc, 10);
			r.provider = CfgGetText(tup, desc, 11);
			d = heap_getattr(tup, 12, desc, &isnull);
			r.detail = isnull ? NULL : CfgDatumText(d, JSONBOID);
			checked++;

			if (r.id != prev_id + 1 ||
				!CfgHashEquals(heap_getattr(tup, 13, desc, &isnull), prev))
				ok = false;
			else
			{
				CfgAuditHash(prev, &r, h);
				if (!CfgHashEquals(heap_getattr(tup, 14, desc, &isnull), h))
					ok = false;
				else if (have_anchor && r.id == anchor_id &&
						 memcmp(h, anchor_hash, AUDIT_HASH_LEN) != 0)
					ok = false;
			}
			if (!ok)
				bad = r.id;
			else
			{
				memcpy(prev, h, AUDIT_HASH_LEN);
				prev_id = r.id;
			}
		}
		MemoryContextSwitchTo(old);
		MemoryContextReset(scratch);
		SPI_freetuptable(SPI_tuptable);
	}
	SPI_cursor_close(portal);
	MemoryContextDelete(scratch);

	if (ok && have_anchor && anchor_id > prev_id)
	{
		/* the log ends before a record known to have existed */
		ok = false;
		bad = anchor_id;
	}
	if (ok)
	{
		if (!have_head)
		{
			if (prev_id > 0)
			{
				ok = false;
				bad_null = true;
			}
		}
		else if (hid > prev_id)
		{
			ok = false;			/* tail truncated */
			bad = hid;
		}
		else if (hid < prev_id)
		{
			ok = false;			/* records the head does not cover */
			bad = hid < 0 ? 1 : hid + 1;
		}
		else if (memcmp(hhash, prev, AUDIT_HASH_LEN) != 0)
		{
			ok = false;
			bad = hid;
		}
	}
	CfgSpiFinishOwner(&save);

	values[0] = BoolGetDatum(ok);
	values[1] = Int64GetDatum(bad);
	nulls[1] = ok || bad_null;
	values[2] = Int64GetDatum(checked);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	return (Datum) 0;
}

/*
 * cfgmgr.audit_anchor(OUT id bigint, OUT hash bytea): the id and hash of
 * the last record (0 and 32 zero bytes for an empty log), for a job to
 * keep outside the database; cfgmgr.verify_audit(id, hash) later proves
 * that the chain still passes through it.  Global admins only.
 */
Datum
cfgmgr_audit_anchor(PG_FUNCTION_ARGS)
{
	TupleDesc	desc;
	CfgUserSave save;
	int64		id = 0;
	uint8		hash[AUDIT_HASH_LEN];
	Datum		values[2];
	bool		nulls[2] = {false, false};

	CfgAclRequire(CFG_PRIV_ADMIN, NULL, NULL, NULL, 0);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "cfgmgr_audit_anchor: return type must be a row type");
	memcpy(hash, zero_hash, AUDIT_HASH_LEN);
	CfgSpiConnectOwner(&save);
	if (!CfgAuditCurrentHead(&id, hash))
	{
		id = 0;
		memcpy(hash, zero_hash, AUDIT_HASH_LEN);
	}
	CfgSpiFinishOwner(&save);
	values[0] = Int64GetDatum(id);
	values[1] = PointerGetDatum(CfgHashBytea(hash));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
