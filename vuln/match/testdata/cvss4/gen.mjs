// Generates the CVSS v4.0 reference scores the Go tests compare against,
// with the npm package ae-cvss-calculator (an implementation of FIRST's
// reference calculator, including its rounding with a 1e-6 epsilon).
//
//   npm pack ae-cvss-calculator@1.0.13 && tar xzf ae-cvss-calculator-1.0.13.tgz
//   node gen.mjs ./package
//
// Writes base-scores.bin.gz: the score times ten, one byte per vector, of
// every CVSS-B vector (4*2*2*3*3*3^6 = 104976), in the order of the loops
// in enumerateBase below (the Go test enumerates the same way), and
// vectors.txt: 600 pseudo-random vectors with threat and environmental
// metrics ("VECTOR SCORE" per line).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const ae = require(process.argv[2] + '/dist/ae-cvss-calculator.js');
const score = (vec) => new ae.Cvss4P0(vec).calculateScores().overall;

const base = [['AV', 'NALP'], ['AC', 'LH'], ['AT', 'NP'], ['PR', 'NLH'], ['UI', 'NPA'],
  ['VC', 'HLN'], ['VI', 'HLN'], ['VA', 'HLN'], ['SC', 'HLN'], ['SI', 'HLN'], ['SA', 'HLN']];

function* enumerateBase(i = 0, acc = []) {
  if (i === base.length) { yield 'CVSS:4.0/' + acc.join('/'); return; }
  for (const v of base[i][1]) yield* enumerateBase(i + 1, [...acc, base[i][0] + ':' + v]);
}

const bytes = [];
for (const vec of enumerateBase()) bytes.push(Math.round(score(vec) * 10));
writeFileSync('base-scores.bin.gz', gzipSync(Buffer.from(bytes), { level: 9 }));

let seed = 20261127;
const rnd = (n) => { // xorshift32: the same file on every run
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed % n;
};
const threat = [['E', 'XAPU']];
const env = [['CR', 'XHML'], ['IR', 'XHML'], ['AR', 'XHML'], ['MAV', 'XNALP'], ['MAC', 'XLH'],
  ['MAT', 'XNP'], ['MPR', 'XNLH'], ['MUI', 'XNPA'], ['MVC', 'XHLN'], ['MVI', 'XHLN'], ['MVA', 'XHLN'],
  ['MSC', 'XHLN'], ['MSI', 'XSHLN'], ['MSA', 'XSHLN']];
const pick = (list, sparse) => list.flatMap(([k, vals]) => {
  if (sparse && rnd(3) !== 0) return [];
  return [k + ':' + vals[rnd(vals.length)]];
});
const lines = [];
const seen = new Set();
while (lines.length < 600) {
  const vec = 'CVSS:4.0/' + [...pick(base, false), ...pick(threat, true), ...pick(env, true)].join('/');
  if (seen.has(vec)) continue;
  seen.add(vec);
  lines.push(vec + ' ' + score(vec).toFixed(1));
}
writeFileSync('vectors.txt', lines.join('\n') + '\n');
