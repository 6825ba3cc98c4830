// Regenerates the option table of docs/CONFIG.md from the option table in
// src/config/options.ts (run after `npm run build`):
//   node scripts/gen-config-doc.mjs && npx prettier --write docs/CONFIG.md
import { readFileSync, writeFileSync } from 'node:fs';
import { OPTIONS } from '../dist/src/config/options.js';

const BEGIN = '<!-- options:begin -->';
const END = '<!-- options:end -->';
const rows = ['| Option | Default | CONFIG SET | In Respite |', '| --- | --- | --- | --- |'];
for (const o of [...OPTIONS].sort((a, b) => a.name.localeCompare(b.name))) {
  const name =
    '`' + o.name + '`' + (o.alias ? ` (alias \`${o.alias}\`)` : '') + (o.hidden ? ' (hidden)' : '');
  const def = o.name === 'dir' ? 'the working directory' : o.default === '' ? '`""`' : '`' + o.default + '`';
  const set = !o.mutable ? 'no (immutable)' : o.protected ? 'protected' : 'yes';
  rows.push(`| ${name} | ${def} | ${set} | ${o.noop ? 'accepted, no effect' : 'honoured'} |`);
}
const path = new URL('../docs/CONFIG.md', import.meta.url);
const doc = readFileSync(path, 'utf8');
const a = doc.indexOf(BEGIN);
const b = doc.indexOf(END);
if (a === -1 || b === -1) throw new Error('markers not found in docs/CONFIG.md');
writeFileSync(path, doc.slice(0, a + BEGIN.length) + '\n' + rows.join('\n') + '\n' + doc.slice(b));
