/* global document, window, fetch, setTimeout, clearTimeout, AbortController */
// Progressive enhancement only: every page works without this file.
(function () {
  'use strict';
  // Tell the server the browser's time zone, so times are shown in it.
  try {
    var tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (tz && document.cookie.indexOf('tz=') === -1) document.cookie = 'tz=' + encodeURIComponent(tz) + '; path=/; max-age=31536000; samesite=lax';
  } catch { /* no Intl: the server uses its default */ }

  // After a refused form, move focus to the list of problems so it is read out first.
  var summary = document.getElementById('error-summary');
  if (summary) summary.focus();

  // Knowledge-base suggestions while the title is typed.
  var input = document.querySelector('input[data-suggest]');
  var box = document.getElementById('suggestions');
  if (!input || !box || !window.fetch) return;
  var timer = null;
  var last = '';
  var controller = null;

  function render(data) {
    box.textContent = '';
    if (!data.articles || data.articles.length === 0) return;
    var h = document.createElement('h2');
    h.textContent = box.getAttribute('data-heading');
    var ul = document.createElement('ul');
    ul.className = 'articles';
    data.articles.forEach(function (a) {
      var li = document.createElement('li');
      var link = document.createElement('a');
      link.href = a.url;
      link.textContent = a.title;
      if (a.fallback) link.lang = a.language;
      li.appendChild(link);
      if (a.fallback) {
        var badge = document.createElement('span');
        badge.className = 'badge';
        badge.textContent = a.fallback;
        li.appendChild(badge);
      }
      var p = document.createElement('p');
      p.textContent = a.summary;
      if (a.fallback) p.lang = a.language;
      li.appendChild(p);
      ul.appendChild(li);
    });
    box.appendChild(h);
    box.appendChild(ul);
  }

  function lookup() {
    var q = input.value.trim();
    if (q === last) return;
    last = q;
    if (q.length < 3) { box.textContent = ''; return; }
    if (controller) controller.abort();
    controller = window.AbortController ? new AbortController() : null;
    fetch(input.getAttribute('data-suggest') + '?q=' + encodeURIComponent(q), { headers: { accept: 'application/json' }, credentials: 'same-origin', signal: controller ? controller.signal : undefined })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(render)
      .catch(function () { /* offline or aborted: keep what is shown */ });
  }

  input.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(lookup, 250);
  });
})();
