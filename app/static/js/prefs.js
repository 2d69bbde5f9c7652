// Display preferences on every page: larger text, high contrast (kept on this device).
import { $$, body } from './util.js';

export function start() {
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
}
