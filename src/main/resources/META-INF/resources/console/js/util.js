// Small helpers shared by the pages: HTML escaping, number formats, SVG sparklines.

const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML; every value from the APIs goes through this. */
export function esc(v) {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Tagged template: interpolated values are escaped unless wrapped with raw(). */
export function html(strings, ...values) {
  let out = '';
  strings.forEach((s, i) => {
    out += s;
    if (i < values.length) {
      const v = values[i];
      if (v && v.__raw !== undefined) out += v.__raw;
      else if (Array.isArray(v)) out += v.map((x) => (x && x.__raw !== undefined ? x.__raw : esc(x))).join('');
      else out += esc(v);
    }
  });
  return { __raw: out };
}

export function raw(s) {
  return { __raw: s };
}

export function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toFixed(1) + 'G';
  if (a >= 1e6) return (v / 1e6).toFixed(1) + 'M';
  if (a >= 1e4) return (v / 1e3).toFixed(1) + 'k';
  if (a >= 100) return v.toFixed(0);
  return v.toFixed(digits).replace(/\.?0+$/, '') || '0';
}

export function rate(v) {
  return v === null || v === undefined ? '–' : num(v, v < 1 ? 3 : 2) + '/s';
}

export function pct(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  return (v * 100).toFixed(v > 0 && v < 0.001 ? 2 : digits) + '%';
}

export function ms(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
  if (v >= 10) return v.toFixed(0) + ' ms';
  return v.toFixed(1) + ' ms';
}

export function bytes(v) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (Math.abs(v) >= 1024 && i < u.length - 1) {
    v /= 1024;
    i++;
  }
  return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
}

export function cores(v) {
  return v === null || v === undefined ? '–' : num(v, 2) + ' cores';
}

export function time(msEpoch) {
  const d = new Date(msEpoch);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Colour class for an error rate: ok below 1%, warn below 5%, bad above. */
export function errClass(r) {
  if (r === null || r === undefined) return '';
  return r >= 0.05 ? 'bad' : r >= 0.01 ? 'warn' : 'ok';
}

export const ERR_COLOURS = { ok: '#1e9e5a', warn: '#d98c0b', bad: '#d6383b', '': '#8793a3' };

/** A sparkline of [t, v] points as an SVG string, filled below the line. */
export function sparkline(points, colour = '#2f6fde') {
  const w = 300;
  const h = 46;
  const pts = points.filter((p) => Number.isFinite(p[1]));
  if (pts.length < 2) return `<svg class="spark" viewBox="0 0 ${w} ${h}"></svg>`;
  const t0 = pts[0][0];
  const t1 = pts[pts.length - 1][0];
  let max = Math.max(...pts.map((p) => p[1]));
  if (max <= 0) max = 1;
  const x = (t) => ((t - t0) / (t1 - t0 || 1)) * w;
  const y = (v) => h - 3 - (v / max) * (h - 8);
  const line = pts.map((p, i) => `${i ? 'L' : 'M'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join('');
  const area = `${line}L${w},${h}L0,${h}Z`;
  return `<svg class="spark" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none">
    <path d="${area}" fill="${colour}" opacity=".12"/>
    <path d="${line}" fill="none" stroke="${colour}" stroke-width="1.6" vector-effect="non-scaling-stroke"/></svg>`;
}

/** A horizontal usage bar: used against limit. */
export function usageBar(used, limit, text) {
  if (limit === null || limit === undefined || !(limit > 0)) {
    return `<span class="nolimit">${esc(text)} <span class="muted">· no limit</span></span>`;
  }
  const share = used / limit;
  const cls = share >= 0.9 ? 'bad' : share >= 0.75 ? 'warn' : '';
  const width = Math.min(100, Math.max(0, share * 100));
  return `<div class="bar-cell"><div class="bar ${cls}" title="${esc(pct(share))}"><span style="width:${width.toFixed(1)}%"></span></div>
    <span class="txt">${esc(text)} · ${esc(pct(share, 0))}</span></div>`;
}
