/**
 * How the string commands use the store: encodings in the StringStore column, values kept in
 * place (SET/APPEND/SETRANGE/INCR reuse the key's handle), and exact absolute expire times
 * under an injected clock (no sleeping). Commands go over a real socket to an in-process
 * server; the store is inspected directly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  StringStore,
  encodingFor,
  ENC_EMBSTR,
  ENC_INT,
  ENC_RAW,
  META_PAGE,
} from '../../src/store/strings.js';
import { startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

test('encodingFor picks int for canonical int64 text, embstr up to 44 bytes, raw above', () => {
  const cases: [string, number][] = [
    ['0', ENC_INT],
    ['-1', ENC_INT],
    ['9223372036854775807', ENC_INT],
    ['-9223372036854775808', ENC_INT],
    ['9223372036854775808', ENC_EMBSTR],
    ['-9223372036854775809', ENC_EMBSTR],
    ['01', ENC_EMBSTR],
    ['-0', ENC_EMBSTR],
    ['+1', ENC_EMBSTR],
    [' 1', ENC_EMBSTR],
    ['1.5', ENC_EMBSTR],
    ['', ENC_EMBSTR],
    ['x'.repeat(44), ENC_EMBSTR],
    ['x'.repeat(45), ENC_RAW],
    ['1'.repeat(45), ENC_RAW],
  ];
  for (const [s, enc] of cases) assert.equal(encodingFor(s), enc, JSON.stringify(s));
});

test('StringStore: bufferOf/bufferStart address the same bytes as view(), across slab and big values', () => {
  const st = new StringStore();
  const hs = [st.create('hello'), st.create('x'.repeat(20_000)), st.create(''), st.create('12', ENC_INT)];
  for (const h of hs) {
    const v = st.view(h);
    assert.equal(st.bufferOf(h), v.buf);
    assert.equal(st.bufferStart(h), v.start);
    assert.equal(
      st.bufferOf(h).latin1Slice(st.bufferStart(h), st.bufferStart(h) + st.length(h)),
      st.toString(h),
    );
  }
  assert.equal(st.encoding(hs[3]), ENC_INT);
  // Growing in place keeps the handle; the bytes follow the value to a bigger slot.
  const h = hs[0];
  for (let i = 0; i < 5000; i++) {
    const r = st.resize(h, st.length(h) + 1);
    r.buf[r.start + st.length(h) - 1] = 97 + (i % 26);
  }
  assert.equal(st.length(h), 5005);
  assert.equal(st.toString(h).slice(0, 8), 'helloabc');
  assert.equal(st.encoding(h), ENC_RAW);
});

test('StringStore: values, lengths, encodings and LRU words stay right across metadata pages, through frees and reuse', () => {
  const st = new StringStore();
  const n = 2 * META_PAGE + 777;
  const val = (i: number) => (i % 1000 === 0 ? 'y'.repeat(17_000 + (i % 7)) : `v${i}`);
  const hs: number[] = [];
  for (let i = 0; i < n; i++) {
    const h = st.create(val(i));
    st.setLru(h, i * 3);
    hs.push(h);
  }
  assert.equal(st.liveHandles, n);
  const check = (i: number) => {
    const h = hs[i];
    assert.equal(st.toString(h), val(i), `value ${i}`);
    assert.equal(st.length(h), val(i).length);
    assert.equal(st.encoding(h), encodingFor(val(i)));
    assert.equal(st.lruOf(h), i * 3);
  };
  for (let i = 0; i < n; i++) check(i);
  // Free every other handle on every page; new values reuse them, the rest are untouched.
  for (let i = 0; i < n; i += 2) st.free(hs[i]);
  for (let i = 0; i < n; i += 2) {
    hs[i] = st.create(val(i));
    st.setLru(hs[i], i * 3);
  }
  assert.equal(st.liveHandles, n);
  assert.ok(
    hs.every((x) => x < n),
    'freed handles are reused',
  );
  for (let i = 0; i < n; i++) check(i);
  // Overwrites and in-place growth on the last page.
  const h = hs[n - 1];
  st.overwrite(h, '12345');
  assert.equal(st.encoding(h), ENC_INT);
  st.resize(h, 40_000);
  assert.equal(st.length(h), 40_000);
  assert.equal(st.slice(h, 0, 5), '12345');
  assert.equal(st.capacityOf(h) >= 40_000, true);
  // used_memory counts 21 bytes of metadata per handle of capacity.
  assert.ok(st.usedBytes() >= st.allocatedBytes + n * 21);
  st.clear();
  assert.equal(st.toString(st.create('again')), 'again');
});

test('StringStore: a new or overwritten big value is sized exactly; only resize() reserves room to grow', () => {
  const st = new StringStore();
  const h = st.create('v'.repeat(32768));
  assert.equal(st.capacityOf(h), 32768);
  assert.equal(st.allocatedBytes, 32768);
  st.overwrite(h, 'w'.repeat(100_000));
  assert.equal(st.capacityOf(h), 100_000);
  // Less than half the room in use: the buffer is given back for an exact one.
  st.overwrite(h, 'x'.repeat(40_000));
  assert.equal(st.capacityOf(h), 40_000);
  st.overwrite(h, 'y'.repeat(30_000));
  assert.equal(st.capacityOf(h), 40_000);
  assert.equal(st.toString(h), 'y'.repeat(30_000));
  st.resize(h, 40_001);
  assert.ok(st.capacityOf(h) >= 80_000, 'APPEND-style growth doubles');
  assert.equal(st.allocatedBytes, st.capacityOf(h));
  assert.equal(st.createZeroed(20_000) >= 0, true);
  assert.equal(st.allocatedBytes, st.capacityOf(h) + 20_000);
});

async function withServer(
  fn: (c: RawClient, srv: Awaited<ReturnType<typeof startRespite>>, clock: { now: number }) => Promise<void>,
): Promise<void> {
  const clock = { now: 1_700_000_000_000 };
  const srv = await startRespite({ clock: () => clock.now });
  const c = await RawClient.connect(srv.port);
  try {
    await fn(c, srv, clock);
  } finally {
    c.close();
    await srv.close();
  }
}

test("SET, APPEND, SETRANGE, INCR and INCRBYFLOAT rewrite the key's existing handle in place", async () => {
  await withServer(async (c, srv) => {
    const db = srv.server.dbs[0];
    assert.equal(await c.call('SET', 'k', 'v1'), '+OK\r\n');
    const h = db.dict.get('k');
    assert.equal(typeof h, 'number');
    const sameHandle = async (...cmd: string[]): Promise<void> => {
      await c.call(...cmd);
      assert.equal(db.dict.get('k'), h, `${cmd.join(' ')} kept the handle`);
    };
    await sameHandle('SET', 'k', 'a much longer value than before, well past the first slot size');
    assert.equal(db.strings.encoding(h as number), ENC_RAW);
    await sameHandle('SET', 'k', '42');
    assert.equal(db.strings.encoding(h as number), ENC_INT);
    await sameHandle('INCR', 'k');
    await sameHandle('INCRBYFLOAT', 'k', '0.5');
    assert.equal(db.strings.encoding(h as number), ENC_EMBSTR);
    await sameHandle('APPEND', 'k', 'x'.repeat(30_000));
    await sameHandle('SETRANGE', 'k', '40000', 'y');
    await sameHandle('SET', 'k', 'short', 'KEEPTTL');
    await sameHandle('GETSET', 'k', 'again');
    await sameHandle('MSET', 'k', 'mset');
    assert.equal(await c.call('GET', 'k'), '$4\r\nmset\r\n');
    assert.equal(db.strings.liveHandles, 1);
    await c.call('GETDEL', 'k');
    assert.equal(db.strings.liveHandles, 0);
  });
});

test('expire times are absolute and exact under a frozen clock, and moving the clock expires keys', async () => {
  await withServer(async (c, srv, clock) => {
    const db = srv.server.dbs[0];
    const t = clock.now;
    await c.call('SET', 'ex', 'v', 'EX', '100');
    await c.call('SET', 'px', 'v', 'PX', '1500');
    await c.call('SET', 'exat', 'v', 'EXAT', String(t / 1000 + 50));
    await c.call('SET', 'pxat', 'v', 'PXAT', String(t + 77));
    await c.call('SETEX', 'setex', '10', 'v');
    await c.call('PSETEX', 'psetex', '10', 'v');
    await c.call('SET', 'plain', 'v');
    await c.call('GETEX', 'plain', 'PX', '123');
    assert.equal(db.getExpire('ex'), t + 100_000);
    assert.equal(db.getExpire('px'), t + 1500);
    assert.equal(db.getExpire('exat'), t + 50_000);
    assert.equal(db.getExpire('pxat'), t + 77);
    assert.equal(db.getExpire('setex'), t + 10_000);
    assert.equal(db.getExpire('psetex'), t + 10);
    assert.equal(db.getExpire('plain'), t + 123);
    await c.call('SET', 'pxat', 'w', 'KEEPTTL');
    assert.equal(db.getExpire('pxat'), t + 77);
    await c.call('SET', 'n', '5', 'PX', '1000');
    await c.call('INCR', 'n');
    await c.call('INCRBYFLOAT', 'n', '0.5');
    await c.call('APPEND', 'n', '0');
    await c.call('SETRANGE', 'n', '0', '7');
    assert.equal(db.getExpire('n'), t + 1000);
    assert.equal(await c.call('GET', 'n'), '$4\r\n7.50\r\n');
    clock.now = t + 9;
    assert.equal(db.getExpire('psetex'), t + 10);
    clock.now = t + 10;
    assert.equal(await c.call('GET', 'psetex'), '$-1\r\n');
    assert.equal(await c.call('GET', 'pxat'), '$1\r\nw\r\n');
    clock.now = t + 77;
    assert.equal(await c.call('GET', 'pxat'), '$-1\r\n');
    assert.equal(await c.call('GETEX', 'ex', 'PERSIST'), '$1\r\nv\r\n');
    assert.equal(db.getExpire('ex'), -1);
    await c.call('SET', 'px', 'w');
    assert.equal(db.getExpire('px'), -1);
  });
});

test('StringStore: past the slab chunks a location word can address, new values get dedicated buffers and stay right', () => {
  const st = new StringStore(1);
  const handles: number[] = [];
  // 3 MiB of 100-byte values: the one allowed 1 MiB chunk fills, the rest go to their own buffers.
  for (let i = 0; i < 30000; i++) handles.push(st.create(`${String(i).padStart(8, '0')}${'x'.repeat(92)}`));
  assert.ok(st.footprint() >= 3_000_000);
  for (let i = 0; i < handles.length; i += 97) {
    assert.equal(st.toString(handles[i]), `${String(i).padStart(8, '0')}${'x'.repeat(92)}`);
  }
  // Overwrites, frees and growth work on both kinds.
  for (let i = 0; i < handles.length; i += 3) st.overwrite(handles[i], `v${i}`);
  for (let i = 1; i < handles.length; i += 3) st.free(handles[i]);
  const grown = st.resize(handles[2], 200);
  assert.equal(grown.buf.latin1Slice(grown.start, grown.start + 8), '00000002');
  for (let i = 0; i < handles.length; i += 3) assert.equal(st.toString(handles[i]), `v${i}`);
  assert.equal(st.length(handles[2]), 200);
});
