/**
 * The "special" options of Redis's config.c (dir, save, bind, client-output-buffer-limit,
 * notify-keyspace-events, ...): parsing of their raw arguments into the canonical string
 * CONFIG GET shows, with Redis 7.0's exact error texts. Helpers here also turn those
 * canonical strings back into structured values for the subsystems that use them.
 */
import { realpathSync, statSync, accessSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { parseDouble } from '../util/numbers.js';
import { memtoull } from './numeric.js';

export type ParseResult = { value: string } | { error: string };

/** What a special option's parser may need to know besides its arguments. */
export interface SpecialContext {
  /** The option's current canonical value. */
  current: string;
  /** True while a config file (or argv/stdin config) is being read. */
  readingConfigFile: boolean;
  /** `save` lines in a config file accumulate; the first one replaces the defaults. */
  saveLoaded: boolean;
  markSaveLoaded(): void;
  /** The directory relative paths are resolved against (the current `dir`). */
  cwd: string;
  /**
   * notify-keyspace-events' classes as parsed: its canonical string drops `n` next to `A`
   * (as Redis 7.0 prints it) while the class stays enabled.
   */
  setKeyspaceEventFlags?(flags: number): void;
}

export type SpecialParse = (args: string[], ctx: SpecialContext) => ParseResult;

/** strtoll(s, &end, 10) with `*end == '\0'`: leading spaces and a sign allowed; "" is 0. */
function strtollWhole(s: string): number | null {
  if (s === '') return 0;
  const m = /^[ \t\n\v\f\r]*([+-]?\d+)$/.exec(s);
  if (!m) return null;
  const v = Number(m[1]);
  return Number.isFinite(v) ? v : null;
}

// ---- dir -----------------------------------------------------------------------------

/** Like chdir(2): the directory must exist and be searchable; the value is its real path. */
export const parseDir: SpecialParse = (args, ctx) => {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const p = resolve(ctx.cwd, args[0]);
  try {
    const st = statSync(p);
    if (!st.isDirectory()) return { error: 'Not a directory' };
    accessSync(p, fsConstants.X_OK);
    return { value: realpathSync(p) };
  } catch (e) {
    return { error: strerror(e) };
  }
};

/** The C library's text for a Node.js system error (what Redis prints with strerror). */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'No such file or directory';
    case 'ENOTDIR':
      return 'Not a directory';
    case 'EACCES':
      return 'Permission denied';
    case 'EISDIR':
      return 'Is a directory';
    case 'EEXIST':
      return 'File exists';
    case 'EROFS':
      return 'Read-only file system';
    case 'ENOSPC':
      return 'No space left on device';
    case 'EADDRINUSE':
      return 'Address already in use';
    case 'EADDRNOTAVAIL':
      return 'Cannot assign requested address';
    case 'EAFNOSUPPORT':
      return 'Address family not supported by protocol';
    case 'EPERM':
      return 'Operation not permitted';
    case 'ENAMETOOLONG':
      return 'File name too long';
    case 'ELOOP':
      return 'Too many levels of symbolic links';
    default:
      return (e as Error).message ?? String(e);
  }
}

// ---- save ----------------------------------------------------------------------------

export const parseSave: SpecialParse = (args, ctx) => {
  // A single "" means "no save points", even after other `save` lines of a config file.
  if (args.length === 1 && args[0] === '') {
    if (ctx.readingConfigFile) ctx.markSaveLoaded();
    return { value: '' };
  }
  const argv = args;
  if (argv.length % 2 !== 0) return { error: 'Invalid save parameters' };
  const parts: string[] = [];
  for (let j = 0; j < argv.length; j++) {
    const v = strtollWhole(argv[j]);
    if (v === null || (j % 2 === 0 && v < 1) || (j % 2 === 1 && v < 0))
      return { error: 'Invalid save parameters' };
    // Changes are a C int in Redis.
    parts.push(j % 2 === 1 ? String(v | 0) : String(v));
  }
  let prefix = '';
  if (ctx.readingConfigFile) {
    // In a config file, `save` lines accumulate; only the first one drops the defaults.
    if (ctx.saveLoaded) prefix = ctx.current;
    ctx.markSaveLoaded();
  }
  const tail = parts.join(' ');
  return { value: prefix && tail ? `${prefix} ${tail}` : prefix || tail };
};

/** `save` as [seconds, changes] pairs. */
export function saveParams(value: string): [number, number][] {
  const out: [number, number][] = [];
  if (value === '') return out;
  const p = value.split(' ');
  for (let i = 0; i + 1 < p.length; i += 2) out.push([Number(p[i]), Number(p[i + 1])]);
  return out;
}

// ---- client-output-buffer-limit --------------------------------------------------------

export interface ObufLimit {
  hard: bigint;
  soft: bigint;
  softSeconds: number;
}
const OBUF_CLASSES = ['normal', 'slave', 'pubsub'] as const;

/** Parses the canonical `normal H S T slave H S T pubsub H S T` string. */
export function clientOutputBufferLimits(value: string): Record<'normal' | 'slave' | 'pubsub', ObufLimit> {
  const p = value.split(' ');
  const out = {} as Record<'normal' | 'slave' | 'pubsub', ObufLimit>;
  for (let i = 0; i + 3 < p.length; i += 4) {
    out[p[i] as 'normal'] = { hard: BigInt(p[i + 1]), soft: BigInt(p[i + 2]), softSeconds: Number(p[i + 3]) };
  }
  return out;
}

export function formatClientOutputBufferLimit(limits: Record<string, ObufLimit>): string {
  return OBUF_CLASSES.map((c) => `${c} ${limits[c].hard} ${limits[c].soft} ${limits[c].softSeconds}`).join(
    ' ',
  );
}

function clientClassByName(name: string): 'normal' | 'slave' | 'pubsub' | 'master' | null {
  const l = name.toLowerCase();
  if (l === 'normal') return 'normal';
  if (l === 'slave' || l === 'replica') return 'slave';
  if (l === 'pubsub') return 'pubsub';
  if (l === 'master') return 'master';
  return null;
}

export const parseClientOutputBufferLimit: SpecialParse = (args, ctx) => {
  if (args.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  const limits = clientOutputBufferLimits(ctx.current);
  const updates: [string, ObufLimit][] = [];
  for (let j = 0; j < args.length; j += 4) {
    const cls = clientClassByName(args[j]);
    if (cls === null || cls === 'master')
      return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memtoull(args[j + 1]);
    const soft = memtoull(args[j + 2]);
    const secs = strtollWhole(args[j + 3]);
    if (hard === null || soft === null || secs === null || secs < 0)
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    updates.push([cls, { hard, soft, softSeconds: secs }]);
  }
  for (const [cls, l] of updates) limits[cls as 'normal'] = l;
  return { value: formatClientOutputBufferLimit(limits) };
};

// ---- oom-score-adj-values ---------------------------------------------------------------

export const parseOomScoreAdjValues: SpecialParse = (args) => {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const vals: number[] = [];
  for (const a of args) {
    const v = strtollWhole(a);
    if (v === null || v < -2000 || v > 2000)
      return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    vals.push(v);
  }
  return { value: vals.join(' ') };
};

// ---- notify-keyspace-events ---------------------------------------------------------------

const NOTIFY_KEYSPACE = 1 << 0;
const NOTIFY_KEYEVENT = 1 << 1;
const NOTIFY_GENERIC = 1 << 2;
const NOTIFY_STRING = 1 << 3;
const NOTIFY_LIST = 1 << 4;
const NOTIFY_SET = 1 << 5;
const NOTIFY_HASH = 1 << 6;
const NOTIFY_ZSET = 1 << 7;
const NOTIFY_EXPIRED = 1 << 8;
const NOTIFY_EVICTED = 1 << 9;
const NOTIFY_STREAM = 1 << 10;
const NOTIFY_KEY_MISS = 1 << 11;
const NOTIFY_MODULE = 1 << 13;
const NOTIFY_NEW = 1 << 14;
const NOTIFY_ALL =
  NOTIFY_GENERIC |
  NOTIFY_STRING |
  NOTIFY_LIST |
  NOTIFY_SET |
  NOTIFY_HASH |
  NOTIFY_ZSET |
  NOTIFY_EXPIRED |
  NOTIFY_EVICTED |
  NOTIFY_STREAM |
  NOTIFY_MODULE;

/**
 * notify-keyspace-events letters -> NOTIFY_* bits (the values of src/server/notify.ts), or -1
 * for an unknown letter (Redis's keyspaceEventsStringToFlags).
 */
export function keyspaceEventsStringToFlags(s: string): number {
  let flags = 0;
  for (const ch of s) {
    switch (ch) {
      case 'A':
        flags |= NOTIFY_ALL;
        break;
      case 'g':
        flags |= NOTIFY_GENERIC;
        break;
      case '$':
        flags |= NOTIFY_STRING;
        break;
      case 'l':
        flags |= NOTIFY_LIST;
        break;
      case 's':
        flags |= NOTIFY_SET;
        break;
      case 'h':
        flags |= NOTIFY_HASH;
        break;
      case 'z':
        flags |= NOTIFY_ZSET;
        break;
      case 'x':
        flags |= NOTIFY_EXPIRED;
        break;
      case 'e':
        flags |= NOTIFY_EVICTED;
        break;
      case 'K':
        flags |= NOTIFY_KEYSPACE;
        break;
      case 'E':
        flags |= NOTIFY_KEYEVENT;
        break;
      case 't':
        flags |= NOTIFY_STREAM;
        break;
      case 'm':
        flags |= NOTIFY_KEY_MISS;
        break;
      case 'd':
        flags |= NOTIFY_MODULE;
        break;
      case 'n':
        flags |= NOTIFY_NEW;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

/** NOTIFY_* bits -> the canonical letters CONFIG GET shows (keyspaceEventsFlagsToString). */
export function keyspaceEventsFlagsToString(flags: number): string {
  let res = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) res += 'A';
  else {
    if (flags & NOTIFY_GENERIC) res += 'g';
    if (flags & NOTIFY_STRING) res += '$';
    if (flags & NOTIFY_LIST) res += 'l';
    if (flags & NOTIFY_SET) res += 's';
    if (flags & NOTIFY_HASH) res += 'h';
    if (flags & NOTIFY_ZSET) res += 'z';
    if (flags & NOTIFY_EXPIRED) res += 'x';
    if (flags & NOTIFY_EVICTED) res += 'e';
    if (flags & NOTIFY_STREAM) res += 't';
    if (flags & NOTIFY_MODULE) res += 'd';
    if (flags & NOTIFY_NEW) res += 'n';
  }
  if (flags & NOTIFY_KEYSPACE) res += 'K';
  if (flags & NOTIFY_KEYEVENT) res += 'E';
  if (flags & NOTIFY_KEY_MISS) res += 'm';
  return res;
}

export const parseNotifyKeyspaceEvents: SpecialParse = (args, ctx) => {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  const flags = keyspaceEventsStringToFlags(args[0]);
  if (flags === -1) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
  ctx.setKeyspaceEventFlags?.(flags);
  return { value: keyspaceEventsFlagsToString(flags) };
};

// ---- bind --------------------------------------------------------------------------------

const CONFIG_BINDADDR_MAX = 16;

export const parseBind: SpecialParse = (args) => {
  if (args.length > CONFIG_BINDADDR_MAX) return { error: 'Too many bind addresses specified.' };
  if (args.length === 1 && args[0] === '') return { value: '' };
  return { value: args.join(' ') };
};

// ---- replicaof ---------------------------------------------------------------------------

export const parseReplicaOf: SpecialParse = (args) => {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (args[0].toLowerCase() === 'no' && args[1].toLowerCase() === 'one') return { value: '' };
  const port = strtollWhole(args[1]);
  if (port === null || args[1] === '' || port < 0 || port > 65535) return { error: 'Invalid master port' };
  return { value: `${args[0]} ${port}` };
};

// ---- latency-tracking-info-percentiles -----------------------------------------------------

/** printf("%f") with trailing zeros (and a trailing '.') removed: 99.9, 50, 99.99. */
function trimmedFixed(v: number): string {
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

export function formatLatencyPercentiles(values: number[]): string {
  return values.map(trimmedFixed).join(' ');
}

export const parseLatencyPercentiles: SpecialParse = (args) => {
  if (args.length === 1 && args[0] === '') return { value: '' };
  const vals: number[] = [];
  for (const a of args) {
    const v = parseDouble(a);
    if (v === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (v > 100 || v < 0)
      return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    vals.push(v);
  }
  return { value: formatLatencyPercentiles(vals) };
};
