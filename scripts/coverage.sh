#!/usr/bin/env bash
# scripts/coverage.sh - line coverage per C file after a --coverage test run
# (called by scripts/test.sh --coverage; needs the .gcda files the server wrote).
set -u
cd "$(dirname "$0")/.."
total_l=0
total_h=0
printf '%-24s %8s %8s %7s\n' file lines covered percent
for c in src/*.c; do
	o=${c%.c}.o
	[ -f "${c%.c}.gcda" ] || { printf '%-24s (no data)\n' "$c"; continue; }
	out=$(gcov -n -o src "$c" 2>/dev/null | awk -v f="$c" '
		$0 ~ "^File .*"f"'"'"'" { want=1; next }
		want && /^Lines executed:/ { sub(/^Lines executed:/, ""); split($0, a, "% of "); print a[1], a[2]; exit }')
	pct=${out% *}
	lines=${out#* }
	hit=$(awk -v p="$pct" -v l="$lines" 'BEGIN { printf "%d", p * l / 100 + 0.5 }')
	total_l=$((total_l + lines))
	total_h=$((total_h + hit))
	printf '%-24s %8d %8d %6.2f%%\n' "$c" "$lines" "$hit" "$pct"
done
awk -v h="$total_h" -v l="$total_l" 'BEGIN { printf "%-24s %8d %8d %6.2f%%\n", "TOTAL", l, h, (l ? 100*h/l : 0) }'
