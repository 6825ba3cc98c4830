/**
 * `npm run bench -- --streams`: streams. Server CPU per request (and throughput, latency) of
 * XADD (`XADD bench:x * field value`) and of XRANGE over 100 entries, against the oracle in the
 * same run; then memory per entry of one 1,000,000-entry stream (RSS and used_memory).
 */
import { startServer, sleep, type ServerProc } from './proc.js';
import { oneCommand, loadCommands, encodeCommand } from './resp.js';
import { fmtInt, fmtNum, fmtRatio, fmtMB, table, machineLine } from './report.js';
import { say, commandLine, type Options } from './options.js';
import { compareServers, standardModes, throughputTable, type BenchMode, type Row } from './throughput.js';
import { usedMemory } from './memory.js';
import type { MachineInfo } from './proc.js';

interface StreamTest {
  name: string;
  custom: string[];
  setup: string[][];
}

const XRANGE_SETUP: string[][] = [['DEL', 'bench:xr']];
for (let i = 1; i <= 100; i++) XRANGE_SETUP.push(['XADD', 'bench:xr', `${i}-0`, 'field', `value:${i}`]);

const TESTS: StreamTest[] = [
  { name: 'xadd', custom: ['XADD', 'bench:x', '*', 'field', 'value'], setup: [['DEL', 'bench:x']] },
  { name: 'xrange_100', custom: ['XRANGE', 'bench:xr', '-', '+', 'COUNT', '100'], setup: XRANGE_SETUP },
];

function streamThroughput(o: Options): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const tests = TESTS.map((t) => ({ label: t.name, test: t.name, custom: t.custom, setup: t.setup }));
  return compareServers(o, standardModes(o), tests);
}

// ---- Memory per entry ------------------------------------------------------------------------

interface MemSide {
  emptyRss: number;
  loadedRss: number;
  emptyUsed: number;
  loadedUsed: number;
  usedNa?: string;
  loadSeconds: number;
}

const KEY = 'bench:stream';

async function memoryOf(s: ServerProc, n: number): Promise<MemSide> {
  await sleep(300);
  const emptyRss = s.rssBytes();
  const u0 = await usedMemory(s);
  // XADD replies are bulk strings (two lines): every other "command" is empty so that the
  // loader's line count matches.
  const load = await loadCommands(
    s.port,
    2 * n,
    (i) =>
      i % 2 === 0 ? encodeCommand(['XADD', KEY, '*', 'field', 'v' + String(i / 2).padStart(9, '0')]) : '',
    10000,
  );
  if (load.errors > 0)
    throw new Error(`${s.label}: ${load.errors} errors while loading, first: ${load.firstError}`);
  const len = await oneCommand(s.port, 'XLEN', KEY);
  if (len !== n) throw new Error(`${s.label}: XLEN returned ${String(len)}`);
  await sleep(1000);
  const loadedRss = s.rssBytes();
  const u1 = await usedMemory(s);
  return {
    emptyRss,
    loadedRss,
    emptyUsed: typeof u0 === 'number' ? u0 : NaN,
    loadedUsed: typeof u1 === 'number' ? u1 : NaN,
    usedNa: typeof u0 === 'string' ? u0 : typeof u1 === 'string' ? u1 : undefined,
    loadSeconds: load.seconds,
  };
}

async function streamMemory(n: number): Promise<{ redis: MemSide; respite: MemSide }> {
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  try {
    say(`memory: ${fmtInt(n)} entries in one stream`);
    const r = await memoryOf(redis, n);
    const p = await memoryOf(respite, n);
    for (const [label, m] of [
      ['Redis', r],
      ['Respite', p],
    ] as const)
      say(
        `  ${label.padEnd(8)} RSS/entry ${fmtNum((m.loadedRss - m.emptyRss) / n, 1)} B, ` +
          `used_memory/entry ${fmtNum((m.loadedUsed - m.emptyUsed) / n, 1)} B, load ${fmtNum(m.loadSeconds)} s`,
      );
    return { redis: r, respite: p };
  } finally {
    await respite.stop();
    await redis.stop();
  }
}

function fmtX(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(2)}×` : 'n/a';
}

export async function streamsMode(o: Options, m: MachineInfo): Promise<string> {
  const { modes, rows } = await streamThroughput(o);
  const n = o.collElements;
  const mem = await streamMemory(n);
  const a = mem.redis;
  const b = mem.respite;
  const rssA = (a.loadedRss - a.emptyRss) / n;
  const rssB = (b.loadedRss - b.emptyRss) / n;
  const usedA = (a.loadedUsed - a.emptyUsed) / n;
  const usedB = (b.loadedUsed - b.emptyUsed) / n;
  const targets: string[][] = [];
  for (let mi = 0; mi < modes.length; mi++)
    for (const r of rows[mi]) {
      const ratio =
        r.respite.cpuUsPerReq !== undefined && r.redis.cpuUsPerReq
          ? r.respite.cpuUsPerReq / r.redis.cpuUsPerReq
          : NaN;
      const ok = Number.isFinite(ratio) ? (ratio <= 2 ? ' (≤ 2×: yes)' : ' (≤ 2×: **no**)') : '';
      targets.push([`${r.test.toUpperCase()} CPU per request, ${modes[mi].label}`, fmtX(ratio) + ok]);
    }
  const memOk = Number.isFinite(rssB / rssA) ? (rssB / rssA <= 3 ? ' (≤ 3×: yes)' : ' (≤ 3×: **no**)') : '';
  targets.push([`RSS per entry, ${fmtInt(n)}-entry stream`, fmtX(rssB / rssA) + memOk]);
  targets.push([`used_memory per entry, ${fmtInt(n)}-entry stream`, fmtX(usedB / usedA)]);
  const parts: string[] = [];
  parts.push(machineLine(m));
  parts.push(
    `Command: \`${commandLine(o)}\` — redis-benchmark, ${fmtInt(o.requests)} requests per test at -c 50, ` +
      `${o.repeat > 1 ? `median of ${o.repeat} runs per test and server, ` : ''}servers alternating per test. ` +
      'XADD is `XADD bench:x * field value`; XRANGE_100 is `XRANGE bench:xr - + COUNT 100` on a ' +
      'preloaded 100-entry stream.',
  );
  parts.push('### Summary\n\n' + table(['Respite / Redis', 'ratio'], targets));
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(rows[i]));
  parts.push(
    `### Memory, one stream of ${fmtInt(n)} entries\n\n` +
      'Loaded by pipelined `XADD bench:stream * field v000000042` (one 10-byte value per entry) ' +
      'into fresh servers; per entry = (loaded − empty) / entries.\n\n' +
      table(
        ['', 'Redis', 'Respite', 'ratio'],
        [
          ['load time', `${fmtNum(a.loadSeconds)} s`, `${fmtNum(b.loadSeconds)} s`, ''],
          ['RSS growth', fmtMB(a.loadedRss - a.emptyRss), fmtMB(b.loadedRss - b.emptyRss), ''],
          ['RSS per entry', `${fmtNum(rssA, 1)} B`, `${fmtNum(rssB, 1)} B`, `**${fmtRatio(rssB, rssA)}**`],
          [
            'used_memory per entry',
            a.usedNa ?? `${fmtNum(usedA, 1)} B`,
            b.usedNa ?? `${fmtNum(usedB, 1)} B`,
            a.usedNa || b.usedNa ? 'n/a' : fmtRatio(usedB, usedA),
          ],
        ],
      ),
  );
  return parts.join('\n\n');
}
