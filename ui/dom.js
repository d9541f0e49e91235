// Small DOM and formatting helpers shared by every page. Elements are built with h() and text nodes only:
// nothing the server sends is ever parsed as HTML.

/** Builds an element: h('a', {href: '#/runs', class: 'x'}, 'text', child). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'disabled' || k === 'hidden' || k === 'open' || k === 'selected') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Node-state symbols: a shape as well as a colour, so state never rests on colour alone. */
const ICONS = {
  succeeded: '✓', failed: '✗', 'timed-out': '◷', 'revert-failed': '✗', aborted: '■', running: '▶',
  queued: '…', waiting: '‖', pending: '○', skipped: '↷', reverting: '↺', reverted: '↺', cancelled: '■', lost: '?',
};

/** A state badge: symbol and word, coloured by CSS class. */
export function stateBadge(state) {
  return h('span', {class: `state s-${state}`}, h('span', {class: 'icon', 'aria-hidden': 'true'}, ICONS[state] || '•'), ' ', state);
}

/** Updates an existing badge in place. */
export function setBadge(el, state) {
  el.className = `state s-${state}`;
  el.firstChild.textContent = ICONS[state] || '•';
  el.lastChild.textContent = state;
}

export const FINAL_RUN = new Set(['succeeded', 'failed', 'aborted', 'timed-out', 'reverted', 'revert-failed']);

/** 1234 ms → "1.2 s", 75000 → "1 m 15 s". */
export function duration(ms) {
  if (ms === undefined || ms === null) return '';
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} m`;
}

/** An ISO time as local date and time, with the exact value in a tooltip. */
export function time(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return h('time', {datetime: iso, title: iso}, d.toLocaleString());
}

export function bytes(n) {
  if (n === undefined || n === null) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** A JSON value shown as text (strings bare, everything else as JSON). */
export function valueText(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A two-column table of a JSON object's keys and values. */
export function kvTable(obj, caption) {
  const keys = Object.keys(obj || {}).sort();
  if (!keys.length) return h('p', {class: 'muted'}, `No ${caption.toLowerCase()}.`);
  return h('table', {class: 'kv'}, h('caption', {}, caption),
    h('tbody', {}, keys.map((k) => h('tr', {}, h('th', {scope: 'row'}, k), h('td', {}, h('code', {}, valueText(obj[k])))))));
}

/** Says something to screen readers (and nothing on screen). */
export function announce(text) {
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

/** An error box with the API's message. */
export function errorBox(err) {
  return h('p', {class: 'error', role: 'alert'}, err && err.message ? err.message : String(err));
}
