import { FlError, messageOf } from '../errors';
import type { DeployOptions, DeployPorts } from './deployer';
import type { DeployPlan } from './deploy-plan';

/**
 * The image step of a deploy: the registry must answer (over TLS, or plain HTTP only when marked
 * insecure), the simulation's image is built if this engine lacks it, tagged with the registry's name
 * and pushed; a refused push says why. Nothing is created on Oakestra before this succeeds.
 */
export async function pushDeployImage(ports: Pick<DeployPorts, 'registryScheme' | 'runtime' | 'owners'>, dir: string, plan: DeployPlan, build: { readonly files: readonly string[]; readonly dockerfile: string; readonly buildArgs: Readonly<Record<string, string>> }, options: DeployOptions): Promise<string> {
  const { signal } = options;
  const step = (text: string): void => options.onEvent?.({ type: 'step', text });
  const registry = plan.image.remote.split('/')[0] ?? '';
  const scheme = await ports.registryScheme(registry, signal);
  if (scheme.scheme === 'unreachable') throw new FlError('invalidInput', `The registry ${registry} (image.registry) cannot be reached from here: ${scheme.reason}. Check the address and that the registry runs. Nothing was created on Oakestra.`);
  if (scheme.scheme === 'http' && options.insecureRegistry !== true) {
    throw new FlError('invalidInput', `The registry ${registry} speaks plain HTTP: images and credentials would cross the network unencrypted. If that is intended (a registry on a network you trust), mark it insecure (--insecure-registry, or "registryInsecure" in the target's settings) and list it under "insecure-registries" in the Docker engine's daemon.json. Nothing was created on Oakestra.`);
  }
  const runtime = ports.runtime();
  await runtime.ping(signal);
  if (!(await runtime.imageExists(plan.image.local, signal))) {
    step(`Building ${plan.image.local} (the image the simulation runs)`);
    const key = await ports.owners.repoKey(dir);
    await runtime.buildImage(
      { contextDir: dir, files: build.files, dockerfile: build.dockerfile, tag: plan.image.local, buildArgs: build.buildArgs, labels: { 'flops.image': 'simulation', 'flops.repo': key } },
      { ...(signal !== undefined ? { signal } : {}), onProgress: (p) => (p.step !== undefined ? step(`  step ${p.step.index}/${p.step.total}: ${p.step.instruction}`) : undefined) },
    );
  }
  await runtime.tagImage(plan.image.local, plan.image.remote, signal);
  step(`Pushing ${plan.image.remote}`);
  try {
    // Credentials go only to the registry they were given for: image.registry comes from the repository.
    const auth = options.registryAuth;
    const matches = auth !== undefined && (auth.registry === undefined || auth.registry.replace(/\/.*$/, '') === registry);
    if (auth !== undefined && !matches) options.onEvent?.({ type: 'warning', text: `The target's registry credentials are for ${auth.registry ?? '?'}, but image.registry is ${registry}: pushing without them.` });
    return await runtime.pushImage(plan.image.remote, { ...(auth !== undefined && matches ? { auth: { username: auth.username, password: auth.password } } : {}), ...(signal !== undefined ? { signal } : {}) });
  } catch (error) {
    if (error instanceof FlError) throw error;
    const message = messageOf(error);
    let hint = 'Check that the registry runs and that this machine reaches it.';
    if (/HTTP response to HTTPS client|server gave HTTP/i.test(message)) hint = `The registry ${registry} speaks plain HTTP: add it to "insecure-registries" in the Docker engine's daemon.json (only for a registry on a network you trust) and restart the engine, or serve it with TLS.`;
    else if (/unauthorized|authentication required|no basic auth credentials|denied|401|403/i.test(message)) hint = `The registry refused the credentials: set them ("FLOps: Set Registry Password" in the editor, FLOPS_REGISTRY_USERNAME and FLOPS_REGISTRY_PASSWORD for the CLI).`;
    else if (/certificate|x509|tls/i.test(message)) hint = `The registry's TLS certificate is not trusted by the Docker engine: install its CA under /etc/docker/certs.d/${registry}/ca.crt.`;
    else if (/connection refused|no such host|dial tcp|i\/o timeout/i.test(message)) hint = `The Docker engine cannot reach ${registry}: check image.registry in flops.json and that the registry runs.`;
    else if (/no space left/i.test(message)) hint = 'The registry (or this machine) is out of disk space.';
    throw new FlError('invalidInput', `Pushing ${plan.image.remote} failed: ${message}. ${hint} Nothing was created on Oakestra.`, message);
  }
}
