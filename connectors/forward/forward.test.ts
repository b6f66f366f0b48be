import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConsumerError, retryableError } from '../../src/component/errors.js';
import { formatIssue } from '../../src/config/issues.js';
import { parseComponentConfig } from '../../src/config/validate.js';
import { newLogRecord, newResourceLogs, newScopeLogs } from '../../src/pdata/create.js';
import type { LogsData } from '../../src/pdata/types.js';
import { testConnectorNext, testSettings } from '../../test/support/component.js';
import { factory } from './factory.js';

const errorsOf = (yaml: string) => {
  const r = parseComponentConfig(factory, parse(yaml), 'connectors::forward');
  return r.ok ? [] : r.issues.map(formatIssue);
};

function logs(): LogsData {
  const rl = newResourceLogs();
  const sl = newScopeLogs();
  sl.logRecords.push(newLogRecord());
  rl.scopeLogs.push(sl);
  return { resourceLogs: [rl] };
}

describe('forward connector', () => {
  it('has no settings: a bare key or {} is fine, any key is an error', () => {
    expect(errorsOf('')).toEqual([]);
    expect(errorsOf('{}')).toEqual([]);
    expect(errorsOf('pipelines: [logs/x]')).toEqual(['connectors::forward::pipelines: unknown key']);
  });

  it('connects each signal to itself only', () => {
    expect(factory.pairs).toEqual([
      ['traces', 'traces'],
      ['metrics', 'metrics'],
      ['logs', 'logs'],
    ]);
    expect(factory.passThrough).toBe(true);
  });

  it('hands the data as it is to every pipeline it feeds; the answer is theirs', async () => {
    const { next, sinks } = testConnectorNext<'logs'>(['logs/a', 'logs/b']);
    const c = factory.create(testSettings('forward', 'connector'), {}, 'logs', 'logs', next);
    const data = logs();
    await c.consume(data);
    expect(sinks.get('logs/a')!.received).toEqual([data]);
    expect(sinks.get('logs/a')!.received[0]).toBe(data);
    expect(sinks.get('logs/b')!.received[0]).toBe(data);
    sinks.get('logs/b')!.failWith = retryableError('queue full');
    const err = (await c.consume(logs()).catch((e) => e)) as ConsumerError;
    expect(err).toBeInstanceOf(ConsumerError);
    expect(err.retryable).toBe(true);
  });
});
