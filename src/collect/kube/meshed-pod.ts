// What splitstat needs to know about a pod, read once when the pod changes: whether it runs a
// mesh's sidecar (Linkerd's proxy, Istio's, OSM's or Consul's Envoy), whether it can be scraped now, and where.
import { isIPv6 } from 'node:net';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';

export const PROXY_CONTAINER = 'linkerd-proxy';
/** Set by the proxy injector on every meshed pod. */
export const PROXY_VERSION_ANNOTATION = 'linkerd.io/proxy-version';
export const DEFAULT_ADMIN_PORT = 4191;

/** Istio's sidecar container, and the annotation its injector sets on every injected pod. */
export const ISTIO_PROXY_CONTAINER = 'istio-proxy';
export const ISTIO_STATUS_ANNOTATION = 'sidecar.istio.io/status';
/** Where the Istio agent serves the sidecar's metrics merged with the app's (Istio's default). */
export const ISTIO_METRICS_PORT = 15020;
export const ISTIO_METRICS_PATH = '/stats/prometheus';

/**
 * Open Service Mesh's sidecar container and the label its injector sets on every injected pod;
 * Envoy's Prometheus endpoint is a listener of its own (osm pkg/constants/constants.go).
 */
export const OSM_PROXY_CONTAINER = 'envoy';
export const OSM_PROXY_UUID_LABEL = 'osm-proxy-uuid';
export const OSM_METRICS_PORT = 15010;
export const OSM_METRICS_PATH = '/stats/prometheus';

/**
 * Consul Connect on Kubernetes (consul-k8s): the injector's status annotation, and the sidecar
 * container, `consul-dataplane` since consul-k8s 1.0 (`envoy-sidecar` before). With metrics on
 * (`connectInject.metrics.defaultEnabled`), Envoy's metrics, merged with the app's, are served at
 * `:20200/metrics` and announced in `prometheus.io/port` and `prometheus.io/path`
 * (control-plane/connect-inject/webhook/mesh_webhook.go, charts/consul/values.yaml).
 */
export const CONSUL_INJECT_STATUS_ANNOTATION = 'consul.hashicorp.com/connect-inject-status';
export const CONSUL_SIDECAR_CONTAINERS: readonly string[] = ['consul-dataplane', 'envoy-sidecar'];
export const CONSUL_METRICS_PORT = 20200;
export const CONSUL_METRICS_PATH = '/metrics';

/** The sidecars pod discovery knows. */
export const SIDECAR_MESHES = ['linkerd', 'istio', 'osm', 'consul'] as const;
export type SidecarMesh = (typeof SIDECAR_MESHES)[number];

export interface MeshedPod {
  readonly namespace: string;
  readonly name: string;
  /** Which sidecar it runs. */
  readonly sidecar: SidecarMesh;
  /** Istio, Consul: the metrics port and path the injector announced (`prometheus.io/*`), else the mesh's defaults. */
  readonly metricsPort?: number | undefined;
  readonly metricsPath?: string | undefined;
  /** Running, with an address: its proxy can be scraped. */
  readonly scrapable: boolean;
  readonly ip: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly owners: NonNullable<V1ObjectMeta['ownerReferences']>;
}

/** The pod's scrape-relevant facts; undefined for a pod without a sidecar of `meshes`. */
export function readMeshedPod(pod: V1Pod, meshes: readonly SidecarMesh[] = SIDECAR_MESHES): MeshedPod | undefined {
  const sidecar = meshes.find((mesh) => HAS_SIDECAR[mesh](pod));
  if (sidecar === undefined) return undefined;
  const metadata = pod.metadata ?? {};
  const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
  const usableIp = ip === undefined || ip === '' ? undefined : ip;
  return {
    namespace: metadata.namespace ?? 'default',
    name: metadata.name ?? '',
    sidecar,
    ...(sidecar === 'istio' ? istioMetricsEndpoint(metadata.annotations ?? {}) : sidecar === 'consul' ? consulMetricsEndpoint(metadata.annotations ?? {}) : {}),
    scrapable: pod.status?.phase === 'Running' && usableIp !== undefined,
    ip: usableIp,
    labels: metadata.labels ?? {},
    owners: metadata.ownerReferences ?? [],
  };
}

export function isMeshed(pod: V1Pod): boolean {
  // The proxy is a regular container, or (Linkerd's native sidecar mode) an init container
  // that keeps running; the injector's annotation covers pods whose spec is trimmed.
  const named = (containers: readonly { name: string }[] | undefined) => containers?.some((container) => container.name === PROXY_CONTAINER) === true;
  return named(pod.spec?.containers) || named(pod.spec?.initContainers) || pod.metadata?.annotations?.[PROXY_VERSION_ANNOTATION] !== undefined;
}

/** A Consul sidecar: the injector's status annotation, on a pod with its sidecar container. */
export function isConsulInjected(pod: V1Pod): boolean {
  const injected = pod.metadata?.annotations?.[CONSUL_INJECT_STATUS_ANNOTATION] === 'injected';
  const named = (containers: readonly { name: string }[] | undefined) => containers?.some((container) => CONSUL_SIDECAR_CONTAINERS.includes(container.name)) === true;
  return injected && (named(pod.spec?.containers) || named(pod.spec?.initContainers));
}

/** An OSM sidecar: the injector's label, on a pod with an `envoy` container. */
export function isOsmInjected(pod: V1Pod): boolean {
  return pod.metadata?.labels?.[OSM_PROXY_UUID_LABEL] !== undefined && pod.spec?.containers?.some((container) => container.name === OSM_PROXY_CONTAINER) === true;
}

/** An Istio sidecar: its container (or native sidecar), or the injector's status annotation. */
export function isIstioInjected(pod: V1Pod): boolean {
  const named = (containers: readonly { name: string }[] | undefined) => containers?.some((container) => container.name === ISTIO_PROXY_CONTAINER) === true;
  return named(pod.spec?.containers) || named(pod.spec?.initContainers) || pod.metadata?.annotations?.[ISTIO_STATUS_ANNOTATION] !== undefined;
}

/**
 * With metrics merging (Istio's default) the injector points `prometheus.io/port` and
 * `prometheus.io/path` at the agent's merged endpoint; other values are the app's own (merging
 * off), so the agent's defaults are used then.
 */
function istioMetricsEndpoint(annotations: Readonly<Record<string, string>>): { metricsPort: number; metricsPath: string } {
  const port = Number(annotations['prometheus.io/port']);
  const announced = annotations['prometheus.io/path'] === ISTIO_METRICS_PATH && Number.isInteger(port) && port > 0 && port < 65536;
  return { metricsPort: announced ? port : ISTIO_METRICS_PORT, metricsPath: ISTIO_METRICS_PATH };
}

/**
 * consul-k8s announces its merged endpoint in `prometheus.io/port` and `prometheus.io/path`;
 * without them (metrics off, or the annotations trimmed), its defaults.
 */
function consulMetricsEndpoint(annotations: Readonly<Record<string, string>>): { metricsPort: number; metricsPath: string } {
  const port = Number(annotations['prometheus.io/port']);
  const path = annotations['prometheus.io/path'];
  const announced = Number.isInteger(port) && port > 0 && port < 65536 && path !== undefined && path.startsWith('/');
  return announced ? { metricsPort: port, metricsPath: path } : { metricsPort: CONSUL_METRICS_PORT, metricsPath: CONSUL_METRICS_PATH };
}

const HAS_SIDECAR: Readonly<Record<SidecarMesh, (pod: V1Pod) => boolean>> = {
  linkerd: isMeshed,
  istio: isIstioInjected,
  osm: isOsmInjected,
  consul: isConsulInjected,
};

/** The proxy's metrics URL; an IPv6 address goes in brackets. */
export function proxyMetricsUrl(ip: string, adminPort: number, path = '/metrics'): string {
  return `http://${isIPv6(ip) ? `[${ip}]` : ip}:${adminPort}${path}`;
}

/** Where a discovered pod's sidecar serves its metrics: Linkerd's admin port, or the Envoy-based mesh's endpoint. */
export function podMetricsUrl(pod: MeshedPod & { readonly ip: string }, linkerdAdminPort: number): string {
  if (pod.sidecar === 'istio') return proxyMetricsUrl(pod.ip, pod.metricsPort ?? ISTIO_METRICS_PORT, pod.metricsPath);
  if (pod.sidecar === 'osm') return proxyMetricsUrl(pod.ip, OSM_METRICS_PORT, OSM_METRICS_PATH);
  if (pod.sidecar === 'consul') return proxyMetricsUrl(pod.ip, pod.metricsPort ?? CONSUL_METRICS_PORT, pod.metricsPath ?? CONSUL_METRICS_PATH);
  return proxyMetricsUrl(pod.ip, linkerdAdminPort);
}
