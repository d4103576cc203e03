// go/: behaving like Go where users compare us with Go programs: duration syntax (time.ParseDuration),
// number parsing (strconv.ParseFloat/ParseInt, as Prometheus reads samples) and number and JSON
// formatting (fmt, strconv, encoding/json, as `linkerd viz stat` printed them).
export { DurationError, parseGoDuration } from './duration.js';
export type { Duration } from './duration.js';
export { formatGoFixed, formatGoInt, formatGoJsonFloat, formatGoJsonString, JsonUnsupportedValueError, roundHalfAwayFromZero } from './format.js';
export { parseGoFloat, parseGoInt64 } from './parse-float.js';
export { formatDuration } from './format-duration.js';
