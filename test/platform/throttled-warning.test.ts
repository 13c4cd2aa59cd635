import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { throttledWarning } from '../../src/platform/throttled-warning.js';

test('a failing dependency is warned about once per interval, not once per request', async () => {
  const lines: { details: object; msg: string }[] = [];
  const warn = throttledWarning(
    { warn: (details, msg) => lines.push({ details, msg }) },
    'redis unavailable',
    200,
  );
  for (let i = 0; i < 50; i++) warn({ op: 'get', attempt: i });
  assert.deepEqual(lines, [{ details: { op: 'get', attempt: 0 }, msg: 'redis unavailable' }]);
  await sleep(250);
  warn({ op: 'get', attempt: 50 });
  warn({ op: 'get', attempt: 51 });
  assert.deepEqual(
    lines.map((l) => l.details),
    [
      { op: 'get', attempt: 0 },
      { op: 'get', attempt: 50 },
    ],
  );
});
