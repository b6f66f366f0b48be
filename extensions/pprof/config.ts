// Config of the `pprof` extension: the collector's keys (contrib
// extension/pprofextension config.go: confignet.TCPAddrConfig squashed —
// `endpoint`, `dialer` — plus block_profile_fraction, mutex_profile_fraction,
// save_to_file; factory default endpoint localhost:1777).
import { z } from 'zod';
import { duration, endpoint } from '../../src/config/schema-types.js';

export const configSchema = z.strictObject({
  endpoint: endpoint().default('localhost:1777'),
  /** confignet's dialer settings: accepted, nothing here dials out. */
  dialer: z.strictObject({ timeout: duration().default(0) }).optional(),
  /** Go's runtime.SetBlockProfileRate: accepted, no Node equivalent (ignored, logged when > 0). */
  block_profile_fraction: z.number().int().default(0),
  /** Go's runtime.SetMutexProfileFraction: accepted, no Node equivalent (ignored, logged when > 0). */
  mutex_profile_fraction: z.number().int().default(0),
  /** Write a CPU profile covering the whole run to this file at shutdown (Chrome DevTools `.cpuprofile` JSON). */
  save_to_file: z.string().optional(),
});

export type PprofConfig = z.output<typeof configSchema>;
