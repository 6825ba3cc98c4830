/**
 * The declarative command table's types. Each commands/<group>.ts exports `specs:
 * CommandSpec[]`, declared in the shape of Redis's own command table (src/commands/*.json):
 * the same table drives dispatch, arity errors, COMMAND INFO/DOCS/GETKEYS, ACL categories
 * and docs/COMPATIBILITY.md.
 */
import type { Client } from '../server/client.js';
import type { LatencyHistogram } from '../server/stats.js';

export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'pubsub'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'skip_monitor'
  | 'skip_slowlog'
  | 'asking'
  | 'fast'
  | 'no_auth'
  | 'may_replicate'
  | 'sentinel'
  | 'only_sentinel'
  | 'no_mandatory_keys'
  | 'protected'
  | 'no_async_loading'
  | 'no_multi'
  | 'movablekeys'
  | 'allow_busy';

/** Bit for each flag, for fast checks in the dispatcher. */
export const FLAG_BITS: Record<CommandFlag, number> = {
  write: 1 << 0,
  readonly: 1 << 1,
  denyoom: 1 << 2,
  admin: 1 << 3,
  pubsub: 1 << 4,
  noscript: 1 << 5,
  blocking: 1 << 6,
  loading: 1 << 7,
  stale: 1 << 8,
  skip_monitor: 1 << 9,
  skip_slowlog: 1 << 10,
  asking: 1 << 11,
  fast: 1 << 12,
  no_auth: 1 << 13,
  may_replicate: 1 << 14,
  sentinel: 1 << 15,
  only_sentinel: 1 << 16,
  no_mandatory_keys: 1 << 17,
  protected: 1 << 18,
  no_async_loading: 1 << 19,
  no_multi: 1 << 20,
  movablekeys: 1 << 21,
  allow_busy: 1 << 22,
};

export type Handler = (c: Client, argv: string[]) => void;

export interface CommandStats {
  calls: number;
  usec: number;
  rejectedCalls: number;
  failedCalls: number;
  /** This command's latency histogram (Stats.latency's entry), valid while `histGen` is current. */
  hist?: LatencyHistogram;
  histGen?: number;
}

export interface CommandSpec {
  /** Lowercase name; for a subcommand, the subcommand's own name (`setname`). */
  name: string;
  /** Redis arity: N = exactly N args (incl. name), -N = at least N. */
  arity: number;
  flags: CommandFlag[];
  /** Legacy key range (COMMAND INFO first/last/step); 0,0,0 when there are no keys. */
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories (without '@') beyond those implied by flags. */
  acl?: string[];
  /** The implementation. A container command (CLIENT, CONFIG, ...) has subcommands instead. */
  handler?: Handler;
  subcommands?: CommandSpec[];
  /** Key positions for commands whose keys move (EVAL, ZUNIONSTORE, XREAD, ...). */
  getKeys?: (argv: string[]) => number[];
  /** Flags that depend on the arguments (FCALL takes its function's flags): given the static ones. */
  dynamicFlags?: (c: Client, argv: string[], flags: number) => number;
  /**
   * The argv index of a value the handler can take as bytes (Client.bigArgs) when it is a big
   * argument, so that it never becomes a JS string (see BIG_ARG_MIN in protocol/parser.ts).
   */
  bigValueArg?: number;
  /** Redis version that introduced the command (COMMAND DOCS `since`). */
  since?: string;
  /** COMMAND DOCS group (`string`, `generic`, `server`, ...). */
  group?: string;
  summary?: string;

  // Filled in when the table is built:
  /** `get`, or `client|setname` for a subcommand. */
  fullName?: string;
  parent?: CommandSpec;
  flagBits?: number;
  stats?: CommandStats;
  /** Subcommands by lowercase name. */
  subMap?: Map<string, CommandSpec>;
  /** The command's id in the ACL command bitmaps (set by server/acl.ts on first use). */
  aclId?: number;
}
