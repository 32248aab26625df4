// Mesh health (SRE): istiod per cluster, how fresh each cluster's telemetry is, data-plane golden
// signals per tenant and cluster, and Meshlens' own ingest lag, from GET /api/v1/views/health.

import { get } from '../api.js';
import { errClass, html, ms, num, pct, rate, time } from '../util.js';

export async function render(el, ctx) {
  const { start, end, step } = ctx.range;
  const body = await get('/api/v1/views/health', { start, end, step });
  const d = body.data;
  const cps = d.controlPlanes || [];
  const fresh = d.freshness;
  const silent = fresh ? fresh.silentClusters || [] : [];
  const signals = [...(d.goldenSignals || [])].sort((a, b) => a.tenant.localeCompare(b.tenant) || a.cluster.localeCompare(b.cluster));
  const lag = d.ingestLag;
  const down = cps.filter((c) => !c.istiodUp).length;
  const failing = signals.filter((g) => (g.errorRate || 0) >= 0.05).length;
  el.innerHTML = html`
    <div class="page-head"><h1>Mesh health</h1><span class="sub">${ctx.allTenants ? 'whole mesh' : ctx.tenants.join(', ')} · last ${ctx.range.label}</span>
      <span class="status-line">updated ${new Date().toLocaleTimeString()}</span></div>
    <div class="grid cols-4" id="health-summary">
      ${stat('Control planes', cps.length ? `${cps.length - down}/${cps.length} up` : '–', down ? 'bad' : 'ok', 'istiod reporting pilot_xds')}
      ${stat('Silent clusters', fresh ? String(silent.length) : '–', silent.length ? 'bad' : 'ok', silent.length ? silent.join(', ') : fresh ? `no sample for > ${num(fresh.thresholdSeconds, 0)} s` : 'SRE scope only')}
      ${stat('Failing services', String(failing), failing ? 'bad' : 'ok', 'tenant × cluster with ≥ 5% errors')}
      ${stat('Ingest lag', lag ? num(lag.totalRecords, 0) + ' records' : '–', lag && lag.totalRecords > 10000 ? 'warn' : 'ok', 'Kafka records not yet consumed')}
    </div>
    <div class="panel" style="margin-top:14px">
      <h2>Control plane (istiod)</h2>
      ${
        cps.length
          ? html`<table id="control-planes"><thead><tr><th>cluster</th><th>istiod</th><th>version</th><th class="num">proxies</th><th class="num">xDS pushes</th>
            <th class="num">push errors</th><th class="num">convergence p99</th><th class="num">certs expire in</th><th class="num">telemetry age</th></tr></thead>
            <tbody>${cps.map((c) => {
              const f = fresh && fresh.clusters.find((x) => x.cluster === c.cluster);
              return html`<tr data-cluster="${c.cluster}">
                <td><b>${c.cluster}</b></td>
                <td><span class="pill ${c.istiodUp ? 'ok' : 'bad'}">${c.istiodUp ? 'up' : 'down'}</span>${c.lastScrape ? html` <span class="muted" style="font-size:12px">${time(c.lastScrape)}</span>` : ''}</td>
                <td>${c.version || '–'}</td>
                <td class="num">${num(c.connectedProxies, 0)}</td>
                <td class="num">${num(c.xdsPushes, 0)} <span class="muted">(${rate(c.xdsPushesPerSecond)})</span></td>
                <td class="num"><span class="${c.xdsPushErrorsTotal > 0 ? 'code-5' : ''}">${num(c.xdsPushErrorsTotal, 0)}</span></td>
                <td class="num">${c.proxyConvergenceP99Seconds == null ? '–' : ms(c.proxyConvergenceP99Seconds * 1000)}</td>
                <td class="num"><span class="${c.certExpiresInDays != null && c.certExpiresInDays < 30 ? 'code-5' : ''}">${c.certExpiresInDays == null ? '–' : num(c.certExpiresInDays, 0) + ' days'}</span></td>
                <td class="num">${f ? html`<span class="pill ${f.silent ? 'bad' : 'ok'}">${num(f.secondsSinceNewest, 0)} s</span>` : '–'}</td></tr>`;
            })}</tbody></table>`
          : html`<div class="empty">No istiod metrics in this range${ctx.allTenants ? '' : ' (control planes are shown to the whole-mesh SRE scope only)'}.</div>`
      }
    </div>
    <div class="grid cols-2">
      <div class="panel">
        <h2>Golden signals per tenant and cluster</h2>
        ${
          signals.length
            ? html`<table id="golden-by-cluster"><thead><tr><th>tenant</th><th>cluster</th><th class="num">requests</th><th class="num">errors</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th></tr></thead>
              <tbody>${signals.map(
                (g) => html`<tr data-tenant="${g.tenant}"><td><b>${g.tenant}</b></td><td>${g.cluster}</td><td class="num">${rate(g.requestsPerSecond)}</td>
                  <td class="num"><span class="pill ${errClass(g.errorRate)}">${pct(g.errorRate, 2)}</span></td>
                  <td class="num">${ms(g.latencyMs && g.latencyMs.p50)}</td><td class="num">${ms(g.latencyMs && g.latencyMs.p95)}</td><td class="num">${ms(g.latencyMs && g.latencyMs.p99)}</td></tr>`,
              )}</tbody></table>`
            : html`<div class="empty">No requests in this range.</div>`
        }
      </div>
      <div class="panel">
        <h2>Meshlens ingest lag</h2>
        ${
          lag && lag.partitions.length
            ? html`<table id="ingest-lag"><thead><tr><th>topic</th><th class="num">partition</th><th class="num">records behind</th></tr></thead>
              <tbody>${lag.partitions.map((p) => html`<tr><td>${p.topic}</td><td class="num">${p.partition}</td><td class="num">${num(p.records, 0)}</td></tr>`)}</tbody></table>`
            : html`<div class="empty">${lag ? 'No partitions assigned.' : 'Shown to the whole-mesh SRE scope only.'}</div>`
        }
      </div>
    </div>`.__raw;
}

function stat(label, value, cls, hint) {
  return html`<div class="card"><div class="label">${label}</div><div class="value"><span class="${cls === 'bad' ? 'code-5' : cls === 'warn' ? 'code-4' : ''}">${value}</span></div><div class="hint">${hint}</div></div>`;
}
