// notifications.js: the Notifications section: the form that adds a webhook or an
// Apprise URL with its events, and the list of them with their last delivery,
// failures, a test button and delete, kept up to date by polling GET /api/webhooks.

import * as api from './api.js';
import { confirmAction } from './dialogs.js';
import { formatTime, h, renderCards, showMessage, srOnly } from './dom.js';

export const EVENTS = [
  ['task.completed', 'A download completed'],
  ['task.error', 'A download failed'],
  ['subscription.new', 'A subscription found new videos'],
  ['subscription.error', 'A subscription check failed'],
];
const EVENT_TEXT = Object.fromEntries(EVENTS);

// A test is sent within a second; the list is read again soon after one.
const FAST = 2000;
const SLOW = 30000;

const isHttp = (url) => /^https?:\/\//i.test(url);
const kindOf = (url) => (isHttp(url) ? 'Webhook' : `Apprise (${url.split(':')[0]})`);

export class NotificationPanel {
  /** els: the section's elements by role; announce(text). */
  constructor(els, announce) {
    this.els = els;
    this.announce = announce;
    this.cards = new Map();
    this.timer = 0;
  }

  start() {
    this.els.form.addEventListener('submit', (ev) => this.submit(ev));
    this.els.refresh.addEventListener('click', () => this.poll());
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) clearTimeout(this.timer);
      else this.poll();
    });
    this.poll();
  }

  body() {
    const f = this.els.form.elements;
    return {
      url: f.url.value.trim(),
      events: EVENTS.map(([e]) => e).filter((e) => f[e].checked),
      secret: f.secret.value || null,
    };
  }

  async submit(ev) {
    ev.preventDefault();
    const body = this.body();
    if (!body.url) {
      this.setError('Paste the address to notify first.');
      this.els.form.elements.url.focus();
      return;
    }
    if (body.events.length === 0) {
      this.setError('Choose at least one event.');
      return;
    }
    this.setError('');
    showMessage(this.els.secret, '');
    this.els.button.disabled = true;
    try {
      const w = await api.request('POST', '/api/webhooks', { body });
      this.els.form.reset();
      // Shown this once: the API never answers it again.
      if (isHttp(w.url)) {
        showMessage(this.els.secret, `Signing secret (shown only now): ${w.secret}`);
      }
      this.announce(`Notifications added: ${kindOf(w.url)}`);
      this.poll(FAST);
    } catch (e) {
      // The API's own words, e.g. "url: an Apprise URL needs the apprise program…".
      this.setError(e.detail);
    } finally {
      this.els.button.disabled = false;
    }
  }

  setError(text) {
    showMessage(this.els.formError, text);
  }

  async poll(next) {
    clearTimeout(this.timer);
    try {
      const answer = await api.request('GET', '/api/webhooks', { quiet: true, timeout: 15000 });
      showMessage(this.els.error, '');
      this.render(Array.isArray(answer) ? answer : []);
    } catch (e) {
      showMessage(this.els.error, `Could not load the notifications: ${e.detail}.`);
    }
    if (!document.hidden) this.timer = setTimeout(() => this.poll(), next || SLOW);
  }

  render(hooks) {
    renderCards({
      list: this.els.list, cards: this.cards, items: hooks, empty: this.els.empty,
      make: (x) => this.makeCard(x), update: (c, x) => this.update(c, x),
    });
  }

  makeCard(w) {
    const base = `hook-${w.id}`;
    const c = { hook: w, sr: [] };
    const labelled = (text) => {
      const sr = srOnly('');
      c.sr.push(sr);
      return [text, sr];
    };
    c.title = h('h3', { class: 'task-title', id: `${base}-title`, tabindex: -1 });
    c.url = h('p', { class: 'task-meta sub-url' });
    c.events = h('p', { class: 'task-meta' });
    c.status = h('p', { class: 'task-meta hook-status' });
    c.test = h('button', { type: 'button', class: 'button', onclick: () => this.act(c, 'test') },
      labelled('Send a test'));
    c.remove = h('button', { type: 'button', class: 'button danger', onclick: () => this.act(c, 'delete') },
      labelled('Delete'));
    c.li = h('li', { class: 'hook card', 'aria-labelledby': `${base}-title` },
      h('div', { class: 'card-wide' },
        c.title, c.url, c.events, c.status,
        h('div', { class: 'task-actions' }, c.test, c.remove)));
    return c;
  }

  update(c, w) {
    c.hook = w;
    c.li.dataset.id = w.id;
    const title = kindOf(w.url);
    c.title.textContent = title;
    c.url.textContent = w.url;
    c.events.textContent = w.events.map((e) => EVENT_TEXT[e] || e).join(' · ');
    const when = formatTime(w.last_delivery_at);
    c.status.textContent = [
      w.last_status ? `Last delivery: ${w.last_status}${when ? ` (${when})` : ''}` : 'Nothing sent yet',
      `${w.failures} given up`,
    ].join(' · ');
    for (const sr of c.sr) sr.textContent = `: ${w.url}`;
  }

  async act(c, what) {
    const w = c.hook;
    const path = `/api/webhooks/${encodeURIComponent(w.id)}`;
    try {
      if (what === 'test') {
        await api.request('POST', `${path}/test`);
        this.announce(`Test notification queued: ${kindOf(w.url)}`);
      } else if (what === 'delete') {
        const yes = await confirmAction({
          title: 'Delete these notifications?',
          message: `${w.url} will no longer be told of anything.`,
          confirmLabel: 'Delete',
        });
        if (!yes) return;
        await api.request('DELETE', path);
        this.announce(`Notifications deleted: ${kindOf(w.url)}`);
        this.els.heading.focus();
      }
    } catch (e) {
      showMessage(this.els.error, e.detail);
    }
    this.poll(FAST);
  }
}
