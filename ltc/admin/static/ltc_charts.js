// Draws the dashboard charts from the JSON blocks #ltc-chart-data and #ltc-chart-labels
// (no inline script: the Content-Security-Policy allows only files from this site).
(function () {
  var dataEl = document.getElementById('ltc-chart-data');
  if (!dataEl || !window.Chart) { return; }
  var D = JSON.parse(dataEl.textContent);
  var L = JSON.parse(document.getElementById('ltc-chart-labels').textContent);
  var zh = L.lang === 'zh';
  var COLORS = ['#0d6efd', '#20c997', '#ffc107', '#dc3545', '#6f42c1', '#fd7e14'];

  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }
  function name(r) { return zh ? (r.name || r.name_en) : (r.name_en || r.name); }
  function ds(label, values, i, extra) {
    var d = {label: label, data: values, backgroundColor: COLORS[i % COLORS.length],
             borderColor: COLORS[i % COLORS.length]};
    for (var k in (extra || {})) { d[k] = extra[k]; }
    return d;
  }
  function draw(key, type, labels, datasets, options) {
    var canvas = document.getElementById('chart-' + key);
    if (!canvas) { return; }
    if (!labels.length) {
      canvas.parentNode.textContent = L.empty;
      return;
    }
    if ((options || {}).indexAxis === 'y') {   // one readable row per bar, however many there are
      canvas.parentNode.style.height = Math.max(260, 60 + labels.length * 18) + 'px';
      // Long names are cut on the axis (the tooltip shows them whole).
      options = Object.assign({}, options, {scales: Object.assign({}, options.scales, {
        y: Object.assign({}, (options.scales || {}).y, {ticks: {autoSkip: false, callback: function (value) {
          var text = String(this.getLabelForValue(value));
          return text.length > 30 ? text.slice(0, 29) + '…' : text;
        }}})})});
    }
    new window.Chart(canvas, {type: type, data: {labels: labels, datasets: datasets},
      options: Object.assign({responsive: true, maintainAspectRatio: false, animation: false}, options || {})});
  }
  var horizontal = {indexAxis: 'y'};

  draw('funnel', 'bar', D.funnel.map(name), [
    ds(L.count, pick(D.funnel, 'count'), 0, {yAxisID: 'y1'}),
    ds(L.amount, pick(D.funnel, 'amount'), 1), ds(L.weighted, pick(D.funnel, 'weighted'), 2)],
    {scales: {y: {position: 'left'}, y1: {position: 'right', grid: {drawOnChartArea: false}}}});
  draw('forecast', 'bar', pick(D.forecast, 'month'), [
    ds(L.amount, pick(D.forecast, 'amount'), 0), ds(L.weighted, pick(D.forecast, 'weighted'), 1)]);
  ['source', 'grade'].forEach(function (kind) {
    var rows = D['lead_conversion_by_' + kind];
    draw('conversion_' + kind, 'bar', rows.map(function (r) { return zh ? r.label_zh : r.label; }), [
      ds(L.leads, pick(rows, 'leads'), 0), ds(L.converted, pick(rows, 'converted'), 1)]);
  });
  var w = D.win_rate;
  draw('win_rate', 'doughnut', (w.won || w.lost) ? [L.won, L.lost] : [],
    [ds(L.count, [w.won, w.lost], 0, {backgroundColor: [COLORS[1], COLORS[3]]})]);
  draw('receivables', 'bar', pick(D.receivables_by_month, 'month'), [
    ds(L.planned, pick(D.receivables_by_month, 'planned'), 0),
    ds(L.collected, pick(D.receivables_by_month, 'collected'), 1)]);
  draw('aging', 'bar', pick(D.overdue_aging, 'bucket'), [ds(L.amount, pick(D.overdue_aging, 'amount'), 3)]);
  var exp = D.contracts_expiring.items;
  draw('expiring', 'bar', exp.map(function (c) { return c.code + ' ' + c.title; }),
    [ds(L.days_left, pick(exp, 'days_left'), 2)], horizontal);
  draw('wallet', 'bar', D.share_of_wallet_gaps.map(function (c) { return c.code + ' ' + c.name; }), [
    ds(L.ours, pick(D.share_of_wallet_gaps, 'ours'), 1), ds(L.gap, pick(D.share_of_wallet_gaps, 'gap'), 3)],
    Object.assign({scales: {x: {stacked: true}, y: {stacked: true}}}, horizontal));
  var rec = D.about_to_reclaim.items;
  // Customers due now (0 days left: the next reclaim run takes them) still get a visible bar and say so.
  draw('reclaim', 'bar', rec.map(function (c) {
    return c.name + ' (' + c.owner + ')' + (c.days_left ? '' : ' · ' + L.due_now);
  }), [ds(L.days_left, pick(rec, 'days_left'), 3, {minBarLength: 6})], horizontal);
  var cov = D.product_plan_coverage;
  draw('coverage', 'bar', cov.map(function (p) { return p.product + ' ' + p.name; }), [
    ds(L.planned, pick(cov, 'planned'), 0), ds(L.pipeline, pick(cov, 'pipeline'), 2),
    ds(L.contracted, pick(cov, 'contracted'), 1)]);
  var tp = D.target_progress;
  draw('targets', 'bar', tp.map(function (t) {
    return (zh ? t.shown : t.shown_en) + ' · ' + (zh ? t.label_zh : t.label);
  }),
    [ds(L.progress, pick(tp, 'progress_pct'), 4)], horizontal);
}());
