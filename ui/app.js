// The web UI's entry: sign-in, the header, and hash routes (#/runs, #/runs/ID, #/runs/ID/nodes/NODE, #/flows,
// #/flows/NAME, #/apps). Hash routes keep every page at `/`, so the server has one public page to serve.

import {api, session, onUnauthorized, APIError} from './api.js';
import {h, fill, errorBox} from './dom.js';
import {runsPage} from './runs.js';
import {runPage} from './run.js';
import {flowsPage} from './flows.js';
import {appsPage} from './apps.js';

const main = document.getElementById('main');
/** The page on screen: {key, update(route), close()}. */
let current = null;

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter((p) => p !== '').map(decodeURIComponent);
  return parts;
}

async function show() {
  if (!session.token || !session.caller) return signIn();
  const parts = route();
  const key = parts.slice(0, 2).join('/');
  document.querySelectorAll('[data-nav]').forEach((a) => {
    if (a.dataset.nav === (parts[0] || 'runs')) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  // The run page stays when only its drawer opens or closes.
  if (current && current.key === key && current.update) return current.update(parts);
  if (current) current.close();
  main.replaceChildren();
  const [page, id] = parts;
  if (page === 'runs' && id) current = runPage(main, id, parts);
  else if (page === 'flows') current = flowsPage(main, id);
  else if (page === 'apps') current = appsPage(main);
  else current = runsPage(main);
  current.key = key;
}

function signIn(message) {
  if (current) { current.close(); current = null; }
  document.getElementById('nav').hidden = true;
  document.getElementById('who').hidden = true;
  document.title = 'Sign in · Sluice';
  const token = h('input', {id: 'token', name: 'token', type: 'password', autocomplete: 'off', required: true, spellcheck: 'false'});
  const status = h('div', {role: 'alert'});
  const form = h('form', {class: 'login', 'aria-labelledby': 'login-title'},
    h('h1', {id: 'login-title'}, 'Sign in to Sluice'),
    h('p', {}, 'Paste an API token. An admin creates one with ', h('code', {}, 'sluice token create NAME --role viewer|operator|admin'),
      '. The token is kept for this browser tab only.'),
    h('div', {class: 'field'}, h('label', {for: 'token'}, 'Token'), token),
    h('button', {type: 'submit', class: 'primary'}, 'Sign in'),
    status);
  if (message) status.append(errorBox(message));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    session.token = token.value.trim();
    fill(status);
    try {
      await whoami();
      if (!location.hash || location.hash === '#/login') location.hash = '#/runs';
      else show();
    } catch (err) {
      session.token = null;
      fill(status, errorBox(err.status === 401 ? 'The server does not know this token (or it was revoked).' : err));
      token.focus();
    }
  });
  fill(main, form);
  token.focus();
}

async function whoami() {
  session.caller = await api('/api/v1/whoami');
  document.getElementById('who-name').textContent = session.caller.name;
  document.getElementById('who-role').textContent = session.caller.role;
  document.getElementById('nav').hidden = false;
  document.getElementById('who').hidden = false;
}

onUnauthorized(() => {
  session.token = null;
  session.caller = null;
  signIn('The token is no longer accepted: sign in again.');
});

document.getElementById('sign-out').addEventListener('click', () => {
  session.token = null;
  session.caller = null;
  signIn();
});

window.addEventListener('hashchange', () => { show().catch(report); });

function report(err) {
  if (err instanceof APIError && err.status === 401) return;
  main.append(errorBox(err));
}

(async () => {
  if (session.token) {
    try { await whoami(); } catch (err) { session.token = null; return signIn(err.status === 401 ? undefined : err); }
  }
  await show();
})().catch(report);
