import type { RunRecord } from '../runs/run-record';
import type { DeploymentRecord } from './deployment-record';
import type { OakestraService } from './oakestra-api';

/**
 * "Compare Local and Deployed": what differs between the newest local run and a deployment, row by
 * row (image, rounds, strategy, learners and their resources, settings, environment). Pure.
 */

export interface ParityRow {
  readonly what: string;
  readonly local: string;
  readonly deployed: string;
  readonly same: boolean;
}

function row(what: string, local: string, deployed: string): ParityRow {
  return { what, local, deployed, same: local === deployed };
}

export function compareLocalAndDeployed(run: RunRecord | undefined, record: DeploymentRecord, live: readonly OakestraService[] | undefined): ParityRow[] {
  const none = '(no local run)';
  const rows: ParityRow[] = [];
  const onOakestra = live === undefined ? '(application gone)' : [...new Set(live.filter((s) => record.services.some((r) => r.id === s.id)).map((s) => s.image))].join(', ') || '(no services)';
  rows.push(row('image', run?.image ?? none, record.image.local));
  const registry = record.image.remote.slice(0, record.image.remote.length - record.image.local.length);
  rows.push(row('image on Oakestra', run !== undefined ? `${registry}${run.image}` : none, onOakestra));
  // Informational: a local run has no registry digest to compare with.
  rows.push({ what: 'registry digest', local: '—', deployed: record.image.digest ?? (record.image.pushed ? '(unknown)' : '(not pushed by this deploy)'), same: true });
  rows.push(row('rounds', run !== undefined ? String(run.config.rounds) : none, String(record.config.rounds)));
  rows.push(row('strategy', run?.config.strategy ?? none, record.config.strategy));
  const learners = record.services.filter((s) => s.role === 'learner');
  rows.push(row('learners', run !== undefined ? String(run.config.learners) : none, String(learners.length)));
  const count = Math.max(learners.length, run?.config.profiles.length ?? 0);
  for (let i = 1; i <= count; i++) {
    const local = run?.config.profiles.find((p) => p.learner === i);
    const deployed = learners.find((l) => l.learner === i);
    rows.push(
      row(
        `learner ${i} resources`,
        local !== undefined ? `${local.memoryMb ?? '?'} MB, ${local.cpus ?? '?'} CPU` : run === undefined ? none : '(not in the run)',
        deployed !== undefined ? `${deployed.memoryMb ?? '?'} MB, ${deployed.vcpus ?? '?'} CPU` : '(not deployed)',
      ),
    );
  }
  const keys = [...new Set([...Object.keys(run?.settings ?? {}), ...Object.keys(record.config.settings)])].sort();
  for (const key of keys) rows.push(row(key, run === undefined ? none : (run.settings?.[key] ?? '(not recorded)'), record.config.settings[key] ?? '(not recorded)'));
  rows.push(row('environment', run === undefined ? none : '(compose: none set)', record.config.environment.join(' ') || '(none set)'));
  return rows;
}
