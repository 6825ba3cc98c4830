/**
 * The subscriber side of `bench --gateway` (bench/gateway.ts): N subscribers of channel
 * `bench` over RESP, SSE or the WebSocket JSON protocol, run in a worker thread so the
 * subscribers can be spread over several threads (the bench's own CPU must not be the limit).
 *
 * Every payload is `T<send time in µs, 16 digits>!`, so on each transport every delivered
 * message has the same, known length: a read is counted by its length (no scan of the bytes).
 * Send times only grow along a subscriber's stream (one publisher), so a read's messages are
 * runs of send times within 0.1 ms (one run per publisher tick); only the ends of each run
 * are decoded, found by bisection, and every message gets its own latency (to the 0.1 ms
 * bucket, counted from its run's oldest send time).
 * The first and last messages of each read are checked, so a misframed stream is counted as
 * errors instead of silently miscounted. Messages sent before the measurement start (the
 * warm-up) go to a histogram of their own.
 */
import net from 'node:net';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';

export type Kind = 'resp' | 'sse' | 'ws';

/** 0.1 ms latency buckets; the last one collects everything above 60 s. */
export const HIST_BUCKETS = 600_001;

export function nowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The published payload: fixed width, so every delivery of it has a fixed length. */
export function payload(sentUs: number): string {
  return `T${String(sentUs).padStart(16, '0')}!`;
}

/** One delivered message exactly as each transport frames it (see src/gateway/fanout.ts). */
function framed(kind: Kind, p: string): Buffer {
  if (kind === 'resp') return Buffer.from(`*3\r\n$7\r\nmessage\r\n$5\r\nbench\r\n$${p.length}\r\n${p}\r\n`);
  if (kind === 'sse') return Buffer.from(`data: ${JSON.stringify({ channel: 'bench', message: p })}\n\n`);
  const json = Buffer.from(JSON.stringify({ push: ['message', 'bench', p] }));
  return Buffer.concat([Buffer.from([0x81, json.length]), json]);
}

const READ_BUFFER = Buffer.alloc(256 * 1024);

const SSE_KEEPALIVE = Buffer.from(': keep-alive\n\n');

/** A thread's counts: every delivery, and the latency histograms of the two phases. */
export interface Totals {
  delivered: number;
  errors: number;
  /** Messages sent from `measureFromUs` on. */
  hist: Float64Array;
  /** Messages sent before (the warm-up). */
  warmHist: Float64Array;
  measureFromUs: number;
}

/** Counts one subscriber's messages and adds their latencies to a shared histogram. */
export class Counter {
  private readonly len: number;
  private readonly tsOff: number;
  private readonly first: number;
  private readonly last: number;
  private readonly partial: Buffer;
  private partialLen = 0;

  constructor(
    private readonly kind: Kind,
    private readonly totals: Totals,
  ) {
    const t = framed(kind, payload(0));
    this.len = t.length;
    this.tsOff = t.indexOf('T0000') + 1;
    this.first = t[0];
    this.last = t[t.length - 1];
    this.partial = Buffer.alloc(t.length);
  }

  /** The send time of the message at b[at], or -1 when it is not a message. */
  private stamp(b: Buffer, at: number): number {
    if (b[at] !== this.first || b[at + this.len - 1] !== this.last || b[at + this.tsOff - 1] !== 0x54)
      return -1;
    let v = 0;
    for (let i = at + this.tsOff, e = i + 16; i < e; i++) v = v * 10 + b[i] - 48;
    return v;
  }

  /** Adds `count` deliveries of messages sent at sentUs, received at nowUs. */
  private add(sentUs: number, count: number, now: number): void {
    const t = this.totals;
    const h = sentUs >= t.measureFromUs ? t.hist : t.warmHist;
    const b = Math.floor((now - sentUs) / 100);
    h[b < 0 ? 0 : b >= HIST_BUCKETS ? HIST_BUCKETS - 1 : b] += count;
  }

  /**
   * Adds the messages i..j (indexes of L-byte messages from `off`, both included) whose send
   * times are si and sj: ends less than a bucket (0.1 ms) apart make one run, counted at the
   * older send time; otherwise the range is halved.
   */
  private addRuns(b: Buffer, off: number, i: number, j: number, si: number, sj: number, now: number): void {
    if (sj - si < 100) {
      this.add(si, j - i + 1, now);
      return;
    }
    if (j === i + 1) {
      this.add(si, 1, now);
      this.add(sj, 1, now);
      return;
    }
    const m = (i + j) >>> 1;
    const sm = this.stamp(b, off + m * this.len);
    this.addRuns(b, off, i, m, si, sm, now);
    if (m + 1 <= j) this.addRuns(b, off, m + 1, j, this.stamp(b, off + (m + 1) * this.len), sj, now);
  }

  /** The first n bytes of chunk arrived. */
  feed(chunk: Buffer, n = chunk.length, retry = false): void {
    const L = this.len;
    let head = -1;
    let off = 0;
    let bad = false;
    if (this.partialLen > 0) {
      const need = L - this.partialLen;
      if (n < need) {
        chunk.copy(this.partial, this.partialLen, 0, n);
        this.partialLen += n;
        return;
      }
      chunk.copy(this.partial, this.partialLen, 0, need);
      head = this.stamp(this.partial, 0);
      if (head < 0) bad = true;
      off = need;
    }
    const whole = Math.floor((n - off) / L);
    const end = off + whole * L;
    let first = -1;
    let last = -1;
    if (whole > 0 && !bad) {
      first = this.stamp(chunk, off);
      last = this.stamp(chunk, end - L);
      if (first < 0 || last < 0) bad = true;
    }
    if (bad) {
      // An SSE keep-alive comment (every 15 s) shifts the framing: drop it and count again.
      const all = Buffer.concat([this.partial.subarray(0, this.partialLen), chunk.subarray(0, n)]);
      this.partialLen = 0;
      if (!retry && this.kind === 'sse' && all.includes(SSE_KEEPALIVE)) {
        const parts: Buffer[] = [];
        let pos = 0;
        for (let i: number; (i = all.indexOf(SSE_KEEPALIVE, pos)) >= 0; pos = i + SSE_KEEPALIVE.length)
          parts.push(all.subarray(pos, i));
        parts.push(all.subarray(pos));
        const b = Buffer.concat(parts);
        this.feed(b, b.length, true);
      } else this.totals.errors++;
      return;
    }
    this.partialLen = n - end;
    if (this.partialLen > 0) chunk.copy(this.partial, 0, end, n);
    const count = (head >= 0 ? 1 : 0) + whole;
    if (count === 0) return;
    this.totals.delivered += count;
    const now = nowUs();
    if (head >= 0) this.add(head, 1, now);
    if (whole > 0) this.addRuns(chunk, off, 0, whole - 1, first, last, now);
  }
}

/** Opens one subscriber of `kind` to channel `bench`; returns its closer. */
async function subscriber(kind: Kind, port: number, httpPort: number, counter: Counter): Promise<() => void> {
  // Raw TCP clients (as light as possible: the bench shares the machine with the server): for
  // SSE the request by hand (the stream is not chunked), for ws the upgrade and one masked frame.
  // Reads land in one buffer shared by the thread's sockets (no Buffer, no event per read).
  let onHead: ((d: Buffer) => void) | null = null;
  const s = net.connect({
    port: kind === 'resp' ? port : httpPort,
    host: '127.0.0.1',
    onread: {
      buffer: READ_BUFFER,
      callback: (n: number, buf: Uint8Array): boolean => {
        if (onHead === null) counter.feed(buf as Buffer, n);
        else onHead(Buffer.from(buf.subarray(0, n)));
        return true;
      },
    },
  });
  await new Promise<void>((r, j) => {
    s.once('connect', r);
    s.once('error', j);
  });
  let head = '';
  await new Promise<void>((resolve) => {
    const until = kind === 'resp' ? 'subscribe' : kind === 'sse' ? 'channel(s)' : '"id":1';
    const last = kind === 'resp' ? '\r\n' : kind === 'sse' ? '\n\n' : '}';
    onHead = (d: Buffer): void => {
      head += d.latin1Slice();
      if (kind === 'ws' && head.includes('\r\n\r\n') && !head.includes('SENT')) {
        head += 'SENT';
        const cmd = Buffer.from(JSON.stringify({ cmd: ['SUBSCRIBE', 'bench'], id: 1 }));
        // FIN+text, masked with a zero key (the payload is sent as is).
        s.write(Buffer.concat([Buffer.from([0x81, 0x80 | cmd.length, 0, 0, 0, 0]), cmd]));
      }
      // The confirmation is the last thing before the messages (none is published yet).
      if (head.includes(until) && head.endsWith(last)) {
        onHead = null;
        resolve();
      }
    };
    if (kind === 'resp') s.write('*2\r\n$9\r\nSUBSCRIBE\r\n$5\r\nbench\r\n');
    else if (kind === 'sse') s.write(`GET /subscribe/bench HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\n\r\n`);
    else
      s.write(
        `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${httpPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      );
  });
  return () => s.destroy();
}

export interface ClientJob {
  role: 'gateway-client';
  kind: Kind;
  port: number;
  httpPort: number;
  n: number;
}

/** Messages between a client thread and bench/gateway.ts. */
export type ClientReport =
  | { type: 'ready' }
  | { type: 'progress'; delivered: number }
  | { type: 'done'; delivered: number; errors: number; hist: Float64Array; warmHist: Float64Array };

/** What bench/gateway.ts sends a client thread. */
export type ClientCommand = { type: 'measure-from'; us: number } | { type: 'finish' };

async function runWorker(job: ClientJob): Promise<void> {
  const port = parentPort!;
  const totals: Totals = {
    delivered: 0,
    errors: 0,
    hist: new Float64Array(HIST_BUCKETS),
    warmHist: new Float64Array(HIST_BUCKETS),
    measureFromUs: 0,
  };
  const closers: (() => void)[] = [];
  // Connect in small parallel groups (1,000 sequential handshakes take seconds).
  for (let i = 0; i < job.n; i += 20) {
    const group: Promise<() => void>[] = [];
    for (let j = i; j < Math.min(job.n, i + 20); j++)
      group.push(subscriber(job.kind, job.port, job.httpPort, new Counter(job.kind, totals)));
    closers.push(...(await Promise.all(group)));
  }
  const progress = setInterval(
    () => port.postMessage({ type: 'progress', delivered: totals.delivered } satisfies ClientReport),
    20,
  );
  port.on('message', (m: ClientCommand) => {
    if (m.type === 'measure-from') {
      totals.measureFromUs = m.us;
      return;
    }
    clearInterval(progress);
    for (const c of closers) c();
    const { delivered, errors, hist, warmHist } = totals;
    const done: ClientReport = { type: 'done', delivered, errors, hist, warmHist };
    port.postMessage(done, [hist.buffer as ArrayBuffer, warmHist.buffer as ArrayBuffer]);
    port.close();
  });
  port.postMessage({ type: 'ready' } satisfies ClientReport);
}

if (!isMainThread && (workerData as ClientJob | null)?.role === 'gateway-client')
  void runWorker(workerData as ClientJob);
