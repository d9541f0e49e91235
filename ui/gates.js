// The gates panel: each approve or signal gate waiting now, with approve/reject and a comment, or a signal form
// typed by the gate's declared type. Operators and admins see the controls; viewers see what waits.

import {api, can, seg} from './api.js';
import {h, fill, time, errorBox, announce} from './dom.js';
import {typedField} from './forms.js';

const GATES_AT_ONCE = 25;

export class GatesPanel {
  constructor(runId, onAction) {
    this.runId = runId;
    this.onAction = onAction;
    this.sig = null;
    this.list = h('div', {class: 'gate-list'});
    this.element = h('section', {class: 'gates', 'aria-labelledby': 'gates-title', hidden: true},
      h('h2', {id: 'gates-title'}, 'Waiting gates'), this.list);
  }

  /** Reloads the pending gates when the run's set of waiting gates changed. */
  async update(run) {
    const waiting = [];
    const walk = (nodes) => { for (const n of nodes) { if (n.gate && n.gate.waits_for) waiting.push(n.id); walk(n.children); } };
    walk(run.nodes);
    const sig = waiting.join('\n');
    if (sig === this.sig) return;
    this.sig = sig;
    if (!waiting.length) { this.element.hidden = true; fill(this.list); return; }
    try {
      const page = await api(`/api/v1/runs/${seg(this.runId)}/gates`);
      this.draw(page.gates);
    } catch (err) {
      this.sig = null;
      fill(this.list, errorBox(err));
      this.element.hidden = false;
    }
  }

  /** Draws the first `shown` gates; a run with thousands waiting offers the rest on request. */
  draw(gates, shown = GATES_AT_ONCE) {
    this.element.hidden = gates.length === 0;
    const rest = gates.length - shown;
    fill(this.list, gates.slice(0, shown).map((g) => this.card(g)),
      rest > 0 ? h('p', {}, `${rest} more gate${rest === 1 ? '' : 's'} waiting. `,
        h('button', {type: 'button', class: 'link', onclick: () => this.draw(gates, shown + GATES_AT_ONCE)}, `Show ${Math.min(rest, GATES_AT_ONCE)} more`)) : null);
  }

  card(g) {
    const status = h('div', {role: 'status', class: 'small'});
    const what = g.kind === 'approve' ? 'approval' : `signal '${g.signal}' of type ${g.type}`;
    const card = h('article', {class: 'gate', dataset: {gate: g.node}, 'aria-label': `Gate ${g.node}`},
      h('h3', {}, g.node, ' ', h('span', {class: 'muted small'}, `waits for ${what}`)),
      g.message ? h('p', {}, g.message) : null,
      g.since ? h('p', {class: 'small muted'}, 'since ', time(g.since)) : null);
    if (!can('operator')) {
      card.append(h('p', {class: 'small muted'}, 'An operator or admin token answers gates.'));
      return card;
    }
    const comment = h('textarea', {id: `c-${g.node}`, name: 'comment', rows: 2});
    const commentField = h('div', {class: 'field'}, h('label', {for: `c-${g.node}`}, 'Comment (optional)'), comment);
    const send = async (path, body, done) => {
      fill(status, 'Sending…');
      card.querySelectorAll('button').forEach((b) => { b.disabled = true; });
      try {
        await api(path, {method: 'POST', body});
        fill(status, done);
        announce(done);
        this.sig = null;
        this.onAction();
      } catch (err) {
        fill(status, errorBox(err));
        card.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      }
    };
    if (g.kind === 'approve') {
      const body = () => (comment.value.trim() ? {comment: comment.value.trim()} : {});
      const base = `/api/v1/runs/${seg(this.runId)}/nodes/${seg(g.node)}`;
      card.append(commentField, h('div', {class: 'buttons'},
        h('button', {type: 'button', class: 'primary', onclick: () => send(`${base}/approve`, body(), `Approved ${g.node}.`)}, 'Approve'),
        h('button', {type: 'button', class: 'danger', onclick: () => send(`${base}/reject`, body(), `Rejected ${g.node}.`)}, 'Reject')),
      status);
    } else {
      const field = typedField({name: 'value', type: g.type || 'string', required: true, label: `Value of '${g.signal}'`});
      const form = h('form', {class: 'signal-form'}, field.element, commentField,
        h('div', {class: 'buttons'}, h('button', {type: 'submit', class: 'primary'}, 'Send signal')), status);
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        const read = field.read();
        if (read.error || read.omit) { fill(status, errorBox(read.error || 'a value is needed')); field.input.focus(); return; }
        const body = {...read};
        if (comment.value.trim()) body.comment = comment.value.trim();
        send(`/api/v1/runs/${seg(this.runId)}/signals/${seg(g.signal)}`, body, `Sent signal ${g.signal}.`);
      });
      card.append(form);
    }
    return card;
  }
}
