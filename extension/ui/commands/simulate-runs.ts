import * as vscode from 'vscode';
import { FlError } from '../../core/errors';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { pickRepo } from '../pick-repo';
import { parseNodeArg } from '../simulation/node-args';
import type { SimulationController } from '../simulation/simulation-controller';

/**
 * "FLOps: Open Generated Compose File": the `compose.yaml` a run's containers were planned from (the
 * same topology `docker compose up` starts), for the run, member or repository node it is invoked on.
 */
export function openGeneratedCommand(controller: SimulationController): CommandSpec {
  return {
    id: commandIds.simulateOpenGenerated,
    run: async (arg?: unknown) => {
      const node = parseNodeArg(arg);
      const repo = node !== undefined ? vscode.Uri.file(node.repo) : arg instanceof vscode.Uri ? arg : await pickRepo(controller.knownRepos(), 'Open the compose file of which repository?');
      if (repo === undefined) return undefined;
      const folder = node !== undefined && node.kind !== 'repo' ? controller.generatedFolderOf(node.runId) : '.flops';
      const file = vscode.Uri.joinPath(repo, ...folder.split('/'), 'compose.yaml');
      try {
        await vscode.workspace.fs.stat(file);
      } catch {
        throw new FlError('invalidInput', `FLOps: ${vscode.workspace.asRelativePath(file, true)} does not exist; "FLOps: Generate FL Wrappers" or a simulation writes it.`);
      }
      await vscode.window.showTextDocument(file, { preview: false });
      return file;
    },
  };
}

/** "FLOps: Refresh Runs": finds the ML repositories again and re-reads every run history. */
export function refreshRunsCommand(controller: SimulationController): CommandSpec {
  return {
    id: commandIds.simulateRefreshRuns,
    run: () => controller.refresh(),
  };
}
