// Zichtlijn's only script: dialogs, drag and drop, and the socket's catch-up.
// Everything that changes data goes through htmx requests to the server.
(function () {
  'use strict';

  // Reconnect fast on hospital Wi-Fi: 0.5 s, 1 s, 2 s ... at most 5 s, with jitter.
  htmx.config.wsReconnectDelay = function (retry) {
    var base = Math.min(5000, 500 * Math.pow(2, retry));
    return base / 2 + Math.random() * base / 2;
  };

  var body = document.body;
  var slug = body.dataset.slug;

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
  });
  document.addEventListener('htmx:wsClose', function () { if (everConnected) setConnection('offline'); });
  document.addEventListener('htmx:wsError', function () { if (everConnected) setConnection('offline'); });
  function resync() {
    if (socket) socket.send(JSON.stringify({ type: 'hello', seq: -1 }));
  }

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
    cardForm.dataset.mode = 'new';
    $('#card-phase').value = phaseId; $('#card-phase').disabled = false;
    $('#card-lane').value = laneId; $('#card-lane').disabled = false;
    $('#card-where').textContent = cellName(phaseId, laneId);
    $('#card-move').hidden = true;
    $('#card-move-phase').disabled = true; $('#card-move-lane').disabled = true;
    $('#card-delete').hidden = true;
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
    $('#card-phase').disabled = true; $('#card-lane').disabled = true;
    $('#card-where').textContent = cellName(article.dataset.phaseId, article.dataset.laneId);
    fillSelect($('#card-move-phase'), document.querySelectorAll('th.phase'), 'phaseId', article.dataset.phaseId);
    fillSelect($('#card-move-lane'), document.querySelectorAll('th.lane'), 'laneId', article.dataset.laneId);
    $('#card-move-phase').disabled = false; $('#card-move-lane').disabled = false;
    $('#card-move').hidden = false;
    var del = $('#card-delete');
    del.hidden = false;
    setPost(del, cardForm.dataset.cardUrl + id + '/delete');
    $('#card-error').innerHTML = '';
    setPost(cardForm, cardForm.dataset.cardUrl + id);
    updateCounter();
    openDialog(cardDialog, '#card-text');
  }

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
    }
  });

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
    if (cardDialog.open) cardDialog.close();
  });
  body.addEventListener('zl:dialog-done', function () {
    if (structDialog && structDialog.open) structDialog.close();
  });

  // Structure forms (facilitator) are fetched into the dialog, then shown.
  body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target && e.detail.target.id === 'struct-body') openDialog(structDialog, 'input');
  });

  // Something went wrong on the way: the text stays in the form; say so.
  body.addEventListener('htmx:sendError', function () { showToast(body.dataset.msgNetwork); });
  body.addEventListener('htmx:responseError', function () { showToast(body.dataset.msgServer); });
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
  function showView(id) {
    $$('.view').forEach(function (v) { v.hidden = v.id !== id; });
    $$('[data-view]').forEach(function (b) { b.setAttribute('aria-pressed', String(b.dataset.view === id)); });
  }
  document.addEventListener('click', function (e) {
    var b = e.target.closest('[data-view]');
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

  function showView(id) {
    if (!document.getElementById(id)) return;
    $$('.view').forEach(function (v) { v.hidden = v.id !== id; });
    $$('[data-view]').forEach(function (b) { if (b.tagName === 'BUTTON') b.setAttribute('aria-pressed', String(b.dataset.view === id)); });
  }

  // Focus: follow the facilitator until you look elsewhere; one tap brings you back.
  var following = true;
  var lastFocus = null;
  function goToFocus() {
    var f = $('#focus');
    if (!f || !f.dataset.kind) return;
    var kind = f.dataset.kind, id = f.dataset.id;
    $$('.focused').forEach(function (el) { el.classList.remove('focused'); });
    if (kind === 'phase' || kind === 'lane') {
      showView('board-view');
      var head = document.getElementById(kind + '-' + id);
      var cells = kind === 'phase' ? $$('td.cell[data-phase-id="' + id + '"]') : $$('td.cell[data-lane-id="' + id + '"]');
      cells.concat(head ? [head] : []).forEach(function (el) { el.classList.add('focused'); });
      if (head) head.scrollIntoView({ block: 'nearest', inline: 'center' });
      document.dispatchEvent(new CustomEvent('zl:focus', { detail: { kind: kind, id: id } }));
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
    if (e.target.closest('[data-view]') && !body.classList.contains('is-facilitator')) {
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
    if (id === 'board-root') { refetchMine(); if (following) goToFocus(); }
  });
  document.addEventListener('DOMContentLoaded', function () { onFocusUpdate(); onTimerUpdate(); });
  if (document.readyState !== 'loading') { onFocusUpdate(); onTimerUpdate(); }
})();
