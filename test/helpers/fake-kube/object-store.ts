// The fake API server's storage: objects per collection, one global resourceVersion that grows
// with every write (as etcd's revision does), and a bounded history of changes that watches
// replay from. A watch from a resourceVersion older than the history holds is "too old" (410).
import type { JsonObject } from './http.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoredObject {
  readonly namespace: string;
  readonly name: string;
  /** The object as given, plus the metadata the server sets (resourceVersion, uid, creationTimestamp). */
  readonly object: JsonObject;
}

export interface Change {
  readonly resourceVersion: number;
  readonly type: ChangeType;
  readonly collection: string;
  /** The object after the change (for DELETED: its last state, at the deletion's resourceVersion). */
  readonly object: StoredObject;
  /** The object before a MODIFIED, so filtered watches can tell objects entering or leaving. */
  readonly previous: StoredObject | undefined;
}

export type ChangeListener = (change: Change) => void;

/** Where resourceVersions start: far from 0, so no client can mistake them for counts. */
const FIRST_RESOURCE_VERSION = 1000;

export class ObjectStore {
  readonly #collections = new Map<string, Map<string, StoredObject>>();
  readonly #history: Change[] = [];
  readonly #historyLimit: number;
  readonly #listeners = new Set<ChangeListener>();
  #resourceVersion = FIRST_RESOURCE_VERSION;
  /** Every change at or below this resourceVersion is gone from the history. */
  #compacted = FIRST_RESOURCE_VERSION;
  #uid = 0;

  constructor(historyLimit: number) {
    this.#historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.#resourceVersion;
  }

  list(collection: string): StoredObject[] {
    return [...(this.#collections.get(collection)?.values() ?? [])];
  }

  get(collection: string, namespace: string, name: string): StoredObject | undefined {
    return this.#collections.get(collection)?.get(`${namespace}/${name}`);
  }

  create(collection: string, namespace: string, name: string, object: JsonObject): StoredObject {
    if (this.get(collection, namespace, name) !== undefined) throw new Error(`${collection} ${namespace}/${name} already exists`);
    const metadata = { ...metadataOf(object), uid: `fake-uid-${++this.#uid}`, creationTimestamp: new Date().toISOString() };
    return this.#write('ADDED', collection, namespace, name, { ...object, metadata });
  }

  update(collection: string, namespace: string, name: string, object: JsonObject): StoredObject {
    const previous = this.get(collection, namespace, name);
    if (previous === undefined) throw new Error(`${collection} ${namespace}/${name} does not exist`);
    const { uid, creationTimestamp } = metadataOf(previous.object);
    const metadata = { ...metadataOf(object), uid: uid ?? null, creationTimestamp: creationTimestamp ?? null };
    return this.#write('MODIFIED', collection, namespace, name, { ...object, metadata }, previous);
  }

  delete(collection: string, namespace: string, name: string): StoredObject {
    const previous = this.get(collection, namespace, name);
    if (previous === undefined) throw new Error(`${collection} ${namespace}/${name} does not exist`);
    return this.#write('DELETED', collection, namespace, name, previous.object, previous);
  }

  /**
   * Changes of `collection` after `resourceVersion`, or 'expired' when some of them are no longer
   * kept. A resourceVersion from the future is treated as now.
   */
  changesSince(collection: string, resourceVersion: number): Change[] | 'expired' {
    if (resourceVersion < this.#compacted) return 'expired';
    return this.#history.filter((change) => change.collection === collection && change.resourceVersion > resourceVersion);
  }

  /** Forgets the whole history: every resourceVersion before now becomes too old to watch from. */
  expireHistory(): void {
    this.#history.length = 0;
    this.#compacted = this.#resourceVersion;
  }

  onChange(listener: ChangeListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #write(type: ChangeType, collection: string, namespace: string, name: string, object: JsonObject, previous?: StoredObject): StoredObject {
    const resourceVersion = ++this.#resourceVersion;
    const stored: StoredObject = {
      namespace,
      name,
      object: structuredClone({ ...object, metadata: { ...metadataOf(object), resourceVersion: String(resourceVersion) } }),
    };
    let objects = this.#collections.get(collection);
    if (objects === undefined) {
      objects = new Map<string, StoredObject>();
      this.#collections.set(collection, objects);
    }
    if (type === 'DELETED') objects.delete(`${namespace}/${name}`);
    else objects.set(`${namespace}/${name}`, stored);

    const change: Change = { resourceVersion, type, collection, object: stored, previous };
    this.#history.push(change);
    while (this.#history.length > this.#historyLimit) {
      const dropped = this.#history.shift();
      if (dropped !== undefined) this.#compacted = dropped.resourceVersion;
    }
    for (const listener of this.#listeners) listener(change);
    return stored;
  }
}

function metadataOf(object: JsonObject): JsonObject {
  const { metadata } = object;
  return typeof metadata === 'object' && metadata !== null && !Array.isArray(metadata) ? metadata : {};
}
