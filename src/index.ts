/**
 * Embedding API: start isolated Respite servers inside a Node.js process.
 *
 *   import { startServer } from 'respite';
 *   const srv = await startServer({ port: 0 });
 *   // connect any Redis client to 127.0.0.1:srv.port
 *   await srv.close();
 */
import { Server, type ServerOptions } from './server/server.js';

export interface StartOptions extends Omit<ServerOptions, 'config'> {
  /** TCP port; 0 picks a free one (the default when embedding). */
  port?: number;
  /** Bind addresses (default 127.0.0.1). */
  bind?: string;
  /** Any other option by its redis.conf name. */
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
  const server = new Server({ ...opts, config, log: opts.log ?? false });
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
