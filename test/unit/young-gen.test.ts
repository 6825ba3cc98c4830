/**
 * The young-generation trimmer (src/server/young-gen.ts) decides when to run a scavenge from
 * V8's new-space figures: only after a quiet stretch, only when the nursery has grown, and
 * again after another quiet stretch if V8 kept it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { YoungGenTrimmer } from '../../src/server/young-gen.js';

const MB = 1 << 20;

function fake(): { size: number; used: number; gcs: number; trimmer: YoungGenTrimmer } {
  const st = { size: 32 * MB, used: 0, gcs: 0, trimmer: null as unknown as YoungGenTrimmer };
  st.trimmer = new YoungGenTrimmer(
    () => [
      { space_name: 'old_space', space_size: 100 * MB, space_used_size: 50 * MB },
      { space_name: 'new_space', space_size: st.size, space_used_size: st.used },
    ],
    () => {
      st.gcs++;
      st.used = 0;
    },
  );
  return st;
}

test('a grown nursery is scavenged once after 5.5 s without allocation, not while busy', () => {
  const f = fake();
  let t = 1000;
  // Busy: 1 MB allocated between checks, for 20 s.
  for (; t < 21000; t += 500) {
    f.used = (f.used + MB) % (16 * MB);
    f.trimmer.tick(t);
  }
  assert.equal(f.gcs, 0, 'no scavenge while allocating');
  // Quiet: a few KB between checks.
  const quietFrom = t;
  for (; t < quietFrom + 5000; t += 500) {
    f.used += 4096;
    f.trimmer.tick(t);
  }
  assert.equal(f.gcs, 0, 'not before 5.5 s of quiet');
  for (; t < quietFrom + 6500; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 1, 'one scavenge after the quiet stretch');
  // V8 shrank the nursery: nothing more to do however long the server idles.
  f.size = 1 * MB;
  for (; t < quietFrom + 60000; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 1);
});

test('a nursery V8 kept is tried again only after another quiet stretch', () => {
  const f = fake();
  // The first check (t = 500) only records the figures; quiet from there on.
  let t = 500;
  for (; t <= 6000; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 1);
  for (; t < 11500; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 1, 'not at every check');
  for (; t <= 12000; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 2);
});

test('a nursery at its starting size is left alone', () => {
  const f = fake();
  f.size = 2 * MB;
  for (let t = 0; t < 60000; t += 500) f.trimmer.tick(t);
  assert.equal(f.gcs, 0);
});
