/**
 * How metrics are named and printed, wherever they are shown: the metrics panel's page (webview/),
 * `flops metrics` and the panel's exports (core/metrics). No imports, so the webview bundle can share it.
 */

const preferred = ['eval_loss', 'eval_accuracy', 'train_loss', 'train_accuracy'];

/** Metric names in a stable order: loss and accuracy first, then by name. */
export function sortMetricNames(names: Iterable<string>): string[] {
  const rank = (name: string): number => {
    const index = preferred.indexOf(name);
    return index === -1 ? preferred.length : index;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Whether a metric is a loss (the panel offers a log scale for those). */
export function isLossMetric(name: string): boolean {
  return /loss/i.test(name);
}

/** A metric value as a table or a tooltip shows it: integers as they are, else four significant digits; "—" for none. */
export function formatMetric(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}
