/**
 * Multi-part append only file as Redis 7.0 (aof.c): `<appenddirname>/` holds a base file
 * (`<appendfilename>.<seq>.base.rdb` or `.base.aof`), incremental files
 * (`<appendfilename>.<seq>.incr.aof`) and the manifest (`<appendfilename>.manifest`) that
 * lists them. The sink encodes each propagated write as RESP into a buffer (SELECT when the
 * database changes), written at the end of each event-loop batch before the replies leave
 * (server.flushPending): with `appendfsync always` the batch is fsynced first (group commit),
 * with `everysec` the cron fsyncs once per second, with `no` the OS decides.
 *
 * BGREWRITEAOF and turning AOF on at runtime rewrite synchronously (no fork): a new base
 * from the current dataset, a new incremental file, then the manifest, each atomically.
 */
import {
  closeSync,
  existsSync,
  fdatasync,
  fdatasyncSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import { REDIS_VERSION } from '../server/server.js';
import { Client } from '../server/client.js';
import { processCommand } from '../server/dispatcher.js';
import { PROPAGATE_AOF, type PropagationSink } from '../server/propagate.js';
import { Snapshot } from './snapshot.js';
import { loadRdbBuffer } from './load.js';
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
    }
  }
  return m;
}

export function formatManifest(m: Manifest): string {
  let s = '';
  if (m.base) s += `file ${m.base.name} seq ${m.base.seq} type ${m.base.type}\n`;
  for (const i of m.incrs) s += `file ${i.name} seq ${i.seq} type ${i.type}\n`;
  return s;
}

/** RESP encoding of one command (latin1: one char = one byte). */
export function encodeCommand(argv: readonly string[]): string {
  let s = `*${argv.length}\r\n`;
  for (let i = 0; i < argv.length; i++) s += `$${argv[i].length}\r\n${argv[i]}\r\n`;
  return s;
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
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

/** Writes a whole file atomically: temp file, fsync, rename, directory fsync. */
function writeFileAtomic(dir: string, name: string, data: Buffer | ((fd: number) => void)): void {
  const tmp = join(dir, `temp-${process.pid}-${name}`);
  const fd = openSync(tmp, 'w');
  try {
    if (typeof data === 'function') data(fd);
    else writeAll(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      /* gone */
    }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, join(dir, name));
  fsyncDir(dir);
}

/** Result of parsing the commands of one AOF file. */
interface ParseResult {
  /** Byte offset just after the last complete command outside an open MULTI. */
  validUpTo: number;
  truncated: boolean;
  formatError: boolean;
}

export class AofManager {
  /** The sink is installed and files are open (aof_state == AOF_ON). */
  on = false;
  private fd = -1;
  private buf = '';
  private selectedDb = -1;
  private lastTs = -1;
  private manifest: Manifest = { base: null, incrs: [], currBaseSeq: 0, currIncrSeq: 0 };
  private lastFsync = 0;
  private fsyncInFlight = false;
  lastWriteOk = true;
  lastWriteError = '';
  rewrites = 0;
  lastRewriteTimeSec = -1;
  lastRewriteOk = true;
  /** Bytes in the current incremental file and in the base at the last rewrite. */
  private incrSize = 0;
  private baseSize = 0;
  /** aof_rewrite_base_size: the AOF size right after the last rewrite or load. */
  private rewriteBaseSize = 0;
  private readonly sink: PropagationSink;
  /** Commands replay through here while loading; no propagation then. */
  loading = false;

  constructor(private readonly server: Server) {
    this.sink = (dbid, argv, target) => {
      if ((target & PROPAGATE_AOF) === 0) return;
      if (this.server.config.bool('aof-timestamp-enabled')) {
        const ts = Math.floor(this.server.clock() / 1000);
        if (ts !== this.lastTs) {
          this.buf += `#TS:${ts}\r\n`;
          this.lastTs = ts;
        }
      }
      if (dbid !== this.selectedDb) {
        const id = String(dbid);
        this.buf += `*2\r\n$6\r\nSELECT\r\n$${id.length}\r\n${id}\r\n`;
        this.selectedDb = dbid;
      }
      this.buf += encodeCommand(argv);
    };
    server.config.onChange('appendonly', (v) => {
      if (!this.server.started) return;
      if (v === true || v === 'yes') this.start();
      else this.stop();
    });
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

  // ---- Writing --------------------------------------------------------------------------

  /**
   * beforeSleep's flushAppendOnlyFile: writes the buffer of this batch and, with `always`,
   * fsyncs it before any reply of the batch is written.
   */
  flush(): void {
    if (this.fd === -1 || this.buf.length === 0) return;
    const data = Buffer.from(this.buf, 'latin1');
    try {
      writeAll(this.fd, data);
    } catch (e) {
      // The buffer is kept and written again on the next flush.
      if (this.lastWriteOk) this.server.log.warning(`Error writing to the AOF file: ${(e as Error).message}`);
      this.lastWriteOk = false;
      this.lastWriteError = (e as Error).message;
      return;
    }
    this.buf = '';
    this.incrSize += data.length;
    if (!this.lastWriteOk) this.server.log.warning('AOF write error looks solved, Redis can write again.');
    this.lastWriteOk = true;
    const policy = this.server.config.str('appendfsync');
    if (policy === 'always') {
      fdatasyncSync(this.fd);
      this.lastFsync = this.server.clock();
    }
  }

  /** serverCron's part: everysec fsync (off the event loop), pending writes, auto-rewrite. */
  cron(): void {
    if (this.fd === -1) return;
    this.flush();
    // auto-aof-rewrite-percentage / -min-size: growth over the size after the last rewrite.
    const perc = this.server.config.num('auto-aof-rewrite-percentage');
    const size = this.baseSize + this.incrSize;
    if (this.on && perc > 0 && size > this.server.config.num('auto-aof-rewrite-min-size')) {
      const base = this.rewriteBaseSize > 0 ? this.rewriteBaseSize : 1;
      if (((size - base) * 100) / base >= perc) {
        this.server.log.notice(
          `Starting automatic rewriting of AOF on ${Math.floor(((size - base) * 100) / base)}% growth`,
        );
        this.rewrite();
      }
    }
    if (this.server.config.str('appendfsync') !== 'everysec') return;
    const now = this.server.clock();
    if (now - this.lastFsync < 1000 || this.fsyncInFlight) return;
    this.lastFsync = now;
    this.fsyncInFlight = true;
    const fd = this.fd;
    fdatasync(fd, () => {
      this.fsyncInFlight = false;
    });
  }

  private openIncr(info: AofInfo): void {
    this.fd = openSync(join(this.dir(), info.name), 'a');
    this.incrSize = statSync(join(this.dir(), info.name)).size;
    this.selectedDb = -1;
    this.lastTs = -1;
  }

  private closeIncr(): void {
    if (this.fd === -1) return;
    this.flush();
    try {
      fsyncSync(this.fd);
    } catch {
      /* reported by the write path */
    }
    closeSync(this.fd);
    this.fd = -1;
  }

  private install(): void {
    if (!this.server.propagationSinks.includes(this.sink)) this.server.propagationSinks.push(this.sink);
    this.on = true;
  }

  /** Writes a base file of the current dataset, named for `seq`; returns its info. */
  private writeBase(seq: number): AofInfo {
    const dir = this.dir();
    const preamble = this.server.config.bool('aof-use-rdb-preamble');
    const name = `${this.fileName()}.${seq}.base.${preamble ? 'rdb' : 'aof'}`;
    writeFileAtomic(dir, name, (fd) => {
      if (preamble) {
        const policy = this.server.config.str('maxmemory-policy');
        const snap = new Snapshot(this.server, (chunk) => writeAll(fd, chunk), {
          aux: [
            ['redis-ver', REDIS_VERSION],
            ['redis-bits', '64'],
            ['ctime', String(Math.floor(this.server.clock() / 1000))],
            ['used-mem', String(process.memoryUsage().rss)],
            ['aof-base', '1'],
          ],
          checksum: this.server.config.bool('rdbchecksum'),
          saveLru: policy.endsWith('-lru'),
          saveLfu: policy.endsWith('-lfu'),
        });
        snap.runToEnd();
      } else {
        this.writeAofBase(fd);
      }
    });
    this.baseSize = statSync(join(dir, name)).size;
    return { name, seq, type: AOF_FILE_TYPE_BASE };
  }

  /**
   * An AOF base as commands: strings as SET (PXAT for a TTL), other types as RESTORE of
   * their DUMP payload with ABSTTL (Redis writes RPUSH/HSET/...; both replay the same data).
   */
  private writeAofBase(fd: number): void {
    const s = this.server;
    const compression = s.config.bool('rdbcompression');
    let out = '';
    const spill = (): void => {
      writeAll(fd, Buffer.from(out, 'latin1'));
      out = '';
    };
    // Libraries first, as FUNCTION LOAD commands (Redis's rewriteFunctions).
    for (const code of functionCodes(s)) out += encodeCommand(['FUNCTION', 'LOAD', code]);
    for (const db of s.dbs) {
      const dict = db.dict;
      if (dict.size === 0) continue;
      out += encodeCommand(['SELECT', String(db.id)]);
      const keys = dict.keys;
      const vals = dict.vals;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i];
        const v = vals[i];
        if (key === undefined || v === undefined) continue;
        const exp = db.getExpire(key);
        if (typeof v === 'number') {
          const argv = ['SET', key, db.strings.toString(v)];
          if (exp !== -1) argv.push('PXAT', String(exp));
          out += encodeCommand(argv);
        } else {
          const payload = createDumpPayload(v, db.strings, { compression });
          out += encodeCommand([
            'RESTORE',
            key,
            exp !== -1 ? String(exp) : '0',
            payload.latin1Slice(0, payload.length),
            'REPLACE',
            ...(exp !== -1 ? ['ABSTTL'] : []),
          ]);
        }
        if (out.length > 1 << 20) spill();
      }
    }
    spill();
  }

  private writeManifest(m: Manifest): void {
    writeFileAtomic(this.dir(), this.manifestName(), Buffer.from(formatManifest(m), 'latin1'));
  }

  /**
   * rewriteAppendOnlyFile, synchronously: new base of the dataset and a new empty
   * incremental file, then the manifest naming them; the old files are deleted afterwards.
   */
  rewrite(onStart = false): boolean {
    const s = this.server;
    const t0 = performance.now();
    mkdirSync(this.dir(), { recursive: true });
    this.flush();
    const old = this.manifest;
    try {
      const base = this.writeBase(old.currBaseSeq + 1);
      if (onStart) s.log.notice(`Creating AOF base file ${base.name} on server start`);
      const incr: AofInfo = {
        name: `${this.fileName()}.${old.currIncrSeq + 1}.incr.aof`,
        seq: old.currIncrSeq + 1,
        type: AOF_FILE_TYPE_INCR,
      };
      closeSync(openSync(join(this.dir(), incr.name), 'w'));
      if (onStart) s.log.notice(`Creating AOF incr file ${incr.name} on server start`);
      const m: Manifest = { base, incrs: [incr], currBaseSeq: base.seq, currIncrSeq: incr.seq };
      this.writeManifest(m);
      this.closeIncr();
      this.manifest = m;
      this.openIncr(incr);
      for (const f of [old.base, ...old.incrs]) {
        if (f === null || f.name === base.name || f.name === incr.name) continue;
        try {
          unlinkSync(join(this.dir(), f.name));
        } catch {
          /* already gone */
        }
      }
    } catch (e) {
      s.log.warning(`Error rewriting the append only file: ${(e as Error).message}`);
      this.lastRewriteOk = false;
      return false;
    }
    if (!onStart) this.rewrites++;
    this.rewriteBaseSize = this.baseSize;
    this.lastRewriteOk = true;
    this.lastRewriteTimeSec = Math.round((performance.now() - t0) / 1000);
    if (onStart) return true;
    s.log.notice('Background AOF rewrite terminated with success');
    s.log.notice('Background AOF rewrite finished successfully');
    return true;
  }

  /** startAppendOnly (CONFIG SET appendonly yes): rewrite, then log every write. */
  start(): boolean {
    if (this.on) return true;
    if (!this.rewrite()) return false;
    this.install();
    return true;
  }

  /** stopAppendOnly: flush, fsync and close; writes are no longer logged. */
  stop(): void {
    if (!this.on) return;
    this.closeIncr();
    const i = this.server.propagationSinks.indexOf(this.sink);
    if (i !== -1) this.server.propagationSinks.splice(i, 1);
    this.on = false;
  }

  // ---- Loading --------------------------------------------------------------------------

  /**
   * Startup with appendonly yes: loads the AOF directory (it takes precedence over the RDB
   * file), or creates base + incremental + manifest when there is none; then logs writes.
   */
  loadAtStartup(): void {
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
      this.loadFiles(m);
      s.log.notice(
        `DB loaded from append only file: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`,
      );
      if (m.incrs.length === 0) {
        // A manifest without an incremental file (only a base): start one.
        const incr: AofInfo = {
          name: `${this.fileName()}.${m.currIncrSeq + 1}.incr.aof`,
          seq: m.currIncrSeq + 1,
          type: AOF_FILE_TYPE_INCR,
        };
        closeSync(openSync(join(dir, incr.name), 'a'));
        m.incrs.push(incr);
        m.currIncrSeq = incr.seq;
        this.writeManifest(m);
      }
      if (m.base !== null) this.baseSize = statSync(join(dir, m.base.name)).size;
      this.openIncr(m.incrs[m.incrs.length - 1]);
      this.rewriteBaseSize = this.baseSize + this.incrSize;
      this.install();
      return;
    }
    // No AOF yet: the dataset (empty) becomes the first base.
    if (!this.rewrite(true)) throw new AofLoadError("Can't create the AOF directory");
    this.install();
  }

  private loadFiles(m: Manifest): void {
    const s = this.server;
    const files = [...(m.base ? [m.base] : []), ...m.incrs];
    const fake = new Client(s, -1, null, s.dbs[0], s.clock());
    fake.authenticated = true;
    const sinks = s.propagationSinks;
    s.propagationSinks = [];
    this.loading = true;
    try {
      for (let i = 0; i < files.length; i++) {
        const f = files[i];
        const path = join(this.dir(), f.name);
        let buf: Buffer;
        try {
          buf = readFileSync(path);
        } catch (e) {
          s.log.warning(
            `Unrecoverable error reading the append only file ${f.name}: ${(e as Error).message}`,
          );
          throw new AofLoadError((e as Error).message);
        }
        if (buf.length === 0) continue;
        if (buf.latin1Slice(0, 5) === 'REDIS') {
          s.log.notice(`Reading RDB base file on AOF loading...`);
          try {
            loadRdbBuffer(s, buf, { checksum: s.config.bool('rdbchecksum') });
          } catch (e) {
            if (e instanceof RdbError)
              s.log.warning(`Error reading the RDB base file ${f.name}, AOF loading aborted`);
            throw new AofLoadError((e as Error).message);
          }
          s.log.notice(`DB loaded from base file ${f.name}: 0.000 seconds`);
          continue;
        }
        const res = this.replay(buf, fake);
        const last = i === files.length - 1;
        if (res.formatError) {
          s.log.warning(
            `Bad file format reading the append only file ${f.name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`,
          );
          throw new AofLoadError('bad format');
        }
        if (res.truncated) {
          if (last && s.config.bool('aof-load-truncated')) {
            s.log.warning(`!!! Warning: short read while loading the AOF file ${f.name}!!!`);
            s.log.warning(`!!! Truncating the AOF ${f.name} at offset ${res.validUpTo} !!!`);
            truncateSync(path, res.validUpTo);
            s.log.warning(`AOF ${f.name} loaded anyway because aof-load-truncated is enabled`);
          } else {
            s.log.warning(
              `Unexpected end of file reading the append only file ${f.name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`,
            );
            throw new AofLoadError('truncated');
          }
        }
        s.log.notice(`DB loaded from ${f.type === AOF_FILE_TYPE_BASE ? 'base' : 'incr'} file ${f.name}`);
      }
    } finally {
      this.loading = false;
      s.propagationSinks = sinks;
    }
  }

  /** Parses and executes the commands of one AOF file through the dispatcher. */
  private replay(buf: Buffer, c: Client): ParseResult {
    const s = this.server;
    const n = buf.length;
    let pos = 0;
    let validUpTo = 0;
    let beforeMulti = -1;
    const line = (): string | null => {
      const e = buf.indexOf(10, pos);
      if (e === -1 || e === pos || buf[e - 1] !== 13) return null;
      const t = buf.latin1Slice(pos, e - 1);
      pos = e + 1;
      return t;
    };
    for (;;) {
      if (pos >= n) break;
      if (buf[pos] === 0x23) {
        // Annotations (#TS:...) are skipped.
        const t = line();
        if (t === null) return { validUpTo, truncated: true, formatError: false };
        if (beforeMulti === -1) validUpTo = pos;
        continue;
      }
      if (buf[pos] !== 0x2a) return { validUpTo, truncated: false, formatError: true };
      const head = line();
      if (head === null)
        return {
          validUpTo: beforeMulti !== -1 ? beforeMulti : validUpTo,
          truncated: true,
          formatError: false,
        };
      const argc = Number(head.slice(1));
      if (!Number.isInteger(argc) || argc < 1) return { validUpTo, truncated: false, formatError: true };
      const argv: string[] = new Array<string>(argc);
      let torn = false;
      for (let j = 0; j < argc; j++) {
        if (pos >= n) {
          torn = true;
          break;
        }
        if (buf[pos] !== 0x24) return { validUpTo, truncated: false, formatError: true };
        const l = line();
        if (l === null) {
          torn = true;
          break;
        }
        const len = Number(l.slice(1));
        if (!Number.isInteger(len) || len < 0) return { validUpTo, truncated: false, formatError: true };
        if (pos + len + 2 > n) {
          torn = true;
          break;
        }
        argv[j] = buf.latin1Slice(pos, pos + len);
        pos += len + 2;
      }
      if (torn)
        return {
          validUpTo: beforeMulti !== -1 ? beforeMulti : validUpTo,
          truncated: true,
          formatError: false,
        };
      const name = argv[0].toLowerCase();
      if (name === 'multi') beforeMulti = validUpTo;
      processCommand(s, c, argv);
      c.out.pos = 0;
      if (name === 'exec') beforeMulti = -1;
      if (beforeMulti === -1) validUpTo = pos;
    }
    if (beforeMulti !== -1) {
      s.log.warning('Revert incomplete MULTI/EXEC transaction in AOF file');
      return { validUpTo: beforeMulti, truncated: true, formatError: false };
    }
    return { validUpTo, truncated: false, formatError: false };
  }

  // ---- INFO ---------------------------------------------------------------------------

  infoFields(): string {
    let s =
      `aof_enabled:${this.on ? 1 : 0}\r\n` +
      'aof_rewrite_in_progress:0\r\n' +
      'aof_rewrite_scheduled:0\r\n' +
      `aof_last_rewrite_time_sec:${this.lastRewriteTimeSec}\r\n` +
      'aof_current_rewrite_time_sec:-1\r\n' +
      `aof_last_bgrewrite_status:${this.lastRewriteOk ? 'ok' : 'err'}\r\n` +
      `aof_rewrites:${this.rewrites}\r\n` +
      `aof_rewrites_consecutive_failures:0\r\n` +
      `aof_last_write_status:${this.lastWriteOk ? 'ok' : 'err'}\r\n` +
      'aof_last_cow_size:0\r\n' +
      'module_fork_in_progress:0\r\n' +
      'module_fork_last_cow_size:0\r\n';
    if (this.on) {
      s +=
        `aof_current_size:${this.baseSize + this.incrSize}\r\n` +
        `aof_base_size:${this.baseSize}\r\n` +
        'aof_pending_rewrite:0\r\n' +
        `aof_buffer_length:${this.buf.length}\r\n` +
        'aof_pending_bio_fsync:0\r\n' +
        'aof_delayed_fsync:0\r\n';
    }
    return s;
  }
}
