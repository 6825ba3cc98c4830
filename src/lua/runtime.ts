/**
 * The operations compiled Lua code calls: indexing, calls, arithmetic, comparison and
 * concatenation with Lua 5.1's coercions, metamethods and error messages.
 */
import { fbSize } from './table.js';
import {
  LuaError,
  LuaKill,
  rtError,
  LuaTable,
  type LuaFunction,
  type LuaValue,
  type,
  numberToString,
  str2number,
} from './value.js';

export const EMPTY: LuaValue[] = [];

export interface Runtime {
  T: typeof LuaTable;
  E: LuaValue[];
  idx(o: LuaValue, k: LuaValue, d?: string): LuaValue;
  setidx(o: LuaValue, k: LuaValue, v: LuaValue, d?: string): void;
  fc(f: LuaValue, d?: string): LuaFunction;
  add(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  sub(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  mul(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  div(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  mod(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  pow(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  unm(a: LuaValue, d?: string): LuaValue;
  len(a: LuaValue, d?: string): LuaValue;
  cat(a: LuaValue, b: LuaValue, da?: string, db?: string): LuaValue;
  eq(a: LuaValue, b: LuaValue): boolean;
  lt(a: LuaValue, b: LuaValue): boolean;
  le(a: LuaValue, b: LuaValue): boolean;
  mk(items: LuaValue[] | null, kv: LuaValue[], na: number): LuaTable;
  mka(items: LuaValue[], na: number): LuaTable;
  forNum(v: LuaValue, what: string): number;
  next: LuaFunction;
  inext: LuaFunction;
  fix(e: unknown, line: number, chunk: string): unknown;
  /** metatable shared by all strings (set by the string library) */
  stringMeta: LuaTable | null;
  tostring(v: LuaValue): string;
  call(f: LuaValue, ...args: LuaValue[]): LuaValue[];
  mcall(f: LuaValue, ...args: LuaValue[]): LuaValue[];
}

export function typeError(v: LuaValue, d: string | undefined, op: string): never {
  const t = type(v);
  throw rtError(d !== undefined ? `attempt to ${op} ${d} (a ${t} value)` : `attempt to ${op} a ${t} value`);
}

export function makeRuntime(): Runtime {
  const R = {} as Runtime;
  R.T = LuaTable;
  R.E = EMPTY;
  R.stringMeta = null;

  function metaOf(o: LuaValue): LuaTable | null {
    if (o instanceof LuaTable) return o.metatable;
    if (typeof o === 'string') return R.stringMeta;
    return null;
  }
  function metaField(o: LuaValue, ev: string): LuaValue {
    const m = metaOf(o);
    return m === null ? undefined : m.getStr(ev);
  }

  function idx(o: LuaValue, k: LuaValue, d?: string): LuaValue {
    for (let loop = 0; loop < 100; loop++) {
      let h: LuaValue;
      if (o instanceof LuaTable) {
        const v = typeof k === 'string' ? o.getStr(k) : o.get(k);
        if (v !== undefined) return v;
        const mt = o.metatable;
        if (mt === null) return undefined;
        h = mt.getStr('__index');
        if (h === undefined) return undefined;
      } else {
        h = metaField(o, '__index');
        if (h === undefined) typeError(o, d, 'index');
      }
      if (typeof h === 'function') return h(o, k)[0];
      o = h;
      d = undefined;
    }
    throw rtError('loop in gettable');
  }
  R.idx = idx;

  function setidx(o: LuaValue, k: LuaValue, v: LuaValue, d?: string): void {
    for (let loop = 0; loop < 100; loop++) {
      let h: LuaValue;
      if (o instanceof LuaTable) {
        const mt = o.metatable;
        if (mt === null || (h = mt.getStr('__newindex')) === undefined || o.get(k) !== undefined) {
          o.set(k, v);
          return;
        }
      } else {
        h = metaField(o, '__newindex');
        if (h === undefined) typeError(o, d, 'index');
      }
      if (typeof h === 'function') {
        h(o, k, v);
        return;
      }
      o = h;
      d = undefined;
    }
    throw rtError('loop in settable');
  }
  R.setidx = setidx;

  function fc(f: LuaValue, d?: string): LuaFunction {
    if (typeof f === 'function') return f;
    const h = metaField(f, '__call');
    if (typeof h === 'function') return (...args: LuaValue[]) => h(f, ...args);
    typeError(f, d, 'call');
  }
  R.fc = fc;
  R.call = (f, ...args) => fc(f)(...args);
  // o:m(...): a `bad argument` raised by the callee itself counts arguments without self
  R.mcall = (f, ...args) => {
    try {
      return fc(f, args[1] as string)(args[0], ...args.slice(2));
    } catch (e) {
      if (e instanceof LuaError && e.level === 1 && e.argn > 0 && !e.rt) {
        const n = e.argn - 1;
        e.argn = 0;
        e.value =
          n === 0
            ? `calling '${e.fname}' on bad self (${e.argmsg})`
            : `bad argument #${n} to '${e.fname}' (${e.argmsg})`;
      }
      throw e;
    }
  };

  function tonum(v: LuaValue): number | undefined {
    if (typeof v === 'number') return v;
    if (typeof v === 'string') return str2number(v);
    return undefined;
  }

  function arith(
    a: LuaValue,
    b: LuaValue,
    ev: string,
    op: (x: number, y: number) => number,
    da?: string,
    db?: string,
  ): LuaValue {
    const x = tonum(a);
    const y = tonum(b);
    if (x !== undefined && y !== undefined) return op(x, y);
    let h = metaField(a, ev);
    if (h === undefined) h = metaField(b, ev);
    if (h !== undefined) return fc(h)(a, b)[0];
    if (x === undefined) typeError(a, da, 'perform arithmetic on');
    typeError(b, db, 'perform arithmetic on');
  }
  const opAdd = (x: number, y: number) => x + y;
  const opSub = (x: number, y: number) => x - y;
  const opMul = (x: number, y: number) => x * y;
  const opDiv = (x: number, y: number) => x / y;
  const opMod = (x: number, y: number) => x - Math.floor(x / y) * y;
  const opPow = (x: number, y: number) => Math.pow(x, y);
  R.add = (a, b, da, db) =>
    typeof a === 'number' && typeof b === 'number' ? a + b : arith(a, b, '__add', opAdd, da, db);
  R.sub = (a, b, da, db) =>
    typeof a === 'number' && typeof b === 'number' ? a - b : arith(a, b, '__sub', opSub, da, db);
  R.mul = (a, b, da, db) =>
    typeof a === 'number' && typeof b === 'number' ? a * b : arith(a, b, '__mul', opMul, da, db);
  R.div = (a, b, da, db) =>
    typeof a === 'number' && typeof b === 'number' ? a / b : arith(a, b, '__div', opDiv, da, db);
  R.mod = (a, b, da, db) =>
    typeof a === 'number' && typeof b === 'number'
      ? a - Math.floor(a / b) * b
      : arith(a, b, '__mod', opMod, da, db);
  R.pow = (a, b, da, db) => arith(a, b, '__pow', opPow, da, db);
  R.unm = (a, d) => {
    if (typeof a === 'number') return -a;
    const x = tonum(a);
    if (x !== undefined) return -x;
    const h = metaField(a, '__unm');
    if (h !== undefined) return fc(h)(a, a)[0];
    typeError(a, d, 'perform arithmetic on');
  };
  R.len = (a, d) => {
    if (typeof a === 'string') return a.length;
    if (a instanceof LuaTable) return a.length();
    const h = metaField(a, '__len');
    if (h !== undefined) return fc(h)(a)[0];
    typeError(a, d, 'get length of');
  };
  R.cat = (a, b, da, db) => {
    const ta = typeof a;
    const tb = typeof b;
    if ((ta === 'string' || ta === 'number') && (tb === 'string' || tb === 'number'))
      return (
        (ta === 'string' ? (a as string) : numberToString(a as number)) +
        (tb === 'string' ? (b as string) : numberToString(b as number))
      );
    let h = metaField(a, '__concat');
    if (h === undefined) h = metaField(b, '__concat');
    if (h !== undefined) return fc(h)(a, b)[0];
    if (ta === 'string' || ta === 'number') typeError(b, db, 'concatenate');
    typeError(a, da, 'concatenate');
  };

  function compMeta(a: LuaValue, b: LuaValue, ev: string): LuaValue {
    const h1 = metaField(a, ev);
    if (h1 === undefined) return undefined;
    const h2 = metaField(b, ev);
    return h1 === h2 ? h1 : undefined;
  }
  function truthy(v: LuaValue): boolean {
    return v !== undefined && v !== false;
  }
  R.eq = (a, b) => {
    if (a === b) return true;
    if (!(a instanceof LuaTable) || !(b instanceof LuaTable)) return false;
    const h = compMeta(a, b, '__eq');
    return h !== undefined && truthy(fc(h)(a, b)[0]);
  };
  function orderError(a: LuaValue, b: LuaValue): never {
    const t1 = type(a);
    const t2 = type(b);
    throw rtError(t1 === t2 ? `attempt to compare two ${t1} values` : `attempt to compare ${t1} with ${t2}`);
  }
  R.lt = (a, b) => {
    const ta = typeof a;
    if (ta === typeof b) {
      if (ta === 'number' || ta === 'string') return (a as number) < (b as number);
      const h = compMeta(a, b, '__lt');
      if (h !== undefined) return truthy(fc(h)(a, b)[0]);
    }
    orderError(a, b);
  };
  R.le = (a, b) => {
    const ta = typeof a;
    if (ta === typeof b) {
      if (ta === 'number' || ta === 'string') return (a as number) <= (b as number);
      let h = compMeta(a, b, '__le');
      if (h !== undefined) return truthy(fc(h)(a, b)[0]);
      h = compMeta(b, a, '__lt');
      if (h !== undefined) return !truthy(fc(h)(b, a)[0]);
    }
    orderError(a, b);
  };

  // table constructors: OP_NEWTABLE's preallocated sizes, keyed fields, then OP_SETLIST
  R.mk = (items, kv, na) => {
    const arr: LuaValue[] = new Array(fbSize(na)).fill(undefined);
    const t = new LuaTable(arr, fbSize(kv.length / 2));
    for (let i = 0; i < kv.length; i += 2) t.set(kv[i], kv[i + 1]);
    if (items !== null) {
      if (items.length > arr.length) t.resizeArray(items.length);
      for (let i = 0; i < items.length; i++) t.setInt(i + 1, items[i]);
    }
    return t;
  };
  R.mka = (items, na) => {
    const size = fbSize(na);
    while (items.length < size) items.push(undefined);
    return new LuaTable(items);
  };

  R.forNum = (v, what) => {
    if (typeof v === 'number') return v;
    const x = tonum(v);
    if (x === undefined) throw new LuaError(`'for' ${what} must be a number`);
    return x;
  };

  R.fix = (e, line, chunk) => {
    if (e instanceof LuaError) {
      // the innermost Lua frame's line (Redis's error handler reports it)
      if (e.line === 0) e.line = line;
      if (e.level > 0 && --e.level === 0 && (typeof e.value === 'string' || typeof e.value === 'number')) {
        e.value = `${chunk}:${line}: ${typeof e.value === 'number' ? numberToString(e.value) : e.value}`;
        e.message = e.value;
      }
      return e;
    }
    if (e instanceof LuaKill) {
      if (e.line === 0) e.line = line;
      return e;
    }
    const msg = e instanceof RangeError ? 'stack overflow' : e instanceof Error ? e.message : String(e);
    // a JS exception from a host function: surface it as a Lua error
    const le = new LuaError(`${chunk}:${line}: ${msg}`, 0);
    le.line = line;
    return le;
  };

  R.tostring = (v) => {
    const h = metaField(v, '__tostring');
    if (h !== undefined) {
      const r = fc(h)(v)[0];
      if (typeof r !== 'string') {
        if (typeof r === 'number') return numberToString(r);
        throw new LuaError("'__tostring' must return a string");
      }
      return r;
    }
    return rawToStringLocal(v);
  };
  return R;
}

import { rawToString as rawToStringLocal } from './value.js';
