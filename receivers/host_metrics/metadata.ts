// The metrics each scraper can emit, as the collector's metadata.yaml files
// define them (receiver/hostmetricsreceiver/internal/scraper/*/metadata.yaml):
// name, description, unit, instrument, value type and whether it is on by
// default. A scraper's `metrics:` config switches these.

export interface MetricDef {
  description: string;
  unit: string;
  kind: 'sum' | 'gauge';
  monotonic?: boolean;
  value: 'int' | 'double';
  enabled: boolean;
  /** Accepted in configs but not produced yet: enabling it is a config error. */
  unsupported?: true;
}

const sum = (
  description: string,
  unit: string,
  value: 'int' | 'double',
  monotonic: boolean,
  enabled: boolean,
): MetricDef => ({ description, unit, kind: 'sum', monotonic, value, enabled });
const gauge = (description: string, unit: string, value: 'int' | 'double', enabled: boolean): MetricDef => ({
  description,
  unit,
  kind: 'gauge',
  value,
  enabled,
});
const notYet = (d: MetricDef): MetricDef => ({ ...d, unsupported: true });

export const SCRAPER_METRICS = {
  cpu: {
    'system.cpu.time': sum('Total seconds each logical CPU spent on each mode.', 's', 'double', true, true),
    'system.cpu.utilization': gauge(
      'Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time (value in interval [0,1]).',
      '1',
      'double',
      false,
    ),
    'system.cpu.physical.count': sum('Number of available physical CPUs.', '{cpu}', 'int', false, false),
    'system.cpu.logical.count': sum('Number of available logical CPUs.', '{cpu}', 'int', false, false),
    'system.cpu.frequency': gauge('Current frequency of the CPU core in Hz.', 'Hz', 'double', false),
  },
  memory: {
    'system.memory.usage': sum('Bytes of memory in use.', 'By', 'int', false, true),
    'system.memory.utilization': gauge('Percentage of memory bytes in use.', '1', 'double', false),
    'system.memory.limit': sum('Total bytes of memory available.', 'By', 'int', false, false),
    'system.memory.page_size': gauge(
      "A constant value for the system's configured page size.",
      'By',
      'int',
      false,
    ),
    'system.linux.memory.available': sum(
      'An estimate of how much memory is available for starting new applications, without swapping. This is a more accurate alternative than system.memory.usage with state=free. (Linux only)',
      'By',
      'int',
      false,
      false,
    ),
    'system.linux.memory.dirty': sum(
      'The amount of dirty memory according to `/proc/meminfo`.',
      'By',
      'int',
      false,
      false,
    ),
    'system.memory.linux.hugepages.limit': notYet(
      sum('Total number of hugepages available.', '{pages}', 'int', false, false),
    ),
    'system.memory.linux.hugepages.page_size': notYet(
      sum('System hugepage size in bytes.', 'By', 'int', false, false),
    ),
    'system.memory.linux.hugepages.reserved': notYet(
      sum('Number of reserved hugepages.', '{pages}', 'int', false, false),
    ),
    'system.memory.linux.hugepages.surplus': notYet(
      sum('Number of surplus hugepages.', '{pages}', 'int', false, false),
    ),
    'system.memory.linux.hugepages.usage': notYet(
      sum('Number of hugepages in use by state.', '{pages}', 'int', false, false),
    ),
    'system.memory.linux.hugepages.utilization': notYet(
      gauge('Percentage of hugepages in use by state.', '1', 'double', false),
    ),
    'system.memory.linux.shared': notYet(sum('Shared memory usage.', 'By', 'int', false, false)),
  },
  load: {
    'system.cpu.load_average.1m': gauge('Average CPU Load over 1 minute.', '{thread}', 'double', true),
    'system.cpu.load_average.5m': gauge('Average CPU Load over 5 minutes.', '{thread}', 'double', true),
    'system.cpu.load_average.15m': gauge('Average CPU Load over 15 minutes.', '{thread}', 'double', true),
  },
  disk: {
    'system.disk.io': sum('Disk bytes transferred.', 'By', 'int', true, true),
    'system.disk.operations': sum('Disk operations count.', '{operations}', 'int', true, true),
    'system.disk.io_time': sum(
      'Time disk spent activated. On Windows, this is calculated as the inverse of disk idle time.',
      's',
      'double',
      true,
      true,
    ),
    'system.disk.operation_time': sum('Time spent in disk operations.', 's', 'double', true, true),
    'system.disk.weighted_io_time': sum(
      'Time disk spent activated multiplied by the queue length.',
      's',
      'double',
      true,
      true,
    ),
    'system.disk.pending_operations': sum(
      'The queue size of pending I/O operations.',
      '{operations}',
      'int',
      false,
      true,
    ),
    'system.disk.merged': sum(
      'The number of disk reads/writes merged into single physical disk access operations.',
      '{operations}',
      'int',
      true,
      true,
    ),
  },
  filesystem: {
    'system.filesystem.usage': sum('Filesystem bytes used.', 'By', 'int', false, true),
    'system.filesystem.inodes.usage': sum('FileSystem inodes used.', '{inodes}', 'int', false, true),
    'system.filesystem.utilization': gauge('Fraction of filesystem bytes used.', '1', 'double', false),
  },
  network: {
    'system.network.packets': sum('The number of packets transferred.', '{packets}', 'int', true, true),
    'system.network.dropped': sum('The number of packets dropped.', '{packets}', 'int', true, true),
    'system.network.errors': sum('The number of errors encountered.', '{errors}', 'int', true, true),
    'system.network.io': sum('The number of bytes transmitted and received.', 'By', 'int', true, true),
    'system.network.connections': sum('The number of connections.', '{connections}', 'int', false, true),
    'system.network.conntrack.count': sum(
      'The count of entries in conntrack table.',
      '{entries}',
      'int',
      false,
      false,
    ),
    'system.network.conntrack.max': sum(
      'The limit for entries in the conntrack table.',
      '{entries}',
      'int',
      false,
      false,
    ),
  },
  paging: {
    'system.paging.usage': sum('Swap (unix) or pagefile (windows) usage.', 'By', 'int', false, true),
    'system.paging.operations': sum('The number of paging operations.', '{operations}', 'int', true, true),
    'system.paging.faults': sum('The number of page faults.', '{faults}', 'int', true, true),
    'system.paging.utilization': gauge(
      'Swap (unix) or pagefile (windows) utilization.',
      '1',
      'double',
      false,
    ),
  },
  processes: {
    'system.processes.created': sum('Total number of created processes.', '{processes}', 'int', true, true),
    'system.processes.count': sum(
      'Total number of processes in each state.',
      '{processes}',
      'int',
      false,
      true,
    ),
  },
  system: {
    'system.uptime': gauge('The time the system has been running', 's', 'double', true),
  },
  process: {
    'process.cpu.time': sum('Total CPU seconds broken down by different states.', 's', 'double', true, true),
    'process.cpu.utilization': gauge(
      'Percentage of total CPU time used by the process since last scrape, expressed as a value between 0 and 1. On the first scrape, no data point is emitted for this metric.',
      '1',
      'double',
      false,
    ),
    'process.memory.usage': sum('The amount of physical memory in use.', 'By', 'int', false, true),
    'process.memory.virtual': sum('Virtual memory size.', 'By', 'int', false, true),
    'process.memory.utilization': gauge(
      'Percentage of total physical memory that is used by the process.',
      '1',
      'double',
      false,
    ),
    'process.disk.io': sum('Disk bytes transferred.', 'By', 'int', true, true),
    'process.paging.faults': sum(
      'Number of page faults the process has made.',
      '{faults}',
      'int',
      true,
      false,
    ),
    'process.signals_pending': sum(
      'Number of pending signals for the process.',
      '{signals}',
      'int',
      false,
      false,
    ),
    'process.threads': sum('Process threads count.', '{threads}', 'int', false, false),
    'process.open_file_descriptors': sum(
      'Number of file descriptors in use by the process.',
      '{count}',
      'int',
      false,
      false,
    ),
    'process.handles': notYet(sum('Number of handles held by the process.', '{count}', 'int', false, false)),
    'process.context_switches': sum(
      'Number of times the process has been context switched.',
      '{count}',
      'int',
      true,
      false,
    ),
    'process.disk.operations': sum(
      'Number of disk operations performed by the process.',
      '{operations}',
      'int',
      true,
      false,
    ),
    'process.uptime': gauge('The time the process has been running.', 's', 'double', false),
  },
} as const satisfies Record<string, Record<string, MetricDef>>;

export type ScraperName = keyof typeof SCRAPER_METRICS;
export const SCRAPERS = Object.keys(SCRAPER_METRICS) as ScraperName[];

/** Scrapers of the collector's hostmetrics receiver that tsunagi does not have: refused by name. */
export const OTHER_SCRAPERS = [
  'nfs',
  'hw',
  'hardware',
  'pressure',
  'psi',
  'raid',
  'uptime',
  'edac',
  'info',
  'groupprocess',
];

/** The collector's process.* resource attributes (enabled by default except process.cgroup). */
export const PROCESS_RESOURCE_ATTRIBUTES = {
  'process.pid': true,
  'process.parent_pid': true,
  'process.executable.name': true,
  'process.executable.path': true,
  'process.command': true,
  'process.command_line': true,
  'process.owner': true,
  'process.cgroup': false,
} as const;
