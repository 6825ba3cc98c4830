import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyHistogram, Stats, jemallocSize as mallocSize } from '../../src/server/stats.js';
import { globMatch } from '../../src/util/glob.js';
import { bytesToHuman } from '../../src/server/info.js';

test('latency histogram percentiles are the bucket highest values Redis prints (26111 ns -> 26.111 us)', () => {
  const h = new LatencyHistogram();
  h.record(26111);
  assert.equal(h.valueAtPercentile(50), 26111);
  assert.equal(h.valueAtPercentile(99.9), 26111);
  const g = new LatencyHistogram();
  g.record(25990); // same 128 ns bucket as 26111
  assert.equal(g.valueAtPercentile(50), 26111);
  const e = new LatencyHistogram();
  for (let v = 1; v <= 200; v++) e.record(v); // exact below 256
  assert.equal(e.valueAtPercentile(50), 100);
  assert.equal(e.valueAtPercentile(100), 200);
  e.record(5e9); // clamped to 1 s
  assert.equal(e.valueAtPercentile(100) >= 1e9 - 1, true);
});

test('latency histogram cumulative distribution follows hdr log buckets from 1024 ns', () => {
  const h = new LatencyHistogram();
  for (let i = 0; i < 23; i++) h.record(8000);
  for (let i = 0; i < 66; i++) h.record(16000);
  h.record(32900);
  assert.deepEqual(h.cumulative(), [
    [8, 23],
    [16, 89],
    [33, 90],
  ]);
});

test('latency monitor keeps the highest sample per second and the all-time max', () => {
  const s = new Stats();
  s.addLatencySample('command', 5, 1000_000);
  s.addLatencySample('command', 9, 1000_500);
  s.addLatencySample('command', 3, 1002_000);
  const e = s.latencyEvents.get('command')!;
  assert.deepEqual(e.samples, [
    { time: 1000, latency: 9 },
    { time: 1002, latency: 3 },
  ]);
  assert.equal(e.max, 9);
});

test('jemalloc size classes used by MEMORY USAGE', () => {
  assert.deepEqual(
    [1, 8, 9, 21, 33, 128, 129, 161, 204, 1004, 1025].map(mallocSize),
    [8, 8, 16, 32, 48, 128, 160, 192, 224, 1024, 1280],
  );
});

test('COMMAND LIST patterns use Redis glob rules, case-insensitively', () => {
  assert.ok(globMatch('client|*', 'CLIENT|LIST', true));
  assert.ok(globMatch('g?t', 'get', true));
  assert.ok(globMatch('[a-c]*', 'bitop', true));
  assert.ok(!globMatch('[^a-c]*', 'bitop', true));
  assert.ok(globMatch('x\\*', 'x*', false));
  assert.ok(!globMatch('x\\*', 'xy', false));
});

test('bytesToHuman formats like Redis', () => {
  assert.deepEqual([0, 1023, 1024, 1536, 1048576, 25276026880].map(bytesToHuman), [
    '0B',
    '1023B',
    '1.00K',
    '1.50K',
    '1.00M',
    '23.54G',
  ]);
});
