/**
 * Loading an RDB file (or buffer) into the server's databases (rdbLoadRio): opcodes, AUX
 * fields, functions, module aux data, expiries, LRU/LFU hints, then each key through
 * loadObject. Keys already expired are skipped (counted), as a master does.
 */
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import {
  isObjectType,
  loadObject,
  RdbError,
  RdbParser,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_VERSION,
  skipModuleValue,
  type LoadContext,
} from './rdb.js';
import { Crc64 } from './crc64.js';
import { FormatError } from './listpack.js';
import { loadFunctionLibrary, readFunctionCode } from './functions-hook.js';

export interface LoadResult {
  keysLoaded: number;
  keysExpired: number;
  /** Function libraries found (FUNCTION2 opcodes): their code (registered as they are read). */
  functions: string[];
}

export function loadContext(server: Server): LoadContext {
  const cfg = server.config;
  return {
    strings: server.strings,
    hashMaxListpackEntries: cfg.num('hash-max-listpack-entries'),
    hashMaxListpackValue: cfg.num('hash-max-listpack-value'),
    zsetMaxListpackEntries: cfg.num('zset-max-listpack-entries'),
    zsetMaxListpackValue: cfg.num('zset-max-listpack-value'),
    setMaxIntsetEntries: cfg.num('set-max-intset-entries'),
    warn: (m) => server.log.warning(m),
  };
}

/** Sets a loaded value's LRU/LFU word from the IDLE/FREQ opcodes (objectSetLRUOrLFU). */
export function applyLruLfu(
  server: Server,
  v: import('../store/database.js').Value,
  idle: number,
  freq: number,
): void {
  const db = server.dbs[0];
  if (server.lfu) {
    if (freq < 0) return;
    const word = ((Math.floor(server.clock() / 60000) & 65535) << 8) | freq;
    if (typeof v === 'number') db.strings.setLru(v, word);
    else v.lru = word;
  } else {
    if (idle < 0) return;
    const word = Math.max(0, Math.floor(server.clock() / 1000) - idle) >>> 0;
    if (typeof v === 'number') db.strings.setLru(v, word);
    else v.lru = word;
  }
}

/** More bytes of the file being loaded: up to `max` bytes, or null at its end. */
export type ReadMore = (max: number) => Buffer | null;

export interface LoaderOptions {
  checksum: boolean;
  allowDup?: boolean;
  /** The rest of the file after the first buffer (chunked reading); absent: the buffer is all. */
  readMore?: ReadMore;
  /** key-load-delay: microseconds to wait after each key (tests). */
  keyDelayUs?: number;
  /** Bytes of the whole payload (with readMore: the file's size), which bounds RESIZEDB. */
  totalBytes?: number;
}

/** The fewest bytes a key takes in an RDB file (type, key length, value length). */
const MIN_ENTRY_BYTES = 3;

const READ_CHUNK = 4 << 20;

/**
 * rdbLoadRio as a resumable loader: step() loads entries until a deadline, so that loading
 * at startup runs in time slices between which clients are answered (LOADING). The file is
 * read in chunks: an entry cut by the end of the window is parsed again once more bytes are
 * there (loading an entry has no effect until the key is added). Consumed bytes are
 * checksummed as the window moves on.
 */
export class RdbLoader {
  readonly res: LoadResult = { keysLoaded: 0, keysExpired: 0, functions: [] };
  private p: RdbParser;
  private base = 0;
  private eof = false;
  private readonly crc = new Crc64();
  private headerDone = false;
  done = false;
  private db;
  private expire: number | bigint = -1;
  private idle = -1;
  private freq = -1;
  private readonly ctx: LoadContext;
  private ver = 0;

  constructor(
    private readonly server: Server,
    first: Buffer,
    private readonly opts: LoaderOptions,
  ) {
    this.p = new RdbParser(first);
    this.eof = opts.readMore === undefined;
    this.ctx = loadContext(server);
    this.db = server.dbs[0];
  }

  /** Bytes of the file consumed so far. */
  get pos(): number {
    return this.base + this.p.pos;
  }

  /** Moves the window on from `keep` (checksumming what is dropped) with at least `need` more bytes. */
  private more(keep: number, need: number): boolean {
    if (this.eof) return false;
    const old = this.p.buf;
    const chunks: Buffer[] = [];
    let got = 0;
    while (got < need) {
      const b = this.opts.readMore!(Math.max(READ_CHUNK, need - got));
      if (b === null || b.length === 0) {
        this.eof = true;
        break;
      }
      chunks.push(b);
      got += b.length;
    }
    if (got === 0) return false;
    if (this.opts.checksum) this.crc.update(old, 0, keep);
    // A new Buffer each time: loaded objects may keep views of the old one.
    const next = Buffer.concat([old.subarray(keep), ...chunks]);
    this.base += keep;
    this.p = new RdbParser(next);
    return true;
  }

  private header(): void {
    const buf = this.p.buf;
    if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') {
      throw new RdbError('Wrong signature trying to load DB from file');
    }
    const ver = Number(buf.latin1Slice(5, 9));
    if (!(ver >= 1 && ver <= RDB_VERSION))
      throw new RdbError(`Can't handle RDB format version ${buf.latin1Slice(5, 9)}`);
    this.ver = ver;
    this.p.pos = 9;
    this.headerDone = true;
  }

  /** Loads entries until `deadline` (performance.now() ms); true when the file is done. */
  step(deadline = Infinity): boolean {
    const delay = this.opts.keyDelayUs ?? 0;
    let n = 0;
    while (!this.done) {
      const at = this.p.pos;
      try {
        if (!this.headerDone) this.header();
        else if (this.entry()) this.footer();
      } catch (e) {
        if (
          e instanceof RdbError &&
          e.message === 'Short read' &&
          this.more(at, this.p.buf.length - at + 1)
        ) {
          this.p.pos = 0;
          continue;
        }
        throw e;
      }
      if (delay > 0) busyWaitUs(delay);
      if (((++n & 255) === 0 || delay > 0) && performance.now() >= deadline) return this.done;
    }
    return true;
  }

  /** One opcode or key; true at EOF. */
  private entry(): boolean {
    const p = this.p;
    const server = this.server;
    const log = server.log;
    const res = this.res;
    const type = p.byte();
    if (type === RDB_OPCODE_EXPIRETIME) {
      this.expire = p.u32le() * 1000;
      return false;
    } else if (type === RDB_OPCODE_EXPIRETIME_MS) {
      this.expire = p.ms();
      return false;
    } else if (type === RDB_OPCODE_FREQ) {
      this.freq = p.byte();
      return false;
    } else if (type === RDB_OPCODE_IDLE) {
      this.idle = p.plainLen();
      return false;
    } else if (type === RDB_OPCODE_EOF) {
      return true;
    } else if (type === RDB_OPCODE_SELECTDB) {
      const id = p.plainLen();
      if (id >= server.dbs.length) {
        throw new RdbError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting\n`,
        );
      }
      this.db = server.dbs[id];
      return false;
    } else if (type === RDB_OPCODE_RESIZEDB) {
      // rdbLoad's dictExpand: the keyspace and expires tables sized up front.
      // A corrupt count cannot reserve more than the file could hold.
      const most = Math.floor((this.opts.totalBytes ?? (this.eof ? this.p.buf.length : 0)) / MIN_ENTRY_BYTES);
      const size = p.plainLen();
      const expires = p.plainLen();
      this.db.dict.reserve(Math.min(size, most));
      this.db.expires.reserve(Math.min(expires, most));
      return false;
    } else if (type === RDB_OPCODE_AUX) {
      const k = p.string();
      const v = p.string();
      if (k === 'redis-ver') log.notice(`Loading RDB produced by version ${v}`);
      else if (k === 'ctime') {
        let age = Math.floor(server.clock() / 1000) - Number(v);
        if (age < 0) age = 0;
        log.notice(`RDB age ${age} seconds`);
      } else if (k === 'used-mem') {
        this.usedMem = Number(v);
        log.notice(`RDB memory usage when created ${(Number(v) / 1048576).toFixed(2)} Mb`);
      }
      return false;
    } else if (type === RDB_OPCODE_MODULE_AUX) {
      const moduleId = p.plainLen();
      p.plainLen(); // when_opcode
      p.plainLen(); // when
      skipModuleValue(p);
      log.warning(
        `The RDB file contains AUX module data (module id ${moduleId}) that Respite cannot load: skipped`,
      );
      return false;
    } else if (type === RDB_OPCODE_FUNCTION2 || type === RDB_OPCODE_FUNCTION_PRE_GA) {
      const code = readFunctionCode(p, type);
      const err =
        typeof code === 'string' ? loadFunctionLibrary(server, code, this.opts.allowDup === true) : code.err;
      if (err !== null) {
        log.warning(`Failed loading library, ${err}`);
        throw new RdbError('Short read');
      }
      res.functions.push(code as string);
      return false;
    }
    if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
    const key = p.string();
    let val;
    try {
      val = loadObject(p, type, this.ctx, key);
    } catch (e) {
      if (e instanceof FormatError) throw new RdbError(`${e.message} (key '${key}')`);
      throw e;
    }
    const db = this.db;
    const expire = this.expire;
    if (val !== null) {
      if (expire !== -1 && expire < server.clock()) {
        res.keysExpired++;
        if (typeof val === 'number') this.ctx.strings.free(val);
      } else {
        if (!db.dict.tryAdd(key, val)) {
          if (!this.opts.allowDup) {
            log.warning(`RDB has duplicated key '${key}' in DB ${db.id}`);
            throw new RdbError('Duplicated key found in RDB file');
          }
          db.delete(key);
          db.dict.add(key, val);
        }
        db.initValue(val);
        if (typeof val !== 'number') server.onKeyAdded(db, key);
        if (expire !== -1) db.setExpire(key, expire);
        applyLruLfu(server, val, this.idle, this.freq);
        res.keysLoaded++;
      }
    }
    this.expire = -1;
    this.idle = -1;
    this.freq = -1;
    return false;
  }

  /** used-mem of the AUX fields (INFO loading_rdb_used_mem). */
  usedMem = 0;

  /** After EOF: the CRC64 trailer (RDB 5+). */
  private footer(): void {
    const p = this.p;
    if (this.ver >= 5) {
      if (p.pos + 8 > p.buf.length) throw new RdbError('Short read');
      const buf = p.buf;
      const stored = buf.subarray(p.pos, p.pos + 8);
      if (stored.readUInt32LE(0) === 0 && stored.readUInt32LE(4) === 0) {
        this.server.log.warning('RDB file was saved with checksum disabled: no check performed.');
      } else if (this.opts.checksum) {
        this.crc.update(buf, 0, p.pos);
        if (!this.crc.equalsLE(buf, p.pos)) {
          const exp = stored.readBigUInt64LE(0).toString(16);
          const got = BigInt('0x' + this.crc.hex()).toString(16);
          throw new RdbError(`Wrong RDB checksum expected: (${exp}) got (${got}). Aborting now.`);
        }
      }
      p.pos += 8;
    }
    this.done = true;
  }
}

function busyWaitUs(us: number): void {
  const until = performance.now() + us / 1000;
  while (performance.now() < until);
}

/**
 * Loads `buf` (a whole RDB file) into the server. Throws RdbError with Redis's message on a
 * malformed file. `progress` is called now and then with the bytes consumed.
 */
export function loadRdbBuffer(
  server: Server,
  buf: Buffer,
  opts: { checksum: boolean; allowDup?: boolean; progress?: (pos: number, keys: number) => void },
): LoadResult {
  const loader = new RdbLoader(server, buf, { checksum: opts.checksum, allowDup: opts.allowDup });
  const progress = opts.progress;
  if (progress === undefined) {
    loader.step();
    return loader.res;
  }
  // Slices of ~50 ms, reporting progress between them.
  while (!loader.step(performance.now() + 50)) progress(loader.pos, loader.res.keysLoaded);
  return loader.res;
}
