import { readFileSync } from 'node:fs';
import { repo } from '../helpers/cli.js';

/**
 * The README's library examples: the fenced block whose first line is `// <file>` (e.g.
 * `// example.mjs`), as the file's name and text.
 */
export function readmeExample(file: string): string {
  const readme = readFileSync(repo('README.md'), 'utf8');
  const block = [...readme.matchAll(/```(?:js|ts)\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.startsWith(`// ${file}`));
  if (block === undefined) throw new Error(`README.md has no example block starting with "// ${file}"`);
  return block;
}
