import { z } from 'zod';
import { tooLargeMessage } from './schema-issues';

/**
 * Oakestra's deployment descriptor (SLA) format v2.0, as its validator really checks it
 * (oakestra-api.md §8: `root_orchestrator/system-manager-python/sla/schema.py` at develop 0e879834), not
 * as its docs describe it. Required fields, the `^[a-zA-Z0-9]{1,30}$` names, the empty `microserviceID`,
 * the string `port`, integer resources, `sla_version` exactly "v2.0" and the constraint, volume and
 * connectivity items are errors here, because the server answers them with a bare 422 or 500. Every
 * object stays open (the server stores unknown keys), as upstream; what the server accepts but handles
 * badly (long names, ignored constraint types, port syntax...) is the lint layer in sla-checks.ts.
 *
 * Single source of truth for schemas/oakestra-sla.schema.json, editor completion and hover, and
 * `flops validate`.
 */

export const slaNamePattern = /^[a-zA-Z0-9]{1,30}$/;

/** File names that get the SLA schema in the editor (package.json jsonValidation) and the SLA lint layer. */
export const slaFileMatch = ['*.sla.json', 'sla*.json'] as const;

/** True for names `slaFileMatch` matches: `*.sla.json` or `sla*.json` (case as written). */
export function isSlaFileName(basename: string): boolean {
  return basename.endsWith('.sla.json') || (basename.startsWith('sla') && basename.endsWith('.json'));
}

const slaName = (field: string, description: string, examples: readonly string[]) =>
  z
    .string()
    .regex(slaNamePattern, { error: `${field} must be 1 to 30 letters or digits, without "-", "_", "." or spaces (Oakestra's validator rejects anything else)` })
    .meta({ description: `${description} Letters and digits only, 1 to 30 characters (keep it to 10: the documented limit, longer names can fail at deploy time).`, examples: [...examples] });

const integer = (field: string, description: string, examples: readonly number[]) =>
  z
    .int({ error: (issue) => `${field} ${tooLargeMessage(issue.input)?.replace(/^the number /, '') ?? "must be an integer (Oakestra's validator rejects fractions and strings)"}` })
    .optional()
    .meta({ description, examples: [...examples] });

const strings = (description: string, examples: readonly (readonly string[])[]) => z.array(z.string()).optional().meta({ description, examples: examples.map((e) => [...e]) });

export const slaConstraintSchema = z
  .looseObject({
    type: z.string().meta({
      description: 'Constraint type. Only "direct" is enforced by the current scheduler; "clusters", "addons", "latency" and "geo" are accepted and ignored.',
      examples: ['direct', 'clusters', 'addons', 'latency', 'geo'],
    }),
    area: z.string().optional().meta({ description: 'latency: the area the latency is measured to.', examples: ['munich-1'] }),
    cluster: z.string().optional().meta({ description: 'direct: the cluster name, matched exactly (root scheduler).', examples: ['cluster1'] }),
    node: z.string().optional().meta({ description: 'direct: the worker node name, matched exactly (cluster scheduler); a "node1;node2" list is not parsed.', examples: ['worker1'] }),
    location: z.string().optional().meta({ description: 'geo: the location to stay near.', examples: ['48.1374,11.5755'] }),
    threshold: z.number().optional().meta({ description: 'latency: milliseconds; geo: kilometres.', examples: [100] }),
    rigidness: z.number().optional().meta({ description: 'latency: how strictly the threshold holds, 0 to 1.', examples: [0.99] }),
    convergence_time: z.int().optional().meta({ description: 'latency: seconds to converge (default 300).', examples: [300] }),
    needs: strings('addons: add-ons the worker must offer.', [['FLOps-learner'], ['image-builder']]),
    allowed: strings('clusters: names of the clusters allowed.', [['cluster1', 'cluster2']]),
  })
  .meta({ description: 'A placement constraint; "type" is required.', examples: [{ type: 'direct', cluster: 'cluster1' }] });

export const slaConnectivitySchema = z
  .looseObject({
    target_microservice_id: z.string().meta({ description: 'The service this one talks to (informational only).', examples: ['1'] }),
    con_constraints: z
      .array(
        z
          .looseObject({
            type: z.string().meta({ description: 'Constraint type.', examples: ['latency'] }),
            threshold: z.number().meta({ description: 'Threshold (milliseconds for latency).', examples: [50] }),
            rigidness: z.number().meta({ description: 'How strictly the threshold holds, 0 to 1.', examples: [0.9] }),
            convergence_time: z.int().meta({ description: 'Seconds to converge.', examples: [300] }),
          })
          .meta({ description: 'A connection constraint; all four fields are required.' }),
      )
      .meta({ description: 'Constraints on the connection (may be empty).', examples: [[]] }),
  })
  .meta({ description: 'A connection to another service (informational only; the scheduler ignores it).' });

export const slaVolumeSchema = z
  .looseObject({
    volume_id: z.string().meta({ description: 'The volume to mount.', examples: ['data1'] }),
    csi_driver: z.string().meta({ description: 'The CSI driver that provides it; the service is placed only where a worker advertises the driver.', examples: ['csi.oakestra.io'] }),
    mount_path: z.string().optional().meta({ description: 'Where the volume appears inside the service.', examples: ['/data'] }),
    config: z.record(z.string(), z.unknown()).optional().meta({ description: 'Driver-specific settings.', examples: [{}] }),
  })
  .meta({ description: 'A CSI volume; volume_id and csi_driver are required.' });

export const slaAddressesSchema = z
  .looseObject({
    rr_ip: z.string().optional().meta({ description: 'Round-robin service IP: an unused IPv4 address in 10.30.0.0/16.', examples: ['10.30.0.10'] }),
    rr_ip_v6: z.string().optional().meta({ description: 'Round-robin service IPv6 address in fdff:2000::/21.', examples: ['fdff:2000::10'] }),
    closest_ip: z.string().optional().meta({ description: 'Closest-instance service IPv4 address.', examples: ['10.30.0.11'] }),
    closest_ip_v6: z.string().optional().meta({ description: 'Closest-instance service IPv6 address.', examples: ['fdff:2000::11'] }),
    instances: z
      .array(
        z.looseObject({
          from: z.string().optional().meta({ description: 'First address of the instance range.', examples: ['10.30.1.1'] }),
          to: z.string().optional().meta({ description: 'Last address of the instance range.', examples: ['10.30.1.10'] }),
          start: z.string().optional().meta({ description: 'Address of the first instance.', examples: ['10.30.1.1'] }),
        }),
      )
      .optional()
      .meta({ description: 'Per-instance address ranges.', examples: [[]] }),
  })
  .meta({ description: 'Semantic service addresses on the Oakestra overlay network.', examples: [{ rr_ip: '10.30.0.10' }] });

export const slaMicroserviceSchema = z
  .looseObject({
    microserviceID: z
      .string()
      .max(0, { error: 'microserviceID must be "" or absent: Oakestra assigns the id and its validator rejects any value' })
      .optional()
      .meta({ description: 'Leave empty: Oakestra assigns the id.', examples: [''] }),
    microservice_name: slaName('microservice_name', 'Service name (job_name is app.ns.service.ns; a duplicate silently replaces the existing job).', ['aggr', 'learner']),
    microservice_namespace: slaName('microservice_namespace', 'Service namespace.', ['default', 'flops']),
    virtualization: z.string().meta({ description: 'Runtime: "container" (stored as "docker"), "unikernel" (needs "arch") or "crosvm" (experimental). Must match a worker runtime.', examples: ['container', 'unikernel', 'crosvm'] }),
    code: z.string().meta({ description: 'Image reference (container), or the URL of a .tar.gz holding a "kernel" file (unikernel).', examples: ['docker.io/library/nginx:latest', 'ghcr.io/my-org/flops-learner:1.0'] }),
    cmd: strings('Command override.', [['python', 'main.py']]),
    environment: strings('Environment variables, each "KEY=value".', [['ROLE=aggregator']]),
    memory: integer('memory', 'Memory in MB; the scheduler needs a worker with at least this much free.', [100, 512]),
    vcpus: integer('vcpus', 'CPU cores; the scheduler needs a worker with at least this many free (the docs wrongly say "vcpu").', [1, 2]),
    vgpus: integer('vgpus', 'GPUs (crosvm uses 1 for virtio-GPU).', [0, 1]),
    vtpus: integer('vtpus', 'TPUs.', [0]),
    bandwidth_in: integer('bandwidth_in', 'Inbound bandwidth in kbit/s (ignored by the scheduler).', [0]),
    bandwidth_out: integer('bandwidth_out', 'Outbound bandwidth in kbit/s (ignored by the scheduler).', [0]),
    storage: integer('storage', 'Storage in MB (ignored by the scheduler; sizes the crosvm root file system).', [0]),
    port: z
      .string({ error: 'port must be a string such as "8080:80" or "9080" (Oakestra\'s validator rejects numbers)' })
      .optional()
      .meta({ description: 'Published ports: "host:container[/tcp|udp]", several joined by ";", tcp by default.', examples: ['8080:80', '6080:80/tcp', '9080'] }),
    addresses: slaAddressesSchema.optional(),
    one_shot: z.boolean().optional().meta({ description: 'Run once: exit 0 means COMPLETED and no restart. Default false.', default: false, examples: [true] }),
    privileged: z.boolean().optional().meta({ description: 'Run privileged. Default false.', default: false, examples: [true] }),
    volumes: z.array(slaVolumeSchema).optional().meta({ description: 'CSI volumes to mount.', examples: [[{ volume_id: 'data1', csi_driver: 'csi.oakestra.io', mount_path: '/data' }]] }),
    constraints: z.array(slaConstraintSchema).optional().meta({ description: 'Placement constraints (only "direct" is enforced).', examples: [[{ type: 'direct', cluster: 'cluster1' }]] }),
    connectivity: z.array(slaConnectivitySchema).optional().meta({ description: 'Connections to other services (informational only).', examples: [[]] }),
    state: z.string().optional().meta({ description: 'Accepted and unused.', examples: [''] }),
    sla_violation_strategy: z.string().optional().meta({ description: 'Accepted and unused.', examples: [''] }),
    target_node: z.string().optional().meta({ description: 'Accepted and unused (use a "direct" constraint).', examples: [''] }),
    added_files: strings('Accepted and unused.', [[]]),
    args: strings('Accepted and unused.', [[]]),
    arch: strings('Not in Oakestra\'s schema, but required in practice for "unikernel" (missing: HTTP 500/400).', [['amd64'], ['arm64']]),
    vm_images: z.unknown().optional().meta({ description: 'Not in Oakestra\'s schema; tolerated.', examples: [[]] }),
    platform: z.unknown().optional().meta({ description: 'Not in Oakestra\'s schema; tolerated.', examples: ['linux/amd64'] }),
    description: z.string().optional().meta({ description: 'Not in Oakestra\'s schema; tolerated.', examples: ['FL aggregator'] }),
  })
  .meta({
    description: 'A service. Required: microservice_name, microservice_namespace, virtualization, code.',
    examples: [{ microserviceID: '', microservice_name: 'aggr', microservice_namespace: 'default', virtualization: 'container', code: 'docker.io/library/nginx:latest', memory: 100, vcpus: 1, port: '8080:80' }],
  });

export const slaApplicationSchema = z
  .looseObject({
    applicationID: z.string().optional().meta({ description: '"" for a new application; the existing id when adding services with POST /api/service/.', examples: [''] }),
    application_name: slaName('application_name', 'Application name; (name, namespace) is unique per user (HTTP 409 otherwise).', ['flapp', 'mnist']),
    application_namespace: slaName('application_namespace', 'Application namespace.', ['default', 'test']),
    application_desc: z.string().optional().meta({ description: 'Free text.', examples: ['FL demo'] }),
    microservices: z.array(slaMicroserviceSchema).meta({ description: 'The services of the application (may be empty).', examples: [[]] }),
  })
  .meta({ description: 'An application. Required: application_name, application_namespace, microservices.' });

export const oakestraSlaSchema = z
  .looseObject({
    $schema: z.string().optional().meta({ description: 'The JSON Schema of this file, for other editors (VS Code attaches it to *.sla.json and sla*.json).', examples: ['./oakestra-sla.schema.json'] }),
    sla_version: z
      .enum(['v2.0'], { error: 'sla_version must be exactly "v2.0": "v1.0" is deprecated and anything else (or nothing) fails with HTTP 500 before validation' })
      .meta({ description: 'Always "v2.0".', examples: ['v2.0'] }),
    customerID: z.string().meta({ description: 'Ignored by the server (the owner is the logged-in user); CLI samples use "Admin".', examples: ['Admin'] }),
    applications: z.array(slaApplicationSchema).meta({ description: 'The applications to create (POST /api/service/ reads only the first).', examples: [[]] }),
    args: strings('Unused.', [[]]),
  })
  .meta({ title: 'Oakestra SLA v2.0', description: 'An Oakestra deployment descriptor, checked as Oakestra\'s validator checks it.' });

export type OakestraSla = z.infer<typeof oakestraSlaSchema>;
export type SlaMicroservice = z.infer<typeof slaMicroserviceSchema>;
