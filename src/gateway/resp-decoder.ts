/**
 * An incremental decoder of the RESP2/RESP3 replies a gateway session's Client writes, into
 * a small tagged tree the gateway turns into JSON. Strings stay latin1 (one char = one byte)
 * until the JSON encoding decides between UTF-8 text and base64.
 */

/** A bulk (binary) string; status replies are plain JS strings. */
export class Bulk {
  constructor(readonly s: string) {}
}

export class RespError {
  constructor(readonly message: string) {}
}

/** A RESP3 push frame (Pub/Sub messages, subscription confirmations, invalidations). */
export class Push {
  constructor(readonly items: RespValue[]) {}
}

export type RespValue = null | number | string | Bulk | RespError | Push | RespValue[];

const INCOMPLETE = Symbol('incomplete');
type Parsed = { v: RespValue; end: number } | typeof INCOMPLETE;

export class RespDecoder {
  private buf: Buffer = Buffer.alloc(0);

  /** Appends bytes and returns every complete top-level frame. */
  feed(chunk: Buffer): RespValue[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: RespValue[] = [];
    let pos = 0;
    while (pos < this.buf.length) {
      const r = parse(this.buf, pos);
      if (r === INCOMPLETE) break;
      out.push(r.v);
      pos = r.end;
    }
    this.buf = pos === this.buf.length ? Buffer.alloc(0) : this.buf.subarray(pos);
    return out;
  }
}

function parse(b: Buffer, pos: number): Parsed {
  const nl = b.indexOf('\r\n', pos, 'latin1');
  if (nl < 0) return INCOMPLETE;
  const type = b[pos];
  const line = b.toString('latin1', pos + 1, nl);
  const next = nl + 2;
  switch (type) {
    case 0x2b: // + status
      return { v: line, end: next };
    case 0x2d: // - error
      return { v: new RespError(line), end: next };
    case 0x3a: {
      // : integer (beyond 2^53 as its decimal text, so JSON never loses digits)
      const n = Number(line);
      return { v: Number.isSafeInteger(n) ? n : line, end: next };
    }
    case 0x2c: // , double: RESP2 sends it as a bulk; its text is kept
    case 0x28: // ( big number
      return { v: line, end: next };
    case 0x23: // # boolean: RESP2's 1/0
      return { v: line === 't' ? 1 : 0, end: next };
    case 0x5f: // _ null
      return { v: null, end: next };
    case 0x24: // $ bulk
    case 0x3d: {
      // = verbatim (its "txt:" prefix dropped)
      const len = Number(line);
      if (len < 0) return { v: null, end: next };
      if (b.length < next + len + 2) return INCOMPLETE;
      const skip = type === 0x3d ? 4 : 0;
      return { v: new Bulk(b.toString('latin1', next + skip, next + len)), end: next + len + 2 };
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x25: {
      // % map: flattened to key, value, ... as RESP2 shows it
      let n = Number(line);
      if (n < 0) return { v: null, end: next };
      if (type === 0x25) n *= 2;
      const items: RespValue[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(b, p);
        if (r === INCOMPLETE) return INCOMPLETE;
        items.push(r.v);
        p = r.end;
      }
      return { v: type === 0x3e ? new Push(items) : items, end: p };
    }
    case 0x7c: {
      // | attribute: skipped, the value that follows is the reply
      const n = Number(line) * 2;
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parse(b, p);
        if (r === INCOMPLETE) return INCOMPLETE;
        p = r.end;
      }
      return parse(b, p);
    }
    default:
      return { v: new RespError(`ERR unexpected reply type ${line}`), end: next };
  }
}

/** Encodes one command as a RESP multibulk request (argv is latin1). */
export function encodeCommand(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/**
 * The JSON form of a reply: bulk strings as UTF-8 text, or base64 when `base64` (the
 * Upstash-Encoding rule: status replies such as "OK" stay plain), errors nested in arrays
 * as {"error": ...}.
 */
export function toJson(v: RespValue, base64: boolean): unknown {
  if (v === null || typeof v === 'number' || typeof v === 'string') return v;
  if (v instanceof Bulk) return Buffer.from(v.s, 'latin1').toString(base64 ? 'base64' : 'utf8');
  if (v instanceof RespError) return { error: v.message };
  if (v instanceof Push) return v.items.map((x) => toJson(x, base64));
  return v.map((x) => toJson(x, base64));
}
