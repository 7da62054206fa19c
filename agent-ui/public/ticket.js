/*
 * The agent's ticket page, progressively: a knowledge-base suggestion's or a reply template's
 * "insert" link puts its text into the reply box where the cursor is (without JavaScript the link
 * reloads the page with the reply prefilled); and what the agent is typing survives live.js
 * replacing #ticket-live when the ticket changes (the drafts are kept by field id and put back,
 * focus and cursor too). No inline script: the page's CSP allows this file only.
 */
/* global document, MutationObserver */
(function () {
  'use strict';
  var live = document.getElementById('ticket-live');
  // live.js finds the ticket on <main data-ticket>: the page's wrapper names it (this script runs first, both deferred).
  var page = document.getElementById('agent-ticket');
  var main = document.querySelector('main');
  if (page && main && !main.getAttribute('data-ticket')) main.setAttribute('data-ticket', page.getAttribute('data-ticket'));
  var status = document.getElementById('live-status');
  var drafts = {};

  function say(text) {
    if (status && text) status.textContent = text;
  }

  function insertInto(box, text) {
    var start = typeof box.selectionStart === 'number' ? box.selectionStart : box.value.length;
    var end = typeof box.selectionEnd === 'number' ? box.selectionEnd : start;
    var before = box.value.slice(0, start);
    var after = box.value.slice(end);
    var lead = before && !/\n$/.test(before) ? '\n' : '';
    var tail = after && !/^\n/.test(after) ? '\n' : '';
    box.value = before + lead + text + tail + after;
    var at = (before + lead + text).length;
    box.focus();
    box.setSelectionRange(at, at);
    drafts[box.id] = { value: box.value, at: at };
  }

  document.addEventListener('click', function (e) {
    var link = e.target && e.target.closest ? e.target.closest('a[data-insert]') : null;
    if (!link) return;
    var box = document.getElementById(link.getAttribute('data-insert-into') || 'reply-message');
    if (!box) return; // No reply form now: the link's own page says why.
    e.preventDefault();
    insertInto(box, link.getAttribute('data-insert'));
    say(link.getAttribute('data-inserted') || '');
  });

  if (!live) return;
  live.addEventListener('input', function (e) {
    var f = e.target;
    if (f && f.id && (f.tagName === 'TEXTAREA' || f.tagName === 'INPUT' || f.tagName === 'SELECT')) drafts[f.id] = { value: f.value, at: f.selectionStart };
  });
  var focused = null;
  live.addEventListener('focusin', function (e) { focused = e.target && e.target.id; });

  // live.js swaps the part's content: put the drafts back into the fields that came with it.
  new MutationObserver(function () {
    Object.keys(drafts).forEach(function (id) {
      var f = document.getElementById(id);
      if (f && f.value !== drafts[id].value && !f.closest('.form-error')) f.value = drafts[id].value;
    });
    var f = focused && document.getElementById(focused);
    if (f && document.activeElement !== f && live.contains(f)) {
      f.focus();
      var d = drafts[focused];
      if (d && typeof d.at === 'number' && f.setSelectionRange) f.setSelectionRange(d.at, d.at);
    }
  }).observe(live, { childList: true });

  // A form sent is no longer a draft.
  live.addEventListener('submit', function (e) {
    Array.prototype.forEach.call(e.target.elements, function (f) { if (f.id) delete drafts[f.id]; });
  });
})();
