/**
 * Respite vs Redis, in the same run, on the same machine:
 *
 *   npm run bench                 throughput, latency and server CPU per request
 *                                 (redis-benchmark at -P 1, -P 16 and -c 1), then memory
 *                                 per key with 1,000,000 keys
 *   npm run bench -- --scale      tail latency and event-loop stalls with 10,000,000 keys
 *   npm run bench -- --profile    CPU profile of Respite under a -P 16 SET/GET load
 *   npm run bench -- --tls        SET/GET over TLS: CPU per request vs Redis's TLS port
 *   npm run bench -- --eviction   SET under maxmemory/allkeys-lru eviction: CPU per request
 *   npm run bench -- --collections  CPU per request of LPUSH, RPOP, SADD, HSET, ZADD,
 *                                 LRANGE_100, ZRANGE_100; memory per element of a
 *                                 1,000,000-element list, hash, set and sorted set
 *   npm run bench -- --geo        CPU per request of GEOADD, GEOPOS, GEODIST and GEOSEARCH
 *                                 (radius, box, sorted, COUNT) on a 100,000-member geo set
 *   npm run bench -- --acl        SET/GET CPU per request as the default user and as a
 *                                 restricted ACL user (command bits + key pattern)
 *   npm run bench -- --multi      MULTI/EXEC of 3 commands: transactions/s, server CPU per
 *                                 transaction (raw RESP load, -P 1 and -P 16)
 *   npm run bench -- --persistence  BGSAVE of 1,000,000 keys under a SET load (duration,
 *                                 longest event-loop stall), startup load time of the same
 *                                 dump.rdb in Respite and Redis
 *   npm run bench -- --streams    CPU per request of XADD and XRANGE (100 entries); memory
 *                                 per entry of a 1,000,000-entry stream (--coll-elements N)
 *   npm run bench -- --bits       CPU per request of SETBIT, BITCOUNT and PFADD
 *   npm run bench -- --values     CPU per request of SET and GET of 100 KB, 300 KB, 1 MB values
 *   npm run bench -- --gateway    Pub/Sub fan-out latency to N RESP, SSE and WebSocket subscribers
 *   npm run bench -- --pubsub     PUBLISH throughput to 1, 10 and 100 subscribers, delivery
 *                                 latency p50/p99 and server CPU per delivered message
 *   npm run bench -- --lua        the Lua engine: compile time, µs per call, hook overhead,
 *                                 a pure-Lua loop vs the oracle's EVALSHA
 *   npm run bench -- --scripting  EVALSHA of an INCR script (vs plain INCR) and MULTI/EXEC of 3
 *                                 commands: calls/s and server CPU per call
 *   npm run bench -- --bullmq     BullMQ add + process of N jobs by a few workers: jobs/s and
 *                                 server CPU per job (--bullmq-jobs N, --bullmq-profile)
 *
 * Options: --quick (smaller runs, for a smoke test), --no-write (do not update
 * docs/BENCHMARKS.md), --repeat N (median of N runs per test and server), --requests N,
 * --latency-requests N, --tests set,get,..., --keys N, --coll-elements N, --coll-memory-only
 * (collections: memory part only, never written), --coll-types hash,set, --scale-keys N, --scale-seconds S,
 * --profile-pipeline P, --profile-requests N, --profile-tests set,get, --geo-points N,
 * --bullmq-jobs N, --bullmq-profile.
 *
 * The servers are child processes on free 127.0.0.1 ports; only their PIDs are signalled.
 */
import os from 'node:os';
import { machineInfo, killAllStarted, type MachineInfo } from './proc.js';
import { fmtInt, table, machineLine, updateDocSection, DOC_PATH } from './report.js';
import { parseOptions, say, commandLine, type Options } from './options.js';
import { throughputPhase, throughputTable, type BenchMode, type Row } from './throughput.js';
import { memoryPhase, memoryTable, type MemSide } from './memory.js';
import { scaleMode } from './scale.js';
import { profileMode } from './profile.js';
import { collectionsMode } from './collections.js';
import { tlsMode } from './tls.js';
import { evictionMode } from './eviction.js';
import { geoMode } from './geo.js';
import { aclMode } from './acl.js';
import { multiMode } from './multi.js';
import { persistenceMode } from './persistence.js';
import { streamsMode } from './streams.js';
import { bitsMode } from './bits.js';
import { valuesMode } from './values.js';
import { pubsubMode } from './pubsub.js';
import { gatewayMode } from './gateway.js';
import { luaMode } from './lua.js';
import { scriptingMode } from './scripting.js';
import { bullmqMode } from './bullmq.js';

// ---- Targets ------------------------------------------------------------------------------

function targetsTable(modes: BenchMode[], rows: Row[][], mem?: { redis: MemSide; respite: MemSide }): string {
  const out: string[][] = [];
  const check = (what: string, ratio: number, limit: number) =>
    out.push([
      what,
      `≤ ${limit}×`,
      Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a',
      Number.isFinite(ratio) ? (ratio <= limit ? 'yes' : '**no**') : 'n/a',
    ]);
  const limits = [1.5, 2];
  for (let mi = 0; mi < 2 && mi < modes.length; mi++) {
    for (const t of ['get', 'set']) {
      const r = rows[mi].find((x) => x.test === t);
      if (!r) continue;
      const ratio =
        r.respite.cpuUsPerReq !== undefined && r.redis.cpuUsPerReq
          ? r.respite.cpuUsPerReq / r.redis.cpuUsPerReq
          : NaN;
      check(`${t.toUpperCase()} CPU per request, ${modes[mi].label}`, ratio, limits[mi]);
    }
  }
  if (mem) {
    const a = (mem.redis.loadedRss - mem.redis.emptyRss) / mem.redis.keys;
    const b = (mem.respite.loadedRss - mem.respite.emptyRss) / mem.respite.keys;
    check(`RSS per key, ${fmtInt(mem.redis.keys)} keys`, b / a, 2);
  }
  return table(['target (Respite vs Redis)', 'goal', 'measured', 'met'], out);
}

async function mainMode(o: Options, m: MachineInfo): Promise<string> {
  const { modes, rows } = await throughputPhase(o);
  const mem = await memoryPhase(o);
  const parts: string[] = [];
  parts.push(machineLine(m));
  parts.push(
    `Command: \`${commandLine(o)}\` — redis-benchmark \`-r 100000\`, ` +
      `${fmtInt(o.requests)} requests per test at -c 50 (${fmtInt(o.latencyRequests)} at -c 1), ` +
      `${o.repeat > 1 ? `median of ${o.repeat} runs per test and server, ` : ''}servers alternating per test.`,
  );
  parts.push('### Targets\n\n' + targetsTable(modes, rows, mem));
  for (let i = 0; i < modes.length; i++) parts.push(`### ${modes[i].label}\n\n` + throughputTable(rows[i]));
  parts.push(`### Memory, ${fmtInt(o.keys)} keys \`key:N\` → 10-byte value\n\n` + memoryTable(mem));
  return parts.join('\n\n');
}

// ---- Entry ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  const m = machineInfo();
  say(machineLine(m));
  let section: string;
  let body: string;
  if (o.mode === 'scale') {
    section = 'scale';
    body = await scaleMode(o, m);
  } else if (o.mode === 'collections') {
    section = 'collections';
    body = await collectionsMode(o, m);
  } else if (o.mode === 'eviction') {
    section = 'eviction';
    body = await evictionMode(o, m);
  } else if (o.mode === 'tls') {
    section = 'tls';
    body = await tlsMode(o, m);
  } else if (o.mode === 'geo') {
    section = 'geo';
    body = await geoMode(o, m);
  } else if (o.mode === 'acl') {
    section = 'acl';
    body = await aclMode(o, m);
  } else if (o.mode === 'multi') {
    section = 'multi';
    body = await multiMode(o, m);
  } else if (o.mode === 'persistence') {
    section = 'persistence';
    body = await persistenceMode(o, m);
  } else if (o.mode === 'streams') {
    section = 'streams';
    body = await streamsMode(o, m);
  } else if (o.mode === 'bits') {
    section = 'bits';
    body = await bitsMode(o, m);
  } else if (o.mode === 'values') {
    section = 'values';
    body = await valuesMode(o, m);
  } else if (o.mode === 'pubsub') {
    section = 'pubsub';
    body = await pubsubMode(o, m);
  } else if (o.mode === 'gateway') {
    section = 'gateway';
    body = await gatewayMode(o, m);
  } else if (o.mode === 'lua') {
    section = 'lua';
    body = await luaMode(o, m);
  } else if (o.mode === 'scripting') {
    section = 'scripting';
    body = await scriptingMode(o, m);
  } else if (o.mode === 'bullmq') {
    section = 'bullmq';
    body = await bullmqMode(o, m);
  } else if (o.mode === 'profile') {
    section = 'profile';
    body = await profileMode(o, m);
  } else {
    section = 'main';
    body = await mainMode(o, m);
  }
  body += `\n\nLoad average at the end of the run: ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}.`;
  say('\n' + body + '\n');
  if (o.write) {
    await updateDocSection(section, body);
    say(`updated the "${section}" section of ${DOC_PATH}`);
  }
}

const onSignal = () => {
  killAllStarted();
  process.exit(130);
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

main().catch((e: unknown) => {
  killAllStarted();
  process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
