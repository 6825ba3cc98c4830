/** Redis's `struct` library (Roberto Ierusalimschy's struct.c 0.2): pack/unpack/size. */
import { LuaError, LuaTable, type LuaFunction, type LuaValue } from '../value.js';
import type { LuaVM } from '../vm.js';
import { argError, checkNum, checkStr, optInt } from './util.js';

const MAXINTSIZE = 32;
const MAXALIGN = 8;
const M64 = (1n << 64n) - 1n;

interface Header {
  little: boolean;
  align: number;
}

class Fmt {
  i = 0;
  constructor(readonly s: string) {}
  getnum(df: number): number {
    const s = this.s;
    if (!(s[this.i] >= '0' && s[this.i] <= '9')) return df;
    let a = 0;
    while (s[this.i] >= '0' && s[this.i] <= '9') {
      const d = s.charCodeAt(this.i) - 48;
      if (a > 214748364 || a * 10 > 2147483647 - d) throw new LuaError('integral size overflow');
      a = a * 10 + d;
      this.i++;
    }
    return a;
  }
}

function optsize(opt: string, f: Fmt): number {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
    case 'T':
      return 8;
    case 'f':
      return 4;
    case 'd':
      return 8;
    case 'x':
      return 1;
    case 'c':
      return f.getnum(1);
    case 'i':
    case 'I': {
      const sz = f.getnum(4);
      if (sz > MAXINTSIZE) throw new LuaError(`integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
      return sz;
    }
    default:
      return 0;
  }
}

function toalign(len: number, h: Header, opt: string, size: number): number {
  if (size === 0 || opt === 'c') return 0;
  if (size > h.align) size = h.align;
  return (size - (len & (size - 1))) & (size - 1);
}

function control(opt: string, f: Fmt, h: Header, fname: string): void {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h.little = false;
      return;
    case '<':
    case '=':
      h.little = true;
      return;
    case '!': {
      const a = f.getnum(MAXALIGN);
      if ((a & (a - 1)) !== 0 || a === 0) throw new LuaError(`alignment ${a} is not a power of 2`);
      h.align = a;
      return;
    }
    default:
      argError(1, fname, `invalid format option '${opt}'`);
  }
}

const fbuf = new DataView(new ArrayBuffer(8));

function bytesOf(n: number, size: number, little: boolean): string {
  if (size === 4) fbuf.setFloat32(0, n, little);
  else fbuf.setFloat64(0, n, little);
  let s = '';
  for (let i = 0; i < size; i++) s += String.fromCharCode(fbuf.getUint8(i));
  return s;
}

function readFloat(data: string, pos: number, size: number, little: boolean): number {
  for (let i = 0; i < size; i++) fbuf.setUint8(i, data.charCodeAt(pos + i));
  return size === 4 ? fbuf.getFloat32(0, little) : fbuf.getFloat64(0, little);
}

/** double → (Uinttype)(Inttype)n or (Uinttype)n as x86-64 converts. */
function toU64(n: number): bigint {
  if (n !== n) return 1n << 63n;
  if (n < 0) {
    if (n < -9223372036854775808) return 1n << 63n;
    return BigInt(Math.trunc(n)) & M64;
  }
  if (n >= 2 ** 64) return 0n;
  return BigInt(Math.trunc(n));
}

function putInteger(n: number, size: number, little: boolean): string {
  let v = toU64(n);
  const b: number[] = new Array(size).fill(0);
  for (let i = 0; i < size; i++) {
    b[little ? i : size - 1 - i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return String.fromCharCode(...b);
}

function getInteger(data: string, pos: number, little: boolean, signed: boolean, size: number): number {
  let l = 0n;
  if (!little) for (let i = 0; i < size; i++) l = ((l << 8n) | BigInt(data.charCodeAt(pos + i))) & M64;
  else for (let i = size - 1; i >= 0; i--) l = ((l << 8n) | BigInt(data.charCodeAt(pos + i))) & M64;
  if (!signed) return Number(l);
  const mask = (M64 << BigInt((size * 8 - 1) % 64)) & M64;
  if (l & mask) l |= mask;
  return Number(BigInt.asIntN(64, l));
}

export function openStruct(vm: LuaVM): void {
  const S = new LuaTable();
  const set = (n: string, f: LuaFunction) => S.set(n, f);
  set('pack', (...a: LuaValue[]) => {
    const f = new Fmt(checkStr(a, 0, 'pack'));
    // struct.pack pushes a nil mark after its arguments: a missing one reads as nil
    if (a.length < 64) a.length = 64;
    const h: Header = { little: true, align: 1 };
    let arg = 1;
    let total = 0;
    let out = '';
    const fs = f.s;
    while (f.i < fs.length && fs[f.i] !== '\0') {
      const opt = fs[f.i++];
      let size = optsize(opt, f);
      const al = toalign(total, h, opt, size);
      total += al;
      out += '\0'.repeat(al);
      switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I':
          out += putInteger(checkNum(a, arg++, 'pack'), size, h.little);
          break;
        case 'x':
          out += '\0';
          break;
        case 'f':
        case 'd':
          out += bytesOf(checkNum(a, arg++, 'pack'), size, h.little);
          break;
        case 'c':
        case 's': {
          const s = checkStr(a, arg++, 'pack');
          if (size === 0) size = s.length;
          if (!(s.length >= size)) argError(arg + 1, 'pack', 'string too short');
          out += s.slice(0, size);
          if (opt === 's') {
            out += '\0';
            size++;
          }
          break;
        }
        default:
          control(opt, f, h, 'pack');
      }
      total += size;
    }
    return [out];
  });
  set('unpack', (...a: LuaValue[]) => {
    const f = new Fmt(checkStr(a, 0, 'unpack'));
    const data = checkStr(a, 1, 'unpack');
    const ld = data.length;
    let pos = optInt(a, 2, 'unpack', 1);
    if (!(pos > 0)) argError(3, 'unpack', 'offset must be 1 or greater');
    pos--;
    const h: Header = { little: true, align: 1 };
    const out: LuaValue[] = [];
    const fs = f.s;
    while (f.i < fs.length && fs[f.i] !== '\0') {
      const opt = fs[f.i++];
      let size = optsize(opt, f);
      pos += toalign(pos, h, opt, size);
      if (!(pos + size <= ld)) argError(2, 'unpack', 'data string too short');
      switch (opt) {
        case 'b':
        case 'B':
        case 'h':
        case 'H':
        case 'l':
        case 'L':
        case 'T':
        case 'i':
        case 'I':
          out.push(getInteger(data, pos, h.little, opt === opt.toLowerCase(), size));
          break;
        case 'x':
          break;
        case 'f':
        case 'd':
          out.push(readFloat(data, pos, size, h.little));
          break;
        case 'c': {
          if (size === 0) {
            const last = out[out.length - 1];
            if (
              out.length === 0 ||
              (typeof last !== 'number' && !(typeof last === 'string' && Number.isFinite(Number(last))))
            )
              throw new LuaError("format 'c0' needs a previous size");
            size = Math.trunc(Number(out.pop()));
            if (!(pos + size <= ld)) argError(2, 'unpack', 'data string too short');
          }
          out.push(data.substr(pos, size));
          break;
        }
        case 's': {
          const e = data.indexOf('\0', pos);
          if (e < 0) throw new LuaError('unfinished string in data');
          size = e - pos + 1;
          out.push(data.slice(pos, e));
          break;
        }
        default:
          control(opt, f, h, 'unpack');
      }
      pos += size;
    }
    out.push(pos + 1);
    return out;
  });
  set('size', (...a: LuaValue[]) => {
    const f = new Fmt(checkStr(a, 0, 'size'));
    const h: Header = { little: true, align: 1 };
    let pos = 0;
    const fs = f.s;
    while (f.i < fs.length && fs[f.i] !== '\0') {
      const opt = fs[f.i++];
      const size = optsize(opt, f);
      pos += toalign(pos, h, opt, size);
      if (opt === 's') argError(1, 'size', "option 's' has no fixed size");
      else if (opt === 'c' && size === 0) argError(1, 'size', "option 'c0' has no fixed size");
      if (!/[0-9A-Za-z]/.test(opt)) control(opt, f, h, 'size');
      pos += size;
    }
    return [pos];
  });
  vm.G.set('struct', S);
}
