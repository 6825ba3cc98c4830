/**
 * Raw-socket exchanges for protocol tests: send exact bytes, collect every byte the server
 * sends back until it closes the connection or stays quiet, and compare servers on that.
 */
import net from 'node:net';

export interface WireResult {
  /** Everything received, as a latin1 string. */
  data: string;
  /** True when the server closed the connection. */
  closed: boolean;
  /** True when the close was a reset (a server closing with unread input sends RST). */
  reset: boolean;
}

/** Identical bytes and the same close. */
export function sameBytes(o: WireResult, r: WireResult): boolean {
  return o.data === r.data && o.closed === r.closed;
}

/**
 * Whether Respite's outcome r is compatible with the oracle's o: identical, or the oracle
 * reset the connection (it closes with unread input, so the kernel sends RST and may drop
 * replies still in flight) having received a prefix of what Respite sent before it closed.
 * Callers retry first and accept this weaker match only when the oracle keeps losing data.
 */
export function sameOutcome(o: WireResult, r: WireResult): boolean {
  return sameBytes(o, r) || (o.reset && r.closed && r.data.startsWith(o.data));
}

export interface ExchangeOptions {
  /** The connection counts as "left open" after this long without data (ms). */
  idleMs?: number;
  /** Pause between pieces so that the server reads them separately (ms; 0 = next tick). */
  pieceDelayMs?: number;
  /** Give up waiting for quiet after this long in total (ms). */
  maxWaitMs?: number;
}

/**
 * Resolves once the server at port has answered a PING on a fresh connection: whatever it
 * had already received on other connections has been read and answered by then (or at
 * least its first reads, for big inputs).
 */
export function barrier(port: number): Promise<void> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' }, () => s.write('PING\r\n'));
    const done = () => {
      s.destroy();
      resolve();
    };
    s.once('data', done);
    s.once('error', done);
    s.once('close', done);
  });
}

/**
 * Connects to port, writes input (a single buffer, or pieces written one by one), and
 * resolves with what came back once the server closed the connection or went quiet.
 */
export function exchange(
  port: number,
  input: Buffer | string | (Buffer | string)[],
  opts: ExchangeOptions = {},
): Promise<WireResult> {
  const idleMs = opts.idleMs ?? 100;
  const maxWaitMs = opts.maxWaitMs ?? 5000;
  const pieces = (Array.isArray(input) ? input : [input]).map((p) =>
    typeof p === 'string' ? Buffer.from(p, 'latin1') : p,
  );
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let closed = false;
    let reset = false;
    let done = false;
    let timer: NodeJS.Timeout | null = null;
    let waitingSince = 0;
    const s = net.connect({ port, host: '127.0.0.1' });
    s.setNoDelay(true);
    const finish = () => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      s.destroy();
      resolve({ data: Buffer.concat(chunks).latin1Slice(), closed, reset });
    };
    // "Quiet" must mean the server had time to answer. An in-process server shares this
    // event loop, and the machine may be busy: a timer that fires late (the loop was
    // stalled) or data already waiting to be read re-arms instead of finishing, within
    // maxWaitMs in total.
    let armedAt = 0;
    const check = () => {
      const late = Date.now() - armedAt > idleMs * 1.5;
      const seen = chunks.length;
      setImmediate(() =>
        setImmediate(() => {
          if (done) return;
          if ((late || chunks.length !== seen) && Date.now() - waitingSince < maxWaitMs) arm();
          else finish();
        }),
      );
    };
    const arm = () => {
      if (waitingSince === 0) return; // still writing
      if (timer) clearTimeout(timer);
      armedAt = Date.now();
      timer = setTimeout(check, idleMs);
    };
    s.on('data', (d: Buffer) => {
      chunks.push(d);
      arm();
    });
    s.on('error', (e) => {
      if (s.connecting) {
        done = true;
        reject(e);
        return;
      }
      // A reset after the server closed is part of "closed" (Redis closes with unread input).
      closed = true;
      reset = true;
      finish();
    });
    s.on('close', () => {
      closed = true;
      finish();
    });
    const gone = new Promise<void>((r) => s.once('close', () => r()));
    s.once('connect', async () => {
      for (let i = 0; i < pieces.length && !closed; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, opts.pieceDelayMs ?? 0));
        // Wait until each piece is handed to the kernel: big inputs take a while.
        if (!s.destroyed) await Promise.race([new Promise<void>((r) => s.write(pieces[i], () => r())), gone]);
      }
      if (!done) await barrier(port);
      waitingSince = Date.now();
      arm();
    });
  });
}

/** Runs tasks with at most `limit` of them in flight. */
export async function inParallel<T>(limit: number, tasks: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** A RESP multibulk request for args (latin1 strings or buffers). */
export function resp(...args: (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/** Seeded PRNG (mulberry32): the same seed gives the same test input on every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
