/** Lua 5.1 table library (ltablib.c semantics, incl. its quicksort for table.sort). */
import { LuaError, LuaTable, type LuaFunction, type LuaValue, type, numberToString } from '../value.js';
import type { LuaVM } from '../vm.js';
import { checkInt, checkTable, noPos, optInt, checkStr } from './util.js';

export function openTable(vm: LuaVM): void {
  const R = vm.R;
  const T = new LuaTable();
  const set = (n: string, f: LuaFunction) => T.set(n, noPos(f));
  set('concat', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'concat');
    const sep = a[1] === undefined ? '' : checkStr(a, 1, 'concat');
    const i = optInt(a, 2, 'concat', 1);
    const j = a[3] === undefined ? t.length() : checkInt(a, 3, 'concat');
    let out = '';
    for (let k = i; k <= j; k++) {
      const v = t.getInt(k);
      if (typeof v === 'string') out += v;
      else if (typeof v === 'number') out += numberToString(v);
      else throw new LuaError(`invalid value (${type(v)}) at index ${k} in table for 'concat'`);
      if (k !== j) out += sep;
    }
    return [out];
  });
  set('insert', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'insert');
    let e = t.length() + 1;
    let pos: number;
    if (a.length === 2) pos = e;
    else if (a.length === 3) {
      pos = checkInt(a, 1, 'insert');
      if (pos > e) e = pos;
      for (let i = e; i > pos; i--) t.setInt(i, t.getInt(i - 1));
    } else throw new LuaError("wrong number of arguments to 'insert'");
    t.set(pos, a[a.length - 1]);
    return [];
  });
  set('remove', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'remove');
    const e = t.length();
    let pos = optInt(a, 1, 'remove', e);
    if (!(1 <= pos && pos <= e)) return [];
    const v = t.getInt(pos);
    for (; pos < e; pos++) t.setInt(pos, t.getInt(pos + 1));
    t.setInt(e, undefined);
    return [v];
  });
  set('getn', (...a: LuaValue[]) => [checkTable(a, 0, 'getn').length()]);
  set('setn', () => {
    throw new LuaError("'setn' is obsolete");
  });
  set('maxn', (...a: LuaValue[]) => [checkTable(a, 0, 'maxn').maxn()]);
  set('foreach', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'foreach');
    const f = R.fc(a[1]);
    for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
      const r = f(e[0], e[1])[0];
      if (r !== undefined) return [r];
    }
    return [];
  });
  set('foreachi', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'foreachi');
    const f = R.fc(a[1]);
    const n = t.length();
    for (let i = 1; i <= n; i++) {
      const r = f(i, t.getInt(i))[0];
      if (r !== undefined) return [r];
    }
    return [];
  });
  set('sort', (...a: LuaValue[]) => {
    const t = checkTable(a, 0, 'sort');
    const n = t.length();
    const cmp = a[1];
    if (cmp !== undefined && typeof cmp !== 'function')
      throw new LuaError(`bad argument #2 to 'sort' (function expected, got ${type(cmp)})`);
    const lt: (x: LuaValue, y: LuaValue) => boolean =
      cmp === undefined
        ? R.lt
        : (x, y) => {
            const r = (cmp as LuaFunction)(x, y)[0];
            return r !== undefined && r !== false;
          };
    auxsort(t, 1, n, lt);
    return [];
  });
  vm.G.set('table', T);
}

/** Lua 5.1's auxsort: median-of-three quicksort, recursing into the smaller half. */
function auxsort(t: LuaTable, l: number, u: number, lt: (a: LuaValue, b: LuaValue) => boolean): void {
  const get = (i: number) => t.getInt(i);
  const put = (i: number, v: LuaValue) => t.setInt(i, v);
  while (l < u) {
    let i: number;
    let j: number;
    {
      const al = get(l);
      const au = get(u);
      if (lt(au, al)) {
        put(l, au);
        put(u, al);
      }
    }
    if (u - l === 1) break;
    i = Math.floor((l + u) / 2);
    {
      const ai = get(i);
      const al = get(l);
      if (lt(ai, al)) {
        put(i, al);
        put(l, ai);
      } else {
        const au = get(u);
        if (lt(au, ai)) {
          put(i, au);
          put(u, ai);
        }
      }
    }
    if (u - l === 2) break;
    const P = get(i);
    {
      const au1 = get(u - 1);
      put(i, au1);
      put(u - 1, P);
    }
    i = l;
    j = u - 1;
    for (;;) {
      let ai: LuaValue;
      let aj: LuaValue;
      while (lt((ai = get(++i)), P)) {
        if (i > u) throw new LuaError('invalid order function for sorting');
      }
      while (lt(P, (aj = get(--j)))) {
        if (j < l) throw new LuaError('invalid order function for sorting');
      }
      if (j < i) break;
      put(i, aj);
      put(j, ai);
    }
    {
      const au1 = get(u - 1);
      const ai = get(i);
      put(u - 1, ai);
      put(i, au1);
    }
    if (i - l < u - i) {
      j = l;
      i = i - 1;
      l = i + 2;
    } else {
      j = i + 1;
      i = u;
      u = j - 2;
    }
    auxsort(t, j, i, lt);
  }
}
