#!/usr/bin/env bash
# scripts/cfgmgr-git.sh - mirror cfgmgr's configuration history into a Git
# repository, and import a tree of files back (doc/git.md).
#
#   cfgmgr-git.sh [-d CONNSTR] export DIR [--env ENV] [--squash]
#   cfgmgr-git.sh [-d CONNSTR] import DIR [--no-replace] [--message TEXT]
#
# export: DIR is a Git working tree (created and initialised when it is
#   missing or empty).  Every committed changeset after the last one
#   mirrored (DIR/.cfgmgr-changeset, else the Cfgmgr-Changeset trailer of
#   HEAD), in commit order, is written as cfgmgr.export_tree(ENV, as_of =>
#   changeset) and committed with the changeset's message, a
#   "Cfgmgr-Changeset: N" trailer, its actor as author and its commit time
#   as date; changesets that change no file are skipped.  --squash writes
#   only the current state (as of the newest changeset), as one commit.
# import: every environments.yaml and ENV/*.yaml file of DIR goes to one
#   cfgmgr.import_tree call (one transaction); prints the changeset id
#   (nothing when nothing changed).  --no-replace keeps the values of
#   files that are not there.
#
# Connection: the usual libpq environment (PGHOST, PGPORT, PGDATABASE,
# PGUSER, ...) or -d CONNSTR (a database name, key=value string or URI).
# Files are UTF-8.  File contents and user input never become SQL text:
# they travel as psql variables (:'var') or as base64 COPY data.
#
# Exit status: 0 done, 1 error, 2 usage.
set -euo pipefail

PROG=cfgmgr-git.sh
CONN=()
CMD=
DIR=
ENV_NAME=
SQUASH=false
REPLACE=true
MESSAGE=

usage() {
	cat >&2 <<EOF
usage: $PROG [-d CONNSTR] export DIR [--env ENV] [--squash]
       $PROG [-d CONNSTR] import DIR [--no-replace] [--message TEXT]
EOF
	exit 2
}
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case "$1" in
		-d | --dbname)
			[ $# -ge 2 ] || usage
			CONN=(-d "$2")
			shift 2 ;;
		--dbname=*) CONN=(-d "${1#*=}"); shift ;;
		--env)
			[ $# -ge 2 ] || usage
			ENV_NAME=$2
			shift 2 ;;
		--env=*) ENV_NAME=${1#*=}; shift ;;
		--squash) SQUASH=true; shift ;;
		--no-replace) REPLACE=false; shift ;;
		--message)
			[ $# -ge 2 ] || usage
			MESSAGE=$2
			shift 2 ;;
		--message=*) MESSAGE=${1#*=}; shift ;;
		-h | --help) usage ;;
		-*) printf '%s: unrecognized option "%s"\n' "$PROG" "$1" >&2; usage ;;
		*)
			if [ -z "$CMD" ]; then CMD=$1
			elif [ -z "$DIR" ]; then DIR=$1
			else printf '%s: unexpected argument "%s"\n' "$PROG" "$1" >&2; usage
			fi
			shift ;;
	esac
done
case "$CMD" in export | import) ;; *) usage ;; esac
[ -n "$DIR" ] || usage
if [ "$CMD" = import ] && { [ -n "$ENV_NAME" ] || $SQUASH; }; then usage; fi
if [ "$CMD" = export ] && { ! $REPLACE || [ -n "$MESSAGE" ]; }; then usage; fi

command -v psql >/dev/null || die "psql not found in PATH (install postgresql-client)"
command -v git >/dev/null || die "git not found in PATH (install git)"
command -v perl >/dev/null || die "perl not found in PATH"

# files on disk are UTF-8 whatever the database encoding
export PGCLIENTENCODING=UTF8
TMP=$(mktemp -d "${TMPDIR:-/tmp}/cfgmgr-git.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# psql reading SQL from stdin; -v settings as arguments
q() {
	psql -X -q -v ON_ERROR_STOP=1 "${CONN[@]}" "$@"
}

db_check() {
	local err
	if ! err=$(q -At -c 'SELECT 1' 2>&1 >/dev/null); then
		die "could not connect to the database: ${err#psql: error: }"
	fi
	if [ "$(q -At -c "SELECT pg_catalog.to_regprocedure('cfgmgr.import_tree(text[],text[],boolean,text)') IS NOT NULL")" != t ]; then
		die "the database has no cfgmgr with export_tree and import_tree (CREATE EXTENSION cfgmgr)"
	fi
}

# the file names a configuration tree holds
LAYOUT_RE='^(environments\.yaml|[A-Za-z0-9_][A-Za-z0-9_-]*/[A-Za-z0-9_][A-Za-z0-9_-]*(\.[a-z][a-z0-9_-]*)?\.yaml)$'

# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------

# Make DIR a Git working tree: create it, or initialise an empty one.
prepare_repo() {
	if [ ! -e "$DIR" ]; then
		mkdir -p -- "$DIR" || die "could not create directory \"$DIR\""
	fi
	[ -d "$DIR" ] || die "\"$DIR\" is not a directory"
	DIR=$(cd -- "$DIR" && pwd -P)
	local top
	if top=$(git -C "$DIR" rev-parse --show-toplevel 2>/dev/null) && [ "$(cd -- "$top" && pwd -P)" = "$DIR" ]; then
		return 0
	fi
	if [ -n "$(ls -A -- "$DIR")" ]; then
		die "\"$DIR\" is neither empty nor the top of a Git working tree; give an empty directory or a Git repository"
	fi
	git init -q -b main "$DIR" || die "git init of \"$DIR\" failed"
}

# The newest changeset already mirrored (0: none).
last_mirrored() {
	local v=""
	if [ -f "$DIR/.cfgmgr-changeset" ]; then
		v=$(tr -d ' \n\r\t' <"$DIR/.cfgmgr-changeset")
		[[ $v =~ ^[0-9]{1,18}$ ]] || die "\"$DIR/.cfgmgr-changeset\" does not hold a changeset id"
	elif git -C "$DIR" rev-parse -q --verify HEAD >/dev/null; then
		v=$(git -C "$DIR" log -1 --format='%(trailers:key=Cfgmgr-Changeset,valueonly,separator=%x20)' HEAD | tr -d ' \n')
		[[ $v =~ ^[0-9]{1,18}$ ]] || v=""
	fi
	echo "${v:-0}"
}

# Write the files of $TMP/tree (NUL-terminated name, content, name, ...)
# into DIR: changed and new files are written, tree files no longer
# exported are removed (and directories left empty); the exported names go
# to $TMP/names (NUL-terminated) and the number of files written or removed
# to $TMP/changed.  Other files of DIR are left alone.
write_tree() {
	perl -e '
		use strict; use warnings;
		my ($dir, $in, $names, $re, $changedfile) = @ARGV;
		my $changed = 0;
		$re =~ s/\$$/\\z/;	# no newline before the end of a name
		open(my $fh, "<:raw", $in) or die "cannot read $in: $!\n";
		local $/ = "\0";
		my @f = <$fh>;
		close $fh;
		chomp @f;
		die "export_tree returned an odd number of fields\n" if @f % 2;
		my %want;
		for (my $i = 0; $i < @f; $i += 2) {
			my ($name, $content) = ($f[$i], $f[$i + 1]);
			die "export_tree returned an unexpected file name \"$name\"\n" unless $name =~ /$re/;
			$want{$name} = $content;
		}
		# remove tree files that are not exported any more
		my @have = -f "$dir/environments.yaml" ? ("environments.yaml") : ();
		opendir(my $dh, $dir) or die "cannot read $dir: $!\n";
		for my $d (sort grep { !/^\./ && -d "$dir/$_" && !-l "$dir/$_" } readdir $dh) {
			opendir(my $sh, "$dir/$d") or die "cannot read $dir/$d: $!\n";
			push @have, map { "$d/$_" } grep { -f "$dir/$d/$_" && "$d/$_" =~ /$re/ } readdir $sh;
			closedir $sh;
		}
		closedir $dh;
		for my $name (@have) {
			next if exists $want{$name};
			unlink "$dir/$name" or die "cannot remove $dir/$name: $!\n";
			$changed++;
			my ($d) = $name =~ m{^([^/]+)/};
			rmdir "$dir/$d" if defined $d;	# only when empty
		}
		open(my $nh, ">:raw", $names) or die "cannot write $names: $!\n";
		for my $name (sort keys %want) {
			my ($d) = $name =~ m{^([^/]+)/};
			if (defined $d && !-d "$dir/$d") {
				mkdir "$dir/$d" or die "cannot create $dir/$d: $!\n";
			}
			my $old;
			if (open(my $rh, "<:raw", "$dir/$name")) {
				local $/;
				$old = <$rh>;
				close $rh;
			}
			if (!defined $old || $old ne $want{$name}) {
				open(my $wh, ">:raw", "$dir/$name.tmp") or die "cannot write $dir/$name: $!\n";
				print $wh $want{$name};
				close $wh or die "cannot write $dir/$name: $!\n";
				rename "$dir/$name.tmp", "$dir/$name" or die "cannot write $dir/$name: $!\n";
				$changed++;
			}
			print $nh "$name\0";
		}
		close $nh or die "cannot write $names: $!\n";
		open(my $ch, ">", $changedfile) or die "cannot write $changedfile: $!\n";
		print $ch "$changed\n";
		close $ch or die "cannot write $changedfile: $!\n";
	' "$DIR" "$TMP/tree" "$TMP/names" "$LAYOUT_RE" "$TMP/changed"
}

# export_tree(ENV, as_of => $1) into $TMP/tree
fetch_tree() {
	q -At -z -0 -v env="$ENV_NAME" -v cs="$1" -o "$TMP/tree" <<'SQL' || die "export_tree as of changeset $1 failed"
SELECT t.file, t.content
  FROM cfgmgr.export_tree(NULLIF(:'env', ''), :'cs') t
 ORDER BY t.file COLLATE "C";
SQL
}

# Stage the tree files (exported now, or tracked before) and commit them
# when they changed.  $1 changeset, $2 actor, $3 epoch, $4 message file.
# Prints "committed", nothing when nothing changed.  $TMP/prev_names holds
# the files of the previous commit (so that removed ones are staged).
commit_tree() {
	local cs=$1 actor=$2 epoch=$3 msgfile=$4 name email
	cat "$TMP/names" "$TMP/prev_names" | git -C "$DIR" add -A --pathspec-from-file=- --pathspec-file-nul \
		|| die "git add in \"$DIR\" failed"
	if git -C "$DIR" diff --cached --quiet; then
		return 0
	fi
	# a Git identity from a role name: no angle brackets or line breaks
	name=$(printf '%s' "$actor" | tr -d '<>\n\r')
	email=$(printf '%s' "$actor" | tr -c 'A-Za-z0-9._+-' '_')
	[ -n "$name" ] || name=unknown
	GIT_COMMITTER_NAME="$name" GIT_COMMITTER_EMAIL="$email@cfgmgr" \
	GIT_COMMITTER_DATE="@$epoch +0000" \
		git -C "$DIR" -c commit.gpgsign=false commit -q --cleanup=whitespace \
			-F "$msgfile" --author="$name <$email@cfgmgr>" --date="@$epoch +0000" \
		|| die "git commit of changeset $cs failed"
	echo committed
}

# One commit message: the changeset's message (or "changeset N") and the trailer.
write_message() { # $1 changeset, $2 message
	{
		if [ -n "$2" ]; then printf '%s\n' "$2"; else printf 'changeset %s\n' "$1"; fi
		printf '\nCfgmgr-Changeset: %s\n' "$1"
	} >"$TMP/msg"
}

do_export() {
	prepare_repo
	db_check
	if [ -n "$ENV_NAME" ] && [ "$(q -At -v env="$ENV_NAME" <<'SQL'
SELECT EXISTS (SELECT FROM cfgmgr.environment_change x WHERE x.name OPERATOR(pg_catalog.=) :'env');
SQL
	)" != t ]; then
		die "environment \"$ENV_NAME\" does not exist and never did"
	fi
	local last
	last=$(last_mirrored)
	if [ "$last" != 0 ] && [ "$(q -At -v last="$last" <<'SQL'
SELECT EXISTS (SELECT FROM cfgmgr.changeset c
				WHERE c.id OPERATOR(pg_catalog.=) :'last'::bigint AND c.commit_seq IS NOT NULL);
SQL
	)" != t ]; then
		die "\"$DIR\" mirrors up to changeset $last, which this database does not have; is it the mirror of another database?"
	fi

	# hand edits of tree files would be committed as part of a changeset
	if [ -n "$(git -C "$DIR" status --porcelain -z --untracked-files=all | tr '\0' '\n' | cut -c4- | grep -E "$LAYOUT_RE" || true)" ]; then
		die "\"$DIR\" has uncommitted changes to configuration files; commit or discard them first (git -C \"$DIR\" status)"
	fi
	git -C "$DIR" ls-files -z | { grep -zE "$LAYOUT_RE" || true; } >"$TMP/prev_names"

	# the changesets to mirror, in commit order: id, actor, epoch, message
	q -At -z -0 -v last="$last" -v squash="$SQUASH" -o "$TMP/pending" <<'SQL' || die "could not read cfgmgr.changeset"
SELECT c.id, c.actor, pg_catalog.floor(pg_catalog.date_part('epoch', coalesce(c.committed_at, c.at)))::bigint,
	   coalesce(c.message, '')
  FROM cfgmgr.changeset c
 WHERE c.commit_seq IS NOT NULL
   AND c.commit_seq OPERATOR(pg_catalog.>)
	   coalesce((SELECT l.commit_seq FROM cfgmgr.changeset l WHERE l.id OPERATOR(pg_catalog.=) :'last'::bigint), 0)
   AND (NOT :'squash'::bool
		OR c.commit_seq OPERATOR(pg_catalog.=) (SELECT pg_catalog.max(m.commit_seq) FROM cfgmgr.changeset m))
 ORDER BY c.commit_seq;
SQL
	local id actor epoch message commit n=0 made=0
	while IFS= read -r -u 3 -d '' id && IFS= read -r -u 3 -d '' actor \
		&& IFS= read -r -u 3 -d '' epoch && IFS= read -r -u 3 -d '' message; do
		n=$((n + 1))
		fetch_tree "$id"
		write_tree || die "could not write the files of changeset $id into \"$DIR\""
		if [ "$(cat "$TMP/changed")" = 0 ]; then
			printf '%s\n' "$id" >"$DIR/.cfgmgr-changeset"
			continue
		fi
		if $SQUASH; then
			write_message "$id" "configuration as of changeset $id"
		else
			write_message "$id" "$message"
		fi
		commit=$(commit_tree "$id" "$actor" "$epoch" "$TMP/msg")
		if [ -n "$commit" ]; then
			made=$((made + 1))
			echo "changeset $id committed"
		fi
		cp "$TMP/names" "$TMP/prev_names"
		printf '%s\n' "$id" >"$DIR/.cfgmgr-changeset"
	done 3<"$TMP/pending"
	# the state file is the mirror's, not the configuration's
	if [ -d "$DIR/.git" ] && ! grep -qxF '/.cfgmgr-changeset' "$DIR/.git/info/exclude" 2>/dev/null; then
		mkdir -p "$DIR/.git/info" && echo '/.cfgmgr-changeset' >>"$DIR/.git/info/exclude"
	fi
	if [ "$n" -eq 0 ]; then
		echo "up to date (changeset $last)"
	else
		echo "$n changesets exported, $made commits"
	fi
}

# ---------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------
do_import() {
	[ -d "$DIR" ] || die "\"$DIR\" is not a directory"
	DIR=$(cd -- "$DIR" && pwd -P)
	db_check
	local files=() f d
	[ -f "$DIR/environments.yaml" ] && files+=(environments.yaml)
	for d in "$DIR"/*/; do
		[ -d "$d" ] || continue
		d=$(basename -- "$d")
		for f in "$DIR/$d"/*.yaml; do
			[ -f "$f" ] && files+=("$d/$(basename -- "$f")")
		done
	done
	[ ${#files[@]} -gt 0 ] || die "\"$DIR\" holds no configuration files (environments.yaml, ENV/SERVICE.yaml)"

	# the files as base64 COPY data: no byte of them is ever read as SQL
	{
		cat <<'SQL'
BEGIN;
CREATE TEMP TABLE cfgmgr_git_files (name text, body text) ON COMMIT DROP;
\copy cfgmgr_git_files FROM STDIN
SQL
		for f in "${files[@]}"; do
			iconv -f UTF-8 -t UTF-8 <"$DIR/$f" >/dev/null 2>&1 \
				|| die "file \"$f\" is not valid UTF-8"
			printf '%s\t%s\n' "$(printf '%s' "$f" | base64 -w0)" "$(base64 -w0 <"$DIR/$f")"
		done
		cat <<'SQL'
\.
SELECT cfgmgr.import_tree(pg_catalog.array_agg(pg_catalog.convert_from(pg_catalog.decode(f.name, 'base64'), 'UTF8') ORDER BY f.name),
						  pg_catalog.array_agg(pg_catalog.convert_from(pg_catalog.decode(f.body, 'base64'), 'UTF8') ORDER BY f.name),
						  replace => :'replace'::bool, message => NULLIF(:'message', ''))
  FROM cfgmgr_git_files f;
COMMIT;
SQL
	} >"$TMP/import.sql"
	if [ -z "$MESSAGE" ]; then
		MESSAGE="import of $DIR"
		local head
		if head=$(git -C "$DIR" rev-parse -q --verify HEAD 2>/dev/null); then
			MESSAGE="import of $DIR at Git commit $head"
		fi
	fi
	local out
	out=$(q -At -v replace="$REPLACE" -v message="$MESSAGE" -f "$TMP/import.sql") \
		|| die "import of \"$DIR\" failed; nothing was imported"
	if [ -n "$out" ]; then
		echo "$out"
	else
		echo "nothing changed" >&2
	fi
}

case "$CMD" in
	export) do_export ;;
	import) do_import ;;
esac
