/**
 * The CPU's fixed identity (CPUID). It advertises exactly what the emulator executes: a family-6
 * i686 with an x87 FPU, TSC, MSR, CX8, PSE, PGE and CMOV (on P6, CMOV together with FPU also
 * means FCMOVcc and FCOMI, which are implemented). No MMX, SSE or FXSR (those instructions end the
 * run as `unsupported`), no APIC, no SYSENTER, no PAE. Documented in docs/cpu.md.
 */

/** Features in CPUID.1:EDX. */
export const FEAT_FPU = 1 << 0;
export const FEAT_PSE = 1 << 3;
export const FEAT_TSC = 1 << 4;
export const FEAT_MSR = 1 << 5;
export const FEAT_CX8 = 1 << 8;
export const FEAT_PGE = 1 << 13;
export const FEAT_CMOV = 1 << 15;

export const CPUID_FEATURES_EDX = FEAT_FPU | FEAT_PSE | FEAT_TSC | FEAT_MSR | FEAT_CX8 | FEAT_PGE | FEAT_CMOV;
/** Family 6, model 3, stepping 3 (a Pentium II class i686). */
export const CPUID_SIGNATURE = (6 << 8) | (3 << 4) | 3;
const VENDOR = 'GenuineIntel';
const BRAND = 'kreplay virtual i686 CPU';

function str4(s: string, at: number): number {
  let v = 0;
  for (let k = 0; k < 4; k++) v |= (s.charCodeAt(at + k) || 0) << (8 * k);
  return v;
}

/** EAX, EBX, ECX, EDX for a CPUID leaf (ECX subleaf unused by the leaves we implement). */
export function cpuidLeaf(leaf: number): [number, number, number, number] {
  const l = leaf >>> 0;
  if (l >= 0x80000000) {
    if (l === 0x80000000) return [0x80000004, 0, 0, 0];
    if (l >= 0x80000002 && l <= 0x80000004) {
      const s = BRAND.padEnd(48, '\0');
      const at = (l - 0x80000002) * 16;
      return [str4(s, at), str4(s, at + 4), str4(s, at + 8), str4(s, at + 12)];
    }
    if (l === 0x80000001) return [0, 0, 0, 0];
    return cpuidLeaf(1); // above the maximum: the highest basic leaf's data, as Intel does
  }
  if (l === 0) return [1, str4(VENDOR, 0), str4(VENDOR, 8), str4(VENDOR, 4)];
  return [CPUID_SIGNATURE, 0, 0, CPUID_FEATURES_EDX];
}
