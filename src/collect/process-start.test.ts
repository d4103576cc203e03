import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { findProcessStartTime as findInText } from './process-start.js';

/** The answer for the page as text, checked to be the same for the page as bytes. */
function findProcessStartTime(page: string): number | undefined {
  const fromText = findInText(page);
  assert.equal(findInText(Buffer.from(page, 'latin1')), fromText, `as bytes: ${JSON.stringify(page)}`);
  assert.equal(findInText([page]), fromText, `as one piece: ${JSON.stringify(page)}`);
  return fromText;
}

describe('findProcessStartTime', () => {
  it('reads the sample wherever it is on the page', () => {
    assert.equal(findProcessStartTime('process_start_time_seconds 1700000000\n'), 1700000000);
    const page = '# HELP process_start_time_seconds Start time.\n# TYPE process_start_time_seconds gauge\nresponse_total{a="b"} 3\nprocess_start_time_seconds 1.7e9 1700000000123\n';
    assert.equal(findProcessStartTime(page), 1.7e9);
  });

  it('ignores comments, longer names, labelled look-alikes and bad values', () => {
    assert.equal(findProcessStartTime('# HELP process_start_time_seconds x\n'), undefined);
    assert.equal(findProcessStartTime('process_start_time_seconds_total 5\n'), undefined);
    assert.equal(findProcessStartTime('my_process_start_time_seconds 5\n'), undefined);
    assert.equal(findProcessStartTime('process_start_time_seconds abc\n'), undefined);
    assert.equal(findProcessStartTime(''), undefined);
    assert.equal(findProcessStartTime('a 1\nmy_process_start_time_seconds 5\nprocess_start_time_seconds_x 1\nprocess_start_time_seconds 42'), 42);
  });
});
