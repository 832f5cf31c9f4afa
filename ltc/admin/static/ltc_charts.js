// Draws the dashboard charts from the JSON blocks #ltc-chart-data and #ltc-chart-labels
// (no inline script: the Content-Security-Policy allows only files from this site). The page
// lists only the role's charts and leaves out the canvas of a chart without data ("No data yet").
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
    var box = canvas.parentNode;
    if ((options || {}).indexAxis === 'y') {
      // Sized to its rows (the server sends the top few): one readable bar per row.
      var bars = datasets.length > 1 && !((options.scales || {}).y || {}).stacked ? datasets.length : 1;
      box.style.height = Math.max(140, 70 + labels.length * (14 + 12 * bars)) + 'px';
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
  var charts = {
    funnel: function (rows) {
      draw('funnel', 'bar', rows.map(name), [
        ds(L.count, pick(rows, 'count'), 0, {yAxisID: 'y1'}),
        ds(L.amount, pick(rows, 'amount'), 1), ds(L.weighted, pick(rows, 'weighted'), 2)],
        {scales: {y: {position: 'left'}, y1: {position: 'right', grid: {drawOnChartArea: false}}}});
    },
    forecast: function (rows) {
      draw('forecast', 'bar', pick(rows, 'month'), [
        ds(L.amount, pick(rows, 'amount'), 0), ds(L.weighted, pick(rows, 'weighted'), 1)]);
    },
    conversion_source: function (rows) { conversion('source', rows); },
    conversion_grade: function (rows) { conversion('grade', rows); },
    win_rate: function (w) {
      draw('win_rate', 'doughnut', [L.won, L.lost],
        [ds(L.count, [w.won, w.lost], 0, {backgroundColor: [COLORS[1], COLORS[3]]})]);
    },
    receivables: function (rows) {
      draw('receivables', 'bar', pick(rows, 'month'), [
        ds(L.planned, pick(rows, 'planned'), 0), ds(L.collected, pick(rows, 'collected'), 1)]);
    },
    aging: function (rows) {
      draw('aging', 'bar', pick(rows, 'bucket'), [ds(L.amount, pick(rows, 'amount'), 3)]);
    },
    expiring: function (s) {
      draw('expiring', 'bar', s.items.map(function (c) { return c.code + ' ' + (zh ? c.customer : c.customer_en); }),
        [ds(L.days_left, pick(s.items, 'days_left'), 2, {minBarLength: 6})], horizontal);
    },
    wallet: function (rows) {
      draw('wallet', 'bar', rows.map(function (c) { return c.code + ' ' + name(c); }), [
        ds(L.ours, pick(rows, 'ours'), 1), ds(L.gap, pick(rows, 'gap'), 3)],
        Object.assign({scales: {x: {stacked: true}, y: {stacked: true}}}, horizontal));
    },
    reclaim: function (s) {
      // Customers due now (0 days left: the next reclaim run takes them) still get a visible bar and say so.
      draw('reclaim', 'bar', s.items.map(function (c) {
        return name(c) + ' (' + (zh ? c.owner_shown : c.owner_shown_en) + ')' + (c.days_left ? '' : ' · ' + L.due_now);
      }), [ds(L.days_left, pick(s.items, 'days_left'), 3, {minBarLength: 6})], horizontal);
    },
    coverage: function (s) {
      draw('coverage', 'bar', s.items.map(function (p) { return p.product; }), [
        ds(L.planned, pick(s.items, 'planned'), 0), ds(L.pipeline, pick(s.items, 'pipeline'), 2),
        ds(L.contracted, pick(s.items, 'contracted'), 1)]);
    },
    targets: function (s) {
      // One row per person or department, its two targets side by side.
      draw('targets', 'bar', s.items.map(function (t) { return zh ? t.shown : t.shown_en; }), [
        ds(L.sales_target, s.items.map(function (t) { return t.sales; }), 4),
        ds(L.collection_target, s.items.map(function (t) { return t.collection; }), 1)], horizontal);
    }
  };
  function conversion(kind, rows) {
    draw('conversion_' + kind, 'bar', rows.map(function (r) { return zh ? r.label_zh : r.label; }), [
      ds(L.leads, pick(rows, 'leads'), 0), ds(L.converted, pick(rows, 'converted'), 1)]);
  }
  D.charts.forEach(function (chart) {
    if (chart.has_data && charts[chart.key]) { charts[chart.key](D[chart.series]); }
  });
}());
