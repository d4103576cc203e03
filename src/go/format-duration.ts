// Durations as users type them (`15s`, `1m30s`, `1h`): what serverInfo reports and what window
// errors quote. Go's time.Duration.String would print `1h0m0s`; this shorter form parses the same
// with parseGoDuration, so clients can feed it straight back as a `window`.

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  if (ms < 0) return `-${formatDuration(-ms)}`;
  if (ms === 0) return '0s';
  if (ms < 1000) return `${trim(ms)}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return [hours > 0 ? `${hours}h` : '', minutes > 0 ? `${minutes}m` : '', seconds > 0 ? `${trim(seconds)}s` : ''].join('');
}

/** Drops float noise (0.1 + 0.2) without printing trailing zeros. */
function trim(x: number): string {
  return String(Number(x.toFixed(6)));
}
