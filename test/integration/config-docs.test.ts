import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/servers.js';
import { OPTIONS } from '../../src/config/options.js';

test('docs/CONFIG.md lists every option, marking those without effect', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'CONFIG.md'), 'utf8');
  for (const o of OPTIONS) {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${o.name}\``));
    assert.ok(row, `${o.name} is missing from docs/CONFIG.md (run scripts/gen-config-doc.mjs)`);
    assert.equal(row.includes('accepted, no effect'), o.noop === true, `${o.name}: no-effect marking`);
  }
});
