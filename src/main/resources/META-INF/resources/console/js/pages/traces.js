// Traces (Jaeger API): search by service, operation, errors and duration; a trace as a waterfall.
// Spans of tenants outside the caller's scope arrive redacted from the API (operation
// "redacted", no tags, the tenant as service) and are drawn hatched, in their place in the tree.

import { get } from '../api.js';
import { esc, html, ms, raw, time } from '../util.js';

const PALETTE = ['#4c7be0', '#1e9e8a', '#a25bd6', '#e07b39', '#3aa0c9', '#c24d7d', '#6c9b2f', '#8a6a3d'];

export async function render(el, ctx) {
  if (ctx.args[0]) return renderTrace(el, ctx, ctx.args[0]);
  return renderSearch(el, ctx);
}

async function renderSearch(el, ctx) {
  const p = ctx.params;
  const services = (await get('/api/services')).data || [];
  const service = p.get('service') || services[0] || '';
  const ops = service ? (await get(`/api/services/${encodeURIComponent(service)}/operations`)).data || [] : [];
  const { start, end } = ctx.range;
  const search = {
    service,
    operation: p.get('operation') || undefined,
    minDuration: p.get('minDuration') || undefined,
    limit: p.get('limit') || 20,
    start: start * 1e6,
    end: end * 1e6,
  };
  if (p.get('errors') === '1') search.tags = JSON.stringify({ error: 'true' });
  const found = service ? await get('/api/traces', search) : { data: [] };
  const traces = (found.data || []).map(summary).sort((a, b) => b.start - a.start);
  const maxDur = Math.max(1, ...traces.map((t) => t.duration));
  el.innerHTML = html`
    <div class="page-head"><h1>Traces</h1><span class="sub">last ${ctx.range.label}</span></div>
    <div class="panel">
      <form class="form-row" id="trace-search">
        <label>Service<select name="service" id="trace-service">${services.map(
          (s) => html`<option ${s === service ? 'selected' : ''}>${s}</option>`,
        )}</select></label>
        <label>Operation<select name="operation"><option value="">all</option>${ops.map(
          (o) => html`<option ${o === p.get('operation') ? 'selected' : ''}>${o}</option>`,
        )}</select></label>
        <label>Min duration<input name="minDuration" size="8" placeholder="e.g. 100ms" value="${p.get('minDuration') || ''}"></label>
        <label>Limit<input name="limit" size="4" value="${p.get('limit') || 20}"></label>
        <label style="flex-direction:row;align-items:center;gap:5px;padding-bottom:6px"><input type="checkbox" name="errors" value="1" ${
          p.get('errors') === '1' ? 'checked' : ''
        }> errors only</label>
        <button class="primary" type="submit">Search</button>
        <label style="margin-left:auto">Trace ID<input name="traceId" size="34" placeholder="open a trace by id"></label>
      </form>
    </div>
    <div class="panel" id="trace-results">
      <h2>${traces.length} trace${traces.length === 1 ? '' : 's'}${service ? html` with <code>${service}</code>` : ''}</h2>
      ${
        traces.length
          ? html`<table><thead><tr><th>trace</th><th>root</th><th class="num">spans</th><th>services</th><th>duration</th><th class="num">started</th></tr></thead>
          <tbody>${traces.map(
            (t) => html`<tr class="clickable trace-link" data-trace="${t.id}">
              <td><a class="mono" href="#/traces/${t.id}">${t.id.slice(0, 16)}</a> ${t.errors ? html`<span class="pill bad">${t.errors} error${t.errors > 1 ? 's' : ''}</span>` : ''}</td>
              <td>${t.root}</td><td class="num">${t.spans}</td>
              <td class="muted" style="font-size:12px">${t.services.join(', ')}</td>
              <td><div class="bar-cell"><div class="bar" style="min-width:90px;width:120px"><span style="width:${(100 * t.duration) / maxDur}%;background:#7ea6ec"></span></div><span class="txt" style="min-width:60px">${ms(t.duration / 1000)}</span></div></td>
              <td class="num">${time(t.start / 1000)}</td></tr>`,
          )}</tbody></table>`
          : html`<div class="empty">No traces match.</div>`
      }
    </div>`.__raw;
}

export function mounted(el, ctx) {
  const form = el.querySelector('#trace-search');
  if (form) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const f = new FormData(form);
      const id = (f.get('traceId') || '').trim();
      if (id) return ctx.navigate('#/traces/' + encodeURIComponent(id));
      const q = new URLSearchParams();
      for (const k of ['service', 'operation', 'minDuration', 'limit', 'errors']) if (f.get(k)) q.set(k, f.get(k));
      ctx.navigate('#/traces?' + q);
    });
    form.querySelector('#trace-service').addEventListener('change', (ev) => ctx.navigate('#/traces?service=' + encodeURIComponent(ev.target.value)));
  }
  el.querySelectorAll('tr.trace-link').forEach((tr) =>
    tr.addEventListener('click', () => ctx.navigate('#/traces/' + tr.dataset.trace)),
  );
  el.querySelectorAll('.wf-row').forEach((row) =>
    row.addEventListener('click', () => {
      el.querySelectorAll('.wf-row.selected').forEach((r) => r.classList.remove('selected'));
      row.classList.add('selected');
      const d = el.querySelector('#span-detail');
      d.innerHTML = row.querySelector('template').innerHTML;
    }),
  );
}

function isError(s) {
  return (s.tags || []).some((t) => (t.key === 'error' && (t.value === true || t.value === 'true')) || (t.key === 'otel.status_code' && t.value === 'ERROR'));
}

function isRedacted(s, trace) {
  const proc = trace.processes[s.processID] || {};
  return (proc.tags || []).some((t) => t.key === 'meshlens.redacted' && (t.value === true || t.value === 'true'));
}

function summary(t) {
  const spans = t.spans || [];
  const start = Math.min(...spans.map((s) => s.startTime));
  const end = Math.max(...spans.map((s) => s.startTime + s.duration));
  const ids = new Set(spans.map((s) => s.spanID));
  const root = spans.find((s) => !(s.references || []).some((r) => ids.has(r.spanID))) || spans[0];
  const rootName = root ? `${(t.processes[root.processID] || {}).serviceName}: ${root.operationName}` : '';
  const services = [...new Set(spans.map((s) => (t.processes[s.processID] || {}).serviceName))].sort();
  return { id: t.traceID, start, duration: end - start, spans: spans.length, root: rootName, services, errors: spans.filter(isError).length };
}

async function renderTrace(el, ctx, id) {
  let body;
  try {
    body = await get(`/api/traces/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 404) {
      el.innerHTML = html`<div class="page-head"><h1>Trace</h1></div><div class="error-box">Trace ${id} was not found in your scope.</div>`.__raw;
      return;
    }
    throw e;
  }
  const trace = body.data[0];
  const spans = trace.spans;
  const byId = new Map(spans.map((s) => [s.spanID, s]));
  const children = new Map();
  const roots = [];
  spans.forEach((s) => {
    const parent = (s.references || []).find((r) => r.refType === 'CHILD_OF' && byId.has(r.spanID));
    if (parent) {
      if (!children.has(parent.spanID)) children.set(parent.spanID, []);
      children.get(parent.spanID).push(s);
    } else roots.push(s);
  });
  const ordered = [];
  const walk = (s, depth) => {
    ordered.push({ s, depth });
    (children.get(s.spanID) || []).sort((a, b) => a.startTime - b.startTime).forEach((c) => walk(c, depth + 1));
  };
  roots.sort((a, b) => a.startTime - b.startTime).forEach((r) => walk(r, 0));
  const t0 = Math.min(...spans.map((s) => s.startTime));
  const t1 = Math.max(...spans.map((s) => s.startTime + s.duration));
  const total = Math.max(1, t1 - t0);
  const colours = new Map();
  Object.values(trace.processes)
    .map((p) => p.serviceName)
    .sort()
    .forEach((n, i) => colours.set(n, PALETTE[i % PALETTE.length]));
  const redacted = spans.filter((s) => isRedacted(s, trace)).length;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map(
    (f) => html`<span style="left:${f * 100}%;transform:translateX(-${f * 100}%)">${ms((f * total) / 1000)}</span>`,
  );
  const rows = ordered.map(({ s, depth }) => {
    const proc = trace.processes[s.processID] || { serviceName: '?' };
    const red = isRedacted(s, trace);
    const left = ((s.startTime - t0) / total) * 100;
    const width = Math.max(0.2, (s.duration / total) * 100);
    const err = isError(s);
    const inside = left + width > 85;
    const durPos = inside ? `right:${100 - left - width + 0.4}%` : `left:${left + width + 0.5}%`;
    return html`<div class="wf-row ${red ? 'redacted' : ''}" data-span="${s.spanID}">
      <div class="wf-name" style="padding-left:${6 + depth * 14}px" title="${proc.serviceName}: ${s.operationName}">
        <span class="svc">${red ? `${proc.serviceName} (redacted)` : proc.serviceName}</span><span class="op">${red ? '' : s.operationName}</span></div>
      <div class="wf-track"><div class="wf-bar ${err ? 'error' : ''}" style="left:${left}%;width:${width}%;background:${colours.get(proc.serviceName)}"></div>
        <span class="wf-dur ${inside ? 'inside' : ''}" style="${durPos}">${ms(s.duration / 1000)}</span></div>
      <template>${raw(spanDetail(s, proc, red))}</template>
    </div>`;
  });
  el.innerHTML = html`
    <div class="page-head"><h1>Trace <span class="mono" style="font-size:15px">${trace.traceID}</span></h1>
      <span class="sub">${spans.length} spans · ${ms(total / 1000)} · started ${time(t0 / 1000)}</span>
      <a class="status-line" href="#/traces">back to search</a></div>
    ${redacted ? html`<div class="panel muted" id="redaction-note" style="padding:8px 14px">${redacted} span${redacted > 1 ? 's' : ''} belong to tenants outside your scope: shown redacted (timing and place in the tree only), as the API returns them.</div>` : ''}
    <div class="panel waterfall" id="waterfall">
      <div class="wf-axis"><div style="padding:2px 6px">service / operation</div><div class="ticks">${ticks}</div></div>
      ${rows}
    </div>
    <div class="panel" id="span-detail"><span class="muted">Click a span for its tags.</span></div>`.__raw;
}

function spanDetail(s, proc, red) {
  if (red) {
    return html`<h2>Redacted span</h2><p class="muted">${(s.warnings || []).join(' ')}</p>
      <dl class="kv"><dt>span id</dt><dd class="mono">${s.spanID}</dd><dt>duration</dt><dd>${ms(s.duration / 1000)}</dd></dl>`.__raw;
  }
  const tags = [...(s.tags || []), ...(proc.tags || [])];
  return html`<h2>${proc.serviceName}: ${s.operationName}</h2>
    <dl class="kv"><dt>span id</dt><dd class="mono">${s.spanID}</dd><dt>duration</dt><dd>${ms(s.duration / 1000)}</dd></dl>
    <h3>tags</h3><table class="tags"><tbody>${tags.map((t) => html`<tr><td class="muted">${t.key}</td><td class="mono">${String(t.value)}</td></tr>`)}</tbody></table>`.__raw;
}

export { esc };
