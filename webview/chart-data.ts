import type { Round, RunModel } from './panel-model';

/**
 * One run's rounds as the column arrays uPlot draws (x = round number, one array per series, null for
 * a gap). Built once from a snapshot, then appended to in place for each new round, so a delta costs
 * one push per series instead of a rebuild; anything else (a replaced or inserted round) rebuilds.
 */

export type Column = (number | null)[];

export class RunColumns {
  readonly x: number[] = [];
  readonly aggregate = new Map<string, Column>();
  /** learner → metric → column. */
  readonly learners = new Map<string, Map<string, Column>>();
  readonly sampled: Column = [];
  readonly replied: Column = [];
  readonly failed: Column = [];
  readonly durationSeconds: Column = [];
  /** Bumped when a learner or metric appeared, so charts know their series changed. */
  shape = 0;

  static from(run: RunModel): RunColumns {
    const columns = new RunColumns();
    columns.append(run.rounds);
    return columns;
  }

  get length(): number {
    return this.x.length;
  }

  get lastRound(): number | undefined {
    return this.x[this.x.length - 1];
  }

  private column(map: Map<string, Column>, name: string): Column {
    let column = map.get(name);
    if (column === undefined) {
      column = new Array<number | null>(this.x.length - 1).fill(null);
      map.set(name, column);
      this.shape++;
    }
    return column;
  }

  /** Appends rounds that all come after the last one. */
  append(rounds: readonly Round[]): void {
    for (const round of rounds) {
      this.x.push(round.round);
      const n = this.x.length;
      for (const [name, value] of Object.entries(round.aggregate)) this.column(this.aggregate, name).push(value);
      for (const row of round.learners) {
        const key = String(row.learner);
        let metrics = this.learners.get(key);
        if (metrics === undefined) {
          metrics = new Map();
          this.learners.set(key, metrics);
          this.shape++;
        }
        for (const [name, value] of Object.entries(row.metrics)) this.column(metrics, name).push(value);
      }
      this.sampled.push(round.participation?.sampled ?? null);
      this.replied.push(round.participation?.replied ?? null);
      // No bar where nothing failed (a zero-height bar would draw as a line along the axis).
      this.failed.push(round.participation?.failed ? round.participation.failed : null);
      this.durationSeconds.push(round.durationMs === null ? null : round.durationMs / 1000);
      // Series this round did not report get a gap, so every column stays as long as x.
      for (const column of this.aggregate.values()) if (column.length < n) column.push(null);
      for (const metrics of this.learners.values()) for (const column of metrics.values()) if (column.length < n) column.push(null);
    }
  }

  /** Learner keys in order: partition ids numerically, then the rest by name. */
  learnerKeys(): string[] {
    return [...this.learners.keys()].sort((a, b) => {
      const na = Number(a);
      const nb = Number(b);
      if (Number.isInteger(na) && Number.isInteger(nb)) return na - nb;
      if (Number.isInteger(na)) return -1;
      if (Number.isInteger(nb)) return 1;
      return a.localeCompare(b);
    });
  }

  learnerColumn(learner: string, metric: string): Column {
    return this.learners.get(learner)?.get(metric) ?? new Array<number | null>(this.x.length).fill(null);
  }
}

/** Several runs' columns of one metric on one x axis (the union of their rounds), for the compare view. */
export function alignRuns(runs: readonly RunColumns[], metric: string): { x: number[]; columns: Column[] } {
  const rounds = new Set<number>();
  for (const run of runs) for (const x of run.x) rounds.add(x);
  const x = [...rounds].sort((a, b) => a - b);
  const position = new Map(x.map((round, i) => [round, i]));
  const columns = runs.map((run) => {
    const out: Column = new Array<number | null>(x.length).fill(null);
    const source = run.aggregate.get(metric);
    if (source !== undefined) run.x.forEach((round, i) => (out[position.get(round) ?? 0] = source[i] ?? null));
    return out;
  });
  return { x, columns };
}
