#!/usr/bin/env bash
# test/suites/git_mirror.sh - scripts/cfgmgr-git.sh end to end: a history
# of changesets (messages, two actors, a tag, a rollback, one changing no
# file) mirrored into Git, one commit per changeset that changed a file
# with its message, trailer, author and date; an incremental export; an
# older commit imported into a scratch database (and into the same one)
# restores that version; --squash; hostile file contents; bad inputs.
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away
# cluster exported; alone against any cluster you may create databases and
# roles in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/git_mirror.sh
#
# Environment (optional): CFGMGR_EXTENSION (default cfgmgr).  Uses the
# databases cfgmgr_git_mirror and cfgmgr_git_scratch and the role
# regress_git_alice, dropped at the end.  Prints "N passed, N failed" last;
# exit status non-zero on a failure.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
SCRIPT=$HERE/../../scripts/cfgmgr-git.sh
EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=cfgmgr_git_mirror
SCRATCH=cfgmgr_git_scratch
ROLE=regress_git_alice
passed=0
failed=0

source "$HERE/lib/suite.sh"
check_names CFGMGR_EXTENSION "$EXT"
need psql git

WORK=$(mktemp -d /tmp/cfgmgr-git-test.XXXXXX)
cleanup() {
	psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB" \
		-c "DROP DATABASE IF EXISTS $SCRATCH" -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT

ok() { # ok NAME: the last command succeeded
	passed=$((passed + 1))
	echo "ok - $1"
}
check() { # check NAME COMMAND...
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok - $name"
	else
		failed=$((failed + 1))
		echo "FAIL - $name"
	fi
}
same() { # same NAME EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		echo "ok - $1"
	else
		failed=$((failed + 1))
		printf 'FAIL - %s\n  expected: %s\n  actual:   %s\n' "$1" "$2" "$3"
	fi
}
q() { psql -X -q -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
qv() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
mirror() { PGDATABASE=$DB bash "$SCRIPT" "$@"; }

# A file per row of export_tree(...) under $1 (what a checkout must equal).
tree_files() { # tree_files DIR DATABASE [AS_OF]
	mkdir -p "$1"
	psql -X -q -At -z -0 -v ON_ERROR_STOP=1 -d "$2" -v as_of="${3:-}" <<'SQL' |
SELECT file, content FROM cfgmgr.export_tree(as_of => NULLIF(:'as_of', '')) ORDER BY file COLLATE "C";
SQL
		perl -e 'local $/ = "\0"; my @f = <STDIN>; chomp @f;
			for (my $i = 0; $i < @f; $i += 2) {
				my ($d) = $f[$i] =~ m{^([^/]+)/}; mkdir "$ARGV[0]/$d" if defined $d;
				open(my $h, ">:raw", "$ARGV[0]/$f[$i]") or die; print $h $f[$i + 1]; close $h;
			}' "$1"
}
# DIR's configuration files (not .git, not the state file) equal REF's?
same_tree() { # same_tree DIR REF
	diff -r -x .git -x .cfgmgr-changeset "$1" "$2" >/dev/null
}

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
	-c "DROP DATABASE IF EXISTS $DB" -c "DROP DATABASE IF EXISTS $SCRATCH" -c "DROP ROLE IF EXISTS $ROLE" \
	-c "CREATE DATABASE $DB" -c "CREATE DATABASE $SCRATCH" -c "CREATE ROLE $ROLE LOGIN SUPERUSER" >/dev/null \
	|| die "could not create the databases"
q -c "CREATE EXTENSION $EXT" >/dev/null || die "CREATE EXTENSION $EXT failed"
psql -X -q -d "$SCRATCH" -c "CREATE EXTENSION $EXT" >/dev/null || die "CREATE EXTENSION $EXT failed"

# ---------------------------------------------------------------------------
# a history
# ---------------------------------------------------------------------------
q >/dev/null <<'SQL' || die "could not write the history"
BEGIN;
SELECT cfgmgr.create_environment('base');
SELECT cfgmgr.create_environment('prod', 'base', is_production => true);
SELECT cfgmgr.create_environment('qa', 'base', labels => '{"team": "qa"}');
SELECT cfgmgr.create_service('billing');
SELECT cfgmgr.create_service('api');
COMMIT;
SELECT cfgmgr.set_many('base', 'billing', '{"db": {"host": "localhost", "port": 5432}, "log": "info"}',
					   message => E'base values\n\nThe defaults every environment inherits.');
SELECT cfgmgr.set('prod', 'billing', 'db.host', '"billing.rds.amazonaws.com"', provider => 'aws',
				  message => 'aws host');
SELECT cfgmgr.set('qa', 'api', 'url', '"http://qa"', message => 'qa api');
SELECT cfgmgr.tag('v1', 'first release');
SELECT cfgmgr.set('prod', 'billing', 'db.host', '"billing-2.rds.amazonaws.com"', provider => 'aws',
				  message => 'move the aws host');
-- the same value again: a changeset that changes no file
SELECT cfgmgr.set('base', 'billing', 'log', '"info"', message => 'no-op');
SQL
psql -X -q -v ON_ERROR_STOP=1 -d "$DB" -U "$ROLE" \
	-c "SELECT cfgmgr.set('prod', 'billing', 'db.pool', '20', message => E'pool for prod: quotes '' \" \\\\ \$HOME \`id\`')" >/dev/null \
	|| die "could not write as $ROLE"
q -c "SELECT cfgmgr.rollback('prod', 'v1', 'billing')" >/dev/null || die "rollback failed"
V1=$(qv -c "SELECT cfgmgr.version_changeset('v1')")

# ---------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------
R=$WORK/mirror
out=$(mirror export "$R" 2>&1)
check "export into a missing directory succeeds" test $? -eq 0
check "it became a Git repository" test -d "$R/.git"
# every committed changeset except the no-op changed a file
expected_ids=$(qv -c "SELECT string_agg(id::text, ' ' ORDER BY commit_seq) FROM cfgmgr.changeset
					   WHERE commit_seq IS NOT NULL AND coalesce(message, '') <> 'no-op'")
actual_ids=$(git -C "$R" log --reverse --format='%(trailers:key=Cfgmgr-Changeset,valueonly,separator=)' | tr '\n' ' ' | sed 's/ *$//')
same "one commit per changeset that changed a file, in commit order (Cfgmgr-Changeset trailers)" "$expected_ids" "$actual_ids"
first=$(qv -c "SELECT min(id) FROM cfgmgr.changeset")
same "commit messages are the changesets' messages, or \"changeset N\"" \
	"changeset $first|base values|aws host|qa api|move the aws host|pool for prod: quotes ' \" \\ \$HOME \`id\`|rollback of environment prod, service billing, to version v1 (changeset $V1)" \
	"$(git -C "$R" log --reverse --format=%s | paste -sd '|')"
same "a multi-line message keeps its body" "The defaults every environment inherits." \
	"$(git -C "$R" log --format=%b --grep='^base values' | sed -n 1p)"
same "authors are the changesets' actors" \
	"postgres <postgres@cfgmgr>|postgres <postgres@cfgmgr>|postgres <postgres@cfgmgr>|postgres <postgres@cfgmgr>|postgres <postgres@cfgmgr>|$ROLE <$ROLE@cfgmgr>|postgres <postgres@cfgmgr>" \
	"$(git -C "$R" log --reverse --format='%an <%ae>' | paste -sd '|')"
same "dates are the changesets' commit times" \
	"$(qv -c "SELECT string_agg(floor(extract(epoch FROM committed_at))::bigint::text, ' ' ORDER BY commit_seq)
			   FROM cfgmgr.changeset WHERE commit_seq IS NOT NULL AND coalesce(message, '') <> 'no-op'")" \
	"$(git -C "$R" log --reverse --format=%at | paste -sd ' ')"
same ".cfgmgr-changeset holds the newest changeset exported" \
	"$(qv -c "SELECT id FROM cfgmgr.changeset ORDER BY commit_seq DESC LIMIT 1")" "$(cat "$R/.cfgmgr-changeset")"
check "the state file is not committed" test -z "$(git -C "$R" status --porcelain)"
tree_files "$WORK/now" "$DB"
check "the working tree is export_tree() now" same_tree "$R" "$WORK/now"
commit_v1=$(git -C "$R" log --format=%H --grep="^Cfgmgr-Changeset: $V1\$")
same "the commit of a changeset holds export_tree as of it" \
	"$(qv -c "SELECT cfgmgr.export_yaml('prod', 'billing', 'aws', false, 'v1')")" \
	"$(git -C "$R" show "$commit_v1:prod/billing.aws.yaml")"
same "a second export finds nothing to do" "up to date (changeset $(cat "$R/.cfgmgr-changeset"))" "$(mirror export "$R")"

# ---------------------------------------------------------------------------
# incremental export
# ---------------------------------------------------------------------------
ncommits=$(git -C "$R" rev-list --count HEAD)
q >/dev/null <<'SQL' || die "could not write more changes"
SELECT cfgmgr.set('base', 'api', 'timeout', '30', message => 'api timeout');
SELECT cfgmgr.drop_environment('qa');
SQL
mirror export "$R" >/dev/null
check "an incremental export succeeds" test $? -eq 0
same "it adds one commit per new changeset" "$((ncommits + 2))" "$(git -C "$R" rev-list --count HEAD)"
check "the files of a dropped environment are removed" test ! -e "$R/qa"
same "and the removal is committed (with the tree)" "M environments.yaml|D qa/api.yaml" \
	"$(git -C "$R" show --format= --name-status HEAD | tr '\t' ' ' | paste -sd '|')"
rm -rf "$WORK/now"
tree_files "$WORK/now" "$DB"
check "the working tree is export_tree() now" same_tree "$R" "$WORK/now"

# ---------------------------------------------------------------------------
# restoring an older commit
# ---------------------------------------------------------------------------
git -C "$R" worktree add -q --detach "$WORK/old" "$commit_v1" || die "git worktree add failed"
cs=$(PGDATABASE=$SCRATCH bash "$SCRIPT" import "$WORK/old")
check "import of an older commit into a scratch database prints the changeset id" test -n "$cs"
tree_files "$WORK/scratch" "$SCRATCH"
tree_files "$WORK/asof" "$DB" v1
check "the scratch database now exports exactly that version" same_tree "$WORK/scratch" "$WORK/asof"
check "which is what the commit holds" same_tree "$WORK/old" "$WORK/asof"
same "importing it again changes nothing" "" "$(PGDATABASE=$SCRATCH bash "$SCRIPT" import "$WORK/old" 2>/dev/null)"
cs=$(mirror import "$WORK/old")
check "restoring the version into the live database" test -n "$cs"
same "its values are those of the version" \
	"$(qv -c "SELECT string_agg(file || content, '' ORDER BY file) FROM cfgmgr.export_tree(as_of => 'v1') WHERE file <> 'environments.yaml'")" \
	"$(qv -c "SELECT string_agg(file || content, '' ORDER BY file) FROM cfgmgr.export_tree() WHERE file <> 'environments.yaml'")"
same "the import's message names the commit" "import of $WORK/old at Git commit $commit_v1" \
	"$(qv -c "SELECT message FROM cfgmgr.changeset WHERE id = $cs")"
mirror export "$R" >/dev/null
same "the restore is mirrored as one more commit" "$cs" \
	"$(git -C "$R" log -1 --format='%(trailers:key=Cfgmgr-Changeset,valueonly,separator=)')"
git -C "$R" worktree remove --force "$WORK/old"

# ---------------------------------------------------------------------------
# --squash
# ---------------------------------------------------------------------------
out=$(mirror export "$WORK/squash" --squash)
check "--squash succeeds" test $? -eq 0
same "--squash makes one commit" 1 "$(git -C "$WORK/squash" rev-list --count HEAD)"
rm -rf "$WORK/now"
tree_files "$WORK/now" "$DB"
check "holding the current state" same_tree "$WORK/squash" "$WORK/now"
# (base/api.yaml went with the restore of v1)
same "--env: one environment's files" "base/billing.yaml environments.yaml" \
	"$(mirror export "$WORK/env" --env base --squash >/dev/null && git -C "$WORK/env" ls-files | paste -sd ' ')"

# ---------------------------------------------------------------------------
# hostile contents travel as data
# ---------------------------------------------------------------------------
mkdir -p "$WORK/hostile/prod"
printf '%s\n' "note: \"'); DROP TABLE cfgmgr.entry; --\"" 'dollar: "$x$ :'"'"'message'"'"' \\."' \
	'quote: '"'"'it'"''"'s'"'" 'tab: "a\tb"' >"$WORK/hostile/prod/billing.yaml"
cp "$R/environments.yaml" "$WORK/hostile/"
PGDATABASE=$SCRATCH bash "$SCRIPT" import "$WORK/hostile" --no-replace >/dev/null
check "a file of SQL-looking text imports" test $? -eq 0
same "as plain values" \
	"{\"tab\": \"a\\tb\", \"note\": \"'); DROP TABLE cfgmgr.entry; --\", \"quote\": \"it's\", \"dollar\": \"\$x\$ :'message' \\\\.\"}" \
	"$(psql -X -At -d "$SCRATCH" -c "SELECT cfgmgr.resolve('prod', 'billing') - '{db,log}'::text[]")"

# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
mkdir -p "$WORK/other" && echo hello >"$WORK/other/notes.txt"
err=$(mirror export "$WORK/other" 2>&1)
check "a non-empty directory that is not a Git working tree is refused (exit 1)" test $? -eq 1
check "with a clear message" grep -q 'is neither empty nor the top of a Git working tree' <<<"$err"
err=$(PGDATABASE=$DB bash "$SCRIPT" -d "host=$WORK port=1" export "$WORK/x" 2>&1)
check "a connection failure is an error (exit 1)" test $? -eq 1
check "saying so" grep -q 'could not connect to the database' <<<"$err"
err=$(PGDATABASE=$DB bash "$SCRIPT" -d "host=$WORK port=1" import "$R" 2>&1)
check "for import too" grep -q 'could not connect to the database' <<<"$err"
cp -r "$R" "$WORK/broken" && rm -rf "$WORK/broken/.git"
printf 'db:\n  host: [unclosed\n' >"$WORK/broken/prod/billing.yaml"
echo 'a: 1' >"$WORK/broken/base/billing.yaml"
err=$(mirror import "$WORK/broken" 2>&1)
check "an invalid file fails the import (exit 1)" test $? -eq 1
check "naming the file, with line and column" grep -q 'file "prod/billing.yaml": invalid YAML document at line' <<<"$err"
same "and nothing is imported" "$(cat "$WORK/now/base/billing.yaml")" \
	"$(qv -c "SELECT cfgmgr.export_yaml('base', 'billing', resolved => false)")"
printf 'x: 1\n' >"$WORK/broken/prod/billing.nosuch.yaml"
err=$(mirror import "$WORK/broken" 2>&1)
check "an unknown provider in a file name is refused" grep -q 'provider "nosuch" does not exist' <<<"$err"
err=$(mirror import "$WORK/nowhere" 2>&1)
check "import of a missing directory is an error" grep -q 'is not a directory' <<<"$err"
mkdir -p "$WORK/empty"
err=$(mirror import "$WORK/empty" 2>&1)
check "import of a directory without configuration files is an error" grep -q 'holds no configuration files' <<<"$err"
err=$(mirror export "$WORK/y" --env nosuch 2>&1)
check "--env of an unknown environment is an error" grep -q 'environment "nosuch" does not exist' <<<"$err"
mirror frobnicate "$WORK" >/dev/null 2>&1
check "an unknown command is a usage error (exit 2)" test $? -eq 2
mirror import "$WORK/empty" --squash >/dev/null 2>&1
check "an option of the other command is a usage error (exit 2)" test $? -eq 2
echo 'hand: edit' >>"$R/base/billing.yaml"
err=$(mirror export "$R" 2>&1)
check "hand edits of tree files in the mirror are refused" grep -q 'has uncommitted changes to configuration files' <<<"$err"
git -C "$R" checkout -q -- base/billing.yaml
printf '999999999\n' >"$R/.cfgmgr-changeset"
err=$(mirror export "$R" 2>&1)
check "a mirror of another database is refused" grep -q 'which this database does not have' <<<"$err"
printf 'not a number\n' >"$R/.cfgmgr-changeset"
err=$(mirror export "$R" 2>&1)
check "a damaged state file is reported" grep -q 'does not hold a changeset id' <<<"$err"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
