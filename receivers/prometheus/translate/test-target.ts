// The scrape target and settings the translation tests share: one target with the
// default series options (no relabeling, no limits, gc after 2 minutes) and the
// default build (start time from the initial point). For tests only.
import type { SeriesOptions } from './target-series.js';
import type { BuildOptions } from './to-otlp.js';

export const TEST_TARGET = new Map([
  ['job', 'app'],
  ['instance', '10.0.0.7:9100'],
]);

export const TEST_DISCOVERED = new Map([
  ['__address__', '10.0.0.7:9100'],
  ['job', 'app'],
]);

export const TEST_SERIES_OPTIONS: SeriesOptions = {
  honorLabels: false,
  honorTimestamps: true,
  trackTimestampsStaleness: false,
  metricRelabel: [],
  sampleLimit: 0,
  labelLimit: 0,
  labelNameLengthLimit: 0,
  labelValueLengthLimit: 0,
  externalLabels: [],
  gcMs: 120_000,
};

export const TEST_BUILD: BuildOptions = {
  trimSuffixes: false,
  scopeVersion: 'test',
  startTime: { kind: 'initial_point' },
};
