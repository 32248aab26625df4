// Access log search (Loki API, LogQL): a query box with the caller's namespaces to start from,
// a volume histogram and the matching lines, newest first.

import { get } from '../api.js';
import { esc, html, time } from '../util.js';

function defaultQuery(ctx, namespaces) {
  if (namespaces.length) return `{namespace="${namespaces[0]}"} | json | response_code >= 500`;
  return ctx.allTenants ? '{tenant=~".+"}' : `{tenant="${ctx.tenants[0]}"}`;
}

/** The stream selector of a LogQL query (its leading {...}), for the volume histogram. */
function selectorOf(q) {
  const m = q.match(/^\s*\{[^}]*\}/);
  return m ? m[0] : null;
}

export async function render(el, ctx) {
  const { start, end } = ctx.range;
  const namespaces = (await get('/loki/api/v1/label/namespace/values', { start, end }).catch(() => ({ data: [] }))).data || [];
  const q = ctx.params.get('q') || defaultQuery(ctx, namespaces);
  const limit = ctx.params.get('limit') || 100;
  const step = Math.max(15, Math.round((end - start) / 60));
  const sel = selectorOf(q);
  const pipeline = sel ? q.slice(q.indexOf(sel) + sel.length) : '';
  let result;
  let volume = null;
  let error = null;
  try {
    const [r, v] = await Promise.all([
      get('/loki/api/v1/query_range', { query: q, start, end, limit, direction: 'backward' }),
      sel
        ? get('/loki/api/v1/query_range', { query: `sum(count_over_time(${sel}${pipeline} [${step}s]))`, start, end, step }).catch(() => null)
        : null,
    ]);
    result = r;
    volume = v;
  } catch (e) {
    error = e.message;
  }
  const lines = [];
  if (result && result.data.resultType === 'streams') {
    for (const st of result.data.result) for (const v of st.values) lines.push({ ts: Number(v[0]) / 1e6, stream: st.stream, line: v[1] });
    lines.sort((a, b) => b.ts - a.ts);
  }
  el.innerHTML = html`
    <div class="page-head"><h1>Logs</h1><span class="sub">access logs · last ${ctx.range.label}</span></div>
    <div class="panel">
      <form class="form-row" id="log-search">
        <label>LogQL<input class="wide" name="q" id="logql" value="${q}" spellcheck="false"></label>
        <label>Limit<input name="limit" size="5" value="${limit}"></label>
        <button class="primary" type="submit">Run</button>
      </form>
      <div class="muted" style="font-size:12px;margin-top:8px">Your namespaces: ${namespaces.length ? namespaces.map((n, i) => html`${i ? ', ' : ''}<a href="#/logs?q=${encodeURIComponent(`{namespace="${n}"}`)}">${n}</a>`) : 'none with logs in range'}
        · e.g. <code>| json | response_code >= 500</code>, <code>|= "UH"</code>, <code>| json | duration > 300</code></div>
    </div>
    ${error ? html`<div class="error-box" id="log-error">${error}</div>` : ''}
    ${volume && volume.data && volume.data.result.length ? html`<div class="panel" style="padding:10px 14px">${histogram(volume.data.result[0].values, start, end, step)}</div>` : ''}
    <div class="panel" id="log-results">
      <h2>${lines.length} line${lines.length === 1 ? '' : 's'}${lines.length >= Number(limit) ? ' (limit reached)' : ''}</h2>
      ${lines.length ? html`<table class="log-table"><thead><tr><th>time</th><th>cluster / pod</th><th>dir</th><th>code</th><th>request</th><th class="num">ms</th><th>line</th></tr></thead>
        <tbody>${lines.map(row)}</tbody></table>` : html`<div class="empty">No lines match.</div>`}
    </div>`.__raw;
}

function histogram(values, start, end, step) {
  const w = 1000;
  const h = 70;
  const max = Math.max(1, ...values.map((v) => Number(v[1])));
  const bw = Math.max(2, (w * step) / (end - start) - 2);
  const bars = values
    .map(([t, v]) => {
      const x = ((t - start) / (end - start)) * w - bw;
      const bh = (Number(v) / max) * (h - 14);
      return `<rect x="${x.toFixed(1)}" y="${(h - bh).toFixed(1)}" width="${bw.toFixed(1)}" height="${bh.toFixed(1)}" fill="#7ea6ec"><title>${esc(time(t * 1000))}: ${esc(v)}</title></rect>`;
    })
    .join('');
  return {
    __raw: `<svg class="hist" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">${bars}
      <text x="4" y="11" font-size="11" fill="#5d6b7e">lines per ${step}s (max ${max})</text></svg>`,
  };
}

function row(l) {
  let f = {};
  try {
    f = JSON.parse(l.line);
  } catch (e) {
    f = {};
  }
  const s = l.stream || {};
  const code = f.response_code ?? s.response_code ?? '';
  const flags = f.response_flags ?? s.response_flags;
  return html`<tr class="log-line">
    <td class="mono" style="white-space:nowrap">${time(l.ts)}</td>
    <td style="font-size:11.5px">${s.cluster || ''}<br><span class="muted">${s.pod || ''}</span></td>
    <td class="muted">${s.direction || ''}</td>
    <td><span class="code-${String(code)[0] || 'x'}">${code}</span>${flags && flags !== '-' ? html` <span class="pill bad">${flags}</span>` : ''}</td>
    <td class="mono" style="font-size:11.5px">${f.method || s.method || ''} ${f.authority || s.authority || ''}${f.path || s.path || ''}</td>
    <td class="num">${f.duration ?? s.duration ?? ''}</td>
    <td class="line" title="${l.line}">${l.line}</td></tr>`;
}

export function mounted(el, ctx) {
  const form = el.querySelector('#log-search');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    ctx.navigate('#/logs?' + new URLSearchParams({ q: f.get('q'), limit: f.get('limit') || 100 }));
  });
}
