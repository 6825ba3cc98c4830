/**
 * `npm run bench -- --pubsub`: PUBLISH throughput with 1, 10 and 100 subscribers on one
 * channel (one publisher pipelining PUBLISH in windows of 100), delivery latency p50/p99
 * (publish to receive, from a publisher sending one message at a time with a timestamp, in
 * rounds alternating between the two servers),
 * and server CPU per delivered message — Respite and redis-server in the same run.
 *
 * CPU is measured after a warm-up of a quarter as many messages, sent the same way to both
 * servers: a fresh Node.js process spends its first ~0.2 s of CPU compiling the hot path
 * (TurboFan, on helper threads) and running it unoptimised, which a long-lived server pays
 * once. The ratio including the warm-up is shown too.
 */
import net from 'node:net';
import { startServer, type ServerKind, type ServerProc, type MachineInfo } from './proc.js';
import { fmtInt, fmtNum, fmtRatio, machineLine, table } from './report.js';
import { commandLine, say, type Options } from './options.js';

interface Result {
  subscribers: number;
  msgPerSec: number;
  cpuUsPerDelivery: number;
  /** CPU per delivery over the warm-up and the measured messages together. */
  cpuColdUsPerDelivery: number;
  p50Us: number;
  p99Us: number;
}

/** A subscriber counting message frames and recording publish-to-receive latency. */
class Sub {
  count = 0;
  latencies: number[] = [];
  private tail = '';
  /** Resolved (event-driven, no polling) once `count` reaches `want`. */
  private waiter: (() => void) | null = null;
  private want = 0;
  readonly socket: net.Socket;
  constructor(port: number, recordLatency: boolean) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('data', (d: Buffer) => {
      const s = this.tail + d.latin1Slice();
      let p = 0;
      for (;;) {
        const i = s.indexOf('message\r\n', p);
        if (i === -1) break;
        // message frame: ...message\r\n$<n>\r\nbench\r\n$<m>\r\n<payload>\r\n
        const end = s.indexOf(
          '\r\n',
          s.indexOf('\r\n', s.indexOf('\r\n', s.indexOf('\r\n', i + 9) + 2) + 2) + 2,
        );
        if (end === -1) break;
        const payloadStart = s.lastIndexOf('\r\n', end - 1) + 2;
        if (recordLatency) {
          const t = Number(s.slice(payloadStart, end));
          if (t > 0) this.latencies.push(Number(process.hrtime.bigint() / 1000n) - t);
        }
        this.count++;
        p = end + 2;
      }
      this.tail = s.slice(p);
      if (this.waiter !== null && this.count >= this.want) {
        const w = this.waiter;
        this.waiter = null;
        w();
      }
    });
  }
  /** Waits until `n` messages have been counted in all. */
  until(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    this.want = n;
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }
  subscribe(): Promise<void> {
    return new Promise((resolve) => {
      this.socket.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n');
      this.socket.once('data', () => resolve());
    });
  }
}

function cmd(payload: string): string {
  return `*3\r\n$7\r\nPUBLISH\r\n$5\r\nbench\r\n$${payload.length}\r\n${payload}\r\n`;
}

interface Run {
  result: Omit<Result, 'p50Us' | 'p99Us'>;
  /** Sends `count` messages one at a time; returns their publish-to-receive latencies (µs). */
  latencyRound(count: number): Promise<number[]>;
  close(): Promise<void>;
}

/** Starts a server with `subscribers` subscribers and measures throughput and CPU; the
 * server stays up for the latency rounds until `close`. */
async function runOne(kind: ServerKind, subscribers: number, messages: number): Promise<Run> {
  const server: ServerProc = await startServer(kind);
  const subs: Sub[] = [];
  const close = async () => {
    for (const s of subs) s.socket.destroy();
    await server.stop();
  };
  try {
    for (let i = 0; i < subscribers; i++) {
      const s = new Sub(server.port, i === 0);
      await s.subscribe();
      subs.push(s);
    }
    const pub = net.connect(server.port, '127.0.0.1');
    pub.setNoDelay(true);
    await new Promise((r) => pub.once('connect', r));
    let replies = 0;
    pub.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) if (d[i] === 0x3a) replies++;
    });
    const waitReplies = async (n: number) => {
      while (replies < n) await new Promise((r) => setImmediate(r));
    };
    // Throughput: windows of 100 pipelined PUBLISH with a 64-byte payload, after a warm-up.
    const payload = 'p'.repeat(64);
    const window = 100;
    const chunk = cmd(payload).repeat(window);
    const delivered = () => subs.reduce((a, s) => a + s.count, 0);
    const publish = async (count: number) => {
      const base = replies;
      const target = delivered() + count * subscribers;
      for (let sent = 0; sent < count; sent += window) {
        pub.write(chunk);
        await waitReplies(base + sent + window);
      }
      while (delivered() < target) await new Promise((r) => setTimeout(r, 1));
    };
    const warm = Math.ceil(messages / 4 / window) * window;
    const cpuCold = server.cpuSeconds();
    await publish(warm);
    const cpu0 = server.cpuSeconds();
    const t0 = process.hrtime.bigint();
    await publish(messages);
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = server.cpuSeconds();
    const expected = messages * subscribers;
    const first = subs[0];
    // Latency: one message at a time, the payload carries the send time (µs); the next is
    // sent when the first subscriber has received it (an event, not a polling loop: a
    // spinning client would take the CPU the servers and the kernel need).
    const latencyRound = async (count: number) => {
      first.latencies = [];
      const base = first.count;
      for (let i = 0; i < count; i++) {
        pub.write(cmd(String(Number(process.hrtime.bigint() / 1000n))));
        await first.until(base + i + 1);
      }
      return first.latencies;
    };
    return {
      result: {
        subscribers,
        msgPerSec: messages / secs,
        cpuUsPerDelivery: ((cpu1 - cpu0) * 1e6) / expected,
        cpuColdUsPerDelivery: ((cpu1 - cpuCold) * 1e6) / (expected + warm * subscribers),
      },
      latencyRound,
      close: async () => {
        pub.destroy();
        await close();
      },
    };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Latency rounds alternate between the two servers, so that both see the same moments of
 * a shared machine; p50/p99 over all of a server's rounds. */
const LATENCY_ROUNDS = 10;
const LATENCY_PER_ROUND = 500;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.floor(sorted.length * q)] ?? NaN;
}

export async function pubsubMode(o: Options, m: MachineInfo): Promise<string> {
  const counts = [1, 10, 100];
  // The same number of deliveries for every row (2,000,000; 200,000 with --quick): one
  // subscriber gets 10× the messages of ten, so that its CPU figure is read over as many
  // clock ticks (/proc counts CPU in 10 ms ticks) and its warm-up is as long.
  const deliveries = o.quick ? 200000 : 2000000;
  const rows: string[][] = [];
  for (const n of counts) {
    const msgs = Math.max(2000, Math.floor(deliveries / n));
    say(`pubsub: ${n} subscriber(s), ${fmtInt(msgs)} messages ...`);
    const redisRun = await runOne('redis', n, msgs);
    let respiteRun: Run | undefined;
    const lat: Record<ServerKind, number[]> = { redis: [], respite: [] };
    try {
      respiteRun = await runOne('respite', n, msgs);
      for (let r = 0; r < LATENCY_ROUNDS; r++) {
        lat.redis.push(...(await redisRun.latencyRound(LATENCY_PER_ROUND)));
        lat.respite.push(...(await respiteRun.latencyRound(LATENCY_PER_ROUND)));
      }
    } finally {
      await redisRun.close();
      await respiteRun?.close();
    }
    const stats = (run: Run, l: number[]): Result => {
      const sorted = l.sort((a, b) => a - b);
      return { ...run.result, p50Us: quantile(sorted, 0.5), p99Us: quantile(sorted, 0.99) };
    };
    const redis = stats(redisRun, lat.redis);
    const respite = stats(respiteRun, lat.respite);
    rows.push([
      String(n),
      fmtInt(redis.msgPerSec),
      fmtInt(respite.msgPerSec),
      fmtNum(redis.cpuUsPerDelivery, 3),
      fmtNum(respite.cpuUsPerDelivery, 3),
      fmtRatio(respite.cpuUsPerDelivery, redis.cpuUsPerDelivery),
      fmtRatio(respite.cpuColdUsPerDelivery, redis.cpuColdUsPerDelivery),
      `${fmtInt(redis.p50Us)} / ${fmtInt(redis.p99Us)}`,
      `${fmtInt(respite.p50Us)} / ${fmtInt(respite.p99Us)}`,
      fmtRatio(respite.p99Us, redis.p99Us),
    ]);
  }
  return [
    machineLine(m),
    `Command: \`${commandLine(o)}\` — one publisher pipelining PUBLISH (64-byte payload) in windows ` +
      'of 100 to N subscribers of one channel; messages = the delivered count divided by N; ' +
      'CPU from /proc after a warm-up of a quarter as many messages (also shown including it); ' +
      `latency: ${fmtInt(LATENCY_ROUNDS * LATENCY_PER_ROUND)} messages per server sent one at a time ` +
      `(the next when the first subscriber has the last), publish to receive at the first ` +
      `subscriber, in ${LATENCY_ROUNDS} rounds alternating between the two servers (both up, ` +
      `after their throughput runs).`,
    table(
      [
        'subscribers',
        'redis msg/s',
        'respite msg/s',
        'redis CPU µs/delivery',
        'respite CPU µs/delivery',
        'CPU ratio (target ≤ 1.5×)',
        'CPU ratio incl. warm-up',
        'redis p50/p99 µs',
        'respite p50/p99 µs',
        'p99 ratio (target ≤ 2×)',
      ],
      rows,
    ),
  ].join('\n\n');
}
