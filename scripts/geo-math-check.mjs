/**
 * Checks src/util/geomath.ts (not a test; run after `npx tsc -p .`):
 *
 * 1. the error of each fast tier (quick, accurate double-double) against the 256-bit BigInt
 *    evaluation, as a fraction of the bound its rounding test assumes (must stay well below 1);
 * 2. crSin/crCos/crAsin against the BigInt values (must be equal: correctly rounded);
 * 3. when a C compiler is available, how often glibc's sin/cos/asin (what Redis uses) and V8's
 *    Math.sin/cos/asin differ from the correctly rounded results on the haversine's arguments.
 *
 *   node scripts/geo-math-check.mjs [samples=50000]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as G from '../dist/src/util/geomath.js';

const n = Number(process.argv[2] ?? 50000);
const D_R = Math.PI / 180;
const rad = (lo, hi) => (lo + Math.random() * (hi - lo)) * D_R;

// The arguments the haversine gives each function.
const inputs = {
  sin: Float64Array.from({ length: n }, (_, i) =>
    i % 4 === 3
      ? (Math.random() - 0.5) * 8 * Math.random() ** 8
      : i % 2
        ? (rad(-85, 85) - rad(-85, 85)) / 2
        : (rad(-180, 180) - rad(-180, 180)) / 2,
  ),
  cos: Float64Array.from({ length: n }, (_, i) =>
    i % 4 === 3 ? (Math.random() - 0.5) * 8 : rad(-85.05, 85.05),
  ),
  asin: Float64Array.from(
    { length: n },
    (_, i) =>
      [Math.random(), Math.sqrt(Math.random() * 1e-6), 1 - Math.random() * 1e-3, Math.sqrt(Math.random())][
        i % 4
      ],
  ),
};
const cr = { sin: G.crSin, cos: G.crCos, asin: G.crAsin };
const exact = { sin: G.sinExact, cos: G.cosExact, asin: G.asinExact };
const v8 = { sin: Math.sin, cos: Math.cos, asin: Math.asin };

let glibc = null;
const dir = mkdtempSync(join(tmpdir(), 'geomath-'));
try {
  writeFileSync(
    join(dir, 'f.c'),
    `#include <stdio.h>
#include <math.h>
int main(int argc, char **argv) {
  double x;
  while (fread(&x, 8, 1, stdin) == 1) {
    double y = argv[1][0] == 's' ? sin(x) : argv[1][0] == 'c' ? cos(x) : asin(x);
    fwrite(&y, 8, 1, stdout);
  }
  return 0;
}
`,
  );
  if (spawnSync('cc', ['-O2', '-o', join(dir, 'f'), join(dir, 'f.c'), '-lm']).status === 0) {
    glibc = (fn, xs) => {
      const r = spawnSync(join(dir, 'f'), [fn[0]], { input: Buffer.from(xs.buffer), maxBuffer: 1 << 30 });
      return new Float64Array(r.stdout.buffer, r.stdout.byteOffset, xs.length);
    };
  }

  for (const fn of ['sin', 'cos', 'asin']) {
    const xs = inputs[fn];
    const checked = Math.min(n, 20000);
    let quickMax = 0;
    let ddMax = 0;
    let wrong = 0;
    for (let i = 0; i < checked; i++) {
      const x = xs[i];
      if (Math.abs(x) < 2 ** -26) continue;
      quickMax = Math.max(quickMax, G.fastPathErrorRatio(fn, x, true));
      ddMax = Math.max(ddMax, G.fastPathErrorRatio(fn, x, false));
      if (cr[fn](x) !== exact[fn](x)) wrong++;
    }
    const slow0 = G.slowPaths;
    for (let i = 0; i < n; i++) cr[fn](xs[i]);
    let line =
      `${fn.padEnd(4)}: error/bound max quick ${quickMax.toExponential(2)}, double-double ${ddMax.toExponential(2)}; ` +
      `not correctly rounded ${wrong}/${checked}; BigInt slow paths ${G.slowPaths - slow0}/${n}`;
    if (glibc) {
      const g = glibc(fn, xs);
      let gDiff = 0;
      let vDiff = 0;
      for (let i = 0; i < n; i++) {
        const y = cr[fn](xs[i]);
        if (g[i] !== y) gDiff++;
        if (v8[fn](xs[i]) !== y) vDiff++;
      }
      line += `; not correctly rounded: glibc ${gDiff}/${n}, V8 ${vDiff}/${n}`;
    }
    console.log(line);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
