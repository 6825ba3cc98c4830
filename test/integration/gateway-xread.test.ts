/**
 * `GET /xread/<key>` of the browser gateway: stream entries as SSE events, read with an
 * EventSource-like client (the WHATWG parsing and reconnection rules: `id:` sets the last
 * event ID, sent back as `Last-Event-ID` when reconnecting), so a client cut off while
 * entries are added misses none and gets none twice.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Redis as IORedis } from 'ioredis';
import { startRespite, freePort } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';
import { waitFor } from '../helpers/wait.js';

let srv: RespiteServer;
let httpPort: number;
let rc: IORedis;
const PASS = 'xr-pass';

before(async () => {
  httpPort = await freePort();
  srv = await startRespite({ config: { 'http-port': String(httpPort), requirepass: PASS } });
  rc = new IORedis({ port: srv.port, host: '127.0.0.1', password: PASS, lazyConnect: true });
  await rc.connect();
});

after(async () => {
  rc.disconnect();
  await srv.close();
});

interface SseEvent {
  id: string;
  event: string;
  data: string;
}

/**
 * A minimal EventSource (the HTML spec's event stream parsing and reconnection): events are
 * dispatched on a blank line, `id:` sets the last event ID, and after the connection drops
 * it reconnects with `Last-Event-ID`.
 */
class EventSourceLike {
  readonly events: SseEvent[] = [];
  lastEventId = '';
  connects = 0;
  status = 0;
  errorBody = '';
  private req: http.ClientRequest | null = null;
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly headers: Record<string, string> = {},
  ) {
    this.connect();
  }

  private connect(): void {
    this.connects++;
    const headers: Record<string, string> = { Accept: 'text/event-stream', ...this.headers };
    if (this.lastEventId !== '') headers['Last-Event-ID'] = this.lastEventId;
    const req = http.get({ host: '127.0.0.1', port: httpPort, path: this.path, headers }, (res) => {
      this.status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      if (this.status !== 200) {
        res.on('data', (d: string) => (this.errorBody += d));
        return;
      }
      let buf = '';
      let id = this.lastEventId;
      let event = '';
      let data: string[] = [];
      res.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).replace(/\r$/, '');
          buf = buf.slice(nl + 1);
          if (line === '') {
            this.lastEventId = id;
            if (data.length > 0) this.events.push({ id, event: event || 'message', data: data.join('\n') });
            event = '';
            data = [];
            continue;
          }
          if (line.startsWith(':')) continue;
          const c = line.indexOf(':');
          const field = c < 0 ? line : line.slice(0, c);
          const value = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
          if (field === 'id') id = value;
          else if (field === 'event') event = value;
          else if (field === 'data') data.push(value);
        }
      });
      res.on('close', () => {
        if (!this.closed) setTimeout(() => this.connect(), 20);
      });
    });
    req.on('error', () => {
      if (!this.closed) setTimeout(() => this.connect(), 50);
    });
    this.req = req;
  }

  close(): void {
    this.closed = true;
    this.req?.destroy();
  }

  messages(): { id: string; fields: Record<string, string> }[] {
    return this.events
      .filter((e) => e.event === 'message')
      .map((e) => JSON.parse(e.data) as { id: string; fields: Record<string, string> });
  }
}

async function sseClientIds(): Promise<string[]> {
  const list = (await rc.call('CLIENT', 'LIST')) as string;
  return list
    .split('\n')
    .filter((l) => l.includes('lib-name=sse'))
    .map((l) => /^id=(\d+)/.exec(l)![1]);
}

test('xread streams entries from id=0 with their IDs, then new ones as they are added', async () => {
  await rc.del('xr:a');
  const id1 = await rc.xadd('xr:a', '*', 'user', 'ann', 'text', 'héllo');
  const es = new EventSourceLike(`/xread/xr:a?id=0&token=${PASS}`);
  try {
    await waitFor(() => es.messages().length === 1, 'the stored entry');
    assert.deepEqual(es.messages()[0], { id: id1, fields: { user: 'ann', text: 'héllo' } });
    assert.equal(es.events[0].id, id1);
    const id2 = await rc.xadd('xr:a', '*', 'user', 'bob', 'text', 'hi');
    await waitFor(() => es.messages().length === 2, 'the new entry');
    assert.deepEqual(es.messages()[1], { id: id2, fields: { user: 'bob', text: 'hi' } });
    assert.equal(es.lastEventId, id2);
  } finally {
    es.close();
  }
});

test('xread with id=$ (the default) sends only entries added after it connected', async () => {
  await rc.del('xr:b');
  await rc.xadd('xr:b', '*', 'old', '1');
  const es = new EventSourceLike(`/xread/xr:b?token=${PASS}`);
  try {
    await waitFor(() => es.status === 200, 'the stream');
    // The first XREAD has run once the client is blocked on the key.
    await waitFor(() => srv.server.blocking.blockedClients > 0, 'the blocked read');
    const id = await rc.xadd('xr:b', '*', 'new', '2');
    await waitFor(() => es.messages().length === 1, 'the new entry');
    assert.deepEqual(es.messages(), [{ id, fields: { new: '2' } }]);
  } finally {
    es.close();
  }
});

test('a client cut off while entries are added reconnects with Last-Event-ID and misses none', async () => {
  await rc.del('xr:c');
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await rc.xadd('xr:c', '*', 'n', String(i)))!);
  const es = new EventSourceLike(`/xread/xr:c?id=0`, { Authorization: `Bearer ${PASS}` });
  try {
    await waitFor(() => es.messages().length === 3, 'the first entries');
    // Cut the stream server-side, add entries while it is down, then let it reconnect.
    for (const cid of await sseClientIds()) await rc.call('CLIENT', 'KILL', 'ID', cid);
    for (let i = 3; i < 6; i++) ids.push((await rc.xadd('xr:c', '*', 'n', String(i)))!);
    await waitFor(() => es.messages().length >= 6 && es.connects >= 2, 'the entries after reconnecting');
    for (let i = 6; i < 8; i++) ids.push((await rc.xadd('xr:c', '*', 'n', String(i)))!);
    await waitFor(() => es.messages().length >= 8, 'the later entries');
    assert.deepEqual(
      es.messages().map((m) => m.id),
      ids,
    );
    assert.deepEqual(
      es.messages().map((m) => m.fields.n),
      ['0', '1', '2', '3', '4', '5', '6', '7'],
    );
  } finally {
    es.close();
  }
});

test('xread errors answer before the stream: 401 without credentials, 403 without read access, 400 for a bad ID or type', async () => {
  await rc.set('xr:str', 'x');
  await rc.call('ACL', 'SETUSER', 'xr-reader', 'on', '>pw', '+@all', '~public:*');
  const cases: [string, Record<string, string>, number, RegExp][] = [
    ['/xread/xr:a', {}, 401, /NOAUTH/],
    [
      '/xread/xr:a?id=0',
      { Authorization: `Basic ${Buffer.from('xr-reader:pw').toString('base64')}` },
      403,
      /NOPERM/,
    ],
    [`/xread/xr:a?id=nope&token=${PASS}`, {}, 400, /Invalid stream ID/],
    [`/xread/xr:str?id=0&token=${PASS}`, {}, 400, /WRONGTYPE/],
  ];
  for (const [path, headers, status, re] of cases) {
    const es = new EventSourceLike(path, headers);
    try {
      await waitFor(() => es.status !== 0 && es.errorBody.endsWith('}'), `the answer to ${path}`);
      assert.equal(es.status, status, path);
      assert.match(es.errorBody, re);
    } finally {
      es.close();
    }
  }
  const ok = new EventSourceLike(`/xread/public:s?id=0`, {
    Authorization: `Basic ${Buffer.from('xr-reader:pw').toString('base64')}`,
  });
  try {
    await rc.xadd('public:s', '*', 'a', 'b');
    await waitFor(() => ok.messages().length === 1, 'the allowed stream');
  } finally {
    ok.close();
    await rc.call('ACL', 'DELUSER', 'xr-reader');
  }
});
