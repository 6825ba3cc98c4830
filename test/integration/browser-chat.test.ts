/**
 * The chat example (examples/chat/) end to end in headless Chromium: two pages join a room
 * through the gateway's WebSocket; a message of the Node service (ioredis), one of the Python
 * service (python3-redis) and one posted from the other page appear in both pages; after the
 * server restarts, the pages and the services reconnect and messages flow again.
 * Screenshots go to test-artifacts/ (gitignored). Skipped when /usr/bin/chromium is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { Redis as IORedis } from 'ioredis';
import { chromium, type Browser, type Page } from 'playwright-core';
import { freePort, startRespite } from '../helpers/servers.js';
import type { RespiteServer } from '../../src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';
const example = (f: string): string => new URL(`../../../examples/chat/${f}`, import.meta.url).href;

interface ChatModules {
  startStatic(port: number, config: object): Promise<HttpServer>;
  createBrowserUser(redis: IORedis, user: string, password: string): Promise<void>;
  startServices(url: string, log?: (line: string) => void): Promise<() => void>;
  findPython(): string | null;
}

test('chat example in Chromium: two pages, Node and Python services, reconnection after a server restart', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: install Debian's chromium to run the browser test`);
    return;
  }
  const { startStatic } = (await import(example('static.mjs'))) as ChatModules;
  const { createBrowserUser, startServices, findPython } = (await import(
    example('services.mjs')
  )) as ChatModules;
  const hasPython = findPython() !== null;
  mkdirSync(ARTIFACTS, { recursive: true });

  const port = await freePort();
  const httpPort = await freePort();
  const webPort = await freePort();
  const ADMIN = 'chat-admin-pw';
  const start = (): Promise<RespiteServer> =>
    startRespite({ port, config: { 'http-port': String(httpPort), requirepass: ADMIN } });
  const adminClient = async (): Promise<IORedis> => {
    const r = new IORedis({ port, host: '127.0.0.1', password: ADMIN, lazyConnect: true });
    await r.connect();
    return r;
  };

  let srv = await start();
  let admin = await adminClient();
  await createBrowserUser(admin, 'chat', 'browser-pw');
  const logs: string[] = [];
  const stopServices = await startServices(`redis://:${ADMIN}@127.0.0.1:${port}`, (l) => logs.push(l));
  const web = await startStatic(webPort, {
    gateway: `ws://127.0.0.1:${httpPort}`,
    user: 'chat',
    token: 'browser-pw',
  });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const open = async (name: string): Promise<Page> => {
      const page = await browser!.newPage({ viewport: { width: 700, height: 640 } });
      page.setDefaultTimeout(20000);
      await page.goto(`http://127.0.0.1:${webPort}/`);
      await page.locator('#status.connected').waitFor();
      await page.fill('#name', name);
      await page.fill('#room', 'e2e');
      await page.click('#join');
      return page;
    };
    const line = (page: Page, user: string, text: string) =>
      page.locator(`#messages li[data-user="${user}"]`, { hasText: text }).first();
    const say = async (page: Page, text: string): Promise<void> => {
      await page.fill('#text', text);
      await page.click('#send');
    };
    const alice = await open('alice');
    await line(alice, 'bot', 'Welcome, alice!').waitFor();
    const bob = await open('bob');
    // The Node service's welcome for bob reaches both pages.
    for (const p of [alice, bob]) await line(p, 'bot', 'Welcome, bob!').waitFor();
    await say(bob, 'hello from bob, @py count me');
    for (const p of [alice, bob]) {
      await line(p, 'bob', 'hello from bob').waitFor();
      if (hasPython) await line(p, 'py', 'counted 6 words, bob').waitFor();
    }
    await say(alice, 'hi bob, @bot what time is it?');
    for (const p of [alice, bob]) {
      await line(p, 'alice', 'hi bob').waitFor();
      await line(p, 'bot', 'Hi alice, it is').waitFor();
    }
    // The browsers are real clients of the server, under the restricted ACL user.
    const list = (await admin.call('CLIENT', 'LIST')) as string;
    assert.equal(
      list.split('\n').filter((l) => l.includes('lib-name=ws') && l.includes('user=chat')).length,
      2,
    );
    await alice.screenshot({ path: `${ARTIFACTS}/chat-alice.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/chat-bob.png` });

    // Restart the server on the same ports: the pages notice, then reconnect by themselves.
    admin.disconnect();
    await srv.close();
    for (const p of [alice, bob]) await p.locator('#status.reconnecting').waitFor();
    srv = await start();
    admin = await adminClient();
    await createBrowserUser(admin, 'chat', 'browser-pw');
    for (const p of [alice, bob]) await p.locator('#status.connected').waitFor();
    // The services are back (ioredis and redis-py reconnect and subscribe again).
    const services = hasPython ? 2 : 1;
    const end = Date.now() + 20000;
    const resubscribed = async (): Promise<number> =>
      ((await admin.call('CLIENT', 'LIST')) as string)
        .split('\n')
        .filter((l) => / name=chat-(bot-sub|pybot) .* psub=1 /.test(l)).length;
    while ((await resubscribed()) < services) {
      if (Date.now() > end)
        assert.fail(
          `services did not resubscribe: ${logs.join('\n')}\n${String(await admin.call('CLIENT', 'LIST'))}`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
    // Both pages subscribed again.
    const subscribers = async (): Promise<number> => {
      const r = (await admin.call('PUBSUB', 'NUMSUB', 'chat:e2e')) as [string, number];
      return Number(r[1]);
    };
    while ((await subscribers()) < 2) {
      if (Date.now() > end) assert.fail('the pages did not subscribe again');
      await new Promise((r) => setTimeout(r, 50));
    }
    await say(alice, 'back after the restart, @bot?');
    for (const p of [alice, bob]) {
      await line(p, 'alice', 'back after the restart').waitFor();
      // The bot's second answer (the first came before the restart): wait for it, not for
      // the first one, which is already there.
      const answers = p.locator('#messages li[data-user="bot"]', { hasText: 'Hi alice, it is' });
      await answers.nth(1).waitFor();
      assert.equal((await answers.count()) >= 2, true);
    }
    await say(bob, 'me too');
    for (const p of [alice, bob]) await line(p, 'bob', 'me too').waitFor();
    await alice.screenshot({ path: `${ARTIFACTS}/chat-alice-after-restart.png` });
    await bob.screenshot({ path: `${ARTIFACTS}/chat-bob-after-restart.png` });
  } finally {
    await browser?.close();
    stopServices();
    web.close();
    admin.disconnect();
    await srv.close();
  }
});

test("GET /xread in Chromium's EventSource: cut off, it reconnects with Last-Event-ID and misses no entry", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} not found: install Debian's chromium to run the browser test`);
    return;
  }
  const httpPort = await freePort();
  const srv = await startRespite({ config: { 'http-port': String(httpPort), requirepass: 'pw' } });
  const rc = new IORedis({ port: srv.port, host: '127.0.0.1', password: 'pw', lazyConnect: true });
  await rc.connect();
  let browser: Browser | null = null;
  try {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await rc.xadd('log', '*', 'n', String(i)))!);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(20000);
    // Same origin as the gateway, so EventSource needs no CORS.
    await page.goto(`http://127.0.0.1:${httpPort}/metrics?token=pw`);
    await page.evaluate(() => {
      const w = globalThis as unknown as { got: { id: string; n: string }[]; opens: number };
      w.got = [];
      w.opens = 0;
      const es = new EventSource('/xread/log?id=0&token=pw');
      es.onopen = () => w.opens++;
      es.onmessage = (e) =>
        w.got.push({
          id: e.lastEventId,
          n: (JSON.parse(e.data as string) as { fields: { n: string } }).fields.n,
        });
    });
    const got = () =>
      page.evaluate(() => (globalThis as unknown as { got: { id: string; n: string }[] }).got);
    await page.waitForFunction(() => (globalThis as unknown as { got: unknown[] }).got.length === 3);
    // Cut the stream from the server side and add entries before the browser reconnects.
    const list = (await rc.call('CLIENT', 'LIST')) as string;
    for (const l of list.split('\n').filter((x) => x.includes('lib-name=sse')))
      await rc.call('CLIENT', 'KILL', 'ID', /^id=(\d+)/.exec(l)![1]);
    for (let i = 3; i < 5; i++) ids.push((await rc.xadd('log', '*', 'n', String(i)))!);
    await page.waitForFunction(() => (globalThis as unknown as { got: unknown[] }).got.length >= 5);
    ids.push((await rc.xadd('log', '*', 'n', '5'))!);
    await page.waitForFunction(() => (globalThis as unknown as { got: unknown[] }).got.length >= 6);
    assert.deepEqual(
      await got(),
      ids.map((id, i) => ({ id, n: String(i) })),
    );
    assert.ok((await page.evaluate(() => (globalThis as unknown as { opens: number }).opens)) >= 2);
  } finally {
    await browser?.close();
    rc.disconnect();
    await srv.close();
  }
});
