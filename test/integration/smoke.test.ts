import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import { startPair } from '../helpers/compat.js';

test('a pipelined batch of SET/GET/PING gets its replies in order', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhello\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n');
  assert.equal(await c.read(), '+OK\r\n');
  assert.equal(await c.read(), '$5\r\nhello\r\n');
  assert.equal(await c.read(), '+PONG\r\n');
  c.close();
  await srv.close();
});

test('GET, SET and PING reply byte for byte like redis-server', async () => {
  const pair = await startPair();
  try {
    await pair.same(
      ['SET', 'k', 'v'],
      ['GET', 'k'],
      ['GET', 'missing'],
      ['PING'],
      ['PING', 'x'],
      ['ECHO', ''],
    );
  } finally {
    await pair.close();
  }
});
