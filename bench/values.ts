/**
 * `npm run bench -- --values`: SET and GET of big values (100 KB, 300 KB, 1 MB) at -c 50 -P 1,
 * as server CPU per request against Redis in the same run. Big values take paths small ones
 * never do: arguments assembled over many reads, large-object allocation, replies bigger than
 * one socket write.
 */
import { compareServers, throughputTable, type BenchMode, type Row } from './throughput.js';
import type { MachineInfo } from './proc.js';
import { fmtInt, machineLine, table } from './report.js';
import { commandLine, type Options } from './options.js';

const SIZES = [
  { label: '100KB', bytes: 100 * 1024, requests: 4000 },
  { label: '300KB', bytes: 300 * 1000, requests: 2000 },
  { label: '1MB', bytes: 1024 * 1024, requests: 600 },
];

export async function valuesMode(o: Options, m: MachineInfo): Promise<string> {
  const scale = o.quick ? 0.25 : 1;
  const results: { mode: BenchMode; rows: Row[] }[] = [];
  for (const size of SIZES) {
    const mode: BenchMode = {
      label: `${size.label} values, -c 50 -P 1`,
      clients: 50,
      pipeline: 1,
      requests: Math.round(size.requests * scale),
    };
    const value = 'v'.repeat(size.bytes);
    const { rows } = await compareServers(
      { ...o },
      [mode],
      [
        // SET writes new keys (-r 100000), so each size's keys are dropped first.
        {
          label: `set_${size.label}`,
          test: 'set',
          custom: ['-d', String(size.bytes), '-t', 'set'],
          setup: [['FLUSHALL']],
        },
        {
          label: `get_${size.label}`,
          test: 'get',
          custom: ['GET', 'bench:big'],
          setup: [['SET', 'bench:big', value]],
        },
      ],
    );
    results.push({ mode, rows: rows[0] });
  }
  const summary: string[][] = [];
  for (const r of results)
    for (const row of r.rows) {
      const a = row.respite.cpuUsPerReq;
      const b = row.redis.cpuUsPerReq;
      summary.push([row.test.toUpperCase(), a !== undefined && b ? `${(a / b).toFixed(2)}×` : 'n/a']);
    }
  const parts = [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — redis-benchmark at -c 50 -P 1: SET with \`-d <size> -r 100000\` ` +
      `(new keys), GET of one preloaded key; ${SIZES.map((s) => `${fmtInt(Math.round(s.requests * scale))} requests at ${s.label}`).join(', ')}.`,
    '### Server CPU per request, Respite / Redis\n\n' + table(['test', 'ratio'], summary),
  ];
  for (const r of results) parts.push(`### ${r.mode.label}\n\n` + throughputTable(r.rows));
  return parts.join('\n\n');
}
