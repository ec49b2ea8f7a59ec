// Progressive enhancement only: every page works without this script.
(function () {
  'use strict';
  // Tell the LMS how tall the page is so its iframe fits (Canvas: lti.frameResize; Moodle listens for the same).
  function resize() {
    var height = document.documentElement.scrollHeight;
    if (window.parent === window) return;
    window.parent.postMessage(JSON.stringify({ subject: 'lti.frameResize', height: height }), '*');
    window.parent.postMessage({ subject: 'lti.frameResize', height: height }, '*');
  }
  window.addEventListener('load', resize);
  if ('ResizeObserver' in window) new ResizeObserver(resize).observe(document.documentElement);

  // Destructive actions ask first: <form data-confirm="Revoke this badge?">.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  // Copy buttons: <button data-copy="text">.
  document.addEventListener('click', function (event) {
    var button = event.target.closest && event.target.closest('[data-copy]');
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () {
      var status = document.getElementById(button.getAttribute('aria-controls') || '');
      if (status) status.textContent = 'Copied.';
    });
  });

  // Badge form: the generated image's preview follows name, colour, shape and initials as they change.
  var preview = document.getElementById('badge-preview');
  if (preview && window.URLSearchParams) {
    var form = preview.closest('form');
    var timer;
    var update = function () {
      var value = function (selector) { var el = form.querySelector(selector); return el ? el.value : ''; };
      var query = new URLSearchParams({ name: value('#name') || 'Badge', color: value('#color'), shape: value('input[name="shape"]:checked') || 'circle' });
      if (/^[A-Za-z0-9]{1,3}$/.test(value('#initials'))) query.set('initials', value('#initials'));
      preview.src = preview.getAttribute('data-preview') + '?' + query.toString();
    };
    form.addEventListener('input', function (event) {
      if (!event.target.matches('#name, #color, #initials, input[name="shape"]')) return;
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
    form.addEventListener('change', function (event) {
      if (event.target.matches('input[name="shape"], #color')) update();
    });
  }

  // Badge form: "Add condition" / "Add tier" and "Remove" work on the page without a round trip. Without
  // this script the same buttons post the form and the server answers it with a row more or less.
  var renumber = function (container) {
    var rows = container.querySelectorAll('[data-row]');
    for (var i = 0; i < rows.length; i++) {
      var legend = rows[i].querySelector('legend');
      if (legend) legend.textContent = legend.textContent.replace(/\d+$/, String(i + 1));
      var hidden = rows[i].querySelector('[data-remove-row] .visually-hidden');
      if (hidden) hidden.textContent = hidden.textContent.replace(/\d+$/, String(i + 1));
    }
    return rows.length;
  };
  document.addEventListener('click', function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    var adder = target && target.closest('[data-add-row]');
    var remover = target && target.closest('[data-remove-row]');
    if (adder) {
      var container = adder.form && adder.form.querySelector('[data-rows="' + adder.getAttribute('data-add-row') + '"]');
      var rows = container ? container.querySelectorAll('[data-row]') : [];
      var last = rows[rows.length - 1];
      // Rows without a remove button (a single condition) are left to the server, which adds both.
      if (!last || !last.querySelector('[data-remove-row]') || (adder.getAttribute('data-add-row') === 'tier' && rows.length >= 5)) return;
      event.preventDefault();
      var next = 0;
      for (var r = 0; r < rows.length; r++) next = Math.max(next, Number(rows[r].getAttribute('data-row')) + 1);
      var copy = last.cloneNode(true);
      var renamed = function (value) { return value.replace(/^([A-Za-z]+)\d+/, '$1' + next).replace(/-\d+$/, '-' + next); };
      copy.setAttribute('data-row', String(next));
      Array.prototype.forEach.call(copy.querySelectorAll('.field-error, input[type="hidden"]'), function (el) { el.parentNode.removeChild(el); });
      Array.prototype.forEach.call(copy.querySelectorAll('[id], [name], [for], [aria-describedby], [data-remove-row]'), function (el) {
        ['id', 'name', 'for'].forEach(function (attr) { if (el.hasAttribute(attr)) el.setAttribute(attr, renamed(el.getAttribute(attr))); });
        el.removeAttribute('aria-invalid');
        el.removeAttribute('aria-describedby');
        el.removeAttribute('autofocus');
        if (el.hasAttribute('data-remove-row')) el.value = el.value.replace(/-\d+$/, '-' + next);
        else if (el.tagName === 'SELECT') el.selectedIndex = 0;
        else if (el.tagName === 'INPUT') el.value = '';
      });
      last.parentNode.insertBefore(copy, last.nextSibling);
      renumber(container);
      var first = copy.querySelector('select, input');
      if (first) first.focus();
    } else if (remover) {
      var row = remover.closest('[data-row]');
      var list = row && row.parentNode;
      if (!list || !list.hasAttribute('data-rows') || list.querySelectorAll('[data-row]').length < 2) return;
      event.preventDefault();
      var add = remover.form.querySelector('[data-add-row="' + list.getAttribute('data-rows') + '"]');
      list.removeChild(row);
      renumber(list);
      if (add) add.focus();
    }
  });

  // After a failed submit, move focus to the summary of problems so screen readers announce it.
  var problems = document.getElementById('form-errors');
  if (problems) { problems.setAttribute('tabindex', '-1'); problems.focus(); }

  // Grade import: refresh the progress bar until the job is done.
  var importStatus = document.querySelector('[data-poll]');
  if (importStatus && !importStatus.hasAttribute('data-finished') && window.fetch) {
    var poll = function () {
      fetch(importStatus.getAttribute('data-poll'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (status) {
          if (!status) return;
          var bar = importStatus.querySelector('progress');
          bar.max = status.total || 1;
          bar.value = status.done;
          if (status.finished) { window.location.reload(); return; }
          importStatus.querySelector('.ui-import-text').textContent = status.done + ' of ' + status.total + ' grade(s).';
          setTimeout(poll, 1000);
        });
    };
    setTimeout(poll, 1000);
  }

  // Transcript export: the same URL answers JSON (an ExportView) while the export runs.
  var exportStatus = document.querySelector('[data-export-poll]');
  if (exportStatus && !exportStatus.hasAttribute('data-finished') && window.fetch) {
    var pollExport = function () {
      fetch(exportStatus.getAttribute('data-export-poll'), { credentials: 'same-origin', headers: { accept: 'application/json' } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (view) {
          if (!view) return;
          var bar = exportStatus.querySelector('progress');
          bar.max = view.progress.learnersTotal || 1;
          bar.value = view.progress.learnersDone;
          if (view.status === 'done' || view.status === 'failed') { window.location.reload(); return; }
          exportStatus.querySelector('.export-text').textContent = view.progress.learnersDone + ' of ' + (view.progress.learnersTotal || '?') + ' learner(s).';
          setTimeout(pollExport, 1000);
        });
    };
    setTimeout(pollExport, 1000);
  }
})();
