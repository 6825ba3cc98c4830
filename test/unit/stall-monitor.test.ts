import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStallMonitor } from '../../src/server/stall-monitor.js';
import { stallLines, summariseStalls } from '../../bench/scale.js';
import { parseReport } from '../../bench/redis-benchmark.js';

test('the stall monitor stays off unless RESPITE_STALL_LOG asks for it', () => {
  const lines: string[] = [];
  assert.equal(
    startStallMonitor((l) => lines.push(l), {}),
    null,
  );
  assert.equal(
    startStallMonitor((l) => lines.push(l), { RESPITE_STALL_LOG: '0' }),
    null,
  );
  assert.deepEqual(lines, []);
});

test('the stall monitor logs lines that the bench parses, with a blocked loop counted as a stall', async () => {
  const lines: string[] = [];
  const t0 = Date.now();
  const stop = startStallMonitor((l) => lines.push(l), {
    RESPITE_STALL_LOG: '1',
    RESPITE_STALL_LOG_INTERVAL_MS: '200',
  });
  assert.ok(stop);
  await new Promise((r) => setTimeout(r, 50));
  const until = Date.now() + 30; // block the event loop for ~30 ms
  while (Date.now() < until) {
    /* busy */
  }
  while (lines.length < 2) await new Promise((r) => setTimeout(r, 50));
  stop();
  const parsed = stallLines(lines.join('\n'), t0 - 1000, Date.now() + 1000);
  assert.equal(parsed.length, lines.length);
  const s = summariseStalls(parsed);
  assert.ok(s.max >= 20, `longest stall ${s.max} ms should include the 30 ms block`);
});

test("the bench reads throughput, percentiles and p99.9 from redis-benchmark 7.0's report", () => {
  const out = [
    'SET: rps=0.0 (overall: -nan) avg_msec=-nan (overall: -nan)\r====== SET ======',
    '  100000 requests completed in 2.44 seconds',
    '  50 parallel clients',
    '',
    'Latency by percentile distribution:',
    '0.000% <= 0.239 milliseconds (cumulative count 1)',
    '50.000% <= 0.591 milliseconds (cumulative count 50711)',
    '99.805% <= 2.911 milliseconds (cumulative count 99805)',
    '99.902% <= 4.719 milliseconds (cumulative count 99903)',
    '100.000% <= 5.911 milliseconds (cumulative count 100000)',
    '',
    'Cumulative distribution of latencies:',
    '99.999% <= 9.103 milliseconds (cumulative count 100000)',
    '',
    'Summary:',
    '  throughput summary: 41017.23 requests per second',
    '  latency summary (msec):',
    '          avg       min       p50       p95       p99       max',
    '        0.617     0.200     0.519     1.079     2.255     7.863',
    '',
  ].join('\n');
  const [r] = parseReport(out);
  assert.equal(r.test, 'SET');
  assert.equal(r.requests, 100000);
  assert.equal(r.rps, 41017.23);
  assert.equal(r.p50, 0.519);
  assert.equal(r.p99, 2.255);
  assert.equal(r.p999, 4.719);
  assert.equal(r.max, 7.863);
});
