/** Redis's cjson (lua-cjson 2.1.0): JSON encode/decode with its number format and errors. */
import { LuaError, LuaTable, LuaUserdata, type LuaFunction, type LuaValue, type } from '../value.js';
import type { LuaVM } from '../vm.js';
import { argError, checkStr } from './util.js';
import { genAbs } from './printf.js';

export const JSON_NULL = new LuaUserdata('(nil)');

const ESC: (string | null)[] = [];
for (let i = 0; i < 256; i++) ESC[i] = i < 32 ? '\\u' + i.toString(16).padStart(4, '0') : null;
ESC[8] = '\\b';
ESC[9] = '\\t';
ESC[10] = '\\n';
ESC[12] = '\\f';
ESC[13] = '\\r';
ESC[34] = '\\"';
ESC[47] = '\\/';
ESC[92] = '\\\\';
ESC[127] = '\\u007f';

interface Cfg {
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
  encodeDepth: number;
  decodeDepth: number;
  precision: number;
  invalidEnc: 0 | 1 | 2; // 0 off, 1 on, 2 "null"
  invalidDec: boolean;
  keepBuffer: boolean;
}

function fmtNum(n: number, prec: number): string {
  if (n !== n) return n !== n ? 'nan' : '';
  if (!isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const s = genAbs(Math.abs(n), prec);
  return n < 0 || Object.is(n, -0) ? '-' + s : s;
}

function encodeString(s: string): string {
  let out = '"';
  let st = 0;
  for (let i = 0; i < s.length; i++) {
    const e = ESC[s.charCodeAt(i)];
    if (e !== null) {
      out += s.slice(st, i) + e;
      st = i + 1;
    }
  }
  return out + s.slice(st) + '"';
}

function encodeError(v: LuaValue, reason: string): never {
  throw new LuaError(`Cannot serialise ${type(v)}: ${reason}`);
}

function encodeNumber(n: number, cfg: Cfg): string {
  if (!isFinite(n)) {
    if (cfg.invalidEnc === 0) encodeError(n, 'must not be NaN or Inf');
    if (cfg.invalidEnc === 2) return 'null';
    // "on": JSON-incompatible but what lua-cjson writes
    return n !== n ? 'nan' : n > 0 ? 'inf' : '-inf';
  }
  return fmtNum(n, cfg.precision);
}

function arrayLength(t: LuaTable, cfg: Cfg): number {
  let max = 0;
  let items = 0;
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    const k = e[0];
    if (typeof k === 'number' && k !== 0 && Math.floor(k) === k && k >= 1) {
      if (k > max) max = k;
      items++;
      continue;
    }
    return -1;
  }
  if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
    if (!cfg.sparseConvert) encodeError(t, 'excessively sparse array');
    return -1;
  }
  return max;
}

function encode(v: LuaValue, cfg: Cfg, depth: number): string {
  switch (typeof v) {
    case 'string':
      return encodeString(v);
    case 'number':
      return encodeNumber(v, cfg);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
  }
  if (v === JSON_NULL) return 'null';
  if (v instanceof LuaTable) {
    depth++;
    if (depth > cfg.encodeDepth) throw new LuaError(`Cannot serialise, excessive nesting (${depth})`);
    const len = arrayLength(v, cfg);
    if (len > 0) {
      let out = '[';
      for (let i = 1; i <= len; i++) {
        if (i > 1) out += ',';
        out += encode(v.getInt(i), cfg, depth);
      }
      return out + ']';
    }
    let out = '{';
    let first = true;
    for (let e = v.next(undefined); e !== undefined; e = v.next(e[0])) {
      if (!first) out += ',';
      first = false;
      const k = e[0];
      if (typeof k === 'number') out += '"' + encodeNumber(k, cfg) + '":';
      else if (typeof k === 'string') out += encodeString(k) + ':';
      else encodeError(k, 'table key must be a number or string');
      out += encode(e[1], cfg, depth);
    }
    return out + '}';
  }
  encodeError(v, 'type not supported');
}

// ---- decoder
const T_OBJ_BEGIN = 'T_OBJ_BEGIN';
const T_OBJ_END = 'T_OBJ_END';
const T_ARR_BEGIN = 'T_ARR_BEGIN';
const T_ARR_END = 'T_ARR_END';
const T_STRING = 'T_STRING';
const T_NUMBER = 'T_NUMBER';
const T_BOOLEAN = 'T_BOOLEAN';
const T_NULL = 'T_NULL';
const T_COLON = 'T_COLON';
const T_COMMA = 'T_COMMA';
const T_END = 'T_END';
const T_ERROR = 'T_ERROR';

interface Token {
  type: string;
  index: number;
  value: LuaValue;
  err: string;
}

const NUM_DEC = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const NUM_HEX = /^[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?/;
const NUM_SPECIAL = /^[+-]?(?:infinity|inf|nan(?:\([0-9a-zA-Z_]*\))?)/i;

/** glibc strtod on a prefix: [value, length] or null. */
function strtodPrefix(s: string): [number, number] | null {
  let m = NUM_HEX.exec(s);
  if (m) {
    const t = m[0];
    const neg = t[0] === '-';
    const body = t.replace(/^[+-]?0[xX]/, '');
    const [mant, exp] = body.split(/[pP]/);
    const [ip, fp = ''] = mant.split('.');
    let v = 0;
    for (const c of ip + fp) v = v * 16 + parseInt(c, 16);
    v = v * Math.pow(2, (exp ? Number(exp) : 0) - 4 * fp.length);
    return [neg ? -v : v, t.length];
  }
  m = NUM_DEC.exec(s);
  if (m) return [Number(m[0]), m[0].length];
  m = NUM_SPECIAL.exec(s);
  if (m) {
    const t = m[0].toLowerCase();
    const neg = t[0] === '-';
    const v = t.includes('nan') ? NaN : Infinity;
    return [neg ? -v : v, t.length];
  }
  return null;
}

class Decoder {
  pos = 0;
  depth = 0;
  constructor(
    readonly s: string,
    readonly cfg: Cfg,
  ) {}

  err(exp: string, tok: Token): never {
    const found = tok.type === T_ERROR ? tok.err : tok.type;
    throw new LuaError(`Expected ${exp} but found ${found} at character ${tok.index + 1}`);
  }

  tokErr(msg: string): Token {
    return { type: T_ERROR, index: this.pos, value: undefined, err: msg };
  }

  invalidNumber(): boolean {
    const s = this.s;
    let p = this.pos;
    if (s[p] === '+') return true;
    if (s[p] === '-') p++;
    if (s[p] === '0') {
      const c2 = s.charCodeAt(p + 1);
      return (c2 | 0x20) === 0x78 || (c2 >= 48 && c2 <= 57);
    }
    if (p >= s.length || s.charCodeAt(p) <= 57) return false;
    const w = s.slice(p, p + 3).toLowerCase();
    return w === 'inf' || w === 'nan';
  }

  numberToken(): Token {
    const r = strtodPrefix(this.s.slice(this.pos, this.pos + 400));
    const index = this.pos;
    if (r === null) return this.tokErr('invalid number');
    this.pos += r[1];
    return { type: T_NUMBER, index, value: r[0], err: '' };
  }

  next(): Token {
    const s = this.s;
    let c = s[this.pos];
    while (c === ' ' || c === '\t' || c === '\n' || c === '\r') c = s[++this.pos];
    const index = this.pos;
    const single = (type: string): Token => {
      this.pos++;
      return { type, index, value: undefined, err: '' };
    };
    switch (c) {
      case undefined:
      case '\0':
        return { type: T_END, index, value: undefined, err: '' };
      case '{':
        return single(T_OBJ_BEGIN);
      case '}':
        return single(T_OBJ_END);
      case '[':
        return single(T_ARR_BEGIN);
      case ']':
        return single(T_ARR_END);
      case ',':
        return single(T_COMMA);
      case ':':
        return single(T_COLON);
      case '"':
        return this.stringToken();
    }
    if (!'fiInNt+-0123456789'.includes(c)) return this.tokErr('invalid token');
    if (c === '-' || (c >= '0' && c <= '9')) {
      if (!this.cfg.invalidDec && this.invalidNumber()) return this.tokErr('invalid number');
      return this.numberToken();
    }
    if (s.startsWith('true', index)) {
      this.pos += 4;
      return { type: T_BOOLEAN, index, value: true, err: '' };
    }
    if (s.startsWith('false', index)) {
      this.pos += 5;
      return { type: T_BOOLEAN, index, value: false, err: '' };
    }
    if (s.startsWith('null', index)) {
      this.pos += 4;
      return { type: T_NULL, index, value: JSON_NULL, err: '' };
    }
    if (this.cfg.invalidDec && this.invalidNumber()) return this.numberToken();
    return this.tokErr('invalid token');
  }

  stringToken(): Token {
    const s = this.s;
    const index = this.pos;
    this.pos++;
    let out = '';
    for (;;) {
      const c = s[this.pos];
      if (c === '"') break;
      if (c === undefined || c === '\0') return this.tokErr('unexpected end of string');
      if (c === '\\') {
        const e = s[this.pos + 1];
        let ch: string;
        switch (e) {
          case '"':
          case '\\':
          case '/':
            ch = e;
            break;
          case 'b':
            ch = '\b';
            break;
          case 't':
            ch = '\t';
            break;
          case 'n':
            ch = '\n';
            break;
          case 'f':
            ch = '\f';
            break;
          case 'r':
            ch = '\r';
            break;
          case 'u': {
            const u = this.unicodeEscape();
            if (u === null) return this.tokErr('invalid unicode escape code');
            out += u;
            continue;
          }
          default:
            return this.tokErr('invalid escape code');
        }
        out += ch;
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
    this.pos++;
    return { type: T_STRING, index, value: out, err: '' };
  }

  hex4(p: number): number {
    const h = this.s.slice(p, p + 4);
    return /^[0-9a-fA-F]{4}$/.test(h) ? parseInt(h, 16) : -1;
  }

  unicodeEscape(): string | null {
    const s = this.s;
    let cp = this.hex4(this.pos + 2);
    if (cp < 0) return null;
    let len = 6;
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return null;
      if (s[this.pos + 6] !== '\\' || s[this.pos + 7] !== 'u') return null;
      const lo = this.hex4(this.pos + 8);
      if (lo < 0 || (lo & 0xfc00) !== 0xdc00) return null;
      cp = (((cp & 0x3ff) << 10) | (lo & 0x3ff)) + 0x10000;
      len = 12;
    }
    this.pos += len;
    // UTF-8 bytes as latin1 chars
    if (cp < 0x80) return String.fromCharCode(cp);
    if (cp < 0x800) return String.fromCharCode(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    if (cp < 0x10000)
      return String.fromCharCode(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    return String.fromCharCode(
      0xf0 | (cp >> 18),
      0x80 | ((cp >> 12) & 0x3f),
      0x80 | ((cp >> 6) & 0x3f),
      0x80 | (cp & 0x3f),
    );
  }

  descend(): void {
    this.depth++;
    if (this.depth > this.cfg.decodeDepth)
      throw new LuaError(`Found too many nested data structures (${this.depth}) at character ${this.pos}`);
  }

  value(tok: Token): LuaValue {
    switch (tok.type) {
      case T_STRING:
      case T_NUMBER:
      case T_BOOLEAN:
      case T_NULL:
        return tok.value;
      case T_OBJ_BEGIN:
        return this.object();
      case T_ARR_BEGIN:
        return this.array();
      default:
        this.err('value', tok);
    }
  }

  object(): LuaTable {
    this.descend();
    const t = new LuaTable();
    let tok = this.next();
    if (tok.type === T_OBJ_END) {
      this.depth--;
      return t;
    }
    for (;;) {
      if (tok.type !== T_STRING) this.err('object key string', tok);
      const k = tok.value as string;
      tok = this.next();
      if (tok.type !== T_COLON) this.err('colon', tok);
      tok = this.next();
      t.set(k, this.value(tok));
      tok = this.next();
      if (tok.type === T_OBJ_END) {
        this.depth--;
        return t;
      }
      if (tok.type !== T_COMMA) this.err('comma or object end', tok);
      tok = this.next();
    }
  }

  array(): LuaTable {
    this.descend();
    const arr: LuaValue[] = [];
    let tok = this.next();
    if (tok.type === T_ARR_END) {
      this.depth--;
      return new LuaTable();
    }
    for (;;) {
      arr.push(this.value(tok));
      tok = this.next();
      if (tok.type === T_ARR_END) {
        this.depth--;
        return new LuaTable(arr);
      }
      if (tok.type !== T_COMMA) this.err('comma or array end', tok);
      tok = this.next();
    }
  }
}

export function openCjson(vm: LuaVM): void {
  const cfg: Cfg = {
    sparseConvert: false,
    sparseRatio: 2,
    sparseSafe: 10,
    encodeDepth: 1000,
    decodeDepth: 1000,
    precision: 14,
    invalidEnc: 0,
    invalidDec: true,
    keepBuffer: true,
  };
  const J = new LuaTable();
  const set = (n: string, f: LuaFunction) => J.set(n, f);
  set('encode', (...a: LuaValue[]) => {
    if (a.length !== 1) argError(1, 'encode', 'expected 1 argument');
    return [encode(a[0], cfg, 0)];
  });
  set('decode', (...a: LuaValue[]) => {
    if (a.length !== 1) argError(1, 'decode', 'expected 1 argument');
    const s = checkStr(a, 0, 'decode');
    const d = new Decoder(s, cfg);
    const v = d.value(d.next());
    const end = d.next();
    if (end.type !== T_END) d.err('the end', end);
    return [v];
  });
  const bool = (v: LuaValue) => v !== undefined && v !== false;
  const int = (a: LuaValue[], i: number, name: string, lo: number, hi: number): number | undefined => {
    if (a[i] === undefined) return undefined;
    const n = typeof a[i] === 'number' ? (a[i] as number) : Number(checkStr(a, i, name));
    if (!(n >= lo && n <= hi)) argError(i + 1, name, `expected integer between ${lo} and ${hi}`);
    return Math.trunc(n);
  };
  set('encode_sparse_array', (...a: LuaValue[]) => {
    if (a[0] !== undefined) cfg.sparseConvert = bool(a[0]);
    const r = int(a, 1, 'encode_sparse_array', 0, 2147483647);
    if (r !== undefined) cfg.sparseRatio = r;
    const s = int(a, 2, 'encode_sparse_array', 0, 2147483647);
    if (s !== undefined) cfg.sparseSafe = s;
    return [cfg.sparseConvert, cfg.sparseRatio, cfg.sparseSafe];
  });
  set('encode_max_depth', (...a: LuaValue[]) => {
    const d = int(a, 0, 'encode_max_depth', 1, 2147483647);
    if (d !== undefined) cfg.encodeDepth = d;
    return [cfg.encodeDepth];
  });
  set('decode_max_depth', (...a: LuaValue[]) => {
    const d = int(a, 0, 'decode_max_depth', 1, 2147483647);
    if (d !== undefined) cfg.decodeDepth = d;
    return [cfg.decodeDepth];
  });
  set('encode_number_precision', (...a: LuaValue[]) => {
    const d = int(a, 0, 'encode_number_precision', 1, 14);
    if (d !== undefined) cfg.precision = d;
    return [cfg.precision];
  });
  set('encode_keep_buffer', (...a: LuaValue[]) => {
    if (a[0] !== undefined) cfg.keepBuffer = bool(a[0]);
    return [cfg.keepBuffer];
  });
  set('encode_invalid_numbers', (...a: LuaValue[]) => {
    if (a[0] !== undefined) cfg.invalidEnc = a[0] === 'null' ? 2 : bool(a[0]) ? 1 : 0;
    return [cfg.invalidEnc === 2 ? 'null' : cfg.invalidEnc === 1];
  });
  set('decode_invalid_numbers', (...a: LuaValue[]) => {
    if (a[0] !== undefined) cfg.invalidDec = bool(a[0]);
    return [cfg.invalidDec];
  });
  set('new', () => {
    throw new LuaError('cjson.new is not supported');
  });
  J.set('null', JSON_NULL);
  J.set('_NAME', 'cjson');
  J.set('_VERSION', '2.1.0');
  vm.G.set('cjson', J);
}
