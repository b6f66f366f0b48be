// CPU and heap profiles of this process through V8's inspector protocol
// (node:inspector, in-process: no --inspect port is opened). Each profile
// gets its own session, so an on-demand profile and save_to_file's
// whole-run profile can run at the same time.
import { Session } from 'node:inspector/promises';

/** The Chrome DevTools CPU profile (`.cpuprofile`): nodes, startTime, endTime, samples, timeDeltas. */
export interface CpuProfile {
  nodes: unknown[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** A CPU profile being recorded; stop() ends it and returns the profile. */
export class CpuRecording {
  private constructor(private readonly session: Session) {}

  static async start(samplingIntervalUs?: number): Promise<CpuRecording> {
    const session = new Session();
    session.connect();
    try {
      await session.post('Profiler.enable');
      if (samplingIntervalUs)
        await session.post('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
      await session.post('Profiler.start');
    } catch (e) {
      session.disconnect();
      throw e;
    }
    return new CpuRecording(session);
  }

  async stop(): Promise<CpuProfile> {
    try {
      const { profile } = (await this.session.post('Profiler.stop')) as { profile: CpuProfile };
      return profile;
    } finally {
      this.session.disconnect();
    }
  }
}

/**
 * The sampling heap profiler, on from start() like Go's heap profile (V8's
 * default interval, one sample per 512 KiB allocated on average): profile()
 * returns the sampled allocations still live, as a Chrome DevTools
 * `.heapprofile` ({ head, samples }).
 */
export class HeapSampler {
  private session: Session | undefined;

  async start(samplingIntervalBytes = 512 * 1024): Promise<void> {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.enable');
    await session.post('HeapProfiler.startSampling', { samplingInterval: samplingIntervalBytes });
    this.session = session;
  }

  async profile(): Promise<{ head: unknown; samples: unknown[] }> {
    if (!this.session) throw new Error('the heap sampler is not running');
    const { profile } = (await this.session.post('HeapProfiler.getSamplingProfile')) as {
      profile: { head: unknown; samples: unknown[] };
    };
    return profile;
  }

  async stop(): Promise<void> {
    const s = this.session;
    this.session = undefined;
    if (!s) return;
    await s.post('HeapProfiler.stopSampling').catch(() => {});
    s.disconnect();
  }
}
