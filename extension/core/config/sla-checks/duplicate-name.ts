import type { SlaCheck } from './sla-check';

/** Two applications, or two services of one application, with the same name and namespace. */
export const duplicateName: SlaCheck = {
  meta: {
    id: 'flops/sla-duplicate-name',
    severity: 'warning',
    title: 'Service name and namespace are unique within an application, application name and namespace within the SLA.',
    why: 'A duplicate service silently replaces the existing job; a duplicate application gets HTTP 409 after the first one was created.',
  },
  visitor: () => {
    const apps = new Map<string, number>();
    let services = new Map<string, number>();
    return {
      application: (app, path, report) => {
        services = new Map();
        if (typeof app['application_name'] !== 'string' || typeof app['application_namespace'] !== 'string') return;
        const key = `${app['application_name']}.${app['application_namespace']}`;
        const first = apps.get(key);
        if (first !== undefined) report([...path, 'application_name'], `Application ${key} is also defined at applications[${first}]; Oakestra creates the first and answers HTTP 409 for this one.`);
        else apps.set(key, Number(path[path.length - 1]));
      },
      service: (ms, path, report) => {
        const name = ms['microservice_name'];
        const namespace = ms['microservice_namespace'];
        if (typeof name !== 'string' || typeof namespace !== 'string') return;
        const key = `${name}.${namespace}`;
        const first = services.get(key);
        if (first !== undefined) report([...path, 'microservice_name'], `Service ${key} is also defined at microservices[${first}]; Oakestra silently replaces that job with this one. Rename one of them.`);
        else services.set(key, Number(path[path.length - 1]));
      },
    };
  },
};
