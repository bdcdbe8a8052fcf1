/** Every command id this extension registers; package.json declares the same set (a unit test checks). */
export const commandIds = {
  lintRun: 'flops.lint.run',
  showRuleDocs: 'flops.lint.showRuleDocs',
  newProjectFile: 'flops.project.new',
  generate: 'flops.generate.run',
} as const;
