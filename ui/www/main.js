// pdf-deid window. Plain ES module, no bundler: types come from the generated
// bindings/api.ts (JSDoc imports) and `tsc --checkJs` checks this file against them.
// @ts-check

/** @typedef {import('../bindings/api').Commands} Commands */
/** @typedef {import('../bindings/api').QueueItem} QueueItem */
/** @typedef {import('../bindings/api').AppEvent} AppEvent */
/** @typedef {import('../bindings/api').AppSettings} AppSettings */
/** @typedef {import('../bindings/api').BatchState} BatchState */
/** @typedef {import('../bindings/api').ReviewPage} ReviewPage */
/** @typedef {import('../bindings/api').Snapshot} Snapshot */
/** @typedef {import('../bindings/api').AppErrorInfo} AppErrorInfo */
/** @typedef {import('../bindings/api').ReviewDetection} ReviewDetection */
/** @typedef {import('../bindings/api').ReviewList} ReviewList */
/** @typedef {import('../bindings/api').ReviewEntity} ReviewEntity */
/** @typedef {import('../bindings/api').RejectTarget} RejectTarget */

/**
 * Typed `invoke`: the command name picks the argument and result types.
 * @template {keyof Commands} K
 * @param {K} cmd
 * @param {Commands[K]['args']} args
 * @returns {Promise<Commands[K]['result']>}
 */
export function call(cmd, args) {
  return window.__TAURI__.core.invoke(cmd, args);
}

/** @param {string} id */
function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`missing #${id}`);
  return el;
}

/** @type {Map<number, QueueItem>} */
const items = new Map();
/** @type {Map<number, HTMLTableRowElement>} */
const rows = new Map();
const state = {
  /** @type {number | null} */ reviewId: null,
  reviewPage: 0,
  reviewPages: 1,
  /** @type {ReviewPage | null} */ page: null,
  /** @type {ReviewList | null} */ list: null,
  /** the detection in focus: index into `list.detections` @type {number | null} */ current: null,
  /** 1 = the page image's own size; null = fit the width @type {number | null} */ zoom: null,
  /** original | output | both */ mode: 'original',
  /** boxes of the typed term on this page, before it is added @type {number[][]} */ termBoxes: [],
  /** page images for the strip (`data:` URLs) @type {string[]} */ thumbs: [],
};

const CATEGORY_COLOURS = {
  NAME: '#d1495b', DATE: '#edae49', AGE: '#8d6a9f', ID: '#00798c', SSN: '#003d5b',
  PHONE: '#30638e', FAX: '#30638e', EMAIL: '#66a182', URL: '#66a182', IP: '#66a182',
  ADDRESS: '#c8553d', ZIP: '#c8553d', LOCATION: '#f28f3b', ORGANIZATION: '#588b8b',
};
/** @param {string} c */
function colourOf(c) {
  return /** @type {Record<string, string>} */ (CATEGORY_COLOURS)[c] ?? '#555';
}

/** Green → amber → red, dark enough for white text (contrast ≥ 4.5:1, WCAG AA, at
 * every hue). @param {number} r */
function riskColour(r) {
  const hue = Math.round(120 * (1 - Math.max(0, Math.min(1, r))));
  return `hsl(${hue}, 65%, 28%)`;
}

/** @param {string} message */
function showError(message) {
  const b = $('banner');
  b.textContent = message;
  b.hidden = false;
}

/** @param {string} message */
function showNotice(message) {
  const n = $('notice');
  n.textContent = message;
  n.hidden = false;
}

/**
 * The text to show for a rejected `invoke` (an {@link AppErrorInfo}: `{ code, message,
 * fault }`) or any other error: its `message`, else the error as a string.
 * @param {unknown} err
 */
function errorText(err) {
  const message = err !== null && typeof err === 'object'
    ? /** @type {Partial<AppErrorInfo>} */ (err).message : undefined;
  return typeof message === 'string' ? message : String(err);
}

const STATUS_LABEL = {
  queued: 'Queued', running: 'Running', done: 'Done', review: 'Review', failed: 'Failed',
  cancelled: 'Cancelled', skipped: 'Done (unchanged)',
};

/** @param {QueueItem} it */
function renderRow(it) {
  let tr = rows.get(it.id);
  if (!tr) {
    tr = document.createElement('tr');
    tr.dataset.id = String(it.id);
    tr.innerHTML = `<td class="name"></td><td><span class="status"></span></td>
      <td class="progress"><progress max="1"></progress><span class="stage"></span></td>
      <td class="risk-cell"></td><td class="counts"></td><td class="output"></td>
      <td class="row-actions"><button class="password-btn" hidden>Password…</button><button class="review-btn">Review</button>
      <button class="cancel-btn">Cancel</button><button class="folder-btn">Folder</button></td>`;
    rows.set(it.id, tr);
    const id = it.id;
    /** @type {HTMLButtonElement} */ (tr.querySelector('.review-btn')).onclick = () => openReview(id);
    /** @type {HTMLButtonElement} */ (tr.querySelector('.password-btn')).onclick = () => askPassword(id);
    /** @type {HTMLButtonElement} */ (tr.querySelector('.cancel-btn')).onclick = () =>
      call('cancel_item', { id }).catch((e) => showError(errorText(e)));
    /** @type {HTMLButtonElement} */ (tr.querySelector('.folder-btn')).onclick = () =>
      call('open_output_folder', { id }).catch((e) => showError(errorText(e)));
  }
  tr.dataset.status = it.status;
  const name = /** @type {HTMLElement} */ (tr.querySelector('.name'));
  name.textContent = it.name;
  name.title = it.path;
  const st = /** @type {HTMLElement} */ (tr.querySelector('.status'));
  st.textContent = STATUS_LABEL[it.status];
  st.dataset.status = it.status;
  const bar = /** @type {HTMLProgressElement} */ (tr.querySelector('progress'));
  // a failed document has no output: its bar stays empty (the row is marked red)
  bar.value = it.status === 'failed' ? 0 : it.progress;
  /** @type {HTMLElement} */ (tr.querySelector('.stage')).textContent =
    it.status === 'running' && it.stage ? it.stage : '';
  const risk = /** @type {HTMLElement} */ (tr.querySelector('.risk-cell'));
  risk.innerHTML = '';
  if (it.risk !== null) {
    const s = document.createElement('span');
    s.className = 'risk';
    s.dataset.risk = it.risk.toFixed(3);
    s.textContent = it.risk.toFixed(2);
    s.style.background = riskColour(it.risk);
    risk.append(s);
  }
  if (it.error) {
    const e = document.createElement('span');
    e.className = 'error';
    e.textContent = it.error;
    risk.append(e);
  }
  if (it.advice) {
    const a = document.createElement('span');
    a.className = 'advice';
    a.textContent = it.advice;
    risk.append(a);
  }
  /** @type {HTMLButtonElement} */ (tr.querySelector('.password-btn')).hidden =
    !(it.status === 'failed' && it.error_code === 'encrypted');
  if (it.raster.length) {
    const r = document.createElement('span');
    r.className = 'raster';
    r.textContent = `${it.raster.length} page(s) as images`;
    r.title = it.raster.join('\n');
    risk.append(r);
  }
  if (it.ocr.length) {
    const o = document.createElement('span');
    o.className = 'ocr';
    o.textContent = `${it.ocr.length} page(s) OCR'd`;
    o.title = it.ocr.join('\n');
    risk.append(o);
  }
  /** @type {HTMLElement} */ (tr.querySelector('.counts')).textContent = Object.entries(it.counts)
    .map(([k, v]) => `${k.toLowerCase()} ${v}`)
    .join(', ') + (it.pending_decisions ? ` · ${it.pending_decisions} pending` : '');
  /** @type {HTMLElement} */ (tr.querySelector('.output')).textContent = it.output ?? '';
  const reviewable = ['done', 'review', 'skipped'].includes(it.status) && it.output !== null;
  /** @type {HTMLButtonElement} */ (tr.querySelector('.review-btn')).disabled = !reviewable;
  /** @type {HTMLButtonElement} */ (tr.querySelector('.cancel-btn')).disabled =
    !['queued', 'running'].includes(it.status);
  /** @type {HTMLButtonElement} */ (tr.querySelector('.folder-btn')).disabled = it.output === null;
  return tr;
}

/** @param {QueueItem[]} list */
function addItems(list) {
  const body = $('queue-body');
  const frag = document.createDocumentFragment();
  for (const it of list) {
    const isNew = !rows.has(it.id);
    items.set(it.id, it);
    const tr = renderRow(it);
    if (isNew) frag.append(tr);
  }
  body.append(frag);
  $('empty').hidden = items.size > 0;
  scheduleChart();
}

let chartPending = false;
function scheduleChart() {
  if (chartPending) return;
  chartPending = true;
  requestAnimationFrame(() => {
    chartPending = false;
    drawChart();
  });
}

function drawChart() {
  const svg = $('risk-chart');
  const done = [...items.values()].filter((i) => i.risk !== null);
  const flagged = done.filter((i) => i.status === 'review').length;
  const highest = done.reduce((m, i) => Math.max(m, i.risk ?? 0), 0);
  svg.setAttribute('aria-label', done.length
    ? `Risk per document: ${done.length} documents, ${flagged} to review, highest ${highest.toFixed(2)}`
    : 'Risk per document: no finished documents yet');
  const w = svg.clientWidth || 600;
  const h = 64;
  const left = 28;
  const bw = Math.max(2, Math.min(24, Math.floor((w - left) / Math.max(1, done.length)) - 2));
  svg.innerHTML = '';
  // scale: 0, 0.5 and 1 with faint grid lines
  for (const v of [0, 0.5, 1]) {
    const y = h - 2 - v * (h - 6);
    const line = document.createElementNS('http://www.w3.org/2000/svg', 'line');
    line.setAttribute('x1', String(left));
    line.setAttribute('x2', String(w));
    line.setAttribute('y1', String(y));
    line.setAttribute('y2', String(y));
    line.setAttribute('stroke', '#dde3ea');
    svg.append(line);
    const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    label.setAttribute('x', '0');
    label.setAttribute('y', String(y + 4));
    label.setAttribute('font-size', '10');
    label.setAttribute('fill', '#6b7785');
    label.textContent = v.toFixed(1);
    svg.append(label);
  }
  if (done.length > (w - left) / 4) {
    drawHistogram(svg, done, w, h, left);
    return;
  }
  done.forEach((it, i) => {
    const r = it.risk ?? 0;
    const bh = Math.max(3, Math.round(r * (h - 6)));
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('x', String(left + i * (bw + 2)));
    rect.setAttribute('y', String(h - 2 - bh));
    rect.setAttribute('width', String(bw));
    rect.setAttribute('height', String(bh));
    rect.setAttribute('fill', riskColour(r));
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    t.textContent = `${it.name}: ${r.toFixed(2)}`;
    rect.append(t);
    svg.append(rect);
  });
}

/**
 * Many documents: how many fall in each tenth of the risk scale, labelled.
 * @param {HTMLElement} svg @param {QueueItem[]} done @param {number} w @param {number} h
 * @param {number} left
 */
function drawHistogram(svg, done, w, h, left) {
  svg.innerHTML = '';
  const bins = new Array(10).fill(0);
  for (const it of done) bins[Math.min(9, Math.floor((it.risk ?? 0) * 10))] += 1;
  const most = Math.max(1, ...bins);
  const bw = (w - left) / 10 - 4;
  bins.forEach((n, i) => {
    const bh = Math.max(n ? 3 : 0, Math.round((n / most) * (h - 18)));
    const rect = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
    rect.setAttribute('x', String(left + i * (bw + 4)));
    rect.setAttribute('y', String(h - 14 - bh));
    rect.setAttribute('width', String(bw));
    rect.setAttribute('height', String(bh));
    rect.setAttribute('fill', riskColour((i + 0.5) / 10));
    const t = document.createElementNS('http://www.w3.org/2000/svg', 'title');
    t.textContent = `risk ${(i / 10).toFixed(1)}–${((i + 1) / 10).toFixed(1)}: ${n} documents`;
    rect.append(t);
    svg.append(rect);
    const label = document.createElementNS('http://www.w3.org/2000/svg', 'text');
    label.setAttribute('x', String(left + i * (bw + 4) + bw / 2));
    label.setAttribute('y', String(h - 3));
    label.setAttribute('font-size', '10');
    label.setAttribute('text-anchor', 'middle');
    label.setAttribute('fill', '#6b7785');
    label.textContent = String(n);
    svg.append(label);
  });
}

/** @param {BatchState} b */
function renderBatch(b) {
  const p = /** @type {HTMLProgressElement} */ ($('batch-progress'));
  p.value = b.total ? b.finished / b.total : 0;
  $('batch-label').textContent = b.running
    ? `Batch: ${b.finished} of ${b.total} documents`
    : b.total ? `Last batch: ${b.finished} of ${b.total} documents` : 'No batch running';
  document.body.dataset.batch = b.running ? 'running' : 'idle';
  // nothing to cancel while no batch runs
  /** @type {HTMLButtonElement} */ ($('cancel-batch')).disabled = !b.running;
}

/** @param {AppEvent} ev */
function onEvent(ev) {
  switch (ev.type) {
    case 'item':
      addItems([ev.item]);
      break;
    case 'items':
      addItems(ev.items);
      break;
    case 'batch':
      renderBatch(ev.batch);
      break;
    case 'batch_finished': {
      const s = ev.summary;
      showNotice(`Batch finished: ${s.ok + s.skipped} done, ${s.review} to review, ${s.failed} failed` +
        (s.cancelled ? `, ${s.cancelled} cancelled` : '') + '.');
      break;
    }
    case 'error':
      showError(ev.message);
      break;
  }
}

/** @param {string} view */
function show(view) {
  for (const v of ['queue', 'history', 'settings', 'review']) {
    $(`view-${v}`).hidden = v !== view;
  }
  document.querySelectorAll('button.tab').forEach((b) =>
    b.classList.toggle('active', /** @type {HTMLElement} */ (b).dataset.view === view));
  if (view === 'history') loadHistory();
}

async function loadHistory() {
  try {
    const hist = await call('history', {});
    const body = $('history-body');
    body.innerHTML = '';
    for (const h of hist) {
      const tr = document.createElement('tr');
      for (const v of [String(h.job_id), h.started_at, h.status, String(h.documents),
        String(h.failed), h.max_risk.toFixed(2), h.drift]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      // the audit report holds no document text: hashes, counts, decisions by HMAC
      const td = document.createElement('td');
      const btn = document.createElement('button');
      btn.className = 'export-audit';
      btn.textContent = 'Export';
      btn.setAttribute('aria-label', `Export the audit report of job ${h.job_id} (PDF and CSV)`);
      btn.addEventListener('click', () => exportAudit(h.job_id));
      td.append(btn);
      tr.append(td);
      body.append(tr);
    }
  } catch (e) {
    showError(errorText(e));
  }
}

/** @param {bigint} job */
async function exportAudit(job) {
  const status = $('history-status');
  try {
    const paths = await call('export_audit', { job });
    status.textContent = `Audit report written: ${paths.join(', ')}`;
  } catch (e) {
    status.textContent = '';
    showError(errorText(e));
  }
}

/** @param {AppSettings} s */
function fillSettings(s) {
  /** @type {HTMLInputElement} */ ($('set-out')).value = s.out_dir;
  /** @type {HTMLSelectElement} */ ($('set-policy')).value = s.policy;
  /** @type {HTMLSelectElement} */ ($('set-mark')).value = s.mark;
  /** @type {HTMLSelectElement} */ ($('set-device')).value = s.device;
  /** @type {HTMLInputElement} */ ($('set-threads')).value = String(s.threads);
  /** @type {HTMLInputElement} */ ($('set-timeout')).value = String(s.timeout_s);
  /** @type {HTMLInputElement} */ ($('set-ner')).checked = s.ner;
  /** @type {HTMLInputElement} */ ($('set-profile')).value = s.profile;
}

async function saveSettings() {
  /** @type {AppSettings} */
  const s = {
    out_dir: /** @type {HTMLInputElement} */ ($('set-out')).value,
    policy: /** @type {HTMLSelectElement} */ ($('set-policy')).value,
    mark: /** @type {HTMLSelectElement} */ ($('set-mark')).value,
    device: /** @type {HTMLSelectElement} */ ($('set-device')).value,
    threads: Number(/** @type {HTMLInputElement} */ ($('set-threads')).value) || 0,
    timeout_s: Number(/** @type {HTMLInputElement} */ ($('set-timeout')).value) || 120,
    ner: /** @type {HTMLInputElement} */ ($('set-ner')).checked,
    profile: /** @type {HTMLInputElement} */ ($('set-profile')).value.trim(),
  };
  try {
    fillSettings(await call('save_settings', { settings: s }));
    $('settings-status').textContent = 'Saved.';
  } catch (e) {
    $('settings-status').textContent = errorText(e);
  }
}

// ---- review screen ----

/** @param {number} id */
async function openReview(id) {
  state.reviewId = id;
  state.reviewPage = 0;
  state.current = null;
  state.list = null;
  state.thumbs = [];
  outputCache.clear();
  $('review-title').textContent = items.get(id)?.name ?? '';
  show('review');
  await Promise.all([loadPage(), loadList()]);
  // the strip's page images come after the page itself: they are only a guide
  call('page_thumbnails', { id })
    .then((t) => {
      if (state.reviewId !== id) return;
      state.thumbs = t;
      renderStrip();
    })
    .catch(() => { /* the strip keeps its numbers */ });
}

/** Rendered pages of the verified output, by page, for the current document. @type {Map<number, string>} */
const outputCache = new Map();

async function loadPage() {
  if (state.reviewId === null) return;
  const overlay = $('overlay');
  overlay.innerHTML = '';
  document.body.dataset.review = 'loading';
  try {
    const p = await call('review_page', { id: state.reviewId, page: state.reviewPage });
    state.page = p;
    state.reviewPages = p.pages;
    // the typed term's boxes belong to the page they were found on
    state.termBoxes = [];
    if (/** @type {HTMLInputElement} */ ($('term-text')).value.trim()) schedulePreview();
    const img = /** @type {HTMLImageElement} */ ($('page-img'));
    img.src = p.image;
    $('page-label').textContent = `page ${p.page + 1} of ${p.pages}`;
    const jump = /** @type {HTMLInputElement} */ ($('page-jump'));
    jump.max = String(p.pages);
    jump.value = String(p.page + 1);
    for (const sel of ['box-category', 'term-category']) {
      const s = /** @type {HTMLSelectElement} */ ($(sel));
      if (!s.options.length) {
        for (const c of p.categories) s.append(new Option(c.toLowerCase(), c));
        s.value = 'NAME';
      }
    }
    await loadOutput();
    layoutPages();
    renderStrip();
    document.body.dataset.review = 'ready';
  } catch (e) {
    document.body.dataset.review = 'error';
    showError(errorText(e));
  }
}

/** The verified output's page beside (or instead of) the original, when shown. */
async function loadOutput() {
  if (state.reviewId === null || state.mode === 'original') return;
  const page = state.reviewPage;
  let src = outputCache.get(page);
  if (!src) {
    const o = await call('output_page', { id: state.reviewId, page });
    src = o.image;
    outputCache.set(page, src);
  }
  const img = /** @type {HTMLImageElement} */ ($('out-img'));
  img.src = src;
  img.dataset.page = String(page);
}

/** Size both page images (zoom or fit width) and draw the boxes again. */
function layoutPages() {
  const p = state.page;
  if (!p) return;
  $('page').hidden = state.mode === 'output';
  $('page-out').hidden = state.mode === 'original';
  const wrap = $('page-wrap');
  // the page and the list end at the window's bottom edge and scroll inside
  for (const el of [wrap, $('detections-panel')]) {
    el.style.maxHeight = `${Math.max(240, window.innerHeight - el.getBoundingClientRect().top - 16)}px`;
  }
  const avail = Math.max(200, wrap.clientWidth - 28);
  const fit = state.mode === 'both' ? (avail - 12) / 2 : avail;
  const width = state.zoom === null ? fit : p.width * state.zoom;
  for (const id of ['page-img', 'out-img']) $(id).style.width = `${Math.round(width)}px`;
  drawOverlay();
}

/** @param {number | null} zoom null = fit width */
function setZoom(zoom) {
  state.zoom = zoom === null ? null : Math.max(0.25, Math.min(4, zoom));
  layoutPages();
}

function currentZoom() {
  const img = /** @type {HTMLImageElement} */ ($('page-img'));
  return state.page && img.clientWidth ? img.clientWidth / state.page.width : 1;
}

/** @param {string} mode */
async function setMode(mode) {
  state.mode = mode;
  /** @type {HTMLSelectElement} */ ($('view-mode')).value = mode;
  try {
    await loadOutput();
  } catch (e) {
    showError(errorText(e));
  }
  layoutPages();
}

/** @param {number} page */
async function goToPage(page) {
  if (page < 0 || page >= state.reviewPages || page === state.reviewPage) return;
  state.reviewPage = page;
  await loadPage();
}

async function loadList() {
  if (state.reviewId === null) return;
  try {
    state.list = await call('review_detections', { id: state.reviewId });
    renderList();
    syncPageFromList();
  } catch (e) {
    showError(errorText(e));
  }
}

/** @param {ReviewDetection | ReviewEntity} d */
function atKey(d) {
  return d.at ? `${d.at.para}:${d.at.start}` : '';
}

/** Whether a detection passes the list's filters. @param {ReviewDetection} d */
function passes(d) {
  const val = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id)).value;
  const cat = val('filter-category');
  const page = val('filter-page');
  const status = val('filter-status');
  const lo = Number(val('filter-min') || 0);
  const hi = Number(val('filter-max') || 1);
  return (!cat || d.category === cat) && (!page || d.page === Number(page)) &&
    (!status || d.status === status) && d.score >= lo - 1e-6 && d.score <= hi + 1e-6;
}

/** Indexes of the detections the filters show. */
function shown() {
  const l = state.list;
  return l ? l.detections.map((d, i) => (passes(d) ? i : -1)).filter((i) => i >= 0) : [];
}

/** @param {HTMLSelectElement} sel @param {[string, string][]} options */
function fillFilter(sel, options) {
  const keep = sel.value;
  sel.length = 1;
  for (const [value, label] of options) sel.append(new Option(label, value));
  sel.value = options.some(([v]) => v === keep) ? keep : '';
}

/** The detectors behind a detection, in short: "model, rules, search". @param {ReviewDetection} d */
function foundBy(d) {
  const kinds = new Set(d.source.split('+').map((s) => {
    if (s === 'ner' || s.startsWith('ner:')) return 'model';
    if (s.startsWith('rule')) return 'rules';
    if (s.startsWith('propagate') || s.startsWith('semantic')) return 'search';
    if (s.startsWith('reviewer')) return 'you';
    return s;
  }));
  if (d.propagated) kinds.add('search');
  return [...kinds].join(', ');
}

const STATUS_TEXT = { removed: 'removed', kept: 'kept (rejected)', added: 'added by you' };

function renderList() {
  const l = state.list;
  if (!l) return;
  const reasons = $('review-reasons');
  reasons.innerHTML = '';
  for (const r of l.reasons) {
    const li = document.createElement('li');
    li.textContent = r;
    reasons.append(li);
  }
  const cats = [...new Set(l.detections.map((d) => d.category))].sort();
  fillFilter(/** @type {HTMLSelectElement} */ ($('filter-category')),
    cats.map((c) => [c, c.toLowerCase()]));
  const pages = [...new Set(l.detections.map((d) => d.page))].sort((a, b) => a - b);
  fillFilter(/** @type {HTMLSelectElement} */ ($('filter-page')),
    pages.map((p) => [String(p), String(p + 1)]));
  const body = $('detections-body');
  body.innerHTML = '';
  const visible = shown();
  for (const i of visible) {
    const d = l.detections[i];
    const tr = document.createElement('tr');
    tr.tabIndex = 0;
    tr.dataset.index = String(i);
    tr.dataset.status = d.status;
    tr.dataset.key = d.key;
    tr.dataset.at = atKey(d);
    tr.classList.toggle('current', state.current === i);
    for (const v of [String(d.page + 1), d.category.toLowerCase(), d.score.toFixed(2),
      foundBy(d), STATUS_TEXT[d.status]]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    /** @type {HTMLElement} */ (tr.children[3]).title = d.source;
    const td = document.createElement('td');
    /** @param {string} cls @param {string} label @param {string} aria @param {() => void} f */
    const button = (cls, label, aria, f) => {
      const b = document.createElement('button');
      b.className = cls;
      b.textContent = label;
      b.setAttribute('aria-label', aria);
      b.addEventListener('click', (ev) => { ev.stopPropagation(); f(); });
      td.append(b);
    };
    const what = `${d.category.toLowerCase()} on page ${d.page + 1}`;
    if (d.status === 'removed') {
      button('reject-one', 'Reject', `Reject this ${what} (keep its text here)`,
        () => decide([{ key: d.key, at: d.at }], true));
      button('reject-all', 'All', `Reject every occurrence of this ${what}`,
        () => decide([{ key: d.key, at: null }], true));
    } else if (d.status === 'kept') {
      button('restore', 'Restore', `Redact this ${what} again`,
        () => decide([{ key: d.key, at: d.at }], false));
    }
    tr.append(td);
    tr.addEventListener('click', () => focusDetection(i));
    body.append(tr);
  }
  $('det-count').textContent = `(${visible.length} of ${l.detections.length})`;
  /** @type {HTMLButtonElement} */ ($('undo')).disabled = !l.can_undo;
  /** @type {HTMLButtonElement} */ ($('redo')).disabled = !l.can_redo;
  $('pending').textContent = l.pending ? `${l.pending} decisions to apply` : '';
  renderStrip();
}

/** Page buttons with the number of detections each page holds. */
function renderStrip() {
  const strip = $('page-strip');
  const counts = new Array(state.reviewPages).fill(0);
  for (const d of state.list?.detections ?? []) if (d.page < counts.length) counts[d.page] += 1;
  strip.innerHTML = '';
  counts.forEach((n, p) => {
    const b = document.createElement('button');
    if (state.thumbs[p]) {
      const img = document.createElement('img');
      img.src = state.thumbs[p];
      img.alt = '';
      img.className = 'thumb';
      b.append(img);
    }
    b.append(String(p + 1));
    b.setAttribute('aria-label', `Page ${p + 1}, ${n} detections`);
    if (p === state.reviewPage) b.setAttribute('aria-current', 'page');
    if (n) {
      const m = document.createElement('span');
      m.className = 'marks';
      m.textContent = String(n);
      b.append(m);
    }
    b.addEventListener('click', () => goToPage(p));
    strip.append(b);
  });
}

/** The page's boxes take their rejected state from the list. */
function syncPageFromList() {
  const p = state.page;
  const l = state.list;
  if (!p || !l) return;
  for (const e of p.entities) {
    const d = l.detections.find((x) => x.key === e.key && atKey(x) === atKey(e));
    if (d) e.rejected = d.status === 'kept';
  }
  drawOverlay();
}

/** Show detection `i`: its page, its box in focus, its row marked. @param {number} i */
async function focusDetection(i) {
  const l = state.list;
  if (!l || !l.detections[i]) return;
  state.current = i;
  const d = l.detections[i];
  if (d.page !== state.reviewPage) await goToPage(d.page);
  document.querySelectorAll('#detections tr.current').forEach((r) => r.classList.remove('current'));
  const row = document.querySelector(`#detections tr[data-index="${i}"]`);
  row?.classList.add('current');
  row?.scrollIntoView({ block: 'nearest' });
  document.querySelectorAll('.entity.focused').forEach((b) => b.classList.remove('focused'));
  const boxes = [...document.querySelectorAll('.entity')].filter((b) =>
    /** @type {HTMLElement} */ (b).dataset.key === d.key && /** @type {HTMLElement} */ (b).dataset.at === atKey(d));
  boxes.forEach((b) => b.classList.add('focused'));
  const first = /** @type {HTMLElement | undefined} */ (boxes[0]);
  if (first) {
    first.scrollIntoView({ block: 'center', inline: 'nearest' });
    first.focus({ preventScroll: true });
  }
}

/** Move the focus to the next (`step` 1) or previous (-1) detection the filters show. @param {number} step */
function stepDetection(step) {
  const visible = shown();
  if (!visible.length) return;
  const at = state.current === null ? -1 : visible.indexOf(state.current);
  const next = at < 0 ? (step > 0 ? 0 : visible.length - 1)
    : Math.max(0, Math.min(visible.length - 1, at + step));
  focusDetection(visible[next]);
}

/** Reject or restore detections (one undo step). @param {RejectTarget[]} targets @param {boolean} rejected */
async function decide(targets, rejected) {
  if (state.reviewId === null || !targets.length) return;
  try {
    await call('set_rejected_many', { id: state.reviewId, targets, rejected });
    await loadList();
    if (state.current !== null) focusDetection(state.current);
  } catch (e) {
    showError(errorText(e));
  }
}

/** @param {boolean} rejected */
function bulk(rejected) {
  const l = state.list;
  if (!l) return;
  const want = rejected ? 'removed' : 'kept';
  const targets = shown().map((i) => l.detections[i]).filter((d) => d.status === want)
    .map((d) => ({ key: d.key, at: d.at }));
  decide(targets, rejected);
}

/** @param {boolean} redo */
async function undoRedo(redo) {
  if (state.reviewId === null) return;
  try {
    await call(redo ? 'redo' : 'undo', { id: state.reviewId });
    await Promise.all([loadList(), loadPage()]);
    syncPageFromList();
  } catch (e) {
    showError(errorText(e));
  }
}

/** Page-image pixels → CSS pixels of the displayed image. */
function scale() {
  const img = /** @type {HTMLImageElement} */ ($('page-img'));
  const p = state.page;
  return p && img.clientWidth ? img.clientWidth / p.width : 1;
}

/** @param {HTMLElement} el @param {number[]} b */
function place(el, b) {
  const k = scale();
  el.style.left = `${b[0] * k}px`;
  el.style.top = `${b[1] * k}px`;
  el.style.width = `${(b[2] - b[0]) * k}px`;
  el.style.height = `${(b[3] - b[1]) * k}px`;
}

function drawOverlay() {
  const p = state.page;
  if (!p) return;
  const overlay = $('overlay');
  // a box with the keyboard focus is drawn again: the new one takes the focus
  const hadFocus = document.activeElement?.classList.contains('entity') ?? false;
  overlay.innerHTML = '';
  const legend = new Set();
  const current = state.current !== null ? state.list?.detections[state.current] : undefined;
  for (const e of p.entities) {
    legend.add(e.category);
    for (const b of e.boxes) {
      const d = document.createElement('div');
      d.className = 'entity' + (e.rejected ? ' rejected' : '');
      if (current && current.key === e.key && atKey(current) === atKey(e)) d.classList.add('focused');
      d.dataset.key = e.key;
      d.dataset.at = atKey(e);
      d.dataset.category = e.category;
      d.tabIndex = 0;
      d.setAttribute('role', 'button');
      const label = `${e.category.toLowerCase()} · ${e.source} · confidence ${e.score.toFixed(2)}` +
        (e.rejected ? ' · rejected (kept in the output)' : '');
      d.title = label;
      d.setAttribute('aria-label', `${label}. Enter rejects or restores every occurrence.`);
      const c = colourOf(e.category);
      d.style.borderColor = c;
      d.style.background = c + Math.round(40 + 120 * e.score).toString(16).padStart(2, '0');
      place(d, b);
      d.addEventListener('mousedown', (ev) => ev.stopPropagation());
      d.addEventListener('click', async (ev) => {
        ev.stopPropagation();
        await toggleReject(e.key, !e.rejected);
      });
      d.addEventListener('keydown', async (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          ev.stopPropagation();
          await toggleReject(e.key, !e.rejected);
        }
      });
      overlay.append(d);
    }
  }
  for (const b of state.termBoxes) {
    const d = document.createElement('div');
    d.className = 'term-hit';
    place(d, b);
    overlay.append(d);
  }
  for (const b of p.added_boxes) {
    const d = document.createElement('div');
    d.className = 'added-box';
    d.title = `added box · ${b.category.toLowerCase()}`;
    place(d, b.rect);
    overlay.append(d);
  }
  if (hadFocus) /** @type {HTMLElement | null} */ (overlay.querySelector('.entity.focused'))?.focus({ preventScroll: true });
  $('terms').textContent = p.added_terms.length
    ? `Added terms: ${p.added_terms.length}` : '';
  const lg = $('legend');
  lg.innerHTML = '';
  for (const c of legend) {
    const s = document.createElement('span');
    s.style.setProperty('--c', colourOf(String(c)));
    s.textContent = String(c).toLowerCase();
    lg.append(s);
  }
}

/** Reject or restore every occurrence of a text (a click on its box). @param {string} key @param {boolean} rejected */
async function toggleReject(key, rejected) {
  await decide([{ key, at: null }], rejected);
}

function setupDrawing() {
  const page = $('page');
  /** @type {{x: number, y: number, el: HTMLElement} | null} */
  let start = null;
  /** @param {MouseEvent} ev */
  const pos = (ev) => {
    const r = page.getBoundingClientRect();
    const k = scale();
    return { x: (ev.clientX - r.left) / k, y: (ev.clientY - r.top) / k };
  };
  page.addEventListener('mousedown', (ev) => {
    if (!state.page) return;
    ev.preventDefault();
    const p = pos(ev);
    const el = document.createElement('div');
    el.className = 'drawing';
    $('overlay').append(el);
    start = { x: p.x, y: p.y, el };
  });
  page.addEventListener('mousemove', (ev) => {
    if (!start) return;
    const p = pos(ev);
    place(start.el, [Math.min(start.x, p.x), Math.min(start.y, p.y), Math.max(start.x, p.x), Math.max(start.y, p.y)]);
  });
  window.addEventListener('mouseup', async (ev) => {
    if (!start || state.reviewId === null || !state.page) return;
    const p = pos(ev);
    const s = start;
    start = null;
    s.el.remove();
    const rect = [Math.min(s.x, p.x), Math.min(s.y, p.y), Math.max(s.x, p.x), Math.max(s.y, p.y)];
    if (rect[2] - rect[0] < 3 || rect[3] - rect[1] < 3) return;
    const category = /** @type {HTMLSelectElement} */ ($('box-category')).value;
    const box = { page: state.reviewPage, rect: /** @type {[number, number, number, number]} */ (rect), category };
    try {
      await call('add_box', { id: state.reviewId, rect: box });
      state.page.added_boxes.push(box);
      drawOverlay();
      await loadList();
    } catch (e) {
      showError(errorText(e));
    }
  });
}

let previewTimer = 0;
/** Show where the typed term would be redacted (after a short pause in typing). */
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = window.setTimeout(previewTerm, 350);
}

async function previewTerm() {
  if (state.reviewId === null) return;
  const text = /** @type {HTMLInputElement} */ ($('term-text')).value;
  const category = /** @type {HTMLSelectElement} */ ($('term-category')).value;
  const out = $('term-hits');
  if (text.trim().length < 2) {
    out.textContent = '';
    state.termBoxes = [];
    drawOverlay();
    return;
  }
  try {
    const p = await call('preview_term', {
      id: state.reviewId, term: { text, category }, page: state.reviewPage,
    });
    if (/** @type {HTMLInputElement} */ ($('term-text')).value !== text) return;
    out.textContent = p.hits
      ? `${p.hits} occurrence(s) on page(s) ${p.pages.map((x) => x + 1).join(', ')}`
      : 'no occurrence in the text layer';
    out.dataset.hits = String(p.hits);
    state.termBoxes = p.boxes;
    drawOverlay();
  } catch (e) {
    out.textContent = errorText(e);
  }
}

async function addTerm() {
  if (state.reviewId === null || !state.page) return;
  const input = /** @type {HTMLInputElement} */ ($('term-text'));
  const category = /** @type {HTMLSelectElement} */ ($('term-category')).value;
  try {
    await call('add_term', { id: state.reviewId, term: { text: input.value, category } });
    state.page.added_terms.push({ text: input.value, category });
    input.value = '';
    state.termBoxes = [];
    $('term-hits').textContent = '';
    drawOverlay();
    await loadList();
  } catch (e) {
    showError(errorText(e));
  }
}

async function applyReview() {
  if (state.reviewId === null) return;
  const btn = /** @type {HTMLButtonElement} */ ($('apply-review'));
  btn.disabled = true;
  document.body.dataset.review = 'applying';
  try {
    const it = await call('apply_review', { id: state.reviewId });
    addItems([it]);
    showNotice(`Re-redacted and verified: ${it.output ?? ''}`);
    outputCache.clear();
    state.current = null;
    await Promise.all([loadPage(), loadList()]);
  } catch (e) {
    document.body.dataset.review = 'error';
    showError(errorText(e));
  } finally {
    btn.disabled = false;
  }
}

/** Ask before writing document text: the export holds PHI. */
function askExportTraining() {
  if (state.reviewId === null) return;
  const dlg = /** @type {HTMLDialogElement} */ ($('export-dialog'));
  dlg.showModal();
}

async function exportTraining() {
  /** @type {HTMLDialogElement} */ ($('export-dialog')).close();
  if (state.reviewId === null) return;
  try {
    const path = await call('export_training', { id: state.reviewId, path: null });
    showNotice(`Training examples written to ${path} (contains document text).`);
  } catch (e) {
    showError(errorText(e));
  }
}

/** The document the password dialog is for. @type {number | null} */
let passwordFor = null;

/** @param {number} id */
function askPassword(id) {
  passwordFor = id;
  const it = items.get(id);
  $('password-doc').textContent = it ? it.name : '';
  $('password-status').textContent = '';
  const input = /** @type {HTMLInputElement} */ ($('password-input'));
  input.value = '';
  /** @type {HTMLDialogElement} */ ($('password-dialog')).showModal();
  input.focus();
}

async function submitPassword() {
  const id = passwordFor;
  const input = /** @type {HTMLInputElement} */ ($('password-input'));
  const password = input.value;
  input.value = '';
  if (id === null || !password) return;
  $('password-status').textContent = 'Opening…';
  try {
    const it = await call('retry_with_password', { id, password });
    addItems([it]);
    if (it.status === 'failed' && it.error_code === 'encrypted') {
      $('password-status').textContent = 'The password was not accepted. Try again or cancel.';
      input.focus();
      return;
    }
    /** @type {HTMLDialogElement} */ ($('password-dialog')).close();
    passwordFor = null;
  } catch (e) {
    $('password-status').textContent = errorText(e);
  }
}

/** Review-screen shortcuts (listed in the help dialog). @param {KeyboardEvent} ev */
function onReviewKey(ev) {
  if ($('view-review').hidden || document.querySelector('dialog[open]')) return;
  const t = /** @type {HTMLElement} */ (ev.target);
  if (['INPUT', 'SELECT', 'TEXTAREA'].includes(t.tagName)) return;
  const ctrl = ev.ctrlKey || ev.metaKey;
  const d = state.current !== null ? state.list?.detections[state.current] : undefined;
  /** @type {(() => unknown) | null} */
  let act = null;
  if (ctrl) {
    const k = ev.key.toLowerCase();
    if (k === 'z') act = () => undoRedo(ev.shiftKey);
    else if (k === 'y') act = () => undoRedo(true);
    else if (ev.key === 'Enter') act = applyReview;
  } else if (!ev.altKey) {
    switch (ev.key) {
      case 'j': case 'ArrowDown': act = () => stepDetection(1); break;
      case 'k': case 'ArrowUp': act = () => stepDetection(-1); break;
      case 'r': if (d && d.status === 'removed') act = () => decide([{ key: d.key, at: d.at }], true); break;
      case 'R': if (d && d.status === 'removed') act = () => decide([{ key: d.key, at: null }], true); break;
      case 'a': if (d && d.status === 'kept') act = () => decide([{ key: d.key, at: d.at }], false); break;
      case 'n': case 'PageDown': act = () => goToPage(state.reviewPage + 1); break;
      case 'p': case 'PageUp': act = () => goToPage(state.reviewPage - 1); break;
      case '+': case '=': act = () => setZoom(currentZoom() * 1.25); break;
      case '-': act = () => setZoom(currentZoom() / 1.25); break;
      case '0': act = () => setZoom(null); break;
      case 'v': {
        const modes = ['original', 'output', 'both'];
        act = () => setMode(modes[(modes.indexOf(state.mode) + 1) % modes.length]);
        break;
      }
      case '?': act = () => /** @type {HTMLDialogElement} */ ($('help-dialog')).showModal(); break;
    }
  }
  if (act) {
    ev.preventDefault();
    act();
  }
}

async function init() {
  document.querySelectorAll('button.tab').forEach((b) =>
    b.addEventListener('click', () => show(/** @type {HTMLElement} */ (b).dataset.view ?? 'queue')));
  $('add-files').onclick = async () => {
    try {
      addItems(await call('pick_and_ingest', {}));
    } catch (e) {
      showError(errorText(e));
    }
  };
  $('add-folder').onclick = async () => {
    try {
      addItems(await call('pick_folder_and_ingest', {}));
    } catch (e) {
      showError(errorText(e));
    }
  };
  $('cancel-batch').onclick = () => call('cancel_batch', {});
  $('password-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitPassword();
  });
  $('password-cancel').onclick = () => {
    passwordFor = null;
    /** @type {HTMLInputElement} */ ($('password-input')).value = '';
    /** @type {HTMLDialogElement} */ ($('password-dialog')).close();
  };
  $('clear-finished').onclick = async () => {
    await call('clear_finished', {});
    const snap = await call('snapshot', {});
    items.clear();
    rows.clear();
    $('queue-body').innerHTML = '';
    addItems(snap.items);
  };
  $('open-output').onclick = () => call('open_output_folder', { id: null }).catch((e) => showError(errorText(e)));
  $('pick-profile').onclick = async () => {
    const path = await call('pick_profile', {});
    if (path) /** @type {HTMLInputElement} */ ($('set-profile')).value = path;
  };
  $('settings-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveSettings();
  });
  $('review-back').onclick = () => show('queue');
  $('page-prev').onclick = () => goToPage(state.reviewPage - 1);
  $('page-next').onclick = () => goToPage(state.reviewPage + 1);
  $('page-jump').addEventListener('change', () =>
    goToPage(Number(/** @type {HTMLInputElement} */ ($('page-jump')).value) - 1));
  $('zoom-in').onclick = () => setZoom(currentZoom() * 1.25);
  $('zoom-out').onclick = () => setZoom(currentZoom() / 1.25);
  $('zoom-fit').onclick = () => setZoom(null);
  $('view-mode').addEventListener('change', () =>
    setMode(/** @type {HTMLSelectElement} */ ($('view-mode')).value));
  for (const f of ['filter-category', 'filter-page', 'filter-min', 'filter-max', 'filter-status']) {
    $(f).addEventListener('change', renderList);
  }
  $('bulk-reject').onclick = () => bulk(true);
  $('bulk-restore').onclick = () => bulk(false);
  $('undo').onclick = () => undoRedo(false);
  $('redo').onclick = () => undoRedo(true);
  $('help-btn').onclick = () => /** @type {HTMLDialogElement} */ ($('help-dialog')).showModal();
  $('help-close').onclick = () => /** @type {HTMLDialogElement} */ ($('help-dialog')).close();
  document.addEventListener('keydown', onReviewKey);
  $('apply-review').onclick = applyReview;
  $('export-training').onclick = askExportTraining;
  $('export-confirm').onclick = exportTraining;
  $('export-cancel').onclick = () =>
    /** @type {HTMLDialogElement} */ ($('export-dialog')).close();
  $('add-term').onclick = addTerm;
  $('term-text').addEventListener('input', schedulePreview);
  $('term-category').addEventListener('change', schedulePreview);
  $('banner').onclick = () => { $('banner').hidden = true; };
  $('notice').onclick = () => { $('notice').hidden = true; };
  setupDrawing();
  window.addEventListener('resize', () => { layoutPages(); scheduleChart(); });
  const { listen } = window.__TAURI__.event;
  await listen('deid://event', (e) => onEvent(/** @type {AppEvent} */ (e.payload)));
  await listen('tauri://drag-enter', () => document.body.classList.add('dragging'));
  await listen('tauri://drag-leave', () => document.body.classList.remove('dragging'));
  await listen('tauri://drag-drop', () => document.body.classList.remove('dragging'));
  /** @type {Snapshot} */
  const snap = await call('snapshot', {});
  fillSettings(snap.settings);
  addItems(snap.items);
  renderBatch(snap.batch);
  if (snap.problems.length) showError(snap.problems.join(' '));
  /** @type {HTMLOptionElement} */ ($('set-device').querySelector('option[value=auto]')).disabled = !snap.gpu_available;
  document.body.dataset.ready = 'true';
}

init().catch((e) => showError(errorText(e)));
