/**
 * Geospatial commands (geo.c): GEOADD, GEODIST, GEOHASH, GEOPOS, GEOSEARCH[STORE],
 * GEORADIUS[BYMEMBER][_RO]. A geo set is a sorted set whose scores are 52-bit geohashes
 * (util/geohash.ts); GEOADD is ZADD with computed scores, searches scan the score ranges of
 * up to 9 geohash cells and filter by the exact shape, as Redis does, so that results and
 * their order (including Redis's partial quicksort for COUNT) are the same.
 */
import type { CommandSpec } from './types.js';
import type { Client } from '../server/client.js';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, ERR_WRONGTYPE, eq, lookupReadCounted } from './util.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../server/notify.js';
import { parseInt64 } from '../util/numbers.js';
import { string2d } from '../util/strtod.js';
import { ZSet, type ScoreRange } from '../store/types/zset.js';
import { zaddCommand } from './zset.js';
import {
  GEO_LAT_MAX,
  GEO_LAT_MIN,
  GEO_LONG_MAX,
  GEO_LONG_MIN,
  cellMax,
  cellMin,
  cellZero,
  decoded,
  decodeScore,
  distanceIfInPreparedShape,
  formatDistance,
  formatF,
  formatHumanCoord,
  geoDistance,
  geoScore,
  geohashString,
  sameCell,
  prepareShape,
  searchAreas,
  type GeoShape,
} from '../util/geohash.js';

// ---- Helpers ------------------------------------------------------------------------------

/** Reads a key that must hold a sorted set: the ZSet, null when missing, undefined after WRONGTYPE. */
function readZset(c: Client, key: string): ZSet | null | undefined {
  const v = lookupReadCounted(c, key);
  if (v === undefined) return null;
  if (!(v instanceof ZSet)) {
    c.error(ERR_WRONGTYPE);
    return undefined;
  }
  return v;
}

/** extractLongLatOrReply: two doubles at argv[i], argv[i+1] in the valid WGS84 range. */
let argLon = 0;
let argLat = 0;
function extractLonLat(c: Client, argv: string[], i: number): boolean {
  const lon = string2d(argv[i]);
  if (lon === null) {
    c.error(ERR_NOT_FLOAT);
    return false;
  }
  const lat = string2d(argv[i + 1]);
  if (lat === null) {
    c.error(ERR_NOT_FLOAT);
    return false;
  }
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.error(`ERR invalid longitude,latitude pair ${formatF(lon)},${formatF(lat)}`);
    return false;
  }
  argLon = lon;
  argLat = lat;
  return true;
}

/** extractUnitOrReply: meters per unit, or -1 after the error reply. */
function extractUnit(c: Client, u: string): number {
  if (eq(u, 'm')) return 1;
  if (eq(u, 'km')) return 1000;
  if (eq(u, 'ft')) return 0.3048;
  if (eq(u, 'mi')) return 1609.34;
  c.error('ERR unsupported unit provided. please use M, KM, FT, MI');
  return -1;
}

/** Position of a member decoded from its score (longLatFromMember) into `decoded`. */
function memberPos(z: ZSet, member: string): boolean {
  const score = z.getScore(member);
  if (score === undefined) return false;
  decodeScore(score);
  return true;
}

/** addReplyHumanLongDouble: a bulk string in RESP2, a RESP3 double. */
function replyCoord(c: Client, d: number): void {
  const s = formatHumanCoord(d);
  if (c.proto === 3) c.out.raw(',' + s + '\r\n');
  else c.out.bulk(s);
}

// ---- GEOADD ---------------------------------------------------------------------------------

/** GEOADD key [NX|XX] [CH] lon lat member ...: ZADD with the geohash scores. */
function geoaddCommand(c: Client, argv: string[]): void {
  let xx = false;
  let nx = false;
  let longidx = 2;
  while (longidx < argv.length) {
    const opt = argv[longidx];
    if (eq(opt, 'nx')) nx = true;
    else if (eq(opt, 'xx')) xx = true;
    else if (!eq(opt, 'ch')) break;
    longidx++;
  }
  if ((argv.length - longidx) % 3 !== 0 || (xx && nx)) {
    c.error(ERR_SYNTAX);
    return;
  }
  const elements = (argv.length - longidx) / 3;
  const zargv = new Array<string>(longidx + elements * 2);
  zargv[0] = 'zadd';
  for (let i = 1; i < longidx; i++) zargv[i] = argv[i];
  for (let i = 0; i < elements; i++) {
    if (!extractLonLat(c, argv, longidx + i * 3)) return;
    zargv[longidx + i * 2] = String(geoScore(argLon, argLat));
    zargv[longidx + i * 2 + 1] = argv[longidx + i * 3 + 2];
  }
  // Redis rewrites the command into ZADD and runs it: same replies, events and propagation.
  const dirty = c.server.dirty;
  zaddCommand(c, zargv);
  if (c.server.dirty !== dirty) c.server.propagate(c.db.id, zargv);
}

// ---- GEODIST / GEOHASH / GEOPOS ----------------------------------------------------------------

function geodistCommand(c: Client, argv: string[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = extractUnit(c, argv[4]);
    if (toMeter < 0) return;
  } else if (argv.length > 5) {
    c.error(ERR_SYNTAX);
    return;
  }
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  if (z === null) {
    c.out.nullBulk();
    return;
  }
  const s1 = z.getScore(argv[2]);
  const s2 = z.getScore(argv[3]);
  if (s1 === undefined || s2 === undefined) {
    c.out.nullBulk();
    return;
  }
  decodeScore(s1);
  const lon1 = decoded[0];
  const lat1 = decoded[1];
  decodeScore(s2);
  c.out.bulk(formatDistance(geoDistance(lon1, lat1, decoded[0], decoded[1]) / toMeter));
}

function geohashCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === null ? undefined : z.getScore(argv[j]);
    if (score === undefined) c.out.nullBulk();
    else c.out.bulk(geohashString(score));
  }
}

function geoposCommand(c: Client, argv: string[]): void {
  const z = readZset(c, argv[1]);
  if (z === undefined) return;
  c.out.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === null ? undefined : z.getScore(argv[j]);
    if (score === undefined) {
      c.out.nullArray();
    } else {
      decodeScore(score);
      c.out.array(2);
      replyCoord(c, decoded[0]);
      replyCoord(c, decoded[1]);
    }
  }
}

// ---- Searches -------------------------------------------------------------------------------

/** The points found by one search (geoArray), reused between calls. */
const gaMember: string[] = [];
const gaDist: number[] = [];
const gaScore: number[] = [];
const gaLon: number[] = [];
const gaLat: number[] = [];
let gaUsed = 0;
/** Sort order of the found points (indexes into the ga arrays). */
const order: number[] = [];

const RANGE: ScoreRange = { min: 0, max: 0, minex: false, maxex: true };

/** geoGetPointsInRange: members with min <= score < max that lie in the shape (stops at limit). */
function pointsInRange(z: ZSet, min: number, max: number, limit: number): void {
  RANGE.min = min;
  RANGE.max = max;
  let p = z.firstInRange(RANGE);
  while (p !== -1) {
    const score = z.scoreAt(p);
    if (!(score < max)) break;
    const d = distanceIfInPreparedShape(score);
    if (d >= 0) {
      const i = gaUsed++;
      gaMember[i] = z.eleAt(p);
      gaDist[i] = d;
      gaScore[i] = score;
      gaLon[i] = decoded[0];
      gaLat[i] = decoded[1];
    }
    if (gaUsed && limit && gaUsed >= limit) break;
    p = z.next(p);
  }
}

/** membersOfAllNeighbors: the 9 cells, skipping excluded ones and repeats of the previous. */
function membersOfAllNeighbors(z: ZSet, shape: GeoShape, limit: number): void {
  searchAreas(shape);
  prepareShape(shape);
  let last = 0;
  for (let i = 0; i < 9; i++) {
    if (cellZero[i]) continue;
    if (last && sameCell(i, last)) continue;
    if (gaUsed && limit && gaUsed >= limit) break;
    pointsInRange(z, cellMin[i], cellMax[i], limit);
    last = i;
  }
}

function cmpAsc(a: number, b: number): number {
  const da = gaDist[a];
  const db = gaDist[b];
  return da > db ? 1 : da === db ? 0 : -1;
}

function cmpDesc(a: number, b: number): number {
  return -cmpAsc(a, b);
}

/** med3 of pqsort.c on positions of `order`. */
function med3(a: number, b: number, c: number, cmp: (x: number, y: number) => number): number {
  const o = order;
  return cmp(o[a], o[b]) < 0
    ? cmp(o[b], o[c]) < 0
      ? b
      : cmp(o[a], o[c]) < 0
        ? c
        : a
    : cmp(o[b], o[c]) > 0
      ? b
      : cmp(o[a], o[c]) < 0
        ? a
        : c;
}

function swap(i: number, j: number): void {
  const t = order[i];
  order[i] = order[j];
  order[j] = t;
}

function insertionSort(base: number, n: number, cmp: (x: number, y: number) => number): void {
  for (let pm = base + 1; pm < base + n; pm++)
    for (let pl = pm; pl > base && cmp(order[pl - 1], order[pl]) > 0; pl--) swap(pl, pl - 1);
}

/**
 * Redis's pqsort (NetBSD's Bentley-McIlroy qsort that only recurses into partitions touching
 * positions lr..rr): the same comparisons and swaps, so ties end up where Redis puts them.
 */
function pqsort(
  base: number,
  n: number,
  cmp: (x: number, y: number) => number,
  lr: number,
  rr: number,
): void {
  for (;;) {
    let swapCnt = false;
    if (n < 7) {
      insertionSort(base, n, cmp);
      return;
    }
    let pm = base + Math.floor(n / 2);
    if (n > 7) {
      let pl = base;
      let pn = base + n - 1;
      if (n > 40) {
        const d = Math.floor(n / 8);
        pl = med3(pl, pl + d, pl + 2 * d, cmp);
        pm = med3(pm - d, pm, pm + d, cmp);
        pn = med3(pn - 2 * d, pn - d, pn, cmp);
      }
      pm = med3(pl, pm, pn, cmp);
    }
    swap(base, pm);
    let pa = base + 1;
    let pb = pa;
    let pc = base + n - 1;
    let pd = pc;
    for (;;) {
      let r: number;
      while (pb <= pc && (r = cmp(order[pb], order[base])) <= 0) {
        if (r === 0) {
          swapCnt = true;
          swap(pa, pb);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (r = cmp(order[pc], order[base])) >= 0) {
        if (r === 0) {
          swapCnt = true;
          swap(pc, pd);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      swap(pb, pc);
      swapCnt = true;
      pb++;
      pc--;
    }
    if (!swapCnt) {
      insertionSort(base, n, cmp);
      return;
    }
    const pn = base + n;
    let r = Math.min(pa - base, pb - pa);
    for (let k = 0; k < r; k++) swap(base + k, pb - r + k);
    r = Math.min(pd - pc, pn - pd - 1);
    for (let k = 0; k < r; k++) swap(pb + k, pn - r + k);
    if ((r = pb - pa) > 1) {
      if (!((lr < base && rr < base) || (lr >= base + r && rr >= base + r))) pqsort(base, r, cmp, lr, rr);
    }
    if ((r = pd - pc) > 1) {
      base = pn - r;
      n = r;
      if (!((lr < base && rr < base) || (lr >= base + n && rr >= base + n))) continue;
    }
    return;
  }
}

const SORT_NONE = 0;
const SORT_ASC = 1;
const SORT_DESC = 2;

const RADIUS_COORDS = 1;
const RADIUS_MEMBER = 2;
const RADIUS_NOSTORE = 4;
const GEOSEARCH = 8;
const GEOSEARCHSTORE = 16;

const SHAPE: GeoShape = { lon: 0, lat: 0, box: false, radius: 0, width: 0, height: 0, conversion: 1 };

/** extractDistanceOrReply into SHAPE (radius + unit at argv[i], argv[i+1]). */
function parseRadius(c: Client, argv: string[], i: number): boolean {
  const r = string2d(argv[i]);
  if (r === null) {
    c.error('ERR need numeric radius');
    return false;
  }
  if (r < 0) {
    c.error('ERR radius cannot be negative');
    return false;
  }
  const conv = extractUnit(c, argv[i + 1]);
  if (conv < 0) return false;
  SHAPE.radius = r;
  SHAPE.conversion = conv;
  return true;
}

/** extractBoxOrReply into SHAPE (width height unit at argv[i..i+2]). */
function parseBox(c: Client, argv: string[], i: number): boolean {
  const w = string2d(argv[i]);
  if (w === null) {
    c.error('ERR need numeric width');
    return false;
  }
  const h = string2d(argv[i + 1]);
  if (h === null) {
    c.error('ERR need numeric height');
    return false;
  }
  if (h < 0 || w < 0) {
    c.error('ERR height or width cannot be negative');
    return false;
  }
  const conv = extractUnit(c, argv[i + 2]);
  if (conv < 0) return false;
  SHAPE.width = w;
  SHAPE.height = h;
  SHAPE.conversion = conv;
  return true;
}

/**
 * georadiusGeneric: GEORADIUS[BYMEMBER][_RO] and GEOSEARCH[STORE], with Redis's order of
 * argument checks (and errors) and its results order.
 */
function georadiusGeneric(c: Client, argv: string[], srcKeyIndex: number, flags: number): void {
  let storekey: string | null = null;
  let storedist = false;
  const z = readZset(c, argv[srcKeyIndex]);
  if (z === undefined) return;
  const shape = SHAPE;
  shape.box = false;
  shape.conversion = 1;
  shape.radius = shape.width = shape.height = 0;
  shape.lon = shape.lat = 0;
  let baseArgs: number;
  if (flags & RADIUS_COORDS) {
    baseArgs = 6;
    if (!extractLonLat(c, argv, 2)) return;
    shape.lon = argLon;
    shape.lat = argLat;
    if (!parseRadius(c, argv, 4)) return;
  } else if ((flags & RADIUS_MEMBER) !== 0 && z === null) {
    // No source key: parse the options anyway, to know which reply to give.
    baseArgs = 5;
  } else if (flags & RADIUS_MEMBER) {
    baseArgs = 5;
    if (!memberPos(z!, argv[2])) {
      c.error('ERR could not decode requested zset member');
      return;
    }
    shape.lon = decoded[0];
    shape.lat = decoded[1];
    if (!parseRadius(c, argv, 3)) return;
  } else {
    baseArgs = 2;
    if (flags & GEOSEARCHSTORE) {
      baseArgs = 3;
      storekey = argv[1];
    }
  }

  let withdist = false;
  let withhash = false;
  let withcoords = false;
  let frommember = false;
  let fromloc = false;
  let byradius = false;
  let bybox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - baseArgs;
  const isSearch = (flags & GEOSEARCH) !== 0;
  const noStore = (flags & (RADIUS_NOSTORE | GEOSEARCH)) !== 0;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[baseArgs + i];
    if (eq(arg, 'withdist')) withdist = true;
    else if (eq(arg, 'withhash')) withhash = true;
    else if (eq(arg, 'withcoord')) withcoords = true;
    else if (eq(arg, 'any')) any = true;
    else if (eq(arg, 'asc')) sort = SORT_ASC;
    else if (eq(arg, 'desc')) sort = SORT_DESC;
    else if (eq(arg, 'count') && i + 1 < remaining) {
      const v = parseInt64(argv[baseArgs + i + 1]);
      if (v === null) {
        c.error(ERR_NOT_INTEGER);
        return;
      }
      if (v <= 0) {
        c.error('ERR COUNT must be > 0');
        return;
      }
      count = Number(v);
      i++;
    } else if (eq(arg, 'store') && i + 1 < remaining && !noStore) {
      storekey = argv[baseArgs + i + 1];
      storedist = false;
      i++;
    } else if (eq(arg, 'storedist') && i + 1 < remaining && !noStore) {
      storekey = argv[baseArgs + i + 1];
      storedist = true;
      i++;
    } else if (eq(arg, 'storedist') && isSearch && flags & GEOSEARCHSTORE) {
      storedist = true;
    } else if (eq(arg, 'frommember') && i + 1 < remaining && isSearch && !fromloc) {
      if (z !== null) {
        if (!memberPos(z, argv[baseArgs + i + 1])) {
          c.error('ERR could not decode requested zset member');
          return;
        }
        shape.lon = decoded[0];
        shape.lat = decoded[1];
      }
      frommember = true;
      i++;
    } else if (eq(arg, 'fromlonlat') && i + 2 < remaining && isSearch && !frommember) {
      if (!extractLonLat(c, argv, baseArgs + i + 1)) return;
      shape.lon = argLon;
      shape.lat = argLat;
      fromloc = true;
      i += 2;
    } else if (eq(arg, 'byradius') && i + 2 < remaining && isSearch && !bybox) {
      if (!parseRadius(c, argv, baseArgs + i + 1)) return;
      shape.box = false;
      byradius = true;
      i += 2;
    } else if (eq(arg, 'bybox') && i + 3 < remaining && isSearch && !byradius) {
      if (!parseBox(c, argv, baseArgs + i + 1)) return;
      shape.box = true;
      bybox = true;
      i += 3;
    } else {
      c.error(ERR_SYNTAX);
      return;
    }
  }

  if (storekey !== null && (withdist || withhash || withcoords)) {
    c.error(
      `ERR ${flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'} is not compatible with WITHDIST, WITHHASH and WITHCOORD options`,
    );
    return;
  }
  if (isSearch && !(frommember || fromloc)) {
    c.error(`ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for ${argv[0]}`);
    return;
  }
  if (isSearch && !(byradius || bybox)) {
    c.error(`ERR exactly one of BYRADIUS and BYBOX can be specified for ${argv[0]}`);
    return;
  }
  if (any && !count) {
    c.error('ERR the ANY argument requires COUNT argument');
    return;
  }

  if (z === null) {
    if (storekey !== null) {
      if (c.db.delete(storekey)) c.server.keyModified(c.db, storekey, NOTIFY_GENERIC, 'del');
      c.out.integer(0);
    } else {
      c.out.array(0);
    }
    return;
  }

  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  gaUsed = 0;
  membersOfAllNeighbors(z, shape, any ? count : 0);
  const used = gaUsed;

  if (used === 0 && storekey === null) {
    c.out.array(0);
    return;
  }
  const returned = count === 0 || used < count ? used : count;
  order.length = used;
  for (let i = 0; i < used; i++) order[i] = i;
  if (sort !== SORT_NONE) {
    const cmp = sort === SORT_ASC ? cmpAsc : cmpDesc;
    // glibc's qsort is a stable merge sort, as Array.prototype.sort.
    if (returned === used) order.sort(cmp);
    else pqsort(0, used, cmp, 0, returned - 1);
  }

  const conversion = shape.conversion;
  if (storekey === null) {
    const out = c.out;
    const optionLength = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
    out.array(returned);
    for (let k = 0; k < returned; k++) {
      const i = order[k];
      if (optionLength) out.array(optionLength + 1);
      out.bulk(gaMember[i]);
      if (withdist) out.bulk(formatDistance(gaDist[i] / conversion));
      if (withhash) out.integer(Math.trunc(gaScore[i]));
      if (withcoords) {
        out.array(2);
        replyCoord(c, gaLon[i]);
        replyCoord(c, gaLat[i]);
      }
    }
  } else {
    const db = c.db;
    if (returned) {
      const dst = new ZSet(true);
      const zsl = dst.zsl!;
      let maxelelen = 0;
      for (let k = 0; k < returned; k++) {
        const i = order[k];
        const m = gaMember[i];
        if (m.length > maxelelen) maxelelen = m.length;
        zsl.insert(storedist ? gaDist[i] / conversion : gaScore[i], m);
      }
      dst.shrinkIfNeeded(maxelelen, {
        maxEntries: c.server.config.num('zset-max-listpack-entries'),
        maxValue: c.server.config.num('zset-max-listpack-value'),
      });
      db.setKey(storekey, dst);
      c.server.keyModified(db, storekey, NOTIFY_ZSET, isSearch ? 'geosearchstore' : 'georadiusstore');
      c.server.dirty += returned - 1;
    } else if (db.delete(storekey)) {
      c.server.keyModified(db, storekey, NOTIFY_GENERIC, 'del');
    }
    c.out.integer(returned);
  }
  gaMember.length = 0;
}

function georadiusCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 1, RADIUS_COORDS);
}

function georadiusbymemberCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 1, RADIUS_MEMBER);
}

function georadiusroCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE);
}

function georadiusbymemberroCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE);
}

function geosearchCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 1, GEOSEARCH);
}

function geosearchstoreCommand(c: Client, argv: string[]): void {
  georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE);
}

/** georadiusGetKeys: the source key, plus the key after the last STORE/STOREDIST. */
function georadiusGetKeys(argv: string[]): number[] {
  let stored = -1;
  for (let i = 5; i < argv.length; i++) {
    if ((eq(argv[i], 'store') || eq(argv[i], 'storedist')) && i + 1 < argv.length) {
      stored = i + 1;
      i++;
    }
  }
  return stored === -1 ? [1] : [1, stored];
}

// ---- Command table --------------------------------------------------------------------------

function spec(
  name: string,
  arity: number,
  flags: CommandSpec['flags'],
  firstKey: number,
  lastKey: number,
  handler: CommandSpec['handler'],
  getKeys?: (argv: string[]) => number[],
): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, step: 1, acl: ['geo'], handler, getKeys };
}

export const specs: CommandSpec[] = [
  spec('geoadd', -5, ['write', 'denyoom'], 1, 1, geoaddCommand),
  spec('geodist', -4, ['readonly'], 1, 1, geodistCommand),
  spec('geohash', -2, ['readonly'], 1, 1, geohashCommand),
  spec('geopos', -2, ['readonly'], 1, 1, geoposCommand),
  spec('georadius', -6, ['write', 'denyoom', 'movablekeys'], 1, 1, georadiusCommand, georadiusGetKeys),
  spec(
    'georadiusbymember',
    -5,
    ['write', 'denyoom', 'movablekeys'],
    1,
    1,
    georadiusbymemberCommand,
    georadiusGetKeys,
  ),
  spec('georadius_ro', -6, ['readonly'], 1, 1, georadiusroCommand),
  spec('georadiusbymember_ro', -5, ['readonly'], 1, 1, georadiusbymemberroCommand),
  spec('geosearch', -7, ['readonly'], 1, 1, geosearchCommand),
  spec('geosearchstore', -8, ['write', 'denyoom'], 1, 2, geosearchstoreCommand),
];
