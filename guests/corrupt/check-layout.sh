#!/bin/sh
# Check the layout the corrupt guest's bug depends on, from the image's symbol
# table: `slots` and `guard` are 4-aligned data objects, guard is 4 bytes, and
# guard starts exactly where slots ends (so slots[NSLOTS] is guard).
# usage: sh corrupt/check-layout.sh corrupt/corrupt.elf
set -eu
img=${1:-corrupt/corrupt.elf}
NM=${NM:-nm}
# nm -S: "<value> <size> <type> <name>"
line() { "$NM" -S "$img" | awk -v n="$1" '$4 == n { print; found = 1 } END { if (!found) exit 1 }'; }
slots=$(line slots) || { echo "check-layout: $img: no symbol slots" >&2; exit 1; }
guard=$(line guard) || { echo "check-layout: $img: no symbol guard" >&2; exit 1; }
set -- $slots; s_addr=$((0x$1)); s_size=$((0x$2)); s_type=$3
set -- $guard; g_addr=$((0x$1)); g_size=$((0x$2)); g_type=$3
fail() { echo "check-layout: $img: $*" >&2; exit 1; }
[ "$s_type" = D ] || fail "slots has type $s_type, not D (.data)"
[ "$g_type" = D ] || fail "guard has type $g_type, not D (.data)"
[ $g_size -eq 4 ] || fail "guard has size $g_size, not 4"
[ $((s_addr % 4)) -eq 0 ] && [ $((g_addr % 4)) -eq 0 ] || fail "slots or guard not 4-aligned"
[ $((s_addr + s_size)) -eq $g_addr ] || fail "guard is not right after slots"
printf 'check-layout: %s: ok (slots 0x%08x size %d, guard 0x%08x size %d)\n' \
	"$img" $s_addr $s_size $g_addr $g_size
