// What the exposition parser hands to the scrape: samples in exposition
// order and the metadata (# TYPE / # HELP / # UNIT) by family name.

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'info'
  | 'stateset'
  | 'unknown';

export interface Metadata {
  type: MetricType;
  help: string;
  unit: string;
}

export interface ParsedExemplar {
  /** Label pairs in exposition order. */
  labels: [string, string][];
  value: number;
  /** Milliseconds; undefined when the exemplar had no timestamp. */
  timestampMs: number | undefined;
}

/**
 * The samples of one exposition, column-wise (a scrape of 100k series makes
 * no per-sample objects): sample i is series[i], values[i], timestampsMs?.[i]
 * (NaN when the line had none) and exemplars?.get(i).
 */
export interface Exposition {
  /** Each series exactly as written (`name{labels}`): the scrape cache key. */
  series: string[];
  values: Float64Array;
  /** Undefined when no line had a timestamp (the usual case). */
  timestampsMs: Float64Array | undefined;
  exemplars: Map<number, ParsedExemplar> | undefined;
  metadata: Map<string, Metadata>;
  format: 'text' | 'openmetrics';
}

export class ParseError extends Error {
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.name = 'ParseError';
  }
}
