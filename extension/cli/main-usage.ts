/** `flops --help`: every command in one screen; each command's own usage is in its file. */
export const mainUsage = `Usage: flops <command> [options]

Commands:
  lint [DIR] [--format text|json|sarif]   Check an ML repository against the FLOps contract.
  validate FILE [--format text|json]      Check a project file (flops.json) or an Oakestra SLA
                                          (recognised by its content).
  rules [--format text|json|markdown]     List the lint rules with why FLOps needs them.
  generate [DIR] [--out .flops] [--check] [--force] [--overwrite]
                                          Write the Flower app around the ModelManager into
                                          DIR/.flops (see flops generate --help).
  check [DIR] [--python PATH]             Run the learner path (set_model_data, fit, evaluate) and the
                                          aggregator's initialisation in a local Python, in seconds
                                          (see flops check --help).
  sim up|status|logs|down|runs [DIR]      Run the app locally: an aggregator plus N learners in
                                          Docker (see flops sim --help).
  metrics [DIR] [--run ID|latest] [--format csv|json|markdown]
                                          A run's metrics per round, aggregate and per learner,
                                          from the run history or MLflow (see flops metrics --help).
  deploy [DIR] --url URL --username NAME [--no-push] [--detach]
                                          Deploy to Oakestra: validate, push the image, create the
                                          services, follow the run (see flops deploy --help).
  undeploy [DIR] --url URL --username NAME
                                          Remove what the deployment created, and nothing else.
  deployments [DIR] [--url URL --username NAME] [--diff]
                                          The deployment records, their live state, and what
                                          differs from the last local run.

Options:
  -h, --help       Show this help.
  -v, --version    Show the version.

Exit codes: 0 no errors, 1 error findings, 2 usage error or unreadable DIR or FILE.`;
