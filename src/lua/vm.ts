/**
 * LuaVM: one Lua 5.1 state — globals, runtime helpers, instruction hook — and the API the
 * host uses: load (compile) chunks, call functions, set globals, install a hook.
 */
import { compileChunk } from './compiler.js';
import { Rand48 } from './lib/lmath.js';
import { parse } from './parser.js';
import { makeRuntime, type Runtime } from './runtime.js';
import { LuaError, LuaTable, type LuaFunction, type LuaValue } from './value.js';

export interface HookState {
  /** checks since the last hook call */
  c: number;
  /** hook period (Infinity: no hook) */
  n: number;
  h: () => void;
}

type Factory = (R: Runtime, G: LuaTable, H: HookState, CH: string) => LuaFunction;

export class LuaVM {
  readonly R: Runtime;
  readonly G = new LuaTable();
  readonly H: HookState;
  /** the string library table once opened (string metatable's __index) */
  stringLib: LuaTable | null = null;
  /** math.random's generator (Redis keeps one per process, never reseeded per script) */
  readonly rand = new Rand48();

  constructor() {
    this.R = makeRuntime();
    const H: HookState = { c: 0, n: Infinity, h: () => {} };
    this.H = H;
  }

  /** Calls `fn` after every `everyN` function entries / loop iterations (null removes). */
  setHook(everyN: number, fn: (() => void) | null): void {
    const H = this.H;
    H.c = 0;
    if (fn === null) {
      H.n = Infinity;
      H.h = () => {};
      return;
    }
    H.n = everyN;
    H.h = () => {
      H.c = 0;
      fn();
    };
  }

  setGlobal(name: string, v: LuaValue): void {
    this.G.set(name, v);
  }

  getGlobal(name: string): LuaValue {
    return this.G.get(name);
  }

  createTable(arr?: LuaValue[]): LuaTable {
    return new LuaTable(arr);
  }

  /** JS source of a compiled chunk (for debugging). */
  compileToJS(source: string, chunkname = 'chunk'): string {
    return compileChunk(parse(source, chunkname));
  }

  /** Compiles a chunk; syntax errors throw a LuaError `chunk:line: msg near 'tok'`. */
  load(source: string, chunkname = 'chunk'): LuaFunction {
    const js = compileChunk(parse(source, chunkname));
    const factory = new Function('R', 'G', 'H', 'CH', js) as Factory;
    return factory(this.R, this.G, this.H, chunkname);
  }

  /** Calls a Lua value (function or __call) and returns all its results. */
  call(fn: LuaValue, args: LuaValue[] = []): LuaValue[] {
    return this.R.fc(fn)(...args);
  }

  /** Wraps a host function taking its arguments as an array. */
  static host(fn: (args: LuaValue[]) => LuaValue[]): LuaFunction {
    return (...args: LuaValue[]) => fn(args);
  }

  tostring(v: LuaValue): string {
    return this.R.tostring(v);
  }
}

export { LuaError };
