// Dialogs: a card (new, edited, from a chart step; its links to chart steps), tags, follow-ups,
// the structure forms fetched into #struct-dialog, the invite dialog and the facilitator's drawer.
import { $, $$, body, slug, showToast } from './util.js';
import { resync, sendSocket } from './live.js';
import { queueCard } from './queue.js';
import { stepInfo } from './chart.js';

var cardDialog, cardForm, structDialog;

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
export function openCardAtStep(stepId) {
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


export function start() {
  cardDialog = $('#card-dialog');
  cardForm = $('#card-form');
  structDialog = $('#struct-dialog');
  cardDialog.addEventListener('close', function () {
    if (cardForm.dataset.mode === 'edit') sendSocket({ type: 'editing', card: null });
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
    } else if (action === 'open-dialog') {
      var d = document.getElementById(target.dataset.dialog);
      if (d && !d.open) d.showModal();
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
    cardForm.dataset.stepId = '';
    if (cardDialog.open) cardDialog.close();
  });
  body.addEventListener('zl:dialog-done', function () {
    if (structDialog && structDialog.open) structDialog.close();
  });

  // Structure forms (facilitator) are fetched into the dialog, then shown.
  body.addEventListener('htmx:afterSwap', function (e) {
    if (e.detail.target && e.detail.target.id === 'struct-body') openDialog(structDialog, 'input:not([type=hidden]), textarea, select');
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
  });
  ['htmx:wsAfterMessage', 'htmx:afterSettle', 'htmx:oobAfterSwap'].forEach(function (name) {
    document.addEventListener(name, refreshTagDialog);
  });

  // The facilitator's side drawer: not modal, the board stays usable beside it.
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

  document.addEventListener('click', function (e) {
    var t = e.target.closest('[data-action="open-drawer"]');
    if (t) { e.preventDefault(); setDrawer(!(drawer && drawer.open)); }
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && drawer && drawer.open && !document.querySelector('dialog[open]:modal')) {
      setDrawer(false);
      if (opener) opener.focus();
    }
  });
  document.addEventListener('zl:close-drawer', function () { setDrawer(false); });
}
