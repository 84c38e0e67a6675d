#!/bin/sh
# Print compute/expected.json: the checksum compute-native prints for several n
# and for the default n. Usage: gen-expected.sh path/to/compute-native
set -eu
native=$1
line=$("$native")
default_n=$(printf '%s\n' "$line" | sed -n 's/^compute: n=\([0-9]*\) checksum=[0-9a-f]*$/\1/p')
[ -n "$default_n" ] || { echo "gen-expected: unexpected output: $line" >&2; exit 1; }
printf '{\n  "line_format": "compute: n=<n> checksum=<hex8>",\n  "default_n": %s,\n  "checksums": {\n' "$default_n"
first=1
for n in 0 1 2 3 5 10 "$default_n"; do
	out=$("$native" "$n")
	sum=$(printf '%s\n' "$out" | sed -n "s/^compute: n=$n checksum=\\([0-9a-f]\\{8\\}\\)\$/\\1/p")
	[ -n "$sum" ] || { echo "gen-expected: unexpected output for n=$n: $out" >&2; exit 1; }
	[ $first = 1 ] || printf ',\n'
	first=0
	printf '    "%s": "%s"' "$n" "$sum"
done
printf '\n  }\n}\n'
