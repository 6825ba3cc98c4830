/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP compared byte for byte with redis-server.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/compat.js';
import { OPTIONS } from '../../src/config/options.js';

let pair: Pair;

before(async () => {
  pair = await startPair([], { save: '' });
});

after(async () => {
  await pair.close();
});

/** Parses a flat RESP2 array of bulk strings (CONFIG GET's reply) into pairs. */
function parseFlat(raw: string): [string, string][] {
  const lines = raw.split('\r\n');
  const n = Number(lines[0].slice(1));
  const items: string[] = [];
  for (let i = 1; items.length < n; i += 2) items.push(lines[i + 1]);
  const out: [string, string][] = [];
  for (let i = 0; i < items.length; i += 2) out.push([items[i], items[i + 1]]);
  return out;
}

/** Respite's own options (the gateway's http-*): Redis has none of them. */
const OWN_OPTIONS = new Set(OPTIONS.filter((o) => o.respite === true).map((o) => o.name));

/** Options whose values legitimately differ between the two servers under test. */
const DIFFERENT_VALUES = new Set(['port', 'dir']);

test('CONFIG GET * lists the same option names and values as redis-server', async () => {
  const [a, b] = await pair.both('CONFIG', 'GET', '*');
  const oracle = new Map(parseFlat(a));
  const respite = new Map(parseFlat(b).filter(([name]) => !OWN_OPTIONS.has(name)));
  assert.deepEqual([...respite.keys()].sort(), [...oracle.keys()].sort());
  for (const [name, value] of oracle) {
    if (DIFFERENT_VALUES.has(name)) continue;
    assert.equal(respite.get(name), value, `value of ${name}`);
  }
});

test('CONFIG GET with exact names, aliases, hidden options, case and several patterns', async () => {
  await pair.same(
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'MAXMEMORY'],
    ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
    ['CONFIG', 'GET', 'slaveof'],
    ['CONFIG', 'GET', 'rdb-key-save-delay'],
    ['CONFIG', 'GET', 'no-such-option'],
    ['CONFIG', 'GET', 'no-such-*'],
    ['CONFIG', 'GET', 'timeout', 'TIMEOUT'],
    ['CONFIG', 'GET', 'maxmemory', 'no-such-option'],
    ['CONFIG', 'GET', 'save'],
    ['CONFIG', 'GET', 'client-output-buffer-limit'],
    ['CONFIG', 'GET', 'unixsocketperm'],
    ['CONFIG', 'GET', 'latency-tracking-info-percentiles'],
    ['CONFIG', 'GET'],
  );
  // Pattern results come in hash order in Redis: compare them as sets.
  for (const patterns of [['*max*'], ['zset-*', 'hash-*'], ['*-[lm]ax-*'], ['r?pl*', 'repl-*'], ['*']]) {
    const [a, b] = await pair.both('CONFIG', 'GET', ...patterns);
    const oracle = parseFlat(a)
      .map(([k]) => k)
      .sort();
    const respite = parseFlat(b)
      .map(([k]) => k)
      .filter((k) => !OWN_OPTIONS.has(k))
      .sort();
    assert.deepEqual(respite, oracle, `CONFIG GET ${patterns.join(' ')}`);
  }
});

test('CONFIG SET errors name the argument and the reason like redis-server', async () => {
  await pair.same(
    ['CONFIG', 'SET', 'foo', 'bar'],
    ['CONFIG', 'SET', 'timeout', 'abc'],
    ['CONFIG', 'SET', 'TIMEOUT', 'abc'],
    ['CONFIG', 'SET', 'timeout', '-1'],
    ['CONFIG', 'SET', 'timeout', '05'],
    ['CONFIG', 'SET', 'timeout', '+5'],
    ['CONFIG', 'SET', 'timeout', '1.5'],
    ['CONFIG', 'SET', 'timeout', '99999999999999999999'],
    ['CONFIG', 'SET', 'daemonize', 'yes'],
    ['CONFIG', 'SET', 'DAEMONIZE', 'yes'],
    ['CONFIG', 'SET', 'dir', '/tmp'],
    ['CONFIG', 'SET', 'dbfilename', 'x.rdb'],
    ['CONFIG', 'SET', 'timeout', '1', 'timeout', '2'],
    ['CONFIG', 'SET', 'timeout', '1', 'TIMEOUT', '2'],
    ['CONFIG', 'SET', 'foo', 'bar', 'daemonize', 'yes'],
    ['CONFIG', 'SET', 'daemonize', 'yes', 'foo', 'bar'],
    ['CONFIG', 'SET', 'timeout', '1', 'foo'],
    ['CONFIG', 'SET', 'timeout'],
    ['CONFIG', 'SET'],
    ['CONFIG', 'SET', 'appendonly', 'maybe'],
    ['CONFIG', 'SET', 'maxmemory-policy', 'bogus'],
    ['CONFIG', 'SET', 'loglevel', 'nothing'],
    ['CONFIG', 'SET', 'maxmemory', '-1'],
    ['CONFIG', 'SET', 'maxmemory', '1.5gb'],
    ['CONFIG', 'SET', 'maxmemory', '10xb'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '1'],
    ['CONFIG', 'SET', 'proto-max-bulk-len', '99999999999999999999999'],
    ['CONFIG', 'SET', 'maxclients', '0'],
    ['CONFIG', 'SET', 'maxclients', '-1'],
    ['CONFIG', 'SET', 'maxmemory-clients', '200%'],
    ['CONFIG', 'SET', 'maxmemory-clients', '-5'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '-1'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '99999999999'],
    ['CONFIG', 'SET', 'active-expire-effort', '11'],
    ['CONFIG', 'SET', 'save', '100'],
    ['CONFIG', 'SET', 'save', '0 1'],
    ['CONFIG', 'SET', 'save', '100 -1'],
    ['CONFIG', 'SET', 'save', ' 100 1'],
    ['CONFIG', 'SET', 'save', 'a b'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'master 1 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1x 2 3'],
    ['CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1 2 -3'],
    ['CONFIG', 'SET', 'notify-keyspace-events', 'q'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2'],
    ['CONFIG', 'SET', 'oom-score-adj-values', '1 2 3000'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '50 abc'],
    ['CONFIG', 'SET', 'latency-tracking-info-percentiles', '101'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'later'],
    ['CONFIG', 'SET', 'shutdown-on-sigint', 'save nosave'],
    ['CONFIG', 'SET', 'proc-title-template', '{nope}'],
    ['CONFIG', 'SET', 'proc-title-template', '{title'],
    ['CONFIG', 'SET', 'proc-title-template', ''],
    ['CONFIG', 'SET', 'cluster-announce-hostname', 'a_b'],
    ['CONFIG', 'SET', 'slaveof', 'no one'],
    ['CONFIG', 'SET', 'unixsocketperm', '700'],
  );
});

test('CONFIG SET of several options applies all or nothing', async () => {
  await pair.same(
    ['CONFIG', 'SET', 'maxmemory', '1gb', 'maxmemory-policy', 'bogus'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'SET', 'maxmemory', '1gb', 'timeout', '7', 'maxmemory-policy', 'ALLKEYS-LRU'],
    ['CONFIG', 'GET', 'maxmemory'],
    ['CONFIG', 'GET', 'timeout'],
    ['CONFIG', 'GET', 'maxmemory-policy'],
    ['CONFIG', 'SET', 'maxmemory', '0', 'timeout', '0', 'maxmemory-policy', 'noeviction'],
    // The alias and the option are different entries for the duplicate check.
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '7', 'hash-max-ziplist-entries', '9'],
    ['CONFIG', 'GET', 'hash-max-listpack-entries'],
    ['CONFIG', 'SET', 'hash-max-listpack-entries', '512'],
  );
});

test('CONFIG SET stores values in the canonical form CONFIG GET shows', async () => {
  const roundTrips: [string, string][] = [
    ['maxmemory', '10GB'],
    ['maxmemory', '1k'],
    ['maxmemory', '99999999999999999999999'],
    ['maxmemory', ''],
    ['maxmemory', '0'],
    ['maxmemory-clients', '10%'],
    ['maxmemory-clients', '0%'],
    ['maxmemory-clients', '1kb'],
    ['maxmemory-clients', '0'],
    ['loglevel', 'WARNING'],
    ['loglevel', 'notice'],
    ['appendfsync', 'Always'],
    ['appendfsync', 'everysec'],
    ['oom-score-adj', 'relative'],
    ['oom-score-adj', 'no'],
    ['save', '100 +5'],
    ['save', '3600 1 300 100'],
    ['save', ''],
    ['client-output-buffer-limit', 'normal 1mb 2mb 3 pubsub 0 0 0'],
    ['client-output-buffer-limit', 'REPLICA 1 2 +3'],
    ['client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60'],
    ['notify-keyspace-events', 'KEA'],
    ['notify-keyspace-events', 'Kx'],
    ['notify-keyspace-events', 'gn$E'],
    ['notify-keyspace-events', ''],
    ['latency-tracking-info-percentiles', '50 99.99 100'],
    ['latency-tracking-info-percentiles', ''],
    ['latency-tracking-info-percentiles', '50 99 99.9'],
    ['shutdown-on-sigint', 'force save now'],
    ['shutdown-on-sigint', 'default now'],
    ['shutdown-on-sigint', 'default'],
    ['oom-score-adj-values', '1 -2 +3'],
    ['oom-score-adj-values', '0 200 800'],
    ['hz', '1000'],
    ['hz', '0'],
    ['hz', '10'],
    ['slowlog-log-slower-than', '-1'],
    ['slowlog-log-slower-than', '10000'],
    ['proc-title-template', 'x}'],
    ['proc-title-template', '{title} {listen-addr} {server-mode}'],
    ['list-max-ziplist-size', '-5'],
    ['list-max-listpack-size', '-2'],
    ['requirepass', ''],
    ['masteruser', 'bob'],
    ['masteruser', ''],
  ];
  for (const [name, value] of roundTrips) {
    await pair.same(['CONFIG', 'SET', name, value], ['CONFIG', 'GET', name]);
  }
});

test('CONFIG HELP, CONFIG RESETSTAT, CONFIG REWRITE without a file and unknown subcommands', async () => {
  await pair.same(
    ['CONFIG', 'HELP'],
    ['CONFIG', 'HELP', 'extra'],
    ['CONFIG', 'RESETSTAT'],
    ['CONFIG', 'REWRITE'],
    ['CONFIG', 'NOPE'],
    ['CONFIG'],
  );
});

test('CONFIG RESETSTAT resets the server and per-command statistics', async () => {
  const r = pair.r;
  await r.call('PING');
  await r.call('CONFIG', 'GET', 'nothing');
  await r.call('GET', 'a', 'b');
  const server = pair.respite.server;
  assert.ok(server.stats.commandsProcessed > 0);
  assert.equal(await r.call('CONFIG', 'RESETSTAT'), '+OK\r\n');
  assert.equal(server.stats.totalErrorReplies, 0);
  assert.equal(server.stats.errors.size, 0);
  assert.equal(server.commands.get('ping')!.stats!.calls, 0);
  assert.equal(server.commands.get('get')!.stats!.rejectedCalls, 0);
  assert.equal(server.commands.get('config')!.subMap!.get('get')!.stats!.calls, 0);
});

test('protected options can be set once enable-protected-configs allows it', async () => {
  const p = await startPair(['--enable-protected-configs', 'yes'], {
    'enable-protected-configs': 'yes',
    save: '',
  });
  try {
    await p.same(
      ['CONFIG', 'GET', 'enable-protected-configs'],
      ['CONFIG', 'SET', 'dir', '/nonexistent-respite-dir'],
      ['CONFIG', 'SET', 'dir', '/etc/hostname'],
      ['CONFIG', 'SET', 'dir', '/tmp/../tmp'],
      ['CONFIG', 'GET', 'dir'],
      ['CONFIG', 'SET', 'dbfilename', 'a/b.rdb'],
      ['CONFIG', 'SET', 'dbfilename', 'other.rdb'],
      ['CONFIG', 'GET', 'dbfilename'],
    );
  } finally {
    await p.close();
  }
});
