import type { Rule, RuleReport } from '../rule';

export const dataTags: Rule = {
  meta: {
    id: 'flops/data-tags',
    severity: 'error',
    needs: ['config'],
    title: 'training_configuration.data_tags is non-empty, and each tag is non-empty with no ".", "," or whitespace.',
    why: 'Data is stored as <tag>.<md5>.parquet and matched on the text before the first dot, and tags travel comma-joined on a command line; a miss gives "No matching data found for provided data tags", then the learners fail.',
    fix: 'Pick a tag without those characters that a data provider or local data source offers.',
  },
  check(ctx) {
    const project = ctx.project;
    const tags = ctx.config?.training_configuration.data_tags;
    if (project === undefined || tags === undefined) return [];
    const reports: RuleReport[] = [];
    if (tags.length === 0) {
      // Our local simulation reads a dataset file instead; only the FLOps add-on needs tags.
      if (ctx.target === 'flops-addon') {
        reports.push({
          file: project.path,
          range: project.locate(['training_configuration', 'data_tags']),
          message: 'training_configuration.data_tags is empty, so FLOps learners find no data ("No matching data found for provided data tags") and fail. Add the tag your data was pushed under.',
        });
      }
      return reports;
    }
    tags.forEach((tag, i) => {
      const bad = tag === '' ? 'is empty' : /[.,\s]/.test(tag) ? `contains ${JSON.stringify(/[.,\s]/.exec(tag)?.[0])}` : undefined;
      if (bad === undefined) return;
      reports.push({
        file: project.path,
        range: project.locate(['training_configuration', 'data_tags', i]),
        message: `Data tag ${JSON.stringify(tag)} ${bad}: FLOps stores data as <tag>.<md5>.parquet, matches on the text before the first ".", and passes tags comma-joined, so learners would find no data. Use letters, digits, "-" and "_".`,
      });
    });
    return reports;
  },
};
