// Server-sent events read with fetch() and a ReadableStream, because EventSource cannot send an Authorization
// header. The reader keeps the id of the last event it handed on and reconnects with `Last-Event-ID`, so after a
// dropped connection no event is lost and none is handed on twice (ids are the store's increasing seqs).

import {authHeaders, unauthorized} from './api.js';

/**
 * Opens `path` as an event stream. `onEvents(list)` gets each chunk's events in order (parsed `data` with `seq`);
 * `onEnd()` is called when the server ends the stream on purpose (a finished run's stream ends) and
 * `shouldResume()` says no; `onError(err)` on a refusal (401/403/404). Returns {close()}.
 */
export function openStream(path, {onEvents, onEnd = () => {}, onError = () => {}, onStatus = () => {}, lastId = null, shouldResume = () => false}) {
  let last = lastId;
  let closed = false;
  let controller = null;
  let retryMs = 1000;
  let failures = 0;
  let timer = null;

  async function connect() {
    if (closed) return;
    controller = new AbortController();
    const headers = authHeaders({Accept: 'text/event-stream'});
    if (last !== null) headers['Last-Event-ID'] = String(last);
    let response;
    try {
      response = await fetch(path, {headers, signal: controller.signal, cache: 'no-store'});
    } catch (e) {
      return retry();
    }
    // A client error will not mend by asking again (429 excepted): stop, say why, and sign out on a 401.
    if (response.status >= 400 && response.status < 500 && response.status !== 429) {
      closed = true;
      if (response.status === 401) unauthorized();
      let message = `the event stream answered ${response.status}`;
      try { message = (await response.json()).error.message; } catch { /* keep the status */ }
      onError(new Error(message));
      return;
    }
    if (!response.ok || !response.body) return retry();
    onStatus('live');
    failures = 0;
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        buffer += value;
        // Events end with a blank line; a chunk may end anywhere, even inside a line.
        const blocks = buffer.split(/\r?\n\r?\n/);
        buffer = blocks.pop();
        const events = [];
        for (const block of blocks) {
          const e = parse(block);
          if (e === null) continue;
          if (e.retry !== undefined) retryMs = e.retry;
          if (e.data === undefined || e.id === undefined) continue;
          if (last !== null && e.id <= last) continue;  // never hand on an event twice
          last = e.id;
          let data;
          try { data = JSON.parse(e.data); } catch { continue; }
          events.push(data);
        }
        if (events.length) onEvents(events, last);
      }
    } catch (e) {
      if (closed) return;
      return retry();
    }
    if (closed) return;
    if (shouldResume()) return retry();
    closed = true;
    onStatus('ended');
    onEnd();
  }

  function retry() {
    if (closed) return;
    onStatus('reconnecting');
    failures += 1;
    const wait = Math.min(retryMs * 2 ** Math.min(failures - 1, 4), 15000);
    timer = setTimeout(connect, wait);
  }

  function parse(block) {
    const e = {};
    let any = false;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      any = true;
      if (field === 'id') e.id = Number(value);
      else if (field === 'data') e.data = e.data === undefined ? value : e.data + '\n' + value;
      else if (field === 'retry' && /^\d+$/.test(value)) e.retry = Number(value);
    }
    return any ? e : null;
  }

  connect();
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      if (controller) controller.abort();
    },
    get lastId() { return last; },
  };
}

/**
 * Reads a plain-text response as it arrives (a followed log), calling `onText(chunk)`; resolves when it ends.
 * Returns {close(), done}.
 */
export function followText(path, {onText, onError = () => {}}) {
  const controller = new AbortController();
  const done = (async () => {
    let response;
    try {
      response = await fetch(path, {headers: authHeaders(), signal: controller.signal, cache: 'no-store'});
    } catch (e) {
      if (e.name !== 'AbortError') onError(e);
      return;
    }
    if (!response.ok) {
      let message = `answered ${response.status}`;
      try { message = (await response.json()).error.message; } catch { /* keep the status */ }
      onError(new Error(message));
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const {value, done} = await reader.read();
        if (done) break;
        onText(value);
      }
    } catch (e) {
      if (e.name !== 'AbortError') onError(e);
    }
  })();
  return {close() { controller.abort(); }, done};
}
