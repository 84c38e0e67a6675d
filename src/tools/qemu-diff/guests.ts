/**
 * The bundled guests as `diff:qemu --all` runs them: the same images, command lines and serial
 * input as guests/test-qemu.sh, with an instruction bound for the long ones, and the runs whose
 * end is a known, documented difference (an instruction our CPU does not model).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export interface GuestRun {
  /** Short name for the summary. */
  name: string;
  /** Image path relative to the repository root. */
  image: string;
  append?: string;
  serialIn?: string;
  maxInsns?: number;
  /**
   * A known difference this run must end with instead of passing: a substring of the mismatch
   * line (docs/qemu-diff.md says why each is expected).
   */
  expectMismatch?: string;
}

/**
 * systest's checks where QEMU (TCG) is not the architecture (guests/systest/expected-overrides.json):
 * their numbers, to skip with the guest's own `skip=` option, since a lockstep against QEMU
 * cannot go through a check whose control flow QEMU gets wrong.
 */
export function systestQemuDeviations(root: string): number[] {
  const overrides = (JSON.parse(readFileSync(resolve(root, 'guests/systest/expected-overrides.json'), 'utf8')) as { overrides: { title: string }[] }).overrides;
  const titles = new Set(overrides.map((o) => o.title));
  const out: number[] = [];
  for (const line of readFileSync(resolve(root, 'guests/systest/expected-qemu.txt'), 'latin1').split('\n')) {
    const m = /^systest (\d+): (.*?): /.exec(line);
    if (m !== null && titles.has(m[2])) out.push(Number(m[1]));
  }
  return out;
}

/** The outcomes guest's modes, from its QEMU status file. */
function outcomesModes(root: string): string[] {
  return readFileSync(resolve(root, 'guests/outcomes/expected-qemu/status.txt'), 'utf8')
    .split('\n').map((l) => l.split(' ')[0]).filter((m) => m !== '');
}

const ECHO_INPUT = 'hello\r\ntwo words\n\ncr only\rexit\n';

export function bundledGuestRuns(root: string): GuestRun[] {
  const runs: GuestRun[] = [
    { name: 'hello', image: 'guests/hello/hello.elf', append: 'greeting=hi' },
    { name: 'hello-aout', image: 'guests/hello-aout/hello-aout.bin' },
    { name: 'panic-timer', image: 'guests/panic-timer/panic-timer.elf' },
    { name: 'echo', image: 'guests/echo/echo.elf', serialIn: ECHO_INPUT },
    { name: 'echo-panic', image: 'guests/echo/echo.elf', serialIn: 'first\npanic\nexit\n' },
    { name: 'compute n=1', image: 'guests/compute/compute.elf', append: 'n=1', maxInsns: 5_000_000 },
    { name: 'systest', image: 'guests/systest/systest.elf', append: `skip=${systestQemuDeviations(root).join(',')}`, maxInsns: 10_000_000 },
    { name: 'corrupt', image: 'guests/corrupt/corrupt.elf', maxInsns: 2_000_000 },
  ];
  for (const mode of outcomesModes(root)) {
    const run: GuestRun = { name: `outcomes mode=${mode}`, image: 'guests/outcomes/outcomes.elf', append: `mode=${mode}`, maxInsns: 1_000_000 };
    if (mode === 'sse') run.expectMismatch = 'our CPU stopped';
    runs.push(run);
  }
  for (let v = 1; v <= 8; v++) runs.push({ name: `regress v${v}`, image: `guests/regress/regress-v${v}.elf`, maxInsns: 2_000_000 });
  return runs;
}
