/**
 * ACL: users, their rules (passwords, command bits, key and channel patterns, selectors),
 * the permission checks and the ACL log, as Redis 7.0's acl.c.
 *
 * The command rules work on a fixed "universe" of command ids: every Redis 7.0 command and
 * subcommand (from the oracle's metadata, so `+xadd` and `ACL CAT stream` behave as in Redis
 * whatever this build implements) plus the commands Respite adds after 7.0. A selector keeps
 * one byte per id; the last id is Redis's reserved "future commands" bit set only by +@all.
 *
 * Hot path: a user whose selector allows every command, key and channel (the default user)
 * has `allPerms` set and the dispatcher skips the check with one branch.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, unlinkSync } from 'node:fs';
import type { CommandSpec } from '../commands/types.js';
import { redis70Meta } from '../commands/meta/index.js';
import { commandHasKeys, getKeysWithFlags } from '../commands/meta/reply.js';
import { globMatch } from '../util/glob.js';
import { splitArgs } from '../protocol/parser.js';
import { strerror } from '../config/special.js';
import type { Client } from './client.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_MULTI, CLIENT_PUBSUB, clientInfoString } from './client.js';
import type { Server } from './server.js';

/** ACL categories in Redis's order (ACL CAT, GETUSER rule synthesis). */
export const ACL_CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];
const CATEGORY_BIT = new Map(ACL_CATEGORIES.map((n, i) => [n, 1 << i]));

/** Denial reasons, ordered as Redis's ACL_DENIED_* (a higher one wins between selectors). */
export const ACL_DENIED_CMD = 1;
export const ACL_DENIED_KEY = 2;
export const ACL_DENIED_AUTH = 3;
export const ACL_DENIED_CHANNEL = 4;

export type AclLogContext = 'toplevel' | 'multi' | 'lua' | 'module';

/** Why a command was refused: the reason and the argv index of the key or channel. */
export interface AclDenial {
  reason: number;
  pos: number;
}

const ERR_UNKNOWN = 'Unknown command or category name in ACL';
const ERR_SYNTAX = 'Syntax error';
const ERR_KEYS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
const ERR_CHANNELS_AFTER_ALL =
  "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
const ERR_NO_SUCH_PASS = 'The password you are trying to remove from the user does not exist';
const ERR_BAD_HASH =
  'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
export const ERR_DUPLICATE_USER = 'Duplicate user found. A user can only be defined once in config files';
const ERR_FIRSTARG_OF_SUB = 'Allowing first-arg of a subcommand is not supported';

// ---- The command universe -------------------------------------------------------------

export interface AclCommand {
  id: number;
  fullName: string;
  /** Category bits (CATEGORY_BIT). */
  cats: number;
  parent: AclCommand | null;
  subs: AclCommand[];
  noAuth: boolean;
}

const IMPLICIT_FLAGS: [string, string][] = [
  ['write', 'write'],
  ['admin', 'admin'],
  ['admin', 'dangerous'],
  ['pubsub', 'pubsub'],
  ['fast', 'fast'],
  ['blocking', 'blocking'],
];

/** Categories of a Respite spec absent from Redis 7.0 (setImplicitACLCategories). */
function specCategories(spec: CommandSpec): number {
  let cats = 0;
  for (const a of spec.acl ?? []) cats |= CATEGORY_BIT.get(a) ?? 0;
  for (const [flag, cat] of IMPLICIT_FLAGS)
    if (spec.flags.includes(flag as never)) cats |= CATEGORY_BIT.get(cat)!;
  if (spec.flags.includes('readonly') && (cats & CATEGORY_BIT.get('scripting')!) === 0)
    cats |= CATEGORY_BIT.get('read')!;
  if ((cats & CATEGORY_BIT.get('fast')!) === 0) cats |= CATEGORY_BIT.get('slow')!;
  return cats;
}

export class CommandUniverse {
  readonly cmds: AclCommand[] = [];
  readonly top: AclCommand[] = [];
  private readonly byName = new Map<string, AclCommand>();
  /** Id of Redis's reserved "can run future commands" bit; also the bitmap size - 1. */
  futureBit = 0;
  /** Per id, cached for the checks: 1/0 = has key arguments or not, -1 = not known yet. */
  readonly hasKeys: Int8Array;
  /** Per id: 0, or how the arguments are channels (CHANNEL_COMMANDS). */
  readonly channelKind: Uint8Array;

  constructor(table: Map<string, CommandSpec>) {
    const meta = redis70Meta();
    const add = (fullName: string, cats: number, noAuth: boolean): AclCommand => {
      const bar = fullName.indexOf('|');
      const parent = bar === -1 ? null : (this.byName.get(fullName.slice(0, bar)) ?? null);
      const cmd: AclCommand = { id: this.cmds.length, fullName, cats, parent, subs: [], noAuth };
      this.cmds.push(cmd);
      this.byName.set(fullName, cmd);
      if (parent !== null) parent.subs.push(cmd);
      else this.top.push(cmd);
      return cmd;
    };
    const catsOf = (names: string[]) => {
      let c = 0;
      for (const n of names) c |= CATEGORY_BIT.get(n) ?? 0;
      return c;
    };
    const names = [...meta.keys()];
    // Containers first so that subcommands find their parent.
    for (const n of names) {
      if (n.includes('|')) continue;
      const m = meta.get(n)!;
      add(n, catsOf(m.acl), m.flags.includes('no_auth'));
    }
    for (const n of names) {
      if (!n.includes('|') || !this.byName.has(n.slice(0, n.indexOf('|')))) continue;
      const m = meta.get(n)!;
      add(n, catsOf(m.acl), m.flags.includes('no_auth'));
    }
    // Commands Respite has beyond Redis 7.0.
    const seen = new Set<CommandSpec>();
    for (const spec of table.values()) {
      if (seen.has(spec)) continue;
      seen.add(spec);
      if (!this.byName.has(spec.fullName!))
        add(spec.fullName!, specCategories(spec), spec.flags.includes('no_auth'));
      for (const sub of spec.subcommands ?? [])
        if (!this.byName.has(sub.fullName!))
          add(sub.fullName!, specCategories(sub), sub.flags.includes('no_auth'));
    }
    this.futureBit = this.cmds.length;
    this.hasKeys = new Int8Array(this.cmds.length).fill(-1);
    this.channelKind = new Uint8Array(this.cmds.length);
    for (const [name, kind] of CHANNEL_COMMANDS) {
      const c = this.byName.get(name);
      if (c !== undefined) this.channelKind[c.id] = kind;
    }
  }

  /** By lowercase full name (`get`, `config|get`). */
  get(fullName: string): AclCommand | undefined {
    return this.byName.get(fullName);
  }

  /** lookupCommandBySdsLogic over the original table: `name` or `container|sub`, case-insensitive. */
  lookup(name: string): AclCommand | undefined {
    const parts = name.split('|');
    if (parts.length > 2) return undefined;
    const base = this.byName.get(parts[0].toLowerCase());
    if (base === undefined || base.parent !== null) return undefined;
    if (parts.length === 1) return base;
    if (base.subs.length === 0) return undefined;
    const sub = this.byName.get(base.fullName + '|' + parts[1].toLowerCase());
    return sub;
  }

  /** The universe id of a dispatch-table spec. */
  idOf(spec: CommandSpec): number {
    let id = spec.aclId;
    if (id === undefined) {
      id = this.byName.get(spec.fullName!)?.id ?? -1;
      spec.aclId = id;
    }
    return id;
  }
}

// ---- Selectors and users ----------------------------------------------------------------

/** Key pattern permissions (ACL_READ_PERMISSION, ACL_WRITE_PERMISSION). */
const PERM_R = 1;
const PERM_W = 2;
const PERM_ALL = 3;

interface KeyPattern {
  pattern: string;
  flags: number;
}

/** Error codes of ACLSetUser (errno in Redis), mapped to texts by setUserErrorText. */
type SetErr = string;

function hasSpaces(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch === 0 || ch === 0x20 || (ch >= 0x09 && ch <= 0x0d)) return true;
  }
  return false;
}

function eqi(a: string, lower: string): boolean {
  return a.length === lower.length && a.toLowerCase() === lower;
}

export class Selector {
  root: boolean;
  allKeys = false;
  allChannels = false;
  allCommands = false;
  allowed: Uint8Array;
  /** Allowed first arguments of otherwise blocked commands (`+select|0`), by id. */
  firstArgs: Map<number, string[]> | null = null;
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(
    readonly u: CommandUniverse,
    root: boolean,
    allChannels: boolean,
  ) {
    this.root = root;
    this.allChannels = allChannels;
    this.allowed = new Uint8Array(u.futureBit + 1);
  }

  clone(): Selector {
    const s = new Selector(this.u, this.root, this.allChannels);
    s.allKeys = this.allKeys;
    s.allCommands = this.allCommands;
    s.allowed.set(this.allowed);
    if (this.firstArgs !== null) {
      s.firstArgs = new Map();
      for (const [k, v] of this.firstArgs) s.firstArgs.set(k, v.slice());
    }
    s.patterns = this.patterns.map((p) => ({ pattern: p.pattern, flags: p.flags }));
    s.channels = this.channels.slice();
    return s;
  }

  private setBit(id: number, value: boolean): void {
    if (value) this.allowed[id] = 1;
    else {
      this.allowed[id] = 0;
      this.allCommands = false;
    }
  }

  /** ACLChangeSelectorPerm: a container's subcommands follow it. */
  changePerm(cmd: AclCommand, allow: boolean): void {
    this.setBit(cmd.id, allow);
    if (this.firstArgs !== null) this.firstArgs.delete(cmd.id);
    for (const sub of cmd.subs) this.setBit(sub.id, allow);
  }

  private setCategory(cmds: AclCommand[], bit: number, allow: boolean): void {
    for (const cmd of cmds) {
      if ((cmd.cats & bit) !== 0) this.changePerm(cmd, allow);
      if (cmd.subs.length !== 0) this.setCategory(cmd.subs, bit, allow);
    }
  }

  private addFirstArg(id: number, arg: string): void {
    if (this.firstArgs === null) this.firstArgs = new Map();
    let list = this.firstArgs.get(id);
    if (list === undefined) this.firstArgs.set(id, (list = []));
    const low = arg.toLowerCase();
    for (const a of list) if (a.toLowerCase() === low) return;
    list.push(arg);
  }

  /** ACLSetSelector: applies one rule; returns an error text or null. */
  apply(op: string): SetErr | null {
    const u = this.u;
    if (eqi(op, 'allkeys') || op === '~*') {
      this.allKeys = true;
      this.patterns = [];
    } else if (eqi(op, 'resetkeys')) {
      this.allKeys = false;
      this.patterns = [];
    } else if (eqi(op, 'allchannels') || op === '&*') {
      this.allChannels = true;
      this.channels = [];
    } else if (eqi(op, 'resetchannels')) {
      this.allChannels = false;
      this.channels = [];
    } else if (eqi(op, 'allcommands') || eqi(op, '+@all')) {
      this.allowed.fill(1);
      this.allCommands = true;
      this.firstArgs = null;
    } else if (eqi(op, 'nocommands') || eqi(op, '-@all')) {
      this.allowed.fill(0);
      this.allCommands = false;
      this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) return ERR_KEYS_AFTER_ALL;
      let flags = 0;
      let offset = 1;
      if (op[0] === '%') {
        for (; offset < op.length; offset++) {
          const ch = op[offset].toUpperCase();
          if (ch === 'R' && (flags & PERM_R) === 0) flags |= PERM_R;
          else if (ch === 'W' && (flags & PERM_W) === 0) flags |= PERM_W;
          else if (op[offset] === '~') {
            offset++;
            break;
          } else return ERR_SYNTAX;
        }
        if (flags === 0) return ERR_SYNTAX;
      } else {
        flags = PERM_ALL;
      }
      const pattern = op.slice(offset);
      if (hasSpaces(pattern)) return ERR_SYNTAX;
      const existing = this.patterns.find((p) => p.pattern === pattern);
      if (existing === undefined) this.patterns.push({ pattern, flags });
      else existing.flags |= flags;
      this.allKeys = false;
    } else if (op[0] === '&') {
      if (this.allChannels) return ERR_CHANNELS_AFTER_ALL;
      const pattern = op.slice(1);
      if (hasSpaces(pattern)) return ERR_SYNTAX;
      if (!this.channels.includes(pattern)) this.channels.push(pattern);
      this.allChannels = false;
    } else if (op[0] === '+' && op[1] !== '@') {
      const bar = op.lastIndexOf('|');
      if (bar === -1) {
        const cmd = u.lookup(op.slice(1));
        if (cmd === undefined) return ERR_UNKNOWN;
        this.changePerm(cmd, true);
      } else {
        const cmd = u.lookup(op.slice(1, bar));
        if (cmd === undefined) return ERR_UNKNOWN;
        if (cmd.parent !== null) return ERR_FIRSTARG_OF_SUB;
        const sub = op.slice(bar + 1);
        if (sub === '') return ERR_SYNTAX;
        if (cmd.subs.length !== 0) {
          const full = u.lookup(op.slice(1));
          if (full === undefined) return ERR_UNKNOWN;
          this.changePerm(full, true);
        } else {
          this.addFirstArg(cmd.id, sub);
        }
      }
    } else if (op[0] === '-' && op[1] !== '@') {
      const cmd = u.lookup(op.slice(1));
      if (cmd === undefined) return ERR_UNKNOWN;
      this.changePerm(cmd, false);
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const bit = CATEGORY_BIT.get(op.slice(2).toLowerCase());
      if (bit === undefined) return ERR_UNKNOWN;
      this.setCategory(u.top, bit, op[0] === '+');
    } else {
      return ERR_SYNTAX;
    }
    return null;
  }

  /** ACLSelectorCheckKey: keyFlags are PERM_R / PERM_W bits the key spec needs. */
  checkKey(key: string, keyFlags: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.flags & keyFlags) !== keyFlags) continue;
      if (globMatch(p.pattern, key)) return true;
    }
    return false;
  }

  checkChannel(channel: string, literal: boolean): boolean {
    if (this.allChannels) return true;
    return channelInList(this.channels, channel, literal);
  }

  // ---- Description (ACLDescribeSelector*) ------------------------------------------------

  private countCategory(cmds: AclCommand[], bit: number, acc: [number, number]): void {
    for (const cmd of cmds) {
      if ((cmd.cats & bit) !== 0) {
        if (this.allowed[cmd.id] !== 0) acc[0]++;
        else acc[1]++;
      }
      if (cmd.subs.length !== 0) this.countCategory(cmd.subs, bit, acc);
    }
  }

  private describeSingle(fake: Selector, cmds: AclCommand[], out: string[]): void {
    for (const cmd of cmds) {
      const userbit = this.allowed[cmd.id] !== 0;
      const fakebit = fake.allowed[cmd.id] !== 0;
      if (userbit !== fakebit) {
        out.push((userbit ? '+' : '-') + cmd.fullName);
        fake.changePerm(cmd, userbit);
      }
      if (cmd.subs.length !== 0) this.describeSingle(fake, cmd.subs, out);
      const fa = this.firstArgs?.get(cmd.id);
      if (!userbit && fa !== undefined) for (const a of fa) out.push(`+${cmd.fullName}|${a}`);
    }
  }

  /** The command rules as ACL SETUSER would take them back (+@all/-@all first). */
  describeCommands(): string {
    const u = this.u;
    const fake = new Selector(u, false, false);
    const out: string[] = [];
    const additive = this.allowed[u.futureBit] === 0;
    out.push(additive ? '-@all' : '+@all');
    fake.apply(additive ? '-@all' : '+@all');
    const temp = new Selector(u, false, false);
    temp.allowed.set(this.allowed);
    const applied = new Uint8Array(ACL_CATEGORIES.length);
    for (;;) {
      let best = -1;
      let mindiff = 0x7fffffff;
      let maxsame = 0;
      for (let j = 0; j < ACL_CATEGORIES.length; j++) {
        if (applied[j]) continue;
        const acc: [number, number] = [0, 0];
        temp.countCategory(u.top, 1 << j, acc);
        const diff = additive ? acc[1] : acc[0];
        const same = additive ? acc[0] : acc[1];
        if (same > diff && (diff < mindiff || (diff === mindiff && same > maxsame))) {
          best = j;
          mindiff = diff;
          maxsame = same;
        }
      }
      if (best === -1) break;
      const name = ACL_CATEGORIES[best];
      fake.apply((additive ? '+@' : '-@') + name);
      temp.apply((additive ? '-@' : '+@') + name);
      out.push((additive ? '+@' : '-@') + name);
      applied[best] = 1;
    }
    this.describeSingle(fake, u.top, out);
    return out.join(' ');
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  /** ACLDescribeSelector: keys, channels and commands as rules. */
  describe(): string {
    let res = '';
    if (this.allKeys) res += '~* ';
    else for (const p of this.patterns) res += patternString(p) + ' ';
    if (this.allChannels) res += '&* ';
    else {
      res += 'resetchannels ';
      for (const c of this.channels) res += '&' + c + ' ';
    }
    return res + this.describeCommands();
  }
}

function patternString(p: KeyPattern): string {
  if (p.flags === PERM_ALL) return '~' + p.pattern;
  if (p.flags === PERM_R) return '%R~' + p.pattern;
  if (p.flags === PERM_W) return '%W~' + p.pattern;
  return '%~' + p.pattern;
}

function channelInList(list: string[], channel: string, literal: boolean): boolean {
  for (const p of list) {
    if (literal ? p === channel : globMatch(p, channel)) return true;
  }
  return false;
}

/** SHA-256 of the password bytes, in lowercase hex (ACLHashPassword). */
export function hashPassword(pass: string): string {
  return createHash('sha256').update(Buffer.from(pass, 'latin1')).digest('hex');
}

function validHash(h: string): boolean {
  return /^[0-9a-f]{64}$/.test(h);
}

const SANITIZE_SKIP = 1;
const SANITIZE = 2;

export class User {
  enabled = false;
  nopass = false;
  /** 0, SANITIZE_SKIP (skip-sanitize-payload) or SANITIZE (sanitize-payload). */
  sanitize = 0;
  passwords: string[] = [];
  selectors: Selector[];
  /** Some selector allows every command, key and channel: the dispatcher skips the check. */
  allPerms = false;

  constructor(
    public name: string,
    readonly u: CommandUniverse,
    pubsubAll: boolean,
  ) {
    this.selectors = [new Selector(u, true, pubsubAll)];
  }

  get root(): Selector {
    return this.selectors[0];
  }

  /** ACLCopyUser: takes src's rules (the name stays). */
  copyFrom(src: User): void {
    this.enabled = src.enabled;
    this.nopass = src.nopass;
    this.sanitize = src.sanitize;
    this.passwords = src.passwords.slice();
    this.selectors = src.selectors.map((s) => s.clone());
    this.refresh();
  }

  refresh(): void {
    this.allPerms = this.selectors.some((s) => s.allCommands && s.allKeys && s.allChannels);
  }

  /** ACLSetUser: applies one rule; returns the error text (ACLSetUserStringError) or null. */
  apply(op: string, pubsubAll: boolean): SetErr | null {
    const err = this.applyOne(op, pubsubAll);
    this.refresh();
    return err;
  }

  private applyOne(op: string, pubsubAll: boolean): SetErr | null {
    if (op.length === 0) return null;
    if (eqi(op, 'on')) this.enabled = true;
    else if (eqi(op, 'off')) this.enabled = false;
    else if (eqi(op, 'skip-sanitize-payload')) this.sanitize = SANITIZE_SKIP;
    else if (eqi(op, 'sanitize-payload')) this.sanitize = SANITIZE;
    else if (eqi(op, 'nopass')) {
      this.nopass = true;
      this.passwords = [];
    } else if (eqi(op, 'resetpass')) {
      this.nopass = false;
      this.passwords = [];
    } else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return ERR_BAD_HASH;
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(op.slice(1));
      else {
        h = op.slice(1);
        if (!validHash(h)) return ERR_BAD_HASH;
      }
      const i = this.passwords.indexOf(h);
      if (i === -1) return ERR_NO_SUCH_PASS;
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(this.u, false, pubsubAll);
      const args = splitArgs(op.slice(1, -1)) ?? [];
      for (const a of args) {
        const err = s.apply(a);
        if (err !== null) return err;
      }
      this.selectors.push(s);
    } else if (eqi(op, 'clearselectors')) {
      this.selectors.length = 1;
    } else if (eqi(op, 'reset')) {
      this.nopass = false;
      this.passwords = [];
      this.root.apply('resetkeys');
      this.root.apply('resetchannels');
      if (pubsubAll) this.root.apply('allchannels');
      this.enabled = false;
      this.sanitize = SANITIZE;
      this.selectors.length = 1;
      this.root.apply('-@all');
    } else {
      return this.root.apply(op);
    }
    return null;
  }

  /** ACLDescribeUser: flags, password hashes and selectors, as ACL LIST shows them. */
  describe(): string {
    let res = this.enabled ? 'on ' : 'off ';
    if (this.nopass) res += 'nopass ';
    if (this.sanitize === SANITIZE_SKIP) res += 'skip-sanitize-payload ';
    else if (this.sanitize === SANITIZE) res += 'sanitize-payload ';
    for (const p of this.passwords) res += '#' + p + ' ';
    for (const s of this.selectors) {
      if (s.root) res += s.describe();
      else res += ` (${s.describe()})`;
    }
    return res;
  }

  /** Flag names in ACL GETUSER's order. */
  flagNames(): string[] {
    const f = [this.enabled ? 'on' : 'off'];
    if (this.nopass) f.push('nopass');
    if (this.sanitize === SANITIZE_SKIP) f.push('skip-sanitize-payload');
    else if (this.sanitize === SANITIZE) f.push('sanitize-payload');
    return f;
  }

  /** ACLUserCheckChannelPerm. */
  checkChannel(channel: string, literal: boolean): boolean {
    for (const s of this.selectors) if (s.checkChannel(channel, literal)) return true;
    return false;
  }

  checkKey(key: string, keyFlags: number): boolean {
    for (const s of this.selectors) if (s.checkKey(key, keyFlags)) return true;
    return false;
  }
}

/**
 * ACLMergeSelectorArguments: a selector may be spread over several arguments
 * (`(+get`, `~k)`). Returns the merged rules, or the index of the unmatched `(`.
 */
export function mergeSelectorArgs(args: string[]): { args: string[] } | { invalid: number } {
  const out: string[] = [];
  let open = -1;
  let sel = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      sel = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      sel += ' ' + op;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(sel);
      }
      continue;
    }
    out.push(op);
  }
  if (open !== -1) return { invalid: open };
  return { args: out };
}

// ---- The ACL log ------------------------------------------------------------------------

export interface AclLogEntry {
  count: number;
  reason: number;
  context: AclLogContext;
  object: string;
  username: string;
  /** Unix ms of the last update. */
  ctime: number;
  cinfo: string;
}

const LOG_GROUPING_MAX_MS = 60000;

/** Pub/sub subscriptions of a client, provided by the pub/sub subsystem (for SETUSER kills). */
export interface PubsubSubscriptions {
  channels: Iterable<string>;
  patterns: Iterable<string>;
  shardChannels: Iterable<string>;
}

/** Filled by the pub/sub subsystem: what a client is subscribed to. */
export const aclPubsubHooks: { subscriptions: ((c: Client) => PubsubSubscriptions) | null } = {
  subscriptions: null,
};

/** Commands whose arguments are Pub/Sub channels (ACLDoesCommandHaveChannels). */
const CHANNEL_COMMANDS = new Map<string, number>([
  ['publish', 1],
  ['spublish', 1],
  ['subscribe', 2],
  ['ssubscribe', 2],
  ['psubscribe', 3],
]);

// ---- The ACL subsystem of one server ------------------------------------------------------

export class Acl {
  readonly universe: CommandUniverse;
  readonly users = new Map<string, User>();
  readonly defaultUser: User;
  log: AclLogEntry[] = [];
  /** `user` directives from the config file, validated and waiting for startup. */
  private readonly usersToLoad: string[][] = [];

  constructor(private readonly server: Server) {
    this.universe = new CommandUniverse(server.commands);
    this.defaultUser = this.createDefaultUser();
    this.users.set('default', this.defaultUser);
  }

  /** acl-pubsub-default: new selectors get allchannels. */
  pubsubAll(): boolean {
    return this.server.config.str('acl-pubsub-default') === 'allchannels';
  }

  newUser(name: string): User {
    return new User(name, this.universe, this.pubsubAll());
  }

  private createDefaultUser(): User {
    const u = this.newUser('default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) u.apply(op, false);
    return u;
  }

  getUser(name: string): User | undefined {
    return this.users.get(name);
  }

  /** Whether new connections must authenticate (the default user has a password or is off). */
  authRequired(): boolean {
    const d = this.defaultUser;
    return !d.nopass || !d.enabled;
  }

  /** requirepass: the default user's password ('' = nopass). */
  updateDefaultPassword(pass: string): void {
    const d = this.defaultUser;
    d.apply('resetpass', false);
    if (pass !== '') d.apply('>' + pass, false);
    else d.apply('nopass', false);
  }

  /** ACLCheckUserCredentials: the user when the pair is valid. */
  checkCredentials(name: string, pass: string): User | null {
    const u = this.users.get(name);
    if (u === undefined || !u.enabled) return null;
    if (u.nopass) return u;
    const h = hashPassword(pass);
    return u.passwords.includes(h) ? u : null;
  }

  /**
   * ACLAuthenticateUser: logs the client in as `name` when the password is right; otherwise
   * records an `auth` entry in the ACL log.
   */
  authenticate(c: Client, name: string, pass: string): boolean {
    const u = this.checkCredentials(name, pass);
    if (u !== null) {
      setClientUser(c, u);
      c.setAuthenticated(true);
      return true;
    }
    const ctx = (c.flags & CLIENT_MULTI) !== 0 ? 'multi' : 'toplevel';
    this.addLogEntry(c, ACL_DENIED_AUTH, ctx, name, c.argv !== null ? c.argv[0] : 'auth');
    return false;
  }

  /** ACLCheckAllUserCommandPerm. */
  checkCommand(u: User, cmd: CommandSpec, argv: string[]): AclDenial | null {
    if (u.allPerms) return null;
    const universe = this.universe;
    const id = universe.idOf(cmd);
    const noAuth = id >= 0 ? universe.cmds[id].noAuth : false;
    let relevant = ACL_DENIED_CMD;
    let lastIdx = 0;
    let keys: { pos: number; flags: string[] }[] | null = null;
    let hasKeys = id >= 0 ? universe.hasKeys[id] : -1;
    if (hasKeys === -1) {
      hasKeys = commandHasKeys(cmd) ? 1 : 0;
      if (id >= 0) universe.hasKeys[id] = hasKeys;
    }
    const chanKind = id >= 0 ? universe.channelKind[id] : 0;
    for (const s of u.selectors) {
      let ret = 0;
      let idx = 0;
      // Command bits (and first-args of otherwise blocked commands).
      if (!s.allCommands && !noAuth && (id < 0 || s.allowed[id] === 0)) {
        const fa = id >= 0 ? s.firstArgs?.get(id) : undefined;
        const argIdx = cmd.parent ? 2 : 1;
        if (argv.length < 2 || fa === undefined || argIdx >= argv.length) ret = ACL_DENIED_CMD;
        else {
          const a = argv[argIdx].toLowerCase();
          ret = fa.some((f) => f.toLowerCase() === a) ? 0 : ACL_DENIED_CMD;
        }
      }
      if (ret === 0 && !s.allKeys && hasKeys === 1) {
        if (keys === null) keys = getKeysWithFlags(cmd, argv);
        for (const k of keys) {
          if (!s.checkKey(argv[k.pos], keySpecPerm(k.flags))) {
            ret = ACL_DENIED_KEY;
            idx = k.pos;
            break;
          }
        }
      }
      if (ret === 0 && !s.allChannels && chanKind !== 0) {
        const end = chanKind === 1 ? 2 : argv.length;
        for (let j = 1; j < end; j++) {
          if (!channelInList(s.channels, argv[j], chanKind === 3)) {
            ret = ACL_DENIED_CHANNEL;
            idx = j;
            break;
          }
        }
      }
      if (ret === 0) return null;
      if (ret > relevant || (ret === relevant && idx > lastIdx)) {
        relevant = ret;
        lastIdx = idx;
      }
    }
    return { reason: relevant, pos: lastIdx };
  }

  /** addACLLogEntry: object defaults to the command name, key or channel the denial names. */
  addLogEntry(c: Client, reason: number, context: AclLogContext, username?: string, object?: string): void {
    const now = this.server.clock();
    const entry: AclLogEntry = {
      count: 1,
      reason,
      context,
      object: object ?? '',
      username: username ?? c.user,
      ctime: now,
      cinfo: clientInfoString(c, now),
    };
    const log = this.log;
    const scan = Math.min(10, log.length);
    for (let i = 0; i < scan; i++) {
      const e = log[i];
      if (
        e.reason === entry.reason &&
        e.context === entry.context &&
        Math.abs(e.ctime - entry.ctime) <= LOG_GROUPING_MAX_MS &&
        e.object === entry.object &&
        e.username === entry.username
      ) {
        e.cinfo = entry.cinfo;
        e.ctime = entry.ctime;
        e.count++;
        log.splice(i, 1);
        log.unshift(e);
        return;
      }
    }
    log.unshift(entry);
    const max = this.server.config.num('acllog-max-len');
    if (log.length > max) log.length = max;
  }

  /** Logs a denial from checkCommand (the dispatcher, MULTI/EXEC, scripts). */
  logDenial(c: Client, d: AclDenial, cmd: CommandSpec, argv: string[], context: AclLogContext): void {
    const object = d.reason === ACL_DENIED_CMD ? cmd.fullName! : argv[d.pos];
    this.addLogEntry(c, d.reason, context, undefined, object);
  }

  // ---- Users from the config file and the ACL file ----------------------------------------

  /**
   * A `user` line of the config file (ACLAppendUserForLoading): validated now, applied at
   * startup. Returns Redis's error text for the config loader or null.
   */
  appendUserForLoading(argv: string[]): string | null {
    // argv is the whole line: `user name rules...`.
    if (this.usersToLoad.some((l) => l[0] === argv[1]))
      return `Error in user declaration '${argv[1]}': ${ERR_DUPLICATE_USER}`;
    const merged = mergeSelectorArgs(argv.slice(2));
    // Redis prints argv[index of the rule] (an index into the rules, not the line).
    if ('invalid' in merged) return `Error in user declaration '${argv[merged.invalid]}': ${ERR_UNKNOWN}`;
    const fake = this.newUser('__fakeuser__');
    for (let j = 0; j < merged.args.length; j++) {
      const err = fake.apply(merged.args[j], this.pubsubAll());
      if (err !== null && err !== ERR_UNKNOWN) return `Error in user declaration '${argv[j]}': ${err}`;
    }
    this.usersToLoad.push([argv[1], ...merged.args]);
    return null;
  }

  /**
   * ACLLoadUsersAtStartup: config-file users, then the ACL file. Returns the log line of a
   * fatal error (the server does not start) or null.
   */
  loadAtStartup(): string | null {
    const aclfile = this.server.config.str('aclfile');
    if (aclfile !== '' && this.usersToLoad.length !== 0)
      return 'Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.';
    for (const rules of this.usersToLoad) {
      const name = rules[0];
      if (hasSpaces(name)) return 'Spaces not allowed in ACL usernames';
      let u = this.users.get(name);
      if (u === undefined) {
        u = this.newUser(name);
        this.users.set(name, u);
      } else {
        u.apply('reset', this.pubsubAll());
      }
      for (let j = 1; j < rules.length; j++) {
        const err = u.apply(rules[j], this.pubsubAll());
        if (err !== null) {
          this.server.log.warning(
            `Error loading ACL rule '${rules[j]}' for the user named '${name}': ${err}`,
          );
          return 'Critical error while loading ACLs. Exiting.';
        }
      }
      if (!u.enabled)
        this.server.log.notice(
          `The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`,
        );
    }
    if (aclfile !== '') {
      const errors = this.loadFromFile();
      if (errors !== null) return `Aborting Redis startup because of ACL errors: ${errors}`;
    }
    return null;
  }

  /** ACLLoadFromFile: all or nothing; returns the errors (one line) or null. */
  loadFromFile(current: Client | null = null): string | null {
    const filename = this.server.config.str('aclfile');
    let text: string;
    try {
      text = readFileSync(this.server.config.resolvePath(filename), 'latin1');
    } catch (e) {
      return `Error loading ACLs, opening file '${filename}': ${strerror(e)}`;
    }
    const lines = text.split('\n');
    const fresh = new Map<string, User>();
    let errors = '';
    const pubsubAll = this.pubsubAll();
    for (let i = 0; i < lines.length; i++) {
      const linenum = i + 1;
      const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${filename}:${linenum} should start with user keyword followed by the username. `;
        continue;
      }
      if (hasSpaces(argv[1])) {
        errors += `'${filename}:${linenum}: username '${argv[1]}' contains invalid characters. `;
        continue;
      }
      if (fresh.has(argv[1])) {
        errors += `WARNING: Duplicate user '${argv[1]}' found on line ${linenum}. `;
        continue;
      }
      const u = this.newUser(argv[1]);
      fresh.set(argv[1], u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if ('invalid' in merged) {
        errors += `${filename}:${linenum}: Unmatched parenthesis in selector definition.`;
        continue;
      }
      // Unknown commands are all named; of the other errors only a line's first is reported.
      let syntaxError = false;
      for (const raw of merged.args) {
        const a = raw.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '');
        const err = u.apply(a, pubsubAll);
        if (err === null) continue;
        if (err === ERR_UNKNOWN)
          errors += `${filename}:${linenum}: Error in applying operation '${a}': ${err}. `;
        else if (!syntaxError) {
          errors += `${filename}:${linenum}: ${err}. `;
          syntaxError = true;
        }
      }
    }
    if (errors !== '')
      return (
        errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed'
      );
    // The default user object is referenced by clients: it takes the new rules in place.
    const newDefault = fresh.get('default') ?? this.createDefaultUser();
    this.defaultUser.copyFrom(newDefault);
    fresh.set('default', this.defaultUser);
    const old = [...this.users.values()].filter((u) => u !== this.defaultUser);
    this.users.clear();
    for (const name of [...fresh.keys()].sort(compareNames)) this.users.set(name, fresh.get(name)!);
    for (const u of old) this.killClientsOf(u, current);
    this.onDefaultUserChanged();
    return null;
  }

  /** ACLSaveToFile: returns false (logged) on an I/O error. */
  saveToFile(): boolean {
    const path = this.server.config.resolvePath(this.server.config.str('aclfile'));
    let text = '';
    for (const name of this.sortedNames()) text += `user ${name} ${this.users.get(name)!.describe()}\n`;
    const tmp = `${path}.tmp-${process.pid}-${this.server.clock()}`;
    try {
      writeFileSync(tmp, Buffer.from(text, 'latin1'), { mode: 0o644 });
    } catch (e) {
      this.server.log.warning(`Opening temp ACL file for ACL SAVE: ${strerror(e)}`);
      return false;
    }
    try {
      renameSync(tmp, path);
    } catch (e) {
      this.server.log.warning(`Renaming ACL file for ACL SAVE: ${strerror(e)}`);
      try {
        unlinkSync(tmp);
      } catch {
        /* gone */
      }
      return false;
    }
    return true;
  }

  /** CONFIG REWRITE's `user` lines (null when an ACL file holds the users). */
  userLines(): string[] | null {
    if (this.server.config.str('aclfile') !== '') return null;
    return this.sortedNames().map((n) => `user ${n} ${this.users.get(n)!.describe()}`);
  }

  /** Usernames in Redis's rax order (bytewise). */
  sortedNames(): string[] {
    return [...this.users.keys()].sort(compareNames);
  }

  /** ACLFreeUserAndKillClients: the user's clients are logged out and disconnected. */
  killClientsOf(u: User, current: Client | null): void {
    const server = this.server;
    for (const cl of [...server.clients.values()]) {
      if (cl.aclUser !== u) continue;
      setClientUser(cl, this.defaultUser);
      cl.authenticated = false;
      // The running client gets its reply first (CLIENT_CLOSE_AFTER_COMMAND).
      if (cl === current) cl.flags |= CLIENT_CLOSE_AFTER_REPLY;
      else server.freeClient(cl);
    }
  }

  /** ACLKillPubsubClientsIfNeeded: pub/sub clients of `original` that `updated` no longer allows. */
  killPubsubClientsIfNeeded(updated: User, original: User): void {
    if (updated.selectors.some((s) => s.allChannels)) return;
    const upcoming: string[] = [];
    for (const s of updated.selectors) for (const ch of s.channels) upcoming.push(ch);
    let match = true;
    for (const s of original.selectors) {
      for (const ch of s.channels) {
        if (!upcoming.includes(ch)) {
          match = false;
          break;
        }
      }
      if (!match) break;
    }
    if (match) return;
    const subsOf = aclPubsubHooks.subscriptions;
    if (subsOf === null) return;
    for (const cl of [...this.server.clients.values()]) {
      if (cl.aclUser !== original || (cl.flags & CLIENT_PUBSUB) === 0) continue;
      const subs = subsOf(cl);
      let kill = false;
      for (const p of subs.patterns) if (!channelInList(upcoming, p, true)) kill = true;
      if (!kill) for (const ch of subs.channels) if (!channelInList(upcoming, ch, false)) kill = true;
      if (!kill) for (const ch of subs.shardChannels) if (!channelInList(upcoming, ch, false)) kill = true;
      if (kill) this.server.freeClient(cl);
    }
  }

  /** After the default user changed (ACL LOAD, SETUSER default, requirepass). */
  onDefaultUserChanged(): void {
    for (const cl of this.server.clients.values()) cl.parser.setAuthRequired(cl.authRequired());
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const keySpecPerms = new WeakMap<string[], number>();

/** The key permission a key spec needs: access reads, insert/delete/update write. */
function keySpecPerm(flags: string[]): number {
  let p = keySpecPerms.get(flags);
  if (p !== undefined) return p;
  p = 0;
  for (const f of flags) {
    if (f === 'access') p |= PERM_R;
    else if (f === 'insert' || f === 'delete' || f === 'update') p |= PERM_W;
  }
  keySpecPerms.set(flags, p);
  return p;
}

/** Makes `u` the client's user (CLIENT LIST user=, ACL WHOAMI). */
export function setClientUser(c: Client, u: User): void {
  c.aclUser = u;
  c.user = u.name;
}

/** ACL GENPASS: `chars` random hex characters. */
export function randomHex(chars: number): string {
  return randomBytes(Math.ceil(chars / 2))
    .toString('hex')
    .slice(0, chars);
}

// ---- API for the dispatcher, MULTI/EXEC, scripts and Pub/Sub ------------------------------

/**
 * Whether the client's user may run `cmd` with `argv` (ACLCheckAllPerm): null when allowed,
 * otherwise the reason and the index of the refused key or channel. Nothing is logged: the
 * caller logs with aclLogDenial in its context and replies with its own text
 * (aclDeniedError at top level, aclExecDeniedError in EXEC, aclScriptDeniedError in scripts).
 */
export function aclCheckCommand(c: Client, cmd: CommandSpec, argv: string[]): AclDenial | null {
  const u = c.aclUser;
  if (u.allPerms) return null;
  return c.server.acl.checkCommand(u, cmd, argv);
}

/** Records a denial in ACL LOG (context: 'toplevel', 'multi', 'lua'). */
export function aclLogDenial(
  c: Client,
  d: AclDenial,
  cmd: CommandSpec,
  argv: string[],
  context: AclLogContext,
): void {
  c.server.acl.logDenial(c, d, cmd, argv, context);
}

/** The NOPERM error of processCommand. */
export function aclDeniedError(d: AclDenial, cmd: CommandSpec): string {
  if (d.reason === ACL_DENIED_CMD)
    return `NOPERM this user has no permissions to run the '${cmd.fullName}' command`;
  if (d.reason === ACL_DENIED_KEY)
    return 'NOPERM this user has no permissions to access one of the keys used as arguments';
  return 'NOPERM this user has no permissions to access one of the channels used as arguments';
}

/** The error EXEC gives for a queued command the ACL no longer allows (multi.c). */
export function aclExecDeniedError(d: AclDenial): string {
  const reason =
    d.reason === ACL_DENIED_CMD
      ? 'no permission to execute the command or subcommand'
      : d.reason === ACL_DENIED_KEY
        ? 'no permission to touch the specified keys'
        : 'no permission to access one of the channels used as arguments';
  return `NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: ${reason}`;
}

/** The error text of a script's redis.call refused by the ACL (script.c scriptVerifyACL). */
export function aclScriptDeniedError(d: AclDenial): string {
  if (d.reason === ACL_DENIED_CMD)
    return "The user executing the script can't run this command or subcommand";
  if (d.reason === ACL_DENIED_KEY)
    return "The user executing the script can't access at least one of the keys mentioned in the command";
  return "The user executing the script can't publish to the channel mentioned in the command";
}

/**
 * Whether `user` may use a Pub/Sub channel (ACLUserCheckChannelPerm). With isPattern the
 * channel is a PSUBSCRIBE pattern, compared literally with the user's channel rules.
 */
export function aclCheckChannel(user: User, channel: string, isPattern: boolean): boolean {
  return user.checkChannel(channel, isPattern);
}

/** Whether `user` may read (write) `key` (ACLUserCheckKeyPerm), for modules-like checks. */
export function aclCheckKey(user: User, key: string, read: boolean, write: boolean): boolean {
  return user.checkKey(key, (read ? PERM_R : 0) | (write ? PERM_W : 0));
}
