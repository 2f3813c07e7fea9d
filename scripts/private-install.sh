#!/usr/bin/env bash
# scripts/private-install.sh NAME [SRC_DIR] - developer helper: build the
# tree at SRC_DIR (default: this checkout) as an extension called NAME
# (e.g. cfgmgr_alice) and install it, so several developers can test on one
# machine without replacing each other's cfgmgr.  The copy lives in
# /tmp/NAME-build; load it with CREATE EXTENSION NAME (it still creates and
# owns schema cfgmgr, so use a cluster or database of your own).
set -euo pipefail
name=${1:?usage: private-install.sh NAME [SRC_DIR]}
src=${2:-$(cd "$(dirname "$0")/.." && pwd)}
case "$name" in cfgmgr_[a-z0-9_]*) ;; *) echo "NAME must look like cfgmgr_xxx" >&2; exit 2 ;; esac
dst=/tmp/$name-build
rm -rf "$dst"
mkdir -p "$dst"
cp -r "$src"/{Makefile,cfgmgr.control,src,sql,expected,doc} "$dst"/
[ -d "$src/specs" ] && cp -r "$src/specs" "$dst"/
cd "$dst"
rm -f src/*.o src/*.gcda src/*.gcno sql/cfgmgr--*.sql
sed -e "s|\$libdir/cfgmgr'|\$libdir/$name'|" cfgmgr.control > "$name.control"
rm cfgmgr.control
sed -i -e "s/^EXTENSION  = cfgmgr/EXTENSION  = $name/" -e "s/^MODULE_big = cfgmgr/MODULE_big = $name/" Makefile
make -s -j2 >/dev/null
make -s install >/dev/null
echo "installed extension $name from $src (build dir $dst)"
