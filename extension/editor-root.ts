import * as vscode from 'vscode';
import { LintSession } from './core/lint/lint-session';
import { allRules } from './core/lint/rules/all-rules';
import { ruleAnchor } from './core/lint/rules-markdown';
import { SimpleGitInspector } from './io/git-inspector';
import { applyPlan } from './io/generated-writer';
import { pythonCheckRunner } from './io/learner-check';
import { checkLearner } from './core/simulate/learner-check';
import { generationPreparer } from './io/generation-ports';
import { dockerRuntimeFor } from './io/docker/runtime';
import { LocalSimulationLauncher } from './core/simulate/local-simulation';
import { simulationPorts } from './io/simulation-ports';
import { systemClock } from './io/system-clock';
import { PythonPool } from './io/python-pool';
import { FsRepoReader } from './io/repo-reader';
import { FlopsCodeActions } from './ui/code-actions';
import { createCommandRunner, type CommandRunner } from './ui/commands';
import { lintCommand, showRuleDocsCommand } from './ui/commands/lint';
import { checkLearnerCommand } from './ui/commands/check';
import { GeneratedContentProvider, generateCommand } from './ui/commands/generate';
import { newProjectFileCommand } from './ui/commands/new-project';
import { startSimulationCommand, stopSimulationCommand } from './ui/commands/simulate';
import { learnerCommands, showLogsCommand } from './ui/commands/simulate-members';
import { openGeneratedCommand, refreshRunsCommand } from './ui/commands/simulate-runs';
import { LintController } from './ui/lint-controller';
import { createLogger } from './ui/log';
import { RuleHover } from './ui/rule-hover';
import { registerRunMonitor } from './ui/simulation/run-tree';
import { SimulationController } from './ui/simulation/simulation-controller';
import { SimulationStatusBar } from './ui/simulation/status-bar';
import { readSettings } from './ui/settings';
import { SlaController } from './ui/sla-controller';
import { asError } from './core/errors';
import { MlflowClient } from './io/mlflow-client';
import { metricsCommands, MetricsPanels } from './ui/metrics/metrics-commands';
import { OakestraDeployer } from './core/deploy/deployer';
import type { OakestraApi } from './core/deploy/oakestra-api';
import { OakestraMonitor, type MonitorTarget } from './core/deploy/oakestra-monitor';
import { deployPorts, fileDeploymentStore } from './io/deployment-store';
import { OakestraClient } from './io/oakestra-client';
import { oakestraCommands } from './ui/oakestra/oakestra-commands';
import { monitorTarget, passwordKey, readTargets } from './ui/oakestra/oakestra-targets';
import { registerOakestraView } from './ui/oakestra/oakestra-view';
import { InstanceLogDocuments } from './ui/oakestra/instance-log';

/** What main.ts gets once the features are loaded. */
export interface Features {
  readonly lint: LintController;
  readonly sla: SlaController;
  readonly simulation: SimulationController;
  readonly metrics: MetricsPanels;
  /** What the Oakestra view shows (polled while it is visible). */
  readonly oakestra: OakestraMonitor;
  /** Stores a target's Oakestra password in secret storage (what "Set Oakestra Password" does after its prompt). */
  readonly storeOakestraPassword: (target: string, password: string) => Promise<void>;
  readonly runCommand: CommandRunner;
  /** Fires when a command failed and the user was shown why (not for cancellations). */
  readonly onDidFailCommand: vscode.Event<{ readonly id: string; readonly error: unknown }>;
  /** Stops active simulations and waits (bounded) until their containers are removed; for deactivate. */
  readonly shutdown: () => Promise<void>;
}

/**
 * The editor's composition root: the one place that builds the io adapters (parser pool, git, Docker,
 * the file system, the clock) and hands them to the core use cases and the ui pieces; the CLI's is
 * cli/cli-root.ts. Loaded by main.ts right after activation (a separate bundle, so that loading zod,
 * yaml, simple-git and the parser glue does not count against activation time).
 */
export function startFeatures(ctx: vscode.ExtensionContext, channel: vscode.LogOutputChannel): Features {
  const logger = createLogger(channel);
  const wasmDir = vscode.Uri.joinPath(ctx.extensionUri, 'dist').fsPath;
  const pool = new PythonPool({ wasmDir });
  ctx.subscriptions.push({ dispose: () => pool.dispose() });

  const readme = vscode.Uri.joinPath(ctx.extensionUri, 'README.md');
  const ruleDocUri = (id: string): vscode.Uri => readme.with({ fragment: ruleAnchor(id) });
  const lint = new LintController({
    logger,
    createSession: (root) => new LintSession({ reader: new FsRepoReader(root), analyzer: pool, git: new SimpleGitInspector(root), logger }),
    ruleDocUri,
  });
  ctx.subscriptions.push(lint);
  // The lint layer of Oakestra SLAs; its checks are documented in one README section.
  const sla = new SlaController({ logger, checkDocUri: () => readme.with({ fragment: 'oakestra-slas' }) });
  ctx.subscriptions.push(sla);

  const selector: vscode.DocumentSelector = [{ scheme: 'file', pattern: '**/*.{py,yaml,yml,json}' }];
  ctx.subscriptions.push(
    vscode.languages.registerCodeActionsProvider(selector, new FlopsCodeActions((u, d) => lint.fixesFor(u, d), (u) => lint.rootOf(u)), {
      providedCodeActionKinds: FlopsCodeActions.kinds,
    }),
    vscode.languages.registerHoverProvider(selector, new RuleHover(lint.diagnostics, new Map(allRules.map((r) => [r.meta.id, r.meta])))),
  );

  // The local simulation: runs started from this window, the Runs view, the status bar item.
  const simulation = new SimulationController({
    logger,
    // The Docker host setting is read for every run, so changing it needs no reload.
    simulationLauncher: new LocalSimulationLauncher(simulationPorts(pool, { logger, runtimeFor: () => dockerRuntimeFor(readSettings()['simulation.dockerHost']) })),
    roots: () => lint.roots,
    onDidFindRepo: lint.onDidLint,
    clock: systemClock,
  });
  ctx.subscriptions.push(simulation, registerRunMonitor(simulation.store, systemClock), new SimulationStatusBar(simulation.store));

  // The metrics panel: local runs from the run store, MLflow runs through the undici client.
  const metrics = new MetricsPanels({ store: simulation.store, logger, extensionUri: ctx.extensionUri, secrets: ctx.secrets, mlflowReader: (target) => new MlflowClient(target) });
  ctx.subscriptions.push(metrics);

  // Oakestra: one logged-in client per target and password (tokens are reused and refreshed), the
  // view's monitor, and the deploy use cases over the same Docker host setting as the simulation.
  const clients = new Map<string, OakestraApi>();
  const clientFor = (target: MonitorTarget, password: string): OakestraApi => {
    const key = JSON.stringify([target.name, target.url, target.username, target.organization ?? '', password]);
    let client = clients.get(key);
    if (client === undefined) {
      client = new OakestraClient({ target, password });
      clients.set(key, client);
    }
    return client;
  };
  const oakestra = new OakestraMonitor({
    targets: () => readTargets(logger).map(monitorTarget),
    repos: () => lint.roots.map((root) => root.fsPath),
    records: fileDeploymentStore,
    client: async (target) => {
      const password = await ctx.secrets.get(passwordKey(target));
      return password !== undefined && password !== '' ? clientFor(target, password) : undefined;
    },
    clock: systemClock,
    logger,
    intervalMs: readSettings()['oakestra.pollSeconds'] * 1000,
  });
  ctx.subscriptions.push(registerOakestraView(oakestra, systemClock), new InstanceLogDocuments(oakestra));
  const deployerFor = (password: string): OakestraDeployer =>
    new OakestraDeployer(deployPorts(pool, (target) => clientFor(target, password), { logger, runtimeFor: () => dockerRuntimeFor(readSettings()['simulation.dockerHost']) }));

  const commandFailed = new vscode.EventEmitter<{ readonly id: string; readonly error: unknown }>();
  ctx.subscriptions.push(commandFailed);

  const checkDiagnostics = vscode.languages.createDiagnosticCollection('flops-check');
  ctx.subscriptions.push(checkDiagnostics);
  const generated = new GeneratedContentProvider();
  ctx.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(GeneratedContentProvider.scheme, generated));
  const runCommand = createCommandRunner(logger, () => channel.show(true), [
    lintCommand(lint),
    showRuleDocsCommand(
      allRules.map((r) => r.meta),
      ruleDocUri,
    ),
    newProjectFileCommand({ roots: () => lint.roots, factsFor: (root) => lint.factsFor(root) }),
    generateCommand({
      backend: { prepare: generationPreparer(pool), apply: (prepared) => applyPlan(prepared.outDir, prepared.plan) },
      roots: () => lint.roots,
      content: generated,
    }),
    checkLearnerCommand({
      backend: { check: (root, options) => checkLearner({ prepareGeneration: generationPreparer(pool), runner: pythonCheckRunner }, root, options) },
      roots: () => lint.roots,
      python: () => readSettings()['check.python'],
      logger,
      showLog: () => channel.show(true),
      diagnostics: checkDiagnostics,
    }),
    startSimulationCommand(simulation),
    stopSimulationCommand(simulation),
    ...learnerCommands(simulation),
    showLogsCommand(simulation),
    openGeneratedCommand(simulation),
    refreshRunsCommand(simulation),
    ...metricsCommands(metrics, simulation.store, ctx.secrets),
    ...oakestraCommands({ logger, secrets: ctx.secrets, monitor: oakestra, roots: () => lint.roots, deployer: deployerFor, client: (target, password) => new OakestraClient({ target, password }), showLog: () => channel.show(true) }),
  ], (id, error) => commandFailed.fire({ id, error }));

  // VS Code shows nothing when background work fails, so failures go to the log.
  void lint.refresh().catch((error: unknown) => logger.error(asError(error)));
  void simulation.initialize().catch((error: unknown) => logger.error(asError(error)));
  logger.info(`[main] features started; parser at ${wasmDir}`);
  const storeOakestraPassword = async (name: string, password: string): Promise<void> => {
    const target = readTargets(logger).find((t) => t.name === name) ?? oakestra.state().find((t) => t.name === name);
    if (target === undefined) throw new Error(`no Oakestra target named ${name}`);
    await ctx.secrets.store(passwordKey(target), password);
    await oakestra.refresh();
  };
  return { lint, sla, simulation, metrics, oakestra, storeOakestraPassword, runCommand, onDidFailCommand: commandFailed.event, shutdown: () => simulation.shutdown() };
}
