import { expect, it } from 'vitest';
import { emptyHost, testSettings } from '../../test/support/component.js';
import { configSchema } from './config.js';
import { factory } from './factory.js';

it('nop receiver: no settings, starts and stops without producing anything', async () => {
  expect(configSchema.safeParse({}).success).toBe(true);
  expect(configSchema.safeParse({ endpoint: 'x:1' }).success).toBe(false);
  let consumed = 0;
  const next = { consume: async () => void consumed++ };
  const rx = factory.create(testSettings('nop'), {}, { traces: next, metrics: next, logs: next });
  await rx.start(emptyHost);
  await rx.shutdown();
  expect(consumed).toBe(0);
  expect(factory.signals).toEqual(['traces', 'metrics', 'logs']);
});
