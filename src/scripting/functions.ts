/**
 * Redis 7.0 Functions (functions.c + function_lua.c): the library registry, FUNCTION LOAD's
 * metadata and `redis.register_function`, and the payload format shared by FUNCTION DUMP /
 * RESTORE and the RDB function section.
 *
 * Libraries run in the EVAL engine's Lua VM (one runtime, one instruction hook, one running
 * script for SCRIPT/FUNCTION KILL), but behind their own globals table, as Redis gives
 * functions their own Lua state: while a library loads, that table resolves to the load API
 * only (`redis.register_function`, `redis.log`, the version fields); when a function runs, to
 * the EVAL globals (the whole `redis` API, string, math, cjson, ...) minus KEYS and ARGV.
 */
import { compileChunk } from '../lua/compiler.js';
import { parse } from '../lua/parser.js';
import { LuaError, LuaTable, type LuaFunction, type LuaValue } from '../lua/index.js';
import { splitArgs } from '../protocol/parser.js';
import type { Server } from '../server/server.js';
import { errorTable, scriptEngine } from './engine.js';
import { Crc64 } from '../persistence/crc64.js';
import { readFunctionCode, setFunctionsHooks } from '../persistence/functions-hook.js';
import {
  RdbError,
  RdbOut,
  RdbParser,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RDB_VERSION,
} from '../persistence/rdb.js';

export const SF_NO_WRITES = 1;
export const SF_ALLOW_OOM = 2;
export const SF_ALLOW_STALE = 4;
export const SF_NO_CLUSTER = 8;
export const SF_ALLOW_CROSS_SLOT = 16;

/** Script flags in Redis's order (scripts_flags_def): FUNCTION LIST lists them this way. */
export const SCRIPT_FLAGS: readonly [number, string][] = [
  [SF_NO_WRITES, 'no-writes'],
  [SF_ALLOW_OOM, 'allow-oom'],
  [SF_ALLOW_STALE, 'allow-stale'],
  [SF_NO_CLUSTER, 'no-cluster'],
  [SF_ALLOW_CROSS_SLOT, 'allow-cross-slot-keys'],
];

/** FUNCTION LOAD's time budget for running the library body (LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;

const NAME_ERR =
  'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export interface FunctionInfo {
  name: string;
  desc: string | null;
  flags: number;
  fn: LuaFunction;
  lib: LibraryInfo;
}

export interface LibraryInfo {
  name: string;
  engine: string;
  /** The whole code as given, shebang line included (LIST WITHCODE, DUMP, RDB). */
  code: string;
  /** In registration order (Redis's dict order is random anyway). */
  functions: Map<string, FunctionInfo>;
}

/** A set of libraries and the function namespace they fill (functionsLibCtx). */
export class LibCtx {
  readonly libraries = new Map<string, LibraryInfo>();
  /** Function names are case-insensitive across libraries: keyed by lowercased name. */
  readonly functions = new Map<string, FunctionInfo>();
  nFunctions = 0;

  link(li: LibraryInfo): void {
    for (const f of li.functions.values()) {
      const k = f.name.toLowerCase();
      if (!this.functions.has(k)) this.functions.set(k, f);
    }
    this.libraries.set(li.name, li);
    this.nFunctions += li.functions.size;
  }

  unlink(li: LibraryInfo): void {
    for (const f of li.functions.values()) {
      const k = f.name.toLowerCase();
      if (this.functions.get(k) === f) this.functions.delete(k);
    }
    this.libraries.delete(li.name);
    this.nFunctions -= li.functions.size;
  }
}

function validName(s: string): boolean {
  return /^[a-zA-Z0-9_]+$/.test(s);
}

export class FunctionsRegistry {
  cur = new LibCtx();
  /** The library whose body is running (FUNCTION LOAD), null otherwise. */
  private loading: LibraryInfo | null = null;
  private env: LuaTable | null = null;

  constructor(readonly server: Server) {}

  /** The globals table library chunks are compiled against (see the file comment). */
  private globals(): LuaTable {
    if (this.env !== null) return this.env;
    const engine = scriptEngine(this.server);
    const vm = engine.vm;
    const R = vm.R;
    const evalG = vm.G;
    const evalRedis = evalG.get('redis') as LuaTable;
    const nonexistent = (k: LuaValue): never => {
      throw new LuaError(
        `Script attempted to access nonexistent global variable '${typeof k === 'string' ? k : '?'}'`,
      );
    };
    const errMeta = new LuaTable();
    errMeta.set('__index', (_t: LuaValue, k: LuaValue) => nonexistent(k));
    // The load-time API: redis.register_function, redis.log and the version fields only.
    const api = new LuaTable();
    const redis = new LuaTable();
    redis.set('register_function', (...a: LuaValue[]) => this.registerFunction(a));
    redis.set('log', evalRedis.get('log'));
    for (const k of [
      'LOG_DEBUG',
      'LOG_VERBOSE',
      'LOG_NOTICE',
      'LOG_WARNING',
      'REDIS_VERSION',
      'REDIS_VERSION_NUM',
    ])
      redis.set(k, evalRedis.get(k));
    redis.metatable = errMeta;
    redis.readonly = true;
    api.set('redis', redis);
    api.metatable = errMeta;
    api.readonly = true;
    const env = new LuaTable();
    const mt = new LuaTable();
    mt.set('__index', (_t: LuaValue, k: LuaValue) => {
      if (this.loading !== null) return [R.idx(api, k)];
      if (k === 'KEYS' || k === 'ARGV') nonexistent(k);
      return [R.idx(evalG, k)];
    });
    mt.readonly = true;
    env.metatable = mt;
    env.readonly = true;
    this.env = env;
    return env;
  }

  /** redis.register_function(name, fn) / redis.register_function{...} (luaRegisterFunction). */
  private registerFunction(a: LuaValue[]): LuaValue[] {
    const li = this.loading;
    if (li === null)
      throw new LuaError(errorTable('redis.register_function can only be called on FUNCTION LOAD command'));
    const vm = scriptEngine(this.server).vm;
    const fail = (msg: string): never => {
      throw new LuaError(errorTable(msg));
    };
    const str = (v: LuaValue): string | null =>
      typeof v === 'string' ? v : typeof v === 'number' ? vm.tostring(v) : null;
    let name: string | null = null;
    let desc: string | null = null;
    let fn: LuaFunction | null = null;
    let flags = 0;
    if (a.length < 1 || a.length > 2) fail('wrong number of arguments to redis.register_function');
    if (a.length === 2) {
      name = str(a[0]);
      if (name === null) fail('first argument to redis.register_function must be a string');
      if (typeof a[1] !== 'function') fail('second argument to redis.register_function must be a function');
      fn = a[1] as LuaFunction;
    } else {
      const t = a[0];
      if (!(t instanceof LuaTable))
        return fail(
          'calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).',
        );
      for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
        const key = str(e[0]);
        if (key === null) fail('named argument key given to redis.register_function is not a string');
        const k = key!.toLowerCase();
        const v = e[1];
        if (k === 'function_name') {
          name = str(v);
          if (name === null) fail('function_name argument given to redis.register_function must be a string');
        } else if (k === 'description') {
          desc = str(v);
          if (desc === null) fail('description argument given to redis.register_function must be a string');
        } else if (k === 'callback') {
          if (typeof v !== 'function')
            fail('callback argument given to redis.register_function must be a function');
          fn = v as LuaFunction;
        } else if (k === 'flags') {
          if (!(v instanceof LuaTable))
            return fail(
              'flags argument to redis.register_function must be a table representing function flags',
            );
          flags = 0;
          for (let j = 1; ; j++) {
            const f = v.get(j);
            if (f === undefined) break;
            const fs = str(f);
            const bit = fs === null ? undefined : SCRIPT_FLAGS.find((d) => d[1] === fs.toLowerCase());
            if (bit === undefined) fail('unknown flag given');
            flags |= bit![0];
          }
        } else fail('unknown argument given to redis.register_function');
      }
      if (name === null) fail('redis.register_function must get a function name argument');
      if (fn === null) fail('redis.register_function must get a callback argument');
    }
    if (!validName(name!)) fail(NAME_ERR);
    if (li.functions.has(name!)) fail('Function already exists in the library');
    li.functions.set(name!, { name: name!, desc, flags, fn: fn!, lib: li });
    return [];
  }

  /**
   * Compiles and registers a library into `ctx` (functionsCreateWithLibraryCtx). Returns its
   * name, or an error message (without the `ERR ` prefix).
   */
  create(code: string, replace: boolean, ctx: LibCtx, timeoutMs: number): { name: string } | { err: string } {
    const md = parseMetadata(code);
    if ('err' in md) return md;
    if (!validName(md.name)) return { err: NAME_ERR };
    if (md.engine.toLowerCase() !== 'lua') return { err: `Engine '${md.engine}' not found` };
    const old = ctx.libraries.get(md.name);
    if (old !== undefined && !replace) return { err: `Library '${md.name}' already exists` };
    if (old !== undefined) ctx.unlink(old);
    const li: LibraryInfo = { name: md.name, engine: 'LUA', code, functions: new Map() };
    const err = this.runBody(li, md.body, timeoutMs);
    let res: { name: string } | { err: string } = { name: md.name };
    if (err !== null) res = { err };
    else if (li.functions.size === 0) res = { err: 'No functions registered' };
    else {
      for (const f of li.functions.values()) {
        if (ctx.functions.has(f.name.toLowerCase())) {
          res = { err: `Function ${f.name} already exists` };
          break;
        }
      }
    }
    if ('err' in res) {
      if (old !== undefined) ctx.link(old);
      return res;
    }
    ctx.link(li);
    return res;
  }

  /** Compiles and runs a library body with the load API (luaEngineCreate); an error or null. */
  private runBody(li: LibraryInfo, body: string, timeoutMs: number): string | null {
    const engine = scriptEngine(this.server);
    const vm = engine.vm;
    const G = this.globals();
    let chunk: LuaFunction;
    try {
      const js = compileChunk(parse(body, 'user_function'));
      const factory = new Function('R', 'G', 'H', 'CH', js) as (
        R: unknown,
        G: LuaTable,
        H: unknown,
        CH: string,
      ) => LuaFunction;
      chunk = factory(vm.R, G, vm.H, 'user_function');
    } catch (e) {
      const msg = e instanceof LuaError ? vm.tostring(e.value) : String(e);
      return `Error compiling function: ${msg}`;
    }
    this.loading = li;
    try {
      engine.runLibraryBody(chunk, timeoutMs);
      return null;
    } catch (e) {
      let msg: string;
      if (e instanceof LuaError) {
        const v = e.value;
        if (v instanceof LuaTable) {
          const m = v.get('err');
          msg = typeof m === 'string' ? m : 'ERR unknown error';
        } else msg = 'ERR ' + vm.tostring(v);
      } else msg = 'ERR ' + (e instanceof Error ? e.message : String(e));
      return `Error registering functions: ${msg}`;
    } finally {
      this.loading = null;
    }
  }

  /** FUNCTION LOAD. */
  load(code: string, replace: boolean, timeoutMs = LOAD_TIMEOUT_MS): { name: string } | { err: string } {
    return this.create(code, replace, this.cur, timeoutMs);
  }

  flush(): void {
    this.cur = new LibCtx();
  }

  delete(name: string): boolean {
    const li = this.cur.libraries.get(name);
    if (li === undefined) return false;
    this.cur.unlink(li);
    return true;
  }

  lookup(name: string): FunctionInfo | undefined {
    return this.cur.functions.get(name.toLowerCase());
  }

  /** The libraries' code, for the RDB function section and FUNCTION DUMP. */
  codes(): string[] {
    const out: string[] = [];
    for (const li of this.cur.libraries.values()) out.push(li.code);
    return out;
  }

  /** FUNCTION DUMP's payload: FUNCTION2 + code per library, RDB version, CRC-64. */
  dump(compression: boolean): Buffer {
    const out = new RdbOut({ compression });
    for (const code of this.codes()) {
      out.byte(RDB_OPCODE_FUNCTION2);
      out.string(code);
    }
    out.byte(RDB_VERSION & 0xff);
    out.byte(RDB_VERSION >> 8);
    const body = out.take();
    const c = new Crc64();
    c.update(body);
    const res = Buffer.allocUnsafe(body.length + 8);
    body.copy(res, 0);
    c.writeLE(res, body.length);
    return res;
  }

  /** FUNCTION RESTORE (functionRestoreCommand): null on success, else the error message. */
  restore(payload: Buffer, policy: 'flush' | 'append' | 'replace'): string | null {
    const n = payload.length;
    const tmp = new LibCtx();
    const p = new RdbParser(payload, 0, n);
    try {
      while (n - p.pos > 10) {
        const type = p.byte();
        if (type !== RDB_OPCODE_FUNCTION2 && type !== RDB_OPCODE_FUNCTION_PRE_GA)
          return 'given type is not a function';
        const code = readFunctionCode(p, type);
        if (typeof code !== 'string') return code.err;
        const r = this.create(code, false, tmp, 0);
        if ('err' in r) return r.err;
      }
    } catch (e) {
      if (e instanceof RdbError) return 'can not read data type';
      throw e;
    }
    if (policy === 'flush') {
      this.cur = tmp;
      return null;
    }
    return this.join(tmp, policy === 'replace');
  }

  /** Moves every library of src into the current ctx (libraryJoin); reverts on collision. */
  private join(src: LibCtx, replace: boolean): string | null {
    const dst = this.cur;
    const replaced: LibraryInfo[] = [];
    const revert = (): void => {
      for (const li of replaced) dst.link(li);
    };
    for (const li of src.libraries.values()) {
      const old = dst.libraries.get(li.name);
      if (old === undefined) continue;
      if (!replace) {
        revert();
        return `Library ${li.name} already exists`;
      }
      dst.unlink(old);
      replaced.push(old);
    }
    for (const f of src.functions.values()) {
      if (dst.functions.has(f.name.toLowerCase())) {
        revert();
        return `Function ${f.name} already exists`;
      }
    }
    for (const li of src.libraries.values()) dst.link(li);
    return null;
  }

  /** INFO memory's function figures (approximations of Redis's). */
  memory(): { vm: number; overhead: number; functions: number; libraries: number } {
    let code = 0;
    for (const li of this.cur.libraries.values()) code += li.code.length;
    const nf = this.cur.nFunctions;
    return {
      vm: 32768 + 2 * code + 1024 * nf,
      overhead: 184 + 2 * code + 160 * nf + 96 * this.cur.libraries.size,
      functions: this.cur.functions.size,
      libraries: this.cur.libraries.size,
    };
  }
}

/** The `#!<engine> name=<lib>` line (functionExtractLibMetaData). */
function parseMetadata(code: string): { engine: string; name: string; body: string } | { err: string } {
  if (!code.startsWith('#!')) return { err: 'Missing library metadata' };
  const nl = code.indexOf('\n');
  if (nl === -1) return { err: 'Invalid library metadata' };
  const parts = splitArgs(code.slice(0, nl));
  if (parts === null || parts.length === 0) return { err: 'Invalid library metadata' };
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { err: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { err: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { err: 'Library name was not given' };
  return { engine, name, body: code.slice(nl) };
}

const registries = new WeakMap<Server, FunctionsRegistry>();

setFunctionsHooks({
  codes: (server) => functionsRegistry(server).codes(),
  load: (server, code, replace) => {
    const r = functionsRegistry(server);
    const res = r.create(code, replace, r.cur, 0);
    return 'err' in res ? res.err : null;
  },
  flush: (server) => functionsRegistry(server).flush(),
});

export function functionsRegistry(server: Server): FunctionsRegistry {
  let r = registries.get(server);
  if (r === undefined) {
    r = new FunctionsRegistry(server);
    registries.set(server, r);
  }
  return r;
}
