import type { MemberRole } from './run-events';
import type { RecordedOutcome, RunRecord } from './run-record';
import { activeProgress, duration, finishedLabel, formatNumber, isoTime, lines, metricsText, relativeTime, roundsLine, shorten } from './run-text';
import type { MemberView, RunView } from './run-view';

/**
 * The run monitor (the "Runs" tree of the FLOps view container and the status bar item) as data: pure
 * descriptions of nodes that ui/simulation/run-tree.ts turns into TreeItems one to one. Kept here so
 * every label, icon and context value is unit-tested without VS Code.
 *
 * Context values are what package.json's `view/item/context` menus match on:
 * - runs: `flops.run.active` (stop), `flops.run.finished` (live or from the history);
 * - members: `flops.member.aggregator`, `flops.member.service` (starter, MLflow), and
 *   `flops.member.learner.<running|paused|stopped|starting>` while the run is active, which decides
 *   the pause/resume/kill/restart actions offered; learners of a finished run are
 *   `flops.member.learner.done` (their containers are gone, only their logs remain);
 * - `flops.repo` groups runs when more than one repository has any, `flops.note` is text only.
 */

/** A codicon id (`sync~spin` spins) and an optional theme colour id. */
export interface IconSpec {
  readonly id: string;
  readonly color?: string;
}

/** What every tree node of the extension's views carries (the Runs and the Oakestra view). */
export interface TreeNodeShape {
  /** Stable across refreshes, so VS Code keeps expansion and selection. */
  readonly id: string;
  readonly label: string;
  readonly description?: string;
  /** Plain text (newlines allowed); never Markdown, since it quotes log lines. */
  readonly tooltip?: string;
  readonly icon?: IconSpec;
  readonly contextValue: string;
  readonly expand: 'none' | 'collapsed' | 'expanded';
}

interface NodeBase extends TreeNodeShape {
  readonly children: readonly MonitorNode[];
}

export interface RepoNode extends NodeBase {
  readonly kind: 'repo';
  readonly repo: string;
}

export interface RunNode extends NodeBase {
  readonly kind: 'run';
  readonly repo: string;
  readonly runId: string;
  readonly active: boolean;
}

export interface MemberNode extends NodeBase {
  readonly kind: 'member';
  readonly repo: string;
  readonly runId: string;
  readonly service: string;
  readonly role: MemberRole;
  readonly learner?: number;
}

export interface NoteNode extends NodeBase {
  readonly kind: 'note';
}

export type MonitorNode = RepoNode | RunNode | MemberNode | NoteNode;

/** One repository as the monitor sees it. */
export interface MonitorRepo {
  /** Absolute path of the repository folder: identifies it in node ids and command arguments. */
  readonly path: string;
  /** What the tree calls it (the folder name, or its path relative to the workspace). */
  readonly name: string;
  /** The run of this repository started from this window: active, or the last one that finished. */
  readonly live?: { readonly view: RunView; readonly active: boolean; readonly stopping?: boolean };
  /** The repository's run history, newest first (SimulationLauncher.runs). */
  readonly history: readonly RunRecord[];
  /** Why the history could not be read, if it could not. */
  readonly historyError?: string;
}

export interface MonitorInput {
  readonly repos: readonly MonitorRepo[];
  /** Milliseconds since the epoch, for "started 5 min ago". */
  readonly now: number;
  /** Past runs listed per repository (default 20); older ones are summarised in one note. */
  readonly historyLimit?: number;
}

const defaultHistoryLimit = 20;
/** Longest failure reason shown in a description; the tooltip has all of it. */
const descriptionReasonChars = 80;

/**
 * The tree's top level: run nodes of the one repository that has runs, or one expanded repository
 * node per repository when several have. Repositories without runs (and without a history error) are
 * left out, so an empty result is what makes VS Code show the view's welcome content.
 */
export function buildMonitorTree(input: MonitorInput): MonitorNode[] {
  const shown = input.repos.filter((r) => r.live !== undefined || r.history.length > 0 || r.historyError !== undefined);
  const perRepo = shown.map((repo) => ({ repo, nodes: repoChildren(repo, input) }));
  if (perRepo.length === 1) return perRepo[0]?.nodes ?? [];
  return perRepo.map(({ repo, nodes }) => {
    const active = repo.live?.active === true;
    const count = nodes.filter((n) => n.kind === 'run').length;
    return {
      kind: 'repo',
      id: `repo:${repo.path}`,
      repo: repo.path,
      label: repo.name,
      description: active ? 'running' : `${count} run${count === 1 ? '' : 's'}`,
      tooltip: repo.path,
      icon: { id: 'repo' },
      contextValue: 'flops.repo',
      expand: 'expanded',
      children: nodes,
    };
  });
}

function repoChildren(repo: MonitorRepo, input: MonitorInput): MonitorNode[] {
  const nodes: MonitorNode[] = [];
  const live = repo.live;
  if (live !== undefined) nodes.push(liveRunNode(repo.path, live.view, live.active, live.stopping === true, input.now));
  const past = [...repo.history].filter((r) => r.runId !== live?.view.runId).sort((a, b) => b.startedAt - a.startedAt);
  const limit = input.historyLimit ?? defaultHistoryLimit;
  for (const record of past.slice(0, limit)) nodes.push(pastRunNode(repo.path, record, input.now));
  if (past.length > limit) {
    const older = past.length - limit;
    nodes.push(note(`${repo.path}:older`, `${older} older run${older === 1 ? '' : 's'} not shown`, 'Their records are in .flops/runs/ of the repository (`flops sim runs` lists them all).', { id: 'history' }));
  }
  if (repo.historyError !== undefined) {
    nodes.push(note(`${repo.path}:history-error`, 'Run history could not be read', repo.historyError, { id: 'warning', color: 'list.warningForeground' }));
  }
  return nodes;
}

function note(id: string, label: string, tooltip: string, icon: IconSpec): NoteNode {
  return { kind: 'note', id: `note:${id}`, label, tooltip, icon, contextValue: 'flops.note', expand: 'none', children: [] };
}

const outcomeIcons: Record<RecordedOutcome, IconSpec> = {
  succeeded: { id: 'pass', color: 'testing.iconPassed' },
  failed: { id: 'error', color: 'testing.iconFailed' },
  stopped: { id: 'debug-stop', color: 'descriptionForeground' },
  cancelled: { id: 'circle-slash', color: 'descriptionForeground' },
  interrupted: { id: 'warning', color: 'list.warningForeground' },
};

/** A history record without an outcome belongs to a run still going in another window or the CLI. */
const unfinishedIcon: IconSpec = { id: 'circle-outline' };

function liveRunNode(repo: string, view: RunView, active: boolean, stopping: boolean, now: number): RunNode {
  const id = `run:${repo}:${view.runId}`;
  const members = view.members.map((m) => memberNode(repo, view, m, active));
  if (!active) {
    const outcome = view.outcome ?? 'failed';
    return {
      kind: 'run',
      id,
      repo,
      runId: view.runId,
      active: false,
      label: finishedLabel(view.runId, view.currentRound, view.rounds, view.history),
      description: `${outcome} · ${relativeTime(view.startedAt, now)}`,
      tooltip: lines([
        view.runId,
        `Outcome: ${outcome}${view.message !== undefined ? ` — ${view.message}` : ''}`,
        `Started ${isoTime(view.startedAt)}${view.finishedAt !== undefined ? `, took ${duration(view.finishedAt - view.startedAt)}` : ''}`,
        roundsLine(view.currentRound, view.rounds, view.history),
        `${view.learners} learner${view.learners === 1 ? '' : 's'}, ${view.strategy}`,
        view.image !== undefined ? `Image ${view.image.tag}${view.image.built === true ? ' (built for this run)' : ''}` : undefined,
      ]),
      icon: outcomeIcons[outcome],
      contextValue: 'flops.run.finished',
      expand: members.length > 0 ? 'collapsed' : 'none',
      children: members,
    };
  }
  return {
    kind: 'run',
    id,
    repo,
    runId: view.runId,
    active: true,
    label: `${view.runId} · ${stopping ? 'stopping…' : activeProgress(view)}`,
    description: [view.strategy !== '' ? view.strategy : undefined, view.learners > 0 ? `${view.learners} learner${view.learners === 1 ? '' : 's'}` : undefined, `started ${relativeTime(view.startedAt, now)}`]
      .filter((p) => p !== undefined)
      .join(' · '),
    tooltip: lines([
      view.runId,
      `Phase: ${view.phase}${view.image?.step !== undefined && view.phase === 'building' ? ` (step ${view.image.step})` : ''}`,
      `Started ${isoTime(view.startedAt)}`,
      roundsLine(view.currentRound, view.rounds, view.history),
      view.image !== undefined ? `Image ${view.image.tag}` : undefined,
      view.endpoints !== undefined ? `Control API ${view.endpoints.control}${view.endpoints.mlflow !== undefined ? `, MLflow ${view.endpoints.mlflow}` : ''}` : undefined,
    ]),
    icon: { id: 'sync~spin' },
    contextValue: 'flops.run.active',
    expand: 'expanded',
    children: members,
  };
}

function pastRunNode(repo: string, record: RunRecord, now: number): RunNode {
  const reached = record.rounds.reduce((max, r) => Math.max(max, r.round), 0);
  const failures: NoteNode[] = record.failures.map((f, i) =>
    note(`${repo}:${record.runId}:failure:${i}`, `${f.service}: ${shorten(f.reason, descriptionReasonChars)}`, `${f.service}: ${f.reason}`, { id: 'error', color: 'testing.iconFailed' }),
  );
  const git = record.git;
  return {
    kind: 'run',
    id: `run:${repo}:${record.runId}`,
    repo,
    runId: record.runId,
    active: false,
    label: finishedLabel(record.runId, reached, record.config.rounds, record.rounds),
    description: `${record.outcome ?? 'unfinished'} · ${relativeTime(record.startedAt, now)}`,
    tooltip: lines([
      record.runId,
      `Outcome: ${record.outcome ?? 'unfinished (still running elsewhere, or its owner ended without a record)'}${record.message !== undefined ? ` — ${record.message}` : ''}`,
      `Started ${isoTime(record.startedAt)}${record.finishedAt !== undefined ? `, took ${duration(record.finishedAt - record.startedAt)}` : ''}`,
      roundsLine(reached, record.config.rounds, record.rounds),
      `${record.config.learners} learner${record.config.learners === 1 ? '' : 's'}, ${record.config.strategy}`,
      record.image !== '' ? `Image ${record.image}${record.imageBuilt === true ? ' (built for this run)' : ''}` : undefined,
      git !== undefined ? `Commit ${git.commit !== undefined ? git.commit.slice(0, 7) : 'unknown'}${git.dirtyFiles > 0 ? ` + ${git.dirtyFiles} uncommitted file${git.dirtyFiles === 1 ? '' : 's'}` : ''}` : undefined,
    ]),
    icon: record.outcome !== undefined ? outcomeIcons[record.outcome] : unfinishedIcon,
    contextValue: 'flops.run.finished',
    expand: failures.length > 0 ? 'collapsed' : 'none',
    children: failures,
  };
}

/** "mnist-sklearn-k3f9 · 2/3 rounds · acc 0.913" */
const roleLabels: Record<MemberRole, string> = { aggregator: 'aggregator', learner: 'learner', starter: 'starter (flwr run)', mlflow: 'MLflow tracking' };

function memberNode(repo: string, view: RunView, member: MemberView, runActive: boolean): MemberNode {
  const failed = member.reason !== undefined || member.oomKilled === true || (member.exitCode !== undefined && member.exitCode !== 0);
  const resources = resourceText(member);
  const metrics = member.role === 'aggregator' ? metricsText(view.history, true) : '';
  const stateWord = member.state === 'removed' && !runActive ? (failed ? 'failed' : 'ended') : member.state;
  const description = member.reason !== undefined ? `${stateWord}: ${shorten(member.reason, descriptionReasonChars)}` : [stateWord, metrics, resources].filter((p) => p !== '').join(' · ');
  return {
    kind: 'member',
    id: `member:${repo}:${view.runId}:${member.service}`,
    repo,
    runId: view.runId,
    service: member.service,
    role: member.role,
    ...(member.learner !== undefined ? { learner: member.learner } : {}),
    label: memberLabel(member),
    description,
    tooltip: lines([
      `${member.service} — ${roleLabels[member.role]}, ${member.state}`,
      member.profile !== undefined || member.cpus !== undefined || member.memoryMb !== undefined ? `Limits: ${profileText(member)}` : undefined,
      resources !== '' ? `Using ${resources}` : undefined,
      metrics !== '' ? `Last round: ${metricsText(view.history, true, true)}` : undefined,
      member.exitCode !== undefined ? `Exit code ${member.exitCode}${member.oomKilled === true ? ' (killed: out of memory)' : ''}` : undefined,
      member.reason !== undefined ? `Reason: ${member.reason}` : undefined,
    ]),
    icon: memberIcon(member, failed),
    contextValue: memberContext(member, runActive),
    expand: 'none',
    children: [],
  };
}

/** "learner-2 (pi-class 0.5 CPU, 512 MB)", "run (flwr run)"; the aggregator and MLflow by service name. */
function memberLabel(member: MemberView): string {
  if (member.role === 'starter') return `${member.service} (flwr run)`;
  if (member.role !== 'learner') return member.service;
  const profile = profileText(member);
  return profile !== '' ? `${member.service} (${profile})` : member.service;
}

function profileText(member: MemberView): string {
  const limits = [member.cpus !== undefined ? `${formatNumber(member.cpus)} CPU${member.cpus > 1 ? 's' : ''}` : undefined, member.memoryMb !== undefined ? `${member.memoryMb} MB` : undefined]
    .filter((p) => p !== undefined)
    .join(', ');
  const profile = member.profile !== undefined && member.profile !== 'default' ? member.profile : undefined;
  return [profile, limits].filter((p) => p !== undefined && p !== '').join(' ');
}

/** "43% CPU · 210/512 MB" from the last resource sample; empty when none arrived (or it stopped). */
function resourceText(member: MemberView): string {
  const parts: string[] = [];
  if (member.cpuPercent !== undefined) parts.push(`${Math.round(member.cpuPercent)}% CPU`);
  if (member.memoryUsedMb !== undefined) parts.push(member.memoryMb !== undefined ? `${Math.round(member.memoryUsedMb)}/${member.memoryMb} MB` : `${Math.round(member.memoryUsedMb)} MB`);
  return parts.join(' · ');
}

function memberIcon(member: MemberView, failed: boolean): IconSpec {
  switch (member.state) {
    case 'pending':
      return { id: 'circle-outline', color: 'disabledForeground' };
    case 'starting':
    case 'restarting':
      return { id: 'loading~spin' };
    case 'running':
      // A traceback in the log of a container that still runs: worth a look, not yet a failure.
      return member.reason !== undefined ? { id: 'warning', color: 'list.warningForeground' } : { id: 'vm-running', color: 'testing.iconPassed' };
    case 'paused':
      return { id: 'debug-pause', color: 'list.warningForeground' };
    case 'failed':
      return { id: 'error', color: 'testing.iconFailed' };
    case 'exited':
    case 'removed':
      return failed ? { id: 'error', color: 'testing.iconFailed' } : { id: 'circle-large-outline', color: 'descriptionForeground' };
    default: {
      const unknown: never = member.state;
      throw new Error(`unhandled member state ${String(unknown)}`);
    }
  }
}

function memberContext(member: MemberView, runActive: boolean): string {
  if (member.role === 'aggregator') return 'flops.member.aggregator';
  if (member.role !== 'learner') return 'flops.member.service';
  if (!runActive) return 'flops.member.learner.done';
  switch (member.state) {
    case 'running':
      return 'flops.member.learner.running';
    case 'paused':
      return 'flops.member.learner.paused';
    case 'exited':
    case 'failed':
    case 'removed':
      return 'flops.member.learner.stopped';
    case 'pending':
    case 'starting':
    case 'restarting':
      return 'flops.member.learner.starting';
    default: {
      const unknown: never = member.state;
      throw new Error(`unhandled member state ${String(unknown)}`);
    }
  }
}
