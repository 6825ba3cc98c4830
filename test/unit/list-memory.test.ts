/**
 * The list type's off-heap bytes (counted by store/external.ts for used_memory): full inner
 * chunks hold their elements' bytes with at most a few percent of slack, and buffers a chunk
 * outgrows or drops are released at once rather than when a full garbage collection finds them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListValue, LIST_HEAD, LIST_TAIL } from '../../src/store/types/list.js';
import { externalBytes } from '../../src/store/external.js';

const N = 100000;
const el = (i: number) => 'v' + String(i).padStart(9, '0'); // 10 bytes

for (const [name, where] of [
  ['RPUSH', LIST_TAIL],
  ['LPUSH', LIST_HEAD],
] as const) {
  test(`a list built by ${name} counts its payload plus 2-byte offsets and little slack, no garbage`, () => {
    const before = externalBytes();
    const l = new ListValue();
    for (let i = 0; i < N; i++) l.push(el(i), where);
    const perElement = (externalBytes() - before) / N;
    // 10 bytes of payload + 2 of offsets + each chunk's headroom (1/64 + 64 bytes).
    assert.ok(perElement >= 12 && perElement < 12.4, `external bytes per element ${perElement}`);
    assert.equal(l.at(0), el(where === LIST_TAIL ? 0 : N - 1));
    assert.equal(l.at(N - 1), el(where === LIST_TAIL ? N - 1 : 0));
  });
}

test('trimming, popping and emptying a list give its chunk buffers back at once', () => {
  const before = externalBytes();
  const l = new ListValue();
  for (let i = 0; i < N; i++) l.pushTail(el(i));
  const full = externalBytes() - before;
  l.dropHead(N / 4);
  l.dropTail(N / 4);
  const half = externalBytes() - before;
  assert.ok(Math.abs(half - full / 2) < full / 50, `after trimming half: ${half} of ${full}`);
  assert.equal(l.at(0), el(N / 4));
  assert.equal(l.at(l.length - 1), el((3 * N) / 4 - 1));
  for (let i = 0; i < N / 4; i++) assert.equal(l.pop(LIST_HEAD), el(N / 4 + i));
  const quarter = externalBytes() - before;
  assert.ok(Math.abs(quarter - full / 4) < full / 50, `after popping a quarter: ${quarter} of ${full}`);
  while (l.length > 0) l.pop(LIST_TAIL);
  assert.ok(externalBytes() - before < 20000, `emptied: ${externalBytes() - before} bytes left`);
});
