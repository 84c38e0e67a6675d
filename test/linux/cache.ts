import { existsSync } from 'node:fs';
import { repo } from '../helpers/cli.js';

/** The fetched Debian kernel (guests/linux/fetch.sh); Linux tests skip without it. */
export const LINUX_CACHE = repo('guests/linux/cache');
export const haveLinux = ['vmlinux', 'bzImage', 'busybox'].every((f) => existsSync(`${LINUX_CACHE}/${f}`));
export const SKIP_REASON = '[SKIPPED: no guests/linux/cache; run guests/linux/fetch.sh (Debian) to fetch the kernel]';

/** The command line of the case 1 (no root): skips self-tests and ISA PnP probing. */
export const NO_ROOT_CMDLINE = 'console=ttyS0 panic=-1 cryptomgr.notests noisapnp';

export function linuxArgs(extra: string[] = []): string[] {
  return [`${LINUX_CACHE}/vmlinux`, '--linux-setup', `${LINUX_CACHE}/bzImage`, '--append', NO_ROOT_CMDLINE, ...extra];
}
