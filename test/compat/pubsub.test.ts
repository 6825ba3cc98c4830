/**
 * Pub/Sub against the oracle, byte for byte, in RESP2 and RESP3: SUBSCRIBE / UNSUBSCRIBE /
 * PSUBSCRIBE / PUNSUBSCRIBE / PUBLISH, SSUBSCRIBE / SUNSUBSCRIBE / SPUBLISH, the PUBSUB
 * subcommands, subscribed mode's restrictions, pushes interleaved with replies, RESET, and
 * the Pub/Sub fields of CLIENT LIST and INFO. Where Redis 7.0 answers in hash-table order
 * (a bare UNSUBSCRIBE with several channels, PUBSUB CHANNELS) the frames are compared as
 * multisets.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, type Pair } from '../helpers/compat.js';
import { MultiPair } from '../helpers/multi-pair.js';
import { RawClient } from '../helpers/raw-client.js';

let pair: Pair;

before(async () => {
  pair = await startPair();
});

after(async () => {
  await pair.close();
});

/** Opens n connection pairs speaking proto. */
async function open(n: number, proto: 2 | 3): Promise<MultiPair> {
  const m = await MultiPair.open(pair, n);
  if (proto === 3) for (let i = 0; i < n; i++) await m.hello(i, 3);
  return m;
}

/** Reads `count` frames on connection i of both servers and compares them as multisets. */
async function sameUnordered(m: MultiPair, i: number, count: number): Promise<void> {
  const a: string[] = [];
  const b: string[] = [];
  for (let k = 0; k < count; k++) {
    a.push(await m.o[i].read());
    b.push(await m.r[i].read());
  }
  assert.deepEqual(b.map(dropCount).sort(), a.map(dropCount).sort());
  assert.deepEqual(b.map(countOf), a.map(countOf));
}
/** An array reply of bulk strings with its elements sorted (hash-table order differs). */
function sortedArray(reply: string): string {
  const lines = reply.split('\r\n');
  const items: string[] = [];
  for (let i = 1; i + 1 < lines.length; i += 2) items.push(lines[i] + '\r\n' + lines[i + 1]);
  return lines[0] + '\r\n' + items.sort().join('\r\n');
}
const dropCount = (f: string): string => f.replace(/:\d+\r\n$/, '');
const countOf = (f: string): string => /:(\d+)\r\n$/.exec(f)?.[1] ?? '';

for (const proto of [2, 3] as const) {
  describe(`RESP${proto}`, () => {
    test('SUBSCRIBE confirms each channel with the subscription count; PUBLISH delivers and counts receivers', async () => {
      const m = await open(3, proto);
      try {
        await m.sameFrames(0, 3, 'SUBSCRIBE', 'news', 'sport', 'news');
        await m.sameFrames(1, 1, 'SUBSCRIBE', 'news');
        await m.same(2, 'PUBLISH', 'news', 'hello');
        await m.next(0);
        await m.next(1);
        await m.same(2, 'PUBLISH', 'sport', '');
        await m.next(0);
        await m.same(2, 'PUBLISH', 'nobody', 'x');
        await m.same(2, 'PUBSUB', 'NUMSUB', 'news', 'sport', 'nobody');
        await m.sameFrames(0, 1, 'UNSUBSCRIBE', 'news');
        await m.same(2, 'PUBLISH', 'news', 'again');
        await m.next(1);
        await m.sameFrames(0, 2, 'UNSUBSCRIBE', 'sport', 'never');
        await m.sameFrames(0, 1, 'UNSUBSCRIBE');
        await m.sameFrames(1, 1, 'UNSUBSCRIBE');
        await m.same(2, 'PUBSUB', 'NUMSUB', 'news', 'sport');
        await m.nothingPending(0);
        await m.nothingPending(1);
      } finally {
        m.close();
      }
    });

    test('a bare UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE drops every subscription with a confirmation each', async () => {
      const m = await open(1, proto);
      try {
        await m.sameFrames(0, 3, 'SUBSCRIBE', 'a', 'b', 'c');
        await m.sameFrames(0, 2, 'PSUBSCRIBE', 'p*', 'q?');
        await m.sameFrames(0, 2, 'SSUBSCRIBE', 's1', 's2');
        m.send(0, 'UNSUBSCRIBE');
        await sameUnordered(m, 0, 3);
        m.send(0, 'PUNSUBSCRIBE');
        await sameUnordered(m, 0, 2);
        m.send(0, 'SUNSUBSCRIBE');
        await sameUnordered(m, 0, 2);
        await m.same(0, 'PING');
      } finally {
        m.close();
      }
    });

    test('patterns use glob matching; a client on a channel and a matching pattern gets message and pmessage', async () => {
      const m = await open(2, proto);
      try {
        await m.sameFrames(0, 1, 'SUBSCRIBE', 'h.llo');
        await m.sameFrames(0, 4, 'PSUBSCRIBE', 'h?llo', 'x[ae]y', 'esc\\*', '*');
        await m.same(1, 'PUBSUB', 'NUMPAT');
        for (const ch of ['h.llo', 'hallo', 'xay', 'xby', 'esc*', 'escX', '']) {
          m.send(1, 'PUBLISH', ch, `to ${ch}`);
          const receivers = Number((await m.next(1, `PUBLISH ${ch}`)).slice(1, -2));
          // The channel's message first, then one pmessage per matching pattern, in the
          // order of Redis's pattern hash table (compared as a multiset).
          if (ch === 'h.llo') await m.next(0, 'message');
          const rest = ch === 'h.llo' ? receivers - 1 : receivers;
          const a: string[] = [];
          const b: string[] = [];
          for (let k = 0; k < rest; k++) {
            a.push(await m.o[0].read());
            b.push(await m.r[0].read());
          }
          assert.deepEqual(b.sort(), a.sort(), `pmessages for ${JSON.stringify(ch)}`);
        }
        await m.sameFrames(0, 1, 'PUNSUBSCRIBE', '*');
        await m.sameFrames(0, 1, 'PUNSUBSCRIBE', 'not-subscribed');
        await m.same(1, 'PUBSUB', 'NUMPAT');
        await m.nothingPending(0);
      } finally {
        m.close();
      }
    });

    test('shard channels: SSUBSCRIBE counts only shard channels, SPUBLISH sends smessage and ignores patterns', async () => {
      const m = await open(2, proto);
      try {
        await m.sameFrames(0, 2, 'SUBSCRIBE', 'plain', 'x');
        await m.sameFrames(0, 1, 'PSUBSCRIBE', '*');
        await m.sameFrames(0, 2, 'SSUBSCRIBE', 'shard', 'shard2');
        await m.same(1, 'SPUBLISH', 'shard', 'm1');
        await m.next(0);
        await m.same(1, 'SPUBLISH', 'plain', 'm2');
        await m.same(1, 'PUBLISH', 'shard', 'm3');
        await m.next(0);
        await m.same(1, 'PUBSUB', 'SHARDNUMSUB', 'shard', 'plain');
        await m.same(1, 'PUBSUB', 'SHARDNUMSUB');
        await m.same(1, 'PUBSUB', 'SHARDCHANNELS', 'shard2');
        await m.same(1, 'PUBSUB', 'SHARDCHANNELS', 'nomatch*');
        await m.sameFrames(0, 1, 'SUNSUBSCRIBE', 'shard');
        await m.sameFrames(0, 1, 'SUNSUBSCRIBE', 'shard');
        await m.same(1, 'SPUBLISH', 'shard', 'gone');
        await m.nothingPending(0);
      } finally {
        m.close();
      }
    });

    test('PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP and their errors', async () => {
      const m = await open(3, proto);
      try {
        await m.sameFrames(0, 3, 'SUBSCRIBE', 'news.it', 'news.fr', 'sport');
        await m.sameFrames(1, 1, 'SUBSCRIBE', 'news.it');
        await m.sameFrames(1, 2, 'PSUBSCRIBE', 'news.*', 'x');
        for (const args of [[], ['news.*'], ['*'], ['nothing'], ['news.[if]?']]) {
          m.send(2, 'PUBSUB', 'CHANNELS', ...args);
          const [a, b] = await Promise.all([m.o[2].read(), m.r[2].read()]);
          assert.equal(sortedArray(b), sortedArray(a), `PUBSUB CHANNELS ${args.join(' ')}`);
        }
        await m.same(2, 'PUBSUB', 'NUMSUB', 'news.it', 'news.fr', 'sport', 'news.*');
        await m.same(2, 'PUBSUB', 'NUMSUB');
        await m.same(2, 'PUBSUB', 'NUMPAT');
        await m.same(2, 'PUBSUB', 'HELP');
        await m.same(2, 'PUBSUB', 'help');
        await m.same(2, 'PUBSUB', 'CHANNELS', 'a', 'b');
        await m.same(2, 'PUBSUB', 'NUMPAT', 'x');
        await m.same(2, 'PUBSUB', 'HELP', 'x');
        await m.same(2, 'PUBSUB', 'NOPE');
        await m.same(2, 'PUBSUB');
        await m.same(2, 'SUBSCRIBE');
        await m.same(2, 'PSUBSCRIBE');
        await m.same(2, 'SSUBSCRIBE');
        await m.same(2, 'PUBLISH', 'a');
        await m.same(2, 'PUBLISH', 'a', 'b', 'c');
        await m.same(2, 'SPUBLISH', 'a');
      } finally {
        m.close();
      }
    });

    test('binary channel names, patterns and messages are delivered byte for byte', async () => {
      const m = await open(2, proto);
      try {
        const bin = '\x00\xff\r\n bin';
        await m.sameFrames(0, 1, 'SUBSCRIBE', bin);
        await m.sameFrames(0, 1, 'PSUBSCRIBE', '\x00*');
        await m.same(1, 'PUBLISH', bin, '\x01\x02\r\n\xfe');
        await m.next(0);
        await m.next(0);
        await m.same(1, 'PUBLISH', bin, 'x'.repeat(100000));
        await m.next(0);
        await m.next(0);
      } finally {
        m.close();
      }
    });

    test('consecutive publishes that change channel, kind, pattern or message length are framed anew for RESP2 and RESP3 subscribers', async () => {
      // Respite keeps one encoded frame per publish and its header across publishes to one
      // channel; subscribers of both protocols on one channel share it.
      const m = await MultiPair.open(pair, 3);
      try {
        if (proto === 3) await m.hello(0, 3);
        else await m.hello(1, 3);
        for (const i of [0, 1]) {
          await m.sameFrames(i, 2, 'SUBSCRIBE', 'ch', 'cx');
          await m.sameFrames(i, 1, 'SSUBSCRIBE', 'ch');
        }
        await m.sameFrames(0, 1, 'PSUBSCRIBE', 'c?');
        const long = 'L'.repeat(300);
        const steps: [string, string, string][] = [
          ['PUBLISH', 'ch', 'x'],
          ['PUBLISH', 'ch', 'y'],
          ['PUBLISH', 'ch', 'yy'],
          ['PUBLISH', 'cx', 'z'],
          ['PUBLISH', 'ch', long],
          ['PUBLISH', 'ch', ''],
          ['SPUBLISH', 'ch', 'shard'],
          ['PUBLISH', 'ch', 'after shard'],
          ['SPUBLISH', 'ch', 'shard again'],
          ['PUBLISH', 'cx', 'after shard'],
        ];
        for (const [cmd, ch, msg] of steps) {
          const receivers = Number((await m.same(2, cmd, ch, msg)).slice(1, -2));
          // Connection 0 gets the channel's frame then the pattern's; connection 1 the first.
          await m.next(0, `${cmd} ${ch} ${msg.length}: first frame`);
          if (cmd === 'PUBLISH') await m.next(0, `${cmd} ${ch}: pmessage`);
          await m.next(1, `${cmd} ${ch} ${msg.length}`);
          assert.equal(receivers, cmd === 'PUBLISH' ? 3 : 2);
        }
        await m.nothingPending(0);
        await m.nothingPending(1);
      } finally {
        m.close();
      }
    });

    test('a channel left by its last subscriber and subscribed again gets the next publishes', async () => {
      const m = await open(2, proto);
      try {
        await m.sameFrames(0, 1, 'SUBSCRIBE', 'again');
        await m.same(1, 'PUBLISH', 'again', 'one');
        await m.next(0);
        await m.sameFrames(0, 1, 'UNSUBSCRIBE', 'again');
        await m.same(1, 'PUBLISH', 'again', 'nobody');
        await m.sameFrames(0, 1, 'SUBSCRIBE', 'again');
        await m.same(1, 'PUBLISH', 'again', 'two');
        await m.next(0);
        await m.same(1, 'PUBSUB', 'NUMSUB', 'again');
        await m.nothingPending(0);
      } finally {
        m.close();
      }
    });

    test('RESET unsubscribes from everything and leaves subscribed mode', async () => {
      const m = await open(2, proto);
      try {
        await m.sameFrames(0, 1, 'SUBSCRIBE', 'c1');
        await m.sameFrames(0, 1, 'PSUBSCRIBE', 'p*');
        await m.sameFrames(0, 1, 'SSUBSCRIBE', 's');
        await m.same(0, 'RESET');
        await m.same(1, 'PUBLISH', 'c1', 'x');
        await m.same(1, 'PUBLISH', 'pq', 'x');
        await m.same(1, 'SPUBLISH', 's', 'x');
        await m.same(1, 'PUBSUB', 'NUMSUB', 'c1');
        await m.same(1, 'PUBSUB', 'NUMPAT');
        await m.same(0, 'GET', 'k');
        await m.same(0, 'PING');
        await m.nothingPending(0);
      } finally {
        m.close();
      }
    });

    test('a closed subscriber is removed from every channel and pattern', async () => {
      const m = await open(2, proto);
      try {
        await m.sameFrames(0, 1, 'SUBSCRIBE', 'gone');
        await m.sameFrames(0, 1, 'PSUBSCRIBE', 'gon*');
        m.o[0].close();
        m.r[0].close();
        const deadline = Date.now() + 5000;
        for (;;) {
          const [a, b] = await m.pair.both('PUBSUB', 'NUMPAT');
          if (a === b || Date.now() > deadline) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        await m.same(1, 'PUBLISH', 'gone', 'x');
        await m.same(1, 'PUBSUB', 'NUMSUB', 'gone');
        await m.same(1, 'PUBSUB', 'NUMPAT');
      } finally {
        m.close();
      }
    });
  });
}

describe('RESP2 subscribed mode', () => {
  test('only (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET are allowed; PING answers pong as a message', async () => {
    const m = await open(1, 2);
    try {
      await m.sameFrames(0, 1, 'SUBSCRIBE', 'x');
      for (const cmd of [
        ['GET', 'k'],
        ['SET', 'k', 'v'],
        ['CLIENT', 'ID'],
        ['HELLO', '2'],
        ['NOSUCH'],
        ['PUBLISH', 'x', 'y'],
      ])
        await m.same(0, ...cmd);
      await m.same(0, 'PING');
      await m.same(0, 'PING', 'hello');
      await m.same(0, 'PING', 'a', 'b');
      await m.sameFrames(0, 1, 'PSUBSCRIBE', 'y*');
      await m.sameFrames(0, 1, 'UNSUBSCRIBE', 'x');
      await m.same(0, 'GET', 'k');
      await m.sameFrames(0, 1, 'PUNSUBSCRIBE', 'y*');
      await m.same(0, 'GET', 'k');
      await m.same(0, 'PING');
      await m.sameFrames(0, 1, 'SUBSCRIBE', 'x');
      await m.same(0, 'QUIT');
    } finally {
      m.close();
    }
  });
});

describe('RESP3 pushes', () => {
  test('ordinary commands work while subscribed and pushes come between replies', async () => {
    const m = await open(2, 3);
    try {
      await m.sameFrames(0, 1, 'SUBSCRIBE', 'ch');
      await m.same(0, 'SET', 'k', 'v');
      await m.same(0, 'GET', 'k');
      await m.same(0, 'PING');
      await m.same(1, 'PUBLISH', 'ch', 'm1');
      await m.next(0);
      await m.same(0, 'DEL', 'k');
    } finally {
      m.close();
    }
  });

  test('a client publishing to its own channel gets the message before the PUBLISH reply, as redis-server sends it', async () => {
    const m = await open(1, 3);
    try {
      await m.sameFrames(0, 1, 'SUBSCRIBE', 'self');
      await m.sameFrames(0, 1, 'PSUBSCRIBE', 's*');
      await m.sameFrames(0, 3, 'PUBLISH', 'self', 'hi');
      await m.same(0, 'CONFIG', 'SET', 'notify-keyspace-events', 'KA');
      await m.sameFrames(0, 1, 'PSUBSCRIBE', '__keyspace@0__:*');
      await m.sameFrames(0, 3, 'MSET', 'a', '1', 'b', '2');
      await m.sameFrames(0, 1, 'PUNSUBSCRIBE', '__keyspace@0__:*');
      await m.same(0, 'CONFIG', 'SET', 'notify-keyspace-events', '');
      await m.same(0, 'DEL', 'a', 'b');
    } finally {
      m.close();
    }
  });

  test('messages still arrive under CLIENT REPLY OFF, as pushes bypass it', async () => {
    const m = await open(2, 3);
    try {
      m.send(0, 'CLIENT', 'REPLY', 'OFF');
      m.send(0, 'SUBSCRIBE', 'quiet');
      await m.next(0);
      await m.same(1, 'PUBLISH', 'quiet', 'x');
      await m.next(0);
      m.send(0, 'PUBLISH', 'quiet', 'self');
      await m.next(0);
      await m.same(0, 'CLIENT', 'REPLY', 'ON');
      await m.same(0, 'PING');
    } finally {
      m.close();
    }
  });

  test('a push never lands inside another reply of a pipeline (Respite)', async () => {
    const r = await RawClient.connect(pair.respite.port);
    const pub = await RawClient.connect(pair.respite.port);
    try {
      await r.call('HELLO', '3');
      const elems: string[] = [];
      for (let i = 0; i < 300; i++) elems.push(`element-${i}`);
      await r.call('RPUSH', 'biglist', ...elems);
      const expected = await r.call('LRANGE', 'biglist', '0', '-1');
      await r.call('SUBSCRIBE', 'flood');
      for (let i = 0; i < 200; i++) {
        r.send('LRANGE', 'biglist', '0', '-1');
        pub.send('PUBLISH', 'flood', `m${i}`);
      }
      let replies = 0;
      let pushes = 0;
      while (replies < 200 || pushes < 200) {
        const f = await r.read();
        if (f.startsWith('>3\r\n$7\r\nmessage\r\n')) {
          assert.equal(f, `>3\r\n$7\r\nmessage\r\n$5\r\nflood\r\n$${`m${pushes}`.length}\r\nm${pushes}\r\n`);
          pushes++;
        } else {
          assert.equal(f, expected);
          replies++;
        }
      }
      await r.call('DEL', 'biglist');
    } finally {
      r.close();
      pub.close();
    }
  });
});

describe('introspection', () => {
  test('CLIENT LIST shows sub, psub, ssub and the P flag; INFO counts channels, patterns and shard channels', async () => {
    const m = await open(2, 3);
    try {
      await m.sameFrames(0, 2, 'SUBSCRIBE', 'i1', 'i2');
      await m.sameFrames(0, 1, 'PSUBSCRIBE', 'ip*');
      await m.sameFrames(0, 3, 'SSUBSCRIBE', 'is1', 'is2', 'is3');
      const fields = (line: string) => {
        const f = new Map(line.split(' ').map((kv) => kv.split('=') as [string, string]));
        return [f.get('flags'), f.get('sub'), f.get('psub'), f.get('ssub')].join(' ');
      };
      const info = async (c: RawClient) => {
        const r = await c.call('CLIENT', 'INFO');
        return fields(r.slice(r.indexOf(':') + 1).trim());
      };
      assert.equal(await info(m.r[0]), await info(m.o[0]));
      assert.equal(await info(m.r[0]), 'P 2 1 3');
      assert.equal(await info(m.r[1]), await info(m.o[1]));
      const stats = async (c: RawClient) => {
        const r = await c.call('INFO', 'stats');
        return r
          .split('\r\n')
          .filter((l) => l.startsWith('pubsub'))
          .join(',');
      };
      assert.equal(await stats(m.r[1]), await stats(m.o[1]));
      assert.equal(await stats(m.r[1]), 'pubsub_channels:2,pubsub_patterns:1,pubsubshard_channels:3');
      await m.same(0, 'RESET');
      assert.equal(await stats(m.r[1]), await stats(m.o[1]));
    } finally {
      m.close();
    }
  });
});
