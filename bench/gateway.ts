/**
 * `npm run bench -- --gateway`: Pub/Sub fan-out from one RESP publisher to N subscribers over
 * RESP, Server-Sent Events and the WebSocket JSON protocol (Respite's gateway), at a fixed
 * publish rate: delivery latency p50/p99 (publish to receive, payload = send time in µs) and
 * the server's CPU per delivered message.
 */
import net from 'node:net';
import http from 'node:http';
import { startServer, freePort, type MachineInfo } from './proc.js';
import { fmtInt, fmtNum, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';

type Kind = 'resp' | 'sse' | 'ws';

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Payloads are `T<send time µs>!`, so every transport's bytes carry an end marker after each
 * message: the clients count markers with Buffer.indexOf and decode only the oldest message
 * of each read (its latency is an upper bound for the others of that read), so one client
 * process can follow millions of deliveries per second.
 */
const MARKERS: Record<Kind, Buffer> = {
  resp: Buffer.from('!\r\n'),
  sse: Buffer.from('!"}'),
  ws: Buffer.from('!"]}'),
};

type OnBatch = (count: number, oldestSentUs: number) => void;

/** Counts the messages in a byte stream and reports each read's oldest send time. */
function counter(kind: Kind, onBatch: OnBatch): (chunk: Buffer) => void {
  const marker = MARKERS[kind];
  let carry: Buffer | null = null;
  return (chunk) => {
    const data = carry === null ? chunk : Buffer.concat([carry, chunk]);
    let pos = 0;
    let count = 0;
    let oldest = 0;
    let i: number;
    while ((i = data.indexOf(marker, pos)) >= 0) {
      if (count === 0) oldest = Number(data.latin1Slice(data.lastIndexOf(0x54, i) + 1, i)); // 'T'
      count++;
      pos = i + marker.length;
    }
    // Keep the bytes that may hold a message's start or a split marker.
    const keep = Math.max(pos, data.length - 32);
    carry = keep < data.length ? Buffer.from(data.subarray(keep)) : null;
    if (count > 0) onBatch(count, oldest);
  };
}

/** Opens one subscriber of `kind` to channel `bench`. */
async function subscriber(kind: Kind, port: number, httpPort: number, onBatch: OnBatch): Promise<() => void> {
  const count = counter(kind, onBatch);
  if (kind === 'sse') {
    const agent = new http.Agent({ keepAlive: false });
    let req: http.ClientRequest | null = null;
    await new Promise<void>((resolve, reject) => {
      req = http.get(`http://127.0.0.1:${httpPort}/subscribe/bench`, { agent }, (res) => {
        let started = false;
        res.on('data', (d: Buffer) => {
          if (!started) {
            started = true;
            resolve();
          } else count(d);
        });
      });
      req.on('error', reject);
    });
    return () => (req as http.ClientRequest | null)?.destroy();
  }
  // RESP and WebSocket: a raw TCP client (for ws: the upgrade and one masked frame by hand).
  const s = net.connect(kind === 'resp' ? port : httpPort, '127.0.0.1');
  await new Promise<void>((r, j) => {
    s.once('connect', r);
    s.once('error', j);
  });
  let head = '';
  await new Promise<void>((resolve) => {
    const until = kind === 'resp' ? 'subscribe' : '"id":1';
    const onData = (d: Buffer): void => {
      head += d.latin1Slice();
      if (kind === 'ws' && head.includes('\r\n\r\n') && !head.includes('SENT')) {
        head += 'SENT';
        const cmd = Buffer.from(JSON.stringify({ cmd: ['SUBSCRIBE', 'bench'], id: 1 }));
        // FIN+text, masked with a zero key (the payload is sent as is).
        s.write(Buffer.concat([Buffer.from([0x81, 0x80 | cmd.length, 0, 0, 0, 0]), cmd]));
      }
      if (head.includes(until)) {
        s.off('data', onData);
        s.on('data', count);
        resolve();
      }
    };
    s.on('data', onData);
    if (kind === 'resp') s.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n');
    else
      s.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
  });
  return () => s.destroy();
}

interface Result {
  delivered: number;
  expected: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerDelivery: number;
}

async function runOne(
  kind: Kind,
  n: number,
  rate: number,
  seconds: number,
  profDir: string,
): Promise<Result> {
  const httpPort = await freePort();
  const server = await startServer('respite', {
    args: ['--http-port', String(httpPort)],
    nodeFlags:
      profDir === ''
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=gateway-${kind}.cpuprofile`],
  });
  const closers: (() => void)[] = [];
  // Latency histogram in 0.1 ms buckets (the last one collects everything above 120 s).
  const hist = new Float64Array(1_200_001);
  let delivered = 0;
  try {
    for (let i = 0; i < n; i++)
      closers.push(
        await subscriber(kind, server.port, httpPort, (count, sentUs) => {
          delivered += count;
          hist[Math.min(hist.length - 1, Math.max(0, Math.floor((nowUs() - sentUs) / 100)))] += count;
        }),
      );
    const pub = net.connect(server.port, '127.0.0.1');
    pub.setNoDelay(true);
    pub.on('data', () => {});
    await new Promise((r) => pub.once('connect', r));
    const total = Math.floor(rate * seconds);
    const cpu0 = server.cpuSeconds();
    const t0 = nowUs();
    // Paced in 10 ms ticks: rate/100 messages per tick.
    for (let sent = 0; sent < total;) {
      const due = Math.min(total, Math.floor(((nowUs() - t0) / 1e6) * rate) + 1);
      let batch = '';
      for (; sent < due; sent++) {
        const p = `T${nowUs()}!`;
        batch += `*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$${p.length}\r\n${p}\r\n`;
      }
      if (batch) pub.write(batch);
      await new Promise((r) => setTimeout(r, 10));
    }
    const expected = total * n;
    const end = Date.now() + 30000;
    while (delivered < expected && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    const cpu = server.cpuSeconds() - cpu0;
    pub.destroy();
    const pct = (q: number): number => {
      let acc = 0;
      for (let b = 0; b < hist.length; b++) {
        acc += hist[b];
        if (acc > q * delivered) return b * 100 + 50;
      }
      return NaN;
    };
    return {
      delivered,
      expected,
      p50Us: pct(0.5),
      p99Us: pct(0.99),
      cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, delivered),
    };
  } finally {
    for (const c of closers) c();
    await server.stop();
  }
}

export async function gatewayMode(o: Options, m: MachineInfo): Promise<string> {
  const n = o.gatewaySubscribers || (o.quick ? 100 : 1000);
  const rate = o.gatewayRate || (o.quick ? 1000 : 10000);
  const seconds = o.quick ? 2 : 5;
  const rows: string[][] = [];
  for (const kind of ['resp', 'sse', 'ws'] as const) {
    say(`gateway: ${n} ${kind} subscribers, ${fmtInt(rate)} msg/s for ${seconds} s ...`);
    const r = await runOne(kind, n, rate, seconds, o.gatewayCpuProf);
    rows.push([
      kind,
      String(n),
      `${fmtInt(r.delivered)} / ${fmtInt(r.expected)}`,
      `${fmtNum(r.p50Us / 1000, 2)} / ${fmtNum(r.p99Us / 1000, 2)}`,
      fmtNum(r.cpuUsPerDelivery, 3),
    ]);
  }
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — Respite only: one RESP publisher at ${fmtInt(rate)} PUBLISH/s ` +
      `(payload = send time) for ${seconds} s to ${n} subscribers of one channel over RESP, SSE ` +
      '(GET /subscribe/bench) and the WebSocket JSON protocol; latency over every delivery (each ' +
      "read's oldest message's latency for all messages of that read: an upper bound). " +
      'Target: p99 under 50 ms at 10,000 msg/s to 1,000 subscribers.',
    table(['transport', 'subscribers', 'delivered / expected', 'p50 / p99 ms', 'CPU µs/delivery'], rows),
  ].join('\n\n');
}
