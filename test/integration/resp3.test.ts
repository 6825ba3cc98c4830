/**
 * RESP3 via HELLO 3: reply types on a raw connection, switching back and forth, and the
 * HELLO handshake through ioredis and node-redis (neither speaks RESP3 itself, so with them
 * HELLO is exercised in RESP2 and HELLO 3 on a raw connection).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { RawClient } from '../helpers/raw-client.js';
import { startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

function helloMap(proto: number, id: number): string {
  const pairs: [string, string][] = [
    ['server', '$5\r\nredis\r\n'],
    ['version', '$6\r\n7.0.15\r\n'],
    ['proto', `:${proto}\r\n`],
    ['id', `:${id}\r\n`],
    ['mode', '$10\r\nstandalone\r\n'],
    ['role', '$6\r\nmaster\r\n'],
    ['modules', '*0\r\n'],
  ];
  const head = proto === 3 ? '%7\r\n' : '*14\r\n';
  return head + pairs.map(([k, v]) => `$${k.length}\r\n${k}\r\n${v}`).join('');
}

describe('RESP3', () => {
  let srv: RespiteServer;
  before(async () => {
    srv = await startRespite();
  });
  after(async () => {
    await srv.close();
  });

  test('HELLO 3 switches the connection to RESP3 and answers with a map', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      const id = Number((await c.call('CLIENT', 'ID')).slice(1, -2));
      assert.equal(await c.call('HELLO', '3'), helloMap(3, id));
      assert.equal(await c.call('GET', 'missing'), '_\r\n');
      assert.equal(await c.call('CLIENT', 'GETNAME'), '_\r\n');
      const info = await c.call('CLIENT', 'INFO');
      assert.match(info, /^=\d+\r\ntxt:id=\d+ .* resp=3 lib-name= lib-ver=\n\r\n$/);
      assert.equal(Number(/^=(\d+)\r\n/.exec(info)![1]), info.length - info.indexOf('\r\n') - 4);
      // HELLO without a version keeps RESP3; HELLO 2 goes back.
      assert.equal(await c.call('HELLO'), helloMap(3, id));
      assert.equal(await c.call('HELLO', '2'), helloMap(2, id));
      assert.equal(await c.call('GET', 'missing'), '$-1\r\n');
      assert.match(await c.call('CLIENT', 'INFO'), /^\$\d+\r\nid=.* resp=2 /);
    } finally {
      c.close();
    }
  });

  test('a pipelined HELLO 3 applies to the commands after it in the same batch', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      c.send('GET', 'missing');
      c.send('HELLO', '3');
      c.send('GET', 'missing');
      c.send('RESET');
      c.send('GET', 'missing');
      assert.equal(await c.read(), '$-1\r\n');
      assert.match(await c.read(), /^%7\r\n/);
      assert.equal(await c.read(), '_\r\n');
      assert.equal(await c.read(), '+RESET\r\n');
      assert.equal(await c.read(), '$-1\r\n');
    } finally {
      c.close();
    }
  });

  test('a failed HELLO leaves the protocol unchanged', async () => {
    const c = await RawClient.connect(srv.port);
    try {
      assert.equal(await c.call('HELLO', '4'), '-NOPROTO unsupported protocol version\r\n');
      assert.equal(await c.call('HELLO', '3', 'bogus'), "-ERR Syntax error in HELLO option 'bogus'\r\n");
      assert.equal(await c.call('GET', 'missing'), '$-1\r\n');
    } finally {
      c.close();
    }
  });

  test('ioredis gets the HELLO 2 server map as a flat array and sees its lib-name', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, enableReadyCheck: false });
    try {
      await r.connect();
      const id = await r.client('ID');
      assert.deepEqual(await r.call('HELLO', '2'), [
        'server',
        'redis',
        'version',
        '7.0.15',
        'proto',
        2,
        'id',
        id,
        'mode',
        'standalone',
        'role',
        'master',
        'modules',
        [],
      ]);
      await assert.rejects(r.call('HELLO', '1'), /^ReplyError: NOPROTO unsupported protocol version$/);
      const info = String(await r.client('INFO'));
      assert.match(info, / lib-name=ioredis lib-ver=\d+\.\d+\.\d+\n$/);
    } finally {
      r.disconnect();
    }
  });

  test('node-redis HELLO returns the server map and CLIENT INFO parses with lib-name and lib-ver', async () => {
    const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' } });
    try {
      await c.connect();
      const hello = await c.hello();
      assert.equal(hello.server, 'redis');
      assert.equal(hello.version, '7.0.15');
      assert.equal(hello.proto, 2);
      assert.equal(hello.id, await c.clientId());
      const info = await c.clientInfo();
      assert.equal(info.id, hello.id);
      assert.equal(info.resp, 2);
      assert.equal(info.libName, 'node-redis');
      assert.match(info.libVer ?? '', /^\d+\.\d+\.\d+$/);
      assert.equal(info.cmd, 'client|info');
      assert.equal(info.user, 'default');
    } finally {
      await c.disconnect();
    }
  });
});
