// Event handlers that Flask-Admin writes inline (onclick=...), bound here so the
// Content-Security-Policy can forbid inline scripts.
document.addEventListener('click', function (event) {
  var el = event.target.closest('[data-ltc-action],[data-ltc-confirm],[data-ltc-add-inline],[data-ltc-noop]');
  if (!el) { return; }
  if (el.hasAttribute('data-ltc-noop')) {
    event.preventDefault();   // the filter menu entries only open a filter row (bound by Flask-Admin)
  } else if (el.hasAttribute('data-ltc-action')) {
    event.preventDefault();
    window.modelActions.execute(el.getAttribute('data-ltc-action'));
  } else if (el.hasAttribute('data-ltc-confirm')) {
    if (!window.confirm(el.getAttribute('data-ltc-confirm'))) { event.preventDefault(); }
  } else {
    event.preventDefault();
    window.faForm.addInlineField(el, el.getAttribute('data-ltc-add-inline'));
  }
});

// Import progress: poll the JSON status endpoint and move the bar; go to the result when done.
(function () {
  var box = document.querySelector('[data-ltc-progress]');
  if (!box) { return; }
  var bar = box.querySelector('[data-ltc-progress-bar]');
  var text = document.querySelector('[data-ltc-progress-text]');
  function poll() {
    fetch(box.getAttribute('data-ltc-progress'), {credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.percent + '%';
        bar.setAttribute('aria-valuenow', s.percent);
        if (text) { text.textContent = s.percent + '%'; }
        if (s.state === 'running') { window.setTimeout(poll, 700); } else { window.location = s.result; }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  }
  poll();
}());
