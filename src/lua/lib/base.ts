/** Lua 5.1 base library (as Redis exposes it: no print/dofile/loadfile/require/setfenv). */
import {
  LuaError,
  LuaKill,
  LuaTable,
  rtError,
  type LuaFunction,
  type LuaValue,
  type,
  str2number,
} from '../value.js';
import type { LuaVM } from '../vm.js';
import { argError, checkAny, checkInt, checkStr, checkTable, noPos, optInt, tagError } from './util.js';

/** luaO_chunkid: how a chunk name appears in messages. */
export function chunkId(source: string): string {
  const IDSIZE = 60;
  if (source.startsWith('=')) return source.slice(1, IDSIZE);
  if (source.startsWith('@')) {
    const s = source.slice(1);
    const max = IDSIZE - 1;
    return s.length <= max ? s : '...' + s.slice(s.length - (max - 3));
  }
  const nl = source.search(/[\r\n]/);
  let len = IDSIZE - '[string "..."]'.length - 1;
  let s = source;
  let dots = false;
  if (nl >= 0) {
    s = s.slice(0, nl);
    dots = true;
  }
  if (s.length > len) {
    s = s.slice(0, len);
    dots = true;
  }
  len = 0;
  return `[string "${s}${dots ? '...' : ''}"]`;
}

export function openBase(vm: LuaVM): void {
  const R = vm.R;
  const G = vm.G;
  const set = (name: string, f: LuaFunction) => G.set(name, f);
  const truthy = (v: LuaValue) => v !== undefined && v !== false;

  set('assert', (...a: LuaValue[]) => {
    if (!truthy(a[0])) {
      if (a.length === 0) argError(1, 'assert', 'value expected');
      const msg = a[1] === undefined ? 'assertion failed!' : checkStr(a, 1, 'assert');
      throw new LuaError(msg, 1);
    }
    return a;
  });
  set('error', (...a: LuaValue[]) => {
    const level = optInt(a, 1, 'error', 1);
    const v = a[0];
    throw new LuaError(v, (typeof v === 'string' || typeof v === 'number') && level > 0 ? level : 0);
  });
  set('getmetatable', (...a: LuaValue[]) => {
    checkAny(a, 0, 'getmetatable');
    const o = a[0];
    const mt = o instanceof LuaTable ? o.metatable : typeof o === 'string' ? R.stringMeta : null;
    if (mt === null) return [undefined];
    const p = mt.getStr('__metatable');
    return [p !== undefined ? p : mt];
  });
  set(
    'setmetatable',
    noPos((...a: LuaValue[]) => {
      const t = a[0];
      if (!(t instanceof LuaTable)) tagError(a, 0, 'setmetatable', 'table');
      const mt = a[1];
      if (mt !== undefined && !(mt instanceof LuaTable)) argError(2, 'setmetatable', 'nil or table expected');
      if (t.readonly) throw rtError('Attempt to modify a readonly table');
      if (t.metatable !== null && t.metatable.getStr('__metatable') !== undefined)
        throw new LuaError('cannot change a protected metatable');
      t.metatable = mt ?? null;
      return [t];
    }),
  );
  const next: LuaFunction = noPos((...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'next');
    const r = t.next(a[1]);
    return r === undefined ? [undefined] : [r[0], r[1]];
  });
  R.next = next;
  set('next', next);
  set('pairs', (...a: LuaValue[]) => [next, checkTable(a, 0, 'pairs'), undefined]);
  const inext: LuaFunction = (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'ipairs');
    const i = checkInt(a, 1, 'ipairs') + 1;
    const v = t.getInt(i);
    return v === undefined ? [undefined] : [i, v];
  };
  R.inext = inext;
  set('ipairs', (...a: LuaValue[]) => [inext, checkTable(a, 0, 'ipairs'), 0]);
  set('pcall', (...a: LuaValue[]) => {
    checkAny(a, 0, 'pcall');
    try {
      const r = R.fc(a[0])(...a.slice(1));
      return [true, ...r];
    } catch (e) {
      return [false, errorValue(e)];
    }
  });
  set('xpcall', (...a: LuaValue[]) => {
    checkAny(a, 1, 'xpcall');
    try {
      const r = R.fc(a[0])();
      return [true, ...r];
    } catch (e) {
      const v = errorValue(e);
      try {
        return [false, ...R.fc(a[1])(v)];
      } catch (e2) {
        errorValue(e2); // kills propagate
        return [false, 'error in error handling'];
      }
    }
  });
  set('rawequal', (...a: LuaValue[]) => {
    checkAny(a, 0, 'rawequal');
    checkAny(a, 1, 'rawequal');
    return [a[0] === a[1]];
  });
  set('rawget', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'rawget');
    checkAny(a, 1, 'rawget');
    return [t.get(a[1])];
  });
  set(
    'rawset',
    noPos((...a: LuaValue[]) => {
      const t = checkTable(a, 0, 'rawset');
      checkAny(a, 1, 'rawset');
      checkAny(a, 2, 'rawset');
      t.set(a[1], a[2]);
      return [t];
    }),
  );
  set('select', (...a: LuaValue[]) => {
    const n = a.length;
    if (typeof a[0] === 'string' && a[0][0] === '#') return [n - 1];
    let i = checkInt(a, 0, 'select');
    if (i < 0) i = n + i;
    else if (i > n) i = n;
    if (i < 1) argError(1, 'select', 'index out of range');
    return a.slice(i);
  });
  set('tonumber', (...a: LuaValue[]) => {
    const base = optInt(a, 1, 'tonumber', 10);
    if (base === 10) {
      checkAny(a, 0, 'tonumber');
      const v = a[0];
      if (typeof v === 'number') return [v];
      if (typeof v === 'string') return [str2number(v)];
      return [undefined];
    }
    const s = checkStr(a, 0, 'tonumber');
    if (base < 2 || base > 36) argError(2, 'tonumber', 'base out of range');
    return [strtoul(s, base)];
  });
  set('tostring', (...a: LuaValue[]) => {
    checkAny(a, 0, 'tostring');
    const v = a[0];
    // Lua 5.1 returns whatever __tostring returns, unchecked
    const mt = v instanceof LuaTable ? v.metatable : null;
    const h = mt === null ? undefined : mt.getStr('__tostring');
    if (h !== undefined) return [R.fc(h)(v)[0]];
    return [R.tostring(v)];
  });
  set('type', (...a: LuaValue[]) => {
    checkAny(a, 0, 'type');
    return [type(a[0])];
  });
  set('unpack', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'unpack');
    const i = optInt(a, 1, 'unpack', 1);
    const j = a[2] === undefined ? t.length() : checkInt(a, 2, 'unpack');
    if (i > j) return [];
    const n = j - i + 1;
    if (n <= 0 || n >= 8000) throw new LuaError('too many results to unpack');
    const out: LuaValue[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = t.getInt(i + k);
    return out;
  });
  set('gcinfo', () => [Math.floor(process.memoryUsage().heapUsed / 1024)]);
  set('collectgarbage', (...a: LuaValue[]) => {
    const opt = a[0] === undefined ? 'collect' : checkStr(a, 0, 'collectgarbage');
    const opts = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
    if (!opts.includes(opt)) argError(1, 'collectgarbage', `invalid option '${opt}'`);
    if (opt === 'count') return [process.memoryUsage().heapUsed / 1024];
    if (opt === 'step') return [false];
    return [0];
  });
  const loadChunk = (src: string, name: string): LuaValue[] => {
    if (src.startsWith('\x1bLua')) return [undefined, 'binary chunks are not allowed'];
    try {
      return [vm.load(src, name)];
    } catch (e) {
      if (e instanceof LuaError) return [undefined, e.value];
      throw e;
    }
  };
  set('loadstring', (...a: LuaValue[]) => {
    const s = checkStr(a, 0, 'loadstring');
    const name = a[1] === undefined ? s : checkStr(a, 1, 'loadstring');
    return loadChunk(s, chunkId(name));
  });
  set('load', (...a: LuaValue[]) => {
    const f = a[0];
    if (typeof f !== 'function') tagError(a, 0, 'load', 'function');
    const name = a[1] === undefined ? '=(load)' : checkStr(a, 1, 'load');
    let src = '';
    for (;;) {
      const piece = R.fc(f)()[0];
      if (piece === undefined || piece === '') break;
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string'];
      src += piece;
    }
    return loadChunk(src, chunkId(name));
  });
  G.set('_G', G);
  G.set('_VERSION', 'Lua 5.1');
  const co = new LuaTable();
  for (const n of ['create', 'resume', 'running', 'status', 'wrap', 'yield'])
    co.set(n, () => {
      throw new LuaError('coroutines are not supported by this Lua engine');
    });
  G.set('coroutine', co);
}

/** The Lua value of a caught error (pcall's second result); kills propagate. */
export function errorValue(e: unknown): LuaValue {
  if (e instanceof LuaKill) throw e;
  if (e instanceof LuaError) {
    // a host function called directly by pcall has no name (luaL_argerror's '?')
    if (e.level === 1 && e.argn > 0 && !e.rt) return `bad argument #${e.argn} to '?' (${e.argmsg})`;
    return e.value;
  }
  if (e instanceof RangeError) return 'stack overflow';
  throw e;
}

function strtoul(s: string, base: number): number | undefined {
  const m = /^[ \t\n\v\f\r]*([+-]?)(.*?)[ \t\n\v\f\r]*$/s.exec(s);
  if (!m) return undefined;
  let body = m[2];
  if (base === 16 && /^0[xX]/.test(body)) body = body.slice(2);
  if (body.length === 0) return undefined;
  let v = 0n;
  const B = BigInt(base);
  for (const ch of body.toLowerCase()) {
    const c = ch.charCodeAt(0);
    const d = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : 99;
    if (d >= base) return undefined;
    v = v * B + BigInt(d);
  }
  const MAX = (1n << 64n) - 1n;
  if (v > MAX) v = MAX;
  else if (m[1] === '-') v = ((1n << 64n) - v) & MAX;
  return Number(v);
}
