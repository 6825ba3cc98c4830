/**
 * Builds the command table from every command group. To add a command: declare its spec in
 * the group file (commands/<group>.ts), in the shape of Redis's command JSON, and it is
 * dispatched, listed by COMMAND, and documented in docs/COMPATIBILITY.md.
 */
import type { CommandSpec } from './types.js';
import { FLAG_BITS } from './types.js';
import { specs as connection } from './connection.js';
import { specs as client } from './client.js';
import { specs as keyspace } from './keyspace.js';
import { specs as string } from './string.js';
import { specs as list } from './list.js';
import { specs as server } from './server.js';
import { specs as config } from './config.js';
import { specs as zset } from './zset.js';
import { specs as hash } from './hash.js';
import { specs as set } from './set.js';
import { specs as sort } from './sort.js';
import { specs as geo } from './geo.js';
import { specs as pubsub } from './pubsub.js';
import { specs as acl } from './acl.js';
import { specs as multi } from './multi.js';
import { specs as persistence } from './persistence.js';
import { specs as stream } from './stream.js';
import { specs as bitops } from './bitops.js';
import { specs as hyperloglog } from './hyperloglog.js';
import { specs as scripting } from './scripting.js';
import { specs as functions } from './functions.js';

/** Every command group, in COMMAND DOCS group order. */
export const GROUPS: CommandSpec[][] = [
  connection,
  client,
  keyspace,
  sort,
  string,
  list,
  hash,
  set,
  zset,
  geo,
  pubsub,
  multi,
  stream,
  bitops,
  hyperloglog,
  scripting,
  functions,
  server,
  acl,
  config,
  persistence,
];

function prepare(spec: CommandSpec, parent?: CommandSpec): void {
  spec.fullName = parent ? `${parent.name}|${spec.name}` : spec.name;
  spec.parent = parent;
  let bits = 0;
  for (const f of spec.flags) bits |= FLAG_BITS[f];
  spec.flagBits = bits;
  spec.stats = { calls: 0, usec: 0, rejectedCalls: 0, failedCalls: 0 };
  if (spec.subcommands) {
    spec.subMap = new Map();
    for (const sub of spec.subcommands) {
      prepare(sub, spec);
      spec.subMap.set(sub.name, sub);
    }
  }
}

/**
 * name -> spec. Each server gets its own copy (stats are per server). Names are stored in
 * lowercase and uppercase so the common spellings skip toLowerCase().
 */
export function buildCommandTable(): Map<string, CommandSpec> {
  const table = new Map<string, CommandSpec>();
  for (const group of GROUPS) {
    for (const proto of group) {
      const spec = cloneSpec(proto);
      prepare(spec);
      if (table.has(spec.name)) throw new Error(`duplicate command ${spec.name}`);
      table.set(spec.name, spec);
    }
  }
  for (const [name, spec] of [...table]) table.set(name.toUpperCase(), spec);
  return table;
}

function cloneSpec(s: CommandSpec): CommandSpec {
  return { ...s, subcommands: s.subcommands?.map(cloneSpec) };
}

/** The distinct specs of a table (without the uppercase aliases). */
export function uniqueCommands(table: Map<string, CommandSpec>): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const [name, spec] of table) if (name === spec.name) out.push(spec);
  return out;
}
