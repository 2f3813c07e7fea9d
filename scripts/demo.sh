#!/usr/bin/env bash
# scripts/demo.sh - the README's demo command: installs what is missing,
# builds, installs, starts a throw-away cluster, loads the multi-environment,
# multi-cloud example of demo/config.json and shows what cfgmgr does with it.
# The cluster is stopped and removed when the script ends.
set -eu
source "$(dirname "$0")/lib.sh"
cd "$CFG_ROOT"

cfg_deps
cfg_build_install
cfg_cluster_start
cfg_psql -c "CREATE EXTENSION cfgmgr"
cfg_psql -v config="$(cat demo/config.json)" -f demo/load.sql
# the secrets' key: 32 random bytes readable by the server's user only
keyfile=$CFG_TMP/demo.key
cfg_as_pg sh -c "umask 077 && head -c 32 /dev/urandom > '$keyfile'"
cfg_psql -v billing_schema="$(cat demo/billing.schema.json)" -v keyfile="$keyfile" -f demo/show.sql
