// What the file set's helpers (match.ts, open-file.ts, poll.ts, rotation.ts,
// turns.ts) see of the consumer that owns the open files: its state and the
// few operations they call back. FileConsumer implements it; the helpers
// depend on this view, not on the class, so the imports run one way.
import type { Stats } from 'node:fs';
import type { StorageClient } from '../../src/component/storage.js';
import type { LogsData } from '../../src/pdata/types.js';
import type { Entry } from '../../src/stanza/entry.js';
import type { OperatorPipeline } from '../../src/stanza/pipeline.js';
import type { Logger } from '../../src/telemetry/logger.js';
import type { FileLogConfig } from './config.js';
import type { FileGlob } from './glob.js';
import type { KnownFile, KnownFiles } from './known-files.js';
import type { FileReader } from './reader.js';

/** A path matched by include: the file there (dev:ino), its size, and the stat taken in this glob match. */
export interface AtPath {
  key: string;
  size: number;
  st?: Stats;
}

export interface FileConsumerCounters {
  accepted(n: number): void;
  refused(n: number, error?: unknown): void;
  /** Lines longer than max_log_size (emitted in pieces). */
  split(n: number): void;
  invalidUtf8(n: number): void;
  skippedFile(reason: 'binary' | 'unreadable'): void;
  operatorError(operatorId: string): void;
}

export interface FileConsumerDeps {
  logger: Logger;
  counters: FileConsumerCounters;
  consume(data: LogsData): Promise<void>;
  storage?: StorageClient;
  /** Converts the batch; injected so the receiver decides the pdata shape. */
  toLogs(entries: Entry[]): LogsData;
}

/** The open and known files of one file_log receiver, as its helpers use them (see FileConsumer for each member's meaning). */
export interface FileSet {
  readonly cfg: FileLogConfig;
  readonly deps: FileConsumerDeps;
  readonly readers: Map<string, FileReader>;
  readonly known: KnownFiles;
  readonly pipeline: OperatorPipeline;
  readonly ignored: Set<string>;
  readonly files: FileGlob;
  readonly gen: WeakMap<FileReader, number>;
  readonly idle: Map<string, { size: number; mtimeMs: number; k: KnownFile }>;
  readonly abort: AbortController;
  firstPoll: boolean;
  hadCheckpoint: boolean;
  stopped: boolean;
  observed: bigint;
  dirty: boolean;
  lastPersist: number;
  /** When the globs were last matched (matchFiles). */
  lastMatch: number;
  behind: boolean;
  atPath: Map<string, AtPath>;
  truncated: boolean;
  openedNew: boolean;
  waitingSince: Map<string, number>;
  recoverWaiting: boolean;
  readSome(r: FileReader, now: number, turns: number): Promise<boolean>;
  flushBatch(final: boolean): Promise<boolean>;
  persist(): Promise<void>;
  reportOnce(key: string, msg: string, fields: Record<string, unknown>): boolean;
}
