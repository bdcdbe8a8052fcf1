import * as vscode from 'vscode';
import { simulationLearners } from '../../core/config/project-file';
import { parseProjectInput, projectFileName } from '../../core/config/project-input';
import { setJsonValue } from '../../core/config/json-document';
import { deployEventLine, type DeployResult, type OakestraDeployer } from '../../core/deploy/deployer';
import type { OakestraApi } from '../../core/deploy/oakestra-api';
import type { MonitorTarget, OakestraMonitor } from '../../core/deploy/oakestra-monitor';
import { compareLocalAndDeployed } from '../../core/deploy/parity';
import { FlError, messageOf } from '../../core/errors';
import type { Logger } from '../../core/ports';
import { commandIds } from '../command-ids';
import type { CommandSpec } from '../commands';
import { pickRepo } from '../pick-repo';
import { withCancellableProgress } from '../progress';
import type { OakestraTargetSetting } from '../settings-schema';
import { InstanceLogDocuments } from './instance-log';
import { addTarget, monitorTarget, passwordKey, pickTarget, readTargets, registryPasswordKey } from './oakestra-targets';

/**
 * The Oakestra commands: Deploy, Undeploy, Compare Local and Deployed, Set Oakestra/Registry
 * Password, Add Target, Refresh and Open Instance Log. From the palette they ask for the repository
 * and target; from a node of the Oakestra view they take them from the node; tests may pass
 * `{ folder, target, force? }`. The editor deploys detached (until every instance runs): the view
 * keeps following the run.
 */

export interface OakestraDeps {
  readonly logger: Logger;
  readonly secrets: vscode.SecretStorage;
  readonly monitor: OakestraMonitor;
  readonly roots: () => readonly vscode.Uri[];
  /** The deploy use cases with every target logged in with `password`. */
  readonly deployer: (password: string) => OakestraDeployer;
  readonly client: (target: MonitorTarget, password: string) => OakestraApi;
  readonly showLog: () => void;
}

interface NodeRef {
  readonly target?: string;
  readonly repo?: string;
  readonly serviceId?: string;
  readonly instance?: number;
}

/**
 * A node of the view (its `ref`) or `{ folder, target, force?, noPush? }` from a caller (another
 * extension, a task, a test): `force` deploys over lint errors and undeploys without asking, `noPush`
 * deploys an image that is already in the registry.
 */
function refOf(arg: unknown): NodeRef & { readonly force?: boolean; readonly noPush?: boolean } {
  if (typeof arg !== 'object' || arg === null) return {};
  const ref = (arg as { ref?: unknown }).ref;
  if (typeof ref === 'object' && ref !== null) return ref;
  const given = arg as { folder?: unknown; target?: unknown; force?: unknown; noPush?: unknown };
  return { ...(typeof given.folder === 'string' ? { repo: given.folder } : {}), ...(typeof given.target === 'string' ? { target: given.target } : {}), ...(given.force === true ? { force: true } : {}), ...(given.noPush === true ? { noPush: true } : {}) };
}

/** Targets from settings plus those only deployment records know (deployed with the CLI). */
function knownTargets(deps: OakestraDeps): OakestraTargetSetting[] {
  const configured = readTargets(deps.logger);
  const fromRecords = deps.monitor
    .state()
    .filter((s) => !configured.some((c) => c.name === s.name))
    .map((s): OakestraTargetSetting => ({ name: s.name, url: s.url, username: s.username, registryInsecure: false }));
  return [...configured, ...fromRecords];
}

async function passwordFor(deps: OakestraDeps, target: OakestraTargetSetting): Promise<string | undefined> {
  const stored = await deps.secrets.get(passwordKey(target));
  if (stored !== undefined && stored !== '') return stored;
  return askPassword(deps, target);
}

/** Asks for the password, checks it by logging in, and stores it only when Oakestra accepts it. */
async function askPassword(deps: OakestraDeps, target: OakestraTargetSetting): Promise<string | undefined> {
  const password = await vscode.window.showInputBox({ title: `FLOps: Oakestra password of ${target.username} at ${target.url}`, prompt: 'Kept in VS Code\'s secret storage, never in settings or files.', password: true, ignoreFocusOut: true });
  if (password === undefined || password === '') return undefined;
  await withCancellableProgress(`FLOps: logging in to ${target.url}`, (signal) => deps.client(monitorTarget(target), password).applications(signal));
  await deps.secrets.store(passwordKey(target), password);
  return password;
}

async function repoOf(deps: OakestraDeps, ref: NodeRef, verb: string): Promise<string | undefined> {
  if (ref.repo !== undefined) return ref.repo;
  return (await pickRepo(deps.roots(), `Which repository to ${verb}?`))?.fsPath;
}

/** The repository, target and password a command works on; undefined when the user dismissed a pick. */
async function pickDeployment(deps: OakestraDeps, arg: unknown, verb: string): Promise<{ ref: ReturnType<typeof refOf>; repo: string; target: OakestraTargetSetting; password: string } | undefined> {
  const ref = refOf(arg);
  const repo = await repoOf(deps, ref, verb);
  if (repo === undefined) return undefined;
  const target = await pickTarget(knownTargets(deps), ref.target);
  if (target === undefined) return undefined;
  const password = await passwordFor(deps, target);
  if (password === undefined) return undefined;
  return { ref, repo, target, password };
}

export function oakestraCommands(deps: OakestraDeps): CommandSpec[] {
  const deploy = async (arg?: unknown): Promise<unknown> => {
    const picked = await pickDeployment(deps, arg, 'deploy');
    if (picked === undefined) return undefined;
    const { ref, repo, target, password } = picked;
    const pushAs = target.registry !== undefined && target.registryUsername !== undefined ? { registry: target.registry, username: target.registryUsername } : undefined;
    const registryPassword = pushAs !== undefined ? await deps.secrets.get(registryPasswordKey(pushAs.registry, pushAs.username)) : undefined;
    if (pushAs !== undefined && registryPassword === undefined) {
      throw new FlError('invalidInput', `The target ${target.name} pushes to ${pushAs.registry} as ${pushAs.username}, but no registry password is stored: run "FLOps: Set Registry Password".`);
    }
    const run = (force: boolean) =>
      withCancellableProgress(`FLOps: deploying to ${target.name}`, (signal, report) =>
        deps.deployer(password).deploy(repo, {
          target: monitorTarget(target),
          detach: true,
          force,
          push: ref.noPush !== true,
          insecureRegistry: target.registryInsecure,
          ...(pushAs !== undefined && registryPassword !== undefined ? { registryAuth: { ...pushAs, password: registryPassword } } : {}),
          signal,
          onEvent: (event) => {
            deps.logger.info(`[deploy ${target.name}] ${deployEventLine(event)}`);
            if (event.type === 'warning') void vscode.window.showWarningMessage(event.text);
            else report(event.text);
          },
        }),
      );
    let result = await run(ref.force === true);
    if (result.kind === 'lintErrors') {
      const choice = await vscode.window.showWarningMessage(`The repository has ${result.preparation.errors.length} lint error(s); the deployment would likely fail.`, 'Deploy Anyway', 'Show Problems');
      if (choice === 'Show Problems') await vscode.commands.executeCommand('workbench.actions.view.problems');
      if (choice !== 'Deploy Anyway') return result;
      result = await run(true);
    }
    void deps.monitor.refresh();
    if (result.kind === 'invalid') {
      for (const finding of result.findings) deps.logger.error(`[deploy ${target.name}] ${finding}`);
      void vscode.window.showErrorMessage(`Not deployed: ${result.findings[0] ?? 'the project is invalid'}${result.findings.length > 1 ? ` (and ${result.findings.length - 1} more, see the log)` : ''} Nothing was sent to Oakestra.`, 'Show Log').then((c) => (c === 'Show Log' ? deps.showLog() : undefined));
      return result;
    }
    if (result.kind === 'done') {
      if (result.outcome === 'failed') void vscode.window.showErrorMessage(result.message, 'Show Log').then((c) => (c === 'Show Log' ? deps.showLog() : undefined));
      else void vscode.window.showInformationMessage(result.message);
    }
    return result;
  };

  const scaleLearners = async (arg?: unknown): Promise<unknown> => {
    const ref = refOf(arg);
    const repo = await repoOf(deps, ref, 'scale');
    if (repo === undefined) return undefined;
    const projectUri = vscode.Uri.joinPath(vscode.Uri.file(repo), projectFileName);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(projectUri));
    } catch {
      throw new FlError('invalidInput', `${repo} has no ${projectFileName}: create one first ("FLOps: New Project File").`);
    }
    const config = parseProjectInput(projectFileName, text).config;
    if (config === undefined) throw new FlError('invalidInput', `${projectFileName} of ${repo} is invalid; fix it first (the Problems panel lists why).`);
    const current = simulationLearners(config);
    const minimum = config.training_configuration.min_available_clients;
    const value = await vscode.window.showInputBox({
      title: 'FLOps: Scale Learners',
      prompt: `Learner services to deploy (now ${current}; the aggregator waits for min_available_clients = ${minimum}). Sets simulation.learners in ${projectFileName} and re-deploys: every learner's partitioning changes with the count, so the run starts over.`,
      value: String(current),
      validateInput: (v) => (!/^[1-9]\d*$/.test(v.trim()) ? 'A whole number of at least 1' : Number(v) < minimum ? `At least min_available_clients (${minimum}), or training never starts` : undefined),
    });
    if (value === undefined) return undefined;
    const learners = Number(value.trim());
    if (learners !== current) await vscode.workspace.fs.writeFile(projectUri, new TextEncoder().encode(setJsonValue(text, ['simulation', 'learners'], learners)));
    const result = (await deploy(arg)) as DeployResult | undefined;
    if (result?.kind === 'done') {
      const deployed = result.record.services.filter((s) => s.role === 'learner').length;
      if (deployed !== learners) void vscode.window.showWarningMessage(`${deployed} learner services are deployed, not ${learners}: .flops/flops.sla.json was edited by hand, so it was not regenerated. Delete it (or run "FLOps: Generate FL Wrappers" and choose Overwrite) and deploy again.`);
    }
    return result;
  };

  return [
    { id: commandIds.oakestraDeploy, run: deploy },
    { id: commandIds.oakestraScaleLearners, run: scaleLearners },
    {
      id: commandIds.oakestraUndeploy,
      run: async (arg?: unknown) => {
        const picked = await pickDeployment(deps, arg, 'undeploy');
        if (picked === undefined) return undefined;
        const { ref, repo, target, password } = picked;
        const deployer = deps.deployer(password);
        const record = await deployer.record(repo, monitorTarget(target));
        if (record === undefined) {
          void vscode.window.showInformationMessage(`Nothing to undeploy: no deployment of ${repo} to ${target.name} is recorded.`);
          return undefined;
        }
        if (ref.force !== true) {
          const yes = await vscode.window.showWarningMessage(`Remove ${record.application.name} and its ${record.services.length} services from ${target.name}?`, { modal: true, detail: 'Only what this deployment created is removed: every instance, then the services, then the application.' }, 'Undeploy');
          if (yes !== 'Undeploy') return undefined;
        }
        const report = await withCancellableProgress(`FLOps: undeploying from ${target.name}`, (signal, progress) => deployer.undeploy(repo, { target: monitorTarget(target), signal, onEvent: (e) => progress(e.text) }));
        void deps.monitor.refresh();
        void vscode.window.showInformationMessage(`Removed ${report.instances.length} instance(s), ${report.services.length} service(s)${report.application !== undefined ? ` and the application ${report.application}` : ''} from ${target.name}.`);
        return report;
      },
    },
    {
      id: commandIds.oakestraSetPassword,
      run: async (arg?: unknown) => {
        const target = await pickTarget(knownTargets(deps), refOf(arg).target);
        if (target === undefined) return undefined;
        const stored = await askPassword(deps, target);
        if (stored !== undefined) {
          void vscode.window.showInformationMessage(`Logged in to ${target.url} as ${target.username}; the password is in secret storage.`);
          void deps.monitor.refresh();
        }
        return undefined;
      },
    },
    {
      id: commandIds.oakestraSetRegistryPassword,
      run: async (arg?: unknown) => {
        const target = await pickTarget(knownTargets(deps), refOf(arg).target);
        if (target === undefined) return undefined;
        if (target.registryUsername === undefined || target.registry === undefined) throw new FlError('invalidInput', `Set "registry" (host[:port]) and "registryUsername" of the target ${target.name} in flops.oakestra.targets first: the password is kept for that registry and user only.`);
        const password = await vscode.window.showInputBox({ title: `FLOps: password of ${target.registryUsername} at the registry ${target.registry}`, prompt: 'Kept in VS Code\'s secret storage; sent only to this registry.', password: true, ignoreFocusOut: true });
        if (password === undefined) return undefined;
        await deps.secrets.store(registryPasswordKey(target.registry, target.registryUsername), password);
        return undefined;
      },
    },
    {
      id: commandIds.oakestraCompare,
      run: async (arg?: unknown) => {
        const picked = await pickDeployment(deps, arg, 'compare');
        if (picked === undefined) return undefined;
        const { repo, target } = picked;
        const deployer = deps.deployer(picked.password);
        const status = await deployer.status(repo, monitorTarget(target));
        if (status === undefined) throw new FlError('invalidInput', `No deployment of ${repo} to ${target.name} is recorded: deploy it first ("FLOps: Deploy to Oakestra").`);
        const rows = compareLocalAndDeployed(await deployer.lastLocalRun(repo), status.record, status.services);
        const escape = (text: string): string => text.replace(/\|/g, '\\|');
        const content = [`# Local run vs deployment to ${target.name}`, '', `${repo} → ${status.record.application.name}; ${rows.filter((r) => !r.same).length} difference(s).`, '', '| | What | Last local run | Deployed |', '|---|---|---|---|', ...rows.map((r) => `| ${r.same ? '' : '≠'} | ${escape(r.what)} | ${escape(r.local)} | ${escape(r.deployed)} |`), ''].join('\n');
        const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content });
        await vscode.window.showTextDocument(doc, { preview: true });
        return rows;
      },
    },
    { id: commandIds.oakestraRefresh, run: () => deps.monitor.refresh() },
    {
      id: commandIds.oakestraAddTarget,
      run: async () => {
        const target = await addTarget();
        if (target !== undefined) await askPassword(deps, target).catch((error: unknown) => void vscode.window.showErrorMessage(messageOf(error)));
        void deps.monitor.refresh();
        return target;
      },
    },
    {
      id: commandIds.oakestraShowLog,
      run: async (arg?: unknown) => {
        const ref = refOf(arg);
        if (ref.target === undefined || ref.serviceId === undefined || ref.instance === undefined) throw new FlError('invalidInput', 'Open Instance Log works on an instance of the Oakestra view.');
        const doc = await vscode.workspace.openTextDocument(InstanceLogDocuments.uri(ref.target, ref.serviceId, ref.instance));
        await vscode.languages.setTextDocumentLanguage(doc, 'log');
        await vscode.window.showTextDocument(doc, { preview: true });
        return undefined;
      },
    },
  ];
}
