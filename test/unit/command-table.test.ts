/**
 * The meta-test: walks the command table and checks that every command is complete —
 * a handler, Redis 7.0's arity/flags/key range/ACL categories (from the oracle's metadata),
 * an `implemented` line in docs/COMPATIBILITY.md, and a test that names it — and that
 * docs/COMPATIBILITY.md is what the generator writes today.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildCommandTable, uniqueCommands } from '../../src/commands/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { commandMeta, postRedis70Meta, redis70Meta } from '../../src/commands/meta/index.js';
import { aclCategories, reportedFlags } from '../../src/commands/meta/reply.js';
import { displayName, renderCompatibility } from '../../src/commands/meta/compat.js';
import { ROOT } from '../helpers/servers.js';

const table = buildCommandTable();

/** Every command and subcommand of the table. */
function walk(): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const spec of uniqueCommands(table)) {
    out.push(spec);
    for (const sub of spec.subcommands ?? []) out.push(sub);
  }
  return out;
}

function testSources(): string {
  const files: string[] = [];
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) visit(p);
      else if (name.endsWith('.ts')) files.push(p);
    }
  };
  visit(join(ROOT, 'test'));
  const self = join(ROOT, 'test', 'unit', 'command-table.test.ts');
  return files
    .filter((f) => f !== self)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

test('every command has a handler, and a container has only subcommands with handlers', () => {
  const missing: string[] = [];
  for (const spec of uniqueCommands(table)) {
    if (spec.subcommands) {
      if (spec.subcommands.length === 0) missing.push(`${spec.name} (no subcommands)`);
      for (const sub of spec.subcommands) if (!sub.handler) missing.push(sub.fullName!);
    } else if (!spec.handler) {
      missing.push(spec.name);
    }
  }
  assert.deepEqual(missing, []);
});

test('arity, flags, key range and ACL categories equal Redis 7.0 for every command (and later ones per their docs)', () => {
  const meta = commandMeta();
  const wrong: string[] = [];
  for (const spec of walk()) {
    const m = meta.get(spec.fullName!);
    if (!m) continue; // a Respite-only command: nothing to compare with
    const mine = {
      arity: spec.arity,
      flags: reportedFlags(spec),
      firstKey: spec.firstKey,
      lastKey: spec.lastKey,
      step: spec.step,
      acl: aclCategories(spec),
    };
    const redis = {
      arity: m.arity,
      flags: m.flags,
      firstKey: m.firstKey,
      lastKey: m.lastKey,
      step: m.step,
      acl: m.acl,
    };
    if (JSON.stringify(mine) !== JSON.stringify(redis)) {
      wrong.push(`${spec.fullName}: table ${JSON.stringify(mine)}\n    redis ${JSON.stringify(redis)}`);
    }
  }
  assert.equal(wrong.length, 0, `commands that differ from Redis:\n  ${wrong.join('\n  ')}`);
});

test('every command of the table is a Redis command or declares its own group', () => {
  const meta = commandMeta();
  const unknown = walk().filter((s) => !meta.has(s.fullName!) && !(s.group ?? s.parent?.group));
  assert.deepEqual(
    unknown.map((s) => s.fullName),
    [],
  );
});

test('every command has an implemented line in docs/COMPATIBILITY.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'COMPATIBILITY.md'), 'utf8');
  const missing = walk().filter(
    (s) =>
      !new RegExp(`^\\| \`${escapeRe(displayName(s.fullName!))}\` \\|[^|]*\\| implemented \\|`, 'm').test(
        doc,
      ),
  );
  assert.deepEqual(
    missing.map((s) => s.fullName),
    [],
  );
});

test('docs/COMPATIBILITY.md is up to date with the command table (npm run gen:compat)', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'COMPATIBILITY.md'), 'utf8');
  assert.equal(doc, renderCompatibility(table), 'run `npm run gen:compat` and commit docs/COMPATIBILITY.md');
});

test('every command is named by at least one test file', () => {
  const src = testSources();
  const q = `['"\`]`;
  const missing: string[] = [];
  for (const s of walk()) {
    let re: RegExp;
    if (s.parent) {
      const p = escapeRe(s.parent.name);
      const n = escapeRe(s.name);
      // 'CLIENT', 'LIST'  or  "CLIENT LIST ..."  or  client|list
      re = new RegExp(`${q}${p}${q}\\s*,\\s*${q}${n}${q}|${q}${p} ${n}[ '"\`]|${p}\\|${n}\\b`, 'i');
    } else {
      re = new RegExp(`${q}${escapeRe(s.name)}[ '"\`|]`, 'i');
    }
    if (!re.test(src)) missing.push(s.fullName!);
  }
  assert.deepEqual(missing, [], `commands no test names: ${missing.join(', ')}`);
});

test('the Redis 7.0 metadata covers every 7.0 command with docs and a group', () => {
  const m = redis70Meta();
  assert.ok(m.size >= 360, `only ${m.size} commands in redis-7.0.json`);
  for (const [name, e] of m) {
    assert.ok(e.docs && typeof e.docs.group === 'string', `${name} has no docs group`);
    if (name.includes('|')) assert.ok(m.has(name.split('|')[0]), `${name} has no container`);
  }
});

test('the hand-written metadata of commands added after 7.0 is complete and new', () => {
  const m70 = redis70Meta();
  const post = postRedis70Meta();
  assert.ok(post.has('client|no-touch') && post.has('hexpire') && post.has('waitaof'));
  for (const [name, e] of post) {
    assert.ok(!m70.has(name), `${name} is already a 7.0 command`);
    assert.match(e.docs.since ?? '', /^7\.[24]\.0$/, `${name} since`);
    assert.ok(e.docs.group && e.docs.summary && e.docs.complexity, `${name} docs`);
    assert.equal(e.keySpecs.length > 0, e.firstKey > 0, `${name} key specs vs key range`);
    if (name.includes('|')) assert.ok(m70.has(name.split('|')[0]), `${name} has no container`);
  }
});
