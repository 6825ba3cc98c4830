/** Lua 5.1 math library; math.random is Redis's (redisLrand48, rand.c), state per VM. */
import { LuaError, LuaTable, type LuaFunction, type LuaValue } from '../value.js';
import type { LuaVM } from '../vm.js';
import { argError, checkInt, checkNum } from './util.js';

/** lrand48 as Redis's rand.c: 48-bit LCG, initial state 0x1234ABCD330E, output x >> 17. */
export class Rand48 {
  // the 48-bit state as three 16-bit words
  private x0 = 0x330e;
  private x1 = 0xabcd;
  private x2 = 0x1234;

  seed(s: number): void {
    s = s | 0;
    this.x0 = 0x330e;
    this.x1 = s & 0xffff;
    this.x2 = (s >>> 16) & 0xffff;
  }

  next(): number {
    // x = (0x5DEECE66D * x + 0xB) mod 2^48, computed in 16-bit limbs
    const a0 = 0xe66d;
    const a1 = 0xdeec;
    const a2 = 0x5;
    let t = a0 * this.x0 + 0xb;
    const n0 = t & 0xffff;
    t = Math.floor(t / 0x10000) + a0 * this.x1 + a1 * this.x0;
    const n1 = t & 0xffff;
    t = Math.floor(t / 0x10000) + a0 * this.x2 + a1 * this.x1 + a2 * this.x0;
    const n2 = t & 0xffff;
    this.x0 = n0;
    this.x1 = n1;
    this.x2 = n2;
    return n2 * 0x8000 + (n1 >>> 1); // (x2 << 15) + (x1 >> 1)
  }
}

const fdv = new DataView(new ArrayBuffer(8));
/** glibc's libm returns the x86 default NaN (sign bit set, printed "-nan") for invalid
 * operations; V8's Math functions return a positive NaN. */
const NEG_NAN = (() => {
  const d = new DataView(new ArrayBuffer(8));
  d.setUint32(0, 0xfff80000);
  return d.getFloat64(0);
})();

export function openMath(vm: LuaVM, rand: Rand48): void {
  const M = new LuaTable();
  const set = (n: string, f: LuaFunction) => M.set(n, f);
  const f1 = (name: string, fn: (x: number) => number) =>
    set(name, (...a: LuaValue[]) => {
      const x = checkNum(a, 0, name);
      const r = fn(x);
      return [r !== r && x === x ? NEG_NAN : r];
    });
  f1('abs', Math.abs);
  f1('acos', Math.acos);
  f1('asin', Math.asin);
  f1('atan', Math.atan);
  f1('ceil', Math.ceil);
  f1('cos', Math.cos);
  f1('cosh', Math.cosh);
  f1('exp', Math.exp);
  f1('floor', Math.floor);
  f1('log', Math.log);
  f1('log10', Math.log10);
  f1('sin', Math.sin);
  f1('sinh', Math.sinh);
  f1('sqrt', Math.sqrt);
  f1('tan', Math.tan);
  f1('tanh', Math.tanh);
  f1('deg', (x) => x * (180 / Math.PI));
  f1('rad', (x) => x * (Math.PI / 180));
  set('atan2', (...a: LuaValue[]) => [Math.atan2(checkNum(a, 0, 'atan2'), checkNum(a, 1, 'atan2'))]);
  set('pow', (...a: LuaValue[]) => [Math.pow(checkNum(a, 0, 'pow'), checkNum(a, 1, 'pow'))]);
  const fmod = (...a: LuaValue[]) => {
    const x = checkNum(a, 0, 'fmod');
    const y = checkNum(a, 1, 'fmod');
    const r = x % y;
    return [r !== r && x === x && y === y ? NEG_NAN : r];
  };
  set('fmod', fmod);
  set('mod', fmod);
  set('modf', (...a: LuaValue[]) => {
    const x = checkNum(a, 0, 'modf');
    if (!isFinite(x)) return x !== x ? [x, x] : [x, 0];
    const ip = x >= 0 ? Math.floor(x) : Math.ceil(x);
    return [ip, x - ip];
  });
  set('frexp', (...a: LuaValue[]) => {
    let x = checkNum(a, 0, 'frexp');
    if (x === 0 || !isFinite(x)) return [x, 0];
    let adj = 0;
    if (Math.abs(x) < 2.2250738585072014e-308) {
      // subnormal: scale into the normal range first
      x *= 2 ** 64;
      adj = -64;
    }
    fdv.setFloat64(0, x);
    const hi = fdv.getUint32(0);
    const e = ((hi >>> 20) & 0x7ff) - 1022;
    // replace the exponent with 2^-1 (0x3fe): mantissa in [0.5, 1)
    fdv.setUint32(0, (hi & 0x800fffff) | (0x3fe << 20));
    return [fdv.getFloat64(0), e + adj];
  });
  set('ldexp', (...a: LuaValue[]) => {
    let m = checkNum(a, 0, 'ldexp');
    let e = checkInt(a, 1, 'ldexp');
    // scale in steps so intermediate powers of two do not overflow
    while (e > 1000) {
      m *= Math.pow(2, 1000);
      e -= 1000;
    }
    while (e < -1000) {
      m *= Math.pow(2, -1000);
      e += 1000;
    }
    return [m * Math.pow(2, e)];
  });
  set('max', (...a: LuaValue[]) => {
    let m = checkNum(a, 0, 'max');
    for (let i = 1; i < a.length; i++) {
      const x = checkNum(a, i, 'max');
      if (x > m) m = x;
    }
    return [m];
  });
  set('min', (...a: LuaValue[]) => {
    let m = checkNum(a, 0, 'min');
    for (let i = 1; i < a.length; i++) {
      const x = checkNum(a, i, 'min');
      if (x < m) m = x;
    }
    return [m];
  });
  set('random', (...a: LuaValue[]) => {
    const r = (rand.next() % 2147483647) / 2147483647;
    switch (a.length) {
      case 0:
        return [r];
      case 1: {
        const u = checkInt(a, 0, 'random');
        if (!(1 <= u)) argError(1, 'random', 'interval is empty');
        return [Math.floor(r * u) + 1];
      }
      case 2: {
        const l = checkInt(a, 0, 'random');
        const u = checkInt(a, 1, 'random');
        if (!(l <= u)) argError(2, 'random', 'interval is empty');
        return [Math.floor(r * (u - l + 1)) + l];
      }
      default:
        throw new LuaError('wrong number of arguments');
    }
  });
  set('randomseed', (...a: LuaValue[]) => {
    rand.seed(checkInt(a, 0, 'randomseed'));
    return [];
  });
  M.set('pi', Math.PI);
  M.set('huge', Infinity);
  vm.G.set('math', M);
}
