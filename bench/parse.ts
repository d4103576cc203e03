// Exposition parser throughput, against parse-prometheus-text-format measured in the same process
// on the same body. Run: node --import tsx bench/parse.ts [megabytes=5] [rounds=9]
//
// Rounds go round-robin over the contenders (not all rounds of one, then the next), so a noisy
// neighbour on the machine slows every contender alike instead of skewing one ratio. A full
// garbage collection runs before every timed run, so no contender pays for another's garbage (the
// baseline leaves a lot); collections a contender causes itself are timed. The median and the best
// round are reported.
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseExposition } from '../src/collect/index.js';
import type { Sample } from '../src/collect/index.js';
import { linkerdProxyPayload } from './proxy-payload.js';

type BaselineParser = (text: string) => unknown[];

function loadBaseline(): BaselineParser {
  const required: unknown = createRequire(import.meta.url)('parse-prometheus-text-format');
  if (typeof required !== 'function') throw new Error('parse-prometheus-text-format did not export a function');
  return required as BaselineParser;
}

/** The engine's gc(), made reachable at run time so the bench needs no extra node flags. */
function loadGc(): () => void {
  setFlagsFromString('--expose-gc');
  const gc: unknown = runInNewContext('gc');
  if (typeof gc !== 'function') throw new Error('could not expose gc()');
  return gc as () => void;
}

interface Contender {
  readonly name: string;
  /** Parses the body once and returns something derived from every sample (so nothing is dead code). */
  readonly run: (body: string) => number;
}

const megabytes = Number(process.argv[2] ?? '5');
const rounds = Number(process.argv[3] ?? '9');
// Round-trip through bytes, as a scraped body arrives: one flat string, not a concatenation.
const body = Buffer.from(linkerdProxyPayload(megabytes * 1024 * 1024)).toString('utf8');
const bodyMegabytes = Buffer.byteLength(body) / (1024 * 1024);
const baseline = loadBaseline();
const collectGarbage = loadGc();
const wanted = new Set(['response_total', 'response_latency_ms_bucket']);

const contenders: Contender[] = [
  {
    name: 'parse-prometheus-text-format 1.1.1 (baseline)',
    run: (text) => baseline(text).length,
  },
  {
    name: 'splitstat, full parse (every sample, with labels)',
    run: (text) => {
      let sum = 0;
      parseExposition(text, (sample: Sample) => {
        sum += sample.value + (sample.labels.direction?.length ?? 0) + sample.series.length;
      });
      return sum;
    },
  },
  {
    name: 'splitstat, acceptMetric: response_total + _bucket',
    run: (text) => {
      let sum = 0;
      parseExposition(
        text,
        (sample: Sample) => {
          sum += sample.value + (sample.labels.direction?.length ?? 0) + sample.series.length;
        },
        { acceptMetric: (name) => wanted.has(name) },
      );
      return sum;
    },
  },
];

const families = new Map<string, number>();
const check = parseExposition(body, (sample) => families.set(sample.name, (families.get(sample.name) ?? 0) + 1));
const lines = body.split('\n').length - 1;
console.log(`payload: ${bodyMegabytes.toFixed(2)} MB, ${lines} lines, ${check.samples} samples, ${check.malformed} malformed`);
console.log(`  ${[...families].map(([name, count]) => `${name} ${count}`).join(', ')}`);
console.log(`rounds: ${rounds} after 3 warm-up rounds, gc before each run; node ${process.version}`);
console.log('');

// Warm-up: let the JIT settle before anything is timed.
for (let i = 0; i < 3; i++) for (const contender of contenders) contender.run(body);
const times = contenders.map(() => [] as number[]);
for (let round = 0; round < rounds; round++) {
  contenders.forEach((contender, index) => {
    collectGarbage();
    const started = process.hrtime.bigint();
    contender.run(body);
    times[index]?.push(Number(process.hrtime.bigint() - started) / 1e6);
  });
}

/** Median and best of a contender's rounds: noise on a shared machine only ever adds time. */
const stats = times.map((list) => {
  const sorted = [...list].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN, best: sorted[0] ?? Number.NaN };
});
const base = stats[0] ?? { median: Number.NaN, best: Number.NaN };
console.log(`${''.padEnd(52)} ${'median'.padStart(20)} ${'ratio'.padStart(7)}   ${'best'.padStart(20)} ${'ratio'.padStart(7)}`);
contenders.forEach((contender, index) => {
  const { median, best } = stats[index] ?? base;
  const cell = (ms: number): string => `${(bodyMegabytes / (ms / 1000)).toFixed(1).padStart(7)} MB/s ${ms.toFixed(1).padStart(6)} ms`;
  console.log(
    `${contender.name.padEnd(52)} ${cell(median)} ${(base.median / median).toFixed(1).padStart(6)}x   ${cell(best)} ${(base.best / best).toFixed(1).padStart(6)}x`,
  );
});
const full = stats[1] ?? base;
console.log('');
console.log(`full parse vs baseline: ${(base.median / full.median).toFixed(1)}x median, ${(base.best / full.best).toFixed(1)}x best (target: at least 10x)`);
