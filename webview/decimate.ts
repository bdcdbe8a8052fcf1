import type uPlot from 'uplot';

/**
 * Level of detail for long runs: a chart draws about as many points as the visible x range has pixel
 * columns. The rounds in view are cut into `buckets` buckets (the chart asks for one per two columns);
 * each bucket is drawn at two x positions (its first and last round) carrying, per series, the bucket's
 * minimum and maximum in the order they occurred, so spikes and the envelope of every line survive. A range that already
 * fits is passed through untouched. Pure, so it is unit-tested without a browser.
 */

/** The first index whose x is ≥ value (x sorted ascending). */
function lowerBound(x: ArrayLike<number>, value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((x[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of `round` in x, or -1. */
export function indexOfRound(x: ArrayLike<number>, round: number): number {
  const i = lowerBound(x, round);
  return i < x.length && x[i] === round ? i : -1;
}

/**
 * The data to draw for x in [min, max] on `pixels` columns. Points just outside the range are kept so
 * lines run to the edges. `data[0]` is x (ascending); the rest are series with nulls for gaps.
 */
export function decimate(data: uPlot.AlignedData, min: number, max: number, pixels: number): uPlot.AlignedData {
  const x = data[0] as ArrayLike<number>;
  const start = Math.max(0, lowerBound(x, min) - 1);
  const end = Math.min(x.length, lowerBound(x, max) + 2);
  const count = end - start;
  const buckets = Math.max(1, Math.floor(pixels));
  if (count <= buckets * 2) return data;
  const size = count / buckets;
  const outX: number[] = [];
  const outSeries: (number | null)[][] = data.slice(1).map(() => []);
  for (let b = 0; b < buckets; b++) {
    const from = start + Math.floor(b * size);
    const to = Math.min(end, start + Math.floor((b + 1) * size));
    if (to <= from) continue;
    outX.push(x[from] as number, x[to - 1] as number);
    for (let s = 1; s < data.length; s++) {
      const column = data[s] as ArrayLike<number | null | undefined>;
      let lo = Number.POSITIVE_INFINITY;
      let hi = Number.NEGATIVE_INFINITY;
      let loAt = -1;
      let hiAt = -1;
      for (let i = from; i < to; i++) {
        const v = column[i];
        if (v === null || v === undefined) continue;
        if (v < lo) {
          lo = v;
          loAt = i;
        }
        if (v > hi) {
          hi = v;
          hiAt = i;
        }
      }
      const out = outSeries[s - 1] as (number | null)[];
      if (loAt < 0) out.push(null, null);
      else if (loAt <= hiAt) out.push(lo, hi);
      else out.push(hi, lo);
    }
  }
  return [outX, ...outSeries] as uPlot.AlignedData;
}
