// Tenant isolation audit (GET /api/v1/views/isolation): cross-tenant traffic against the tenants
// file's allowedPeers, plaintext traffic and authorization denials, per tenant and per edge, with
// an example request id that opens the matching access log lines.

import { get } from '../api.js';
import { html, num, rate, time } from '../util.js';

const KIND = {
  cross_tenant: 'cross-tenant',
  plaintext: 'plaintext',
  authz_denied: 'denied by policy',
};

export async function render(el, ctx) {
  const { start, end, step } = ctx.range;
  const body = await get('/api/v1/views/isolation', { start, end, step });
  const d = body.data;
  const onlyViolations = ctx.params.get('all') !== '1';
  const findings = (d.findings || [])
    .filter((f) => !onlyViolations || f.violation)
    .sort((a, b) => Number(b.violation) - Number(a.violation) || b.ratePerSecond - a.ratePerSecond);
  const total = (d.findings || []).length;
  const violations = (d.findings || []).filter((f) => f.violation).length;
  const logScope = ctx.allTenants ? '{tenant=~".+"}' : `{tenant=~"${ctx.tenants.join('|')}"}`;
  el.innerHTML = html`
    <div class="page-head"><h1>Isolation audit</h1><span class="sub">${ctx.allTenants ? 'whole mesh' : ctx.tenants.join(', ')} · last ${ctx.range.label}</span>
      <span class="status-line">updated ${new Date().toLocaleTimeString()}</span></div>
    <div class="panel">
      <h2>Per tenant</h2>
      <table id="isolation-summary"><thead><tr><th>tenant</th><th class="num">cross-tenant violations</th><th class="num">violating calls</th><th class="num">plaintext</th><th class="num">denied by policy</th><th>status</th></tr></thead>
        <tbody>${(d.tenants || []).map((t) => {
          const bad = t.crossTenantViolations > 0 || t.plaintextPerSecond > 0 || t.deniedPerSecond > 0;
          return html`<tr data-tenant="${t.tenant}"><td><b>${t.tenant}</b></td><td class="num">${t.crossTenantViolations}</td>
            <td class="num">${rate(t.crossTenantViolationsPerSecond)}</td><td class="num">${rate(t.plaintextPerSecond)}</td><td class="num">${rate(t.deniedPerSecond)}</td>
            <td><span class="pill ${bad ? 'bad' : 'ok'}">${bad ? 'findings' : 'isolated'}</span></td></tr>`;
        })}</tbody></table>
    </div>
    <div class="panel" id="isolation-findings">
      <div style="display:flex;align-items:baseline;gap:12px">
        <h2 style="flex:1">Findings <span class="muted" style="font-weight:400">${violations} violation${violations === 1 ? '' : 's'} of ${total}</span></h2>
        <a href="#/isolation${onlyViolations ? '?all=1' : ''}">${onlyViolations ? 'show all findings' : 'violations only'}</a>
      </div>
      ${
        findings.length
          ? html`<table><thead><tr><th>finding</th><th>source</th><th>destination</th><th class="num">rate</th><th class="num">count</th><th>seen</th><th>example request</th></tr></thead>
            <tbody>${findings.map((f) => finding(f, logScope))}</tbody></table>`
          : html`<div class="empty">${onlyViolations ? 'No violations in this range.' : 'Nothing found in this range.'}</div>`
      }
    </div>
    <p class="muted" style="font-size:12px">Cross-tenant calls are violations unless the tenants file lists the pair in <code>allowedPeers</code>;
      plaintext (no mutual TLS at the destination) and authorization-policy denials always are. Another tenant's side shows its service name only.</p>`.__raw;
}

function side(e) {
  return html`<b>${e.service}</b> <span class="muted" style="font-size:12px">${e.namespace}@${e.cluster} · ${e.tenant}</span>`;
}

function finding(f, logScope) {
  const detail =
    f.kind === 'cross_tenant'
      ? f.allowedPeers
        ? 'allowed peers'
        : 'not in allowedPeers'
      : f.kind === 'plaintext'
        ? f.securityPolicy || ''
        : f.rbacConfirmed
          ? 'RBAC confirmed in logs'
          : '';
  const q = `${logScope} |= "${f.exampleRequestId}"`;
  return html`<tr class="finding" data-kind="${f.kind}">
    <td><span class="pill ${f.violation ? 'bad' : 'ok'}">${KIND[f.kind] || f.kind}</span> <span class="muted" style="font-size:12px">${f.protocol || ''} ${detail}</span></td>
    <td>${side(f.source)}</td><td>${side(f.destination)}</td>
    <td class="num">${rate(f.ratePerSecond)}</td><td class="num">${num(f.count, 0)}</td>
    <td style="font-size:12px">${f.firstSeen ? time(f.firstSeen) : '–'} – ${f.lastSeen ? time(f.lastSeen) : '–'}</td>
    <td>${f.exampleRequestId ? html`<a class="mono" href="#/logs?q=${encodeURIComponent(q)}" title="open the access log lines of this request">${f.exampleRequestId.slice(0, 13)}…</a>` : html`<span class="muted">–</span>`}</td></tr>`;
}
