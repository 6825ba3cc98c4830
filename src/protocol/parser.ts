/**
 * Incremental RESP request parser: multibulk (`*N\r\n$len\r\n...`) and inline commands,
 * with Redis 7.0's limits and exact protocol error texts (networking.c: processInlineBuffer,
 * processMultibulkBuffer; sds.c: sdssplitargs; util.c: string2ll).
 *
 * The parser is pull-based: `feed()` appends bytes, `next()` returns one complete command
 * (argv of latin1 strings) or `null` when more bytes are needed. A blocked or paused client
 * simply stops pulling; the rest of its pipeline stays buffered, exactly as in Redis.
 *
 * Quirks of Redis kept on purpose, because clients see them:
 * - Redis finds line ends with strchr(), which stops at a NUL byte: a NUL before the '\r'
 *   of a count line (or the '\n' of an inline line) means "no line end yet", so the client
 *   stalls until the line exceeds 64 KB and gets a "too big ..." error.
 * - The two bytes after a count line's '\r' and after a bulk's payload are skipped unchecked.
 * - `*0`, `*-N` and empty inline lines are no commands at all; the multibulk count may be up
 *   to INT_MAX (the arguments are collected as they arrive, nothing is preallocated).
 */
import { constants as bufferConstants } from 'node:buffer';
import { giveSpare, SPARE_MIN, takeSpare } from '../util/spare-buffers.js';
import { latin1 } from '../util/latin1.js';

/** Largest inline request / count line before Redis gives up (PROTO_INLINE_MAX_SIZE). */
export const PROTO_INLINE_MAX_SIZE = 64 * 1024;
/** Limits for clients that still have to authenticate (CVE-2021-32675). */
const UNAUTH_MAX_ARGS = 10;
const UNAUTH_MAX_BULK = 16384;
const INT_MAX = 2147483647;
/** V8 cannot make a string longer than this; a bigger argument cannot exist as an argv string. */
const MAX_ARG_LEN: number = bufferConstants.MAX_STRING_LENGTH;
/** Smallest buffer the parser allocates when it has to own the bytes. */
const MIN_ALLOC = 16 * 1024;
/** Redis's read size (PROTO_IOBUF_LEN) and its "big argument" threshold (PROTO_MBULK_BIG_ARG). */
const REDIS_IOBUF_LEN = 16 * 1024;
const PROTO_MBULK_BIG_ARG = 32 * 1024;
/**
 * Arguments from this size on are also handed over as bytes (RequestParser.bigArgs): a JS
 * string above ~128 KB lives in V8's large-object space, a fresh mmap per string, and costs
 * ~4 ms per MB to create on this kind of VM, where a command that stores the bytes (SET)
 * needs no string at all.
 */
export const BIG_ARG_MIN = PROTO_MBULK_BIG_ARG;
/** argv's entry for an argument held only as bytes, until the dispatcher materializes it. */
export const BIG_ARG_PLACEHOLDER = '\0respite:big-argument\0';

export class ProtocolError extends Error {}

/** A buffer of at least size bytes: a kept spare for a big one (see util/spare-buffers.ts). */
function allocBuffer(size: number): Buffer {
  return (size >= SPARE_MIN && takeSpare(size, size * 2)) || Buffer.allocUnsafe(size);
}

export interface ParserLimits {
  /** proto-max-bulk-len */
  maxBulkLen: number;
  /** true while the client must still AUTH: tighter limits apply */
  authRequired: boolean;
}

const NUL = 0;
const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const DQUOTE = 0x22;
const DOLLAR = 0x24;
const SQUOTE = 0x27;
const STAR = 0x2a;
const BACKSLASH = 0x5c;

const EMPTY = Buffer.alloc(0);
/**
 * The last command name read (by any connection). Pipelines and busy servers repeat the same
 * command, so its bytes are compared with it and the same string is reused: no allocation, and
 * the dispatcher's lookup cache matches it by identity.
 */
let lastCommandName = '';

function commandName(buf: Buffer, pos: number, len: number): string {
  const last = lastCommandName;
  if (last.length === len) {
    let i = 0;
    while (i < len && buf[pos + i] === last.charCodeAt(i)) i++;
    if (i === len) return last;
  }
  return (lastCommandName = latin1(buf, pos, len));
}

/** Placeholder argv between commands (every multibulk header installs a fresh array). */
const NO_ARGV: string[] = [];

/**
 * A fresh argv for a command of n arguments: up to 8, a packed array of exactly n slots
 * (filled by index: a push onto `[]` grows its backing store through a builtin call, on
 * every command); longer ones start empty and grow by push.
 */
function newArgv(n: number): string[] {
  switch (n) {
    case 1:
      return [''];
    case 2:
      return ['', ''];
    case 3:
      return ['', '', ''];
    case 4:
      return ['', '', '', ''];
    case 5:
      return ['', '', '', '', ''];
    case 6:
      return ['', '', '', '', '', ''];
    case 7:
      return ['', '', '', '', '', '', ''];
    case 8:
      return ['', '', '', '', '', '', '', ''];
    default:
      return [];
  }
}

export class RequestParser {
  private buf: Buffer = EMPTY;
  private pos = 0;
  /**
   * Bytes [pos, avail) are buffered; the parser only looks at [pos, end), and moves `end`
   * forward in steps of a Redis read (see virtualRead) when it needs more.
   */
  private end = 0;
  private avail = 0;
  /** True when `buf` was allocated here (we may write into it); false for an adopted chunk. */
  private ownsBuffer = false;
  /** Multibulk state: arguments still expected, the pending bulk's length, and argv so far. */
  private multibulkLen = 0;
  private bulkLen = -1;
  private argv: string[] = NO_ARGV;
  /** Arguments of argv parsed so far (a presized argv is longer until it is complete). */
  private argc = 0;
  /**
   * Line-end search memo, so that a long line arriving in tiny pieces is scanned once:
   * bytes [scanBase, scanPos) hold no line end; scanStalled = a NUL was met (see above).
   */
  private scanBase = -1;
  private scanTarget = 0;
  private scanPos = 0;
  private scanStalled = false;
  private maxBulkLen: number;
  private authRequired: boolean;
  /** Set when `next()` failed; the client replies with it and closes. */
  error: string | null = null;
  /**
   * For the argv `next()` just returned, when some of its arguments (never the name) are at
   * least BIG_ARG_MIN bytes: those arguments' bytes, by argv index, while argv holds
   * BIG_ARG_PLACEHOLDER there. The views point into the parser's buffer and stay valid only
   * until the next `feed()`; the caller takes them at once (see Client.bigArgs).
   */
  bigArgs: (Buffer | undefined)[] | null = null;

  constructor(limits: ParserLimits) {
    this.maxBulkLen = limits.maxBulkLen;
    this.authRequired = limits.authRequired;
  }

  setAuthRequired(required: boolean): void {
    this.authRequired = required;
  }

  setMaxBulkLen(n: number): void {
    this.maxBulkLen = n;
  }

  /** Bytes received but not yet consumed as complete commands (the query buffer length). */
  get pending(): number {
    return this.avail - this.pos;
  }

  /** Size of the buffer holding the pending bytes (memory held for this client's input). */
  get capacity(): number {
    return this.buf.length;
  }

  /** Appends the first n bytes of chunk (all of it by default). */
  feed(chunk: Buffer, n = chunk.length): void {
    if (n === 0) return;
    if (this.pos === this.avail) {
      // Nothing buffered: parse straight from the socket's chunk, no copy.
      this.dropBuffer();
      this.buf = chunk;
      this.ownsBuffer = false;
      this.pos = this.end = 0;
      this.avail = n;
      this.scanBase = -1;
      return;
    }
    if (this.ownsBuffer && this.buf.length - this.avail >= n) {
      chunk.copy(this.buf, this.avail, 0, n);
      this.avail += n;
      return;
    }
    const remaining = this.avail - this.pos;
    const need = remaining + n;
    if (this.ownsBuffer && need <= this.buf.length && remaining <= this.buf.length >>> 1) {
      // Slide the unparsed tail to the front: it is at most half the buffer, so sliding
      // costs less than the room it frees.
      this.buf.copy(this.buf, 0, this.pos, this.avail);
    } else {
      // Grow geometrically (a 100 MB bulk in 64 KB reads costs O(n) copies, not O(n^2)), but
      // never far beyond what the client actually sent: a declared length is a promise, not
      // data, and must not make us allocate memory the client never sends.
      let size = need * 2;
      if (size < MIN_ALLOC) size = MIN_ALLOC;
      if (this.bulkLen >= 0) {
        // pos is at the start of the pending bulk. Once a quarter of it is here, the next
        // doubling would overshoot anyway: take the final size now (plus room for the read
        // that completes it) and save a copy. Memory held stays within 4x what was received.
        const want = this.bulkLen + 2 + 64 * 1024;
        if (size * 2 > want) size = Math.max(want, need);
      }
      const nb = allocBuffer(size);
      this.buf.copy(nb, 0, this.pos, this.avail);
      this.dropBuffer();
      this.buf = nb;
      this.ownsBuffer = true;
    }
    chunk.copy(this.buf, remaining, 0, n);
    this.end -= this.pos;
    this.pos = 0;
    this.avail = need;
    this.scanBase = -1;
  }

  /**
   * The caller is about to reuse the buffer of the chunk it fed last (one read buffer shared
   * by every connection): unparsed bytes still in it are copied into a buffer of our own.
   */
  release(): void {
    if (this.ownsBuffer || this.pos === this.avail) return;
    const remaining = this.avail - this.pos;
    const nb = allocBuffer(Math.max(remaining * 2, MIN_ALLOC));
    this.buf.copy(nb, 0, this.pos, this.avail);
    this.buf = nb;
    this.ownsBuffer = true;
    this.end -= this.pos;
    this.pos = 0;
    this.avail = remaining;
    this.scanBase = -1;
  }

  /**
   * The current buffer is being let go: one allocated here goes back to the spare pool (the
   * views of a command's big arguments died with the command, before the next feed/next).
   */
  private dropBuffer(): void {
    if (this.ownsBuffer) giveSpare(this.buf);
  }

  /** Drop everything buffered (used when the connection is being closed). */
  reset(): void {
    this.dropBuffer();
    this.buf = EMPTY;
    this.pos = this.end = this.avail = 0;
    this.multibulkLen = 0;
    this.bulkLen = -1;
    this.argv = NO_ARGV;
    this.argc = 0;
    this.bigArgs = null;
    this.ownsBuffer = false;
    this.scanBase = -1;
  }

  /**
   * Returns the next complete command, `null` if more data is needed, or throws
   * ProtocolError (message = the error text without "ERR ") on malformed input.
   * An empty argv (empty inline line, `*0`, `*-1`) is skipped internally.
   */
  next(): string[] | null {
    for (;;) {
      const argv = this.parse();
      if (argv !== null) return argv;
      if (this.end < this.avail) {
        this.virtualRead();
        continue;
      }
      if (this.pos === this.avail && this.avail !== 0) {
        // Fully consumed: let go of the bytes (an adopted chunk or a grown buffer).
        this.dropBuffer();
        this.buf = EMPTY;
        this.pos = this.end = this.avail = 0;
        this.ownsBuffer = false;
      }
      return null;
    }
  }

  /**
   * Makes the next "read" of buffered bytes visible. Redis checks its 64 KB line limits after
   * each read from the socket: the first read of a connection is 16 KB (PROTO_IOBUF_LEN),
   * later ones fill its grown query buffer, and a pending bulk of 32 KB or more is read
   * exactly to its end. Node hands us up to 64 KB at once; replaying it in 16 KB steps gives
   * Redis's outcome for input that arrives together (a 70 KB inline line is accepted, a
   * 90 KB one is too big). Exact agreement beyond that would need Redis's allocator.
   */
  private virtualRead(): void {
    let readLen = REDIS_IOBUF_LEN;
    if (this.multibulkLen > 0 && this.bulkLen >= PROTO_MBULK_BIG_ARG) {
      const remaining = this.bulkLen + 2 - (this.end - this.pos);
      if (remaining > 0) readLen = remaining;
    }
    this.end = Math.min(this.avail, this.end + readLen);
  }

  /** Parses one command from [pos, end), or returns null when that is not enough. */
  private parse(): string[] | null {
    for (;;) {
      if (this.multibulkLen === 0) {
        if (this.pos >= this.end) return null;
        if (this.buf[this.pos] === STAR) {
          const r = this.readMultibulkHeader();
          if (r < 0) return null; // need more
          if (r === 0) continue; // empty command, skip
        } else {
          const argv = this.readInline();
          if (argv === null) return null;
          if (argv.length === 0) continue;
          return argv;
        }
      }
      return this.readBulks();
    }
  }

  /**
   * Index of the first `target` byte from pos, or -1 if there is none before the end of the
   * data or before a NUL byte (strchr semantics).
   */
  private scanLine(target: number): number {
    const buf = this.buf;
    const end = this.end;
    let i: number;
    if (this.scanBase === this.pos && this.scanTarget === target) {
      if (this.scanStalled) return -1;
      i = this.scanPos;
    } else {
      this.scanBase = this.pos;
      this.scanTarget = target;
      this.scanStalled = false;
      i = this.pos;
    }
    for (; i < end; i++) {
      const b = buf[i];
      if (b === target) {
        this.scanPos = i;
        return i;
      }
      if (b === NUL) {
        this.scanStalled = true;
        return -1;
      }
    }
    this.scanPos = end;
    return -1;
  }

  /**
   * Reads a `*N` / `$N` count line at pos. Returns the count, or -1 when the line is not
   * complete yet, or NaN when it is complete but not a valid string2ll number. On success
   * pos moves past the line (CR and the byte after it).
   */
  private readCount(tooBig: string): number {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    // Fast path: 1 to 15 digits followed by '\r' and one more byte.
    let i = start + 1;
    if (i < end) {
      let c = buf[i];
      let v = -1;
      if (c >= 0x31 && c <= 0x39) {
        v = c - 0x30;
        i++;
        const limit = start + 16;
        while (i < end && i < limit && (c = buf[i]) >= 0x30 && c <= 0x39) {
          v = v * 10 + (c - 0x30);
          i++;
        }
      } else if (c === 0x30) {
        v = 0;
        i++;
      }
      if (v >= 0) {
        if (i + 1 < end && buf[i] === CR) {
          this.pos = i + 2;
          return v;
        }
        // Only digits so far: the line is simply incomplete.
        if (i === end || (i + 1 === end && buf[i] === CR)) return -1;
      }
    }
    // Exact path for everything else (signs, garbage, NUL bytes, long lines).
    const cr = this.scanLine(CR);
    if (cr === -1) {
      if (end - start > PROTO_INLINE_MAX_SIZE) this.fail(tooBig);
      return -1;
    }
    if (cr + 1 >= end) return -1; // the byte after '\r' must be there too
    return NaN;
  }

  /** -1 = need more, 0 = empty command consumed, 1 = header read (bulks follow). */
  private readMultibulkHeader(): number {
    const start = this.pos;
    let ll = this.readCount('too big mbulk count string');
    if (ll === -1) return -1;
    if (ll !== ll) {
      const cr = this.scanPos;
      const v = parseLongLong(this.buf, start + 1, cr);
      if (v === null || v > INT_MAX) this.fail('invalid multibulk length');
      ll = v;
      this.pos = cr + 2;
    } else if (ll > INT_MAX) {
      this.fail('invalid multibulk length');
    }
    if (ll > UNAUTH_MAX_ARGS && this.authRequired) this.fail('unauthenticated multibulk length');
    if (ll <= 0) return 0;
    this.multibulkLen = ll;
    this.argv = newArgv(ll);
    this.argc = 0;
    this.bigArgs = null;
    return 1;
  }

  private readBulks(): string[] | null {
    // The hot loop works on locals and syncs the state back before returning or failing.
    const buf = this.buf;
    const end = this.end;
    const argv = this.argv;
    let argc = this.argc;
    let pos = this.pos;
    let left = this.multibulkLen;
    let len = this.bulkLen;
    while (left > 0) {
      if (len === -1) {
        // Fast path: `$` and 1 to 15 digits, CR and one more byte, within the limits.
        let v = -1;
        let i = pos + 1;
        if (i < end && buf[pos] === DOLLAR) {
          let c = buf[i];
          if (c >= 0x31 && c <= 0x39) {
            v = c - 0x30;
            i++;
            const limit = pos + 16;
            while (i < end && i < limit && (c = buf[i]) >= 0x30 && c <= 0x39) {
              v = v * 10 + (c - 0x30);
              i++;
            }
          } else if (c === 0x30) {
            v = 0;
            i++;
          }
        }
        if (
          v >= 0 &&
          i + 1 < end &&
          buf[i] === CR &&
          v <= this.maxBulkLen &&
          (v <= UNAUTH_MAX_BULK || !this.authRequired)
        ) {
          pos = i + 2;
          len = v;
        } else {
          this.pos = pos;
          this.multibulkLen = left;
          this.bulkLen = -1;
          this.argc = argc;
          len = this.readBulkHeader();
          if (len === -1) return null;
          pos = this.pos;
        }
      }
      if (end - pos < len + 2) {
        // Past what a string can hold: it can never complete, so stop buffering it now.
        if (len > MAX_ARG_LEN && end - pos > MAX_ARG_LEN) this.fail('invalid bulk length');
        this.pos = pos;
        this.multibulkLen = left;
        this.bulkLen = len;
        this.argc = argc;
        return null;
      }
      // Redis would run it, but V8 cannot hold a string this long (within 24 bytes of 512 MB).
      if (len > MAX_ARG_LEN) this.fail('invalid bulk length');
      let arg: string;
      if (len >= BIG_ARG_MIN && argc !== 0) {
        (this.bigArgs ??= [])[argc] = buf.subarray(pos, pos + len);
        arg = BIG_ARG_PLACEHOLDER;
      } else arg = argc === 0 && len <= 16 ? commandName(buf, pos, len) : latin1(buf, pos, len);
      if (argc < argv.length) argv[argc] = arg;
      else argv.push(arg);
      argc++;
      pos += len + 2;
      len = -1;
      left--;
    }
    this.pos = pos;
    this.multibulkLen = 0;
    this.bulkLen = -1;
    this.argv = NO_ARGV;
    return argv;
  }

  /** Reads a `$N` line at pos exactly as Redis does: -1 = need more, else the length. */
  private readBulkHeader(): number {
    const start = this.pos;
    let ll: number;
    if (start < this.end && this.buf[start] === DOLLAR) {
      ll = this.readCount('too big bulk count string');
      if (ll === -1) return -1;
    } else {
      // Not a '$': Redis still waits for the '\r' before it complains.
      const cr = this.scanLine(CR);
      if (cr === -1) {
        if (this.end - start > PROTO_INLINE_MAX_SIZE) this.fail('too big bulk count string');
        return -1;
      }
      if (cr + 1 >= this.end) return -1;
      this.fail(`expected '$', got '${String.fromCharCode(this.buf[start])}'`);
    }
    if (ll !== ll) {
      const cr = this.scanPos;
      const v = parseLongLong(this.buf, start + 1, cr);
      if (v === null) this.fail('invalid bulk length');
      ll = v;
      this.pos = cr + 2;
    }
    if (ll < 0 || ll > this.maxBulkLen) this.fail('invalid bulk length');
    if (ll > UNAUTH_MAX_BULK && this.authRequired) this.fail('unauthenticated bulk length');
    return ll;
  }

  private readInline(): string[] | null {
    const start = this.pos;
    const nl = this.scanLine(LF);
    if (nl === -1) {
      if (this.end - start > PROTO_INLINE_MAX_SIZE) this.fail('too big inline request');
      return null;
    }
    let lineEnd = nl;
    if (lineEnd > start && this.buf[lineEnd - 1] === CR) lineEnd--;
    const argv = splitArgsBuffer(this.buf, start, lineEnd);
    if (argv === null) this.fail('unbalanced quotes in request');
    this.pos = nl + 1;
    return argv;
  }

  private fail(msg: string): never {
    this.error = `Protocol error: ${msg}`;
    this.reset();
    throw new ProtocolError(this.error);
  }
}

/**
 * Parses a signed decimal integer from buf[start, end) with Redis's string2ll rules: no
 * leading '+', zeros or spaces, "-0" rejected, at most 20 characters, within int64.
 * Returns null when invalid. Values beyond 2^53 come back rounded (only their size matters
 * to the protocol), but the int64 range check is exact.
 */
export function parseLongLong(buf: Buffer, start: number, end: number): number | null {
  const len = end - start;
  if (len <= 0 || len > 20) return null;
  let i = start;
  let neg = false;
  if (buf[i] === 0x2d) {
    neg = true;
    i++;
    if (i === end) return null;
  }
  if (len === 1 && buf[i] === 0x30) return 0;
  if (buf[i] < 0x31 || buf[i] > 0x39) return null;
  const digitsStart = i;
  let v = 0;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) return null;
    v = v * 10 + d;
  }
  const digits = end - digitsStart;
  if (digits > 19) return null;
  if (digits === 19) {
    // Compare exactly with 9223372036854775807 (or ...808 when negative).
    const lim = neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
    for (let k = 0; k < 19; k++) {
      const d = buf[digitsStart + k];
      const l = lim.charCodeAt(k);
      if (d !== l) {
        if (d > l) return null;
        break;
      }
    }
  }
  if (digits > 15) v = Number(buf.latin1Slice(digitsStart, end)); // correctly rounded
  return neg ? -v : v;
}

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/** C isspace() in the "C" locale. */
function isSpaceByte(b: number): boolean {
  return b === SPACE || (b >= TAB && b <= CR);
}

function isHexByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) || (b >= 0x41 && b <= 0x46);
}

function hexValue(b: number): number {
  return b <= 0x39 ? b - 0x30 : (b | 0x20) - 0x61 + 10;
}

/** Scratch space for decoding quoted inline arguments (synchronous use only). */
let scratch = Buffer.allocUnsafe(1024);

/**
 * Splits an inline command line like Redis's sdssplitargs: arguments separated by blanks;
 * "double quoted" with \n \r \t \b \a, \xHH and \<any> escapes; 'single quoted' with only \'.
 * A closing quote must be followed by a blank or the end. Returns null on unbalanced quotes.
 * The line holds no NUL byte (the caller stops at one, as strchr does).
 */
export function splitArgsBuffer(buf: Buffer, start: number, end: number): string[] | null {
  const out: string[] = [];
  let i = start;
  for (;;) {
    while (i < end && isSpaceByte(buf[i])) i++;
    if (i >= end) return out;
    // Plain argument: no quotes up to the next separator. Note that only space, \t, \r and
    // \n end an unquoted argument; \v and \f are part of it (they only count as leading blanks).
    const tokenStart = i;
    let b = 0;
    while (i < end) {
      b = buf[i];
      if (b === SPACE || b === LF || b === CR || b === TAB || b === DQUOTE || b === SQUOTE) break;
      i++;
    }
    if (i >= end || (b !== DQUOTE && b !== SQUOTE)) {
      out.push(buf.latin1Slice(tokenStart, i));
      if (i < end) i++;
      continue;
    }
    const r = quotedArg(buf, tokenStart, end);
    if (r < 0) return null;
    out.push(scratch.latin1Slice(0, scratchLen));
    i = r;
  }
}

let scratchLen = 0;

/**
 * Decodes one argument that contains quotes, starting at i, into `scratch[0, scratchLen)`.
 * Returns the index after the argument, or -1 on unbalanced quotes.
 */
function quotedArg(buf: Buffer, i: number, end: number): number {
  if (scratch.length < end - i) scratch = Buffer.allocUnsafe(Math.max(end - i, scratch.length * 2));
  const out = scratch;
  let n = 0;
  let inq = false;
  let insq = false;
  for (;;) {
    const atEnd = i >= end;
    const c = atEnd ? NUL : buf[i];
    let done = false;
    if (inq) {
      if (
        c === BACKSLASH &&
        i + 3 < end &&
        buf[i + 1] === 0x78 &&
        isHexByte(buf[i + 2]) &&
        isHexByte(buf[i + 3])
      ) {
        out[n++] = hexValue(buf[i + 2]) * 16 + hexValue(buf[i + 3]);
        i += 3;
      } else if (c === BACKSLASH && i + 1 < end) {
        i++;
        const e = buf[i];
        out[n++] = e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? TAB : e === 0x62 ? 8 : e === 0x61 ? 7 : e;
      } else if (c === DQUOTE) {
        if (i + 1 < end && !isSpaceByte(buf[i + 1])) return -1;
        done = true;
      } else if (atEnd) {
        return -1;
      } else {
        out[n++] = c;
      }
    } else if (insq) {
      if (c === BACKSLASH && i + 1 < end && buf[i + 1] === SQUOTE) {
        i++;
        out[n++] = SQUOTE;
      } else if (c === SQUOTE) {
        if (i + 1 < end && !isSpaceByte(buf[i + 1])) return -1;
        done = true;
      } else if (atEnd) {
        return -1;
      } else {
        out[n++] = c;
      }
    } else if (atEnd || c === SPACE || c === LF || c === CR || c === TAB) {
      done = true;
    } else if (c === DQUOTE) {
      inq = true;
    } else if (c === SQUOTE) {
      insq = true;
    } else {
      out[n++] = c;
    }
    if (!atEnd) i++;
    if (done) {
      scratchLen = n;
      return i;
    }
  }
}

/**
 * splitArgsBuffer for a string (config files, tests). Latin1 strings map byte for byte; a
 * string with wider characters is split as its UTF-8 bytes and the arguments decoded back.
 */
export function splitArgs(line: string): string[] | null {
  const wide = /[^\x00-\xff]/.test(line);
  const b = Buffer.from(line, wide ? 'utf8' : 'latin1');
  const nul = b.indexOf(0);
  const args = splitArgsBuffer(b, 0, nul === -1 ? b.length : nul);
  if (args === null || !wide) return args;
  for (let i = 0; i < args.length; i++) args[i] = Buffer.from(args[i], 'latin1').toString('utf8');
  return args;
}
