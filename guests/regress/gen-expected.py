#!/usr/bin/env python3
"""Write regress/expected.json: for each version of regress.c, what it prints
and whether it panics, computed from the source without running it. The
version history (buffer size, seed, which lines are printed, the v6 bug that
drops the last len % 4 bytes from the table-driven CRC) is repeated below from
regress.c (keep them in step); the CRC-32 itself is zlib's, an implementation
independent of the guest's."""
import json
import zlib

VERSIONS = range(1, 9)
FIRST_BAD = 6
PANIC_PREFIX = "Kernel panic - not syncing: regress: checksum mismatch in v%d:"


def params(v):
    nbytes = 5003 if v >= 7 else 4001 if v >= 2 else 3001
    seed = 0x5EED if v >= 4 else 1
    return nbytes, seed


def fill(n, seed):
    x, out = seed, bytearray()
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0xFFFFFFFF
        out.append((x >> 16) & 0xFF)
    return bytes(out)


def table_entry(i):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0xEDB88320 if c & 1 else c >> 1
    return c


versions = []
for v in VERSIONS:
    n, seed = params(v)
    buf = fill(n, seed)
    ref = zlib.crc32(buf)
    processed = n - n % 4 if v >= FIRST_BAD else n
    fast = zlib.crc32(buf[:processed])
    lines = ["regress: version %d" % v, "regress: %d bytes, seed 0x%x" % (n, seed)]
    if v >= 3:
        lines.append("regress: byte sum %d" % sum(buf))
    if v >= 5:
        lines.append("regress: crc_table[255] = 0x%08x" % table_entry(255))
    if v >= 8:
        lines.append("regress: %d table lookups" % processed)
    panics = fast != ref
    if panics:
        panic_line = (PANIC_PREFIX % v) + " crc32_table 0x%08x != crc32_bitwise 0x%08x" % (fast, ref)
        lines.append(panic_line)
    else:
        lines.append("regress: v%d ok: crc32 0x%08x" % (v, ref))
    assert panics == (v >= FIRST_BAD)
    versions.append({
        "version": v,
        "image": "regress/regress-v%d.elf" % v,
        "panics": panics,
        "outcome": "panic" if panics else "exit",
        "exit_code": None if panics else 0,
        "panic_prefix": (PANIC_PREFIX % v) if panics else None,
        "panic_line": panic_line if panics else None,
        "console": lines,
    })

print(json.dumps({
    "first_bad": FIRST_BAD,
    "last_good": FIRST_BAD - 1,
    "culprit": "crc32_table",
    "detector": "verify_checksum",
    "versions": versions,
}, indent=2))
