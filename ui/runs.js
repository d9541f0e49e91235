// The runs list: filters by state, flow and label (server-side), search within the page, cursor paging, and
// live updates from the server-wide event stream (a run's state events refresh the page; no polling).

import {api, seg} from './api.js';
import {h, fill, stateBadge, time, duration, errorBox, announce} from './dom.js';
import {openStream} from './stream.js';

const STATES = ['queued', 'running', 'waiting', 'succeeded', 'failed', 'aborted', 'timed-out', 'reverted', 'revert-failed'];
const PAGE = 25;

export function runsPage(main) {
  document.title = 'Runs · Sluice';
  const filters = {state: '', flow: '', labels: '', search: ''};
  const cursors = [null];  // cursors[i] opens page i
  let pageIndex = 0;
  let next = null;
  let rows = [];
  let closed = false;

  const stateSelect = h('select', {id: 'f-state', name: 'state'}, h('option', {value: ''}, 'any'), STATES.map((s) => h('option', {value: s}, s)));
  const flowInput = h('input', {id: 'f-flow', name: 'flow', type: 'text', autocomplete: 'off'});
  const labelInput = h('input', {id: 'f-label', name: 'label', type: 'text', autocomplete: 'off', placeholder: 'team=ml, env=prod'});
  const searchInput = h('input', {id: 'f-search', name: 'search', type: 'search', autocomplete: 'off'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter runs'},
    h('div', {class: 'field'}, h('label', {for: 'f-state'}, 'State'), stateSelect),
    h('div', {class: 'field'}, h('label', {for: 'f-flow'}, 'Flow'), flowInput),
    h('div', {class: 'field'}, h('label', {for: 'f-label'}, 'Labels'), labelInput),
    h('div', {class: 'field'}, h('label', {for: 'f-search'}, 'Search this page'), searchInput),
    h('button', {type: 'submit'}, 'Apply'));
  const status = h('div', {class: 'status'});
  const body = h('tbody');
  const table = h('div', {class: 'scroll'}, h('table', {class: 'runs'},
    h('caption', {class: 'visually-hidden'}, 'Runs, newest first'),
    h('thead', {}, h('tr', {}, ['Run', 'Flow', 'State', 'Labels', 'Created', 'Duration'].map((c) => h('th', {scope: 'col'}, c)))),
    body));
  const prev = h('button', {type: 'button', disabled: true}, '← Newer');
  const more = h('button', {type: 'button', disabled: true}, 'Older →');
  const pageLabel = h('span', {class: 'muted'});
  const live = h('span', {class: 'live-dot', title: 'live updates'}, 'connecting…');
  fill(main, h('div', {class: 'page-head'}, h('h1', {}, 'Runs'), live), form, status, table, h('nav', {class: 'pager', 'aria-label': 'Pages'}, prev, pageLabel, more));

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const search = searchInput.value.trim();
    const changed = filters.state !== stateSelect.value || filters.flow !== flowInput.value.trim() || filters.labels !== labelInput.value.trim();
    Object.assign(filters, {state: stateSelect.value, flow: flowInput.value.trim(), labels: labelInput.value.trim(), search});
    if (changed) { cursors.length = 1; pageIndex = 0; load(); } else render();
  });
  searchInput.addEventListener('input', () => { filters.search = searchInput.value.trim(); render(); });
  prev.addEventListener('click', () => { if (pageIndex > 0) { pageIndex--; load(); } });
  more.addEventListener('click', () => { if (next) { cursors[pageIndex + 1] = next; pageIndex++; load(); } });

  let loading = null, again = false;
  async function load() {
    if (loading) { again = true; return loading; }
    loading = (async () => {
      const q = new URLSearchParams({limit: String(PAGE)});
      if (filters.state) q.set('state', filters.state);
      if (filters.flow) q.set('flow', filters.flow);
      for (const l of filters.labels.split(',').map((s) => s.trim()).filter(Boolean)) q.append('label', l);
      if (cursors[pageIndex]) q.set('cursor', cursors[pageIndex]);
      try {
        const page = await api(`/api/v1/runs?${q}`);
        if (closed) return;
        rows = page.runs;
        next = page.next_cursor || null;
        fill(status);
        render();
      } catch (err) {
        if (!closed) fill(status, errorBox(err));
      }
    })();
    await loading;
    loading = null;
    if (again && !closed) { again = false; load(); }
  }

  function render() {
    const term = filters.search.toLowerCase();
    const shown = term ? rows.filter((r) => [r.id, r.flow, r.flow_version, r.state, r.error, ...Object.entries(r.labels || {}).map(([k, v]) => `${k}=${v}`)]
      .some((s) => s && String(s).toLowerCase().includes(term))) : rows;
    fill(body, shown.length ? shown.map(row) : h('tr', {}, h('td', {colspan: 6, class: 'muted'}, rows.length ? 'No run on this page matches the search.' : 'No runs.')));
    prev.disabled = pageIndex === 0;
    more.disabled = !next;
    pageLabel.textContent = `page ${pageIndex + 1}`;
    announce(`${shown.length} runs shown`);
  }

  function row(r) {
    const ms = r.started ? (r.finished ? Date.parse(r.finished) : Date.now()) - Date.parse(r.started) : null;
    return h('tr', {dataset: {run: r.id}},
      h('td', {}, h('a', {href: `#/runs/${seg(r.id)}`}, r.id)),
      h('td', {}, r.flow, r.flow_version ? h('span', {class: 'muted'}, ` v${r.flow_version}`) : null),
      h('td', {}, stateBadge(r.state), r.error ? h('div', {class: 'small error-text'}, r.error) : null),
      h('td', {}, Object.entries(r.labels || {}).map(([k, v]) => h('span', {class: 'chip'}, `${k}=${v}`))),
      h('td', {}, time(r.created)),
      h('td', {}, ms === null ? '' : duration(ms) + (r.finished ? '' : ' so far')));
  }

  // Live: any run's start or end refreshes the page on screen (coalesced: one request at a time).
  const stream = openStream('/api/v1/events/stream', {
    shouldResume: () => !closed,
    onStatus: (s) => { live.textContent = s === 'live' ? '● live' : s; },
    onEvents: (events) => {
      if (events.some((e) => e.kind.startsWith('run-'))) load();
    },
    onError: (err) => { live.textContent = `not live: ${err.message}`; },
  });

  load();
  return {close() { closed = true; stream.close(); }};
}
