// @ts-check
// The filter box: every word must match the split's namespace, name, kind or apex (a part of
// it), or one of its labels (`key=value`, or `key` alone).

/** @typedef {import('./types.js').SplitAnswer} SplitAnswer */

/**
 * @param {SplitAnswer} split
 * @param {string} query
 */
export function matchesFilter(split, query) {
  const words = query.trim().toLowerCase().split(/\s+/).filter((word) => word !== '');
  return words.every((word) => {
    const equals = word.indexOf('=');
    if (equals > 0) {
      const key = word.slice(0, equals);
      const value = word.slice(equals + 1);
      return split.labels.some((label) => label.name.toLowerCase() === key && label.value.toLowerCase() === value);
    }
    return (
      [split.namespace, split.name, split.kind, split.apex, `${split.namespace}/${split.name}`].some((field) => field.toLowerCase().includes(word)) ||
      split.labels.some((label) => label.name.toLowerCase() === word)
    );
  });
}
