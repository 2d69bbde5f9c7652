// The praatplaat beside the blueprint: a selected step (its panel, its cards highlighted on the
// blueprint, on this screen only), and walking a case, which every screen follows.
import { $, motion, showView, slug } from './util.js';
import { openCardAtStep } from './dialogs.js';

var selectedStep = null;
var lastWalk = '';

export function stepInfo(id) {
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

export function start() {
  var chartRoot = $('#chart-root');
  lastWalk = chartRoot ? chartRoot.dataset.walk : '';
  ['htmx:oobAfterSwap', 'htmx:afterSwap', 'htmx:wsAfterMessage'].forEach(function (name) {
    document.addEventListener(name, afterChange);
  });
  document.addEventListener('click', function (e) {
    var target = e.target.closest('[data-action]');
    if (!target) return;
    var action = target.dataset.action;
    if (action === 'select-step') {
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
  var stored = null;
  try { stored = sessionStorage.getItem('zl-view-' + slug); } catch (err) { /* not remembered */ }
  showView(lastWalk ? 'chart' : (stored === 'chart' || stored === 'revisit' ? stored : 'board'));
  if (lastWalk) setTimeout(function () { followWalk(true); }, 0);
}
