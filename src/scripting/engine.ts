/**
 * The EVAL engine (Redis 7.0's eval.c + script_lua.c + script.c): one Lua VM per server with
 * the `redis` table, the script cache by SHA1, Redis↔Lua reply conversion, and `redis.call`
 * running commands through the dispatcher's `call()` on a fake client that carries the
 * caller's database, user and the script's RESP version.
 */
import { createHash } from 'node:crypto';
import {
  LuaError,
  LuaKill,
  LuaTable,
  LuaVM,
  openLibs,
  type LuaFunction,
  type LuaValue,
} from '../lua/index.js';
import { protectGlobals, setGlobalForce } from '../lua/sandbox.js';
import { Client, CLIENT_DENY_BLOCKING } from '../server/client.js';
import { call } from '../server/dispatcher.js';
import type { Server } from '../server/server.js';
import { BusyService } from './busy.js';
import type { CommandSpec } from '../commands/types.js';
import { FLAG_BITS } from '../commands/types.js';
import { formatDouble } from '../util/numbers.js';

const F_WRITE = FLAG_BITS.write;
const F_NOSCRIPT = FLAG_BITS.noscript;

export const REDIS_VERSION = '7.0.15';
const REDIS_VERSION_NUM = 0x07000f;

export function sha1hex(s: string): string {
  return createHash('sha1').update(s, 'latin1').digest('hex');
}

interface CachedScript {
  body: string;
  fn: LuaFunction | null;
  /** The shebang's flags, or the error every run of the script gets (parsed once). */
  flags: number | string;
}

/** Flags of the running script (shebang flags and EVAL_RO). */
const SCRIPT_NO_WRITES = 1;

/** The running script (Redis's scriptRunCtx). */
export interface RunCtx {
  caller: Client;
  fake: Client;
  sha: string;
  flags: number;
  start: number;
  killed: boolean;
  /** A write command was called (SCRIPT_WRITE_DIRTY): SCRIPT KILL refuses with UNKILLABLE. */
  writeDirty: boolean;
  /** Past busy-reply-threshold: other clients are serviced from the hook (src/scripting/busy.ts). */
  timedOut: boolean;
  /**
   * A function (FCALL) rather than an EVAL script: the -BUSY text names FUNCTION KILL, SCRIPT
   * KILL refuses to kill it and FUNCTION KILL kills it. FCALL sets it with `name`.
   */
  isFunction: boolean;
  /** The running function's name (FUNCTION STATS); '' for EVAL scripts. */
  name: string;
}

/** The instruction hook's period: function entries / loop iterations between two checks. */
const HOOK_PERIOD = 100000;

export const BUSY_EVAL =
  'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION =
  'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
const KILLED = 'Script killed by user with SCRIPT KILL...';
const NO_ARGS: LuaValue[] = [];

export class ScriptEngine {
  readonly vm = new LuaVM();
  readonly scripts = new Map<string, CachedScript>();
  run: RunCtx | null = null;
  /** RESP version for redis.call replies (redis.setresp); reset per script. */
  resp: 2 | 3 = 2;
  private fake: Client | null = null;
  /**
   * Kill read-only scripts running longer than busy-reply-threshold without waiting for a
   * SCRIPT KILL (embedder opt-in, kept from before scripts could be killed from clients).
   */
  killAfterBusy = false;
  /** Services the other clients while a script is busy (created on the first busy script). */
  private busy: BusyService | null = null;
  /** FUNCTION LOAD's run of a library body (runLibraryBody): its start and limit in ms (0: none). */
  private loadStart = 0;
  private loadTimeout = 0;
  /** Command names as scripts spell them → spec, for `namesTable` (lookupCommand). */
  private readonly names = new Map<string, CommandSpec>();
  private namesTable: Map<string, CommandSpec> | null = null;
  /** EVAL's KEYS and ARGV tables, reused from run to run (execute). */
  private keysTable = new LuaTable();
  private argvTable = new LuaTable();

  constructor(readonly server: Server) {
    const vm = this.vm;
    // One hook for the VM's lifetime: a script run costs no hook set-up (docs/LUA.md).
    vm.setHook(HOOK_PERIOD, () => this.onHook());
    openLibs(vm);
    vm.setGlobal('redis', this.redisTable());
    // Redis's pcall: a caught error table {err=...} is returned as its message string.
    const pcall = vm.getGlobal('pcall') as LuaFunction;
    vm.setGlobal('pcall', (...a: LuaValue[]) => {
      const r = pcall(...a);
      if (r[0] === false && r[1] instanceof LuaTable) {
        const err = r[1].get('err');
        if (typeof err === 'string') return [false, err];
      }
      return r;
    });
    protectGlobals(vm);
  }

  private redisTable(): LuaTable {
    const t = new LuaTable();
    t.set('call', (...a: LuaValue[]) => this.redisCall(a, true));
    t.set('pcall', (...a: LuaValue[]) => this.redisCall(a, false));
    t.set('error_reply', (...a: LuaValue[]) => {
      if (typeof a[0] !== 'string' || a.length !== 1)
        return [errorTable('wrong number or type of arguments')];
      return [errorTable(a[0].startsWith('-') ? a[0] : '-' + a[0])];
    });
    t.set('status_reply', (...a: LuaValue[]) => {
      if (typeof a[0] !== 'string' || a.length !== 1)
        return [errorTable('wrong number or type of arguments')];
      const r = new LuaTable();
      r.set('ok', a[0]);
      return [r];
    });
    t.set('sha1hex', (...a: LuaValue[]) => {
      if (a.length !== 1) throw new LuaError(errorTable('wrong number of arguments'));
      const v = a[0];
      const s = typeof v === 'string' ? v : typeof v === 'number' ? this.vm.tostring(v) : '';
      return [sha1hex(s)];
    });
    t.set('log', (...a: LuaValue[]) => {
      if (a.length < 2) throw new LuaError(errorTable('redis.log() requires two arguments or more.'));
      if (typeof a[0] !== 'number')
        throw new LuaError(errorTable('First argument must be a number (log level).'));
      const level = a[0];
      if (level < 0 || level > 3) throw new LuaError(errorTable('Invalid debug level.'));
      let msg = '';
      for (let i = 1; i < a.length; i++) {
        const v = a[i];
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        msg += (i > 1 ? ' ' : '') + (typeof v === 'number' ? this.vm.tostring(v) : v);
      }
      const log = this.server.log as unknown as Record<string, (m: string) => void>;
      const fn = ['debug', 'verbose', 'notice', 'warning'][level];
      if (typeof log[fn] === 'function') log[fn].call(this.server.log, msg);
      return [];
    });
    t.set('setresp', (...a: LuaValue[]) => {
      if (a.length !== 1) throw new LuaError(errorTable('redis.setresp() requires one argument.'));
      const v = a[0];
      if (v !== 2 && v !== 3) throw new LuaError(errorTable('RESP version must be 2 or 3.'));
      this.resp = v;
      return [];
    });
    t.set('set_repl', (...a: LuaValue[]) => {
      if (a.length !== 1) throw new LuaError(errorTable('redis.set_repl() requires two arguments.'));
      const v = a[0];
      if (typeof v !== 'number' || (v & ~3) !== 0)
        throw new LuaError(
          errorTable('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.'),
        );
      return [];
    });
    t.set('replicate_commands', () => [true]);
    t.set('breakpoint', () => [false]);
    t.set('debug', () => []);
    t.set('REPL_NONE', 0);
    t.set('REPL_AOF', 1);
    t.set('REPL_SLAVE', 2);
    t.set('REPL_REPLICA', 2);
    t.set('REPL_ALL', 3);
    t.set('LOG_DEBUG', 0);
    t.set('LOG_VERBOSE', 1);
    t.set('LOG_NOTICE', 2);
    t.set('LOG_WARNING', 3);
    t.set('REDIS_VERSION', REDIS_VERSION);
    t.set('REDIS_VERSION_NUM', REDIS_VERSION_NUM);
    return t;
  }

  private fakeClient(): Client {
    if (this.fake === null) {
      const f = new Client(this.server, 0, null, this.server.dbs[0], this.server.clock());
      f.authenticated = true;
      // MONITOR shows commands run by scripts as `[db lua]`.
      f.addr = 'lua';
      this.fake = f;
    }
    return this.fake;
  }

  /** Compiles and caches a script body; returns its sha or a compile error message. */
  createFunction(body: string): { sha: string; err?: string } {
    const sha = sha1hex(body);
    const cached = this.scripts.get(sha);
    if (cached !== undefined && cached.fn !== null) return { sha };
    try {
      const fn = this.vm.load(stripShebang(body), 'user_script');
      this.scripts.set(sha, { body, fn, flags: parseShebangFlags(body) });
      return { sha };
    } catch (e) {
      const msg = e instanceof LuaError ? this.vm.tostring(e.value) : String(e);
      return { sha, err: `ERR Error compiling script (new function): ${msg}` };
    }
  }

  flush(): void {
    this.scripts.clear();
  }

  /**
   * Runs a cached script for `c` (EVAL/EVALSHA[_RO]), writing its reply: KEYS are
   * argv[3..3+numkeys), ARGV the rest.
   */
  runScript(c: Client, sha: string, argv: string[], numkeys: number, ro: boolean): void {
    const script = this.scripts.get(sha)!;
    const flags = script.flags;
    if (typeof flags === 'string') {
      c.error(flags);
      return;
    }
    this.execute(c, script.fn!, flags | (ro ? SCRIPT_NO_WRITES : 0), sha, false, argv, numkeys);
  }

  /**
   * Runs a library body for FUNCTION LOAD (functions.ts) under the VM's one hook, which
   * raises `FUNCTION LOAD timeout` past `timeoutMs` (0: no limit, for the AOF or a master).
   * The hook itself stays installed: it is what detects busy scripts afterwards.
   */
  runLibraryBody(chunk: LuaFunction, timeoutMs: number): void {
    this.loadStart = Date.now();
    this.loadTimeout = timeoutMs;
    this.vm.H.c = 0;
    try {
      this.vm.call(chunk, NO_ARGS);
    } finally {
      this.loadTimeout = 0;
    }
  }

  /** Ends a run started by execute(): leaves busy mode. */
  private endRun(ctx: RunCtx): void {
    if (this.run === ctx) this.run = null;
    if (ctx.timedOut && this.busy !== null) this.busy.end();
  }

  /**
   * The instruction hook (every HOOK_PERIOD function entries / loop iterations): Redis's
   * scriptInterrupt. Past busy-reply-threshold the script is "timed out": other clients are
   * serviced from here (BusyService: -BUSY replies, SCRIPT KILL, SHUTDOWN NOSAVE, ...), and a
   * kill or a shutdown unwinds the script with LuaKill, which pcall cannot catch.
   */
  private onHook(): void {
    const ctx = this.run;
    if (ctx === null) {
      if (this.loadTimeout > 0 && Date.now() - this.loadStart > this.loadTimeout)
        throw new LuaError(errorTable('FUNCTION LOAD timeout'));
      return;
    }
    if (ctx.killed) throw new LuaKill(KILLED);
    const server = this.server;
    if (!ctx.timedOut) {
      const elapsed = Date.now() - ctx.start;
      if (elapsed < server.config.num('busy-reply-threshold')) return;
      server.log.warning(
        `Slow script detected: still in execution after ${elapsed} milliseconds. You can try killing the script using the ${ctx.isFunction ? 'FUNCTION KILL' : 'SCRIPT KILL'} command.`,
      );
      ctx.timedOut = true;
      // The embedder's opt-in: kill at once what SCRIPT KILL could kill.
      if (this.killAfterBusy && !ctx.writeDirty) ctx.killed = true;
      else {
        if (this.busy === null) this.busy = new BusyService(server);
        this.busy.begin(ctx.caller, ctx.isFunction ? BUSY_FUNCTION : BUSY_EVAL);
      }
    }
    if (!ctx.killed) this.busy!.service();
    if (ctx.killed) {
      server.log.warning('Lua script killed by user with SCRIPT KILL.');
      throw new LuaKill(KILLED);
    }
    // SHUTDOWN NOSAVE: the server is closing; the script ends without a reply.
    if (server.shuttingDown) throw new LuaKill(KILLED);
  }

  /**
   * Runs a library function for FCALL/FCALL_RO (functions.ts), writing its reply; keys and
   * arguments are in argv as for runScript. The instruction hook (onHook) serves both kinds of
   * run.
   */
  runFunction(
    c: Client,
    name: string,
    fn: LuaFunction,
    noWrites: boolean,
    argv: string[],
    numkeys: number,
  ): void {
    this.execute(c, fn, noWrites ? SCRIPT_NO_WRITES : 0, name, true, argv, numkeys);
  }

  /**
   * One run of an EVAL script or of a function (Redis's scriptPrepareForRun + the engine's
   * call + scriptResetRun). The differences between the two kinds, all decided here:
   * - KEYS/ARGV: globals for a script; the function's two arguments for a function.
   * - `id` (the script's sha or the function's name) and the chunk name in error suffixes:
   *   ` script: <sha>, on @user_script:N.` vs ` script: <name>, on @user_function:N.`.
   * - `isFunction`/`name` in the RunCtx: the -BUSY text, SCRIPT vs FUNCTION KILL, FUNCTION
   *   STATS' running_script.
   */
  private execute(
    c: Client,
    fn: LuaFunction,
    flags: number,
    id: string,
    isFunction: boolean,
    argv: string[],
    numkeys: number,
  ): void {
    const server = this.server;
    const fake = this.fakeClient();
    fake.db = c.db;
    fake.aclUser = c.aclUser;
    fake.flags = CLIENT_DENY_BLOCKING;
    fake.out.pos = 0;
    this.resp = 2;
    fake.out.proto = 2;
    const ctx: RunCtx = {
      caller: c,
      fake,
      sha: id,
      flags,
      // The command's start time when the script is the command (a clock read costs ~0.15 µs
      // here, a tenth of a small script's whole cost); a fresh one inside EXEC or with an
      // embedder's clock.
      start: server.callDepth === 1 && server.clock === Date.now ? server.cmdTime : Date.now(),
      killed: false,
      writeDirty: false,
      timedOut: false,
      isFunction,
      name: isFunction ? id : '',
    };
    this.run = ctx;
    // Scripts' effects are propagated (wrapped in MULTI/EXEC by the execution unit), not the
    // EVAL/FCALL itself.
    server.preventCommandPropagation();
    const vm = this.vm;
    let callArgs: LuaValue[];
    if (isFunction) {
      // Fresh tables: a library's closures may keep them.
      callArgs = [new LuaTable(argv.slice(3, 3 + numkeys)), new LuaTable(argv.slice(3 + numkeys))];
    } else {
      // Nothing outlives an EVAL script (its globals are readonly), so the last run's KEYS and
      // ARGV are reused when the script left them plain arrays (Redis's luaCreateArray).
      const keys = this.keysTable;
      if (!keys.refill(argv, 3, 3 + numkeys) || vm.G.getStr('KEYS') !== keys) {
        this.keysTable = new LuaTable(argv.slice(3, 3 + numkeys));
        setGlobalForce(vm, 'KEYS', this.keysTable);
      }
      const args = this.argvTable;
      if (!args.refill(argv, 3 + numkeys, argv.length) || vm.G.getStr('ARGV') !== args) {
        this.argvTable = new LuaTable(argv.slice(3 + numkeys));
        setGlobalForce(vm, 'ARGV', this.argvTable);
      }
      callArgs = NO_ARGS;
    }
    vm.H.c = 0;
    let results: LuaValue[] | null = null;
    try {
      results = vm.call(fn, callArgs);
    } catch (e) {
      this.replyError(c, e, id, isFunction ? 'user_function' : 'user_script');
    } finally {
      this.endRun(ctx);
      fake.aclUser = server.acl.defaultUser;
    }
    // (The script may return KEYS or ARGV themselves: converted before they are cleared.)
    if (results !== null) luaToReply(c, results[0], this.resp, 0);
    // The arguments are not kept alive until the next script.
    if (!isFunction) {
      clearArray(this.keysTable.arr);
      clearArray(this.argvTable.arr);
    }
  }

  private replyError(c: Client, e: unknown, sha: string, source: string): void {
    if (e instanceof LuaKill) {
      // A shutdown during the script: nothing the script did is propagated (Redis exits).
      if (this.server.shuttingDown) this.server.pendingOps.length = 0;
      else c.error(`ERR ${KILLED} script: ${sha}` + (e.line > 0 ? `, on @${source}:${e.line}.` : ''));
      return;
    }
    let msg: string;
    let line = 0;
    if (e instanceof LuaError) {
      line = e.line;
      const v = e.value;
      if (v instanceof LuaTable) {
        const err = v.get('err');
        msg = typeof err === 'string' ? err : '';
      } else msg = 'ERR ' + (v === undefined ? 'nil' : this.vm.tostring(v));
    } else {
      msg = 'ERR ' + (e instanceof Error ? e.message : String(e));
    }
    let out = msg;
    if (line > 0) out += ` script: ${sha}, on @${source}:${line}.`;
    c.error(sanitize(out));
  }

  /** redis.call / redis.pcall. */
  private redisCall(a: LuaValue[], raise: boolean): LuaValue[] {
    const ctx = this.run;
    if (ctx === null)
      throw new LuaError(errorTable('redis.call/pcall can only be called inside a script invocation'));
    const fail = callFailure;
    if (a.length === 0)
      return fail('ERR Please specify at least one argument for this redis lib call', raise);
    // `a` is this call's own rest array (Lua code cannot see it): it becomes argv in place.
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'string') continue;
      // Numbers as Redis's luaArgsToRedisArgv prints them: %.17g, not Lua's %.14g.
      if (typeof v === 'number') a[i] = v !== v ? this.vm.tostring(v) : formatDouble(v);
      else return fail('ERR Lua redis lib command arguments must be strings or integers', raise);
    }
    const argv = a as string[];
    const server = this.server;
    const fake = ctx.fake;
    let cmd = this.lookupCommand(argv[0]);
    if (cmd !== undefined && cmd.subMap !== undefined && argv.length >= 2) {
      cmd = cmd.subMap.get(argv[1].toLowerCase());
    }
    if (cmd === undefined) return fail('ERR Unknown Redis command called from script', raise);
    const arity = cmd.arity;
    if ((arity > 0 && argv.length !== arity) || argv.length < -arity)
      return fail('ERR Wrong number of args calling Redis command from script', raise);
    const flags = cmd.flagBits!;
    if ((flags & F_NOSCRIPT) !== 0) return fail('ERR This Redis command is not allowed from script', raise);
    if ((flags & F_WRITE) !== 0 && (ctx.flags & SCRIPT_NO_WRITES) !== 0)
      return fail('ERR Write commands are not allowed from read-only scripts.', raise);
    if (!fake.aclUser.allPerms) {
      const denied = server.acl.checkCommand(fake.aclUser, cmd, argv);
      if (denied !== null) {
        server.acl.logDenial(ctx.caller, denied, cmd, argv, 'lua');
        return fail(`ERR The user executing the script can't run this command or subcommand`, raise);
      }
    }
    if ((flags & F_WRITE) !== 0) ctx.writeDirty = true;
    fake.out.proto = this.resp;
    fake.out.pos = 0;
    call(server, fake, cmd, argv);
    const out = fake.out;
    const v = parseReply(out.buf, 0, out.pos);
    out.pos = 0;
    if (raise && parsedError && v instanceof LuaTable) throw new LuaError(v);
    return [v];
  }

  /**
   * The command a script names, by the exact string it passed: scripts name commands with
   * string constants (`'INCR'`), whose hash V8 keeps, so a hit costs one Map probe instead of
   * a miss, a lower-casing and a probe with a fresh string.
   */
  private lookupCommand(name: string): CommandSpec | undefined {
    const table = this.server.commands;
    if (table !== this.namesTable) {
      this.names.clear();
      this.namesTable = table;
    }
    let cmd = this.names.get(name);
    if (cmd !== undefined) return cmd;
    cmd = table.get(name) ?? table.get(name.toLowerCase());
    if (cmd !== undefined) {
      // Bounded: scripts could spell names in endless case variations.
      if (this.names.size >= 1024) this.names.clear();
      this.names.set(name, cmd);
    }
    return cmd;
  }

  /**
   * SCRIPT KILL (isEval) and FUNCTION KILL (Redis's scriptKill): replies to `c`. A script
   * that called a write command cannot be killed; SCRIPT KILL does not kill a function nor
   * FUNCTION KILL an EVAL script (each gets the other's -BUSY text).
   */
  killCommand(c: Client, isEval: boolean): void {
    const ctx = this.run;
    if (ctx === null) {
      c.error('NOTBUSY No scripts in execution right now.');
      return;
    }
    if (ctx.writeDirty) {
      c.error(
        'UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.',
      );
      return;
    }
    if (isEval && ctx.isFunction) {
      c.error(BUSY_FUNCTION);
      return;
    }
    if (!isEval && !ctx.isFunction) {
      c.error(BUSY_EVAL);
      return;
    }
    ctx.killed = true;
    c.out.ok();
  }

  /**
   * For FUNCTION STATS (functionStatsCommand), before anything is written: while an EVAL
   * script runs it is refused with the EVAL -BUSY text. Returns true when it replied so.
   */
  refuseFunctionStats(c: Client): boolean {
    if (this.run === null || this.run.isFunction) return false;
    c.error(BUSY_EVAL);
    return true;
  }

  /**
   * FUNCTION STATS' `running_script` value: null, or the map of the running function's name,
   * its caller's command and the run's duration in ms.
   */
  writeRunningScript(c: Client): void {
    const ctx = this.run;
    if (ctx === null) {
      c.out.nullBulk();
      return;
    }
    const argv = ctx.caller.argv ?? [];
    c.out.map(3);
    c.out.bulk('name');
    c.out.bulk(ctx.name);
    c.out.bulk('command');
    c.out.array(argv.length);
    for (const a of argv) c.out.bulk(a);
    c.out.bulk('duration_ms');
    c.out.integer(Date.now() - ctx.start);
  }

  /** Kills the running script unless it wrote (the killAfterBusy path and tests). */
  kill(): boolean {
    if (this.run === null || this.run.writeDirty) return false;
    this.run.killed = true;
    return true;
  }
}

/** Drops an array's references without changing its length (a slow builtin call). */
function clearArray(a: LuaValue[]): void {
  for (let i = 0; i < a.length; i++) a[i] = undefined;
}

/** A redis.call/pcall failure before the command runs: raised by call, returned by pcall. */
function callFailure(msg: string, raise: boolean): LuaValue[] {
  const t = new LuaTable();
  t.set('err', msg);
  if (raise) throw new LuaError(t);
  return [t];
}

/** Redis's luaPushErrorBuff: `-CODE msg` keeps its code, a bare message gets `ERR`. */
export function errorTable(e: string): LuaTable {
  let code = 'ERR';
  let msg = e;
  if (e.startsWith('-')) {
    const sp = e.indexOf(' ');
    if (sp === -1) msg = e.slice(1);
    else {
      code = e.slice(1, sp);
      msg = e.slice(sp + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, '');
  const t = new LuaTable();
  t.set('err', `${code} ${msg}`);
  return t;
}

function sanitize(s: string): string {
  return s.includes('\r') || s.includes('\n') ? s.replace(/[\r\n]/g, ' ') : s;
}

function stripShebang(body: string): string {
  if (!body.startsWith('#!')) return body;
  const nl = body.indexOf('\n');
  return nl === -1 ? '' : body.slice(nl);
}

/** Flags from a `#!lua flags=...` line; an error string when invalid. */
function parseShebangFlags(body: string): number | string {
  if (!body.startsWith('#!')) return 0;
  const nl = body.indexOf('\n');
  const line = nl === -1 ? body : body.slice(0, nl);
  const parts = line
    .slice(2)
    .split(' ')
    .filter((p) => p !== '');
  if (parts[0] !== 'lua') return `ERR Unexpected engine in script shebang: ${line.split(' ')[0]}`;
  let flags = 0;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i];
    if (!p.startsWith('flags=')) return `ERR Unknown lua shebang option: ${p}`;
    for (const f of p.slice(6).split(',')) {
      if (f === '') continue;
      if (f === 'no-writes') flags |= SCRIPT_NO_WRITES;
      else if (
        f !== 'allow-oom' &&
        f !== 'allow-stale' &&
        f !== 'no-cluster' &&
        f !== 'allow-cross-slot-keys'
      )
        return `ERR Unexpected flag in script shebang: ${f}`;
    }
  }
  return flags;
}

/** parseReply's results besides the value: the offset after the reply, and whether it was an error. */
let parsedEnd = 0;
let parsedError = false;

/**
 * Parses one RESP reply from buf[p..end] into a Lua value (Redis's redisProtocolToLuaType).
 * Sets parsedEnd to the offset after it and parsedError for an error reply (a module-level
 * pair rather than a tuple: no allocation per reply and nested element).
 */
export function parseReply(buf: Buffer, p: number, end: number): LuaValue {
  parsedError = buf[p] === 0x2d;
  return parseOne(buf, p, end);
}

function parseOne(buf: Buffer, p: number, end: number): LuaValue {
  const type = buf[p];
  // The common headers (integers, bulk lengths, array lengths) without slicing a string.
  if (type === 0x3a || type === 0x24 || type === 0x2a) {
    let q = p + 1;
    const neg = buf[q] === 0x2d;
    if (neg) q++;
    let v = 0;
    const d0 = q;
    for (let ch = buf[q]; ch >= 0x30 && ch <= 0x39; ch = buf[++q]) v = v * 10 + (ch - 0x30);
    // Beyond 15 digits the double needs one correct rounding: the slow path below.
    if (buf[q] === 13 && q - d0 <= 15 && q > d0) {
      if (neg) v = -v;
      q += 2;
      if (type === 0x3a || v < 0) {
        parsedEnd = q;
        return type === 0x3a ? v : false;
      }
      if (type === 0x24) {
        parsedEnd = q + v + 2;
        return buf.latin1Slice(q, q + v);
      }
      // Lua's sequential build (null replies become false, so no element is nil).
      const vals: LuaValue[] = [];
      for (let i = 1; i <= v; i++) {
        vals.push(parseOne(buf, q, end));
        q = parsedEnd;
      }
      parsedEnd = q;
      return LuaTable.fromSequence(vals);
    }
  }
  const nl = buf.indexOf(13, p);
  const line = buf.latin1Slice(p + 1, nl);
  let q = nl + 2;
  switch (type) {
    case 0x3a: // :
      parsedEnd = q;
      return Number(line);
    case 0x24: {
      // $
      const n = Number(line);
      if (n < 0) {
        parsedEnd = q;
        return false;
      }
      parsedEnd = q + n + 2;
      return buf.latin1Slice(q, q + n);
    }
    case 0x2b: {
      const t = new LuaTable();
      t.set('ok', line);
      parsedEnd = q;
      return t;
    }
    case 0x2d: {
      const t = new LuaTable();
      t.set('err', line);
      parsedEnd = q;
      return t;
    }
    case 0x2a: // *
    case 0x7e: // ~
    case 0x3e: {
      // >
      const n = Number(line);
      if (n < 0) {
        parsedEnd = q;
        return false;
      }
      const t = new LuaTable();
      for (let i = 1; i <= n; i++) {
        const e = parseOne(buf, q, end);
        q = parsedEnd;
        if (type === 0x7e) t.set(e, true);
        else t.set(i, e);
      }
      parsedEnd = q;
      if (type === 0x7e) {
        const w = new LuaTable();
        w.set('set', t);
        return w;
      }
      return t;
    }
    case 0x25: {
      // %
      const n = Number(line);
      const t = new LuaTable();
      for (let i = 0; i < n; i++) {
        const k = parseOne(buf, q, end);
        const v = parseOne(buf, parsedEnd, end);
        q = parsedEnd;
        t.set(k, v);
      }
      parsedEnd = q;
      const w = new LuaTable();
      w.set('map', t);
      return w;
    }
    case 0x5f: // _
      parsedEnd = q;
      return undefined;
    case 0x23: // #
      parsedEnd = q;
      return line === 't';
    case 0x2c: {
      // ,
      const t = new LuaTable();
      t.set('double', Number(line === 'inf' ? Infinity : line === '-inf' ? -Infinity : line));
      parsedEnd = q;
      return t;
    }
    case 0x28: {
      const t = new LuaTable();
      t.set('big_number', line);
      parsedEnd = q;
      return t;
    }
    case 0x3d: {
      // = verbatim
      const n = Number(line);
      const s = buf.latin1Slice(q, q + n);
      const t = new LuaTable();
      const inner = new LuaTable();
      inner.set('format', s.slice(0, 3));
      inner.set('string', s.slice(4));
      t.set('verbatim_string', inner);
      parsedEnd = q + n + 2;
      return t;
    }
    case 0x7c: {
      // | attribute: skip it and parse what follows
      const n = Number(line);
      for (let i = 0; i < 2 * n; i++) {
        parseOne(buf, q, end);
        q = parsedEnd;
      }
      return parseOne(buf, q, end);
    }
    default:
      parsedEnd = end;
      return undefined;
  }
}

/** Converts a script's return value into the caller's reply (Redis's luaReplyToRedisReply). */
export function luaToReply(c: Client, v: LuaValue, scriptResp: 2 | 3, depth: number): void {
  const out = c.out;
  switch (typeof v) {
    case 'string':
      out.bulk(v);
      return;
    case 'boolean':
      if (scriptResp === 2) {
        if (v) out.integer(1);
        else out.nullBulk();
      } else out.bool(v);
      return;
    case 'number':
      out.integer(truncToInt64(v));
      return;
    default:
      break;
  }
  if (!(v instanceof LuaTable) || depth > 1000) {
    out.nullBulk();
    return;
  }
  const err = v.get('err');
  if (typeof err === 'string') {
    c.error(sanitize(err));
    return;
  }
  const ok = v.get('ok');
  if (typeof ok === 'string') {
    out.status(sanitize(ok));
    return;
  }
  const dbl = v.get('double');
  if (typeof dbl === 'number') {
    out.double(dbl);
    return;
  }
  const big = v.get('big_number');
  if (typeof big === 'string') {
    out.bigNumber(sanitize(big));
    return;
  }
  const map = v.get('map');
  if (map instanceof LuaTable) {
    const mark = out.deferLen();
    let n = 0;
    for (let e = map.next(undefined); e !== undefined; e = map.next(e[0])) {
      luaToReply(c, e[0], scriptResp, depth + 1);
      luaToReply(c, e[1], scriptResp, depth + 1);
      n++;
    }
    setDeferred(out, mark, n, 'map');
    return;
  }
  const set = v.get('set');
  if (set instanceof LuaTable) {
    const mark = out.deferLen();
    let n = 0;
    for (let e = set.next(undefined); e !== undefined; e = set.next(e[0])) {
      luaToReply(c, e[0], scriptResp, depth + 1);
      n++;
    }
    setDeferred(out, mark, n, 'set');
    return;
  }
  const vs = v.get('verbatim_string');
  if (vs instanceof LuaTable) {
    const s = vs.get('string');
    const f = vs.get('format');
    if (typeof s === 'string' && typeof f === 'string') {
      out.verbatim(s, f);
      return;
    }
  }
  const mark = out.deferLen();
  let n = 0;
  for (;;) {
    const e = v.get(n + 1);
    if (e === undefined) break;
    luaToReply(c, e, scriptResp, depth + 1);
    n++;
  }
  setDeferred(out, mark, n, 'array');
}

function setDeferred(out: Client['out'], mark: number, n: number, kind: 'array' | 'map' | 'set'): void {
  if (kind === 'array') out.setDeferredArray(mark, n);
  else if (kind === 'map') out.setDeferredMap(mark, n);
  else out.setDeferredSet(mark, n);
}

function truncToInt64(v: number): number | bigint {
  if (Number.isNaN(v)) return -9223372036854775808n;
  const t = Math.trunc(v);
  if (Number.isSafeInteger(t)) return t;
  if (t >= 2 ** 63 || t < -(2 ** 63)) return -9223372036854775808n;
  return BigInt(t);
}

const engines = new WeakMap<Server, ScriptEngine>();

export function scriptEngine(server: Server): ScriptEngine {
  let e = engines.get(server);
  if (e === undefined) {
    e = new ScriptEngine(server);
    engines.set(server, e);
  }
  return e;
}
