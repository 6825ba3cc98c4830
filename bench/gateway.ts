/**
 * `npm run bench -- --gateway`: Pub/Sub fan-out from one RESP publisher to N subscribers over
 * RESP, Server-Sent Events and the WebSocket JSON protocol (Respite's gateway), at a fixed
 * publish rate: delivery latency p50/p99 (publish to receive, payload = send time in µs) after
 * a warm-up at the same rate (reported apart), the server's CPU per delivered message and the
 * bench client's own CPU (it shares the machine).
 *
 * Flags: --gateway-subscribers N (default 1,000; 100 with --quick), --gateway-rate msg/s
 * (10,000; 1,000), --gateway-kinds resp,sse,ws, --gateway-tick-ms (publisher pacing, 10),
 * --gateway-flush-ms (the server's http-flush-interval), --gateway-client-threads (subscriber
 * threads, bench/gateway-client.ts; default 2 above 1M deliveries/s), --gateway-cpu-prof DIR.
 */
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { startServer, freePort, type MachineInfo } from './proc.js';
import { fmtInt, fmtNum, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';
import {
  HIST_BUCKETS,
  nowUs,
  payload,
  type ClientCommand,
  type ClientJob,
  type ClientReport,
  type Kind,
} from './gateway-client.js';

interface Result {
  delivered: number;
  expected: number;
  errors: number;
  p50Us: number;
  p99Us: number;
  /** p99 of the messages sent during the warm-up (a fresh server's first second). */
  warmP99Us: number;
  cpuUsPerDelivery: number;
  /** Server and bench-client CPU, as a share of one core over the publishing + drain time. */
  serverCpuPct: number;
  serverSysPct: number;
  clientCpuPct: number;
  clientUsPerDelivery: number;
}

interface RunParams {
  kind: Kind;
  n: number;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  profDir: string;
  tickMs: number;
  threads: number;
  flushMs: number;
}

/** A thread running `n` subscribers (bench/gateway-client.ts). */
class ClientThread {
  readonly worker: Worker;
  delivered = 0;
  readonly ready: Promise<void>;
  private onDone: ((r: Extract<ClientReport, { type: 'done' }>) => void) | null = null;
  constructor(job: ClientJob) {
    this.worker = new Worker(new URL('./gateway-client.js', import.meta.url), { workerData: job });
    this.ready = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (m: ClientReport) => {
        if (m.type === 'ready') resolve();
        else if (m.type === 'progress') this.delivered = m.delivered;
        else this.onDone?.(m);
      });
    });
  }
  finish(): Promise<Extract<ClientReport, { type: 'done' }>> {
    return new Promise((resolve) => {
      this.onDone = resolve;
      this.worker.postMessage({ type: 'finish' } satisfies ClientCommand);
    });
  }
}

async function runOne(p: RunParams): Promise<Result> {
  const { kind, n, rate, seconds, profDir } = p;
  const httpPort = await freePort();
  const args = ['--http-port', String(httpPort)];
  if (p.flushMs >= 0) args.push('--http-flush-interval', String(p.flushMs));
  const server = await startServer('respite', {
    args,
    nodeFlags:
      profDir === ''
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=gateway-${kind}.cpuprofile`],
  });
  const threads: ClientThread[] = [];
  try {
    for (let t = 0; t < p.threads; t++) {
      const share = Math.floor(n / p.threads) + (t < n % p.threads ? 1 : 0);
      threads.push(new ClientThread({ role: 'gateway-client', kind, port: server.port, httpPort, n: share }));
    }
    await Promise.all(threads.map((t) => t.ready));
    const pub = net.connect(server.port, '127.0.0.1');
    pub.setNoDelay(true);
    pub.on('data', () => {});
    await new Promise((r) => pub.once('connect', r));
    const total = Math.floor(rate * (p.warmupSeconds + seconds));
    const cpu0 = server.cpuTimes();
    const client0 = process.cpuUsage();
    const t0 = nowUs();
    for (const t of threads)
      t.worker.postMessage({ type: 'measure-from', us: t0 + p.warmupSeconds * 1e6 } satisfies ClientCommand);
    // Paced in ticks: every tick publishes what is due by then, in one write.
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((nowUs() - t0) / 1e6) * rate) + 1);
      let batch = '';
      for (; sent < due; sent++) {
        const pl = payload(nowUs());
        batch += `*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$${pl.length}\r\n${pl}\r\n`;
      }
      if (batch) pub.write(batch);
      await new Promise((r) => setTimeout(r, p.tickMs));
    }
    const expected = total * n;
    const deadline = Date.now() + 30000;
    const delivered = (): number => threads.reduce((a, t) => a + t.delivered, 0);
    while (delivered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const wallS = (nowUs() - t0) / 1e6;
    const cpu1 = server.cpuTimes();
    const client1 = process.cpuUsage(client0);
    pub.destroy();
    const hist = new Float64Array(HIST_BUCKETS);
    const warmHist = new Float64Array(HIST_BUCKETS);
    let got = 0;
    let errors = 0;
    for (const t of threads) {
      const r = await t.finish();
      got += r.delivered;
      errors += r.errors;
      for (let b = 0; b < HIST_BUCKETS; b++) {
        hist[b] += r.hist[b];
        warmHist[b] += r.warmHist[b];
      }
    }
    const pct = (h: Float64Array, q: number): number => {
      let all = 0;
      for (let b = 0; b < h.length; b++) all += h[b];
      let acc = 0;
      for (let b = 0; b < h.length; b++) {
        acc += h[b];
        if (acc > q * all) return b * 100 + 50;
      }
      return NaN;
    };
    const cpu = cpu1.user + cpu1.sys - cpu0.user - cpu0.sys;
    return {
      delivered: got,
      expected,
      errors,
      p50Us: pct(hist, 0.5),
      p99Us: pct(hist, 0.99),
      warmP99Us: pct(warmHist, 0.99),
      cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, got),
      serverCpuPct: (100 * cpu) / wallS,
      serverSysPct: (100 * (cpu1.sys - cpu0.sys)) / wallS,
      clientCpuPct: (100 * (client1.user + client1.system)) / 1e6 / wallS,
      clientUsPerDelivery: (client1.user + client1.system) / Math.max(1, got),
    };
  } finally {
    for (const t of threads) await t.worker.terminate();
    await server.stop();
  }
}

export async function gatewayMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.gatewaySubscribers || (o.quick ? 100 : 1000);
  const rate = o.gatewayRate || (o.quick ? 1000 : 10000);
  const seconds = o.quick ? 2 : 5;
  const warmupSeconds = o.quick ? 0.5 : 1;
  const tickMs = o.gatewayTickMs || 10;
  // One client thread follows ~1M deliveries/s; above that two (the machine has 2 cores).
  const threads = o.gatewayClientThreads || (n * rate > 1_000_000 ? 2 : 1);
  const kinds = o.gatewayKinds.split(',').filter((k): k is Kind => k === 'resp' || k === 'sse' || k === 'ws');
  const rows: string[][] = [];
  for (const kind of kinds) {
    say(`gateway: ${n} ${kind} subscribers, ${fmtInt(rate)} msg/s for ${warmupSeconds} + ${seconds} s ...`);
    const r = await runOne({
      kind,
      n,
      rate,
      seconds,
      warmupSeconds,
      profDir: o.gatewayCpuProf,
      tickMs,
      threads,
      flushMs: o.gatewayFlushMs,
    });
    rows.push([
      kind,
      String(n),
      `${fmtInt(r.delivered)} / ${fmtInt(r.expected)}${r.errors ? ` (${r.errors} misframed reads)` : ''}`,
      `${fmtNum(r.p50Us / 1000, 2)} / ${fmtNum(r.p99Us / 1000, 2)}`,
      fmtNum(r.warmP99Us / 1000, 2),
      fmtNum(r.cpuUsPerDelivery, 3),
      `${fmtNum(r.serverCpuPct, 0)}% (sys ${fmtNum(r.serverSysPct, 0)}%)`,
      `${fmtNum(r.clientCpuPct, 0)}% (${fmtNum(r.clientUsPerDelivery, 3)} µs/delivery)`,
    ]);
  }
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — Respite only: one RESP publisher at ${fmtInt(rate)} PUBLISH/s ` +
      `(payload = send time, one write per ${tickMs} ms tick) for ${warmupSeconds} s of warm-up, then ` +
      `${seconds} s measured, to ${n} subscribers of one channel over RESP, SSE (GET /subscribe/bench) ` +
      'and the WebSocket JSON protocol' +
      `${o.gatewayFlushMs >= 0 ? ` (server http-flush-interval ${o.gatewayFlushMs} ms)` : ''}, ` +
      `followed by ${threads} bench client thread(s), each server freshly started; p50/p99 over ` +
      'every delivery of a message sent after the warm-up (to 0.1 ms: the messages of one publisher ' +
      "tick count from its oldest), and the p99 of the warm-up's messages (a fresh process: cold " +
      'JIT). CPU: share of one core over the whole run (warm-up, publishing and drain). Target: ' +
      'p99 under 50 ms at 10,000 msg/s to 1,000 subscribers.',
    table(
      [
        'transport',
        'subscribers',
        'delivered / expected',
        'p50 / p99 ms',
        'warm-up p99 ms',
        'server CPU µs/delivery',
        'server CPU',
        'bench client CPU',
      ],
      rows,
    ),
  ].join('\n\n');
}
