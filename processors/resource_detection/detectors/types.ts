import type { KeyValue } from '../../../src/pdata/types.js';
import type { Logger } from '../../../src/telemetry/logger.js';

/** The semantic conventions version the collector's detectors report (their conventions.SchemaURL). */
export const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.6.1';

export interface DetectContext {
  /** Aborted when the detection session is over (its `timeout`). */
  signal: AbortSignal;
  /** The HTTP client timeout per request (the config's `timeout`). */
  timeoutMs: number;
  failOnMissingMetadata: boolean;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export interface Detected {
  attributes: KeyValue[];
  schemaUrl: string;
}

export const EMPTY: Detected = { attributes: [], schemaUrl: '' };

export interface Detector {
  detect(ctx: DetectContext): Promise<Detected>;
}

/** Builds the attribute list from the enabled names only (the generated ResourceBuilder). */
export class AttributeBuilder {
  readonly attributes: KeyValue[] = [];
  constructor(private readonly enabled: Set<string>) {}
  str(key: string, value: string): this {
    if (this.enabled.has(key)) this.attributes.push({ key, value: { stringValue: value } });
    return this;
  }
  strs(key: string, values: string[]): this {
    if (this.enabled.has(key))
      this.attributes.push({
        key,
        value: { arrayValue: { values: values.map((v) => ({ stringValue: v })) } },
      });
    return this;
  }
  has(key: string): boolean {
    return this.enabled.has(key);
  }
}
