/**
 * Runs after tsc (`npm run build`): makes the package's bins executable. tsc writes files 0644,
 * and npm sets the mode only on bins of packages it installs, not on the project's own: without
 * this, `npx kreplay` in a fresh checkout fails with "Permission denied".
 */
import { chmodSync, readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };
for (const path of Object.values(pkg.bin)) chmodSync(new URL(`../../${path}`, import.meta.url), 0o755);
