/**
 * The ACL command (acl.c aclCommand): SETUSER, GETUSER, DELUSER, LIST, USERS, WHOAMI, CAT,
 * GENPASS, LOG, DRYRUN, LOAD, SAVE, HELP. Users, rules and checks live in server/acl.ts.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import {
  ACL_CATEGORIES,
  ACL_DENIED_AUTH,
  ACL_DENIED_CHANNEL,
  ACL_DENIED_CMD,
  ACL_DENIED_KEY,
  type AclCommand,
  type Selector,
  mergeSelectorArgs,
  randomHex,
} from '../server/acl.js';
import { lookupCommand } from '../server/dispatcher.js';
import { ERR_NOT_INTEGER, eq } from './util.js';
import { parseInt64 } from '../util/numbers.js';

function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function hasSpaces(s: string): boolean {
  return /[\0 \t\n\v\f\r]/.test(s);
}

/** ACL SETUSER username [rule ...]: all rules apply, or none. */
function setuserCommand(c: Client, argv: string[]): void {
  for (let j = 2; j < argv.length; j++) c.redactArgument(j);
  const acl = c.server.acl;
  const name = argv[2];
  if (hasSpaces(name)) {
    c.error("ERR Usernames can't contain spaces or null characters");
    return;
  }
  const merged = mergeSelectorArgs(argv.slice(3));
  if ('invalid' in merged) {
    c.error(`ERR Unmatched parenthesis in acl selector starting at '${argv[merged.invalid + 3]}'.`);
    return;
  }
  const existing = acl.getUser(name);
  const temp = acl.newUser(name);
  if (existing !== undefined) temp.copyFrom(existing);
  const pubsubAll = acl.pubsubAll();
  for (const op of merged.args) {
    const err = temp.apply(op, pubsubAll);
    if (err !== null) {
      c.error(`ERR Error in ACL SETUSER modifier '${op}': ${err}`);
      return;
    }
  }
  if (existing !== undefined) {
    acl.killPubsubClientsIfNeeded(temp, existing);
    existing.copyFrom(temp);
    if (existing === acl.defaultUser) acl.onDefaultUserChanged();
  } else {
    const u = acl.newUser(name);
    u.copyFrom(temp);
    acl.users.set(name, u);
  }
  c.out.ok();
}

function deluserCommand(c: Client, argv: string[]): void {
  const acl = c.server.acl;
  for (let j = 2; j < argv.length; j++) {
    if (argv[j] === 'default') {
      c.error("ERR The 'default' user cannot be removed");
      return;
    }
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    const u = acl.getUser(argv[j]);
    if (u === undefined) continue;
    acl.users.delete(argv[j]);
    acl.killClientsOf(u, c);
    deleted++;
  }
  c.out.integer(deleted);
}

function replySelector(c: Client, s: Selector): void {
  c.out.bulk('commands');
  c.out.bulk(s.describeCommands());
  c.out.bulk('keys');
  c.out.bulk(s.keysDescription());
  c.out.bulk('channels');
  c.out.bulk(s.channelsDescription());
}

function getuserCommand(c: Client, argv: string[]): void {
  const u = c.server.acl.getUser(argv[2]);
  if (u === undefined) {
    c.out.nullBulk();
    return;
  }
  const out = c.out;
  out.map(6);
  out.bulk('flags');
  const flags = u.flagNames();
  out.set(flags.length);
  for (const f of flags) out.bulk(f);
  out.bulk('passwords');
  out.array(u.passwords.length);
  for (const p of u.passwords) out.bulk(p);
  replySelector(c, u.root);
  out.bulk('selectors');
  out.array(u.selectors.length - 1);
  for (let i = 1; i < u.selectors.length; i++) {
    out.map(3);
    replySelector(c, u.selectors[i]);
  }
}

function listCommand(c: Client, argv: string[]): void {
  const acl = c.server.acl;
  const justNames = eq(argv[1], 'users');
  const names = acl.sortedNames();
  c.out.array(names.length);
  for (const n of names) c.out.bulk(justNames ? n : `user ${n} ${acl.getUser(n)!.describe()}`);
}

function whoamiCommand(c: Client): void {
  c.out.bulk(c.user);
}

const ERR_NO_ACLFILE =
  'ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.';

function loadCommand(c: Client): void {
  if (c.server.config.str('aclfile') === '') {
    c.error(ERR_NO_ACLFILE);
    return;
  }
  const errors = c.server.acl.loadFromFile(c);
  if (errors === null) c.out.ok();
  else c.error(errors.startsWith('-') ? errors.slice(1) : 'ERR ' + errors);
}

function saveCommand(c: Client): void {
  if (c.server.config.str('aclfile') === '') {
    c.error(ERR_NO_ACLFILE);
    return;
  }
  if (c.server.acl.saveToFile()) c.out.ok();
  else
    c.error(
      'ERR There was an error trying to save the ACLs. Please check the server logs for more information',
    );
}

function catCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    c.out.array(ACL_CATEGORIES.length);
    for (const n of ACL_CATEGORIES) c.out.bulk(n);
    return;
  }
  if (argv.length !== 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const idx = ACL_CATEGORIES.indexOf(argv[2].toLowerCase());
  if (idx === -1) {
    c.error(`ERR Unknown category '${argv[2].slice(0, 128)}'`);
    return;
  }
  const bit = 1 << idx;
  const names: string[] = [];
  const walk = (cmds: AclCommand[]) => {
    for (const cmd of cmds) {
      if ((cmd.cats & bit) !== 0) names.push(cmd.fullName);
      if (cmd.subs.length !== 0) walk(cmd.subs);
    }
  };
  walk(c.server.acl.universe.top);
  c.out.array(names.length);
  for (const n of names) c.out.bulk(n);
}

const GENPASS_MAX_BITS = 4096;

function genpassCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let bits = 256;
  if (argv.length === 3) {
    const v = parseInt64(argv[2]);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    if (v <= 0 || v > GENPASS_MAX_BITS) {
      c.error(
        `ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to ${GENPASS_MAX_BITS}`,
      );
      return;
    }
    bits = Number(v);
  }
  c.out.bulk(randomHex(Math.floor((bits + 3) / 4)));
}

const REASONS: Record<number, string> = {
  [ACL_DENIED_CMD]: 'command',
  [ACL_DENIED_KEY]: 'key',
  [ACL_DENIED_CHANNEL]: 'channel',
  [ACL_DENIED_AUTH]: 'auth',
};

function logCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const acl = c.server.acl;
  let count = 10;
  if (argv.length === 3) {
    if (eq(argv[2], 'reset')) {
      acl.log = [];
      c.out.ok();
      return;
    }
    const v = parseInt64(argv[2]);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    count = v < 0 ? 0 : Number(v);
  }
  if (count > acl.log.length) count = acl.log.length;
  const out = c.out;
  out.array(count);
  const now = c.server.clock();
  for (let i = 0; i < count; i++) {
    const e = acl.log[i];
    out.map(7);
    out.bulk('count');
    out.integer(e.count);
    out.bulk('reason');
    out.bulk(REASONS[e.reason] ?? 'unknown');
    out.bulk('context');
    out.bulk(e.context);
    out.bulk('object');
    out.bulk(e.object);
    out.bulk('username');
    out.bulk(e.username);
    out.bulk('age-seconds');
    out.double((now - e.ctime) / 1000);
    out.bulk('client-info');
    out.bulk(e.cinfo);
  }
}

/** ACL DRYRUN username command [arg ...]: OK, or why the user may not run it (as a bulk string). */
function dryrunCommand(c: Client, argv: string[]): void {
  const acl = c.server.acl;
  const u = acl.getUser(argv[2]);
  if (u === undefined) {
    c.error(`ERR User '${argv[2]}' not found`);
    return;
  }
  const cmdArgv = argv.slice(3);
  const cmd = lookupCommand(c.server, cmdArgv);
  if (cmd === undefined || (cmd.subMap !== undefined && cmdArgv.length >= 2)) {
    c.error(`ERR Command '${argv[3]}' not found`);
    return;
  }
  if ((cmd.arity > 0 && cmdArgv.length !== cmd.arity) || cmdArgv.length < -cmd.arity) {
    c.error(`ERR wrong number of arguments for '${cmd.fullName}' command`);
    return;
  }
  const d = acl.checkCommand(u, cmd, cmdArgv);
  if (d === null) {
    c.out.ok();
    return;
  }
  if (d.reason === ACL_DENIED_CMD)
    c.out.bulk(`This user has no permissions to run the '${cmd.fullName}' command`);
  else if (d.reason === ACL_DENIED_KEY)
    c.out.bulk(`This user has no permissions to access the '${cmdArgv[d.pos]}' key`);
  else c.out.bulk(`This user has no permissions to access the '${cmdArgv[d.pos]}' channel`);
}

const HELP = [
  'CAT [<category>]',
  '    List all commands that belong to <category>, or all command categories',
  '    when no category is specified.',
  'DELUSER <username> [<username> ...]',
  '    Delete a list of users.',
  'DRYRUN <username> <command> [<arg> ...]',
  '    Returns whether the user can execute the given command without executing the command.',
  'GETUSER <username>',
  "    Get the user's details.",
  'GENPASS [<bits>]',
  '    Generate a secure 256-bit user password. The optional `bits` argument can',
  '    be used to specify a different size.',
  'LIST',
  '    Show users details in config file format.',
  'LOAD',
  '    Reload users from the ACL file.',
  'LOG [<count> | RESET]',
  '    Show the ACL log entries.',
  'SAVE',
  '    Save the current config to the ACL file.',
  'SETUSER <username> <attribute> [<attribute> ...]',
  '    Create or modify a user with the specified attributes.',
  'USERS',
  '    List all the registered usernames.',
  'WHOAMI',
  '    Return the current connection username.',
];

function helpCommand(c: Client): void {
  c.out.array(HELP.length + 3);
  c.out.status('ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  for (const l of HELP) c.out.status(l);
  c.out.status('HELP');
  c.out.status('    Prints this help.');
}

const ADMIN: CommandSpec['flags'] = ['admin', 'noscript', 'loading', 'stale'];
const PLAIN: CommandSpec['flags'] = ['noscript', 'loading', 'stale'];

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
): CommandSpec {
  return { name, arity, flags, firstKey: 0, lastKey: 0, step: 0, acl: [], handler };
}

export const specs: CommandSpec[] = [
  {
    name: 'acl',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      sub('cat', -2, PLAIN, catCommand),
      sub('deluser', -3, ADMIN, deluserCommand),
      sub('dryrun', -4, ADMIN, dryrunCommand),
      sub('genpass', -2, PLAIN, genpassCommand),
      sub('getuser', 3, ADMIN, getuserCommand),
      sub('help', 2, ['loading', 'stale'], helpCommand),
      sub('list', 2, ADMIN, listCommand),
      sub('load', 2, ADMIN, loadCommand),
      sub('log', -2, ADMIN, logCommand),
      sub('save', 2, ADMIN, saveCommand),
      sub('setuser', -3, ADMIN, setuserCommand),
      sub('users', 2, ADMIN, listCommand),
      sub('whoami', 2, PLAIN, whoamiCommand),
    ],
  },
];
