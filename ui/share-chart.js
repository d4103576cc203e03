// @ts-check
// Observed share over time, stacked to 100 %, one band per backend, with the configured shares
// drawn as dashed lines over the bands and each weight change marked where it happened.
// uPlot draws series in order and fills each down to zero, so the stack is drawn from its top
// (every backend's share summed) down, each band painted over the one above it.
import { percent } from './format.js';

/** @typedef {import('./types.js').History} History */
/** @typedef {import('uplot')} UPlot */
/** @typedef {import('uplot').Options} UPlotOptions */

export const PALETTE = ['#3b6fd4', '#e0822f', '#3a9a5b', '#b44c9e', '#8c6d3f', '#2aa5b5', '#c7453b', '#6b6b6b'];

/** @param {number} index */
export function backendColor(index) {
  return PALETTE[index % PALETTE.length] ?? '#6b6b6b';
}

/**
 * The chart's columns: time (s), then cumulative shares (%) from the top of the stack down.
 * @param {History} history
 * @param {readonly string[]} services
 */
export function stackedColumns(history, services) {
  const times = history.points.map((point) => Date.parse(point.at) / 1000);
  /** @type {(number | null)[][]} */
  const shares = services.map((service) => history.points.map((point) => point.backends.find((backend) => backend.service === service)?.observedRatio ?? null));
  /** @type {(number | null)[][]} */
  const cumulative = services.map((_, top) =>
    history.points.map((point, i) => {
      // A moment without traffic is a gap in every band, not a share of zero.
      if (point.backends.every((backend) => backend.observedRatio === null)) return null;
      let sum = 0;
      for (let s = 0; s <= top; s++) sum += shares[s]?.[i] ?? 0;
      return sum * 100;
    }),
  );
  return { times, shares, stack: cumulative.reverse() };
}

/**
 * The configured boundaries between bands (cumulative configured share, %), per point.
 * @param {History} history
 * @param {readonly string[]} services
 */
export function configuredBoundaries(history, services) {
  return services.slice(0, -1).map((_, top) =>
    history.points.map((point) => {
      let sum = 0;
      for (let s = 0; s <= top; s++) {
        const ratio = point.backends.find((backend) => backend.service === services[s])?.weightRatio;
        if (ratio == null) return null;
        sum += ratio;
      }
      return sum * 100;
    }),
  );
}

export class ShareChart {
  /** @type {UPlot} */
  #plot;
  /** @type {readonly string[]} */
  #services;
  /** @type {History} */
  #history;
  #shares = /** @type {(number | null)[][]} */ ([]);
  /** @type {ResizeObserver} */
  #resizes;

  /**
   * @param {HTMLElement} container
   * @param {readonly string[]} services
   * @param {History} history
   */
  constructor(container, services, history) {
    this.#services = services;
    this.#history = history;
    const { times, shares, stack } = stackedColumns(history, services);
    this.#shares = shares;
    const top = services.length - 1;
    /** @type {UPlotOptions} */
    const options = {
      width: Math.max(240, container.clientWidth),
      height: 170,
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [{}, { values: (_plot, ticks) => ticks.map((tick) => `${tick}%`), size: 48 }],
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      series: [
        {},
        ...services.map((_, i) => {
          const backend = top - i;
          return {
            label: services[backend] ?? '',
            stroke: backendColor(backend),
            fill: backendColor(backend),
            width: 1,
            points: { show: false },
            // The legend shows the backend's own share, not the stack's height.
            value: (/** @type {UPlot} */ _plot, /** @type {number | null} */ _value, /** @type {number} */ _series, /** @type {number | null} */ index) =>
              index === null ? '–' : percent(this.#shares[backend]?.[index] ?? null),
          };
        }),
      ],
      hooks: { draw: [(plot) => this.#drawOverlays(plot)] },
    };
    this.#plot = new uPlot(options, [times, ...stack], container);
    this.#resizes = new ResizeObserver(() => this.#plot.setSize({ width: Math.max(240, container.clientWidth), height: 170 }));
    this.#resizes.observe(container);
  }

  /** @param {readonly string[]} services */
  fits(services) {
    return services.length === this.#services.length && services.every((service, i) => service === this.#services[i]);
  }

  /** @param {History} history */
  update(history) {
    this.#history = history;
    const { times, shares, stack } = stackedColumns(history, this.#services);
    this.#shares = shares;
    this.#plot.setData([times, ...stack]);
  }

  destroy() {
    this.#resizes.disconnect();
    this.#plot.destroy();
  }

  /** Dashed configured boundaries, and a line with the new weights at each change. @param {UPlot} plot */
  #drawOverlays(plot) {
    const ctx = plot.ctx;
    const times = plot.data[0];
    ctx.save();
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.strokeStyle = '#111';
    for (const boundary of configuredBoundaries(this.#history, this.#services)) {
      // A step line: weights change at an instant, not gradually between two points.
      ctx.beginPath();
      /** @type {number | undefined} */
      let lastY;
      boundary.forEach((value, i) => {
        const time = times[i];
        if (value === null || time === undefined) {
          lastY = undefined;
          return;
        }
        const x = plot.valToPos(time, 'x', true);
        const y = plot.valToPos(value, 'y', true);
        if (lastY === undefined) ctx.moveTo(x, y);
        else ctx.lineTo(x, lastY);
        ctx.lineTo(x, y);
        lastY = y;
      });
      ctx.stroke();
    }
    ctx.setLineDash([]);
    ctx.font = `${11 * devicePixelRatio}px sans-serif`;
    ctx.fillStyle = '#111';
    // Labels only where the last one left room: frequent changes still get their lines.
    let labelsEndAt = Number.NEGATIVE_INFINITY;
    for (const change of this.#history.weightChanges) {
      if (change.kind !== 'updated') continue;
      const x = plot.valToPos(Date.parse(change.at) / 1000, 'x', true);
      if (x < plot.bbox.left || x > plot.bbox.left + plot.bbox.width) continue;
      ctx.beginPath();
      ctx.moveTo(x, plot.bbox.top);
      ctx.lineTo(x, plot.bbox.top + plot.bbox.height);
      ctx.stroke();
      const label = `⇢ ${change.after.map((backend) => percent(backend.weightRatio, 0)).join('/')}`;
      const width = ctx.measureText(label).width;
      const left = x + 3 * devicePixelRatio;
      if (left < labelsEndAt || left + width > plot.bbox.left + plot.bbox.width) continue;
      ctx.fillText(label, left, plot.bbox.top + 12 * devicePixelRatio);
      labelsEndAt = left + width + 6 * devicePixelRatio;
    }
    ctx.restore();
  }
}
