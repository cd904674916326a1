// search.js: search and trending, shown as result cards with a one-click
// download (using the type and quality chosen in the "Add" form).

import * as api from './api.js';
import { formatCount, formatDuration, h, showMessage, srOnly } from './dom.js';

export class SearchPanel {
  /**
   * els: {form, input, trending, results, state, error};
   * actions: {download(url) -> Promise<task>, showFormats(url)}; announce(text).
   */
  constructor(els, actions, announce) {
    this.els = els;
    this.actions = actions;
    this.announce = announce;
    this.seq = 0; // only the latest look-up may fill the list
    els.form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const q = els.input.value.trim();
      if (!q) {
        showMessage(els.error, 'Type something to search for.');
        els.input.focus();
        return;
      }
      this.run(`Results for “${q}”`, () => api.search(q));
    });
    els.trending.addEventListener('click', () => this.run('Trending', () => api.trending()));
  }

  async run(heading, lookup) {
    const seq = ++this.seq;
    const { results, state, error, form } = this.els;
    showMessage(error, '');
    state.textContent = 'Searching…';
    form.setAttribute('aria-busy', 'true');
    results.setAttribute('aria-busy', 'true');
    try {
      const data = await lookup();
      if (seq !== this.seq) return;
      const items = (data && Array.isArray(data.results) ? data.results : []).filter((r) => r && r.url);
      results.replaceChildren(...items.map((item) => this.card(item)));
      state.textContent = items.length
        ? `${heading}: ${items.length} ${items.length === 1 ? 'video' : 'videos'}.`
        : `${heading}: nothing found.`;
    } catch (e) {
      if (seq !== this.seq) return;
      state.textContent = '';
      showMessage(error, `Search failed: ${e.detail}`);
    } finally {
      if (seq === this.seq) {
        form.removeAttribute('aria-busy');
        results.removeAttribute('aria-busy');
      }
    }
  }

  card(item) {
    const title = item.title || item.url;
    const thumb = api.thumbnailUrl(item.thumbnail);
    const img = thumb ? h('img', { src: thumb, alt: '', loading: 'lazy', decoding: 'async' }) : null;
    img?.addEventListener('error', () => { img.hidden = true; });
    const duration = item.duration_formatted || formatDuration(item.duration);
    const details = [
      item.uploader,
      duration && `${duration}`,
      Number.isFinite(item.view_count) && `${formatCount(item.view_count)} views`,
    ].filter(Boolean).join(' · ');

    const status = h('p', { class: 'result-note', role: 'alert', hidden: true });
    const download = h('button', { type: 'button', class: 'button primary' },
      'Download', srOnly(` ${title}`));
    download.addEventListener('click', async () => {
      download.disabled = true;
      showMessage(status, '');
      try {
        await this.actions.download(item.url);
        download.replaceChildren('Added', srOnly(` ${title}`));
        this.announce(`Added to downloads: ${title}`);
      } catch (e) {
        download.disabled = false;
        showMessage(status, e.detail);
        status.classList.add('error-text');
      }
    });
    const formats = h('button', { type: 'button', class: 'button',
      onclick: () => this.actions.showFormats(item.url) }, 'Formats', srOnly(` ${title}`));

    return h('li', { class: 'result card' },
      h('div', { class: 'thumb' }, img),
      h('div', { class: 'card-body' },
        h('h3', { class: 'result-title', title }, title),
        details && h('p', { class: 'result-meta' }, details)),
      h('div', { class: 'card-wide' },
        h('div', { class: 'task-actions' }, download, formats),
        status));
  }
}
