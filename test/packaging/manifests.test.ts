// deploy/ as a cluster would receive it: every object valid against the Kubernetes schemas, the
// kustomizations complete, RBAC exactly least privilege, and the Deployment consistent with the
// image the Dockerfile builds (ENTRYPOINT/CMD, USER, EXPOSE, version) and with `serve`'s flags.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IProbe } from 'kubernetes-models/v1/Probe';
import { SPLIT_KINDS } from '../../src/splits/index.js';
import { ruleGroups } from '../../grafana/src/rules.js';
import { readDockerfile, ROOT } from './dockerfile.js';
import {
  apiGroup,
  CRD_MODEL_PACKAGES,
  describeDocument,
  findModel,
  isKubeObject,
  isKustomizeFile,
  loadDeployDocuments,
  parseDocuments,
  validateObject,
  yamlFiles,
} from './manifests.js';
import type { KubeObject, ManifestDocument } from './manifests.js';

const run = promisify(execFile);
const documents = await loadDeployDocuments();
const objects = documents.filter((document) => !isKustomizeFile(document.object));
const kustomizations = documents.filter((document) => isKustomizeFile(document.object));
const image = await readDockerfile();
const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };

// --- small readers for loosely typed YAML ------------------------------------------------------

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function strings(value: unknown): string[] {
  return list(value).filter((item): item is string => typeof item === 'string');
}

function only<T>(items: readonly T[], what: string): T {
  assert.equal(items.length, 1, `exactly one ${what} in deploy/, found ${items.length}`);
  return items[0] as T;
}

function inFile(prefix: string) {
  return (document: ManifestDocument): boolean => document.file.startsWith(prefix);
}

// --- RBAC ------------------------------------------------------------------------------------

/** Every permission a role grants, one string each: "group/resource:verb" or "url:verb". */
function permissions(role: IClusterRole): string[] {
  const granted: string[] = [];
  for (const rule of role.rules ?? []) {
    for (const verb of rule.verbs) {
      for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) granted.push(`${group === '' ? 'core' : group}/${resource}:${verb}`);
      for (const url of rule.nonResourceURLs ?? []) granted.push(`${url}:${verb}`);
    }
  }
  return granted.sort();
}

const READ = ['get', 'list', 'watch'];
// Every split kind splitstat watches (the registry), and nothing else.
const BASE_PERMISSIONS = [
  ...SPLIT_KINDS.flatMap((kind) => READ.map((verb) => `${kind.group}/${kind.plural}:${verb}`)),
  ...READ.map((verb) => `core/pods:${verb}`),
  ...READ.map((verb) => `apps/replicasets:${verb}`),
].sort();
const AUTH_PERMISSIONS = ['authentication.k8s.io/tokenreviews:create', 'authorization.k8s.io/subjectaccessreviews:create'].sort();

// --- kustomize -------------------------------------------------------------------------------

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

interface Reference {
  readonly field: string;
  /** As written in the kustomization. */
  readonly raw: string;
  /** Absolute path the reference resolves to. */
  readonly target: string;
  /** A directory reference must hold a kustomization of this kind. */
  readonly directoryKind: 'Kustomization' | 'Component' | undefined;
}

/** Every path a kustomization points at, by field. */
function references(kustomization: ManifestDocument): Reference[] {
  const k = kustomization.object;
  const base = path.dirname(path.join(ROOT, kustomization.file));
  const refs: Reference[] = [];
  const add = (field: string, target: string, directoryKind?: 'Kustomization' | 'Component'): void => {
    refs.push({ field, raw: target, target: path.resolve(base, target), directoryKind });
  };
  for (const target of strings(k.resources)) add('resources', target, 'Kustomization');
  for (const target of strings(k.components)) add('components', target, 'Component');
  for (const field of ['crds', 'configurations', 'generators', 'transformers', 'validators']) for (const target of strings(k[field])) add(field, target);
  // An entry with a newline is an inline patch, not a path.
  for (const target of strings(k.patchesStrategicMerge)) if (!target.includes('\n')) add('patchesStrategicMerge', target);
  for (const field of ['patches', 'patchesJson6902', 'replacements']) {
    for (const entry of list(k[field])) {
      const target = record(entry).path;
      if (typeof target === 'string') add(`${field}[].path`, target);
    }
  }
  for (const field of ['configMapGenerator', 'secretGenerator']) {
    for (const entry of list(k[field])) {
      const generator = record(entry);
      // files: "key=path" or "path".
      for (const file of strings(generator.files)) add(`${field}[].files`, file.slice(file.indexOf('=') + 1));
      for (const env of [...strings(generator.envs), ...strings([generator.env])]) add(`${field}[].envs`, env);
    }
  }
  const openapiPath = record(k.openapi).path;
  if (typeof openapiPath === 'string') add('openapi.path', openapiPath);
  return refs;
}

function kustomizationIn(directory: string): ManifestDocument | undefined {
  const file = KUSTOMIZATION_FILES.map((name) => path.join(directory, name)).find((candidate) => existsSync(candidate));
  if (file === undefined) return undefined;
  const relative = path.relative(ROOT, file).split(path.sep).join('/');
  return kustomizations.find((document) => document.file === relative);
}

/** Files a kustomization build reads, following resource and component directories. */
function reachableFiles(kustomization: ManifestDocument, seen = new Set<string>()): Set<string> {
  if (seen.has(kustomization.file)) return seen;
  seen.add(kustomization.file);
  for (const ref of references(kustomization)) {
    if (existsSync(ref.target) && statSync(ref.target).isDirectory()) {
      const inner = kustomizationIn(ref.target);
      if (inner !== undefined) reachableFiles(inner, seen);
    } else {
      seen.add(path.relative(ROOT, ref.target).split(path.sep).join('/'));
    }
  }
  return seen;
}

// --- Deployment ------------------------------------------------------------------------------

const deploymentDocument = only(
  objects.filter((document) => Deployment.is(document.object)),
  'Deployment',
);
const deployment = deploymentDocument.object as unknown as IDeployment;
const podSpec = deployment.spec?.template.spec;
const container: IContainer = only(podSpec?.containers ?? [], 'container in the Deployment');

function containerPort(port: string | number): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((candidate) => candidate.name === port)?.containerPort;
}

function flagValue(args: readonly string[], flag: string): string | undefined {
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
}

/** Mebibytes of a Kubernetes memory quantity such as 512Mi or 1Gi. */
function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  assert.ok(match?.[1] !== undefined, `memory quantity ${String(quantity)} in Mi or Gi`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

// --- tests -----------------------------------------------------------------------------------

describe('deploy/: every object validates against the Kubernetes schemas', () => {
  it('finds manifests to check', () => {
    assert.ok(objects.length >= 7, `${objects.length} objects under deploy/`);
  });

  for (const document of objects) {
    it(describeDocument(document), async () => {
      const problem = await validateObject(document.object);
      assert.equal(problem, undefined, `${describeDocument(document)}: ${problem ?? ''}`);
    });
  }

  it('the only non-API documents are kustomization files', () => {
    for (const document of kustomizations) {
      assert.ok(KUSTOMIZATION_FILES.includes(path.basename(document.file)), `${describeDocument(document)}: kustomize configuration outside a kustomization file`);
      assert.ok(['Kustomization', 'Component'].includes(document.object.kind), describeDocument(document));
    }
  });

  it('the schema lookup reports unknown kinds and missing CRD packages instead of passing them', async () => {
    const unknownBuiltIn = await findModel('apps/v1', 'Deploymnet');
    assert.ok('problem' in unknownBuiltIn && unknownBuiltIn.problem.includes('kubernetes-models has no model'), JSON.stringify(unknownBuiltIn));
    const unmappedCrd = await findModel('example.com/v1', 'Widget');
    assert.ok('problem' in unmappedCrd && unmappedCrd.problem.includes('CRD_MODEL_PACKAGES'), JSON.stringify(unmappedCrd));
    const invalid = await validateObject({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' }, spec: { ports: [{ port: 'eighty' }] } });
    assert.match(invalid ?? '', /port/);
  });
});

describe('deploy/: kustomizations', () => {
  it('reference only files and directories that exist, of the right kind', () => {
    const problems: string[] = [];
    for (const kustomization of kustomizations) {
      for (const ref of references(kustomization)) {
        const shown = path.relative(ROOT, ref.target);
        if (/^[a-z]+:\/\/|^github\.com\//.test(ref.raw)) {
          problems.push(`${kustomization.file}: ${ref.field}: remote references are not allowed in deploy/`);
        } else if (!existsSync(ref.target)) {
          problems.push(`${kustomization.file}: ${ref.field}: ${shown} does not exist`);
        } else if (statSync(ref.target).isDirectory()) {
          const inner = kustomizationIn(ref.target);
          if (inner === undefined || ref.directoryKind === undefined) problems.push(`${kustomization.file}: ${ref.field}: ${shown} is a directory without a kustomization`);
          else if (inner.object.kind !== ref.directoryKind) problems.push(`${kustomization.file}: ${ref.field}: ${shown} is a ${inner.object.kind}, expected a ${ref.directoryKind}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('leave no manifest out: every YAML file under deploy/ is part of a kustomization', async () => {
    const used = new Set<string>(kustomizations.map((document) => document.file));
    for (const kustomization of kustomizations) for (const file of reachableFiles(kustomization)) used.add(file);
    assert.deepEqual((await yamlFiles()).filter((file) => !used.has(file)), []);
  });

  it('the base (kubectl apply -k deploy/) holds only built-in kinds, so it applies without extra CRDs', async () => {
    const base = only(kustomizations.filter((document) => document.file === 'deploy/kustomization.yaml'), 'deploy/kustomization.yaml');
    assert.equal(base.object.kind, 'Kustomization');
    assert.deepEqual(strings(base.object.components), [], 'optional components stay out of the base');
    const files = reachableFiles(base);
    const kinds = objects.filter((document) => files.has(document.file)).map((document) => document.object);
    for (const object of kinds) {
      assert.equal(CRD_MODEL_PACKAGES[apiGroup(object.apiVersion)], undefined, `${object.kind} (${object.apiVersion}) needs a CRD; move it to a component`);
      assert.ok(!('problem' in (await findModel(object.apiVersion, object.kind))), `${object.kind} (${object.apiVersion}) is not a built-in kind`);
    }
    assert.deepEqual([...new Set(kinds.map((object) => object.kind))].sort(), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Namespace', 'Service', 'ServiceAccount']);
    const labels = record(list(base.object.labels)[0]);
    assert.deepEqual(labels.pairs, { 'app.kubernetes.io/name': 'splitstat' });
    assert.equal(base.object.namespace, 'splitstat');
  });

  it('the ServiceMonitor and the TokenReview/SubjectAccessReview RBAC live in components', () => {
    const componentOf = (file: string): string | undefined =>
      kustomizations.find((document) => document.object.kind === 'Component' && reachableFiles(document).has(file))?.file;
    const serviceMonitor = only(objects.filter((document) => document.object.kind === 'ServiceMonitor'), 'ServiceMonitor');
    assert.equal(componentOf(serviceMonitor.file), 'deploy/prometheus-operator/kustomization.yaml');
    for (const name of ['splitstat-auth-kubernetes']) {
      for (const kind of ['ClusterRole', 'ClusterRoleBinding']) {
        const document = only(objects.filter((d) => d.object.kind === kind && d.object.metadata?.name === name), `${kind} ${name}`);
        assert.equal(componentOf(document.file), 'deploy/auth-kubernetes/kustomization.yaml');
      }
    }
  });
});

describe('deploy/: RBAC is least privilege', () => {
  const roles = objects.filter((document) => ClusterRole.is(document.object) || document.object.kind === 'Role');

  it('base ClusterRole: read every split kind, Pods and ReplicaSets, nothing else', () => {
    const role = only(roles.filter(inFile('deploy/clusterrole')), 'base ClusterRole').object as unknown as IClusterRole;
    assert.equal(role.metadata?.name, 'splitstat');
    assert.equal(role.aggregationRule, undefined);
    assert.deepEqual(permissions(role), BASE_PERMISSIONS);
  });

  it('auth-kubernetes ClusterRole: create TokenReviews and SubjectAccessReviews, nothing else', () => {
    const role = only(roles.filter(inFile('deploy/auth-kubernetes/')), 'auth-kubernetes ClusterRole').object as unknown as IClusterRole;
    assert.deepEqual(permissions(role), AUTH_PERMISSIONS);
  });

  it('no other roles, and each binding gives its role to the Deployment\'s ServiceAccount only', () => {
    assert.equal(roles.length, 2, roles.map(describeDocument).join(', '));
    const serviceAccount = only(objects.filter((document) => ServiceAccount.is(document.object)), 'ServiceAccount').object;
    assert.equal(podSpec?.serviceAccountName, serviceAccount.metadata?.name);
    const bindings = objects.filter((document) => ClusterRoleBinding.is(document.object) || document.object.kind === 'RoleBinding');
    assert.equal(bindings.length, 2);
    const roleNames = roles.map((document) => document.object.metadata?.name);
    for (const document of bindings) {
      const binding = document.object;
      const roleRef = record(binding.roleRef);
      assert.equal(roleRef.kind, 'ClusterRole', describeDocument(document));
      assert.ok(roleNames.includes(String(roleRef.name)), `${describeDocument(document)}: binds ${String(roleRef.name)}, which deploy/ does not define`);
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: serviceAccount.metadata?.name, namespace: serviceAccount.metadata?.namespace }], describeDocument(document));
    }
  });
});

describe('deploy/: the Deployment runs the image as the Dockerfile builds it', () => {
  it('keeps the ENTRYPOINT and replaces CMD with serve and its flags', () => {
    assert.deepEqual(image.entrypoint, ['node', 'dist/main.js']);
    assert.deepEqual(image.cmd, ['serve']);
    assert.equal(container.command, undefined, 'a command would replace the ENTRYPOINT');
    const args = container.args ?? [];
    assert.equal(args[0], image.cmd[0], 'args replace CMD, so they start with the same subcommand');
    assert.equal(flagValue(args, '--splits'), 'kube');
    assert.equal(flagValue(args, '--targets'), 'kube');
  });

  it('uses the flags `serve --help` documents', { timeout: 60_000 }, async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/main.ts'), 'serve', '--help'], { cwd: ROOT, timeout: 45_000 });
    const documented = new Set(stdout.match(/--[a-z][a-z-]*/g) ?? []);
    const auth = only(kustomizations.filter(inFile('deploy/auth-kubernetes/')), 'auth-kubernetes kustomization');
    const patched = list(auth.object.patches).flatMap((patch) => list(parseYaml(String(record(patch).patch))).map((op) => record(op).value));
    const used = [...(container.args ?? []), ...patched].filter((arg): arg is string => typeof arg === 'string' && arg.startsWith('--'));
    assert.ok(used.includes('--auth'), 'the auth-kubernetes component adds --auth');
    assert.deepEqual(used.filter((flag) => !documented.has(flag)), []);
  });

  it('is the image tagged with the package version', () => {
    assert.equal(container.image, `splitstat:${pkg.version}`);
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
  });

  it('listens on the exposed container port named http', () => {
    const listen = flagValue(container.args ?? [], '--listen') ?? ':8080';
    const port = Number(/:(\d+)$/.exec(listen)?.[1]);
    assert.deepEqual(image.exposed, [port]);
    assert.equal(containerPort('http'), port);
  });

  it('probes /healthz (startup, liveness) and /readyz (readiness) on that port', () => {
    const probe = (name: string, value: IProbe | undefined): { path: string | undefined; port: number | undefined } => {
      assert.ok(value?.httpGet !== undefined, `${name}: an httpGet probe`);
      assert.equal(value.httpGet.scheme ?? 'HTTP', 'HTTP', name);
      return { path: value.httpGet.path, port: containerPort(value.httpGet.port) };
    };
    const port = containerPort('http');
    assert.deepEqual(probe('startupProbe', container.startupProbe), { path: '/healthz', port });
    assert.deepEqual(probe('livenessProbe', container.livenessProbe), { path: '/healthz', port });
    assert.deepEqual(probe('readinessProbe', container.readinessProbe), { path: '/readyz', port });
  });

  it('runs as the image\'s non-root USER, read-only, unprivileged, RuntimeDefault seccomp', () => {
    assert.ok(image.user !== undefined && image.user.uid !== 0, 'the Dockerfile sets a non-root USER');
    const pod = podSpec?.securityContext ?? {};
    const own = container.securityContext ?? {};
    // A container's setting wins over the pod's; these are what the kubelet applies.
    const effective = {
      runAsNonRoot: own.runAsNonRoot ?? pod.runAsNonRoot,
      runAsUser: own.runAsUser ?? pod.runAsUser,
      runAsGroup: own.runAsGroup ?? pod.runAsGroup,
      seccompProfile: own.seccompProfile ?? pod.seccompProfile,
      readOnlyRootFilesystem: own.readOnlyRootFilesystem,
      allowPrivilegeEscalation: own.allowPrivilegeEscalation,
      capabilities: own.capabilities,
      privileged: own.privileged,
    };
    assert.deepEqual(effective, {
      runAsNonRoot: true,
      runAsUser: image.user.uid,
      runAsGroup: image.user.gid,
      seccompProfile: { type: 'RuntimeDefault' },
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: undefined,
    });
  });

  it('gets a writable /tmp from an emptyDir, and nothing else writable', () => {
    const mounts = container.volumeMounts ?? [];
    assert.deepEqual(mounts.map((mount) => mount.mountPath), ['/tmp']);
    const volume = podSpec?.volumes?.find((candidate) => candidate.name === mounts[0]?.name);
    assert.ok(volume?.emptyDir !== undefined, '/tmp is an emptyDir');
  });

  it('sets requests and limits, with a heap below the memory limit', () => {
    const { requests, limits } = container.resources ?? {};
    for (const [name, value] of Object.entries({ 'requests.cpu': requests?.cpu, 'requests.memory': requests?.memory, 'limits.cpu': limits?.cpu, 'limits.memory': limits?.memory })) {
      assert.ok(value !== undefined, `${name} is set`);
    }
    const nodeOptions = container.env?.find((variable) => variable.name === 'NODE_OPTIONS')?.value ?? '';
    const heap = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    assert.ok(heap > 0 && heap < mebibytes(limits?.memory), `heap ${heap} MiB below the ${String(limits?.memory)} limit`);
  });
});

describe('deploy/: Service and ServiceMonitor reach the pod', () => {
  const podLabels = deployment.spec?.template.metadata?.labels ?? {};
  const matches = (selector: unknown, labels: Readonly<Record<string, string>>): boolean =>
    Object.keys(record(selector)).length > 0 && Object.entries(record(selector)).every(([key, value]) => labels[key] === value);

  it('the Deployment selects its own pods', () => {
    assert.ok(matches(deployment.spec?.selector.matchLabels, podLabels));
  });

  it('the Service selects the pod and targets the http container port', () => {
    const service = only(objects.filter((document) => Service.is(document.object)), 'Service').object;
    const spec = record(service.spec);
    assert.ok(matches(spec.selector, podLabels), 'Service selector matches the pod labels');
    const ports = list(spec.ports).map(record);
    assert.deepEqual(ports.map((port) => [port.name, port.port, containerPort(port.targetPort as string | number)]), [['http', 8080, 8080]]);
  });

  it('the ServiceMonitor scrapes /metrics on the Service\'s http port, keeping the split\'s namespace label', () => {
    const serviceMonitor = only(objects.filter((document) => document.object.kind === 'ServiceMonitor'), 'ServiceMonitor').object;
    const service = only(objects.filter((document) => Service.is(document.object)), 'Service').object;
    const spec = record(serviceMonitor.spec);
    assert.ok(matches(record(spec.selector).matchLabels, service.metadata?.labels ?? {}), 'ServiceMonitor selects the Service');
    assert.equal(serviceMonitor.metadata?.namespace, service.metadata?.namespace);
    const endpoints = list(spec.endpoints).map(record);
    assert.deepEqual(endpoints.map((endpoint) => [endpoint.port, endpoint.path, endpoint.honorLabels]), [['http', '/metrics', true]]);
    // /metrics is guarded whenever access control is on: Prometheus authenticates as its ServiceAccount.
    assert.deepEqual(endpoints.map((endpoint) => endpoint.bearerTokenFile), ['/var/run/secrets/kubernetes.io/serviceaccount/token']);
  });
});

// kubectl's embedded kustomize renders what `kubectl apply -k` would send. kubectl ships with
// the development and CI machines (Debian has no package for it); without it this fails.
const kubectl = await run('kubectl', ['version', '--client'], { timeout: 15_000 }).then(
  () => true,
  () => false,
);

describe('kubectl kustomize renders deploy/ and its components', () => {
  it('has kubectl to render with', () => {
    assert.ok(kubectl, 'kubectl is required for the kustomize checks');
  });

  async function render(directory: string): Promise<KubeObject[]> {
    const { stdout } = await run('kubectl', ['kustomize', directory], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
    return parseDocuments(stdout, `kubectl kustomize ${path.relative(ROOT, directory) || directory}`).map((document) => document.object);
  }

  function checkRendered(rendered: readonly KubeObject[]): void {
    for (const object of rendered) {
      const name = `${object.kind} ${object.metadata?.name ?? ''}`;
      assert.equal(object.metadata?.labels?.['app.kubernetes.io/name'], 'splitstat', `${name} carries the common label`);
      const clusterScoped = ['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(object.kind);
      assert.equal(object.metadata?.namespace, clusterScoped ? undefined : 'splitstat', `${name} namespace`);
    }
  }

  it('the base: the six built-in objects, labelled, in namespace splitstat, valid', { timeout: 60_000 }, async () => {
    const rendered = await render(path.join(ROOT, 'deploy'));
    assert.deepEqual(rendered.map((object) => object.kind).sort(), ['ClusterRole', 'ClusterRoleBinding', 'Deployment', 'Namespace', 'Service', 'ServiceAccount']);
    checkRendered(rendered);
    for (const object of rendered) assert.equal(await validateObject(object), undefined, `${object.kind} as rendered`);
  });

  it('an overlay with every component: ServiceMonitor, PrometheusRule, auth RBAC, and `--auth kubernetes` appended', { timeout: 60_000 }, async () => {
    const components = kustomizations.filter((document) => document.object.kind === 'Component').map((document) => path.dirname(path.join(ROOT, document.file)));
    const overlay = await mkdtemp(path.join(os.tmpdir(), 'splitstat-overlay-'));
    try {
      const relative = (target: string): string => path.relative(overlay, target).split(path.sep).join('/');
      await writeFile(
        path.join(overlay, 'kustomization.yaml'),
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          `resources: [${relative(path.join(ROOT, 'deploy'))}]`,
          `components: [${components.map(relative).join(', ')}]`,
          '',
        ].join('\n'),
      );
      const rendered = await render(overlay);
      checkRendered(rendered);
      assert.deepEqual(rendered.map((object) => `${object.kind} ${object.metadata?.name ?? ''}`).sort(), [
        'ClusterRole splitstat',
        'ClusterRole splitstat-auth-kubernetes',
        'ClusterRoleBinding splitstat',
        'ClusterRoleBinding splitstat-auth-kubernetes',
        'Deployment splitstat',
        'Namespace splitstat',
        'PrometheusRule splitstat',
        'Service splitstat',
        'ServiceAccount splitstat',
        'ServiceMonitor splitstat',
      ]);
      // The rules as Prometheus Operator's CRD schema allows them, and as the rules file has them.
      const rule = rendered.find((object) => object.kind === 'PrometheusRule');
      assert.ok(rule !== undefined);
      assert.equal(await validateObject(rule), undefined, 'PrometheusRule as rendered');
      assert.deepEqual((rule as unknown as { spec: { groups: unknown } }).spec.groups, JSON.parse(JSON.stringify(ruleGroups())));
      const renderedDeployment = rendered.find((object) => Deployment.is(object));
      assert.ok(renderedDeployment !== undefined && isKubeObject(renderedDeployment));
      const args = (renderedDeployment as unknown as IDeployment).spec?.template.spec?.containers[0]?.args ?? [];
      assert.deepEqual(args, [...(container.args ?? []), '--auth', 'kubernetes']);
    } finally {
      await rm(overlay, { recursive: true, force: true });
    }
  });
});
