import uPlot from 'uplot';
import { decimate, indexOfRound } from './decimate';
import { formatMetric } from '../extension/protocol/metric-names';

/**
 * One uPlot chart, themed from the `--vscode-*` variables: hover values in the legend, a click on a
 * legend entry toggles its series, the series under the cursor is highlighted, drag zooms the rounds
 * (double-click or `resetZoom` restores), a log scale for losses, PNG export. New data keeps the user's
 * zoom; without one the x range follows the run.
 */

export interface Theme {
  readonly foreground: string;
  readonly background: string;
  readonly grid: string;
  readonly font: string;
  readonly palette: readonly string[];
  readonly highContrast: boolean;
}

function cssVar(style: CSSStyleDeclaration, name: string, fallback: string): string {
  const value = style.getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** The theme as the page's CSS variables set it now (VS Code sets them on <html>/<body>). */
export function readTheme(): Theme {
  const style = getComputedStyle(document.body);
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  const foreground = cssVar(style, '--vscode-editor-foreground', '#cccccc');
  const palette = ['--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-purple', '--vscode-charts-red', '--vscode-charts-yellow'].map((name, i) => cssVar(style, name, ['#3794ff', '#d18616', '#89d185', '#b180d7', '#f14c4c', '#cca700'][i] ?? foreground));
  return {
    foreground,
    background: cssVar(style, '--vscode-editor-background', '#1e1e1e'),
    grid: cssVar(style, '--vscode-editorWidget-border', 'rgba(128,128,128,0.35)'),
    font: `${cssVar(style, '--vscode-font-size', '12px')} ${cssVar(style, '--vscode-font-family', 'sans-serif')}`,
    palette,
    highContrast,
  };
}

/** The i-th series colour: the theme's chart colours first, then evenly spread hues. */
export function seriesColor(theme: Theme, index: number): string {
  const fixed = theme.palette[index];
  if (fixed !== undefined) return fixed;
  const hue = Math.round((index * 137.508) % 360);
  return `hsl(${hue}, 65%, ${theme.background.startsWith('#f') || theme.background.startsWith('#e') ? 40 : 62}%)`;
}

export interface SeriesSpec {
  readonly label: string;
  readonly color: string;
  readonly dash?: number[];
  readonly bars?: boolean;
}

export interface ChartSpec {
  readonly title: string;
  readonly yLabel: string;
  readonly series: readonly SeriesSpec[];
  readonly log: boolean;
  readonly height?: number;
  /** Start the y axis at zero (counts and durations). */
  readonly zero?: boolean;
  /** Format of hovered values. */
  readonly format?: (value: number) => string;
}

const roundSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

export class Chart {
  private plot: uPlot;
  private zoomed = false;
  /** Every round; the plot gets a level-of-detail view of it (decimate.ts). */
  private full: uPlot.AlignedData;
  private redecimating = false;
  /** Off screen, a chart only keeps new data and draws it when scrolled into view. */
  private onScreen = true;
  private stale = false;
  private readonly visibility: IntersectionObserver;
  private readonly resize: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    private readonly spec: ChartSpec,
    data: uPlot.AlignedData,
    private readonly theme: Theme,
  ) {
    this.full = data;
    this.plot = this.create(this.detail(data, undefined));
    // Resized on the next frame: resizing inside the observer's callback would loop it.
    let pending = 0;
    this.resize = new ResizeObserver(() => {
      cancelAnimationFrame(pending);
      pending = requestAnimationFrame(() => {
        const width = Math.max(240, Math.floor(this.host.clientWidth));
        if (width !== this.plot.width) this.plot.setSize({ width, height: this.spec.height ?? 220 });
      });
    });
    this.resize.observe(this.host);
    this.visibility = new IntersectionObserver((entries) => {
      this.onScreen = entries.some((e) => e.isIntersecting);
      if (this.onScreen && this.stale) this.setData(this.full);
    });
    this.visibility.observe(this.host);
  }

  private create(data: uPlot.AlignedData): uPlot {
    const { theme, spec } = this;
    const width = theme.highContrast ? 2.5 : 1.5;
    const axis = { stroke: theme.foreground, grid: { stroke: theme.grid, width: 1 }, ticks: { stroke: theme.grid, width: 1 }, font: theme.font, labelFont: theme.font };
    const format = spec.format ?? formatMetric;
    const options: uPlot.Options = {
      title: spec.title,
      width: Math.max(240, Math.floor(this.host.clientWidth)),
      height: spec.height ?? 220,
      pxAlign: 0,
      scales: { x: { time: false }, y: spec.log ? { distr: 3, log: 10 } : spec.zero === true ? { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } : { auto: true } },
      axes: [
        // Rounds are whole numbers: ticks at 1, 2, 5, 10, 20, 50… apart, never at 2.5.
        { ...axis, label: 'round', labelSize: 18, size: 36, incrs: roundSteps, values: (_u, values) => values.map((v) => String(v)) },
        { ...axis, label: spec.yLabel, labelSize: 18, size: 56, values: (_u, values) => values.map((v) => formatMetric(v)) },
      ],
      cursor: { focus: { prox: 24 }, drag: { x: true, y: false, setScale: true } },
      focus: { alpha: 0.25 },
      legend: { live: true },
      series: [
        { label: 'round', value: (_u, v) => (v === null ? '—' : String(v)) },
        ...spec.series.map(
          (s): uPlot.Series => ({
            label: s.label,
            stroke: s.color,
            width,
            ...(s.dash !== undefined ? { dash: s.dash } : {}),
            ...(s.bars === true && uPlot.paths.bars !== undefined ? { paths: uPlot.paths.bars({ size: [0.6, 24] }), fill: s.color } : {}),
            spanGaps: false,
            points: { show: false },
            // The hovered round's own value, not the level-of-detail point drawn there.
            value: (u, v, seriesIndex, index) => {
              const round = index === null ? undefined : (u.data[0][index]);
              const at = round === undefined ? -1 : indexOfRound(this.full[0], round);
              const real = at < 0 ? v : ((this.full[seriesIndex] as (number | null)[] | undefined)?.[at] ?? null);
              return real === null ? '—' : format(real);
            },
          }),
        ),
      ],
      hooks: {
        setSelect: [() => (this.zoomed = true)],
        // A zoom (or its reset) shows another x range: draw that range's level of detail.
        setScale: [
          (u, key) => {
            if (key !== 'x' || this.redecimating) return;
            const { min, max } = u.scales['x'] ?? {};
            if (min === undefined || max === undefined) return;
            this.redecimating = true;
            try {
              u.setData(this.detail(this.full, { min, max }), false);
            } finally {
              this.redecimating = false;
            }
          },
        ],
      },
    };
    const plot = new uPlot(options, data, this.host);
    // Double-click resets uPlot's zoom; note it so new rounds follow the run again.
    plot.over.addEventListener('dblclick', () => (this.zoomed = false));
    return plot;
  }

  /** At most two points per pixel column of `range` (default: every round). */
  private detail(data: uPlot.AlignedData, range: { min: number; max: number } | undefined): uPlot.AlignedData {
    const x = data[0] as number[];
    if (x.length === 0) return data;
    // One bucket per two pixel columns (each bucket is drawn as two points, so about one point per
    // column), and with many lines at most ~16,000 points in all: 50 learners' lines stay readable at
    // one point per three or four columns (each bucket still shows its extremes), and draw in a frame.
    const perColumn = Math.floor((this.host.clientWidth - 60) / 2);
    const perBudget = Math.floor(8_000 / Math.max(1, data.length - 1));
    const buckets = Math.max(60, Math.min(perColumn, perBudget));
    return decimate(data, range?.min ?? (x[0] as number), range?.max ?? (x[x.length - 1] as number), buckets);
  }

  /** New data (same series): keeps a zoom the user made, else fits the x range to the run. */
  setData(data: uPlot.AlignedData): void {
    this.full = data;
    this.stale = !this.onScreen;
    if (this.stale) return;
    const { min, max } = this.plot.scales['x'] ?? {};
    this.redecimating = true;
    try {
      this.plot.setData(this.detail(data, this.zoomed && min !== undefined && max !== undefined ? { min, max } : undefined), !this.zoomed);
    } finally {
      this.redecimating = false;
    }
  }

  resetZoom(): void {
    this.zoomed = false;
    this.redecimating = true;
    try {
      this.plot.setData(this.detail(this.full, undefined), true);
    } finally {
      this.redecimating = false;
    }
  }

  /** The chart (plot, axes, title and series names) as a PNG data URL on the editor's background. */
  png(): string {
    const source = this.plot.ctx.canvas;
    const ratio = source.width / Math.max(1, this.plot.width);
    const legend = this.spec.series.map((s) => s.label);
    const legendHeight = Math.ceil(legend.length / 6) * 18 * ratio;
    const titleHeight = 24 * ratio;
    const canvas = document.createElement('canvas');
    canvas.width = source.width;
    canvas.height = source.height + titleHeight + legendHeight + 8 * ratio;
    const ctx = canvas.getContext('2d');
    if (ctx === null) throw new Error('no 2D canvas for the PNG');
    ctx.fillStyle = this.theme.background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.fillStyle = this.theme.foreground;
    ctx.font = `bold ${14 * ratio}px sans-serif`;
    ctx.fillText(this.spec.title, 8 * ratio, 17 * ratio);
    ctx.drawImage(source, 0, titleHeight);
    ctx.font = `${11 * ratio}px sans-serif`;
    const columnWidth = canvas.width / 6;
    this.spec.series.forEach((s, i) => {
      const x = (i % 6) * columnWidth + 8 * ratio;
      const y = titleHeight + source.height + (Math.floor(i / 6) + 1) * 16 * ratio;
      ctx.fillStyle = s.color;
      ctx.fillRect(x, y - 8 * ratio, 10 * ratio, 3 * ratio);
      ctx.fillStyle = this.theme.foreground;
      ctx.fillText(s.label, x + 14 * ratio, y);
    });
    return canvas.toDataURL('image/png');
  }

  destroy(): void {
    this.resize.disconnect();
    this.visibility.disconnect();
    this.plot.destroy();
  }
}
