/**
 * A minimal RESP2 client for the bench (probes, INFO, DBSIZE) and a pipelined bulk loader
 * that writes raw RESP over one socket with a bounded window of commands in flight.
 */
import net from 'node:net';

export class ReplyError extends Error {}

export type Reply = string | number | null | ReplyError | Reply[];

/** Parses one RESP2 reply at buf[pos]; returns [reply, nextPos] or null when incomplete. */
function parseReply(buf: Buffer, pos: number): [Reply, number] | null {
  const cr = buf.indexOf('\r\n', pos, 'latin1');
  if (cr === -1) return null;
  const type = buf[pos];
  const line = buf.latin1Slice(pos + 1, cr);
  const next = cr + 2;
  switch (type) {
    case 0x2b: // +
      return [line, next];
    case 0x2d: // -
      return [new ReplyError(line), next];
    case 0x3a: // :
      return [Number(line), next];
    case 0x24: {
      // $
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.latin1Slice(next, next + n), next + n + 2];
    }
    case 0x2a: {
      // *
      const n = Number(line);
      if (n < 0) return [null, next];
      const out: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseReply(buf, p);
        if (r === null) return null;
        out.push(r[0]);
        p = r[1];
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected RESP type byte ${type}`);
  }
}

export function encodeCommand(args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return s;
}

export class RespConn {
  private buf: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  private waiting: ((r: Reply) => void)[] = [];
  private failure: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      let pos = 0;
      while (this.waiting.length > 0) {
        const r = parseReply(this.buf, pos);
        if (r === null) break;
        pos = r[1];
        this.waiting.shift()!(r[0]);
      }
      this.buf = this.buf.subarray(pos);
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.splice(0)) w(new ReplyError(`connection lost: ${e.message}`));
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('closed')));
  }

  static connect(port: number): Promise<RespConn> {
    return new Promise((res, rej) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => {
        s.off('error', rej);
        s.setNoDelay(true);
        res(new RespConn(s));
      });
      s.once('error', rej);
    });
  }

  command(...args: string[]): Promise<Reply> {
    if (this.failure) return Promise.resolve(new ReplyError(`connection lost: ${this.failure.message}`));
    return new Promise((res) => {
      this.waiting.push(res);
      this.socket.write(encodeCommand(args), 'latin1');
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** One-shot command on a fresh connection. */
export async function oneCommand(port: number, ...args: string[]): Promise<Reply> {
  const c = await RespConn.connect(port);
  try {
    return await c.command(...args);
  } finally {
    c.close();
  }
}

/** INFO <section> as a field map, or the error text when the server has no INFO. */
export async function info(port: number, section: string): Promise<Map<string, string> | string> {
  const r = await oneCommand(port, 'INFO', section);
  if (r instanceof ReplyError) return r.message;
  if (typeof r !== 'string') return 'unexpected INFO reply';
  const m = new Map<string, string>();
  for (const line of r.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

export interface LoadResult {
  keys: number;
  seconds: number;
  errors: number;
  firstError: string | null;
}

/**
 * Writes `SET key(i) value(i)` for i in [0, total) over one connection, `batch` commands per
 * write and at most `window` batches awaiting replies.
 */
export function loadKeys(
  port: number,
  total: number,
  key: (i: number) => string,
  value: (i: number) => string,
  batch = 10000,
  window = 4,
): Promise<LoadResult> {
  const encode = (i: number) => {
    const k = key(i);
    const v = value(i);
    return `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$${v.length}\r\n${v}\r\n`;
  };
  return loadCommands(port, total, encode, batch, window);
}

/**
 * Writes the raw RESP commands `encode(i)` for i in [0, total) over one connection, `batch`
 * commands per write and at most `window` batches awaiting replies. Every reply must be one
 * line (`+OK`, `:n` or `-ERR ...`), so replies are counted by line ends.
 */
export function loadCommands(
  port: number,
  total: number,
  encode: (i: number) => string,
  batch = 10000,
  window = 4,
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.setNoDelay(true);
    let sent = 0;
    let replies = 0;
    let errors = 0;
    let firstError: string | null = null;
    let atLineStart = true;
    let errLine: string | null = null;
    const pump = () => {
      while (sent < total && sent - replies < batch * window) {
        const end = Math.min(total, sent + batch);
        let s = '';
        for (let i = sent; i < end; i++) s += encode(i);
        sent = end;
        socket.write(s, 'latin1');
      }
    };
    socket.on('connect', pump);
    socket.on('data', (chunk: Buffer) => {
      for (let i = 0; i < chunk.length; i++) {
        const b = chunk[i];
        if (atLineStart && b === 0x2d) {
          errors++;
          errLine = '';
        }
        if (b === 0x0a) {
          replies++;
          atLineStart = true;
          if (errLine !== null) {
            if (firstError === null) firstError = errLine.replace(/\r$/, '');
            errLine = null;
          }
        } else {
          atLineStart = false;
          if (errLine !== null && errLine.length < 200) errLine += String.fromCharCode(b);
        }
      }
      if (replies >= total) {
        socket.destroy();
        resolve({ keys: total, seconds: Number(process.hrtime.bigint() - t0) / 1e9, errors, firstError });
      } else pump();
    });
    socket.on('error', reject);
    socket.on('close', () => {
      if (replies < total) reject(new Error(`connection closed after ${replies}/${total} replies`));
    });
  });
}
