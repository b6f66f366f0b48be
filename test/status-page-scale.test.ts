// The status page with 50 pipelines in a real headless Chromium: every
// pipeline present, no two boxes overlapping (collapsed and expanded), the
// filter box narrowing the graph to what matches, a click expanding one
// pipeline, and the config generation and last reload once the service
// reports them. The service runs in-process on nop receivers and exporters.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { registry } from '../app/registry.js';
import { validateConfig } from '../src/config/validate.js';
import { Service } from '../src/service/service.js';
import { silentLogger } from '../src/telemetry/logger.js';
import { SelfMetrics } from '../src/telemetry/self-metrics.js';
import {
  ARTIFACTS,
  chromiumAvailable,
  type HeadlessChromium,
  launchChromium,
} from './support/headless-chromium.js';
import { type Box, OVERLAPS } from './support/status-page-layout.js';

/** The browser's document, in the functions puppeteer runs in the page (the project has no DOM types). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const PIPELINES = 50;
const SIGNALS = ['traces', 'logs', 'metrics'];

function config(): string {
  const receivers = Array.from({ length: 10 }, (_, i) => `  nop/r${i}:`).join('\n');
  const exporters = [...Array.from({ length: 7 }, (_, i) => `  nop/e${i}:`), '  nop/shared:'].join('\n');
  const pipelines = Array.from({ length: PIPELINES }, (_, i) => {
    const processors = [['memory_limiter', 'batch'], ['batch'], []][i % 3];
    return `    ${SIGNALS[i % 3]}/p${i}: { receivers: [nop/r${i % 10}], processors: [${processors.join(', ')}], exporters: [nop/e${i % 7}, nop/shared] }`;
  }).join('\n');
  return `
extensions: { zpages: { endpoint: "127.0.0.1:0" } }
receivers:
${receivers}
processors:
  memory_limiter: { check_interval: 1s, limit_mib: 8000 }
  batch:
exporters:
${exporters}
service:
  extensions: [zpages]
  telemetry: { metrics: { level: none } }
  pipelines:
${pipelines}
`;
}

const hasChromium = chromiumAvailable();
let service: Service;
let url: string;
let chromium: HeadlessChromium | undefined;

beforeAll(async () => {
  const r = validateConfig(parseYaml(config()), registry);
  expect(r.errors).toEqual([]);
  service = new Service(r.config!, { logger: silentLogger(), metrics: new SelfMetrics() });
  await service.start();
  const zpages = service.host.getExtension('zpages') as unknown as { port(): number };
  url = `http://127.0.0.1:${zpages.port()}/`;
});

afterAll(async () => {
  await chromium?.close();
  await service?.shutdown();
});

describe.skipIf(!hasChromium)('the status page with 50 pipelines', () => {
  it('shows all pipelines without overlapping boxes, filters, collapses and expands', async () => {
    chromium = await launchChromium();
    const page = await chromium.browser.newPage();
    await page.setViewport({ width: 1440, height: 1000 });
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const pipes = () => page.$$eval('#graph g.pipe', (gs) => gs.map((g) => g.getAttribute('data-pipeline')));
    const all = Array.from({ length: PIPELINES }, (_, i) => `${SIGNALS[i % 3]}/p${i}`);
    expect(await pipes()).toEqual(all);

    // past 20 pipelines they start collapsed: one row each, no processor boxes
    expect(await page.$$eval('#graph g.node.processor', (gs) => gs.length)).toBe(0);
    let layout = (await page.evaluate(OVERLAPS)) as { boxes: Box[]; overlaps: string[] };
    expect(layout.overlaps).toEqual([]);
    // shared receivers and exporters drawn once each
    const nodeKeys = layout.boxes.map((b) => b.key).filter((k) => !k.startsWith('pipe:'));
    expect(nodeKeys.filter((k) => k.startsWith('receiver:'))).toHaveLength(10);
    expect(nodeKeys.filter((k) => k.startsWith('exporter:'))).toHaveLength(8);

    // a click on a pipeline's label expands it
    await page.click('#graph g.pipe[data-pipeline="traces/p0"]');
    expect(
      await page.$$eval('#graph g.node.processor', (gs) => gs.map((g) => g.getAttribute('data-key'))),
    ).toEqual(['processor:memory_limiter@traces/p0', 'processor:batch@traces/p0']);

    // all expanded: every processor instance drawn, still no overlap
    await page.click('#expand');
    layout = (await page.evaluate(OVERLAPS)) as { boxes: Box[]; overlaps: string[] };
    expect(layout.overlaps).toEqual([]);
    const processors = layout.boxes.filter((b) => b.key.startsWith('processor:'));
    expect(processors).toHaveLength(17 * 2 + 17);
    expect(await pipes()).toEqual(all);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'status-page-50-pipelines.png') });

    // the filter box narrows the graph to matching pipelines and their components
    await page.type('#filter', 'p17');
    expect(await pipes()).toEqual(['metrics/p17']);
    const shown = await page.$$eval('#graph g.node', (gs) =>
      gs.map((g) => g.getAttribute('data-key')).sort(),
    );
    expect(shown).toEqual(['exporter:nop/e3', 'exporter:nop/shared', 'receiver:nop/r7']);
    expect(await page.$eval('#counts', (e) => e.textContent)).toContain('1 of 50 pipelines');
    // a component's name matches too: every pipeline that uses it
    await page.$eval('#filter', (e) => {
      (e as unknown as { value: string }).value = '';
    });
    await page.type('#filter', 'nop/e3');
    expect(await pipes()).toEqual(all.filter((_, i) => i % 7 === 3));
    await page.close();
  }, 90_000);

  it('shows the config generation and the last reload once the service reports them, live', async () => {
    chromium ??= await launchChromium();
    const page = await chromium.browser.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    const header = () => page.$eval('#service', (e) => e.textContent ?? '');
    expect(await header()).not.toMatch(/generation|reload/);
    // what hot reload reports when a new config is refused: the errors as text, never as markup
    const errors = ['service::pipelines::traces/p0: references exporter "nop/gone"', '<b>not markup</b>'];
    service.reportReload({ configGeneration: 2, lastReload: { at: Date.now(), ok: false, errors } });
    await page.waitForFunction(
      () => (document.querySelector('#service')?.textContent ?? '').includes('config generation 2'),
      { timeout: 20_000 },
    );
    expect(await header()).toContain('last reload refused');
    expect(await page.$$eval('#reload-errors li', (lis) => lis.map((li) => li.textContent))).toEqual(errors);
    expect(await page.$$eval('#service b', (bs) => bs.length)).toBe(0);
    // an applied reload: the next generation, no error list; the graph is drawn again from the new topology
    service.reportReload({ configGeneration: 3, lastReload: { at: Date.now(), ok: true, errors: [] } });
    await page.waitForFunction(
      () => (document.querySelector('#service')?.textContent ?? '').includes('config generation 3'),
      { timeout: 20_000 },
    );
    expect(await header()).toContain('last reload applied');
    expect(await page.$$eval('#reload-errors', (l) => l.length)).toBe(0);
    expect(await page.$$eval('#graph g.pipe', (gs) => gs.length)).toBe(PIPELINES);
    await page.close();
  }, 60_000);
});
