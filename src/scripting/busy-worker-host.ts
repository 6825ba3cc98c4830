/**
 * The main thread's side of the busy-script worker (busy-worker.ts): starts it, wakes it
 * when a script becomes busy, and turns the connections it relays into Clients whose
 * transport posts replies back. During a busy script the instruction hook drains the port
 * with `receiveMessageOnPort` (service()); otherwise the port's 'message' events do.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import {
  CLIENT_CLOSE_AFTER_REPLY,
  CLIENT_CLOSE_ASAP,
  type Client,
  type ClientTransport,
} from '../server/client.js';
import type { Server } from '../server/server.js';

type FromWorker =
  | {
      t: 'open';
      id: number;
      unix: boolean;
      remote: { address?: string; port?: number };
      local: { address?: string; port?: number };
    }
  | { t: 'data'; id: number; buf: Uint8Array }
  | { t: 'close'; id: number };

export class BusyWorker {
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly port: MessagePort;
  private readonly worker: Worker;
  private readonly clients = new Map<number, Client>();
  /** The listener fds the worker accepts on. */
  private readonly fdKey: string;
  private busy = false;
  /** The busy script's caller, when it is a relayed connection: its bytes are only buffered. */
  caller: Client | null = null;

  /** Starts the worker on the server's plain TCP and unix listeners; null when there are none. */
  static start(server: Server): BusyWorker | null {
    const fds = server.listenerFds();
    if (fds.length === 0) return null;
    try {
      return new BusyWorker(server, fds);
    } catch (e) {
      server.log.warning(`Could not start the busy-script worker thread: ${(e as Error).message}`);
      return null;
    }
  }

  private constructor(
    private readonly server: Server,
    fds: { fd: number; unix: boolean }[],
  ) {
    this.fdKey = fdKey(fds);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.flag[0] = 1;
    this.worker = new Worker(new URL('./busy-worker.js', import.meta.url), {
      workerData: { fds, flag: this.flag, port: port2 },
      transferList: [port2],
    });
    this.worker.on('error', (e) => server.log.warning(`Busy-script worker thread failed: ${e.message}`));
    this.worker.unref();
    port1.on('message', (m: FromWorker) => this.handle(m));
    port1.unref();
    server.closeHooks.push(() => this.retire());
  }

  /** Whether the server still listens on the fds this worker accepts on. */
  current(): boolean {
    return fdKey(this.server.listenerFds()) === this.fdKey;
  }

  setBusy(busy: boolean): void {
    this.busy = busy;
    Atomics.store(this.flag, 0, busy ? 1 : 0);
    if (busy) Atomics.notify(this.flag, 0);
    else this.caller = null;
  }

  /** Handles every message the worker posted so far (from the instruction hook). */
  service(): void {
    for (;;) {
      const r = receiveMessageOnPort(this.port);
      if (r === undefined) return;
      this.handle(r.message as FromWorker);
    }
  }

  /**
   * Stops the worker's service: its relayed connections are closed and it parks for good.
   * It is not terminated: its listening handles share the main thread's fds (no dup in
   * Node), and a terminated worker would close those fd numbers, which by then may belong
   * to other sockets. The parked thread costs its memory until the process exits.
   */
  retire(): void {
    Atomics.store(this.flag, 0, 2);
    Atomics.notify(this.flag, 0);
    this.port.close();
    for (const c of [...this.clients.values()]) this.server.freeClient(c);
  }

  private handle(m: FromWorker): void {
    const server = this.server;
    if (m.t === 'open') {
      const id = m.id;
      const port = this.port;
      const transport: ClientTransport = {
        write(buf: Buffer): void {
          port.postMessage({ t: 'write', id, buf: new Uint8Array(buf) });
        },
        end(): void {
          port.postMessage({ t: 'end', id });
        },
        writableLength: 0,
      };
      const c = server.attachProxiedConnection(transport, m.remote, m.local, m.unix);
      if (c !== null) {
        this.clients.set(id, c);
        c.onClose.push(() => this.clients.delete(id));
      }
      return;
    }
    const c = this.clients.get(m.id);
    if (c === undefined) return;
    if (m.t === 'close') {
      server.freeClient(c);
      return;
    }
    const chunk = Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength);
    if (!this.busy) {
      server.feedClient(c, chunk);
      return;
    }
    // During the busy script: as BusyService does for sockets.
    c.netInput += chunk.length;
    server.stats.netInputBytes += chunk.length;
    server.stats.readsProcessed++;
    c.lastInteraction = server.clock();
    c.parser.feed(chunk);
    if (c === this.caller) return;
    server.processInput(c);
    const data = c.out.take();
    if (data !== null && !c.closed) {
      c.netOutput += data.length;
      server.stats.netOutputBytes += data.length;
      server.stats.writesProcessed++;
      c.transport!.write(data);
    }
    if ((c.flags & (CLIENT_CLOSE_AFTER_REPLY | CLIENT_CLOSE_ASAP)) !== 0) server.freeClient(c);
  }
}

function fdKey(fds: { fd: number; unix: boolean }[]): string {
  return fds.map((f) => `${f.fd}${f.unix ? 'u' : ''}`).join(',');
}
