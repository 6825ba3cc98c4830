/**
 * COMMAND INFO / COMMAND DOCS replies and key extraction (COMMAND GETKEYS), rendered from the
 * command table plus the metadata files, in the exact shape of Redis 7.0's
 * addReplyCommandInfo / addReplyCommandDocs / getKeysFromCommandWithSpecs.
 */
import type { ReplyWriter } from '../../protocol/writer.js';
import type { CommandSpec, CommandFlag } from '../types.js';
import { commandMeta, type ArgMeta, type CommandMeta, type DocsMeta, type KeySpecMeta } from './index.js';

/** Flags in the order COMMAND INFO prints them; the others (may_replicate, sentinel, ...) are hidden. */
const VISIBLE_FLAGS: string[] = [
  'write',
  'readonly',
  'denyoom',
  'module',
  'admin',
  'pubsub',
  'noscript',
  'blocking',
  'loading',
  'stale',
  'skip_monitor',
  'skip_slowlog',
  'asking',
  'fast',
  'no_auth',
  'no_mandatory_keys',
  'no_async_loading',
  'no_multi',
  'movablekeys',
  'allow_busy',
];

/** ACL categories in Redis's bit order (acl.c ACLCommandCategories), which COMMAND INFO follows. */
export const ACL_CATEGORIES: string[] = [
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

/** The metadata of a table command (by full name), or undefined for one Redis does not have. */
export function metaOf(spec: CommandSpec): CommandMeta | undefined {
  return commandMeta().get(spec.fullName ?? spec.name);
}

/** Key specs: the metadata's, or one built from the legacy first/last/step range. */
export function keySpecsOf(spec: CommandSpec): KeySpecMeta[] {
  const m = metaOf(spec);
  if (m) return m.keySpecs;
  if (spec.firstKey <= 0) return [];
  const lastkey = spec.lastKey < 0 ? spec.lastKey : spec.lastKey - spec.firstKey;
  const write = spec.flags.includes('write');
  return [
    {
      flags: write ? ['RW', 'update'] : ['RO', 'access'],
      begin_search: { type: 'index', spec: { index: spec.firstKey } },
      find_keys: { type: 'range', spec: { lastkey, keystep: spec.step, limit: 0 } },
    },
  ];
}

/** Redis computes movablekeys: any key spec that is not a plain index + range. */
function isMovable(spec: CommandSpec): boolean {
  if (spec.flags.includes('movablekeys')) return true;
  const m = metaOf(spec);
  if (!m) return spec.getKeys !== undefined;
  for (const ks of m.keySpecs) {
    if (ks.begin_search.type !== 'index' || ks.find_keys.type !== 'range') return true;
  }
  return false;
}

/** The flags COMMAND INFO reports for a table command, in Redis's order. */
export function reportedFlags(spec: CommandSpec): string[] {
  const have = new Set<string>(spec.flags as CommandFlag[]);
  if (isMovable(spec)) have.add('movablekeys');
  else have.delete('movablekeys');
  return VISIBLE_FLAGS.filter((f) => have.has(f));
}

/**
 * The ACL categories of a table command (setImplicitACLCategories): the declared ones plus
 * @write, @read, @admin+@dangerous, @pubsub, @fast, @blocking implied by flags, and @slow
 * for anything not @fast.
 */
export function aclCategories(spec: CommandSpec): string[] {
  const cats = new Set<string>();
  for (const a of spec.acl ?? []) cats.add(a.replace(/^@/, '').toLowerCase());
  const f = spec.flags;
  if (f.includes('write')) cats.add('write');
  if (f.includes('readonly') && !cats.has('scripting')) cats.add('read');
  if (f.includes('admin')) {
    cats.add('admin');
    cats.add('dangerous');
  }
  if (f.includes('pubsub')) cats.add('pubsub');
  if (f.includes('fast')) cats.add('fast');
  if (f.includes('blocking')) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_CATEGORIES.filter((c) => cats.has(c));
}

// ---- COMMAND INFO -------------------------------------------------------------------------

function writeStatusSet(out: ReplyWriter, items: string[], prefix = ''): void {
  out.set(items.length);
  for (const s of items) out.status(prefix + s);
}

function writeSpecMap(out: ReplyWriter, o: { type: string; spec: Record<string, number | string> }): void {
  out.map(2);
  out.bulk('type');
  out.bulk(o.type);
  out.bulk('spec');
  const entries = Object.entries(o.spec);
  out.map(entries.length);
  for (const [k, v] of entries) {
    out.bulk(k);
    if (typeof v === 'number') out.integer(v);
    else out.bulk(v);
  }
}

function writeKeySpecs(out: ReplyWriter, specs: KeySpecMeta[]): void {
  out.set(specs.length);
  for (const ks of specs) {
    out.map(ks.notes !== undefined ? 4 : 3);
    if (ks.notes !== undefined) {
      out.bulk('notes');
      out.bulk(ks.notes);
    }
    out.bulk('flags');
    writeStatusSet(out, ks.flags);
    out.bulk('begin_search');
    writeSpecMap(out, ks.begin_search);
    out.bulk('find_keys');
    writeSpecMap(out, ks.find_keys);
  }
}

/** One command's 10-element COMMAND INFO entry. */
export function writeCommandInfo(out: ReplyWriter, spec: CommandSpec): void {
  const m = metaOf(spec);
  out.array(10);
  out.bulk(spec.fullName ?? spec.name);
  out.integer(spec.arity);
  writeStatusSet(out, reportedFlags(spec));
  out.integer(spec.firstKey);
  out.integer(spec.lastKey);
  out.integer(spec.step);
  writeStatusSet(out, aclCategories(spec), '@');
  const tips = m?.tips ?? [];
  out.set(tips.length);
  for (const t of tips) out.bulk(t);
  writeKeySpecs(out, keySpecsOf(spec));
  if (spec.subcommands) {
    out.array(spec.subcommands.length);
    for (const sub of spec.subcommands) writeCommandInfo(out, sub);
  } else {
    out.set(0);
  }
}

// ---- COMMAND DOCS -------------------------------------------------------------------------

function writeArgs(out: ReplyWriter, args: ArgMeta[]): void {
  out.array(args.length);
  for (const a of args) {
    const nested = a.type === 'oneof' || a.type === 'block';
    let n = 2;
    if (a.key_spec_index !== undefined) n++;
    if (a.token !== undefined) n++;
    if (a.summary !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (a.flags !== undefined && a.flags.length > 0) n++;
    if (nested) n++;
    out.map(n);
    out.bulk('name');
    out.bulk(a.name);
    out.bulk('type');
    out.bulk(a.type);
    if (a.key_spec_index !== undefined) {
      out.bulk('key_spec_index');
      out.integer(a.key_spec_index);
    }
    if (a.token !== undefined) {
      out.bulk('token');
      out.bulk(a.token);
    }
    if (a.summary !== undefined) {
      out.bulk('summary');
      out.bulk(a.summary);
    }
    if (a.since !== undefined) {
      out.bulk('since');
      out.bulk(a.since);
    }
    if (a.deprecated_since !== undefined) {
      out.bulk('deprecated_since');
      out.bulk(a.deprecated_since);
    }
    if (a.flags !== undefined && a.flags.length > 0) {
      out.bulk('flags');
      writeStatusSet(out, a.flags);
    }
    if (nested) {
      out.bulk('arguments');
      writeArgs(out, a.arguments ?? []);
    }
  }
}

/** The documentation of a table command: the metadata's, or what the spec itself declares. */
export function docsOf(spec: CommandSpec): DocsMeta {
  const m = metaOf(spec);
  if (m) return m.docs;
  const d: DocsMeta = { group: spec.group ?? spec.parent?.group ?? 'generic' };
  if (spec.summary !== undefined) d.summary = spec.summary;
  if (spec.since !== undefined) d.since = spec.since;
  return d;
}

/** One command's COMMAND DOCS map (without its name). */
export function writeCommandDocs(out: ReplyWriter, spec: CommandSpec): void {
  const d = docsOf(spec);
  let n = 1;
  if (d.summary !== undefined) n++;
  if (d.since !== undefined) n++;
  if (d.complexity !== undefined) n++;
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) n++;
  if (d.deprecated_since !== undefined) n++;
  if (d.replaced_by !== undefined) n++;
  if (d.history !== undefined) n++;
  if (d.arguments !== undefined) n++;
  if (spec.subcommands) n++;
  out.map(n);
  if (d.summary !== undefined) {
    out.bulk('summary');
    out.bulk(d.summary);
  }
  if (d.since !== undefined) {
    out.bulk('since');
    out.bulk(d.since);
  }
  out.bulk('group');
  out.bulk(d.group);
  if (d.complexity !== undefined) {
    out.bulk('complexity');
    out.bulk(d.complexity);
  }
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) {
    out.bulk('doc_flags');
    writeStatusSet(out, d.doc_flags);
  }
  if (d.deprecated_since !== undefined) {
    out.bulk('deprecated_since');
    out.bulk(d.deprecated_since);
  }
  if (d.replaced_by !== undefined) {
    out.bulk('replaced_by');
    out.bulk(d.replaced_by);
  }
  if (d.history !== undefined) {
    out.bulk('history');
    out.set(d.history.length);
    for (const [since, changes] of d.history) {
      out.array(2);
      out.bulk(since);
      out.bulk(changes);
    }
  }
  if (d.arguments !== undefined) {
    out.bulk('arguments');
    writeArgs(out, d.arguments);
  }
  if (spec.subcommands) {
    out.bulk('subcommands');
    out.map(spec.subcommands.length);
    for (const sub of spec.subcommands) {
      out.bulk(sub.fullName ?? sub.name);
      writeCommandDocs(out, sub);
    }
  }
}

// ---- Key extraction -------------------------------------------------------------------------

export interface KeyRef {
  pos: number;
  flags: string[];
}

/** True when the command may have key arguments (doesCommandHaveKeys). */
export function commandHasKeys(spec: CommandSpec): boolean {
  if (spec.getKeys) return true;
  return keySpecsOf(spec).some((ks) => !ks.flags.includes('not_key'));
}

/** getKeysUsingKeySpecs: positions from the key specs, or null when a spec cannot be resolved. */
function keysFromSpecs(specs: KeySpecMeta[], argv: string[], arity: number): KeyRef[] | null {
  const argc = argv.length;
  const keys: KeyRef[] = [];
  for (const ks of specs) {
    if (ks.flags.includes('not_key')) continue;
    let first = 0;
    const bs = ks.begin_search;
    if (bs.type === 'index') {
      first = bs.spec.index as number;
    } else if (bs.type === 'keyword') {
      const startfrom = bs.spec.startfrom as number;
      const keyword = (bs.spec.keyword as string).toLowerCase();
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === keyword) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword not found: no keys from this spec
    } else {
      return null;
    }
    let last: number;
    let step: number;
    const fk = ks.find_keys;
    if (fk.type === 'range') {
      const lastkey = fk.spec.lastkey as number;
      const limit = fk.spec.limit as number;
      step = fk.spec.keystep as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.floor((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep as number;
      const idx = fk.spec.keynumidx as number;
      if (idx >= argc || first + idx >= argc) return null;
      const s = argv[first + idx];
      if (!/^-?(0|[1-9][0-9]*)$/.test(s)) return null;
      const numkeys = Number(s);
      if (numkeys < 0 || !Number.isSafeInteger(numkeys)) return null;
      first += fk.spec.firstkey as number;
      last = first + numkeys - 1;
    } else {
      return null;
    }
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) {
      if (i >= argc || i < first) {
        if (arity < 0) continue;
        break;
      }
      keys.push({ pos: i, flags: ks.flags });
    }
    if (ks.flags.includes('incomplete')) return null;
  }
  return keys;
}

/**
 * Flags of the keys found by a command's own key finder, for the commands whose key specs
 * cannot say (Redis's setGetKeys, bitfieldGetKeys, sortGetKeys, migrateGetKeys, ...).
 */
function procKeyFlags(spec: CommandSpec, argv: string[], pos: number, index: number): string[] {
  const name = spec.fullName ?? spec.name;
  const has = (tok: string) => argv.some((a, i) => i > 1 && a.toLowerCase() === tok);
  switch (name) {
    case 'set':
      return has('get') ? ['RW', 'access', 'update'] : ['OW', 'update'];
    case 'bitfield': {
      let readonly = true;
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i].toLowerCase();
        if (a === 'set' || a === 'incrby') readonly = false;
      }
      return readonly ? ['RO', 'access'] : ['RW', 'access', 'update'];
    }
    case 'sort':
      return index === 0 ? ['RO', 'access'] : ['OW', 'update'];
    case 'sort_ro':
      return ['RO', 'access'];
    case 'migrate':
      return ['RW', 'access', 'delete'];
  }
  // Otherwise the flags of the key spec whose range holds the position.
  const specs = keySpecsOf(spec);
  for (const ks of specs) {
    if (ks.begin_search.type === 'index' && ks.begin_search.spec.index === pos) {
      return ks.flags.filter((f) => f !== 'variable_flags' && f !== 'incomplete');
    }
  }
  const f = specs[Math.min(index, specs.length - 1)]?.flags ?? [];
  return f.filter((x) => x !== 'variable_flags' && x !== 'incomplete');
}

/**
 * getKeysFromCommandWithSpecs: key specs first (when complete and their flags are fixed),
 * then the command's own key finder (`getKeys`), then the legacy first/last/step range.
 */
export function getKeysWithFlags(spec: CommandSpec, argv: string[]): KeyRef[] {
  const specs = keySpecsOf(spec);
  const hasKeySpec = specs.some((ks) => !ks.flags.includes('not_key'));
  const varFlags = specs.some((ks) => ks.flags.includes('variable_flags'));
  if (hasKeySpec && !varFlags) {
    const r = keysFromSpecs(specs, argv, spec.arity);
    if (r !== null) return r;
  }
  let positions: number[] | null = null;
  if (spec.getKeys) positions = spec.getKeys(argv);
  else if (varFlags && spec.firstKey > 0) {
    positions = [];
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.step) positions.push(i);
  }
  if (positions === null) return [];
  return positions.map((pos, i) => ({ pos, flags: procKeyFlags(spec, argv, pos, i) }));
}
