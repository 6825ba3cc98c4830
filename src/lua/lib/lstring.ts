/** Lua 5.1 string library with Lua patterns (lstrlib.c semantics), incl. string.format. */
import { LuaError, LuaTable, type LuaFunction, type LuaValue, type, numberToString } from '../value.js';
import type { LuaVM } from '../vm.js';
import { fmtFloat, fmtInt, fmtStr, toLongLong, type Spec } from './printf.js';
import { argError, checkInt, checkNum, checkStr, optInt, tagError } from './util.js';

const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;
const MAXCAPTURES = 32;
const SPECIALS = /[\^$*+?.([%-]/;

function posrelat(pos: number, len: number): number {
  if (pos < 0) pos += len + 1;
  return pos >= 0 ? pos : 0;
}

function isClass(c: number, cl: string): boolean | undefined {
  let r: boolean;
  switch (cl.toLowerCase()) {
    case 'a':
      r = (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
      break;
    case 'c':
      r = c < 32 || c === 127;
      break;
    case 'd':
      r = c >= 48 && c <= 57;
      break;
    case 'l':
      r = c >= 97 && c <= 122;
      break;
    case 'p':
      r = (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
      break;
    case 's':
      r = c === 32 || (c >= 9 && c <= 13);
      break;
    case 'u':
      r = c >= 65 && c <= 90;
      break;
    case 'w':
      r = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
      break;
    case 'x':
      r = (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
      break;
    case 'z':
      r = c === 0;
      break;
    default:
      return undefined;
  }
  const u = cl.charCodeAt(0);
  return u >= 65 && u <= 90 ? !r : r;
}

function matchClass(c: number, cl: string): boolean {
  const r = isClass(c, cl);
  return r === undefined ? cl.charCodeAt(0) === c : r;
}

class MatchState {
  level = 0;
  capInit: number[] = [];
  capLen: number[] = [];
  constructor(
    readonly s: string,
    readonly p: string,
  ) {}

  classEnd(p: number): number {
    const P = this.p;
    const c = P[p++];
    if (c === '%') {
      if (p >= P.length) throw new LuaError("malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === '[') {
      if (P[p] === '^') p++;
      do {
        if (p >= P.length) throw new LuaError("malformed pattern (missing ']')");
        const cc = P[p++];
        if (cc === '%' && p < P.length) p++;
      } while (P[p] !== ']');
      return p + 1;
    }
    return p;
  }

  bracket(c: number, p: number, ec: number): boolean {
    const P = this.p;
    let sig = true;
    if (P[p + 1] === '^') {
      sig = false;
      p++;
    }
    while (++p < ec) {
      if (P[p] === '%') {
        p++;
        if (matchClass(c, P[p])) return sig;
      } else if (P[p + 1] === '-' && p + 2 < ec) {
        p += 2;
        if (P.charCodeAt(p - 2) <= c && c <= P.charCodeAt(p)) return sig;
      } else if (P.charCodeAt(p) === c) return sig;
    }
    return !sig;
  }

  single(s: number, p: number, ep: number): boolean {
    if (s >= this.s.length) return false;
    const c = this.s.charCodeAt(s);
    switch (this.p[p]) {
      case '.':
        return true;
      case '%':
        return matchClass(c, this.p[p + 1]);
      case '[':
        return this.bracket(c, p, ep - 1);
      default:
        return this.p.charCodeAt(p) === c;
    }
  }

  match(s: number, p: number): number {
    const P = this.p;
    const S = this.s;
    for (;;) {
      if (p >= P.length) return s;
      const pc = P[p];
      if (pc === '(') {
        if (P[p + 1] === ')') return this.startCapture(s, p + 2, CAP_POSITION);
        return this.startCapture(s, p + 1, CAP_UNFINISHED);
      }
      if (pc === ')') return this.endCapture(s, p + 1);
      if (pc === '%') {
        const n = P[p + 1];
        if (n === 'b') {
          s = this.matchBalance(s, p + 2);
          if (s === -1) return -1;
          p += 4;
          continue;
        }
        if (n === 'f') {
          p += 2;
          if (P[p] !== '[') throw new LuaError("missing '[' after '%f' in pattern");
          const ep = this.classEnd(p);
          const prev = s === 0 ? 0 : S.charCodeAt(s - 1);
          const cur = s < S.length ? S.charCodeAt(s) : 0;
          if (!this.bracket(prev, p, ep - 1) && this.bracket(cur, p, ep - 1)) {
            p = ep;
            continue;
          }
          return -1;
        }
        if (n !== undefined && n >= '0' && n <= '9') {
          s = this.matchCapture(s, n.charCodeAt(0));
          if (s === -1) return -1;
          p += 2;
          continue;
        }
      } else if (pc === '$' && p + 1 === P.length) {
        return s === S.length ? s : -1;
      }
      const ep = this.classEnd(p);
      const m = this.single(s, p, ep);
      switch (P[ep]) {
        case '?': {
          if (m) {
            const r = this.match(s + 1, ep + 1);
            if (r !== -1) return r;
          }
          p = ep + 1;
          continue;
        }
        case '*':
          return this.maxExpand(s, p, ep);
        case '+':
          return m ? this.maxExpand(s + 1, p, ep) : -1;
        case '-':
          return this.minExpand(s, p, ep);
        default:
          if (!m) return -1;
          s++;
          p = ep;
      }
    }
  }

  maxExpand(s: number, p: number, ep: number): number {
    let i = 0;
    while (this.single(s + i, p, ep)) i++;
    while (i >= 0) {
      const r = this.match(s + i, ep + 1);
      if (r !== -1) return r;
      i--;
    }
    return -1;
  }

  minExpand(s: number, p: number, ep: number): number {
    for (;;) {
      const r = this.match(s, ep + 1);
      if (r !== -1) return r;
      if (this.single(s, p, ep)) s++;
      else return -1;
    }
  }

  startCapture(s: number, p: number, what: number): number {
    if (this.level >= MAXCAPTURES) throw new LuaError('too many captures');
    this.capInit[this.level] = s;
    this.capLen[this.level] = what;
    this.level++;
    const r = this.match(s, p);
    if (r === -1) this.level--;
    return r;
  }

  endCapture(s: number, p: number): number {
    let l = -1;
    for (let i = this.level - 1; i >= 0; i--)
      if (this.capLen[i] === CAP_UNFINISHED) {
        l = i;
        break;
      }
    if (l < 0) throw new LuaError('invalid pattern capture');
    this.capLen[l] = s - this.capInit[l];
    const r = this.match(s, p);
    if (r === -1) this.capLen[l] = CAP_UNFINISHED;
    return r;
  }

  matchBalance(s: number, p: number): number {
    const P = this.p;
    if (p + 1 >= P.length) throw new LuaError('unbalanced pattern');
    const S = this.s;
    if (s >= S.length || S[s] !== P[p]) return -1;
    const b = P[p];
    const e = P[p + 1];
    let cont = 1;
    while (++s < S.length) {
      const c = S[s];
      if (c === e) {
        if (--cont === 0) return s + 1;
      } else if (c === b) cont++;
    }
    return -1;
  }

  matchCapture(s: number, ch: number): number {
    const l = ch - 49;
    if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED)
      throw new LuaError('invalid capture index');
    const len = this.capLen[l];
    const S = this.s;
    if (S.length - s >= len && S.substr(this.capInit[l], len) === S.substr(s, len)) return s + len;
    return -1;
  }

  capture(i: number, s: number, e: number): LuaValue {
    if (i >= this.level) {
      if (i === 0) return this.s.slice(s, e);
      throw new LuaError('invalid capture index');
    }
    const l = this.capLen[i];
    if (l === CAP_UNFINISHED) throw new LuaError('unfinished capture');
    if (l === CAP_POSITION) return this.capInit[i] + 1;
    return this.s.substr(this.capInit[i], l);
  }

  captures(s: number, e: number, wholeIfNone: boolean): LuaValue[] {
    const n = this.level === 0 && wholeIfNone ? 1 : this.level;
    const out: LuaValue[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = this.capture(i, s, e);
    return out;
  }
}

/** Lua 5.1 patterns are C strings: they end at the first NUL. */
function cpat(p: string): string {
  const z = p.indexOf('\0');
  return z < 0 ? p : p.slice(0, z);
}

function findAux(a: LuaValue[], find: boolean): LuaValue[] {
  const fname = find ? 'find' : 'match';
  const s = checkStr(a, 0, fname);
  const p = checkStr(a, 1, fname);
  let init = posrelat(optInt(a, 2, fname, 1), s.length) - 1;
  if (init < 0) init = 0;
  else if (init > s.length) init = s.length;
  if (find && ((a[3] !== undefined && a[3] !== false) || !SPECIALS.test(cpat(p)))) {
    const i = s.indexOf(p, init);
    return i < 0 ? [undefined] : [i + 1, i + p.length];
  }
  const pat = cpat(p);
  const ms = new MatchState(s, pat);
  const anchor = pat[0] === '^';
  const p0 = anchor ? 1 : 0;
  let s1 = init;
  do {
    ms.level = 0;
    const e = ms.match(s1, p0);
    if (e !== -1) {
      if (find) return [s1 + 1, e, ...ms.captures(-1, 0, false)];
      return ms.captures(s1, e, true);
    }
  } while (s1++ < s.length && !anchor);
  return [undefined];
}

function gsub(R: LuaVM['R'], a: LuaValue[]): LuaValue[] {
  const src = checkStr(a, 0, 'gsub');
  const p = cpat(checkStr(a, 1, 'gsub'));
  const repl = a[2];
  const tr = typeof repl;
  if (!(tr === 'number' || tr === 'string' || tr === 'function' || repl instanceof LuaTable))
    argError(3, 'gsub', 'string/function/table expected');
  const maxN = optInt(a, 3, 'gsub', src.length + 1);
  const anchor = p[0] === '^';
  const p0 = anchor ? 1 : 0;
  const ms = new MatchState(src, p);
  const rs = tr === 'number' ? numberToString(repl as number) : tr === 'string' ? (repl as string) : '';
  let out = '';
  let s = 0;
  let n = 0;
  while (n < maxN) {
    ms.level = 0;
    const e = ms.match(s, p0);
    if (e !== -1) {
      n++;
      // add_value
      if (tr === 'string' || tr === 'number') {
        for (let i = 0; i < rs.length; i++) {
          const c = rs[i];
          if (c !== '%') out += c;
          else {
            i++;
            const d = rs[i];
            if (d === undefined) out += '\0';
            else if (d < '0' || d > '9') out += d;
            else if (d === '0') out += src.slice(s, e);
            else {
              const v = ms.capture(d.charCodeAt(0) - 49, s, e);
              out += typeof v === 'number' ? numberToString(v) : v;
            }
          }
        }
      } else {
        let v: LuaValue;
        if (tr === 'function') v = (repl as LuaFunction)(...ms.captures(s, e, true))[0];
        else v = R.idx(repl, ms.capture(0, s, e));
        if (v === undefined || v === false) out += src.slice(s, e);
        else if (typeof v === 'string') out += v;
        else if (typeof v === 'number') out += numberToString(v);
        else throw new LuaError(`invalid replacement value (a ${type(v)})`);
      }
    }
    if (e !== -1 && e > s) s = e;
    else if (s < src.length) out += src[s++];
    else break;
    if (anchor) break;
  }
  out += src.slice(s);
  return [out, n];
}

function addQuoted(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"' || c === '\\' || c === '\n') out += '\\' + c;
    else if (c === '\r') out += '\\r';
    else if (c === '\0') out += '\\000';
    else out += c;
  }
  return out + '"';
}

const SPEC: Spec = { minus: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: -1 };

function format(R: LuaVM['R'], a: LuaValue[]): LuaValue[] {
  const f = checkStr(a, 0, 'format');
  let arg = 0;
  let out = '';
  let i = 0;
  while (i < f.length) {
    const c = f[i++];
    if (c !== '%') {
      out += c;
      continue;
    }
    if (f[i] === '%') {
      out += '%';
      i++;
      continue;
    }
    arg++;
    if (arg >= a.length) argError(arg + 1, 'format', 'no value');
    const spec: Spec = SPEC;
    spec.minus = spec.plus = spec.space = spec.alt = spec.zero = false;
    spec.width = 0;
    spec.prec = -1;
    const st = i;
    while (i < f.length && '-+ #0'.includes(f[i])) {
      switch (f[i]) {
        case '-':
          spec.minus = true;
          break;
        case '+':
          spec.plus = true;
          break;
        case ' ':
          spec.space = true;
          break;
        case '#':
          spec.alt = true;
          break;
        case '0':
          spec.zero = true;
          break;
      }
      i++;
    }
    if (i - st > 5) throw new LuaError('invalid format (repeated flags)');
    let w = '';
    while (f[i] >= '0' && f[i] <= '9') w += f[i++];
    let pr = '';
    let hasPrec = false;
    if (f[i] === '.') {
      hasPrec = true;
      i++;
      while (f[i] >= '0' && f[i] <= '9') pr += f[i++];
    }
    if (w.length > 2 || pr.length > 2) throw new LuaError('invalid format (width or precision too long)');
    spec.width = w ? Number(w) : 0;
    spec.prec = hasPrec ? (pr ? Number(pr) : 0) : -1;
    const conv = f[i++];
    switch (conv) {
      case 'c': {
        const n = checkNum(a, arg, 'format');
        out += fmtStr(String.fromCharCode(Number(BigInt.asUintN(8, toLongLong(n)))), { ...spec, prec: -1 });
        break;
      }
      case 'd':
      case 'i':
      case 'o':
      case 'u':
      case 'x':
      case 'X':
        out += fmtInt(checkNum(a, arg, 'format'), conv, spec);
        break;
      case 'e':
      case 'E':
      case 'f':
      case 'g':
      case 'G':
        out += fmtFloat(checkNum(a, arg, 'format'), conv, spec);
        break;
      case 'q':
        out += addQuoted(checkStr(a, arg, 'format'));
        break;
      case 's': {
        const s = checkStr(a, arg, 'format');
        if (!hasPrec && s.length >= 100) out += s;
        else out += fmtStr(s, spec);
        break;
      }
      default:
        throw new LuaError(`invalid option '%${conv ?? ''}' to 'format'`);
    }
  }
  void R;
  return [out];
}

export function openString(vm: LuaVM): void {
  const R = vm.R;
  const S = new LuaTable();
  const set = (n: string, f: LuaFunction) => S.set(n, f);
  set('len', (...a: LuaValue[]) => [checkStr(a, 0, 'len').length]);
  set('sub', (...a: LuaValue[]) => {
    const s = checkStr(a, 0, 'sub');
    const l = s.length;
    let i = posrelat(checkInt(a, 1, 'sub'), l);
    let j = posrelat(optInt(a, 2, 'sub', -1), l);
    if (i < 1) i = 1;
    if (j > l) j = l;
    return [i <= j ? s.slice(i - 1, j) : ''];
  });
  set('upper', (...a: LuaValue[]) => [checkStr(a, 0, 'upper').replace(/[a-z]+/g, (m) => m.toUpperCase())]);
  set('lower', (...a: LuaValue[]) => [checkStr(a, 0, 'lower').replace(/[A-Z]+/g, (m) => m.toLowerCase())]);
  set('rep', (...a: LuaValue[]) => {
    const s = checkStr(a, 0, 'rep');
    const n = checkInt(a, 1, 'rep');
    if (n <= 0 || s.length === 0) return [''];
    if (s.length * n > 512 * 1024 * 1024) throw new LuaError('not enough memory');
    return [s.repeat(n)];
  });
  set('reverse', (...a: LuaValue[]) => {
    const s = checkStr(a, 0, 'reverse');
    let r = '';
    for (let i = s.length - 1; i >= 0; i--) r += s[i];
    return [r];
  });
  set('byte', (...a: LuaValue[]) => {
    const s = checkStr(a, 0, 'byte');
    const l = s.length;
    const i = posrelat(optInt(a, 1, 'byte', 1), l);
    let j = posrelat(optInt(a, 2, 'byte', i), l);
    const st = i <= 0 ? 1 : i;
    if (j > l) j = l;
    if (st > j) return [];
    const n = j - st + 1;
    if (n >= 8000) throw new LuaError('string slice too long');
    const out: LuaValue[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = s.charCodeAt(st - 1 + k);
    return out;
  });
  set('char', (...a: LuaValue[]) => {
    let r = '';
    for (let i = 0; i < a.length; i++) {
      const c = checkInt(a, i, 'char');
      if (c < 0 || c > 255) argError(i + 1, 'char', 'invalid value');
      r += String.fromCharCode(c);
    }
    return [r];
  });
  set('format', (...a: LuaValue[]) => format(R, a));
  set('find', (...a: LuaValue[]) => findAux(a, true));
  set('match', (...a: LuaValue[]) => findAux(a, false));
  const gmatch = (...a: LuaValue[]): LuaValue[] => {
    const s = checkStr(a, 0, 'gmatch');
    const p = cpat(checkStr(a, 1, 'gmatch'));
    const ms = new MatchState(s, p);
    let pos = 0;
    const it: LuaFunction = () => {
      for (let src = pos; src <= s.length; src++) {
        ms.level = 0;
        const e = ms.match(src, 0);
        if (e !== -1) {
          pos = e === src ? e + 1 : e;
          return ms.captures(src, e, true);
        }
      }
      return [undefined];
    };
    return [it];
  };
  set('gmatch', gmatch);
  set('gfind', gmatch);
  set('gsub', (...a: LuaValue[]) => gsub(R, a));
  vm.G.set('string', S);
  vm.stringLib = S;
  const meta = new LuaTable();
  meta.set('__index', S);
  R.stringMeta = meta;
  void tagError;
}
