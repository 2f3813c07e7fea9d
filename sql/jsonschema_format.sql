--
-- JSON Schema "format" assertions and ECMA-262 "pattern" translation
-- (src/cfg_format.c), through cfgmgr.is_valid
--
\set VERBOSITY terse
SET cfgmgr.schema_format_assert = on;

CREATE FUNCTION pg_temp.fmt(f text, v text) RETURNS bool
LANGUAGE sql AS $$ SELECT cfgmgr.is_valid(jsonb_build_object('format', f), to_jsonb(v)) $$;
CREATE FUNCTION pg_temp.pat(p text, v text) RETURNS bool
LANGUAGE sql AS $$ SELECT cfgmgr.is_valid(jsonb_build_object('pattern', p), to_jsonb(v)) $$;
-- a value as shown below: controls, invisible Latin-1 characters and code
-- points from U+02B0 on as \uXXXX; long values cut
CREATE FUNCTION pg_temp.show(v text) RETURNS text
LANGUAGE sql AS $$
SELECT CASE WHEN length(x) > 48 THEN left(x, 36) || '...(' || length(v) || ' chars)' ELSE x END
FROM (SELECT coalesce(string_agg(
		CASE WHEN ascii(c) < 32 OR ascii(c) BETWEEN 127 AND 160 OR ascii(c) = 173 OR ascii(c) >= 688
			 THEN CASE WHEN ascii(c) > 65535 THEN format('\U%s', lpad(to_hex(ascii(c)), 8, '0'))
					   ELSE format('\u%s', lpad(to_hex(ascii(c)), 4, '0')) END
			 ELSE c END, '' ORDER BY n), '') AS x
	  FROM regexp_split_to_table(v, '') WITH ORDINALITY AS t(c, n) WHERE c <> '') y
$$;
-- why a pattern is refused (the error detail after its fixed prefix), or 'ok'
CREATE FUNCTION pg_temp.pat_error(p text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	detail text;
	prefix text := format('At "/pattern": invalid regular expression "%s": ', p);
BEGIN
	PERFORM cfgmgr.is_valid(jsonb_build_object('pattern', p), '""');
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN CASE WHEN starts_with(detail, prefix) THEN substr(detail, length(prefix) + 1) ELSE detail END;
END
$$;

--
-- Unknown formats pass; known formats only look at strings
--
SELECT pg_temp.fmt('no-such-format', 'x') AS unknown,
	   cfgmgr.is_valid('{"format": "ipv4"}', '42') AS number,
	   cfgmgr.is_valid('{"format": "ipv4"}', '"1.2.3.4"') AS ipv4_ok,
	   cfgmgr.is_valid('{"format": "ipv4"}', '"1.2.3"') AS ipv4_bad;

--
-- Dates and times (RFC 3339)
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('date', '2020-02-29'), ('date', '2021-02-29'), ('date', '1900-02-29'),
	('date', '2000-02-29'), ('date', '2020-13-01'), ('date', '2020-00-10'),
	('date', '2020-04-31'), ('date', '2020-1-01'), ('date', '2020/01/01'),
	('time', '23:59:60Z'), ('time', '23:59:60+00:00'), ('time', '00:29:60-23:30'),
	('time', '12:00:60Z'), ('time', '12:00:00.5z'), ('time', '12:00:00.Z'),
	('time', '12:00:00'), ('time', '12:00:00+0100'), ('time', '24:00:00Z'),
	('time', '12:00:00+24:00'), ('time', '12:00:00Zx'),
	('date-time', '2020-02-29T12:00:00Z'), ('date-time', '2020-02-29t12:00:00.123456789+05:45'),
	('date-time', '2020-02-29 12:00:00Z'), ('date-time', '2020-02-29T'),
	('date-time', '1998-12-31T15:59:60-08:00'), ('date-time', '1998-12-31T15:59:60+08:00')
) t(f, v);

SELECT pg_temp.show(v) AS v, pg_temp.fmt('duration', v) FROM (VALUES
	('P1Y2M3DT4H5M6S'), ('P3W'), ('PT1M'), ('P1M'), ('P1DT1S'), ('PT0S'),
	('P'), ('PT'), ('P1YT'), ('P1Y1D'), ('PT1H1S'), ('P1W1D'), ('P1D2Y'),
	('PTT1H'), ('P1.5D'), ('p1D'), ('P1'), ('P٣D')
) t(v);

--
-- IP addresses
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('ipv4', '0.0.0.0'), ('ipv4', '255.255.255.255'), ('ipv4', '256.0.0.1'),
	('ipv4', '01.2.3.4'), ('ipv4', '1.2.3.4.'), ('ipv4', '1.2.3.1234'), ('ipv4', '1..3.4'),
	('ipv6', '::'), ('ipv6', '::1'), ('ipv6', '1::'), ('ipv6', '1:2:3:4:5:6:7:8'),
	('ipv6', '1:2:3:4:5:6:7::'), ('ipv6', '1:2:3:4:5:6:7:8:9'), ('ipv6', '1::2::3'),
	('ipv6', '::ffff:1.2.3.4'), ('ipv6', '1:2:3:4:5:6:1.2.3.4'), ('ipv6', '1:2:3:4:5:6:7:1.2.3.4'),
	('ipv6', '::1.2.3'), ('ipv6', '12345::'), ('ipv6', ':1:2'), ('ipv6', '1:'),
	('ipv6', '1:2'), ('ipv6', 'fe80::1%eth0'), ('ipv6', ':::')
) t(f, v);

--
-- Host names: LDH labels, A-labels decoded and checked as U-labels
-- (IDNA2008: RFC 5891-5893), U-labels for idn-hostname
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('hostname', 'example.com'), ('hostname', 'EXAMPLE.com'), ('hostname', 'a'),
	('hostname', 'a-'), ('hostname', '-a'), ('hostname', 'a_b'), ('hostname', 'a..b'),
	('hostname', 'a.'), ('hostname', ''), ('hostname', repeat('a', 63) || '.com'),
	('hostname', repeat('a', 64) || '.com'), ('hostname', repeat('abcdefg.', 31) || 'abcd'),
	('hostname', repeat('abcdefg.', 31) || 'abcde'), ('hostname', repeat('abcdefg.', 31) || 'abcdef'),
	('hostname', 'xn--bcher-kva.example'), ('hostname', 'XN--BCHER-KVA.example'),
	('hostname', 'xn--bcher-kvb.example'), ('hostname', 'xn--bcher.example'),
	('hostname', 'xn--.example'), ('hostname', 'xn--a.example'), ('hostname', 'xn--99999999999a'),
	('hostname', 'xn--zzzzzz'), ('hostname', 'xn--en32g'), ('hostname', 'xn--dn32g'),
	('hostname', 'xn--a-ecp.ru'), ('hostname', 'bücher.example'),
	('hostname', 'xn--4db.xn--4db'), ('hostname', '1a.xn--4db'),
	('idn-hostname', 'bücher.example'), ('idn-hostname', 'Bücher.example'),
	('idn-hostname', 'ü' || repeat('a', 55)), ('idn-hostname', 'ü' || repeat('a', 56)),
	('idn-hostname', 'ü' || repeat('a', 10000)),
	('idn-hostname', 'a' || U&'\3002' || 'b'), ('idn-hostname', 'a' || U&'\FF0E'),
	('idn-hostname', U&'\0301a'), ('idn-hostname', 'ab--c'), ('idn-hostname', 'üb--c'),
	('idn-hostname', U&'\05D0\05D1'), ('idn-hostname', U&'\05D0\0030'),
	('idn-hostname', U&'\05D0a'), ('idn-hostname', U&'\05D0\0300'),
	('idn-hostname', U&'\05D0-'), ('idn-hostname', U&'a\05D0'), ('idn-hostname', U&'\0030\05D0'),
	('idn-hostname', 'a1.' || U&'\05D0'), ('idn-hostname', 'a-b.' || U&'\05D0'),
	('idn-hostname', U&'a\02B9'), ('idn-hostname', U&'a\02B9.\05D0'),
	('idn-hostname', U&'\0627\0661\06F1'), ('idn-hostname', U&'\05D0\0661\0030')
) t(f, v);

-- contextual rules (RFC 5892 appendix A)
SELECT pg_temp.show(v) AS v, pg_temp.fmt('idn-hostname', v) FROM (VALUES
	(U&'l\00B7l'), (U&'l\00B7a'), (U&'\00B7l'), (U&'\03B1\0375\03B2'), (U&'\03B1\0375a'),
	(U&'\0375'), (U&'\05D0\05F3'), (U&'a\05F4\05D0'), (U&'\30FB\3041'), (U&'\30FB\30A1'),
	(U&'\30FB\4E08'), (U&'a\30FB'), (U&'\0628\0660'), (U&'\0628\0660\06F0'),
	(U&'\06F0\0660'), (U&'\0915\094D\200D\0937'), (U&'\0915\200D\0937'),
	(U&'\0628\064A\200C\0628\064A'), (U&'\0628\064B\200C\064B\0628'), (U&'a\200Cb'),
	(U&'\0628\200C'), (U&'\200C\0628'), (U&'\0628\200Ca'), (U&'\3031a'), (U&'a\00DFb')
) t(v);

--
-- E-mail addresses (RFC 5321, RFC 6531)
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('email', 'joe@example.com'), ('email', 'a.b+c@example.com'), ('email', '.a@example.com'),
	('email', 'a.@example.com'), ('email', 'a..b@example.com'), ('email', '@example.com'),
	('email', 'joe'), ('email', 'joe@'), ('email', 'joe@-example.com'),
	('email', '"joe bloggs"@example.com'), ('email', '"joe\"q"@example.com'),
	('email', '"joe"x@example.com'), ('email', '"unterminated@example.com'),
	('email', '"a\'), ('email', '"tab' || chr(9) || '"@example.com'),
	('email', '"déjà"@example.com'), ('email', 'déjà@example.com'),
	('email', 'joe@[127.0.0.1]'), ('email', 'joe@[IPv6:::1]'), ('email', 'joe@[IPv6:1.2.3.4]'),
	('email', 'joe@[IPv7:::1]'), ('email', 'joe@[127.0.0.1'), ('email', 'joe@[]'),
	('email', repeat('a', 64) || '@example.com'), ('email', repeat('a', 65) || '@example.com'),
	('idn-email', 'déjà@example.com'), ('idn-email', '"déjà vu"@example.com'),
	('idn-email', repeat('é', 32) || '@example.com'), ('idn-email', repeat('é', 33) || '@example.com'),
	('idn-email', 'joe@bücher.example'), ('idn-email', 'joe@xn--X')
) t(f, v);

--
-- URIs and IRIs (RFC 3986, RFC 3987)
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('uri', 'https://user:pw@example.com:8080/a/b?q=1&r=%20#frag'), ('uri', 'urn:isbn:0451450523'),
	('uri', 'mailto:joe@example.com'), ('uri', 'http://[::1]:80/'), ('uri', 'http://[v1.x:y]/'),
	('uri', 'http://[vz.x]/'), ('uri', 'http://[v1.a%b]/'), ('uri', 'http://[v1.]/'), ('uri', 'http://[v1x]/'),
	('uri', 'http://[::1'), ('uri', 'http://[::1]x/'), ('uri', 'http://[1.2.3.4]/'),
	('uri', 'http://a:b@c:d@e/'), ('uri', 'http://a b/'), ('uri', 'http://host:12a/'),
	('uri', 'http://host:/'), ('uri', 'http://h/%zz'), ('uri', 'http://h/%4'), ('uri', 'http://h/?a=%'),
	('uri', 'http://h/#a#b'), ('uri', 'http://h/?q#f?/:@'), ('uri', 'a+b-c.d:x'),
	('uri', 'http://h/ä'), ('uri', 'a:b' || chr(127)), ('uri', '1a:b'), ('uri', '//h/p'),
	('uri-reference', ''), ('uri-reference', '#'), ('uri-reference', '?'), ('uri-reference', 'a/b:c'),
	('uri-reference', 'a:b/c'), ('uri-reference', ':a'), ('uri-reference', '/a:b'),
	('uri-reference', '//u@[::1]:1/p?q#f'), ('uri-reference', '//h:x'),
	('iri', 'http://bücher.example/ä?ö#ü'), ('iri', 'http://h/?' || U&'\E000'),
	('iri', 'http://h/' || U&'\E000'), ('iri', 'http://h/' || U&'\+0E0100'),
	('iri', 'http://h/' || U&'\+01FFFE'), ('iri', 'http://h/' || U&'\FFF0'),
	('iri', 'http://ü@h/'), ('iri-reference', 'ä/ö'), ('iri-reference', 'ä:ö')
) t(f, v);

--
-- URI templates (RFC 6570)
--
SELECT pg_temp.show(v) AS v, pg_temp.fmt('uri-template', v) FROM (VALUES
	('http://example.com/{x}'), ('{+path}/here'), ('{#frag}'), ('{.a,b}'), ('{/a*}'),
	('{;x:5}'), ('{?x,y}'), ('{&z}'), ('{=x}'), ('{a.b.c}'), ('{a%20b}'), ('{x:9999}'),
	('{x:10000}'), ('{x:0}'), ('{x:}'), ('{a.}'), ('{.}'), ('{a%2}'), ('{a-b}'), ('{x'),
	('{x*y}'), ('x}'), ('a%2'), ('a%2Fb'), ('a b'), ('a"b'), ('ä{x}'), ('a' || U&'\E000'),
	('a' || chr(127)), ('a' || U&'\FFFF')
) t(v);

--
-- JSON pointers, UUIDs
--
SELECT f, pg_temp.show(v) AS v, pg_temp.fmt(f, v) FROM (VALUES
	('json-pointer', ''), ('json-pointer', '/'), ('json-pointer', '/a~0b~1c'),
	('json-pointer', '/a~'), ('json-pointer', '/a~2'), ('json-pointer', 'a'),
	('relative-json-pointer', '0'), ('relative-json-pointer', '10/a'),
	('relative-json-pointer', '2#'), ('relative-json-pointer', '01'),
	('relative-json-pointer', '#'), ('relative-json-pointer', '1#a'),
	('relative-json-pointer', '1a'), ('relative-json-pointer', '1/~'),
	('uuid', '2eb8aa08-aa98-11ea-b4aa-73b441d16380'), ('uuid', '2EB8AA08-AA98-11EA-B4AA-73B441D16380'),
	('uuid', '2eb8aa08-aa98-11ea-b4aa-73b441d1638'), ('uuid', '2eb8aa08aa98-11ea-b4aa-73b441d163800'),
	('uuid', '2eb8aa08-aa98-11ea-b4aa-73b441d1638g')
) t(f, v);

--
-- format "regex": a valid ECMA-262 (unicode mode) regular expression
--
SELECT v, pg_temp.fmt('regex', v) FROM (VALUES
	('^[a-z]+$'), ('(?<name>x)\k<name>'), ('(?<=a+)b'), ('[]'), ('[^]'), ('\cA'),
	('\a'), ('(?i)abc'), ('(?P<n>x)'), ('^(abc]'), ('a{2,1}'), ('a**')
) t(v);

--
-- Patterns: ECMA-262 semantics on PostgreSQL's regex engine
--
-- unanchored search, anchors at the ends of the string only
SELECT p, pg_temp.show(v) AS v, pg_temp.pat(p, v) FROM (VALUES
	('b', 'abc'), ('^b', 'abc'), ('c$', 'abc'), ('^abc$', E'abc\n'), ('^a$', E'a\nb'),
	('a.c', 'abc'), ('a.c', E'a\nc'), ('a.c', E'a\rc'), ('a.c', U&'a\2028c'), ('a.c', U&'a\0085c'),
	('^.$', '🐲'), ('^🐲+$', '🐲🐲'), ('^[🐲-🐳]$', '🐳'), ('^\u{1F432}$', '🐲'),
	('^\uD83D\uDC32$', '🐲'), ('^\uD83D\u0041$', 'A'), ('^\x41\u0042\u{43}', 'ABC'),
	('^\t\n\v\f\r$', E'\t\n\x0b\x0c\r'), ('^\cJ\cj$', E'\n\n'),
	('^\/\^\$\\\.\*\+\?\(\)\[\]\{\}\|$', '/^$\.*+?()[]{}|'),
	('a\0', 'a'), ('^[\0a]$', 'a'), ('^[\0]?$', ''), ('a[\0]b', 'ab')
) t(p, v);

-- ECMA-262 classes: \d \w ASCII only, \s with Unicode spaces, \b on ASCII words
SELECT p, pg_temp.show(v) AS v, pg_temp.pat(p, v) FROM (VALUES
	('^\d$', '5'), ('^\d$', '٥'), ('^\D$', '٥'), ('^\w$', '_'), ('^\w$', 'é'), ('^\W$', 'é'),
	('^\s$', U&'\00A0'), ('^\s$', U&'\FEFF'), ('^\s$', U&'\3000'), ('^\s$', U&'\2029'),
	('^\s$', U&'\200B'), ('^\S$', U&'\200B'), ('^[\S]$', ' '), ('^[^\s]$', 'x'),
	('\bfoo\b', 'a foo b'), ('\bfoo\b', 'afoo'), ('\bfoo', 'éfoo'), ('\Boo', 'foo'), ('\Bfoo', ' foo'),
	('^[\d-]+$', '1-2'), ('^[-\d]+$', '-1'), ('^[\w.]+$', 'a.b'), ('^[\b]$', chr(8)),
	('^[\-]$', '-'), ('^[a-]$', '-'), ('^[^a-c]$', 'd'), ('^[^a-c]$', 'b'), ('^[]$', ''),
	('^[]?$', ''), ('^[^]$', E'\n'), ('^[\]\\\^]+$', ']\^'), ('^[\u0041-\u{5A}]+$', 'AZ'),
	('^[\cA-\cZ]$', chr(2)), ('[\x00-\x1f]', 'a')
) t(p, v);

-- Unicode properties
SELECT p, pg_temp.show(v) AS v, pg_temp.pat(p, v) FROM (VALUES
	('^\p{L}+$', 'Ωmega'), ('^\p{Letter}+$', '1'), ('^\p{Lu}$', 'É'), ('^\p{Lu}$', 'é'),
	('^\P{Lu}$', 'é'), ('^\p{Ll}$', 'é'), ('^\p{Nd}$', '٣'), ('^\p{digit}$', '৪'),
	('^\p{N}$', '½'), ('^\p{gc=Zs}$', U&'\2003'), ('^\p{General_Category=P}$', '¿'),
	('^\p{LC}$', 'ǅ'), ('^\p{Cn}$', U&'\0378'), ('^\p{C}$', U&'\0378'), ('^\p{Co}$', U&'\E000'),
	('^\p{Script=Greek}+$', 'αβγ'), ('^\p{sc=Grek}$', 'a'), ('^\p{sc=Cyrl}$', 'ж'),
	('^\P{sc=Latn}$', 'ж'), ('^\p{Any}$', '🐲'), ('^\p{ASCII}$', 'é'), ('^\p{ASCII}$', '~'),
	('^\p{Assigned}$', 'a'), ('^\p{Assigned}$', U&'\0378'), ('^\p{AHex}+$', 'beef'),
	('^\p{Hex_Digit}$', U&'\FF21'), ('^\p{White_Space}$', U&'\0085'), ('^\p{space}$', 'x'),
	('^[\p{L}\d]+$', 'a1'), ('^[^\P{L}]$', 'a'), ('^[^\P{L}]$', '1')
) t(p, v);

-- groups, back references, lookaround, quantifiers
SELECT p, pg_temp.show(v) AS v, pg_temp.pat(p, v) FROM (VALUES
	('^(a|b)\1$', 'aa'), ('^(a|b)\1$', 'ab'), ('^(?<x>a|b)\k<x>$', 'bb'), ('^(?:ab)+$', 'abab'),
	('^(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10$', 'abcdefghijj'), ('^(a)\1[0]$', 'aa0'),
	('^\2(a)(b)$', 'ab'), ('^(a\1)$', 'a'), ('^(?=(a))(a)\2$', 'aa'), ('^(?=a)\w+$', 'abc'),
	('^(?!a)\w+$', 'abc'), ('(?<=a)b', 'ab'), ('(?<=a)b', 'cb'), ('(?<!a)b', 'cb'),
	('^a{3}$', 'aaa'), ('^a{3}$', 'aaaa'), ('^a{2,}$', 'aaaaa'), ('^a{1,2}$', 'aaa'),
	('^a+?$', 'aaa'), ('^a*?b??c{1,3}?$', 'ac'), ('^a{300}$', repeat('a', 300)),
	('^a{300}$', repeat('a', 299)), ('^a{256,}$', repeat('a', 1000)), ('^a{256,}$', repeat('a', 255)),
	('^a{2,600}$', repeat('a', 600)), ('^a{2,600}$', repeat('a', 601)), ('^a{0,510}$', repeat('a', 510)),
	('^(?:ab){300}$', repeat('ab', 300)), ('^(?:ab){0,255}$', repeat('ab', 255)), ('a||b', 'x'),
	('^(|a)$', ''), ('^(a|)+$', 'aa')
) t(p, v);
-- nesting: 499 groups are fine, 500 are refused (below)
SELECT pg_temp.pat(repeat('(', 499) || 'a' || repeat(')', 499), 'a') AS nested_499;

-- invalid patterns: the schema is refused, with the reason
\set VERBOSITY default
SELECT cfgmgr.is_valid('{"pattern": "a{2,1}"}', '"a"');
\set VERBOSITY terse
SELECT pg_temp.show(p) AS p, pg_temp.pat_error(p) FROM (VALUES
	('*a'), ('a**'), ('a{,2}'), ('a{2'), ('a{2,x}'), ('a{3,2}'), ('^*'), ('\b+'), ('(?=a)*'),
	('(?<!a){2}'), (']'), ('}'), ('{'), ('(a'), ('a)'), ('(?i)a'), ('(?P<n>a)'), ('(?#c)'),
	('\'), ('\a'), ('\-'), ('\1'), ('(a)\2'), ('\00'), ('\c1'), ('\c'), ('\x4'), ('\xg0'), ('\u12'),
	('\u{}'), ('\u{110000}'), ('\u{41'), ('\x{41}'), ('\k<a>'), ('(?<a>x)\k<b>'), ('(?<a>x)\k'), ('(?<a>x)\ka'),
	('(?<a>x)\k<a'), ('(?<'), ('(?<1a>x)'), ('(?<>x)'), ('(?<a b>x)'), ('(?<a>x)(?<a>y)'),
	('(?<é_1$>x)\k<é_1$>'), ('(?<a' || U&'\0301\0663' || '>x)'),
	('[a'), ('[\d-z]'), ('[a-\d]'), ('[z-a]'), ('[\B]'), ('[\1]'), ('[\k<a>]'),
	('\p'), ('\p{'), ('\p{L'), ('\pL'), ('\p{Foo}'), ('\p{L-u}'), ('\p{Script=Foo}'),
	('\p{Script_Extensions=Latin}'), ('\p{gc=Foo}'), ('\p{gc=Assigned}'), ('\p{Foo=L}'), ('\p{Alphabetic}'),
	('\p{' || repeat('L', 70) || '}'), ('(?=(a))\1'), ('(a)(?=\1)'), ('(a){256}'), ('a{65026}'),
	('a{99999999999}'), ('(?:(?:(?:a{255}){255}){255}){255}'), (repeat('(', 500) || repeat(')', 500)),
	(repeat('(?:', 20) || 'a' || repeat('){300}', 20))
) t(p);

-- the regex engine gives up when the statement is cancelled
SET statement_timeout = '200ms';
SELECT pg_temp.pat('^(a*)(a*)(a*)(a*)\1\2\3\4$', repeat('a', 401));
RESET statement_timeout;
