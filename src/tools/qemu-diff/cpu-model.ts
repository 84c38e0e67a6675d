/**
 * QEMU's `-cpu` option for a differential run, derived from our CPUID identity (src/cpu/cpuid.ts):
 * the same vendor, signature, brand string, maximum leaves and CPUID.1:EDX feature bits. A guest
 * that probes CPUID then takes the same path on both sides (e.g. it does not enable SSE because
 * QEMU's default CPU has it), and QEMU's TCG refuses what the features leave out (FXSR bits in
 * CR4, SSE instructions) as the modelled CPU does.
 */
import { cpuidLeaf } from '../../cpu/cpuid.js';

/** QEMU's names of the CPUID.1:EDX bits (bit number -> feature). */
const EDX_FEATURES: [number, string][] = [
  [0, 'fpu'], [1, 'vme'], [2, 'de'], [3, 'pse'], [4, 'tsc'], [5, 'msr'], [6, 'pae'], [7, 'mce'], [8, 'cx8'], [9, 'apic'],
  [11, 'sep'], [12, 'mtrr'], [13, 'pge'], [14, 'mca'], [15, 'cmov'], [16, 'pat'], [17, 'pse36'], [19, 'clflush'],
  [23, 'mmx'], [24, 'fxsr'], [25, 'sse'], [26, 'sse2'],
];
/** CPUID.1:ECX features QEMU's qemu32 model has (we advertise none of them). */
const ECX_FEATURES: [number, string][] = [[0, 'pni'], [31, 'hypervisor']];

function regString(...words: number[]): string {
  let s = '';
  for (const w of words) for (let k = 0; k < 4; k++) s += String.fromCharCode((w >>> (8 * k)) & 0xff);
  return s.replace(/\0+$/, '');
}

export function qemuCpuOption(): string {
  const [maxLeaf, vb, vc, vd] = cpuidLeaf(0);
  const [sig, , ecx, edx] = cpuidLeaf(1);
  const [maxExt] = cpuidLeaf(0x80000000);
  let brand = '';
  if ((maxExt >>> 0) >= 0x80000004) {
    for (let l = 0x80000002; l <= 0x80000004; l++) brand += regString(...cpuidLeaf(l));
  }
  const family = (sig >>> 8) & 0xf, model = (sig >>> 4) & 0xf, stepping = sig & 0xf;
  const parts = [
    'qemu32',
    `vendor=${regString(vb, vd, vc)}`,
    `family=${family}`, `model=${model}`, `stepping=${stepping}`,
    `level=${maxLeaf}`, `xlevel=0x${(maxExt >>> 0).toString(16)}`,
  ];
  if (brand !== '') parts.push(`model-id=${brand.replace(/,/g, ',,')}`);
  for (const [bit, name] of EDX_FEATURES) parts.push(`${(edx >>> bit) & 1 ? '+' : '-'}${name}`);
  for (const [bit, name] of ECX_FEATURES) parts.push(`${(ecx >>> bit) & 1 ? '+' : '-'}${name}`);
  return parts.join(',');
}
