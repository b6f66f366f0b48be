// Tsunagi live status page: reads api/status once (topology, history), then
// one `sample` event per second from api/events. The graph is laid out only
// when the topology, the filter or a collapse changes; samples update texts,
// sparklines and tables in place. Plain DOM, no framework, no build step.

const SVG = 'http://www.w3.org/2000/svg';
const BOX_W = 176;
const BOX_H = 50;
const GAP_X = 26;
const ROW_GAP = 12;
const COL_GAP = 70;
const LABEL_W = 168;
const COLLAPSED_H = 30;
const SPARK_W = 56;
const SPARK_H = 16;
const AUTO_COLLAPSE_OVER = 20;

const state = {
  topo: undefined,
  comps: new Map(),
  history: [],
  keep: 60,
  collapsed: new Set(),
  filter: '',
  selected: undefined,
  /** key -> { g, rate, spark, err, qbar } */
  views: new Map(),
  pipeViews: new Map(),
};

// ---------- small helpers ----------
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'class') e.className = v;
    else e.setAttribute(k, v);
  }
  for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
function svg(tag, attrs, ...children) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined) e.setAttribute(k, String(v));
  for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : String(c));
  return e;
}
function fmtRate(x) {
  if (x === undefined) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(1)}M`;
  if (x >= 1e4) return `${Math.round(x / 1e3)}k`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)}k`;
  return x >= 10 ? String(Math.round(x)) : String(Math.round(x * 10) / 10);
}
function fmtBytes(b) {
  if (b === undefined) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) {
    b /= 1024;
    i++;
  }
  return `${i === 0 ? b : b.toFixed(1)} ${u[i]}`;
}
function fmtCount(n) {
  return n === undefined ? '–' : n.toLocaleString('en-US');
}
function ago(t) {
  const s = Math.max(0, Math.round((Date.now() - t) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  return `${Math.round(s / 3600)}h ago`;
}
function clip(s, n) {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
// Writes only what changed: an unchanged page then costs the browser no style or layout work.
function setText(e, v) {
  if (e.textContent !== v) e.textContent = v;
}
function setAttr(e, k, v) {
  if (e.getAttribute(k) !== v) e.setAttribute(k, v);
}
/** Puts `nodes` (built off-page) into `box`, unless it shows the same markup already. */
function show(box, ...nodes) {
  const sig = nodes.map((x) => (x instanceof Element ? x.outerHTML : String(x))).join('');
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  box.replaceChildren(...nodes);
}
function n(count, noun) {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
function isBad(c) {
  return !!c && !!c.counts && (c.counts.refused > 0 || c.counts.failed > 0 || c.counts.errors > 0);
}

// ---------- data ----------
function applySnapshot(snap) {
  state.comps = new Map(snap.components.map((c) => [c.key, c]));
  state.service = snap.service;
  state.process = snap.process;
  state.at = snap.at;
}
function rateOf(key) {
  const last = state.history[state.history.length - 1];
  return last?.rates[key];
}
function series(key, i) {
  return state.history.map((s) => (s.rates[key] ? s.rates[key][i] : 0));
}
function pipelineMatches(p) {
  const f = state.filter;
  if (!f) return true;
  const ids = [p.id, ...p.receivers, ...p.processors, ...p.exporters];
  return ids.some((id) => id.toLowerCase().includes(f));
}

// ---------- layout ----------
function layout() {
  const topo = state.topo;
  const graph = document.getElementById('graph');
  graph.replaceChildren();
  state.views.clear();
  state.pipeViews.clear();
  const pipes = topo.pipelines.filter(pipelineMatches);
  const connectors = new Set(topo.connectors);
  const expanded = pipes.filter((p) => !state.collapsed.has(p.id));
  const maxProcs = Math.max(0, ...expanded.map((p) => p.processors.length));
  const xR = 12;
  const xP = xR + BOX_W + COL_GAP;
  const procEnd = xP + LABEL_W + maxProcs * (BOX_W + GAP_X);
  const usedConnectors = topo.connectors.filter((id) =>
    pipes.some((p) => p.exporters.includes(id) || p.receivers.includes(id)),
  );
  const xC = procEnd + COL_GAP - GAP_X;
  const xE = usedConnectors.length > 0 ? xC + BOX_W + COL_GAP : xC;
  const top = 26;

  // pipeline rows
  const rows = new Map();
  let y = top;
  for (const p of pipes) {
    const h = state.collapsed.has(p.id) ? COLLAPSED_H : BOX_H;
    rows.set(p.id, { y, h, mid: y + h / 2 });
    y += h + ROW_GAP;
  }
  const pipesBottom = y;

  // a shared column (receivers, connectors, exporters): each box near the mean of its rows, never overlapping
  const place = (ids, rowsOf) => {
    const out = new Map();
    let free = top;
    for (const id of ids) {
      const mids = rowsOf(id).map((r) => r.mid);
      // next to the middle of a few rows; next to the first of many (a shared box stays in sight at the top)
      const mid = mids.length > 4 ? mids[0] : mids.reduce((a, b) => a + b, 0) / Math.max(1, mids.length);
      const want = mids.length ? mid - BOX_H / 2 : free;
      const at = Math.max(free, want);
      out.set(id, at);
      free = at + BOX_H + ROW_GAP;
    }
    return out;
  };
  const receiverIds = [];
  const exporterIds = [];
  for (const p of pipes) {
    for (const id of p.receivers) if (!connectors.has(id) && !receiverIds.includes(id)) receiverIds.push(id);
    for (const id of p.exporters) if (!connectors.has(id) && !exporterIds.includes(id)) exporterIds.push(id);
  }
  const rowsWith = (pred) => (id) => pipes.filter((p) => pred(p, id)).map((p) => rows.get(p.id));
  const rPos = place(
    receiverIds,
    rowsWith((p, id) => p.receivers.includes(id)),
  );
  const ePos = place(
    exporterIds,
    rowsWith((p, id) => p.exporters.includes(id)),
  );
  // a connector next to the pipelines feeding it (where its input edges come from);
  // its edges back to the pipelines it feeds run in the gaps between rows
  const cPos = place(usedConnectors, (id) => {
    const feeding = rowsWith((p, c) => p.exporters.includes(c))(id);
    return feeding.length ? feeding : rowsWith((p, c) => p.receivers.includes(c))(id);
  });

  const edges = svg('g', { class: 'edges' });
  const nodes = svg('g', { class: 'nodes' });
  const arrow = svg(
    'marker',
    { id: 'arrow', viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto' },
    svg('path', { class: 'arrowhead', d: 'M0,0 L8,4 L0,8 z' }),
  );
  graph.append(svg('defs', {}, arrow), edges, nodes);
  const heads = [
    ['Receivers', xR],
    ['Pipelines · processors', xP],
  ];
  if (usedConnectors.length) heads.push(['Connectors', xC]);
  heads.push(['Exporters', xE]);
  for (const [t, x] of heads) graph.append(svg('text', { class: 'colhead', x, y: 16 }, t));

  const curve = (x1, y1, x2, y2, cls, from, to) => {
    const dx = Math.max(30, Math.abs(x2 - x1) / 2);
    edges.append(
      svg('path', {
        class: cls || 'edge',
        d: `M${x1},${y1} C${x1 + dx},${y1} ${x2 - dx},${y2} ${x2},${y2}`,
        'data-from': from,
        'data-to': to,
      }),
    );
  };
  // A connector hands data back to a pipeline drawn to its left: the edge leaves its right
  // side, runs in the gap above that pipeline's row (where no box is) and enters the
  // pipeline's label from the left, with an arrow. Each connector has its own lane.
  const laneOf = new Map(usedConnectors.map((id, i) => [id, i % 6]));
  const backEdge = (id, cy, r, pipelineId) => {
    const lane = laneOf.get(id) * 7;
    const x1 = xC + BOX_W;
    const y1 = cy + BOX_H / 2;
    const xOut = x1 + 12 + lane;
    const xIn = xP - 14 - lane;
    const gy = r.y - ROW_GAP / 2;
    edges.append(
      svg('path', {
        class: 'edge conn back',
        d: `M${x1},${y1} H${xOut} V${gy} H${xIn} V${r.mid} H${xP}`,
        'marker-end': 'url(#arrow)',
        'data-from': `connector:${id}`,
        'data-to': `pipeline:${pipelineId}`,
      }),
    );
  };

  for (const p of pipes) {
    const r = rows.get(p.id);
    const collapsed = state.collapsed.has(p.id);
    // the pipeline's label box, which toggles it
    const g = svg('g', {
      class: `pipe ${p.signal}`,
      transform: `translate(${xP},${r.y})`,
      'data-pipeline': p.id,
    });
    g.append(
      svg(
        'title',
        {},
        `${p.id}: ${p.receivers.join(', ')} → ${p.processors.join(' → ') || '(no processors)'} → ${p.exporters.join(', ')}`,
      ),
      svg('rect', { class: 'box', width: LABEL_W - GAP_X, height: r.h }),
      svg('rect', { class: 'sig', width: 4, height: r.h }),
      svg('text', { class: 'toggle', x: 9, y: 18 }, collapsed ? '▸' : '▾'),
      svg('text', { class: 'title', x: 22, y: 18 }, clip(p.id, 17)),
    );
    const sub = svg('text', { class: 'sub rate', x: 22, y: 38 });
    if (!collapsed) g.append(sub);
    else
      g.append(
        svg(
          'text',
          { class: 'sub', x: LABEL_W, y: 19 },
          `${p.processors.length} processor${p.processors.length === 1 ? '' : 's'}: ${clip(p.processors.join(' → '), 60)}`,
        ),
      );
    g.addEventListener('click', () => {
      if (state.collapsed.has(p.id)) state.collapsed.delete(p.id);
      else state.collapsed.add(p.id);
      layout();
      update();
    });
    nodes.append(g);
    state.pipeViews.set(p.id, { sub, pipeline: p });

    let x = xP + LABEL_W - GAP_X;
    if (!collapsed) {
      for (const id of p.processors) {
        const key = `processor:${id}@${p.id}`;
        edges.append(svg('path', { class: 'edge', d: `M${x},${r.mid} L${x + GAP_X},${r.mid}` }));
        x += GAP_X;
        nodes.append(node(key, 'processor', id, x, r.y));
        x += BOX_W;
      }
    }
    const from = `pipeline:${p.id}`;
    for (const id of p.receivers) {
      if (connectors.has(id)) {
        const cy = cPos.get(id);
        if (cy !== undefined) backEdge(id, cy, r, p.id);
      } else curve(xR + BOX_W, rPos.get(id) + BOX_H / 2, xP, r.mid, 'edge', `receiver:${id}`, from);
    }
    for (const id of p.exporters) {
      if (connectors.has(id)) {
        const cy = cPos.get(id);
        if (cy !== undefined) curve(x, r.mid, xC, cy + BOX_H / 2, 'edge conn', from, `connector:${id}`);
      } else curve(x, r.mid, xE, ePos.get(id) + BOX_H / 2, 'edge', from, `exporter:${id}`);
    }
  }
  for (const [id, at] of rPos) nodes.append(node(`receiver:${id}`, 'receiver', id, xR, at));
  for (const [id, at] of cPos) nodes.append(node(`connector:${id}`, 'connector', id, xC, at));
  for (const [id, at] of ePos) nodes.append(node(`exporter:${id}`, 'exporter', id, xE, at));

  const bottom = Math.max(
    pipesBottom,
    ...[...rPos.values(), ...ePos.values(), ...cPos.values()].map((v) => v + BOX_H + ROW_GAP),
  );
  graph.setAttribute('width', String(xE + BOX_W + 14));
  graph.setAttribute('height', String(bottom + 4));
  document.getElementById('counts').textContent =
    `${pipes.length} of ${topo.pipelines.length} pipelines · ${n(receiverIds.length, 'receiver')} · ${n(usedConnectors.length, 'connector')} · ${n(exporterIds.length, 'exporter')}`;
}

function node(key, kind, id, x, y) {
  const c = state.comps.get(key);
  const g = svg('g', {
    class: `node ${kind}`,
    transform: `translate(${x},${y})`,
    'data-key': key,
    'data-id': id,
  });
  const rate = svg('text', { class: 'sub rate', x: 8, y: 42 });
  // on the type's line: a failing box says so where the eye reads, clear of the sparkline
  const type = svg('text', { class: 'sub', x: 10, y: 28 }, c ? c.type : kind);
  const err = svg('text', { class: 'err', x: 10, y: 28 });
  const sparkIn = svg('polyline', { class: 'spark-in' });
  const sparkOut = svg('polyline', { class: 'spark-out' });
  const spark = svg(
    'g',
    { transform: `translate(${BOX_W - SPARK_W - 6},${BOX_H - SPARK_H - 16})` },
    sparkIn,
    sparkOut,
  );
  const title = svg('title', {}, `${kind} ${id}`);
  g.append(
    title,
    svg('rect', { class: 'box', width: BOX_W, height: BOX_H }),
    svg('rect', { class: 'kindbar', width: 4, height: BOX_H }),
    svg('text', { class: 'title', x: 10, y: 15 }, clip(id, 21)),
    type,
    rate,
    spark,
    err,
  );
  let qbar;
  if (kind === 'exporter') {
    const bg = svg('rect', { class: 'qbar-bg', x: 4, y: BOX_H - 4, width: BOX_W - 4, height: 4 });
    qbar = svg('rect', { class: 'qbar', x: 4, y: BOX_H - 4, width: 0, height: 4 });
    g.append(bg, qbar);
  }
  g.addEventListener('click', (ev) => {
    ev.stopPropagation();
    state.selected = key;
    update();
  });
  state.views.set(key, { g, rate, sparkIn, sparkOut, type, err, qbar, title, kind, id });
  return g;
}

function sparkPoints(values, max) {
  if (values.length < 2) return '';
  const n = state.keep;
  const off = n - values.length;
  return values
    .map(
      (v, i) =>
        `${(((off + i) / (n - 1)) * SPARK_W).toFixed(1)},${(SPARK_H - (max > 0 ? (v / max) * SPARK_H : 0)).toFixed(1)}`,
    )
    .join(' ');
}

// ---------- updates ----------
function update() {
  const svc = state.service;
  setText(document.getElementById('version'), svc ? `${svc.version}` : '');
  if (svc) renderService(svc);
  for (const v of state.views.values()) {
    const c = state.comps.get(v.g.getAttribute('data-key'));
    const key = v.g.getAttribute('data-key');
    const r = rateOf(key);
    setText(v.rate, r ? `in ${fmtRate(r[0])}/s · out ${fmtRate(r[1])}/s` : c?.counts ? 'in – · out –' : '');
    const si = series(key, 0);
    const so = series(key, 1);
    const max = Math.max(1, ...si, ...so);
    setAttr(v.sparkIn, 'points', sparkPoints(si, max));
    setAttr(v.sparkOut, 'points', sparkPoints(so, max));
    const bad = isBad(c);
    v.g.classList.toggle('bad', bad);
    v.g.classList.toggle('selected', state.selected === key);
    const cnt = c?.counts;
    const plural = (n, what) => `⚠ ${fmtCount(n)} ${what}${n === 1 ? '' : 's'}`;
    setText(
      v.err,
      !bad
        ? ''
        : cnt.failed > 0
          ? `⚠ ${fmtCount(cnt.failed)} failed`
          : cnt.refused > 0
            ? `⚠ ${fmtCount(cnt.refused)} refused`
            : plural(cnt.errors, 'error'),
    );
    setAttr(v.type, 'visibility', bad ? 'hidden' : 'visible');
    const lines = [`${v.kind} ${v.id}`];
    if (cnt)
      lines.push(
        `in ${fmtCount(cnt.in)} · out ${fmtCount(cnt.out)} · refused ${fmtCount(cnt.refused)} · failed ${fmtCount(cnt.failed)}`,
      );
    if (cnt?.lastError) lines.push(`last error: ${cnt.lastError.message}`);
    setText(v.title, lines.join('\n'));
    if (v.qbar) {
      const qs = c?.status?.queues || [];
      const size = qs.reduce((a, q) => a + q.size, 0);
      const cap = qs.reduce((a, q) => a + q.capacity, 0);
      const f = cap > 0 ? Math.min(1, size / cap) : 0;
      setAttr(v.qbar, 'width', String((BOX_W - 4) * f));
      v.qbar.classList.toggle('full', f >= 0.9);
    }
  }
  for (const [id, pv] of state.pipeViews) {
    const p = pv.pipeline;
    const first = p.processors.length ? rateOf(`processor:${p.processors[0]}@${id}`) : undefined;
    const last = p.processors.length
      ? rateOf(`processor:${p.processors[p.processors.length - 1]}@${id}`)
      : undefined;
    setText(pv.sub, first && last ? `in ${fmtRate(first[0])}/s · out ${fmtRate(last[1])}/s` : p.signal);
  }
  renderProcess();
  renderTables();
  renderDetail();
}

/** State, start, and what hot reload reports when the service has it: generation, last outcome, its errors. */
function renderService(svc) {
  const parts = [`${svc.state} · up since ${new Date(svc.startedAt).toLocaleString()}`];
  if (svc.configGeneration !== undefined) parts.push(`config generation ${svc.configGeneration}`);
  const nodes = [parts.join(' · ')];
  const r = svc.lastReload;
  if (r) {
    nodes.push(
      el(
        'span',
        { class: `reload ${r.ok ? 'ok' : 'failed'}`, id: 'last-reload' },
        ` · last reload ${r.ok ? 'applied' : 'refused'} ${ago(r.at)}`,
      ),
    );
    if (r.errors.length)
      nodes.push(
        el('ul', { class: 'reload-errors', id: 'reload-errors' }, ...r.errors.map((e) => el('li', {}, e))),
      );
  }
  show(document.getElementById('service'), ...nodes);
}

function sparkCard(label, value, sub, values) {
  const max = Math.max(1, ...values);
  const s = svg('svg', { width: SPARK_W * 2, height: SPARK_H + 2 });
  const line = svg('polyline', { class: 'spark-out', fill: 'none', stroke: '#2456c8' });
  const n = values.length;
  line.setAttribute(
    'points',
    values
      .map(
        (v, i) =>
          `${((i / Math.max(1, state.keep - 1)) * SPARK_W * 2 + (state.keep - n) * ((SPARK_W * 2) / Math.max(1, state.keep - 1))).toFixed(1)},${(SPARK_H - (v / max) * SPARK_H + 1).toFixed(1)}`,
      )
      .join(' '),
  );
  s.append(line);
  return el(
    'div',
    { class: 'card' },
    el('small', {}, label),
    el('b', {}, value),
    sub ? el('small', {}, sub) : null,
    s,
  );
}

function renderProcess() {
  const p = state.process;
  if (!p) return;
  const cpu = state.history.map((s) => s.cpuPercent);
  const lastCpu = cpu.length ? cpu[cpu.length - 1] : undefined;
  const box = document.getElementById('process');
  if (!state.rssHistory) state.rssHistory = [];
  const rss = state.rssHistory;
  if (state.rssAt !== state.at) {
    state.rssAt = state.at;
    rss.push(p.rssBytes);
    if (rss.length > state.keep) rss.shift();
  }
  box.replaceChildren(
    sparkCard(
      'CPU',
      lastCpu === undefined ? '–' : `${lastCpu.toFixed(1)} %`,
      `${p.cpuSeconds.toFixed(1)} s total`,
      cpu,
    ),
    sparkCard('RSS', fmtBytes(p.rssBytes), `pid ${p.pid}`, rss),
    el(
      'div',
      { class: 'card' },
      el('small', {}, 'V8 heap'),
      el('b', {}, fmtBytes(p.heapUsedBytes)),
      el('small', {}, `of ${fmtBytes(p.heapTotalBytes)} · external ${fmtBytes(p.externalBytes)}`),
    ),
    el(
      'div',
      { class: 'card' },
      el('small', {}, 'Uptime'),
      el(
        'b',
        {},
        `${Math.floor(p.uptimeSeconds / 3600)}h ${Math.floor((p.uptimeSeconds % 3600) / 60)}m ${Math.floor(p.uptimeSeconds % 60)}s`,
      ),
      el('small', {}, state.service ? state.service.runtime.node : ''),
    ),
  );
}

function table(headers, rows) {
  if (rows.length === 0) return el('p', { class: 'muted' }, 'none');
  return el(
    'table',
    { class: 't' },
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h)))),
    el(
      'tbody',
      {},
      ...rows.map((r) => el('tr', {}, ...r.map((c) => (c instanceof Node ? c : el('td', {}, c))))),
    ),
  );
}
const num = (v) => el('td', { class: 'num' }, v);

function visibleComponent(c) {
  if (!state.filter) return true;
  return c.id.toLowerCase().includes(state.filter) || (c.pipeline || '').toLowerCase().includes(state.filter);
}

function renderTables() {
  const comps = [...state.comps.values()].filter(visibleComponent);
  const errRows = comps
    .filter(isBad)
    .map((c) => [
      el('td', {}, `${c.kind} `, el('b', {}, c.id), c.pipeline ? ` (${c.pipeline})` : ''),
      num(fmtCount(c.counts.refused)),
      num(fmtCount(c.counts.failed)),
      num(fmtCount(c.counts.errors)),
      el('td', { class: 'errtext' }, c.counts.lastError ? c.counts.lastError.message : ''),
      el('td', {}, c.counts.lastError ? ago(c.counts.lastError.at) : ''),
    ]);
  show(
    document.getElementById('errors'),
    table(['component', 'refused', 'failed', 'errors', 'last error', 'when'], errRows),
  );

  const qRows = [];
  for (const c of comps)
    for (const q of c.status?.queues || []) {
      const f = q.capacity > 0 ? Math.min(1, q.size / q.capacity) : 0;
      const bar = el('span', { class: 'bar' }, el('i', {}));
      bar.firstChild.style.width = `${(f * 100).toFixed(1)}%`;
      qRows.push([
        el('td', {}, el('b', {}, c.id)),
        el('td', {}, q.signal),
        el('td', {}, bar, `${fmtCount(q.size)} / ${fmtCount(q.capacity)} ${q.sizer}`),
        num(fmtCount(q.batches)),
        num(fmtCount(q.inFlight)),
        el('td', {}, q.persistent ? 'persistent' : 'memory'),
        num(
          q.persistent
            ? fmtBytes(q.storedBytes)
            : `${fmtBytes(q.memoryBytes)} / ${fmtBytes(q.memoryBytesLimit)}`,
        ),
      ]);
    }
  show(
    document.getElementById('queues'),
    table(
      ['exporter', 'signal', 'depth / capacity', 'batches', 'in flight', 'queue', 'bytes (disk or memory)'],
      qRows,
    ),
  );

  const seenLimiters = new Set();
  const mRows = [];
  for (const c of comps) {
    const m = c.status?.memoryLimiter;
    if (!m || seenLimiters.has(c.id)) continue;
    seenLimiters.add(c.id);
    mRows.push([
      el('td', {}, el('b', {}, c.id)),
      el(
        'td',
        { class: `state-${m.state}` },
        m.state === 'normal' ? 'normal (accepting)' : `${m.state} limit: refusing`,
      ),
      num(fmtBytes(m.usedBytes)),
      num(fmtBytes(m.softLimitBytes)),
      num(fmtBytes(m.hardLimitBytes)),
      num(fmtCount(m.refusedItems)),
    ]);
  }
  show(
    document.getElementById('limiters'),
    table(['processor', 'state', 'memory in use', 'soft limit', 'hard limit', 'refused items'], mRows),
  );

  const fRows = [];
  for (const c of comps)
    for (const f of c.status?.files || [])
      fRows.push([
        el('td', {}, el('b', {}, c.id)),
        el('td', {}, f.path),
        num(fmtCount(f.offset)),
        num(fmtCount(f.ackedOffset)),
        num(fmtBytes(f.size)),
        num(fmtBytes(f.lagBytes)),
      ]);
  show(
    document.getElementById('files'),
    table(['receiver', 'file', 'read offset', 'acked offset', 'size', 'lag'], fRows),
  );
}

function renderDetail() {
  const box = document.getElementById('detail');
  const c = state.selected && state.comps.get(state.selected);
  if (!c) {
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const close = el('button', { class: 'close', type: 'button', title: 'close' }, '×');
  close.addEventListener('click', () => {
    state.selected = undefined;
    update();
  });
  const dl = el('dl');
  const row = (k, v) => dl.append(el('dt', {}, k), v instanceof Node ? el('dd', {}, v) : el('dd', {}, v));
  row('kind', c.kind);
  row('type', c.type);
  if (c.pipeline) row('pipeline', c.pipeline);
  const r = rateOf(c.key);
  if (r) row('rate', `in ${fmtRate(r[0])}/s · out ${fmtRate(r[1])}/s`);
  if (c.counts) {
    row('in / out', `${fmtCount(c.counts.in)} / ${fmtCount(c.counts.out)}`);
    row('refused / failed', `${fmtCount(c.counts.refused)} / ${fmtCount(c.counts.failed)}`);
    row('errors', fmtCount(c.counts.errors));
    if (c.counts.lastError)
      row(
        `last error (${ago(c.counts.lastError.at)})`,
        el('span', { class: 'errtext' }, c.counts.lastError.message),
      );
  }
  const st = c.status || {};
  for (const q of st.queues || []) {
    row(
      `queue ${q.signal}`,
      `${fmtCount(q.size)} / ${fmtCount(q.capacity)} ${q.sizer}, ${q.batches} batches, ${q.inFlight} in flight`,
    );
    row(
      `${q.persistent ? 'on disk' : 'memory'} ${q.signal}`,
      q.persistent
        ? fmtBytes(q.storedBytes)
        : `${fmtBytes(q.memoryBytes)} of ${fmtBytes(q.memoryBytesLimit)}`,
    );
  }
  if (st.memoryLimiter) {
    const m = st.memoryLimiter;
    row(
      'limiter',
      `${m.state}: in use ${fmtBytes(m.usedBytes)} (soft ${fmtBytes(m.softLimitBytes)}, hard ${fmtBytes(m.hardLimitBytes)})`,
    );
  }
  for (const f of st.files || [])
    row(
      f.path,
      `offset ${fmtCount(f.offset)}, acked ${fmtCount(f.ackedOffset)}, lag ${fmtBytes(f.lagBytes)}`,
    );
  for (const [k, v] of Object.entries(st.details || {})) row(k, String(v));
  box.replaceChildren(close, el('h3', {}, `${c.kind} ${c.id}`), dl);
}

// ---------- wiring ----------
function connect() {
  const live = document.getElementById('live');
  const es = new EventSource('api/events');
  es.addEventListener('open', () => {
    live.textContent = 'live';
    live.className = 'live on';
  });
  es.addEventListener('error', () => {
    live.textContent = 'reconnecting…';
    live.className = 'live off';
  });
  es.addEventListener('sample', (ev) => {
    const m = JSON.parse(ev.data);
    // a reload applied another config: its pipelines are drawn anew
    if (m.service.configGeneration !== state.topo.service.configGeneration) {
      loadTopology().catch(() => {});
      return;
    }
    state.history.push({ t: m.at, rates: m.rates, cpuPercent: m.cpuPercent });
    while (state.history.length > state.keep) state.history.shift();
    applySnapshot(m);
    // a tab in the background keeps its minute of history but draws nothing
    if (!document.hidden) update();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) update();
  });
}

/** Topology, counts and the last minute's rates from api/status; draws the graph. */
async function loadTopology() {
  const res = await fetch('api/status', { cache: 'no-store' });
  const s = await res.json();
  const first = state.topo === undefined;
  state.topo = s;
  state.history = (s.history || []).slice(-state.keep);
  if (first && s.pipelines.length > AUTO_COLLAPSE_OVER)
    for (const p of s.pipelines) state.collapsed.add(p.id);
  applySnapshot(s);
  layout();
  update();
}

async function init() {
  await loadTopology();
  const filter = document.getElementById('filter');
  filter.addEventListener('input', () => {
    state.filter = filter.value.trim().toLowerCase();
    layout();
    update();
  });
  document.getElementById('expand').addEventListener('click', () => {
    state.collapsed.clear();
    layout();
    update();
  });
  document.getElementById('collapse').addEventListener('click', () => {
    for (const p of state.topo.pipelines) state.collapsed.add(p.id);
    layout();
    update();
  });
  connect();
  document.body.setAttribute('data-ready', 'true');
}

init().catch((e) => {
  document.getElementById('live').textContent = `failed: ${e.message}`;
});
