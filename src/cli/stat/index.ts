// `splitstat stat ts`: flags as Linkerd read them, numbers from a splitstat server (GraphQL) or a
// Prometheus, printed byte for byte as `linkerd viz stat ts` printed them.
export { renderStatTs } from './table.js';
export { renderStat } from './render.js';
export { registerStatCommand } from './command.js';
export { mayCarryKubeconfigToken } from './token-destination.js';
