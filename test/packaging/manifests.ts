// The YAML under deploy/, as documents, and the schema model that validates each one.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './dockerfile.js';

export const DEPLOY_DIR = path.join(ROOT, 'deploy');

/** What every Kubernetes object has; the rest is checked by the schemas. */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly name?: string; readonly namespace?: string; readonly labels?: Readonly<Record<string, string>> };
  readonly [field: string]: unknown;
}

export interface ManifestDocument {
  /** Posix path relative to the repository root, e.g. deploy/deployment.yaml. */
  readonly file: string;
  /** Position among the file's documents, from 0. */
  readonly index: number;
  readonly object: KubeObject;
}

/** kustomize's own files: build instructions, never sent to the API server. */
export const KUSTOMIZE_GROUP = 'kustomize.config.k8s.io';

export function isKustomizeFile(object: KubeObject): boolean {
  return apiGroup(object.apiVersion) === KUSTOMIZE_GROUP;
}

/** "apps/v1" → "apps"; "v1" → "" (core). */
export function apiGroup(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** Every *.yaml / *.yml below dir, sorted, as posix paths relative to the repository root. */
export async function yamlFiles(dir: string = DEPLOY_DIR): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

/** Parses multi-document YAML; an empty document (a lone `---`) is skipped as kubectl does. */
export function parseDocuments(text: string, file: string): ManifestDocument[] {
  const documents: ManifestDocument[] = [];
  for (const [index, document] of parseAllDocuments(text).entries()) {
    if (document.errors.length > 0) throw new Error(`${file}: document ${index}: ${document.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = document.toJS();
    if (value === null || value === undefined) continue;
    if (!isKubeObject(value)) throw new Error(`${file}: document ${index} is not a Kubernetes object (apiVersion and kind are required)`);
    documents.push({ file, index, object: value });
  }
  return documents;
}

export function isKubeObject(value: unknown): value is KubeObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'apiVersion' in value && typeof value.apiVersion === 'string' && 'kind' in value && typeof value.kind === 'string';
}

export async function loadDeployDocuments(): Promise<ManifestDocument[]> {
  const documents: ManifestDocument[] = [];
  for (const file of await yamlFiles()) documents.push(...parseDocuments(await readFile(path.join(ROOT, file), 'utf8'), file));
  return documents;
}

export function describeDocument(document: ManifestDocument): string {
  const { apiVersion, kind, metadata } = document.object;
  return `${document.file}#${document.index}: ${kind} ${metadata?.name ?? '(no name)'} (${apiVersion})`;
}

// --- schema models ---------------------------------------------------------------------------

/** A kubernetes-models class: `new Model(object).validate()` throws when the object is invalid. */
interface ModelClass {
  new (data: unknown): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function' && 'apiVersion' in value && typeof value.apiVersion === 'string' && 'kind' in value && typeof value.kind === 'string';
}

/**
 * API groups defined by CRDs, and the npm package with their schemas (same layout as
 * kubernetes-models: <package>/<apiVersion>/<Kind>). Built-in groups come from kubernetes-models.
 */
export const CRD_MODEL_PACKAGES: Readonly<Record<string, string>> = {
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

export type ModelLookup = { readonly model: ModelClass } | { readonly problem: string };

/** Finds the schema model for apiVersion+kind, or says exactly what is missing. */
export async function findModel(apiVersion: string, kind: string): Promise<ModelLookup> {
  const group = apiGroup(apiVersion);
  const crdPackage = CRD_MODEL_PACKAGES[group];
  const packageName = crdPackage ?? 'kubernetes-models';
  const specifier = `${packageName}/${apiVersion}/${kind}`;
  let module: unknown;
  try {
    module = await import(specifier);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? error.code : undefined;
    const message = error instanceof Error ? error.message : String(error);
    const packageMissing = code === 'ERR_MODULE_NOT_FOUND' && message.includes(`'${packageName}'`);
    if (packageMissing && crdPackage !== undefined) {
      return {
        problem:
          `${kind} (${apiVersion}) is a CRD kind whose schema ships in ${crdPackage}, which is not installed; ` +
          `add it as a dev dependency (npm install --save-dev ${crdPackage}) so this manifest is validated`,
      };
    }
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      return {
        problem:
          crdPackage === undefined && group.includes('.') && !group.endsWith('.k8s.io')
            ? `${kind} (${apiVersion}): no schema model; if it is a CRD kind, map its group "${group}" to the package with its schema in CRD_MODEL_PACKAGES (test/packaging/manifests.ts)`
            : `${kind} (${apiVersion}): ${packageName} has no model for this apiVersion and kind (${specifier})`,
      };
    }
    throw error;
  }
  const model = typeof module === 'object' && module !== null && kind in module ? (module as Record<string, unknown>)[kind] : undefined;
  if (!isModelClass(model) || model.apiVersion !== apiVersion || model.kind !== kind) {
    return { problem: `${kind} (${apiVersion}): ${specifier} does not export the model class ${kind}` };
  }
  return { model };
}

/** Validates against the JSON schema; returns the problem or undefined. */
export async function validateObject(object: KubeObject): Promise<string | undefined> {
  const lookup = await findModel(object.apiVersion, object.kind);
  if ('problem' in lookup) return lookup.problem;
  try {
    new lookup.model(object).validate();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
