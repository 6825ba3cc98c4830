/**
 * The browser gateway (docs/GATEWAY.md), on `http-port`/`http-bind` when http-port is set:
 * - HTTP commands with the Upstash Redis REST API shapes (`POST /`, `/pipeline`, `/multi-exec`),
 * - Server-Sent Events for Pub/Sub (`GET /subscribe/<channels>`, `GET /psubscribe/<patterns>`),
 * - a JSON protocol over WebSocket (`/ws`),
 * - `GET /metrics` in Prometheus text format with redis_exporter's names.
 * Every request or stream is a real Client (see session.ts), authenticated with AUTH.
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Server } from '../server/server.js';
import { buildTlsSettings, verifyPeer } from '../server/tls.js';
import { Bulk, Push, RespError, toJson, type RespValue } from './resp-decoder.js';
import { Session } from './session.js';
import { prometheusMetrics } from './metrics.js';
import { FMT_SSE, FMT_WS, FanoutGroup } from './fanout.js';
import { WRITE_UNSUPPORTED, directWrite, handleQueuedBytes, queuedBytes } from '../server/socket-io.js';

export interface Gateway {
  readonly port: number;
  close(): Promise<void>;
}

/** Commands that only produce pushes, or that turn a request into a stream. */
const SUBSCRIBE_CMDS = new Set([
  'subscribe',
  'psubscribe',
  'ssubscribe',
  'unsubscribe',
  'punsubscribe',
  'sunsubscribe',
]);
const STREAM_ONLY = new Set([...SUBSCRIBE_CMDS, 'monitor', 'hello', 'reset', 'quit']);
const KEEPALIVE_MS = 15_000;
/** Stream entries read per XREAD of `GET /xread/<key>`. */
const XREAD_COUNT = 100;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function formatAddr(ip: string | undefined, port: number | undefined): string {
  const a = ip ?? '?';
  return `${a.includes(':') ? `[${a}]` : a}:${port ?? 0}`;
}

/** One JSON command argument: a string (UTF-8), a number, a boolean, or {"base64": "..."}. */
function argToLatin1(a: unknown): string {
  if (typeof a === 'string') return Buffer.from(a, 'utf8').toString('latin1');
  if (typeof a === 'number' || typeof a === 'boolean') return String(a);
  if (a !== null && typeof a === 'object' && typeof (a as { base64?: unknown }).base64 === 'string')
    return Buffer.from((a as { base64: string }).base64, 'base64').toString('latin1');
  throw new HttpError(400, 'ERR command arguments must be strings, numbers or {"base64": "..."}');
}

function toArgv(cmd: unknown): string[] {
  if (!Array.isArray(cmd) || cmd.length === 0)
    throw new HttpError(400, 'ERR a command must be a non-empty JSON array, e.g. ["SET","k","v"]');
  return cmd.map(argToLatin1);
}

function latin1ToText(s: string): string {
  return Buffer.from(s, 'latin1').toString('utf8');
}

/**
 * Credentials from `Authorization: Bearer|Basic`, or the `_token`/`token` query parameter
 * (with `user` for an ACL user).
 */
function credentials(req: http.IncomingMessage, url: URL): string[] | null {
  const h = req.headers.authorization;
  if (h) {
    const sp = h.indexOf(' ');
    const scheme = h.slice(0, sp < 0 ? h.length : sp).toLowerCase();
    const rest = sp < 0 ? '' : h.slice(sp + 1).trim();
    if (scheme === 'bearer') return [Buffer.from(rest, 'utf8').toString('latin1')];
    if (scheme === 'basic') {
      const dec = Buffer.from(rest, 'base64');
      const colon = dec.indexOf(0x3a);
      if (colon < 0) throw new HttpError(401, 'ERR malformed Basic credentials (expected user:password)');
      return [dec.toString('latin1', 0, colon), dec.toString('latin1', colon + 1)];
    }
    throw new HttpError(401, 'ERR unsupported Authorization scheme (use Bearer or Basic)');
  }
  const t = url.searchParams.get('_token') ?? url.searchParams.get('token');
  if (t === null) return null;
  // `?user=name&token=password` for an ACL user (EventSource and WebSocket cannot send Basic).
  const u = url.searchParams.get('user');
  const pass = Buffer.from(t, 'utf8').toString('latin1');
  return u === null ? [pass] : [Buffer.from(u, 'utf8').toString('latin1'), pass];
}

/** Authenticates the session's client as the RESP port would (AUTH), or throws a 401. */
async function authenticate(s: Session, creds: string[] | null): Promise<void> {
  if (creds === null) {
    if (s.server.authRequired()) throw new HttpError(401, 'NOAUTH Authentication required.');
    return;
  }
  const [r] = await s.run([['AUTH', ...creds]]);
  if (r instanceof RespError) throw new HttpError(401, r.message);
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function errorStatus(e: RespError): number {
  return e.message.startsWith('NOPERM') ? 403 : e.message.startsWith('NOAUTH') ? 401 : 400;
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      reject(new HttpError(413, `ERR request body larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new HttpError(413, `ERR request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(d);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'ERR malformed JSON request body');
  }
}

function checkHttpCommand(argv: string[]): void {
  const name = argv[0].toLowerCase();
  if (STREAM_ONLY.has(name))
    throw new HttpError(
      400,
      `ERR ${name.toUpperCase()} is not available over HTTP (use the SSE or WebSocket endpoints)`,
    );
}

export async function startGateway(server: Server, port: number, bind: string): Promise<Gateway> {
  const sessions = new Set<Session>();
  const fanout = new FanoutGroup(
    (c) => Session.ofClient(c),
    () => server.config.num('http-flush-interval'),
  );
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024 * 1024,
    // Frames of published messages are prebuilt once and shared by every subscriber.
    perMessageDeflate: false,
  });

  function open(req: http.IncomingMessage, libName: string, resp3: boolean): Session {
    const sock = req.socket;
    const s = Session.open(
      server,
      libName,
      formatAddr(sock.remoteAddress, sock.remotePort),
      formatAddr(sock.localAddress, sock.localPort),
      resp3,
    );
    if (s === null) throw new HttpError(503, 'ERR max number of clients reached');
    sessions.add(s);
    const prev = s.onEnd;
    s.onEnd = () => {
      sessions.delete(s);
      prev?.();
    };
    return s;
  }

  function cors(req: http.IncomingMessage, res: http.ServerResponse): void {
    const allowed = server.config
      .str('http-cors-origins')
      .split(/[\s,]+/)
      .filter((o) => o !== '');
    const origin = req.headers.origin;
    if (origin === undefined || allowed.length === 0) return;
    if (allowed.includes('*') || allowed.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, Upstash-Encoding');
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS');
    }
  }

  async function handleCommands(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> {
    const limit = Math.min(server.config.num('client-query-buffer-limit'), 512 * 1024 * 1024);
    const body = parseJson(await readBody(req, limit));
    const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    let cmds: string[][];
    if (path === '/') cmds = [toArgv(body)];
    else {
      if (!Array.isArray(body) || body.length === 0)
        throw new HttpError(400, 'ERR the body must be a non-empty JSON array of commands');
      cmds = body.map(toArgv);
    }
    for (const c of cmds) checkHttpCommand(c);
    const s = open(req, 'http', false);
    // A caller that goes away frees its client (e.g. one blocked in BLPOP).
    res.on('close', () => s.close());
    try {
      await authenticate(s, credentials(req, url));
      if (path === '/') {
        const [r] = await s.run(cmds);
        if (r instanceof RespError) sendJson(res, errorStatus(r), { error: r.message });
        else sendJson(res, 200, { result: toJson(r, base64) });
      } else if (path === '/pipeline') {
        const rs = await s.run(cmds);
        sendJson(
          res,
          200,
          rs.map((r) => (r instanceof RespError ? { error: r.message } : { result: toJson(r, base64) })),
        );
      } else {
        // /multi-exec: the commands run as one transaction; an aborted one is an error.
        const rs = await s.run([['MULTI'], ...cmds, ['EXEC']]);
        const exec = rs[rs.length - 1];
        if (exec instanceof RespError) {
          const first = rs.find((r) => r instanceof RespError && r !== exec) as RespError | undefined;
          sendJson(res, 400, { error: first ? first.message : exec.message });
        } else if (exec === null || !Array.isArray(exec))
          sendJson(res, 400, { error: 'EXECABORT Transaction discarded' });
        else
          sendJson(
            res,
            200,
            exec.map((r) => (r instanceof RespError ? { error: r.message } : { result: toJson(r, base64) })),
          );
      }
    } finally {
      s.close();
    }
  }

  async function handleSse(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const [, kind, list] = /^\/(subscribe|psubscribe)\/(.+)$/.exec(url.pathname) ?? [];
    const names = list
      .split(',')
      .map((n) => Buffer.from(decodeURIComponent(n), 'utf8').toString('latin1'))
      .filter((n) => n !== '');
    if (names.length === 0) throw new HttpError(400, 'ERR no channel given');
    const s = open(req, 'sse', true);
    let started = false;
    s.onPush = (p) => {
      if (started) writeEvent(p);
    };
    const writeEvent = (p: Push): void => {
      const it = p.items;
      const kindName = typeof it[0] === 'string' ? it[0] : it[0] instanceof Bulk ? it[0].s : '';
      let ev: Record<string, unknown> | null = null;
      if (kindName === 'message') ev = { channel: text(it[1]), message: text(it[2]) };
      else if (kindName === 'pmessage')
        ev = { pattern: text(it[1]), channel: text(it[2]), message: text(it[3]) };
      if (ev !== null) res.write(`data: ${JSON.stringify(ev)}\n\n`);
    };
    let timer: NodeJS.Timeout | null = null;
    s.onEnd = ((prev) => () => {
      prev?.();
      if (timer) clearInterval(timer);
      // Before the stream started, the caller still answers with the error.
      if (started && !res.writableEnded) res.end();
    })(s.onEnd);
    try {
      await authenticate(s, credentials(req, url));
    } catch (e) {
      s.close();
      throw e;
    }
    // No chunked framing: the stream ends with the connection, and each batch of messages is
    // one shared buffer written to the socket as is (fanout.ts), after the head written below
    // (nothing is flushed before this function returns).
    const sock = res.socket!;
    s.pending = () => queuedBytes(sock);
    s.enableFanout(fanout, FMT_SSE, batchWriter(sock));
    // SUBSCRIBE replies only with pushes, written synchronously; an error (NOPERM) is a reply.
    const frames = s.capture([kind.toUpperCase(), ...names]);
    const failed = frames.find((f) => f instanceof RespError) as RespError | undefined;
    if (failed !== undefined || frames.length === 0) {
      s.close();
      const err = failed ?? new RespError('ERR subscription failed');
      throw new HttpError(errorStatus(err), err.message);
    }
    started = true;
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(`: subscribed to ${names.length} ${kind === 'subscribe' ? 'channel' : 'pattern'}(s)\n\n`);
    timer = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    timer.unref();
    req.on('close', () => s.close());
    res.on('error', () => s.close());
  }

  /**
   * `GET /xread/<key>?id=<id>`: the entries of a stream as SSE events (`id:` = the entry's ID),
   * read with XREAD BLOCK through the dispatcher (so ACL key permissions apply). The start is
   * the `Last-Event-ID` header (EventSource's reconnection), else `?id=` (`$` = only new
   * entries, the default; `0` = from the beginning): XREAD is exclusive, so a reconnecting
   * browser gets exactly the entries after the last one it received.
   */
  async function handleXread(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const raw = /^\/xread\/(.+)$/.exec(url.pathname)?.[1] ?? '';
    const key = Buffer.from(decodeURIComponent(raw), 'utf8').toString('latin1');
    const last = req.headers['last-event-id'];
    let id =
      typeof last === 'string' && last.trim() !== '' ? last.trim() : (url.searchParams.get('id') ?? '$');
    const s = open(req, 'sse', false);
    let timer: NodeJS.Timeout | null = null;
    s.onEnd = ((prev) => () => {
      prev?.();
      if (timer) clearInterval(timer);
      if (res.headersSent && !res.writableEnded) res.end();
    })(s.onEnd);
    const count = String(XREAD_COUNT);
    let first: RespValue;
    try {
      await authenticate(s, credentials(req, url));
      if (id === '$') {
        // `$` is resolved once to the stream's last entry, so later reads continue from there.
        const [top] = await s.run([['XREVRANGE', key, '+', '-', 'COUNT', '1']]);
        if (top instanceof RespError) throw new HttpError(errorStatus(top), top.message);
        const e = Array.isArray(top) ? top[0] : undefined;
        id = Array.isArray(e) && e[0] instanceof Bulk ? e[0].s : '0-0';
      }
      // A first read without BLOCK reports a bad ID, WRONGTYPE or NOPERM before the stream starts.
      [first] = await s.run([['XREAD', 'COUNT', count, 'STREAMS', key, id]]);
      if (first instanceof RespError) throw new HttpError(errorStatus(first), first.message);
    } catch (e) {
      s.close();
      throw e;
    }
    res.useChunkedEncodingByDefault = false;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // `retry:` makes EventSource reconnect after 1 s (instead of its default 3 s) when cut off.
    res.write(': streaming entries\nretry: 1000\n\n');
    timer = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    timer.unref();
    req.on('close', () => s.close());
    res.on('error', () => s.close());
    let reply: RespValue = first;
    while (!s.ended) {
      // RESP2 reply: [[key, [[id, [field, value, ...]], ...]]] or null.
      const entries = Array.isArray(reply) && Array.isArray(reply[0]) ? reply[0][1] : null;
      if (Array.isArray(entries)) {
        let out = '';
        for (const e of entries) {
          if (!Array.isArray(e) || !(e[0] instanceof Bulk)) continue;
          id = e[0].s;
          const fields: Record<string, string> = Object.create(null) as Record<string, string>;
          const fv = Array.isArray(e[1]) ? e[1] : [];
          for (let i = 0; i + 1 < fv.length; i += 2) fields[text(fv[i])] = text(fv[i + 1]);
          out += `id: ${latin1ToText(id)}\ndata: ${JSON.stringify({ id: latin1ToText(id), fields })}\n\n`;
        }
        if (out !== '') res.write(out);
      }
      [reply] = await s.run([['XREAD', 'COUNT', count, 'BLOCK', '0', 'STREAMS', key, id]]);
      if (reply instanceof RespError) {
        // e.g. the key was replaced by another type, or the user lost access: end the stream.
        if (!s.ended) res.write(`event: error\ndata: ${JSON.stringify({ error: reply.message })}\n\n`);
        s.close();
      }
    }
  }

  function text(v: RespValue): string {
    if (v instanceof Bulk) return latin1ToText(v.s);
    return typeof v === 'string' ? v : String(v);
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    cors(req, res);
    if (req.method === 'OPTIONS') {
      res.writeHead(204);
      res.end();
      return;
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (req.method === 'POST' && (path === '/' || path === '/pipeline' || path === '/multi-exec'))
      return handleCommands(req, res, url);
    if (req.method === 'GET' && /^\/p?subscribe\//.test(url.pathname)) return handleSse(req, res, url);
    if (req.method === 'GET' && url.pathname.startsWith('/xread/')) return handleXread(req, res, url);
    if (req.method === 'GET' && path === '/metrics') {
      const creds = credentials(req, url);
      const s = open(req, 'http', false);
      try {
        await authenticate(s, creds);
      } finally {
        s.close();
      }
      const body = prometheusMetrics(server);
      res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      res.end(body);
      return;
    }
    throw new HttpError(404, 'ERR not found');
  }

  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    route(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      const msg = e instanceof Error ? e.message : String(e);
      if (status === 500) server.log.warning(`Gateway error: ${msg}`);
      if (!res.headersSent) {
        if (status === 413) res.setHeader('Connection', 'close');
        sendJson(res, status, { error: msg });
      } else res.end();
    });
  };
  let http1: http.Server;
  if (server.config.bool('http-tls')) {
    // https/wss with the server's TLS settings (tls-cert-file, tls-key-file, tls-ca-cert-file,
    // tls-auth-clients, tls-protocols, ...), read once at startup.
    const settings = buildTlsSettings(server.config, server.log);
    if (settings === null) {
      server.log.warning('Failed to configure TLS for the gateway (http-tls). Check logs for more info.');
      throw new Error('Failed to configure TLS for the gateway (http-tls). Check logs for more info.');
    }
    http1 = https.createServer(settings.options, onRequest);
    http1.on('secureConnection', (sock: TLSSocket) => {
      // tls-auth-clients optional: a certificate that is sent must verify.
      const why = verifyPeer(sock, settings.authClients);
      if (why !== null) {
        server.log.verbose(`Error accepting a client connection on the gateway: ${why}`);
        sock.destroy();
      }
    });
  } else http1 = http.createServer(onRequest);

  http1.on('upgrade', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    if (url.pathname === '/resp') {
      wss.handleUpgrade(req, socket, head, (ws) => serveRawResp(req, ws));
      return;
    }
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    let s: Session;
    try {
      s = open(req, 'ws', true);
    } catch {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.once('close', () => s.close());
    let creds: string[] | null;
    try {
      creds = credentials(req, url);
    } catch {
      creds = ['\0invalid'];
    }
    authenticate(s, creds).then(
      () => wss.handleUpgrade(req, socket, head, (ws) => serveWs(s, ws, socket)),
      (e: unknown) => {
        s.close();
        const msg = JSON.stringify({ error: (e as Error).message });
        socket.end(
          `HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(msg)}\r\nConnection: close\r\n\r\n${msg}`,
        );
      },
    );
  });

  /**
   * `/resp`: the raw protocol in binary WebSocket messages, for RESP clients in browsers. The
   * client authenticates with AUTH/HELLO itself, exactly as on the RESP port.
   */
  function serveRawResp(req: http.IncomingMessage, ws: WebSocket): void {
    const sock = req.socket;
    const c = server.attachClient(
      {
        write: (b) => {
          if (ws.readyState === ws.OPEN) ws.send(b, { binary: true });
        },
        end: () => ws.close(),
        get writableLength() {
          return ws.bufferedAmount;
        },
      },
      formatAddr(sock.remoteAddress, sock.remotePort),
      formatAddr(sock.localAddress, sock.localPort),
      'ws-resp',
    );
    if (c === null) {
      ws.close(1013, 'max number of clients reached');
      return;
    }
    ws.on('message', (data: Buffer) => server.feedClient(c, data));
    ws.on('close', () => server.freeClient(c));
    ws.on('error', () => server.freeClient(c));
  }

  function serveWs(s: Session, ws: WebSocket, socket: Socket): void {
    // ws counts its own frames; the fan-out's direct writes are in libuv's queue.
    s.pending = () => ws.bufferedAmount + handleQueuedBytes(socket);
    // Message pushes are prebuilt text frames written to the socket as is (ws writes each of
    // its own frames synchronously, so frames never interleave).
    const writeBatch = batchWriter(socket);
    s.enableFanout(fanout, FMT_WS, (b) => {
      if (ws.readyState === ws.OPEN) writeBatch(b);
    });
    const send = (o: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(o));
    };
    s.onPush = (p) => send({ push: toJson(p, false) });
    s.onEnd = ((prev) => () => {
      prev?.();
      ws.close();
    })(s.onEnd);
    ws.on('close', () => s.close());
    ws.on('error', () => s.close());
    // One command at a time, so a blocked command holds the next ones as on a RESP connection.
    const queue: { id: unknown; argv: string[]; base64: boolean }[] = [];
    let busy = false;
    const pump = (): void => {
      if (busy) return;
      while (queue.length > 0 && !s.ended) {
        const { id, argv, base64 } = queue.shift()!;
        const name = argv[0].toLowerCase();
        if (name === 'hello' || name === 'reset' || name === 'monitor') {
          send({ id, error: `ERR ${name.toUpperCase()} is not available over the WebSocket JSON protocol` });
          continue;
        }
        if (SUBSCRIBE_CMDS.has(name)) {
          // Their replies are the confirmation pushes, written synchronously.
          const frames = s.capture(argv);
          const err = frames.find((f) => f instanceof RespError);
          if (err instanceof RespError) send({ id, error: err.message });
          else send({ id, result: frames.map((p) => toJson(p, base64)) });
          continue;
        }
        busy = true;
        // The reply is sent as soon as it is decoded, so it keeps its place among the pushes
        // written with it (a message published after it was queued comes after it).
        s.call(argv, (r) => {
          if (r instanceof RespError) send({ id, error: r.message });
          else send({ id, result: toJson(r, base64) });
          busy = false;
          queueMicrotask(pump);
        });
        return;
      }
    };
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      let msg: { cmd?: unknown; id?: unknown; encoding?: unknown };
      try {
        if (isBinary) throw new Error();
        msg = JSON.parse(data.toString('utf8')) as typeof msg;
        if (msg === null || typeof msg !== 'object') throw new Error();
      } catch {
        send({ error: 'ERR malformed JSON message' });
        return;
      }
      let argv: string[];
      try {
        argv = toArgv(msg.cmd);
      } catch (e) {
        send({ id: msg.id, error: (e as Error).message });
        return;
      }
      queue.push({ id: msg.id, argv, base64: msg.encoding === 'base64' });
      pump();
    });
  }

  await new Promise<void>((resolve, reject) => {
    http1.once('error', reject);
    http1.listen({ port, host: bind }, () => {
      http1.off('error', reject);
      resolve();
    });
  });
  const addr = http1.address();
  const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
  server.log.notice(
    `Gateway (HTTP${server.config.bool('http-tls') ? 'S' : ''}, SSE, WebSocket) listening on ${bind}:${actual}`,
  );
  if (!server.authRequired())
    server.log.warning(
      'WARNING the gateway accepts requests without credentials: the default user has no password (set requirepass or ACL users).',
    );
  return {
    port: actual,
    close: async () => {
      fanout.close();
      for (const s of [...sessions]) s.close();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      http1.closeAllConnections();
      await new Promise<void>((r) => http1.close(() => r()));
    },
  };
}

/**
 * The fan-out's writer for one subscriber's socket: each batch (a buffer shared by every
 * subscriber, never reused) goes straight to the socket's handle (socket-io.ts directWrite:
 * no Writable state, no request object or completion per write); through socket.write when
 * that is not possible (TLS, or the Writable holds bytes that must go first).
 */
function batchWriter(sock: Socket): (b: Buffer) => void {
  const onDone = (status: number): void => {
    if (status < 0) sock.destroy();
  };
  return (b) => {
    if (sock.destroyed) return;
    const r = directWrite(sock, b, onDone);
    if (r === WRITE_UNSUPPORTED) sock.write(b);
    else if (r < 0) sock.destroy();
  };
}
