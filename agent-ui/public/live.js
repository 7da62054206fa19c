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
 *   (the server answered an error), a new one is tried after a growing pause;
 * - a hidden tab holds no stream (browsers allow 6 connections per host over HTTP/1.1, so a 7th
 *   tab would wait): it is closed when the page is hidden and opened again when it is shown, and
 *   what was missed meanwhile is caught up — the ticket page fetches its live part once, the queue
 *   shows its banner, the countdowns come with the stream's first tick;
 * - the live part is fetched at most once a second (a burst of changes is one fetch), marked
 *   `X-Background: 1` (a page refreshing itself keeps no session alive past its idle limit), and
 *   swapped in only when the answer is the part: a session that ended (the sign-in's redirect, a
 *   401) is said, in the stream's words, and nothing reconnects.
 */
/* global window, document, fetch, DOMParser, EventSource, CustomEvent, setTimeout, clearTimeout */
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

  var words = { reconnecting: '', restored: '', signedOut: '' };
  var stopped = false;
  var broken = false;
  var retryMs = 1000;
  var retryTimer = null;
  var source = null;
  var pendingFragment = false;
  // What may have been missed while no stream was heard (a hidden tab, a page from the back-forward
  // cache, a break): caught up once, on the next stream's first tick (it is subscribed by then).
  var catchUpOnTick = false;
  // At most one fetch of the live part a second, and never two at once (an older answer would overwrite a newer one).
  var FRAGMENT_EVERY_MS = 1000;
  var lastFetch = 0;
  var fetchTimer = null;
  var fetching = false;
  var fetchAgain = false;

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

  function isHidden() {
    return document.visibilityState === 'hidden';
  }

  /** The session ended: said once, in the stream's words (or the page's own), and nothing reconnects. */
  function signedOut(message) {
    if (stopped) return;
    stopped = true;
    if (source) source.close();
    source = null;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    var live = document.getElementById('ticket-live');
    say(message || words.signedOut || (live && live.getAttribute('data-signed-out')) || '');
  }

  /** A change of the page's ticket: the live part fetched soon, once for a burst of changes. */
  function refreshFragment() {
    if (stopped || fetchTimer) return;
    if (fetching) {
      fetchAgain = true;
      return;
    }
    fetchTimer = setTimeout(fetchFragment, Math.max(0, lastFetch + FRAGMENT_EVERY_MS - Date.now()));
  }

  function fetchFragment() {
    fetchTimer = null;
    var live = document.getElementById('ticket-live');
    if (!live || !pageTicket || stopped) return;
    if (focusInside(live)) {
      pendingFragment = true;
      return;
    }
    pendingFragment = false;
    fetching = true;
    lastFetch = Date.now();
    fetch('/agent/tickets/' + encodeURIComponent(pageTicket) + '/live', {
      credentials: 'same-origin',
      // A redirect is the sign-in page: not followed, never put into the page.
      redirect: 'manual',
      headers: { Accept: 'text/html', 'X-Background': '1' },
    })
      .then(function (res) {
        if (res.type === 'opaqueredirect' || res.status === 401) {
          signedOut('');
          return null;
        }
        if (!res.ok || !/^text\/html/.test(res.headers.get('Content-Type') || '')) throw new Error('fragment ' + res.status);
        return res.text();
      })
      .then(function (html) {
        if (html === null || stopped) return;
        var fresh = new DOMParser().parseFromString(html, 'text/html').getElementById('ticket-live');
        // Only the live part itself is swapped in; anything else waits for the next change or a reload.
        if (fresh && fresh.hasAttribute('data-live-part')) {
          live.innerHTML = fresh.innerHTML;
          live.setAttribute('data-seq', fresh.getAttribute('data-seq') || '');
        }
      })
      .catch(function () {
        /* the next change or a reload shows it */
      })
      .then(function () {
        fetching = false;
        if (fetchAgain) {
          fetchAgain = false;
          refreshFragment();
        }
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

  /** Another ticket changed (number), or perhaps some did while the page had no stream (null): the banner. */
  function showChanged(number) {
    document.querySelectorAll('[data-live-banner]').forEach(function (el) {
      el.hidden = false;
    });
    document.dispatchEvent(new CustomEvent('agent:changed', { detail: { number: number } }));
  }

  function onChanged(e) {
    var d = parse(e);
    if (!d) return;
    showChanged(d.number);
  }

  function onTick(e) {
    var d = parse(e);
    if (!d) return;
    if (d.words) words = d.words;
    (d.tickets || []).forEach(function (t) {
      showCountdowns(t.number, t.countdowns);
    });
    if (broken) {
      // Back after a break (EventSource's own reconnection, or ours): changes meanwhile were not heard.
      broken = false;
      say(words.restored);
      catchUpOnTick = true;
    }
    if (catchUpOnTick) {
      catchUpOnTick = false;
      catchUp(d.tickets || []);
    }
    retryMs = 1000;
  }

  function connect() {
    retryTimer = null;
    if (stopped || source || isHidden()) return;
    var url = '/agent/stream' + (numbers.length ? '?tickets=' + encodeURIComponent(numbers.join(',')) : '');
    var es = new EventSource(url, { withCredentials: true });
    source = es;
    es.addEventListener('ticket', onTicket);
    es.addEventListener('changed', onChanged);
    es.addEventListener('tick', onTick);
    es.addEventListener('signed_out', function (e) {
      // The session ended: no more reconnecting; the next page asks to sign in again.
      var d = parse(e);
      signedOut(d && d.message ? d.message : '');
    });
    es.onerror = function () {
      if (es !== source || stopped) return;
      if (!broken) {
        broken = true;
        say(words.reconnecting);
      }
      if (es.readyState === EventSource.CLOSED) {
        // The browser gave up (an error answer): try again, less and less often.
        source = null;
        retryTimer = setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 60000);
      }
    };
  }

  /** The event sequence number of the ticket page's live part as shown (data-seq). */
  function shownSeq() {
    var live = document.getElementById('ticket-live');
    return live ? live.getAttribute('data-seq') : null;
  }

  /**
   * Back after a while without a stream (the countdowns come with this first tick): the ticket
   * page fetches its live part only when the ticket has moved on since it was shown (a fetch is
   * a read in the access log); the queue shows its banner, since tickets may have come or changed.
   */
  function catchUp(tickets) {
    if (pageTicket) {
      var mine = tickets.filter(function (t) {
        return t.number === pageTicket;
      })[0];
      if (!mine || mine.seq === undefined || String(mine.seq) !== shownSeq()) refreshFragment();
    }
    if (document.querySelector('[data-live-banner]')) showChanged(null);
  }

  /** No stream while nobody looks (a hidden tab, a page left): its connection is given back. */
  function disconnect() {
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    // A fetch not yet sent waits for the tab to be shown: the catch-up then decides whether it is needed.
    if (fetchTimer) clearTimeout(fetchTimer);
    fetchTimer = null;
    if (source) source.close();
    source = null;
    broken = false;
    catchUpOnTick = true;
  }

  if (typeof EventSource !== 'function') return;
  if (isHidden()) catchUpOnTick = true;
  connect();
  document.addEventListener('visibilitychange', function () {
    if (isHidden()) disconnect();
    else connect();
  });
  window.addEventListener('pagehide', disconnect);
  window.addEventListener('pageshow', function (e) {
    if (e.persisted) {
      catchUpOnTick = true;
      connect();
    }
  });
})();
