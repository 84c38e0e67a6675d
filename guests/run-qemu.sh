#!/usr/bin/env bash
# Run a guest image under QEMU, the reference machine, with the devices the
# kreplay guests expect: COM1 on stdio, isa-debug-exit at 0xF4, pvpanic at
# 0x505 (QEMU exits on a panic), no reboot, a timeout. -display none rather
# than -nographic: with -nographic SeaBIOS also prints its banner on COM1.
#
# usage: guests/run-qemu.sh [options] IMAGE [-- EXTRA_QEMU_ARGS...]
#   -a, --append STR    multiboot command line (QEMU -append), e.g. 'n=5'
#   -t, --timeout SECS  stop QEMU after SECS seconds (default 60)
#   -i, --icount        QEMU's deterministic mode: -icount shift=0,sleep=off
#   -q, --quiet         no summary line on stderr
#
# The guest's console is this script's stdout; its serial input is our stdin.
# Exit status is QEMU's: (code << 1) | 1 for a guest_exit(code), 1 for a panic
# (-action panic=exit-failure; note it equals exit(0)), 0 for a reset or triple
# fault (-no-reboot), 124 for the timeout. The summary on stderr tells them
# apart: "run-qemu: IMAGE: outcome=exit(0) status=1 elapsed=0.42s".
# QEMU_BIN overrides the emulator binary (default qemu-system-i386).
set -u

append=""
timeout_s=60
icount=0
quiet=0
usage() { sed -n '7,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	-a|--append) append=$2; shift 2 ;;
	-t|--timeout) timeout_s=$2; shift 2 ;;
	-i|--icount) icount=1; shift ;;
	-q|--quiet) quiet=1; shift ;;
	-h|--help) usage ;;
	--) shift; break ;;
	-*) echo "run-qemu: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || usage
image=$1
shift
[ "${1:-}" = "--" ] && shift
[ -f "$image" ] || { echo "run-qemu: no such image: $image" >&2; exit 2; }

log=$(mktemp "${TMPDIR:-/tmp}/run-qemu.XXXXXX")
trap 'rm -f "$log"' EXIT

args=(
	-kernel "$image"
	-display none -no-reboot -monitor none
	-chardev "stdio,id=com1,logfile=$log"
	-serial chardev:com1
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-device pvpanic
	-action panic=exit-failure
)
[ -n "$append" ] && args+=(-append "$append")
[ $icount = 1 ] && args+=(-icount shift=0,sleep=off)

start=$(date +%s.%N)
timeout --foreground -k 5 "$timeout_s" "${QEMU_BIN:-qemu-system-i386}" "${args[@]}" "$@"
status=$?
end=$(date +%s.%N)

if [ $quiet = 0 ]; then
	if [ $status = 124 ] || [ $status = 137 ]; then
		outcome=timeout
	elif [ $status = 1 ] && grep -q 'Kernel panic - not syncing:' "$log"; then
		outcome=panic
	elif [ $((status & 1)) = 1 ]; then
		outcome="exit($((status >> 1)))"
	elif [ $status = 0 ]; then
		outcome="reset-or-shutdown"
	else
		outcome="qemu-error"
	fi
	printf 'run-qemu: %s: outcome=%s status=%d elapsed=%.2fs\n' \
		"$image" "$outcome" "$status" "$(echo "$end - $start" | bc -l 2>/dev/null || echo 0)" >&2
fi
exit $status
