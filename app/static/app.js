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
    if (e.target.id === 'card-text') updateCounter();
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
