// @ts-check
// One split on the page: what it is, its issues, per backend configured against observed share
// as bars with success rate, rate and latency, and its share over time. A backend that falls
// behind the split's other backends is marked, and says why.
import { latency, percent, rate } from './format.js';
import { backendColor, ShareChart } from './share-chart.js';

/** @typedef {import('./types.js').SplitAnswer} SplitAnswer */
/** @typedef {import('./types.js').BackendAnswer} BackendAnswer */

/** Success rate this far below the others' is marked (the TrafficSplitBackendFailing alert's margin). */
export const SUCCESS_MARGIN = 0.05;
/** p99 latency this many times the others' highest is marked. */
export const LATENCY_FACTOR = 2;

/**
 * Why a backend falls behind the split's others, or null when it does not (or cannot be told:
 * without traffic on both sides there is nothing to compare).
 * @param {BackendAnswer} backend
 * @param {readonly BackendAnswer[]} all
 * @returns {string | null}
 */
export function lagReason(backend, all) {
  const others = all.filter((other) => other !== backend && other.stats !== null);
  if (backend.stats === null || others.length === 0) return null;
  let success = 0;
  let requests = 0;
  let worstP99 = 0;
  for (const other of others) {
    const stats = /** @type {NonNullable<BackendAnswer['stats']>} */ (other.stats);
    success += stats.successCount;
    requests += stats.successCount + stats.failureCount;
    worstP99 = Math.max(worstP99, stats.latencyMsP99);
  }
  const othersRate = requests === 0 ? null : success / requests;
  const reasons = [];
  if (othersRate !== null && backend.stats.successRate < othersRate - SUCCESS_MARGIN) {
    reasons.push(`success ${percent(backend.stats.successRate)} against ${percent(othersRate)} for the others`);
  }
  if (worstP99 > 0 && backend.stats.latencyMsP99 > LATENCY_FACTOR * worstP99) {
    reasons.push(`p99 ${latency(backend.stats.latencyMsP99)} against at most ${latency(worstP99)} for the others`);
  }
  return reasons.length === 0 ? null : reasons.join('; ');
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * @param {number | null} ratio
 * @param {string} className
 */
function bar(ratio, className, color = '') {
  const track = element('span', `bar ${className}`);
  const fill = element('span', 'fill');
  // CSSOM, not a style attribute: the page's Content-Security-Policy allows no inline style.
  fill.style.width = `${Math.min(100, Math.max(0, (ratio ?? 0) * 100))}%`;
  if (color !== '') fill.style.backgroundColor = color;
  track.append(fill);
  return track;
}

export class SplitCard {
  /** @type {HTMLElement} */
  root;
  /** @type {ShareChart | undefined} */
  #chart;
  #chartBox = element('div', 'chart');

  /**
   * Empty until update(), which draws the chart: call it once the card is in the page, so the
   * chart knows its width.
   * @param {SplitAnswer} split
   */
  constructor(split) {
    this.root = element('section', 'split');
    this.root.dataset['key'] = keyOf(split);
    this.root.setAttribute('aria-label', `${split.namespace}/${split.name}`);
  }

  /** @param {SplitAnswer} split */
  update(split) {
    const heading = element('h2');
    heading.append(element('span', 'namespace', `${split.namespace} / `), element('span', 'name', split.name));
    const facts = element('p', 'facts');
    const total = split.stats;
    facts.textContent = `${split.kind} · apex ${split.apex || '–'} · ${rate(total?.rps)} · success ${percent(total?.successRate)}`;
    /** @type {HTMLElement[]} */
    const parts = [heading, facts];
    if (split.issues.length > 0) {
      const issues = element('ul', 'issues');
      for (const issue of split.issues) issues.append(element('li', '', `${issue.code}: ${issue.message}`));
      parts.push(issues);
    }
    parts.push(this.#table(split));
    const chartTitle = element('h3', '', 'Observed share over time (dashed: configured)');
    parts.push(chartTitle, this.#chartBox);
    this.root.replaceChildren(...parts);
    this.#updateChart(split);
  }

  /** @param {SplitAnswer} split */
  #table(split) {
    const table = element('table', 'backends');
    const head = element('tr');
    for (const title of ['backend', 'configured / observed share', 'success', 'rps', 'p50', 'p95', 'p99']) head.append(element('th', '', title));
    table.append(element('thead'));
    table.tHead?.append(head);
    const body = element('tbody');
    split.backends.forEach((backend, index) => {
      const row = element('tr');
      row.dataset['service'] = backend.service;
      const lag = lagReason(backend, split.backends);
      const name = element('td', 'service');
      const swatch = element('span', 'swatch');
      swatch.style.backgroundColor = backendColor(index);
      name.append(swatch, document.createTextNode(backend.service), element('span', 'weight', `weight ${backend.weight}`));
      if (lag !== null) {
        row.classList.add('lagging');
        name.append(element('span', 'lag', `behind: ${lag}`));
      }
      const shares = element('td', 'shares');
      const configured = element('div', 'share configured');
      configured.append(bar(backend.weightRatio, 'configured'), element('span', 'value', percent(backend.weightRatio)));
      const observed = element('div', 'share observed');
      observed.append(bar(backend.observedRatio, 'observed', backendColor(index)), element('span', 'value', percent(backend.observedRatio)));
      shares.append(configured, observed);
      const stats = backend.stats;
      row.append(
        name,
        shares,
        element('td', 'success', percent(stats?.successRate, 2)),
        element('td', 'rps', rate(stats?.rps)),
        element('td', 'p50', latency(stats?.latencyMsP50)),
        element('td', 'p95', latency(stats?.latencyMsP95)),
        element('td', 'p99', latency(stats?.latencyMsP99)),
      );
      body.append(row);
    });
    table.append(body);
    return table;
  }

  /** @param {SplitAnswer} split */
  #updateChart(split) {
    // No history this time (the server said why, in the status line): the chart keeps the last one.
    if (split.history === null) return;
    // The history's backends: today's, then any taken out of the split during its range.
    const services = split.history.points[0]?.backends.map((backend) => backend.service) ?? split.backends.map((backend) => backend.service);
    if (this.#chart !== undefined && this.#chart.fits(services)) {
      this.#chart.update(split.history);
      return;
    }
    this.#chart?.destroy();
    this.#chartBox.replaceChildren();
    this.#chart = new ShareChart(this.#chartBox, services, split.history);
  }

  destroy() {
    this.#chart?.destroy();
    this.root.remove();
  }
}

/** @param {Pick<SplitAnswer, 'namespace' | 'name' | 'kind'>} split */
export function keyOf(split) {
  return `${split.kind}:${split.namespace}/${split.name}`;
}
