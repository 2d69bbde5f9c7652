// Zichtlijn's only script: dialogs, drag and drop, the socket's catch-up, and the chart view.
// Everything that changes data goes through htmx requests to the server.

// One view switcher for the page: "board", "chart", "revisit", "projector" (or their section ids).
// Views are sections of one page, so the socket and any open dialog stay when switching.
window.zlShowView = function (name) {
  var id = /-view$/.test(name) ? name : name + '-view';
  if (!document.getElementById(id)) return;
  document.querySelectorAll('.view').forEach(function (v) { v.hidden = v.id !== id; });
  document.querySelectorAll('button[data-view]').forEach(function (b) {
    var target = /-view$/.test(b.dataset.view) ? b.dataset.view : b.dataset.view + '-view';
    b.setAttribute('aria-pressed', String(target === id));
  });
  document.body.dataset.view = id.replace(/-view$/, '');
  // The chosen view is kept across a reload of this tab.
  try { sessionStorage.setItem('zl-view-' + document.body.dataset.slug, document.body.dataset.view); } catch (err) { /* not remembered */ }
};
(function () {
  'use strict';

  // Reconnect fast on hospital Wi-Fi: 0.5 s, 1 s, 2 s ... at most 5 s, with jitter.
  htmx.config.wsReconnectDelay = function (retry) {
    var base = Math.min(5000, 500 * Math.pow(2, retry));
    return base / 2 + Math.random() * base / 2;
  };

  var body = document.body;
  var slug = body.dataset.slug;
  if (!slug) return; // not a board page
  // No WebSocket at all (blocked by policy or an old browser): never try; poll instead (below).
  if (!window.WebSocket) {
    var live = document.getElementById('live');
    if (live) live.removeAttribute('ws-connect');
  }

  function $(sel, root) { return (root || document).querySelector(sel); }
  function currentSeq() {
    var el = document.getElementById('board-seq');
    return el ? Number(el.dataset.seq || 0) : 0;
  }

  // -- connection state and catch-up ----------------------------------------------------------
  var connection = $('#connection');
  var everConnected = false;
  var socket = null;
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

  // -- cards written offline: kept in this browser, shown as not yet sent, sent when possible --
  var queueKey = 'zl-queue-' + slug;
  function loadQueue() { try { return JSON.parse(localStorage.getItem(queueKey) || '[]'); } catch (err) { return []; } }
  function saveQueue(q) { try { localStorage.setItem(queueKey, JSON.stringify(q)); } catch (err) { /* full or private */ } }
  function queueCard(item) {
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
  function flushQueue() {
    var q = loadQueue();
    if (!q.length || flushing) return;
    flushing = true;
    htmx.ajax('POST', '/w/' + slug + '/cards', { values: q[0], swap: 'none', source: body });
  }
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
      var names = cards[cardId].filter(function (p) { return String(p[0]) !== body.dataset.member; }).map(function (p) { return p[1]; });
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
  function resync() {
    if (socket) socket.send(JSON.stringify({ type: 'hello', seq: -1 }));
  }

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

  // -- dialogs ---------------------------------------------------------------------------------
  var cardDialog = $('#card-dialog');
  var cardForm = $('#card-form');
  var structDialog = $('#struct-dialog');

  function openDialog(dialog, focusSel) {
    if (!dialog.open) dialog.showModal();
    var f = focusSel && $(focusSel, dialog);
    if (f) f.focus();
  }

  function cellName(phaseId, laneId) {
    var p = $('#phase-' + phaseId + ' .phase-name');
    var l = $('#lane-' + laneId + ' .lane-name');
    return (p ? p.textContent : '') + ' · ' + (l ? l.textContent : '');
  }

  function fillSelect(select, headers, attr, chosen) {
    select.innerHTML = '';
    headers.forEach(function (th) {
      var opt = document.createElement('option');
      opt.value = th.dataset[attr];
      opt.textContent = th.querySelector(attr === 'phaseId' ? '.phase-name' : '.lane-name').textContent;
      if (opt.value === String(chosen)) opt.selected = true;
      select.appendChild(opt);
    });
  }

  function newClientId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return 'c-' + Date.now().toString(36) + '-' + Math.random().toString(36).slice(2, 12);
  }
  function sendSocket(message) {
    if (socket) { try { socket.send(JSON.stringify(message)); } catch (err) { /* offline: nothing to tell */ } }
  }
  cardDialog.addEventListener('close', function () {
    if (cardForm.dataset.mode === 'edit') sendSocket({ type: 'editing', card: null });
  });

  function setPost(el, url) {
    el.setAttribute('hx-post', url);
    htmx.process(el);
  }

  function updateCounter() {
    var counter = $('#card-count');
    var text = $('#card-text');
    if (!counter || !text) return;
    var max = Number(counter.dataset.max);
    counter.textContent = text.value.length + ' / ' + max;
    counter.classList.toggle('over', text.value.length > max);
  }

  function openNewCard(phaseId, laneId) {
    var title = $('#card-dialog-title');
    title.textContent = title.dataset.titleNew;
    if (cardForm.dataset.mode !== 'new' || $('#card-phase').value !== String(phaseId) || $('#card-lane').value !== String(laneId)) {
      $('#card-text').value = ''; // a draft is kept only for the same cell
    }
    if (cardForm.dataset.mode !== 'new' || !$('#card-text').value) $('#card-client-id').value = newClientId();
    cardForm.dataset.mode = 'new';
    $('#card-client-id').disabled = false;
    $('#card-version').disabled = true;
    $('#card-history').hidden = true;
    $('#card-phase').value = phaseId; $('#card-phase').disabled = false;
    $('#card-lane').value = laneId; $('#card-lane').disabled = false;
    $('#card-where').textContent = cellName(phaseId, laneId);
    $('#card-move').hidden = true;
    $('#card-move-phase').disabled = true; $('#card-move-lane').disabled = true;
    $('#card-delete').hidden = true;
    $('#card-links').hidden = true;
    $('#card-error').innerHTML = '';
    setPost(cardForm, cardForm.dataset.createUrl);
    updateCounter();
    openDialog(cardDialog, '#card-text');
  }

  function openEditCard(article) {
    var id = article.dataset.cardId;
    var title = $('#card-dialog-title');
    title.textContent = title.dataset.titleEdit;
    cardForm.dataset.mode = 'edit';
    cardForm.dataset.cardId = id;
    $('#card-text').value = $('.card-text', article).textContent;
    $('#card-client-id').disabled = true;
    $('#card-version').disabled = false;
    $('#card-version').value = article.dataset.version;
    var history = $('#card-history');
    history.hidden = false;
    history.setAttribute('hx-get', '/w/' + slug + '/cards/' + id + '/history');
    htmx.process(history);
    sendSocket({ type: 'editing', card: Number(id) });
    $('#card-phase').disabled = true; $('#card-lane').disabled = true;
    $('#card-where').textContent = cellName(article.dataset.phaseId, article.dataset.laneId);
    fillSelect($('#card-move-phase'), document.querySelectorAll('th.phase'), 'phaseId', article.dataset.phaseId);
    fillSelect($('#card-move-lane'), document.querySelectorAll('th.lane'), 'laneId', article.dataset.laneId);
    $('#card-move-phase').disabled = false; $('#card-move-lane').disabled = false;
    setLegend('move');
    $('#card-move').hidden = false;
    fillCardLinks(article);
    var del = $('#card-delete');
    del.hidden = false;
    setPost(del, cardForm.dataset.cardUrl + id + '/delete');
    $('#card-error').innerHTML = '';
    setPost(cardForm, cardForm.dataset.cardUrl + id);
    updateCounter();
    openDialog(cardDialog, '#card-text');
  }

  function setLegend(which) {
    var legend = $('#card-move-legend');
    legend.textContent = which === 'place' ? legend.dataset.legendPlace : legend.dataset.legendMove;
  }

  // A card straight from a step of the chart: the person picks its cell; it is linked to the step.
  function openCardAtStep(stepId) {
    var info = stepInfo(stepId);
    if (!info) return;
    var title = $('#card-dialog-title');
    title.textContent = title.dataset.titleNew;
    if (cardForm.dataset.mode !== 'step' || cardForm.dataset.stepId !== String(stepId)) {
      $('#card-text').value = '';
    }
    cardForm.dataset.mode = 'step';
    cardForm.dataset.stepId = stepId;
    $('#card-phase').disabled = true; $('#card-lane').disabled = true;
    $('#card-where').textContent = body.dataset.msgAtStep + ': ' + info.level + ' · ' + info.text;
    var phases = document.querySelectorAll('th.phase'), lanes = document.querySelectorAll('th.lane');
    var movePhase = $('#card-move-phase'), moveLane = $('#card-move-lane');
    fillSelect(movePhase, phases, 'phaseId', movePhase.value || (phases[0] && phases[0].dataset.phaseId));
    fillSelect(moveLane, lanes, 'laneId', moveLane.value || (lanes[0] && lanes[0].dataset.laneId));
    movePhase.disabled = false; moveLane.disabled = false;
    setLegend('place');
    $('#card-move').hidden = false;
    $('#card-delete').hidden = true;
    $('#card-links').hidden = true;
    $('#card-error').innerHTML = '';
    setPost(cardForm, cardForm.dataset.stepUrl + stepId + '/cards');
    updateCounter();
    openDialog(cardDialog, '#card-text');
  }

  // -- links between a card and chart steps: ticked in the card's dialog, saved at once -----------
  function fillCardLinks(article) {
    var list = $('#card-links-list');
    list.innerHTML = '';
    var linked = {};
    article.querySelectorAll('.step-chip').forEach(function (chip) { linked[chip.dataset.stepId] = true; });
    var levels = document.querySelectorAll('#chart-root .flow-level');
    levels.forEach(function (levelEl) {
      var steps = levelEl.querySelectorAll('.flow-step');
      if (!steps.length) return;
      var fieldset = document.createElement('fieldset');
      var legend = document.createElement('legend');
      legend.textContent = levelEl.dataset.name;
      fieldset.appendChild(legend);
      steps.forEach(function (li) {
        var label = document.createElement('label');
        label.className = 'check';
        var box = document.createElement('input');
        box.type = 'checkbox';
        box.className = 'card-link';
        box.value = li.dataset.stepId;
        box.dataset.cardId = article.dataset.cardId;
        box.checked = !!linked[li.dataset.stepId];
        label.appendChild(box);
        label.appendChild(document.createTextNode(' ' + li.dataset.text));
        fieldset.appendChild(label);
      });
      list.appendChild(fieldset);
    });
    $('#card-links').hidden = !list.children.length;
    $('#card-links').open = false;  // each card starts folded: the chips on the card already show its links
    countLinks();
  }
  function countLinks() {
    var n = document.querySelectorAll('#card-links-list .card-link:checked').length;
    $('#card-links-count').textContent = n ? '(' + n + ')' : '';
  }
  document.addEventListener('change', function (e) {
    var box = e.target;
    if (!box.classList || !box.classList.contains('card-link')) return;
    countLinks();
    htmx.ajax('POST', $('#card-links-list').dataset.url + box.dataset.cardId + '/steps', {
      values: { step_id: box.value, linked: box.checked ? '1' : '0' }, target: '#card-error', swap: 'innerHTML'
    });
  });

  // -- the two views: blueprint and praatplaat (chart), in one page -------------------------------
  var VIEW_KEY = 'zl-view-' + slug;
  var showView = window.zlShowView;

  // -- a selected step: its panel, and its cards highlighted on the blueprint (this screen only) ---
  var selectedStep = null;
  function stepInfo(id) {
    var li = document.getElementById('flow-step-' + id);
    if (!li) return null;
    var count = document.getElementById('flow-count-' + id);
    return { id: String(id), level: li.dataset.level, text: li.dataset.text, count: count ? count.textContent.replace('▤', '').trim() : '' };
  }
  function applySelection() {
    document.querySelectorAll('#chart-root .is-selected').forEach(function (el) { el.classList.remove('is-selected'); });
    document.querySelectorAll('#chart-root .step-text[aria-pressed]').forEach(function (el) { el.removeAttribute('aria-pressed'); });
    document.querySelectorAll('article.card.is-linked').forEach(function (el) { el.classList.remove('is-linked'); });
    document.querySelectorAll('.step-chip.is-linked').forEach(function (el) { el.classList.remove('is-linked'); });
    var info = selectedStep && stepInfo(selectedStep);
    var panel = $('#step-panel'), filter = $('#step-filter');
    if (!info) {
      selectedStep = null;
      panel.hidden = true;
      filter.hidden = true;
      return;
    }
    ['chart-step-', 'flow-step-'].forEach(function (prefix) {
      var el = document.getElementById(prefix + info.id);
      if (el) el.classList.add('is-selected');
    });
    document.querySelectorAll('#chart-root .step-text[data-step-id="' + info.id + '"]').forEach(function (b) {
      b.setAttribute('aria-pressed', 'true');
    });
    document.querySelectorAll('.step-chip[data-step-id="' + info.id + '"]').forEach(function (chip) {
      chip.classList.add('is-linked');
      chip.closest('article.card').classList.add('is-linked');
    });
    $('#step-panel-level').textContent = info.level + ' ·';
    $('#step-panel-name').textContent = info.text;
    $('#step-panel-count').textContent = '(' + info.count + ')';
    panel.querySelectorAll('[data-action]').forEach(function (b) { b.dataset.stepId = info.id; });
    panel.hidden = false;
    $('#step-filter-name').textContent = info.level + ' · ' + info.text;
    $('#step-filter-count').textContent = info.count;
    filter.hidden = false;
  }

  function showLinked(stepId) {
    selectedStep = stepId;
    showView('board');
    applySelection();
    var first = document.querySelector('article.card.is-linked');
    if (first) first.scrollIntoView({ block: 'center', inline: 'center', behavior: motion() });
  }

  function motion() {
    return window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
  }

  // -- walking a case: every screen follows the facilitator ---------------------------------------
  var chartRoot = $('#chart-root');
  var lastWalk = chartRoot ? chartRoot.dataset.walk : '';
  function followWalk(force) {
    var root = $('#chart-root');
    if (!root) return;
    var walk = root.dataset.walk || '';
    if (walk === lastWalk && !force) return;
    lastWalk = walk;
    if (!walk) return;
    showView('chart');
    // Wide screens: the current step in the drawing (the walk panel stays on top, sticky).
    // Phones: the walk panel itself, which names the current step and the ways on.
    var drawing = root.querySelector('.chart-drawing-wrap');
    var box = root.querySelector('.step-box.is-current');
    if (drawing && box && drawing.offsetParent !== null) {
      box.scrollIntoView({ block: 'center', inline: 'center', behavior: motion() });
    } else {
      var panel = root.querySelector('.walk');
      if (panel) panel.scrollIntoView({ block: 'start', behavior: motion() });
    }
  }

  var afterChangeQueued = false;
  function afterChange() {
    if (afterChangeQueued) return;
    afterChangeQueued = true;
    setTimeout(function () {
      afterChangeQueued = false;
      applySelection();
      followWalk(false);
    }, 0);
  }
  ['htmx:oobAfterSwap', 'htmx:afterSwap', 'htmx:wsAfterMessage'].forEach(function (name) {
    document.addEventListener(name, afterChange);
  });

  document.addEventListener('click', function (e) {
    var target = e.target.closest('[data-action]');
    if (!target) return;
    var action = target.dataset.action;
    if (action === 'add-card') {
      openNewCard(target.dataset.phaseId, target.dataset.laneId);
    } else if (action === 'edit-card') {
      openEditCard(target.closest('article.card'));
    } else if (action === 'close-dialog') {
      target.closest('dialog').close();
    } else if (action === 'select-step') {
      selectedStep = selectedStep === target.dataset.stepId ? null : target.dataset.stepId;
      applySelection();
    } else if (action === 'clear-step') {
      selectedStep = null;
      applySelection();
    } else if (action === 'show-linked') {
      showLinked(target.dataset.stepId);
    } else if (action === 'add-card-from-step') {
      openCardAtStep(target.dataset.stepId);
    } else if (action === 'walk-from-step') {
      htmx.ajax('POST', '/w/' + slug + '/chart/walk/start', { values: { step_id: target.dataset.stepId }, swap: 'none' });
    }
  });

  // Start in the view this tab had (a reload keeps it); during a walk, on the chart.
  (function () {
    var stored = null;
    try { stored = sessionStorage.getItem(VIEW_KEY); } catch (err) { /* not remembered */ }
    showView(lastWalk ? 'chart' : (stored === 'chart' || stored === 'revisit' ? stored : 'board'));
    if (lastWalk) setTimeout(function () { followWalk(true); }, 0);
  })();

  document.addEventListener('input', function (e) {
    if (e.target.id !== 'card-text') return;
    updateCounter();
    // "Save anyway" covered the text the warning was about; a changed text is checked again.
    var warning = $('.personal-data-warning');
    if (warning) warning.remove();
  });

  // Server events (HX-Trigger) after a successful save.
  body.addEventListener('zl:card-saved', function () {
    $('#card-text').value = '';
    cardForm.dataset.mode = '';
    cardForm.dataset.stepId = '';
    if (cardDialog.open) cardDialog.close();
  });
  body.addEventListener('zl:dialog-done', function () {
    if (structDialog && structDialog.open) structDialog.close();
  });

  // Structure forms (facilitator) are fetched into the dialog, then shown.
  body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target && e.detail.target.id === 'struct-body') openDialog(structDialog, 'input');
  });

  // Something went wrong on the way: the text stays in the form; say so. A new card is kept
  // in this browser and sent again when the connection is back (its client id makes that safe).
  body.addEventListener('htmx:sendError', function (e) {
    var form = e.detail.elt;
    if (form === cardForm && cardForm.dataset.mode === 'new') {
      queueCard({
        client_id: $('#card-client-id').value, phase_id: $('#card-phase').value,
        lane_id: $('#card-lane').value, text: $('#card-text').value
      });
      $('#card-text').value = '';
      cardForm.dataset.mode = '';
      cardDialog.close();
      showToast(body.dataset.msgQueued);
      return;
    }
    showToast(body.dataset.msgNetwork);
  });
  body.addEventListener('htmx:responseError', function () { showToast(body.dataset.msgServer); });
  // An edit conflict: the form now knows the version it would replace, so saving again is deliberate.
  body.addEventListener('htmx:afterSwap', function (e) {
    var marker = e.detail.target && e.detail.target.querySelector && e.detail.target.querySelector('[data-current-version]');
    if (marker && e.detail.target.id === 'card-error') $('#card-version').value = marker.dataset.currentVersion;
  });

  body.addEventListener('htmx:afterRequest', function (e) {
    // Gone (deleted by someone else, or a stale board): fetch the current board.
    if (e.detail.xhr && e.detail.xhr.status === 404) resync();
  });

  function showToast(message) {
    var toast = $('#toast');
    if (!toast || !message) return;
    toast.textContent = message;
  }

  // -- drag and drop (desktop); phones use the Move fields in the card dialog --------------------
  document.addEventListener('dragstart', function (e) {
    var card = e.target.closest && e.target.closest('article.card');
    if (!card) return;
    e.dataTransfer.setData('text/plain', card.dataset.cardId);
    e.dataTransfer.effectAllowed = 'move';
    card.classList.add('dragging');
  });
  document.addEventListener('dragend', function (e) {
    var card = e.target.closest && e.target.closest('article.card');
    if (card) card.classList.remove('dragging');
  });
  document.addEventListener('dragover', function (e) {
    var cell = e.target.closest && e.target.closest('td.cell');
    if (cell) { e.preventDefault(); cell.classList.add('drop'); }
  });
  document.addEventListener('dragleave', function (e) {
    var cell = e.target.closest && e.target.closest('td.cell');
    if (cell) cell.classList.remove('drop');
  });
  document.addEventListener('drop', function (e) {
    var cell = e.target.closest && e.target.closest('td.cell');
    if (!cell) return;
    e.preventDefault();
    cell.classList.remove('drop');
    var id = e.dataTransfer.getData('text/plain');
    if (!/^\d+$/.test(id)) return;
    htmx.ajax('POST', '/w/' + slug + '/cards/' + id + '/move', {
      values: { phase_id: cell.dataset.phaseId, lane_id: cell.dataset.laneId }, swap: 'none'
    });
  });
})();

// -- views, tag filter, heat map, tags, follow-ups, votes (issue: make the informal visible) ------
(function () {
  'use strict';
  var body = document.body;
  var slug = body.dataset.slug;
  if (!slug) return;
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  // Views: switching is local, so the socket and any open dialog stay.
  function showView(id) { window.zlShowView(id); }
  document.addEventListener('click', function (e) {
    var b = e.target.closest('button[data-view], a[data-view]');
    if (!b) return;
    e.preventDefault();
    showView(b.dataset.view);
    window.scrollTo(0, 0);
  });

  // Filter by tag: hide (or dim) every card without it. Re-applied after each live update.
  var filterTag = '';
  function applyFilter() {
    var dim = $('#filter-dim') && $('#filter-dim').checked;
    var select = $('#tag-filter');
    if (select && select.value !== filterTag) select.value = filterTag;
    $$('article.card').forEach(function (card) {
      var match = !filterTag || (card.dataset.tags || '').indexOf(' ' + filterTag + ' ') >= 0;
      card.classList.toggle('filtered-out', !match && !dim);
      card.classList.toggle('dimmed', !match && dim);
    });
    body.classList.toggle('filtering', !!filterTag);
  }
  document.addEventListener('change', function (e) {
    if (e.target.id === 'tag-filter') { filterTag = e.target.value; applyFilter(); }
    if (e.target.id === 'filter-dim') applyFilter();
  });
  ['htmx:wsAfterMessage', 'htmx:afterSettle', 'htmx:oobAfterSwap'].forEach(function (name) {
    document.addEventListener(name, function () { applyFilter(); refreshTagDialog(); });
  });

  var heat = $('#heat-toggle');
  if (heat) heat.addEventListener('click', function () {
    var on = heat.getAttribute('aria-pressed') !== 'true';
    heat.setAttribute('aria-pressed', String(on));
    body.classList.toggle('show-heat', on);
  });

  // Tag dialog: one tap opens it on a card, one tap sets or clears a tag.
  var tagDialog = $('#tag-dialog');
  function refreshTagDialog() {
    if (!tagDialog || !tagDialog.open) return;
    var card = document.getElementById('card-' + tagDialog.dataset.cardId);
    if (!card) { tagDialog.close(); return; }
    var tags = card.dataset.tags || '';
    $$('.tag-toggle', tagDialog).forEach(function (b) {
      b.setAttribute('aria-pressed', String(tags.indexOf(' ' + b.dataset.tagId + ' ') >= 0));
    });
  }
  document.addEventListener('click', function (e) {
    var open = e.target.closest('[data-action="tag-card"]');
    if (open) {
      var card = open.closest('article.card');
      tagDialog.dataset.cardId = card.dataset.cardId;
      $('#tag-card-text').textContent = $('.card-text', card).textContent;
      $('#tag-error').innerHTML = '';
      tagDialog.showModal();
      refreshTagDialog();
      var first = $('.tag-toggle', tagDialog);
      if (first) first.focus();
      return;
    }
    var toggle = e.target.closest('.tag-toggle');
    if (toggle) {
      var on = toggle.getAttribute('aria-pressed') !== 'true';
      toggle.setAttribute('aria-pressed', String(on));
      htmx.ajax('POST', '/w/' + slug + '/cards/' + tagDialog.dataset.cardId + '/tags', {
        source: toggle, target: '#tag-error', swap: 'innerHTML',
        values: { tag_id: toggle.dataset.tagId, on: on ? '1' : '0' }
      });
      return;
    }
    var follow = e.target.closest('[data-action="edit-followup"]');
    if (follow) {
      var dialog = $('#followup-dialog');
      var form = $('#followup-form');
      form.setAttribute('hx-post', form.dataset.url + follow.dataset.cardId + '/followup');
      htmx.process(form);
      $('#followup-card').textContent = (follow.closest('li').querySelector('a') || {}).textContent || '';
      $('#followup-note').value = follow.dataset.note || '';
      $('#followup-owner').value = follow.dataset.owner || '';
      $('#followup-status').value = follow.dataset.status || 'open';
      $('#followup-error').innerHTML = '';
      dialog.showModal();
      $('#followup-note').focus();
      return;
    }
    var jump = e.target.closest('[data-action="jump"]');
    if (jump) {
      e.preventDefault();
      var target = document.getElementById('card-' + jump.dataset.cardId);
      if (!target) return;
      filterTag = ''; applyFilter();
      showView('board-view');
      target.scrollIntoView({ block: 'center', inline: 'center' });
      target.classList.add('flash');
      setTimeout(function () { target.classList.remove('flash'); }, 2000);
      var edit = $('[data-action="edit-card"]', target);
      if (edit) edit.focus({ preventScroll: true });
    }
  });
  body.addEventListener('zl:dialog-done', function () {
    var d = $('#followup-dialog');
    if (d && d.open) d.close();
  });
})();

// -- the facilitator runs the room: focus ("follow me"), timer, private writing ------------------
(function () {
  'use strict';
  var body = document.body;
  var slug = body.dataset.slug;
  if (!slug) return;
  function $(sel, root) { return (root || document).querySelector(sel); }
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

  function showView(id) { window.zlShowView(id); }

  // Focus: follow the facilitator until you look elsewhere; one tap brings you back.
  var following = true;
  var lastFocus = null;
  // The focused phase or row is marked on every screen; only a change of focus (or "Go there")
  // moves a screen there. A live swap of the board re-marks it and never moves anyone.
  function markFocus() {
    var f = $('#focus');
    $$('.focused').forEach(function (el) { el.classList.remove('focused'); });
    if (!f || (f.dataset.kind !== 'phase' && f.dataset.kind !== 'lane')) return null;
    var kind = f.dataset.kind, id = f.dataset.id;
    var head = document.getElementById(kind + '-' + id);
    var cells = kind === 'phase' ? $$('td.cell[data-phase-id="' + id + '"]') : $$('td.cell[data-lane-id="' + id + '"]');
    cells.concat(head ? [head] : []).forEach(function (el) { el.classList.add('focused'); });
    return head;
  }
  function goToFocus() {
    var f = $('#focus');
    if (!f || !f.dataset.kind) return;
    if (window.zlProjecting && window.zlProjecting() === 'join') return;  // the join face stays until the facilitator switches
    var kind = f.dataset.kind, id = f.dataset.id;
    if (kind === 'phase' || kind === 'lane') {
      showView('board-view');
      var head = markFocus();
      document.dispatchEvent(new CustomEvent('zl:focus', { detail: { kind: kind, id: id } }));
      if (head) head.scrollIntoView({ block: 'nearest', inline: 'center' });
    } else if (kind === 'revisit') {
      showView('revisit-view');
    } else if (kind === 'chart') {
      showView('chart-view');
    } else if (kind === 'board') {
      showView('board-view');
    }
    following = true;
    body.classList.remove('not-following');
  }
  function onFocusUpdate() {
    var f = $('#focus');
    if (!f) return;
    var key = f.dataset.kind + ':' + f.dataset.id;
    if (key !== lastFocus) {
      lastFocus = key;
      if (f.dataset.kind) goToFocus();
      else $$('.focused').forEach(function (el) { el.classList.remove('focused'); });
    }
  }
  document.addEventListener('click', function (e) {
    if (e.target.closest('[data-action="follow"]')) { goToFocus(); return; }
    // Looking elsewhere by choice: stop following until "Go there".
    if (e.target.closest('button[data-view], a[data-view], [data-phase-tab]') && !body.classList.contains('is-facilitator')) {
      following = false;
      body.classList.add('not-following');
    }
  });

  // Timer: the server sends the end time; each screen counts down, and shows the end in words.
  var clockOffset = 0;
  var timerTick = null;
  function renderTimer() {
    var t = $('#timer');
    if (!t) return;
    var clock = $('.timer-clock', t);
    if (!clock) { t.dataset.state = 'idle'; return; }
    var seconds;
    if (t.dataset.ends) {
      seconds = Math.max(0, Math.round((Number(t.dataset.ends) - (Date.now() + clockOffset)) / 1000));
      t.dataset.state = seconds > 0 ? 'running' : 'done';
    } else if (t.dataset.remaining !== '') {
      seconds = Number(t.dataset.remaining);
      t.dataset.state = 'paused';
    } else {
      t.dataset.state = 'idle';
      return;
    }
    var text = Math.floor(seconds / 60) + ':' + String(seconds % 60).padStart(2, '0');
    if (clock.textContent !== text) clock.textContent = text;
  }
  function onTimerUpdate() {
    var t = $('#timer');
    if (t && t.dataset.now) clockOffset = Number(t.dataset.now) - Date.now();
    renderTimer();
    if (!timerTick) timerTick = setInterval(renderTimer, 500);
  }

  // Private writing: a whole-board update carries no private cards; fetch our own again.
  function refetchMine() {
    var state = $('#session-state');
    if (state && state.dataset.private === 'true') {
      htmx.ajax('GET', '/w/' + slug + '/mine', { swap: 'none' });
    }
  }

  // Fired on the new element(s) after each out-of-band swap (several times per message: stay idempotent).
  document.addEventListener('htmx:oobAfterSwap', function (e) {
    var id = e.target && e.target.id;
    if (id === 'focus') onFocusUpdate();
    if (id === 'timer') onTimerUpdate();
    if (id === 'board-root') { refetchMine(); markFocus(); }
  });
  document.addEventListener('zl:go-focus', goToFocus);
  document.addEventListener('DOMContentLoaded', function () { onFocusUpdate(); onTimerUpdate(); });
  if (document.readyState !== 'loading') { onFocusUpdate(); onTimerUpdate(); }
})();

// -- phones first: one phase at a time; live changes never steal focus ---------------------------
// One piece of state says which phase a phone shows: `currentPhase` (a phase id, kept per tab).
// From it come the tabs' aria-pressed and body[data-phase-n] (the phase's column, 1-based), which
// the CSS alone uses to show one column: a board swapped in by any live update is laid out right
// from its first paint, and a MutationObserver re-derives both after every swap.
(function () {
  'use strict';
  var body = document.body;
  if (!body.dataset.slug) return;
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  var phone = window.matchMedia('(max-width: 700px)');
  var KEY = 'zl-phase-' + body.dataset.slug;
  var currentPhase = null;
  try { currentPhase = sessionStorage.getItem(KEY); } catch (err) { /* not remembered */ }

  function syncTabs(heads) {
    var nav = document.getElementById('phase-tabs');
    if (!nav) return;
    var want = heads.map(function (th) { return th.dataset.phaseId + '\u0000' + th.querySelector('.phase-name').textContent; }).join('\u0001');
    if (nav.dataset.built === want) return;
    nav.dataset.built = want;
    var have = $$('[data-phase-tab]', nav).map(function (b) { return b.dataset.phaseTab + '\u0000' + b.textContent; }).join('\u0001');
    if (have === want) return;
    nav.textContent = '';
    heads.forEach(function (th) {
      var b = document.createElement('button');
      b.type = 'button';
      b.dataset.phaseTab = th.dataset.phaseId;
      b.textContent = th.querySelector('.phase-name').textContent;
      nav.appendChild(b);
    });
  }
  function applyPhase() {
    var heads = $$('#board thead th.phase');
    if (!heads.length) return;
    syncTabs(heads);
    var ids = heads.map(function (th) { return th.dataset.phaseId; });
    if (ids.indexOf(currentPhase) < 0) currentPhase = ids[0];
    var n = String(ids.indexOf(currentPhase) + 1);
    if (body.dataset.phaseN !== n) body.dataset.phaseN = n;
    $$('[data-phase-tab]').forEach(function (t) {
      var on = String(t.dataset.phaseTab === currentPhase);
      if (t.getAttribute('aria-pressed') !== on) t.setAttribute('aria-pressed', on);
    });
    body.classList.toggle('one-phase', phone.matches);
  }
  function choose(id) {
    currentPhase = String(id);
    try { sessionStorage.setItem(KEY, currentPhase); } catch (err) { /* not remembered */ }
    applyPhase();
  }
  document.addEventListener('click', function (e) {
    var tab = e.target.closest('[data-phase-tab]');
    if (tab) choose(tab.dataset.phaseTab);
  });
  document.addEventListener('zl:focus', function (e) {
    if (e.detail.kind === 'phase') choose(e.detail.id);
  });
  var view = document.getElementById('board-view');
  if (view && window.MutationObserver) new MutationObserver(applyPhase).observe(view, { childList: true, subtree: true });
  if (phone.addEventListener) phone.addEventListener('change', applyPhase);
  applyPhase();

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

})();

// -- the facilitator's bar: side drawer, invite dialog, projector mode; fit-to-screen; menus -------
(function () {
  'use strict';
  var body = document.body;
  var slug = body.dataset.slug;
  if (!slug) return;
  var drawer = document.getElementById('fac-drawer');
  var opener = document.querySelector('[data-action="open-drawer"]');
  function setDrawer(open) {
    if (!drawer) return;
    if (open && !drawer.open) drawer.show();  // not modal: the board stays usable beside it
    if (!open && drawer.open) drawer.close();
    if (opener) opener.setAttribute('aria-expanded', String(open));
    body.classList.toggle('drawer-open', open);
  }
  if (drawer) drawer.addEventListener('close', function () {
    if (opener) opener.setAttribute('aria-expanded', 'false');
    body.classList.remove('drawer-open');
  });

  // Projector mode, two faces: "join" (QR and code) and "board" (read-only, follows the focus).
  var PROJ_KEY = 'zl-projector-' + slug;
  function setProjector(face) {
    if (!face) {
      body.classList.remove('projecting');
      delete body.dataset.face;
      window.zlShowView('board');
    } else {
      setDrawer(false);
      document.querySelectorAll('dialog[open]').forEach(function (d) { d.close(); });
      body.classList.add('projecting');
      body.dataset.face = face;
      window.zlShowView(face === 'join' ? 'projector' : 'board');
      var f = document.getElementById('focus');
      if (face === 'board' && f && f.dataset.kind) document.dispatchEvent(new CustomEvent('zl:go-focus'));
    }
    document.querySelectorAll('.projector-bar [data-face]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.dataset.face === face));
    });
    try { if (face) sessionStorage.setItem(PROJ_KEY, face); else sessionStorage.removeItem(PROJ_KEY); } catch (err) { /* not remembered */ }
    window.scrollTo(0, 0);
  }
  window.zlProjecting = function () { return body.classList.contains('projecting') ? body.dataset.face : ''; };

  document.addEventListener('click', function (e) {
    var t = e.target.closest('[data-action]');
    if (t) {
      var action = t.dataset.action;
      if (action === 'open-drawer') { e.preventDefault(); setDrawer(!(drawer && drawer.open)); return; }
      if (action === 'open-dialog') {
        var d = document.getElementById(t.dataset.dialog);
        if (d && !d.open) d.showModal();
        return;
      }
      if (action === 'projector') { e.preventDefault(); setProjector(t.dataset.face || 'join'); return; }
      if (action === 'projector-exit') { setProjector(''); return; }
    }
    // A menu closes when one clicks elsewhere.
    document.querySelectorAll('details.menu[open]').forEach(function (m) {
      if (!m.contains(e.target)) m.open = false;
    });
  });
  document.addEventListener('keydown', function (e) {
    if (e.key !== 'Escape') return;
    if (drawer && drawer.open && !document.querySelector('dialog[open]:modal')) { setDrawer(false); if (opener) opener.focus(); return; }
    if (body.classList.contains('projecting') && !document.querySelector('dialog[open]:modal')) setProjector('');
  });

  // Fit the whole board to the screen (larger boards): the largest zoom step at which it fits.
  // Steps are classes (app.css), never a style attribute: the CSP forbids inline styles, and htmx
  // copies an old element's attributes onto its replacement while settling.
  var fit = document.getElementById('fit-toggle');
  var STEPS = [90, 80, 70, 60, 50, 40];
  function applyFit() {
    var board = document.getElementById('board');
    var wrap = document.querySelector('.board-wrap');
    STEPS.forEach(function (n) { body.classList.remove('zoom-' + n); });
    if (!board || !wrap || !fit || fit.getAttribute('aria-pressed') !== 'true') return;
    var ratio = wrap.clientWidth / board.scrollWidth;
    if (ratio >= 1) return;
    var step = STEPS.filter(function (n) { return n / 100 <= ratio; })[0] || 40;
    body.classList.add('zoom-' + step);
  }
  if (fit) fit.addEventListener('click', function () {
    fit.setAttribute('aria-pressed', String(fit.getAttribute('aria-pressed') !== 'true'));
    applyFit();
  });
  document.addEventListener('htmx:oobAfterSwap', function (e) { if (e.target && e.target.id === 'board-root') applyFit(); });
  window.addEventListener('resize', applyFit);

  try { var face = sessionStorage.getItem(PROJ_KEY); if (face && body.classList.contains('is-facilitator')) setProjector(face); } catch (err) { /* not remembered */ }
})();

// -- display preferences on every page: larger text, high contrast (kept on this device) ----------
(function () {
  'use strict';
  var body = document.body;
  function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }
  // Larger text and high contrast, remembered on this device.
  function applyPrefs() {
    body.classList.toggle('large-text', localStorage.getItem('zl-large-text') === '1');
    body.classList.toggle('high-contrast', localStorage.getItem('zl-contrast') === '1');
    $$('[data-pref]').forEach(function (b) {
      var key = b.dataset.pref === 'large-text' ? 'zl-large-text' : 'zl-contrast';
      b.setAttribute('aria-pressed', String(localStorage.getItem(key) === '1'));
    });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest('[data-pref]');
    if (!b) return;
    var key = b.dataset.pref === 'large-text' ? 'zl-large-text' : 'zl-contrast';
    try { localStorage.setItem(key, localStorage.getItem(key) === '1' ? '0' : '1'); } catch (err) { /* private mode */ }
    applyPrefs();
  });
  try { applyPrefs(); } catch (err) { /* storage unavailable */ }
})();

// -- what others do, read out politely by screen readers (never the user's own changes) ----------
(function () {
  'use strict';
  var body = document.body;
  if (!body.dataset.slug) return;
  // Once per socket message (out-of-band swap events fire several times per message).
  document.addEventListener('htmx:wsAfterMessage', function (e) {
    if (String(e.detail.message).indexOf('id="announce"') < 0) return;
    var source = document.getElementById('announce');
    var region = document.getElementById('live-region');
    if (!source || !region || source.dataset.actor === body.dataset.member) return;
    var text = source.textContent.trim();
    if (text) region.textContent = text;
  });
})();
