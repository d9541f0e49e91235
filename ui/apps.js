// The apps page: every deployed app with its state, replicas (wanted and healthy), restarts, endpoint and last
// error, and each replica's state. Apps have no event stream: the page shows what was true when it loaded and
// reloads on request.

import {api} from './api.js';
import {h, fill, stateBadge, time, errorBox} from './dom.js';

export function appsPage(main) {
  document.title = 'Apps · Sluice';
  let closed = false;
  const status = h('div');
  const list = h('div');
  const reload = h('button', {type: 'button'}, 'Reload');
  fill(main, h('div', {class: 'page-head'}, h('h1', {}, 'Apps'), reload), status, list);

  async function load() {
    try {
      const page = await api('/api/v1/apps');
      if (closed) return;
      fill(status);
      fill(list, page.apps.length ? page.apps.map(card) : h('p', {class: 'muted'}, 'No apps are deployed.'));
    } catch (err) { if (!closed) fill(status, errorBox(err)); }
  }

  function card(a) {
    return h('article', {class: 'app', 'aria-label': `App ${a.name}`},
      h('h2', {}, a.name, ' ', stateBadge(a.state)),
      h('dl', {class: 'facts'},
        h('dt', {}, 'Replicas'), h('dd', {}, `${a.healthy} healthy of ${a.replicas}${a.running ? '' : ' (stopped)'}`),
        h('dt', {}, 'Restarts'), h('dd', {}, String(a.restarts)),
        h('dt', {}, 'Endpoint'), h('dd', {}, a.endpoint ? h('a', {href: a.endpoint}, a.endpoint) : '—', a.public ? ' (public)' : ' (needs a token)'),
        a.last_error ? [h('dt', {}, 'Last error'), h('dd', {class: 'error-text'}, a.last_error)] : null),
      a.replica_states.length ? h('div', {class: 'scroll'}, h('table', {},
        h('caption', {}, 'Replicas'),
        h('thead', {}, h('tr', {}, ['#', 'State', 'Process', 'Port', 'Restarts', 'Healthy since', 'Last exit'].map((c) => h('th', {scope: 'col'}, c)))),
        h('tbody', {}, a.replica_states.map((r) => h('tr', {},
          h('td', {}, r.index), h('td', {}, stateBadge(r.state)), h('td', {}, r.pid ?? ''), h('td', {}, r.port ?? ''),
          h('td', {}, r.restarts), h('td', {}, time(r.healthy_since)), h('td', {}, r.last_exit || '')))))) : null);
  }

  reload.addEventListener('click', load);
  load();
  return {close() { closed = true; }};
}
