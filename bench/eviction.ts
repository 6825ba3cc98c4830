/**
 * `npm run bench -- --eviction`: SET under eviction pressure — both servers with
 * `maxmemory 64mb` and `allkeys-lru`, redis-benchmark writing 100-byte values over a 10M-key
 * space, so that after the first ~64 MB every SET evicts. Server CPU per request, Respite vs
 * Redis in the same run, and evicted_keys / used_memory at the end.
 */
import { startServer, type MachineInfo, type ServerProc } from './proc.js';
import { measure, cpuCell, type BenchMode, type Side } from './throughput.js';
import { oneCommand } from './resp.js';
import { fmtInt, fmtNum, fmtRatio, fmtMB, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';

/** An INFO field (`name:N`) or a keyspace line's count (`db0:keys=N`, name `db0:keys`). */
async function infoField(s: ServerProc, name: string): Promise<number> {
  const text = String(await oneCommand(s.port, 'INFO'));
  return Number(new RegExp(`^${name}[:=](\\d+)`, 'm').exec(text)?.[1] ?? NaN);
}

export async function evictionMode(o: Options, m: MachineInfo): Promise<string> {
  const args = ['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'];
  const servers = [await startServer('redis', { args }), await startServer('respite', { args })];
  const modes: BenchMode[] = [
    { label: '-c 50 -P 1', clients: 50, pipeline: 1, requests: o.requests },
    { label: '-c 50 -P 16', clients: 50, pipeline: 16, requests: o.requests * 2 },
  ];
  const rows: string[][] = [];
  const targets: string[][] = [];
  try {
    // Fill past the limit first, so that every measured SET runs with evictions.
    for (const s of servers)
      await measure(s, 'set', { ...modes[1], requests: 1000000 }, 10000000, ['-t', 'set', '-d', '100']);
    for (const mode of modes) {
      const sides: Side[] = [];
      for (const s of servers) {
        const side = await measure(s, 'set', mode, 10000000, ['-t', 'set', '-d', '100']);
        sides.push(side);
        say(
          `  ${mode.label} SET ${s.label.padEnd(8)} ${side.stats ? `${fmtInt(side.stats.rps)} req/s CPU ${cpuCell(side)} µs/req` : side.na}`,
        );
      }
      const [redis, respite] = sides;
      rows.push([
        mode.label,
        fmtInt(redis.stats?.rps ?? NaN),
        fmtInt(respite.stats?.rps ?? NaN),
        cpuCell(redis),
        cpuCell(respite),
        fmtRatio(respite.cpuUsPerReq, redis.cpuUsPerReq),
      ]);
      const ratio = (respite.cpuUsPerReq ?? NaN) / (redis.cpuUsPerReq ?? NaN);
      targets.push([
        `SET under eviction, ${mode.label}`,
        '≤ 2×',
        `${fmtNum(ratio)}×`,
        ratio <= 2 ? 'yes' : '**no**',
      ]);
    }
    const state: string[][] = [];
    for (const s of servers) {
      state.push([
        s.label,
        fmtInt(await infoField(s, 'evicted_keys')),
        fmtInt(await infoField(s, 'db0:keys')),
        fmtMB(await infoField(s, 'used_memory')),
        fmtMB(s.rssBytes()),
      ]);
    }
    return [
      machineLine(m),
      `Command: \`${commandLine(o)}\` — both servers \`--maxmemory 64mb --maxmemory-policy allkeys-lru\`, ` +
        'redis-benchmark `-t set -d 100 -r 10000000` after a 1,000,000-SET fill.',
      '### Targets\n\n' + table(['target (Respite vs Redis)', 'goal', 'measured', 'met'], targets),
      '### SET under eviction\n\n' +
        table(
          ['mode', 'Redis req/s', 'Respite req/s', 'CPU µs/req Redis', 'CPU µs/req Respite', '**CPU ratio**'],
          rows,
        ),
      '### At the end\n\n' + table(['server', 'evicted_keys', 'keys', 'used_memory', 'RSS'], state),
    ].join('\n\n');
  } finally {
    for (const s of servers) await s.stop();
  }
}
