// @ts-check
// The shapes of the GraphQL answers the page reads (see schema/splitstat.graphql).
export {};

/**
 * @typedef {{ successRate: number, rps: number, successCount: number, failureCount: number,
 *   latencyMsP50: number, latencyMsP95: number, latencyMsP99: number }} Stats
 * @typedef {{ service: string, weight: string, weightRatio: number | null, observedRatio: number | null, stats: Stats | null }} BackendAnswer
 * @typedef {{ service: string, weightRatio: number | null }} BackendWeight
 * @typedef {{ at: string, kind: string, before: BackendWeight[], after: BackendWeight[] }} WeightChange
 * @typedef {{ at: string, backends: { service: string, observedRatio: number | null, weightRatio: number | null }[] }} HistoryPoint
 * @typedef {{ points: HistoryPoint[], weightChanges: WeightChange[] }} History
 * @typedef {{ namespace: string, name: string, kind: string, apex: string,
 *   labels: { name: string, value: string }[], issues: { code: string, message: string, backend: string | null }[],
 *   stats: Stats | null, backends: BackendAnswer[], history: History | null }} SplitAnswer
 */
