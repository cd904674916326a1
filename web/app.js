// app.js: the page's entry point.  Wires the "Add" form (with the formats
// picker), the downloads list, subscriptions, notifications, search, and the
// API key prompt together.

import * as api from './api.js';
import { CookiesPanel } from './cookies.js';
import { askForKey } from './dialogs.js';
import { formatDuration, h, showMessage } from './dom.js';
import { NotificationPanel } from './notifications.js';
import { SearchPanel } from './search.js';
import { SubscriptionPanel } from './subscriptions.js';
import { TaskList } from './tasks.js';

// The values POST /api/download accepts (docs/api.md).
const QUALITIES = {
  video: [['best', 'Best available'], ['2160p', '2160p (4K)'], ['1440p', '1440p'],
    ['1080p', '1080p (Full HD)'], ['720p', '720p (HD)'], ['480p', '480p'], ['360p', '360p'],
    ['240p', '240p'], ['144p', '144p']],
  audio: [['best', 'Best available'], ['320kbps', '320 kbps'], ['256kbps', '256 kbps'],
    ['192kbps', '192 kbps'], ['128kbps', '128 kbps'], ['96kbps', '96 kbps']],
};

const $ = (id) => document.getElementById(id);

// -- Messages ------------------------------------------------------------------

let toastTimer = 0;
/**
 * A short polite message: shown as a toast and read out by screen readers.
 * The live region itself is never hidden (a region that appears together
 * with its text is often not read); emptied, it takes no room (CSS :empty).
 */
function announce(text) {
  const el = $('status');
  clearTimeout(toastTimer);
  el.textContent = text;
  toastTimer = setTimeout(() => { el.textContent = ''; }, 6000);
}

// -- The "Add" form ----------------------------------------------------------------

const form = $('add-form');
const urlInput = $('url');
const qualitySelect = $('quality');
const addError = $('add-error');
const infoPanel = $('info');
let infoUrl = ''; // the URL whose formats are on show

const downloadType = () => form.elements.download_type.value;

function fillQualities() {
  const type = downloadType();
  const keep = qualitySelect.value;
  qualitySelect.replaceChildren(...QUALITIES[type].map(([v, label]) =>
    h('option', { value: v, selected: v === keep }, label)));
  $('audio-format-field').hidden = type !== 'audio';
}

/** The format picked in the formats list, or '' for "use the quality". */
function chosenFormat() {
  if (!infoUrl || infoUrl !== urlInput.value.trim()) return '';
  const picked = infoPanel.querySelector('input[name="format_id"]:checked');
  return picked ? picked.value : '';
}

function setAddError(text) {
  showMessage(addError, text);
  if (text) urlInput.setAttribute('aria-invalid', 'true');
  else urlInput.removeAttribute('aria-invalid');
}

/** Starts a download of url with the form's type, quality (or format), audio format and options. */
function download(url, formatId = '') {
  const fields = {
    url, download_type: downloadType(), quality: qualitySelect.value,
    embed_metadata: $('embed-metadata').checked, sponsorblock: $('sponsorblock').value,
  };
  if (fields.download_type === 'audio') fields.audio_format = $('audio-format').value;
  if (formatId) fields.format_id = formatId;
  return api.startDownload(fields).then((task) => {
    tasks.add(task);
    tasks.kick();
    return task;
  });
}

async function submitAdd(ev) {
  ev.preventDefault();
  const url = urlInput.value.trim();
  if (!url) {
    setAddError('Paste the address of a video or playlist first.');
    urlInput.focus();
    return;
  }
  setAddError('');
  const button = $('add-button');
  button.disabled = true;
  try {
    const task = await download(url, chosenFormat());
    announce(`Download added: ${task.title || url}`);
    urlInput.value = '';
    closeInfo();
  } catch (e) {
    // The API's own words (e.g. "url: must be an http or https URL").
    setAddError(e.detail);
    urlInput.focus();
  } finally {
    button.disabled = false;
  }
}

// -- Formats ("info") --------------------------------------------------------------

function closeInfo() {
  infoUrl = '';
  infoPanel.replaceChildren();
  infoPanel.hidden = true;
}

function formatLabel(f) {
  const kind = f.has_video && f.has_audio ? 'video and sound'
    : f.has_video ? 'video only (best sound added)' : 'sound only';
  const size = f.filesize_formatted ? `, ${f.filesize_formatted}` : '';
  const what = [...new Set([f.format_note, f.resolution].filter(Boolean))].join(' ');
  return `${what || f.format_id} · ${f.ext || '?'} · ${kind}${size}`;
}

async function showFormats(url) {
  url = (url ?? urlInput.value).trim();
  if (!url) {
    setAddError('Paste the address of a video first.');
    urlInput.focus();
    return;
  }
  urlInput.value = url;
  setAddError('');
  const button = $('info-button');
  button.disabled = true;
  infoPanel.hidden = false;
  infoPanel.replaceChildren(h('p', { class: 'muted' }, 'Looking up the formats…'));
  infoPanel.setAttribute('aria-busy', 'true');
  try {
    const info = await api.info(url);
    renderInfo(url, info);
  } catch (e) {
    closeInfo();
    setAddError(e.detail);
  } finally {
    button.disabled = false;
    infoPanel.removeAttribute('aria-busy');
  }
}

function renderInfo(url, info) {
  infoUrl = url;
  const formats = Array.isArray(info.formats) ? info.formats : [];
  const thumb = api.thumbnailUrl(info.thumbnail);
  const duration = info.duration_formatted || formatDuration(info.duration);
  const option = (value, label, checked) => h('label', { class: 'format-option' },
    h('input', { type: 'radio', name: 'format_id', value, checked }), ' ', label,
    value && h('span', { class: 'muted' }, ` (${value})`));

  infoPanel.replaceChildren(
    h('div', { class: 'info-head' },
      thumb && h('div', { class: 'thumb' }, h('img', { src: thumb, alt: '', loading: 'lazy' })),
      h('div', {},
        h('h3', { id: 'info-title', tabindex: -1 }, info.title || url),
        h('p', { class: 'muted' }, [info.uploader, duration].filter(Boolean).join(' · ')))),
    formats.length
      ? h('fieldset', { class: 'formats' },
        h('legend', {}, 'Format'),
        option('', 'Automatic: use the quality chosen above', true),
        formats.map((f) => option(f.format_id, formatLabel(f), false)))
      : h('p', {}, 'No formats were listed for this address; the quality above will be used.'),
    h('div', { class: 'task-actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Download this format'),
      h('button', { type: 'button', class: 'button', onclick: () => { closeInfo(); urlInput.focus(); } },
        'Hide formats')));
  $('info-title').focus();
}

// -- Shared links (/?url=… or a share target's ?text=…) ------------------------

function sharedUrl() {
  const p = new URLSearchParams(location.search);
  const direct = p.get('url');
  if (direct) return direct.trim();
  // Android's share sheet often sends "Title https://…" as text.
  const m = /https?:\/\/\S+/i.exec(`${p.get('text') || ''} ${p.get('title') || ''}`);
  return m ? m[0] : '';
}

// -- Start -----------------------------------------------------------------------

api.onAuthRequired((detail) => askForKey(detail).then((key) => {
  $('forget-key').hidden = !api.storedKey();
  return key;
}));

const tasks = new TaskList({
  list: $('task-list'),
  empty: $('tasks-empty'),
  error: $('tasks-error'),
  refresh: $('refresh'),
}, announce);

new SearchPanel({
  form: $('search-form'),
  input: $('q'),
  trending: $('trending-button'),
  results: $('results'),
  state: $('search-state'),
  error: $('search-error'),
}, {
  download: (url) => download(url),
  showFormats: (url) => {
    $('add').scrollIntoView({ behavior: 'smooth', block: 'start' });
    return showFormats(url);
  },
}, announce);

form.addEventListener('submit', submitAdd);
form.addEventListener('change', (ev) => {
  if (ev.target.name === 'download_type') fillQualities();
});
$('info-button').addEventListener('click', () => showFormats());
urlInput.addEventListener('input', () => {
  setAddError('');
  if (infoUrl && urlInput.value.trim() !== infoUrl) closeInfo(); // formats belong to one URL
});
$('forget-key').hidden = !api.storedKey();
$('forget-key').addEventListener('click', () => {
  api.storeKey('');
  $('forget-key').hidden = true;
  announce('The API key was removed from this browser.');
});

fillQualities();
const shared = sharedUrl();
if (shared) {
  // Filled in, never started: a link from elsewhere must not start downloads
  // on its own.  The address bar is cleaned so a reload does not refill it.
  urlInput.value = shared;
  history.replaceState(null, '', location.pathname);
  urlInput.focus();
  announce('The shared address is ready: choose the type and quality, then Download.');
}
tasks.start();
new SubscriptionPanel({
  form: $('sub-form'),
  formTitle: $('sub-form-title'),
  formError: $('sub-error'),
  button: $('sub-button'),
  cancelEdit: $('sub-cancel-edit'),
  refresh: $('subs-refresh'),
  heading: $('subs-heading'),
  list: $('sub-list'),
  empty: $('subs-empty'),
  error: $('subs-error'),
}, QUALITIES, announce).start();
new CookiesPanel({
  form: $('cookies-form'),
  file: $('cookies-file'),
  clear: $('cookies-clear'),
  status: $('cookies-status'),
  error: $('cookies-error'),
}, announce).start();
new NotificationPanel({
  form: $('hook-form'),
  formError: $('hook-error'),
  secret: $('hook-secret-shown'),
  button: $('hook-button'),
  refresh: $('hooks-refresh'),
  heading: $('hooks-heading'),
  list: $('hook-list'),
  empty: $('hooks-empty'),
  error: $('hooks-error'),
}, announce).start();
