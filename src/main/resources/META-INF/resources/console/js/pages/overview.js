// Tenant overview: golden signals (traffic, errors, latency, saturation) from PromQL, resource
// usage against the namespaces' quotas and the telemetry each tenant sends, from the usage view.

import { get, promRange } from '../api.js';
import { bytes, cores, esc, html, ms, num, pct, raw, rate, sparkline, usageBar } from '../util.js';

/**
 * The label matcher that keeps series reported by the tenants in scope (none for "all"). Regex
 * metacharacters (a tenant name may contain ".") are escaped for the regex and the backslash
 * again for the PromQL string.
 */
export function tenantMatcher(ctx) {
  if (ctx.allTenants) return '';
  return `tenant=~"${ctx.tenants.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|')}"`;
}

function sel(ctx, extra) {
  return '{' + ['reporter="destination"', tenantMatcher(ctx), extra].filter(Boolean).join(',') + '}';
}

function last(series) {
  if (!series || !series.length || !series[0].values.length) return null;
  const v = parseFloat(series[0].values[series[0].values.length - 1][1]);
  return Number.isFinite(v) ? v : null;
}

function points(series) {
  if (!series || !series.length) return [];
  return series[0].values.map(([t, v]) => [t, parseFloat(v)]);
}

export async function render(el, ctx) {
  const { start, end, step } = ctx.range;
  const w = Math.max(2 * step, 60) + 's';
  const tm = tenantMatcher(ctx);
  const reqs = `sum(rate(istio_requests_total${sel(ctx)}[${w}]))`;
  const errs = `sum(rate(istio_requests_total${sel(ctx, 'response_code=~"5.."')}[${w}]))`;
  const queries = {
    traffic: reqs,
    errors: `(${errs} or vector(0)) / ${reqs}`,
    p95: `histogram_quantile(0.95, sum by (le) (rate(istio_request_duration_milliseconds_bucket${sel(ctx)}[${w}])))`,
    cpu: `sum(k8s_pod_cpu_usage${tm ? '{' + tm + '}' : ''})`,
  };
  const [usage, traffic, errors, p95, cpu] = await Promise.all([
    get('/api/v1/views/usage', { start, end, step, groupBy: 'tenant' }),
    ...Object.values(queries).map((q) => promRange(q, start, end, step).catch(() => [])),
  ]);
  const rows = usage.data.rows || [];
  const telemetry = usage.data.telemetry || [];
  const cpuRequests = rows.reduce((a, r) => a + ((r.cpu && r.cpu.requests) || 0), 0);
  const cpuNow = last(cpu);
  const limitsByTenant = Object.fromEntries(ctx.session.tenants.map((t) => [t.name, t.limits || {}]));
  const who = ctx.allTenants ? 'all tenants' : ctx.tenants.join(', ');

  el.innerHTML = html`
    <div class="page-head">
      <h1>Overview</h1><span class="sub">${who} · last ${ctx.range.label}</span>
      <span class="status-line">updated ${new Date().toLocaleTimeString()}</span>
    </div>
    <div class="grid cols-4" id="golden-signals">
      ${card('Traffic', rate(last(traffic)), 'requests served (destination-reported)', sparkline(points(traffic), '#2f6fde'))}
      ${card('Errors', pct(last(errors), 2), '5xx share of requests served', sparkline(points(errors), '#d6383b'))}
      ${card('Latency p95', ms(last(p95)), 'request duration at the server sidecar', sparkline(points(p95), '#7a4fd6'))}
      ${card(
        'Saturation',
        cpuRequests > 0 && cpuNow !== null ? pct(cpuNow / cpuRequests, 0) : cores(cpuNow),
        cpuRequests > 0 ? `CPU used (${num(cpuNow)} cores) of ${num(cpuRequests)} requested` : 'CPU in use',
        sparkline(points(cpu), '#1e9e5a'),
      )}
    </div>
    <div class="panel" style="margin-top:14px" id="quota">
      <h2>Resource usage against quota</h2>
      ${rows.length ? quotaTable(rows) : html`<div class="empty">No resource metrics in this range.</div>`}
    </div>
    <div class="panel" id="telemetry">
      <h2>Telemetry volume in Meshlens <span class="muted" style="font-weight:400">(against the tenant's ingest limits)</span></h2>
      ${telemetry.length ? telemetryTable(telemetry, limitsByTenant) : html`<div class="empty">No telemetry counted yet.</div>`}
    </div>`.__raw;
}

function card(label, value, hint, spark) {
  return html`<div class="card"><div class="label">${label}</div><div class="value">${value}</div>
    <div class="hint">${hint}</div>${raw(spark)}</div>`;
}

function quotaTable(rows) {
  const q = (r, k) => (r.quota && r.quota[k]) || null;
  const quotaCell = (r, k, fmt) => {
    const x = q(r, k);
    return x ? raw(usageBar(x.used, x.hard, `${fmt(x.used)} / ${fmt(x.hard)}`)) : html`<span class="muted">no quota</span>`;
  };
  return html`<table>
    <thead><tr><th>tenant</th><th class="num">requests in</th><th class="num">CPU avg</th><th class="num">memory avg</th>
      <th>CPU requests (quota)</th><th>memory limits (quota)</th><th>pods (quota)</th></tr></thead>
    <tbody>${rows.map(
      (r) => html`<tr data-tenant="${r.group.tenant}">
        <td><b>${r.group.tenant}</b></td>
        <td class="num">${rate(r.requests && r.requests.inboundPerSecond)}</td>
        <td class="num">${num(r.cpu && r.cpu.avg)} <span class="muted">cores</span></td>
        <td class="num">${bytes(r.memory && r.memory.avg)}</td>
        <td>${quotaCell(r, 'requests.cpu', (v) => num(v))}</td>
        <td>${quotaCell(r, 'limits.memory', bytes)}</td>
        <td>${quotaCell(r, 'pods', (v) => num(v, 0))}</td>
      </tr>`,
    )}</tbody></table>`;
}

function telemetryTable(telemetry, limits) {
  const cell = (used, limit, fmt) =>
    used === null || used === undefined ? html`<span class="muted">–</span>` : raw(usageBar(used, limit, fmt(used) + (limit ? ' / ' + fmt(limit) : '')));
  return html`<table>
    <thead><tr><th>tenant</th><th>active series</th><th>samples/s</th><th>spans/s</th><th class="num">log lines/s</th><th>log bytes/s</th></tr></thead>
    <tbody>${telemetry.map((t) => {
      const l = limits[t.tenant] || {};
      return html`<tr data-tenant="${t.tenant}">
        <td><b>${t.tenant}</b></td>
        <td>${cell(t.activeSeries, l.activeSeries, (v) => num(v, 0))}</td>
        <td>${cell(t.samplesPerSecond, l.samplesPerSecond, (v) => num(v, 1))}</td>
        <td>${cell(t.spansPerSecond, l.spansPerSecond, (v) => num(v, 2))}</td>
        <td class="num">${num(t.logEntriesPerSecond, 2)}</td>
        <td>${cell(t.logBytesPerSecond, l.logBytesPerSecond, (v) => bytes(v))}</td>
      </tr>`;
    })}</tbody></table>`;
}

export { esc };
