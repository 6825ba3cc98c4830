/**
 * socket.io's Redis adapter (@socket.io/redis-adapter) through Respite: two socket.io
 * servers with ioredis clients broadcast to each other's sockets (all sockets, a room), and
 * a cross-server fetchSockets() request/response goes through Pub/Sub too. SIO_ORACLE=1 runs
 * the same against redis-server. (The adapter 8.3 does not work with node-redis 5's
 * subscriber API, against redis-server either, so node-redis is covered elsewhere.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as IoServer } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { startOracle, startRespite } from '../helpers/servers.js';
import { waitFor as until } from '../helpers/wait.js';

async function listen(http: HttpServer): Promise<number> {
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  return (http.address() as AddressInfo).port;
}

function connect(port: number): Promise<ClientSocket> {
  const s = ioClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    s.once('connect', () => resolve(s));
    s.once('connect_error', reject);
  });
}

test('two socket.io servers broadcast to each other through Respite with the Redis adapter', async () => {
  const server = process.env.SIO_ORACLE ? await startOracle() : await startRespite();
  const ioPub = new Redis({ port: server.port, host: '127.0.0.1' });
  const ioSub = ioPub.duplicate();
  const nrPub = new Redis({ port: server.port, host: '127.0.0.1' });
  const nrSub = nrPub.duplicate();
  const httpA = createServer();
  const httpB = createServer();
  const ioA = new IoServer(httpA, { adapter: createAdapter(ioPub, ioSub) });
  const ioB = new IoServer(httpB, { adapter: createAdapter(nrPub, nrSub) });
  const clients: ClientSocket[] = [];
  try {
    const portA = await listen(httpA);
    const portB = await listen(httpB);
    ioA.on('connection', (s) => {
      if (s.handshake.query.room) void s.join(String(s.handshake.query.room));
    });
    ioB.on('connection', (s) => void s.join('lobby'));
    const a1 = await connect(portA);
    const b1 = await connect(portB);
    clients.push(a1, b1);
    const got: string[] = [];
    a1.on('news', (m: string) => got.push(`a1:${m}`));
    b1.on('news', (m: string) => got.push(`b1:${m}`));
    b1.on('lobby', (m: string) => got.push(`b1-lobby:${m}`));
    a1.on('lobby', (m: string) => got.push(`a1-lobby:${m}`));
    // Both adapters subscribed (the request channels and the broadcast pattern/channel).
    for (let i = 0; i < 100 && Number(await ioPub.call('PUBSUB', 'NUMPAT')) < 2; i++)
      await new Promise((r) => setTimeout(r, 20));

    for (let i = 0; i < 20; i++) ioA.emit('news', `from-a-${i}`);
    ioB.emit('news', 'from-b');
    ioA.to('lobby').emit('lobby', 'only-lobby');
    await until(() => got.length === 43, `the broadcasts (got ${JSON.stringify(got)})`);
    // Each server's broadcasts arrive in emit order (local and remote ones may interleave).
    for (const who of ['a1', 'b1']) {
      assert.deepEqual(
        got.filter((g) => g.startsWith(`${who}:from-a`)),
        Array.from({ length: 20 }, (_, i) => `${who}:from-a-${i}`),
      );
      assert.deepEqual(
        got.filter((g) => g.startsWith(`${who}:from-b`)),
        [`${who}:from-b`],
      );
    }
    assert.deepEqual(
      got.filter((g) => g.includes('lobby')),
      ['b1-lobby:only-lobby'],
    );
    // A request answered by the other server (PUBLISH on the request channel, reply on the response channel).
    const sockets = await ioA.fetchSockets();
    assert.equal(sockets.length, 2);
    assert.deepEqual(sockets.map((s) => [...s.rooms].includes('lobby')).sort(), [false, true]);
  } finally {
    for (const c of clients) c.disconnect();
    await new Promise((r) => ioA.close(() => r(undefined)));
    await new Promise((r) => ioB.close(() => r(undefined)));
    // QUIT after whatever the adapters still have in flight (their unsubscribes on close):
    // disconnect() would reject those with "Connection is closed" after the test ended.
    await Promise.allSettled([ioPub.quit(), ioSub.quit(), nrPub.quit(), nrSub.quit()]);
    if ('close' in server) await server.close();
    else await server.stop();
  }
});
