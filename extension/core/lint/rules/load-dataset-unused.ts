import type { Rule, RuleReport } from '../rule';

const buildingBlocks = 'flops_utils.ml_repo_building_blocks';

export const loadDatasetUnused: Rule = {
  meta: {
    id: 'flops/load-dataset-unused',
    severity: 'warning',
    needs: ['py'],
    title: 'User code calls load_dataset() from flops_utils.ml_repo_building_blocks, not a hub download.',
    why: "Otherwise the data never comes from the node's data server, and edge nodes may be offline; the removed flops_utils.flops_learner_files_wrapper import raises ImportError.",
    fix: 'Import load_dataset from flops_utils.ml_repo_building_blocks and call it in DataManager._prepare_data().',
  },
  check(ctx) {
    const reports: RuleReport[] = [];
    let usesBuildingBlock = false;
    for (const file of ctx.userModules) {
      const module = ctx.modules.get(file);
      if (module === undefined) continue;
      const aliases = new Set<string>();
      for (const imp of module.imports) {
        if (imp.module === buildingBlocks) {
          for (const n of imp.names) if (n.name === 'load_dataset' || n.name === '*') aliases.add(n.alias ?? 'load_dataset');
        }
        if (imp.kind === 'import' && imp.module === buildingBlocks) aliases.add(`${imp.alias ?? buildingBlocks}.load_dataset`);
        if (imp.module === 'datasets' && imp.names.some((n) => n.name === 'load_dataset')) {
          reports.push({ file, range: imp.range, message: "`from datasets import load_dataset` downloads from the HuggingFace hub instead of reading the node's federated data, and edge nodes may be offline. Import load_dataset from flops_utils.ml_repo_building_blocks." });
        }
        if (imp.module.startsWith('flops_utils.flops_learner_files_wrapper')) {
          reports.push({ file, range: imp.range, message: 'flops_utils.flops_learner_files_wrapper was removed from FLOps; this import raises ImportError, reported as "An ML repository file was not found.". Import load_dataset from flops_utils.ml_repo_building_blocks.' });
        }
      }
      if (module.calls.some((c) => aliases.has(c.callee))) usesBuildingBlock = true;
    }
    if (!usesBuildingBlock && reports.length === 0 && ctx.modules.has('data_manager.py')) {
      const dm = ctx.modules.get('data_manager.py');
      const cls = dm?.classes.find((c) => c.name === 'DataManager');
      reports.push({
        file: 'data_manager.py',
        range: cls?.nameRange ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        message: "No code calls load_dataset() from flops_utils.ml_repo_building_blocks, so learners do not read the node's federated data. Call it in DataManager._prepare_data().",
      });
    }
    return reports;
  },
};
