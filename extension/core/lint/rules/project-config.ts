import type { Severity } from '../finding';
import type { Rule, RuleReport } from '../rule';

export const projectConfig: Rule = {
  meta: {
    id: 'flops/project-config',
    severity: 'error',
    needs: ['config'],
    title: 'flops.json is valid JSON, matches the schema, and satisfies the cross-field rules.',
    why: 'Upstream checks only enums and types: a violation either fails the REST call or makes the project wait forever (e.g. Flower waiting for more learners than are deployed).',
    fix: 'Make the matching edit in flops.json.',
  },
  check(ctx) {
    const project = ctx.project;
    if (project === undefined) return [];
    const file = project.path;
    if (project.syntaxError !== undefined) return [{ file, range: project.syntaxError.range, message: project.syntaxError.message }];
    const reports: RuleReport[] = project.issues.map((issue) => ({
      file,
      range: project.locate(issue.path),
      message: `${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}.`,
    }));
    const config = ctx.config;
    if (config === undefined) return reports;
    const add = (path: readonly PropertyKey[], message: string, severity?: Severity): void => {
      reports.push({ file, range: project.locate(path), message, ...(severity !== undefined ? { severity } : {}) });
    };
    const tc = config.training_configuration;
    const steps = config.post_training_steps;
    if (steps.includes('deploy_trained_model_image') && !steps.includes('build_image_for_trained_model')) {
      add(['post_training_steps', steps.indexOf('deploy_trained_model_image')], '"deploy_trained_model_image" needs "build_image_for_trained_model" too; FLOps silently skips the deployment otherwise. Add the build step.');
    }
    if (config.use_devel_base_images && (config.supported_platforms.length !== 1 || config.supported_platforms[0] !== 'linux/amd64')) {
      add(['use_devel_base_images'], 'use_devel_base_images needs supported_platforms ["linux/amd64"]; FLOps rejects the project with HTTP 400 otherwise.');
    }
    for (const key of ['min_fit_clients', 'min_evaluate_clients'] as const) {
      if (tc[key] > tc.min_available_clients) {
        add(['training_configuration', key], `${key} (${tc[key]}) is larger than min_available_clients (${tc.min_available_clients}); FLOps deploys exactly min_available_clients learners, so Flower would wait forever. Lower ${key} or raise min_available_clients.`);
      }
    }
    for (const key of ['training_rounds', 'training_cycles', 'min_available_clients', 'min_fit_clients', 'min_evaluate_clients'] as const) {
      if (tc[key] < 1) add(['training_configuration', key], `${key} must be at least 1 (it is ${tc[key]}).`);
    }
    if (tc.mode === 'classic' && tc.training_cycles !== 1) {
      add(['training_configuration', 'training_cycles'], 'training_cycles applies only to hierarchical mode; in classic mode FLOps ignores it.', 'warning');
    }
    if (tc.mode === 'hierarchical') {
      add(['training_configuration', 'mode'], 'Hierarchical mode needs at least 2 active Oakestra clusters with FLOps-learner workers holding data for the tags; the root aggregator waits for every active cluster. This is checked at deploy time.', 'info');
    }
    if (config.supported_platforms.length === 0) add(['supported_platforms'], 'supported_platforms must name at least one platform.');
    if (new Set(config.supported_platforms).size !== config.supported_platforms.length) add(['supported_platforms'], 'supported_platforms lists a platform twice.');
    const rc = config.resource_constraints;
    if (rc.memory !== 100 || rc.vcpus !== 1 || rc.storage !== 0) {
      add(['resource_constraints'], 'FLOps stores resource_constraints but does not apply them (its actor SLAs use 100 MB, 1 vCPU, no storage).', 'info');
    }
    for (const id of Object.keys(config.lint.rules)) {
      if (!ctx.knownRules.has(id)) add(['lint', 'rules', id], `Unknown rule id "${id}".`, 'warning');
    }
    return reports;
  },
};
