/**
 * GET /metrics: the server's INFO in Prometheus text format, with the metric names and labels
 * of oliver006/redis_exporter, so existing dashboards work unchanged.
 */
import type { Server } from '../server/server.js';
import { genInfoString } from '../server/info.js';

/** INFO field -> [exporter metric, type, help]. */
const SIMPLE: [string, string, 'gauge' | 'counter', string][] = [
  ['uptime_in_seconds', 'redis_uptime_in_seconds', 'gauge', 'Seconds since the server started'],
  ['connected_clients', 'redis_connected_clients', 'gauge', 'Connected clients'],
  ['blocked_clients', 'redis_blocked_clients', 'gauge', 'Clients blocked on a command'],
  ['tracking_clients', 'redis_tracking_clients', 'gauge', 'Clients with tracking enabled'],
  ['maxclients', 'redis_max_clients', 'gauge', 'maxclients'],
  ['used_memory', 'redis_memory_used_bytes', 'gauge', 'used_memory'],
  ['used_memory_rss', 'redis_memory_used_rss_bytes', 'gauge', 'used_memory_rss'],
  ['used_memory_peak', 'redis_memory_used_peak_bytes', 'gauge', 'used_memory_peak'],
  ['maxmemory', 'redis_memory_max_bytes', 'gauge', 'maxmemory'],
  ['mem_fragmentation_ratio', 'redis_mem_fragmentation_ratio', 'gauge', 'mem_fragmentation_ratio'],
  ['total_connections_received', 'redis_connections_received_total', 'counter', 'Connections accepted'],
  ['total_commands_processed', 'redis_commands_processed_total', 'counter', 'Commands processed'],
  ['rejected_connections', 'redis_rejected_connections_total', 'counter', 'Connections rejected'],
  ['total_net_input_bytes', 'redis_net_input_bytes_total', 'counter', 'Bytes read from clients'],
  ['total_net_output_bytes', 'redis_net_output_bytes_total', 'counter', 'Bytes written to clients'],
  ['expired_keys', 'redis_expired_keys_total', 'counter', 'Keys deleted by expiry'],
  ['evicted_keys', 'redis_evicted_keys_total', 'counter', 'Keys evicted by maxmemory'],
  ['keyspace_hits', 'redis_keyspace_hits_total', 'counter', 'Successful key lookups'],
  ['keyspace_misses', 'redis_keyspace_misses_total', 'counter', 'Failed key lookups'],
  ['pubsub_channels', 'redis_pubsub_channels', 'gauge', 'Channels with subscribers'],
  ['pubsub_patterns', 'redis_pubsub_patterns', 'gauge', 'Patterns with subscribers'],
  ['rdb_changes_since_last_save', 'redis_rdb_changes_since_last_save', 'gauge', 'Writes since the last save'],
  ['rdb_last_save_time', 'redis_rdb_last_save_timestamp_seconds', 'gauge', 'Time of the last save'],
  ['instantaneous_ops_per_sec', 'redis_instantaneous_ops_per_sec', 'gauge', 'Commands per second'],
];

/** Prometheus label values escape backslash, double quote and newline. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function prometheusMetrics(server: Server): string {
  const info = new Map<string, string>();
  const cmdstats: [string, Map<string, string>][] = [];
  const keyspace: [string, Map<string, string>][] = [];
  for (const line of genInfoString(server, ['everything']).split('\r\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.indexOf(':');
    if (i < 0) continue;
    const k = line.slice(0, i);
    const v = line.slice(i + 1);
    if (k.startsWith('cmdstat_') || /^db\d+$/.test(k)) {
      const fields = new Map(v.split(',').map((kv) => kv.split('=') as [string, string]));
      if (k.startsWith('cmdstat_')) cmdstats.push([k.slice(8), fields]);
      else keyspace.push([k, fields]);
    } else info.set(k, v);
  }
  let out = '# HELP redis_up Information about the Redis instance\n# TYPE redis_up gauge\nredis_up 1\n';
  out +=
    '# HELP redis_instance_info Information about the Redis instance\n# TYPE redis_instance_info gauge\n' +
    `redis_instance_info{redis_version="${label(info.get('redis_version') ?? '')}",redis_mode="${label(
      info.get('redis_mode') ?? 'standalone',
    )}",role="${label(info.get('role') ?? 'master')}",tcp_port="${label(info.get('tcp_port') ?? '')}"} 1\n`;
  for (const [field, name, type, help] of SIMPLE) {
    const v = info.get(field);
    if (v === undefined || !Number.isFinite(Number(v))) continue;
    out += `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${Number(v)}\n`;
  }
  out += '# HELP redis_db_keys Total number of keys by DB\n# TYPE redis_db_keys gauge\n';
  for (const [db, f] of keyspace) out += `redis_db_keys{db="${db}"} ${Number(f.get('keys') ?? 0)}\n`;
  out +=
    '# HELP redis_db_keys_expiring Total number of expiring keys by DB\n# TYPE redis_db_keys_expiring gauge\n';
  for (const [db, f] of keyspace)
    out += `redis_db_keys_expiring{db="${db}"} ${Number(f.get('expires') ?? 0)}\n`;
  out +=
    '# HELP redis_commands_total Total number of calls per command\n# TYPE redis_commands_total counter\n';
  for (const [cmd, f] of cmdstats)
    out += `redis_commands_total{cmd="${label(cmd)}"} ${Number(f.get('calls') ?? 0)}\n`;
  out +=
    '# HELP redis_commands_duration_seconds_total Total amount of time in seconds spent per command\n' +
    '# TYPE redis_commands_duration_seconds_total counter\n';
  for (const [cmd, f] of cmdstats)
    out += `redis_commands_duration_seconds_total{cmd="${label(cmd)}"} ${Number(f.get('usec') ?? 0) / 1e6}\n`;
  out +=
    '# HELP redis_commands_failed_calls_total Total number of errors within command execution per command\n' +
    '# TYPE redis_commands_failed_calls_total counter\n';
  for (const [cmd, f] of cmdstats)
    out += `redis_commands_failed_calls_total{cmd="${label(cmd)}"} ${Number(f.get('failed_calls') ?? 0)}\n`;
  out +=
    '# HELP redis_commands_rejected_calls_total Total number of errors prior command execution per command\n' +
    '# TYPE redis_commands_rejected_calls_total counter\n';
  for (const [cmd, f] of cmdstats)
    out += `redis_commands_rejected_calls_total{cmd="${label(cmd)}"} ${Number(f.get('rejected_calls') ?? 0)}\n`;
  return out;
}
