import { FlError, messageOf } from '../errors';
import type { Clock, ContainerRuntime, Logger } from '../ports';
import type { RunEvent } from '../runs/run-events';
import type { SimulationPlan } from './plan';

/**
 * A run's images, before any container starts: the MLflow image must be there; the project image is
 * built only when its content-hash tag is new (a missing base image explained), and the superseded
 * images of the same repository are removed afterwards.
 */

export interface ImageStepDeps {
  readonly runtime: ContainerRuntime;
  readonly clock: Clock;
  readonly logger?: Logger;
  /** The build context (io/build-context.ts). */
  readonly build: { readonly contextDir: string; readonly files: readonly string[] };
  readonly emit: (event: RunEvent) => void;
  readonly onLog?: (service: string, line: string, stream: 'stdout' | 'stderr') => void;
}

export async function ensureImages(plan: SimulationPlan, deps: ImageStepDeps, signal: AbortSignal): Promise<void> {
  const { runtime } = deps;
  for (const member of plan.members) {
    if (member.role !== 'mlflow') continue;
    if (!(await runtime.imageExists(member.spec.image, signal))) {
      throw new FlError('invalidInput', `The MLflow image ${member.spec.image} is not on this Docker engine. Pull it (docker pull ${member.spec.image}), set simulation.mlflow.image to one you have, or set simulation.mlflow.enabled to false.`);
    }
  }
  const tag = plan.image.tag;
  if (await runtime.imageExists(tag, signal)) {
    deps.emit({ type: 'imageReady', at: deps.clock.now(), tag, built: false });
    return;
  }
  deps.emit({ type: 'imageBuildStarted', at: deps.clock.now(), tag });
  const base = plan.image.buildArgs['BASE_IMAGE'];
  const baseIsLocal = base === undefined || (await runtime.imageExists(base, signal));
  if (!baseIsLocal) deps.onLog?.('build', `The base image ${base} is not on this engine: the build pulls it.`, 'stdout');
  try {
    await build(plan, deps, tag, signal);
  } catch (error) {
    const pullFailure = /pull access denied|manifest unknown|repository does not exist|no such host|dial tcp|i\/o timeout|TLS handshake|server misbehaving|connection refused/i.test(messageOf(error));
    if (baseIsLocal || !pullFailure || error instanceof FlError) throw error;
    throw new Error(`The base image ${base} is not on this Docker engine and the build could not get it (${messageOf(error)}). Pull it (docker pull ${base}) or set image.base_image in flops.json to an image you have; offline, use a prepared base image that already holds your dependencies and Flower.`);
  }
  deps.emit({ type: 'imageReady', at: deps.clock.now(), tag, built: true });
  // Each change of the repository makes a new tag; the superseded images of this repository go, so
  // they do not pile up on the user's disk. Best effort: a failure here never fails the run.
  try {
    const removed = await runtime.removeImages(imageLabels(plan), tag, signal);
    if (removed.length > 0) deps.onLog?.('build', `Removed superseded images of this repository: ${removed.join(', ')}`, 'stdout');
  } catch (error) {
    if (error instanceof FlError && error.kind === 'cancelled') throw error;
    deps.logger?.warn(`Could not remove superseded images: ${messageOf(error)}`);
  }
}

/** Labels of the images this repository's runs build: how superseded ones are found. */
export function imageLabels(plan: SimulationPlan): Record<string, string> {
  return { 'flops.image': 'simulation', 'flops.repo': plan.runLabels['flops.repo'] ?? '' };
}

async function build(plan: SimulationPlan, deps: ImageStepDeps, tag: string, signal: AbortSignal): Promise<void> {
  const { runtime } = deps;
  await runtime.buildImage(
    { contextDir: deps.build.contextDir, files: deps.build.files, dockerfile: plan.image.dockerfile, tag, buildArgs: plan.image.buildArgs, labels: imageLabels(plan) },
    {
      signal,
      onProgress: (progress) => {
        deps.onLog?.('build', progress.line, 'stdout');
        if (progress.step !== undefined) deps.emit({ type: 'imageBuildStep', at: deps.clock.now(), ...progress.step });
      },
    },
  );
}
