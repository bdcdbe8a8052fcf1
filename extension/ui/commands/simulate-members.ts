import * as vscode from 'vscode';
import type { MemberState } from '../../core/runs/run-events';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { parseNodeArg } from '../simulation/node-args';
import type { LearnerAction, SimulationController } from '../simulation/simulation-controller';

interface ActionSpec {
  readonly id: string;
  readonly verb: string;
  /** Learner states the action applies to (the same the tree's context menus use). */
  readonly states: readonly MemberState[];
}

const actions: Record<LearnerAction, ActionSpec> = {
  pause: { id: commandIds.simulatePauseLearner, verb: 'pause', states: ['running'] },
  resume: { id: commandIds.simulateResumeLearner, verb: 'resume', states: ['paused'] },
  kill: { id: commandIds.simulateKillLearner, verb: 'kill', states: ['running'] },
  restart: { id: commandIds.simulateRestartLearner, verb: 'restart', states: ['running', 'paused', 'exited', 'failed', 'removed'] },
};

/** From the palette: the active run (picked when several are) and one of its learners the action applies to. */
async function pickLearner(controller: SimulationController, action: ActionSpec): Promise<{ readonly runId: string; readonly learner: number } | undefined> {
  const active = controller.activeRuns();
  if (active.length === 0) {
    void vscode.window.showInformationMessage('FLOps: no local simulation is running.');
    return undefined;
  }
  const run =
    active.length === 1
      ? active[0]
      : (await vscode.window.showQuickPick(active.map((r) => ({ label: r.runId, description: vscode.workspace.asRelativePath(r.repo, true), run: r })), { placeHolder: `Which run's learner to ${action.verb}?` }))?.run;
  if (run === undefined) return undefined;
  const learners = run.view.members.filter((m) => m.role === 'learner' && m.learner !== undefined && action.states.includes(m.state));
  if (learners.length === 0) {
    void vscode.window.showInformationMessage(`FLOps: no learner of ${run.runId} can be ${action.verb === 'kill' ? 'killed' : `${action.verb}d`} now (it must be ${action.states.join(' or ')}).`);
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    learners.map((m) => ({ label: m.service, description: m.state, learner: m.learner ?? 0 })),
    { placeHolder: `Which learner to ${action.verb}?` },
  );
  return pick !== undefined ? { runId: run.runId, learner: pick.learner } : undefined;
}

/**
 * "Pause / Resume / Kill / Restart Learner": what an edge device might do to a run, from a learner's
 * inline buttons or context menu in the Runs view (or the palette, which asks which learner). Kill is
 * a drop-out: the run goes on without the learner, and the monitor says it was killed on purpose.
 */
export function learnerCommands(controller: SimulationController): CommandSpec[] {
  return (Object.entries(actions) as [LearnerAction, ActionSpec][]).map(([action, spec]) => ({
    id: spec.id,
    run: async (arg?: unknown) => {
      const node = parseNodeArg(arg);
      const target = node?.kind === 'member' && node.learner !== undefined ? { runId: node.runId, learner: node.learner } : await pickLearner(controller, spec);
      if (target === undefined) return undefined;
      await controller.learnerAction(target.runId, target.learner, action);
      return target;
    },
  }));
}

/**
 * "FLOps: Show Simulation Logs": on a member, a read-only document with its last lines that follows
 * new ones; on a run (or from the palette), the "FLOps Simulation" output with every line.
 */
export function showLogsCommand(controller: SimulationController): CommandSpec {
  return {
    id: commandIds.simulateShowLogs,
    run: async (arg?: unknown) => {
      const node = parseNodeArg(arg);
      if (node?.kind === 'member') await controller.showMemberLog(node.runId, node.service);
      else controller.showOutput();
    },
  };
}
