import * as vscode from 'vscode';
import { simulationLearners } from '../../core/config/project-file';
import { FlError } from '../../core/errors';
import { parseProjectInput, projectFileName } from '../../core/config/project-input';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { pickRepo } from '../pick-repo';
import { withCancellableProgress } from '../progress';
import { parseNodeArg, parseStartArgs } from '../simulation/node-args';
import { runMonitorViewId } from '../simulation/run-tree';
import type { SimulationController, StartResult } from '../simulation/simulation-controller';

const revealMonitor = (): Thenable<unknown> => vscode.commands.executeCommand(`${runMonitorViewId}.focus`);

/** The learner count flops.json asks for (simulation.learners, the profiles, or min_available_clients). */
async function configuredLearners(root: vscode.Uri): Promise<number | undefined> {
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.joinPath(root, projectFileName)));
  } catch {
    // No flops.json: the launcher plans with its defaults; the input box just shows no number.
    return undefined;
  }
  const config = parseProjectInput(projectFileName, text).config;
  return config !== undefined ? simulationLearners(config) : undefined;
}

/** Asks for the learner count; `cancelled` when the user dismissed the box, `learners` undefined for the default. */
async function askLearners(root: vscode.Uri, name: string): Promise<{ readonly cancelled: true } | { readonly cancelled: false; readonly learners: number | undefined }> {
  const configured = await configuredLearners(root);
  const value = await vscode.window.showInputBox({
    title: `FLOps: Start Local Simulation of ${name}`,
    prompt: configured !== undefined ? `How many learner containers? (flops.json: ${configured})` : 'How many learner containers? (empty: as the project says)',
    value: configured !== undefined ? String(configured) : '',
    validateInput: (v) => (v.trim() === '' || /^[1-9]\d*$/.test(v.trim()) ? undefined : 'A whole number of at least 1'),
  });
  if (value === undefined) return { cancelled: true };
  return { cancelled: false, learners: value.trim() === '' ? undefined : Number(value.trim()) };
}

/**
 * "FLOps: Start Local Simulation": picks the repository (the argument, else the only or a picked
 * one), asks for the learner count (not when called with `{ folder, learners?, rounds?, force? }`),
 * and shows a cancellable progress notification through generation, planning and the image build
 * until the learners run. The run then continues as a session in the Runs view and the status bar;
 * the controller reports how it ends. Lint errors get the same choice as generation.
 */
export function startSimulationCommand(controller: SimulationController): CommandSpec {
  return {
    id: commandIds.simulateStart,
    run: async (arg?: unknown) => {
      if (!controller.available) {
        throw new FlError('invalidInput', 'FLOps: the local simulation is unavailable in this build of the extension (no simulation launcher is wired in).');
      }
      const parsed = parseStartArgs(arg);
      if (parsed?.ok === false) throw new FlError('invalidInput', `FLOps: invalid arguments for ${commandIds.simulateStart}: ${parsed.problem}.`);
      const given = parsed?.args;
      const node = parseNodeArg(arg);
      let root: vscode.Uri | undefined;
      if (given !== undefined) root = typeof given.folder === 'string' ? vscode.Uri.file(given.folder) : given.folder;
      else if (node !== undefined) root = vscode.Uri.file(node.repo);
      else if (arg instanceof vscode.Uri) root = arg;
      else root = await pickRepo(controller.knownRepos(), 'Simulate which repository?');
      if (root === undefined) return undefined;
      const name = vscode.workspace.asRelativePath(root, true) || root.fsPath;

      if (controller.isActive(root)) {
        const choice = await vscode.window.showWarningMessage(`FLOps: a simulation of ${name} is already running.`, 'Stop and Restart', 'Show Monitor');
        if (choice === 'Show Monitor') await revealMonitor();
        if (choice !== 'Stop and Restart') return undefined;
        for (const run of controller.activeRuns().filter((r) => r.repo.toString() === root.toString())) await controller.stop(run.runId);
      }

      let learners = given?.learners;
      if (given === undefined) {
        const asked = await askLearners(root, name);
        if (asked.cancelled) return undefined;
        learners = asked.learners;
      }
      const start = (force: boolean): Promise<StartResult> =>
        withCancellableProgress(`FLOps: Starting the local simulation of ${name}`, async (signal, report) => {
          report('generating and planning…');
          return controller.start(root, { learners, rounds: given?.rounds, force }, signal, report);
        });

      let result = await start(given?.force === true);
      if (result.kind === 'lintErrors') {
        const count = result.errors.length;
        const choice = await vscode.window.showErrorMessage(
          `FLOps: lint reports ${count} error${count === 1 ? '' : 's'}; the simulation would fail the same way. Fix ${count === 1 ? 'it' : 'them'} first?`,
          'Show Problems',
          'Simulate Anyway',
        );
        if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
        if (choice !== 'Simulate Anyway') return result;
        result = await start(true);
      }
      if (result.kind === 'invalid') throw new FlError('invalidConfig', `FLOps: ${result.message}`);
      if (result.kind === 'started') {
        await revealMonitor();
        const kept = result.keptEdited;
        if (kept.length > 0) {
          void vscode.window.showInformationMessage(`FLOps: simulating with ${kept.length} generated file${kept.length === 1 ? '' : 's'} you edited: ${kept.slice(0, 4).join(', ')}${kept.length > 4 ? ', …' : ''}.`);
        }
      }
      return result;
    },
  };
}

/**
 * "FLOps: Stop Local Simulation": stops the run of the tree node it was invoked on, else the only
 * active run, else the one picked; resolves once its containers are removed. With no active run it
 * does nothing (the palette hides it then).
 */
export function stopSimulationCommand(controller: SimulationController): CommandSpec {
  return {
    id: commandIds.simulateStop,
    run: async (arg?: unknown) => {
      const active = controller.activeRuns();
      const node = parseNodeArg(arg);
      let runId: string | undefined;
      if (node !== undefined && node.kind !== 'repo') runId = node.runId;
      else if (node !== undefined || arg instanceof vscode.Uri) {
        const repo = node !== undefined ? vscode.Uri.file(node.repo) : (arg as vscode.Uri);
        runId = active.find((r) => r.repo.toString() === repo.toString())?.runId;
      } else if (active.length <= 1) runId = active[0]?.runId;
      else {
        const pick = await vscode.window.showQuickPick(
          active.map((r) => ({ label: r.runId, description: vscode.workspace.asRelativePath(r.repo, true), runId: r.runId })),
          { placeHolder: 'Stop which simulation?' },
        );
        runId = pick?.runId;
      }
      if (runId === undefined) return undefined;
      await controller.stop(runId);
      return runId;
    },
  };
}
