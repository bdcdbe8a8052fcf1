import type { Rule } from '../rule';

/** Text that shows a repository uses FedProx's proximal coefficient. */
const proximalMention = /\bproximal_mu\b|["']proximal-mu["']|\bproximal_term\s*\(/;

export const fedproxUnused: Rule = {
  meta: {
    id: 'flops/fedprox-unused',
    severity: 'warning',
    needs: ['py', 'config'],
    title: 'With FedProx, the training loop reads proximal_mu.',
    why: 'Flower\'s FedProx only sends proximal_mu; the learner must add mu / 2 * ||w - w_global||^2 to its loss. A ModelManager that never sees it (no set_round_config, no proximal_mu anywhere) trains plain FedAvg under the FedProx name, and nothing fails.',
    fix: 'Define set_round_config(self, config) on the ModelManager, keep config["proximal_mu"], and add the proximal term in fit_model (flops_app.adapter.proximal_term for numpy parameters); or choose FedAvg.',
  },
  check(ctx) {
    if (ctx.config?.flower.strategy.name !== 'FedProx' || ctx.project === undefined || ctx.modelManager === undefined) return [];
    if (ctx.modelManager.methods.has('set_round_config')) return [];
    if (ctx.userModules.some((file) => proximalMention.test(ctx.sources.get(file) ?? ''))) return [];
    const mu = ctx.config.flower.strategy.proximal_mu;
    return [
      {
        file: ctx.project.path,
        range: ctx.project.locate(['flower', 'strategy', 'name']),
        message: `FedProx is chosen (proximal_mu ${mu}), but the ModelManager (${ctx.modelManager.file}) has no set_round_config(self, config) and no code reads proximal_mu, so the proximal term never reaches the loss and this trains plain FedAvg. Define set_round_config to keep config["proximal_mu"] and add mu / 2 * ||w - w_global||^2 to the training loss, or choose FedAvg.`,
      },
    ];
  },
};
