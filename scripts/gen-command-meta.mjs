// Generates src/commands/meta/redis-7.0.json from the oracle (Debian's redis-server 7.0.x):
// every command's COMMAND INFO (arity, flags, key range, ACL categories, tips, key specs)
// and COMMAND DOCS (summary, since, group, complexity, history, arguments), flattened into
// one map keyed by full name (`get`, `client|list`). This is interface data, like a
// protocol table: Respite renders COMMAND INFO/DOCS from it for the commands it implements,
// and the meta-test checks the command table against it.
//
// Usage: node scripts/gen-command-meta.mjs [output-path]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = process.argv[2] ?? join(ROOT, 'src', 'commands', 'meta', 'redis-7.0.json');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** A RESP3 reader: maps become arrays of [key, value] pairs so order is kept. */
function parse(buf, pos) {
  const end = buf.indexOf('\r\n', pos, 'latin1');
  if (end === -1) return null;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.latin1Slice(pos + 1, end);
  let p = end + 2;
  switch (type) {
    case '+':
    case '-':
      return { v: type === '-' ? new Error(head) : head, p };
    case ':':
      return { v: Number(head), p };
    case '_':
      return { v: null, p };
    case '#':
      return { v: head === 't', p };
    case ',':
      return { v: Number(head), p };
    case '$':
    case '=': {
      const n = Number(head);
      if (n < 0) return { v: null, p };
      if (buf.length < p + n + 2) return null;
      let s = buf.latin1Slice(p, p + n);
      if (type === '=') s = s.slice(4);
      return { v: s, p: p + n + 2 };
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      const n = Number(head);
      if (n < 0) return { v: null, p };
      const out = [];
      for (let i = 0; i < n; i++) {
        if (type === '%') {
          const k = parse(buf, p);
          if (!k) return null;
          const v = parse(buf, k.p);
          if (!v) return null;
          out.push([k.v, v.v]);
          p = v.p;
        } else {
          const e = parse(buf, p);
          if (!e) return null;
          out.push(e.v);
          p = e.p;
        }
      }
      return { v: out, p };
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

function encode(args) {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

async function connect(port) {
  const deadline = Date.now() + 10000;
  for (;;) {
    try {
      return await new Promise((resolve, reject) => {
        const s = net.connect({ port, host: '127.0.0.1' }, () => resolve(s));
        s.once('error', reject);
      });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function commandRunner(sock) {
  let buf = Buffer.alloc(0);
  let waiting = null;
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (waiting) waiting();
  });
  return async (...args) => {
    sock.write(encode(args));
    for (;;) {
      const r = buf.length ? parse(buf, 0) : null;
      if (r) {
        buf = buf.subarray(r.p);
        if (r.v instanceof Error) throw r.v;
        return r.v;
      }
      await new Promise((resolve) => (waiting = resolve));
      waiting = null;
    }
  };
}

const pairs = (m) => Object.fromEntries(m);

function keySpec(m) {
  const o = pairs(m);
  const out = {};
  if (o.notes !== undefined) out.notes = o.notes;
  out.flags = o.flags;
  const bs = pairs(o.begin_search);
  out.begin_search = { type: bs.type, spec: pairs(bs.spec) };
  const fk = pairs(o.find_keys);
  out.find_keys = { type: fk.type, spec: pairs(fk.spec) };
  return out;
}

function arg(m) {
  const o = pairs(m);
  const out = { name: o.name, type: o.type };
  for (const k of ['key_spec_index', 'token', 'summary', 'since', 'deprecated_since', 'flags']) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (o.arguments !== undefined) out.arguments = o.arguments.map(arg);
  return out;
}

function docs(m) {
  const o = pairs(m);
  const out = {};
  for (const k of [
    'summary',
    'since',
    'group',
    'complexity',
    'doc_flags',
    'deprecated_since',
    'replaced_by',
  ]) {
    if (o[k] !== undefined) out[k] = o[k];
  }
  if (o.history !== undefined) out.history = o.history;
  if (o.arguments !== undefined) out.arguments = o.arguments.map(arg);
  return out;
}

function collectInfo(info, into) {
  const [name, arity, flags, first, last, step, acl, tips, specs, subs] = info;
  into.set(name, {
    arity,
    flags,
    firstKey: first,
    lastKey: last,
    step,
    acl: acl.map((c) => c.replace(/^@/, '')),
    tips,
    keySpecs: specs.map(keySpec),
  });
  for (const s of subs) collectInfo(s, into);
}

function collectDocs(name, d, into) {
  into.set(name, docs(d));
  const subs = d.find(([k]) => k === 'subcommands');
  if (subs) for (const [sub, sd] of subs[1]) collectDocs(sub, sd, into);
}

async function main() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'respite-meta-'));
  const proc = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  try {
    const sock = await connect(port);
    const run = commandRunner(sock);
    await run('HELLO', '3');
    const version = pairs(await run('HELLO', '3')).version;
    const info = new Map();
    for (const i of await run('COMMAND', 'INFO')) collectInfo(i, info);
    const docMap = new Map();
    for (const [name, d] of await run('COMMAND', 'DOCS')) collectDocs(name, d, docMap);
    sock.destroy();
    const commands = {};
    for (const name of [...info.keys()].sort()) {
      commands[name] = { ...info.get(name), docs: docMap.get(name) };
    }
    const out = {
      comment: `Generated by scripts/gen-command-meta.mjs from redis-server ${version}: COMMAND INFO and COMMAND DOCS of every command.`,
      redisVersion: version,
      commands,
    };
    writeFileSync(OUT, JSON.stringify(out, null, 1) + '\n');
    console.log(`wrote ${Object.keys(commands).length} commands to ${OUT}`);
  } finally {
    proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
