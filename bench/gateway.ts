/**
 * `npm run bench -- --gateway`: Pub/Sub fan-out from one RESP publisher to N subscribers over
 * RESP, Server-Sent Events and the WebSocket JSON protocol (Respite's gateway), at a fixed
 * publish rate: delivery latency p50/p99 (publish to receive, payload = send time in µs) and
 * the server's CPU per delivered message.
 */
import net from 'node:net';
import http from 'node:http';
import WebSocket from 'ws';
import { startServer, freePort, type MachineInfo } from './proc.js';
import { fmtInt, fmtNum, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';

type Kind = 'resp' | 'sse' | 'ws';

function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Opens one subscriber of `kind` to channel `bench`; calls onMsg with each payload. */
async function subscriber(
  kind: Kind,
  port: number,
  httpPort: number,
  onMsg: (p: string) => void,
): Promise<() => void> {
  if (kind === 'resp') {
    const s = net.connect(port, '127.0.0.1');
    let tail = '';
    let ready: () => void = () => {};
    const ok = new Promise<void>((r) => (ready = r));
    s.on('data', (d: Buffer) => {
      tail += d.latin1Slice();
      let i: number;
      // message frames end with the payload: ...$<n>\r\n<payload>\r\n
      while ((i = tail.indexOf('*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$')) >= 0) {
        const lenEnd = tail.indexOf('\r\n', i + 29);
        if (lenEnd < 0) break;
        const n = Number(tail.slice(i + 29, lenEnd));
        if (tail.length < lenEnd + 2 + n + 2) break;
        onMsg(tail.slice(lenEnd + 2, lenEnd + 2 + n));
        tail = tail.slice(lenEnd + 4 + n);
      }
      if (tail.includes('subscribe\r\n')) {
        tail = '';
        ready();
      }
    });
    s.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n');
    await ok;
    return () => s.destroy();
  }
  if (kind === 'sse') {
    const agent = new http.Agent({ keepAlive: false });
    let req: http.ClientRequest | null = null;
    await new Promise<void>((resolve, reject) => {
      req = http.get(`http://127.0.0.1:${httpPort}/subscribe/bench`, { agent }, (res) => {
        let buf = '';
        res.setEncoding('latin1');
        res.on('data', (d: string) => {
          buf = buf.length === 0 ? d : buf + d;
          // Events are `data: {"channel":"bench","message":"<µs>"}\n\n`: sliced, not parsed.
          let pos = 0;
          let i: number;
          while ((i = buf.indexOf('\n\n', pos)) >= 0) {
            if (buf.startsWith('data: ', pos)) {
              const q = buf.lastIndexOf('"', i - 3);
              onMsg(buf.slice(q + 1, i - 2));
            } else resolve();
            pos = i + 2;
          }
          buf = pos === buf.length ? '' : buf.slice(pos);
        });
      });
      req.on('error', reject);
    });
    return () => (req as http.ClientRequest | null)?.destroy();
  }
  const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/ws`);
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  const subscribed = new Promise<void>((resolve) => {
    ws.on('message', (d: Buffer) => {
      // Pushes are `{"push":["message","bench","<µs>"]}`: sliced, not parsed.
      const t = d.latin1Slice();
      if (t.startsWith('{"push"')) onMsg(t.slice(t.lastIndexOf('"', t.length - 4) + 1, t.length - 3));
      else if ((JSON.parse(t) as { id?: number }).id === 1) resolve();
    });
  });
  ws.send(JSON.stringify({ cmd: ['SUBSCRIBE', 'bench'], id: 1 }));
  await subscribed;
  return () => ws.terminate();
}

interface Result {
  delivered: number;
  expected: number;
  p50Us: number;
  p99Us: number;
  cpuUsPerDelivery: number;
}

async function runOne(kind: Kind, n: number, rate: number, seconds: number): Promise<Result> {
  const httpPort = await freePort();
  const server = await startServer('respite', { args: ['--http-port', String(httpPort)] });
  const closers: (() => void)[] = [];
  const lat: number[] = [];
  let delivered = 0;
  try {
    for (let i = 0; i < n; i++)
      closers.push(
        await subscriber(kind, server.port, httpPort, (p) => {
          delivered++;
          lat.push(nowUs() - Number(p));
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
        const p = String(nowUs());
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
    lat.sort((a, b) => a - b);
    return {
      delivered,
      expected,
      p50Us: lat[Math.floor(lat.length * 0.5)] ?? NaN,
      p99Us: lat[Math.floor(lat.length * 0.99)] ?? NaN,
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
    const r = await runOne(kind, n, rate, seconds);
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
      '(GET /subscribe/bench) and the WebSocket JSON protocol; latency over every delivery. ' +
      'Target: p99 under 50 ms at 10,000 msg/s to 1,000 subscribers.',
    table(['transport', 'subscribers', 'delivered / expected', 'p50 / p99 ms', 'CPU µs/delivery'], rows),
  ].join('\n\n');
}
