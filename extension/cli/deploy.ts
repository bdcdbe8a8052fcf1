import path from 'node:path';
import { targetNameOf } from '../core/deploy/deployment-record';
import { deployEventLine, type DeployResult, type NamedTarget, type OakestraDeployer } from '../core/deploy/deployer';
import type { OakestraService } from '../core/deploy/oakestra-api';
import { describeStatus, runningSummary } from '../core/deploy/oakestra-status';
import { compareLocalAndDeployed } from '../core/deploy/parity';
import { FlError } from '../core/errors';
import { toTextReport } from '../core/findings/format-findings';
import type { RegistryAuth } from '../core/ports';
import { interruptSignal, parseCommandArgs, type CliIo, UsageError } from './cli-io';
import type { CliServices } from './cli-root';

/**
 * `flops deploy`, `flops undeploy` and `flops deployments`: the Oakestra use cases of core/deploy over
 * the undici client. The password comes from FLOPS_OAKESTRA_PASSWORD or stdin (--password-stdin),
 * never from an argument (it would show in `ps` and the shell history) and never from a file.
 */

const targetOptions = `  DIR                 The repository (default: the current folder).
  --url URL           The Oakestra system manager, e.g. http://192.168.1.10:10000.
  --username NAME     The Oakestra user; its password from FLOPS_OAKESTRA_PASSWORD or --password-stdin.
  --organization ORG  The user's organization (default: the server's, "root").
  --password-stdin    Read the password from the first line of standard input.
  --target NAME       The name of the deployment record (default: the URL's host-port), so one
                      repository can be deployed to several Oakestra roots.
  --flops-url URL     The FLOps manager, for projects with "target": "flops-addon" (default: the
                      URL's host, port 5072).`;

export const deployUsage = `Usage: flops deploy [DIR] --url URL --username NAME [--organization ORG] [--no-push] [--detach]
                    [--format text|json]

Deploys the project to Oakestra: validates flops.json and the generated SLA (.flops/flops.sla.json)
and checks the active clusters' capacity before anything is sent, builds the image the simulation runs
(same content tag) and pushes it to image.registry, creates the application (aggregator, one service
per learner, the one-shot "run" service), requests the instances and follows them until the Flower run
ends. DIR/.flops/deployments/<target>.json records what was created. Re-deploying an unchanged project
does nothing; a changed one replaces only the services that changed.

${targetOptions}
  --no-push           The image is already in the registry: neither build nor push it.
  --insecure-registry Allow image.registry to be plain HTTP (the Docker engine must list it under
                      insecure-registries too).
  --detach            Return once every instance runs, instead of following the run to its end.
  --force             Deploy despite lint errors.
  --mock-data         Add-on mode: also start a FLOps mock data provider for the project's data tag.
  --poll-interval S   Seconds between two polls of Oakestra (default 5).
  --stuck-after MIN   Minutes an instance may stay pending or failing before the deploy fails (default 15).
  --format F          text (default) or json (the plan and the final state).

Registry credentials, when the registry needs them: FLOPS_REGISTRY_USERNAME and FLOPS_REGISTRY_PASSWORD.

With "target": "flops-addon" in flops.json the project goes to the FLOps manager instead, which builds
the images from ml_repo_url and deploys the FL actors itself; the deploy follows what it creates (image
builder, aggregator, learners, the observer's messages) and prints the MLflow tracking URL.

Exit codes: 0 deployed (finished, running or unchanged), 1 the project is invalid or the run failed,
2 usage error, unreachable Oakestra or refused credentials, 130 interrupted.`;

export const undeployUsage = `Usage: flops undeploy [DIR] --url URL --username NAME [--organization ORG] [--format text|json]

Removes what the deployment record of this target holds: every instance (one at a time), every
service, then the application; nothing else. Works after a crash or an interrupted deploy; running it
twice is harmless.

${targetOptions}
  --format F          text (default) or json.

Exit codes: 0 removed (or nothing to remove), 2 usage error or Oakestra refused, 130 interrupted.`;

export const deploymentsUsage = `Usage: flops deployments [DIR] [--url URL --username NAME] [--diff] [--format text|json]

Shows the deployment records of DIR; with --url and --username, the live state of that target's
services and instances. --diff compares the newest local run with the deployment (image, rounds,
strategy, learners and their resources, settings, environment).

${targetOptions}
  --diff              Compare the last local run and the deployment.
  --format F          text (default) or json.`;

const commonOptions = {
  url: { type: 'string' },
  username: { type: 'string' },
  organization: { type: 'string' },
  target: { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'flops-url': { type: 'string' },
  format: { type: 'string', short: 'f', default: 'text' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
}

interface TargetArgs {
  readonly 'flops-url'?: string | undefined;
  readonly url?: string | undefined;
  readonly username?: string | undefined;
  readonly organization?: string | undefined;
  readonly target?: string | undefined;
  readonly 'password-stdin'?: boolean | undefined;
}

function targetOf(values: TargetArgs, usage: string): NamedTarget {
  if (values.url === undefined) throw new UsageError('--url URL is required (the Oakestra system manager, e.g. http://192.168.1.10:10000).', usage);
  if (values.username === undefined || values.username === '') throw new UsageError('--username NAME is required: this tool never falls back to Admin/Admin.', usage);
  return {
    name: values.target ?? targetNameOf(values.url),
    url: values.url,
    username: values.username,
    ...(values.organization !== undefined && values.organization !== '' ? { organization: values.organization } : {}),
    ...(values['flops-url'] !== undefined ? { flopsUrl: values['flops-url'] } : {}),
  };
}

async function passwordOf(values: TargetArgs, io: CliIo, usage: string, stdin: () => Promise<string>): Promise<string> {
  const password = values['password-stdin'] === true ? await stdin() : io.env['FLOPS_OAKESTRA_PASSWORD'];
  if (password === undefined || password === '') throw new UsageError('No Oakestra password: set FLOPS_OAKESTRA_PASSWORD or pass --password-stdin (never an argument).', usage);
  return password;
}

function format(value: string | undefined, usage: string): 'text' | 'json' {
  if (value !== 'text' && value !== 'json') throw new UsageError(`Unknown format "${String(value)}"; use text or json.`, usage);
  return value;
}

function seconds(value: string | undefined, name: string, usage: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${value}".`, usage);
  return n;
}

function registryAuth(io: CliIo): RegistryAuth | undefined {
  const username = io.env['FLOPS_REGISTRY_USERNAME'];
  const password = io.env['FLOPS_REGISTRY_PASSWORD'];
  return username !== undefined && username !== '' && password !== undefined ? { username, password } : undefined;
}

function serviceRows(services: readonly OakestraService[]): string[] {
  const lines: string[] = [];
  for (const service of services) {
    if (service.instances.length === 0) {
      lines.push(`  ${service.name.padEnd(10)} ${service.status}: ${describeStatus(service.status).meaning}${service.detail !== '' ? ` (${service.detail})` : ''}`);
      continue;
    }
    lines.push(`  ${service.name.padEnd(10)} ${runningSummary(service.instances)}`);
    for (const i of service.instances) {
      lines.push(`    #${i.number} ${i.status}: ${describeStatus(i.status).meaning}${i.detail !== '' ? ` (${i.detail})` : ''}${i.publicIp !== '' ? `, worker ${i.publicIp}` : ''}${i.clusterId !== '' ? `, cluster ${i.clusterId}` : ''}`);
    }
  }
  return lines;
}

function resultJson(result: Extract<DeployResult, { kind: 'done' }>): unknown {
  return {
    outcome: result.outcome,
    message: result.message,
    plan: {
      application: result.plan.application,
      image: result.plan.image,
      services: result.plan.services.map((s) => ({ name: s.name, role: s.role, ...(s.learner !== undefined ? { learner: s.learner } : {}), memoryMb: s.memoryMb ?? null, vcpus: s.vcpus ?? null, clusters: s.clusters })),
    },
    record: result.record,
    services: result.services,
    requests: result.requests,
  };
}

export async function deployCommand(args: string[], io: CliIo, services: CliServices, stdin: () => Promise<string> = readStdinLine): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    {
      args,
      allowPositionals: true,
      options: { ...commonOptions, 'mock-data': { type: 'boolean' }, 'no-push': { type: 'boolean' }, 'insecure-registry': { type: 'boolean' }, detach: { type: 'boolean' }, force: { type: 'boolean' }, 'poll-interval': { type: 'string' }, 'stuck-after': { type: 'string' } },
    },
    deployUsage,
  );
  if (values.help === true) {
    io.out.write(`${deployUsage}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`, deployUsage);
  const fmt = format(values.format, deployUsage);
  const target = targetOf(values, deployUsage);
  const pollSeconds = seconds(values['poll-interval'], '--poll-interval', deployUsage);
  const stuckMinutes = seconds(values['stuck-after'], '--stuck-after', deployUsage);
  const password = await passwordOf(values, io, deployUsage, stdin);
  const dir = path.resolve(positionals[0] ?? '.');
  const analyzer = services.analyzer();
  const interrupt = interruptSignal();
  try {
    const deployer = services.deployer(analyzer, password);
    const auth = registryAuth(io);
    const result = await deployer.deploy(dir, {
      target,
      push: values['no-push'] !== true,
      insecureRegistry: values['insecure-registry'] === true,
      detach: values.detach === true,
      force: values.force === true,
      mockData: values['mock-data'] === true,
      signal: interrupt.signal,
      ...(auth !== undefined ? { registryAuth: auth } : {}),
      ...(pollSeconds !== undefined ? { pollMs: pollSeconds * 1000 } : {}),
      ...(stuckMinutes !== undefined ? { stuckMs: stuckMinutes * 60_000 } : {}),
      onEvent: (event) => (fmt === 'text' ? io.out : io.err).write(`${deployEventLine(event)}\n`),
    });
    if (result.kind === 'lintErrors') {
      io.err.write(toTextReport(result.preparation.errors, { color: false }));
      io.err.write('flops deploy: the repository has lint errors; fix them or pass --force.\n');
      return 1;
    }
    if (result.kind === 'invalid') {
      if (fmt === 'json') io.out.write(`${JSON.stringify({ outcome: 'invalid', findings: result.findings }, null, 2)}\n`);
      for (const finding of result.findings) io.err.write(`flops deploy: ${finding}\n`);
      io.err.write('flops deploy: nothing was sent to Oakestra.\n');
      return 1;
    }
    if (fmt === 'json') io.out.write(`${JSON.stringify(resultJson(result), null, 2)}\n`);
    else {
      io.out.write(`${result.message}\n`);
      io.out.write(`${serviceRows(result.services).join('\n')}\n`);
    }
    return result.outcome === 'failed' ? 1 : 0;
  } catch (error) {
    if (error instanceof FlError && error.kind === 'cancelled') io.err.write(`flops deploy: ${error.message}\n`);
    throw error;
  } finally {
    interrupt.dispose();
    analyzer.dispose();
  }
}

export async function undeployCommand(args: string[], io: CliIo, services: CliServices, stdin: () => Promise<string> = readStdinLine): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: commonOptions }, undeployUsage);
  if (values.help === true) {
    io.out.write(`${undeployUsage}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`, undeployUsage);
  const fmt = format(values.format, undeployUsage);
  const target = targetOf(values, undeployUsage);
  const password = await passwordOf(values, io, undeployUsage, stdin);
  const dir = path.resolve(positionals[0] ?? '.');
  const analyzer = services.analyzer();
  const interrupt = interruptSignal();
  try {
    const report = await services.deployer(analyzer, password).undeploy(dir, { target, signal: interrupt.signal, onEvent: (e) => (fmt === 'text' ? io.out : io.err).write(`${deployEventLine(e)}\n`) });
    if (fmt === 'json') {
      io.out.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    if (report.nothing) io.out.write(`Nothing to undeploy: no deployment of ${dir} to ${target.name} is recorded.\n`);
    else io.out.write(`Removed ${report.instances.length} instance(s), ${report.services.length} service(s)${report.application !== undefined ? ` and the application ${report.application}` : ' (the application was already gone)'}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof FlError && error.kind === 'cancelled') io.err.write(`flops undeploy: interrupted; the record still lists what is left: run flops undeploy again.\n`);
    throw error;
  } finally {
    interrupt.dispose();
    analyzer.dispose();
  }
}

export async function deploymentsCommand(args: string[], io: CliIo, services: CliServices, stdin: () => Promise<string> = readStdinLine): Promise<number> {
  const { values, positionals } = parseCommandArgs({ args, allowPositionals: true, options: { ...commonOptions, diff: { type: 'boolean' } } }, deploymentsUsage);
  if (values.help === true) {
    io.out.write(`${deploymentsUsage}\n`);
    return 0;
  }
  if (positionals.length > 1) throw new UsageError(`expected one folder, got ${positionals.length}: ${positionals.join(' ')}`, deploymentsUsage);
  const fmt = format(values.format, deploymentsUsage);
  const dir = path.resolve(positionals[0] ?? '.');
  if (values.url === undefined) {
    // Offline: the records only.
    const records = await services.deploymentRecords(dir);
    if (fmt === 'json') {
      io.out.write(`${JSON.stringify(records.map((r) => (r.read.kind === 'record' ? r.read.record : { target: r.target, problem: r.read.problem })), null, 2)}\n`);
      return 0;
    }
    if (records.length === 0) io.out.write(`No deployments of ${dir} are recorded (flops deploy makes one).\n`);
    for (const r of records) {
      if (r.read.kind !== 'record') io.out.write(`${r.target}: unreadable (${r.read.problem})\n`);
      else io.out.write(`${r.target}: ${r.read.record.application.name} on ${r.read.record.target.url} as ${r.read.record.target.username}, ${r.read.record.services.length} services, ${r.read.record.state}${r.read.record.outcome !== undefined ? `, ${r.read.record.outcome}` : ''} (add --url and --username for the live state)\n`);
    }
    return 0;
  }
  const target = targetOf(values, deploymentsUsage);
  const password = await passwordOf(values, io, deploymentsUsage, stdin);
  const analyzer = services.analyzer();
  try {
    const deployer: OakestraDeployer = services.deployer(analyzer, password);
    const status = await deployer.status(dir, target);
    if (status === undefined) {
      io.err.write(`flops deployments: no deployment of ${dir} to ${target.name} is recorded.\n`);
      return 1;
    }
    const { record } = status;
    const live = status.services;
    const diff = values.diff === true ? compareLocalAndDeployed(await deployer.lastLocalRun(dir), record, live) : undefined;
    if (fmt === 'json') {
      io.out.write(`${JSON.stringify({ record, services: live ?? null, ...(diff !== undefined ? { diff } : {}) }, null, 2)}\n`);
      return 0;
    }
    io.out.write(`${record.application.name} (${record.application.id ?? 'not created'}) on ${record.target.url} as ${record.target.username}: ${record.state}${record.outcome !== undefined ? `, last ${record.outcome}` : ''}\n  image ${record.image.remote}${record.image.digest !== undefined ? ` (${record.image.digest})` : ''}\n`);
    if (live === undefined) io.out.write('  The application no longer exists on Oakestra (flops undeploy clears the record).\n');
    else io.out.write(`${serviceRows(live.filter((s) => record.services.some((r) => r.id === s.id))).join('\n')}\n`);
    if (diff !== undefined) {
      const width = Math.max(...diff.map((d) => d.what.length));
      io.out.write(`\nLocal run vs deployment (${diff.filter((d) => !d.same).length} difference(s)):\n`);
      for (const d of diff) io.out.write(`  ${d.same ? ' ' : '≠'} ${d.what.padEnd(width)}  ${d.local}${d.same ? '' : `  →  ${d.deployed}`}\n`);
    }
    return 0;
  } finally {
    analyzer.dispose();
  }
}
