/**
 * Scripting commands: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT LOAD/EXISTS/FLUSH/KILL/
 * DEBUG/HELP (Redis 7.0's eval.c). The engine lives in scripting/engine.ts.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { scriptEngine } from '../scripting/engine.js';
import { feedMonitors } from '../server/dispatcher.js';
import { eq } from './util.js';
import { parseInt64 } from '../util/numbers.js';

/** Parses numkeys and runs the script (Redis's evalGenericCommand). */
function evalGeneric(c: Client, argv: string[], bySha: boolean, ro: boolean): void {
  // MONITOR sees EVAL (skip_monitor) before the commands the script runs (evalCommand).
  if (c.server.monitors.size !== 0) feedMonitors(c.server, c, argv);
  const nk = parseInt64(argv[2]);
  if (nk === null) {
    c.error('ERR value is not an integer or out of range');
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
  const numkeys = Number(nk);
  const engine = scriptEngine(c.server);
  let sha: string;
  if (bySha) {
    sha = argv[1].toLowerCase();
    if (argv[1].length !== 40 || !engine.scripts.has(sha)) {
      c.error('NOSCRIPT No matching script. Please use EVAL.');
      return;
    }
  } else {
    const r = engine.createFunction(argv[1]);
    if (r.err !== undefined) {
      c.error(r.err);
      return;
    }
    sha = r.sha;
  }
  engine.runScript(c, sha, argv, numkeys, ro);
}

function evalKeys(argv: string[]): number[] {
  const n = Number(argv[2]);
  const keys: number[] = [];
  if (!Number.isInteger(n) || n < 0) return keys;
  for (let i = 0; i < n && 3 + i < argv.length; i++) keys.push(3 + i);
  return keys;
}

function scriptLoad(c: Client, argv: string[]): void {
  const r = scriptEngine(c.server).createFunction(argv[2]);
  if (r.err !== undefined) c.error(r.err);
  else c.out.bulk(r.sha);
}

function scriptExists(c: Client, argv: string[]): void {
  const scripts = scriptEngine(c.server).scripts;
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.out.integer(scripts.has(argv[i].toLowerCase()) ? 1 : 0);
}

function scriptFlush(c: Client, argv: string[]): void {
  if (argv.length > 3 || (argv.length === 3 && !eq(argv[2], 'sync') && !eq(argv[2], 'async'))) {
    c.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
    return;
  }
  scriptEngine(c.server).flush();
  c.out.ok();
}

/** Runs during a busy script, from the instruction hook (src/scripting/busy.ts). */
function scriptKill(c: Client): void {
  scriptEngine(c.server).killCommand(c, true);
}

/**
 * SCRIPT DEBUG: NO answers as Redis (debugging is never on). YES/SYNC would start Redis's Lua
 * debugger (ldb) for the client's next EVAL; Respite has none, so they fail with an error
 * rather than an OK that would promise a debugging session (docs/COMPATIBILITY.md).
 */
function scriptDebug(c: Client, argv: string[]): void {
  // Redis's clientHasPendingReplies: earlier replies of the same batch (a pipeline, or EXEC's
  // array) are still unsent.
  if (c.out.pos !== 0) {
    c.error('ERR SCRIPT DEBUG must be called outside a pipeline');
    return;
  }
  if (eq(argv[2], 'no')) c.out.ok();
  else if (eq(argv[2], 'yes') || eq(argv[2], 'sync'))
    c.error('ERR SCRIPT DEBUG YES/SYNC is not supported: Respite has no Lua debugger (ldb)');
  else c.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

function scriptHelp(c: Client): void {
  c.out.array(SCRIPT_HELP.length);
  for (const l of SCRIPT_HELP) c.out.status(l);
}

const EVAL_FLAGS: CommandSpec['flags'] = [
  'noscript',
  'stale',
  'skip_monitor',
  'no_mandatory_keys',
  'movablekeys',
];
const EVAL_RO_FLAGS: CommandSpec['flags'] = ['readonly', ...EVAL_FLAGS];

function evalSpec(name: string, flags: CommandSpec['flags'], handler: CommandSpec['handler']): CommandSpec {
  return {
    name,
    arity: -3,
    flags,
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['scripting'],
    handler,
    getKeys: evalKeys,
    group: 'scripting',
  };
}

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, acl: ['scripting'], handler };
}

export const specs: CommandSpec[] = [
  { ...evalSpec('eval', EVAL_FLAGS, (c, a) => evalGeneric(c, a, false, false)), since: '2.6.0' },
  { ...evalSpec('evalsha', EVAL_FLAGS, (c, a) => evalGeneric(c, a, true, false)), since: '2.6.0' },
  { ...evalSpec('eval_ro', EVAL_RO_FLAGS, (c, a) => evalGeneric(c, a, false, true)), since: '7.0.0' },
  { ...evalSpec('evalsha_ro', EVAL_RO_FLAGS, (c, a) => evalGeneric(c, a, true, true)), since: '7.0.0' },
  {
    name: 'script',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    since: '2.6.0',
    group: 'scripting',
    subcommands: [
      { ...sub('help', 2, ['loading', 'stale'], scriptHelp), since: '5.0.0' },
      { ...sub('flush', -2, ['noscript'], scriptFlush), since: '2.6.0' },
      { ...sub('exists', -3, ['noscript'], scriptExists), since: '2.6.0' },
      { ...sub('load', 3, ['noscript', 'stale'], scriptLoad), since: '2.6.0' },
      { ...sub('kill', 2, ['noscript', 'allow_busy'], scriptKill), since: '2.6.0' },
      { ...sub('debug', 3, ['noscript'], scriptDebug), since: '3.2.0' },
    ],
  },
];
