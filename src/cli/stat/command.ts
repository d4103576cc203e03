// `splitstat stat ts` (and `kubectl splitstat ts`): Linkerd 2.11's `linkerd viz stat ts`, with
// the numbers from a running splitstat over GraphQL. Flags and errors: SPEC-stat-ts.md §1.
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { collectValues, SCHEMA_HELP } from './prometheus-flags.js';
import type { PrometheusStatFlags } from './prometheus-flags.js';

export function registerStatCommand(program: Command, setAction: (action: Promise<number>) => void, io: CliIo): void {
  program
    .command('stat')
    .description('Per-backend traffic of SMI TrafficSplits, printed as `linkerd viz stat ts` printed it; `stat httproute`: of weighted HTTPRoutes')
    .argument('[resources...]', 'ts, ts/NAME or ts NAME… (also trafficsplit, trafficsplits); or httproute[/NAME] (also httproutes)')
    .option('-n, --namespace <namespace>', "namespace of the TrafficSplits (default: the kubeconfig context's, else \"default\")")
    .option('-A, --all-namespaces', 'TrafficSplits of every namespace, ignoring --namespace')
    .option('-t, --time-window <duration>', 'stat window, Go duration syntax ("15s", "1m", "10m", "1h"); at least 15s (default: "1m")')
    .option('-o, --output <format>', 'output format: table, json or wide (wide adds WEIGHT_SHARE and OBSERVED_SHARE)')
    .option('--from <resource>', 'count only requests from these clients: TYPE[/NAME], e.g. deploy/web, ns/frontend')
    .option('--from-namespace <namespace>', 'namespace of the --from resource (default: --namespace)')
    .option('--to <resource>', 'count only requests served by this leaf: svc/NAME (or ns/NAME); other leaves show -')
    .option('--to-namespace <namespace>', 'namespace of the --to resource (default: --namespace)')
    .option('-l, --selector <selector>', "label selector of the TrafficSplits ('=', '==', '!=', in, notin, exists)")
    .option('--server <url>', 'the splitstat to ask (default: $SPLITSTAT_SERVER, else http://localhost:8080)')
    .option('--token <token>', "bearer token for a server that checks them (default: $SPLITSTAT_TOKEN, else the kubeconfig user's token)")
    .option('--kubeconfig <file>', 'kubeconfig for the default namespace and token (default: $KUBECONFIG, else ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context (default: the current one)')
    .option('--watch', 'refresh every --watch-interval until Ctrl-C')
    .option('--watch-interval <duration>', 'with --watch: how often to refresh (default: "2s")')
    // ---- --prometheus: numbers from a Prometheus directly, no splitstat server (prometheus.ts)
    .option('--prometheus <url>', 'ask this Prometheus (Linkerd viz\'s PromQL) instead of a splitstat server; user:password@ in the URL = basic auth')
    .option('--prometheus-schema <schema>', `with --prometheus: ${SCHEMA_HELP} (default: linkerd)`)
    .option('--envoy-cluster-pattern <regex>', 'with --prometheus-schema envoy: a regular expression over envoy_cluster_name with named groups (?<service>…) and optionally (?<namespace>…)')
    .option('--prometheus-header <header>', "with --prometheus: extra request header 'Name: value' (repeatable), e.g. 'X-Scope-OrgID: tenant-1'", collectValues)
    .option('--prometheus-token <token>', 'with --prometheus: bearer token for the Prometheus API')
    .option('--prometheus-timeout <duration>', 'with --prometheus: timeout of each query (default: "10s")')
    .option('--manifests <file|dir>', 'with --prometheus: read the TrafficSplits from these manifests (YAML/JSON) instead of the cluster')
    // ---- end --prometheus
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  splitstat stat ts                          every TrafficSplit in the namespace',
        '  splitstat stat ts/web -n prod              one split (also: stat ts web web-canary)',
        '  splitstat stat -A ts -o wide               every namespace, with configured and observed shares',
        '  splitstat stat ts --from deploy/frontend   only requests from the frontend deployment',
        '  splitstat stat httproute -n prod           weighted HTTPRoutes: NAME SERVICE BACKEND WEIGHT SUCCESS RPS LATENCY_P50…',
        '  kubectl splitstat ts -n prod --watch       the same as a kubectl plugin, refreshed every 2s',
        '  splitstat stat ts --prometheus http://prometheus.linkerd-viz:9090 --manifests ./splits/',
      ].join('\n'),
    )
    // What runs the command is loaded only when it runs: it brings the Kubernetes client (for the
    // kubeconfig), which `serve` and `demo` need not carry.
    .action((resources: string[], flags: PrometheusStatFlags) => {
      setAction(import('./run-stat.js').then(({ runStatCommand }) => runStatCommand(resources, flags, io)));
    });
}

