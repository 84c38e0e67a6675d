#!/usr/bin/env python3
"""Write corrupt/expected.json: the facts about the corrupt guest that a test
can check without trusting kreplay's emulator. Everything here comes from
corrupt.c: its constants are repeated below (keep them in step) and its one
computed value, the calibration mean, is recomputed with the same arithmetic.
The symbol addresses are not here: read them from the image (nm -S)."""
import json

TIMER_HZ = 1000
PIT_HZ = 1193182
NSLOTS = 8
SETTLE_TICKS = 28
CALIB_FIRST = SETTLE_TICKS + 1
CALIB_TICK = CALIB_FIRST + NSLOTS
CHECK_TICK = 400
PRINT_EVERY = 100
GUARD_MAGIC = 0x600DF00D
SLOT_POISON = 0xDEADBEEF
M32 = 0xFFFFFFFF


def sensor_read(tick):
    x = (tick * 0x9E3779B1) & M32
    x ^= x >> 15
    x = (x * 0x85EBCA77) & M32
    x ^= x >> 13
    return x & 0xFFFF


divisor = (PIT_HZ + TIMER_HZ // 2) // TIMER_HZ  # lib/pit.c
mean = sum(sensor_read(t) for t in range(CALIB_FIRST, CALIB_TICK)) // NSLOTS
panic_line = "Kernel panic - not syncing: corrupt: guard word clobbered: 0x%08x" % SLOT_POISON
console = [
    "corrupt: starting",
    "corrupt: slots[%d] at <slots>, guard at <guard> = 0x%08x" % (NSLOTS, GUARD_MAGIC),
    "corrupt: PIT divisor %d (%d Hz), guard checked at tick %d" % (divisor, TIMER_HZ, CHECK_TICK),
]
for tick in range(1, CHECK_TICK + 1):
    if tick == CALIB_TICK:
        console.append("corrupt: calibrated over ticks %d-%d: mean sample %d"
                       % (CALIB_FIRST, CALIB_TICK - 1, mean))
    if tick % PRINT_EVERY == 0:
        console.append("corrupt: tick %d" % tick)
console += ["corrupt: checking guard after %d ticks" % CHECK_TICK, panic_line]

facts = {
    "image": "corrupt/corrupt.elf",
    "outcome": "panic",
    "watch": "guard:4",
    "guard": {"symbol": "guard", "size": 4, "initial": GUARD_MAGIC,
              "initial_hex": "0x%08x" % GUARD_MAGIC},
    "array": {"symbol": "slots", "length": NSLOTS, "element_size": 4,
              "note": "guard is slots[length]: its address is slots + 4 * length"},
    "writer": "record_sample",
    "writer_backtrace": ["record_sample", "timer_tick", "isr_dispatch", "isr_common", "kmain"],
    "value_written": SLOT_POISON,
    "value_written_hex": "0x%08x" % SLOT_POISON,
    "writes_to_guard": 1,
    "corrupting_tick": CALIB_TICK,
    "timer_hz": TIMER_HZ,
    "pit_divisor": divisor,
    "pit_period_ns": divisor * 10**9 / PIT_HZ,
    "detector": "check_guard",
    "detector_backtrace": ["panic", "check_guard", "kmain"],
    "check_tick": CHECK_TICK,
    "panic_line": panic_line,
    "console": console,
    "console_note": "<slots> and <guard> stand for the symbols' addresses as %p prints them (0x%08x)",
}
print(json.dumps(facts, indent=2))
