/**
 * Starting points for Oakestra SLAs: the shapes this extension writes for a federated-learning
 * application on Oakestra (a Flower SuperLink as aggregator, SuperNodes as learners), and a single
 * service. The SLA snippets in snippets/ are generated from these (a unit test keeps them equal), and
 * both pass the SLA schema and its lint layer.
 */

export interface SlaTemplate {
  /** The JSON value. */
  readonly value: unknown;
  /** Paths of string values that become snippet tab stops; paths in one group share a tab stop. */
  readonly placeholders: readonly (readonly (readonly PropertyKey[])[])[];
}

const flowerImage = 'ghcr.io/my-org/flapp:latest';

/** One container service, for an application's `microservices` list. */
export const slaServiceTemplate: SlaTemplate = {
  value: {
    microserviceID: '',
    microservice_name: 'service',
    microservice_namespace: 'default',
    virtualization: 'container',
    code: 'docker.io/library/nginx:latest',
    memory: 100,
    vcpus: 1,
    port: '8080:80',
  },
  placeholders: [[['microservice_name']], [['microservice_namespace']], [['code']], [['port']]],
};

/** A whole SLA: an FL application with a Flower aggregator (SuperLink) and a learner (SuperNode). */
export const slaFlowerAppTemplate: SlaTemplate = {
  value: {
    sla_version: 'v2.0',
    customerID: 'Admin',
    applications: [
      {
        applicationID: '',
        application_name: 'flapp',
        application_namespace: 'default',
        application_desc: 'Federated learning with Flower',
        microservices: [
          {
            microserviceID: '',
            microservice_name: 'aggr',
            microservice_namespace: 'default',
            virtualization: 'container',
            code: flowerImage,
            cmd: ['flower-superlink', '--insecure'],
            memory: 512,
            vcpus: 1,
            port: '9092:9092;9093:9093',
            addresses: { rr_ip: '10.30.0.10' },
          },
          {
            microserviceID: '',
            microservice_name: 'learner',
            microservice_namespace: 'default',
            virtualization: 'container',
            code: flowerImage,
            cmd: ['flower-supernode', '--insecure', '--superlink', '10.30.0.10:9092'],
            memory: 1024,
            vcpus: 1,
          },
        ],
      },
    ],
  },
  placeholders: [
    [['applications', 0, 'application_name']],
    [
      ['applications', 0, 'application_namespace'],
      ['applications', 0, 'microservices', 0, 'microservice_namespace'],
      ['applications', 0, 'microservices', 1, 'microservice_namespace'],
    ],
    [
      ['applications', 0, 'microservices', 0, 'code'],
      ['applications', 0, 'microservices', 1, 'code'],
    ],
  ],
};
