/**
 * The one table of configuration options. It drives the config file, command-line
 * `--option value` arguments, CONFIG GET/SET/REWRITE and the defaults, like Redis's
 * standardConfig table in config.c. Defaults and formatting follow Redis 7.0 (the oracle).
 */

export type OptionType = 'bool' | 'int' | 'memory' | 'string' | 'enum' | 'custom';

export interface OptionDef {
  name: string;
  /** Older names accepted as synonyms (e.g. `slaveof` for `replicaof`). */
  aliases?: string[];
  type: OptionType;
  /** Default in config-file syntax (what CONFIG GET returns for the default). */
  default: string;
  /** CONFIG SET allowed (Redis: IMMUTABLE_CONFIG when false). */
  mutable: boolean;
  enumValues?: string[];
  /** Inclusive bounds for int/memory. */
  min?: number;
  max?: number;
  /** For 'custom' options: validate+normalise the raw argument(s); return an error string on failure. */
  parse?: (args: string[]) => { value: string } | { error: string };
  /** Multiple directives in a config file accumulate (e.g. `save`, `user`, `rename-command`). */
  multi?: boolean;
  /** Sensitive values that CONFIG GET still shows but logs must not (requirepass, masterauth). */
  sensitive?: boolean;
  /** Accepted and stored but has no effect in Respite (documented in docs/CONFIG.md). */
  noop?: boolean;
}

const INT_MAX = 2147483647;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

function bool(name: string, def: 'yes' | 'no', mutable = true, extra: Partial<OptionDef> = {}): OptionDef {
  return { name, type: 'bool', default: def, mutable, ...extra };
}
function int(
  name: string,
  def: number,
  min: number,
  max: number,
  mutable = true,
  extra: Partial<OptionDef> = {},
): OptionDef {
  return { name, type: 'int', default: String(def), min, max, mutable, ...extra };
}
function mem(
  name: string,
  def: number,
  min = 0,
  max = LLONG_MAX,
  mutable = true,
  extra: Partial<OptionDef> = {},
): OptionDef {
  return { name, type: 'memory', default: String(def), min, max, mutable, ...extra };
}
function str(name: string, def: string, mutable = true, extra: Partial<OptionDef> = {}): OptionDef {
  return { name, type: 'string', default: def, mutable, ...extra };
}
function enm(
  name: string,
  def: string,
  values: string[],
  mutable = true,
  extra: Partial<OptionDef> = {},
): OptionDef {
  return { name, type: 'enum', default: def, enumValues: values, mutable, ...extra };
}

export const OPTIONS: OptionDef[] = [
  // Network
  {
    name: 'bind',
    type: 'custom',
    default: '* -::*',
    mutable: true,
    parse: (args) => ({ value: args.join(' ') }),
  },
  int('port', 6379, 0, 65535),
  str('unixsocket', '', false),
  {
    name: 'unixsocketperm',
    type: 'custom',
    default: '0',
    mutable: false,
    parse: (args) => {
      if (args.length !== 1 || !/^[0-7]+$/.test(args[0])) return { error: 'Invalid socket file permissions' };
      return { value: String(parseInt(args[0], 8)) };
    },
  },
  int('tcp-backlog', 511, 0, INT_MAX, false),
  int('timeout', 0, 0, INT_MAX),
  int('tcp-keepalive', 300, 0, INT_MAX),
  bool('protected-mode', 'yes'),
  int('maxclients', 10000, 1, INT_MAX),
  // General
  bool('daemonize', 'no', false),
  str('pidfile', '', false),
  enm('loglevel', 'notice', ['debug', 'verbose', 'notice', 'warning', 'nothing']),
  str('logfile', '', false),
  int('databases', 16, 1, INT_MAX, false),
  int('hz', 10, 0, INT_MAX),
  bool('dynamic-hz', 'yes'),
  bool('always-show-logo', 'no', false),
  bool('set-proc-title', 'yes', false),
  bool('syslog-enabled', 'no', false, { noop: true }),
  str('syslog-ident', 'redis', false, { noop: true }),
  str('dir', '', true),
  str('dbfilename', 'dump.rdb'),
  // Security
  str('requirepass', '', true, { sensitive: true }),
  // Limits
  mem('proto-max-bulk-len', 512 * 1024 * 1024, 1024 * 1024, LLONG_MAX),
  mem('client-query-buffer-limit', 1024 * 1024 * 1024, 1024 * 1024, LLONG_MAX),
  mem('maxmemory', 0),
  // Slow log and latency monitor
  int('slowlog-log-slower-than', 10000, -1, LLONG_MAX),
  int('slowlog-max-len', 128, 0, LLONG_MAX),
  int('latency-monitor-threshold', 0, 0, LLONG_MAX),
  bool('latency-tracking', 'yes'),
  // Active expiry
  int('active-expire-effort', 1, 1, 10),
  // Keyspace notifications (Pub/Sub issue) — the option exists from the start
  str('notify-keyspace-events', ''),
  // Encodings used by OBJECT ENCODING for strings (and the collections issue)
  int('hash-max-listpack-entries', 128, 0, LLONG_MAX, true, { aliases: ['hash-max-ziplist-entries'] }),
  int('hash-max-listpack-value', 64, 0, LLONG_MAX, true, { aliases: ['hash-max-ziplist-value'] }),
  int('list-max-listpack-size', -2, -5, INT_MAX, true, { aliases: ['list-max-ziplist-size'] }),
  int('list-compress-depth', 0, 0, INT_MAX),
  int('set-max-intset-entries', 512, 0, LLONG_MAX),
  int('zset-max-listpack-entries', 128, 0, LLONG_MAX, true, { aliases: ['zset-max-ziplist-entries'] }),
  int('zset-max-listpack-value', 64, 0, LLONG_MAX, true, { aliases: ['zset-max-ziplist-value'] }),
  // Persistence (implemented by the persistence issue; accepted now so configs load)
  {
    name: 'save',
    type: 'custom',
    default: '3600 1 300 100 60 10000',
    mutable: true,
    parse: (args) => {
      const joined = args.join(' ').trim();
      if (joined === '' || joined === '""') return { value: '' };
      const parts = joined.split(/\s+/);
      if (parts.length % 2 !== 0) return { error: 'Invalid save parameters' };
      for (const p of parts) if (!/^\d+$/.test(p)) return { error: 'Invalid save parameters' };
      return { value: parts.join(' ') };
    },
  },
  bool('appendonly', 'no'),
  bool('rdbcompression', 'yes'),
  bool('rdbchecksum', 'yes'),
  bool('stop-writes-on-bgsave-error', 'yes'),
  str('appendfilename', 'appendonly.aof', false),
  str('appenddirname', 'appendonlydir', false),
  enm('appendfsync', 'everysec', ['always', 'everysec', 'no']),
  // Lazy freeing: accepted (Respite frees synchronously or in slices)
  bool('lazyfree-lazy-eviction', 'no'),
  bool('lazyfree-lazy-expire', 'no'),
  bool('lazyfree-lazy-server-del', 'no'),
  bool('lazyfree-lazy-user-del', 'no'),
  bool('lazyfree-lazy-user-flush', 'no'),
  // Replication defaults that clients read
  str('masterauth', '', true, { sensitive: true }),
  str('masteruser', ''),
  bool('replica-read-only', 'yes', true, { aliases: ['slave-read-only'] }),
  bool('replica-serve-stale-data', 'yes', true, { aliases: ['slave-serve-stale-data'] }),
  // Memory management
  enm('maxmemory-policy', 'noeviction', [
    'volatile-lru',
    'volatile-lfu',
    'volatile-random',
    'volatile-ttl',
    'allkeys-lru',
    'allkeys-lfu',
    'allkeys-random',
    'noeviction',
  ]),
  int('maxmemory-samples', 5, 1, 64),
  int('maxmemory-eviction-tenacity', 10, 0, 100),
  int('lfu-log-factor', 10, 0, INT_MAX),
  int('lfu-decay-time', 1, 0, INT_MAX),
  // Scripting and client output
  int('busy-reply-threshold', 5000, 0, LLONG_MAX, true, { aliases: ['lua-time-limit'] }),
  {
    name: 'client-output-buffer-limit',
    type: 'custom',
    default: 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    mutable: true,
    parse: (args) => ({ value: args.join(' ') }),
  },
];

export const OPTION_BY_NAME: Map<string, OptionDef> = new Map();
for (const o of OPTIONS) {
  OPTION_BY_NAME.set(o.name, o);
  for (const a of o.aliases ?? []) OPTION_BY_NAME.set(a, o);
}
