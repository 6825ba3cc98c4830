/**
 * `npm run bench -- --collections`: the collection types. Server CPU per request (and
 * throughput, latency) of redis-benchmark's LPUSH, RPOP, SADD, HSET, ZADD and LRANGE_100 and of
 * a 100-element ZRANGE; then memory per element of one 1,000,000-element list, hash, set and
 * sorted set in each server.
 */
import { startServer, sleep, type ServerProc } from './proc.js';
import { oneCommand, loadCommands, encodeCommand } from './resp.js';
import { fmtInt, fmtNum, fmtRatio, fmtMB, table, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';
import { compareServers, standardModes, throughputTable, type BenchMode, type Row } from './throughput.js';
import { usedMemory } from './memory.js';
import type { MachineInfo } from './proc.js';

interface CollTest {
  /** The name in the report (redis-benchmark's test name where there is one). */
  name: string;
  /** redis-benchmark `-t` test, or... */
  builtin?: string;
  /** ...a custom command line, sent to a key preloaded by `setup`. */
  custom?: string[];
  setup?: string[][];
  /** A cheap command, to tell "not implemented" before running. */
  probe: string[];
}

const LIST_100 = ['RPUSH', 'bench:l', ...Array.from({ length: 100 }, () => 'xxx')];
const ZSET_100 = ['ZADD', 'bench:z'];
for (let i = 0; i < 100; i++) ZSET_100.push(String(i), `member:${String(i).padStart(3, '0')}`);

/**
 * LRANGE_100 is redis-benchmark's `LRANGE mylist 0 99` over 3-byte elements, but sent as a
 * custom command to a preloaded list: `-t lrange_100` first runs as many LPUSHes to fill the
 * list, which would be counted in the CPU figure.
 */
export const COLL_TESTS: CollTest[] = [
  { name: 'lpush', builtin: 'lpush', probe: ['LPUSH', 'bench:probe:list', 'x'] },
  // After LPUSH, so it pops what LPUSH pushed (the same on both servers).
  { name: 'rpop', builtin: 'rpop', probe: ['RPOP', 'bench:probe:list'] },
  { name: 'sadd', builtin: 'sadd', probe: ['SADD', 'bench:probe:set', 'x'] },
  { name: 'hset', builtin: 'hset', probe: ['HSET', 'bench:probe:hash', 'f', 'v'] },
  { name: 'zadd', builtin: 'zadd', probe: ['ZADD', 'bench:probe:zset', '1', 'x'] },
  {
    name: 'lrange_100',
    custom: ['LRANGE', 'bench:l', '0', '99'],
    setup: [['DEL', 'bench:l'], LIST_100],
    probe: ['LRANGE', 'bench:probe:list', '0', '99'],
  },
  {
    name: 'zrange_100',
    custom: ['ZRANGE', 'bench:z', '0', '99'],
    setup: [['DEL', 'bench:z'], ZSET_100],
    probe: ['ZRANGE', 'bench:probe:zset', '0', '99'],
  },
];

function collThroughput(o: Options): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const tests = COLL_TESTS.map((t) => ({
    label: t.name,
    test: t.builtin ?? t.name,
    custom: t.custom,
    setup: t.setup,
    probe: t.probe,
  }));
  return compareServers(o, standardModes(o), tests);
}

// ---- Memory per element ----------------------------------------------------------------------

interface CollMem {
  /** The elements go into one key, `per` elements per command. */
  kind: string;
  key: string;
  lenCmd: string;
  encode: (i: number, per: number) => string[];
}

const el = (i: number) => String(i).padStart(9, '0');
const range = (i: number, per: number, f: (j: number) => string[]) => {
  const out: string[] = [];
  for (let j = i * per; j < (i + 1) * per; j++) out.push(...f(j));
  return out;
};

export const COLL_MEM: CollMem[] = [
  {
    kind: 'list',
    key: 'bench:list',
    lenCmd: 'LLEN',
    encode: (i, per) => ['RPUSH', 'bench:list', ...range(i, per, (j) => ['v' + el(j)])],
  },
  {
    kind: 'hash',
    key: 'bench:hash',
    lenCmd: 'HLEN',
    encode: (i, per) => ['HSET', 'bench:hash', ...range(i, per, (j) => ['f' + el(j), 'v' + el(j)])],
  },
  {
    kind: 'set',
    key: 'bench:set',
    lenCmd: 'SCARD',
    encode: (i, per) => ['SADD', 'bench:set', ...range(i, per, (j) => ['m' + el(j)])],
  },
  {
    kind: 'zset',
    key: 'bench:zset',
    lenCmd: 'ZCARD',
    encode: (i, per) => ['ZADD', 'bench:zset', ...range(i, per, (j) => [String(j), 'm' + el(j)])],
  },
];

export const ELEMENT_DESC: Record<string, string> = {
  list: '10-byte elements `v000000042`',
  hash: '10-byte fields `f000000042` → 10-byte values `v000000042`',
  set: '10-byte non-integer members `m000000042`',
  zset: '10-byte members `m000000042`, integer scores',
};

interface CollMemSide {
  emptyRss: number;
  loadedRss: number;
  /** RSS REST_MS later, the server idle: what it keeps at rest (allocators trim by then). */
  restRss: number;
  emptyUsed: number;
  loadedUsed: number;
  usedNa?: string;
  loadSeconds: number;
  encoding: string;
  check: string;
}

/**
 * How long after the first reading the server is left idle before RSS is read again: Respite
 * gives its grown V8 young generation back after 5.5 s without allocation (server/young-gen.ts;
 * a second try 5.5 s later if V8 kept it),
 * as jemalloc decays redis-server's dirty pages within 10 s.
 */
const REST_MS = 12000;

async function collMemoryOf(s: ServerProc, t: CollMem, n: number): Promise<CollMemSide> {
  const per = 100;
  await sleep(300);
  const emptyRss = s.rssBytes();
  const u0 = await usedMemory(s);
  const load = await loadCommands(s.port, Math.ceil(n / per), (i) => encodeCommand(t.encode(i, per)), 100);
  if (load.errors > 0)
    throw new Error(`${s.label}: ${load.errors} errors while loading ${t.kind}, first: ${load.firstError}`);
  const len = await oneCommand(s.port, t.lenCmd, t.key);
  if (len !== Math.ceil(n / per) * per) throw new Error(`${s.label}: ${t.lenCmd} returned ${String(len)}`);
  const enc = await oneCommand(s.port, 'OBJECT', 'ENCODING', t.key);
  await sleep(1000);
  const loadedRss = s.rssBytes();
  const u1 = await usedMemory(s);
  await sleep(REST_MS);
  const restRss = s.rssBytes();
  return {
    emptyRss,
    loadedRss,
    restRss,
    emptyUsed: typeof u0 === 'number' ? u0 : NaN,
    loadedUsed: typeof u1 === 'number' ? u1 : NaN,
    usedNa: typeof u0 === 'string' ? u0 : typeof u1 === 'string' ? u1 : undefined,
    loadSeconds: load.seconds,
    encoding: typeof enc === 'string' ? enc : 'n/a',
    check: `${t.lenCmd} ${fmtInt(len)}`,
  };
}

interface CollMemRow {
  t: CollMem;
  n: number;
  redis: CollMemSide;
  respite: CollMemSide;
}

async function collMemory(o: Options): Promise<CollMemRow[]> {
  const n = o.collElements;
  const rows: CollMemRow[] = [];
  for (const t of COLL_MEM) {
    if (o.collTypes.length > 0 && !o.collTypes.includes(t.kind)) continue;
    // Fresh servers per type: freed memory does not reliably go back to the OS (RSS).
    const redis = await startServer('redis');
    const respite = await startServer('respite');
    try {
      say(`memory: ${fmtInt(n)} elements in one ${t.kind}`);
      const r = await collMemoryOf(redis, t, n);
      const p = await collMemoryOf(respite, t, n);
      for (const [label, m] of [
        ['Redis', r],
        ['Respite', p],
      ] as const)
        say(
          `  ${label.padEnd(8)} RSS/element ${fmtNum((m.loadedRss - m.emptyRss) / n, 1)} B ` +
            `(at rest ${fmtNum((m.restRss - m.emptyRss) / n, 1)} B), ` +
            `used_memory/element ${fmtNum((m.loadedUsed - m.emptyUsed) / n, 1)} B, ${m.encoding}, ` +
            `load ${fmtNum(m.loadSeconds)} s`,
        );
      rows.push({ t, n, redis: r, respite: p });
    } finally {
      await respite.stop();
      await redis.stop();
    }
  }
  return rows;
}

function collMemoryTable(rows: CollMemRow[]): string {
  const out: string[][] = [];
  for (const { t, n, redis: a, respite: b } of rows) {
    const rssA = (a.loadedRss - a.emptyRss) / n;
    const rssB = (b.loadedRss - b.emptyRss) / n;
    const restA = (a.restRss - a.emptyRss) / n;
    const restB = (b.restRss - b.emptyRss) / n;
    const usedA = (a.loadedUsed - a.emptyUsed) / n;
    const usedB = (b.loadedUsed - b.emptyUsed) / n;
    out.push([
      `${t.kind} (${ELEMENT_DESC[t.kind]})`,
      `${a.encoding} / ${b.encoding}`,
      `${fmtNum(a.loadSeconds)} s / ${fmtNum(b.loadSeconds)} s`,
      `${fmtMB(a.loadedRss - a.emptyRss)} / ${fmtMB(b.loadedRss - b.emptyRss)}`,
      `${fmtNum(rssA, 1)} B`,
      `${fmtNum(rssB, 1)} B`,
      `**${fmtRatio(rssB, rssA)}**`,
      `${fmtNum(restA, 1)} B / ${fmtNum(restB, 1)} B`,
      `**${fmtRatio(restB, restA)}**`,
      a.usedNa ?? `${fmtNum(usedA, 1)} B`,
      b.usedNa ?? `${fmtNum(usedB, 1)} B`,
      a.usedNa || b.usedNa ? 'n/a' : fmtRatio(usedB, usedA),
    ]);
  }
  return table(
    [
      'one key holding',
      'encoding Redis / Respite',
      'load time Redis / Respite',
      'RSS growth Redis / Respite',
      'RSS per element Redis',
      'RSS per element Respite',
      '**RSS ratio**',
      `RSS per element at rest (${REST_MS / 1000} s later) Redis / Respite`,
      '**RSS ratio at rest**',
      'used_memory per element Redis',
      'used_memory per element Respite',
      'used_memory ratio',
    ],
    out,
  );
}

function collTargets(modes: BenchMode[], rows: Row[][], mem: CollMemRow[]): string {
  const out: string[][] = [];
  for (let mi = 0; mi < modes.length; mi++)
    for (const r of rows[mi]) {
      const ratio =
        r.respite.cpuUsPerReq !== undefined && r.redis.cpuUsPerReq
          ? r.respite.cpuUsPerReq / r.redis.cpuUsPerReq
          : NaN;
      out.push([`${r.test.toUpperCase()} CPU per request, ${modes[mi].label}`, fmtX(ratio)]);
    }
  for (const m of mem) {
    const a = (m.redis.loadedRss - m.redis.emptyRss) / m.n;
    const b = (m.respite.loadedRss - m.respite.emptyRss) / m.n;
    const ok = Number.isFinite(b / a) ? (b / a <= 2 ? ' (≤ 2×: yes)' : ' (≤ 2×: **no**)') : '';
    out.push([`RSS per element, ${fmtInt(m.n)}-element ${m.t.kind}`, fmtX(b / a) + ok]);
    const ra = (m.redis.restRss - m.redis.emptyRss) / m.n;
    const rb = (m.respite.restRss - m.respite.emptyRss) / m.n;
    const rok = Number.isFinite(rb / ra) ? (rb / ra <= 2 ? ' (≤ 2×: yes)' : ' (≤ 2×: **no**)') : '';
    out.push([`RSS per element at rest, ${fmtInt(m.n)}-element ${m.t.kind}`, fmtX(rb / ra) + rok]);
  }
  return table(['Respite / Redis', 'ratio'], out);
}

function fmtX(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export async function collectionsMode(o: Options, m: MachineInfo): Promise<string> {
  const { modes, rows } = o.collMemoryOnly ? { modes: [], rows: [] } : await collThroughput(o);
  const mem = await collMemory(o);
  const parts: string[] = [];
  parts.push(machineLine(m));
  parts.push(
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-r 100000\`, ${fmtInt(o.requests)} requests ` +
      `per test at -c 50, ${o.repeat > 1 ? `median of ${o.repeat} runs per test and server, ` : ''}` +
      `servers alternating per test. LRANGE_100 is \`LRANGE bench:l 0 99\` on a preloaded ` +
      `list of 100 3-byte elements (redis-benchmark's lrange_100 without its LPUSH fill); ` +
      `ZRANGE_100 is \`ZRANGE bench:z 0 99\` on a preloaded 100-member sorted set.`,
  );
  parts.push('### Summary\n\n' + collTargets(modes, rows, mem));
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(rows[i]));
  parts.push(
    `### Memory, one key holding ${fmtInt(mem[0]?.n ?? o.collElements)} elements\n\n` +
      'Loaded by pipelined RPUSH/HSET/SADD/ZADD of 100 elements each over one connection into fresh ' +
      'servers per type; per element = (loaded − empty) / elements, loaded RSS read 1 s after the ' +
      `load and again at rest, ${REST_MS / 1000} s later (Respite gives its grown V8 young ` +
      'generation back after 5.5 s without allocation, as jemalloc decays dirty pages).\n\n' +
      collMemoryTable(mem),
  );
  return parts.join('\n\n');
}
