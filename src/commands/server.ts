/**
 * Server commands: INFO, COMMAND, TIME, MONITOR, SLOWLOG, LATENCY, MEMORY, DEBUG, LOLWUT,
 * SHUTDOWN (server.c, slowlog.c, latency.c, object.c, debug.c, lolwut*.c). CONFIG lives in
 * config.ts; SAVE/BGSAVE/... come with persistence.
 */
import { performance } from 'node:perf_hooks';
import { debugPersistence } from './persistence.js';
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { CLIENT_IN_EXEC, CLIENT_MONITOR, CLIENT_MULTI, CLIENT_UNIX_SOCKET } from '../server/client.js';
import { Config } from '../config/config.js';
import { REDIS_VERSION } from '../server/server.js';
import { genInfoString, memoryFigures } from '../server/info.js';
import { uniqueCommands } from './index.js';
import { eq, ERR_SYNTAX, ERR_NOT_INTEGER, ERR_NO_SUCH_KEY } from './util.js';
import { parseInt64, parseDouble } from '../util/numbers.js';
import {
  aclCategories,
  commandHasKeys,
  getKeysWithFlags,
  writeCommandDocs,
  writeCommandInfo,
} from './meta/reply.js';
import { ENC_EMBSTR, ENC_INT } from '../store/strings.js';
import { globMatch } from '../util/glob.js';
import { jemallocSize as mallocSize, type LatencyHistogram } from '../server/stats.js';
import { lolwut5, lolwut6 } from './lolwut.js';
import { fullGc } from '../util/gc.js';

// ---- Helpers ------------------------------------------------------------------------------

/** addReplyHelp: the usage line, the subcommand lines, then HELP, as status replies. */
function replyHelp(c: Client, name: string, lines: string[]): void {
  c.out.array(lines.length + 3);
  c.out.status(`${name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.out.status(l);
  c.out.status('HELP');
  c.out.status('    Prints this help.');
}

/** lookupCommandBySds: `get` or `config|get` (one level of subcommands). */
function lookupByFullName(c: Client, name: string): CommandSpec | undefined {
  const parts = name.split('|');
  if (parts.length > 2) return undefined;
  const base = c.server.commands.get(parts[0]) ?? c.server.commands.get(parts[0].toLowerCase());
  if (parts.length === 1 || base === undefined) return base;
  return base.subMap?.get(parts[1].toLowerCase());
}

/** lookupCommand on an argv (COMMAND GETKEYS): the subcommand when the command has them. */
function lookupByArgv(c: Client, argv: string[]): CommandSpec | undefined {
  const base = c.server.commands.get(argv[0]) ?? c.server.commands.get(argv[0].toLowerCase());
  if (base === undefined || argv.length === 1 || base.subMap === undefined) return base;
  return base.subMap.get(argv[1].toLowerCase());
}

function allSpecs(c: Client): CommandSpec[] {
  return uniqueCommands(c.server.commands);
}

// ---- INFO ---------------------------------------------------------------------------------

function infoCommand(c: Client, argv: string[]): void {
  c.out.verbatim(genInfoString(c.server, argv.slice(1)));
}

// ---- COMMAND ------------------------------------------------------------------------------

function commandCommand(c: Client): void {
  const specs = allSpecs(c);
  c.out.array(specs.length);
  for (const s of specs) writeCommandInfo(c.out, s);
}

function commandCountCommand(c: Client): void {
  c.out.integer(allSpecs(c).length);
}

function commandInfoCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandCommand(c);
    return;
  }
  c.out.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const spec = lookupByFullName(c, argv[i]);
    if (spec === undefined) c.out.nullBulk();
    else writeCommandInfo(c.out, spec);
  }
}

function commandDocsCommand(c: Client, argv: string[]): void {
  let list: CommandSpec[];
  if (argv.length === 2) list = allSpecs(c);
  else {
    list = [];
    for (let i = 2; i < argv.length; i++) {
      const spec = lookupByFullName(c, argv[i]);
      if (spec !== undefined) list.push(spec);
    }
  }
  c.out.map(list.length);
  for (const s of list) {
    c.out.bulk(s.fullName!);
    writeCommandDocs(c.out, s);
  }
}

function commandListCommand(c: Client, argv: string[]): void {
  let filter: ((s: CommandSpec) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (eq(argv[i], 'filterby') && more === 2) {
      const type = argv[i + 1].toLowerCase();
      const arg = argv[i + 2];
      if (type === 'module') {
        filter = () => false; // no modules
      } else if (type === 'aclcat') {
        const cat = arg.toLowerCase();
        filter = (s) => aclCategories(s).includes(cat);
      } else if (type === 'pattern') {
        filter = (s) => globMatch(arg, s.fullName!, true);
      } else {
        c.error(ERR_SYNTAX);
        return;
      }
      i += 2;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const names: string[] = [];
  for (const s of allSpecs(c)) {
    if (filter === null || filter(s)) names.push(s.fullName!);
    for (const sub of s.subcommands ?? []) if (filter === null || filter(sub)) names.push(sub.fullName!);
  }
  c.out.array(names.length);
  for (const n of names) c.out.bulk(n);
}

function getKeysImpl(c: Client, argv: string[], withFlags: boolean): void {
  const cmdArgv = argv.slice(2);
  const spec = lookupByArgv(c, cmdArgv);
  if (spec === undefined) {
    c.error('ERR Invalid command specified');
    return;
  }
  if (!commandHasKeys(spec)) {
    c.error('ERR The command has no key arguments');
    return;
  }
  const arity = spec.arity;
  if ((arity > 0 && arity !== cmdArgv.length) || cmdArgv.length < -arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysWithFlags(spec, cmdArgv);
  if (keys.length === 0) {
    if (spec.flags.includes('no_mandatory_keys')) c.out.array(0);
    else c.error('ERR Invalid arguments specified for command');
    return;
  }
  c.out.array(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      c.out.bulk(cmdArgv[k.pos]);
      continue;
    }
    c.out.array(2);
    c.out.bulk(cmdArgv[k.pos]);
    c.out.set(k.flags.length);
    for (const f of k.flags) c.out.status(f);
  }
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
];

// ---- TIME, MONITOR ------------------------------------------------------------------------

function timeCommand(c: Client): void {
  // Wall clock in µs like gettimeofday(): Date.now()'s ms (it follows clock adjustments,
  // unlike performance.timeOrigin + now()) with the sub-millisecond digits of the hrtime.
  const us = Date.now() * 1000 + Math.floor((performance.now() % 1) * 1000);
  const sec = Math.floor(us / 1e6);
  c.out.array(2);
  c.out.bulk(String(sec));
  c.out.bulk(String(us - sec * 1e6));
}

function monitorCommand(c: Client): void {
  // Inside MULTI/EXEC (and scripts) a client expects one reply per command.
  if ((c.flags & (CLIENT_MULTI | CLIENT_IN_EXEC)) !== 0) {
    c.error("ERR MONITOR isn't allowed for DENY BLOCKING client");
    return;
  }
  if ((c.flags & CLIENT_MONITOR) !== 0) return; // already monitoring: no reply, as Redis
  c.flags |= CLIENT_MONITOR;
  c.server.monitors.add(c);
  c.out.ok();
}

// ---- SLOWLOG ------------------------------------------------------------------------------

/** addReplySubcommandSyntaxError */
function subcommandSyntaxError(c: Client, argv: string[]): void {
  c.error(
    `ERR unknown subcommand or wrong number of arguments for '${argv[1].slice(0, 128)}'. Try ${argv[0].toUpperCase()} HELP.`,
  );
}

function slowlogGetCommand(c: Client, argv: string[]): void {
  if (argv.length > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const v = parseInt64(argv[2]);
    if (v === null || v < -1) {
      c.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = v === -1 ? Infinity : Number(v);
  }
  const log = c.server.slowlog;
  const n = Math.min(count, log.length);
  c.out.array(n);
  for (let i = 0; i < n; i++) {
    const e = log[i];
    c.out.array(6);
    c.out.integer(e.id);
    c.out.integer(e.time);
    c.out.integer(e.durationUs);
    c.out.array(e.argv.length);
    for (const a of e.argv) c.out.bulk(a);
    c.out.bulk(e.addr);
    c.out.bulk(e.name);
  }
}

function slowlogLenCommand(c: Client): void {
  c.out.integer(c.server.slowlog.length);
}

function slowlogResetCommand(c: Client): void {
  c.server.slowlog = [];
  c.out.ok();
}

const SLOWLOG_HELP = [
  'GET [<count>]',
  '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
  '    Entries are made of:',
  '    id, timestamp, time in microseconds, arguments array, client IP and port,',
  '    client name',
  'LEN',
  '    Return the length of the slowlog.',
  'RESET',
  '    Reset the slowlog.',
];

// ---- LATENCY ------------------------------------------------------------------------------

function latencyLatestCommand(c: Client): void {
  const events = c.server.stats.latencyEvents;
  c.out.array(events.size);
  for (const [name, e] of events) {
    const last = e.samples[e.samples.length - 1];
    c.out.array(4);
    c.out.bulk(name);
    c.out.integer(last.time);
    c.out.integer(last.latency);
    c.out.integer(e.max);
  }
}

function latencyHistoryCommand(c: Client, argv: string[]): void {
  const e = c.server.stats.latencyEvents.get(argv[2]);
  if (e === undefined) {
    c.out.array(0);
    return;
  }
  c.out.array(e.samples.length);
  for (const s of e.samples) {
    c.out.array(2);
    c.out.integer(s.time);
    c.out.integer(s.latency);
  }
}

function latencyResetCommand(c: Client, argv: string[]): void {
  const events = c.server.stats.latencyEvents;
  if (argv.length === 2) {
    const n = events.size;
    events.clear();
    c.out.integer(n);
    return;
  }
  let n = 0;
  for (let i = 2; i < argv.length; i++) if (events.delete(argv[i])) n++;
  c.out.integer(n);
}

/** LATENCY GRAPH: Redis's header and a simple column chart of the samples (oldest first). */
function latencyGraphCommand(c: Client, argv: string[]): void {
  const name = argv[2];
  const e = c.server.stats.latencyEvents.get(name);
  if (e === undefined) {
    c.error(`ERR No samples available for event '${name}'`);
    return;
  }
  let high = 0;
  let low = Infinity;
  for (const s of e.samples) {
    if (s.latency > high) high = s.latency;
    if (s.latency < low) low = s.latency;
  }
  let out = `${name} - high ${high} ms, low ${low} ms (all time high ${e.max} ms)\n`;
  out += '-'.repeat(80) + '\n';
  const rows = 4;
  for (let r = rows; r >= 1; r--) {
    let line = '';
    for (const s of e.samples) {
      const h = high === low ? rows : Math.round(((s.latency - low) / (high - low)) * (rows - 1)) + 1;
      line += h >= r ? (h === r ? '_' : '|') : ' ';
    }
    out += line + '\n';
  }
  const now = Math.floor(c.server.clock() / 1000);
  let ages = '';
  for (const s of e.samples) {
    const age = now - s.time;
    ages += age < 60 ? String(age % 10) : 'm';
  }
  out += ages + '\n';
  c.out.verbatim(out);
}

function latencyDoctorCommand(c: Client): void {
  if (c.server.config.num('latency-monitor-threshold') === 0 && c.server.stats.latencyEvents.size === 0) {
    c.out.verbatim(
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n",
    );
    return;
  }
  const events = c.server.stats.latencyEvents;
  if (events.size === 0) {
    c.out.verbatim(
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n',
    );
    return;
  }
  let report =
    "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  for (const [name, e] of events) {
    const n = e.samples.length;
    let sum = 0;
    for (const s of e.samples) sum += s.latency;
    const avg = sum / n;
    let mad = 0;
    for (const s of e.samples) mad += Math.abs(s.latency - avg);
    mad /= n;
    const period = n > 1 ? (e.samples[n - 1].time - e.samples[0].time) / (n - 1) : 1;
    report +=
      `${i++}. ${name}: ${n} latency spikes (average ${Math.floor(avg)}ms, mean deviation ${Math.floor(mad)}ms, ` +
      `period ${period.toFixed(2)} sec). Worst all time event ${e.max}ms.\n`;
  }
  report +=
    "\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n";
  c.out.verbatim(report);
}

function latencyHistogramCommand(c: Client, argv: string[]): void {
  const stats = c.server.stats;
  const list: [CommandSpec, LatencyHistogram][] = [];
  const add = (s: CommandSpec | undefined): void => {
    const h = s === undefined ? undefined : stats.latencyOf(s);
    if (h !== undefined) list.push([s!, h]);
  };
  if (argv.length === 2) {
    for (const s of allSpecs(c)) {
      add(s);
      for (const sub of s.subcommands ?? []) add(sub);
    }
  } else {
    for (let i = 2; i < argv.length; i++) add(lookupByFullName(c, argv[i]));
  }
  c.out.map(list.length);
  for (const [s, h] of list) {
    c.out.bulk(s.fullName!);
    c.out.map(2);
    c.out.bulk('calls');
    c.out.integer(h.total);
    c.out.bulk('histogram_usec');
    const cdf = h.cumulative();
    c.out.map(cdf.length);
    for (const [us, n] of cdf) {
      c.out.integer(us);
      c.out.integer(n);
    }
  }
}

const LATENCY_HELP = [
  'DOCTOR',
  '    Return a human readable latency analysis report.',
  'GRAPH <event>',
  '    Return an ASCII latency graph for the <event> class.',
  'HISTORY <event>',
  '    Return time-latency samples for the <event> class.',
  'LATEST',
  '    Return the latest latency samples for all events.',
  'RESET [<event> ...]',
  '    Reset latency data of one or more <event> classes.',
  '    (default: reset all data for all event classes)',
  'HISTOGRAM [COMMAND ...]',
  '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
  '    If no commands are specified then all histograms are replied.',
];

// ---- MEMORY -------------------------------------------------------------------------------

/** Bytes of an sds string of length n (header by type, plus the terminator), as allocated. */
function sdsAlloc(n: number, keyLike: boolean): number {
  let hdr: number;
  if (keyLike && n < 32) hdr = 1;
  else if (n < 256) hdr = 3;
  else if (n < 65536) hdr = 5;
  else if (n < 2 ** 32) hdr = 9;
  else hdr = 17;
  return mallocSize(n + hdr + 1);
}

const ROBJ_SIZE = 16;
const DICT_ENTRY_SIZE = 24;

/** MEMORY USAGE: what Redis's objectComputeSize reports for the same key and value. */
function memoryUsageOf(c: Client, key: string, samples: number): number | null {
  const v = c.db.dict.get(key);
  if (v === undefined) return null;
  let size: number;
  if (typeof v === 'number') {
    const strings = c.db.strings;
    const enc = strings.encoding(v);
    const len = strings.length(v);
    if (enc === ENC_INT) size = ROBJ_SIZE;
    else if (enc === ENC_EMBSTR) size = mallocSize(ROBJ_SIZE + 3 + len + 1);
    else size = ROBJ_SIZE + sdsAlloc(len, false);
  } else {
    void samples;
    size = v.memoryUsage();
  }
  return size + sdsAlloc(key.length, true) + DICT_ENTRY_SIZE;
}

function memoryUsageCommand(c: Client, argv: string[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (eq(argv[j], 'samples') && j + 1 < argv.length) {
      const v = parseInt64(argv[j + 1]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      samples = Number(v) === 0 ? Infinity : Number(v);
      j++;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const n = memoryUsageOf(c, argv[2], samples);
  if (n === null) c.out.nullBulk();
  else c.out.integer(n);
}

function memoryStatsCommand(c: Client): void {
  const m = memoryFigures(c.server);
  const dbs = c.server.dbs.filter((db) => db.dict.size > 0);
  let keys = 0;
  for (const db of c.server.dbs) keys += db.dict.size;
  const net = m.used - m.startup;
  const out = c.out;
  out.map(27 + dbs.length);
  const int = (k: string, v: number) => {
    out.bulk(k);
    out.integer(Math.max(0, Math.floor(v)));
  };
  const dbl = (k: string, v: number) => {
    out.bulk(k);
    out.double(Math.fround(v));
  };
  int('peak.allocated', m.peak);
  int('total.allocated', m.used);
  int('startup.allocated', m.startup);
  int('replication.backlog', 0);
  int('clients.slaves', 0);
  int('clients.normal', m.overhead - m.startup);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  for (const db of dbs) {
    out.bulk(`db.${db.id}`);
    out.map(3);
    // A Dict slot costs about a hash-table bucket per entry, like Redis's dictSlots * pointer.
    int('overhead.hashtable.main', db.dict.size * DICT_ENTRY_SIZE);
    int('overhead.hashtable.expires', db.expires.size * DICT_ENTRY_SIZE);
    int('overhead.hashtable.slot-to-keys', 0);
  }
  int('overhead.total', m.overhead);
  int('keys.count', keys);
  int('keys.bytes-per-key', keys === 0 ? 0 : net / keys);
  int('dataset.bytes', m.dataset);
  dbl('dataset.percentage', net <= 0 ? 0 : (m.dataset * 100) / net);
  dbl('peak.percentage', m.peak === 0 ? 0 : (m.used * 100) / m.peak);
  const active = m.heapTotal + c.server.strings.footprint();
  int('allocator.allocated', m.used);
  int('allocator.active', active);
  int('allocator.resident', m.rss);
  dbl('allocator-fragmentation.ratio', m.used === 0 ? 0 : active / m.used);
  int('allocator-fragmentation.bytes', active - m.used);
  dbl('allocator-rss.ratio', active === 0 ? 0 : m.rss / active);
  int('allocator-rss.bytes', m.rss - active);
  dbl('rss-overhead.ratio', 1);
  int('rss-overhead.bytes', 0);
  dbl('fragmentation', m.used === 0 ? 0 : m.rss / m.used);
  int('fragmentation.bytes', m.rss - m.used);
}

function memoryDoctorCommand(c: Client): void {
  // Judged on the dataset (value bytes plus a per-key estimate): the Node process's own heap,
  // garbage included, says nothing about the user's data.
  let keys = 0;
  for (const db of c.server.dbs) keys += db.dict.size;
  if (c.server.strings.allocatedBytes + keys * 64 < 5 * 1024 * 1024) {
    c.out.verbatim(
      "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n",
    );
    return;
  }
  c.out.verbatim(
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n",
  );
}

function memoryMallocStatsCommand(c: Client): void {
  // Redis's answer when it is not built with jemalloc.
  c.out.verbatim('Stats not supported for the current allocator');
}

function memoryPurgeCommand(c: Client): void {
  // Redis asks jemalloc to give dirty pages back; the V8 counterpart is a full collection.
  fullGc();
  c.out.ok();
}

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

// ---- DEBUG --------------------------------------------------------------------------------

const DEBUG_HELP = [
  'ERROR <string>',
  '    Return a Redis protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate Redis errors.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'OBJECT <key>',
  '    Show low level info about `key` and associated value.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  "    it is used instead of the 'key' prefix. These are not propagated to",
  '    replicas. Cluster slots are not respected so keys not belonging to the',
  '    current node can be created in cluster mode.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
  '    default.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
];

/** Blocks the thread (DEBUG SLEEP stops the whole server, as in Redis). */
function sleepSync(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** enable-debug-command: `no` (Redis's default), `yes`, or `local` (loopback / unix socket only). */
function debugAllowed(c: Client): boolean {
  // Until the option is in the config table, DEBUG is enabled.
  const mode = Config.def('enable-debug-command') ? c.server.config.str('enable-debug-command') : 'yes';
  if (mode === 'yes') return true;
  if (mode === 'local') {
    if ((c.flags & CLIENT_UNIX_SOCKET) !== 0) return true;
    const host = c.addr.slice(0, c.addr.lastIndexOf(':'));
    return host === '127.0.0.1' || host === '::1' || host.startsWith('127.');
  }
  return false;
}

function debugUnknown(c: Client, sub: string): void {
  c.error(`ERR unknown subcommand or wrong number of arguments for '${sub}'. Try DEBUG HELP.`);
}

function debugObject(c: Client, key: string): void {
  const v = c.db.dict.get(key);
  if (v === undefined) {
    c.error(ERR_NO_SUCH_KEY);
    return;
  }
  const now = Math.floor(c.server.clock() / 1000);
  let encoding: string;
  let serialized: number;
  let lru: number;
  if (typeof v === 'number') {
    const s = c.db.strings;
    const enc = s.encoding(v);
    encoding = enc === ENC_INT ? 'int' : enc === ENC_EMBSTR ? 'embstr' : 'raw';
    const str = s.toString(v);
    serialized = rdbStringLength(str, enc === ENC_INT);
    lru = s.lruOf(v);
  } else {
    encoding = v.encoding();
    serialized = v.memoryUsage();
    lru = v.lru;
  }
  const addr = '0x' + (0x7f0000000000 + (typeof v === 'number' ? v * 64 : 0)).toString(16);
  // Integers 0..9999 are Redis's shared objects (unless maxmemory evicts by LRU/LFU).
  let refcount = 1;
  if (encoding === 'int' && typeof v === 'number') {
    const n = Number(c.db.strings.toString(v));
    const policy = c.server.config.str('maxmemory-policy');
    const sharedOk = c.server.config.num('maxmemory') === 0 || !/lru|lfu/.test(policy);
    if (n >= 0 && n < 10000 && sharedOk) refcount = 2147483647;
  }
  const idle = Math.max(0, (now & 0xffffff) - lru);
  c.out.status(
    `Value at:${addr} refcount:${refcount} encoding:${encoding} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}`,
  );
}

/** Length of a string as RDB would store it (integer encodings, plain length-prefixed). */
function rdbStringLength(s: string, isInt: boolean): number {
  if (isInt || /^-?[1-9][0-9]{0,9}$|^0$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) {
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
  }
  const len = s.length;
  const hdr = len < 64 ? 1 : len < 16384 ? 2 : len <= 0xffffffff ? 5 : 9;
  return hdr + len;
}

function debugProtocol(c: Client, type: string): void {
  const out = c.out;
  switch (type.toLowerCase()) {
    case 'string':
      out.bulk('Hello World');
      break;
    case 'integer':
      out.integer(12345);
      break;
    case 'double':
      out.double(3.141);
      break;
    case 'bignum':
      out.bigNumber('1234567999999999999999999999999999999');
      break;
    case 'null':
      out.nullBulk();
      break;
    case 'array':
      out.array(3);
      for (let i = 0; i < 3; i++) out.integer(i);
      break;
    case 'set':
      out.set(3);
      for (let i = 0; i < 3; i++) out.integer(i);
      break;
    case 'map':
      out.map(3);
      for (let i = 0; i < 3; i++) {
        out.integer(i);
        out.bool(i === 1);
      }
      break;
    case 'attrib':
      if (c.proto === 3) {
        out.raw('|1\r\n');
        out.bulk('key-popularity');
        out.array(2);
        out.bulk('key:123');
        out.integer(90);
      }
      out.bulk('Some real reply following the attribute');
      break;
    case 'push':
      if (c.proto < 3) {
        c.error('ERR RESP2 is not supported by this command');
        return;
      }
      out.push(2);
      out.bulk('server-cpu-usage');
      out.integer(42);
      out.bulk('Some real reply following the push reply');
      break;
    case 'true':
      out.bool(true);
      break;
    case 'false':
      out.bool(false);
      break;
    case 'verbatim':
      out.verbatim('This is a verbatim\nstring');
      break;
    default:
      c.error(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

function debugPopulate(c: Client, argv: string[]): void {
  const count = parseInt64(argv[2]);
  if (count === null || count < 0) {
    c.error(count === null ? ERR_NOT_INTEGER : 'ERR count must be greater than or equal to 0');
    return;
  }
  const prefix = argv.length > 3 ? argv[3] : 'key';
  let size = -1;
  if (argv.length > 4) {
    const v = parseInt64(argv[4]);
    if (v === null) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    size = Number(v);
  }
  const db = c.db;
  for (let i = 0; i < Number(count); i++) {
    const key = `${prefix}:${i}`;
    if (db.lookupWrite(key) !== undefined) continue;
    let val = `value:${i}`;
    if (size >= 0) val = val.length >= size ? val.slice(0, size) : val + '\0'.repeat(size - val.length);
    db.setKey(key, db.strings.create(val));
  }
  c.out.ok();
}

function debugCommand(c: Client, argv: string[]): void {
  if (!debugAllowed(c)) {
    c.error(
      'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.',
    );
    return;
  }
  const sub = argv[1].toLowerCase();
  const n = argv.length;
  if (sub === 'help' && n === 2) {
    replyHelp(c, 'DEBUG', DEBUG_HELP);
  } else if (sub === 'sleep' && n === 3) {
    const secs = parseDouble(argv[2]);
    sleepSync(secs === null || secs < 0 ? 0 : secs * 1000);
    c.out.ok();
  } else if (sub === 'set-active-expire' && n === 3) {
    // atoi(): anything that does not start with a non-zero number disables it.
    c.server.activeExpireEnabled = (Number.parseInt(argv[2], 10) || 0) !== 0;
    c.out.ok();
  } else if (sub === 'object' && n === 3) {
    debugObject(c, argv[2]);
  } else if (sub === 'log' && n === 3) {
    c.server.log.warning(`DEBUG LOG: ${argv[2]}`);
    c.out.ok();
  } else if (sub === 'error' && n === 3) {
    c.error(argv[2]);
  } else if (sub === 'protocol' && n === 3) {
    debugProtocol(c, argv[2]);
  } else if (sub === 'populate' && n >= 3 && n <= 5) {
    debugPopulate(c, argv);
  } else if (!debugPersistence(c, argv)) {
    // LOADAOF, ... arrive with their subsystems; until then Redis's unknown-subcommand reply.
    debugUnknown(c, argv[1]);
  }
}

// ---- LOLWUT -------------------------------------------------------------------------------

function lolwutCommand(c: Client, argv: string[]): void {
  let version = REDIS_VERSION;
  let args = argv;
  if (argv.length >= 3 && eq(argv[1], 'version')) {
    const v = parseInt64(argv[2]);
    if (v === null || typeof v === 'bigint' || v < -2147483648 * 2 ** 32 || v > 2 ** 53) {
      c.error(ERR_NOT_INTEGER);
      return;
    }
    version = `${Number(BigInt.asUintN(32, BigInt(v)))}.0.0`;
    args = [argv[0], ...argv.slice(3)];
  }
  const v0 = version[0];
  const v1 = version[1];
  const v2 = version[2];
  if ((v0 === '5' && v1 === '.' && v2 !== '9') || (v0 === '4' && v1 === '.' && v2 === '9')) lolwut5(c, args);
  else if ((v0 === '6' && v1 === '.' && v2 !== '9') || (v0 === '5' && v1 === '.' && v2 === '9'))
    lolwut6(c, args);
  else c.out.verbatim(`Redis ver. ${REDIS_VERSION}\n`);
}

// ---- SHUTDOWN -----------------------------------------------------------------------------

function shutdownCommand(c: Client, argv: string[]): void {
  let save = false;
  let nosave = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i].toLowerCase();
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'now') now = true;
    else if (a === 'force') force = true;
    else if (a === 'abort') abort = true;
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  if ((abort && (save || nosave || now || force)) || (save && nosave)) {
    c.error(ERR_SYNTAX);
    return;
  }
  if (abort) {
    // Respite shuts down at once (it never waits for replicas), so there is nothing to abort.
    c.error('ERR No shutdown in progress.');
    return;
  }
  // During a busy script only SHUTDOWN NOSAVE goes ahead (Redis's shutdownCommand).
  if (!nosave && c.server.busyReply !== null) {
    c.error(c.server.busyReply);
    return;
  }
  const err = c.server.shutdown({ save, nosave, now, force });
  if (err !== null) c.error(err.startsWith('ERR ') ? err : `ERR ${err}`);
}

// ---- Table --------------------------------------------------------------------------------

function sub(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  handler: CommandSpec['handler'],
  acl: string[] = [],
  keys: [number, number, number] = [0, 0, 0],
): CommandSpec {
  return { name, arity, flags, firstKey: keys[0], lastKey: keys[1], step: keys[2], acl, handler };
}

function help(name: string, lines: string[]): CommandSpec['handler'] {
  return (c) => replyHelp(c, name, lines);
}

export const specs: CommandSpec[] = [
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['dangerous'],
    handler: infoCommand,
  },
  {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    acl: ['connection'],
    handler: commandCommand,
    subcommands: [
      sub('count', 2, ['loading', 'stale'], commandCountCommand, ['connection']),
      sub('docs', -2, ['loading', 'stale'], commandDocsCommand, ['connection']),
      sub('getkeys', -4, ['loading', 'stale'], (c, argv) => getKeysImpl(c, argv, false), ['connection']),
      sub('getkeysandflags', -4, ['loading', 'stale'], (c, argv) => getKeysImpl(c, argv, true), [
        'connection',
      ]),
      sub('help', 2, ['loading', 'stale'], help('COMMAND', COMMAND_HELP), ['connection']),
      sub('info', -2, ['loading', 'stale'], commandInfoCommand, ['connection']),
      sub('list', -2, ['loading', 'stale'], commandListCommand, ['connection']),
    ],
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: timeCommand,
  },
  {
    name: 'monitor',
    arity: 1,
    flags: ['admin', 'noscript', 'loading', 'stale'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: monitorCommand,
  },
  {
    name: 'slowlog',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      sub('get', -2, ['admin', 'loading', 'stale'], slowlogGetCommand),
      sub('help', 2, ['loading', 'stale'], help('SLOWLOG', SLOWLOG_HELP)),
      sub('len', 2, ['admin', 'loading', 'stale'], slowlogLenCommand),
      sub('reset', 2, ['admin', 'loading', 'stale'], slowlogResetCommand),
    ],
  },
  {
    name: 'latency',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      sub('doctor', 2, ['admin', 'noscript', 'loading', 'stale'], latencyDoctorCommand),
      sub('graph', 3, ['admin', 'noscript', 'loading', 'stale'], latencyGraphCommand),
      sub('help', 2, ['loading', 'stale'], help('LATENCY', LATENCY_HELP)),
      sub('histogram', -2, ['admin', 'noscript', 'loading', 'stale'], latencyHistogramCommand),
      sub('history', 3, ['admin', 'noscript', 'loading', 'stale'], latencyHistoryCommand),
      sub('latest', 2, ['admin', 'noscript', 'loading', 'stale'], latencyLatestCommand),
      sub('reset', -2, ['admin', 'noscript', 'loading', 'stale'], latencyResetCommand),
    ],
  },
  {
    name: 'memory',
    arity: -2,
    flags: [],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    subcommands: [
      sub('doctor', 2, [], memoryDoctorCommand),
      sub('help', 2, ['loading', 'stale'], help('MEMORY', MEMORY_HELP)),
      sub('malloc-stats', 2, [], memoryMallocStatsCommand),
      sub('purge', 2, [], memoryPurgeCommand),
      sub('stats', 2, [], memoryStatsCommand),
      sub('usage', -3, ['readonly'], memoryUsageCommand, [], [2, 2, 1]),
    ],
  },
  {
    name: 'debug',
    arity: -2,
    flags: ['admin', 'noscript', 'loading', 'stale', 'protected'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: debugCommand,
  },
  {
    name: 'lolwut',
    arity: -1,
    flags: ['readonly', 'fast'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: lolwutCommand,
  },
  {
    name: 'shutdown',
    arity: -1,
    flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'sentinel', 'allow_busy'],
    firstKey: 0,
    lastKey: 0,
    step: 0,
    handler: shutdownCommand,
  },
];
