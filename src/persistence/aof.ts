/**
 * Multi-part append only file as Redis 7.0 (aof.c): `<appenddirname>/` holds a base file
 * (`<appendfilename>.<seq>.base.rdb` or `.base.aof`), incremental files
 * (`<appendfilename>.<seq>.incr.aof`) and the manifest (`<appendfilename>.manifest`) that
 * lists them. The sink encodes each propagated write as RESP into a buffer (SELECT when the
 * database changes), written at the end of each event-loop batch before the replies leave
 * (server.flushPending): with `appendfsync always` the batch is fsynced first (group commit),
 * with `everysec` the cron fsyncs once per second, with `no` the OS decides.
 *
 * BGREWRITEAOF and turning AOF on at runtime need no fork: writes go to a new incremental
 * file at once (named in the manifest), and a point-in-time snapshot of the dataset, written
 * in time slices, becomes the new base.
 */
import {
  close,
  closeSync,
  existsSync,
  fdatasync,
  fstatSync,
  fdatasyncSync,
  fsync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { detachInBackground, writeAll } from './files.js';
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import { REDIS_VERSION } from '../server/server.js';
import { Client } from '../server/client.js';
import { ReplyWriter } from '../protocol/writer.js';
import { processCommand } from '../server/dispatcher.js';
import { PROPAGATE_AOF, type PropagationSink } from '../server/propagate.js';
import { Snapshot, type SnapshotFormat } from './snapshot.js';
import { strerror as baseStrerror } from '../config/special.js';
import { RdbLoader } from './load.js';
import { functionCodes } from './functions-hook.js';
import { createDumpPayload, RdbError } from './rdb.js';

export const AOF_FILE_TYPE_BASE = 'b';
export const AOF_FILE_TYPE_HIST = 'h';
export const AOF_FILE_TYPE_INCR = 'i';

export interface AofInfo {
  name: string;
  seq: number;
  type: string;
}

export interface Manifest {
  base: AofInfo | null;
  incrs: AofInfo[];
  /** Files replaced by a rewrite, listed until they are deleted. */
  history?: AofInfo[];
  currBaseSeq: number;
  currIncrSeq: number;
}

/** Thrown when the AOF cannot be loaded (already logged): the server exits. */
export class AofLoadError extends Error {}

export function parseManifest(text: string): Manifest {
  const m: Manifest = { base: null, incrs: [], currBaseSeq: 0, currIncrSeq: 0 };
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const w = line.split(/\s+/);
    const info: AofInfo = { name: '', seq: 0, type: '' };
    for (let i = 0; i + 1 < w.length; i += 2) {
      if (w[i] === 'file') info.name = w[i + 1].replace(/^"(.*)"$/, '$1');
      else if (w[i] === 'seq') info.seq = Number(w[i + 1]);
      else if (w[i] === 'type') info.type = w[i + 1];
    }
    if (info.name === '' || !(info.seq > 0) || info.type === '')
      throw new Error('Invalid AOF manifest file format');
    if (info.type === AOF_FILE_TYPE_BASE) {
      m.base = info;
      m.currBaseSeq = info.seq;
    } else if (info.type === AOF_FILE_TYPE_INCR) {
      m.incrs.push(info);
      m.currIncrSeq = info.seq;
    } else if (info.type === AOF_FILE_TYPE_HIST) {
      (m.history ??= []).push(info);
    }
  }
  return m;
}

export function formatManifest(m: Manifest): string {
  let s = '';
  if (m.base) s += `file ${m.base.name} seq ${m.base.seq} type ${m.base.type}\n`;
  for (const h of m.history ?? []) s += `file ${h.name} seq ${h.seq} type ${h.type}\n`;
  for (const i of m.incrs) s += `file ${i.name} seq ${i.seq} type ${i.type}\n`;
  return s;
}

/** RESP encoding of one command (latin1: one char = one byte). */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (let i = 0; i < argv.length; i++) s += `$${argv[i].length}\r\n${argv[i]}\r\n`;
  return s;
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** The aux fields of an AOF base's RDB preamble (aof-base 1 tells a loader what it reads). */
function baseAux(s: Server): [string, string][] {
  return [
    ['redis-ver', REDIS_VERSION],
    ['redis-bits', '64'],
    ['ctime', String(Math.floor(s.clock() / 1000))],
    ['used-mem', String(process.memoryUsage().rss)],
    ['aof-base', '1'],
  ];
}

function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    /* some filesystems refuse fsync on directories */
  }
}

/** strerror(3) for the errors a disk write or fsync can give. */
function strerror(e: unknown): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case 'EIO':
      return 'Input/output error';
    case 'EDQUOT':
      return 'Disk quota exceeded';
    case 'EFBIG':
      return 'File too large';
    case 'EBADF':
      return 'Bad file descriptor';
    default:
      return baseStrerror(e);
  }
}

/** Result of parsing the commands of one AOF file. */
interface ParseResult {
  /** Byte offset just after the last complete command outside an open MULTI. */
  validUpTo: number;
  truncated: boolean;
  formatError: boolean;
}

const READ_CHUNK = 4 << 20;

/** A file read sequentially in chunks (loading never holds a whole file in memory). */
class ChunkedFile {
  private fd = -1;
  size = 0;
  private off = 0;
  constructor(private readonly path: string) {}

  open(): void {
    this.fd = openSync(this.path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(max: number): Buffer | null {
    const n = Math.min(max, this.size - this.off);
    if (n <= 0) return null;
    const b = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, b, got, n - got, this.off + got);
      if (r === 0) break;
      got += r;
    }
    this.off += got;
    return got === n ? b : b.subarray(0, got);
  }

  close(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
  }
}

/**
 * Replays the commands of one AOF file through the dispatcher, resumable: step() runs until
 * a deadline; a command cut by the end of the read window is parsed again with more bytes.
 * Offsets are absolute in the file (validUpTo: end of the last complete command outside a
 * MULTI, where a torn tail is cut).
 */
class AofReplay {
  private base = 0;
  private p = 0;
  private eof = false;
  private validUpTo = 0;
  private beforeMulti = -1;

  constructor(
    private readonly server: Server,
    private readonly c: Client,
    private buf: Buffer,
    private readonly readMore: (max: number) => Buffer | null,
    private readonly keyDelayUs: number,
  ) {}

  get pos(): number {
    return this.base + this.p;
  }

  /** More bytes after the command starting at `from`; false at the end of the file. */
  private more(from: number): boolean {
    if (this.eof) return false;
    const b = this.readMore(READ_CHUNK);
    if (b === null || b.length === 0) {
      this.eof = true;
      return false;
    }
    this.buf = Buffer.concat([this.buf.subarray(from), b]);
    this.base += from;
    this.p = 0;
    return true;
  }

  private torn(): ParseResult {
    return {
      validUpTo: this.beforeMulti !== -1 ? this.beforeMulti : this.validUpTo,
      truncated: true,
      formatError: false,
    };
  }

  /** Runs commands until `deadline`; the result at the end of the file, else null. */
  step(deadline: number): ParseResult | null {
    const fmt: ParseResult = { validUpTo: this.validUpTo, truncated: false, formatError: true };
    let n = 0;
    for (;;) {
      const buf = this.buf;
      const len = buf.length;
      const start = this.p;
      if (start >= len) {
        if (this.more(start)) continue;
        if (this.beforeMulti !== -1) {
          this.server.log.warning('Revert incomplete MULTI/EXEC transaction in AOF file');
          return { validUpTo: this.beforeMulti, truncated: true, formatError: false };
        }
        return { validUpTo: this.validUpTo, truncated: false, formatError: false };
      }
      let pos = start;
      // One line ending in CRLF from pos: its text, or null when cut (or malformed).
      let lineEnd = -1;
      const line = (): string | null => {
        const e = buf.indexOf(10, pos);
        if (e === -1 || e === pos || buf[e - 1] !== 13) {
          lineEnd = e;
          return null;
        }
        const t = buf.latin1Slice(pos, e - 1);
        pos = e + 1;
        return t;
      };
      if (buf[pos] === 0x23) {
        // Annotations (#TS:...) are skipped.
        if (line() === null) {
          if (lineEnd === -1 && this.more(start)) continue;
          return this.torn();
        }
        this.p = pos;
        if (this.beforeMulti === -1) this.validUpTo = this.base + pos;
        continue;
      }
      if (buf[pos] !== 0x2a) return fmt;
      const head = line();
      if (head === null) {
        if (lineEnd === -1 && this.more(start)) continue;
        return this.torn();
      }
      const argc = Number(head.slice(1));
      if (!Number.isInteger(argc) || argc < 1) return fmt;
      const argv: string[] = new Array<string>(argc);
      let cut = false;
      for (let j = 0; j < argc; j++) {
        if (pos >= len) {
          cut = true;
          break;
        }
        if (buf[pos] !== 0x24) return fmt;
        const l = line();
        if (l === null) {
          cut = true;
          break;
        }
        const bl = Number(l.slice(1));
        if (!Number.isInteger(bl) || bl < 0) return fmt;
        if (pos + bl + 2 > len) {
          cut = true;
          break;
        }
        argv[j] = buf.latin1Slice(pos, pos + bl);
        pos += bl + 2;
      }
      if (cut) {
        if (this.more(start)) continue;
        return this.torn();
      }
      this.p = pos;
      const name = argv[0].toLowerCase();
      if (name === 'multi') this.beforeMulti = this.validUpTo;
      processCommand(this.server, this.c, argv);
      this.c.out.pos = 0;
      if (name === 'exec') this.beforeMulti = -1;
      if (this.beforeMulti === -1) this.validUpTo = this.base + pos;
      if (this.keyDelayUs > 0) {
        const until = performance.now() + this.keyDelayUs / 1000;
        while (performance.now() < until);
      }
      if (((++n & 127) === 0 || this.keyDelayUs > 0) && performance.now() >= deadline) return null;
    }
  }
}

/** The background rewrite in progress (Redis's AOF child). */
interface RewriteJob {
  snap: Snapshot | null;
  fd: number;
  tmp: string;
  /** performance.now() at the start. */
  start: number;
  timer: NodeJS.Immediate | null;
  maxSliceMs: number;
}

/** The AOF base of a rewrite without RDB preamble: commands, written by the snapshot walk. */
function aofBaseFormat(server: Server): SnapshotFormat {
  const compression = server.config.bool('rdbcompression');
  const ts = server.config.bool('aof-timestamp-enabled');
  return {
    header: (out) => {
      if (ts) out.latin1(`#TS:${Math.floor(server.clock() / 1000)}\r\n`);
      // Libraries first, as FUNCTION LOAD commands (Redis's rewriteFunctions).
      for (const code of functionCodes(server)) out.latin1(encodeCommand(['FUNCTION', 'LOAD', code]));
    },
    selectDb: (out, id) => out.latin1(encodeCommand(['SELECT', String(id)])),
    entry: (out, key, v, meta, strings) => {
      const exp = meta.expireMs;
      if (typeof v === 'number') {
        const argv = ['SET', key, strings.toString(v)];
        if (exp !== -1) argv.push('PXAT', String(exp));
        out.latin1(encodeCommand(argv));
        return;
      }
      // Collections as RESTORE of their DUMP payload (Redis writes RPUSH/HSET/...; both replay the same data).
      const payload = createDumpPayload(v, strings, { compression });
      const argv = [
        'RESTORE',
        key,
        exp !== -1 ? String(exp) : '0',
        payload.latin1Slice(0, payload.length),
        'REPLACE',
      ];
      if (exp !== -1) argv.push('ABSTTL');
      out.latin1(encodeCommand(argv));
    },
    footer: (out) => out.flush(),
  };
}

/** Seconds between retries of a failed write while in error (serverCron's 1 s period). */
const WRITE_RETRY_MS = 1000;
/** Seconds between two logs of the same AOF write error (AOF_WRITE_LOG_ERROR_RATE). */
const WRITE_ERROR_LOG_RATE = 30;

export class AofManager {
  /** Writes are logged: appendonly is on, or waiting for its first rewrite (AOF_WAIT_REWRITE). */
  on = false;
  /** AOF_WAIT_REWRITE: turned on at runtime, the first base is being written. */
  waitRewrite = false;
  private fd = -1;
  /** The batch's commands, RESP-encoded, until flush() writes them (aof_buf). */
  private readonly out = new ReplyWriter();
  private selectedDb = -1;
  private lastTs = -1;
  private manifest: Manifest = { base: null, incrs: [], currBaseSeq: 0, currIncrSeq: 0 };
  private lastFsync = 0;
  private fsyncInFlight = false;
  /** How long the last `always` fdatasync took (ms): bounds group commit's gathering (gatherMore). */
  private lastFsyncMs = 0;
  /** The gathering of the batch in progress: its first round (-1: none yet), the bytes then. */
  private gatherStart = -1;
  private gatherBytes = 0;
  lastWriteOk = true;
  /** errno code of the last failed write or background fsync (aof_last_write_errno). */
  lastWriteErrno = '';
  /** A background (everysec) fsync failed and none succeeded since (aof_bio_fsync_status). */
  private bioFsyncFailed = false;
  private lastWriteErrorLog = 0;
  private lastWriteRetry = 0;
  rewrites = 0;
  rewritesConsecutiveFailures = 0;
  lastRewriteTimeSec = -1;
  lastRewriteOk = true;
  /** BGREWRITEAOF waiting for a BGSAVE to finish (aof_rewrite_scheduled). */
  rewriteScheduled = false;
  private rw: RewriteJob | null = null;
  /** Bytes in the current incremental file and in the base at the last rewrite. */
  private incrSize = 0;
  private baseSize = 0;
  /** aof_rewrite_base_size: the AOF size right after the last rewrite or load. */
  private rewriteBaseSize = 0;
  private readonly sink: PropagationSink;
  /** Commands replay through here while loading; no propagation then. */
  loading = false;
  /** Test hook: when set, AOF writes fail with this errno code (EIO, ENOSPC, ...). */
  injectWriteError: string | null = null;
  /** What an unrecoverable AOF error does (Redis's exit(1)); the CLI and tests may replace it. */
  fatalExit: () => void = () => process.exit(1);

  constructor(private readonly server: Server) {
    this.sink = (dbid, argv, target) => {
      if ((target & PROPAGATE_AOF) === 0) return;
      if (this.server.config.bool('aof-timestamp-enabled')) {
        const ts = Math.floor(this.server.clock() / 1000);
        if (ts !== this.lastTs) {
          this.out.raw(`#TS:${ts}\r\n`);
          this.lastTs = ts;
        }
      }
      if (dbid !== this.selectedDb) {
        const id = String(dbid);
        this.out.array(2);
        this.out.bulk('SELECT');
        this.out.bulk(id);
        this.selectedDb = dbid;
      }
      const out = this.out;
      out.array(argv.length);
      for (let i = 0; i < argv.length; i++) out.bulk(argv[i]);
    };
    server.config.onChange('appendonly', (v) => {
      if (!this.server.started) return;
      if (v === true || v === 'yes') this.start();
      else this.stop();
    });
  }

  /**
   * Writes are buffered: the server defers the batch's flush to the check phase, so that one
   * write (and with `always` one fdatasync: group commit) covers every client read in this
   * event-loop turn, as Redis's beforeSleep — a write(2) per client read cost most of the
   * CPU per SET with everysec.
   */
  groupCommit(): boolean {
    return this.out.pos !== 0 && this.fd !== -1;
  }

  /**
   * Whether group commit should let the event loop poll its sockets once more before the
   * fdatasync of `appendfsync always`, so that writes arriving now share it: yes while each
   * round brings more and the gathering (since `resetGather`) has lasted less than the last
   * fdatasync did. With 50 clients Redis's cycle fsyncs about 25 writes — the half whose
   * replies left during the previous fsync — while the other half's requests arrive moments
   * later; waiting for them cuts the fsyncs per write. The wait is bounded by what an fsync
   * costs, so a fast disk barely waits and a slow one gathers more.
   */
  gatherMore(): boolean {
    const bytes = this.out.pos;
    if (bytes <= this.gatherBytes || this.fd === -1 || this.server.config.str('appendfsync') !== 'always')
      return false;
    const now = performance.now();
    if (this.gatherStart < 0) this.gatherStart = now;
    if (now - this.gatherStart >= this.lastFsyncMs) return false;
    this.gatherBytes = bytes;
    return true;
  }

  /** A new batch: its gathering starts at its first gatherMore. */
  resetGather(): void {
    this.gatherStart = -1;
    this.gatherBytes = 0;
  }

  get rewriteInProgress(): boolean {
    return this.rw !== null;
  }

  private dir(): string {
    return this.server.config.resolvePath(this.server.config.str('appenddirname'));
  }

  private fileName(): string {
    return this.server.config.str('appendfilename');
  }

  private manifestName(): string {
    return `${this.fileName()}.manifest`;
  }

  private tempIncrName(): string {
    return `temp-${this.fileName()}.incr`;
  }

  /** MISCONF text while writes are refused for an AOF error (writeCommandsDeniedByDiskError), else null. */
  diskError(): string | null {
    if (!this.on || (this.lastWriteOk && !this.bioFsyncFailed)) return null;
    return `MISCONF Errors writing to the AOF file: ${strerror({ code: this.lastWriteErrno })}`;
  }

  private setWriteStatus(ok: boolean, code = ''): void {
    const changed = ok !== this.lastWriteOk;
    this.lastWriteOk = ok;
    if (!ok) this.lastWriteErrno = code;
    if (changed) this.server.rdb.updateDiskError();
  }

  // ---- Writing --------------------------------------------------------------------------

  private write(fd: number, b: Buffer, off: number): number {
    if (this.injectWriteError !== null) {
      const e = new Error(`injected ${this.injectWriteError}`) as NodeJS.ErrnoException;
      e.code = this.injectWriteError;
      throw e;
    }
    return writeSync(fd, b, off, b.length - off);
  }

  /**
   * beforeSleep's flushAppendOnlyFile: writes the buffer of this batch and, with `always`,
   * fsyncs it before any reply of the batch is written. A failed write with `always` exits
   * (the replies cannot be taken back); with everysec/no the buffer is kept, writes are
   * refused with MISCONF, and the cron retries every second until a write succeeds.
   */
  flush(): void {
    if (this.fd === -1 || this.out.pos === 0) return;
    // Written synchronously: the writer's own buffer, no copy.
    const data = this.out.view();
    const always = this.server.config.str('appendfsync') === 'always';
    let written = 0;
    try {
      while (written < data.length) written += this.write(this.fd, data, written);
    } catch (e) {
      this.writeFailed(e, data, written, always);
      return;
    }
    this.out.released(false);
    this.incrSize += data.length;
    if (!this.lastWriteOk) {
      this.server.log.warning('AOF write error looks solved, Redis can write again.');
      this.setWriteStatus(true);
    }
    if (always) {
      try {
        if (this.injectWriteError !== null)
          throw Object.assign(new Error('injected'), { code: this.injectWriteError });
        const t0 = performance.now();
        fdatasyncSync(this.fd);
        this.lastFsyncMs = performance.now() - t0;
      } catch (e) {
        this.server.log.warning(
          `Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e)}. Exiting...`,
        );
        this.fatalExit();
        return;
      }
      this.lastFsync = this.server.clock();
    }
  }

  private writeFailed(e: unknown, data: Buffer, written: number, always: boolean): void {
    const s = this.server;
    const now = Math.floor(s.clock() / 1000);
    const canLog = now - this.lastWriteErrorLog > WRITE_ERROR_LOG_RATE;
    if (canLog) this.lastWriteErrorLog = now;
    let code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (written > 0) {
      // A partial write: cut it off so the file never ends in half a command.
      if (canLog)
        s.log.warning(
          `Short write while writing to the AOF file: (nwritten=${written}, expected=${data.length})`,
        );
      try {
        ftruncateSync(this.fd, this.incrSize);
        written = 0;
      } catch (te) {
        if (canLog)
          s.log.warning(
            `Could not remove short write from the append-only file.  Redis may refuse to load the AOF the next time it starts.  ftruncate: ${strerror(te)}`,
          );
      }
      code = 'ENOSPC';
    } else if (canLog) s.log.warning(`Error writing to the AOF file: ${strerror(e)}`);
    if (always) {
      s.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
      this.fatalExit();
      return;
    }
    if (written > 0) {
      this.incrSize += written;
      // Keep what was not written (data is a view of the writer's buffer).
      const out = this.out;
      out.buf.copyWithin(0, written, out.pos);
      out.pos -= written;
    }
    this.setWriteStatus(false, code);
  }

  /** A background fsync (everysec) finished. */
  private bioFsyncDone(err: NodeJS.ErrnoException | null): void {
    this.fsyncInFlight = false;
    if (err) {
      if (!this.bioFsyncFailed) this.server.log.warning(`Fail to fsync the AOF file: ${strerror(err)}`);
      this.bioFsyncFailed = true;
      this.lastWriteErrno = err.code ?? 'EIO';
      this.server.rdb.updateDiskError();
    } else if (this.bioFsyncFailed) {
      this.bioFsyncFailed = false;
      this.server.rdb.updateDiskError();
    }
  }

  /**
   * serverCron's part: a scheduled rewrite, auto-rewrite on growth, the retry of a failed
   * write, and the everysec fsync (off the event loop).
   */
  cron(): void {
    const s = this.server;
    if (this.rw === null && this.rewriteScheduled && !s.rdb.bgsaveInProgress) this.startRewrite();
    if (this.fd === -1) return;
    const now = s.clock();
    if (!this.lastWriteOk) {
      if (now - this.lastWriteRetry < WRITE_RETRY_MS) return;
      this.lastWriteRetry = now;
    }
    this.flush();
    // auto-aof-rewrite-percentage / -min-size: growth over the size after the last rewrite.
    const perc = s.config.num('auto-aof-rewrite-percentage');
    const size = this.baseSize + this.incrSize;
    if (
      this.on &&
      !this.waitRewrite &&
      this.rw === null &&
      !s.rdb.bgsaveInProgress &&
      perc > 0 &&
      size > s.config.num('auto-aof-rewrite-min-size')
    ) {
      const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
      const growth = Math.floor(((size - base) * 100) / base);
      if (growth >= perc) {
        s.log.notice(`Starting automatic rewriting of AOF on ${growth}% growth`);
        this.startRewrite();
      }
    }
    if (s.config.str('appendfsync') !== 'everysec') return;
    if (now - this.lastFsync < 1000 || this.fsyncInFlight) return;
    this.lastFsync = now;
    this.fsyncInFlight = true;
    if (this.injectWriteError !== null) {
      const code = this.injectWriteError;
      setImmediate(() => this.bioFsyncDone(Object.assign(new Error('injected'), { code })));
      return;
    }
    fdatasync(this.fd, (err) => this.bioFsyncDone(err));
  }

  private openIncr(info: AofInfo): void {
    this.fd = openSync(join(this.dir(), info.name), 'a');
    this.incrSize = statSync(join(this.dir(), info.name)).size;
    this.selectedDb = -1;
    this.lastTs = -1;
  }

  /** Writes what is buffered, fsyncs and closes the current incremental file. */
  private closeIncr(): void {
    if (this.fd === -1) return;
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch (e) {
      this.server.log.warning(`Fail to fsync the AOF file: ${strerror(e)}`);
    }
    closeSync(this.fd);
    this.fd = -1;
  }

  private install(): void {
    if (!this.server.propagationSinks.includes(this.sink)) this.server.propagationSinks.push(this.sink);
    this.on = true;
  }

  private writeManifest(m: Manifest): boolean {
    const dir = this.dir();
    const name = this.manifestName();
    const tmpName = `temp-${name}`;
    let fd = -1;
    try {
      fd = openSync(join(dir, tmpName), 'w');
    } catch (e) {
      this.server.log.warning(`Can't open the AOF manifest file ${tmpName}: ${strerror(e)}`);
      return false;
    }
    try {
      writeAll(fd, Buffer.from(formatManifest(m), 'latin1'));
      fsyncSync(fd);
    } catch (e) {
      this.server.log.warning(
        `Error trying to write the temporary AOF manifest file ${tmpName}: ${strerror(e)}`,
      );
      closeSync(fd);
      return false;
    }
    closeSync(fd);
    try {
      renameSync(join(dir, tmpName), join(dir, name));
    } catch (e) {
      this.server.log.warning(
        `Error trying to rename the temporary AOF manifest file ${tmpName} into ${name}: ${strerror(e)}`,
      );
      return false;
    }
    fsyncDir(dir);
    return true;
  }

  /** A copy of `m` (the manifest is changed on a copy and installed once on disk). */
  private static dup(m: Manifest): Manifest {
    return {
      base: m.base && { ...m.base },
      incrs: m.incrs.map((i) => ({ ...i })),
      history: (m.history ?? []).map((i) => ({ ...i })),
      currBaseSeq: m.currBaseSeq,
      currIncrSeq: m.currIncrSeq,
    };
  }

  private newIncrInfo(m: Manifest): AofInfo {
    m.currIncrSeq++;
    const info = {
      name: `${this.fileName()}.${m.currIncrSeq}.incr.aof`,
      seq: m.currIncrSeq,
      type: AOF_FILE_TYPE_INCR,
    };
    m.incrs.push(info);
    return info;
  }

  /**
   * openNewIncrAofForAppend: the writes from now on go to a new incremental file, named in
   * the manifest at once (or, while waiting for the first rewrite, to a temp file).
   */
  private openNewIncrForAppend(): boolean {
    if (!this.on) return true;
    let m: Manifest | null = null;
    let name: string;
    if (this.waitRewrite) name = this.tempIncrName();
    else {
      m = AofManager.dup(this.manifest);
      name = this.newIncrInfo(m).name;
    }
    let fd: number;
    try {
      fd = openSync(join(this.dir(), name), 'w');
    } catch (e) {
      this.server.log.warning(`Can't open the append-only file ${name}: ${strerror(e)}`);
      return false;
    }
    if (m !== null && !this.writeManifest(m)) {
      closeSync(fd);
      return false;
    }
    this.server.log.notice(`Creating AOF incr file ${name} on background rewrite`);
    if (this.fd !== -1) {
      const old = this.fd;
      // In always mode the old file is synced already; in everysec the fsync may lag.
      fsync(old, () => close(old, () => {}));
    }
    this.fd = fd;
    // aof_current_size keeps counting the closed file until the rewrite replaces it.
    this.baseSize += this.incrSize;
    this.incrSize = 0;
    this.lastFsync = this.server.clock();
    if (m !== null) this.manifest = m;
    return true;
  }

  /**
   * rewriteAppendOnlyFileBackground without fork: writes go to a new incremental file from
   * now on, and a point-in-time snapshot of the dataset (snapshot.ts: time slices, old values
   * written before they change) becomes the new base. false when it cannot start.
   */
  startRewrite(): boolean {
    const s = this.server;
    if (this.rw !== null || s.rdb.bgsaveInProgress || s.rdb.loadingInProgress) return false;
    try {
      mkdirSync(this.dir(), { recursive: true });
    } catch (e) {
      s.log.warning(`Can't open or create append-only dir ${s.config.str('appenddirname')}: ${strerror(e)}`);
      this.lastRewriteOk = false;
      return false;
    }
    this.selectedDb = -1;
    this.flush();
    if (!this.openNewIncrForAppend()) {
      this.lastRewriteOk = false;
      return false;
    }
    this.rewrites++;
    const tmpName = `temp-rewriteaof-bg-${process.pid}.aof`;
    const tmp = s.config.resolvePath(tmpName);
    const job: RewriteJob = { snap: null, fd: -1, tmp, start: performance.now(), timer: null, maxSliceMs: 0 };
    this.rw = job;
    this.rewriteScheduled = false;
    s.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
    try {
      job.fd = openSync(tmp, 'w');
    } catch (e) {
      s.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e)}`);
      job.timer = setImmediate(() => this.rewriteDone(job, false));
      return true;
    }
    const preamble = s.config.bool('aof-use-rdb-preamble');
    const policy = s.config.str('maxmemory-policy');
    const fd = job.fd;
    const snap = new Snapshot(s, (chunk) => writeAll(fd, chunk), {
      aux: baseAux(s),
      checksum: s.config.bool('rdbchecksum'),
      saveLru: policy.endsWith('-lru'),
      saveLfu: policy.endsWith('-lfu'),
      keyDelayUs: s.config.num('rdb-key-save-delay'),
      format: preamble ? undefined : aofBaseFormat(s),
    });
    snap.attach();
    job.snap = snap;
    job.timer = setImmediate(() => this.rewriteStep(job));
    return true;
  }

  private rewriteStep(job: RewriteJob): void {
    job.timer = null;
    if (this.rw !== job || job.snap === null) return;
    const t0 = performance.now();
    let finished: boolean;
    try {
      finished = job.snap.step();
    } catch (e) {
      this.server.log.warning(`Write error writing append only file on disk: ${strerror(e)}`);
      job.snap.abort();
      this.rewriteDone(job, false);
      return;
    }
    const took = performance.now() - t0;
    if (took > job.maxSliceMs) job.maxSliceMs = took;
    if (!finished) {
      job.timer = setImmediate(() => this.rewriteStep(job));
      return;
    }
    const fd = job.fd;
    // fsync off the event loop (libuv's thread pool), then the done handler.
    fsync(fd, (err) => {
      close(fd, () => {
        job.fd = -1;
        if (this.rw !== job) return; // killed meanwhile
        if (err) this.server.log.warning(`Write error writing append only file on disk: ${strerror(err)}`);
        else this.server.log.notice(`Successfully created the temporary AOF base file ${basename(job.tmp)}`);
        this.rewriteDone(job, !err);
      });
    });
  }

  /**
   * backgroundRewriteDoneHandler: the temp file becomes the new base, the incremental
   * files it covers become history, the manifest is installed, then history is deleted.
   */
  private rewriteDone(job: RewriteJob, ok: boolean): void {
    const s = this.server;
    const dir = this.dir();
    if (ok) ok = this.installRewrite(job, dir);
    else {
      this.lastRewriteOk = false;
      this.rewritesConsecutiveFailures++;
      s.log.warning('Background AOF rewrite terminated with error');
    }
    this.rw = null;
    this.removeTemp(job);
    if (this.waitRewrite && !ok) {
      this.out.pos = 0;
      s.log.notice(`Removing the temp incr aof file ${this.tempIncrName()} in the background`);
      const temp = join(dir, this.tempIncrName());
      detachInBackground(temp, () => unlinkQuiet(temp));
    }
    this.lastRewriteTimeSec = Math.round((performance.now() - job.start) / 1000);
    if (this.waitRewrite) this.rewriteScheduled = true;
    if (ok)
      s.log.notice(
        `AOF rewrite: ${job.snap?.keysWritten ?? 0} keys in ${((performance.now() - job.start) / 1000).toFixed(3)} s, longest slice ${job.maxSliceMs.toFixed(2)} ms`,
      );
  }

  private installRewrite(job: RewriteJob, dir: string): boolean {
    const s = this.server;
    const fail = (): false => {
      this.lastRewriteOk = false;
      this.rewritesConsecutiveFailures++;
      return false;
    };
    s.log.notice('Background AOF rewrite terminated with success');
    const m = AofManager.dup(this.manifest);
    const history = m.history ?? (m.history = []);
    // getNewBaseFileNameAndMarkPreAsHistory
    if (m.base !== null) history.push({ ...m.base, type: AOF_FILE_TYPE_HIST });
    m.currBaseSeq++;
    const preamble = s.config.bool('aof-use-rdb-preamble');
    const baseName = `${this.fileName()}.${m.currBaseSeq}.base.${preamble ? 'rdb' : 'aof'}`;
    m.base = { name: baseName, seq: m.currBaseSeq, type: AOF_FILE_TYPE_BASE };
    const tmpName = basename(job.tmp);
    try {
      renameSync(job.tmp, join(dir, baseName));
    } catch (e) {
      s.log.warning(
        `Error trying to rename the temporary AOF base file ${tmpName} into ${join(dir, baseName)}: ${strerror(e)}`,
      );
      return fail();
    }
    s.log.notice(`Successfully renamed the temporary AOF base file ${tmpName} into ${baseName}`);
    let newIncr: string | null = null;
    if (this.waitRewrite) {
      const tempIncr = this.tempIncrName();
      newIncr = this.newIncrInfo(m).name;
      try {
        renameSync(join(dir, tempIncr), join(dir, newIncr));
      } catch (e) {
        s.log.warning(
          `Error trying to rename the temporary AOF incr file ${join(dir, tempIncr)} into ${join(dir, newIncr)}: ${strerror(e)}`,
        );
        unlinkQuiet(join(dir, baseName));
        return fail();
      }
      s.log.notice(`Successfully renamed the temporary AOF incr file ${tempIncr} into ${newIncr}`);
    }
    // markRewrittenIncrAofAsHistory: every incr file but the one being written.
    const keep = this.fd !== -1 ? m.incrs.slice(-1) : [];
    for (let i = m.incrs.length - 1 - keep.length; i >= 0; i--)
      history.unshift({ ...m.incrs[i], type: AOF_FILE_TYPE_HIST });
    m.incrs = keep;
    if (!this.writeManifest(m)) {
      unlinkQuiet(join(dir, baseName));
      if (newIncr !== null) unlinkQuiet(join(dir, newIncr));
      return fail();
    }
    this.manifest = m;
    if (this.fd !== -1) {
      this.selectedDb = -1;
      try {
        this.baseSize = statSync(join(dir, baseName)).size;
      } catch {
        this.baseSize = 0;
      }
      this.rewriteBaseSize = this.baseSize + this.incrSize;
      this.lastFsync = s.clock();
    }
    this.deleteHistory();
    this.lastRewriteOk = true;
    this.rewritesConsecutiveFailures = 0;
    s.log.notice('Background AOF rewrite finished successfully');
    if (this.waitRewrite) this.waitRewrite = false;
    return true;
  }

  /** aofDelHistoryFiles: unlinks the files the manifest lists as history, then drops them. */
  private deleteHistory(): void {
    const m = this.manifest;
    if (m.history === undefined || m.history.length === 0) return;
    for (const h of m.history) {
      this.server.log.notice(`Removing the history file ${h.name} in the background`);
      const path = join(this.dir(), h.name);
      detachInBackground(path, () => unlinkQuiet(path));
    }
    m.history = [];
    this.writeManifest(m);
  }

  private removeTemp(job: RewriteJob): void {
    if (job.timer !== null) clearImmediate(job.timer);
    job.timer = null;
    if (job.fd !== -1) {
      try {
        closeSync(job.fd);
      } catch {
        /* closed by the fsync path */
      }
      job.fd = -1;
    }
    unlinkQuiet(job.tmp);
  }

  /** killAppendOnlyChild: stops the rewrite in progress and removes its temp file. */
  killRewrite(): void {
    const job = this.rw;
    if (job === null) return;
    this.server.log.notice(`Killing running AOF rewrite child: ${process.pid}`);
    job.snap?.abort();
    this.rw = null;
    this.removeTemp(job);
  }

  /** BGREWRITEAOF: null when started, else the reply (status or error). */
  bgrewriteaof(inExec: boolean): { status: string } | { error: string } {
    if (this.rw !== null) return { error: 'ERR Background append only file rewriting already in progress' };
    if (this.server.rdb.bgsaveInProgress || inExec) {
      this.rewriteScheduled = true;
      this.rewritesConsecutiveFailures = 0;
      return { status: 'Background append only file rewriting scheduled' };
    }
    if (this.startRewrite()) return { status: 'Background append only file rewriting started' };
    return {
      error:
        "ERR Can't execute an AOF background rewriting. Please check the server logs for more information.",
    };
  }

  /** startAppendOnly (CONFIG SET appendonly yes): log writes to a temp file until the first base is written. */
  start(): boolean {
    if (this.on) return true;
    const s = this.server;
    // The manifest on disk (appendonly was off at startup): its files become history.
    if (this.manifest.base === null && this.manifest.incrs.length === 0) {
      try {
        this.manifest = parseManifest(readFileSync(join(this.dir(), this.manifestName()), 'latin1'));
      } catch {
        /* none, or unreadable: start from seq 1 */
      }
    }
    this.waitRewrite = true;
    this.install();
    if (s.rdb.loadingInProgress) {
      // A base written now would hold half of the dataset: the cron starts it once loaded.
      this.rewriteScheduled = true;
    } else if (s.rdb.bgsaveInProgress) {
      this.rewriteScheduled = true;
      s.log.warning(
        'AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.',
      );
    } else {
      if (this.rw !== null) {
        s.log.warning(
          'AOF was enabled but there is already an AOF rewriting in background. Stopping background AOF and starting a rewrite now.',
        );
        this.killRewrite();
      }
      if (!this.startRewrite()) {
        this.uninstall();
        this.waitRewrite = false;
        s.log.warning(
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. Check the above logs for more info about the error.",
        );
        return false;
      }
    }
    this.lastFsync = s.clock();
    if (!this.lastWriteOk) {
      s.log.warning('AOF reopen, just ignore the last error.');
      this.setWriteStatus(true);
    }
    if (this.bioFsyncFailed) {
      s.log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
      this.bioFsyncFailed = false;
      s.rdb.updateDiskError();
    }
    return true;
  }

  private uninstall(): void {
    const i = this.server.propagationSinks.indexOf(this.sink);
    if (i !== -1) this.server.propagationSinks.splice(i, 1);
    this.on = false;
  }

  /** stopAppendOnly: flush, fsync and close; writes are no longer logged; a rewrite is killed. */
  stop(): void {
    if (!this.on) return;
    this.closeIncr();
    this.uninstall();
    const wasWaiting = this.waitRewrite;
    this.waitRewrite = false;
    this.rewriteScheduled = false;
    this.selectedDb = -1;
    this.killRewrite();
    if (wasWaiting) unlinkQuiet(join(this.dir(), this.tempIncrName()));
    this.out.pos = 0;
    this.server.rdb.updateDiskError();
  }

  // ---- Loading --------------------------------------------------------------------------

  /**
   * Startup with appendonly yes: loads the AOF directory (it takes precedence over the RDB
   * file), or creates base + incremental + manifest when there is none; then logs writes.
   */
  async loadAtStartup(): Promise<void> {
    const s = this.server;
    const dir = this.dir();
    const mpath = join(dir, this.manifestName());
    if (existsSync(mpath)) {
      let m: Manifest;
      try {
        m = parseManifest(readFileSync(mpath, 'latin1'));
      } catch (e) {
        s.log.warning((e as Error).message);
        throw new AofLoadError((e as Error).message);
      }
      this.manifest = m;
      const t0 = performance.now();
      await this.loadFiles(m);
      s.log.notice(
        `DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`,
      );
    }
    // CONFIG SET appendonly while loading: turned off (aof_state OFF), or off and on again
    // (logging already, the scheduled rewrite writes the new base).
    if (this.on || !s.config.bool('appendonly')) return;
    this.openOnServerStart();
  }

  /**
   * aofOpenIfNeededOnServerStart: with no AOF yet the dataset becomes the first base; the
   * last incremental file is opened for appending (or a new one created), the manifest
   * persisted, and history files left by an interrupted rewrite deleted.
   */
  private openOnServerStart(): void {
    const s = this.server;
    const dir = this.dir();
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      s.log.warning(`Can't open or create append-only dir ${s.config.str('appenddirname')}: ${strerror(e)}`);
      throw new AofLoadError(strerror(e));
    }
    const m = this.manifest;
    if (m.base === null && m.incrs.length === 0) {
      m.currBaseSeq++;
      const preamble = s.config.bool('aof-use-rdb-preamble');
      const name = `${this.fileName()}.${m.currBaseSeq}.base.${preamble ? 'rdb' : 'aof'}`;
      this.writeBaseSync(join(dir, name), preamble);
      m.base = { name, seq: m.currBaseSeq, type: AOF_FILE_TYPE_BASE };
      s.log.notice(`Creating AOF base file ${name} on server start`);
    }
    const existed = m.incrs.length > 0;
    const incr = existed ? m.incrs[m.incrs.length - 1] : this.newIncrInfo(m);
    try {
      this.openIncr(incr);
    } catch (e) {
      s.log.warning(`Can't open the append-only file ${incr.name}: ${strerror(e)}`);
      throw new AofLoadError(strerror(e));
    }
    if (!this.writeManifest(m)) throw new AofLoadError("Can't persist the AOF manifest");
    s.log.notice(`${existed ? 'Opening' : 'Creating'} AOF incr file ${incr.name} on server start`);
    this.baseSize = 0;
    if (m.base !== null) {
      try {
        this.baseSize = statSync(join(dir, m.base.name)).size;
      } catch {
        /* reported while loading */
      }
    }
    for (let i = 0; i < m.incrs.length - 1; i++) {
      try {
        this.baseSize += statSync(join(dir, m.incrs[i].name)).size;
      } catch {
        /* reported while loading */
      }
    }
    this.rewriteBaseSize = this.baseSize + this.incrSize;
    this.install();
    this.deleteHistory();
  }

  /** rewriteAppendOnlyFile: a base of the current dataset, written synchronously (startup). */
  private writeBaseSync(path: string, preamble: boolean): void {
    const s = this.server;
    const tmp = s.config.resolvePath(`temp-rewriteaof-${process.pid}.aof`);
    let fd: number;
    try {
      fd = openSync(tmp, 'w');
    } catch (e) {
      s.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${strerror(e)}`);
      throw new AofLoadError(strerror(e));
    }
    try {
      const snap = new Snapshot(s, (chunk) => writeAll(fd, chunk), {
        aux: baseAux(s),
        checksum: s.config.bool('rdbchecksum'),
        saveLru: false,
        saveLfu: false,
        format: preamble ? undefined : aofBaseFormat(s),
      });
      snap.runToEnd();
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, path);
    } catch (e) {
      s.log.warning(`Write error writing append only file on disk: ${strerror(e)}`);
      try {
        closeSync(fd);
      } catch {
        /* closed */
      }
      unlinkQuiet(tmp);
      throw new AofLoadError(strerror(e));
    }
  }

  /**
   * loadAppendOnlyFiles: the base (RDB or commands) then each incremental file, read in
   * chunks and replayed in time slices between which clients get -LOADING.
   */
  private async loadFiles(m: Manifest): Promise<void> {
    const s = this.server;
    const files = [...(m.base ? [m.base] : []), ...m.incrs];
    const fake = new Client(s, -1, null, s.dbs[0], s.clock());
    fake.authenticated = true;
    const sinks = s.propagationSinks;
    s.propagationSinks = [];
    let total = 0;
    for (const f of files) {
      try {
        total += statSync(join(this.dir(), f.name)).size;
      } catch {
        /* reported below */
      }
    }
    let done = 0;
    let cur: { pos: number } | null = null;
    s.rdb.startLoading(total, () => done + (cur?.pos ?? 0));
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const path = join(this.dir(), f.name);
        const file = new ChunkedFile(path);
        try {
          file.open();
        } catch (e) {
          s.log.warning(`Unrecoverable error reading the append only file ${f.name}: ${strerror(e)}`);
          throw new AofLoadError((e as Error).message);
        }
        try {
          const first = file.read(READ_CHUNK);
          if (first === null) continue;
          if (first.length >= 5 && first.latin1Slice(0, 5) === 'REDIS') {
            s.log.notice(`Reading RDB base file on AOF loading...`);
            const t0 = performance.now();
            const loader = new RdbLoader(s, first, {
              checksum: s.config.bool('rdbchecksum'),
              readMore: (n) => file.read(n),
              keyDelayUs: s.config.num('key-load-delay'),
              totalBytes: file.size,
            });
            cur = loader;
            try {
              await s.rdb.runSliced((deadline) => loader.step(deadline));
            } catch (e) {
              if (e instanceof RdbError)
                s.log.warning(`Error reading the RDB base file ${f.name}, AOF loading aborted`);
              throw new AofLoadError((e as Error).message);
            }
            s.log.notice(
              `DB loaded from base file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`,
            );
            continue;
          }
          const rp = new AofReplay(s, fake, first, (n) => file.read(n), s.config.num('key-load-delay'));
          cur = rp;
          let res: ParseResult | null = null;
          await s.rdb.runSliced((deadline) => {
            this.loading = true;
            s.rdb.replaying = true;
            try {
              res = rp.step(deadline);
            } finally {
              this.loading = false;
              s.rdb.replaying = false;
            }
            return res !== null;
          });
          const r = res as ParseResult | null;
          if (r === null) continue;
          const last = i === files.length - 1;
          if (r.formatError) {
            s.log.warning(
              `Bad file format reading the append only file ${f.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
            );
            throw new AofLoadError('bad format');
          }
          if (r.truncated) {
            if (last && s.config.bool('aof-load-truncated')) {
              s.log.warning(`!!! Warning: short read while loading the AOF file ${f.name}!!!`);
              s.log.warning(`!!! Truncating the AOF ${f.name} at offset ${r.validUpTo} !!!`);
              truncateSync(path, r.validUpTo);
              s.log.warning(`AOF ${f.name} loaded anyway because aof-load-truncated is enabled`);
            } else {
              s.log.warning(
                `Unexpected end of file reading the append only file ${f.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
              );
              throw new AofLoadError('truncated');
            }
          }
          s.log.notice(`DB loaded from ${f.type === AOF_FILE_TYPE_BASE ? 'base' : 'incr'} file ${f.name}`);
        } finally {
          done += file.size;
          cur = null;
          file.close();
        }
      }
    } finally {
      s.rdb.stopLoading();
      // Sinks installed meanwhile (CONFIG SET appendonly yes) are kept.
      for (const k of s.propagationSinks) if (!sinks.includes(k)) sinks.push(k);
      s.propagationSinks = sinks;
    }
  }

  // ---- INFO ---------------------------------------------------------------------------

  infoFields(): string {
    const rw = this.rw;
    let s =
      `aof_enabled:${this.on ? 1 : 0}\r\n` +
      `aof_rewrite_in_progress:${rw !== null ? 1 : 0}\r\n` +
      `aof_rewrite_scheduled:${this.rewriteScheduled ? 1 : 0}\r\n` +
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}\r\n` +
      `aof_current_rewrite_time_sec:${rw !== null ? Math.floor((performance.now() - rw.start) / 1000) : -1}\r\n` +
      `aof_last_bgrewrite_status:${this.lastRewriteOk ? 'ok' : 'err'}\r\n` +
      `aof_rewrites:${this.rewrites}\r\n` +
      `aof_rewrites_consecutive_failures:${this.rewritesConsecutiveFailures}\r\n` +
      `aof_last_write_status:${this.lastWriteOk && !this.bioFsyncFailed ? 'ok' : 'err'}\r\n` +
      'aof_last_cow_size:0\r\n' +
      'module_fork_in_progress:0\r\n' +
      'module_fork_last_cow_size:0\r\n';
    if (this.on) {
      s +=
        `aof_current_size:${this.baseSize + this.incrSize}\r\n` +
        `aof_base_size:${this.rewriteBaseSize}\r\n` +
        `aof_pending_rewrite:${this.rewriteScheduled ? 1 : 0}\r\n` +
        `aof_buffer_length:${this.out.pos}\r\n` +
        `aof_pending_bio_fsync:${this.fsyncInFlight ? 1 : 0}\r\n` +
        'aof_delayed_fsync:0\r\n';
    }
    return s;
  }
}
