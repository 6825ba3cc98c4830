/**
 * node-redis (redis@5) against Respite and against redis-server: the same calls must give
 * the same results (strings, Buffers, error messages), with its automatic pipelining.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createClient, RESP_TYPES } from 'redis';
import { startOracle, startRespite } from '../helpers/servers.js';

async function outcome(p: Promise<unknown>): Promise<unknown> {
  try {
    const v = await p;
    return Buffer.isBuffer(v) ? { buffer: v.toString('hex') } : v;
  } catch (e) {
    return { error: (e as Error).message };
  }
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

async function scenario(port: number): Promise<unknown[]> {
  const client = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false } });
  const errors: string[] = [];
  client.on('error', (e: Error) => errors.push(e.message));
  await client.connect();
  const out: unknown[] = [];
  try {
    out.push(await outcome(client.ping()));
    out.push(await outcome(client.ping('hi there')));
    out.push(await outcome(client.echo('\r\n\0 binary-ish')));
    out.push(await outcome(client.set('text', 'héllo wörld ✓')));
    out.push(await outcome(client.get('text')));
    out.push(await outcome(client.set(ALL_BYTES, Buffer.concat([ALL_BYTES, ALL_BYTES]))));
    out.push(await outcome(client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get(ALL_BYTES)));
    out.push(await outcome(client.get('missing')));
    const big = Buffer.alloc(512 * 1024 + 3, 'abc');
    out.push(await outcome(client.set('big', big)));
    const gotBig = await client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer }).get('big');
    out.push(gotBig !== null && gotBig.equals(big));
    // Commands issued in the same tick are written as one pipeline.
    const sets = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.set(`p:${i}`, `v${i}`)));
    const gets = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.get(`p:${i}`)));
    out.push(
      sets.every((r) => r === 'OK'),
      gets.every((v, i) => v === `v${i}`),
    );
    out.push(await outcome(client.sendCommand(['NOSUCHCOMMAND', 'x'])));
    out.push(await outcome(client.sendCommand(['ECHO'])));
    out.push(await outcome(client.sendCommand(['SELECT', 'abc'])));
    out.push(await outcome(client.select(2)));
    out.push(await outcome(client.get('text')));
    out.push(await outcome(client.select(0)));
    out.push(await outcome(client.get('text')));
    out.push(await outcome(client.quit()));
  } finally {
    if (client.isOpen) await client.disconnect();
  }
  out.push(errors);
  return out;
}

test('node-redis gets the same results from Respite as from redis-server', async () => {
  const oracle = await startOracle();
  const respite = await startRespite();
  try {
    const expected = await scenario(oracle.port);
    const got = await scenario(respite.port);
    assert.deepEqual(got, expected);
    assert.equal(expected[0], 'PONG');
    assert.deepEqual(expected[6], { buffer: Buffer.concat([ALL_BYTES, ALL_BYTES]).toString('hex') });
    assert.equal(expected[9], true);
  } finally {
    await respite.close();
    await oracle.stop();
  }
});
