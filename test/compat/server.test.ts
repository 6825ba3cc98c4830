/**
 * Server commands against the oracle: COMMAND (INFO byte for byte for every implemented
 * command, DOCS, COUNT, LIST, GETKEYS), INFO field names and order, TIME, SLOWLOG, LATENCY,
 * MEMORY, MONITOR's line format, DEBUG, LOLWUT and SHUTDOWN.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/compat.js';
import { RawClient, replyLength } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import { uniqueCommands } from '../../src/commands/index.js';
import type { CommandSpec } from '../../src/commands/types.js';
import { Config } from '../../src/config/config.js';
import { changedAfter70Meta, commandMeta, redis70Meta } from '../../src/commands/meta/index.js';
import { getKeysWithFlags } from '../../src/commands/meta/reply.js';

/** A parsed RESP value: strings for simple/bulk/integer scalars (typed by prefix), arrays for aggregates. */
type Resp = string | null | Resp[];

function parse(raw: string, pos = 0): { v: Resp; end: number } {
  const lineEnd = raw.indexOf('\r\n', pos);
  const type = raw[pos];
  const head = raw.slice(pos + 1, lineEnd);
  let p = lineEnd + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
      return { v: type + head, end: p };
    case '_':
      return { v: null, end: p };
    case '$':
    case '=': {
      const n = Number(head);
      if (n < 0) return { v: null, end: p };
      return { v: raw.slice(p, p + n), end: p + n + 2 };
    }
    default: {
      let n = Number(head);
      if (n < 0) return { v: null, end: p };
      if (type === '%') n *= 2;
      const out: Resp[] = [];
      for (let i = 0; i < n; i++) {
        const e = parse(raw, p);
        out.push(e.v);
        p = e.end;
      }
      return { v: out, end: p };
    }
  }
}

const resp = (raw: string): Resp => parse(raw).v;

/** Splits an aggregate reply into its elements' raw bytes. */
function elements(raw: string): string[] {
  const start = raw.indexOf('\r\n') + 2;
  const buf = Buffer.from(raw, 'latin1');
  const out: string[] = [];
  let p = start;
  while (p < buf.length) {
    const n = replyLength(buf, p);
    out.push(raw.slice(p, p + n));
    p += n;
  }
  return out;
}

let pair: Pair;
let specs: CommandSpec[];

const debugOption = Config.def('enable-debug-command') !== undefined;

before(async () => {
  pair = await startPair(
    ['--enable-debug-command', 'yes'],
    debugOption ? { 'enable-debug-command': 'yes' } : {},
  );
  specs = uniqueCommands(pair.respite.server.commands);
});

/** Sets a config option on both servers (directly on Respite: CONFIG is another group's). */
async function setBoth(name: string, value: string): Promise<void> {
  assert.equal(pair.respite.server.config.set(name, [value]), null);
  assert.equal(await pair.o.call('CONFIG', 'SET', name, value), '+OK\r\n');
}

after(async () => {
  await pair.close();
});

test('COMMAND INFO of every implemented command and subcommand equals the oracle byte for byte', async () => {
  // Commands added after 7.0 (CLIENT NO-TOUCH, ...) have no oracle entry to compare with, and
  // those implemented in a later form (ZRANK WITHSCORE) differ from it on purpose.
  const in70 = redis70Meta();
  const changed = changedAfter70Meta();
  for (const spec of specs) {
    if (!in70.has(spec.name) || changed.has(spec.name)) continue;
    if (!spec.subcommands) {
      await pair.same(['COMMAND', 'INFO', spec.name]);
      continue;
    }
    // Containers: Redis lists subcommands in hash order, and Respite may implement only some,
    // so compare the nine fields and then each subcommand's own entry.
    const [o, r] = await pair.both('COMMAND', 'INFO', spec.name);
    const oe = elements(elements(o)[0]);
    const re = elements(elements(r)[0]);
    assert.deepEqual(re.slice(0, 9), oe.slice(0, 9), `COMMAND INFO ${spec.name}`);
    const oracleSubs = new Set(elements(oe[9]));
    for (const sub of elements(re[9])) {
      const name = /\$\d+\r\n([^\r]*)\r\n/.exec(sub.slice(sub.indexOf('\r\n') + 2))?.[1] ?? '';
      if (in70.has(name)) assert.ok(oracleSubs.has(sub), `${spec.name} subcommand entry ${sub}`);
    }
    for (const sub of spec.subcommands)
      if (in70.has(sub.fullName!)) await pair.same(['COMMAND', 'INFO', sub.fullName!]);
  }
});

test('COMMAND INFO replies null for unknown names and accepts any case and container|sub', async () => {
  await pair.same(
    ['COMMAND', 'INFO', 'nosuch', 'GET', 'get|x', 'slowlog|get|x'],
    ['COMMAND', 'INFO', 'SLOWLOG|GET', 'memory|usage'],
  );
});

test('COMMAND INFO, COMMAND DOCS and verbatim replies equal the oracle in RESP3', async () => {
  const o = await RawClient.connect(pair.oracle.port);
  const r = await RawClient.connect(pair.respite.port);
  await o.call('HELLO', '3');
  if (pair.respite.server.commands.has('hello')) await r.call('HELLO', '3');
  else {
    // HELLO belongs to another group: switch this connection to RESP3 directly.
    await r.call('PING');
    const clients = [...pair.respite.server.clients.values()];
    clients[clients.length - 1].out.proto = 3;
  }
  const same = async (...cmd: string[]) =>
    assert.equal(await r.call(...cmd), await o.call(...cmd), cmd.join(' '));
  const in70 = redis70Meta();
  const changed = changedAfter70Meta();
  for (const spec of specs) {
    if (!spec.subcommands && in70.has(spec.name) && !changed.has(spec.name))
      await same('COMMAND', 'INFO', spec.name);
    for (const sub of spec.subcommands ?? [])
      if (in70.has(sub.fullName!)) await same('COMMAND', 'INFO', sub.fullName!);
  }
  await same('COMMAND', 'INFO', 'nosuch');
  await same('COMMAND', 'DOCS', 'get', 'set', 'info', 'memory|usage', 'nosuch');
  await same('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v');
  await same('INFO', 'nosuch');
  await same('LOLWUT');
  await same('LATENCY', 'HISTOGRAM', 'nosuch');
  await same('SLOWLOG', 'GET', '0');
  await same('SET', 'k3', 'v');
  await same('MEMORY', 'USAGE', 'k3');
  await same('MEMORY', 'USAGE', 'nosuch');
  await same('DEBUG', 'PROTOCOL', 'map');
  await same('DEBUG', 'PROTOCOL', 'null');
  await same('DEBUG', 'PROTOCOL', 'double');
  o.close();
  r.close();
});

test('COMMAND COUNT is the size of the command table', async () => {
  assert.equal(await pair.r.call('COMMAND', 'COUNT'), `:${specs.length}\r\n`);
  await pair.same(['COMMAND', 'COUNT', 'x']);
});

test('COMMAND (no arguments) lists every command of the table, each as COMMAND INFO shows it', async () => {
  const all = elements(await pair.r.call('COMMAND'));
  assert.equal(all.length, specs.length);
  for (const entry of all) {
    const name = resp(entry) as Resp[];
    assert.equal(entry, elements(await pair.r.call('COMMAND', 'INFO', name[0] as string))[0]);
  }
});

test('COMMAND DOCS of commands and subcommands equals the oracle', async () => {
  await pair.same(
    ['COMMAND', 'DOCS', 'get'],
    ['COMMAND', 'DOCS', 'set', 'info'],
    ['COMMAND', 'DOCS', 'shutdown', 'lolwut', 'time'],
    ['COMMAND', 'DOCS', 'memory|usage', 'slowlog|get', 'command|getkeys'],
    ['COMMAND', 'DOCS', 'nosuch'],
    ['COMMAND', 'DOCS', 'GET', 'get'],
  );
});

test('COMMAND DOCS of a container lists its subcommands as the oracle documents them', async () => {
  const [o, r] = await pair.both('COMMAND', 'DOCS', 'slowlog');
  const od = resp(o) as Resp[];
  const rd = resp(r) as Resp[];
  const toObj = (l: Resp[]) =>
    Object.fromEntries(Array.from({ length: l.length / 2 }, (_, i) => [l[2 * i], l[2 * i + 1]]));
  const ot = toObj(od[1] as Resp[]);
  const rt = toObj(rd[1] as Resp[]);
  assert.deepEqual({ ...rt, subcommands: undefined }, { ...ot, subcommands: undefined });
  assert.deepEqual(toObj(rt.subcommands as Resp[]), toObj(ot.subcommands as Resp[]));
});

test('COMMAND LIST with and without FILTERBY lists table commands, errors as Redis', async () => {
  const names = (resp(await pair.r.call('COMMAND', 'LIST')) as string[]).sort();
  const expected: string[] = [];
  for (const s of specs) {
    expected.push(s.name);
    for (const sub of s.subcommands ?? []) expected.push(sub.fullName!);
  }
  assert.deepEqual(names, expected.sort());
  const slow = resp(await pair.r.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'connection')) as string[];
  assert.ok(slow.includes('ping') && slow.includes('command|info') && !slow.includes('get'));
  const pat = resp(await pair.r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'SLOWLOG|*')) as string[];
  assert.deepEqual(pat.sort(), ['slowlog|get', 'slowlog|help', 'slowlog|len', 'slowlog|reset']);
  await pair.same(
    ['COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'nosuchcat'],
    ['COMMAND', 'LIST', 'FILTERBY', 'MODULE', 'x'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'zzz*'],
    ['COMMAND', 'LIST', 'FILTERBY', 'x', 'y'],
    ['COMMAND', 'LIST', 'FILTERBY', 'PATTERN'],
    ['COMMAND', 'LIST', 'x'],
  );
});

test('COMMAND GETKEYS and GETKEYSANDFLAGS answer like Redis, errors included', async () => {
  await pair.same(
    ['COMMAND', 'GETKEYS', 'GET', 'k'],
    ['COMMAND', 'GETKEYS', 'set', 'k', 'v'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'SET', 'k', 'v'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'GET'],
    ['COMMAND', 'GETKEYSANDFLAGS', 'memory', 'usage', 'k'],
    ['COMMAND', 'GETKEYS', 'nosuch', 'k'],
    ['COMMAND', 'GETKEYS', 'PING', 'x'],
    ['COMMAND', 'GETKEYS', 'SELECT', '0'],
    ['COMMAND', 'GETKEYS', 'QUIT', 'x'],
    ['COMMAND', 'GETKEYS', 'slowlog', 'nosuch'],
    ['COMMAND', 'GETKEYS', 'memory', 'usage'],
    ['COMMAND', 'GETKEYS', 'set', 'k'],
    ['COMMAND', 'GETKEYS', 'get'],
    ['COMMAND', 'GETKEYS'],
  );
});

test('key extraction from key specs matches the oracle for commands of every key-spec kind', async () => {
  // Specs built from the metadata alone, so this covers commands other groups implement.
  const cases: string[][] = [
    ['mset', 'a', '1', 'b', '2'],
    ['mget', 'a', 'b', 'c'],
    ['xread', 'COUNT', '2', 'STREAMS', 's1', 's2', '0', '0'],
    ['xreadgroup', 'GROUP', 'g', 'c', 'STREAMS', 's', '>'],
    ['eval', 'return 1', '2', 'a', 'b', 'c'],
    ['fcall', 'f', '1', 'k', 'x'],
    ['zunionstore', 'd', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
    ['zinter', '2', 'a', 'b'],
    ['lmpop', '2', 'a', 'b', 'LEFT'],
    ['blmpop', '0', '2', 'a', 'b', 'LEFT'],
    ['georadius', 'k', '1', '2', '3', 'm', 'STORE', 'x', 'STOREDIST', 'y'],
    ['rename', 'a', 'b'],
    ['smove', 'a', 'b', 'm'],
    ['object', 'encoding', 'k'],
    ['lmove', 'a', 'b', 'LEFT', 'RIGHT'],
    ['bitop', 'AND', 'd', 'a', 'b'],
    ['pfcount', 'a', 'b'],
  ];
  const meta = commandMeta();
  for (const argv of cases) {
    const base = argv[0];
    const sub = meta.has(`${base}|${argv[1]}`) ? `${base}|${argv[1]}` : null;
    const name = sub ?? base;
    const m = meta.get(name)!;
    const spec: CommandSpec = {
      name: sub ? argv[1] : base,
      fullName: name,
      arity: m.arity,
      flags: m.flags as CommandSpec['flags'],
      firstKey: m.firstKey,
      lastKey: m.lastKey,
      step: m.step,
    };
    const mine = getKeysWithFlags(spec, argv).map((k) => [argv[k.pos], k.flags]);
    const oracle = resp(await pair.o.call('COMMAND', 'GETKEYSANDFLAGS', ...argv)) as Resp[];
    const expected = oracle.map((e) => [
      (e as Resp[])[0],
      ((e as Resp[])[1] as string[]).map((f) => f.slice(1)),
    ]);
    assert.deepEqual(mine, expected, argv.join(' '));
  }
});

test('COMMAND HELP, SLOWLOG HELP, LATENCY HELP and MEMORY HELP equal the oracle', async () => {
  await pair.same(['COMMAND', 'HELP'], ['SLOWLOG', 'HELP'], ['LATENCY', 'HELP'], ['MEMORY', 'HELP']);
  await pair.same(['SLOWLOG', 'nosuch'], ['MEMORY', 'nosuch'], ['LATENCY'], ['COMMAND', 'HELP', 'x']);
});

/** Field names of INFO text, section by section. */
function infoFields(text: string): string[] {
  return text
    .split('\r\n')
    .filter((l) => l !== '')
    .map((l) => (l.startsWith('#') ? l : l.slice(0, l.indexOf(':'))))
    .filter((f) => f !== 'respite_version');
}

test('INFO sections have the oracle field names, in its order', async () => {
  const sections = [
    'server',
    'clients',
    'memory',
    'persistence',
    'stats',
    'replication',
    'cpu',
    'modules',
    'cluster',
  ];
  for (const s of sections) {
    const [o, r] = await pair.both('INFO', s);
    assert.deepEqual(infoFields(resp(r) as string), infoFields(resp(o) as string), `INFO ${s}`);
  }
  const headers = (raw: string) => infoFields(resp(raw) as string).filter((f) => f.startsWith('#'));
  for (const args of [[], ['everything'], ['all'], ['default'], ['SERVER', 'keyspace'], ['nosuch']]) {
    const [o, r] = await pair.both('INFO', ...args);
    assert.deepEqual(headers(r), headers(o), `INFO ${args.join(' ')}`);
  }
  await pair.same(['INFO', 'nosuch']);
});

test('INFO reports Respite values: version, keyspace, commandstats, errorstats, latencystats', async () => {
  const r = pair.r;
  await pair.same(['SELECT', '3'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['GET', 'a'], ['SELECT', '0']);
  await pair.both('NOSUCHCOMMAND');
  const text = resp(await r.call('INFO', 'everything')) as string;
  assert.match(text, /^# Server\r\nredis_version:7\.0\.15\r\nrespite_version:\d+\.\d+\.\d+\r\n/);
  assert.match(text, new RegExp(`\\r\\nprocess_id:${process.pid}\\r\\n`));
  assert.match(text, new RegExp(`\\r\\ntcp_port:${pair.respite.port}\\r\\n`));
  assert.match(text, /\r\ndb3:keys=2,expires=0,avg_ttl=0\r\n/);
  assert.match(
    text,
    /\r\ncmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n/,
  );
  assert.match(text, /\r\nerrorstat_ERR:count=\d+\r\n/);
  assert.match(text, /\r\nlatency_percentiles_usec_set:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}\r\n/);
  assert.match(text, /\r\nused_memory:\d+\r\nused_memory_human:[\d.]+[BKMG]\r\n/);
  assert.match(text, /\r\nused_cpu_sys:\d+\.\d{6}\r\nused_cpu_user:\d+\.\d{6}\r\n/);
  assert.match(text, /\r\ntotal_commands_processed:\d+\r\n/);
});

test('LATENCY HISTOGRAM counts commands run by scripts and starts over after CONFIG RESETSTAT', async () => {
  const calls = (reply: string): string[] => [...reply.matchAll(/calls\r\n:(\d+)/g)].map((m) => m[1]);
  await pair.both('CONFIG', 'RESETSTAT');
  await pair.both(
    'EVAL',
    "redis.call('INCR', KEYS[1]) redis.call('INCR', KEYS[1]) return 1",
    '1',
    'lh:counter',
  );
  let [o, r] = await pair.both('LATENCY', 'HISTOGRAM', 'incr', 'eval');
  assert.deepEqual(calls(r), calls(o));
  assert.deepEqual(calls(r), ['2', '1']);
  await pair.both('CONFIG', 'RESETSTAT');
  await pair.same(['LATENCY', 'HISTOGRAM', 'incr']);
  await pair.both('INCR', 'lh:counter');
  [o, r] = await pair.both('LATENCY', 'HISTOGRAM', 'incr');
  assert.deepEqual(calls(r), calls(o));
  assert.deepEqual(calls(r), ['1']);
  await pair.both('DEL', 'lh:counter');
});

test('INFO total_reads_processed and total_writes_processed count read events and reply writes as Redis does', async () => {
  const field = (text: string, name: string): number =>
    Number(new RegExp(`\\r\\n${name}:(\\d+)\\r\\n`).exec(text)![1]);
  const counts = async (c: typeof pair.r): Promise<number[]> => {
    await c.call('CONFIG', 'RESETSTAT');
    const first = resp(await c.call('INFO', 'stats')) as string;
    for (let i = 0; i < 5; i++) await c.call('PING');
    const then = resp(await c.call('INFO', 'stats')) as string;
    return [
      field(first, 'total_reads_processed'),
      field(first, 'total_writes_processed'),
      field(then, 'total_reads_processed'),
      field(then, 'total_writes_processed'),
    ];
  };
  const [o, r] = [await counts(pair.o), await counts(pair.r)];
  assert.deepEqual(r, o);
  assert.deepEqual(r, [1, 1, 7, 7]);
});

test('TIME replies two bulk strings: unix seconds and microseconds, close to the oracle clock', async () => {
  const [o, r] = await pair.both('TIME');
  const re = /^\*2\r\n\$\d+\r\n(\d+)\r\n\$\d+\r\n(\d+)\r\n$/;
  assert.match(r, re);
  const [, rs, rus] = re.exec(r)!;
  const [, os] = re.exec(o)!;
  assert.ok(Math.abs(Number(rs) - Number(os)) <= 2);
  assert.ok(Number(rus) < 1e6);
  await pair.same(['TIME', 'x']);
});

/** Slowlog entries with id, time, duration and client address replaced by placeholders. */
function normalizeSlowlog(raw: string): Resp {
  const v = resp(raw) as Resp[];
  return v.map((e) => {
    const [, , , args, , name] = e as Resp[];
    return ['id', 'time', 'usec', args, 'addr', name];
  });
}

test('SLOWLOG GET/LEN/RESET reply in the oracle shape when every command is logged', async () => {
  await setBoth('slowlog-log-slower-than', '0');
  await pair.same(['SLOWLOG', 'RESET']);
  await pair.same(['SET', 'k', 'v'], ['GET', 'k']);
  const [o, r] = await pair.both('SLOWLOG', 'GET');
  assert.deepEqual(normalizeSlowlog(r), normalizeSlowlog(o));
  const [o1, r1] = await pair.both('SLOWLOG', 'GET', '1');
  assert.deepEqual(normalizeSlowlog(r1), normalizeSlowlog(o1));
  const [o2, r2] = await pair.both('SLOWLOG', 'GET', '-1');
  assert.deepEqual(normalizeSlowlog(r2), normalizeSlowlog(o2));
  await pair.same(
    ['SLOWLOG', 'GET', '0'],
    ['SLOWLOG', 'LEN'],
    ['SLOWLOG', 'GET', '-2'],
    ['SLOWLOG', 'GET', 'x'],
  );
  await pair.same(['SLOWLOG', 'LEN', 'x'], ['SLOWLOG', 'RESET', 'x'], ['SLOWLOG', 'GET', '1', '2']);
  await setBoth('slowlog-log-slower-than', '10000');
  await pair.same(['SLOWLOG', 'RESET']);
});

test('SLOWLOG entries keep at most 32 arguments and 128 bytes per argument, as Redis', async () => {
  await setBoth('slowlog-log-slower-than', '0');
  await pair.same(['SLOWLOG', 'RESET']);
  const many = Array.from({ length: 40 }, (_, i) => `k${i}`);
  await pair.both('COMMAND', 'INFO', ...many);
  await pair.both('ECHO', 'x'.repeat(200));
  const [o, r] = await pair.both('SLOWLOG', 'GET', '2');
  assert.deepEqual(normalizeSlowlog(r), normalizeSlowlog(o));
  await setBoth('slowlog-log-slower-than', '10000');
});

test('LATENCY LATEST/HISTORY/RESET/GRAPH record command events over latency-monitor-threshold', async () => {
  await pair.same(['LATENCY', 'RESET']);
  await pair.same(['LATENCY', 'LATEST'], ['LATENCY', 'HISTORY', 'command'], ['LATENCY', 'GRAPH', 'command']);
  // A threshold well above scheduling noise on a busy machine; DEBUG SLEEP is well above it.
  await setBoth('latency-monitor-threshold', '15');
  await pair.same(['DEBUG', 'SLEEP', '0.05']);
  const commandEvents = (raw: string) =>
    (resp(raw) as Resp[])
      .filter((e) => (e as Resp[])[0] === 'command')
      .map((e) => (e as Resp[]).map((x, i) => (i === 0 ? x : typeof x)));
  const [o, r] = await pair.both('LATENCY', 'LATEST');
  assert.deepEqual(commandEvents(r), commandEvents(o));
  assert.equal(commandEvents(r).length, 1);
  const [oh, rh] = await pair.both('LATENCY', 'HISTORY', 'command');
  const entryShape = (raw: string) => (resp(raw) as Resp[]).map((e) => (e as string[]).map((x) => x[0]));
  assert.deepEqual(entryShape(rh)[0], entryShape(oh)[0]);
  const last = (resp(rh) as Resp[]).at(-1) as string[];
  assert.ok(Number(last[1].slice(1)) >= 50, `latency ${last[1]} ms`);
  const [og, rg] = await pair.both('LATENCY', 'GRAPH', 'command');
  assert.equal(rg.split('\n')[0].replace(/\d+/g, 'N'), og.split('\n')[0].replace(/\d+/g, 'N'));
  await pair.same(['LATENCY', 'RESET', 'nosuch', 'command']);
  await setBoth('latency-monitor-threshold', '0');
  await pair.same(['LATENCY', 'RESET'], ['LATENCY', 'DOCTOR']);
});

test('LATENCY HISTOGRAM replies the cumulative distribution in the oracle shape', async () => {
  await pair.same(['LATENCY', 'HISTOGRAM', 'nosuch']);
  const shape = (raw: string): Resp => {
    const m = resp(raw) as Resp[];
    return m.map((x, i) => (i % 2 === 0 ? x : ((x as Resp[])[0] as string)));
  };
  const [o, r] = await pair.both('LATENCY', 'HISTOGRAM', 'set', 'nosuch');
  assert.deepEqual(shape(r), shape(o));
  const h = pair.respite.server.stats.latencyOf(pair.respite.server.commands.get('set')!)!;
  const cdf = h.cumulative();
  assert.equal(cdf[cdf.length - 1][1], h.total);
});

test('MEMORY USAGE equals the oracle for strings of every encoding and key length', async () => {
  const vals = ['1', '12345', '-7', 'v', 'x'.repeat(12), 'x'.repeat(13), 'x'.repeat(44), 'x'.repeat(45)];
  for (const len of [100, 200, 1000, 5000]) vals.push('y'.repeat(len));
  for (const key of ['k', 'k'.repeat(6), 'k'.repeat(7), 'k'.repeat(31), 'k'.repeat(32), 'k'.repeat(300)]) {
    for (const v of vals) {
      await pair.same(['SET', key, v], ['MEMORY', 'USAGE', key], ['MEMORY', 'USAGE', key, 'SAMPLES', '0']);
    }
  }
  await pair.same(
    ['MEMORY', 'USAGE', 'nosuch'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES', 'x'],
    ['MEMORY', 'USAGE', 'k', 'SAMPLES'],
    ['MEMORY', 'USAGE', 'k', 'foo'],
    ['MEMORY', 'USAGE'],
    ['MEMORY', 'STATS', 'x'],
    ['MEMORY', 'DOCTOR', 'x'],
    ['MEMORY', 'PURGE'],
  );
});

test('MEMORY STATS has the oracle fields in its order, MEMORY DOCTOR and MALLOC-STATS reply text', async () => {
  const keysOf = (raw: string) => (resp(raw) as Resp[]).filter((_, i) => i % 2 === 0);
  const [o, r] = await pair.both('MEMORY', 'STATS');
  assert.deepEqual(keysOf(r), keysOf(o));
  await pair.same(['MEMORY', 'DOCTOR']);
  assert.match(await pair.r.call('MEMORY', 'MALLOC-STATS'), /^\$\d+\r\n/);
});

test('MONITOR streams each command in the oracle line format, after it ran', async () => {
  const om = await RawClient.connect(pair.oracle.port);
  const rm = await RawClient.connect(pair.respite.port);
  assert.equal(await om.call('MONITOR'), '+OK\r\n');
  assert.equal(await rm.call('MONITOR'), '+OK\r\n');
  await pair.same(
    ['SET', 'k', 'a "b"\\\n\r\t\x07\x08\x01\xff'],
    ['SELECT', '2'],
    ['SELECT', '0'],
    ['DEBUG', 'SLEEP', '0'],
  );
  const norm = (line: string) => line.replace(/^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\]/, '+T [$1 ADDR]');
  for (let i = 0; i < 3; i++) {
    const [o, r] = [await om.read(), await rm.read()];
    assert.match(r, /^\+\d+\.\d{6} \[\d+ 127\.0\.0\.1:\d+\] /);
    assert.equal(norm(r), norm(o));
  }
  // A second MONITOR gets no reply; the monitor sees its own commands too (admin ones excepted).
  om.send('MONITOR');
  rm.send('MONITOR');
  om.send('PING');
  rm.send('PING');
  assert.equal(await rm.read(), '+PONG\r\n');
  assert.equal(await om.read(), '+PONG\r\n');
  assert.equal(norm(await rm.read()), norm(await om.read()));
  om.close();
  rm.close();
});

test('DEBUG SLEEP, SET-ACTIVE-EXPIRE, OBJECT, PROTOCOL and unknown subcommands reply as Redis', async () => {
  await pair.same(
    ['DEBUG', 'SLEEP', '0'],
    ['DEBUG', 'SLEEP', '0.001'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE', '1'],
    ['DEBUG', 'SET-ACTIVE-EXPIRE'],
    ['DEBUG', 'OBJECT', 'nosuch'],
    ['DEBUG', 'nosuch'],
    ['DEBUG', 'JMAP'],
    ['DEBUG', 'PROTOCOL', 'string'],
    ['DEBUG', 'PROTOCOL', 'integer'],
    ['DEBUG', 'PROTOCOL', 'array'],
    ['DEBUG', 'PROTOCOL', 'map'],
    ['DEBUG', 'PROTOCOL', 'true'],
    ['DEBUG', 'PROTOCOL', 'nosuch'],
    ['DEBUG', 'ERROR', 'MYERR something'],
    ['DEBUG'],
  );
  await pair.same(['SET', 'dk', 'hello'], ['SET', 'dn', '123']);
  for (const key of ['dk', 'dn']) {
    const [o, r] = await pair.both('DEBUG', 'OBJECT', key);
    const norm = (s: string) =>
      s.replace(/at:0x[0-9a-f]+/, 'at:X').replace(/lru:\d+ lru_seconds_idle:\d+/, 'lru');
    assert.equal(norm(r), norm(o));
  }
});

test('LOLWUT replies verbatim text: the version line, and art with Redis credits for versions 5 and 6', async () => {
  await pair.same(
    ['LOLWUT'],
    ['LOLWUT', 'VERSION', '1'],
    ['LOLWUT', 'VERSION', '7'],
    ['LOLWUT', 'VERSION', 'x'],
  );
  await pair.same(['LOLWUT', 'VERSION', '5', 'x'], ['LOLWUT', 'VERSION', '6', '1', 'y']);
  const r5 = resp(await pair.r.call('LOLWUT', 'VERSION', '5')) as string;
  assert.ok(r5.endsWith('\nGeorg Nees - schotter, plotter on paper, 1968. Redis ver. 7.0.15\n'));
  assert.ok(r5.length > 500);
  const r6 = resp(await pair.r.call('LOLWUT', 'VERSION', '6', '40', '10')) as string;
  assert.ok(
    r6.endsWith(
      '\nDedicated to the 8 bit game developers of past and present.\nOriginal 8 bit image from Plaguemon by hikikomori. Redis ver. 7.0.15\n',
    ),
  );
  assert.equal(Buffer.from(r6.split('\n')[0], 'latin1').toString('utf8').length, 40);
});

test('SHUTDOWN rejects bad option combinations as Redis does', async () => {
  await pair.same(
    ['SHUTDOWN', 'nosuch'],
    ['SHUTDOWN', 'SAVE', 'NOSAVE'],
    ['SHUTDOWN', 'ABORT', 'NOW'],
    ['SHUTDOWN', 'ABORT', 'FORCE'],
    ['SHUTDOWN', 'ABORT'],
  );
});

test('SHUTDOWN NOSAVE stops the server and closes the connection', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  c.send('SHUTDOWN', 'NOSAVE', 'NOW');
  await c.waitClosed();
  assert.ok(srv.server.isClosing());
  await srv.close();
});
