/**
 * TLS: `tls-port` beside the plain port, client certificates by `tls-auth-clients`,
 * handshake failures that cost only their connection, and runtime reconfiguration — with
 * Debian's `redis-cli --tls` and ioredis as clients, and the oracle's texts for the errors.
 * Certificates are made by the test with `openssl` in a temporary directory.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, startOracle, startRespite, startRespiteProcess } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitForOutput } from './cli-util.js';
import type { RespiteServer } from '../../src/index.js';

let dir = '';
const f = (name: string) => join(dir, name);

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA, a server certificate for localhost/127.0.0.1 and a client certificate signed by it. */
function makeCa(name: string): void {
  openssl(
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`].concat(
      ['-days', '2', '-subj', `/CN=${name}`],
    ),
  );
}
function makeCert(name: string, ca: string, cn: string): void {
  writeFileSync(f(`${name}.ext`), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    `/CN=${cn}`,
  ]);
  openssl(
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${ca}.crt`,
      '-CAkey',
      `${ca}.key`,
      '-CAcreateserial',
    ].concat(['-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`]),
  );
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'respite-tls-'));
  makeCa('ca');
  makeCa('otherca');
  makeCert('server', 'ca', 'localhost');
  makeCert('client', 'ca', 'client');
  makeCert('stranger', 'otherca', 'stranger');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function tlsConfig(tlsPort: number, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'tls-port': String(tlsPort),
    'tls-cert-file': f('server.crt'),
    'tls-key-file': f('server.key'),
    'tls-ca-cert-file': f('ca.crt'),
    ...extra,
  };
}

interface CliRun {
  stdout: string;
  stderr: string;
  status: number | null;
}
function cli(port: number, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const p = spawn('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('error', reject);
    p.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

/** A TLS connection to 127.0.0.1:port that trusts the test CA (more options in opts). */
function connectTls(port: number, opts: tls.ConnectionOptions = {}, onSecure?: () => void): tls.TLSSocket {
  return tls.connect(
    { host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(f('ca.crt')), ...opts },
    onSecure,
  );
}

/** Connects with TLS and runs PING; resolves with the reply or the reason it failed. */
function tlsPing(port: number, opts: tls.ConnectionOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (s: string) => {
      if (settled) return;
      settled = true;
      sock.destroy();
      resolve(s);
    };
    const sock = connectTls(port, opts, () => sock.write('PING\r\n'));
    sock.on('data', (d: Buffer) => done(d.toString()));
    sock.on('error', (e) => done(`error: ${e.message}`));
    sock.on('close', () => done('closed'));
    setTimeout(() => done('timeout'), 10000).unref();
  });
}

const clientCert = () => ({ cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) });
const strangerCert = () => ({ cert: readFileSync(f('stranger.crt')), key: readFileSync(f('stranger.key')) });

test('redis-cli --tls with a client certificate talks to the TLS port while the plain port keeps working', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort) });
  try {
    const tlsArgs = [
      '-p',
      String(tlsPort),
      '--tls',
      '--cacert',
      f('ca.crt'),
      '--cert',
      f('client.crt'),
      '--key',
      f('client.key'),
    ];
    assert.equal((await cli(srv.port, [...tlsArgs, 'SET', 'k', 'over tls'])).stdout, 'OK\n');
    assert.equal((await cli(srv.port, [...tlsArgs, 'GET', 'k'])).stdout, 'over tls\n');
    assert.equal((await cli(srv.port, ['GET', 'k'])).stdout, 'over tls\n');
    assert.equal((await cli(srv.port, ['CONFIG', 'GET', 'tls-port'])).stdout, `tls-port\n${tlsPort}\n`);
  } finally {
    await srv.close();
  }
});

test('ioredis with tls options runs commands and pipelines over TLS', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort) });
  const r = new Redis({
    host: '127.0.0.1',
    port: tlsPort,
    tls: { ca: readFileSync(f('ca.crt')), servername: 'localhost', ...clientCert() },
    lazyConnect: true,
    maxRetriesPerRequest: 0,
  });
  try {
    await r.connect();
    assert.equal(await r.set('a', 'x'.repeat(100000)), 'OK');
    assert.equal((await r.get('a'))?.length, 100000);
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.incr('n');
    const res = await p.exec();
    assert.deepEqual(res?.at(-1), [null, 1000]);
  } finally {
    r.disconnect();
    await srv.close();
  }
});

test('requests sent with the handshake and split over many TLS records arrive whole on concurrent connections', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort, { 'tls-auth-clients': 'no' }) });
  // Each connection writes before its handshake is done (Node sends it right after the
  // client's Finished) and interleaves with the others: every byte value, 300 KB per value.
  const value = (i: number) => Buffer.from(Array.from({ length: 300 * 1024 }, (_, j) => (j * 7 + i) & 0xff));
  const bulk = (b: Buffer) => Buffer.concat([Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n')]);
  const command = (...args: Buffer[]) =>
    Buffer.concat([Buffer.from(`*${args.length}\r\n`), ...args.map(bulk)]);
  const exchange = (i: number) =>
    new Promise<Buffer>((resolve, reject) => {
      const v = value(i);
      const expected = Buffer.concat([Buffer.from('+OK\r\n'), bulk(v), Buffer.from('+PONG\r\n')]);
      const chunks: Buffer[] = [];
      let got = 0;
      const sock = connectTls(tlsPort);
      sock.write(command(Buffer.from('SET'), Buffer.from(`k${i}`), v));
      sock.write(Buffer.concat([command(Buffer.from('GET'), Buffer.from(`k${i}`)), Buffer.from('PING\r\n')]));
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        got += d.length;
        if (got >= expected.length) {
          sock.destroy();
          resolve(Buffer.concat(chunks));
        }
      });
      sock.on('error', reject);
    });
  try {
    const replies = await Promise.all([0, 1, 2, 3].map(exchange));
    for (let i = 0; i < replies.length; i++) {
      const expected = Buffer.concat([Buffer.from('+OK\r\n'), bulk(value(i)), Buffer.from('+PONG\r\n')]);
      assert.ok(replies[i].equals(expected), `connection ${i}: the replies differ`);
    }
  } finally {
    await srv.close();
  }
});

test('a TLS subscriber gets every message in order when deliveries arrive faster than its writes complete', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort, { 'tls-auth-clients': 'no' }) });
  const sub = new Redis({
    host: '127.0.0.1',
    port: tlsPort,
    tls: { ca: readFileSync(f('ca.crt')), servername: 'localhost' },
    maxRetriesPerRequest: 0,
  });
  const pub = new Redis({ host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: 0 });
  try {
    const got: string[] = [];
    const all = new Promise<void>((resolve) =>
      sub.on('message', (_ch: string, m: string) => {
        if (got.push(m) === 10000) resolve();
      }),
    );
    await sub.subscribe('ch');
    // Twenty pipelines in flight at once: many deliveries per event-loop turn.
    await Promise.all(
      Array.from({ length: 20 }, (_, p) => {
        const pl = pub.pipeline();
        for (let i = 0; i < 500; i++) pl.publish('ch', `m${p * 500 + i}`);
        return pl.exec();
      }),
    );
    await all;
    assert.deepEqual(
      got,
      Array.from({ length: 10000 }, (_, i) => `m${i}`),
    );
  } finally {
    sub.disconnect();
    pub.disconnect();
    await srv.close();
  }
});

test('replies sent while a large TLS reply is still being written follow it, and QUIT closes after them', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort, { 'tls-auth-clients': 'no' }) });
  const big = Buffer.alloc(8 * 1024 * 1024, 'x');
  const incrs = Array.from({ length: 100 }, () => 'INCR n\r\n').join('');
  const expected = Buffer.concat([
    Buffer.from(`+OK\r\n$${big.length}\r\n`),
    big,
    Buffer.from('\r\n' + Array.from({ length: 100 }, (_, i) => `:${i + 1}\r\n`).join('') + '+OK\r\n'),
  ]);
  try {
    const received = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let sentRest = false;
      const sock = connectTls(tlsPort);
      sock.write(Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${big.length}\r\n`), big]));
      sock.write('\r\nGET big\r\n');
      sock.on('data', (d: Buffer) => {
        chunks.push(d);
        // The first bytes of the 8 MB reply are here, most of it is still queued.
        if (!sentRest && Buffer.concat(chunks).length > 64 * 1024) {
          sentRest = true;
          sock.write(incrs + 'QUIT\r\n');
        }
      });
      sock.on('error', reject);
      sock.on('close', () => resolve(Buffer.concat(chunks)));
    });
    assert.equal(received.length, expected.length);
    assert.ok(received.equals(expected), 'the replies differ');
  } finally {
    await srv.close();
  }
});

test('a TLS subscriber that stops reading is closed at the pubsub output limit and the server stays up', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({
    config: tlsConfig(tlsPort, {
      'tls-auth-clients': 'no',
      'client-output-buffer-limit': 'pubsub 256kb 0 0',
    }),
  });
  const pub = new Redis({ host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: 0 });
  const sock = connectTls(tlsPort);
  sock.on('error', () => {});
  try {
    await new Promise<void>((resolve) => {
      sock.write('SUBSCRIBE ch\r\n');
      sock.once('data', () => resolve());
    });
    sock.pause();
    const msg = 'y'.repeat(100 * 1024);
    for (
      let round = 0;
      round < 50 && Number(await pub.pubsub('NUMSUB', 'ch').then((r) => (r as unknown[])[1])) > 0;
      round++
    ) {
      const pl = pub.pipeline();
      for (let i = 0; i < 20; i++) pl.publish('ch', msg);
      await pl.exec();
    }
    assert.deepEqual(await pub.pubsub('NUMSUB', 'ch'), ['ch', 0]);
    assert.match(String(await pub.client('LIST')), /^id=\d+ [^\n]*cmd=client\|list[^\n]*\n$/);
    assert.equal(await pub.ping(), 'PONG');
  } finally {
    sock.destroy();
    pub.disconnect();
    await srv.close();
  }
});

test('TLS clients that pipeline, quit, vanish mid-reply and get killed never take the server down', async () => {
  // Every way a TLS connection can end while one of its replies is still being written
  // (Node's TLS handle aborts the process on a second write in flight): big and small
  // pipelines, QUIT right behind them, sockets destroyed mid-reply, CLIENT KILL from outside,
  // a subscriber fed faster than it reads.
  const tlsPort = await freePort();
  const args = Object.entries(tlsConfig(tlsPort, { 'tls-auth-clients': 'no' })).flatMap(([k, v]) => [
    `--${k}`,
    v,
  ]);
  const proc = await startRespiteProcess(args);
  const admin = new Redis({ host: '127.0.0.1', port: proc.port, maxRetriesPerRequest: 0 });
  const session = (i: number) =>
    new Promise<void>((resolve) => {
      const sock = connectTls(tlsPort);
      const kind = i % 5;
      let got = 0;
      sock.on('error', () => {});
      sock.on('close', () => resolve());
      sock.on('data', (d: Buffer) => {
        got += d.length;
        if (kind === 2 && got > 100_000) sock.destroy(); // gone in the middle of a reply
      });
      if (kind === 4) {
        sock.write('SUBSCRIBE news\r\n');
        sock.pause();
        setTimeout(() => sock.destroy(), 300);
        return;
      }
      let cmds = `SET big:${i} ${'v'.repeat(50_000)}\r\n`;
      for (let k = 0; k < 100; k++) cmds += `GET big:${i}\r\nINCR n:${i}\r\n`;
      if (kind === 0 || kind === 2) cmds += 'QUIT\r\n';
      sock.write(cmds);
      if (kind === 1 || kind === 3) setTimeout(() => sock.destroy(), 50 + (i % 7) * 40);
    });
  try {
    const killer = setInterval(() => {
      admin.client('KILL', 'TYPE', 'normal', 'SKIPME', 'yes').catch(() => {});
      admin.publish('news', 'x'.repeat(50_000)).catch(() => {});
    }, 25);
    for (let round = 0; round < 3; round++)
      await Promise.all(Array.from({ length: 20 }, (_, i) => session(round * 20 + i)));
    clearInterval(killer);
    assert.equal(await tlsPing(tlsPort), '+PONG\r\n');
    assert.equal(await admin.ping(), 'PONG');
    assert.equal(proc.proc.exitCode, null);
  } finally {
    admin.disconnect();
    await proc.stop();
  }
});

test('tls-auth-clients yes refuses clients without a certificate or with one from another CA', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort) });
  try {
    assert.equal(await tlsPing(tlsPort, clientCert()), '+PONG\r\n');
    assert.notEqual(await tlsPing(tlsPort), '+PONG\r\n');
    assert.notEqual(await tlsPing(tlsPort, strangerCert()), '+PONG\r\n');
    // The server is unharmed and still serves good clients.
    assert.equal(await tlsPing(tlsPort, clientCert()), '+PONG\r\n');
  } finally {
    await srv.close();
  }
});

test('tls-auth-clients optional accepts clients without a certificate but verifies one that is sent', async () => {
  const tlsPort = await freePort();
  const srv = await startRespite({ config: tlsConfig(tlsPort, { 'tls-auth-clients': 'optional' }) });
  try {
    assert.equal(await tlsPing(tlsPort), '+PONG\r\n');
    assert.equal(await tlsPing(tlsPort, clientCert()), '+PONG\r\n');
    assert.notEqual(await tlsPing(tlsPort, strangerCert()), '+PONG\r\n');
  } finally {
    await srv.close();
  }
});

test('tls-auth-clients no needs no CA and never asks for a certificate', async () => {
  const tlsPort = await freePort();
  const config = tlsConfig(tlsPort, { 'tls-auth-clients': 'no' });
  delete config['tls-ca-cert-file'];
  const srv = await startRespite({ config });
  try {
    assert.equal(await tlsPing(tlsPort), '+PONG\r\n');
  } finally {
    await srv.close();
  }
});

test('CONFIG SET tls-auth-clients applies to the next connection', async () => {
  const tlsPort = await freePort();
  let srv: RespiteServer | null = await startRespite({ config: tlsConfig(tlsPort) });
  const c = await RawClient.connect(srv.port);
  try {
    assert.notEqual(await tlsPing(tlsPort), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'tls-auth-clients', 'no'), '+OK\r\n');
    assert.equal(await tlsPing(tlsPort), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'tls-auth-clients', 'yes'), '+OK\r\n');
    assert.notEqual(await tlsPing(tlsPort), '+PONG\r\n');
  } finally {
    c.close();
    await srv.close();
    srv = null;
  }
});

test('CONFIG SET tls-port opens the TLS port at runtime and 0 closes it', async () => {
  const srv = await startRespite({ config: { ...tlsConfig(0) } });
  const c = await RawClient.connect(srv.port);
  try {
    const tlsPort = await freePort();
    assert.equal(await c.call('CONFIG', 'SET', 'tls-port', String(tlsPort)), '+OK\r\n');
    assert.equal(await tlsPing(tlsPort, clientCert()), '+PONG\r\n');
    assert.equal(await c.call('CONFIG', 'SET', 'tls-port', '0'), '+OK\r\n');
    await assert.rejects(
      new Promise((resolve, reject) => {
        const s = net.connect(tlsPort, '127.0.0.1', () => resolve(s.destroy()));
        s.on('error', reject);
      }),
    );
  } finally {
    c.close();
    await srv.close();
  }
});

test('bad TLS settings are refused with the oracle’s error and the old ones stay in force', async () => {
  const [oraclePort, respitePort] = [await freePort(), await freePort()];
  const oracle = await startOracle(Object.entries(tlsConfig(oraclePort)).flatMap(([k, v]) => [`--${k}`, v]));
  const srv = await startRespite({ config: tlsConfig(respitePort) });
  const a = await RawClient.connect(oracle.port);
  const b = await RawClient.connect(srv.port);
  try {
    const cases: string[][] = [
      ['CONFIG', 'SET', 'tls-cert-file', f('missing.crt')],
      ['CONFIG', 'SET', 'tls-key-file', f('otherca.key')],
      ['CONFIG', 'SET', 'tls-protocols', 'TLSv9'],
      ['CONFIG', 'SET', 'tls-ca-cert-file', f('missing.crt')],
      ['CONFIG', 'GET', 'tls-cert-file'],
      ['CONFIG', 'SET', 'tls-protocols', 'TLSv1.2 TLSv1.3'],
      ['CONFIG', 'GET', 'tls-protocols'],
    ];
    for (const cmd of cases) assert.equal(await b.call(...cmd), await a.call(...cmd), cmd.join(' '));
    assert.equal(await tlsPing(respitePort, clientCert()), '+PONG\r\n');
  } finally {
    a.close();
    b.close();
    await oracle.stop();
    await srv.close();
  }
});

test('plain text on the TLS port and failed handshakes are logged and cost only that connection', async () => {
  const tlsPort = await freePort();
  const args = Object.entries(tlsConfig(tlsPort)).flatMap(([k, v]) => [`--${k}`, v]);
  const proc = await startRespiteProcess([...args, '--loglevel', 'verbose']);
  try {
    const closed = await new Promise<string>((resolve) => {
      const s = net.connect(tlsPort, '127.0.0.1', () => s.write('PING\r\n'));
      let got = '';
      s.on('data', (d: Buffer) => (got += d.toString('latin1')));
      s.on('error', () => {});
      s.on('close', () => resolve(got));
    });
    assert.ok(!closed.includes('PONG'));
    await waitForOutput(proc, 'Error accepting a client connection');
    assert.notEqual(await tlsPing(tlsPort, strangerCert()), '+PONG\r\n');
    assert.equal(await tlsPing(tlsPort, clientCert()), '+PONG\r\n');
    const c = await RawClient.connect(proc.port);
    assert.equal(await c.call('PING'), '+PONG\r\n');
    c.close();
  } finally {
    await proc.stop();
  }
});

test('a TLS port without certificates stops the server at startup with Redis’s message', async () => {
  const tlsPort = await freePort();
  await assert.rejects(startRespiteProcess(['--tls-port', String(tlsPort)]), (e: Error) => {
    assert.match(e.message, /No tls-cert-file configured!/);
    assert.match(e.message, /Failed to configure TLS\. Check logs for more info\./);
    return true;
  });
});
