// Helpers every module shares, each defined once.
export const body = document.body;
export const slug = body.dataset.slug || '';

export function $(sel, root) { return (root || document).querySelector(sel); }
export function $$(sel, root) { return Array.prototype.slice.call((root || document).querySelectorAll(sel)); }

// One view switcher for the page: "board", "chart", "revisit", "projector" (or their section ids).
// Views are sections of one page, so the socket and any open dialog stay when switching; the
// chosen view is kept across a reload of this tab.
export function showView(name) {
  var id = /-view$/.test(name) ? name : name + '-view';
  if (!document.getElementById(id)) return;
  document.querySelectorAll('.view').forEach(function (v) { v.hidden = v.id !== id; });
  document.querySelectorAll('button[data-view]').forEach(function (b) {
    var target = /-view$/.test(b.dataset.view) ? b.dataset.view : b.dataset.view + '-view';
    b.setAttribute('aria-pressed', String(target === id));
  });
  body.dataset.view = id.replace(/-view$/, '');
  try { sessionStorage.setItem('zl-view-' + slug, body.dataset.view); } catch (err) { /* not remembered */ }
}

export function showToast(message) {
  var toast = $('#toast');
  if (!toast || !message) return;
  toast.textContent = message;
}

export function motion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth';
}
