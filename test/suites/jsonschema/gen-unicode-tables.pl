#!/usr/bin/perl
# test/suites/jsonschema/gen-unicode-tables.pl - regenerate the Unicode tables
# of src/cfg_format.c from the Unicode Character Database that ships with
# Perl (Perl 5.36 on Debian 12: Unicode 14.0).
#
#   perl test/suites/jsonschema/gen-unicode-tables.pl src/cfg_format.c
#
# rewrites the region between the "BEGIN GENERATED UNICODE TABLES" and
# "END GENERATED UNICODE TABLES" lines of the named file in place.
#
# Tables (each a sorted array of uint32, code point in the high bits, so a
# binary search finds the entry covering any code point):
#   cfg_uni_gc      start << 5 | general category (CfgGc order below)
#   cfg_uni_sc      start << 8 | index into cfg_uni_scripts
#   cfg_uni_idna    start << 10 | IDNA2008 status (RFC 5892 derived
#                   property, computed here), bidi class (RFC 5893),
#                   joining type, virama flag (canonical combining class 9)
#   cfg_uni_hex, cfg_uni_ahex, cfg_uni_space: [lo, hi] pairs of the binary
#                   properties Hex_Digit, ASCII_Hex_Digit, White_Space
use strict;
use warnings;
use feature 'fc';
use Unicode::Normalize qw(NFKC);
use Unicode::UCD qw(prop_invmap prop_invlist prop_values prop_value_aliases);

my $file = shift or die "usage: $0 src/cfg_format.c\n";
my $MAX = 0x10FFFF;

# General categories in the order of the C enum CfgGc.
my @gc = qw(Lu Ll Lt Lm Lo Mn Mc Me Nd Nl No Pc Pd Ps Pe Pi Pf Po
			Sm Sc Sk So Zs Zl Zp Cc Cf Cs Co Cn);
my %gcidx;
@gcidx{@gc} = (0 .. $#gc);

# Value aliases of General_Category exactly as PropertyValueAliases.txt
# spells them (ECMA-262 matches them case-sensitively).
my @gcalias = (
	[qw(C Other)], [qw(Cc Control cntrl)], [qw(Cf Format)], [qw(Cn Unassigned)],
	[qw(Co Private_Use)], [qw(Cs Surrogate)], [qw(L Letter)], [qw(LC Cased_Letter)],
	[qw(Ll Lowercase_Letter)], [qw(Lm Modifier_Letter)], [qw(Lo Other_Letter)],
	[qw(Lt Titlecase_Letter)], [qw(Lu Uppercase_Letter)], [qw(M Mark Combining_Mark)],
	[qw(Mc Spacing_Mark)], [qw(Me Enclosing_Mark)], [qw(Mn Nonspacing_Mark)],
	[qw(N Number)], [qw(Nd Decimal_Number digit)], [qw(Nl Letter_Number)],
	[qw(No Other_Number)], [qw(P Punctuation punct)], [qw(Pc Connector_Punctuation)],
	[qw(Pd Dash_Punctuation)], [qw(Pe Close_Punctuation)], [qw(Pf Final_Punctuation)],
	[qw(Pi Initial_Punctuation)], [qw(Po Other_Punctuation)], [qw(Ps Open_Punctuation)],
	[qw(S Symbol)], [qw(Sc Currency_Symbol)], [qw(Sk Modifier_Symbol)],
	[qw(Sm Math_Symbol)], [qw(So Other_Symbol)], [qw(Z Separator)],
	[qw(Zl Line_Separator)], [qw(Zp Paragraph_Separator)], [qw(Zs Space_Separator)],
);
my %gcgroup = (
	C => [qw(Cc Cf Cn Co Cs)], L => [qw(Lu Ll Lt Lm Lo)], LC => [qw(Lu Ll Lt)],
	M => [qw(Mn Mc Me)], N => [qw(Nd Nl No)], P => [qw(Pc Pd Ps Pe Pi Pf Po)],
	S => [qw(Sm Sc Sk So)], Z => [qw(Zs Zl Zp)],
);

# property value per code point, from an inversion map
sub per_cp
{
	my ($prop) = @_;
	my ($l, $m) = prop_invmap($prop);
	my @a;
	for my $i (0 .. $#$l)
	{
		last if $l->[$i] > $MAX;
		my $e = $i < $#$l ? $l->[$i + 1] - 1 : $MAX;
		$e = $MAX if $e > $MAX;
		$a[$_] = $m->[$i] for $l->[$i] .. $e;
	}
	return @a;
}

# start << shift | value, one entry per run of equal values
sub runs
{
	my ($vals, $shift) = @_;
	my @out;
	my $prev = -1;
	for my $c (0 .. $MAX)
	{
		next if $vals->[$c] == $prev;
		push @out, ($c << $shift) | $vals->[$c];
		$prev = $vals->[$c];
	}
	return @out;
}

sub c_array
{
	my ($name, @v) = @_;
	my $s = "static const uint32 $name\[" . scalar(@v) . "] = {\n";
	for (my $i = 0; $i < @v; $i += 8)
	{
		my $last = $i + 7 < $#v ? $i + 7 : $#v;
		$s .= "\t" . join(", ", map { sprintf "0x%x", $_ } @v[$i .. $last]) . ",\n";
	}
	return $s . "};\n\n";
}

my $out = "";

# --- general category
my @gcv = map { $gcidx{$_ // 'Cn'} } per_cp("General_Category");
$out .= c_array("cfg_uni_gc", runs(\@gcv, 5));
$out .= "static const CfgUniName cfg_uni_gc_names[] = {\n";
for my $a (@gcalias)
{
	my $mask = 0;
	$mask |= 1 << $gcidx{$_} for @{$gcgroup{$a->[0]} // [$a->[0]]};
	$out .= sprintf "\t{\"%s\", 0x%08x},\n", $_, $mask for @$a;
}
$out .= "};\n\n";

# --- scripts
my @scripts = sort { $a eq 'Unknown' ? -1 : $b eq 'Unknown' ? 1 : $a cmp $b }
	map { (prop_value_aliases("sc", $_))[1] } prop_values("sc");
my %scidx;
@scidx{@scripts} = (0 .. $#scripts);
my @scv = map { $scidx{$_ // 'Unknown'} } per_cp("Script");
$out .= c_array("cfg_uni_sc", runs(\@scv, 8));
$out .= "static const CfgUniName cfg_uni_scripts[] = {\n";
for my $i (0 .. $#scripts)
{
	$out .= sprintf "\t{\"%s\", %d},\n", $_, $i for prop_value_aliases("sc", $scripts[$i]);
}
$out .= "};\n\n";
$out .= sprintf "#define CFG_SC_%s %d\n", uc($_), $scidx{$_} for qw(Greek Hebrew Hiragana Katakana Han);
$out .= "\n";

# --- IDNA2008 derived property (RFC 5892 section 3), bidi, joining type
my %exc;
$exc{$_} = 1 for 0xDF, 0x3C2, 0x6FD, 0x6FE, 0xF0B, 0x3007;
$exc{$_} = 3 for 0xB7, 0x375, 0x5F3, 0x5F4, 0x30FB, 0x660 .. 0x669, 0x6F0 .. 0x6F9;
$exc{$_} = 0 for 0x640, 0x7FA, 0x302E, 0x302F, 0x3031 .. 0x3035, 0x303B;
my @bidinames = qw(L R AL AN EN ES CS ET ON BN NSM);
my %bidiidx;
@bidiidx{@bidinames} = (0 .. $#bidinames);
my %jtidx = (U => 0, C => 1, D => 2, L => 3, R => 4, T => 5);
my @bc = per_cp("Bidi_Class");
my @jt = per_cp("Joining_Type");
my @ccc = per_cp("Canonical_Combining_Class");
my @idna;
for my $c (0 .. $MAX)
{
	my $ch = chr($c);
	my $st;
	if (exists $exc{$c}) { $st = $exc{$c} }
	elsif ($gcv[$c] == $gcidx{Cn}) { $st = 0 }
	elsif ($c == 0x2D || ($c >= 0x30 && $c <= 0x39) || ($c >= 0x61 && $c <= 0x7A)) { $st = 1 }
	elsif ($c == 0x200C || $c == 0x200D) { $st = 2 }
	elsif ($ch =~ /[\p{Cs}\p{Co}]/) { $st = 0 }
	elsif (NFKC(fc(NFKC($ch))) ne $ch) { $st = 0 }
	elsif ($ch =~ /[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Noncharacter_Code_Point}]/) { $st = 0 }
	elsif ($ch =~ /[\p{Blk=Combining_Diacritical_Marks_For_Symbols}\p{Blk=Musical_Symbols}\p{Blk=Ancient_Greek_Musical_Notation}]/) { $st = 0 }
	elsif ($ch =~ /[\p{Hangul_Syllable_Type=L}\p{Hangul_Syllable_Type=V}\p{Hangul_Syllable_Type=T}]/) { $st = 0 }
	elsif ($ch =~ /[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]/) { $st = 1 }
	else { $st = 0 }
	if ($st == 0)
	{
		$idna[$c] = 0;
		next;
	}
	my $b = $bidiidx{$bc[$c]} // 11;
	my $j = $jtidx{$jt[$c]} // 0;
	my $v = ($ccc[$c] eq 'Virama' || $ccc[$c] eq '9') ? 1 : 0;
	$idna[$c] = $st | ($b << 2) | ($j << 6) | ($v << 9);
}
$out .= c_array("cfg_uni_idna", runs(\@idna, 10));

# --- small binary properties, [lo, hi] pairs
for my $p (['Hex_Digit', 'hex'], ['ASCII_Hex_Digit', 'ahex'], ['White_Space', 'space'])
{
	my @l = prop_invlist($p->[0]);
	push @l, $MAX + 1 if @l % 2;
	my @pairs;
	for (my $i = 0; $i < @l; $i += 2) { push @pairs, $l[$i], $l[$i + 1] - 1 }
	$out .= c_array("cfg_uni_$p->[1]", @pairs);
}

# --- splice into the file
open(my $fh, '<', $file) or die "$file: $!\n";
my $text = do { local $/; <$fh> };
close $fh;
my $ver = Unicode::UCD::UnicodeVersion();
my $begin = "/* BEGIN GENERATED UNICODE TABLES";
my $end = "/* END GENERATED UNICODE TABLES */";
$text =~ s{\Q$begin\E.*?\Q$end\E}{$begin (Unicode $ver, by test/suites/jsonschema/gen-unicode-tables.pl) */\n\n$out$end}s
	or die "$file: no generated-tables markers\n";
open($fh, '>', $file) or die "$file: $!\n";
print $fh $text;
close $fh;
