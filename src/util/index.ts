// util/: small helpers every stage may use.
export { isRecord, parseJsonOrUndefined } from './json.js';
