// @ts-check
// The live page: every split the caller may see, kept up to date by one trafficSplits
// subscription that also carries each split's recent history. Asks for a bearer token when the
// server needs one; the token lives in this page's memory only.
import { matchesFilter } from './filter.js';
import { durationMs, goDuration } from './format.js';
import { AuthRequired, GraphQLClient } from './graphql-client.js';
import { keyOf, SplitCard } from './split-card.js';

/** @typedef {import('./types.js').SplitAnswer} SplitAnswer */

/** The chart's span, and the window of the numbers in the table (what `stat ts` shows by default, if the server keeps that much). */
const RANGE_MS = 600_000;
const WINDOW_MS = 60_000;
/** Points at least this far apart (and never closer than the scrape interval). */
const MIN_STEP_MS = 30_000;

const SERVER_INFO = `query PageServerInfo { serverInfo { version source mesh scrapeInterval maxWindow } }`;

const STATS = 'successRate rps successCount failureCount latencyMsP50 latencyMsP95 latencyMsP99';
const SPLITS = `subscription PageSplits($namespace: String, $labelSelector: String, $window: String!, $range: String!, $step: String!) {
  trafficSplits(namespace: $namespace, labelSelector: $labelSelector, window: $window) {
    namespace name kind apex
    labels { name value }
    issues { code message backend }
    stats { ${STATS} }
    backends { service weight weightRatio observedRatio stats { ${STATS} } }
    history(range: $range, step: $step) {
      points { at backends { service observedRatio weightRatio } }
      weightChanges { at kind before { service weightRatio } after { service weightRatio } }
    }
  }
}`;

/** @param {string} id */
function byId(id) {
  const node = document.getElementById(id);
  if (node === null) throw new Error(`#${id} missing from the page`);
  return node;
}

const client = new GraphQLClient('graphql');
const main = byId('splits');
const status = byId('status');
const empty = byId('empty');
const filter = /** @type {HTMLInputElement} */ (byId('filter'));
const tokenForm = /** @type {HTMLFormElement} */ (byId('token-form'));
const tokenInput = /** @type {HTMLInputElement} */ (byId('token'));
const tokenError = byId('token-error');
/** @type {Map<string, { card: SplitCard, split: SplitAnswer }>} */
const cards = new Map();
/** @type {AbortController | undefined} */
let running;

/** @param {string} text */
function say(text) {
  status.textContent = text;
}

function applyFilter() {
  let shown = 0;
  for (const { card, split } of cards.values()) {
    const visible = matchesFilter(split, filter.value);
    card.root.hidden = !visible;
    if (visible) shown++;
  }
  empty.hidden = shown > 0;
}

/** @param {SplitAnswer[]} splits */
function render(splits) {
  const seen = new Set();
  for (const split of splits) {
    const key = keyOf(split);
    seen.add(key);
    let entry = cards.get(key);
    if (entry === undefined) {
      entry = { card: new SplitCard(split), split };
      cards.set(key, entry);
    }
    entry.split = split;
    // In the answer's order (namespace, then name), new splits where they belong.
    main.append(entry.card.root);
    entry.card.update(split);
  }
  for (const [key, { card }] of cards) {
    if (!seen.has(key)) {
      card.destroy();
      cards.delete(key);
    }
  }
  applyFilter();
}

/** @param {unknown} error */
function needToken(error) {
  running?.abort();
  tokenForm.hidden = false;
  main.hidden = true;
  tokenError.textContent = error instanceof AuthRequired && error.refused ? 'That token was refused.' : '';
  say('needs a token');
  tokenInput.focus();
}

async function start() {
  running?.abort();
  const controller = new AbortController();
  running = controller;
  let info;
  try {
    const data = /** @type {{ serverInfo: { version: string, source: string, mesh: string, scrapeInterval: string, maxWindow: string } }} */ (await client.query(SERVER_INFO));
    info = data.serverInfo;
  } catch (error) {
    if (error instanceof AuthRequired) return needToken(error);
    say(`cannot reach the server: ${String(error)}; retrying`);
    setTimeout(() => void start(), 5000);
    return;
  }
  tokenForm.hidden = true;
  main.hidden = false;
  byId('server').textContent = `splitstat ${info.version} · ${info.source} mode · mesh ${info.mesh} · scraped every ${info.scrapeInterval}`;
  const stepMs = Math.max(MIN_STEP_MS, durationMs(info.scrapeInterval));
  const rangeMs = Math.min(RANGE_MS, durationMs(info.maxWindow));
  // `?namespace=` and `?labelSelector=` narrow the splits on the server (the filter box only hides them).
  const params = new URLSearchParams(location.search);
  const variables = {
    namespace: params.get('namespace'),
    labelSelector: params.get('labelSelector'),
    window: goDuration(Math.min(WINDOW_MS, durationMs(info.maxWindow))),
    range: goDuration(Math.max(rangeMs, stepMs)),
    step: goDuration(stepMs),
  };
  let delayMs = 1000;
  while (!controller.signal.aborted) {
    try {
      await client.subscribe(
        SPLITS,
        variables,
        (payload) => {
          delayMs = 1000;
          if (payload.errors !== undefined && payload.errors.length > 0) say(`server error: ${payload.errors.map((error) => error.message).join('; ')}`);
          else say(`live · updated ${new Date().toLocaleTimeString()}`);
          const data = /** @type {{ trafficSplits?: SplitAnswer[] } | null | undefined} */ (payload.data);
          if (data?.trafficSplits !== undefined) render(data.trafficSplits);
        },
        controller.signal,
      );
    } catch (error) {
      if (error instanceof AuthRequired) return needToken(error);
      if (controller.signal.aborted) return;
      say(`connection lost (${String(error)}); reconnecting`);
    }
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    delayMs = Math.min(30_000, delayMs * 2);
  }
}

filter.addEventListener('input', applyFilter);
tokenForm.addEventListener('submit', (event) => {
  event.preventDefault();
  client.token = tokenInput.value.trim();
  tokenInput.value = '';
  void start();
});
void start();
