/**
 * Embedding API: start isolated Respite servers inside a Node.js process.
 *
 *   import { startServer } from 'respite';
 *   const srv = await startServer({ port: 0 });
 *   // connect any Redis client to 127.0.0.1:srv.port
 *   await srv.close();
 *
 * Each call creates an independent server (its own databases, clients, configuration and
 * statistics); several can run side by side in one process.
 */
import { Server, type ServerOptions } from './server/server.js';

export interface StartOptions extends Omit<ServerOptions, 'config'> {
  /** TCP port; 0 (the default) picks a free one, reported by `port`. */
  port?: number;
  /** Bind addresses, space-separated (default `127.0.0.1`). */
  bind?: string;
  /** Any other option by its redis.conf name: `{ maxmemory: '100mb', 'maxmemory-policy': 'allkeys-lru' }`. */
  config?: ServerOptions['config'];
}

export interface RespiteServer {
  /** The bound TCP port. */
  readonly port: number;
  /** The server instance (advanced use and tests). */
  readonly server: Server;
  /** Stops listening and disconnects every client. */
  close(): Promise<void>;
}

export async function startServer(opts: StartOptions = {}): Promise<RespiteServer> {
  const config: NonNullable<ServerOptions['config']> = {
    port: opts.port ?? 0,
    bind: opts.bind ?? '127.0.0.1',
  };
  Object.assign(config, opts.config ?? {});
  const { port: _port, bind: _bind, ...rest } = opts;
  const server = new Server({ ephemeralPort: true, ...rest, config, log: opts.log ?? false });
  if (opts.log) server.logStartup(false);
  await server.listen();
  return {
    get port() {
      return server.port;
    },
    server,
    close: () => server.close(),
  };
}

export { Server };
export type { ServerOptions };
export { ConfigFileError } from './config/config.js';
export {
  recordPropagation,
  PropagationRecorder,
  PROPAGATE_AOF,
  PROPAGATE_REPL,
  type PropagationSink,
} from './server/propagate.js';
