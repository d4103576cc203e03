// The simulated cluster as the files a user outside Kubernetes would hand to splitstat: a
// directory of split manifests, TrafficSplits and HTTPRoutes (rewritten as the schedule changes
// weights), and a static targets file listing every simulated proxy. The demo reads these through the same sources
// `--splits <dir>` and `--targets <file>` use, so it exercises the real input path.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Simulator } from './simulator.js';
import type { SplitManifest } from './split-manifests.js';

export interface SimulatedClusterFiles {
  readonly splitsDir: string;
  readonly targetsFile: string;
  /** Stops following schedule changes; resolves once the last rewrite is on disk. */
  close(): Promise<void>;
}

export async function writeSimulatedCluster(sim: Simulator, dir: string, onError: (error: unknown) => void = () => undefined): Promise<SimulatedClusterFiles> {
  const splitsDir = path.join(dir, 'splits');
  const targetsFile = path.join(dir, 'targets.yaml');
  await mkdir(splitsDir, { recursive: true });
  const targets = sim.targets().map((target) => ({
    url: target.url,
    namespace: target.namespace,
    pod: target.pod,
    ...(target.workload === undefined ? {} : { workload: `${target.workload.kind}/${target.workload.name}` }),
  }));
  await writeAtomically(targetsFile, `# The simulated proxies splitstat scrapes.\n${stringify({ targets })}`);
  await Promise.all(sim.splitManifests().map((manifest) => writeManifest(splitsDir, manifest)));

  // Schedule changes arrive synchronously from the simulator; writes are chained so a later
  // change can never be overtaken by an earlier one.
  let writing: Promise<void> = Promise.resolve();
  const unsubscribe = sim.onSplitsChanged((change) => {
    const manifests = change.manifests.filter((manifest) =>
      change.changed.some((name) => name.namespace === manifest.metadata.namespace && name.name === manifest.metadata.name),
    );
    writing = writing.then(() => Promise.all(manifests.map((manifest) => writeManifest(splitsDir, manifest)))).then(
      () => undefined,
      onError,
    );
  });
  return {
    splitsDir,
    targetsFile,
    async close() {
      unsubscribe();
      await writing;
    },
  };
}

// Split names are unique per namespace across kinds (scenario-references.ts), so the kind need not
// be in the file name.
function writeManifest(dir: string, manifest: SplitManifest): Promise<void> {
  return writeAtomically(path.join(dir, `${manifest.metadata.namespace}.${manifest.metadata.name}.yaml`), stringify(manifest));
}

/** Write-then-rename, so a watcher never reads half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}
