// The collector's zpages (/debug/servicez, /debug/pipelinez, /debug/extensionz,
// /debug/featurez) in the shape of its templates (tables with the same
// columns and link parameters), rendered from the same status snapshot as
// the live page. Local CSS only: no CDN.
import type { ComponentInfo, StatusSnapshot } from '../../src/component/status.js';

export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}

const SEP = '<td>&nbsp;&nbsp;|&nbsp;&nbsp;</td>';

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)}</title>
    <link rel="stylesheet" href="../zpages.css">
</head>
<body>
<h2>${escapeHtml(title)}</h2>${body}
<p class="nav"><a href="../">Live status page</a> · <a href="servicez">Service</a> · <a href="pipelinez">Pipelines</a> · <a href="extensionz">Extensions</a> · <a href="featurez">Features</a></p>
</body>
</html>
`;
}

/** A two-column key | value table (the collector's properties_table). */
function properties(rows: [string, string][]): string {
  const trs = rows.map(
    ([k, v], i) =>
      `<tr${i % 2 === 0 ? ' style="background: #eee"' : ''}><td style="text-align: center"><b>${escapeHtml(k)}</b></td>${SEP}<td style="text-align: center">${escapeHtml(v)}</td></tr>`,
  );
  return `<table style="border-spacing: 0">\n${trs.join('\n')}\n</table>`;
}

function header(cols: string[]): string {
  return `<tr>${cols
    .map(
      (c, i) =>
        `${i > 0 ? SEP : ''}<td colspan=1 style="text-align: ${i === 0 ? 'left' : 'center'}"><b>${escapeHtml(c)}</b></td>`,
    )
    .join('')}</tr>`;
}

export function servicez(s: StatusSnapshot): string {
  const body = `<b>Build Info:</b>
${properties([
  ['Command', s.service.name],
  ['Description', 'Tsunagi: an OpenTelemetry Collector-compatible telemetry gateway'],
  ['Version', s.service.version],
])}<b>Runtime Info:</b>
${properties([
  ['StartTimestamp', new Date(s.service.startedAt).toISOString()],
  ['Node', s.service.runtime.node],
  ['OS', s.service.runtime.os],
  ['Arch', s.service.runtime.arch],
  ['State', s.service.state],
  ...reloadRows(s),
])}<h6><a href="pipelinez">Pipelines</a></h6><h6><a href="extensionz">Extensions</a></h6><h6><a href="featurez">Features</a></h6>`;
  return page(`Service ${s.service.name}`, body);
}

/** Config generation and last reload, when the service reports them (hot reload). */
function reloadRows(s: StatusSnapshot): [string, string][] {
  const rows: [string, string][] = [];
  const { configGeneration, lastReload } = s.service;
  if (configGeneration !== undefined) rows.push(['ConfigGeneration', String(configGeneration)]);
  if (lastReload)
    rows.push([
      'LastReload',
      `${new Date(lastReload.at).toISOString()} ${lastReload.ok ? 'applied' : `refused: ${lastReload.errors.join('; ')}`}`,
    ]);
  return rows;
}

export function pipelinez(s: StatusSnapshot, query: URLSearchParams): string {
  const link = (pipeline: string, id: string, kind: string) =>
    `<a href="?zpipelinename=${encodeURIComponent(pipeline)}&zcomponentname=${encodeURIComponent(id)}&zcomponentkind=${kind}">${escapeHtml(id)}</a>`;
  const kindOf = (id: string, side: 'receiver' | 'exporter') =>
    s.connectors.includes(id) ? 'connector' : side;
  const rows = s.pipelines.map((p, i) => {
    const receivers = p.receivers.map((id) => `${link(p.id, id, kindOf(id, 'receiver'))}\n<br>`).join('\n');
    const processors = p.processors.map((id) => `${link(p.id, id, 'processor')}\n&rarr;`).join('\n');
    const exporters = p.exporters.map((id) => `${link(p.id, id, kindOf(id, 'exporter'))}\n<br>`).join('\n');
    return `<tr${i % 2 === 0 ? ' style="background: #eee"' : ''}>
<td>${escapeHtml(p.id)}</td>${SEP}<td>${p.signal}</td>${SEP}<td>${p.mutatesData}</td>${SEP}<td style="text-align: center">${receivers}</td>${SEP}<td style="text-align: center">&rarr;\n${processors}</td>${SEP}<td style="text-align: center">${exporters}</td>
</tr>`;
  });
  let body = `<table style="border-spacing: 0">
${header(['FullName', 'InputType', 'MutatesData', 'Receivers', 'Processors', 'Exporters'])}
${rows.join('\n')}
</table>`;
  const pipeline = query.get('zpipelinename');
  const name = query.get('zcomponentname');
  const kind = query.get('zcomponentkind');
  if (pipeline && name && kind) {
    const c = s.components.find(
      (x) => x.kind === kind && x.id === name && (kind !== 'processor' || x.pipeline === pipeline),
    );
    body += `<h6>${escapeHtml(kind)}: ${escapeHtml(pipeline)}/${escapeHtml(name)}</h6>`;
    body += c ? properties(componentProperties(c)) : '<p>No such component in this pipeline.</p>';
  }
  return page('builtPipelines', body);
}

/** What the status model knows about one component, as rows. */
export function componentProperties(c: ComponentInfo): [string, string][] {
  const rows: [string, string][] = [
    ['ID', c.id],
    ['Kind', c.kind],
    ['Type', c.type],
  ];
  if (c.pipeline) rows.push(['Pipeline', c.pipeline]);
  if (c.counts) {
    rows.push(
      ['Items in', String(c.counts.in)],
      ['Items out', String(c.counts.out)],
      ['Refused', String(c.counts.refused)],
      ['Failed', String(c.counts.failed)],
      ['Errors', String(c.counts.errors)],
    );
    if (c.counts.lastError)
      rows.push([
        'Last error',
        `${new Date(c.counts.lastError.at).toISOString()} ${c.counts.lastError.message}`,
      ]);
  }
  for (const q of c.status?.queues ?? []) {
    rows.push([`Queue (${q.signal})`, `${q.size} / ${q.capacity} ${q.sizer}, ${q.batches} batches`]);
    if (q.storedBytes !== undefined) rows.push([`Stored bytes (${q.signal})`, String(q.storedBytes)]);
  }
  const ml = c.status?.memoryLimiter;
  if (ml)
    rows.push(
      ['Memory limiter state', ml.state],
      ['Memory in use bytes', String(ml.usedBytes)],
      ['Soft / hard limit bytes', `${ml.softLimitBytes} / ${ml.hardLimitBytes}`],
    );
  for (const f of c.status?.files ?? [])
    rows.push([f.path, `offset ${f.offset}, acked ${f.ackedOffset}, size ${f.size}, lag ${f.lagBytes}`]);
  for (const [k, v] of Object.entries(c.status?.details ?? {})) rows.push([k, String(v)]);
  return rows;
}

export function extensionz(s: StatusSnapshot): string {
  const rows = s.extensions.map(
    (id, i) => `<tr${i % 2 === 0 ? ' style="background: #eee"' : ''}><td>${escapeHtml(id)}</td></tr>`,
  );
  return page('Extensions', `<table style="border-spacing: 0">\n${rows.join('\n')}\n</table>`);
}

export function featurez(s: StatusSnapshot): string {
  const rows = s.featureGates.map(
    (g, i) =>
      `<tr${i % 2 === 0 ? ' style="background: #eee"' : ''}><td>${escapeHtml(g.id)}</td>${SEP}<td>${g.enabled}</td>${SEP}<td>${escapeHtml(g.description)}</td>${SEP}<td>${escapeHtml(g.stage)}</td>${SEP}<td></td>${SEP}<td></td>${SEP}<td></td>${SEP}</tr>`,
  );
  return page(
    'Feature Gates',
    `<table style="border-spacing: 0">
${header(['ID', 'Enabled', 'Description', 'Stage', 'From Version', 'To Version', 'Reference URL'])}
${rows.join('\n')}
</table>${s.featureGates.length === 0 ? '<p>Tsunagi has no feature gates.</p>' : ''}`,
  );
}
