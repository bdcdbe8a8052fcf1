import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import { isSlaFileName, oakestraSlaSchema } from '../../../../extension/core/config/oakestra-sla';
import { parseWithIssues } from '../../../../extension/core/config/schema-issues';
import { checkSlaSemantics, slaChecks, type SlaCheckKey } from '../../../../extension/core/config/sla-checks';
import { ipv6Groups } from '../../../../extension/core/config/sla-checks/address';
import { repoRoot } from '../../repo-paths';

const fixtures = path.join(repoRoot, 'test/fixtures/sla');
const read = (name: string): unknown => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8'));
/** The committed JSON Schema, checked by a real JSON Schema validator (what editors see). */
const validateWithJsonSchema = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(path.join(repoRoot, 'schemas/oakestra-sla.schema.json'), 'utf8')) as object);

const correct = ['oakestra-correct-1.sla.json', 'oakestra-correct-2.sla.json', 'oakestra-correct-3.sla.json', 'oakestra-correct-4.sla.json', 'minimal.sla.json', 'lint-layer.sla.json'];

/** Flawed fixtures and the paths of the problems Oakestra's validator reports (ours must include them). */
const flawed: Record<string, string[]> = {
  'oakestra-flawed-1.sla.json': ['sla_version'],
  'oakestra-flawed-2.sla.json': ['applications.0.application_namespace', 'applications.0.microservices.0.microservice_name', 'applications.0.microservices.0.port'],
  'oakestra-flawed-3.sla.json': ['sla_version', 'customerID', 'applications'],
  'oakestra-flawed-4.sla.json': ['applications.0.microservices.0.microservice_name', 'applications.0.microservices.0.connectivity.0.con_constraints.0.type'],
  'oakestra-flawed-5.sla.json': ['applications.0.microservices.0.microservice_name'],
};

describe('Oakestra SLA schema (Oakestra\'s validator fixtures)', () => {
  for (const name of correct) {
    it(`accepts ${name}, in zod and in schemas/oakestra-sla.schema.json`, () => {
      assert.deepEqual(parseWithIssues(oakestraSlaSchema, read(name)).issues, []);
      assert.ok(validateWithJsonSchema(read(name)), JSON.stringify(validateWithJsonSchema.errors));
    });
  }

  for (const [name, paths] of Object.entries(flawed)) {
    it(`rejects ${name}, in zod and in schemas/oakestra-sla.schema.json`, () => {
      const issues = parseWithIssues(oakestraSlaSchema, read(name)).issues.map((i) => i.path.join('.'));
      for (const p of paths) assert.ok(issues.includes(p), `${p} among ${issues.join(', ')}`);
      assert.equal(validateWithJsonSchema(read(name)), false);
    });
  }

  it('keeps unknown keys (Oakestra stores them)', () => {
    const parsed = oakestraSlaSchema.parse({ ...(read('minimal.sla.json') as object), extra: 1 });
    assert.equal((parsed as Record<string, unknown>)['extra'], 1);
  });

  it('encodes the validator rules one by one', () => {
    const base = read('minimal.sla.json') as { applications: { microservices: Record<string, unknown>[] }[] };
    const withService = (patch: Record<string, unknown>): unknown => ({ ...base, applications: [{ ...base.applications[0], microservices: [{ ...base.applications[0]?.microservices[0], ...patch }] }] });
    const fails = (value: unknown, field: string): void => {
      const issues = parseWithIssues(oakestraSlaSchema, value).issues;
      assert.ok(issues.some((i) => i.path[i.path.length - 1] === field), `${field} rejected; got ${JSON.stringify(issues)}`);
      assert.equal(validateWithJsonSchema(value), false, `the JSON Schema rejects ${field} too`);
    };
    fails({ ...base, sla_version: 'v1.0' }, 'sla_version');
    fails(withService({ microserviceID: '64f0c0ffee' }), 'microserviceID');
    fails(withService({ port: 8080 }), 'port');
    fails(withService({ memory: 1.5 }), 'memory');
    fails(withService({ vcpus: '1' }), 'vcpus');
    fails(withService({ microservice_name: 'my-service' }), 'microservice_name');
    fails(withService({ microservice_name: 'a'.repeat(31) }), 'microservice_name');
    fails(withService({ code: undefined }), 'code');
    fails(withService({ constraints: [{ cluster: 'c1' }] }), 'type');
    fails(withService({ volumes: [{ volume_id: 'v' }] }), 'csi_driver');
    fails(withService({ connectivity: [{ con_constraints: [] }] }), 'target_microservice_id');
    fails(withService({ one_shot: 'yes' }), 'one_shot');
  });

  it('recognises SLA file names narrowly', () => {
    for (const yes of ['app.sla.json', 'sla.json', 'sla-prod.json', 'slas.json']) assert.ok(isSlaFileName(yes), yes);
    for (const no of ['flops.json', 'package.json', 'my-sla.yaml', 'sla.yaml', 'atlas.json']) assert.ok(!isSlaFileName(no), no);
  });
});

describe('Oakestra SLA lint layer (checkSlaSemantics)', () => {
  const issues = checkSlaSemantics(read('lint-layer.sla.json'));
  const of = (check: SlaCheckKey): string[] => issues.filter((i) => i.check === check).map((i) => `${i.path.join('.')}: ${i.message}`);
  const ms = (i: number, rest: string): string => `applications.0.microservices.${i}.${rest}`;

  it('passes the fixtures\' clean SLAs without findings', () => {
    assert.deepEqual(checkSlaSemantics(read('minimal.sla.json')), []);
    assert.deepEqual(checkSlaSemantics(read('oakestra-correct-3.sla.json')), []);
  });

  it('warns about names over 10 characters', () => {
    assert.deepEqual(of('nameLength').map((l) => l.split(':')[0]), ['applications.0.application_name']);
    assert.match(of('nameLength')[0] ?? '', /"federatedlearning" has 17 characters/);
  });

  it('warns about constraints the scheduler ignores or cannot use', () => {
    const lines = of('constraint');
    assert.ok(lines.some((l) => l.startsWith(ms(0, 'constraints.0.type')) && /ignores "clusters" constraints/.test(l)));
    assert.ok(lines.some((l) => l.startsWith(ms(0, 'constraints.1.type')) && /without "cluster" or "node" constrains nothing/.test(l)));
    assert.ok(lines.some((l) => l.startsWith(ms(0, 'constraints.2.node')) && /lists are not parsed/.test(l)));
    assert.ok(lines.some((l) => l.startsWith(ms(0, 'constraints.3.type')) && /Unknown constraint type "latancy".*Did you mean "latency"/.test(l)));
  });

  it('warns about container code that is no image reference (and not about a unikernel URL)', () => {
    assert.deepEqual(of('image'), [`${ms(3, 'code')}: code contains a line break; it must be [registry/]name[:tag][@digest] (e.g. "python:3.10-slim"); the worker cannot pull it.`]);
  });

  it('checks port syntax and port numbers', () => {
    assert.deepEqual(of('port').map((l) => l.split(':')[0]), [ms(0, 'port'), ms(1, 'port')]);
    assert.match(of('port')[1] ?? '', /70000/);
  });

  it('warns about service IPs outside the overlay ranges', () => {
    assert.deepEqual(of('address').map((l) => l.split(':')[0]), [ms(0, 'addresses.rr_ip'), ms(0, 'addresses.rr_ip_v6')]);
    assert.match(of('address')[0] ?? '', /10\.31\.0\.10 is outside 10\.30\.0\.0\/16/);
  });

  it('warns about duplicate service names', () => {
    assert.deepEqual(of('duplicateName').map((l) => l.split(':')[0]), [ms(1, 'microservice_name')]);
    assert.match(of('duplicateName')[0] ?? '', /aggregator\.default is also defined at microservices\[0\]/);
  });

  it('warns about a unikernel without arch and unknown runtimes', () => {
    const lines = of('runtime');
    assert.ok(lines.some((l) => l.startsWith(ms(1, 'virtualization')) && /unikernel service needs "arch"/.test(l)));
    assert.ok(lines.some((l) => l.startsWith(ms(2, 'virtualization')) && /"docker" matches no Oakestra worker runtime/.test(l)));
  });

  it('warns about environment entries without "=" and negative resources', () => {
    assert.deepEqual(of('values').map((l) => l.split(':')[0]), [ms(0, 'environment.0'), ms(0, 'memory')]);
  });

  it('warns about unknown keys with the closest known one', () => {
    assert.deepEqual(of('unknownKey'), [`${ms(0, 'bandwith_out')}: Unknown key "bandwith_out" in applications[0].microservices[0]; Oakestra stores it but ignores it. Did you mean "bandwidth_out"?`]);
  });

  it('never throws on odd shapes', () => {
    for (const value of [null, 1, 'x', [], {}, { applications: 'x' }, { applications: [null, 1, { microservices: [null, { constraints: [null, { type: 1 }] }] }] }]) {
      assert.ok(Array.isArray(checkSlaSemantics(value)));
    }
  });

  it('parses IPv6 addresses', () => {
    assert.deepEqual(ipv6Groups('fdff:2000::10'), [0xfdff, 0x2000, 0, 0, 0, 0, 0, 0x10]);
    assert.deepEqual(ipv6Groups('::'), [0, 0, 0, 0, 0, 0, 0, 0]);
    assert.equal(ipv6Groups('fdff::2000::1'), undefined);
    assert.equal(ipv6Groups('1:2:3'), undefined);
  });

  it('documents every check with a flops/sla-* id', () => {
    for (const meta of Object.values(slaChecks)) assert.match(meta.id, /^flops\/sla-[a-z-]+$/);
  });
});
