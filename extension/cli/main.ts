#!/usr/bin/env node
import { FlError } from '../core/errors';
import packageJson from '../../package.json';
import { checkCommand } from './check';
import { deployCommand, deploymentsCommand, undeployCommand } from './deploy';
import { type CliIo, UsageError } from './cli-io';
import { cliServices, type CliServices } from './cli-root';
import { generateCommand } from './generate';
import { lintCommand } from './lint';
import { mainUsage } from './main-usage';
import { metricsCommand } from './metrics';
import { rulesCommand } from './rules';
import { simCommand } from './sim';
import { validateCommand } from './validate';

/**
 * The `flops` command line over the same core as the extension: this file is the dispatcher (one
 * table of commands, one way to report usage errors and failures); each command is a file next to it.
 * Exit codes: 0 no error findings, 1 error findings or a failed run, 2 usage errors and unreadable
 * input, 130 cancelled.
 */

type Command = (args: string[], io: CliIo, services: CliServices) => Promise<number> | number;

const commands: Readonly<Record<string, Command>> = {
  lint: lintCommand,
  validate: validateCommand,
  rules: rulesCommand,
  generate: generateCommand,
  check: checkCommand,
  sim: simCommand,
  metrics: metricsCommand,
  deploy: (args, io, services) => deployCommand(args, io, services),
  undeploy: (args, io, services) => undeployCommand(args, io, services),
  deployments: (args, io, services) => deploymentsCommand(args, io, services),
};

export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr, env: process.env }, services: CliServices = cliServices()): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === '-v' || name === '--version') {
      io.out.write(`${packageJson.version}\n`);
      return 0;
    }
    if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
      io.out.write(`${mainUsage}\n`);
      return name === undefined ? 2 : 0;
    }
    const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
    if (command === undefined) throw new UsageError(`Unknown command "${name}".`);
    return await command(rest, io, services);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.prefix}: ${error.message}\n\n${error.usage ?? mainUsage}\n`);
      return 2;
    }
    if (error instanceof FlError) {
      if (error.kind === 'cancelled') return 130;
      io.err.write(`flops: ${error.message}\n`);
      if (error.kind === 'notFound') return 1;
      if (error.detail !== undefined && io.env['FLOPS_DEBUG'] !== undefined) io.err.write(`${error.detail}\n`);
      return 2;
    }
    throw error;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`flops: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 3;
    },
  );
}
