// /debug/expvarz (expvar.enabled): Go's expvar shows `cmdline` and the Go
// runtime's `memstats`; Node has no Go runtime, so this is the process's
// command line and Node's memory and V8 heap figures, as one JSON object.
import { getHeapStatistics } from 'node:v8';

export function expvar(): Record<string, unknown> {
  return {
    cmdline: process.argv,
    memstats: process.memoryUsage(),
    heap: getHeapStatistics(),
    uptime_seconds: process.uptime(),
  };
}
