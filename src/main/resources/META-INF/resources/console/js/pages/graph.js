// Cross-cluster traffic graph from the traffic view: clusters as boxes with their namespaces and
// services inside, edges coloured by error rate and labelled with request rate and p95 latency,
// a lock for mTLS. Clicking an edge opens its metrics, its error access logs (Loki API) and
// example traces (Jaeger API).

import { get } from '../api.js';
import { ERR_COLOURS, bytes, errClass, esc, html, ms, num, pct, raw, rate, time } from '../util.js';

const COL_W = 184; // cluster column width
const COL_GAP = 170; // room between columns for edges and their labels
const PAD = 10;
const NODE_H = 24;
const NODE_GAP = 8;
const NS_HEAD = 20;
const CL_HEAD = 28;
const TOP = 14;
const LEFT = 14;

let current = null; // { data, layout } of the last render, for the click handlers

export function edgeKey(e) {
  const s = e.source;
  const d = e.destination;
  return [s.cluster, s.namespace, s.service, d.cluster, d.namespace, d.service, e.protocol].join('|');
}

function nodeId(cluster, namespace, service) {
  return cluster + '/' + namespace + '/' + service;
}

function inScope(ctx, tenant) {
  return ctx.allTenants || ctx.tenants.includes(tenant);
}

function layout(data) {
  const clusters = [...data.clusters].sort((a, b) =>
    a.cluster === 'unknown' ? 1 : b.cluster === 'unknown' ? -1 : a.cluster.localeCompare(b.cluster),
  );
  const nodes = new Map();
  const boxes = [];
  let maxH = 0;
  clusters.forEach((c, ci) => {
    const x = LEFT + ci * (COL_W + COL_GAP);
    let y = TOP + CL_HEAD;
    const nsBoxes = [];
    c.namespaces.forEach((n) => {
      const nsTop = y;
      let ny = nsTop + NS_HEAD;
      n.services.forEach((s) => {
        nodes.set(nodeId(c.cluster, n.namespace, s.service), {
          x: x + PAD + 8,
          y: ny,
          w: COL_W - 2 * PAD - 16,
          h: NODE_H,
          col: ci,
          colX: x,
          service: s,
          namespace: n.namespace,
          tenant: n.tenant,
          cluster: c.cluster,
        });
        ny += NODE_H + NODE_GAP;
      });
      const h = ny - nsTop + 2;
      const peer = n.services.every((s) => s.peer);
      nsBoxes.push({ x: x + PAD, y: nsTop, w: COL_W - 2 * PAD, h, ns: n, peer });
      y = nsTop + h + 10;
    });
    const h = y - TOP + 2;
    maxH = Math.max(maxH, h);
    boxes.push({ x, y: TOP, w: COL_W, h, cluster: c.cluster, nsBoxes });
  });
  boxes.forEach((b) => (b.h = maxH));
  const width = LEFT * 2 + clusters.length * COL_W + Math.max(0, clusters.length - 1) * COL_GAP;
  return { nodes, boxes, width: Math.max(width + COL_GAP, 400), height: TOP + maxH + 16 };
}

/** The path of an edge and the point its label sits on. */
function route(a, b, sameColIndex) {
  const ay = a.y + a.h / 2;
  const by = b.y + b.h / 2;
  if (a.col === b.col) {
    const x1 = a.x + a.w;
    const x2 = b.x + b.w;
    const bulge = 24 + sameColIndex * 19;
    const cx = Math.max(x1, x2) + bulge / 0.75;
    const d = `M${x1},${ay} C${cx},${ay} ${cx},${by} ${x2},${by}`;
    return { d, lx: Math.max(x1, x2) + bulge, ly: (ay + by) / 2 };
  }
  const forward = a.col < b.col;
  const x1 = forward ? a.x + a.w : a.x;
  const x2 = forward ? b.x : b.x + b.w;
  const dx = Math.max(40, Math.abs(x2 - x1) * 0.4) * (forward ? 1 : -1);
  const d = `M${x1},${ay} C${x1 + dx},${ay} ${x2 - dx},${by} ${x2},${by}`;
  // the label in the gap next to the source's column, on the curve
  const gapX = forward ? a.colX + COL_W + COL_GAP / 2 : a.colX - COL_GAP / 2;
  let best = [x1, ay];
  for (let i = 1; i < 40; i++) {
    const p = bez([x1, ay], [x1 + dx, ay], [x2 - dx, by], [x2, by], i / 40);
    if (Math.abs(p[0] - gapX) < Math.abs(best[0] - gapX)) best = p;
  }
  return { d, lx: best[0], ly: best[1] };
}

function bez(p0, p1, p2, p3, t) {
  const u = 1 - t;
  return [0, 1].map((i) => u * u * u * p0[i] + 3 * u * u * t * p1[i] + 3 * u * t * t * p2[i] + t * t * t * p3[i]);
}

function lockIcon(x, y, share) {
  if (share === undefined || share === null) return '';
  const full = share >= 0.999;
  const colour = full ? '#1e9e5a' : '#d98c0b';
  const shackle = full
    ? `M${x + 2.5},${y + 5} v-2.2 a2.5,2.5 0 0 1 5,0 v2.2`
    : `M${x + 2.5},${y + 5} v-2.2 a2.5,2.5 0 0 1 5,0 v-0.8`;
  return `<g class="lock ${full ? 'mtls' : 'partial'}"><title>mTLS ${pct(share, 0)}</title>
    <path d="${shackle}" fill="none" stroke="${colour}" stroke-width="1.4"/>
    <rect x="${x + 0.5}" y="${y + 5}" width="9" height="7" rx="1.5" fill="${colour}"/></g>`;
}

function edgeLabelSvg(e, r, selected) {
  const cls = errClass(e.errorRate);
  const label = labelText(e);
  const hasLock = e.mtlsShare !== undefined && e.mtlsShare !== null;
  const tw = labelWidth(e);
  const lx = r.lx - tw / 2;
  const ly = r.ly - 8;
  const key = esc(edgeKey(e));
  return `<g class="edge-label ${cls} ${selected ? 'selected' : ''}" data-edge="${key}">
      <title>${esc(edgeTitle(e))}</title>
      <rect x="${lx}" y="${ly}" width="${tw}" height="16" rx="3"/>
      ${hasLock ? lockIcon(lx + 4, ly + 2, e.mtlsShare) : ''}
      <text x="${lx + 5 + (hasLock ? 13 : 0)}" y="${ly + 11.5}">${esc(label)}</text></g>`;
}

function edgeTitle(e) {
  const hasLock = e.mtlsShare !== undefined && e.mtlsShare !== null;
  return `${e.source.service} → ${e.destination.service}: ${rate(e.requestsPerSecond)}, errors ${pct(e.errorRate, 2)}${
    e.latencyMs ? ', p95 ' + ms(e.latencyMs.p95) : ''
  }${hasLock ? ', mTLS ' + pct(e.mtlsShare, 0) : ''}`;
}

function edgeSvg(e, r, selected) {
  const cls = errClass(e.errorRate);
  const colour = ERR_COLOURS[cls];
  const key = esc(edgeKey(e));
  return `<g class="edge ${cls} ${selected ? 'selected' : ''}" data-edge="${key}">
    <title>${esc(edgeTitle(e))}</title>
    <path class="line" d="${r.d}" stroke="${colour}" marker-end="url(#arrow-${cls || 'none'})"/>
    <path class="hit" d="${r.d}"/></g>`;
}

function labelText(e) {
  return rate(e.requestsPerSecond) + (e.latencyMs ? ' · ' + ms(e.latencyMs.p95) : '');
}

function labelWidth(e) {
  const hasLock = e.mtlsShare !== undefined && e.mtlsShare !== null;
  return labelText(e).length * 5.9 + 10 + (hasLock ? 14 : 0);
}

/** Routes every edge; same-cluster arcs get nested bulges, labels are pushed apart. */
function routeAll(data, lay) {
  const routed = [];
  const sameCol = [];
  data.edges.forEach((e) => {
    const a = lay.nodes.get(nodeId(e.source.cluster, e.source.namespace, e.source.service));
    const b = lay.nodes.get(nodeId(e.destination.cluster, e.destination.namespace, e.destination.service));
    if (!a || !b) return;
    const item = { e, a, b };
    routed.push(item);
    if (a.col === b.col) sameCol.push(item);
  });
  // shorter arcs inside, longer ones outside, per column
  const byCol = new Map();
  sameCol.forEach((it) => {
    if (!byCol.has(it.a.col)) byCol.set(it.a.col, []);
    byCol.get(it.a.col).push(it);
  });
  byCol.forEach((items) => {
    items.sort((p, q) => Math.abs(p.a.y - p.b.y) - Math.abs(q.a.y - q.b.y));
    items.forEach((it, i) => (it.rank = i));
  });
  routed.forEach((it) => (it.r = route(it.a, it.b, it.rank || 0)));
  // labels: greedy, top to bottom; a label overlapping a node or a placed label moves down
  const placed = [...lay.nodes.values()].map((n) => ({ x: n.x + n.w / 2, y: n.y + n.h / 2, w: n.w, h: n.h }));
  [...routed]
    .sort((p, q) => p.r.ly - q.r.ly)
    .forEach((it) => {
      const w = labelWidth(it.e);
      let y = it.r.ly;
      for (let guard = 0; guard < 60; guard++) {
        const hit = placed.find((p) => Math.abs(p.x - it.r.lx) < (p.w + w) / 2 + 2 && Math.abs(p.y - y) < (p.h + 16) / 2 + 1);
        if (!hit) break;
        y = hit.y + (hit.h + 16) / 2 + 2;
      }
      it.r.ly = y;
      placed.push({ x: it.r.lx, y, w, h: 16 });
    });
  return routed;
}

function graphSvg(data, lay, selectedKey) {
  const arrows = Object.entries(ERR_COLOURS)
    .map(
      ([k, c]) => `<marker id="arrow-${k || 'none'}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
        <path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`,
    )
    .join('');
  const boxes = lay.boxes
    .map(
      (b) => `<g class="cluster" data-cluster="${esc(b.cluster)}">
      <rect class="cluster-box" x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="8"/>
      <text class="cluster-title" x="${b.x + 12}" y="${b.y + 19}">${esc(b.cluster === 'unknown' ? 'not reached (unknown)' : b.cluster)}</text>
      ${b.nsBoxes
        .map(
          (n) => `<g class="namespace" data-namespace="${esc(n.ns.namespace)}">
          <rect class="ns-box ${n.peer ? 'peer' : ''}" x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="5"/>
          <text class="ns-title" x="${n.x + 8}" y="${n.y + 14}">${esc(n.ns.namespace)} · ${esc(n.ns.tenant)}</text></g>`,
        )
        .join('')}</g>`,
    )
    .join('');
  const routed = routeAll(data, lay);
  const edges = routed.map((it) => edgeSvg(it.e, it.r, edgeKey(it.e) === selectedKey)).join('');
  const labels = routed.map((it) => edgeLabelSvg(it.e, it.r, edgeKey(it.e) === selectedKey)).join('');
  const nodes = [...lay.nodes.values()]
    .map((n) => {
      const s = n.service;
      const tip = s.peer
        ? `${s.service} (tenant ${n.tenant}, outside your scope)`
        : `${s.service}: in ${rate(s.requestsInPerSecond)}, out ${rate(s.requestsOutPerSecond)}${
            s.workloads ? '; workloads ' + s.workloads.join(', ') : ''
          }`;
      return `<g class="node ${s.peer ? 'peer' : ''}" data-service="${esc(s.service)}" data-node="${esc(nodeId(n.cluster, n.namespace, s.service))}">
        <title>${esc(tip)}</title>
        <rect x="${n.x}" y="${n.y}" width="${n.w}" height="${n.h}" rx="4"/>
        <text x="${n.x + 8}" y="${n.y + 16}">${esc(s.service)}</text>
        <text x="${n.x + n.w - 6}" y="${n.y + 16}" text-anchor="end" class="muted" style="font-size:10.5px;fill:#6b7888">${esc(
          s.requestsInPerSecond ? rate(s.requestsInPerSecond) : '',
        )}</text></g>`;
    })
    .join('');
  return `<svg class="graph" id="traffic-graph" style="max-width:${lay.width}px" viewBox="0 0 ${lay.width} ${lay.height}">
    <defs>${arrows}</defs>${boxes}<g class="edges">${edges}</g><g class="nodes">${nodes}</g><g class="labels">${labels}</g></svg>`;
}

export async function render(el, ctx) {
  const { start, end, step } = ctx.range;
  const body = await get('/api/v1/views/traffic', { start, end, step });
  const data = body.data;
  const lay = layout(data);
  const selectedKey = ctx.params.get('edge');
  const selected = data.edges.find((e) => edgeKey(e) === selectedKey);
  current = { data, lay, ctx };
  const clusters = lay.boxes.map((b) => b.cluster).filter((c) => c !== 'unknown');
  el.innerHTML = html`
    <div class="page-head">
      <h1>Traffic</h1>
      <span class="sub">${clusters.length} cluster${clusters.length === 1 ? '' : 's'} · ${data.edges.length} edges · last ${ctx.range.label}</span>
      <span class="status-line">updated ${new Date().toLocaleTimeString()}</span>
    </div>
    <div class="legend">
      <span><i style="background:${ERR_COLOURS.ok}"></i>errors &lt; 1%</span>
      <span><i style="background:${ERR_COLOURS.warn}"></i>1–5%</span>
      <span><i style="background:${ERR_COLOURS.bad}"></i>≥ 5%</span>
      <span>labels: requests/s · p95 latency</span>
      <span>${raw(`<svg width="12" height="12" style="vertical-align:-2px">${lockIcon(1, 0, 1)}</svg>`)} mTLS</span>
      <span>dashed: another tenant's service (name only)</span>
      <span>click an edge for its metrics, error logs and traces</span>
    </div>
    <div class="graph-layout">
      <div class="graph-wrap">${data.edges.length || data.clusters.length ? raw(graphSvg(data, lay, selectedKey)) : html`<div class="empty">No mesh traffic in this range.</div>`}</div>
      ${selected ? html`<aside class="drawer" id="edge-panel">${raw(await edgePanel(selected, ctx))}</aside>` : ''}
    </div>`.__raw;
}

export function mounted(el, ctx) {
  const svg = el.querySelector('#traffic-graph');
  if (!svg) return;
  svg.addEventListener('click', (ev) => {
    const g = ev.target.closest('[data-edge]');
    if (!g) return;
    const p = new URLSearchParams(ctx.params);
    p.set('edge', g.getAttribute('data-edge'));
    ctx.navigate('#/graph?' + p.toString());
  });
  const close = el.querySelector('#close-edge');
  if (close) close.addEventListener('click', () => ctx.navigate('#/graph'));
  el.querySelectorAll('.edge.selected, .edge-label.selected').forEach((g) => g.parentNode.appendChild(g)); // on top
}

function reSafe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&');
}

/** LogQL for the edge's failed calls, read on whichever side the caller may read. */
export function errorLogQuery(e, ctx) {
  const s = e.source;
  const d = e.destination;
  const failed = '| json | response_code >= 500 or response_flags != "-"';
  if (inScope(ctx, s.tenant)) {
    return `{cluster="${s.cluster}", namespace="${s.namespace}", direction="outbound", workload=~"${reSafe(s.service)}(-.+)?"} |= "${d.service}.${d.namespace}.svc" ${failed}`;
  }
  return `{cluster="${d.cluster}", namespace="${d.namespace}", direction="inbound", workload=~"${reSafe(d.service)}(-.+)?"} ${failed}`;
}

async function edgeTraces(e, ctx) {
  const s = e.source;
  const d = e.destination;
  const { start, end } = ctx.range;
  const base = { start: start * 1e6, end: end * 1e6 };
  let params;
  if (inScope(ctx, s.tenant)) {
    const service = `${s.service}.${s.namespace}`;
    const ops = await get(`/api/services/${encodeURIComponent(service)}/operations`).catch(() => ({ data: [] }));
    const op = (ops.data || []).find((o) => o.startsWith(`${d.service}.${d.namespace}.svc`));
    params = { ...base, service, operation: op };
  } else {
    params = { ...base, service: `${d.service}.${d.namespace}` };
  }
  const [failed, any] = await Promise.all([
    get('/api/traces', { ...params, tags: JSON.stringify({ error: 'true' }), limit: 3 }).catch(() => ({ data: [] })),
    get('/api/traces', { ...params, limit: 5 }).catch(() => ({ data: [] })),
  ]);
  const seen = new Set();
  const out = [];
  for (const t of [...(failed.data || []), ...(any.data || [])]) {
    if (seen.has(t.traceID) || out.length >= 6) continue;
    seen.add(t.traceID);
    out.push(t);
  }
  return out;
}

async function edgePanel(e, ctx) {
  const s = e.source;
  const d = e.destination;
  const { start, end } = ctx.range;
  const q = errorLogQuery(e, ctx);
  const [logs, traces] = await Promise.all([
    get('/loki/api/v1/query_range', { query: q, start, end, limit: 15, direction: 'backward' }).catch((err) => ({ error: err.message })),
    edgeTraces(e, ctx),
  ]);
  const lines = [];
  if (logs.data) {
    for (const st of logs.data.result) for (const v of st.values) lines.push({ ts: Number(v[0]) / 1e6, stream: st.stream, line: v[1] });
  }
  lines.sort((a, b) => b.ts - a.ts);
  const cls = errClass(e.errorRate);
  return html`
    <div class="panel">
      <div style="display:flex;align-items:start;gap:8px">
        <h2 style="flex:1">${s.service} → ${d.service}</h2>
        <button class="secondary" id="close-edge" type="button" title="close">✕</button>
      </div>
      <div class="muted" style="margin:-6px 0 10px;font-size:12px">${s.namespace}@${s.cluster} (${s.tenant}) → ${d.namespace}@${d.cluster} (${d.tenant})</div>
      <dl class="kv" id="edge-metrics">
        <dt>protocol</dt><dd>${e.protocol}${e.crossCluster ? ' · cross-cluster' : ''}${e.crossTenant ? ' · cross-tenant' : ''}</dd>
        <dt>requests</dt><dd>${rate(e.requestsPerSecond)} (${num(e.requests, 0)} in range)</dd>
        <dt>errors</dt><dd><span class="pill ${cls}">${pct(e.errorRate, 2)}</span> ${num(e.errors, 0)} failed</dd>
        ${e.latencyMs ? html`<dt>latency</dt><dd>p50 ${ms(e.latencyMs.p50)} · p95 ${ms(e.latencyMs.p95)} · p99 ${ms(e.latencyMs.p99)}</dd>` : ''}
        <dt>bytes</dt><dd>${bytes(e.bytesSentPerSecond)}/s sent · ${bytes(e.bytesReceivedPerSecond)}/s back</dd>
        <dt>mTLS</dt><dd>${e.mtlsShare === undefined ? html`<span class="muted">unknown (never reached a server sidecar)</span>` : pct(e.mtlsShare, 1)}</dd>
      </dl>
    </div>
    <div class="panel" id="edge-logs">
      <h2>Error access logs <a style="font-weight:400;font-size:12px;margin-left:6px" href="#/logs?q=${encodeURIComponent(q)}">open in Logs</a></h2>
      ${
        logs.error
          ? html`<div class="error-box">${logs.error}</div>`
          : lines.length
            ? html`<ul class="loglist">${lines.slice(0, 15).map((l) => logItem(l))}</ul>`
            : html`<div class="empty">No failed calls logged on this edge in the range.</div>`
      }
    </div>
    <div class="panel" id="edge-traces">
      <h2>Example traces</h2>
      ${
        traces.length
          ? html`<table><tbody>${traces.map((t) => traceRow(t))}</tbody></table>`
          : html`<div class="empty">No traces of this edge in the range.</div>`
      }
    </div>`.__raw;
}

function logItem(l) {
  let f = {};
  try {
    f = JSON.parse(l.line);
  } catch (e) {
    f = l.stream || {};
  }
  const code = f.response_code ?? (l.stream && l.stream.response_code) ?? '';
  const flags = f.response_flags ?? (l.stream && l.stream.response_flags) ?? '';
  return html`<li class="log-line"><span class="code-${String(code)[0] || 'x'}">${code || '—'}</span>
    ${flags && flags !== '-' ? html`<span class="pill bad">${flags}</span>` : ''}
    <span class="mono">${f.method || ''} ${f.path || ''}</span>
    <div class="meta">${time(l.ts)} · ${(l.stream && l.stream.pod) || ''} · ${f.duration ?? '?'} ms${f.upstream_host ? ' · ' + f.upstream_host : ''}</div></li>`;
}

function traceRow(t) {
  const spans = t.spans || [];
  const root = spans.reduce((a, s) => (!a || s.startTime < a.startTime ? s : a), null);
  const startUs = Math.min(...spans.map((s) => s.startTime));
  const endUs = Math.max(...spans.map((s) => s.startTime + s.duration));
  const err = spans.some((s) => (s.tags || []).some((g) => g.key === 'error' && (g.value === true || g.value === 'true')));
  const rootName = root && t.processes[root.processID] ? t.processes[root.processID].serviceName : '';
  return html`<tr class="clickable trace-link" data-trace="${t.traceID}">
    <td><a href="#/traces/${t.traceID}" class="mono">${t.traceID.slice(0, 12)}…</a></td>
    <td>${rootName}</td>
    <td class="num">${ms((endUs - startUs) / 1000)}</td>
    <td class="num">${spans.length} spans</td>
    <td>${err ? html`<span class="pill bad">error</span>` : ''}</td></tr>`;
}
