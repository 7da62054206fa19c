/*
 * Live queues and ticket pages (served at /agent/assets/live.js; no inline script, so the pages'
 * CSP "script-src 'self'" holds). Listens to /agent/stream for the tickets on the page:
 *
 * - a queue row `tr[data-ticket="N"]`: its `[data-clock="response|resolution"]` get the countdown's
 *   text, title and `class="sla sla-<risk>"`; its `[data-field="status"]` and `[data-field="assignee"]`
 *   their new words;
 * - the ticket page `<main data-ticket="N">`: on a change of N, `/agent/tickets/N/live` is fetched and
 *   `#ticket-live`'s content replaced (not while a field in it has the focus: then once it leaves);
 * - any other ticket changed: `[data-live-banner]` is shown ("new or changed tickets — show") and a
 *   `agent:changed` event is dispatched on the document with `{ number }`;
 * - a polite live region (`[data-live-status]`, made if the page has none) says what changed, and
 *   when the stream breaks and comes back. EventSource reconnects by itself; when it gives up
 *   (the server answered an error), a new one is tried after a growing pause.
 */
/* global window, document, fetch, DOMParser, EventSource, CustomEvent, setTimeout */
(function () {
  'use strict';
  var main = document.querySelector('main[data-ticket]');
  var pageTicket = main ? main.getAttribute('data-ticket') : null;
  var numbers = [];
  if (pageTicket) numbers.push(pageTicket);
  document.querySelectorAll('tr[data-ticket]').forEach(function (tr) {
    var n = tr.getAttribute('data-ticket');
    if (n && numbers.indexOf(n) < 0) numbers.push(n);
  });
  numbers = numbers.slice(0, 100);

  var status = document.querySelector('[data-live-status]');
  if (!status) {
    status = document.createElement('div');
    status.setAttribute('data-live-status', '');
    status.className = 'visually-hidden';
    document.body.appendChild(status);
  }
  status.setAttribute('role', 'status');
  status.setAttribute('aria-live', 'polite');

  var words = { reconnecting: '', restored: '' };
  var stopped = false;
  var broken = false;
  var retryMs = 1000;
  var source = null;
  var pendingFragment = false;

  function say(text) {
    if (!text) return;
    // A change of text is what a screen reader announces; the same text twice is made new.
    status.textContent = status.textContent === text ? text + '\u00a0' : text;
  }

  function rowsOf(number) {
    return Array.prototype.filter.call(document.querySelectorAll('tr[data-ticket]'), function (tr) {
      return tr.getAttribute('data-ticket') === number;
    });
  }

  function showCountdowns(number, countdowns) {
    rowsOf(number).forEach(function (tr) {
      (countdowns || []).forEach(function (c) {
        tr.querySelectorAll('[data-clock="' + c.clock + '"]').forEach(function (el) {
          el.textContent = c.text;
          el.className = 'sla sla-' + c.risk;
          if (c.title) el.setAttribute('title', c.title);
        });
      });
    });
  }

  function showField(number, field, value) {
    rowsOf(number).forEach(function (tr) {
      tr.querySelectorAll('[data-field="' + field + '"]').forEach(function (el) {
        el.textContent = value === null || value === undefined || value === '' ? '—' : value;
      });
    });
  }

  function focusInside(el) {
    var active = document.activeElement;
    return !!active && active !== document.body && el.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName);
  }

  function refreshFragment() {
    var live = document.getElementById('ticket-live');
    if (!live || !pageTicket) return;
    if (focusInside(live)) {
      pendingFragment = true;
      return;
    }
    pendingFragment = false;
    fetch('/agent/tickets/' + encodeURIComponent(pageTicket) + '/live', { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (res) {
        if (!res.ok) throw new Error('fragment ' + res.status);
        return res.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, 'text/html');
        var fresh = doc.getElementById('ticket-live');
        live.innerHTML = fresh ? fresh.innerHTML : doc.body.innerHTML;
      })
      .catch(function () {
        /* the next change or a reload shows it */
      });
  }

  document.addEventListener('focusout', function () {
    if (!pendingFragment) return;
    setTimeout(function () {
      var live = document.getElementById('ticket-live');
      if (live && !focusInside(live)) refreshFragment();
    }, 0);
  });

  function parse(e) {
    try {
      return JSON.parse(e.data);
    } catch {
      return null;
    }
  }

  function onTicket(e) {
    var d = parse(e);
    if (!d) return;
    showCountdowns(d.number, d.countdowns);
    showField(d.number, 'status', d.statusText);
    showField(d.number, 'assignee', d.assignee);
    if (d.number === pageTicket) refreshFragment();
    say(d.announce);
  }

  function onChanged(e) {
    var d = parse(e);
    if (!d) return;
    document.querySelectorAll('[data-live-banner]').forEach(function (el) {
      el.hidden = false;
    });
    document.dispatchEvent(new CustomEvent('agent:changed', { detail: { number: d.number } }));
  }

  function onTick(e) {
    var d = parse(e);
    if (!d) return;
    if (d.words) words = d.words;
    (d.tickets || []).forEach(function (t) {
      showCountdowns(t.number, t.countdowns);
    });
    if (broken) {
      broken = false;
      say(words.restored);
    }
    retryMs = 1000;
  }

  function connect() {
    var url = '/agent/stream' + (numbers.length ? '?tickets=' + encodeURIComponent(numbers.join(',')) : '');
    source = new EventSource(url, { withCredentials: true });
    source.addEventListener('ticket', onTicket);
    source.addEventListener('changed', onChanged);
    source.addEventListener('tick', onTick);
    source.addEventListener('signed_out', function (e) {
      // The session ended: no more reconnecting; the next page asks to sign in again.
      var d = parse(e);
      stopped = true;
      source.close();
      source = null;
      say(d && d.message ? d.message : '');
    });
    source.onerror = function () {
      if (!broken) {
        broken = true;
        say(words.reconnecting);
      }
      if (stopped) return;
      if (source.readyState === EventSource.CLOSED) {
        // The browser gave up (an error answer): try again, less and less often.
        source = null;
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 60000);
      }
    };
  }

  if (typeof EventSource === 'function') connect();
  window.addEventListener('pagehide', function () {
    if (source) source.close();
    source = null;
  });
  window.addEventListener('pageshow', function (e) {
    if (e.persisted && !source && !stopped && typeof EventSource === 'function') connect();
  });
})();
