/** LuaBitOp (the `bit` library Redis bundles): 32-bit operations on Lua numbers. */
import { LuaTable, type LuaFunction, type LuaValue } from '../value.js';
import type { LuaVM } from '../vm.js';
import { checkNum } from './util.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** barg: x + 2^52 + 2^51, low 32 bits of the double (LuaBitOp's normalisation). */
function tobit(a: LuaValue[], i: number, fname: string): number {
  f64[0] = checkNum(a, i, fname) + 6755399441055744.0;
  return u32[0] | 0;
}

export function openBit(vm: LuaVM): void {
  const B = new LuaTable();
  const set = (n: string, f: LuaFunction) => B.set(n, f);
  set('tobit', (...a: LuaValue[]) => [tobit(a, 0, 'tobit')]);
  set('bnot', (...a: LuaValue[]) => [~tobit(a, 0, 'bnot')]);
  const fold = (name: string, op: (x: number, y: number) => number) =>
    set(name, (...a: LuaValue[]) => {
      let r = tobit(a, 0, name);
      for (let i = 1; i < a.length; i++) r = op(r, tobit(a, i, name));
      return [r | 0];
    });
  fold('band', (x, y) => x & y);
  fold('bor', (x, y) => x | y);
  fold('bxor', (x, y) => x ^ y);
  const shift = (name: string, op: (x: number, n: number) => number) =>
    set(name, (...a: LuaValue[]) => {
      const x = tobit(a, 0, name);
      const n = tobit(a, 1, name) & 31;
      return [op(x, n) | 0];
    });
  shift('lshift', (x, n) => x << n);
  shift('rshift', (x, n) => x >>> n);
  shift('arshift', (x, n) => x >> n);
  shift('rol', (x, n) => (x << n) | (x >>> (32 - n)));
  shift('ror', (x, n) => (x >>> n) | (x << (32 - n)));
  set('bswap', (...a: LuaValue[]) => {
    const x = tobit(a, 0, 'bswap');
    return [(x >>> 24) | ((x >> 8) & 0xff00) | ((x & 0xff00) << 8) | (x << 24) | 0];
  });
  set('tohex', (...a: LuaValue[]) => {
    let b = tobit(a, 0, 'tohex') >>> 0;
    let n = a[1] === undefined ? 8 : tobit(a, 1, 'tohex');
    let digits = '0123456789abcdef';
    if (n < 0) {
      n = -n;
      digits = '0123456789ABCDEF';
    }
    if (n > 8) n = 8;
    let s = '';
    for (let i = 0; i < n; i++) {
      s = digits[b & 15] + s;
      b >>>= 4;
    }
    return [s];
  });
  vm.G.set('bit', B);
}
