// The vnpipe page: batches from api/status (what `vnpipe status --json` prints), one
// batch's figures, failures and plots, and one document's raw input beside its output.
// Plain browser JavaScript, no build step; uPlot draws the plots. Text from the server
// goes into the page as text (textContent), never as HTML.
'use strict';

const POLL_MS = 2000;
const $ = (selector) => document.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};

let selected = decodeURIComponent((location.hash.match(/^#batch=(.+)$/) || [])[1] || '');
let lastOutputsAt = 0;
const plots = {};

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({ error: `${res.status} ${res.statusText}` }));
  if (!res.ok) throw new Error(body.error || `${res.status} ${res.statusText}`);
  return body;
}

function duration(ms) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** The same words as `vnpipe status`. */
function stateOf(b) {
  if (b.cancelRequested) return b.finishedAt ? 'cancelled' : 'cancelling';
  if (!b.walked && !b.producerAlive) return 'interrupted';
  return b.finishedAt ? 'finished' : b.walked ? 'running' : 'enqueueing';
}

function progressBar(b) {
  const total = Math.max(b.queued, 1);
  const bar = el('span', { className: 'bar', title: `${b.completed + b.failed} of ${b.queued} finished` });
  bar.append(el('span', { style: `width:${(100 * b.completed) / total}%` }));
  bar.append(el('span', { className: 'failed', style: `width:${(100 * b.failed) / total}%;left:${(100 * b.completed) / total}%` }));
  return bar;
}

function showError(message) {
  const p = $('#error');
  p.hidden = !message;
  p.textContent = message || '';
}

async function refresh() {
  try {
    const report = await getJson('api/status');
    renderStatus(report);
    if (!selected && report.batches.length > 0) selectBatch(report.batches[0].id);
    if (selected) await refreshBatch();
    showError('');
  } catch (err) {
    showError(`cannot read the status: ${err.message}`);
  }
  setTimeout(refresh, POLL_MS);
}

function renderStatus({ batches, queue, workers }) {
  $('#queue').textContent = `queue: ${queue.waiting} waiting, ${queue.active} active, ${queue.delayed} delayed`;
  const pending = queue.waiting + queue.active + queue.delayed > 0;
  const w = $('#workers');
  w.textContent = workers === null ? '' : workers > 0 ? `${workers} worker${workers === 1 ? '' : 's'} connected` : 'no worker connected';
  w.className = workers === 0 && pending ? 'error' : '';
  w.dataset.workers = workers === null ? '' : String(workers);
  const tbody = $('#batches tbody');
  tbody.replaceChildren(
    ...batches.map((b) => {
      const row = el(
        'tr',
        { className: b.id === selected ? 'selected' : '' },
        el('td', { textContent: b.id }),
        el('td', { textContent: stateOf(b) }),
        el('td', {}, progressBar(b), ` ${b.queued > 0 ? Math.floor((100 * (b.completed + b.failed)) / b.queued) : 0}%`),
        el('td', { textContent: String(b.completed) }),
        el('td', { textContent: String(b.failed) }),
        el('td', { textContent: `${b.rate.toFixed(1)} docs/s` }),
        el('td', { textContent: b.finishedAt ? 'done' : duration(b.etaMs) }),
        el('td', { className: 'input', textContent: b.root }),
      );
      row.dataset.batch = b.id;
      row.addEventListener('click', () => selectBatch(b.id));
      return row;
    }),
  );
  $('#no-batches').hidden = batches.length > 0;
}

function selectBatch(id) {
  if (id !== selected) {
    selected = id;
    lastOutputsAt = 0;
    history.replaceState(null, '', `#batch=${encodeURIComponent(id)}`);
    $('#document').hidden = true;
    refreshBatch().catch((err) => showError(err.message));
  }
  for (const row of document.querySelectorAll('#batches tbody tr')) row.classList.toggle('selected', row.dataset.batch === id);
}

async function refreshBatch() {
  const id = selected;
  const { batch } = await getJson(`api/batches/${encodeURIComponent(id)}`);
  if (id !== selected) return;
  renderBatch(batch);
  // The outputs are read from disk: again every few seconds while the batch runs, once when it has ended.
  if (lastOutputsAt === 0 || (!batch.finishedAt && Date.now() - lastOutputsAt > 5000) || (batch.finishedAt && lastOutputsAt < batch.finishedAt)) {
    lastOutputsAt = Date.now();
    const outputs = await getJson(`api/batches/${encodeURIComponent(id)}/outputs`);
    if (id === selected) renderOutputs(outputs, batch);
  }
}

function renderBatch(b) {
  $('#batch').hidden = false;
  const fields = {
    id: b.id, state: stateOf(b), queued: b.queued, completed: b.completed, failed: b.failed, active: b.active, waiting: b.waiting,
    rate: b.rate.toFixed(1), eta: b.finishedAt ? 'done' : duration(b.etaMs), mb: (b.bytes / 1e6).toFixed(2), root: b.root, out: b.out,
  };
  for (const [name, value] of Object.entries(fields)) $(`#batch [data-field="${name}"]`).textContent = String(value);
  renderFailures(b);
}

function renderFailures(b) {
  const byReason = new Map();
  for (const f of b.failures) {
    if (!byReason.has(f.reason)) byReason.set(f.reason, []);
    byReason.get(f.reason).push(f);
  }
  const box = $('#failures');
  const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.reason));
  box.replaceChildren(
    ...(b.failed > 0 ? [el('h3', { textContent: `Failures (${b.failed})${b.failures.length < b.failed ? `, first ${b.failures.length} listed` : ''}` })] : []),
    ...[...byReason].sort((x, y) => y[1].length - x[1].length).map(([reason, list]) => {
      const details = el('details', { open: open.has(reason) }, el('summary', { textContent: `${reason}: ${list.length}` }));
      details.dataset.reason = reason;
      details.append(
        el('ul', {}, ...list.map((f) => {
          const link = el('a', { textContent: f.rel });
          link.addEventListener('click', () => showDocument(f.rel));
          return el('li', {}, link, ` ${f.message}`);
        })),
      );
      return details;
    }),
  );
}

const PALETTE = ['#3d7be0', '#d9534f', '#f0ad4e', '#5cb85c', '#8e6bd1', '#20a4a4', '#c96c2c', '#7a8699', '#d45fa0', '#4f8f3a'];

function barPlot(name, labels, series, options = {}) {
  const target = $(`#plot-${name}`);
  const width = Math.max(380, target.clientWidth || 420);
  const data = [labels.map((_, i) => i), ...series.map((s) => s.values)];
  const opts = {
    width, height: 220,
    legend: { show: false },
    cursor: { points: { show: false } },
    scales: { x: { time: false, range: [-0.5, Math.max(labels.length, 1) - 0.5] }, y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    axes: [
      { values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && labels[t] !== undefined ? labels[t] : '')), rotate: -30, size: 60, ...(options.xAxis || {}) },
      { size: 64 },
    ],
    series: [{}, ...series.map((s, i) => ({
      label: s.label, fill: `${s.color || PALETTE[i]}cc`, stroke: s.color || PALETTE[i], width: 0,
      paths: uPlot.paths.bars({ size: [0.8 / series.length, 60], align: 0, gap: 1 }),
      points: { show: false },
    }))],
  };
  show(name, target, opts, data);
}

function show(name, target, opts, data) {
  if (plots[name]) plots[name].destroy();
  target.replaceChildren();
  plots[name] = new uPlot(opts, data, target);
  target.dataset.points = String(data[0].length);
}

function renderOutputs(o, batch) {
  $('#outputs-note').textContent = `${o.documents} output documents read${o.capped ? ' (the first ones only: the folder holds more)' : ''} from ${batch.out}`;
  // Throughput: documents per second in each bucket, over wall-clock time.
  const t = o.throughput;
  const xs = t.points.map((p) => p[0] / 1000);
  const ys = t.points.map((p) => p[1] / (t.bucketMs / 1000));
  // An empty bucket on either side: the line rises from 0 and falls back to it, however few buckets there are.
  if (xs.length > 0) {
    xs.unshift(xs[0] - t.bucketMs / 1000);
    xs.push(xs[xs.length - 1] + t.bucketMs / 1000);
    ys.unshift(0);
    ys.push(0);
  }
  show('throughput', $('#plot-throughput'), {
    width: Math.max(380, $('#plot-throughput').clientWidth || 420), height: 220, legend: { show: false },
    scales: { y: { range: (u, min, max) => [0, Math.max(1, max * 1.1)] } },
    series: [{}, { label: 'docs/s', stroke: PALETTE[0], fill: `${PALETTE[0]}33`, width: 2, paths: uPlot.paths.stepped({ align: 1 }) }],
    axes: [{}, { size: 64 }],
  }, [xs, ys]);
  barPlot('reasons', o.removedByReason.map((r) => r.reason), [{ label: 'characters', values: o.removedByReason.map((r) => r.characters) }]);
  const sources = o.removedBySource.slice(0, 15);
  barPlot('sources', sources.map((s) => s.source), [
    { label: 'kept', values: sources.map((s) => s.kept), color: PALETTE[3] },
    { label: 'removed', values: sources.map((s) => s.removed), color: PALETTE[1] },
  ]);
  barPlot('lengths', o.lengths.map((b) => (b.from >= 1024 ? `${b.from / 1024}k` : String(b.from))), [{ label: 'documents', values: o.lengths.map((b) => b.count) }]);
  barPlot('scores', o.languageScores.map((b) => b.from.toFixed(2)), [{ label: 'documents', values: o.languageScores.map((b) => b.count), color: PALETTE[4] }]);
  renderDocumentChoices(o, batch);
}

function renderDocumentChoices(o, batch) {
  const select = $('#doc-select');
  const current = select.value;
  const keys = [...o.keys].sort((a, b) => b.removed - a.removed || a.key.localeCompare(b.key));
  select.replaceChildren(
    el('option', { value: '', textContent: 'choose a document…' }),
    ...keys.map((k) => el('option', { value: k.key, textContent: `${k.key}  (${k.characters} kept, ${k.removed} removed)` })),
    ...batch.failures.map((f) => el('option', { value: f.rel, textContent: `${f.rel}  (failed: ${f.reason})` })),
  );
  select.value = current;
}

async function showDocument(key) {
  $('#doc-select').value = key;
  const view = await getJson(`api/batches/${encodeURIComponent(selected)}/document?key=${encodeURIComponent(key)}`).catch((err) => {
    showError(err.message);
    return null;
  });
  if (!view) return;
  $('#document').hidden = false;
  const reasons = [...new Set(view.removed.map((r) => r.reason))];
  const color = (reason) => `${PALETTE[reasons.indexOf(reason) % PALETTE.length]}55`;
  $('#legend').replaceChildren(...reasons.map((r) => el('span', { textContent: r, style: `background:${color(r)}` })));
  $('#doc-raw').replaceChildren(
    ...view.raw.map((piece) => {
      if (piece.removal === null) return document.createTextNode(piece.text);
      const r = view.removed[piece.removal];
      const mark = el('mark', { textContent: piece.text, title: `removed: ${r.reason}`, style: `background:${color(r.reason)}` });
      mark.dataset.reason = r.reason;
      return mark;
    }),
  );
  $('[data-doc="encoding"]').textContent = view.encoding ? `(${view.encoding})` : '';
  $('#doc-clean').textContent = view.output ? view.output.text : '';
  $('[data-doc="sentences"]').textContent = view.output ? `(${view.output.sentences.length} sentences, language ${view.output.metadata.language} ${Number(view.output.metadata.languageScore).toFixed(2)})` : '';
  $('#doc-removals').replaceChildren(
    ...view.removed.map((r) => el('li', { className: r.located ? '' : 'unlocated', textContent: `${r.reason}: ${r.text}${r.located ? '' : '  (not found as such in the raw input)'}` })),
  );
  const errors = $('#doc-errors');
  errors.hidden = view.errors.length === 0;
  errors.textContent = view.errors.join('; ');
}

$('#doc-select').addEventListener('change', (e) => e.target.value && showDocument(e.target.value));
refresh();
