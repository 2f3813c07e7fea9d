-- cfgmgr--0.1.sql: install script, assembled from the files of sql/install/

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION cfgmgr" to load this file. \quit

-- The control file names schema cfgmgr; CREATE EXTENSION creates it and owns it.
-- Nothing in this script relies on search_path: every name is schema-qualified.

