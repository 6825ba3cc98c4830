/**
 * The INFO text (Redis's genRedisInfoString): sections and field names in Redis 7.0.15's
 * order, with Respite's real values where it has them and Redis's idle values for fields
 * that have no meaning here (fork, jemalloc, replication, cluster, ...). Fields owned by a
 * later subsystem (persistence, replication) show "nothing in progress" values until it
 * lands and fills them in.
 */
import os from 'node:os';
import type { Server } from './server.js';
import { REDIS_VERSION, RESPITE_VERSION } from './server.js';
import { CLIENT_BLOCKED, CLIENT_MONITOR, CLIENT_TRACKING } from './client.js';
import { uniqueCommands } from '../commands/index.js';
import type { CommandSpec } from '../commands/types.js';
import { functionsRegistry } from '../scripting/functions.js';

/** Sections INFO prints without arguments (and for `default`). */
const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'module_list',
  'errorstats',
  'cluster',
  'keyspace',
];

/** Redis's bytesToHuman: 100B, 1.50K, 2.00M, ... */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

/** "1.234567" from microseconds, as Redis prints rusage times (%ld.%06ld). */
function cpuTime(us: number): string {
  const sec = Math.floor(us / 1e6);
  return `${sec}.${String(Math.floor(us - sec * 1e6)).padStart(6, '0')}`;
}

/** Characters INFO replaces in names it prints (getSafeInfoString). */
function safeInfoString(s: string): string {
  return /[#:\n\r]/.test(s) ? s.replace(/[#:\n\r]/g, '_') : s;
}

/** %f then trailing zeros trimmed, as Redis prints latency percentiles' names. */
function trimDouble(p: number): string {
  let s = p.toFixed(6);
  s = s.replace(/0+$/, '');
  if (s.endsWith('.')) s = s.slice(0, -1);
  return s;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

/** Every command and subcommand of the table, in table order (Redis's dict order). */
function allCommands(server: Server): CommandSpec[] {
  const out: CommandSpec[] = [];
  for (const cmd of uniqueCommands(server.commands)) {
    out.push(cmd);
    if (cmd.subcommands) for (const sub of cmd.subcommands) out.push(sub);
  }
  return out;
}

/** The latency-tracking-info-percentiles option (or Redis's default when it is not in the table). */
function infoPercentiles(server: Server): number[] {
  try {
    const v = String(server.config.get('latency-tracking-info-percentiles')).trim();
    if (v === '') return [];
    return v.split(/\s+/).map(Number);
  } catch {
    return [50, 99, 99.9];
  }
}

function configNum(server: Server, name: string, dflt: number): number {
  try {
    return server.config.num(name);
  } catch {
    return dflt;
  }
}

function serverSection(server: Server): string {
  const now = Date.now();
  const uptime = Math.floor((server.clock() - server.startTime) / 1000);
  const hz = server.config.num('hz');
  return (
    '# Server\r\n' +
    `redis_version:${REDIS_VERSION}\r\n` +
    `respite_version:${RESPITE_VERSION}\r\n` +
    // No git build: Redis prints these zeros for a release tarball build.
    'redis_git_sha1:00000000\r\n' +
    'redis_git_dirty:0\r\n' +
    'redis_build_id:0000000000000000\r\n' +
    'redis_mode:standalone\r\n' +
    `os:${os.type()} ${os.release()} ${os.machine()}\r\n` +
    `arch_bits:${process.arch.endsWith('64') ? 64 : 32}\r\n` +
    // libuv's timers and event loop: the same kernel facilities Redis uses.
    'monotonic_clock:POSIX clock_gettime\r\n' +
    `multiplexing_api:${multiplexingApi()}\r\n` +
    'atomicvar_api:c11-builtin\r\n' +
    // Not built with gcc: Redis prints 0.0.0 for other compilers.
    'gcc_version:0.0.0\r\n' +
    `process_id:${process.pid}\r\n` +
    'process_supervised:no\r\n' +
    `run_id:${server.runId}\r\n` +
    `tcp_port:${server.port}\r\n` +
    `server_time_usec:${now * 1000}\r\n` +
    `uptime_in_seconds:${uptime}\r\n` +
    `uptime_in_days:${Math.floor(uptime / 86400)}\r\n` +
    `hz:${hz}\r\n` +
    `configured_hz:${hz}\r\n` +
    `lru_clock:${Math.floor(now / 1000) & 0xffffff}\r\n` +
    `executable:${process.argv[1] ?? process.execPath}\r\n` +
    `config_file:${server.configFile}\r\n` +
    'io_threads_active:0\r\n'
  );
}

function clientsSection(server: Server): string {
  let maxIn = 0;
  let maxOut = 0;
  // Clients blocked on keys and those held by CLIENT PAUSE, as Redis 7.0.15 counts them.
  let blocked = 0;
  let tracking = 0;
  let connected = 0;
  for (const c of server.clients.values()) {
    // Monitors are replicas in Redis's books, not counted as connected clients.
    if ((c.flags & CLIENT_MONITOR) === 0) connected++;
    if (c.parser.pending > maxIn) maxIn = c.parser.pending;
    if (c.out.pos > maxOut) maxOut = c.out.pos;
    if ((c.flags & CLIENT_BLOCKED) !== 0 && (c.flags & CLIENT_MONITOR) === 0) blocked++;
    if ((c.flags & CLIENT_TRACKING) !== 0) tracking++;
  }
  return (
    '# Clients\r\n' +
    `connected_clients:${connected}\r\n` +
    'cluster_connections:0\r\n' +
    `maxclients:${server.config.num('maxclients')}\r\n` +
    `client_recent_max_input_buffer:${maxIn}\r\n` +
    `client_recent_max_output_buffer:${maxOut}\r\n` +
    `blocked_clients:${blocked}\r\n` +
    `tracking_clients:${tracking}\r\n` +
    `clients_in_timeout_table:${server.blocking.clientsInTimeoutTable}\r\n`
  );
}

/** Memory figures shared by INFO memory and MEMORY STATS. */
export interface MemoryFigures {
  used: number;
  rss: number;
  peak: number;
  startup: number;
  overhead: number;
  dataset: number;
  heapTotal: number;
  external: number;
}

export function memoryFigures(server: Server): MemoryFigures {
  const mu = process.memoryUsage();
  const used = server.stats.usedMemory(server.evictor.measureUsedMemory());
  const startup = Math.min(server.stats.startupMemory, used);
  // Overhead: what the server holds that is not the dataset (startup state, client buffers).
  let clientBufs = 0;
  for (const c of server.clients.values()) clientBufs += c.out.buf.length + c.parser.pending;
  const overhead = Math.min(used, startup + clientBufs);
  return {
    used,
    rss: mu.rss,
    peak: server.stats.peakMemory,
    startup,
    overhead,
    dataset: used - overhead,
    heapTotal: mu.heapTotal,
    external: mu.external,
  };
}

function memorySection(server: Server): string {
  const m = memoryFigures(server);
  const fm = functionsRegistry(server).memory();
  const total = os.totalmem();
  const maxmemory = server.config.num('maxmemory');
  const pct = (a: number, b: number) => (b === 0 ? 0 : (a * 100) / b).toFixed(2);
  const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b).toFixed(2);
  // The V8 heap plays the allocator's role: allocated = used, active = heap committed.
  const active = m.heapTotal + server.strings.footprint();
  return (
    '# Memory\r\n' +
    `used_memory:${m.used}\r\n` +
    `used_memory_human:${bytesToHuman(m.used)}\r\n` +
    `used_memory_rss:${m.rss}\r\n` +
    `used_memory_rss_human:${bytesToHuman(m.rss)}\r\n` +
    `used_memory_peak:${m.peak}\r\n` +
    `used_memory_peak_human:${bytesToHuman(m.peak)}\r\n` +
    `used_memory_peak_perc:${pct(m.used, m.peak)}%\r\n` +
    `used_memory_overhead:${m.overhead}\r\n` +
    `used_memory_startup:${m.startup}\r\n` +
    `used_memory_dataset:${m.dataset}\r\n` +
    `used_memory_dataset_perc:${pct(m.dataset, m.used - m.startup)}%\r\n` +
    `allocator_allocated:${m.used}\r\n` +
    `allocator_active:${active}\r\n` +
    `allocator_resident:${m.rss}\r\n` +
    `total_system_memory:${total}\r\n` +
    `total_system_memory_human:${bytesToHuman(total)}\r\n` +
    // EVAL's figures are not filled yet; functions' are approximations (scripting/functions.ts).
    'used_memory_lua:0\r\n' +
    'used_memory_vm_eval:0\r\n' +
    'used_memory_lua_human:0B\r\n' +
    'used_memory_scripts_eval:0\r\n' +
    'number_of_cached_scripts:0\r\n' +
    `number_of_functions:${fm.functions}\r\n` +
    `number_of_libraries:${fm.libraries}\r\n` +
    `used_memory_vm_functions:${fm.vm}\r\n` +
    `used_memory_vm_total:${fm.vm}\r\n` +
    `used_memory_vm_total_human:${bytesToHuman(fm.vm)}\r\n` +
    `used_memory_functions:${fm.overhead}\r\n` +
    `used_memory_scripts:${fm.overhead}\r\n` +
    `used_memory_scripts_human:${bytesToHuman(fm.overhead)}\r\n` +
    `maxmemory:${maxmemory}\r\n` +
    `maxmemory_human:${bytesToHuman(maxmemory)}\r\n` +
    `maxmemory_policy:${server.config.str('maxmemory-policy')}\r\n` +
    `allocator_frag_ratio:${ratio(active, m.used)}\r\n` +
    `allocator_frag_bytes:${Math.max(0, active - m.used)}\r\n` +
    `allocator_rss_ratio:${ratio(m.rss, active)}\r\n` +
    `allocator_rss_bytes:${m.rss - active}\r\n` +
    'rss_overhead_ratio:1.00\r\n' +
    'rss_overhead_bytes:0\r\n' +
    `mem_fragmentation_ratio:${ratio(m.rss, m.used)}\r\n` +
    `mem_fragmentation_bytes:${m.rss - m.used}\r\n` +
    'mem_not_counted_for_evict:0\r\n' +
    'mem_replication_backlog:0\r\n' +
    'mem_total_replication_buffers:0\r\n' +
    'mem_clients_slaves:0\r\n' +
    `mem_clients_normal:${m.overhead - m.startup}\r\n` +
    'mem_cluster_links:0\r\n' +
    'mem_aof_buffer:0\r\n' +
    // Not jemalloc: V8's heap and Node's Buffers.
    'mem_allocator:libc\r\n' +
    'active_defrag_running:0\r\n' +
    'lazyfree_pending_objects:0\r\n' +
    'lazyfreed_objects:0\r\n'
  );
}

function persistenceSection(server: Server): string {
  return (
    '# Persistence\r\n' + server.rdb.infoFields() + server.aof.infoFields() + server.rdb.loadingInfoFields()
  );
}

function statsSection(server: Server): string {
  const s = server.stats;
  return (
    '# Stats\r\n' +
    `total_connections_received:${s.connectionsReceived}\r\n` +
    `total_commands_processed:${s.commandsProcessed}\r\n` +
    `instantaneous_ops_per_sec:${Math.floor(s.instOps.value)}\r\n` +
    `total_net_input_bytes:${s.netInputBytes}\r\n` +
    `total_net_output_bytes:${s.netOutputBytes}\r\n` +
    'total_net_repl_input_bytes:0\r\n' +
    'total_net_repl_output_bytes:0\r\n' +
    `instantaneous_input_kbps:${(s.instInput.value / 1024).toFixed(2)}\r\n` +
    `instantaneous_output_kbps:${(s.instOutput.value / 1024).toFixed(2)}\r\n` +
    'instantaneous_input_repl_kbps:0.00\r\n' +
    'instantaneous_output_repl_kbps:0.00\r\n' +
    `rejected_connections:${s.rejectedConnections}\r\n` +
    'sync_full:0\r\n' +
    'sync_partial_ok:0\r\n' +
    'sync_partial_err:0\r\n' +
    `expired_keys:${s.expiredKeys}\r\n` +
    `expired_stale_perc:${(s.expiredStalePerc * 100).toFixed(2)}\r\n` +
    `expired_time_cap_reached_count:${s.expiredTimeCapReachedCount}\r\n` +
    `expire_cycle_cpu_milliseconds:${Math.floor(s.expireCycleCpuMs)}\r\n` +
    `evicted_keys:${s.evictedKeys}\r\n` +
    'evicted_clients:0\r\n' +
    `total_eviction_exceeded_time:${server.evictor.totalOverMs + server.evictor.currentOverMs()}\r\n` +
    `current_eviction_exceeded_time:${server.evictor.currentOverMs()}\r\n` +
    `keyspace_hits:${s.keyspaceHits}\r\n` +
    `keyspace_misses:${s.keyspaceMisses}\r\n` +
    `pubsub_channels:${server.pubsub.channels.size}\r\n` +
    `pubsub_patterns:${server.pubsub.patterns.size}\r\n` +
    `pubsubshard_channels:${server.pubsub.shardChannels.size}\r\n` +
    // Respite never forks.
    'latest_fork_usec:0\r\n' +
    'total_forks:0\r\n' +
    'migrate_cached_sockets:0\r\n' +
    'slave_expires_tracked_keys:0\r\n' +
    // No active defragmentation: V8's GC compacts the heap.
    'active_defrag_hits:0\r\n' +
    'active_defrag_misses:0\r\n' +
    'active_defrag_key_hits:0\r\n' +
    'active_defrag_key_misses:0\r\n' +
    'total_active_defrag_time:0\r\n' +
    'current_active_defrag_time:0\r\n' +
    `tracking_total_keys:${server.tracking.table.size}\r\n` +
    `tracking_total_items:${server.tracking.totalItems}\r\n` +
    `tracking_total_prefixes:${server.tracking.prefixes.size}\r\n` +
    `unexpected_error_replies:${s.unexpectedErrorReplies}\r\n` +
    `total_error_replies:${s.totalErrorReplies}\r\n` +
    'dump_payload_sanitizations:0\r\n' +
    `total_reads_processed:${s.readsProcessed}\r\n` +
    `total_writes_processed:${s.writesProcessed}\r\n` +
    'io_threaded_reads_processed:0\r\n' +
    'io_threaded_writes_processed:0\r\n' +
    'reply_buffer_shrinks:0\r\n' +
    'reply_buffer_expands:0\r\n'
  );
}

function replicationSection(server: Server): string {
  // Replication is not there yet: a master without replicas.
  return (
    '# Replication\r\n' +
    'role:master\r\n' +
    'connected_slaves:0\r\n' +
    'master_failover_state:no-failover\r\n' +
    `master_replid:${server.stats.replid}\r\n` +
    'master_replid2:0000000000000000000000000000000000000000\r\n' +
    'master_repl_offset:0\r\n' +
    'second_repl_offset:-1\r\n' +
    'repl_backlog_active:0\r\n' +
    `repl_backlog_size:${configNum(server, 'repl-backlog-size', 1048576)}\r\n` +
    'repl_backlog_first_byte_offset:0\r\n' +
    'repl_backlog_histlen:0\r\n'
  );
}

function cpuSection(): string {
  const u = process.cpuUsage();
  // Node runs commands on its main thread: the process figures stand for it.
  return (
    '# CPU\r\n' +
    `used_cpu_sys:${cpuTime(u.system)}\r\n` +
    `used_cpu_user:${cpuTime(u.user)}\r\n` +
    'used_cpu_sys_children:0.000000\r\n' +
    'used_cpu_user_children:0.000000\r\n' +
    `used_cpu_sys_main_thread:${cpuTime(u.system)}\r\n` +
    `used_cpu_user_main_thread:${cpuTime(u.user)}\r\n`
  );
}

function commandstatsSection(server: Server): string {
  let out = '# Commandstats\r\n';
  for (const cmd of allCommands(server)) {
    const st = cmd.stats;
    if (!st || (st.calls === 0 && st.failedCalls === 0 && st.rejectedCalls === 0)) continue;
    const usec = Math.round(st.usec);
    const perCall = st.calls === 0 ? 0 : usec / st.calls;
    out +=
      `cmdstat_${safeInfoString(cmd.fullName!)}:calls=${st.calls},usec=${usec},` +
      `usec_per_call=${perCall.toFixed(2)},rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}\r\n`;
  }
  return out;
}

function errorstatsSection(server: Server): string {
  let out = '# Errorstats\r\n';
  // Redis keeps them in a radix tree: sorted by byte order.
  const names = [...server.stats.errors.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    out += `errorstat_${safeInfoString(name)}:count=${server.stats.errors.get(name)}\r\n`;
  }
  return out;
}

function latencystatsSection(server: Server): string {
  let out = '# Latencystats\r\n';
  if (!server.config.bool('latency-tracking')) return out;
  const percentiles = infoPercentiles(server);
  for (const cmd of allCommands(server)) {
    const h = server.stats.latencyOf(cmd);
    if (h === undefined) continue;
    out += `latency_percentiles_usec_${safeInfoString(cmd.fullName!)}:`;
    out += percentiles
      .map((p) => `p${trimDouble(p)}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`)
      .join(',');
    out += '\r\n';
  }
  return out;
}

function keyspaceSection(server: Server): string {
  let out = '# Keyspace\r\n';
  for (const db of server.dbs) {
    const keys = db.dict.size;
    const expires = db.expires.size;
    if (keys || expires) out += `db${db.id}:keys=${keys},expires=${expires},avg_ttl=${db.avgTtl}\r\n`;
  }
  return out;
}

/**
 * INFO [section ...]: `args` are INFO's arguments (section names, `default`, `all`,
 * `everything`), matched case-insensitively.
 */
export function genInfoString(server: Server, args: string[]): string {
  const sections = new Set<string>();
  let all = false;
  if (args.length === 0) for (const s of DEFAULT_SECTIONS) sections.add(s);
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) sections.add(d);
    else if (s === 'all' || s === 'everything') all = true;
    else sections.add(s);
  }
  const want = (name: string) => all || sections.has(name);
  const parts: string[] = [];
  if (want('server')) parts.push(serverSection(server));
  if (want('clients')) parts.push(clientsSection(server));
  if (want('memory')) parts.push(memorySection(server));
  if (want('persistence')) parts.push(persistenceSection(server));
  if (want('stats')) parts.push(statsSection(server));
  if (want('replication')) parts.push(replicationSection(server));
  if (want('cpu')) parts.push(cpuSection());
  if (all || sections.has('module_list') || sections.has('modules')) parts.push('# Modules\r\n');
  if (want('commandstats')) parts.push(commandstatsSection(server));
  if (want('errorstats')) parts.push(errorstatsSection(server));
  if (want('latencystats')) parts.push(latencystatsSection(server));
  if (want('cluster')) parts.push('# Cluster\r\ncluster_enabled:0\r\n');
  if (want('keyspace')) parts.push(keyspaceSection(server));
  return parts.join('\r\n');
}
