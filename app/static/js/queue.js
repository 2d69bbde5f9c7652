// Cards written offline: kept in this browser, shown as not yet sent, sent (once) when possible.
import { body, slug, showToast } from './util.js';

var queueKey = 'zl-queue-' + slug;
function loadQueue() { try { return JSON.parse(localStorage.getItem(queueKey) || '[]'); } catch (err) { return []; } }
function saveQueue(q) { try { localStorage.setItem(queueKey, JSON.stringify(q)); } catch (err) { /* full or private */ } }
export function queueCard(item) {
  var q = loadQueue().filter(function (x) { return x.client_id !== item.client_id; });
  q.push(item);
  saveQueue(q);
  showPending();
}
function showPending() {
  document.querySelectorAll('article.pending').forEach(function (a) { a.remove(); });
  loadQueue().forEach(function (item) {
    var cell = document.querySelector('td.cell[data-phase-id="' + item.phase_id + '"][data-lane-id="' + item.lane_id + '"]');
    if (!cell) return;
    var a = document.createElement('article');
    a.className = 'card pending';
    a.dataset.clientId = item.client_id;
    var p = document.createElement('p'); p.className = 'card-text'; p.textContent = item.text;
    var note = document.createElement('p'); note.className = 'pending-note'; note.textContent = body.dataset.msgPending;
    a.appendChild(note); a.appendChild(p);
    cell.insertBefore(a, cell.querySelector('.add-card'));
  });
}
var flushing = false;
export function flushQueue() {
  var q = loadQueue();
  if (!q.length || flushing) return;
  flushing = true;
  htmx.ajax('POST', '/w/' + slug + '/cards', { values: q[0], swap: 'none', source: body });
}

export function start() {
  body.addEventListener('htmx:afterRequest', function (e) {
    var cfg = e.detail.requestConfig;
    var id = cfg && cfg.parameters && cfg.parameters.client_id;
    if (!id || cfg.path !== '/w/' + slug + '/cards') return;
    var queued = loadQueue().filter(function (x) { return x.client_id === id; })[0];
    if (!queued) return; // the card form's own request: its answer shows in the form
    flushing = false;
    var status = e.detail.xhr ? e.detail.xhr.status : 0;
    if (status === 0) return; // still offline: keep it, try again on the next reconnect
    // Arrived, or refused for a reason: it leaves the queue, and a refusal is said, never silent.
    saveQueue(loadQueue().filter(function (x) { return x.client_id !== id; }));
    showPending();
    if (status >= 200 && status < 300) flushQueue();
    else showToast((body.dataset.msgNotSent || '') + ' ' + queued.text);
  });
  document.addEventListener('htmx:oobAfterSwap', function (e) { if (e.target && e.target.id === 'board-root') showPending(); });
  showPending();
  flushQueue();
}
