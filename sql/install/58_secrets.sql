--
-- Secrets (src/cfg_secret.c, doc/secrets.md): the key and its rotation.
-- Secret values themselves are written by set/set_many/import/rollback and
-- encrypted by the BEFORE trigger of cfgmgr.entry (src/cfg_write.c).
--

CREATE FUNCTION cfgmgr.rotate_key(new_key_file text) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cfgmgr_rotate_key' LANGUAGE C VOLATILE PARALLEL UNSAFE;
-- not STRICT: a NULL argument gets a clear error
COMMENT ON FUNCTION cfgmgr.rotate_key(text) IS 'superuser: re-encrypts every secret (values and history) with the key in new_key_file, then uses it for the session; returns the number of ciphertexts re-encrypted';
-- superusers only (checked in C as well)
REVOKE ALL ON FUNCTION cfgmgr.rotate_key(text) FROM PUBLIC;

CREATE FUNCTION cfgmgr.secret_key_available() RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_secret_key_available' LANGUAGE C VOLATILE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.secret_key_available() IS 'is a usable key configured (cfgmgr.key_file)?  Never raises, names no file';
