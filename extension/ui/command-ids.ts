/** Every command id this extension registers; package.json declares the same set (a unit test checks). */
export const commandIds = {
  lintRun: 'flops.lint.run',
  showRuleDocs: 'flops.lint.showRuleDocs',
  newProjectFile: 'flops.project.new',
  generate: 'flops.generate.run',
  checkLearner: 'flops.check.learner',
  simulateStart: 'flops.simulate.start',
  simulateStop: 'flops.simulate.stop',
  simulatePauseLearner: 'flops.simulate.pauseLearner',
  simulateResumeLearner: 'flops.simulate.resumeLearner',
  simulateKillLearner: 'flops.simulate.killLearner',
  simulateRestartLearner: 'flops.simulate.restartLearner',
  simulateShowLogs: 'flops.simulate.showLogs',
  simulateOpenGenerated: 'flops.simulate.openGenerated',
  simulateRefreshRuns: 'flops.simulate.refreshRuns',
} as const;
