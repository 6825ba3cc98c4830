/**
 * `npm run bench -- --bits`: bitmaps and HyperLogLog. Server CPU per request (and throughput,
 * latency) of SETBIT, BITCOUNT and PFADD against Redis in the same run, through
 * redis-benchmark custom commands:
 *
 *   setbit        SETBIT on 100,000 small keys (`bench:bits:<rand>`, bit 1000)
 *   setbit_8mb    SETBIT of one bit of a preloaded 8 MB bitmap (the in-place path: O(1))
 *   bitcount_16kb BITCOUNT of a preloaded 16 KB string (popcount)
 *   pfadd         PFADD of a random element to one HLL (dense after the first few thousand)
 *   pfadd_sparse  PFADD of one element to 100,000 HLLs of a few elements (sparse encoding)
 *
 * redis-benchmark's `__rand_int__` is zero-padded, which Redis refuses as a bit offset, so
 * the random part goes into keys and elements.
 */
import { startServer, type ServerProc } from './proc.js';
import { oneCommand, ReplyError } from './resp.js';
import { fmtInt, fmtNum, table, machineLine } from './report.js';
import { say, commandLine, naFromError, type Options } from './options.js';
import { runRedisBenchmark } from './redis-benchmark.js';
import {
  measure,
  combine,
  cpuCell,
  throughputTable,
  type BenchMode,
  type Row,
  type Side,
} from './throughput.js';
import type { MachineInfo } from './proc.js';

interface BitsTest {
  name: string;
  custom: string[];
  setup?: string[][];
}

/** 16 KB of printable bytes with a mix of set bits. */
function text16k(): string {
  let s = '';
  let x = 12345;
  for (let i = 0; i < 16384; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    s += String.fromCharCode(33 + ((x >>> 16) % 94));
  }
  return s;
}

export const BITS_TESTS: BitsTest[] = [
  { name: 'setbit', custom: ['SETBIT', 'bench:bits:__rand_int__', '1000', '1'] },
  {
    name: 'setbit_8mb',
    custom: ['SETBIT', 'bench:bitmap', '33554431', '1'],
    setup: [
      ['DEL', 'bench:bitmap'],
      ['SETBIT', 'bench:bitmap', '67108863', '1'],
    ],
  },
  {
    name: 'bitcount_16kb',
    custom: ['BITCOUNT', 'bench:bc'],
    setup: [['SET', 'bench:bc', text16k()]],
  },
  { name: 'pfadd', custom: ['PFADD', 'bench:hll', 'element:__rand_int__'] },
  { name: 'pfadd_sparse', custom: ['PFADD', 'bench:hll:__rand_int__', 'element:__rand_int__'] },
];

async function setupTest(s: ServerProc, t: BitsTest): Promise<string | null> {
  for (const cmd of t.setup ?? []) {
    const r = await oneCommand(s.port, ...cmd);
    if (r instanceof ReplyError) return naFromError(r.message);
  }
  // A probe of the command itself, to tell "not implemented" before running.
  const probe = t.custom.map((a) => a.replace('__rand_int__', '1'));
  const r = await oneCommand(s.port, ...probe);
  return r instanceof ReplyError ? naFromError(r.message) : null;
}

async function bitsThroughput(o: Options): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const keyspace = 100000;
  const modes: BenchMode[] = [
    { label: `-c 50 -P 1`, clients: 50, pipeline: 1, requests: o.requests },
    { label: `-c 50 -P 16`, clients: 50, pipeline: 16, requests: o.requests },
  ];
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const all: Row[][] = [];
  try {
    say(
      `servers: Redis pid ${redis.pid} port ${redis.port}, Respite pid ${respite.pid} port ${respite.port}`,
    );
    for (const s of [redis, respite]) {
      const args = ['-p', String(s.port), '-t', 'set,get', '-c', '50', '-n', '100000', '-P', '16'];
      await runRedisBenchmark([...args, '-r', String(keyspace)]);
    }
    let k = 0;
    for (const mode of modes) {
      const rows: Row[] = [];
      for (const t of BITS_TESTS) {
        const runs = new Map<ServerProc, Side[]>([
          [redis, []],
          [respite, []],
        ]);
        for (let rep = 0; rep < o.repeat; rep++, k++) {
          const order = k % 2 === 0 ? [redis, respite] : [respite, redis];
          for (const s of order) {
            const skip = await setupTest(s, t);
            const side = skip ? { na: skip } : await measure(s, t.name, mode, keyspace, t.custom);
            runs.get(s)!.push(side);
            const st = side.stats;
            say(
              `  ${mode.label.padEnd(12)} ${t.name.padEnd(14)} ${s.label.padEnd(8)} ` +
                (st
                  ? `${fmtInt(st.rps).padStart(9)} req/s  p50 ${fmtNum(st.p50, 3)} ms  ` +
                    `CPU ${cpuCell(side)} µs/req  wait ${fmtNum(side.waitPct, 0)}%`
                  : side.na),
            );
          }
        }
        rows.push({ test: t.name, redis: combine(runs.get(redis)!), respite: combine(runs.get(respite)!) });
      }
      all.push(rows);
    }
  } finally {
    await respite.stop();
    await redis.stop();
  }
  return { modes, rows: all };
}

function summary(modes: BenchMode[], rows: Row[][]): string {
  const out: string[][] = [];
  for (let mi = 0; mi < modes.length; mi++)
    for (const r of rows[mi]) {
      const ratio =
        r.respite.cpuUsPerReq !== undefined && r.redis.cpuUsPerReq
          ? r.respite.cpuUsPerReq / r.redis.cpuUsPerReq
          : NaN;
      const cell = Number.isFinite(ratio)
        ? `${ratio.toFixed(2)}×${ratio <= 2 ? ' (≤ 2×: yes)' : ' (≤ 2×: **no**)'}`
        : 'n/a';
      out.push([`${r.test.toUpperCase()} CPU per request, ${modes[mi].label}`, cell]);
    }
  return table(['Respite / Redis', 'ratio'], out);
}

export async function bitsMode(o: Options, m: MachineInfo): Promise<string> {
  const { modes, rows } = await bitsThroughput(o);
  const parts: string[] = [];
  parts.push(machineLine(m));
  parts.push(
    `Command: \`${commandLine(o)}\` — redis-benchmark custom commands, \`-r 100000\`, ` +
      `${fmtInt(o.requests)} requests per test at -c 50, ` +
      `${o.repeat > 1 ? `median of ${o.repeat} runs per test and server, ` : ''}servers alternating per test. ` +
      'SETBIT on 100,000 small keys; SETBIT_8MB of one bit of a preloaded 8 MB bitmap; ' +
      'BITCOUNT_16KB of a preloaded 16 KB string; PFADD of random elements to one HLL; ' +
      'PFADD_SPARSE of one element to 100,000 sparse HLLs.',
  );
  parts.push('### Summary\n\n' + summary(modes, rows));
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(rows[i]));
  return parts.join('\n\n');
}
