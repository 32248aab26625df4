// Meshlens web console: sign-in, the page shell (navigation, tenant, time range, auto-refresh)
// and a hash router. Pages are ES modules under pages/ exporting render(el, ctx).

import { auth, get, setUnauthorizedHandler } from './api.js';
import { esc, html } from './util.js';

const PAGES = {
  overview: { title: 'Overview', module: './pages/overview.js' },
  graph: { title: 'Traffic', module: './pages/graph.js' },
  traces: { title: 'Traces', module: './pages/traces.js' },
  logs: { title: 'Logs', module: './pages/logs.js' },
  health: { title: 'Mesh health', module: './pages/health.js', sre: true },
  isolation: { title: 'Isolation', module: './pages/isolation.js' },
};

const RANGES = [
  ['5m', 300],
  ['15m', 900],
  ['1h', 3600],
  ['3h', 10800],
  ['6h', 21600],
  ['24h', 86400],
];
const REFRESH = [
  ['off', 0],
  ['10s', 10],
  ['30s', 30],
  ['1m', 60],
];

const state = {
  session: null,
  range: sessionStorage.getItem('meshlens.range') || '15m',
  refresh: Number(sessionStorage.getItem('meshlens.refresh') ?? 30),
  timer: null,
  renderSeq: 0,
  firstRender: true,
};

const app = document.getElementById('app');

setUnauthorizedHandler((err) => {
  auth.signOut();
  state.session = null;
  showSignIn('Signed out: ' + err.message);
});

function showSignIn(message) {
  stopTimer();
  app.innerHTML = html`
    <div class="signin">
      <div class="panel">
        <div class="brand" style="color:var(--ink);margin-bottom:14px">${logo('#2f6fde')} Meshlens</div>
        <h1>Sign in</h1>
        <p class="muted">Paste an API token. It stays in this browser tab only (session storage) and is sent as
          <code>Authorization: Bearer</code>.</p>
        ${message ? html`<div class="error-box" id="signin-error">${message}</div>` : ''}
        <form id="signin-form">
          <label for="token">Token</label>
          <input id="token" name="token" type="password" autocomplete="off" autofocus placeholder="e.g. demo-shop-token">
          <button class="primary" id="sign-in" type="submit">Sign in</button>
        </form>
      </div>
    </div>`.__raw;
  document.getElementById('signin-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = document.getElementById('token').value.trim();
    if (!token) return;
    try {
      const s = await get('/api/v1/session', {}, { token, scope: '' });
      auth.setToken(token);
      auth.setScope('');
      state.session = s.data;
      if (!location.hash || location.hash === '#/') location.hash = '#/overview';
      renderShell();
      route();
    } catch (e) {
      showSignIn(e.status === 401 ? 'That token was not accepted.' : e.message);
    }
  });
}

function logo(colour = '#7fb0ff') {
  return html`<svg width="22" height="22" viewBox="0 0 24 24" aria-hidden="true">
    <circle cx="5" cy="6" r="3" fill="${colour}"/><circle cx="19" cy="6" r="3" fill="${colour}"/>
    <circle cx="12" cy="18" r="3" fill="${colour}"/>
    <path d="M5 6L19 6L12 18Z" fill="none" stroke="${colour}" stroke-width="1.6"/></svg>`;
}

function currentRoute() {
  const h = location.hash.replace(/^#\/?/, '');
  const [pathPart, query] = h.split('?');
  const parts = pathPart.split('/').filter(Boolean);
  const name = PAGES[parts[0]] ? parts[0] : 'overview';
  return { name, args: parts.slice(1).map(decodeURIComponent), params: new URLSearchParams(query || '') };
}

function renderShell() {
  const s = state.session;
  const tenants = s.tenants.map((t) => t.name);
  const scope = auth.scope();
  const allLabel = s.sre ? 'All tenants' : tenants.length > 1 ? 'All my tenants' : tenants[0];
  const nav = Object.entries(PAGES)
    .filter(([, p]) => !p.sre || s.sre)
    .map(([k, p]) => html`<a href="#/${k}" data-page="${k}" id="nav-${k}">${p.title}</a>`);
  app.innerHTML = html`
    <header class="topbar">
      <div class="brand">${logo()} Meshlens</div>
      <nav class="nav">${nav}</nav>
      <div class="controls">
        <label>Tenant
          <select id="tenant" ${tenants.length > 1 || s.sre ? '' : 'disabled'}>
            <option value="">${allLabel}</option>
            ${(tenants.length > 1 || s.sre ? tenants : []).map(
              (t) => html`<option value="${t}" ${t === scope ? 'selected' : ''}>${t}</option>`,
            )}
          </select></label>
        <label>Range
          <select id="range">${RANGES.map(
            ([k]) => html`<option value="${k}" ${k === state.range ? 'selected' : ''}>last ${k}</option>`,
          )}</select></label>
        <label>Refresh
          <select id="refresh">${REFRESH.map(
            ([k, v]) => html`<option value="${v}" ${v === state.refresh ? 'selected' : ''}>${k}</option>`,
          )}</select></label>
        <span class="who" id="who" title="${s.sre ? 'SRE: sees every tenant' : 'tenant token'}"><b>${s.subject}</b>${s.sre ? ' · SRE' : ''}</span>
        <button id="sign-out" type="button">Sign out</button>
      </div>
    </header>
    <main id="page"></main>`.__raw;
  document.getElementById('tenant').addEventListener('change', (e) => {
    auth.setScope(e.target.value);
    route();
  });
  document.getElementById('range').addEventListener('change', (e) => {
    state.range = e.target.value;
    sessionStorage.setItem('meshlens.range', state.range);
    route();
  });
  document.getElementById('refresh').addEventListener('change', (e) => {
    state.refresh = Number(e.target.value);
    sessionStorage.setItem('meshlens.refresh', String(state.refresh));
    startTimer();
  });
  document.getElementById('sign-out').addEventListener('click', () => {
    auth.signOut();
    state.session = null;
    location.hash = '';
    showSignIn();
  });
}

function rangeNow() {
  const secs = (RANGES.find(([k]) => k === state.range) || RANGES[1])[1];
  const end = Math.floor(Date.now() / 1000);
  const start = end - secs;
  const step = Math.max(15, Math.round(secs / 120 / 15) * 15);
  return { start, end, step, seconds: secs, label: state.range };
}

function stopTimer() {
  if (state.timer) clearInterval(state.timer);
  state.timer = null;
}

function startTimer() {
  stopTimer();
  if (state.refresh > 0) state.timer = setInterval(autoRefresh, state.refresh * 1000);
}

/** Re-reads the page, unless the user is typing in one of its fields (that would lose the input). */
function autoRefresh() {
  const a = document.activeElement;
  const page = document.getElementById('page');
  if (a && page && page.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName)) return;
  route({ refresh: true });
}

async function route(opts = {}) {
  if (!state.session) return;
  const r = currentRoute();
  const page = PAGES[r.name];
  if (page.sre && !state.session.sre) {
    location.hash = '#/overview';
    return;
  }
  document.querySelectorAll('.nav a').forEach((a) => a.classList.toggle('active', a.dataset.page === r.name));
  document.title = page.title + ' · Meshlens';
  const el = document.getElementById('page');
  const seq = ++state.renderSeq;
  const scopeTenants = auth.scope() ? auth.scope().split('|') : state.session.tenants.map((t) => t.name);
  const ctx = {
    session: state.session,
    scope: auth.scope(),
    tenants: scopeTenants,
    allTenants: !auth.scope() && state.session.sre,
    range: rangeNow(),
    args: r.args,
    params: r.params,
    refresh: !!opts.refresh,
    stale: () => seq !== state.renderSeq,
    navigate: (hash) => (location.hash = hash),
  };
  if (!opts.refresh) el.innerHTML = '<p class="spinner">Loading…</p>';
  try {
    const mod = await import(page.module);
    const target = document.createElement('div');
    await mod.render(target, ctx);
    if (ctx.stale()) return;
    el.replaceChildren(...target.childNodes);
    if (mod.mounted) mod.mounted(el, ctx);
    if (state.firstRender) {
      state.firstRender = false;
      performance.mark('meshlens-first-page');
      window.__meshlensFirstPageMs = performance.now();
    }
  } catch (e) {
    if (ctx.stale()) return;
    if (e.status === 401) return;
    el.innerHTML = html`<div class="error-box">Could not load ${page.title}: ${e.message}</div>`.__raw;
  }
  if (!opts.refresh) startTimer();
}

window.addEventListener('hashchange', () => route());

async function boot() {
  const token = auth.token();
  if (!token) {
    showSignIn();
    return;
  }
  try {
    const s = await get('/api/v1/session', {}, { token, scope: '' });
    state.session = s.data;
    const names = s.data.tenants.map((t) => t.name);
    if (auth.scope() && !auth.scope().split('|').every((t) => names.includes(t))) auth.setScope('');
    renderShell();
    route();
  } catch (e) {
    auth.signOut();
    showSignIn(e.status === 401 ? "Your token is no longer accepted." : e.message);
  }
}

boot();
