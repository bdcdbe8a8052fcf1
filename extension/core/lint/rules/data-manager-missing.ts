import { wholeFirstLine } from '../../findings/finding';
import { folderNote, missingFileAnchor, notAFile } from './anchors';
import type { Rule, RuleReport } from '../rule';
import { templateFor } from '../../generate/repo-templates';

export const dataManagerMissing: Rule = {
  meta: {
    id: 'flops/data-manager-missing',
    severity: 'warning',
    needs: ['tree', 'py'],
    title: 'data_manager.py defines DataManager with _prepare_data and get_data, and set_model_data uses it.',
    why: "FLOps does not check this, but without it learners train on whatever the code loads itself, not on the node's federated data.",
    fix: 'Create data_manager.py from the template and call DataManager().get_data() in set_model_data.',
  },
  check(ctx) {
    const mm = ctx.modelManager;
    if (!ctx.paths.has('model_manager.py')) return [];
    const flavor = ctx.flavor?.value ?? 'sklearn';
    const dm = ctx.modules.get('data_manager.py');
    if (dm === undefined) {
      // Unreadable, or a link out of the repository: reported by flops/unreadable-file.
      if (ctx.paths.has('data_manager.py') || notAFile(ctx, 'data_manager.py') === 'outsideLink') return [];
      const anchor = missingFileAnchor(ctx, [], ['model_manager.py']);
      return [
        {
          file: anchor.file,
          range: anchor.range,
          message: `data_manager.py is missing${folderNote(ctx, 'data_manager.py')}, so learners do not load the node's federated data through load_dataset(). Create it from the template and use DataManager().get_data() in set_model_data().`,
          fixes: [{ title: `Create data_manager.py from the FLOps ${flavor === 'tensorflow' ? 'keras' : flavor} template`, edits: [{ kind: 'create', file: 'data_manager.py', content: templateFor(flavor, 'data_manager.py') }] }],
        },
      ];
    }
    const reports: RuleReport[] = [];
    const cls = dm.classes.find((c) => c.name === 'DataManager');
    if (cls === undefined) {
      if (dm.syntaxErrors.length === 0) {
        reports.push({ file: 'data_manager.py', range: dm.classes[0]?.nameRange ?? wholeFirstLine, message: 'data_manager.py defines no class DataManager; the FLOps convention is DataManager(DataManagerTemplate) with _prepare_data() and get_data(). Add or rename the class.' });
      }
      return reports;
    }
    const names = new Set([...cls.methods.map((m) => m.name), ...cls.classAssigns]);
    const inheritsUnknown = cls.bases.some((b) => !['DataManagerTemplate', 'object', 'ABC'].includes(b.split('.').pop() ?? b));
    const missing = ['_prepare_data', 'get_data'].filter((n) => !names.has(n));
    if (missing.length > 0 && !inheritsUnknown) {
      reports.push({ file: 'data_manager.py', range: cls.nameRange, message: `DataManager lacks ${missing.map((m) => `${m}()`).join(' and ')}; the FLOps DataManager template declares both as abstract, so DataManager() fails. Add ${missing.length === 1 ? 'it' : 'them'}.` });
    }
    const setter = mm?.methods.get('set_model_data');
    if (mm !== undefined && setter !== undefined && mm.cls.methods.includes(setter) && !setter.calls.some((c) => /(^|\.)DataManager$/.test(c.callee))) {
      reports.push({ file: mm.file, range: setter.nameRange, message: "set_model_data() does not use DataManager, so learners may not train on the node's federated data. Load it with DataManager().get_data()." });
    }
    return reports;
  },
};
