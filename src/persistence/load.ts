/**
 * Loading an RDB file (or buffer) into the server's databases (rdbLoadRio): opcodes, AUX
 * fields, functions, module aux data, expiries, LRU/LFU hints, then each key through
 * loadObject. Keys already expired are skipped (counted), as a master does.
 */
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
    if (typeof v === 'number') db.strings.lru[v] = word;
    else v.lru = word;
  } else {
    if (idle < 0) return;
    const word = Math.max(0, Math.floor(server.clock() / 1000) - idle) >>> 0;
    if (typeof v === 'number') db.strings.lru[v] = word;
    else v.lru = word;
  }
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
  const log = server.log;
  const p = new RdbParser(buf);
  const res: LoadResult = { keysLoaded: 0, keysExpired: 0, functions: [] };
  if (buf.length < 9 || buf.latin1Slice(0, 5) !== 'REDIS') {
    throw new RdbError('Wrong signature trying to load DB from file');
  }
  const ver = Number(buf.latin1Slice(5, 9));
  if (!(ver >= 1 && ver <= RDB_VERSION))
    throw new RdbError(`Can't handle RDB format version ${buf.latin1Slice(5, 9)}`);
  p.pos = 9;
  const ctx = loadContext(server);
  const now = server.clock();
  let db = server.dbs[0];
  let expire: number | bigint = -1;
  let idle = -1;
  let freq = -1;
  let n = 0;
  for (;;) {
    const type = p.byte();
    if (type === RDB_OPCODE_EXPIRETIME) {
      expire = p.u32le() * 1000;
      continue;
    } else if (type === RDB_OPCODE_EXPIRETIME_MS) {
      expire = p.ms();
      continue;
    } else if (type === RDB_OPCODE_FREQ) {
      freq = p.byte();
      continue;
    } else if (type === RDB_OPCODE_IDLE) {
      idle = p.plainLen();
      continue;
    } else if (type === RDB_OPCODE_EOF) {
      break;
    } else if (type === RDB_OPCODE_SELECTDB) {
      const id = p.plainLen();
      if (id >= server.dbs.length) {
        throw new RdbError(
          `FATAL: Data file was created with a Redis server configured to handle more than ${server.dbs.length} databases. Exiting\n`,
        );
      }
      db = server.dbs[id];
      continue;
    } else if (type === RDB_OPCODE_RESIZEDB) {
      p.plainLen();
      p.plainLen();
      continue;
    } else if (type === RDB_OPCODE_AUX) {
      const k = p.string();
      const v = p.string();
      if (k === 'redis-ver') log.notice(`Loading RDB produced by version ${v}`);
      else if (k === 'ctime') {
        let age = Math.floor(now / 1000) - Number(v);
        if (age < 0) age = 0;
        log.notice(`RDB age ${age} seconds`);
      } else if (k === 'used-mem')
        log.notice(`RDB memory usage when created ${(Number(v) / 1048576).toFixed(2)} Mb`);
      continue;
    } else if (type === RDB_OPCODE_MODULE_AUX) {
      const moduleId = p.plainLen();
      p.plainLen(); // when_opcode
      p.plainLen(); // when
      skipModuleValue(p);
      log.warning(
        `The RDB file contains AUX module data (module id ${moduleId}) that Respite cannot load: skipped`,
      );
      continue;
    } else if (type === RDB_OPCODE_FUNCTION2 || type === RDB_OPCODE_FUNCTION_PRE_GA) {
      const code = readFunctionCode(p, type);
      const err =
        typeof code === 'string' ? loadFunctionLibrary(server, code, opts.allowDup === true) : code.err;
      if (err !== null) {
        log.warning(`Failed loading library, ${err}`);
        throw new RdbError('Short read');
      }
      res.functions.push(code as string);
      continue;
    }
    if (!isObjectType(type)) throw new RdbError(`Unknown RDB encoding type ${type}`);
    const key = p.string();
    let val;
    try {
      val = loadObject(p, type, ctx, key);
    } catch (e) {
      if (e instanceof FormatError) throw new RdbError(`${e.message} (key '${key}')`);
      throw e;
    }
    if (val !== null) {
      if (expire !== -1 && expire < now) {
        res.keysExpired++;
        if (typeof val === 'number') ctx.strings.free(val);
      } else {
        if (!db.dict.tryAdd(key, val)) {
          if (!opts.allowDup) {
            log.warning(`RDB has duplicated key '${key}' in DB ${db.id}`);
            throw new RdbError('Duplicated key found in RDB file');
          }
          db.delete(key);
          db.dict.add(key, val);
        }
        db.initValue(val);
        if (typeof val !== 'number') server.onKeyAdded(db, key);
        if (expire !== -1) db.setExpire(key, expire);
        applyLruLfu(server, val, idle, freq);
        res.keysLoaded++;
      }
    }
    expire = -1;
    idle = -1;
    freq = -1;
    if (opts.progress !== undefined && (++n & 1023) === 0) opts.progress(p.pos, res.keysLoaded);
  }
  if (ver >= 5) {
    if (p.pos + 8 > buf.length) throw new RdbError('Short read');
    const c = new Crc64();
    const stored = buf.subarray(p.pos, p.pos + 8);
    if (stored.readUInt32LE(0) === 0 && stored.readUInt32LE(4) === 0) {
      log.warning('RDB file was saved with checksum disabled: no check performed.');
    } else if (opts.checksum) {
      c.update(buf, 0, p.pos);
      if (!c.equalsLE(buf, p.pos)) {
        const exp = stored.readBigUInt64LE(0).toString(16);
        const got = BigInt('0x' + c.hex()).toString(16);
        throw new RdbError(`Wrong RDB checksum expected: (${exp}) got (${got}). Aborting now.`);
      }
    }
  }
  return res;
}
