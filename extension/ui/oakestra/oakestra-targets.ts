import * as vscode from 'vscode';
import { targetNameOf } from '../../core/deploy/deployment-record';
import type { MonitorTarget } from '../../core/deploy/oakestra-monitor';
import type { Logger } from '../../core/ports';
import { oakestraTargetSetting, type OakestraTargetSetting } from '../settings-schema';

/**
 * The Oakestra targets of `flops.oakestra.targets` (each entry parsed alone, so one bad entry is
 * reported and skipped, not the whole list), and their credentials in VS Code's SecretStorage: the
 * Oakestra password and the registry password per target name. Nothing secret is ever in settings.
 */

/**
 * A target's password, bound to its name, user and URL: a target of the same name pointing elsewhere
 * (a deployment record that came with a cloned repository, say) never gets it.
 */
export function passwordKey(target: { readonly name: string; readonly url: string; readonly username: string }): string {
  let origin = target.url;
  try {
    origin = new URL(target.url).origin;
  } catch {
    // Not a URL: the client reports it; the key only has to be stable.
  }
  return `flops.oakestra.password:${target.name}:${target.username}@${origin}`;
}

/** A registry password, bound to the registry host and user it was given for. */
export function registryPasswordKey(registry: string, username: string): string {
  return `flops.registry.password:${username}@${registry}`;
}

export function readTargets(logger?: Logger): OakestraTargetSetting[] {
  const raw = vscode.workspace.getConfiguration('flops').get<unknown>('oakestra.targets');
  if (!Array.isArray(raw)) return [];
  const out: OakestraTargetSetting[] = [];
  for (const [i, item] of raw.entries()) {
    const parsed = oakestraTargetSetting.safeParse(item);
    if (parsed.success) out.push(parsed.data);
    else logger?.warn(`[oakestra] flops.oakestra.targets[${i}] is skipped: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '(entry)'}: ${issue.message}`).join('; ')}`);
  }
  return out;
}

export function monitorTarget(setting: OakestraTargetSetting): MonitorTarget {
  return {
    name: setting.name,
    url: setting.url,
    username: setting.username,
    ...(setting.organization !== undefined && setting.organization !== '' ? { organization: setting.organization } : {}),
    ...(setting.flopsUrl !== undefined ? { flopsUrl: setting.flopsUrl } : {}),
  };
}

/** Asks for a new target and adds it to the workspace settings; resolves to it, or undefined when dismissed. */
export async function addTarget(): Promise<OakestraTargetSetting | undefined> {
  const url = await vscode.window.showInputBox({
    title: 'FLOps: Add Oakestra Target (1/3)',
    prompt: 'The Oakestra system manager (root orchestrator) API',
    placeHolder: 'http://192.168.1.10:10000',
    validateInput: (v) => (/^https?:\/\/[^/\s]+/.test(v.trim()) ? undefined : 'An http(s) URL such as http://192.168.1.10:10000'),
  });
  if (url === undefined) return undefined;
  const username = await vscode.window.showInputBox({ title: 'FLOps: Add Oakestra Target (2/3)', prompt: 'Your Oakestra user name (its password goes to secret storage next)', validateInput: (v) => (v.trim() === '' ? 'A user name is needed: there is no default account' : undefined) });
  if (username === undefined) return undefined;
  const name = await vscode.window.showInputBox({ title: 'FLOps: Add Oakestra Target (3/3)', prompt: 'A short name for this target', value: targetNameOf(url.trim()), validateInput: (v) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v) ? undefined : 'Letters, digits, ".", "_" and "-"') });
  if (name === undefined) return undefined;
  const target: OakestraTargetSetting = { name, url: url.trim().replace(/\/+$/, ''), username: username.trim(), registryInsecure: false };
  const config = vscode.workspace.getConfiguration('flops');
  const existing = (config.get<unknown[]>('oakestra.targets') ?? []).filter((t) => (t as { name?: unknown }).name !== name);
  await config.update('oakestra.targets', [...existing, { name: target.name, url: target.url, username: target.username }], vscode.workspace.workspaceFolders !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  if (target.url.startsWith('http://')) void vscode.window.showWarningMessage(`Oakestra's API at ${target.url} is plain HTTP: your password and tokens cross the network unencrypted. Use it only on a network you trust.`);
  return target;
}

/** The target a command works on: the node's, the only one, or a picked one (offering to add one). */
export async function pickTarget(targets: readonly OakestraTargetSetting[], preferred?: string): Promise<OakestraTargetSetting | undefined> {
  const found = preferred !== undefined ? targets.find((t) => t.name === preferred) : undefined;
  if (found !== undefined) return found;
  if (targets.length === 1) return targets[0];
  const add = { label: '$(add) Add Oakestra Target…', target: undefined };
  const pick = await vscode.window.showQuickPick([...targets.map((t) => ({ label: t.name, description: `${t.url} · ${t.username}`, target: t })), add], { placeHolder: targets.length === 0 ? 'No Oakestra target yet' : 'Which Oakestra target?' });
  if (pick === undefined) return undefined;
  return pick.target ?? addTarget();
}
