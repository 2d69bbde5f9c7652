// The live path in the browser: the socket's hello and catch-up, the connection state, polling
// where websockets are blocked, the sequence guard (never step back), who is editing, what others
// did (read out politely), and the keyboard focus kept through live swaps.
import { $, body, slug } from './util.js';
import { flushQueue } from './queue.js';

var socket = null;

export function currentSeq() {
  var el = document.getElementById('board-seq');
  return el ? Number(el.dataset.seq || 0) : 0;
}
export function sendSocket(message) {
  if (socket) { try { socket.send(JSON.stringify(message)); } catch (err) { /* offline: nothing to tell */ } }
}
export function resync() {
  sendSocket({ type: 'hello', seq: -1 });
}

export function start() {
  // Reconnect fast on hospital Wi-Fi: 0.5 s, 1 s, 2 s ... at most 5 s, with jitter.
  htmx.config.wsReconnectDelay = function (retry) {
    var base = Math.min(5000, 500 * Math.pow(2, retry));
    return base / 2 + Math.random() * base / 2;
  };
  // No WebSocket at all (blocked by policy or an old browser): never try; poll instead (below).
  if (!window.WebSocket) {
    var live = document.getElementById('live');
    if (live) live.removeAttribute('ws-connect');
  }

  // -- connection state and catch-up ----------------------------------------------------------
  var connection = $('#connection');
  var everConnected = false;
  function setConnection(state) {
    if (connection) connection.dataset.state = state;
    body.dataset.connection = state;
  }
  document.addEventListener('htmx:wsOpen', function (e) {
    socket = e.detail.socketWrapper;
    // Say where we are; the server sends whatever we missed.
    socket.send(JSON.stringify({ type: 'hello', seq: currentSeq() }));
    setConnection(everConnected ? 'back' : 'online');
    everConnected = true;
    failedOpens = 0;
    stopPolling();
    flushQueue();
  });
  window.addEventListener('online', function () { flushQueue(); });

  // -- where websockets are blocked: poll for changes instead (slower, but correct) -------------
  var failedOpens = 0;
  var pollTimer = null;
  function poll() {
    htmx.ajax('GET', '/w/' + slug + '/changes?since=' + currentSeq(), { swap: 'none', source: body });
  }
  function startPolling() {
    if (pollTimer) return;
    body.dataset.transport = 'polling';
    poll();
    pollTimer = setInterval(poll, 3000);
  }
  function stopPolling() {
    if (!pollTimer) return;
    clearInterval(pollTimer);
    pollTimer = null;
    body.dataset.transport = 'websocket';
  }
  document.addEventListener('htmx:wsClose', function () {
    failedOpens += 1;
    if (failedOpens >= 3) startPolling();
  });
  if (!window.WebSocket) startPolling();

  // -- who is editing which card: a badge on the card (not for one's own editor) -----------------
  function showEditing() {
    var el = document.getElementById('editing');
    document.querySelectorAll('.editing-badge').forEach(function (b) { b.remove(); });
    if (!el) return;
    var cards;
    try { cards = JSON.parse(el.dataset.cards || '{}'); } catch (err) { return; }
    Object.keys(cards).forEach(function (cardId) {
      var names = cards[cardId];  // labels only; the server leaves out this viewer's own editor
      var article = document.getElementById('card-' + cardId);
      if (!names.length || !article) return;
      var badge = document.createElement('p');
      badge.className = 'editing-badge';
      var list = names.join(', ');
      try { list = new Intl.ListFormat(document.documentElement.lang || 'nl', { type: 'conjunction' }).format(names); } catch (err) { /* old browser */ }
      badge.textContent = list + ' ' + (names.length > 1 ? body.dataset.msgEditingMany : body.dataset.msgEditing);
      article.insertBefore(badge, article.firstChild);
    });
  }
  document.addEventListener('htmx:wsAfterMessage', showEditing);
  document.addEventListener('htmx:wsClose', function (e) {
    var code = e.detail && e.detail.event && e.detail.event.code;
    if (code === 4401 || code === 4403) {
      // Closed on purpose: no "reconnecting". A removed participant gets the page that says so.
      setConnection('ended');
      if (!document.getElementById('workshop-deleted')) window.location.reload();
      return;
    }
    if (everConnected) setConnection('offline');
  });
  document.addEventListener('htmx:wsError', function () { if (everConnected && body.dataset.connection !== 'ended') setConnection('offline'); });

  // -- never step back ---------------------------------------------------------------------------
  // Every fragment carries data-seq: the board's sequence number of the state it shows. An
  // answer and the socket, or two server processes, can deliver an older state after a newer
  // one; the older one must not replace it. A partial marker (in an answer) names one change's
  // number, not "everything up to here", so it never becomes our catch-up position.
  function seqOf(el) {
    var value = el && el.getAttribute ? el.getAttribute('data-seq') : null;
    return value === null ? null : Number(value);
  }
  body.addEventListener('htmx:oobBeforeSwap', function (e) {
    var incoming = e.detail.fragment && e.detail.fragment.firstElementChild;
    var current = e.detail.target;
    if (!incoming || !current) return;
    if (incoming.id === 'board-seq' && incoming.hasAttribute('data-partial')) {
      e.detail.shouldSwap = false;
      return;
    }
    var newSeq = seqOf(incoming);
    var oldSeq = seqOf(current);
    if (newSeq !== null && oldSeq !== null && newSeq < oldSeq) {
      e.detail.shouldSwap = false;
      return;
    }
    // A cell of state 7 must not undo a card inside it that already shows state 8.
    incoming.querySelectorAll('[id][data-seq]').forEach(function (part) {
      var mine = document.getElementById(part.id);
      if (mine && current.contains(mine) && seqOf(mine) > seqOf(part)) part.replaceWith(mine.cloneNode(true));
    });
  });

  // A live update replaces elements; put the keyboard focus back where it was (by id), never elsewhere.
  var focusedId = null;
  document.addEventListener('htmx:wsBeforeMessage', function () {
    var el = document.activeElement;
    focusedId = el && el !== body && el.id ? el.id : null;
  });
  document.addEventListener('htmx:wsAfterMessage', function () {
    if (!focusedId) return;
    var el = document.getElementById(focusedId);
    if (el && document.activeElement !== el && (document.activeElement === body || !document.activeElement)) {
      el.focus({ preventScroll: true });
    }
    focusedId = null;
  });

  // What others do, read out politely by screen readers (never the user's own changes);
  // once per socket message (out-of-band swap events fire several times per message).
  document.addEventListener('htmx:wsAfterMessage', function (e) {
    if (String(e.detail.message).indexOf('id="announce"') < 0) return;
    var source = document.getElementById('announce');
    var region = document.getElementById('live-region');
    if (!source || !region) return;  // the server sends no announcement to the actor's own sockets
    var text = source.textContent.trim();
    if (text) region.textContent = text;
  });
}
