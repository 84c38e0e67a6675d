#!/bin/sh
# Rebuilds the DSDT: compiles dsdt.asl into dsdt.aml with iasl (Debian: apt-get install
# acpica-tools) and regenerates src/loader/acpi-dsdt.ts, the bytes kreplay embeds. Commit all three.
#
# usage: guests/linux/acpi/build.sh          (from anywhere; needs `npx tsc -p .` to have run)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
command -v iasl >/dev/null || { echo "build.sh: needs iasl (apt-get install acpica-tools)" >&2; exit 1; }
(cd "$here" && iasl -p dsdt dsdt.asl)
cd "$root"
[ -f dist/tools/gen-acpi-dsdt.js ] || npx tsc -p .
node dist/tools/gen-acpi-dsdt.js guests/linux/acpi/dsdt.aml src/loader/acpi-dsdt.ts
