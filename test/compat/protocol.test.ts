/**
 * The request protocol, byte for byte against the oracle: each input goes over a fresh raw
 * connection to redis-server and to Respite, and everything received until the server closes
 * the connection (or goes quiet) must be identical, including whether it closed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOracle, startRespite } from '../helpers/servers.js';
import { exchange, inParallel, resp, sameBytes, sameOutcome } from '../helpers/wire.js';

type Cases = Record<string, string | Buffer>;

async function compareWithOracle(cases: Cases, oracleArgs: string[], respiteConfig: Record<string, string>) {
  const oracle = await startOracle(oracleArgs);
  const respite = await startRespite({ config: respiteConfig });
  try {
    const names = Object.keys(cases);
    const results = await inParallel(
      8,
      names.map((name) => async () => {
        // A busy machine can make "quiet" come too early; a real difference survives a retry
        // with a longer wait.
        for (let attempt = 0; ; attempt++) {
          const opts = { idleMs: 100 * (1 + 4 * attempt) };
          const [o, r] = await Promise.all([
            exchange(oracle.port, cases[name], opts),
            exchange(respite.port, cases[name], opts),
          ]);
          if (sameBytes(o, r) || attempt === 2) return { name, o, r };
        }
      }),
    );
    const diffs = results
      .filter(({ o, r }) => !sameOutcome(o, r))
      .map(
        ({ name, o, r }) =>
          `${name}:\n  redis:   ${JSON.stringify(o.data.slice(0, 300))} closed=${o.closed}\n` +
          `  respite: ${JSON.stringify(r.data.slice(0, 300))} closed=${r.closed}`,
      );
    assert.deepEqual(diffs, [], `\n${diffs.join('\n')}`);
  } finally {
    await respite.close();
    await oracle.stop();
  }
}

const B = (s: string) => Buffer.from(s, 'latin1');
const all256 = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const pad64k = 'x'.repeat(64 * 1024);

const BASIC: Cases = {
  'inline, bare LF, blank lines, *0 and *-1': 'PING\r\nPING\n\r\n   \n\t\n*0\r\n*-1\r\n*-10\r\nPING\r\n',
  'empty command name': '*1\r\n$0\r\n\r\n',
  'empty inline quoted command name': '""\r\n',
  '$-1 inside a multibulk': '*2\r\n$-1\r\n',
  'negative bulk length': '*1\r\n$-5\r\nPING\r\n',
  'multibulk count 1024*1024': '*1048576\r\n$4\r\nPING\r\n',
  'multibulk count 1024*1024+1': '*1048577\r\n$4\r\nPING\r\n',
  'multibulk count INT_MAX': '*2147483647\r\n',
  'multibulk count INT_MAX+1': '*2147483648\r\n',
  'multibulk count int64 max': '*9223372036854775807\r\n',
  'multibulk count int64 min': '*-9223372036854775808\r\nPING\r\n',
  'multibulk count below int64 min': '*-9223372036854775809\r\nPING\r\n',
  'multibulk count with +': '*+1\r\n$4\r\nPING\r\n',
  'multibulk count with leading space': '* 1\r\n$4\r\nPING\r\n',
  'multibulk count with trailing space': '*1 \r\n$4\r\nPING\r\n',
  'multibulk count with leading zero': '*01\r\n$4\r\nPING\r\n',
  'multibulk count -0': '*-0\r\nPING\r\n',
  'multibulk count empty': '*\r\nPING\r\n',
  'multibulk count letters': '*abc\r\n',
  'bulk length with +': '*1\r\n$+4\r\nPING\r\n',
  'bulk length with space': '*1\r\n$ 4\r\nPING\r\n',
  'bulk length with leading zero': '*1\r\n$04\r\nPING\r\n',
  'bulk length empty': '*1\r\n$\r\nPING\r\n',
  'bulk length overflow': '*1\r\n$9223372036854775808\r\n',
  'bulk length 20 digits': '*1\r\n$00000000000000000001\r\n',
  'bulk length above proto-max-bulk-len': '*1\r\n$536870913\r\nabc',
  'huge declared bulk with little data': '*2\r\n$4\r\nECHO\r\n$536870912\r\nabc',
  'lone CR': '\r',
  'lone CR after count': '*1\r',
  'CR LF only': '\r\n',
  'byte after CR is not checked': '*1\r\n$4\rxPING\r\n',
  'bytes after payload are not checked': '*1\r\n$4\r\nPINGxy*1\r\n$4\r\nPING\r\n',
  "expected '$', got 'f'": '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n',
  "expected '$', got CR": '*1\r\n\r\n',
  "expected '$', got LF": '*1\r\n\n\r\n',
  "expected '$', got 0xff": '*1\r\n\xff\r\n',
  "expected '$' waits for the CR": '*1\r\nfoo',
  'replies before a protocol error are delivered':
    'PING\r\n' + resp('ECHO', 'a').latin1Slice() + '*x\r\nPING\r\n',
  'replies before an unbalanced quote': 'ECHO ok\r\nECHO "abc\r\nPING\r\n',
  'NUL in an inline command stalls': 'PI\0NG\r\nPING\r\n',
  'NUL in a multibulk count stalls': '*1\0\r\n',
  'NUL in a bulk count stalls': '*1\r\n$4\0\r\nPING\r\n',
  "NUL instead of '$' stalls": '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n\0ooz\r\n',
  'NUL inside a bulk is data': '*2\r\n$4\r\nECHO\r\n$3\r\na\0b\r\n',
  'NUL in an unknown command name cuts the error text': '*2\r\n$4\r\nPI\0G\r\n$3\r\na\0b\r\n',
  'inline line of exactly 64 KB waits': 'PING' + 'x'.repeat(65532),
  'too big inline request': 'PING' + 'x'.repeat(65533),
  'inline line of 70 KB with its newline is read in time': 'ECHO ' + 'y'.repeat(70000) + '\r\nPING\r\n',
  'inline line of 200 KB with its newline is too big': 'ECHO ' + 'y'.repeat(200000) + '\r\nPING\r\n',
  'inline line of 70 KB after a pipeline': 'PING\r\n'.repeat(3000) + 'ECHO ' + 'y'.repeat(70000) + '\r\n',
  'too big inline request after a NUL': 'PING\0' + pad64k + '\r\n',
  'too big mbulk count string': '*' + '1'.repeat(65536),
  'mbulk count string of 64 KB waits': '*' + '1'.repeat(65535),
  'too big bulk count string': '*1\r\n$' + '1'.repeat(65536),
  'too big bulk count string without $': '*1\r\nx' + pad64k,
  'inline double quotes and escapes': 'ECHO "a\\x41\\x4g\\n\\t\\\\\\"b"\r\n',
  'inline unknown escapes': 'ECHO "\\z\\e\\b\\a\\r"\r\n',
  'inline broken hex escapes':
    'ECHO "\\x"\r\nECHO "\\xA"\r\nECHO "\\x41\\x4"\r\nECHO "\\\\x41"\r\nECHO "\\xff\\x00"\r\n',
  'inline single quotes': "ECHO 'a\\\\b\\'c\\n'\r\nECHO 'it\\'s'\r\n",
  'inline quote in the middle of an argument': 'ECHO a"b c"\r\nECHO a\'b c\'\r\n',
  'inline empty quoted arguments': 'ECHO ""\r\nECHO \'\'\r\n',
  'inline closing quote followed by a letter': 'ECHO "abc"d\r\nPING\r\n',
  'inline closing single quote followed by a letter': "ECHO 'a'b\r\n",
  'inline unterminated double quote': 'ECHO "abc\r\n',
  'inline unterminated single quote': "ECHO 'abc\r\n",
  'inline escaped closing quote': 'ECHO "a\\"\r\n',
  'inline adjacent quotes': 'ECHO """"\r\n',
  'inline vertical tab and form feed': 'ECHO a\x0bb\r\nECHO \x0ba\r\nECHO "a"\x0c\r\nECHO a\x0cb\r\n',
  'inline tabs': 'ECHO\ta\r\n\tPING\t\r\nECHO a\tb\r\n',
  'inline CR inside a line': 'ECHO x\ry\r\nECHO x\r\r\n',
  'inline high bytes': 'ECHO \xff\xfe\r\nECHO "\x80"\r\n',
  'inline unknown command with arguments': 'FOO bar "baz qux"\r\n',
  'RESP3 type bytes start inline requests, not frames':
    '%1\r\n$1\r\na\r\n~1\r\n>1\r\n_\r\n#t\r\n,1.5\r\n(12\r\n=5\r\ntxt:x\r\n|1\r\n:1\r\n+OK\r\n-ERR x\r\n',
  'RESP3 type bytes where a bulk is expected': '*1\r\n%1\r\n',
  'unknown command with long name and many arguments': resp(
    'X'.repeat(200),
    ...Array.from({ length: 20 }, (_, i) => `arg${i}`.repeat(4)),
  ).latin1Slice(),
  'unknown command with CR LF in its name': resp('A\r\nB', 'c\nd').latin1Slice(),
  'wrong number of arguments': 'ECHO\r\nGET\r\nSET a\r\n',
  'binary SET and GET of every byte': Buffer.concat([
    resp('SET', all256, Buffer.concat([all256, B('\r\n')])),
    resp('GET', all256),
    resp('ECHO', all256),
  ]),
  'QUIT then more commands': resp('QUIT').latin1Slice() + 'PING\r\n',
  'inline QUIT': 'PING\r\nQUIT\r\nPING\r\n',
  'SELECT out of range and back':
    'SELECT 99\r\nSELECT -1\r\nSELECT x\r\nSELECT 1\r\nGET nokey\r\nSELECT 0\r\n',
  'pipeline of many commands in one write': Array.from({ length: 3000 }, (_, i) =>
    i % 2 ? `SET k${i} v${i}\r\n` : resp('GET', `k${i - 1}`).latin1Slice(),
  ).join(''),
};

test('raw protocol inputs get the same bytes and the same close as redis-server', async () => {
  await compareWithOracle(BASIC, [], {});
});

test('unauthenticated limits match redis-server (requirepass set, not authenticated)', async () => {
  await compareWithOracle(
    {
      'eleven arguments': '*11\r\n',
      'ten arguments': resp('PING', ...Array<string>(9).fill('a')),
      'negative count is still fine': '*-11\r\nPING\r\n',
      'bulk over 16 KB': '*2\r\n$4\r\nECHO\r\n$16385\r\n',
      'bulk of exactly 16 KB': resp('ECHO', 'x'.repeat(16384)),
      'unknown command before NOAUTH': resp('FOO', 'bar'),
      'long inline command is allowed': 'PING a b c d e f g h i j k l\r\n',
      'QUIT is allowed': 'QUIT\r\n',
    },
    ['--requirepass', 'pw'],
    { requirepass: 'pw' },
  );
});

test('proto-max-bulk-len matches redis-server', async () => {
  await compareWithOracle(
    {
      'above the limit': '*2\r\n$4\r\nECHO\r\n$1048577\r\n',
      'at the limit': '*2\r\n$4\r\nECHO\r\n$1048576\r\n',
      'a full bulk at the limit': Buffer.concat([
        B('*2\r\n$4\r\nECHO\r\n$1048576\r\n'),
        Buffer.alloc(1048576, 0x61),
        B('\r\n'),
      ]),
    },
    ['--proto-max-bulk-len', '1mb'],
    { 'proto-max-bulk-len': '1mb' },
  );
});

test('client-query-buffer-limit closes a client whose query buffer exceeds it, as redis-server does', async () => {
  await compareWithOracle(
    {
      'over the limit': Buffer.concat([
        resp('PING'),
        B('*2\r\n$4\r\nECHO\r\n$2000000\r\n'),
        Buffer.alloc(1500000, 97),
      ]),
      'under the limit': Buffer.concat([
        resp('PING'),
        B('*2\r\n$4\r\nECHO\r\n$2000000\r\n'),
        Buffer.alloc(1000000, 97),
      ]),
    },
    ['--client-query-buffer-limit', '1mb'],
    { 'client-query-buffer-limit': '1mb' },
  );
});
