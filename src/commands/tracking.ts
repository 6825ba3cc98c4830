/**
 * CLIENT TRACKING, CLIENT CACHING and CLIENT TRACKINGINFO (networking.c): client-side
 * caching's commands, declared as CLIENT subcommands in client.ts. The state and the
 * invalidation messages live in src/server/tracking.ts.
 */
import { CLIENT_TRACKING, type Client } from '../server/client.js';
import {
  TRACKING_BCAST,
  TRACKING_BROKEN_REDIR,
  TRACKING_CACHING,
  TRACKING_NOLOOP,
  TRACKING_OPTIN,
  TRACKING_OPTOUT,
} from '../server/tracking.js';
import { parseInt64 } from '../util/numbers.js';
import { ERR_NOT_INTEGER, ERR_SYNTAX, eq } from './util.js';

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP] */
export function clientTrackingCommand(c: Client, argv: string[]): void {
  let redir = 0;
  let options = 0;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const more = j < argv.length - 1;
    const a = argv[j];
    if (more && eq(a, 'redirect')) {
      j++;
      if (redir !== 0) {
        c.error('ERR A client can only redirect to a single other client');
        return;
      }
      const id = parseInt64(argv[j]);
      if (id === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      redir = Number(id);
      if (typeof id !== 'number' || !c.server.clients.has(redir)) {
        c.error('ERR The client ID you want redirect to does not exist');
        return;
      }
    } else if (eq(a, 'bcast')) options |= TRACKING_BCAST;
    else if (eq(a, 'optin')) options |= TRACKING_OPTIN;
    else if (eq(a, 'optout')) options |= TRACKING_OPTOUT;
    else if (eq(a, 'noloop')) options |= TRACKING_NOLOOP;
    else if (more && eq(a, 'prefix')) prefixes.push(argv[++j]);
    else {
      c.error(ERR_SYNTAX);
      return;
    }
  }
  const tracking = c.server.tracking;
  if (eq(argv[2], 'on')) {
    const tf = c.trackingFlags;
    if ((options & TRACKING_BCAST) === 0 && prefixes.length !== 0) {
      c.error('ERR PREFIX option requires BCAST mode to be enabled');
      return;
    }
    if ((c.flags & CLIENT_TRACKING) !== 0 && (tf & TRACKING_BCAST) !== (options & TRACKING_BCAST)) {
      c.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
      return;
    }
    if ((options & TRACKING_BCAST) !== 0 && (options & (TRACKING_OPTIN | TRACKING_OPTOUT)) !== 0) {
      c.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
      return;
    }
    if ((options & TRACKING_OPTIN) !== 0 && (options & TRACKING_OPTOUT) !== 0) {
      c.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    if (
      ((options & TRACKING_OPTIN) !== 0 && (tf & TRACKING_OPTOUT) !== 0) ||
      ((options & TRACKING_OPTOUT) !== 0 && (tf & TRACKING_OPTIN) !== 0)
    ) {
      c.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
      return;
    }
    if ((options & TRACKING_BCAST) !== 0) {
      const err = tracking.prefixCollision(c, prefixes);
      if (err !== null) {
        c.error(err);
        return;
      }
    }
    tracking.enable(c, redir, options, prefixes);
  } else if (eq(argv[2], 'off')) {
    tracking.disable(c);
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  c.out.ok();
}

/** CLIENT CACHING YES|NO: the next command is (not) tracked in OPTIN (OPTOUT) mode. */
export function clientCachingCommand(c: Client, argv: string[]): void {
  if ((c.flags & CLIENT_TRACKING) === 0) {
    c.error(
      'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    );
    return;
  }
  const opt = argv[2];
  if (eq(opt, 'yes')) {
    if ((c.trackingFlags & TRACKING_OPTIN) === 0) {
      c.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (eq(opt, 'no')) {
    if ((c.trackingFlags & TRACKING_OPTOUT) === 0) {
      c.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    c.error(ERR_SYNTAX);
    return;
  }
  c.trackingFlags |= TRACKING_CACHING;
  c.out.ok();
}

/** CLIENT TRACKINGINFO: flags, redirect and prefixes. */
export function clientTrackinginfoCommand(c: Client): void {
  const out = c.out;
  const tf = c.trackingFlags;
  const on = (c.flags & CLIENT_TRACKING) !== 0;
  const flags = [on ? 'on' : 'off'];
  if (tf & TRACKING_BCAST) flags.push('bcast');
  if (tf & TRACKING_OPTIN) {
    flags.push('optin');
    if (tf & TRACKING_CACHING) flags.push('caching-yes');
  }
  if (tf & TRACKING_OPTOUT) {
    flags.push('optout');
    if (tf & TRACKING_CACHING) flags.push('caching-no');
  }
  if (tf & TRACKING_NOLOOP) flags.push('noloop');
  if (tf & TRACKING_BROKEN_REDIR) flags.push('broken_redirect');
  out.map(3);
  out.bulk('flags');
  out.set(flags.length);
  for (const f of flags) out.bulk(f);
  out.bulk('redirect');
  out.integer(on ? c.trackingRedirect : -1);
  out.bulk('prefixes');
  const prefixes =
    c.trackingPrefixes === null ? [] : [...c.trackingPrefixes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.array(prefixes.length);
  for (const p of prefixes) out.bulk(p);
}
