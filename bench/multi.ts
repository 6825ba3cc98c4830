/**
 * `npm run bench -- --multi`: transactions. Each transaction is
 * `MULTI / INCR bench:n / SET bench:k xxx / GET bench:k / EXEC` (three commands, five
 * requests); 50 connections each keep `pipeline` transactions in flight, written as raw RESP
 * (redis-benchmark cannot send a transaction). Reported: transactions per second and server
 * CPU per transaction (utime + stime of the server process over the run), Respite vs Redis
 * in the same run, the servers alternating.
 */
import net from 'node:net';
import { startServer, type ServerProc, type MachineInfo } from './proc.js';
import { fmtInt, fmtNum, fmtRatio, table, machineLine } from './report.js';
import { say, commandLine, median, type Options } from './options.js';

const TX =
  '*1\r\n$5\r\nMULTI\r\n' +
  '*2\r\n$4\r\nINCR\r\n$7\r\nbench:n\r\n' +
  '*3\r\n$3\r\nSET\r\n$7\r\nbench:k\r\n$3\r\nxxx\r\n' +
  '*2\r\n$3\r\nGET\r\n$7\r\nbench:k\r\n' +
  '*1\r\n$4\r\nEXEC\r\n';
/** +OK, 3 × +QUEUED, *3, :n, +OK, $3, xxx: nine lines per transaction. */
const LINES_PER_TX = 9;
export const CONNECTIONS = 50;

export interface RunResult {
  txPerSec: number;
  cpuUsPerTx: number;
}

/** Runs `total` transactions over CONNECTIONS connections, `pipeline` in flight on each. */
function load(port: number, total: number, pipeline: number): Promise<number> {
  const perConn = Math.ceil(total / CONNECTIONS);
  const t0 = process.hrtime.bigint();
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.setNoDelay(true);
      let sent = 0;
      let lines = 0;
      const batch = TX.repeat(pipeline);
      const pump = (): void => {
        const done = Math.floor(lines / LINES_PER_TX);
        if (done >= perConn) {
          s.end();
          resolve();
          return;
        }
        // The next batch once the previous one is fully answered.
        if (done === sent && sent < perConn) {
          const n = Math.min(pipeline, perConn - sent);
          s.write(n === pipeline ? batch : TX.repeat(n), 'latin1');
          sent += n;
        }
      };
      s.on('connect', pump);
      s.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length; i++) {
          if (chunk[i] === 0x2d) {
            reject(new Error(`error reply: ${chunk.latin1Slice(i, i + 80)}`));
            s.destroy();
            return;
          }
          if (chunk[i] === 0x0a) lines++;
        }
        pump();
      });
      s.on('error', reject);
    });
  return Promise.all(Array.from({ length: CONNECTIONS }, one)).then(
    () => Number(process.hrtime.bigint() - t0) / 1e9,
  );
}

/** One measured run of `total` transactions (also used by the --scripting mode). */
export async function runOnce(s: ServerProc, total: number, pipeline: number): Promise<RunResult> {
  const cpu0 = s.cpuSeconds();
  const seconds = await load(s.port, total, pipeline);
  const cpu = s.cpuSeconds() - cpu0;
  const tx = Math.ceil(total / CONNECTIONS) * CONNECTIONS;
  return { txPerSec: tx / seconds, cpuUsPerTx: (cpu * 1e6) / tx };
}

export async function multiMode(o: Options, m: MachineInfo): Promise<string> {
  const total = Math.max(CONNECTIONS, Math.floor(o.requests / 5));
  const redis = await startServer('redis');
  const respite = await startServer('respite');
  const rows: string[][] = [];
  try {
    // Warm-up (JIT) on both, not measured.
    await load(redis.port, Math.min(total, 20000), 16);
    await load(respite.port, Math.min(total, 20000), 16);
    for (const pipeline of [1, 16]) {
      const res: Record<'redis' | 'respite', RunResult[]> = { redis: [], respite: [] };
      for (let rep = 0; rep < o.repeat; rep++) {
        for (const s of [redis, respite]) {
          say(`${s.label}: ${fmtInt(total)} transactions, pipeline ${pipeline}`);
          res[s.kind].push(await runOnce(s, total, pipeline));
        }
      }
      const tps = (k: 'redis' | 'respite') => median(res[k].map((r) => r.txPerSec));
      const cpu = (k: 'redis' | 'respite') => median(res[k].map((r) => r.cpuUsPerTx));
      rows.push([
        `MULTI + 3 commands + EXEC, -P ${pipeline}`,
        fmtInt(tps('redis')),
        fmtInt(tps('respite')),
        fmtNum(cpu('redis')),
        fmtNum(cpu('respite')),
        fmtRatio(cpu('respite'), cpu('redis')),
      ]);
    }
  } finally {
    await redis.stop();
    await respite.stop();
  }
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — ${fmtInt(total)} transactions per run over ${CONNECTIONS} ` +
      `connections (\`MULTI\`, \`INCR\`, \`SET\`, \`GET\`, \`EXEC\`), ${o.repeat > 1 ? `median of ${o.repeat} runs, ` : ''}servers alternating.`,
    table(
      [
        'test',
        'Redis tx/s',
        'Respite tx/s',
        'Redis CPU µs/tx',
        'Respite CPU µs/tx',
        'CPU ratio (Respite/Redis)',
      ],
      rows,
    ),
  ].join('\n\n');
}
