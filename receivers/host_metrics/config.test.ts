// The host_metrics receiver's config as a user writes it: whole collector
// configs through the real registry (so `hostmetrics`, the collector's name,
// is checked too), the defaults, and the errors a mistake gets.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../../app/registry.js';
import { formatIssue } from '../../src/config/issues.js';
import { validateConfig } from '../../src/config/validate.js';
import { factory } from './factory.js';

const config = (receiver: string, type = 'hostmetrics') => `
receivers:
  ${type}:
${receiver
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
exporters:
  debug:
service:
  pipelines:
    metrics: { receivers: [${type}], exporters: [debug] }
`;
const errors = (receiver: string, type = 'hostmetrics') =>
  validateConfig(parseYaml(config(receiver, type)), registry).errors.map(formatIssue);
const parsed = (yaml: string) => factory.configSchema.parse(parseYaml(yaml) ?? null);

describe('host_metrics config', () => {
  it('accepts the collector README example under both names, with its defaults', () => {
    const example = `
collection_interval: 30s
scrapers:
  cpu:
  memory:
  load: { cpu_average: true }
  disk:
  filesystem:
  network:
  paging:
  processes:
  process:
    include: { names: [node, 'java.*'], match_type: regexp }
    mute_process_name_error: true
`;
    expect(errors(example)).toEqual([]);
    expect(errors(example, 'host_metrics')).toEqual([]);
    const c = parsed(example);
    expect(c.collection_interval).toBe(30_000);
    expect(c.initial_delay).toBe(1000);
    expect(c.root_path).toBe('');
    expect(c.scrapers?.load?.cpu_average).toBe(true);
    // default metric switches as in the scrapers' metadata.yaml
    expect([...(c.scrapers?.cpu?.metrics ?? [])]).toEqual(['system.cpu.time']);
    expect([...(c.scrapers?.memory?.metrics ?? [])]).toEqual(['system.memory.usage']);
    expect([...(c.scrapers?.filesystem?.metrics ?? [])].sort()).toEqual([
      'system.filesystem.inodes.usage',
      'system.filesystem.usage',
    ]);
    expect([...(c.scrapers?.process?.metrics ?? [])].sort()).toEqual([
      'process.cpu.time',
      'process.disk.io',
      'process.memory.usage',
      'process.memory.virtual',
    ]);
    expect(c.scrapers?.process?.resource_attributes.has('process.cgroup')).toBe(false);
    expect(c.scrapers?.process?.resource_attributes.has('process.pid')).toBe(true);
    expect(parsed('scrapers: { cpu: }').collection_interval).toBe(60_000);
  });

  it('switches metrics on and off', () => {
    const c = parsed(`
scrapers:
  cpu:
    metrics:
      system.cpu.time: { enabled: false }
      system.cpu.utilization: { enabled: true }
  memory:
    metrics:
      system.memory.limit:
        enabled: true
`);
    expect([...(c.scrapers?.cpu?.metrics ?? [])]).toEqual(['system.cpu.utilization']);
    expect([...(c.scrapers?.memory?.metrics ?? [])].sort()).toEqual([
      'system.memory.limit',
      'system.memory.usage',
    ]);
  });

  it('refuses mistakes with the path to the key', () => {
    expect(errors('collection_interval: 10s')).toEqual([
      'receivers::hostmetrics::scrapers: must specify at least one scraper',
    ]);
    expect(errors('scrapers: {}')).toEqual([
      'receivers::hostmetrics::scrapers: must specify at least one scraper',
    ]);
    expect(errors('scrapers: { cpu: , gpu: }')[0]).toMatch(
      /^receivers::hostmetrics::scrapers::gpu: unknown key/,
    );
    expect(errors('scrapers: { nfs: }')).toEqual([
      "receivers::hostmetrics::scrapers::nfs: the nfs scraper is not supported by tsunagi's host_metrics receiver",
    ]);
    expect(errors('scrapers: { cpu: { metrics: { system.memory.usage: { enabled: true } } } }')[0]).toMatch(
      /^receivers::hostmetrics::scrapers::cpu::metrics::system\.memory\.usage: unknown key/,
    );
    expect(errors('scrapers: { cpu: { metrics: { system.cpu.time: { enabled: yes please } } } }')[0]).toMatch(
      /^receivers::hostmetrics::scrapers::cpu::metrics::system\.cpu\.time::enabled: /,
    );
    expect(errors('collection_interval: 0s\nscrapers: { cpu: }')).toEqual([
      'receivers::hostmetrics::collection_interval: collection_interval must be a positive duration',
    ]);
    expect(errors('collection_interval: often\nscrapers: { cpu: }')[0]).toMatch(
      /^receivers::hostmetrics::collection_interval: /,
    );
    // match_type has no default in the collector's filterset either (an empty list needs none)
    expect(errors('scrapers: { disk: { include: { devices: [sda] } } }')).toEqual([
      "receivers::hostmetrics::scrapers::disk::include::match_type: unrecognized match_type: '', valid types are: [regexp strict]",
    ]);
    expect(errors('scrapers: { disk: { include: , exclude: { devices: [] } } }')).toEqual([]);
    expect(
      errors("scrapers: { network: { exclude: { interfaces: ['(lo'], match_type: regexp } } }")[0],
    ).toMatch(/^receivers::hostmetrics::scrapers::network::exclude: /);
    expect(
      errors('scrapers: { memory: { metrics: { system.memory.linux.hugepages.limit: { enabled: true } } } }'),
    ).toEqual([
      'receivers::hostmetrics::scrapers::memory::metrics::system.memory.linux.hugepages.limit::enabled: system.memory.linux.hugepages.limit is not produced by tsunagi yet',
    ]);
  });

  it('feeds metrics pipelines only', () => {
    const yaml = `
receivers:
  hostmetrics: { scrapers: { cpu: } }
exporters:
  debug:
service:
  pipelines:
    logs: { receivers: [hostmetrics], exporters: [debug] }
`;
    expect(validateConfig(parseYaml(yaml), registry).errors.map(formatIssue).join('\n')).toMatch(
      /receiver "hostmetrics" does not support logs/,
    );
  });
});
