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
