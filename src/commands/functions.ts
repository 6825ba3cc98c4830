/**
 * Functions commands: FUNCTION LOAD/DELETE/FLUSH/LIST/STATS/DUMP/RESTORE/KILL/HELP, FCALL and
 * FCALL_RO (Redis 7.0's functions.c). The registry lives in scripting/functions.ts; functions
 * run on the EVAL engine (scripting/engine.ts).
 */
import type { CommandSpec } from './types.js';
import { FLAG_BITS } from './types.js';
import { CLIENT_MASTER, type Client } from '../server/client.js';
import { scriptEngine } from '../scripting/engine.js';
import { feedMonitors } from '../server/dispatcher.js';
import {
  functionsRegistry,
  SCRIPT_FLAGS,
  SF_ALLOW_OOM,
  SF_ALLOW_STALE,
  SF_NO_WRITES,
} from '../scripting/functions.js';
import { verifyDumpPayload } from '../persistence/rdb.js';
import { globMatch } from '../util/glob.js';
import { parseInt64 } from '../util/numbers.js';
import { eq } from './util.js';

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function functionLoad(c: Client, argv: string[]): void {
  let replace = false;
  let i = 2;
  while (i < argv.length - 1) {
    const a = argv[i++];
    if (eq(a, 'replace')) {
      replace = true;
      continue;
    }
    c.error(`ERR Unknown option given: ${a}`);
    return;
  }
  // The AOF and a master are obeyed: no load time limit for them (mustObeyClient).
  const obey = c.id === -1 || (c.flags & CLIENT_MASTER) !== 0;
  const r = functionsRegistry(c.server).load(argv[i], replace, obey ? 0 : undefined);
  if ('err' in r) {
    c.error(`ERR ${r.err}`);
    return;
  }
  c.server.dirty++;
  c.out.bulk(r.name);
}

function functionDelete(c: Client, argv: string[]): void {
  if (!functionsRegistry(c.server).delete(argv[2])) {
    c.error('ERR Library not found');
    return;
  }
  c.server.dirty++;
  c.out.ok();
}

function functionFlush(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  if (argv.length === 3 && !eq(argv[2], 'sync') && !eq(argv[2], 'async')) {
    c.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    return;
  }
  functionsRegistry(c.server).flush();
  c.server.dirty++;
  c.out.ok();
}

function functionList(c: Client, argv: string[]): void {
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i];
    if (!withCode && eq(a, 'withcode')) {
      withCode = true;
      continue;
    }
    if (pattern === null && eq(a, 'libraryname')) {
      if (i >= argv.length - 1) {
        c.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i];
      continue;
    }
    c.error(`ERR Unknown argument ${a}`);
    return;
  }
  const out = c.out;
  const libs = [...functionsRegistry(c.server).cur.libraries.values()].filter(
    (li) => pattern === null || globMatch(pattern, li.name, true),
  );
  out.array(libs.length);
  for (const li of libs) {
    out.map(withCode ? 4 : 3);
    out.bulk('library_name');
    out.bulk(li.name);
    out.bulk('engine');
    out.bulk(li.engine);
    out.bulk('functions');
    out.array(li.functions.size);
    for (const f of li.functions.values()) {
      out.map(3);
      out.bulk('name');
      out.bulk(f.name);
      out.bulk('description');
      if (f.desc === null) out.nullBulk();
      else out.bulk(f.desc);
      out.bulk('flags');
      let n = 0;
      for (const [bit] of SCRIPT_FLAGS) if ((f.flags & bit) !== 0) n++;
      out.set(n);
      for (const [bit, name] of SCRIPT_FLAGS) if ((f.flags & bit) !== 0) out.status(name);
    }
    if (withCode) {
      out.bulk('library_code');
      out.bulk(li.code);
    }
  }
}

function functionStats(c: Client): void {
  const engine = scriptEngine(c.server);
  // While an EVAL script runs, Redis refuses FUNCTION STATS with the EVAL -BUSY text.
  if (engine.refuseFunctionStats(c)) return;
  const out = c.out;
  const cur = functionsRegistry(c.server).cur;
  out.map(2);
  out.bulk('running_script');
  engine.writeRunningScript(c);
  out.bulk('engines');
  out.map(1);
  out.bulk('LUA');
  out.map(2);
  out.bulk('libraries_count');
  out.integer(cur.libraries.size);
  out.bulk('functions_count');
  out.integer(cur.nFunctions);
}

function functionKill(c: Client): void {
  scriptEngine(c.server).killCommand(c, false);
}

function functionDump(c: Client): void {
  const buf = functionsRegistry(c.server).dump(c.server.config.bool('rdbcompression'));
  c.out.bulkBytes(buf, 0, buf.length);
}

function functionRestore(c: Client, argv: string[]): void {
  if (argv.length > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let policy: 'flush' | 'append' | 'replace' = 'append';
  if (argv.length === 4) {
    const p = argv[3];
    if (eq(p, 'append')) policy = 'append';
    else if (eq(p, 'replace')) policy = 'replace';
    else if (eq(p, 'flush')) policy = 'flush';
    else {
      c.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      return;
    }
  }
  const payload = Buffer.from(argv[2], 'latin1');
  if (!verifyDumpPayload(payload, false)) {
    c.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  const err = functionsRegistry(c.server).restore(payload, policy);
  if (err !== null) {
    c.error(`ERR ${err}`);
    return;
  }
  c.server.dirty++;
  c.out.ok();
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

function functionHelp(c: Client): void {
  c.out.array(FUNCTION_HELP.length);
  for (const l of FUNCTION_HELP) c.out.status(l);
}

/** FCALL / FCALL_RO (fcallCommandGeneric + scriptPrepareForRun's checks). */
function fcallGeneric(c: Client, argv: string[], ro: boolean): void {
  // MONITOR sees FCALL (skip_monitor) before the commands the function runs.
  if (c.server.monitors.size !== 0) feedMonitors(c.server, c, argv);
  const f = functionsRegistry(c.server).lookup(argv[1]);
  if (f === undefined) {
    c.error('ERR Function not found');
    return;
  }
  const nk = parseInt64(argv[2]);
  if (nk === null) {
    c.error('ERR Bad number of keys provided');
    return;
  }
  if (nk > argv.length - 3) {
    c.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (nk < 0) {
    c.error("ERR Number of keys can't be negative");
    return;
  }
  const noWrites = (f.flags & SF_NO_WRITES) !== 0;
  if (ro && !noWrites) {
    c.error('ERR Can not execute a script with write flag using *_ro command.');
    return;
  }
  const numkeys = Number(nk);
  scriptEngine(c.server).runFunction(c, f.name, f.fn, noWrites, argv, numkeys);
}

function fcallKeys(argv: string[]): number[] {
  const n = Number(argv[2]);
  const keys: number[] = [];
  if (!Number.isInteger(n) || n < 0) return keys;
  for (let i = 0; i < n && 3 + i < argv.length; i++) keys.push(3 + i);
  return keys;
}

const F_WRITE = FLAG_BITS.write;
const F_DENYOOM = FLAG_BITS.denyoom;
const F_STALE = FLAG_BITS.stale;
const F_MAY_REPLICATE = FLAG_BITS.may_replicate;

/** The command flags FCALL runs with: the function's flags decide (scriptFlagsToCmdFlags). */
function fcallFlags(c: Client, argv: string[], flags: number): number {
  const f = functionsRegistry(c.server).lookup(argv[1]);
  if (f === undefined) return flags;
  flags &= ~(F_STALE | F_DENYOOM | F_WRITE | F_MAY_REPLICATE);
  if ((f.flags & (SF_ALLOW_OOM | SF_NO_WRITES)) === 0) flags |= F_DENYOOM;
  if ((f.flags & SF_NO_WRITES) === 0) flags |= F_WRITE;
  if ((f.flags & SF_ALLOW_STALE) !== 0) flags |= F_STALE;
  return flags;
}

// may_replicate (which COMMAND INFO hides) stays only while no function matches (fcallFlags).
const FCALL_FLAGS: CommandSpec['flags'] = [
  'noscript',
  'stale',
  'skip_monitor',
  'may_replicate',
  'no_mandatory_keys',
  'movablekeys',
];

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
  acl: string[] = ['scripting'],
): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, acl, handler, since: '7.0.0' };
}

export const specs: CommandSpec[] = [
  {
    name: 'fcall',
    arity: -3,
    flags: FCALL_FLAGS,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['scripting'],
    handler: (c, a) => fcallGeneric(c, a, false),
    getKeys: fcallKeys,
    dynamicFlags: fcallFlags,
    since: '7.0.0',
    group: 'scripting',
  },
  {
    name: 'fcall_ro',
    arity: -3,
    flags: ['readonly', ...FCALL_FLAGS],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['scripting'],
    handler: (c, a) => fcallGeneric(c, a, true),
    getKeys: fcallKeys,
    dynamicFlags: fcallFlags,
    since: '7.0.0',
    group: 'scripting',
  },
  {
    name: 'function',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    since: '7.0.0',
    group: 'scripting',
    subcommands: [
      sub('restore', -3, ['write', 'denyoom', 'noscript'], functionRestore),
      sub('load', -3, ['write', 'denyoom', 'noscript'], functionLoad),
      sub('dump', 2, ['noscript'], functionDump),
      sub('delete', 3, ['write', 'noscript'], functionDelete),
      sub('list', -2, ['noscript'], functionList),
      sub('help', 2, ['loading', 'stale'], functionHelp),
      sub('stats', 2, ['noscript', 'allow_busy'], functionStats),
      sub('kill', 2, ['noscript', 'allow_busy'], functionKill),
      sub('flush', -2, ['write', 'noscript'], functionFlush),
    ],
  },
];
