/**
 * The one table of configuration options. It drives the config file, command-line
 * `--option value` arguments, CONFIG GET/SET/REWRITE and the defaults, like Redis's
 * standardConfig table in config.c. Names, aliases, types, bounds, defaults, flags and
 * error texts follow Redis 7.0.15 (checked against the oracle's `CONFIG GET *`).
 *
 * Options that Respite accepts but that have no effect (yet) are marked `noop`; they are
 * listed in docs/CONFIG.md. The only deliberate difference in defaults is `bind`
 * (`127.0.0.1 -::1` instead of `* -::*`), also documented there.
 */
import {
  parseBind,
  parseClientOutputBufferLimit,
  parseDir,
  parseLatencyPercentiles,
  parseNotifyKeyspaceEvents,
  parseOomScoreAdjValues,
  parseReplicaOf,
  parseSave,
  type SpecialParse,
} from './special.js';

import { NUM_MEMORY, NUM_OCTAL, NUM_PERCENT } from './numeric.js';

export { NUM_MEMORY, NUM_OCTAL, NUM_PERCENT };

export type OptionType = 'bool' | 'numeric' | 'string' | 'enum' | 'special';

/** The special options' rewrite styles (Redis's rewriteConfig*Option functions). */
export type SpecialRewrite =
  | 'dir'
  | 'save'
  | 'client-output-buffer-limit'
  | 'oom-score-adj-values'
  | 'notify-keyspace-events'
  | 'bind'
  | 'replicaof'
  | 'latency-tracking-info-percentiles';

export interface OptionDef {
  name: string;
  /** The older name Redis also accepts (`slaveof` for `replicaof`); it is listed by CONFIG GET too. */
  alias?: string;
  type: OptionType;
  /** The default, as CONFIG GET shows it. */
  default: string;
  /** CONFIG SET allowed (Redis: IMMUTABLE_CONFIG when false). */
  mutable: boolean;
  /** PROTECTED_CONFIG: CONFIG SET needs `enable-protected-configs yes|local`. */
  protected?: boolean;
  /** MULTI_ARG_CONFIG: several arguments in the file, space-separated in CONFIG SET. */
  multiArg?: boolean;
  /** HIDDEN_CONFIG: only an exact name finds it in CONFIG GET. */
  hidden?: boolean;
  /** SENSITIVE_CONFIG: its value is redacted from the slow log and MONITOR. */
  sensitive?: boolean;
  /** Accepted and stored but without effect in Respite (documented in docs/CONFIG.md). */
  noop?: boolean;
  /** Respite's own option (Redis has none of that name): left out of oracle comparisons. */
  respite?: boolean;
  /** String options: an empty value means "unset" (CONFIG REWRITE drops the line). */
  emptyIsNull?: boolean;
  /** Numeric options: inclusive bounds, NUM_* flags, unsigned C type (bounds compared unsigned). */
  min?: bigint;
  max?: bigint;
  numFlags?: number;
  unsigned?: boolean;
  /** Enum options: names and values; several names may share a value (the first is shown). */
  enumValues?: readonly (readonly [string, number])[];
  /** Enum of bit flags given as several words (`shutdown-on-sigterm nosave now`). */
  flagsEnum?: boolean;
  /** Extra validation (Redis's is_valid_fn): returns an error text or null. */
  validate?: (v: string | number | bigint | boolean) => string | null;
  /** Special options: parse raw arguments into the canonical CONFIG GET string. */
  parse?: SpecialParse;
  rewrite?: SpecialRewrite;
}

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;

type Extra = Partial<OptionDef>;

function bool(name: string, def: boolean, mutable: boolean, extra: Extra = {}): OptionDef {
  return { name, type: 'bool', default: def ? 'yes' : 'no', mutable, ...extra };
}

function num(
  name: string,
  min: bigint,
  max: bigint,
  def: bigint | number,
  mutable: boolean,
  extra: Extra = {},
): OptionDef {
  const d = BigInt(def);
  const flags = extra.numFlags ?? 0;
  let shown: string;
  if (flags & NUM_OCTAL) shown = d.toString(8);
  else if (flags & NUM_PERCENT && d < 0n) shown = `${-d}%`;
  else shown = d.toString();
  return { name, type: 'numeric', default: shown, min, max, mutable, ...extra };
}

function mem(
  name: string,
  min: bigint,
  max: bigint,
  def: bigint | number,
  mutable: boolean,
  extra: Extra = {},
): OptionDef {
  return num(name, min, max, def, mutable, { ...extra, numFlags: NUM_MEMORY | (extra.numFlags ?? 0) });
}

function str(name: string, def: string, mutable: boolean, extra: Extra = {}): OptionDef {
  return { name, type: 'string', default: def, mutable, ...extra };
}

function enm(
  name: string,
  values: readonly (readonly [string, number])[],
  def: string,
  mutable: boolean,
  extra: Extra = {},
): OptionDef {
  return { name, type: 'enum', enumValues: values, default: def, mutable, ...extra };
}

function special(
  name: string,
  def: string,
  mutable: boolean,
  parse: SpecialParse,
  rewrite: SpecialRewrite,
  extra: Extra = {},
): OptionDef {
  return { name, type: 'special', default: def, mutable, parse, rewrite, ...extra };
}

const noop: Extra = { noop: true };

const MAXMEMORY_POLICIES = [
  ['volatile-lru', 0],
  ['volatile-lfu', 1],
  ['volatile-random', 2],
  ['volatile-ttl', 3],
  ['allkeys-lru', 4],
  ['allkeys-lfu', 5],
  ['allkeys-random', 6],
  ['noeviction', 7],
] as const;
const SYSLOG_FACILITIES = [
  ['user', 0],
  ['local0', 1],
  ['local1', 2],
  ['local2', 3],
  ['local3', 4],
  ['local4', 5],
  ['local5', 6],
  ['local6', 7],
  ['local7', 8],
] as const;
const LOGLEVELS = [
  ['debug', 0],
  ['verbose', 1],
  ['notice', 2],
  ['warning', 3],
] as const;
const SUPERVISED = [
  ['upstart', 0],
  ['systemd', 1],
  ['auto', 2],
  ['no', 3],
] as const;
const AOF_FSYNC = [
  ['everysec', 0],
  ['always', 1],
  ['no', 2],
] as const;
const REPL_DISKLESS_LOAD = [
  ['disabled', 0],
  ['on-empty-db', 1],
  ['swapdb', 2],
] as const;
const TLS_AUTH_CLIENTS = [
  ['no', 0],
  ['yes', 1],
  ['optional', 2],
] as const;
const OOM_SCORE_ADJ = [
  ['no', 0],
  ['yes', 1],
  ['relative', 1],
  ['absolute', 2],
] as const;
const ACL_PUBSUB_DEFAULT = [
  ['allchannels', 1],
  ['resetchannels', 0],
] as const;
const SANITIZE_DUMP = [
  ['no', 0],
  ['yes', 1],
  ['clients', 2],
] as const;
const PROTECTED_ACTION = [
  ['no', 0],
  ['yes', 1],
  ['local', 2],
] as const;
const CLUSTER_ENDPOINT = [
  ['ip', 0],
  ['hostname', 1],
  ['unknown-endpoint', 2],
] as const;
const PROPAGATION_ERROR = [
  ['ignore', 0],
  ['panic', 1],
  ['panic-on-replicas', 2],
] as const;
/** SHUTDOWN flags as bits; `default` is 0. */
export const SHUTDOWN_SAVE = 1;
export const SHUTDOWN_NOSAVE = 2;
export const SHUTDOWN_NOW = 4;
export const SHUTDOWN_FORCE = 8;
const SHUTDOWN_ON_SIG = [
  ['default', 0],
  ['save', SHUTDOWN_SAVE],
  ['nosave', SHUTDOWN_NOSAVE],
  ['now', SHUTDOWN_NOW],
  ['force', SHUTDOWN_FORCE],
] as const;

function validShutdownFlags(v: string | number | bigint | boolean): string | null {
  const words = String(v).split(' ');
  if (words.includes('save') && words.includes('nosave'))
    return "shutdown options SAVE and NOSAVE can't be used simultaneously";
  return null;
}

/** A file name without directory part (Redis's pathIsBaseName). */
function isBaseName(p: string): boolean {
  return !p.includes('/') && !p.includes('\\');
}

function validDbFilename(v: unknown): string | null {
  return isBaseName(String(v)) ? null : "dbfilename can't be a path, just a filename";
}
function validAofFilename(v: unknown): string | null {
  const s = String(v);
  if (s === '') return "appendfilename can't be empty";
  return isBaseName(s) ? null : "appendfilename can't be a path, just a filename";
}
function validAofDirname(v: unknown): string | null {
  const s = String(v);
  if (s === '') return "appenddirname can't be empty";
  return isBaseName(s) ? null : "appenddirname can't be a path, just a dirname";
}
function validHostname(v: unknown): string | null {
  const s = String(v);
  if (s.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(s))
    return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}
/** proc-title-template: `{...}` placeholders must be known variables. */
function validProcTitle(v: unknown): string | null {
  const s = String(v);
  const err = 'template format is invalid or contains unknown variables';
  // Expanded as Redis validates it: an empty title, non-empty addresses and ports.
  const vars: Record<string, string> = {
    title: '',
    'listen-addr': '*:6379',
    'server-mode': '',
    port: '6379',
    'tls-port': '0',
    unixsocket: '',
    'config-file': '',
  };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '{' && s[i + 1] === '{') {
      out += '{';
      i++;
    } else if (ch === '{') {
      const end = s.indexOf('}', i);
      if (end === -1) return err;
      const name = s.slice(i + 1, end);
      if (!Object.prototype.hasOwnProperty.call(vars, name)) return err;
      out += vars[name];
      i = end;
    } else if (ch === '}' && s[i + 1] === '}') {
      out += '}';
      i++;
    } else out += ch;
  }
  return out.trim() === '' ? err : null;
}

export const OPTIONS: OptionDef[] = [
  // ---- Bool options ------------------------------------------------------------------
  bool('rdbchecksum', true, false),
  bool('daemonize', false, false, noop),
  bool('io-threads-do-reads', false, false, noop),
  bool('always-show-logo', false, false),
  bool('protected-mode', true, true),
  bool('rdbcompression', true, true),
  bool('rdb-del-sync-files', false, true, noop),
  bool('activerehashing', true, true, noop),
  bool('stop-writes-on-bgsave-error', true, true),
  bool('set-proc-title', true, false),
  bool('dynamic-hz', true, true),
  bool('lazyfree-lazy-eviction', false, true, noop),
  bool('lazyfree-lazy-expire', false, true, noop),
  bool('lazyfree-lazy-server-del', false, true, noop),
  bool('lazyfree-lazy-user-del', false, true, noop),
  bool('lazyfree-lazy-user-flush', false, true, noop),
  bool('repl-disable-tcp-nodelay', false, true, noop),
  bool('repl-diskless-sync', true, true, noop),
  bool('aof-rewrite-incremental-fsync', true, true),
  bool('no-appendfsync-on-rewrite', false, true),
  bool('cluster-require-full-coverage', true, true, noop),
  bool('rdb-save-incremental-fsync', true, true),
  bool('aof-load-truncated', true, true),
  bool('aof-use-rdb-preamble', true, true),
  bool('aof-timestamp-enabled', false, true),
  bool('cluster-replica-no-failover', false, true, { alias: 'cluster-slave-no-failover', noop: true }),
  bool('replica-lazy-flush', false, true, { alias: 'slave-lazy-flush', noop: true }),
  bool('replica-serve-stale-data', true, true, { alias: 'slave-serve-stale-data', noop: true }),
  bool('replica-read-only', true, true, { alias: 'slave-read-only', noop: true }),
  bool('replica-ignore-maxmemory', true, true, { alias: 'slave-ignore-maxmemory', noop: true }),
  bool('jemalloc-bg-thread', true, true, noop),
  bool('activedefrag', false, true, noop),
  bool('syslog-enabled', false, false, noop),
  bool('cluster-enabled', false, false, noop),
  bool('appendonly', false, true),
  bool('cluster-allow-reads-when-down', false, true, noop),
  bool('cluster-allow-pubsubshard-when-down', true, true, noop),
  bool('crash-log-enabled', true, true, noop),
  bool('crash-memcheck-enabled', true, true, noop),
  bool('use-exit-on-panic', false, true, { hidden: true, noop: true }),
  bool('disable-thp', true, false, noop),
  bool('cluster-allow-replica-migration', true, true, noop),
  bool('replica-announced', true, true, noop),
  bool('latency-tracking', true, true),
  bool('aof-disable-auto-gc', false, true),
  bool('replica-ignore-disk-write-errors', false, true, noop),

  // ---- String options ----------------------------------------------------------------
  str('aclfile', '', false),
  str('unixsocket', '', false, { emptyIsNull: true }),
  str('pidfile', '', false, { emptyIsNull: true }),
  str('replica-announce-ip', '', true, { alias: 'slave-announce-ip', emptyIsNull: true, noop: true }),
  str('masteruser', '', true, { emptyIsNull: true, sensitive: true }),
  str('cluster-announce-ip', '', true, { emptyIsNull: true, noop: true }),
  str('cluster-config-file', 'nodes.conf', false, noop),
  str('cluster-announce-hostname', '', true, { emptyIsNull: true, validate: validHostname, noop: true }),
  str('syslog-ident', 'redis', false, noop),
  str('dbfilename', 'dump.rdb', true, { protected: true, validate: validDbFilename }),
  str('appendfilename', 'appendonly.aof', false, { validate: validAofFilename }),
  str('appenddirname', 'appendonlydir', false, { validate: validAofDirname }),
  str('server_cpulist', '', false, { emptyIsNull: true, noop: true }),
  str('bio_cpulist', '', false, { emptyIsNull: true, noop: true }),
  str('aof_rewrite_cpulist', '', false, { emptyIsNull: true, noop: true }),
  str('bgsave_cpulist', '', false, { emptyIsNull: true, noop: true }),
  str('ignore-warnings', '', true, noop),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', true, { validate: validProcTitle }),
  str('bind-source-addr', '', true, { emptyIsNull: true, noop: true }),
  str('logfile', '', false),
  str('masterauth', '', true, { emptyIsNull: true, sensitive: true }),
  str('requirepass', '', true, { emptyIsNull: true, sensitive: true }),

  // ---- Enum options ------------------------------------------------------------------
  enm('supervised', SUPERVISED, 'no', false, noop),
  enm('syslog-facility', SYSLOG_FACILITIES, 'local0', false, noop),
  enm('repl-diskless-load', REPL_DISKLESS_LOAD, 'disabled', true, noop),
  enm('loglevel', LOGLEVELS, 'notice', true),
  enm('maxmemory-policy', MAXMEMORY_POLICIES, 'noeviction', true),
  enm('appendfsync', AOF_FSYNC, 'everysec', true),
  enm('oom-score-adj', OOM_SCORE_ADJ, 'no', true, noop),
  enm('acl-pubsub-default', ACL_PUBSUB_DEFAULT, 'resetchannels', true),
  enm('sanitize-dump-payload', SANITIZE_DUMP, 'no', true),
  enm('enable-protected-configs', PROTECTED_ACTION, 'no', false),
  enm('enable-debug-command', PROTECTED_ACTION, 'no', false),
  enm('enable-module-command', PROTECTED_ACTION, 'no', false, noop),
  enm('cluster-preferred-endpoint-type', CLUSTER_ENDPOINT, 'ip', true, noop),
  enm('propagation-error-behavior', PROPAGATION_ERROR, 'ignore', true, noop),
  enm('shutdown-on-sigint', SHUTDOWN_ON_SIG, 'default', true, {
    multiArg: true,
    flagsEnum: true,
    validate: validShutdownFlags,
  }),
  enm('shutdown-on-sigterm', SHUTDOWN_ON_SIG, 'default', true, {
    multiArg: true,
    flagsEnum: true,
    validate: validShutdownFlags,
  }),

  // ---- Integer options ---------------------------------------------------------------
  num('databases', 1n, INT_MAX, 16, false),
  num('port', 0n, 65535n, 6379, true),
  num('io-threads', 1n, 128n, 1, false, noop),
  num('auto-aof-rewrite-percentage', 0n, INT_MAX, 100, true),
  num('cluster-replica-validity-factor', 0n, INT_MAX, 10, true, {
    alias: 'cluster-slave-validity-factor',
    noop: true,
  }),
  num('list-max-listpack-size', INT_MIN, INT_MAX, -2, true, { alias: 'list-max-ziplist-size' }),
  num('tcp-keepalive', 0n, INT_MAX, 300, true),
  num('cluster-migration-barrier', 0n, INT_MAX, 1, true, noop),
  num('active-defrag-cycle-min', 1n, 99n, 1, true, noop),
  num('active-defrag-cycle-max', 1n, 99n, 25, true, noop),
  num('active-defrag-threshold-lower', 0n, 1000n, 10, true, noop),
  num('active-defrag-threshold-upper', 0n, 1000n, 100, true, noop),
  num('lfu-log-factor', 0n, INT_MAX, 10, true),
  num('lfu-decay-time', 0n, INT_MAX, 1, true),
  num('replica-priority', 0n, INT_MAX, 100, true, { alias: 'slave-priority', noop: true }),
  num('repl-diskless-sync-delay', 0n, INT_MAX, 5, true, noop),
  num('maxmemory-samples', 1n, INT_MAX, 5, true),
  num('maxmemory-eviction-tenacity', 0n, 100n, 10, true),
  num('timeout', 0n, INT_MAX, 0, true),
  num('replica-announce-port', 0n, 65535n, 0, true, { alias: 'slave-announce-port', noop: true }),
  num('tcp-backlog', 0n, INT_MAX, 511, false),
  num('cluster-port', 0n, 65535n, 0, false, noop),
  num('cluster-announce-bus-port', 0n, 65535n, 0, true, noop),
  num('cluster-announce-port', 0n, 65535n, 0, true, noop),
  num('cluster-announce-tls-port', 0n, 65535n, 0, true, noop),
  num('repl-timeout', 1n, INT_MAX, 60, true, noop),
  num('repl-ping-replica-period', 1n, INT_MAX, 10, true, { alias: 'repl-ping-slave-period', noop: true }),
  num('list-compress-depth', 0n, INT_MAX, 0, true),
  num('rdb-key-save-delay', INT_MIN, INT_MAX, 0, true, { hidden: true }),
  num('key-load-delay', INT_MIN, INT_MAX, 0, true, { hidden: true }),
  num('active-expire-effort', 1n, 10n, 1, true),
  num('hz', 0n, INT_MAX, 10, true),
  num('min-replicas-to-write', 0n, INT_MAX, 0, true, { alias: 'min-slaves-to-write', noop: true }),
  num('min-replicas-max-lag', 0n, INT_MAX, 10, true, { alias: 'min-slaves-max-lag', noop: true }),
  num('watchdog-period', 0n, INT_MAX, 0, true, { hidden: true, noop: true }),
  num('shutdown-timeout', 0n, INT_MAX, 10, true),
  num('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0, true, noop),
  // Unsigned int
  num('maxclients', 1n, UINT_MAX, 10000, true, { unsigned: true }),
  num('unixsocketperm', 0n, 0o777n, 0, false, { unsigned: true, numFlags: NUM_OCTAL }),
  num('socket-mark-id', 0n, UINT_MAX, 0, false, { unsigned: true, noop: true }),
  // Unsigned long
  num('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000, true, noop),
  num('slowlog-max-len', 0n, LONG_MAX, 128, true),
  num('acllog-max-len', 0n, LONG_MAX, 128, true),
  // Long long
  num('busy-reply-threshold', 0n, LONG_MAX, 5000, true, { alias: 'lua-time-limit' }),
  num('cluster-node-timeout', 0n, LLONG_MAX, 15000, true, noop),
  num('slowlog-log-slower-than', -1n, LLONG_MAX, 10000, true),
  num('latency-monitor-threshold', 0n, LLONG_MAX, 0, true),
  mem('proto-max-bulk-len', 1024n * 1024n, LONG_MAX, 512n * 1024n * 1024n, true),
  num('stream-node-max-entries', 0n, LLONG_MAX, 100, true),
  mem('repl-backlog-size', 1n, LLONG_MAX, 1024 * 1024, true, noop),
  // Unsigned long long
  mem('maxmemory', 0n, ULLONG_MAX, 0, true, { unsigned: true }),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, true, { unsigned: true, noop: true }),
  // size_t
  num('hash-max-listpack-entries', 0n, LONG_MAX, 512, true, {
    alias: 'hash-max-ziplist-entries',
    unsigned: true,
  }),
  num('set-max-intset-entries', 0n, LONG_MAX, 512, true, { unsigned: true }),
  num('zset-max-listpack-entries', 0n, LONG_MAX, 128, true, {
    alias: 'zset-max-ziplist-entries',
    unsigned: true,
  }),
  mem('active-defrag-ignore-bytes', 1n, LLONG_MAX, 100 << 20, true, { unsigned: true, noop: true }),
  mem('hash-max-listpack-value', 0n, LONG_MAX, 64, true, { alias: 'hash-max-ziplist-value', unsigned: true }),
  mem('stream-node-max-bytes', 0n, LONG_MAX, 4096, true, { unsigned: true }),
  mem('zset-max-listpack-value', 0n, LONG_MAX, 64, true, { alias: 'zset-max-ziplist-value', unsigned: true }),
  mem('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, true, { unsigned: true }),
  num('tracking-table-max-keys', 0n, LONG_MAX, 1000000, true, { unsigned: true }),
  mem('client-query-buffer-limit', 1024n * 1024n, LONG_MAX, 1024 * 1024 * 1024, true, { unsigned: true }),
  mem('maxmemory-clients', -100n, LONG_MAX, 0, true, { numFlags: NUM_PERCENT }),
  // time_t / off_t
  num('repl-backlog-ttl', 0n, LONG_MAX, 60 * 60, true, noop),
  mem('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 64 * 1024 * 1024, true),
  num('loading-process-events-interval-bytes', 1024n, INT_MAX, 1024 * 1024 * 2, true, { hidden: true }),

  // ---- TLS (accepted; Respite has no TLS listener yet) -------------------------------
  num('tls-port', 0n, 65535n, 0, true),
  num('tls-session-cache-size', 0n, INT_MAX, 20 * 1024, true, noop),
  num('tls-session-cache-timeout', 0n, INT_MAX, 300, true),
  bool('tls-cluster', false, true, noop),
  bool('tls-replication', false, true, noop),
  enm('tls-auth-clients', TLS_AUTH_CLIENTS, 'yes', true),
  bool('tls-prefer-server-ciphers', false, true),
  bool('tls-session-caching', true, true),
  str('tls-cert-file', '', true, { emptyIsNull: true }),
  str('tls-key-file', '', true, { emptyIsNull: true }),
  str('tls-key-file-pass', '', true, { emptyIsNull: true }),
  str('tls-client-cert-file', '', true, { emptyIsNull: true, noop: true }),
  str('tls-client-key-file', '', true, { emptyIsNull: true, noop: true }),
  str('tls-client-key-file-pass', '', true, { emptyIsNull: true, noop: true }),
  str('tls-dh-params-file', '', true, { emptyIsNull: true }),
  str('tls-ca-cert-file', '', true, { emptyIsNull: true }),
  str('tls-ca-cert-dir', '', true, { emptyIsNull: true }),
  str('tls-protocols', '', true, { emptyIsNull: true }),
  str('tls-ciphers', '', true, { emptyIsNull: true }),
  str('tls-ciphersuites', '', true, { emptyIsNull: true }),

  // ---- Respite-specific: the browser gateway (src/gateway/, docs/GATEWAY.md) ----------
  num('http-port', 0n, 65535n, 0, false, { respite: true }),
  str('http-bind', '127.0.0.1', false, { respite: true }),
  str('http-cors-origins', '', true, { respite: true }),
  bool('http-tls', false, false, { respite: true }),
  // Gateway Pub/Sub deliveries are written at most once every this many ms (0: after each batch).
  num('http-flush-interval', 0n, 1000n, 10, true, { respite: true }),

  // ---- Special options ---------------------------------------------------------------
  // `dir`'s default is filled in per server (the process's working directory).
  special('dir', '', true, parseDir, 'dir', { protected: true }),
  special('save', '3600 1 300 100 60 10000', true, parseSave, 'save', { multiArg: true }),
  special(
    'client-output-buffer-limit',
    'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    true,
    parseClientOutputBufferLimit,
    'client-output-buffer-limit',
    { multiArg: true },
  ),
  special('oom-score-adj-values', '0 200 800', true, parseOomScoreAdjValues, 'oom-score-adj-values', {
    multiArg: true,
    noop: true,
  }),
  special('notify-keyspace-events', '', true, parseNotifyKeyspaceEvents, 'notify-keyspace-events'),
  special('bind', '127.0.0.1 -::1', true, parseBind, 'bind', { multiArg: true }),
  special('replicaof', '', false, parseReplicaOf, 'replicaof', {
    alias: 'slaveof',
    multiArg: true,
    noop: true,
  }),
  special(
    'latency-tracking-info-percentiles',
    '50 99 99.9',
    true,
    parseLatencyPercentiles,
    'latency-tracking-info-percentiles',
    { multiArg: true },
  ),
];

/** Primary names and aliases (lowercase) -> definition. */
export const OPTION_BY_NAME: Map<string, OptionDef> = new Map();
for (const o of OPTIONS) {
  if (OPTION_BY_NAME.has(o.name)) throw new Error(`duplicate option ${o.name}`);
  OPTION_BY_NAME.set(o.name, o);
  if (o.alias) OPTION_BY_NAME.set(o.alias, o);
}

/** Every name CONFIG GET can list, in table order: each primary name followed by its alias. */
export const OPTION_NAMES: string[] = [];
for (const o of OPTIONS) {
  OPTION_NAMES.push(o.name);
  if (o.alias) OPTION_NAMES.push(o.alias);
}
