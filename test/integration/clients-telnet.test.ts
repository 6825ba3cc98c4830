/**
 * Inline commands the way people type them into telnet or netcat: one character per packet,
 * CRLF (telnet) or bare LF (netcat) line ends, quotes and escapes, blank lines, typos and
 * telnet's own control bytes. Compared byte for byte with redis-server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOracle, startRespite } from '../helpers/servers.js';
import { RawClient } from '../helpers/raw-client.js';
import { exchange, sameBytes } from '../helpers/wire.js';

const LINES = [
  'PING',
  '',
  '   ',
  'ping "hello there"',
  'SET greeting "hello world"',
  'GET greeting',
  'get    greeting   ',
  "ECHO 'it\\'s'",
  'ECHO "tab\\there \\x41\\x42 \\"quoted\\""',
  'ECHO caf\xe9',
  'NOSUCH a b',
  'GET',
  'SELECT 2',
  'GET greeting',
  'SELECT 0',
  '\xff\xf4\xff\xfd\x06', // telnet's interrupt (IAC IP IAC DO TIMING-MARK)
  'QUIT',
  'PING',
];

async function compare(input: (string | Buffer)[], pieceDelayMs = 0): Promise<void> {
  const oracle = await startOracle();
  const respite = await startRespite();
  try {
    for (let attempt = 0; ; attempt++) {
      const opts = { pieceDelayMs, idleMs: 150 * (1 + attempt) };
      const [o, r] = await Promise.all([
        exchange(oracle.port, input, opts),
        exchange(respite.port, input, opts),
      ]);
      if (sameBytes(o, r) || attempt === 2) {
        assert.equal(r.data, o.data);
        assert.equal(r.closed, o.closed);
        assert.ok(o.closed, 'QUIT closed the session');
        assert.match(o.data, /^\+PONG\r\n\$11\r\nhello there\r\n\+OK\r\n/);
        return;
      }
    }
  } finally {
    await respite.close();
    await oracle.stop();
  }
}

test('a telnet session typed one character per packet with CRLF matches redis-server', async () => {
  const text = LINES.map((l) => l + '\r\n').join('');
  await compare(text.split(''), 1);
});

test('a netcat session with bare LF line ends in one write matches redis-server', async () => {
  await compare([LINES.map((l) => l + '\n').join('')]);
});

test('an interactive session gets each reply before typing the next line', async () => {
  const srv = await startRespite();
  const c = await RawClient.connect(srv.port);
  try {
    const typed: [string, string][] = [
      ['PING\r\n', '+PONG\r\n'],
      ['SET name "Ada Lovelace"\r\n', '+OK\r\n'],
      ['GET name\r\n', '$12\r\nAda Lovelace\r\n'],
      ['ECHO "\\x00\\xff"\n', '$2\r\n\x00\xff\r\n'],
      ['GET name extra\r\n', "-ERR wrong number of arguments for 'get' command\r\n"],
    ];
    for (const [line, reply] of typed) {
      for (const ch of line) c.write(ch);
      assert.equal(await c.read(), reply, JSON.stringify(line));
    }
    c.write('QUIT\r\n');
    assert.equal(await c.read(), '+OK\r\n');
    assert.equal(await c.waitClosed(), '');
  } finally {
    c.close();
    await srv.close();
  }
});
