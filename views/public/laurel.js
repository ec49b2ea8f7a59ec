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
})();
