/**
 * LREM with a count of 1 or -1 (how job queues drop a finished job from their active list)
 * takes a faster path on large lists: the elements on the shorter side of the match move out
 * and back instead of every chunk being rebuilt. Compared with the oracle byte for byte at
 * the ends, in the middle and around the 512-element chunk boundaries, with elements of 8 KiB
 * and more (kept out of line), and followed by pushes and pops at both ends.
 */
import { after, before, test } from 'node:test';
import { startPair, type Cmd, type Pair } from '../helpers/compat.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

function elem(i: number): string {
  if (i % 97 === 13) return `big${i}:` + 'x'.repeat(9000);
  return `job:${i}`;
}

async function seed(key: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 200) {
    const cmd: Cmd = ['RPUSH', key];
    for (let j = i; j < Math.min(n, i + 200); j++) cmd.push(elem(j));
    await pair.same(cmd);
  }
}

for (const n of [17, 100, 1500]) {
  test(`LREM ±1 on a ${n}-element list removes the right element, the rest in order`, async () => {
    await pair.reset();
    await seed('active', n);
    const targets = [0, n - 1, Math.floor(n / 2), 1, n - 2, 510, 511, 512, 513, 1023, 1024, 110, 13];
    let k = 0;
    for (const t of targets) {
      if (t >= n) continue;
      await pair.same(['LREM', 'active', k++ % 2 ? '-1' : '1', elem(t)], ['LLEN', 'active']);
    }
    await pair.same(
      ['LREM', 'active', '1', 'absent'],
      ['LREM', 'active', '-1', 'absent'],
      ['LRANGE', 'active', '0', '-1'],
    );
    // The list still works at both ends and by index after the removals.
    await pair.same(
      ['LPUSH', 'active', 'h1', 'h2'],
      ['RPUSH', 'active', 't1', 'x'.repeat(9000)],
      ['LPOP', 'active'],
      ['RPOP', 'active'],
      ['LINDEX', 'active', '5'],
      ['LINDEX', 'active', '-5'],
      ['LRANGE', 'active', '0', '-1'],
    );
  });
}

test('LREM 1 and -1 pick the first match from the head and from the tail', async () => {
  await pair.reset();
  const cmd: Cmd = ['RPUSH', 'l'];
  for (let i = 0; i < 60; i++) cmd.push(i % 20 === 7 ? 'dup' : `v${i}`);
  await pair.same(
    cmd,
    ['LREM', 'l', '1', 'dup'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-1', 'dup'],
    ['LRANGE', 'l', '0', '-1'],
    ['LREM', 'l', '-1', 'dup'],
    ['LREM', 'l', '-1', 'dup'],
    ['EXISTS', 'l'],
    ['LLEN', 'l'],
  );
});
