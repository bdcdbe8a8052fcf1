import type uPlot from 'uplot';
import type { PanelState, ToExtension, ToWebview } from '../extension/protocol/metrics-protocol';
import { alignRuns, RunColumns } from './chart-data';
import { Chart, readTheme, seriesColor, type SeriesSpec, type Theme } from './charts';
import { formatMetric, isLossMetric } from '../extension/protocol/metric-names';
import { initialModel, metricNames, reduce, type Change, type PanelModel, type RunModel } from './panel-model';

/**
 * The metrics page: header (run, status, exports), notices, the configuration differences of compared
 * runs, then charts: one per aggregate metric, the per-learner chart of a chosen metric, participation
 * and round durations, and the run's timeline. Built with DOM calls and textContent only (no HTML from
 * data). A delta that appends rounds only pushes onto the column arrays and redraws.
 */

export interface PageBridge {
  send(message: ToExtension): void;
  saveState(state: PanelState): void;
}

interface LiveChart {
  readonly chart: Chart;
  readonly data: () => uPlot.AlignedData;
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className !== undefined) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, onClick: () => void, secondary = true): HTMLElement {
  const node = document.createElement('vscode-button');
  if (secondary) node.setAttribute('secondary', '');
  node.textContent = label;
  node.addEventListener('click', onClick);
  return node;
}

const statusText: Record<string, string> = { running: 'running', succeeded: 'succeeded', failed: 'failed', stopped: 'stopped', cancelled: 'cancelled', interrupted: 'interrupted', unknown: 'unknown' };

export class MetricsPage {
  private model: PanelModel = initialModel();
  private columns = new Map<string, RunColumns>();
  private charts: LiveChart[] = [];
  private theme: Theme | undefined;
  private log = false;
  private learnerMetric: string | undefined;
  private learnerRun: string | undefined;
  private shapes = new Map<string, number>();
  private readonly parts: { header: HTMLElement; notice: HTMLElement; body: HTMLElement };

  constructor(
    root: HTMLElement,
    private readonly bridge: PageBridge,
  ) {
    this.parts = { header: el('header', 'header'), notice: el('div', 'notice'), body: el('main', 'body') };
    root.append(this.parts.header, this.parts.notice, this.parts.body);
    // VS Code swaps the body's theme class when the colour theme changes: redraw with the new colours.
    new MutationObserver(() => this.renderAll()).observe(document.body, { attributes: true, attributeFilter: ['class'] });
    this.renderAll();
  }

  receive(message: ToWebview): void {
    const { model, change } = reduce(this.model, message);
    this.model = model;
    if (message.type === 'snapshot') this.bridge.saveState(message.state);
    this.apply(change);
  }

  /** For the harness and the benchmark: the state the page shows. */
  get current(): PanelModel {
    return this.model;
  }

  private apply(change: Change): void {
    switch (change.kind) {
      case 'none':
        return;
      case 'chrome':
        this.renderNotice();
        return;
      case 'all':
        this.renderAll();
        return;
      case 'rounds':
        this.updateRun(change.runKey, change.appended);
        return;
    }
  }

  private runModel(key: string): RunModel | undefined {
    return this.model.runs.find((r) => r.run.key === key);
  }

  private updateRun(key: string, appended: boolean): void {
    const run = this.runModel(key);
    const columns = this.columns.get(key);
    if (run === undefined || columns === undefined) return this.renderAll();
    if (appended) {
      const last = columns.lastRound ?? -Infinity;
      let start = run.rounds.length;
      while (start > 0 && (run.rounds[start - 1]?.round ?? 0) > last) start--;
      columns.append(run.rounds.slice(start));
    } else {
      this.columns.set(key, RunColumns.from(run));
    }
    const shape = this.columns.get(key)?.shape ?? 0;
    if (!appended || shape !== this.shapes.get(key) || this.charts.length === 0) {
      this.renderAll();
      return;
    }
    for (const live of this.charts) live.chart.setData(live.data());
    this.updateHeader();
    this.renderTimeline();
  }

  private renderAll(): void {
    for (const live of this.charts) live.chart.destroy();
    this.charts = [];
    this.theme = readTheme();
    this.renderHeader();
    this.renderNotice();
    const body = this.parts.body;
    body.replaceChildren();
    const { model } = this;
    if (model.phase === 'loading') {
      const box = el('div', 'state');
      box.append(document.createElement('vscode-progress-ring'), el('p', undefined, model.loadingText));
      body.append(box);
      return;
    }
    if (model.phase === 'error' && model.error !== undefined) {
      const box = el('div', 'state error');
      box.append(el('h2', undefined, model.error.title), el('p', undefined, model.error.text));
      if (model.error.retry) box.append(button('Retry', () => this.bridge.send({ type: 'retry' }), false));
      body.append(box);
      return;
    }
    this.columns = new Map(model.runs.map((r) => [r.run.key, RunColumns.from(r)]));
    this.shapes = new Map([...this.columns].map(([key, c]) => [key, c.shape]));
    if (model.runs.length === 0) {
      body.append(this.stateBox('No run to show', 'Start a local simulation ("FLOps: Start Local Simulation") or pick a run in the Runs view, then open its metrics.'));
      return;
    }
    if (model.differences.length > 0 || model.runs.length > 1) body.append(this.differencesSection());
    if (model.runs.every((r) => r.rounds.length === 0)) {
      const running = model.runs.some((r) => r.run.status === 'running');
      body.append(
        this.stateBox(
          'No finished round yet',
          running ? 'The first round appears here as soon as the aggregator finishes it; the timeline below shows where the run is.' : 'This run ended before it finished a round: its timeline below says why.',
        ),
      );
    } else {
      body.append(this.aggregateSection(), this.learnerSection(), this.healthSection());
    }
    body.append(this.timelineSection());
  }

  private stateBox(title: string, text: string): HTMLElement {
    const box = el('div', 'state');
    box.append(el('h2', undefined, title), el('p', undefined, text));
    return box;
  }

  /** The header's parts that change with every round; the buttons are built only by renderHeader. */
  private live: { badge?: HTMLElement; summary: HTMLElement; message: HTMLElement } | undefined;

  private renderHeader(): void {
    const header = this.parts.header;
    header.replaceChildren();
    this.live = undefined;
    const { model } = this;
    const titleRow = el('div', 'title-row');
    titleRow.append(el('h1', undefined, model.title));
    const single = model.runs.length === 1 ? model.runs[0] : undefined;
    let badge: HTMLElement | undefined;
    if (single !== undefined) {
      badge = document.createElement('vscode-badge');
      titleRow.append(badge);
    }
    header.append(titleRow);
    if (model.phase !== 'ready') {
      this.fillLive(badge, undefined, undefined);
      return;
    }
    const summary = el('p', 'summary');
    const message = el('p', 'message');
    header.append(summary, message);
    const actions = el('div', 'actions');
    const logBox = document.createElement('vscode-checkbox');
    logBox.setAttribute('label', 'Log scale for losses');
    if (this.log) logBox.setAttribute('checked', '');
    logBox.addEventListener('change', () => {
      this.log = (logBox as HTMLElement & { checked: boolean }).checked;
      this.renderAll();
    });
    actions.append(
      button('Reset zoom', () => {
        for (const live of this.charts) live.chart.resetZoom();
      }),
      button('Export CSV', () => this.bridge.send({ type: 'exportCsv' })),
      button('Copy final round (markdown)', () => this.bridge.send({ type: 'copyMarkdown' })),
      button('Compare with…', () => this.bridge.send({ type: 'compare' })),
      logBox,
    );
    header.append(actions);
    this.live = { ...(badge !== undefined ? { badge } : {}), summary, message };
    this.fillLive(badge, summary, message);
  }

  /** A new round: only the status, the round counter and the message change (no new elements). */
  private updateHeader(): void {
    if (this.live === undefined) return this.renderHeader();
    this.fillLive(this.live.badge, this.live.summary, this.live.message);
  }

  private fillLive(badge: HTMLElement | undefined, summary: HTMLElement | undefined, message: HTMLElement | undefined): void {
    const { model } = this;
    const single = model.runs.length === 1 ? model.runs[0] : undefined;
    if (badge !== undefined && single !== undefined) {
      badge.className = `status status-${single.run.status}`;
      badge.textContent = statusText[single.run.status] ?? single.run.status;
    }
    if (summary === undefined || message === undefined) return;
    if (single !== undefined) {
      const { run } = single;
      const done = single.rounds[single.rounds.length - 1]?.round ?? 0;
      const parts = [`${run.strategy}`, `round ${done} of ${run.rounds}`, `${run.learners} learners`, run.source === 'mlflow' ? 'from MLflow' : 'local simulation'];
      summary.textContent = parts.join(' · ');
      const shown = run.message !== undefined && run.status !== 'running';
      message.className = `message status-${run.status}`;
      message.textContent = shown ? (run.message ?? '') : '';
      message.hidden = !shown;
    } else {
      summary.textContent = `Comparing ${model.runs.length} runs`;
      message.hidden = true;
    }
  }

  private renderNotice(): void {
    this.parts.notice.textContent = this.model.notice ?? '';
    this.parts.notice.hidden = this.model.notice === undefined || this.model.notice === '';
  }

  private differencesSection(): HTMLElement {
    const section = el('section', 'differences');
    section.append(el('h2', undefined, 'What differs'));
    const { runs, differences } = this.model;
    if (differences.length === 0) {
      section.append(el('p', 'muted', 'These runs were configured the same way.'));
      return section;
    }
    const table = el('table');
    const head = el('tr');
    head.append(el('th', undefined, 'setting'), ...runs.map((r, i) => {
      const th = el('th', undefined, r.run.label);
      th.style.borderBottomColor = seriesColor(this.themeNow(), i);
      return th;
    }));
    table.append(head);
    for (const row of differences) {
      const tr = el('tr');
      tr.append(el('td', undefined, row.setting), ...row.values.map((v) => el('td', undefined, v)));
      table.append(tr);
    }
    section.append(table);
    return section;
  }

  private themeNow(): Theme {
    this.theme ??= readTheme();
    return this.theme;
  }

  private chartBox(parent: HTMLElement, name: string, title: string, yLabel: string, series: readonly SeriesSpec[], data: () => uPlot.AlignedData, log: boolean, format?: (v: number) => string, zero = false): void {
    const box = el('div', 'chart');
    const bar = el('div', 'chart-bar');
    const host = el('div', 'chart-host');
    box.append(bar, host);
    parent.append(box);
    const chart = new Chart(host, { title, yLabel, series, log, zero, ...(format !== undefined ? { format } : {}) }, data(), this.themeNow());
    bar.append(button('PNG', () => this.bridge.send({ type: 'savePng', name: name.replace(/[^\w.-]+/g, '-').slice(0, 80) || 'chart', dataUrl: chart.png() })));
    this.charts.push({ chart, data });
  }

  /** Whether a log scale can show these columns (every value positive or missing). */
  private logFits(columns: readonly (readonly (number | null)[])[]): boolean {
    for (const column of columns) for (const v of column) if (v !== null && v <= 0) return false;
    return true;
  }

  private aggregateSection(): HTMLElement {
    const section = el('section');
    section.append(el('h2', undefined, 'Aggregate (the ServerApp\'s metrics per round)'));
    const grid = el('div', 'grid');
    section.append(grid);
    const runs = this.model.runs;
    const columns = runs.map((r) => this.columns.get(r.run.key)).filter((c): c is RunColumns => c !== undefined);
    const { aggregate } = metricNames(runs);
    if (aggregate.length === 0) section.append(el('p', 'muted', 'The rounds carry no aggregate metrics.'));
    for (const metric of aggregate) {
      const log = this.log && isLossMetric(metric) && this.logFits(columns.map((c) => c.aggregate.get(metric) ?? []));
      if (runs.length === 1) {
        const c = columns[0];
        if (c === undefined) continue;
        this.chartBox(grid, metric, metric, metric, [{ label: metric, color: seriesColor(this.themeNow(), 0) }], () => [c.x, c.aggregate.get(metric) ?? []], log);
      } else {
        const series = runs.map((r, i) => ({ label: r.run.label, color: seriesColor(this.themeNow(), i), ...(i % 2 === 1 ? { dash: [6, 3] } : {}) }));
        this.chartBox(grid, metric, metric, metric, series, () => {
          const aligned = alignRuns(columns, metric);
          return [aligned.x, ...aligned.columns];
        }, log);
      }
    }
    return section;
  }

  private chosenRun(): RunModel | undefined {
    return this.model.runs.find((r) => r.run.key === this.learnerRun) ?? this.model.runs[0];
  }

  private select(options: readonly { value: string; label: string }[], selected: string, onChange: (value: string) => void): HTMLElement {
    const node = document.createElement('vscode-single-select');
    for (const option of options) {
      const item = document.createElement('vscode-option');
      item.setAttribute('value', option.value);
      item.textContent = option.label;
      if (option.value === selected) item.setAttribute('selected', '');
      node.append(item);
    }
    node.addEventListener('change', () => onChange((node as HTMLElement & { value: string }).value));
    return node;
  }

  private learnerSection(): HTMLElement {
    const section = el('section');
    section.append(el('h2', undefined, 'Per learner'));
    const run = this.chosenRun();
    const columns = run !== undefined ? this.columns.get(run.run.key) : undefined;
    if (run === undefined || columns === undefined || columns.learners.size === 0) {
      section.append(el('p', 'muted', run?.run.source === 'mlflow' ? 'This MLflow run has no per-learner child runs (tag mlflow.parentRunId).' : 'No per-learner metrics: apps generated before per-learner metrics were added report only the aggregate. Regenerate ("FLOps: Generate FL Wrappers") and run again.'));
      return section;
    }
    const metrics = [...new Set([...columns.learners.values()].flatMap((m) => [...m.keys()]))];
    const names = metricNames([run]).learner.filter((n) => metrics.includes(n));
    const metric = this.learnerMetric !== undefined && names.includes(this.learnerMetric) ? this.learnerMetric : (names[0] ?? '');
    const controls = el('div', 'controls');
    controls.append(el('span', 'label', 'metric'), this.select(names.map((n) => ({ value: n, label: n })), metric, (value) => {
      this.learnerMetric = value;
      this.renderAll();
    }));
    if (this.model.runs.length > 1) {
      controls.append(el('span', 'label', 'run'), this.select(this.model.runs.map((r) => ({ value: r.run.key, label: r.run.label })), run.run.key, (value) => {
        this.learnerRun = value;
        this.renderAll();
      }));
    }
    controls.append(el('span', 'muted', 'Hover a line to highlight it; click a learner in the legend to hide or show it; drag to zoom.'));
    section.append(controls);
    const keys = columns.learnerKeys();
    const series = keys.map((key, i) => ({ label: /^\d+$/.test(key) ? `learner ${key}` : key, color: seriesColor(this.themeNow(), i) }));
    const log = this.log && isLossMetric(metric) && this.logFits(keys.map((k) => columns.learnerColumn(k, metric)));
    const box = el('div', 'wide');
    section.append(box);
    this.chartBox(box, `learners-${metric}`, `${metric} per learner${this.model.runs.length > 1 ? ` (${run.run.label})` : ''}`, metric, series, () => [columns.x, ...keys.map((k) => columns.learnerColumn(k, metric))], log);
    return section;
  }

  private healthSection(): HTMLElement {
    const section = el('section');
    const run = this.chosenRun();
    const columns = run !== undefined ? this.columns.get(run.run.key) : undefined;
    section.append(el('h2', undefined, `Participation and round durations${this.model.runs.length > 1 && run !== undefined ? ` (${run.run.label})` : ''}`));
    if (columns === undefined) return section;
    const grid = el('div', 'grid');
    section.append(grid);
    const theme = this.themeNow();
    const red = theme.palette[4] ?? '#f14c4c';
    if (columns.sampled.some((v) => v !== null)) {
      this.chartBox(grid, 'participation', 'Learners per round', 'learners', [{ label: 'sampled', color: theme.foreground, dash: [4, 3] }, { label: 'replied', color: theme.palette[2] ?? '#89d185' }, { label: 'failed', color: red, bars: true }], () => [columns.x, columns.sampled, columns.replied, columns.failed], false, (v) => String(Math.round(v)), true);
    }
    if (columns.durationSeconds.some((v) => v !== null)) {
      this.chartBox(grid, 'round-durations', 'Round duration', 'seconds', [{ label: 'duration (s)', color: theme.palette[1] ?? '#d18616' }], () => [columns.x, columns.durationSeconds], false, (v) => `${formatMetric(v)} s`, true);
    }
    return section;
  }

  private timelineSection(): HTMLElement {
    const section = el('section', 'timeline');
    section.id = 'timeline';
    this.fillTimeline(section);
    return section;
  }

  private renderTimeline(): void {
    const section = this.parts.body.querySelector<HTMLElement>('#timeline');
    if (section !== null) this.fillTimeline(section);
  }

  private fillTimeline(section: HTMLElement): void {
    section.replaceChildren(el('h2', undefined, 'Timeline'));
    const run = this.chosenRun();
    if (run === undefined) return;
    const start = run.run.startedAt;
    const marks = [...run.timeline];
    if (marks.length === 0) {
      section.append(el('p', 'muted', run.run.source === 'mlflow' ? 'MLflow keeps no timeline of the run; rounds are shown by step.' : 'This run was recorded before the timeline was kept.'));
      return;
    }
    const list = el('ol');
    const roundsDone = run.rounds.length;
    for (const mark of marks) {
      const item = el('li', `mark mark-${mark.kind}`);
      const seconds = Math.max(0, (mark.at - start) / 1000);
      item.append(el('span', 'at', `+${seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`}`), el('span', 'text', mark.text));
      list.append(item);
    }
    if (roundsDone > 0) {
      const last = run.rounds[run.rounds.length - 1];
      const note = el('li', 'mark mark-round');
      note.append(el('span', 'at', ''), el('span', 'text', `${roundsDone} round${roundsDone === 1 ? '' : 's'} finished${last !== undefined ? `, the last one round ${last.round}` : ''}`));
      list.append(note);
    }
    section.append(list);
  }
}
