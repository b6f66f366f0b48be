// The configs we ship (config/*.yaml) must validate against the real registry,
// and `validate` must list every error of a broken one with its path.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../app/registry.js';
import { runCli } from '../src/cli/cli.js';
import { silentLogger } from '../src/telemetry/logger.js';

const CONFIG_DIR = fileURLToPath(new URL('../config/', import.meta.url));

async function validate(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(['validate', ...args], registry, {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    env: { GATEWAY_ENDPOINT: 'http://gateway:4318', K8S_NODE_NAME: 'node-1' },
    signals: process,
    exit: () => {},
    createLogger: () => silentLogger(),
  });
  return { code, out, err };
}

test.each(readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.yaml')))('config/%s is valid', async (file) => {
  const r = await validate(['--config', CONFIG_DIR + file]);
  expect(r.err).not.toMatch(/error/i);
  expect(r.code).toBe(0);
});

test('validate lists every error with its path, from the real registry', async () => {
  const r = await validate([
    '--config',
    'yaml:exporters::otlp_http/backend::endpointt: http://x',
    '--config',
    'yaml:receivers::otlp::protocols::grpc::endpoint: nope',
    '--config',
    'yaml:service::pipelines::traces::receivers: [otlp]',
    '--config',
    'yaml:service::pipelines::traces::exporters: [otlp_http/backend, loki]',
  ]);
  expect(r.code).not.toBe(0);
  expect(r.err).toMatch(/exporters::otlp_http\/backend::endpointt.*did you mean 'endpoint'/);
  expect(r.err).toMatch(/receivers::otlp::protocols::grpc::endpoint/);
  expect(r.err).toMatch(/loki/);
});

/**
 * config/agent.yaml with its optional blocks switched on: below each `# --- node metrics`
 * marker, the commented lines uncommented (`# ---` lines are explanations), as a platform
 * team enabling them would do.
 */
function agentWithNodeMetrics(): string {
  const out: string[] = [];
  let inBlock = false;
  for (const line of readFileSync(`${CONFIG_DIR}agent.yaml`, 'utf8').split('\n')) {
    if (/^\s*# --- node metrics/.test(line)) inBlock = true;
    const m = /^(\s*)# (.*)$/.exec(line);
    if (inBlock && m && !m[2].startsWith('---')) out.push(m[1] + m[2]);
    else {
      if (!/^\s*#/.test(line)) inBlock = false;
      out.push(line);
    }
  }
  return out.join('\n');
}

test('config/agent.yaml with its optional node metrics enabled is valid: host_metrics and the pod scrape in a metrics pipeline', async () => {
  const yaml = agentWithNodeMetrics();
  const config = parseYaml(yaml);
  expect(Object.keys(config.receivers)).toEqual(['file_log', 'host_metrics', 'prometheus/pods']);
  expect(config.receivers.host_metrics.root_path).toBe('/hostfs');
  expect(config.service.pipelines.metrics.receivers).toEqual(['host_metrics', 'prometheus/pods']);
  const dir = mkdtempSync(join(tmpdir(), 'tsunagi-agent-'));
  writeFileSync(join(dir, 'agent.yaml'), yaml);
  const r = await validate(['--config', join(dir, 'agent.yaml')]);
  expect(r.err).not.toMatch(/error/i);
  expect(r.code).toBe(0);
});
