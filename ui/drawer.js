// The node drawer: a node's details, its attempt history (state, times, exit, resource use, error), where the chosen
// attempt ran (process, container or pod, and on Kubernetes the Events that say why a pod waits) and its logs,
// tailing live while the attempt runs. It opens at #/runs/RUN/nodes/NODE and closes with Escape or its button.

import {api, seg} from './api.js';
import {h, fill, stateBadge, time, duration, bytes, kvTable, valueText, errorBox} from './dom.js';
import {followText} from './stream.js';

const LOG_LIMIT = 512 * 1024;  // characters kept on screen; older text is dropped from the top

export class NodeDrawer {
  constructor(runId, nodeId, onClose) {
    this.runId = runId;
    this.nodeId = nodeId;
    this.sig = null;
    this.log = null;
    this.logKey = null;
    this.details = h('div');
    this.where = h('section', {class: 'where', 'aria-labelledby': 'where-title', hidden: true});
    this.whereKey = null;
    this.whereAsk = 0;
    this.attemptSelect = h('select', {id: 'log-attempt'});
    this.streamSelect = h('select', {id: 'log-stream'}, h('option', {value: 'stdout'}, 'stdout'), h('option', {value: 'stderr'}, 'stderr'));
    this.logState = h('span', {class: 'small muted', role: 'status'});
    this.pre = h('pre', {class: 'log', tabindex: '0', role: 'log', 'aria-label': `Log of ${nodeId}`});
    this.logSection = h('section', {'aria-labelledby': 'log-title'},
      h('h3', {id: 'log-title'}, 'Log'),
      h('div', {class: 'log-controls'},
        h('label', {for: 'log-attempt'}, 'Attempt'), this.attemptSelect,
        h('label', {for: 'log-stream'}, 'Stream'), this.streamSelect, this.logState),
      this.pre);
    const close = h('button', {type: 'button', class: 'close', 'aria-label': 'Close details'}, '✕');
    close.addEventListener('click', onClose);
    this.element = h('aside', {class: 'drawer', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'drawer-title', tabindex: '-1'},
      h('div', {class: 'drawer-head'}, h('h2', {id: 'drawer-title'}, nodeId), close),
      this.details, this.where, this.logSection);
    this.element.addEventListener('keydown', (e) => { if (e.key === 'Escape') onClose(); });
    this.attemptSelect.addEventListener('change', () => { this.openLog(true); this.loadWhere(); });
    this.streamSelect.addEventListener('change', () => this.openLog(true));
  }

  /** Redraws for the node's current view (nil while the run has not made it yet). */
  update(view) {
    if (!view) {
      fill(this.details, h('p', {class: 'muted'}, 'This node has not started yet.'));
      this.logSection.hidden = true;
      this.where.hidden = true;
      return;
    }
    const {children, ...own} = view;
    const sig = JSON.stringify(own);
    if (sig === this.sig) return;
    this.sig = sig;
    this.view = view;
    fill(this.details,
      h('p', {}, stateBadge(view.state), ' ', h('span', {class: 'kind'}, view.kind), view.step ? h('span', {class: 'muted'}, ` in step ${view.step}`) : null),
      h('dl', {class: 'facts'},
        fact('Started', time(view.started)), fact('Finished', time(view.finished)), fact('Duration', duration(view.duration_ms)),
        fact('Progress', view.progress !== undefined && view.progress !== null ? `${Math.round(view.progress * 100)}%` : ''),
        fact('Message', view.message), fact('Note', view.note), fact('Cached from', view.cache_hit_from),
        view.gate ? fact('Gate', gateText(view.gate)) : null),
      view.metrics ? kvTable(view.metrics, 'Metrics') : null,
      view.error ? h('p', {class: 'error-text'}, view.error) : null,
      view.outputs ? kvTable(view.outputs, 'Outputs') : null,
      this.attempts(view));
    const runs = view.attempts.filter((a) => a.purpose === 'run');
    this.logSection.hidden = runs.length === 0;
    const chosen = this.attemptSelect.value;
    const followLatest = !chosen || chosen === String(this.latest);
    this.latest = runs.length ? runs.at(-1).number : null;
    fill(this.attemptSelect, runs.map((a) => h('option', {value: String(a.number)}, `${a.number} (${a.state})`)));
    if (runs.length) this.attemptSelect.value = followLatest ? String(this.latest) : chosen;
    this.openLog(false);
    this.loadWhere();
  }

  /**
   * Asks for where the chosen attempt runs (GET .../attempts/N) when its state changes (a pid, container or pod
   * node appears as it starts) and, while it waits, when the node's message changes: a pending pod's warning
   * Events (FailedScheduling, BackOff) are reported as that message. A running task's progress asks nothing.
   */
  async loadWhere() {
    const number = this.attemptSelect.value;
    if (!number) { this.where.hidden = true; return; }
    const attempt = this.view.attempts.find((a) => a.purpose === 'run' && String(a.number) === number);
    const waiting = attempt && attempt.state === 'queued';
    const key = `${number}/${attempt ? attempt.state : ''}/${waiting ? this.view.message || '' : ''}`;
    if (key === this.whereKey) return;
    this.whereKey = key;
    const ask = ++this.whereAsk;
    try {
      const d = await api(`/api/v1/runs/${seg(this.runId)}/nodes/${seg(this.nodeId)}/attempts/${seg(number)}`);
      if (ask !== this.whereAsk) return;
      this.drawWhere(d, attempt);
    } catch (err) {
      if (ask !== this.whereAsk) return;
      this.whereKey = null;
      fill(this.where, h('h3', {id: 'where-title'}, `Where attempt ${number} runs`), errorBox(err));
      this.where.hidden = false;
    }
  }

  drawWhere(d, attempt) {
    const ran = attempt && attempt.state !== 'queued' && attempt.state !== 'running';
    const facts = [fact('Backend', d.backend)];
    if (d.process) facts.push(fact('Process id', String(d.process.pid)));
    if (d.container) facts.push(fact('Container', d.container.name), fact('Container id', d.container.id ? d.container.id.slice(0, 12) : ''), fact('Image', d.container.image));
    if (d.pod) facts.push(fact('Pod', d.pod.name), fact('Namespace', d.pod.namespace), fact('Node', d.pod.node || 'not scheduled yet'));
    facts.push(fact('Folder', d.folder ? h('code', {}, d.folder) : ''));
    const events = d.events ? h('div', {class: 'scroll'}, h('table', {class: 'pod-events'},
      h('caption', {}, 'Kubernetes events of the pod'),
      h('thead', {}, h('tr', {}, ['Time', 'Type', 'Reason', 'Message'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, d.events.length ? d.events.map((e) => h('tr', {class: e.type === 'Warning' ? 'warning' : ''},
        h('td', {}, time(e.time)), h('td', {}, e.type), h('td', {}, e.reason),
        h('td', {}, e.message, e.count > 1 ? h('span', {class: 'muted small'}, ` (×${e.count})`) : null)))
        : h('tr', {}, h('td', {colspan: 4, class: 'muted'}, 'No events yet.'))))) : null;
    fill(this.where, h('h3', {id: 'where-title'}, `Where attempt ${d.number} ${ran ? 'ran' : 'runs'}`),
      h('dl', {class: 'facts', id: 'attempt-where'}, facts), events);
    this.where.hidden = false;
  }

  attempts(view) {
    if (!view.attempts.length) return null;
    return h('div', {class: 'scroll'}, h('table', {class: 'attempts'},
      h('caption', {}, 'Attempts'),
      h('thead', {}, h('tr', {}, ['#', 'State', 'Started', 'Took', 'Exit', 'Peak memory, CPU'].map((c) => h('th', {scope: 'col'}, c)))),
      h('tbody', {}, view.attempts.map((a) => [
        h('tr', {},
          h('td', {}, a.number, a.purpose !== 'run' ? h('span', {class: 'muted small'}, ` ${a.purpose}`) : null),
          h('td', {}, stateBadge(a.state)), h('td', {}, time(a.started)),
          h('td', {}, a.started ? duration((a.finished ? Date.parse(a.finished) : Date.now()) - Date.parse(a.started)) : ''),
          h('td', {}, a.exit_code !== undefined && a.exit_code !== null ? `code ${a.exit_code}` : a.signal ? `signal ${a.signal}` : ''),
          h('td', {}, [bytes(a.max_rss_bytes), a.cpu_ms !== undefined && a.cpu_ms !== null ? `${duration(a.cpu_ms)} CPU` : ''].filter(Boolean).join(', '))),
        a.error ? h('tr', {class: 'attempt-error'}, h('td', {}), h('td', {colspan: 5, class: 'error-text small'}, a.error)) : null]))));
  }

  /** (Re)opens the log of the chosen attempt, following it while it runs. */
  openLog(force) {
    const number = this.attemptSelect.value;
    if (!number) return;
    const attempt = this.view.attempts.find((a) => a.purpose === 'run' && String(a.number) === number);
    const running = attempt && (attempt.state === 'running' || attempt.state === 'queued');
    const key = `${number}/${this.streamSelect.value}`;
    // A followed log ends by itself when its attempt ends; an open one is not restarted for every refresh.
    if (!force && key === this.logKey && (this.log || !running)) return;
    if (this.log) this.log.close();
    this.logKey = key;
    this.pre.textContent = '';
    const q = new URLSearchParams({attempt: number, stream: this.streamSelect.value, tail: '2000'});
    if (running) q.set('follow', 'true');
    this.logState.textContent = running ? 'following…' : '';
    const log = followText(`/api/v1/runs/${seg(this.runId)}/nodes/${seg(this.nodeId)}/logs?${q}`, {
      onText: (text) => this.appendLog(text),
      onError: (err) => { this.logState.textContent = err.message; },
    });
    this.log = log;
    log.done.then(() => {
      if (this.log !== log) return;
      this.log = null;
      if (this.logState.textContent === 'following…') this.logState.textContent = 'ended';
    });
  }

  appendLog(text) {
    const atBottom = this.pre.scrollTop + this.pre.clientHeight >= this.pre.scrollHeight - 4;
    let all = this.pre.textContent + text;
    if (all.length > LOG_LIMIT) all = '…\n' + all.slice(all.length - LOG_LIMIT);
    this.pre.textContent = all;
    if (atBottom) this.pre.scrollTop = this.pre.scrollHeight;
  }

  close() { if (this.log) this.log.close(); this.log = null; }
}

function fact(name, value) {
  if (value === undefined || value === null || value === '') return null;
  return [h('dt', {}, name), h('dd', {}, value)];
}

function gateText(g) {
  if (g.waits_for) return `waits for ${g.waits_for}${g.signal ? ` '${g.signal}' (${g.type})` : ''}`;
  const parts = [];
  if (g.approved !== undefined && g.approved !== null) parts.push(`${g.approved ? 'approved' : 'rejected'} by ${g.by || '?'}`);
  if (g.comment) parts.push(`“${g.comment}”`);
  if (g.value !== undefined) parts.push(`value ${valueText(g.value)}`);
  return parts.join(', ');
}
