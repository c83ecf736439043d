import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { composeFile, interpolations, loadCompose } from './fixtures/compose.ts';

/**
 * docker-compose.yml is closed by default (issue 11). There is no Docker engine here, so the file is read as compose
 * reads it (interpolation, anchors, merge keys) and its shape is checked: no secret has a default, only the gateway and
 * the callback endpoint are published, the simulators exist only in the demo profile, the stores and voucher-service
 * sit on an internal network, and every service talks SASL to Kafka. kafka-sasl.test.ts runs its Kafka scripts.
 */
const text = readFileSync(composeFile, 'utf8');

/** The variables an operator must set: every `${NAME:?…}` of the file. */
const REQUIRED = [
  'AUTH_SECRET',
  'OTP_SECRET',
  'CURSOR_SECRET',
  'VOUCHER_SERVICE_TOKEN',
  'POSTGRES_PASSWORD',
  'KAFKA_BROKER_PASSWORD',
  'KAFKA_CONTROLLER_PASSWORD',
  'KAFKA_ADMIN_PASSWORD',
  'KAFKA_GATEWAY_PASSWORD',
  'KAFKA_INTEGRATION_PASSWORD',
  'KAFKA_VOUCHER_PASSWORD',
];
/**
 * Secrets that stay unset unless given: the simulators' admin tokens (demo profile only; a simulator refuses to start
 * without its token) and the VPS's callback signing key (signatures are checked once it is set).
 */
const OPTIONAL = ['VPS_ADMIN_TOKEN', 'SMS_ADMIN_TOKEN', 'VPS_CALLBACK_SECRET', 'STAFF_TOKEN'];
const values = Object.fromEntries(REQUIRED.map((name, index) => [name, `${index}`.padStart(64, 'a')]));
const isSecret = (name: string) => /SECRET|PASSWORD|TOKEN|KEY/.test(name);

describe('docker-compose.yml is closed by default', () => {
  test('every secret is a required variable (${NAME:?…}) and none has a default', () => {
    const secrets = interpolations(text).filter(({ name }) => isSecret(name));
    assert.ok(secrets.length > 0);
    for (const { name, form, fallback } of secrets) {
      // Optional ones are empty unless set (the service then refuses to start, or turns the check on only when set).
      if (OPTIONAL.includes(name)) assert.deepEqual([form, fallback], [':-', ''], `${name} has no default value`);
      else assert.equal(form, ':?', `${name} must be \${${name}:?…}`);
    }
    assert.deepEqual([...new Set(secrets.map(({ name }) => name))].sort(), [...REQUIRED, ...OPTIONAL].sort());
    // No literal secret either: every secret setting of every service is one of the required variables.
    const compose = loadCompose(values);
    for (const [name, service] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (isSecret(key)) assert.ok(value === '' || Object.values(values).includes(value), `${name}.${key} comes from a variable`);
      }
      assert.doesNotMatch(service.environment?.DATABASE_URL ?? '', /:voucher@/, `${name}: no fixed database password`);
    }
  });

  test('up refuses to start while any of them is missing', () => {
    for (const name of REQUIRED) {
      const { [name]: _missing, ...others } = values;
      assert.throws(() => loadCompose(others), new RegExp(`required variable ${name} is missing`));
    }
  });

  test('only the gateway (8080) and the integration service’s callback endpoint (8082) are published by default, by the proxy in front of their replicas', () => {
    const compose = loadCompose(values);
    const published = Object.entries(compose.services)
      .filter(([, service]) => !service.profiles?.length && service.ports?.length)
      .map(([name, service]) => `${name} ${service.ports!.join(',')}`);
    assert.deepEqual(published.sort(), ['proxy 8080:8080,8082:8082']);
    const caddyfile = compose.services.proxy!.command!.join('\n');
    assert.match(caddyfile, /:8080 \{\s+reverse_proxy \{\s+dynamic a gateway 8080/);
    assert.match(caddyfile, /:8082 \{[\s\S]*dynamic a voucher-integration-service 8082/);
    for (const name of ['gateway', 'voucher-integration-service', 'voucher-service']) {
      assert.deepEqual(compose.services[name]!.deploy, { replicas: 2 }, `${name} runs two replicas`);
    }
  });

  test('the VPS and SMS simulators run only in the demo profile, published on loopback alone', () => {
    const compose = loadCompose(values);
    for (const name of ['vps', 'sms']) {
      assert.deepEqual(compose.services[name]!.profiles, ['demo'], name);
      for (const port of compose.services[name]!.ports ?? []) assert.match(port, /^127\.0\.0\.1:/, `${name} ${port}`);
    }
    const profiled = Object.entries(compose.services).filter(([, service]) => service.profiles?.length);
    assert.deepEqual(profiled.map(([name]) => name).sort(), ['jaeger', 'sms', 'vps']);
  });

  test('the Jaeger trace viewer runs only in the tracing profile, its UI on loopback; tracing is off unless the endpoint is set', () => {
    const compose = loadCompose(values);
    const jaeger = compose.services.jaeger!;
    assert.deepEqual(jaeger.profiles, ['tracing']);
    assert.deepEqual(jaeger.ports, ['127.0.0.1:16686:16686']);
    assert.deepEqual(jaeger.networks, ['internal', 'edge'], 'the services reach its OTLP ports on the internal network');
    for (const name of ['gateway', 'voucher-integration-service', 'voucher-service', 'vps', 'sms']) {
      assert.equal(compose.services[name]!.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, '', `${name}: no endpoint, no tracing`);
      const traced = loadCompose({ ...values, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318' });
      assert.equal(traced.services[name]!.environment?.OTEL_EXPORTER_OTLP_ENDPOINT, 'http://jaeger:4318', `${name} exports to Jaeger`);
    }
  });

  test('voucher-service, PostgreSQL and Kafka are unpublished, on the internal network only', () => {
    const compose = loadCompose(values);
    assert.equal(compose.networks.internal?.internal, true, 'a network without a route outside');
    for (const name of ['voucher-service', 'postgres', 'kafka-1', 'kafka-2', 'kafka-3', 'kafka-init']) {
      const service = compose.services[name]!;
      assert.equal(service.ports, undefined, `${name} publishes nothing`);
      assert.deepEqual(service.networks, ['internal'], `${name} is on the internal network only`);
    }
  });

  test('Kafka: SASL listeners only, an authorizer, no anonymous access; each service its own user', () => {
    const compose = loadCompose(values);
    const script = compose.services['kafka-1']!.command!.join('\n');
    const properties = (/cat > \S+server\.properties <<EOF\n([\s\S]*?)\nEOF/.exec(script)?.[1] ?? '').split('\n');
    const property = (key: string) => properties.find((line) => line.startsWith(`${key}=`))?.slice(key.length + 1);
    assert.equal(
      property('listener.security.protocol.map'),
      'SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT',
      'no PLAINTEXT listener',
    );
    const protocols = new Map(
      (property('listener.security.protocol.map') ?? '').split(',').map((pair) => pair.split(':') as [string, string]),
    );
    for (const listener of (property('listeners') ?? '').split(',')) {
      assert.match(protocols.get(listener.split('://')[0]!) ?? '', /^SASL_/, `${listener} wants SASL`);
    }
    assert.equal(property('authorizer.class.name'), 'org.apache.kafka.metadata.authorizer.StandardAuthorizer');
    assert.equal(property('allow.everyone.if.no.acl.found'), 'false');
    // Three nodes, the quorum of all three; three copies of every topic, two in sync.
    assert.equal(property('controller.quorum.voters'), '1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093');
    for (const node of [1, 2, 3]) assert.equal(compose.services[`kafka-${node}`]!.environment!.NODE_ID, String(node));
    assert.deepEqual(['default.replication.factor', 'min.insync.replicas', 'offsets.topic.replication.factor'].map(property), [
      '3',
      '2',
      '3',
    ]);
    assert.doesNotMatch(property('super.users') ?? '', /ANONYMOUS/);
    const users = new Set<string>();
    for (const name of ['gateway', 'voucher-integration-service', 'voucher-service']) {
      const environment = compose.services[name]!.environment!;
      assert.equal(environment.KAFKA_SASL_MECHANISM, 'scram-sha-512', name);
      assert.ok(environment.KAFKA_SASL_USERNAME && environment.KAFKA_SASL_PASSWORD, name);
      users.add(environment.KAFKA_SASL_USERNAME);
      assert.equal(compose.services[name]!.depends_on?.['kafka-init']?.condition, 'service_completed_successfully');
    }
    assert.equal(users.size, 3, 'one user per service');
  });

  test('the services get the keys they require and nothing lets them make up their own (no LOCAL_DEMO)', () => {
    const compose = loadCompose(values);
    const environment = (name: string) => compose.services[name]!.environment!;
    for (const key of ['AUTH_SECRET', 'OTP_SECRET', 'VOUCHER_SERVICE_TOKEN']) assert.ok(environment('gateway')[key], `gateway ${key}`);
    for (const key of ['CURSOR_SECRET', 'VOUCHER_SERVICE_TOKEN']) assert.ok(environment('voucher-service')[key], `voucher-service ${key}`);
    assert.equal(environment('gateway').VOUCHER_SERVICE_TOKEN, environment('voucher-service').VOUCHER_SERVICE_TOKEN);
    for (const [name, service] of Object.entries(compose.services)) {
      assert.equal(service.environment?.LOCAL_DEMO, undefined, name);
      assert.equal(service.environment?.AUTH_REQUIRED, undefined, `${name}: sign-in stays required`);
    }
  });
  test('the support view: one STAFF_TOKEN for the three bank services, their operations ports reached by name, never published', () => {
    const compose = loadCompose({ ...values, STAFF_TOKEN: 'staff-token-for-the-support-view-0123456789' });
    const environment = (name: string) => compose.services[name]!.environment!;
    for (const name of ['gateway', 'voucher-integration-service', 'voucher-service']) {
      assert.equal(environment(name).STAFF_TOKEN, 'staff-token-for-the-support-view-0123456789', name);
      assert.equal(environment(name).ADMIN_HOST, '0.0.0.0', `${name}: its operations port is reachable on the internal network`);
      for (const port of compose.services[name]!.ports ?? [])
        assert.doesNotMatch(String(port), /90\d\d/, `${name}: operations port unpublished`);
    }
    assert.equal(environment('gateway').INTEGRATION_ADMIN_URL, 'http://voucher-integration-service:9082');
    assert.equal(environment('gateway').VOUCHER_SERVICE_ADMIN_URL, 'http://voucher-service:9083');
  });
});
