--
-- The tamper-evident audit log (src/cfg_audit.c, doc/audit.md).  Its
-- owner, privileges and policies are set in 90_security.sql with those of
-- every other table.
--
-- Every audited operation appends one row to cfgmgr.audit_log in the same
-- transaction as the operation.  Each row carries the SHA-256 of the
-- previous row's hash and of its own canonical form; cfgmgr.audit_head
-- holds the id and hash of the last row, and every audited transaction
-- locks it (FOR UPDATE) before appending, so the chain never forks.
--

CREATE TABLE cfgmgr.audit_log (
	id					bigint PRIMARY KEY,		-- 1, 2, 3, ... without gaps
	at					timestamptz NOT NULL,	-- clock_timestamp() of the record
	session_role		text NOT NULL,			-- session_user
	effective_role		text NOT NULL,			-- current_user of the caller
	client				text,					-- application_name@client address
	changeset			bigint,					-- NULL: the transaction changed nothing
	op					text NOT NULL,
	environment			text,
	service				text,
	path				text,
	provider			text,
	detail				jsonb,
	prev_hash			bytea NOT NULL,
	hash				bytea NOT NULL
);
CREATE INDEX audit_log_changeset ON cfgmgr.audit_log (changeset);
COMMENT ON TABLE cfgmgr.audit_log IS 'append-only, hash-chained record of every write, grant, schema change, import, rollback and secret read (checked by cfgmgr.verify_audit())';

-- The chain head: one row, created by the first audited transaction.
CREATE TABLE cfgmgr.audit_head (
	singleton			bool PRIMARY KEY DEFAULT true
		CONSTRAINT audit_head_singleton CHECK (singleton),
	last_id				bigint NOT NULL,
	last_hash			bytea NOT NULL
);
COMMENT ON TABLE cfgmgr.audit_head IS 'id and hash of the last row of cfgmgr.audit_log; locked by every audited transaction';

SELECT pg_catalog.pg_extension_config_dump('cfgmgr.audit_log', '');
SELECT pg_catalog.pg_extension_config_dump('cfgmgr.audit_head', '');

-- ---------------------------------------------------------------------
-- Append-only: no UPDATE, DELETE or TRUNCATE, whoever asks
-- ---------------------------------------------------------------------
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON cfgmgr.audit_log
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON cfgmgr.audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.refuse_change();

-- The head moves only when cfg_audit.c moves it.
CREATE FUNCTION cfgmgr.audit_head_guard() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_audit_head_guard' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.audit_head_guard() IS 'internal: refuses changes of cfgmgr.audit_head not made by the audit code';
CREATE TRIGGER audit_head_guard BEFORE UPDATE OR DELETE ON cfgmgr.audit_head
	FOR EACH ROW EXECUTE FUNCTION cfgmgr.audit_head_guard();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON cfgmgr.audit_head
	FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.refuse_change();

REVOKE ALL ON cfgmgr.audit_log, cfgmgr.audit_head FROM PUBLIC;
-- owner, privileges and row-level security: in 90_security.sql, with every other table's

-- ---------------------------------------------------------------------
-- Writers of the audited tables
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.audit_row() RETURNS trigger
	AS 'MODULE_PATHNAME', 'cfgmgr_audit_row' LANGUAGE C;
COMMENT ON FUNCTION cfgmgr.audit_row() IS 'internal: records a row change (or a TRUNCATE) of an audited table in cfgmgr.audit_log';

-- Named zz_audit because AFTER triggers of a table fire in name order: the
-- record comes after the history triggers, which may create the changeset
-- it refers to.
DO $cfgmgr$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY '{entry,acl,environment,service,service_schema,service_constraint,target,provider,variation,tag}'::text[] LOOP
		EXECUTE pg_catalog.format('CREATE TRIGGER zz_audit AFTER INSERT OR UPDATE OR DELETE ON cfgmgr.%I'
								  ' FOR EACH ROW EXECUTE FUNCTION cfgmgr.audit_row()', t);
		EXECUTE pg_catalog.format('CREATE TRIGGER zz_audit_truncate AFTER TRUNCATE ON cfgmgr.%I'
								  ' FOR EACH STATEMENT EXECUTE FUNCTION cfgmgr.audit_row()', t);
	END LOOP;
END
$cfgmgr$;

-- ---------------------------------------------------------------------
-- Checking the chain
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.verify_audit(anchor_id bigint DEFAULT NULL, anchor_hash bytea DEFAULT NULL)
RETURNS TABLE(ok bool, first_bad_id bigint, checked bigint)
	AS 'MODULE_PATHNAME', 'cfgmgr_verify_audit' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION cfgmgr.verify_audit(bigint, bytea) IS
	'recomputes the hash chain of cfgmgr.audit_log; with an anchor (id and hash saved earlier by cfgmgr.audit_anchor()) also checks that row; global admins only';

CREATE FUNCTION cfgmgr.audit_flush()
RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_audit_flush' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION cfgmgr.audit_flush() IS
	'writes this transaction''s audit records now instead of at commit (to read them back); the chain head then stays locked until the transaction ends';

CREATE FUNCTION cfgmgr.audit_anchor(OUT id bigint, OUT hash bytea)
RETURNS record
	AS 'MODULE_PATHNAME', 'cfgmgr_audit_anchor' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.audit_anchor() IS
	'id and hash of the last audit record, to keep outside the database and pass to cfgmgr.verify_audit() later; global admins only';
