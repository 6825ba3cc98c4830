/**
 * HyperLogLog commands (Redis's hyperloglog.c): PFADD, PFCOUNT, PFMERGE, PFDEBUG and
 * PFSELFTEST over string values holding Redis's exact HLL representation (src/util/hll.ts),
 * so GET returns Redis's bytes and a value made by Redis counts the same here.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import type { StringStore } from '../store/strings.js';
import { ENC_RAW } from '../store/strings.js';
import { ERR_WRONGTYPE, lookupReadCounted } from './util.js';
import { NOTIFY_STRING } from '../server/notify.js';
import {
  EMPTY_HLL,
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_HDR_SIZE,
  HLL_REGISTERS,
  HLL_SPARSE,
  denseGet,
  denseSetRaw,
  hllAdd,
  hllCount,
  hllCountRaw,
  hllMerge,
  hllSetRegister,
  invalidateCache,
  isValidHll,
  sparseToDense,
} from '../util/hll.js';

const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';

/**
 * isHLLObjectOrReply on a looked-up value: the handle of a valid HLL string, or -1 after
 * replying (WRONGTYPE for another type or a string that is not an HLL).
 */
function hllHandle(c: Client, v: number | object): number {
  if (typeof v !== 'number') {
    c.error(ERR_WRONGTYPE);
    return -1;
  }
  const s = c.db.strings;
  if (!isValidHll(s.bufferOf(v), s.bufferStart(v), s.length(v))) {
    c.error(ERR_NOT_HLL);
    return -1;
  }
  return v;
}

function maxSparseBytes(c: Client): number {
  return c.server.config.num('hll-sparse-max-bytes');
}

function pfaddCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const s = db.strings;
  const key = argv[1];
  let updated = 0;
  let h: number;
  const v = db.lookupWrite(key);
  if (v === undefined) {
    h = s.create(EMPTY_HLL, ENC_RAW);
    db.add(key, h);
    updated++;
  } else {
    h = hllHandle(c, v);
    if (h < 0) return;
    s.setEncoding(h, ENC_RAW); // dbUnshareStringValue
  }
  const maxBytes = maxSparseBytes(c);
  for (let j = 2; j < argv.length; j++) {
    const r = hllAdd(s, h, argv[j], maxBytes);
    if (r === 1) updated++;
    else if (r === -1) {
      c.error(ERR_INVALID_HLL);
      return;
    }
  }
  if (updated > 0) {
    c.server.keyModified(db, key, NOTIFY_STRING, 'pfadd');
    c.server.dirty += updated - 1;
    invalidateCache(s, h);
  }
  c.out.integer(updated > 0 ? 1 : 0);
}

const mergeMax = new Uint8Array(HLL_REGISTERS);

function pfcountCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const s = db.strings;
  if (argv.length > 2) {
    // Several keys: the cardinality of their union, from the max of each register.
    const max = mergeMax;
    max.fill(0);
    for (let j = 1; j < argv.length; j++) {
      const v = lookupReadCounted(c, argv[j]);
      if (v === undefined) continue;
      const h = hllHandle(c, v);
      if (h < 0) return;
      if (!hllMerge(max, s.bufferOf(h), s.bufferStart(h), s.length(h))) {
        c.error(ERR_INVALID_HLL);
        return;
      }
    }
    c.out.integer(hllCountRaw(max));
    return;
  }
  const key = argv[1];
  const v = lookupReadCounted(c, key);
  if (v === undefined) {
    c.out.integer(0);
    return;
  }
  const h = hllHandle(c, v);
  if (h < 0) return;
  s.setEncoding(h, ENC_RAW);
  const buf = s.bufferOf(h);
  const start = s.bufferStart(h);
  const card = start + 8;
  if ((buf[card + 7] & 0x80) === 0) {
    // The cached cardinality is valid.
    const lo = buf.readUInt32LE(card);
    const hi = buf.readUInt32LE(card + 4);
    c.out.integer(hi < 0x200000 ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo));
    return;
  }
  const n = hllCount(buf, start, s.length(h));
  if (n < 0) {
    c.error(ERR_INVALID_HLL);
    return;
  }
  // Caching the value modifies the string: signalled and propagated like a write.
  buf.writeUInt32LE(n % 4294967296, card);
  buf.writeUInt32LE(Math.floor(n / 4294967296), card + 4);
  c.server.signalModifiedKey(db, key);
  c.server.dirty++;
  c.out.integer(n);
}

function pfmergeCommand(c: Client, argv: string[]): void {
  const db = c.db;
  const s = db.strings;
  const max = mergeMax;
  max.fill(0);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const v = lookupReadCounted(c, argv[j]);
    if (v === undefined) continue;
    const h = hllHandle(c, v);
    if (h < 0) return;
    const buf = s.bufferOf(h);
    const start = s.bufferStart(h);
    if (buf[start + 4] === HLL_DENSE) useDense = true;
    if (!hllMerge(max, buf, start, s.length(h))) {
      c.error(ERR_INVALID_HLL);
      return;
    }
  }
  const key = argv[1];
  let h: number;
  const v = db.lookupWrite(key);
  if (v === undefined) {
    h = s.create(EMPTY_HLL, ENC_RAW);
    db.add(key, h);
  } else {
    h = v as number; // validated above as a source
    s.setEncoding(h, ENC_RAW);
  }
  if (useDense && !sparseToDense(s, h)) {
    c.error(ERR_INVALID_HLL);
    return;
  }
  const maxBytes = maxSparseBytes(c);
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) hllSetRegister(s, h, j, max[j], maxBytes);
  }
  invalidateCache(s, h);
  // PFMERGE fires `pfadd`: it is a mass add.
  c.server.keyModified(db, key, NOTIFY_STRING, 'pfadd');
  c.out.ok();
}

// ---- debugging ----------------------------------------------------------------------------

function pfdebugCommand(c: Client, argv: string[]): void {
  const cmd = argv[1];
  const db = c.db;
  const s = db.strings;
  const v = db.lookupWrite(argv[2]);
  if (v === undefined) {
    c.error('ERR The specified key does not exist');
    return;
  }
  const h = hllHandle(c, v);
  if (h < 0) return;
  s.setEncoding(h, ENC_RAW);
  const sub = cmd.toLowerCase();
  const enc = s.bufferOf(h)[s.bufferStart(h) + 4];
  if (sub === 'getreg') {
    if (enc === HLL_SPARSE) {
      if (!sparseToDense(s, h)) {
        c.error(ERR_INVALID_HLL);
        return;
      }
      c.server.dirty++; // the encoding change is propagated
    }
    const buf = s.bufferOf(h);
    const r = s.bufferStart(h) + HLL_HDR_SIZE;
    c.out.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) c.out.integer(denseGet(buf, r, j));
  } else if (sub === 'decode') {
    if (enc !== HLL_SPARSE) {
      c.error('ERR HLL encoding is not sparse');
      return;
    }
    c.out.bulk(decodeSparse(s, h));
  } else if (sub === 'encoding') {
    c.out.status(enc === HLL_DENSE ? 'dense' : 'sparse');
  } else if (sub === 'todense') {
    let conv = 0;
    if (enc === HLL_SPARSE) {
      if (!sparseToDense(s, h)) {
        c.error(ERR_INVALID_HLL);
        return;
      }
      conv = 1;
      c.server.dirty++;
    }
    c.out.integer(conv);
  } else {
    c.error(`ERR Unknown PFDEBUG subcommand '${cmd}'`);
  }
}

/** PFDEBUG DECODE: the sparse opcodes as `z:len Z:len v:val,len`. */
function decodeSparse(s: StringStore, h: number): string {
  const buf = s.bufferOf(h);
  const start = s.bufferStart(h);
  const end = start + s.length(h);
  const parts: string[] = [];
  for (let p = start + HLL_HDR_SIZE; p < end;) {
    const op = buf[p];
    if ((op & 0xc0) === 0) {
      parts.push(`z:${(op & 0x3f) + 1}`);
      p++;
    } else if ((op & 0xc0) === 0x40) {
      parts.push(`Z:${(((op & 0x3f) << 8) | buf[p + 1]) + 1}`);
      p += 2;
    } else {
      parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
      p++;
    }
  }
  return parts.join(' ');
}

/**
 * PFSELFTEST: the register accessors keep values and neighbours intact, and the sparse and
 * dense encodings agree on cardinalities within the expected error. Redis runs 1000 register
 * rounds and 10M elements; this runs 100 rounds and 1M elements (the same checks, a tenth of
 * the time the server is blocked).
 */
function pfselftestCommand(c: Client): void {
  const dense = Buffer.alloc(HLL_DENSE_SIZE + 1);
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < 100; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytes[i] = r;
      denseSetRaw(dense, HLL_HDR_SIZE, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = denseGet(dense, HLL_HDR_SIZE, i);
      if (val !== bytes[i]) {
        c.error(`TESTFAILED Register ${i} should be ${bytes[i]} but is ${val}`);
        return;
      }
    }
  }
  dense.fill(0);
  dense.write('HYLL', 0, 'latin1');
  const s = c.db.strings;
  const denseH = s.create(dense.latin1Slice(0, HLL_DENSE_SIZE), ENC_RAW);
  const sparseH = s.create(EMPTY_HLL, ENC_RAW);
  try {
    const maxBytes = maxSparseBytes(c);
    const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
    let checkpoint = 1;
    const seedLo = (Math.random() * 4294967296) >>> 0;
    const seedHi = (Math.random() * 4294967296) >>> 0;
    const ele = Buffer.alloc(8);
    for (let j = 1; j <= 1000000; j++) {
      ele.writeUInt32LE((j ^ seedLo) >>> 0, 0);
      ele.writeUInt32LE(seedHi, 4);
      const str = ele.latin1Slice(0, 8);
      hllAdd(s, denseH, str, maxBytes);
      hllAdd(s, sparseH, str, maxBytes);
      if (j !== checkpoint) continue;
      const sb = s.bufferOf(sparseH);
      const ss = s.bufferStart(sparseH);
      if (j < maxBytes / 2 && sb[ss + 4] !== HLL_SPARSE) {
        c.error('TESTFAILED sparse encoding not used');
        return;
      }
      const db = s.bufferOf(denseH);
      const ds = s.bufferStart(denseH);
      const dc = hllCount(db, ds, HLL_DENSE_SIZE);
      if (dc !== hllCount(sb, ss, s.length(sparseH))) {
        c.error('TESTFAILED dense/sparse disagree');
        return;
      }
      const abserr = Math.abs(checkpoint - dc);
      const maxerr = j === 10 ? 1 : Math.ceil(relerr * 6 * checkpoint);
      if (abserr > maxerr) {
        c.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
        return;
      }
      checkpoint *= 10;
    }
    c.out.ok();
  } finally {
    s.free(denseH);
    s.free(sparseH);
  }
}

// ---- table --------------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  keys: [number, number, number],
  since: string,
  summary: string,
  handler: CommandSpec['handler'],
  acl: string[] = ['hyperloglog'],
): CommandSpec {
  return {
    name,
    arity,
    flags,
    firstKey: keys[0],
    lastKey: keys[1],
    step: keys[2],
    acl,
    handler,
    since,
    group: 'hyperloglog',
    summary,
  };
}

export const specs: CommandSpec[] = [
  spec(
    'pfadd',
    -2,
    ['write', 'denyoom', 'fast'],
    [1, 1, 1],
    '2.8.9',
    'Adds the specified elements to the specified HyperLogLog.',
    pfaddCommand,
  ),
  spec(
    'pfcount',
    -2,
    ['readonly', 'may_replicate'],
    [1, -1, 1],
    '2.8.9',
    'Return the approximated cardinality of the set(s) observed by the HyperLogLog at key(s).',
    pfcountCommand,
  ),
  spec(
    'pfmerge',
    -2,
    ['write', 'denyoom'],
    [1, -1, 1],
    '2.8.9',
    'Merge N different HyperLogLogs into a single one.',
    pfmergeCommand,
  ),
  spec(
    'pfdebug',
    3,
    ['write', 'denyoom', 'admin'],
    [2, 2, 1],
    '2.8.9',
    'Internal commands for debugging HyperLogLog values',
    pfdebugCommand,
    ['hyperloglog', 'dangerous'],
  ),
  spec(
    'pfselftest',
    1,
    ['admin'],
    [0, 0, 0],
    '2.8.9',
    'An internal command for testing HyperLogLog values',
    pfselftestCommand,
    ['hyperloglog', 'dangerous'],
  ),
];
