#!/bin/sh
# Writes outcomes/expected-qemu/: for every mode, <mode>.txt is the guest's
# console under QEMU and status.txt has one line "<mode> <QEMU exit status>
# <run-qemu outcome>". Modes that never end under QEMU (halt: QEMU has no
# "halted" outcome; spin) are cut off by a 3 s timeout (status 124).
# Usage (from guests/): sh outcomes/gen-expected.sh
set -eu
cd "$(dirname "$0")/.."
dir=outcomes/expected-qemu
modes="triple halt reset reset92 spin exit3 sse x87 pvpanic-crash ud"
mkdir -p "$dir"
: > "$dir/status.txt.tmp"
for m in $modes; do
	status=0
	./run-qemu.sh -t 3 -a "mode=$m" outcomes/outcomes.elf < /dev/null > "$dir/$m.txt" 2> "$dir/err.tmp" || status=$?
	outcome=$(sed -n 's/^run-qemu: .*: outcome=\([^ ]*\) .*/\1/p' "$dir/err.tmp")
	echo "$m $status $outcome" >> "$dir/status.txt.tmp"
done
rm -f "$dir/err.tmp"
mv "$dir/status.txt.tmp" "$dir/status.txt"
