/**
 * The server side of BullMQ alone (part of `--bullmq`): the commands a BullMQ run sent are
 * recorded once on the oracle with MONITOR, then replayed to each server on one pipelined
 * connection, after a FLUSHALL, alternating servers. The live bench's CPU per job also
 * depends on how the client's and the server's processes share a 2-core machine (caches,
 * batching); the replay sends the same commands, in the same order, with the same
 * arguments (BullMQ's scripts take their timestamps and tokens as arguments), so its CPU per
 * job is the servers' own cost for that work: a steadier figure to compare two builds with.
 * Blocking pops become their non-blocking forms (BZPOPMIN → ZPOPMIN), so nothing waits.
 */
import net from 'node:net';
import { Queue, Worker } from 'bullmq';
import type { ServerProc } from './proc.js';

/** Commands not replayed: connection set-up and introspection, not BullMQ's work. */
const SKIP = new Set(['monitor', 'client', 'info', 'hello', 'select', 'ping', 'quit', 'auth']);

/** Splits a MONITOR line's arguments (sdscatrepr quoting) into latin1 strings; null for `lua` lines. */
export function parseMonitorLine(line: string): string[] | null {
  const m = /^\+[\d.]+ \[\d+ ([^\]]+)\] (.*)$/.exec(line);
  if (m === null || m[1] === 'lua') return null;
  const s = m[2];
  const args: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ') {
      i++;
      continue;
    }
    if (s[i] !== '"') return null;
    i++;
    let a = '';
    while (i < s.length && s[i] !== '"') {
      if (s[i] !== '\\') {
        a += s[i++];
        continue;
      }
      const e = s[i + 1];
      if (e === 'x') {
        a += String.fromCharCode(parseInt(s.slice(i + 2, i + 4), 16));
        i += 4;
        continue;
      }
      const esc: Record<string, string> = { n: '\n', r: '\r', t: '\t', a: '\x07', b: '\b' };
      a += esc[e] ?? e;
      i += 2;
    }
    i++;
    args.push(a);
  }
  return args;
}

export const WORKERS = 4;
export const CONCURRENCY = 16;
export const BATCH = 500;

/**
 * The bench's BullMQ run: a fresh queue (`prefix`) with WORKERS workers × CONCURRENCY ready,
 * then n jobs added with addBulk in batches of BATCH and processed by an empty processor.
 * `onStart` runs when everything is ready, just before the first add; resolves after the
 * last completion (fails after 10 minutes).
 */
export async function addAndProcess(
  s: ServerProc,
  n: number,
  prefix: string,
  onStart: () => void,
): Promise<void> {
  const connection = { host: '127.0.0.1', port: s.port, maxRetriesPerRequest: null };
  const queue = new Queue('bench', { connection, prefix });
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const workers = Array.from({ length: WORKERS }, () => {
    const w = new Worker('bench', async () => 1, {
      connection,
      prefix,
      concurrency: CONCURRENCY,
      drainDelay: 1,
    });
    w.on('completed', () => {
      if (++done === n) resolveAll();
    });
    return w;
  });
  try {
    await queue.waitUntilReady();
    await Promise.all(workers.map((w) => w.waitUntilReady()));
    onStart();
    for (let from = 0; from < n; from += BATCH) {
      const count = Math.min(BATCH, n - from);
      await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'j', data: { i: from + i } })));
    }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((_, rej) => {
        timer = setTimeout(
          () => rej(new Error(`${s.label}: only ${done}/${n} jobs completed in 10 min`)),
          600000,
        );
      }),
    ]);
    clearTimeout(timer);
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await queue.close();
  }
}

/** Runs addAndProcess on `s` while MONITOR records what reaches it from the first add on. */
export async function recordBullmq(s: ServerProc, n: number): Promise<string[][]> {
  const lines: string[] = [];
  const mon = net.connect(s.port, '127.0.0.1');
  mon.setEncoding('latin1');
  let buf = '';
  let recording = false;
  mon.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\r\n'); i !== -1; i = buf.indexOf('\r\n')) {
      if (recording) lines.push(buf.slice(0, i));
      buf = buf.slice(i + 2);
    }
  });
  mon.write('MONITOR\r\n');
  await new Promise((r) => setTimeout(r, 200));
  try {
    await addAndProcess(s, n, 'replay', () => (recording = true));
  } finally {
    // Commands still in flight when the last job completed (workers closing) are kept.
    await new Promise((r) => setTimeout(r, 200));
    recording = false;
    mon.destroy();
  }
  const cmds: string[][] = [];
  for (const l of lines) {
    const a = parseMonitorLine(l);
    if (a === null || a.length === 0) continue;
    const name = a[0].toLowerCase();
    if (SKIP.has(name)) continue;
    if (name === 'bzpopmin') cmds.push(['ZPOPMIN', a[1]]);
    else cmds.push(a);
  }
  return cmds;
}

function encode(a: string[]): Buffer {
  let s = `*${a.length}\r\n`;
  for (const x of a) s += `$${x.length}\r\n${x}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** The offset after the RESP value at p, or -1 when buf ends inside it; counts error replies. */
function skipReply(b: Buffer, p: number, errors: { n: number }): number {
  if (p >= b.length) return -1;
  const t = b[p];
  const nl = b.indexOf(13, p);
  if (nl === -1 || nl + 1 >= b.length) return -1;
  const num = Number(b.latin1Slice(p + 1, nl));
  let q = nl + 2;
  if (t === 0x24) return num < 0 ? q : q + num + 2 <= b.length ? q + num + 2 : -1;
  if (t === 0x2a || t === 0x25 || t === 0x7e) {
    if (num < 0) return q;
    const k = t === 0x25 ? num * 2 : num;
    for (let i = 0; i < k; i++) {
      q = skipReply(b, q, errors);
      if (q < 0) return -1;
    }
    return q;
  }
  if (t === 0x2d) errors.n++;
  return q;
}

/** Sends every command with up to `window` in flight on one connection; resolves with the error reply count. */
export function replayCommands(port: number, payload: Buffer[], window = 64): Promise<number> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    const errors = { n: 0 };
    let sent = 0;
    let got = 0;
    let pending: Buffer = Buffer.alloc(0);
    const pump = () => {
      const chunk: Buffer[] = [];
      while (sent < payload.length && sent - got < window) chunk.push(payload[sent++]);
      if (chunk.length !== 0) sock.write(Buffer.concat(chunk));
    };
    sock.on('data', (d: Buffer) => {
      pending = pending.length !== 0 ? Buffer.concat([pending, d]) : d;
      let p = 0;
      for (;;) {
        const e = skipReply(pending, p, errors);
        if (e < 0) break;
        p = e;
        got++;
      }
      pending = pending.subarray(p);
      if (got === payload.length) {
        sock.end();
        resolve(errors.n);
      } else pump();
    });
    sock.on('error', reject);
    sock.on('connect', pump);
  });
}

/** The recorded commands as RESP requests, plus a FLUSHALL to run before each replay. */
export function replayPayload(cmds: string[][]): Buffer[] {
  return cmds.map(encode);
}

export const FLUSHALL = [encode(['FLUSHALL'])];
