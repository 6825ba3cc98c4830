/**
 * A consumer-group workload over real connections (ioredis): a producer appends 100,000
 * entries while three consumers of one group read them with XREADGROUP BLOCK and acknowledge
 * them; one consumer dies mid-way with entries delivered but not acknowledged, and a surviving
 * consumer takes them over with XAUTOCLAIM. Every entry must be acknowledged exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { startRespite } from '../helpers/servers.js';

const TOTAL = 100_000;
const BATCH = 500;
/** Longer than any live consumer keeps an entry unacknowledged, so XAUTOCLAIM only takes the dead one's. */
const CLAIM_IDLE_MS = 300;

type StreamReply = [string, [string, string[]][]][] | null;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('three consumers ack 100,000 entries exactly once although one dies and XAUTOCLAIM takes over', async () => {
  const server = await startRespite();
  const clients: Redis[] = [];
  const open = (): Redis => {
    const r = new Redis({
      port: server.port,
      host: '127.0.0.1',
      maxRetriesPerRequest: 0,
      lazyConnect: false,
    });
    clients.push(r);
    return r;
  };
  try {
    const admin = open();
    await admin.xgroup('CREATE', 'jobs', 'workers', '$', 'MKSTREAM');

    const acked = new Set<string>();
    let duplicateAcks = 0;
    let producerDone = false;
    let deadPending = 0;

    const ack = async (r: Redis, ids: string[]): Promise<void> => {
      if (ids.length === 0) return;
      const n = (await r.xack('jobs', 'workers', ...ids)) as number;
      // XACK counts only entries that were still pending: fewer means someone acked them before.
      if (n !== ids.length) duplicateAcks += ids.length - n;
      for (const id of ids) {
        if (acked.has(id)) duplicateAcks++;
        acked.add(id);
      }
    };

    const consume = async (name: string, dieAfterBatches: number): Promise<void> => {
      const r = open();
      let batches = 0;
      while (acked.size < TOTAL) {
        const reply = (await r.xreadgroup(
          'GROUP',
          'workers',
          name,
          'COUNT',
          BATCH,
          'BLOCK',
          100,
          'STREAMS',
          'jobs',
          '>',
        )) as StreamReply;
        if (reply === null) {
          if (producerDone && dieAfterBatches < 0) {
            // Nothing new: take over what a dead consumer left pending.
            let cursor = '0-0';
            do {
              const [next, claimed] = (await r.xautoclaim(
                'jobs',
                'workers',
                name,
                CLAIM_IDLE_MS,
                cursor,
                'COUNT',
                BATCH,
              )) as [string, [string, string[]][], string[]];
              await ack(
                r,
                claimed.map((e) => e[0]),
              );
              cursor = next;
            } while (cursor !== '0-0');
          }
          continue;
        }
        const entries = reply[0][1];
        batches++;
        if (batches === dieAfterBatches) {
          // Dies holding this batch: delivered, never acknowledged.
          deadPending = entries.length;
          r.disconnect();
          return;
        }
        await ack(
          r,
          entries.map((e) => e[0]),
        );
      }
    };

    // The producer pipelines raw XADDs (ioredis's own pipeline costs far more client CPU).
    const produce = async (): Promise<void> => {
      const sock = connect(server.port, '127.0.0.1');
      await once(sock, 'connect');
      let lines = 0;
      let errors = '';
      sock.on('data', (d: Buffer) => {
        for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) lines++;
        if (d.includes('-ERR')) errors += d.toString('latin1');
      });
      const CHUNK = 2500;
      for (let i = 0; i < TOTAL; i += CHUNK) {
        let req = '';
        for (let j = i; j < i + CHUNK; j++) {
          const n = String(j);
          const payload = `job-${j}`;
          req += `*7\r\n$4\r\nXADD\r\n$4\r\njobs\r\n$1\r\n*\r\n$1\r\nn\r\n$${n.length}\r\n${n}\r\n$7\r\npayload\r\n$${payload.length}\r\n${payload}\r\n`;
        }
        sock.write(req);
        // Each reply is a bulk string: two lines.
        while (lines < 2 * (i + CHUNK)) await sleep(1);
      }
      sock.destroy();
      assert.equal(errors, '');
      producerDone = true;
    };

    const deadline = setTimeout(() => {
      for (const c of clients) c.disconnect();
    }, 60_000);
    await Promise.all([produce(), consume('alice', -1), consume('bob', -1), consume('carol', 20)]);
    clearTimeout(deadline);

    assert.ok(deadPending > 0, 'carol died holding unacknowledged entries');
    assert.equal(duplicateAcks, 0);
    assert.equal(acked.size, TOTAL);
    assert.equal(await admin.xlen('jobs'), TOTAL);
    const summary = (await admin.xpending('jobs', 'workers')) as [number, null, null, null];
    assert.equal(summary[0], 0);
    const groups = (await admin.xinfo('GROUPS', 'jobs')) as unknown[][];
    const info = Object.fromEntries(
      Array.from({ length: groups[0].length / 2 }, (_, i) => [groups[0][2 * i], groups[0][2 * i + 1]]),
    );
    assert.equal(info['entries-read'], TOTAL);
    assert.equal(info.lag, 0);
    assert.equal(info.pending, 0);
    // The acknowledged IDs are the stream's: its first and last entries are among them.
    const [[first]] = (await admin.xrange('jobs', '-', '+', 'COUNT', 1)) as [string, string[]][];
    const [[last]] = (await admin.xrevrange('jobs', '+', '-', 'COUNT', 1)) as [string, string[]][];
    assert.ok(acked.has(first) && acked.has(last));
  } finally {
    for (const c of clients) c.disconnect();
    await server.close();
  }
});
