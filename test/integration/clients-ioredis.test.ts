/**
 * ioredis against Respite and against redis-server: the same calls must give the same results
 * (values, Buffers and error messages), including pipelines and binary data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startOracle, startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';

type Outcome = unknown;

async function outcome(p: Promise<unknown>): Promise<Outcome> {
  try {
    const v = await p;
    return Buffer.isBuffer(v) ? { buffer: v.toString('hex') } : v;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** ioredis checks INFO before it is ready; without INFO on this build, skip that check. */
async function hasInfo(port: number): Promise<boolean> {
  const c = await RawClient.connect(port);
  const r = await c.call('INFO', 'server');
  c.close();
  return r.startsWith('$');
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function scenario(port: number, readyCheck: boolean): Promise<Outcome[]> {
  const io = new Redis({ port, host: '127.0.0.1', enableReadyCheck: readyCheck, maxRetriesPerRequest: 0 });
  const out: Outcome[] = [];
  try {
    out.push(await outcome(io.ping()));
    out.push(await outcome(io.ping('hello')));
    out.push(await outcome(io.echo('a b\r\nc')));
    out.push(await outcome(io.set('text', 'héllo wörld ✓')));
    out.push(await outcome(io.get('text')));
    out.push(await outcome(io.set(ALL_BYTES, Buffer.concat([ALL_BYTES, ALL_BYTES]))));
    out.push(await outcome(io.getBuffer(ALL_BYTES)));
    out.push(await outcome(io.get('missing')));
    out.push(await outcome(io.set('empty', '')));
    out.push(await outcome(io.getBuffer('empty')));
    const big = Buffer.alloc(1024 * 1024 + 7, 'xyz');
    out.push(await outcome(io.set('big', big)));
    const gotBig = await io.getBuffer('big');
    out.push(gotBig !== null && gotBig.equals(big));
    // A pipeline of 2000 commands in one write.
    const pipe = io.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`p:${i}`, `v${i}`);
    for (let i = 0; i < 1000; i++) pipe.get(`p:${i}`);
    pipe.echo('end');
    const res = (await pipe.exec())!;
    out.push(res.length, res.filter(([err]) => err !== null).length, res[0], res[1000], res[1999], res[2000]);
    // Errors come back as rejections with Redis's text.
    out.push(await outcome(io.call('NOSUCHCOMMAND', 'a', 'b')));
    out.push(await outcome(io.call('GET')));
    out.push(await outcome(io.call('SELECT', '99')));
    out.push(await outcome(io.select(1)));
    out.push(await outcome(io.get('text')));
    out.push(await outcome(io.select(0)));
    out.push(await outcome(io.get('text')));
    // Many concurrent calls are queued and answered in order.
    const many = await Promise.all(Array.from({ length: 500 }, (_, i) => io.echo(`m${i}`)));
    out.push(many.every((v, i) => v === `m${i}`));
    out.push(await outcome(io.quit()));
  } finally {
    io.disconnect();
  }
  return out;
}

test('ioredis gets the same results from Respite as from redis-server', async () => {
  const oracle = await startOracle();
  const respite = await startRespite();
  try {
    const readyCheck = await hasInfo(respite.port);
    const expected = await scenario(oracle.port, true);
    const got = await scenario(respite.port, readyCheck);
    assert.deepEqual(got, expected);
    // Spot-check the oracle run itself, so the comparison is not vacuous.
    assert.equal(expected[0], 'PONG');
    assert.deepEqual(expected[6], { buffer: Buffer.concat([ALL_BYTES, ALL_BYTES]).toString('hex') });
    assert.equal(expected[11], true);
  } finally {
    await respite.close();
    await oracle.stop();
  }
});

test('ioredis auto-pipelining of thousands of concurrent calls', async () => {
  const respite = await startRespite();
  const io = new Redis({
    port: respite.port,
    host: '127.0.0.1',
    enableReadyCheck: await hasInfo(respite.port),
    enableAutoPipelining: true,
  });
  try {
    const sets = await Promise.all(
      Array.from({ length: 5000 }, (_, i) => io.set(`a:${i}`, Buffer.from([i & 255, 0, 13, 10]))),
    );
    assert.ok(sets.every((r) => r === 'OK'));
    const gets = await Promise.all(Array.from({ length: 5000 }, (_, i) => io.getBuffer(`a:${i}`)));
    gets.forEach((b, i) => assert.deepEqual(b, Buffer.from([i & 255, 0, 13, 10])));
  } finally {
    io.disconnect();
    await respite.close();
  }
});
