/**
 * The gateway over TLS (`http-tls yes`): https and wss with the server's TLS settings
 * (tls-cert-file, tls-key-file, tls-ca-cert-file, tls-auth-clients), checked with clients
 * that trust the test CA.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { freePort, startRespite } from '../helpers/servers.js';

let dir = '';
const f = (name: string): string => join(dir, name);
const openssl = (args: string[]): void => {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'respite-gw-tls-'));
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.crt',
      '-days',
      '2',
    ].concat(['-subj', '/CN=ca']),
  );
  for (const [name, cn] of [
    ['server', 'localhost'],
    ['client', 'client'],
  ]) {
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
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-out',
        `${name}.crt`,
        '-days',
        '2',
        '-extfile',
        `${name}.ext`,
      ]),
    );
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function startTls(authClients: string): Promise<{ port: number; close: () => Promise<void> }> {
  const port = await freePort();
  const srv = await startRespite({
    config: {
      'http-port': String(port),
      'http-tls': 'yes',
      'tls-cert-file': f('server.crt'),
      'tls-key-file': f('server.key'),
      'tls-ca-cert-file': f('ca.crt'),
      'tls-auth-clients': authClients,
      requirepass: 'pw',
    },
  });
  return { port, close: () => srv.close() };
}

function httpsPost(
  port: number,
  body: string,
  opts: https.RequestOptions = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        method: 'POST',
        servername: 'localhost',
        ca: readFileSync(f('ca.crt')),
        headers: { Authorization: 'Bearer pw', 'Content-Type': 'application/json' },
        ...opts,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

test('http-tls: HTTPS commands, an SSE stream and a wss WebSocket with a client trusting the CA', async () => {
  const s = await startTls('no');
  try {
    assert.deepEqual(await httpsPost(s.port, '["SET","tk","v"]'), { status: 200, body: '{"result":"OK"}' });
    assert.deepEqual(await httpsPost(s.port, '["GET","tk"]'), { status: 200, body: '{"result":"v"}' });
    // An untrusted server certificate is refused by the client.
    await assert.rejects(
      httpsPost(s.port, '["PING"]', { ca: undefined }),
      /self.signed|unable to verify|certificate/i,
    );

    const ws = new WebSocket(`wss://localhost:${s.port}/ws?token=pw`, { ca: readFileSync(f('ca.crt')) });
    const got: unknown[] = [];
    ws.on('message', (d: Buffer) => got.push(JSON.parse(d.toString('utf8'))));
    await new Promise((r, j) => {
      ws.once('open', r);
      ws.once('error', j);
    });
    ws.send(JSON.stringify({ cmd: ['SUBSCRIBE', 'tc'], id: 1 }));
    ws.send(JSON.stringify({ cmd: ['PUBLISH', 'tc', 'secure hi'], id: 2 }));
    const end = Date.now() + 10000;
    while (got.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, [
      { id: 1, result: [['subscribe', 'tc', 1]] },
      { push: ['message', 'tc', 'secure hi'] },
      { id: 2, result: 1 },
    ]);
    ws.close();

    const sse = await new Promise<string>((resolve, reject) => {
      const req = https.get(
        {
          host: '127.0.0.1',
          port: s.port,
          path: '/subscribe/tc?token=pw',
          servername: 'localhost',
          ca: readFileSync(f('ca.crt')),
        },
        (res) => {
          res.setEncoding('utf8');
          let buf = '';
          res.on('data', (d: string) => {
            buf += d;
            if (buf.includes('data: ')) {
              req.destroy();
              resolve(buf);
            } else if (buf.includes(': subscribed')) void httpsPost(s.port, '["PUBLISH","tc","over sse"]');
          });
        },
      );
      req.on('error', reject);
    });
    assert.match(sse, /data: \{"channel":"tc","message":"over sse"\}/);
  } finally {
    await s.close();
  }
});

test('http-tls with tls-auth-clients yes: a client certificate signed by the CA is required', async () => {
  const s = await startTls('yes');
  try {
    await assert.rejects(httpsPost(s.port, '["PING"]'));
    const ok = await httpsPost(s.port, '["PING"]', {
      cert: readFileSync(f('client.crt')),
      key: readFileSync(f('client.key')),
    });
    assert.deepEqual(ok, { status: 200, body: '{"result":"PONG"}' });
  } finally {
    await s.close();
  }
});
