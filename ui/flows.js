// The flows page: registered flows (latest versions), one flow's versions with its text, and a launch form
// generated from the chosen version's declared inputs, prefilled with their defaults (operators and admins).

import {api, can, seg} from './api.js';
import {h, fill, time, errorBox, announce} from './dom.js';
import {typedField} from './forms.js';

export function flowsPage(main, name) {
  document.title = name ? `${name} · Flows · Sluice` : 'Flows · Sluice';
  let closed = false;
  const status = h('div');
  if (!name) {
    const body = h('tbody');
    fill(main, h('h1', {}, 'Flows'), status, h('div', {class: 'scroll'}, h('table', {},
      h('caption', {class: 'visually-hidden'}, 'Registered flows'),
      h('thead', {}, h('tr', {}, ['Flow', 'Latest version', 'Registered'].map((c) => h('th', {scope: 'col'}, c)))), body)),
    h('p', {class: 'small muted'}, 'Register a flow with ', h('code', {}, 'POST /api/v1/flows'), ' (admin).'));
    api('/api/v1/flows').then((list) => {
      if (closed) return;
      fill(body, list.flows.length ? list.flows.map((f) => h('tr', {},
        h('td', {}, h('a', {href: `#/flows/${seg(f.name)}`}, f.name)), h('td', {}, f.version), h('td', {}, time(f.created))))
        : h('tr', {}, h('td', {colspan: 3, class: 'muted'}, 'No flows registered.')));
    }).catch((err) => fill(status, errorBox(err)));
    return {close() { closed = true; }};
  }

  const versionSelect = h('select', {id: 'flow-version'});
  const text = h('pre', {class: 'flow-text', tabindex: '0', 'aria-label': 'Flow text'});
  const launch = h('section', {'aria-labelledby': 'launch-title'});
  fill(main, h('p', {}, h('a', {href: '#/flows'}, '← All flows')), h('h1', {}, 'Flow ', name), status,
    h('div', {class: 'field inline'}, h('label', {for: 'flow-version'}, 'Version'), versionSelect),
    launch, h('details', {}, h('summary', {}, 'Flow text'), text));

  async function showVersion(version) {
    try {
      const v = await api(`/api/v1/flows/${seg(name)}/versions/${seg(version)}`);
      if (closed) return;
      text.textContent = v.text;
      drawLaunch(v);
    } catch (err) { fill(status, errorBox(err)); }
  }

  function drawLaunch(v) {
    if (!can('operator')) {
      fill(launch, h('h2', {id: 'launch-title'}, 'Inputs'), (v.inputs || []).length
        ? h('ul', {}, v.inputs.map((i) => h('li', {}, h('code', {}, i.name), ` ${i.type}`, i.default !== undefined ? ` = ${JSON.stringify(i.default)}` : '')))
        : h('p', {class: 'muted'}, 'No inputs.'),
      h('p', {class: 'small muted'}, 'An operator or admin token launches runs.'));
      return;
    }
    const fields = (v.inputs || []).map((i) => ({input: i, field: typedField({name: i.name, type: i.type, value: i.default, required: i.required, description: i.description})}));
    const runId = h('input', {id: 'launch-run-id', type: 'text', autocomplete: 'off', placeholder: 'generated when empty'});
    const labels = h('input', {id: 'launch-labels', type: 'text', autocomplete: 'off', placeholder: 'team=ml, env=prod'});
    const result = h('div', {role: 'status'});
    const form = h('form', {class: 'launch'},
      fields.length ? fields.map((f) => f.field.element) : h('p', {class: 'muted'}, 'This flow takes no inputs.'),
      h('div', {class: 'field'}, h('label', {for: 'launch-run-id'}, 'Run id (optional)'), runId),
      h('div', {class: 'field'}, h('label', {for: 'launch-labels'}, 'Labels (optional)'), labels),
      h('button', {type: 'submit', class: 'primary'}, `Launch ${v.name} v${v.version}`), result);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const inputs = {};
      for (const {input, field} of fields) {
        const read = field.read();
        if (read.error) { fill(result, errorBox(read.error)); field.input.focus(); return; }
        if (read.omit) continue;
        inputs[input.name] = read.value !== undefined ? read.value : read.text;
      }
      const body = {flow_name: v.name, flow_version: v.version, inputs};
      if (runId.value.trim()) body.run_id = runId.value.trim();
      const pairs = labels.value.split(',').map((s) => s.trim()).filter(Boolean);
      if (pairs.length) {
        body.labels = {};
        for (const p of pairs) {
          const eq = p.indexOf('=');
          if (eq < 1) { fill(result, errorBox(`labels: '${p}' is not KEY=VALUE`)); labels.focus(); return; }
          body.labels[p.slice(0, eq)] = p.slice(eq + 1);
        }
      }
      try {
        const submitted = await api('/api/v1/runs', {method: 'POST', body});
        announce(`Run ${submitted.run} submitted`);
        location.hash = `#/runs/${seg(submitted.run)}`;
      } catch (err) { fill(result, errorBox(err)); }
    });
    fill(launch, h('h2', {id: 'launch-title'}, 'Launch a run'), form);
  }

  api(`/api/v1/flows/${seg(name)}`).then((list) => {
    if (closed) return;
    const versions = list.versions;  // newest first
    fill(versionSelect, versions.map((v) => h('option', {value: v.version}, `${v.version} (${new Date(v.created).toLocaleString()})`)));
    versionSelect.addEventListener('change', () => showVersion(versionSelect.value));
    if (versions.length) showVersion(versions[0].version);
  }).catch((err) => fill(status, errorBox(err)));
  return {close() { closed = true; }};
}
