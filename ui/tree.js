// The run tree: steps, their nodes, nested children (branch cases, subflow nodes) and every attempt that failed
// before a retry. Map nodes are collapsed to counts by state, their items listed failed first on request. Rows
// are patched in place when a node changes, so a refresh of a 10,000-node run redraws only what changed.

import {h, fill, stateBadge, setBadge, duration, valueText} from './dom.js';
import {seg} from './api.js';

/** The order map items are listed in: what needs attention first. */
const ATTENTION = ['failed', 'timed-out', 'revert-failed', 'aborted', 'running', 'queued', 'waiting', 'reverting', 'pending', 'reverted', 'skipped', 'succeeded'];
const rank = (s) => { const i = ATTENTION.indexOf(s); return i < 0 ? ATTENTION.length : i; };
const ITEMS_AT_ONCE = 200;

export class RunTree {
  constructor(runId) {
    this.runId = runId;
    this.records = new Map();  // node id → {view, li, head, sig, children}
    this.element = h('div', {class: 'tree'});
    this.stepSections = new Map();
  }

  /** Draws or patches the tree for a new run document. */
  update(run) {
    const steps = run.steps && run.steps.length ? run.steps : [{name: '', state: run.state, nodes: run.nodes}];
    const inSteps = new Set(steps.flatMap((s) => s.nodes.map((n) => n.id)));
    const extra = run.nodes.filter((n) => !inSteps.has(n.id));  // a failure node runs outside the steps
    const all = extra.length ? [...steps, {name: 'On failure', state: extra[0].state, nodes: extra}] : steps;
    all.forEach((step, i) => {
      const key = step.name || `#${i}`;
      let section = this.stepSections.get(key);
      if (!section) {
        const title = step.name ? h('h3', {class: 'step-title'}, stateBadge(step.state), ' ', step.name) : null;
        const list = h('ul', {class: 'nodes'});
        section = {el: h('section', {class: 'step', 'aria-label': step.name ? `Step ${step.name}` : 'Nodes'}, title, list), title, list};
        this.stepSections.set(key, section);
        this.element.append(section.el);
      }
      if (section.title) setBadge(section.title.firstChild, step.state);
      this.patchList(section.list, step.nodes);
    });
  }

  patchList(list, views) {
    for (const view of views) {
      const record = this.records.get(view.id);
      if (record) this.patch(record, view);
      else list.append(this.render(view));
    }
  }

  render(view) {
    const record = {view: null, li: h('li', {class: 'node', dataset: {node: view.id}}), head: null, sig: '', children: null, map: null};
    this.records.set(view.id, record);
    this.patch(record, view);
    return record.li;
  }

  patch(record, view) {
    // A running or waiting node's duration changes at every refresh: it is updated in place, and only a change
    // of anything else redraws the row (10,000 waiting gates would otherwise be redrawn every time).
    const {children, duration_ms: ms, ...own} = view;
    const sig = JSON.stringify(own);
    const isMap = view.kind === 'map';
    if (sig !== record.sig) {
      record.sig = sig;
      const head = this.head(view, isMap);
      if (record.head) record.head.replaceWith(head); else record.li.prepend(head);
      record.head = head;
    } else if (ms !== record.view.duration_ms) {
      const dur = record.head.querySelector('.dur');
      if (dur) dur.textContent = duration(ms);
    }
    record.view = view;
    if (!children.length) return;
    if (isMap) return this.patchMap(record, children);
    if (!record.children) {
      record.children = h('ul', {class: 'nodes children'});
      record.li.append(record.children);
    }
    this.patchList(record.children, children);
  }

  /** A node's own lines: state, name, kind, duration, progress, message, metrics, retries and error. */
  head(v, isMap) {
    const retried = v.attempts.filter((a) => a.purpose === 'run' && a.state !== 'succeeded' && a.state !== 'running' && a.state !== 'queued');
    const last = v.attempts.filter((a) => a.purpose === 'run').at(-1);
    return h('div', {class: 'node-head'},
      h('div', {class: 'row'},
        stateBadge(v.state),
        h('a', {class: 'node-id', href: `#/runs/${seg(this.runId)}/nodes/${seg(v.id)}`, 'aria-label': `${v.id}, ${v.kind}, ${v.state}: details`}, v.id),
        h('span', {class: 'kind'}, isMap ? 'map' : v.kind),
        v.duration_ms !== undefined && v.duration_ms !== null ? h('span', {class: 'dur'}, duration(v.duration_ms)) : null,
        last && last.number > 1 ? h('span', {class: 'chip'}, `attempt ${last.number}`) : null,
        v.cache_hit_from ? h('span', {class: 'chip'}, `cached from ${v.cache_hit_from}`) : null,
        v.gate && v.gate.waits_for ? h('span', {class: 'chip warn'}, `waits for ${v.gate.waits_for}${v.gate.signal ? ` '${v.gate.signal}' (${v.gate.type})` : ''}`) : null,
        v.gate && v.gate.approved !== undefined && v.gate.approved !== null
          ? h('span', {class: 'chip'}, `${v.gate.approved ? 'approved' : 'rejected'} by ${v.gate.by || '?'}${v.gate.comment ? `: ${v.gate.comment}` : ''}`) : null),
      v.progress !== undefined && v.progress !== null || v.message || v.metrics ? h('div', {class: 'row progress-row'},
        v.progress !== undefined && v.progress !== null ? h('progress', {max: 1, value: v.progress, 'aria-label': `${v.id} progress`}, `${Math.round(v.progress * 100)}%`) : null,
        v.progress !== undefined && v.progress !== null ? h('span', {class: 'small'}, `${Math.round(v.progress * 100)}%`) : null,
        v.message ? h('span', {class: 'small'}, v.message) : null,
        v.metrics ? Object.entries(v.metrics).map(([k, n]) => h('span', {class: 'chip'}, `${k} ${n}`)) : null) : null,
      v.note ? h('div', {class: 'small muted'}, v.note) : null,
      retried.length ? h('ul', {class: 'retries', 'aria-label': `Earlier attempts of ${v.id}`},
        retried.map((a) => h('li', {}, stateBadge(a.state), ` attempt ${a.number}`, a.error ? `: ${a.error}` : ''))) : null,
      v.error ? h('div', {class: 'error-text small'}, v.error) : null,
      v.outputs && Object.keys(v.outputs).length && !isMap ? h('div', {class: 'small muted outputs'},
        Object.entries(v.outputs).map(([k, val]) => h('span', {class: 'out'}, `${k} = ${truncate(valueText(val))}`))) : null);
  }

  /** A map node: counts by state, and on request its items, failed first, a page at a time. */
  patchMap(record, items) {
    if (!record.map) {
      const counts = h('span', {class: 'counts'});
      const list = h('ul', {class: 'nodes children'});
      const moreButton = h('button', {type: 'button', class: 'link'});
      const details = h('details', {class: 'items'}, h('summary', {}, counts), list, moreButton);
      record.map = {details, counts, list, moreButton, shown: ITEMS_AT_ONCE, items};
      details.addEventListener('toggle', () => { if (details.open) this.drawItems(record.map); });
      moreButton.addEventListener('click', () => { record.map.shown += ITEMS_AT_ONCE; this.drawItems(record.map); });
      record.li.append(details);
    }
    const m = record.map;
    m.items = items;
    const byState = new Map();
    for (const it of items) byState.set(it.state, (byState.get(it.state) || 0) + 1);
    fill(m.counts, `${items.length} item${items.length === 1 ? '' : 's'}: `,
      [...byState.entries()].sort((a, b) => rank(a[0]) - rank(b[0])).map(([s, n]) => h('span', {class: 'count'}, stateBadge(s), ` ${n}`)));
    if (m.details.open) this.drawItems(m);
  }

  drawItems(m) {
    const sorted = [...m.items].sort((a, b) => rank(a.state) - rank(b.state));
    const shown = sorted.slice(0, m.shown);
    // Items keep their records; the list is re-ordered so failed items stay on top.
    m.list.replaceChildren(...shown.map((v) => {
      const r = this.records.get(v.id);
      if (r) { this.patch(r, v); return r.li; }
      return this.render(v);
    }));
    m.moreButton.hidden = sorted.length <= m.shown;
    m.moreButton.textContent = `Show ${Math.min(ITEMS_AT_ONCE, sorted.length - m.shown)} more of ${sorted.length - m.shown}`;
  }

  /** The latest view of a drawn node (patched by events between refreshes), or undefined. */
  viewOf(id) { const r = this.records.get(id); return r ? r.view : undefined; }

  /**
   * Applies a `node-STATE` event before the next refresh shows the rest, and a `progress` event whole: the
   * node's progress bar, latest message and metrics change at once, without waiting for a refresh.
   */
  applyEvent(e) {
    if (!e.node) return false;
    const r = this.records.get(e.node);
    if (!r || !r.head) return false;
    if (e.kind === 'progress' && e.progress) {
      const p = e.progress;
      this.patch(r, {...r.view, progress: p.fraction ?? undefined, message: p.message ?? undefined, metrics: p.metrics ?? undefined});
      return true;
    }
    let state = null;
    if (e.kind.startsWith('node-')) state = e.kind.slice(5);
    else if (e.kind === 'attempt-started') state = 'running';
    if (!state) return false;
    setBadge(r.head.querySelector('.state'), state);
    r.sig = '';  // the next refresh redraws the row, whatever order the event and the refresh came in
    return true;
  }
}

function truncate(s) { return s.length > 120 ? s.slice(0, 117) + '…' : s; }
