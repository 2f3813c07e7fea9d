--
-- Access control: the rule (src/cfg_acl.c), declared before the functions
-- and policies that use it.  grant/revoke, roles, ownership, privileges and
-- policies are in 90_security.sql.
--

-- ---------------------------------------------------------------------
-- The rule, for policies and for the SQL-language API functions
-- ---------------------------------------------------------------------
CREATE FUNCTION cfgmgr.allowed(privilege text, env_id int, service_id int, path cfgmgr.cfgpath)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_allowed' LANGUAGE C STABLE PARALLEL RESTRICTED LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.allowed(text, int, int, cfgmgr.cfgpath) IS
	'may the current role use privilege on (environment id, service id, path)? NULL ids: every environment/service; NULL path: the whole service';

CREATE FUNCTION cfgmgr.allowed_names(privilege text, env text, service text, path cfgmgr.cfgpath DEFAULT NULL)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_allowed_names' LANGUAGE C STABLE PARALLEL RESTRICTED LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.allowed_names(text, text, text, cfgmgr.cfgpath) IS
	'cfgmgr.allowed() by names';

CREATE FUNCTION cfgmgr.require(privilege text, env text, service text, path cfgmgr.cfgpath DEFAULT NULL)
RETURNS void
	AS 'MODULE_PATHNAME', 'cfgmgr_require' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION cfgmgr.require(text, text, text, cfgmgr.cfgpath) IS
	'raises access_denied (CM008) unless the current role may use privilege there';

CREATE FUNCTION cfgmgr.may_grant(env_pattern text, service_pattern text, path_prefix cfgmgr.cfgpath)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_may_grant' LANGUAGE C STABLE PARALLEL RESTRICTED LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.may_grant(text, text, cfgmgr.cfgpath) IS
	'does the current role hold admin over a scope at least this wide?';

CREATE FUNCTION cfgmgr.has_privilege(privilege text)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_has_privilege' LANGUAGE C STABLE PARALLEL RESTRICTED LEAKPROOF;
COMMENT ON FUNCTION cfgmgr.has_privilege(text) IS
	'does the current role hold privilege anywhere?';

CREATE FUNCTION cfgmgr.glob_name_match(pattern text, name text)
RETURNS bool
	AS 'MODULE_PATHNAME', 'cfgmgr_glob_name_match' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cfgmgr.glob_name_match(text, text) IS
	'glob match of an environment or service name (* any run, ? one character)';

