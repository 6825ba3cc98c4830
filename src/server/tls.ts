/**
 * TLS (Redis's tls.c, on Node's `tls`): turns the `tls-*` options into a secure context for
 * the `tls-port` listeners. Failures are logged with Redis's texts and reported as null, so
 * that startup can stop (`Failed to configure TLS. Check logs for more info.`) and CONFIG SET
 * can refuse the change (`Unable to update TLS configuration. Check server logs.`), leaving
 * the context in force unchanged.
 *
 * Client certificates (`tls-auth-clients`): `yes` requires a certificate signed by the CA
 * (the handshake fails otherwise), `optional` verifies one if the client sends it
 * (`verifyPeer`, after the handshake), `no` never asks. A CONFIG SET applies to the next
 * connection without reopening the listeners (`applyTlsSettings`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Config } from '../config/config.js';
import type { Logger } from './logger.js';

/** The options CONFIG SET applies to the live TLS context (Redis's applyTlsCfg). */
export const TLS_CONTEXT_OPTIONS = new Set([
  'tls-cert-file',
  'tls-key-file',
  'tls-key-file-pass',
  'tls-client-cert-file',
  'tls-client-key-file',
  'tls-client-key-file-pass',
  'tls-dh-params-file',
  'tls-ca-cert-file',
  'tls-ca-cert-dir',
  'tls-protocols',
  'tls-ciphers',
  'tls-ciphersuites',
  'tls-prefer-server-ciphers',
  'tls-session-caching',
  'tls-session-cache-size',
  'tls-session-cache-timeout',
  'tls-auth-clients',
]);

const PROTOCOLS: Record<string, tls.SecureVersion> = {
  tlsv1: 'TLSv1',
  'tlsv1.1': 'TLSv1.1',
  'tlsv1.2': 'TLSv1.2',
  'tlsv1.3': 'TLSv1.3',
};
const ORDER: tls.SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/** Node's default TLSv1.3 suites, kept when only `tls-ciphers` (TLSv1.2 and below) is set. */
const DEFAULT_SUITES = tls.DEFAULT_CIPHERS.split(':')
  .filter((s) => s.startsWith('TLS_'))
  .join(':');
const DEFAULT_CIPHER_LIST = tls.DEFAULT_CIPHERS.split(':')
  .filter((s) => !s.startsWith('TLS_'))
  .join(':');

/**
 * tls-protocols → the version range Node accepts (Redis takes any set of versions; Node a
 * range, so a set with a hole spans it). Null after logging Redis's warning when invalid.
 */
function protocolRange(spec: string, log: Logger): { min: tls.SecureVersion; max: tls.SecureVersion } | null {
  if (spec === '') return { min: 'TLSv1.2', max: 'TLSv1.3' };
  let lo = ORDER.length;
  let hi = -1;
  for (const tok of spec.split(' ')) {
    if (tok === '') continue;
    const v = PROTOCOLS[tok.toLowerCase()];
    if (v === undefined) {
      log.warning(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.",
      );
      return null;
    }
    const i = ORDER.indexOf(v);
    lo = Math.min(lo, i);
    hi = Math.max(hi, i);
  }
  if (hi < 0) {
    log.warning('Invalid tls-protocols configuration string');
    return null;
  }
  return { min: ORDER[lo], max: ORDER[hi] };
}

/** The message OpenSSL gave, as Redis prints it after the file name. */
function reason(e: unknown): string {
  const err = e as { message?: string; reason?: string; code?: string };
  return err.reason ?? err.message ?? String(e);
}

function readPem(path: string): Buffer {
  return readFileSync(path);
}

/** Every certificate file of a CA directory (c_rehash style or plain PEM files). */
function readCaDir(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    try {
      out.push(readFileSync(join(dir, name)));
    } catch {
      /* not a readable file */
    }
  }
  return out;
}

export interface TlsSettings {
  options: tls.SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  context: tls.SecureContext;
  authClients: 'yes' | 'no' | 'optional';
}

/**
 * Builds the server context from the configuration (Redis's tlsConfigure), or logs why not
 * and returns null.
 */
export function buildTlsSettings(config: Config, log: Logger): TlsSettings | null {
  const certFile = config.str('tls-cert-file');
  const keyFile = config.str('tls-key-file');
  const caFile = config.str('tls-ca-cert-file');
  const caDir = config.str('tls-ca-cert-dir');
  const authClients = config.str('tls-auth-clients') as 'yes' | 'no' | 'optional';
  if (certFile === '') {
    log.warning('No tls-cert-file configured!');
    return null;
  }
  if (keyFile === '') {
    log.warning('No tls-key-file configured!');
    return null;
  }
  if (authClients !== 'no' && caFile === '' && caDir === '') {
    log.warning(
      'Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!',
    );
    return null;
  }
  const range = protocolRange(config.str('tls-protocols'), log);
  if (range === null) return null;
  const path = (p: string) => config.resolvePath(p);
  const options: TlsSettings['options'] = {
    minVersion: range.min,
    maxVersion: range.max,
    requestCert: authClients !== 'no',
    rejectUnauthorized: authClients === 'yes',
    honorCipherOrder: config.bool('tls-prefer-server-ciphers'),
  };
  try {
    options.cert = readPem(path(certFile));
  } catch (e) {
    log.warning(`Failed to load certificate: ${certFile}: ${reason(e)}`);
    return null;
  }
  try {
    options.key = readPem(path(keyFile));
    const pass = config.str('tls-key-file-pass');
    if (pass !== '') options.passphrase = pass;
  } catch (e) {
    log.warning(`Failed to load private key: ${keyFile}: ${reason(e)}`);
    return null;
  }
  if (caFile !== '' || caDir !== '') {
    try {
      const ca: Buffer[] = [];
      if (caFile !== '') ca.push(readPem(path(caFile)));
      if (caDir !== '') ca.push(...readCaDir(path(caDir)));
      options.ca = ca;
    } catch (e) {
      log.warning(`Failed to configure CA certificate(s) file/directory: ${reason(e)}`);
      return null;
    }
  }
  const dh = config.str('tls-dh-params-file');
  if (dh !== '') {
    try {
      options.dhparam = readPem(path(dh));
    } catch (e) {
      log.warning(`Failed to load ${dh}: ${reason(e)}`);
      return null;
    }
  }
  const ciphers = config.str('tls-ciphers');
  const suites = config.str('tls-ciphersuites');
  if (ciphers !== '' || suites !== '') {
    options.ciphers = `${suites !== '' ? suites : DEFAULT_SUITES}:${ciphers !== '' ? ciphers : DEFAULT_CIPHER_LIST}`;
  }
  if (config.bool('tls-session-caching')) {
    options.sessionTimeout = config.num('tls-session-cache-timeout');
  } else {
    options.sessionTimeout = 0;
  }
  let context: tls.SecureContext;
  try {
    context = tls.createSecureContext(options);
  } catch (e) {
    const msg = reason(e);
    if (/cipher/i.test(msg)) log.warning(`Failed to configure ciphers: ${ciphers !== '' ? ciphers : suites}`);
    else if (/key|decrypt|pem|bad/i.test(msg)) log.warning(`Failed to load private key: ${keyFile}: ${msg}`);
    else log.warning(`Failed to load certificate: ${certFile}: ${msg}`);
    return null;
  }
  return { options, context, authClients };
}

/**
 * Puts new settings in force on running listeners, for the connections accepted from now on.
 * (tls.Server reads requestCert and rejectUnauthorized per connection; setSecureContext
 * does not change them.)
 */
export function applyTlsSettings(servers: tls.Server[], settings: TlsSettings): void {
  for (const srv of servers) {
    srv.setSecureContext(settings.options);
    const mutable = srv as unknown as { requestCert: boolean; rejectUnauthorized: boolean };
    mutable.requestCert = settings.options.requestCert;
    mutable.rejectUnauthorized = settings.options.rejectUnauthorized;
  }
}

/**
 * After the handshake: whether the client's certificate satisfies `tls-auth-clients`.
 * Returns the reason to refuse it, or null.
 */
export function verifyPeer(socket: tls.TLSSocket, mode: TlsSettings['authClients']): string | null {
  if (mode === 'no' || socket.authorized) return null;
  const cert = socket.getPeerCertificate();
  const presented = cert !== null && Object.keys(cert).length > 0;
  if (!presented) return mode === 'yes' ? 'peer did not return a certificate' : null;
  return `certificate verify failed (${String(socket.authorizationError ?? 'unknown')})`;
}
