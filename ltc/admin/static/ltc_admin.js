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

// Date and datetime boxes (ltc/admin/dates.py): what is typed or pasted stays as typed (the
// server reads 2027-01-31, 2027/1/31, 2027-01-31 09:30 ...); a button beside each box opens the
// browser's own calendar and writes the chosen day (and time) into the box.
(function () {
  var SELECTOR = 'input[data-role="ltc-date"],input[data-role="ltc-datetime"]';
  function pad(n) { return (n < 10 ? '0' : '') + n; }
  function forPicker(text, withTime) {
    var m = /^\s*(\d{4})\s*[-\/.年]\s*(\d{1,2})\s*[-\/.月]\s*(\d{1,2})\s*日?(?:(?:\s+|\s*[Tt]\s*)(\d{1,2})\s*[:：]\s*(\d{1,2}))?/.exec(text || '');
    if (!m) { return ''; }
    var day = m[1] + '-' + pad(+m[2]) + '-' + pad(+m[3]);
    return withTime ? day + 'T' + pad(+(m[4] || 0)) + ':' + pad(+(m[5] || 0)) : day;
  }
  function enhance(box) {
    if (box.hasAttribute('data-ltc-calendar')) { return; }
    box.setAttribute('data-ltc-calendar', '1');
    var withTime = box.getAttribute('data-role') === 'ltc-datetime';
    var group = document.createElement('div');
    group.className = 'input-group ltc-date-group';
    // Moving the box into the group blurs it: someone already typing keeps the caret and goes on.
    var focused = document.activeElement === box, from = box.selectionStart, to = box.selectionEnd;
    box.parentNode.insertBefore(group, box);
    group.appendChild(box);
    if (focused) { box.focus(); box.setSelectionRange(from, to); }
    var append = document.createElement('div');
    append.className = 'input-group-append';
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'btn btn-outline-secondary ltc-calendar';
    button.title = box.getAttribute('data-calendar-label') || '';
    button.setAttribute('aria-label', button.title);
    button.innerHTML = '<svg width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" fill="none" ' +
      'stroke="currentColor" stroke-width="1.4"><rect x="1.5" y="2.5" width="13" height="12" rx="1.5"/>' +
      '<path d="M1.5 6h13M5 1v3M11 1v3"/></svg>';
    var picker = document.createElement('input');
    picker.type = withTime ? 'datetime-local' : 'date';
    picker.className = 'ltc-calendar-picker';
    picker.tabIndex = -1;
    picker.setAttribute('aria-hidden', 'true');
    picker.style.cssText = 'position:absolute;right:0;bottom:0;width:1px;height:1px;opacity:0;border:0;padding:0;';
    append.appendChild(button);
    append.appendChild(picker);
    group.appendChild(append);
    // Field errors stay visible: Bootstrap shows .invalid-feedback only next to the invalid box.
    while (group.nextElementSibling && group.nextElementSibling.classList.contains('invalid-feedback')) {
      group.appendChild(group.nextElementSibling);
    }
    button.addEventListener('click', function () {
      picker.value = forPicker(box.value, withTime);
      try { picker.showPicker(); } catch (e) { picker.focus(); }
    });
    picker.addEventListener('change', function () {
      if (!picker.value) { return; }
      box.value = picker.value.replace('T', ' ');
      box.dispatchEvent(new Event('change', {bubbles: true}));
    });
  }
  function enhanceAll(root) {
    if (root.matches && root.matches(SELECTOR)) { enhance(root); }
    if (root.querySelectorAll) { root.querySelectorAll(SELECTOR).forEach(enhance); }
  }
  enhanceAll(document);
  // Inline rows added with "Add ..." are built from a template after the page loaded.
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(enhanceAll); });
  }).observe(document.body, {childList: true, subtree: true});
}());

// Lists on a phone: each row becomes a card of "label: value" lines (ltc_admin.css), so a list
// never scrolls sideways; the labels are the column headers, copied onto the cells here.
(function () {
  document.querySelectorAll('table.model-list').forEach(function (table) {
    var heads = Array.prototype.map.call(table.querySelectorAll('thead tr:first-child > th'), function (th) {
      return th.textContent.replace(/\s+/g, ' ').trim();
    });
    table.querySelectorAll('tbody > tr').forEach(function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (heads[i] && !cell.hasAttribute('colspan')) { cell.setAttribute('data-label', heads[i]); }
      });
    });
    table.classList.add('ltc-cards');
  });
}());
