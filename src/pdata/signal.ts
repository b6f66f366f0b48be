import type { LogsData, MetricsData, TracesData } from './types.js';

export type Signal = 'traces' | 'metrics' | 'logs';
export const SIGNALS: readonly Signal[] = ['traces', 'metrics', 'logs'];

/** The pdata type that travels through a pipeline of each signal. */
export interface SignalDataMap {
  traces: TracesData;
  metrics: MetricsData;
  logs: LogsData;
}
export type SignalData = SignalDataMap[Signal];

/** The unit each signal is counted in (collector metric names use these). */
export const ITEM_NAME: Record<Signal, 'spans' | 'metric_points' | 'log_records'> = {
  traces: 'spans',
  metrics: 'metric_points',
  logs: 'log_records',
};
