/** The six ModelManager methods FLOps calls (flops-contract.md §2.1), in the template's order. */
export const modelManagerMethods = [
  { name: '__init__', signature: '(self)', returns: '', doc: 'Build the model and initialise its parameters. Do not load data here: the aggregator has none.' },
  { name: 'set_model_data', signature: '(self)', returns: ' -> None', doc: 'Learners only: load this node\'s data, e.g. DataManager().get_data().' },
  { name: 'get_model', signature: '(self)', returns: '', doc: 'Return the framework model object (sklearn estimator, torch nn.Module or keras model).' },
  { name: 'get_model_parameters', signature: '(self)', returns: '', doc: 'Return the parameters as a Python list of numpy arrays.' },
  { name: 'set_model_parameters', signature: '(self, parameters)', returns: ' -> None', doc: 'Load a list of numpy arrays in the order get_model_parameters returns them.' },
  { name: 'fit_model', signature: '(self)', returns: ' -> int', doc: 'Train one local pass and return the number of training examples as an int.' },
  { name: 'evaluate_model', signature: '(self)', returns: '', doc: 'Return (loss, accuracy, number_of_test_examples) as (float, float, int).' },
] as const;

/** Method definitions that raise until the user writes them, indented for a class body. */
export function methodStubs(names: readonly string[], indent: string): string {
  const inner = indent + (indent.includes('\t') ? '\t' : '    ');
  return modelManagerMethods
    .filter((m) => names.includes(m.name))
    .map(
      (m) =>
        `\n${indent}def ${m.name}${m.signature}${m.returns}:\n${inner}"""${m.doc}"""\n${inner}raise NotImplementedError("${m.name} is required by FLOps")\n`,
    )
    .join('');
}

/** A whole ModelManager class whose methods raise until written. */
export function modelManagerSkeleton(): string {
  return (
    '\n\nfrom flops_utils.ml_repo_templates import ModelManagerTemplate\n\n\nclass ModelManager(ModelManagerTemplate):' +
    methodStubs(
      modelManagerMethods.map((m) => m.name),
      '    ',
    )
  );
}
