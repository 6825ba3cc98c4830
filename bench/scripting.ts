/**
 * `npm run bench -- --scripting`: the cost of running a command through a script and through
 * a transaction, Respite vs Redis in the same run. EVALSHA of `return redis.call('INCR',
 * KEYS[1])` (the script loaded with SCRIPT LOAD, sent by redis-benchmark as a custom command,
 * -P 1 and -P 16) next to a plain INCR for reference, and MULTI/EXEC of 3 commands (the
 * --multi mode's load, bench/multi.ts). Reported: calls per second and server CPU per call
 * (utime + stime of the server process over the run); the target is EVALSHA CPU per call
 * ≤ 2× Redis's.
 */
import { startServer, type MachineInfo, type ServerProc } from './proc.js';
import { oneCommand } from './resp.js';
import { measure, combine, cpuCell, type BenchMode, type Side } from './throughput.js';
import { runOnce as runMulti, CONNECTIONS as MULTI_CONNECTIONS, type RunResult } from './multi.js';
import { runRedisBenchmark } from './redis-benchmark.js';
import { fmtInt, fmtNum, fmtRatio, table, machineLine } from './report.js';
import { say, commandLine, median, type Options } from './options.js';

export const INCR_SCRIPT = "return redis.call('INCR', KEYS[1])";

interface Line {
  test: string;
  redis: { perSec: number; cpuUs: number };
  respite: { perSec: number; cpuUs: number };
}

function side(s: Side): { perSec: number; cpuUs: number } {
  return { perSec: s.stats?.rps ?? NaN, cpuUs: s.cpuUsPerReq ?? NaN };
}

export async function scriptingMode(o: Options, m: MachineInfo): Promise<string> {
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const lines: Line[] = [];
  let k = 0;
  try {
    const shas = new Map<ServerProc, string>();
    for (const s of [redis, respite]) {
      shas.set(s, String(await oneCommand(s.port, 'SCRIPT', 'LOAD', INCR_SCRIPT)));
      // Warm-up (JIT), not measured: the script, and the transaction load.
      await runRedisBenchmark([
        '-p',
        String(s.port),
        '-h',
        '127.0.0.1',
        '-c',
        '50',
        '-n',
        '100000',
        '-P',
        '16',
        'EVALSHA',
        shas.get(s)!,
        '1',
        'bench:counter',
      ]);
      await runMulti(s, Math.min(20000, o.requests), 16);
    }
    if (shas.get(redis) !== shas.get(respite)) throw new Error('SCRIPT LOAD gave different SHA1s');
    for (const pipeline of [1, 16]) {
      const mode: BenchMode = { label: `-c 50 -P ${pipeline}`, clients: 50, pipeline, requests: o.requests };
      for (const [test, cmd] of [
        ['EVALSHA (INCR script)', (s: ServerProc) => ['EVALSHA', shas.get(s)!, '1', 'bench:counter']],
        ['INCR (no script)', () => ['INCR', 'bench:counter']],
      ] as const) {
        const runs = { redis: [] as Side[], respite: [] as Side[] };
        for (let rep = 0; rep < o.repeat; rep++, k++) {
          for (const s of k % 2 === 0 ? [redis, respite] : [respite, redis]) {
            const r = await measure(s, test, mode, 1, cmd(s));
            if (r.na) throw new Error(`${s.label}: ${test}: ${r.na}`);
            say(
              `  ${mode.label} ${test.padEnd(22)} ${s.label.padEnd(8)} ${fmtInt(r.stats!.rps).padStart(9)} calls/s  CPU ${cpuCell(r)} µs/call`,
            );
            runs[s.kind].push(r);
          }
        }
        lines.push({
          test: `${test}, ${mode.label}`,
          redis: side(combine(runs.redis)),
          respite: side(combine(runs.respite)),
        });
      }
      const tx = Math.max(MULTI_CONNECTIONS, Math.floor(o.requests / 5));
      const res: Record<'redis' | 'respite', RunResult[]> = { redis: [], respite: [] };
      for (let rep = 0; rep < o.repeat; rep++, k++) {
        for (const s of k % 2 === 0 ? [redis, respite] : [respite, redis]) {
          const r = await runMulti(s, tx, pipeline);
          say(
            `  -P ${pipeline} MULTI/EXEC of 3 ${s.label.padEnd(8)} ${fmtInt(r.txPerSec).padStart(9)} tx/s  CPU ${fmtNum(r.cpuUsPerTx)} µs/tx`,
          );
          res[s.kind].push(r);
        }
      }
      const pick = (kind: 'redis' | 'respite') => ({
        perSec: median(res[kind].map((r) => r.txPerSec)),
        cpuUs: median(res[kind].map((r) => r.cpuUsPerTx)),
      });
      lines.push({
        test: `MULTI + INCR, SET, GET + EXEC, ${MULTI_CONNECTIONS} conns, ${pipeline} in flight each`,
        redis: pick('redis'),
        respite: pick('respite'),
      });
    }
  } finally {
    await redis.stop();
    await respite.stop();
  }
  const evalP1 = lines.find((l) => l.test.startsWith('EVALSHA') && l.test.endsWith('-P 1'))!;
  const evalRatio = evalP1.respite.cpuUs / evalP1.redis.cpuUs;
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-c 50 -n ${fmtInt(o.requests)}\` sending \`EVALSHA <sha> 1 bench:counter\` ` +
      `(the script \`${INCR_SCRIPT}\`) or \`INCR bench:counter\`; transactions as in the --multi mode ` +
      `(${fmtInt(Math.max(MULTI_CONNECTIONS, Math.floor(o.requests / 5)))} per run). ${o.repeat > 1 ? `Median of ${o.repeat} runs, servers` : 'Servers'} alternating.`,
    table(
      [
        'test',
        'Redis calls/s',
        'Respite calls/s',
        'Redis CPU µs/call',
        'Respite CPU µs/call',
        'CPU ratio (Respite/Redis)',
      ],
      lines.map((l) => [
        l.test,
        fmtInt(l.redis.perSec),
        fmtInt(l.respite.perSec),
        fmtNum(l.redis.cpuUs),
        fmtNum(l.respite.cpuUs),
        fmtRatio(l.respite.cpuUs, l.redis.cpuUs),
      ]),
    ),
    `Target: EVALSHA CPU per call ≤ 2× Redis's (-P 1): measured ${fmtNum(evalRatio)}× — ${evalRatio <= 2 ? 'met' : '**not met**'}.`,
  ].join('\n\n');
}
