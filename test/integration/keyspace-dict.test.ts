/**
 * The keyspace Dict's guarantees seen from a client: a keyspace larger than one internal Map
 * (scaled down with `dictSegmentLimit`), and SCAN returning every key that exists for the
 * whole iteration while other clients add and delete keys between SCAN calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient, encodeCommand } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import { prng } from '../helpers/prng.js';

/** Parses a SCAN reply: [cursor, keys]. */
function parseScan(raw: string): [string, string[]] {
  const lines: string[] = [];
  let pos = 0;
  const line = () => {
    const e = raw.indexOf('\r\n', pos);
    const s = raw.slice(pos, e);
    pos = e + 2;
    return s;
  };
  assert.equal(line(), '*2', raw.slice(0, 100));
  const cl = Number(line().slice(1));
  const cursor = raw.slice(pos, pos + cl);
  pos += cl + 2;
  const n = Number(line().slice(1));
  for (let i = 0; i < n; i++) {
    const l = Number(line().slice(1));
    lines.push(raw.slice(pos, pos + l));
    pos += l + 2;
  }
  return [cursor, lines];
}

/** Sends many commands in one write and reads all their replies. */
async function pipeline(c: RawClient, cmds: string[][]): Promise<string[]> {
  if (cmds.length === 0) return [];
  c.write(Buffer.concat(cmds.map((cmd) => encodeCommand(cmd))));
  const out: string[] = [];
  for (let i = 0; i < cmds.length; i++) out.push(await c.read());
  return out;
}

test('a keyspace larger than one internal Map: get, set, delete, scan and random keys across the split', async () => {
  const limit = 64;
  const srv = await startRespite({ dictSegmentLimit: limit });
  const c = await RawClient.connect(srv.port);
  try {
    const n = 10000;
    const sets: string[][] = [];
    for (let i = 0; i < n; i++) sets.push(['SET', `key:${i}`, `v${i}`]);
    for (let i = 0; i < n; i += 5000) {
      const r = await pipeline(c, sets.slice(i, i + 5000));
      assert.ok(r.every((x) => x === '+OK\r\n'));
    }
    assert.equal(await c.call('DBSIZE'), `:${n}\r\n`);
    const sizes = srv.server.dbs[0].dict.mapSizes();
    assert.ok(sizes.length > 1, 'the keyspace split into segments');
    assert.ok(Math.max(...sizes) <= limit, `a segment holds ${Math.max(...sizes)} keys`);
    for (const i of [0, 1, 777, 9876, n - 1])
      assert.equal(await c.call('GET', `key:${i}`), `$${`v${i}`.length}\r\nv${i}\r\n`);
    const dels: string[][] = [];
    for (let i = 0; i < n; i += 2) dels.push(['DEL', `key:${i}`]);
    const dr = await pipeline(c, dels);
    assert.ok(dr.every((x) => x === ':1\r\n'));
    assert.equal(await c.call('DBSIZE'), `:${n / 2}\r\n`);
    assert.equal(await c.call('EXISTS', 'key:2', 'key:3', 'key:9999'), ':2\r\n');
    // A full SCAN returns each remaining key (no changes during it: exactly once).
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, keys] = parseScan(await c.call('SCAN', cursor, 'COUNT', '333'));
      for (const k of keys) {
        assert.ok(!seen.has(k), `${k} returned twice`);
        seen.add(k);
      }
      cursor = next;
    } while (cursor !== '0');
    assert.equal(seen.size, n / 2);
    for (let i = 1; i < n; i += 2) assert.ok(seen.has(`key:${i}`));
    for (let i = 0; i < 200; i++) {
      const r = await c.call('RANDOMKEY');
      const key = r.split('\r\n')[1];
      assert.ok(Number(key.slice(4)) % 2 === 1, `RANDOMKEY returned deleted ${key}`);
    }
    assert.equal(await c.call('FLUSHALL'), '+OK\r\n');
    assert.equal(await c.call('SET', 'after', 'flush'), '+OK\r\n');
    assert.equal(await c.call('GET', 'after'), '$5\r\nflush\r\n');
  } finally {
    c.close();
    await srv.close();
  }
});

test('SCAN returns every key present for the whole iteration while keys are added and deleted between calls', async () => {
  const rnd = prng(2024);
  for (const segmentLimit of [undefined, 16]) {
    const srv = await startRespite({ dictSegmentLimit: segmentLimit });
    const c = await RawClient.connect(srv.port);
    try {
      for (let round = 0; round < 20; round++) {
        await c.call('FLUSHDB');
        let next = 0;
        const live = new Set<string>();
        const initial = 1 + rnd(600);
        const load: string[][] = [];
        for (let i = 0; i < initial; i++) {
          const k = `r${next++}`;
          live.add(k);
          load.push(['SET', k, '1']);
        }
        await pipeline(c, load);
        const stable = new Set(live);
        const seen = new Set<string>();
        const count = String(1 + rnd(50));
        const opts = rnd(4) === 0 ? ['MATCH', 'r*', 'COUNT', count] : ['COUNT', count];
        let calls = 0;
        let [cursor, keys] = parseScan(await c.call('SCAN', '0', ...opts));
        for (;;) {
          for (const k of keys) seen.add(k);
          if (cursor === '0') break;
          // Churn between calls, sent in the same write as the next SCAN (one round trip):
          // new keys, deleted keys (old and new), some with a TTL.
          const batch: string[][] = [];
          const adds = rnd(40);
          for (let i = 0; i < adds; i++) {
            const k = `r${next++}`;
            live.add(k);
            batch.push(['SET', k, '1']);
            if (rnd(5) === 0) batch.push(['EXPIRE', k, '1000']);
          }
          const dels = Math.min(live.size, rnd(40));
          const arr = [...live];
          for (let i = 0; i < dels; i++) {
            const k = arr[rnd(arr.length)];
            if (!live.delete(k)) continue;
            stable.delete(k);
            batch.push(['DEL', k]);
          }
          batch.push(['SCAN', cursor, ...opts]);
          const replies = await pipeline(c, batch);
          [cursor, keys] = parseScan(replies[replies.length - 1]);
          assert.ok(++calls < 100000, 'SCAN does not terminate');
        }
        for (const k of stable) assert.ok(seen.has(k), `round ${round}: SCAN missed ${k}`);
      }
    } finally {
      c.close();
      await srv.close();
    }
  }
});
