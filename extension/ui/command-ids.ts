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
  metricsOpen: 'flops.metrics.open',
  metricsCompare: 'flops.metrics.compare',
  metricsOpenMlflow: 'flops.metrics.openMlflow',
  metricsSetMlflowToken: 'flops.metrics.setMlflowToken',
  oakestraDeploy: 'flops.oakestra.deploy',
  oakestraUndeploy: 'flops.oakestra.undeploy',
  oakestraSetPassword: 'flops.oakestra.setPassword',
  oakestraSetRegistryPassword: 'flops.oakestra.setRegistryPassword',
  oakestraCompare: 'flops.oakestra.compare',
  oakestraRefresh: 'flops.oakestra.refresh',
  oakestraShowLog: 'flops.oakestra.showLog',
  oakestraAddTarget: 'flops.oakestra.addTarget',
  oakestraScaleLearners: 'flops.oakestra.scaleLearners',
} as const;

/** The metrics panel's webview type (its serializer restores panels after a reload). */
export const metricsViewType = 'flops.metrics';
