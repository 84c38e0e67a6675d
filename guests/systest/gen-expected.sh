#!/bin/sh
# Writes systest/expected-qemu.txt: systest's console (COM1) under QEMU, the
# reference machine. run-qemu.sh's stdout is exactly the guest's serial
# output (QEMU's own messages go to stderr). The guest runs twice, once with
# QEMU's real-time clock and once in its deterministic -icount mode; both must
# give the same bytes and end in exit(0), so the file cannot depend on timing.
# Usage (from guests/): sh systest/gen-expected.sh > systest/expected-qemu.txt
set -eu
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run() {
	status=0
	./run-qemu.sh -q -t 120 "$@" systest/systest.elf < /dev/null > "$tmp/out" || status=$?
	if [ "$status" != 1 ] || [ "$(tail -n 1 "$tmp/out")" != "systest: done" ]; then
		echo "gen-expected: systest under QEMU $* ended with status $status (want 1, exit(0)):" >&2
		tail -n 5 "$tmp/out" >&2
		exit 1
	fi
}

run
mv "$tmp/out" "$tmp/realtime"
run -i
if ! cmp -s "$tmp/realtime" "$tmp/out"; then
	echo "gen-expected: QEMU output differs between real-time and -icount runs:" >&2
	diff "$tmp/realtime" "$tmp/out" >&2 || true
	exit 1
fi
cat "$tmp/out"
