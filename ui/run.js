// The run page: state, times, inputs and outputs, waiting gates, the step → node → attempt tree and the node
// drawer, kept live by the run's event stream. An event patches the node it names at once and asks for a fresh
// run document (one request at a time, at most two a second, less often when it is slow to get), which fills in
// durations, attempts and outputs.

import {api, can, seg} from './api.js';
import {h, fill, stateBadge, setBadge, time, duration, kvTable, errorBox, announce, FINAL_RUN} from './dom.js';
import {openStream} from './stream.js';
import {RunTree} from './tree.js';
import {GatesPanel} from './gates.js';
import {NodeDrawer} from './drawer.js';

const REFRESH_GAP_MS = 500;
const FEED_SIZE = 50;

export function runPage(main, runId, parts) {
  document.title = `${runId} · Sluice`;
  let run = null;
  let closed = false;
  let drawer = null;
  let views = new Map();
  const tree = new RunTree(runId);
  const gates = new GatesPanel(runId, () => refresh());
  const badge = stateBadge('pending');
  const live = h('span', {class: 'live-dot'}, 'connecting…');
  const summary = h('div', {class: 'summary'});
  const controls = h('div', {class: 'buttons'});
  const io = h('div', {class: 'io'});
  const feed = h('ol', {class: 'feed', 'aria-label': 'Latest events, newest first'});
  const status = h('div');
  const layout = h('div', {class: 'run-layout'});
  const content = h('div', {class: 'run-main'},
    h('div', {class: 'page-head'}, h('h1', {}, h('span', {class: 'muted'}, 'Run '), runId), badge, live),
    status, summary, controls, gates.element,
    h('section', {'aria-labelledby': 'tree-title'}, h('h2', {id: 'tree-title'}, 'Steps and tasks'), tree.element),
    io,
    h('details', {class: 'events'}, h('summary', {}, 'Latest events'), feed));
  layout.append(content);
  fill(main, h('p', {}, h('a', {href: '#/runs'}, '← All runs')), layout);

  let inFlight = false, dirty = false, lastStart = 0, lastCost = 0, timer = null;
  /**
   * Asks for a fresh run document: coalesced, one request at a time, spaced by REFRESH_GAP_MS or twice what the
   * last one cost (up to 5 s), so a huge run under a burst of events does not keep its server busy with reads.
   */
  function refresh() {
    if (closed) return;
    if (inFlight || timer) { dirty = true; return; }
    const gap = Math.min(Math.max(REFRESH_GAP_MS, 2 * lastCost), 5000);
    const wait = Math.max(0, lastStart + gap - performance.now());
    timer = setTimeout(load, wait);
  }

  async function load() {
    timer = null;
    inFlight = true;
    dirty = false;
    lastStart = performance.now();
    try {
      const next = await api(`/api/v1/runs/${seg(runId)}`);
      if (closed) return;
      const first = run === null;
      run = next;
      draw(first);
      fill(status);
    } catch (err) {
      if (!closed) fill(status, errorBox(err));
    } finally {
      lastCost = performance.now() - lastStart;
      inFlight = false;
      if (dirty && !closed) refresh();
    }
  }

  function draw(first) {
    const t0 = performance.now();
    setBadge(badge, run.state);
    fill(summary, h('dl', {class: 'facts'},
      h('dt', {}, 'Flow'), h('dd', {}, run.flow),
      h('dt', {}, 'Created'), h('dd', {}, time(run.created)),
      run.started ? [h('dt', {}, 'Started'), h('dd', {}, time(run.started))] : null,
      run.finished ? [h('dt', {}, 'Finished'), h('dd', {}, time(run.finished))] : null,
      run.duration_ms !== undefined && run.duration_ms !== null ? [h('dt', {}, 'Duration'), h('dd', {}, duration(run.duration_ms), run.finished ? '' : ' so far')] : null,
      run.labels ? [h('dt', {}, 'Labels'), h('dd', {}, Object.entries(run.labels).map(([k, v]) => h('span', {class: 'chip'}, `${k}=${v}`)))] : null,
      run.aborted_by ? [h('dt', {}, 'Aborted by'), h('dd', {}, run.aborted_by)] : null),
      run.error ? h('p', {class: 'error-text', role: 'alert'}, run.error) : null);
    drawControls();
    fill(io, h('section', {'aria-label': 'Inputs'}, kvTable(run.inputs, 'Inputs')),
      h('section', {'aria-label': 'Outputs'}, run.outputs ? kvTable(run.outputs, 'Outputs') : h('p', {class: 'muted'}, 'No outputs yet.')));
    tree.update(run);
    views = new Map();
    const walk = (nodes) => { for (const n of nodes) { views.set(n.id, n); walk(n.children); } };
    walk(run.nodes);
    gates.update(run);
    if (drawer) drawer.update(views.get(drawer.nodeId) || null);
    performance.measure(first ? 'sluice:run-first-render' : 'sluice:run-refresh', {start: t0, end: performance.now()});
    if (first) document.body.dataset.runRendered = runId;
    if (FINAL_RUN.has(run.state)) announce(`Run ${runId} ${run.state}`);
  }

  let controlsSig = null;
  function drawControls() {
    const sig = `${run.state}`;
    if (sig === controlsSig) return;
    controlsSig = sig;
    fill(controls);
    if (!can('operator')) return;
    if (!FINAL_RUN.has(run.state)) {
      const reason = h('input', {id: 'abort-reason', type: 'text', placeholder: 'why (optional)'});
      const result = h('span', {role: 'status', class: 'small'});
      const form = h('form', {class: 'inline'}, h('label', {for: 'abort-reason'}, 'Abort reason'), reason,
        h('button', {type: 'submit', class: 'danger'}, 'Abort run'), result);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          await api(`/api/v1/runs/${seg(runId)}/abort`, {method: 'POST', body: reason.value.trim() ? {reason: reason.value.trim()} : {}});
          fill(result, 'Abort requested.');
        } catch (err) { fill(result, errorBox(err)); }
      });
      controls.append(form);
    } else if (run.state !== 'succeeded') {
      const result = h('span', {role: 'status', class: 'small'});
      controls.append(h('button', {type: 'button', onclick: async () => {
        try {
          const r = await api(`/api/v1/runs/${seg(runId)}/retry`, {method: 'POST', body: {}});
          location.hash = `#/runs/${seg(r.run)}`;
        } catch (err) { fill(result, errorBox(err)); }
      }}, 'Retry run'), result);
    }
  }

  let applied = 0;
  let sawEnd = false;
  function onEvents(events) {
    const t0 = performance.now();
    let drawerNews = false;
    for (const e of events) {
      if (tree.applyEvent(e) && drawer && e.node === drawer.nodeId && e.kind === 'progress') drawerNews = true;
      if (e.kind.startsWith('run-') && FINAL_RUN.has(e.kind.slice(4))) { setBadge(badge, e.kind.slice(4)); sawEnd = true; }
    }
    const recent = events.slice(-FEED_SIZE).reverse().map((e) => h('li', {dataset: {seq: e.seq}},
      h('time', {datetime: e.time, class: 'muted small'}, new Date(e.time).toLocaleTimeString()), ' ',
      h('span', {class: 'chip'}, e.kind), e.node ? ` ${e.node}` : '', ` ${e.message}`));
    if (drawerNews) drawer.update(tree.viewOf(drawer.nodeId) || null);
    feed.prepend(...recent);
    while (feed.childElementCount > FEED_SIZE) feed.lastElementChild.remove();
    applied += events.length;
    document.body.dataset.eventsApplied = String(applied);
    document.body.dataset.lastEventId = String(events.at(-1).seq);
    performance.measure('sluice:events', {start: t0, end: performance.now(), detail: {count: events.length, last: events.at(-1).seq}});
    refresh();
  }

  const stream = openStream(`/api/v1/runs/${seg(runId)}/events/stream`, {
    onEvents,
    // The stream ends when the run has finished and every event was sent; otherwise it is resumed.
    shouldResume: () => !closed && !sawEnd && !(run && FINAL_RUN.has(run.state)),
    onStatus: (s) => { live.textContent = s === 'live' ? '● live' : s === 'ended' ? 'finished' : s; },
    onEnd: () => refresh(),
    onError: (err) => { live.textContent = 'not live'; fill(status, errorBox(err)); },
  });

  function openDrawer(parts) {
    const nodeId = parts[2] === 'nodes' && parts.length > 3 ? parts.slice(3).join('/') : null;
    if (drawer && drawer.nodeId === nodeId) return;
    if (drawer) {
      const closing = drawer.nodeId;
      drawer.close();
      drawer.element.remove();
      drawer = null;
      // Back to the node's link, so a keyboard user continues where the drawer was opened.
      const link = [...tree.element.querySelectorAll('a.node-id')].find((a) => a.textContent === closing);
      if (link && !nodeId) link.focus();
    }
    layout.classList.toggle('with-drawer', Boolean(nodeId));
    if (!nodeId) return;
    drawer = new NodeDrawer(runId, nodeId, () => { location.hash = `#/runs/${seg(runId)}`; });
    layout.append(drawer.element);
    if (run) drawer.update(views.get(nodeId) || null);
    drawer.element.focus();
  }

  load();
  openDrawer(parts);
  return {
    update: openDrawer,
    close() {
      closed = true;
      clearTimeout(timer);
      stream.close();
      if (drawer) drawer.close();
    },
  };
}
