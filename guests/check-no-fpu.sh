#!/bin/sh
# Fail if any guest image contains an x87, MMX or SSE instruction (the guests
# are integer-only). Disassembles the executable sections of ELF images and the
# whole of flat .bin images.
set -eu
status=0
for img in "$@"; do
	case $img in
	*.bin) dis=$(objdump -D -b binary -m i386 "$img") ;;
	*) dis=$(objdump -d "$img") ;;
	esac
	# objdump's AT&T mnemonics: x87 ones start with f (fld, fstp, fnstcw, ...);
	# MMX/SSE ones name %mm/%xmm registers or are emms/ldmxcsr/stmxcsr/fxsave/...
	bad=$(printf '%s\n' "$dis" | awk -F'\t' 'NF >= 3 { print $3 }' |
		grep -E '^(f[a-ru-z0-9][a-z0-9]*|fs[a-z0-9]+|ft[a-z0-9]*|emms|ldmxcsr|stmxcsr|fxsave|fxrstor|movnt[a-z]*|prefetch[a-z0-9]*)( |$)|%x?mm[0-9]' || true)
	if [ -n "$bad" ]; then
		echo "check-no-fpu: $img contains FPU/SIMD instructions:" >&2
		printf '%s\n' "$bad" | sort | uniq -c >&2
		status=1
	else
		echo "check-no-fpu: $img: ok ($(printf '%s\n' "$dis" | awk -F'\t' 'NF >= 3' | wc -l) instructions)"
	fi
done
exit $status
