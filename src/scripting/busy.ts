/**
 * Busy scripts (Redis's processEventsWhileBlocked during a script past busy-reply-threshold):
 * Node's only JS thread is running the script, so the event loop reads no socket. The Lua
 * VM's instruction hook calls `service()` instead, which does the event loop's work by hand:
 *
 * - Existing connections: each other client's socket is read synchronously
 *   (`fs.readSync` on its non-blocking fd: EAGAIN = nothing there), the bytes go to that
 *   client's own parser and its commands through the normal dispatcher, which refuses what
 *   is not `allow_busy` with -BUSY. Replies leave at once with `fs.writeSync` when the socket
 *   has nothing queued, else they stay in the client's output for the normal flush after the
 *   script. Bytes read here were consumed from the kernel, so libuv never delivers them again;
 *   a partial command stays in the parser for the normal path.
 * - New connections: the main thread cannot accept, a worker thread can (busy-worker.ts). It
 *   accepts on the same listening fds and forwards each connection's events over a
 *   MessagePort, which the hook drains synchronously with `receiveMessageOnPort`; the
 *   connection becomes a Client with a transport (like the gateway's), served by the same
 *   dispatcher, its replies posted back to the worker. After the script the worker keeps
 *   proxying the connections it accepted (until they close) and then parks again.
 *
 * Not serviced during a busy script (they are served when it ends): TLS connections (their
 * bytes are encrypted: the TLS layer lives in the event loop), gateway sessions, and new TLS
 * connections (the worker accepts plain TCP and unix sockets only).
 */
import { readSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { TLSSocket } from 'node:tls';
import { BusyWorker } from './busy-worker-host.js';
import { CLIENT_CLOSE_AFTER_REPLY, CLIENT_CLOSE_ASAP, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';

/**
 * Pause between two services, as a multiple of the last service's duration (servicing takes
 * ~5% of the script's time: a read that finds nothing costs a thrown EAGAIN, ~10-25 µs), and
 * its floor in ms.
 */
const INTERVAL_FACTOR = 19;
const MIN_INTERVAL = 2;
/** Bytes read from one client per service (16 reads of 64 KB). */
const READS_PER_SERVICE = 16;

interface SocketWithHandle {
  _handle?: { fd?: number } | null;
}

/**
 * Set by the CLI when it runs as the sized-heap child of a launcher (src/main.ts): true once
 * the launcher is gone. The child notices that through its IPC channel, i.e. in the event
 * loop, which a busy script does not run: checked from the service instead, so that a killed
 * launcher does not leave a child spinning in an endless script.
 */
let launcherGone: (() => boolean) | null = null;

export function watchLauncher(gone: () => boolean): void {
  launcherGone = gone;
}

export class BusyService {
  private caller: Client | null = null;
  private readonly scratch = Buffer.allocUnsafe(64 * 1024);
  /** Earliest Date.now() of the next service (INTERVAL_FACTOR). */
  private nextService = 0;
  /** Clients whose socket reached EOF or failed during this busy period (left to libuv). */
  private readonly gone = new Set<Client>();
  private worker: BusyWorker | null = null;

  constructor(private readonly server: Server) {}

  /** The script went past busy-reply-threshold. */
  begin(caller: Client, busyReply: string): void {
    this.caller = caller;
    this.server.busyReply = busyReply;
    this.nextService = 0;
    // A worker started for listeners that were replaced since (CONFIG SET port/bind) retires.
    if (this.worker !== null && !this.worker.current()) {
      this.worker.retire();
      this.worker = null;
    }
    if (this.worker === null) this.worker = BusyWorker.start(this.server);
    if (this.worker !== null) {
      this.worker.setBusy(true);
      this.worker.caller = caller;
    }
  }

  /** The script ended. */
  end(): void {
    this.server.busyReply = null;
    this.caller = null;
    this.gone.clear();
    this.worker?.setBusy(false);
  }

  /** Serves every other client once (called from the instruction hook). */
  service(): void {
    const now = Date.now();
    if (now < this.nextService) return;
    const server = this.server;
    if (launcherGone !== null && !server.shuttingDown && launcherGone()) {
      // As main.ts's `orphaned`: the hook then unwinds the script (server.shuttingDown).
      server.log.warning('The launcher process exited: shutting down.');
      if (server.shutdown({ nosave: true }) !== null) process.exit(1);
      return;
    }
    const t0 = performance.now();
    // The caller's command is still running: keep its context intact around the commands
    // run here (the client being served, pushes held for the caller, error counts).
    const current = server.currentClient;
    const executing = server.executingClient;
    const held = server.pubsub.saveHeld();
    const pending = server.tracking.savePending();
    const stats = server.stats;
    const prevErrors = stats.prevErrorReplies;
    const errors0 = stats.totalErrorReplies;
    // The EAGAIN errors of empty reads need no stack trace (it is most of their cost).
    const traceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      for (const c of server.clients.values()) {
        if (c === this.caller || c.closed || c.socket === null) continue;
        this.serviceSocket(c);
      }
      this.worker?.service();
    } finally {
      Error.stackTraceLimit = traceLimit;
      server.pubsub.restoreHeld(held);
      server.tracking.restorePending(pending);
      server.currentClient = current;
      server.executingClient = executing;
      stats.prevErrorReplies = prevErrors + (stats.totalErrorReplies - errors0);
    }
    const cost = performance.now() - t0;
    this.nextService = Date.now() + Math.max(MIN_INTERVAL, Math.ceil(cost * INTERVAL_FACTOR));
  }

  private serviceSocket(c: Client): void {
    const sock = c.socket!;
    if (this.gone.has(c) || sock.destroyed || sock.connecting || sock instanceof TLSSocket) return;
    // Data already in the stream's buffer must go first: leave such a client to the loop.
    if (sock.readableLength !== 0 || sock.isPaused()) return;
    const fd = (sock as unknown as SocketWithHandle)._handle?.fd;
    if (typeof fd !== 'number' || fd < 0) return;
    const scratch = this.scratch;
    let got = false;
    for (let i = 0; i < READS_PER_SERVICE; i++) {
      let n: number;
      try {
        n = readSync(fd, scratch, 0, scratch.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK' && code !== 'EINTR') this.gone.add(c);
        break;
      }
      if (n === 0) {
        // EOF: libuv sees it too once the loop runs again and frees the client then.
        this.gone.add(c);
        break;
      }
      got = true;
      this.feed(c, Buffer.from(scratch.subarray(0, n)));
      if (c.closed) return;
      if (n < scratch.length) break;
    }
    if (got) this.server.processInput(c);
    this.writeNow(c, fd);
  }

  /** Socket bytes into c's parser, with onData's accounting and query buffer limit. */
  private feed(c: Client, chunk: Buffer): void {
    const server = this.server;
    c.netInput += chunk.length;
    server.stats.netInputBytes += chunk.length;
    server.stats.readsProcessed++;
    c.lastInteraction = server.clock();
    c.parser.feed(chunk);
    if (c.parser.pending > server.config.num('client-query-buffer-limit')) {
      server.log.warning(
        `Closing client that reached max query buffer length: id=${c.id} addr=${c.addr} (qbuf initial bytes: ...)`,
      );
      server.freeClient(c);
    }
  }

  /** Writes c's pending output synchronously when nothing is queued in its socket. */
  private writeNow(c: Client, fd: number): void {
    const sock = c.socket!;
    if (c.closed || sock.destroyed || sock.writableLength !== 0) return;
    const data = c.out.take();
    if (data !== null) {
      c.netOutput += data.length;
      this.server.stats.netOutputBytes += data.length;
      this.server.stats.writesProcessed++;
      let off = 0;
      try {
        while (off < data.length) off += writeSync(fd, data, off, data.length - off, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN' || code === 'EWOULDBLOCK') {
          // The kernel's buffer is full: the rest waits in the socket's queue (in order).
          sock.write(data.subarray(off));
        } else {
          this.gone.add(c);
          return;
        }
      }
    }
    if ((c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) !== 0) this.server.freeClient(c);
  }
}
