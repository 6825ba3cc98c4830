/**
 * ACL against the oracle: the same ACL SETUSER lines give the same GETUSER / LIST output,
 * the same errors, the same replies (NOPERM texts) to restricted users, the same ACL LOG
 * entries (age and client-info aside), ACL CAT for every category and ACL DRYRUN.
 *
 * Redis 7.0 lists single-command rules (`+get +set`) and CAT members in the order of its
 * randomly seeded command dict, so those are compared order-insensitively; everything else
 * byte for byte.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPair, fmt, type Cmd, type Pair } from '../helpers/compat.js';
import { RawClient } from '../helpers/raw-client.js';
import { postRedis70Meta } from '../../src/commands/meta/index.js';

type Resp = string | number | null | Resp[] | { err: string };

/** A small RESP parser: bulk/simple strings become strings, errors {err}, maps flat arrays. */
function parse(raw: string): Resp {
  let p = 0;
  const line = (): string => {
    const e = raw.indexOf('\r\n', p);
    const s = raw.slice(p, e);
    p = e + 2;
    return s;
  };
  const one = (): Resp => {
    const t = raw[p++];
    const l = line();
    switch (t) {
      case '+':
        return l;
      case '-':
        return { err: l };
      case ':':
        return Number(l);
      case '$': {
        const n = Number(l);
        if (n < 0) return null;
        const s = raw.slice(p, p + n);
        p += n + 2;
        return s;
      }
      case '*':
      case '~':
      case '%': {
        // RESP3 sets and maps become arrays (a map's keys and values alternate).
        const n = Number(l) * (t === '%' ? 2 : 1);
        if (n < 0) return null;
        const a: Resp[] = [];
        for (let i = 0; i < n; i++) a.push(one());
        return a;
      }
      case ',':
      case '#':
        return l;
      case '_':
        return null;
      default:
        throw new Error(`bad reply ${JSON.stringify(raw)}`);
    }
  };
  return one();
}

/** Commands Respite has beyond Redis 7.0 (HEXPIRE, ...): `+@hash` lists them as extra rules. */
const LATER = new Set(postRedis70Meta().keys());

/**
 * Sorts each run of single-command rules (`+get -set +config|get`), keeping everything else,
 * and drops the rules naming commands that Redis 7.0 does not have.
 */
function normRules(s: string): string {
  const toks = s.split(' ').filter((t) => !/^[+-][^@]/.test(t) || !LATER.has(t.slice(1).replace(/\)$/, '')));
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 0) return;
    let close = false;
    const bare = run.map((t) => {
      if (t.endsWith(')')) {
        close = true;
        return t.slice(0, -1);
      }
      return t;
    });
    bare.sort();
    if (close) bare[bare.length - 1] += ')';
    out.push(...bare);
    run = [];
  };
  for (const t of toks) {
    if (/^[+-][^@]/.test(t)) {
      run.push(t);
      if (t.endsWith(')')) flush();
    } else {
      flush();
      out.push(t);
    }
  }
  flush();
  return out.join(' ');
}

function normDeep(r: Resp): Resp {
  if (typeof r === 'string') return normRules(r);
  if (Array.isArray(r)) return r.map(normDeep);
  return r;
}

/** Same reply, with single-command rule order ignored. */
async function sameRules(pair: Pair, cmd: Cmd): Promise<void> {
  const [a, b] = await pair.both(...cmd);
  assert.deepEqual(normDeep(parse(b)), normDeep(parse(a)), `reply to ${fmt(cmd)} differs`);
}

/** Connects one raw client to each server. */
async function clients(pair: Pair): Promise<[RawClient, RawClient]> {
  return [await RawClient.connect(pair.oracle.port), await RawClient.connect(pair.respite.port)];
}

/** Whether a reply lists command rules (whose single-command order is random in Redis). */
function listsRules(cmd: Cmd): boolean {
  return String(cmd[0]).toUpperCase() === 'ACL' && /^(list|getuser)$/i.test(String(cmd[1]));
}

async function sameOn(o: RawClient, r: RawClient, ...cmds: Cmd[]): Promise<void> {
  for (const cmd of cmds) {
    o.send(...cmd);
    r.send(...cmd);
    const [a, b] = [await o.read(), await r.read()];
    if (listsRules(cmd)) {
      assert.deepEqual(normDeep(parse(b)), normDeep(parse(a)), `reply to ${fmt(cmd)} differs`);
      continue;
    }
    assert.equal(
      b,
      a,
      `reply to ${fmt(cmd)} differs:\n  redis:   ${JSON.stringify(a)}\n  respite: ${JSON.stringify(b)}`,
    );
  }
}

/** ACL LOG entries without the fields that differ naturally (age-seconds, client-info). */
function logEntries(raw: string): Record<string, Resp>[] {
  const r = parse(raw) as Resp[];
  return r.map((e) => {
    const a = e as Resp[];
    const o: Record<string, Resp> = {};
    for (let i = 0; i < a.length; i += 2) {
      const k = a[i] as string;
      if (k === 'age-seconds' || k === 'client-info') continue;
      o[k] = a[i + 1];
    }
    return o;
  });
}

const CATEGORIES = [
  'keyspace',
  'read',
  'write',
  'set',
  'sortedset',
  'list',
  'hash',
  'string',
  'bitmap',
  'hyperloglog',
  'geo',
  'stream',
  'pubsub',
  'admin',
  'fast',
  'slow',
  'blocking',
  'dangerous',
  'connection',
  'transaction',
  'scripting',
];

describe('ACL against the oracle', () => {
  let pair: Pair;
  before(async () => {
    pair = await startPair();
  });
  after(async () => {
    await pair.close();
  });

  test('ACL SETUSER rules give the same GETUSER and LIST output', async () => {
    const sets: string[][] = [
      [],
      ['on'],
      ['on', '>secret', '>other', '<secret'],
      ['#' + 'a'.repeat(64), '!' + 'a'.repeat(64), '>x'],
      ['nopass', 'on'],
      ['>p', 'nopass'],
      ['>p', 'resetpass'],
      ['allcommands', 'allkeys', 'allchannels', 'on'],
      ['nocommands', 'resetkeys', 'resetchannels'],
      ['+@all', '-@write'],
      ['+@all', '-@dangerous', '-@admin'],
      ['-@all', '+@read', '+@hash', '-hget'],
      ['-@all', '+@string', '+@list', '-@write'],
      ['+get'],
      ['+get', '+set', '+client|setname', '-client|kill'],
      ['+client', '-client|kill'],
      ['+@all', '-config|set', '-debug'],
      ['-@all', '+select|0', '+select|1', '+SELECT|2'],
      ['+@all', '-select', '+select|0'],
      ['~k*', '~k*', '%R~r*', '%W~w*', '%RW~rw*', '%R~k*', '%W~k*'],
      ['~a', 'allkeys'],
      ['~a', 'resetkeys', '~b'],
      ['&ch*', '&ch*', '&other', 'allchannels'],
      ['&a', 'resetchannels', '&b'],
      ['(+get ~k*)', '(+set ~s* &c)'],
      ['(+get', '~k*)', 'on'],
      ['(+get ~k*)', 'clearselectors', '+hget'],
      ['+@all', '~*', 'reset'],
      ['skip-sanitize-payload'],
      ['sanitize-payload', 'on', '>p'],
      ['ON', 'ALLKEYS', 'AllCommands'],
      ['%R~', '(%W~x +@write)'],
      ['+@pubsub', '+@scripting', '+@transaction', '+@connection', '+@keyspace'],
      ['-@all', '+@geo', '+@stream', '+@bitmap', '+@hyperloglog', '+@sortedset', '+@set', '+@blocking'],
    ];
    let n = 0;
    for (const rules of sets) {
      const name = `user${n++}`;
      await pair.same(['ACL', 'SETUSER', name, ...rules]);
      await sameRules(pair, ['ACL', 'GETUSER', name]);
      // Applying the same rules again to the existing user.
      await pair.same(['ACL', 'SETUSER', name, ...rules]);
      await sameRules(pair, ['ACL', 'GETUSER', name]);
    }
    await sameRules(pair, ['ACL', 'LIST']);
    await pair.same(['ACL', 'USERS']);
    await sameRules(pair, ['ACL', 'GETUSER', 'default']);
    await pair.same(['ACL', 'DELUSER', ...Array.from({ length: n }, (_, i) => `user${i}`), 'nosuch']);
    await pair.same(['ACL', 'USERS']);
  });

  test('random mixes of category and command rules are described as the oracle does', async () => {
    const cats = [...CATEGORIES, 'all'];
    const cmds = [
      'get',
      'set',
      'client',
      'client|kill',
      'config|get',
      'config',
      'debug',
      'xadd',
      'ping',
      'del',
    ];
    cmds.push(
      'flushall',
      'acl|whoami',
      'acl',
      'zadd',
      'hset',
      'eval',
      'publish',
      'keys',
      'info',
      'command|docs',
    );
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 80; i++) {
      const ops: string[] = [];
      const n = 1 + rnd(8);
      for (let j = 0; j < n; j++) {
        const sign = rnd(2) ? '+' : '-';
        ops.push(rnd(3) ? `${sign}@${cats[rnd(cats.length)]}` : sign + cmds[rnd(cmds.length)]);
        if (rnd(10) === 0) ops.push('+select|' + rnd(3));
      }
      await pair.same(['ACL', 'SETUSER', 'mix', 'reset', ...ops]);
      await sameRules(pair, ['ACL', 'GETUSER', 'mix']);
    }
    await pair.same(['ACL', 'DELUSER', 'mix']);
  });

  test('ACL SETUSER errors and the rules left unchanged after one', async () => {
    await pair.same(
      ['ACL', 'SETUSER', 'e1', 'on', '+get'],
      ['ACL', 'SETUSER', 'e1', '>x', '+nosuch'],
      ['ACL', 'SETUSER', 'e1', '+@nosuch'],
      ['ACL', 'SETUSER', 'e1', '-@nosuch'],
      ['ACL', 'SETUSER', 'e1', 'bogus'],
      ['ACL', 'SETUSER', 'e1', '+config|nosuch'],
      ['ACL', 'SETUSER', 'e1', '+config|get|x'],
      ['ACL', 'SETUSER', 'e1', '+select|'],
      ['ACL', 'SETUSER', 'e1', '-select|0'],
      ['ACL', 'SETUSER', 'e1', '+'],
      ['ACL', 'SETUSER', 'e1', '<nosuchpass'],
      ['ACL', 'SETUSER', 'e1', '#abc'],
      ['ACL', 'SETUSER', 'e1', '#' + 'A'.repeat(64)],
      ['ACL', 'SETUSER', 'e1', '!xyz'],
      ['ACL', 'SETUSER', 'e1', 'allkeys', '~x'],
      ['ACL', 'SETUSER', 'e1', 'allchannels', '&x'],
      ['ACL', 'SETUSER', 'e1', '~a b'],
      ['ACL', 'SETUSER', 'e1', '&a\tb'],
      ['ACL', 'SETUSER', 'e1', '%X~a'],
      ['ACL', 'SETUSER', 'e1', '%~a'],
      ['ACL', 'SETUSER', 'e1', '%RR~a'],
      ['ACL', 'SETUSER', 'e1', '(on)'],
      ['ACL', 'SETUSER', 'e1', '(+get', '~x'],
      ['ACL', 'SETUSER', 'e1', '(+nosuch)'],
      ['ACL', 'SETUSER', 'bad name'],
      ['ACL', 'SETUSER', 'bad\0name'],
      ['ACL', 'SETUSER'],
      ['ACL', 'GETUSER', 'e1'],
      ['ACL', 'GETUSER', 'nosuch'],
      ['ACL', 'DELUSER', 'e1', 'default'],
      ['ACL', 'DELUSER', 'e1'],
      ['ACL', 'DELUSER', 'e1'],
      ['ACL', 'NOSUCH'],
      ['ACL'],
      ['ACL', 'WHOAMI', 'x'],
      ['ACL', 'CAT', 'a', 'b'],
      ['ACL', 'GENPASS', '1', '2'],
      ['ACL', 'GENPASS', 'x'],
      ['ACL', 'GENPASS', '0'],
      ['ACL', 'GENPASS', '4097'],
      ['ACL', 'GENPASS', '-5'],
      ['ACL', 'LOG', 'x'],
      ['ACL', 'LOG', '1', '2'],
      ['ACL', 'LOAD'],
      ['ACL', 'SAVE'],
      ['ACL', 'HELP'],
      ['ACL', 'WHOAMI'],
    );
  });

  test('ACL GENPASS lengths', async () => {
    for (const bits of [undefined, '1', '4', '5', '63', '64', '255', '4096']) {
      const cmd = bits === undefined ? ['ACL', 'GENPASS'] : ['ACL', 'GENPASS', bits];
      const [a, b] = await pair.both(...cmd);
      const pa = parse(a) as string;
      const pb = parse(b) as string;
      assert.equal(pb.length, pa.length, `length of ${fmt(cmd)}`);
      assert.match(pb, /^[0-9a-f]*$/);
    }
  });

  test('ACL CAT lists every category and the same commands in each', async () => {
    await pair.same(['ACL', 'CAT'], ['ACL', 'CAT', 'nosuch'], ['ACL', 'CAT', 'x'.repeat(300)]);
    for (const cat of [...CATEGORIES, 'READ', 'SortedSet']) {
      const [a, b] = await pair.both('ACL', 'CAT', cat);
      const oracle = (parse(a) as string[]).sort();
      // Commands Respite adds after 7.0 (HEXPIRE, CLIENT NO-TOUCH, ...) are extra members.
      const respite = (parse(b) as string[]).filter((n) => !LATER.has(n)).sort();
      assert.deepEqual(respite, oracle, `ACL CAT ${cat}`);
    }
  });

  test('a restricted user gets the same replies and NOPERM errors', async () => {
    await pair.same(
      ['FLUSHALL'],
      ['SET', 'k1', 'v'],
      ['SET', 'r1', 'v'],
      ['SET', 'w1', 'v'],
      ['HSET', 'kh', 'f', 'v'],
      [
        'ACL',
        'SETUSER',
        'bob',
        'on',
        '>bobpw',
        '-@all',
        '+get',
        '+set',
        '+hget',
        '+mget',
        '+copy',
        '+lmove',
        '+client|setname',
        '+select|0',
        '+ping',
        '+publish',
        '+subscribe',
        '+psubscribe',
        '+acl|whoami',
        '~k*',
        '%R~r*',
        '%W~w*',
        '&news.*',
        '(+del ~d*)',
      ],
    );
    const [o, r] = await clients(pair);
    try {
      await sameOn(
        o,
        r,
        ['AUTH', 'bob', 'wrong'],
        ['AUTH', 'nosuchuser', 'x'],
        ['AUTH', 'bob', 'bobpw'],
        ['ACL', 'WHOAMI'],
        ['GET', 'k1'],
        ['GET', 'r1'],
        ['GET', 'w1'],
        ['GET', 'other'],
        ['SET', 'k2', 'v'],
        ['SET', 'w2', 'v'],
        ['SET', 'r2', 'v'],
        ['MGET', 'k1', 'r1'],
        ['MGET', 'k1', 'w1'],
        ['HGET', 'kh', 'f'],
        ['COPY', 'r1', 'w3'],
        ['COPY', 'w1', 'r3'],
        ['COPY', 'k1', 'k3'],
        ['LMOVE', 'r1', 'w1', 'LEFT', 'RIGHT'],
        ['INCR', 'k1'],
        ['DEL', 'k1'],
        ['DEL', 'd1'],
        ['DEL', 'd1', 'k1'],
        ['CLIENT', 'SETNAME', 'bobconn'],
        ['CLIENT', 'ID'],
        ['CLIENT', 'NOSUCH'],
        ['SELECT', '0'],
        ['SELECT', '1'],
        ['NOSUCHCMD'],
        ['GET'],
        ['PING'],
        ['ACL', 'LIST'],
        ['CONFIG', 'GET', 'port'],
        ['FLUSHALL'],
      );
    } finally {
      o.close();
      r.close();
    }
  });

  test('ACL LOG records denials and failed AUTH the same way', async () => {
    await pair.same(['ACL', 'LOG', 'RESET'], ['ACL', 'LOG'], ['CONFIG', 'SET', 'acllog-max-len', '5']);
    await pair.same([
      'ACL',
      'SETUSER',
      'logu',
      'on',
      'nopass',
      '-@all',
      '+get',
      '+publish',
      '+multi',
      '+exec',
      '~k*',
      '&c*',
    ]);
    const [o, r] = await clients(pair);
    try {
      await sameOn(
        o,
        r,
        ['AUTH', 'logu', 'x'],
        ['GET', 'nokey'],
        ['GET', 'nokey'],
        ['GET', 'kx'],
        ['SET', 'k', 'v'],
        ['set', 'k', 'v'],
        ['AUTH', 'logu', 'wrong'],
        ['AUTH', 'ghost', 'wrong'],
        ['HELLO', '2', 'AUTH', 'nobody', 'pw'],
        ['auth', 'nobody2', 'pw'],
      );
    } finally {
      o.close();
      r.close();
    }
    const counts: string[][] = [[], ['1'], ['3'], ['0'], ['-1'], ['100']];
    for (const count of counts) {
      const [a, b] = await pair.both('ACL', 'LOG', ...count);
      assert.deepEqual(logEntries(b), logEntries(a), `ACL LOG ${count.join(' ')}`);
    }
    // Both list the same field names in the same order.
    const [a, b] = await pair.both('ACL', 'LOG', '1');
    const keys = (x: string) => ((parse(x) as Resp[][])[0] ?? []).filter((_, i) => i % 2 === 0);
    assert.deepEqual(keys(b), keys(a));
    await pair.same(['ACL', 'LOG', 'RESET'], ['ACL', 'LOG'], ['CONFIG', 'SET', 'acllog-max-len', '128']);
  });

  test('ACL DRYRUN answers as the oracle', async () => {
    await pair.same(
      ['ACL', 'SETUSER', 'dry', 'on', 'nopass', '-@all', '+get', '+publish', '+subscribe', '~k*', '&c*'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'k1'],
      ['ACL', 'DRYRUN', 'dry', 'get', 'x1'],
      ['ACL', 'DRYRUN', 'dry', 'set', 'k1', 'v'],
      ['ACL', 'DRYRUN', 'dry', 'get'],
      ['ACL', 'DRYRUN', 'dry', 'nosuch', 'x'],
      ['ACL', 'DRYRUN', 'dry', 'config', 'nosuch'],
      ['ACL', 'DRYRUN', 'dry', 'config', 'get', 'x'],
      ['ACL', 'DRYRUN', 'nobody', 'get', 'x'],
      ['ACL', 'DRYRUN', 'dry'],
      ['ACL', 'DRYRUN', 'default', 'flushall'],
      ['ACL', 'DELUSER', 'dry'],
    );
  });

  test('requirepass is the default user password, and AUTH/HELLO follow the default user', async () => {
    const [o, r] = await clients(pair);
    try {
      await sameOn(
        o,
        r,
        ['AUTH', 'x'],
        ['CONFIG', 'SET', 'requirepass', 'pw1'],
        ['ACL', 'GETUSER', 'default'],
        ['ACL', 'LIST'],
        ['AUTH', 'pw1'],
        ['AUTH', 'default', 'pw1'],
        ['AUTH', 'bad'],
        ['ACL', 'SETUSER', 'default', '>pw2'],
        ['AUTH', 'pw2'],
        ['CONFIG', 'GET', 'requirepass'],
        ['CONFIG', 'SET', 'requirepass', ''],
        ['ACL', 'LIST'],
        ['AUTH', 'x'],
        ['ACL', 'SETUSER', 'default', 'resetpass'],
        ['ACL', 'LIST'],
        ['ACL', 'SETUSER', 'default', 'nopass'],
      );
      // A new connection while the default user has a password must authenticate.
      await sameOn(
        o,
        r,
        ['ACL', 'SETUSER', 'default', '>np'],
        ['ACL', 'SETUSER', 'default', 'resetpass', 'nopass'],
      );
      await sameOn(o, r, ['ACL', 'SETUSER', 'default', 'off']);
      const [o2, r2] = await clients(pair);
      try {
        await sameOn(o2, r2, ['PING'], ['HELLO', '2', 'AUTH', 'default', 'x'], ['AUTH', 'default', 'x']);
      } finally {
        o2.close();
        r2.close();
      }
      await sameOn(o, r, ['ACL', 'SETUSER', 'default', 'on'], ['ACL', 'LOG', 'RESET']);
    } finally {
      o.close();
      r.close();
    }
  });

  test('acl-pubsub-default decides the channels of new users and of reset', async () => {
    await pair.same(
      ['CONFIG', 'SET', 'acl-pubsub-default', 'allchannels'],
      ['ACL', 'SETUSER', 'ps1'],
      ['ACL', 'SETUSER', 'ps2', '&x', 'reset'],
      ['ACL', 'SETUSER', 'ps3', '(+get)'],
      ['ACL', 'GETUSER', 'ps1'],
      ['ACL', 'GETUSER', 'ps2'],
      ['ACL', 'GETUSER', 'ps3'],
      ['CONFIG', 'SET', 'acl-pubsub-default', 'resetchannels'],
      ['ACL', 'SETUSER', 'ps4'],
      ['ACL', 'SETUSER', 'ps1', 'reset'],
      ['ACL', 'GETUSER', 'ps1'],
      ['ACL', 'GETUSER', 'ps4'],
      ['ACL', 'DELUSER', 'ps1', 'ps2', 'ps3', 'ps4'],
    );
  });

  test('ACL DELUSER disconnects the clients of the user, after its own reply', async () => {
    await pair.same(['ACL', 'SETUSER', 'gone', 'on', 'nopass', '+@all', '~*']);
    const [o, r] = await clients(pair);
    const [o2, r2] = await clients(pair);
    try {
      await sameOn(o, r, ['AUTH', 'gone', 'x'], ['CLIENT', 'SETNAME', 'victim']);
      await sameOn(o2, r2, ['AUTH', 'gone', 'x']);
      await sameOn(o2, r2, ['ACL', 'DELUSER', 'gone']);
      for (const c of [o, r, o2, r2]) {
        await assert.rejects(c.read(3000), /connection closed/);
      }
    } finally {
      for (const c of [o, r, o2, r2]) c.close();
    }
  });

  // Needs the Pub/Sub commands (another branch): skipped until they are in the table.
  test('channel rules: PUBLISH, SUBSCRIBE, PSUBSCRIBE (literal), DRYRUN and the ACL LOG', async (t) => {
    const [, info] = await pair.both('COMMAND', 'INFO', 'publish', 'subscribe', 'psubscribe');
    if (/[$*]-1\r\n/.test(info)) {
      t.skip('Pub/Sub commands are not in this build');
      return;
    }
    await pair.same(
      ['ACL', 'LOG', 'RESET'],
      [
        'ACL',
        'SETUSER',
        'chan',
        'on',
        'nopass',
        '-@all',
        '+publish',
        '+subscribe',
        '+psubscribe',
        '+ping',
        '&news.*',
        '&lit',
      ],
      ['ACL', 'DRYRUN', 'chan', 'publish', 'news.a', 'm'],
      ['ACL', 'DRYRUN', 'chan', 'publish', 'sports', 'm'],
      ['ACL', 'DRYRUN', 'chan', 'subscribe', 'news.a', 'sports'],
      ['ACL', 'DRYRUN', 'chan', 'psubscribe', 'news.*'],
      ['ACL', 'DRYRUN', 'chan', 'psubscribe', 'news.a'],
    );
    const [o, r] = await clients(pair);
    try {
      await sameOn(
        o,
        r,
        ['AUTH', 'chan', 'x'],
        ['PUBLISH', 'news.a', 'hi'],
        ['PUBLISH', 'sports', 'hi'],
        ['PSUBSCRIBE', 'news.a'],
        ['SUBSCRIBE', 'lit', 'other'],
      );
      await sameOn(o, r, ['PSUBSCRIBE', 'news.*']);
    } finally {
      o.close();
      r.close();
    }
    const [a, b] = await pair.both('ACL', 'LOG');
    assert.deepEqual(logEntries(b), logEntries(a));
    await pair.same(['ACL', 'LOG', 'RESET'], ['ACL', 'DELUSER', 'chan']);
  });

  // Needs MULTI/EXEC (another branch): skipped until they are in the table.
  test('denials inside MULTI are logged with the multi context', async (t) => {
    const [, info] = await pair.both('COMMAND', 'INFO', 'multi');
    if (/[$*]-1\r\n/.test(info)) {
      t.skip('MULTI is not in this build');
      return;
    }
    await pair.same(
      ['ACL', 'LOG', 'RESET'],
      ['ACL', 'SETUSER', 'mu', 'on', 'nopass', '-@all', '+get', '+multi', '+exec', '~k*'],
    );
    const [o, r] = await clients(pair);
    try {
      await sameOn(
        o,
        r,
        ['AUTH', 'mu', 'x'],
        ['MULTI'],
        ['SET', 'k', 'v'],
        ['GET', 'other'],
        ['GET', 'k1'],
        ['AUTH', 'mu', 'wrong'],
        ['EXEC'],
      );
    } finally {
      o.close();
      r.close();
    }
    const [a, b] = await pair.both('ACL', 'LOG');
    assert.deepEqual(logEntries(b), logEntries(a));
    await pair.same(['ACL', 'LOG', 'RESET'], ['ACL', 'DELUSER', 'mu']);
  });

  test('RESP3 replies of GETUSER, LOG, CAT, LIST and DRYRUN', async () => {
    const [o, r] = await clients(pair);
    try {
      const hello = async () => {
        o.send('HELLO', '3');
        r.send('HELLO', '3');
        await o.read();
        await r.read();
      };
      await hello();
      await sameOn(
        o,
        r,
        ['ACL', 'LOG', 'RESET'],
        ['ACL', 'SETUSER', 'r3', 'on', '>pw', '~k*', '&c', '-@all', '+get', '(+set ~s*)'],
        ['ACL', 'GETUSER', 'r3'],
        ['ACL', 'GETUSER', 'nosuch'],
        ['ACL', 'CAT'],
        ['ACL', 'USERS'],
        ['ACL', 'DRYRUN', 'r3', 'get', 'x'],
        ['AUTH', 'r3', 'bad'],
      );
      const [a, b] = await pair.both('ACL', 'LOG');
      assert.deepEqual(logEntries(b), logEntries(a));
      o.send('ACL', 'LOG');
      r.send('ACL', 'LOG');
      // The map, double and verbatim framing: compare up to age-seconds' value type.
      const [la, lb] = [await o.read(), await r.read()];
      assert.equal(lb.slice(0, lb.indexOf('age-seconds')), la.slice(0, la.indexOf('age-seconds')));
      assert.equal(lb[lb.indexOf('age-seconds') + 13], la[la.indexOf('age-seconds') + 13]);
      await sameOn(o, r, ['ACL', 'LOG', 'RESET'], ['ACL', 'DELUSER', 'r3']);
    } finally {
      o.close();
      r.close();
    }
  });

  test('CLIENT LIST shows the user and CLIENT KILL USER finds ACL users', async () => {
    await pair.same(['ACL', 'SETUSER', 'lister', 'on', 'nopass', '+@all', '~*']);
    const [o, r] = await clients(pair);
    try {
      await sameOn(o, r, ['AUTH', 'lister', 'x']);
      for (const c of [o, r]) {
        c.send('CLIENT', 'INFO');
        assert.match(await c.read(), / user=lister /);
      }
      await pair.same(['CLIENT', 'KILL', 'USER', 'nosuch'], ['CLIENT', 'KILL', 'USER', 'lister']);
    } finally {
      o.close();
      r.close();
    }
    await pair.same(['ACL', 'DELUSER', 'lister']);
  });
});
