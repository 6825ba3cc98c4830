/**
 * Command metadata that COMMAND INFO / COMMAND DOCS report beyond the dispatch table: tips,
 * key specs and documentation (summary, since, group, complexity, history, arguments).
 *
 * `redis-7.0.json` is generated once from the oracle (scripts/gen-command-meta.mjs) and is
 * interface data, like a protocol table. `redis-post-7.0.json` is written by hand, following
 * Redis's docs, for the commands added after 7.0 (CLIENT NO-TOUCH, WAITAOF, HEXPIRE, ...).
 * Both are keyed by full name (`get`, `client|list`) and loaded lazily on first use.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface KeySpecMeta {
  notes?: string;
  flags: string[];
  begin_search: { type: string; spec: Record<string, number | string> };
  find_keys: { type: string; spec: Record<string, number | string> };
}

export interface ArgMeta {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  arguments?: ArgMeta[];
}

export interface DocsMeta {
  summary?: string;
  since?: string;
  group: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: [string, string][];
  arguments?: ArgMeta[];
}

export interface CommandMeta {
  arity: number;
  /** Flags as COMMAND INFO shows them (may_replicate, sentinel, protected... are hidden). */
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
  /** ACL categories as COMMAND INFO shows them (implicit ones included), without '@'. */
  acl: string[];
  tips: string[];
  keySpecs: KeySpecMeta[];
  docs: DocsMeta;
}

interface MetaFile {
  redisVersion: string;
  commands: Record<string, CommandMeta>;
  /** 7.0 commands whose later form Respite implements (ZRANK WITHSCORE from 7.2, ...). */
  changed?: Record<string, CommandMeta>;
}

/** Reads a JSON file of this folder, from the source tree when running the compiled code. */
function readMetaFile(name: string): MetaFile {
  const candidates = [
    new URL(`./${name}`, import.meta.url),
    // dist/src/commands/meta/ -> src/commands/meta/ (tsc does not copy JSON files)
    new URL(`../../../../src/commands/meta/${name}`, import.meta.url),
  ];
  for (const u of candidates) {
    const p = fileURLToPath(u);
    if (existsSync(p)) return JSON.parse(readFileSync(p, 'utf8')) as MetaFile;
  }
  throw new Error(`command metadata ${name} not found`);
}

let meta70: Map<string, CommandMeta> | null = null;
let metaAll: Map<string, CommandMeta> | null = null;

/** The oracle's metadata of every Redis 7.0 command and subcommand. */
export function redis70Meta(): Map<string, CommandMeta> {
  if (meta70 === null) meta70 = new Map(Object.entries(readMetaFile('redis-7.0.json').commands));
  return meta70;
}

/** Commands and subcommands added after Redis 7.0 (hand-written from Redis's docs). */
export function postRedis70Meta(): Map<string, CommandMeta> {
  return new Map(Object.entries(readMetaFile('redis-post-7.0.json').commands));
}

/** Redis 7.0 commands that Respite implements in a later version's form (e.g. ZRANK WITHSCORE). */
export function changedAfter70Meta(): Map<string, CommandMeta> {
  return new Map(Object.entries(readMetaFile('redis-post-7.0.json').changed ?? {}));
}

/** Metadata of every Redis command up to 7.4, by full name (later forms where Respite has them). */
export function commandMeta(): Map<string, CommandMeta> {
  if (metaAll === null) {
    metaAll = new Map(redis70Meta());
    for (const [k, v] of postRedis70Meta()) if (!metaAll.has(k)) metaAll.set(k, v);
    for (const [k, v] of changedAfter70Meta()) metaAll.set(k, v);
  }
  return metaAll;
}
