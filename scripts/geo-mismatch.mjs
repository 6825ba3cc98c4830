/**
 * Measures how often Respite's geo replies differ from the oracle's (not a test): GEOADDs
 * random points (whole globe and clustered small areas) into both servers, then compares
 * GEOSEARCHSTORE ... STOREDIST scores (ZRANGE WITHSCORES, %.17g), GEODIST in every unit,
 * GEOPOS and GEOSEARCH WITHDIST WITHCOORD byte for byte, and counts the differing values.
 *
 *   npx tsc -p . && node scripts/geo-mismatch.mjs [points=20000] [wholeGlobeSearches=50] [seed=1]
 *
 * The whole-globe searches (radius 20,100 km) each compute one distance per point, so the
 * defaults compare 1,000,000 distances at full precision.
 */
import { startPair } from '../dist/test/helpers/compat.js';

const N = Number(process.argv[2] ?? 20000);
const GLOBE_SEARCHES = Number(process.argv[3] ?? 50);
let seed = Number(process.argv[4] ?? 1);

function rnd() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** Coordinates printed either with 6 decimals or at full precision. */
const coord = (x) => (rnd() < 0.5 ? x.toFixed(6) : String(x));

const CLUSTERS = [
  [13.36, 38.11], // Palermo
  [179.98, 0.5], // the antimeridian
  [-0.001, 51.5], // the prime meridian
  [10, 84.9], // near the latitude limit
  [139.7, -35.7],
];

/** Minimal RESP2 parser: nested arrays of strings (bulks, simple strings, integers). */
function parse(s) {
  let i = 0;
  function one() {
    const t = s[i];
    const e = s.indexOf('\r\n', i);
    const head = s.slice(i + 1, e);
    i = e + 2;
    if (t === '*') {
      const n = Number(head);
      if (n < 0) return null;
      const a = new Array(n);
      for (let k = 0; k < n; k++) a[k] = one();
      return a;
    }
    if (t === '$') {
      const n = Number(head);
      if (n < 0) return null;
      const v = s.slice(i, i + n);
      i += n + 2;
      return v;
    }
    return head;
  }
  return one();
}

const counts = new Map();
function tally(what, total, differ) {
  const c = counts.get(what) ?? { total: 0, differ: 0 };
  c.total += total;
  c.differ += differ;
  counts.set(what, c);
}
const examples = [];

/** Sends the commands to both servers pipelined; returns the pairs of raw replies. */
async function both(pair, cmds) {
  for (const c of cmds) {
    pair.o.send(...c);
    pair.r.send(...c);
  }
  const out = [];
  for (let k = 0; k < cmds.length; k++) out.push([await pair.o.read(60000), await pair.r.read(60000)]);
  return out;
}

/** Compares member → score maps of two ZRANGE WITHSCORES replies. */
function compareScores(what, cmd, a, b) {
  const pa = parse(a);
  const pb = parse(b);
  const m = new Map();
  for (let k = 0; k < pa.length; k += 2) m.set(pa[k], pa[k + 1]);
  let differ = 0;
  if (pa.length !== pb.length) differ++;
  for (let k = 0; k < pb.length; k += 2) {
    const o = m.get(pb[k]);
    if (o !== pb[k + 1]) {
      differ++;
      if (examples.length < 30)
        examples.push({ what, cmd: cmd.join(' '), member: pb[k], redis: o, respite: pb[k + 1] });
    }
  }
  tally(what, pa.length / 2, differ);
}

const pair = await startPair();
try {
  const t0 = Date.now();
  // Points: half over the whole globe, half in small clusters.
  const pts = [];
  for (let k = 0; k < N; k++) {
    let lon, lat;
    if (k % 2 === 0) {
      lon = -180 + rnd() * 360;
      lat = -85 + rnd() * 170;
    } else {
      const [clon, clat] = CLUSTERS[(k >> 1) % CLUSTERS.length];
      lon = Math.max(-180, Math.min(180, clon + (rnd() - 0.5) * 0.1));
      lat = clat + (rnd() - 0.5) * 0.1;
    }
    pts.push([coord(lon), coord(lat)]);
  }
  const adds = [];
  for (let k = 0; k < N; k += 500) {
    const cmd = ['GEOADD', 'pts'];
    for (let j = k; j < Math.min(N, k + 500); j++) cmd.push(pts[j][0], pts[j][1], `m${j}`);
    adds.push(cmd);
  }
  for (const [a, b] of await both(pair, adds)) tally('GEOADD reply', 1, a === b ? 0 : 1);
  for (const [a, b] of await both(pair, [['ZRANGE', 'pts', '0', '-1', 'WITHSCORES']]))
    compareScores('GEOADD score', [], a, b);

  // STOREDIST over the whole globe: one distance per point per search.
  const units = ['m', 'km', 'mi', 'ft'];
  const searches = [];
  for (let k = 0; k < GLOBE_SEARCHES; k++) {
    const u = units[k % 4];
    const r = { m: '20100000', km: '20100', mi: '12500', ft: '66000000' }[u];
    const from =
      k % 5 === 4
        ? ['FROMMEMBER', `m${Math.floor(rnd() * N)}`]
        : ['FROMLONLAT', coord(-180 + rnd() * 360), coord(-85 + rnd() * 170)];
    searches.push(['GEOSEARCHSTORE', 'dst', 'pts', ...from, 'BYRADIUS', r, u, 'STOREDIST']);
  }
  // Small areas: radii and boxes around the clusters and random centres.
  for (let k = 0; k < 200; k++) {
    const [clon, clat] =
      k % 4 === 3 ? [-180 + rnd() * 360, -85 + rnd() * 170] : CLUSTERS[k % CLUSTERS.length];
    const lon = coord(Math.max(-180, Math.min(180, clon + (rnd() - 0.5) * 0.08)));
    const lat = coord(clat + (rnd() - 0.5) * 0.08);
    const u = units[k % 4];
    const by =
      k % 3 === 0
        ? ['BYBOX', String(1 + rnd() * 8000), String(1 + rnd() * 8000), 'm']
        : ['BYRADIUS', String([0.5, 2, 5, 300][k % 4] * (u === 'm' ? 1000 : u === 'ft' ? 3280 : 1)), u];
    searches.push(['GEOSEARCHSTORE', 'dst', 'pts', 'FROMLONLAT', lon, lat, ...by, 'STOREDIST']);
  }
  for (const s of searches) {
    const [[a, b]] = await both(pair, [s]);
    tally('GEOSEARCHSTORE reply', 1, a === b ? 0 : 1);
    const [[za, zb]] = await both(pair, [['ZRANGE', 'dst', '0', '-1', 'WITHSCORES']]);
    compareScores(
      s.includes('20100000') || s.includes('20100') || s.includes('12500') || s.includes('66000000')
        ? 'STOREDIST (whole globe)'
        : 'STOREDIST (small areas)',
      s,
      za,
      zb,
    );
  }

  // GEODIST in every unit.
  const dists = [];
  for (let k = 0; k < 20000; k++) {
    const i = Math.floor(rnd() * N);
    const j = k % 2 === 0 ? Math.floor(rnd() * N) : Math.min(N - 1, i + 2 * Math.floor(rnd() * 20));
    dists.push(['GEODIST', 'pts', `m${i}`, `m${j}`, units[k % 4]]);
  }
  for (let k = 0; k < dists.length; k += 1000) {
    const batch = dists.slice(k, k + 1000);
    const res = await both(pair, batch);
    res.forEach(([a, b], n) => {
      if (a !== b && examples.length < 30)
        examples.push({ what: 'GEODIST', cmd: batch[n].join(' '), redis: a, respite: b });
      tally('GEODIST', 1, a === b ? 0 : 1);
    });
  }

  // GEOPOS of every member.
  for (let k = 0; k < N; k += 1000) {
    const cmd = ['GEOPOS', 'pts'];
    for (let j = k; j < Math.min(N, k + 1000); j++) cmd.push(`m${j}`);
    const [[a, b]] = await both(pair, [cmd]);
    const pa = parse(a);
    const pb = parse(b);
    let differ = 0;
    for (let j = 0; j < pa.length; j++) if (JSON.stringify(pa[j]) !== JSON.stringify(pb[j])) differ++;
    tally('GEOPOS', pa.length, differ);
  }

  // GEOSEARCH WITHDIST WITHCOORD WITHHASH (printed distances and coordinates).
  for (let k = 0; k < 100; k++) {
    const [clon, clat] = CLUSTERS[k % CLUSTERS.length];
    const cmd = [
      'GEOSEARCH',
      'pts',
      'FROMLONLAT',
      coord(clon + (rnd() - 0.5) * 0.05),
      coord(clat + (rnd() - 0.5) * 0.05),
    ];
    cmd.push(
      ...(k % 2
        ? ['BYRADIUS', String(1 + rnd() * 5), 'km']
        : ['BYBOX', String(1 + rnd() * 9), String(1 + rnd() * 9), 'km']),
    );
    cmd.push('ASC', 'WITHDIST', 'WITHCOORD', 'WITHHASH');
    const [[a, b]] = await both(pair, [cmd]);
    const pa = parse(a);
    const pb = parse(b);
    let differ = pa.length === pb.length ? 0 : 1;
    for (let j = 0; j < Math.min(pa.length, pb.length); j++)
      if (JSON.stringify(pa[j]) !== JSON.stringify(pb[j])) differ++;
    if (differ && examples.length < 30) examples.push({ what: 'GEOSEARCH', cmd: cmd.join(' ') });
    tally('GEOSEARCH WITHDIST WITHCOORD (entries)', pa.length, differ);
  }

  console.log(`points ${N}, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (const [what, c] of counts)
    console.log(
      `${what.padEnd(40)} ${String(c.differ).padStart(8)} of ${String(c.total).padStart(9)} differ`,
    );
  for (const e of examples) console.log(JSON.stringify(e));
} finally {
  await pair.close();
}
