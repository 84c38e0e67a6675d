#!/usr/bin/env bash
# Check every guest against QEMU (the reference machine): console output and
# outcome, compute's checksum against compute/expected.json for several n, and
# the consoles corrupt/expected.json and regress/expected.json list.
# Usage: guests/test-qemu.sh   (needs qemu-system-i386; prints "N passed, N failed")
set -u
cd "$(dirname "$0")"
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# check NAME EXPECTED_STATUS EXPECTED_OUTPUT_FILE INPUT -- RUN_QEMU_ARGS...
check() {
	local name=$1 want_status=$2 want=$3 input=$4
	shift 5
	printf '%s' "$input" | ./run-qemu.sh -q -t 60 "$@" > "$tmp/out" 2>"$tmp/err"
	local status=$?
	if [ "$status" = "$want_status" ] && cmp -s "$tmp/out" "$want"; then
		echo "ok   $name"
		pass=$((pass + 1))
	else
		echo "FAIL $name: status $status (want $want_status)"
		diff "$want" "$tmp/out" | head -20 | sed 's/^/     /'
		sed 's/^/     stderr: /' "$tmp/err" | head -5
		fail=$((fail + 1))
	fi
}

cat > "$tmp/hello" <<'OUT'
Hello from kreplay guest!
hello: cmdline='hello/hello.elf greeting=hi'
hello: memory lower=639 KiB upper=129920 KiB
hello: exiting with code 0
OUT
check hello 1 "$tmp/hello" "" -- -a greeting=hi hello/hello.elf

cat > "$tmp/aout" <<'OUT'
Hello from kreplay a.out-kludge guest!
hello-aout: exiting with code 0
OUT
check hello-aout 1 "$tmp/aout" "" -- hello-aout/hello-aout.bin

cat > "$tmp/timer" <<'OUT'
panic-timer: starting
panic-timer: PIT divisor 1193 (1000 Hz), panic after 50 ticks
timer: tick 10
timer: tick 20
timer: tick 30
timer: tick 40
timer: tick 50
Kernel panic - not syncing: timer: tick budget exhausted after 50 ticks
OUT
check panic-timer 1 "$tmp/timer" "" -- panic-timer/panic-timer.elf
check panic-timer-icount 1 "$tmp/timer" "" -- -i panic-timer/panic-timer.elf

cat > "$tmp/echo-exit" <<'OUT'
echo: ready; type lines ('exit' quits, 'panic' panics)
echo: hello
echo: two words
echo: 
echo: cr only
echo: exit
echo: bye
OUT
check echo-exit 1 "$tmp/echo-exit" $'hello\r\ntwo words\n\ncr only\rexit\n' -- echo/echo.elf

cat > "$tmp/echo-panic" <<'OUT'
echo: ready; type lines ('exit' quits, 'panic' panics)
echo: first
echo: panic
Kernel panic - not syncing: echo: panic requested by input
OUT
check echo-panic 1 "$tmp/echo-panic" $'first\npanic\nexit\n' -- echo/echo.elf

# The generated reference files must still be what QEMU prints.
check systest 1 systest/expected-qemu.txt "" -- systest/systest.elf
while read -r mode status outcome; do
	[ "$status" = 124 ] && continue # halt, spin: QEMU never ends them
	check "outcomes mode=$mode" "$status" "outcomes/expected-qemu/$mode.txt" "" -- -a "mode=$mode" outcomes/outcomes.elf
done < outcomes/expected-qemu/status.txt

for n in $(sed -n 's/^ *"\([0-9]*\)": "[0-9a-f]*",\{0,1\}$/\1/p' compute/expected.json); do
	sum=$(sed -n "s/^ *\"$n\": \"\\([0-9a-f]*\\)\",\\{0,1\\}\$/\\1/p" compute/expected.json)
	printf 'compute: n=%s checksum=%s\n' "$n" "$sum" > "$tmp/compute-$n"
	check "compute n=$n" 1 "$tmp/compute-$n" "" -- -t 300 -a "n=$n" compute/compute.elf
done

# corrupt and regress: the consoles their expected.json files derive from the
# sources (corrupt's symbol addresses filled in from the image's nm).
console_of() { # JSON_FILE JQ-LIKE-PATH... -> the console lines, newline-terminated
	python3 - "$@" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    e = e[int(k)] if k.isdigit() else e[k]
sys.stdout.write("".join(line + "\n" for line in e["console"]))
PY
}
addr() { printf '0x%s' "$(nm corrupt/corrupt.elf | awk -v n="$1" '$3 == n { print $1 }')"; }
console_of corrupt/expected.json | sed "s/<slots>/$(addr slots)/; s/<guard>/$(addr guard)/" > "$tmp/corrupt"
check corrupt 1 "$tmp/corrupt" "" -- corrupt/corrupt.elf
check corrupt-icount 1 "$tmp/corrupt" "" -- -i corrupt/corrupt.elf
for v in 1 2 3 4 5 6 7 8; do
	console_of regress/expected.json versions $((v - 1)) > "$tmp/regress-v$v"
	check "regress v$v" 1 "$tmp/regress-v$v" "" -- "regress/regress-v$v.elf"
done

echo "$pass passed, $fail failed"
[ $fail = 0 ]
