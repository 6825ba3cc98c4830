/**
 * RawClient: a minimal RESP client that returns each reply's exact bytes, for byte-for-byte
 * comparisons with the oracle and for protocol tests that send malformed input.
 */
import net from 'node:net';

/** Encodes a command as a RESP multibulk (latin1: one char = one byte). */
export function encodeCommand(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a), 'latin1');
    parts.push(Buffer.from(`$${b.length}\r\n`, 'latin1'), b, Buffer.from('\r\n', 'latin1'));
  }
  return Buffer.concat(parts);
}

/**
 * Returns the length of the complete RESP value at buf[pos...], or -1 if incomplete.
 * Understands every RESP2 and RESP3 type.
 */
export function replyLength(buf: Buffer, pos = 0): number {
  if (pos >= buf.length) return -1;
  const lineEnd = buf.indexOf('\r\n', pos, 'latin1');
  if (lineEnd === -1) return -1;
  const type = String.fromCharCode(buf[pos]);
  const head = buf.latin1Slice(pos + 1, lineEnd);
  const after = lineEnd + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case '_':
    case ',':
    case '#':
    case '(':
      return after - pos;
    case '$':
    case '=':
    case '!': {
      const n = parseInt(head, 10);
      if (n < 0) return after - pos;
      if (buf.length < after + n + 2) return -1;
      return after + n + 2 - pos;
    }
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
      let n = parseInt(head, 10);
      if (n < 0) return after - pos;
      if (type === '%' || type === '|') n *= 2;
      let p = after;
      for (let i = 0; i < n; i++) {
        const l = replyLength(buf, p);
        if (l === -1) return -1;
        p += l;
      }
      if (type === '|') {
        // An attribute is followed by the actual reply.
        const l = replyLength(buf, p);
        if (l === -1) return -1;
        p += l;
      }
      return p - pos;
    }
    default:
      throw new Error(
        `bad RESP type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.latin1Slice(pos, pos + 40))}`,
      );
  }
}

export class RawClient {
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {
      this.closed = true;
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  static connectPath(path: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  send(...args: (string | Buffer | number)[]): void {
    this.write(encodeCommand(args));
  }

  /** Waits for one complete reply and returns its raw bytes as a latin1 string. */
  async read(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const n = this.buf.length > 0 ? replyLength(this.buf) : -1;
      if (n !== -1) {
        const r = this.buf.latin1Slice(0, n);
        this.buf = this.buf.subarray(n);
        return r;
      }
      if (this.closed)
        throw new Error(`connection closed (pending: ${JSON.stringify(this.buf.latin1Slice())})`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timeout waiting for reply (pending: ${JSON.stringify(this.buf.latin1Slice(0, 200))})`,
        );
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends a command and returns its raw reply. */
  async call(...args: (string | Buffer | number)[]): Promise<string> {
    this.send(...args);
    return this.read();
  }

  /** Waits until the server closes the connection; returns whatever bytes remained unread. */
  async waitClosed(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timeout waiting for close');
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.buf.latin1Slice();
  }

  /** Bytes received and not consumed yet. */
  pending(): string {
    return this.buf.latin1Slice();
  }

  close(): void {
    this.socket.destroy();
  }
}
