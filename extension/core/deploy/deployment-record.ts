import { z } from 'zod';
import { messageOf } from '../errors';

/**
 * The deployment record: what one deployment of a repository to one Oakestra target created, kept in
 * the repository (`.flops/deployments/<target>.json`). It is written before anything is created and
 * after every step, so undeploy (and a resumed deploy) can find every id after a crash, a Ctrl-C or a
 * killed process, and remove exactly those and nothing else.
 */

export const deploymentRecordSchema = z.object({
  v: z.literal(1),
  /** generated: our image and SLA; flops-addon: submitted to the FLOps manager, which deploys as Admin. */
  mode: z.enum(['generated', 'flops-addon']).default('generated'),
  /** Random; also written into the application's description, so an interrupted create is found again. */
  deploymentId: z.string(),
  target: z.object({ name: z.string(), url: z.string(), username: z.string(), organization: z.string().optional() }),
  /** `creating`: interrupted (or in progress) before every service and instance was requested. */
  state: z.enum(['creating', 'deployed']),
  createdAt: z.number(),
  updatedAt: z.number(),
  application: z.object({ name: z.string(), namespace: z.string(), id: z.string().optional() }),
  image: z.object({ local: z.string(), remote: z.string(), digest: z.string().optional(), pushed: z.boolean() }),
  services: z.array(
    z.object({
      name: z.string(),
      role: z.enum(['aggregator', 'learner', 'starter']),
      learner: z.number().optional(),
      id: z.string().optional(),
      /** Hash of the service's SLA entry: a changed one is replaced, an unchanged one kept. */
      fingerprint: z.string(),
      memoryMb: z.number().optional(),
      vcpus: z.number().optional(),
      instancesRequested: z.number(),
    }),
  ),
  /** What was deployed, for "Compare Local and Deployed". */
  config: z.object({
    rounds: z.number(),
    strategy: z.string(),
    learners: z.number(),
    environment: z.array(z.string()),
    settings: z.record(z.string(), z.string()),
  }),
  /** The MLflow tracking server FLOps gave for the customer (add-on mode). */
  trackingUrl: z.string().optional(),
  /** The last known outcome of following it. */
  outcome: z.enum(['running', 'finished', 'failed']).optional(),
  message: z.string().optional(),
});

export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;
export type DeployedService = DeploymentRecord['services'][number];

export type RecordRead = { readonly kind: 'record'; readonly record: DeploymentRecord } | { readonly kind: 'unreadable'; readonly problem: string };

export function readDeploymentRecord(text: string): RecordRead {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { kind: 'unreadable', problem: `it is not JSON (${messageOf(error)}); it may have been cut short by a full disk` };
  }
  const version = (json as { v?: unknown } | null)?.v;
  if (typeof version === 'number' && version > 1) return { kind: 'unreadable', problem: `it was written by a newer version of the extension (format ${version}); update the extension` };
  const parsed = deploymentRecordSchema.safeParse(json);
  if (!parsed.success) return { kind: 'unreadable', problem: `it is not a deployment record (${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')})` };
  return { kind: 'record', record: parsed.data };
}

/** A target's record file name: letters, digits, dots and hyphens. */
export function recordName(target: string): string {
  return target.replace(/[^a-zA-Z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'default';
}

/** The default name of a target given by URL: its host and port ("192.168.1.10-10000"). */
export function targetNameOf(url: string): string {
  try {
    const parsed = new URL(url);
    return recordName(`${parsed.hostname}-${parsed.port || (parsed.protocol === 'https:' ? '443' : '80')}`);
  } catch {
    return recordName(url);
  }
}
