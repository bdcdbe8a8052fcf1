import { slaNamePattern } from '../oakestra-sla';
import type { Report, SlaCheck } from './sla-check';

/** Names and namespaces over Oakestra's documented limit of 10 characters. */
export const nameLength: SlaCheck = {
  meta: {
    id: 'flops/sla-name-length',
    severity: 'warning',
    title: 'Application and service names and namespaces have at most 10 characters.',
    why: 'The validator allows 30, but the documented limit is 10 and longer service names register and then can fail at deploy time (oakestra#307).',
  },
  visitor: () => {
    const longName = (value: unknown, path: readonly PropertyKey[], what: string, report: Report): void => {
      if (typeof value === 'string' && slaNamePattern.test(value) && value.length > 10) {
        report(path, `${what} "${value}" has ${value.length} characters; Oakestra documents a limit of 10 and longer names can fail at deploy time. Shorten it to at most 10.`);
      }
    };
    return {
      application: (app, path, report) => {
        longName(app['application_name'], [...path, 'application_name'], 'application_name', report);
        longName(app['application_namespace'], [...path, 'application_namespace'], 'application_namespace', report);
      },
      service: (ms, path, report) => {
        longName(ms['microservice_name'], [...path, 'microservice_name'], 'microservice_name', report);
        longName(ms['microservice_namespace'], [...path, 'microservice_namespace'], 'microservice_namespace', report);
      },
    };
  },
};
