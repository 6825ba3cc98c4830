/**
 * The fork-less snapshot engine: random writes, deletes, expiries, re-adds, SWAPDB and FLUSHDB
 * interleaved with the snapshot's time slices never change what it saves — the file always
 * loads back to the dataset as it was when the snapshot started.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Server } from '../../src/server/server.js';
import { Snapshot } from '../../src/persistence/snapshot.js';
import { loadRdbBuffer } from '../../src/persistence/load.js';
import { datasetDigest } from '../../src/persistence/digest.js';
import { prng } from '../helpers/wire.js';
import { ListValue } from '../../src/store/types/list.js';

function populate(s: Server, n: number): void {
  for (let d = 0; d < 3; d++) {
    const db = s.dbs[d];
    for (let i = 0; i < n; i++) {
      const key = `k${i}`;
      if (i % 10 === 0) db.add(key, ListValue.fromArray([`a${i}`, `b${i}`]));
      else db.setString(key, `v${d}:${i}`, false);
      if (i % 7 === 0) db.setExpire(key, Date.now() + 1_000_000 + i);
    }
  }
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`a snapshot saves the dataset as of its start under random concurrent changes (seed ${seed})`, () => {
    const rand = prng(seed);
    const s = new Server({ config: { save: '' }, log: false });
    populate(s, 3000);
    const before = datasetDigest(s.dbs);
    const chunks: Buffer[] = [];
    const snap = new Snapshot(s, (c) => chunks.push(Buffer.from(c)), {
      aux: [],
      checksum: true,
      saveLru: false,
      saveLfu: false,
      sliceMs: 0,
    });
    snap.attach();
    let ops = 0;
    let flushed = false;
    while (!snap.step()) {
      for (let j = 0; j < 20; j++) {
        ops++;
        const db = s.dbs[Math.floor(rand() * 3)];
        const key = `k${Math.floor(rand() * 3500)}`;
        const r = rand();
        if (r < 0.3) db.setString(key, `new${ops}`, rand() < 0.5);
        else if (r < 0.55) db.delete(key);
        else if (r < 0.65) {
          if (db.dict.has(key)) db.setExpire(key, Date.now() + 5000);
        } else if (r < 0.7) db.removeExpire(key);
        else if (r < 0.8) {
          const v = db.lookupWrite(key);
          if (v instanceof ListValue) v.pushTail(`x${ops}`);
        } else if (r < 0.85) {
          const v = db.detach(key);
          if (v !== undefined && !s.dbs[2].dict.has(key)) s.dbs[2].attach(key, v);
        } else if (r < 0.86) s.dbs[0].swapWith(s.dbs[1]);
        else if (r < 0.865 && !flushed) {
          flushed = true;
          s.dbs[2].flush();
        } else if (!db.dict.has(`n${ops}`)) db.setString(`n${ops}`, 'fresh', false);
      }
    }
    assert.notEqual(datasetDigest(s.dbs), before);
    const s2 = new Server({ config: { save: '' }, log: false });
    loadRdbBuffer(s2, Buffer.concat(chunks), { checksum: true });
    assert.equal(datasetDigest(s2.dbs), before, `after ${ops} concurrent operations`);
    for (const db of s.dbs) {
      assert.equal(db.snapshot, null, 'hooks removed');
      assert.equal(db.dict.onMove, null);
    }
  });
}
