import assert from 'node:assert/strict';
import { decimate, indexOfRound } from '../../../webview/decimate';

/** The charts' level of detail: at most two points per pixel column, extremes kept, short data untouched. */
describe('webview: level-of-detail decimation', () => {
  const rounds = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

  it('passes data that fits through untouched', () => {
    const data: [number[], (number | null)[]] = [rounds(100), rounds(100).map((r) => 1 / r)];
    assert.equal(decimate(data, 1, 100, 400), data);
  });

  it('draws two points per column with each bucket\'s minimum and maximum in the order they occurred', () => {
    const x = rounds(10_000);
    const y = x.map((r) => (r === 5_003 ? 100 : r === 7_001 ? -100 : Math.sin(r / 50)));
    const gaps = x.map((r) => (r > 2_000 && r <= 3_000 ? null : r));
    const out = decimate([x, y, gaps], 1, 10_000, 500);
    assert.equal(out[0].length, 1_000);
    assert.ok((out[0] as number[]).every((v, i, a) => i === 0 || v >= (a[i - 1] as number)), 'x stays sorted');
    const ys = out[1] as number[];
    assert.equal(Math.max(...ys), 100, 'a one-round spike survives');
    assert.equal(Math.min(...ys), -100);
    // A bucket with only gaps stays a gap; the spike's bucket has it after its minimum.
    assert.ok((out[2] as (number | null)[]).some((v) => v === null));
    const spike = ys.indexOf(100);
    assert.ok((out[0][spike] as number) >= 5_003 - 20 && (out[0][spike] as number) <= 5_003 + 20);
  });

  it('decimates only the visible range (zoomed), keeping a point on each side', () => {
    const x = rounds(10_000);
    const out = decimate([x, x.map((r) => r)], 4_000, 4_100, 30);
    const xs = out[0] as number[];
    assert.ok(xs[0] !== undefined && xs[0] <= 4_000 && xs[0] >= 3_998);
    assert.ok((xs[xs.length - 1] as number) >= 4_100);
    assert.ok(xs.length <= 60);
  });

  it('finds a round by binary search', () => {
    const x = [1, 2, 5, 9];
    assert.equal(indexOfRound(x, 5), 2);
    assert.equal(indexOfRound(x, 4), -1);
    assert.equal(indexOfRound(x, 10), -1);
  });
});
