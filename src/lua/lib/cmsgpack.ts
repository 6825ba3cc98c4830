/** Redis's cmsgpack (lua-cmsgpack 0.4.0): MessagePack pack/unpack with its exact encodings. */
import { LuaError, LuaTable, type LuaFunction, type LuaValue } from '../value.js';
import type { LuaVM } from '../vm.js';
import { argError, checkInt, checkStr, optInt } from './util.js';

const MAX_NESTING = 16;
const dv = new DataView(new ArrayBuffer(8));

function be(n: number, bytes: number): string {
  let s = '';
  for (let i = bytes - 1; i >= 0; i--) s += String.fromCharCode(Math.floor(n / Math.pow(256, i)) % 256);
  return s;
}

function encodeInt(n: number): string {
  if (n >= 0) {
    if (n <= 127) return String.fromCharCode(n);
    if (n <= 0xff) return '\xcc' + String.fromCharCode(n);
    if (n <= 0xffff) return '\xcd' + be(n, 2);
    if (n <= 0xffffffff) return '\xce' + be(n, 4);
    return '\xcf' + big(BigInt(n), 8);
  }
  if (n >= -32) return String.fromCharCode(n & 0xff);
  if (n >= -128) return '\xd0' + String.fromCharCode(n & 0xff);
  if (n >= -32768) return '\xd1' + big(BigInt(n), 2);
  if (n >= -2147483648) return '\xd2' + big(BigInt(n), 4);
  return '\xd3' + big(BigInt(n), 8);
}

function big(v: bigint, bytes: number): string {
  v = BigInt.asUintN(bytes * 8, v);
  let s = '';
  for (let i = bytes - 1; i >= 0; i--) s += String.fromCharCode(Number((v >> BigInt(i * 8)) & 0xffn));
  return s;
}

function encodeNumber(n: number): string {
  // IS_INT64_EQUIVALENT: (int64_t)n == n
  if (isFinite(n) && n >= -9223372036854775808 && n < 2 ** 63 && Math.trunc(n) === n)
    return encodeInt(n === 0 ? 0 : n);
  if (Math.fround(n) === n) {
    dv.setFloat32(0, n);
    let s = '\xca';
    for (let i = 0; i < 4; i++) s += String.fromCharCode(dv.getUint8(i));
    return s;
  }
  dv.setFloat64(0, n);
  let s = '\xcb';
  for (let i = 0; i < 8; i++) s += String.fromCharCode(dv.getUint8(i));
  return s;
}

function encodeString(s: string): string {
  const l = s.length;
  if (l < 32) return String.fromCharCode(0xa0 | l) + s;
  if (l <= 0xff) return '\xd9' + String.fromCharCode(l) + s;
  if (l <= 0xffff) return '\xda' + be(l, 2) + s;
  return '\xdb' + be(l, 4) + s;
}

function isArray(t: LuaTable): boolean {
  let count = 0;
  let max = 0;
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    const k = e[0];
    // (int)n == n: the key must be an integer within int range
    if (typeof k !== 'number' || k <= 0 || !(k <= 2147483647 && Math.trunc(k) === k)) return false;
    if (k > max) max = k;
    count++;
  }
  return max === count;
}

function encode(v: LuaValue, level: number): string {
  switch (typeof v) {
    case 'boolean':
      return v ? '\xc3' : '\xc2';
    case 'number':
      return encodeNumber(v);
    case 'string':
      return encodeString(v);
  }
  if (v instanceof LuaTable && level < MAX_NESTING) {
    if (isArray(v)) {
      const n = v.length();
      let s = n <= 15 ? String.fromCharCode(0x90 | n) : n <= 0xffff ? '\xdc' + be(n, 2) : '\xdd' + be(n, 4);
      for (let i = 1; i <= n; i++) s += encode(v.getInt(i), level + 1);
      return s;
    }
    let n = 0;
    let body = '';
    for (let e = v.next(undefined); e !== undefined; e = v.next(e[0])) {
      n++;
      body += encode(e[0], level + 1) + encode(e[1], level + 1);
    }
    return (
      (n <= 15 ? String.fromCharCode(0x80 | n) : n <= 0xffff ? '\xde' + be(n, 2) : '\xdf' + be(n, 4)) + body
    );
  }
  return '\xc0';
}

const EOF_ERR = 1;
const BADFMT = 2;

class Cur {
  err = 0;
  constructor(
    readonly s: string,
    public p: number,
  ) {}
  get left(): number {
    return this.s.length - this.p;
  }
  need(n: number): boolean {
    if (this.left < n) {
      this.err = EOF_ERR;
      return false;
    }
    return true;
  }
  u(off: number, bytes: number): number {
    let v = 0;
    for (let i = 0; i < bytes; i++) v = v * 256 + this.s.charCodeAt(this.p + off + i);
    return v;
  }
  b64(off: number): bigint {
    let v = 0n;
    for (let i = 0; i < 8; i++) v = (v << 8n) | BigInt(this.s.charCodeAt(this.p + off + i));
    return v;
  }
}

/** A value of n bytes at the cursor (module functions, not closures: no allocation per value). */
function pushFixed(c: Cur, out: LuaValue[], n: number, v: LuaValue): void {
  if (!c.need(n)) return;
  out.push(v);
  c.p += n;
}

/** A string of len bytes after a header of hdr bytes. */
function pushStr(c: Cur, out: LuaValue[], hdr: number, len: number): void {
  if (!c.need(hdr + len)) return;
  out.push(c.s.substr(c.p + hdr, len));
  c.p += hdr + len;
}

function decode(c: Cur, out: LuaValue[]): void {
  if (!c.need(1)) return;
  const t = c.s.charCodeAt(c.p);
  switch (t) {
    case 0xcc:
      if (c.need(2)) pushFixed(c, out, 2, c.u(1, 1));
      return;
    case 0xd0:
      if (c.need(2)) pushFixed(c, out, 2, (c.u(1, 1) << 24) >> 24);
      return;
    case 0xcd:
      if (c.need(3)) pushFixed(c, out, 3, c.u(1, 2));
      return;
    case 0xd1:
      if (c.need(3)) pushFixed(c, out, 3, (c.u(1, 2) << 16) >> 16);
      return;
    case 0xce:
      if (c.need(5)) pushFixed(c, out, 5, c.u(1, 4));
      return;
    case 0xd2:
      if (c.need(5)) pushFixed(c, out, 5, c.u(1, 4) | 0);
      return;
    case 0xcf:
      if (c.need(9)) pushFixed(c, out, 9, Number(BigInt.asIntN(64, c.b64(1)))); // pushed as a signed int64
      return;
    case 0xd3:
      if (c.need(9)) pushFixed(c, out, 9, Number(BigInt.asIntN(64, c.b64(1))));
      return;
    case 0xc0:
      pushFixed(c, out, 1, undefined);
      return;
    case 0xc3:
      pushFixed(c, out, 1, true);
      return;
    case 0xc2:
      pushFixed(c, out, 1, false);
      return;
    case 0xca:
      if (!c.need(5)) return;
      for (let i = 0; i < 4; i++) dv.setUint8(i, c.s.charCodeAt(c.p + 1 + i));
      pushFixed(c, out, 5, dv.getFloat32(0));
      return;
    case 0xcb:
      if (!c.need(9)) return;
      for (let i = 0; i < 8; i++) dv.setUint8(i, c.s.charCodeAt(c.p + 1 + i));
      pushFixed(c, out, 9, dv.getFloat64(0));
      return;
    case 0xd9:
      if (c.need(2)) pushStr(c, out, 2, c.u(1, 1));
      return;
    case 0xda:
      if (c.need(3)) pushStr(c, out, 3, c.u(1, 2));
      return;
    case 0xdb:
      if (c.need(5)) pushStr(c, out, 5, c.u(1, 4));
      return;
    case 0xdc:
      if (!c.need(3)) return;
      {
        const n = c.u(1, 2);
        c.p += 3;
        decodeArray(c, n, out);
      }
      return;
    case 0xdd:
      if (!c.need(5)) return;
      {
        const n = c.u(1, 4);
        c.p += 5;
        decodeArray(c, n, out);
      }
      return;
    case 0xde:
      if (!c.need(3)) return;
      {
        const n = c.u(1, 2);
        c.p += 3;
        decodeMap(c, n, out);
      }
      return;
    case 0xdf:
      if (!c.need(5)) return;
      {
        const n = c.u(1, 4);
        c.p += 5;
        decodeMap(c, n, out);
      }
      return;
  }
  if ((t & 0x80) === 0) pushFixed(c, out, 1, t);
  else if ((t & 0xe0) === 0xe0) pushFixed(c, out, 1, (t << 24) >> 24);
  else if ((t & 0xe0) === 0xa0) pushStr(c, out, 1, t & 0x1f);
  else if ((t & 0xf0) === 0x90) {
    c.p++;
    decodeArray(c, t & 0xf, out);
  } else if ((t & 0xf0) === 0x80) {
    c.p++;
    decodeMap(c, t & 0xf, out);
  } else c.err = BADFMT;
}

function decodeArray(c: Cur, n: number, out: LuaValue[]): void {
  const vals: LuaValue[] = [];
  for (let i = 0; i < n && !c.err; i++) decode(c, vals);
  // (After an error the value is never used: unpack raises it.)
  out.push(c.err ? new LuaTable() : LuaTable.fromSequence(vals));
}

function decodeMap(c: Cur, n: number, out: LuaValue[]): void {
  const t = new LuaTable();
  out.push(t);
  const tmp: LuaValue[] = [];
  while (n-- > 0) {
    tmp.length = 0;
    decode(c, tmp);
    if (c.err) return;
    decode(c, tmp);
    if (c.err) return;
    t.set(tmp[0], tmp[1]);
  }
}

function unpackFull(s: string, limit: number, offset: number): LuaValue[] {
  const decodeAll = !limit && !offset;
  if (offset < 0 || limit < 0)
    throw new LuaError(`Invalid request to unpack with offset of ${offset} and limit of ${s.length}.`);
  if (offset > s.length) throw new LuaError(`Start offset ${offset} greater than input length ${s.length}.`);
  if (decodeAll) limit = 2147483647;
  const c = new Cur(s, offset);
  const out: LuaValue[] = [];
  for (let cnt = 0; c.left > 0 && cnt < limit; cnt++) {
    decode(c, out);
    if (c.err === EOF_ERR) throw new LuaError('Missing bytes in input.');
    if (c.err === BADFMT) throw new LuaError('Bad data format in input.');
  }
  if (!decodeAll) out.unshift(c.left === 0 ? -1 : s.length - c.left);
  return out;
}

export function openCmsgpack(vm: LuaVM): void {
  const M = new LuaTable();
  const set = (n: string, f: LuaFunction) => M.set(n, f);
  set('pack', (...a: LuaValue[]) => {
    if (a.length === 0) argError(0, 'pack', 'MessagePack pack needs input.');
    let s = '';
    for (const v of a) s += encode(v, 0);
    return [s];
  });
  set('unpack', (...a: LuaValue[]) => unpackFull(checkStr(a, 0, 'unpack'), 0, 0));
  set('unpack_one', (...a: LuaValue[]) => {
    const off = optInt(a, 1, 'unpack_one', 0);
    return unpackFull(checkStr(a, 0, 'unpack_one'), 1, off);
  });
  set('unpack_limit', (...a: LuaValue[]) => {
    const limit = checkInt(a, 1, 'unpack_limit');
    const off = optInt(a, 2, 'unpack_limit', 0);
    return unpackFull(checkStr(a, 0, 'unpack_limit'), limit, off);
  });
  M.set('_NAME', 'cmsgpack');
  M.set('_VERSION', 'lua-cmsgpack 0.4.0');
  M.set('_COPYRIGHT', 'Copyright (C) 2012, Salvatore Sanfilippo');
  M.set('_DESCRIPTION', 'MessagePack C implementation for Lua');
  vm.G.set('cmsgpack', M);
}
