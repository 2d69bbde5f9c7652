// The room: the facilitator's focus ("volg mij"), the timer, private writing, the phase a phone
// shows (one piece of state), and the projector mode with its two faces.
import { $, $$, body, showView, slug } from './util.js';

// Projector mode, two faces: "join" (QR and code) and "board" (read-only, follows the focus).
var PROJ_KEY = 'zl-projector-' + slug;
function projecting() { return body.classList.contains('projecting') ? body.dataset.face : ''; }
function setProjector(face) {
  if (!face) {
    body.classList.remove('projecting');
    delete body.dataset.face;
    showView('board');
  } else {
    document.dispatchEvent(new CustomEvent('zl:close-drawer'));
    document.querySelectorAll('dialog[open]').forEach(function (d) { d.close(); });
    body.classList.add('projecting');
    body.dataset.face = face;
    showView(face === 'join' ? 'projector' : 'board');
    var f = document.getElementById('focus');
    if (face === 'board' && f && f.dataset.kind) document.dispatchEvent(new CustomEvent('zl:go-focus'));
  }
  document.querySelectorAll('.projector-bar [data-face]').forEach(function (b) {
    b.setAttribute('aria-pressed', String(b.dataset.face === face));
  });
  try { if (face) sessionStorage.setItem(PROJ_KEY, face); else sessionStorage.removeItem(PROJ_KEY); } catch (err) { /* not remembered */ }
  window.scrollTo(0, 0);
}

export function start() {
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
    if (projecting() === 'join') return;  // the join face stays until the facilitator switches
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

  // -- phones first: one phase at a time ---------------------------------------------------------
  // One piece of state says which phase a phone shows: `currentPhase` (a phase id, kept per tab).
  // From it come the tabs' aria-pressed and body[data-phase-n] (the phase's column, 1-based), which
  // the CSS alone uses to show one column: a board swapped in by any live update is laid out right
  // from its first paint, and a MutationObserver re-derives both after every swap.
  var phone = window.matchMedia('(max-width: 700px)');
  var KEY = 'zl-phase-' + slug;
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

  document.addEventListener('click', function (e) {
    var t = e.target.closest('[data-action="projector"], [data-action="projector-exit"]');
    if (!t) return;
    e.preventDefault();
    setProjector(t.dataset.action === 'projector' ? (t.dataset.face || 'join') : '');
  });
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && projecting() && !document.querySelector('dialog[open]:modal')) setProjector('');
  });
  try { var face = sessionStorage.getItem(PROJ_KEY); if (face && body.classList.contains('is-facilitator')) setProjector(face); } catch (err) { /* not remembered */ }
  onFocusUpdate();
  onTimerUpdate();
}
