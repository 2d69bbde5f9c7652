// The board's own tools: the views, the tag filter, the heat map, jumping to a card, fit to
// screen, the bar's menus, and drag and drop (laptops; phones move a card in its dialog).
import { $, $$, body, showView, slug } from './util.js';

export function start() {
  // Views: switching is local, so the socket and any open dialog stay.
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
    document.addEventListener(name, applyFilter);
  });

  var heat = $('#heat-toggle');
  if (heat) heat.addEventListener('click', function () {
    var on = heat.getAttribute('aria-pressed') !== 'true';
    heat.setAttribute('aria-pressed', String(on));
    body.classList.toggle('show-heat', on);
  });


  // A card in the revisit list: to it on the blueprint.
  document.addEventListener('click', function (e) {
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

  // A menu closes when one clicks elsewhere.
  document.addEventListener('click', function (e) {
    document.querySelectorAll('details.menu[open]').forEach(function (m) {
      if (!m.contains(e.target)) m.open = false;
    });
  });

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
}
