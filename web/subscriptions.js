// subscriptions.js: the Subscriptions section: the form that adds (or edits) one,
// and the list of them with their state, checks and counts, kept up to date by
// polling GET /api/subscriptions.

import * as api from './api.js';
import { confirmAction } from './dialogs.js';
import { formatTime, h, renderCards, showMessage, srOnly } from './dom.js';

const STATE_TEXT = {
  new: 'Waiting for its first check',
  idle: 'Up to date',
  checking: 'Checking now',
  error: 'Last check failed',
};

// Polling: the list changes when a check runs, which is rare; faster while one runs.
const FAST = 2000;
const SLOW = 15000;

const subTitle = (s) => s.name || s.url;

/** Minutes typed in a field as seconds, '' as null. */
function seconds(input) {
  const v = input.value.trim();
  return v === '' ? null : Math.round(Number(v) * 60);
}

const minutes = (s) => (s === null || s === undefined ? '' : String(Math.round(s / 60)));

/**
 * A duration field as seconds: while editing, a field left as the form showed
 * it keeps the subscription's own seconds (90 s shows as "2" minutes, and
 * saving another change must not turn it into 120 s).
 */
function durationOf(input, loaded) {
  return loaded !== undefined && input.value.trim() === minutes(loaded) ? loaded : seconds(input);
}

export class SubscriptionPanel {
  /** els: the section's elements by role; qualities: the choices per type; announce(text). */
  constructor(els, qualities, announce) {
    this.els = els;
    this.qualities = qualities;
    this.announce = announce;
    this.cards = new Map();
    this.editing = null; // the subscription the form edits, or null to add
    this.loaded = {}; // its durations as the API gave them, while editing
    this.timer = 0;
  }

  start() {
    const f = this.els.form;
    f.addEventListener('submit', (ev) => this.submit(ev));
    f.addEventListener('change', (ev) => {
      if (ev.target.name === 'download_type') this.fillQualities();
    });
    this.els.cancelEdit.addEventListener('click', () => this.stopEditing());
    this.els.refresh.addEventListener('click', () => this.poll());
    // A hidden tab costs nothing: no timer runs; coming back polls at once.
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) clearTimeout(this.timer);
      else this.poll();
    });
    this.fillQualities();
    this.poll();
  }

  field(name) {
    return this.els.form.elements[name];
  }

  downloadType() {
    return this.field('download_type').value;
  }

  fillQualities(keep = this.field('quality').value) {
    const sel = this.field('quality');
    sel.replaceChildren(...this.qualities[this.downloadType()].map(([v, label]) =>
      h('option', { value: v, selected: v === keep }, label)));
  }

  /** The form as a body: every field for a create, the settings for a PATCH. */
  body() {
    const b = {
      name: this.field('name').value.trim() || null,
      download_type: this.downloadType(),
      quality: this.field('quality').value,
      check_every: Number(this.field('check_every').value),
      title_include: this.field('title_include').value || null,
      title_exclude: this.field('title_exclude').value || null,
      min_duration: durationOf(this.field('min_duration'), this.loaded.min_duration),
      max_duration: durationOf(this.field('max_duration'), this.loaded.max_duration),
      skip_live: this.field('skip_live').checked,
      embed_metadata: this.field('embed_metadata').checked,
      sponsorblock: this.field('sponsorblock').value,
      listing_order: this.field('listing_order').value,
    };
    if (!this.editing) {
      b.url = this.field('url').value.trim();
      b.backlog = Number(this.field('backlog').value || 0);
    }
    return b;
  }

  async submit(ev) {
    ev.preventDefault();
    const body = this.body();
    if (!this.editing && !body.url) {
      this.setError('Paste the address of a channel or playlist first.');
      this.field('url').focus();
      return;
    }
    this.setError('');
    this.els.button.disabled = true;
    try {
      const s = this.editing
        ? await api.request('PATCH', `/api/subscriptions/${encodeURIComponent(this.editing)}`, { body })
        : await api.request('POST', '/api/subscriptions', { body });
      this.announce(this.editing ? `Subscription saved: ${subTitle(s)}` : `Subscribed: ${subTitle(s)}`);
      this.stopEditing();
      this.poll(FAST);
    } catch (e) {
      // The API's own words (e.g. "check_every: must be an integer from 900 to 2592000").
      this.setError(e.detail);
    } finally {
      this.els.button.disabled = false;
    }
  }

  setError(text) {
    showMessage(this.els.formError, text);
  }

  edit(s) {
    this.editing = s.id;
    const f = this.els.form;
    this.els.formTitle.textContent = `Edit ${subTitle(s)}`;
    this.field('url').value = s.url;
    this.field('url').disabled = true;
    this.field('backlog').disabled = true;
    this.field('name').value = s.name;
    this.field('download_type').value = s.download_type;
    this.fillQualities(s.quality);
    this.field('check_every').value = String(s.check_every);
    if (this.field('check_every').value !== String(s.check_every)) {
      this.field('check_every').append(h('option', { value: s.check_every, selected: true },
        `${Math.round(s.check_every / 60)} minutes`));
    }
    this.field('title_include').value = s.title_include || '';
    this.field('title_exclude').value = s.title_exclude || '';
    this.loaded = { min_duration: s.min_duration, max_duration: s.max_duration };
    this.field('min_duration').value = minutes(s.min_duration);
    this.field('max_duration').value = minutes(s.max_duration);
    this.field('skip_live').checked = s.skip_live;
    this.field('embed_metadata').checked = s.embed_metadata;
    this.field('sponsorblock').value = s.sponsorblock;
    this.field('listing_order').value = s.listing_order;
    this.els.button.textContent = 'Save changes';
    this.els.cancelEdit.hidden = false;
    this.setError('');
    f.scrollIntoView({ block: 'start' });
    this.field('name').focus();
  }

  stopEditing() {
    const wasEditing = this.editing;
    this.editing = null;
    this.loaded = {};
    this.els.form.reset();
    this.field('url').disabled = false;
    this.field('backlog').disabled = false;
    this.fillQualities();
    this.els.formTitle.textContent = 'Add a subscription';
    this.els.button.textContent = 'Subscribe';
    this.els.cancelEdit.hidden = true;
    if (wasEditing) this.field('url').focus();
  }

  async poll(next) {
    clearTimeout(this.timer);
    let checking = false;
    try {
      const answer = await api.request('GET', '/api/subscriptions', { quiet: true, timeout: 15000 });
      const subs = Array.isArray(answer) ? answer : [];
      showMessage(this.els.error, '');
      this.render(subs);
      checking = subs.some((s) => s.enabled && (s.state === 'checking' || s.state === 'new'));
    } catch (e) {
      showMessage(this.els.error, `Could not load the subscriptions: ${e.detail}.`);
    }
    if (!document.hidden) this.timer = setTimeout(() => this.poll(), next || (checking ? FAST : SLOW));
  }

  render(subs) {
    renderCards({
      list: this.els.list, cards: this.cards, items: subs, empty: this.els.empty,
      make: (x) => this.makeCard(x), update: (c, x) => this.update(c, x),
    });
  }

  makeCard(s) {
    const base = `sub-${s.id}`;
    const c = { sub: s, sr: [] };
    const labelled = (text) => {
      const sr = srOnly('');
      c.sr.push(sr);
      return [text, sr];
    };
    c.title = h('h3', { class: 'task-title', id: `${base}-title`, tabindex: -1 });
    c.badge = h('span', { class: 'badge' });
    c.url = h('p', { class: 'task-meta sub-url' });
    c.what = h('p', { class: 'task-meta' });
    c.checks = h('p', { class: 'task-meta' });
    c.counts = h('p', { class: 'task-meta sub-counts' });
    c.error = h('p', { class: 'task-error' });
    c.checkNow = h('button', { type: 'button', class: 'button', onclick: () => this.act(c, 'check') },
      labelled('Check now'));
    c.pauseLabel = h('span', {});
    const pauseSr = srOnly('');
    c.sr.push(pauseSr);
    c.pause = h('button', { type: 'button', class: 'button', onclick: () => this.act(c, 'pause') },
      c.pauseLabel, pauseSr);
    c.edit = h('button', { type: 'button', class: 'button', onclick: () => this.edit(c.sub) },
      labelled('Edit'));
    c.remove = h('button', { type: 'button', class: 'button danger', onclick: () => this.act(c, 'delete') },
      labelled('Delete'));
    c.li = h('li', { class: 'sub card', 'aria-labelledby': `${base}-title` },
      h('div', { class: 'card-wide' },
        c.title,
        h('p', { class: 'task-meta' }, c.badge),
        c.url, c.what, c.checks, c.counts, c.error,
        h('div', { class: 'task-actions' }, c.checkNow, c.pause, c.edit, c.remove)));
    return c;
  }

  update(c, s) {
    c.sub = s;
    const title = subTitle(s);
    c.li.dataset.id = s.id;
    c.li.dataset.state = s.enabled ? s.state : 'paused';
    c.title.textContent = title;
    c.title.title = title;
    c.badge.textContent = s.enabled ? STATE_TEXT[s.state] || s.state : 'Paused';
    c.badge.className = `badge badge-${s.enabled ? s.state : 'paused'}`;
    c.url.textContent = s.url;
    const kind = s.download_type === 'audio' ? 'Audio' : 'Video';
    const every = s.check_every % 3600 === 0 ? `${s.check_every / 3600} h` : `${Math.round(s.check_every / 60)} min`;
    // Said only when it is not a channel's order: the card of a playlist that grows at its end.
    const order = s.listing_order === 'oldest_first' ? ' · new entries last' : '';
    c.what.textContent = `${kind}, ${s.quality} · checked every ${every}${order}`;
    const last = formatTime(s.last_checked_at);
    const next = formatTime(s.next_check_at);
    c.checks.textContent = [last ? `Last check: ${last}` : 'Not checked yet',
      s.enabled ? (next ? `next: ${next}` : '') : 'paused'].filter(Boolean).join(' · ');
    c.counts.textContent = `${s.seen_count} seen · ${s.downloaded_count} downloaded`;
    c.error.textContent = s.last_error;
    c.error.hidden = !s.last_error;
    c.pauseLabel.textContent = s.enabled ? 'Pause' : 'Resume';
    c.checkNow.disabled = !s.enabled;
    for (const sr of c.sr) sr.textContent = `: ${title}`;
  }

  async act(c, what) {
    const s = c.sub;
    const path = `/api/subscriptions/${encodeURIComponent(s.id)}`;
    try {
      if (what === 'check') {
        await api.request('POST', `${path}/check`);
        this.announce(`Checking ${subTitle(s)}`);
      } else if (what === 'pause') {
        await api.request('PATCH', path, { body: { enabled: !s.enabled } });
        this.announce(`${s.enabled ? 'Paused' : 'Resumed'}: ${subTitle(s)}`);
      } else if (what === 'delete') {
        const yes = await confirmAction({
          title: 'Delete this subscription?',
          message: `${subTitle(s)} will no longer be checked. What it downloaded stays.`,
          confirmLabel: 'Delete',
        });
        if (!yes) return;
        await api.request('DELETE', path);
        if (this.editing === s.id) this.stopEditing();
        this.announce(`Subscription deleted: ${subTitle(s)}`);
        this.els.heading.focus();
      }
    } catch (e) {
      showMessage(this.els.error, e.detail);
    }
    this.poll(FAST);
  }
}
