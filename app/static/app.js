// Zichtlijn's only script: dialogs, drag and drop, the socket's catch-up, and the chart view.
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
  function showView(view) {
    body.dataset.view = view;
    document.querySelectorAll('.view-tab').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.dataset.view === view));
    });
    try { sessionStorage.setItem(VIEW_KEY, view); } catch (err) { /* private mode: not remembered */ }
  }

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
    } else if (action === 'show-view') {
      showView(target.dataset.view);
      applySelection();
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
    showView(lastWalk ? 'chart' : (stored === 'chart' ? 'chart' : 'board'));
    if (lastWalk) setTimeout(function () { followWalk(true); }, 0);
  })();

  document.addEventListener('input', function (e) {
    if (e.target.id === 'card-text') updateCounter();
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
