/*
 * The queue page's keyboard (served at /agent/assets/queue.js; no inline script): `j` and `k`
 * move the focus to the next and previous ticket (its number's link), `Enter` on it opens the
 * ticket (the link's own behaviour). Not while typing in a field, and not with a modifier key.
 * Without JavaScript the page works the same with Tab.
 */
/* global document */
(function () {
  'use strict';
  function links() {
    return Array.prototype.slice.call(document.querySelectorAll('tr[data-ticket] a.ticket-link'));
  }
  function typing(el) {
    return !!el && (/^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) || el.isContentEditable);
  }
  function mark(link) {
    document.querySelectorAll('tr.row-focus').forEach(function (tr) { tr.classList.remove('row-focus'); });
    var tr = link.closest('tr');
    if (tr) tr.classList.add('row-focus');
  }
  document.addEventListener('keydown', function (e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || typing(document.activeElement)) return;
    if (e.key !== 'j' && e.key !== 'k') return;
    var all = links();
    if (!all.length) return;
    var at = all.indexOf(document.activeElement);
    var next = e.key === 'j' ? (at < 0 ? 0 : Math.min(at + 1, all.length - 1)) : (at < 0 ? 0 : Math.max(at - 1, 0));
    e.preventDefault();
    all[next].focus();
    mark(all[next]);
  });
  document.addEventListener('focusin', function (e) {
    var t = e.target;
    if (t && t.classList && t.classList.contains('ticket-link')) mark(t);
  });
})();
