// The pipeline board: HTML5 drag and drop of opportunity cards between stage columns.
// A drop posts the move (with the CSRF token) to the board's move URL; the server runs the stage
// rules. A refused move puts the card back where it was and shows the reason.
(function () {
  'use strict';
  var board = document.getElementById('pipeline-board');
  if (!board || board.getAttribute('data-can-drag') !== '1') { return; }
  var message = document.getElementById('board-message');
  var dragged = null;

  function show(text, ok) {
    message.textContent = text;
    message.className = 'alert ' + (ok ? 'alert-success' : 'alert-danger');
    message.setAttribute('data-outcome', ok ? 'moved' : 'refused');
  }

  function refreshMore(column) {
    var more = column.querySelector('.board-more');
    var count = parseInt(column.querySelector('.board-count').textContent, 10) || 0;
    var shown = column.querySelectorAll('.board-card').length;
    var n = Math.max(0, count - shown);
    more.textContent = board.getAttribute('data-more').replace('__N__', String(n));
    more.classList.toggle('d-none', n === 0);
  }

  function updateColumns(columns) {
    Object.keys(columns || {}).forEach(function (id) {
      var column = board.querySelector('[data-stage-column="' + id + '"]');
      if (!column) { return; }
      column.querySelector('.board-count').textContent = columns[id].count;
      column.querySelector('.board-amount').textContent = columns[id].amount;
      column.querySelector('.board-weighted').textContent = columns[id].weighted;
      refreshMore(column);
    });
  }

  board.addEventListener('dragstart', function (event) {
    var card = event.target.closest('.board-card');
    if (!card || card.classList.contains('moving')) { return; }
    dragged = card;
    card.classList.add('dragging');
    event.dataTransfer.effectAllowed = 'move';
    event.dataTransfer.setData('text/plain', card.getAttribute('data-code'));
  });

  board.addEventListener('dragend', function () {
    if (dragged) { dragged.classList.remove('dragging'); }
    dragged = null;
    board.querySelectorAll('.drop-target').forEach(function (el) { el.classList.remove('drop-target'); });
  });

  board.addEventListener('dragover', function (event) {
    var list = event.target.closest('.board-cards');
    if (!list || !dragged) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = 'move';
    board.querySelectorAll('.drop-target').forEach(function (el) {
      if (el !== list) { el.classList.remove('drop-target'); }
    });
    list.classList.add('drop-target');
  });

  board.addEventListener('drop', function (event) {
    var list = event.target.closest('.board-cards');
    if (!list || !dragged) { return; }
    event.preventDefault();
    list.classList.remove('drop-target');
    var card = dragged;
    var origin = card.parentNode;
    var originNext = card.nextSibling;
    card.classList.remove('dragging');
    dragged = null;
    if (list === origin) { return; }
    var reason = '';
    if (list.getAttribute('data-lost') === '1') {
      reason = window.prompt(board.getAttribute('data-ask-reason'), '');
      if (reason === null) { return; }   // cancelled: nothing is sent, the card stays
    }
    list.insertBefore(card, list.firstChild);
    card.classList.remove('refused');
    card.classList.add('moving');
    var body = new FormData();
    body.append('csrf_token', board.getAttribute('data-csrf'));
    body.append('id', card.getAttribute('data-id'));
    body.append('stage', list.getAttribute('data-stage'));
    body.append('version', card.getAttribute('data-version'));
    body.append('reason', reason);

    function snapBack(text) {
      origin.insertBefore(card, originNext && originNext.parentNode === origin ? originNext : null);
      card.classList.remove('moving');
      card.classList.add('refused');
      show(text, false);
    }

    fetch(board.getAttribute('data-move-url'), {
      method: 'POST', body: body, credentials: 'same-origin', headers: {'Accept': 'application/json'}
    }).then(function (response) {
      return response.json().catch(function () { return {ok: false}; });
    }).then(function (answer) {
      if (!answer.ok) {
        snapBack(answer.message || board.getAttribute('data-failed'));
        return;
      }
      card.classList.remove('moving');
      card.setAttribute('data-version', answer.version);
      updateColumns(answer.columns);
      show(answer.message, true);
    }).catch(function () {
      snapBack(board.getAttribute('data-failed'));
    });
  });
}());
