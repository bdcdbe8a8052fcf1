import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DeployPorts, DeploymentStorePort, NamedTarget } from '../core/deploy/deployer';
import { readDeploymentRecord, recordName } from '../core/deploy/deployment-record';
import type { OakestraApi } from '../core/deploy/oakestra-api';
import type { ContainerRuntime, Logger, PythonAnalyzer } from '../core/ports';
import { imageTag, listBuildContext } from './build-context';
import { dockerRuntimeFor } from './docker/runtime';
import { applyPlan } from './generated-writer';
import { FlopsManagerClient } from './flops-manager-client';
import { generationPreparer } from './generation-ports';
import { registryScheme } from './registry-probe';
import { fileRunHistory, processOwners } from './simulation-ports';
import { systemClock } from './system-clock';

/**
 * Deployment records on disk: `<repo>/.flops/deployments/<target>.json` (core/deploy/deployment-record.ts).
 * Written through a temporary file and a rename, so a crash never leaves half a record.
 */

export function deploymentsFolder(dir: string): string {
  return path.join(dir, '.flops', 'deployments');
}

export const fileDeploymentStore: DeploymentStorePort = {
  path: (dir, target) => path.join(deploymentsFolder(dir), `${recordName(target)}.json`),
  async read(dir, target) {
    let text: string;
    try {
      text = await readFile(fileDeploymentStore.path(dir, target), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return readDeploymentRecord(text);
  },
  async write(dir, record) {
    const file = fileDeploymentStore.path(dir, record.target.name);
    await mkdir(path.dirname(file), { recursive: true });
    const temporary = `${file}.tmp-${process.pid}`;
    await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`, 'utf8');
    await rename(temporary, file);
  },
  async remove(dir, target) {
    await rm(fileDeploymentStore.path(dir, target), { force: true });
  },
  async list(dir) {
    let names: string[];
    try {
      names = await readdir(deploymentsFolder(dir));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const out = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      out.push({ target: name.slice(0, -'.json'.length), read: readDeploymentRecord(await readFile(path.join(deploymentsFolder(dir), name), 'utf8')) });
    }
    return out;
  },
};

/** The deploy use case's ports on this machine; `oakestra` binds a target to its credentials. */
export function deployPorts(analyzer: PythonAnalyzer, oakestra: (target: NamedTarget) => OakestraApi, options: { readonly logger?: Logger; readonly runtimeFor?: () => ContainerRuntime } = {}): DeployPorts {
  return {
    prepareGeneration: generationPreparer(analyzer),
    applyGeneration: applyPlan,
    readText: (file) => readFile(file, 'utf8'),
    runtime: options.runtimeFor ?? (() => dockerRuntimeFor()),
    buildContext: { list: listBuildContext, tag: imageTag },
    owners: processOwners,
    history: fileRunHistory,
    records: fileDeploymentStore,
    registryScheme,
    oakestra,
    flops: (url, api) => new FlopsManagerClient(url, api),
    clock: systemClock,
    randomId: () => randomBytes(6).toString('hex'),
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  };
}
