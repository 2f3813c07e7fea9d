#!/usr/bin/env bash
# test/suites/yaml_encoding.sh - import_yaml, import_json and export_yaml in
# databases that are not UTF8.
#
# Run by scripts/test.sh with PGHOST/PGPORT/PGUSER of its throw-away cluster
# exported; to run it alone against any cluster you may create databases in:
#
#   PGHOST=... PGPORT=... PGUSER=postgres bash test/suites/yaml_encoding.sh
#
# Text in a UTF8 database cannot hold invalid UTF-8, so libyaml's own UTF-8
# checks are tested through a SQL_ASCII database, whose text is any bytes:
# invalid leading and trailing bytes, overlong forms, surrogates and code
# points past U+10FFFF must all be refused with CM013 and a position; an
# export of a string that is not valid UTF-8 is refused with 22021.  A
# LATIN1 database checks the conversions: documents are read and written
# as UTF-8 and converted, so non-ASCII text round-trips and positions count
# characters.
#
# Prints one line per check and as its last line "N passed, N failed".
# Exit status non-zero on a failure.
#
# Environment (all optional):
#   CFGMGR_EXTENSION   extension to create (default cfgmgr)
#   YAML_ENCODING_DB   prefix of the two database names (default cfgmgr_yaml_enc)
set -u

EXT=${CFGMGR_EXTENSION:-cfgmgr}
DB=${YAML_ENCODING_DB:-cfgmgr_yaml_enc}
passed=0
failed=0

source "$(dirname "$0")/lib/suite.sh"
check_names "CFGMGR_EXTENSION and YAML_ENCODING_DB" "$EXT$DB"
need psql

cleanup() {
	psql -X -q -d postgres -c "DROP DATABASE IF EXISTS ${DB}_ascii" -c "DROP DATABASE IF EXISTS ${DB}_latin1" >/dev/null 2>&1
}
trap cleanup EXIT

# check NAME EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
		printf 'ok      %s\n' "$1"
	else
		failed=$((failed + 1))
		printf 'FAIL    %s\n    expected: %s\n    got:      %s\n' "$1" "$2" "$3"
	fi
}
# q DB SQL: one value, client encoding UTF8
q() { PGCLIENTENCODING=UTF8 psql -X -q -At -v ON_ERROR_STOP=1 -d "$1" -c "$2" 2>&1; }

cleanup
psql -X -q -v ON_ERROR_STOP=1 -d postgres \
	-c "CREATE DATABASE ${DB}_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" \
	-c "CREATE DATABASE ${DB}_latin1 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0" >/dev/null \
	|| die "could not create the databases"
for d in "${DB}_ascii" "${DB}_latin1"; do
	psql -X -q -v ON_ERROR_STOP=1 -d "$d" <<SQL >/dev/null || die "could not set up $d"
CREATE EXTENSION $EXT;
SELECT cfgmgr.create_environment('e'), cfgmgr.create_environment('f'), cfgmgr.create_service('s');
-- "SQLSTATE|message" of the error a statement raises, or "ok"
CREATE FUNCTION err(stmt text) RETURNS text LANGUAGE plpgsql AS \$\$
DECLARE
	st text;
BEGIN
	EXECUTE stmt;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE;
	RETURN st || '|' || SQLERRM;
END
\$\$;
SQL
done

A="${DB}_ascii"
# In SQL_ASCII, E'\xNN' puts any byte into text.
check "SQL_ASCII: invalid leading byte" \
	'CM013|invalid YAML document at line 2, column 4: invalid leading UTF-8 octet' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: ok\nb: \\xff\n')\$\$)")"
check "SQL_ASCII: truncated sequence" \
	'CM013|invalid YAML document at line 2, column 8: invalid trailing UTF-8 octet' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: ok\nb: caf\\xc3\n')\$\$)")"
check "SQL_ASCII: overlong form" \
	'CM013|invalid YAML document at line 1, column 5: invalid length of a UTF-8 sequence' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: x\\xc0\\xaf\n')\$\$)")"
check "SQL_ASCII: UTF-16 surrogate" \
	'CM013|invalid YAML document at line 1, column 5: invalid Unicode character' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: x\\xed\\xa0\\x80\n')\$\$)")"
check "SQL_ASCII: beyond U+10FFFF" \
	'CM013|invalid YAML document at line 1, column 4: invalid Unicode character' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: \\xf4\\x90\\x80\\x80\n')\$\$)")"
check "SQL_ASCII: invalid byte in a key" \
	'CM013|invalid YAML document at line 1, column 1: invalid leading UTF-8 octet' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'\\x80: 1\n')\$\$)")"
check "SQL_ASCII: nothing was stored" "0" "$(q "$A" "SELECT count(*) FROM cfgmgr.entry")"
check "SQL_ASCII: valid UTF-8 imports" "ok" \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'a: caf\\xc3\\xa9\nb: [\"\\\\u00e9\"]\n')\$\$)")"
check "SQL_ASCII: and reads back" '"café"|["é"]' \
	"$(q "$A" "SELECT cfgmgr.get('e', 's', 'a')::text || '|' || cfgmgr.get('e', 's', 'b')::text")"
check "SQL_ASCII: export" 'a: café|b:|  - é|' \
	"$(q "$A" "SELECT replace(cfgmgr.export_yaml('e', 's', resolved => false), E'\n', '|')")"
check "SQL_ASCII: re-import changes nothing" "" \
	"$(q "$A" "SELECT cfgmgr.import_yaml('e', 's', cfgmgr.export_yaml('e', 's', resolved => false), replace => true)")"
q "$A" "SELECT cfgmgr.set('f', 's', 'bad', E'\"x\\xff\"'::jsonb)" >/dev/null
check "SQL_ASCII: exporting a string that is not UTF-8 is refused" \
	'22021|cannot export a string that is not valid UTF-8' \
	"$(q "$A" "SELECT err(\$\$SELECT cfgmgr.export_yaml('f', 's')\$\$)")"

L="${DB}_latin1"
check "LATIN1: import non-ASCII text" "ok" \
	"$(q "$L" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'city: Zürich\ndq: \"\\\\u00e9t\\\\u00e9\"\nlist: [ä, ö]\n')\$\$)")"
check "LATIN1: values" '"Zürich"|"été"|["ä", "ö"]' \
	"$(q "$L" "SELECT concat_ws('|', cfgmgr.get('e', 's', 'city'), cfgmgr.get('e', 's', 'dq'), cfgmgr.get('e', 's', 'list'))")"
check "LATIN1: stored in LATIN1" "6" \
	"$(q "$L" "SELECT octet_length(cfgmgr.get('e', 's', 'city') #>> '{}')")"
check "LATIN1: export" 'city: Zürich|dq: été|list:|  - ä|  - ö|' \
	"$(q "$L" "SELECT replace(cfgmgr.export_yaml('e', 's', resolved => false), E'\n', '|')")"
check "LATIN1: re-import changes nothing" "" \
	"$(q "$L" "SELECT cfgmgr.import_yaml('e', 's', cfgmgr.export_yaml('e', 's', resolved => false), replace => true)")"
check "LATIN1: positions count characters" \
	'CM013|invalid YAML document at line 1, column 11: duplicate key "x" (first at line 1, column 5)' \
	"$(q "$L" "SELECT err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'ä: {x: 1, x: 2}\n')\$\$)")"
check "LATIN1: JSON positions count characters" \
	'CM013|invalid JSON document at line 1, column 16: duplicate key "x" (first at line 1, column 8)' \
	"$(q "$L" "SELECT err(\$\$SELECT cfgmgr.import_json('e', 's', E'{\"ä\": {\"x\": 1, \"x\": 2}}')\$\$)")"
check "LATIN1: JSON import" "ok" \
	"$(q "$L" "SELECT err(\$\$SELECT cfgmgr.import_json('e', 's', E'{\"j\": \"\\\\u00fc \\\\u00c4\"}')\$\$)")"
check "LATIN1: JSON value" '"ü Ä"' "$(q "$L" "SELECT cfgmgr.get('e', 's', 'j')")"
check "LATIN1: a character LATIN1 cannot hold is refused" "22P05" \
	"$(q "$L" "SELECT split_part(err(\$\$SELECT cfgmgr.import_yaml('e', 's', E'euro: \"\\\\u20ac\"\n')\$\$), '|', 1)")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
