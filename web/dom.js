// dom.js: a tiny element builder and the text formats the page shows.
// Text always goes in through textContent (never innerHTML): titles, uploaders
// and error messages come from remote sites.

/**
 * h('button', {class: 'x', type: 'button', onclick: fn}, 'text', child…)
 * Attributes whose value is null, undefined or false are left out; `true`
 * sets an empty attribute; on* keys become event listeners.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** Text that only screen readers hear, e.g. which title a "Remove" button is for. */
export const srOnly = (text) => h('span', { class: 'visually-hidden' }, text);

/** Shows or hides an element holding one message; an empty message hides it. */
export function showMessage(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

// Byte counts as the API's own strings write them (powers of 1000, as in speed).
export function formatBytes(n) {
  if (!Number.isFinite(n) || n <= 0) return '';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n.toFixed(i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const s = Math.round(seconds);
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

export function formatCount(n) {
  return Number.isFinite(n) ? new Intl.NumberFormat().format(n) : '';
}

export function formatTime(iso) {
  const d = iso ? new Date(iso) : null;
  return d && !Number.isNaN(d.getTime())
    ? d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
    : '';
}

/**
 * Keeps a list of cards in the order of items (each with an id): cards (a Map
 * of id to {li}) made by make(item) when new, update(card, item) for every
 * one, those of items gone removed; empty shows while there is none.
 */
export function renderCards({ list, cards, items, make, update, empty }) {
  const ids = new Set(items.map((x) => x.id));
  for (const [id, c] of cards) {
    if (!ids.has(id)) {
      c.li.remove();
      cards.delete(id);
    }
  }
  items.forEach((x, i) => {
    let c = cards.get(x.id);
    if (!c) {
      c = make(x);
      cards.set(x.id, c);
    }
    update(c, x);
    if (list.children[i] !== c.li) list.insertBefore(c.li, list.children[i] || null);
  });
  empty.hidden = items.length > 0;
}
