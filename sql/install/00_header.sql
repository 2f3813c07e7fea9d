-- cfgmgr--0.1.sql: install script, assembled from the files of sql/install/

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION cfgmgr" to load this file. \quit

-- The control file names schema cfgmgr; CREATE EXTENSION creates it and owns it.
-- Nothing in this script relies on search_path: every name is schema-qualified.


-- The schema: created by CREATE EXTENSION, owned by the installing role.  A
-- schema of that name prepared by another (non-superuser) role would let
-- that role drop or add objects among ours later: refuse it.
DO $cfgmgr$
DECLARE
	owner text;
BEGIN
	SELECT r.rolname INTO owner
	  FROM pg_catalog.pg_namespace n JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
	 WHERE n.nspname OPERATOR(pg_catalog.=) 'cfgmgr' AND r.rolname OPERATOR(pg_catalog.<>) current_user AND NOT r.rolsuper;
	IF owner IS NOT NULL THEN
		RAISE EXCEPTION 'schema "cfgmgr" already exists and belongs to role "%"', owner
			USING ERRCODE = '42501',
				  DETAIL = 'Its owner could drop or add objects among the extension''s.',
				  HINT = 'Drop the schema (or give it to the installing role), then create the extension again.';
	END IF;
END
$cfgmgr$;
