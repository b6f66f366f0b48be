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

export class Sample {
  constructor(
    /** The series exactly as written (`name{labels}`): the scrape cache key. */
    readonly series: string,
    /** The metric name (the part of `series` before `{`). */
    readonly name: string,
    readonly value: number,
    /** Milliseconds; undefined when the line had no timestamp. */
    readonly timestampMs: number | undefined,
    readonly exemplar: ParsedExemplar | undefined,
  ) {}
}

export interface Exposition {
  samples: Sample[];
  metadata: Map<string, Metadata>;
  format: 'text' | 'openmetrics';
}

export class ParseError extends Error {
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.name = 'ParseError';
  }
}
