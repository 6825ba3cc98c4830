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
import { fmtInt, table, machineLine } from './report.js';
import { commandLine, type Options } from './options.js';
import { compareServers, standardModes, throughputTable, type BenchMode, type Row } from './throughput.js';
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

function bitsThroughput(o: Options): Promise<{ modes: BenchMode[]; rows: Row[][] }> {
  const tests = BITS_TESTS.map((t) => ({
    label: t.name,
    test: t.name,
    custom: t.custom,
    setup: t.setup,
    // The command itself on a small key, to tell "not implemented" before running.
    probe: t.custom.map((a) => a.replace('__rand_int__', '1')),
  }));
  return compareServers(o, standardModes(o), tests);
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
