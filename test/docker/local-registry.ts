import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { request } from 'undici';
import { freeLocalPorts } from '../../extension/io/free-port';

/**
 * A real container registry for the push tests: Debian's `docker-registry` package (the CNCF
 * distribution registry), started here on 127.0.0.1 and a free port with its storage in a scratch
 * folder, optionally with htpasswd auth (bcrypt, made by Python's crypt module). Plain HTTP: the Docker
 * engine treats 127.0.0.0/8 as an insecure registry by default.
 */
export class LocalRegistry {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    /** host:port */
    readonly address: string,
  ) {}

  static available(): boolean {
    return spawnSync('docker-registry', ['--version'], { encoding: 'utf8' }).status === 0;
  }

  static async start(options: { readonly user?: { readonly name: string; readonly password: string } } = {}): Promise<LocalRegistry> {
    const dir = mkdtempSync(path.join(tmpdir(), 'flops-registry-'));
    const [port] = await freeLocalPorts(1);
    const address = `127.0.0.1:${String(port)}`;
    let auth = '';
    if (options.user !== undefined) {
      const hash = spawnSync('python3', ['-W', 'ignore', '-c', 'import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))', options.user.password], { encoding: 'utf8' });
      if (hash.status !== 0) throw new Error(`could not hash the registry password: ${hash.stderr}`);
      writeFileSync(path.join(dir, 'htpasswd'), `${options.user.name}:${hash.stdout.trim()}\n`);
      auth = `auth:\n  htpasswd:\n    realm: flops-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
    }
    writeFileSync(path.join(dir, 'config.yml'), `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${address}\n${auth}`);
    const child = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const registry = new LocalRegistry(child, dir, address);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited (${String(child.exitCode)}): ${stderr}`);
      try {
        const response = await request(`http://${address}/v2/`);
        await response.body.dump();
        return registry;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await registry.stop();
    throw new Error(`docker-registry did not answer on ${address} within 10 s: ${stderr}`);
  }

  /** The tags of a repository in the registry (an empty list when it has none). */
  async tags(repository: string, auth?: { name: string; password: string }): Promise<string[]> {
    const response = await request(`http://${this.address}/v2/${repository}/tags/list`, { headers: auth !== undefined ? { authorization: `Basic ${Buffer.from(`${auth.name}:${auth.password}`).toString('base64')}` } : {} });
    const body = (await response.body.json()) as { tags?: string[] | null };
    return response.statusCode === 200 ? (body.tags ?? []) : [];
  }

  /** The manifest digest the registry serves for repository:tag. */
  async digest(repository: string, tag: string): Promise<string | undefined> {
    const response = await request(`http://${this.address}/v2/${repository}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' } });
    await response.body.dump();
    const digest = response.headers['docker-content-digest'];
    return typeof digest === 'string' ? digest : undefined;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
