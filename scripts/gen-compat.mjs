// Writes docs/COMPATIBILITY.md from the command table (run after a build: `npm run gen:compat`).
// With --check, exits 1 when the file is out of date instead of writing it.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { buildCommandTable } = await import(join(ROOT, 'dist', 'src', 'commands', 'index.js'));
const { renderCompatibility } = await import(join(ROOT, 'dist', 'src', 'commands', 'meta', 'compat.js'));

const out = join(ROOT, 'docs', 'COMPATIBILITY.md');
const text = renderCompatibility(buildCommandTable());
if (process.argv.includes('--check')) {
  let old = '';
  try {
    old = readFileSync(out, 'utf8');
  } catch {
    /* missing */
  }
  if (old !== text) {
    console.error('docs/COMPATIBILITY.md is out of date: run `npm run gen:compat`');
    process.exit(1);
  }
} else {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
