// tasks.js: the list of downloads, kept up to date by polling GET /api/downloads.
//
// Each task has one card that is created once and then updated in place: a
// card is never rebuilt or moved while it exists, because moving a <video>
// in the document pauses it, and rebuilding would lose focus and scroll.

import * as api from './api.js';
import { confirmAction } from './dialogs.js';
import { formatBytes, formatTime, h, showMessage, srOnly } from './dom.js';

const ACTIVE = new Set(['pending', 'downloading', 'processing']);

const STATUS_TEXT = {
  pending: 'Waiting',
  downloading: 'Downloading',
  processing: 'Processing',
  completed: 'Completed',
  error: 'Failed',
  cancelled: 'Cancelled',
};

const AUDIO_EXTS = new Set(['mp3', 'm4a', 'aac', 'opus', 'ogg', 'oga', 'flac', 'wav', 'weba']);

// Polling: every second while something is active; otherwise the interval
// doubles up to IDLE_MAX, since nothing changes unless someone acts (and the
// page's own actions poll at once).  Failures back off the same way.
const FAST = 1000;
const IDLE_MIN = 2000;
const IDLE_MAX = 15000;
const ERROR_MAX = 30000;

const displayTitle = (t) => t.title || t.url;

function isAudioFile(task) {
  const ext = (task.filename.split('.').pop() || '').toLowerCase();
  return AUDIO_EXTS.has(ext) || (task.download_type === 'audio' && ext !== 'mp4' && ext !== 'webm');
}

export class TaskList {
  /**
   * els: {list, empty, error, refresh}; announce(text): a polite live message.
   */
  constructor(els, announce) {
    this.els = els;
    this.announce = announce;
    this.cards = new Map(); // id -> card (see makeCard)
    this.delay = FAST;
    this.timer = 0;
    this.inflight = false;
    this.again = false;
    this.loaded = false;
    this.listed = null; // the last list the server sent
  }

  start() {
    // A hidden tab costs nothing: no timer runs; coming back polls at once.
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) this.stopTimer();
      else this.kick();
    });
    this.els.refresh.addEventListener('click', () => this.kick());
    this.poll({ interactive: true });
  }

  /** Polls now and goes back to the fast pace (after an action of the page). */
  kick() {
    this.delay = FAST;
    this.poll();
  }

  stopTimer() {
    clearTimeout(this.timer);
    this.timer = 0;
  }

  async poll({ interactive = false } = {}) {
    if (this.inflight) {
      this.again = true; // poll once more when the current one ends
      return;
    }
    this.stopTimer();
    this.inflight = true;
    try {
      // Only the first load may ask for an API key; background polls stay quiet.
      const tasks = await api.listTasks({ quiet: !interactive });
      showMessage(this.els.error, '');
      // The same array as last time: the server said 304, nothing to redraw.
      const changed = tasks !== this.listed && this.render(Array.isArray(tasks) ? tasks : []);
      this.listed = tasks;
      const busy = this.cards.size && [...this.cards.values()].some((c) => ACTIVE.has(c.task.status));
      this.delay = busy || changed ? FAST : Math.min(Math.max(this.delay * 2, IDLE_MIN), IDLE_MAX);
    } catch (e) {
      this.delay = Math.min(Math.max(this.delay * 2, IDLE_MIN), ERROR_MAX);
      const hint = e.needsKey ? ' An API key is needed: reload the page to enter it.' : '';
      showMessage(this.els.error,
        `Could not load the downloads: ${e.detail}.${hint} Trying again in ${Math.round(this.delay / 1000)} s.`);
    } finally {
      this.inflight = false;
      if (this.again) {
        this.again = false;
        this.poll();
      } else if (!document.hidden) {
        this.timer = setTimeout(() => this.poll(), this.delay);
      }
    }
  }

  /** Shows a task the page has just created, before the next poll lists it. */
  add(task) {
    this.listed = null; // drawn by hand: the next list is drawn whatever the server says
    this.render([task, ...[...this.cards.values()].map((c) => c.task).filter((t) => t.id !== task.id)]);
  }

  /** Brings the cards in line with `tasks` (newest first).  Returns whether anything changed. */
  render(tasks) {
    let changed = false;
    const ids = new Set(tasks.map((t) => t.id));
    for (const [id, card] of this.cards) {
      if (!ids.has(id)) {
        card.li.remove();
        this.cards.delete(id);
        changed = true;
      }
    }
    const list = this.els.list;
    tasks.forEach((task, i) => {
      let card = this.cards.get(task.id);
      if (!card) {
        card = this.makeCard(task);
        this.cards.set(task.id, card);
        changed = true;
      } else if (card.sig !== JSON.stringify(task)) {
        if (this.loaded && card.task.status !== task.status) this.announceStatus(task);
        changed = true;
      }
      this.update(card, task);
      // Only a card out of place is moved: new ones go in above the others.
      if (list.children[i] !== card.li) list.insertBefore(card.li, list.children[i] || null);
    });
    this.els.empty.hidden = tasks.length > 0;
    this.loaded = true;
    return changed;
  }

  announceStatus(task) {
    const title = displayTitle(task);
    if (task.status === 'completed') this.announce(`Download finished: ${title}`);
    else if (task.status === 'error') this.announce(`Download failed: ${title}`);
    else if (task.status === 'cancelled') this.announce(`Download cancelled: ${title}`);
  }

  makeCard(task) {
    const base = `task-${task.id}`;
    const c = { task, sig: '', playerOpen: false, srTitles: [] };
    const labelled = (text) => {
      const sr = srOnly('');
      c.srTitles.push(sr);
      return [text, sr];
    };

    c.img = h('img', { alt: '', loading: 'lazy', decoding: 'async', hidden: true });
    // A remote thumbnail may be unreachable from an offline home network.
    c.img.addEventListener('error', () => { c.img.hidden = true; });
    c.thumb = h('div', { class: 'thumb' }, c.img);
    // tabindex -1: focus can land here after the card above it is removed.
    c.title = h('h3', { class: 'task-title', id: `${base}-title`, tabindex: -1 });
    c.badge = h('span', { class: 'badge' });
    c.meta = h('span', { class: 'task-meta-text' });
    c.progress = h('progress', { max: 100, 'aria-labelledby': `${base}-title`,
      'aria-describedby': `${base}-progress` });
    c.progressText = h('p', { class: 'task-progress', id: `${base}-progress` });
    c.error = h('p', { class: 'task-error' });
    c.note = h('p', { class: 'task-note', role: 'alert', hidden: true });

    c.cancel = h('button', { type: 'button', class: 'button', onclick: () => this.cancel(c) },
      labelled('Cancel'));
    c.retry = h('button', { type: 'button', class: 'button', onclick: () => this.retry(c) },
      labelled('Retry'));
    c.playLabel = h('span', {}, 'Play');
    const playSr = srOnly('');
    c.srTitles.push(playSr);
    c.play = h('button', { type: 'button', class: 'button primary', 'aria-expanded': 'false',
      'aria-controls': `${base}-player`, onclick: () => this.togglePlayer(c) }, c.playLabel, playSr);
    c.save = h('a', { class: 'button', download: '' }, labelled('Save file'));
    c.remove = h('button', { type: 'button', class: 'button danger', onclick: () => this.remove(c) },
      labelled('Remove'));
    c.player = h('div', { class: 'player', id: `${base}-player`, hidden: true });

    // .card-wide spans the whole card on a phone, and the text column on wider screens.
    c.li = h('li', { class: 'task card', 'aria-labelledby': `${base}-title` },
      c.thumb,
      h('div', { class: 'card-body' },
        c.title,
        h('p', { class: 'task-meta' }, c.badge, ' ', c.meta)),
      h('div', { class: 'card-wide' },
        c.progress,
        c.progressText,
        c.error,
        h('div', { class: 'task-actions' }, c.cancel, c.retry, c.play, c.save, c.remove),
        c.note),
      c.player);
    return c;
  }

  update(c, t) {
    const sig = JSON.stringify(t);
    if (c.sig === sig) return;
    c.sig = sig;
    c.task = t;
    const title = displayTitle(t);
    const active = ACTIVE.has(t.status);
    const done = t.status === 'completed' && !!t.filename;

    c.li.dataset.status = t.status;
    c.li.dataset.id = t.id;
    c.title.textContent = title;
    c.title.title = title; // long titles are cut by CSS; the full one shows on hover
    for (const sr of c.srTitles) sr.textContent = ` ${title}`; // the leading space keeps "Remove Title" apart in every browser

    const thumb = api.thumbnailUrl(t.thumbnail);
    if (thumb && c.img.getAttribute('src') !== thumb) {
      c.img.hidden = false;
      c.img.src = thumb;
    } else if (!thumb) {
      c.img.hidden = true;
      c.img.removeAttribute('src');
    }

    c.badge.textContent = STATUS_TEXT[t.status] || t.status;
    c.badge.className = `badge badge-${t.status}`;
    const what = t.download_type === 'audio' ? 'Audio' : 'Video';
    const parts = [`${what} · ${t.format_note || t.quality}`];
    if (t.is_playlist && t.playlist_total > 1) parts.push(`playlist ${t.playlist_index} of ${t.playlist_total}`);
    if (done && t.filesize) parts.push(formatBytes(t.filesize));
    const when = formatTime(t.completed_at || t.created_at);
    if (when) parts.push(when);
    c.meta.textContent = parts.join(' · ');

    // Progress: a bar only while the task is active.  "processing" (FFmpeg
    // merging or converting) has no percentage: an indeterminate bar says so.
    c.progress.hidden = !active;
    c.progressText.hidden = !active;
    if (active) {
      const pct = Math.max(0, Math.min(100, Number(t.progress) || 0));
      if (t.status === 'processing') c.progress.removeAttribute('value');
      else c.progress.value = pct;
      const bits = [];
      if (t.status === 'pending') bits.push('Waiting to start');
      else if (t.status === 'processing') bits.push('Merging and converting');
      else bits.push(`${pct.toFixed(1)}%`);
      if (t.speed) bits.push(t.speed);
      if (t.eta) bits.push(`${t.eta} left`);
      const got = formatBytes(t.downloaded_bytes);
      const total = formatBytes(t.filesize);
      if (got && total) bits.push(`${got} of ${total}`);
      c.progressText.textContent = bits.join(' · ');
    }

    c.error.textContent = t.status === 'error' ? t.error_message || 'The download failed.' : '';
    c.error.hidden = t.status !== 'error';

    c.cancel.hidden = !active;
    c.retry.hidden = t.status !== 'error' && t.status !== 'cancelled';
    c.play.hidden = !done;
    c.save.hidden = !done;
    if (done) c.save.href = api.fileUrl(t);
    else c.save.removeAttribute('href');
    if (!done && c.playerOpen) this.closePlayer(c);
  }

  togglePlayer(c) {
    if (c.playerOpen) this.closePlayer(c);
    else this.openPlayer(c);
  }

  openPlayer(c) {
    const t = c.task;
    const audio = isAudioFile(t);
    const poster = audio ? null : api.thumbnailUrl(t.thumbnail);
    const media = h(audio ? 'audio' : 'video', {
      controls: true,
      preload: 'metadata',
      playsinline: true,
      poster,
      src: api.streamUrl(t),
      'aria-label': `${audio ? 'Audio' : 'Video'} player: ${displayTitle(t)}`,
    },
    // Off until chosen in the player's menu; the browser lists them by label.
    api.subtitleTracks(t).map((s) => h('track', {
      kind: 'subtitles', srclang: s.lang, label: s.lang, src: s.url,
    })));
    media.addEventListener('error', () => {
      if (c.player.contains(media)) { // not the error of a player being closed
        showMessage(c.note, 'This file cannot be played in the browser. Use "Save file" instead.');
      }
    });
    c.player.replaceChildren(media);
    c.player.hidden = false;
    c.playerOpen = true;
    c.play.setAttribute('aria-expanded', 'true');
    c.playLabel.textContent = 'Close player';
    // The click that opened the player is a user gesture, so playing is allowed.
    media.play().catch(() => { /* the controls are there to start it by hand */ });
  }

  closePlayer(c) {
    const media = c.player.firstElementChild;
    if (media) {
      media.pause();
      // Dropping the source ends the range requests the element keeps open.
      media.removeAttribute('src');
      media.load();
    }
    c.player.replaceChildren();
    c.player.hidden = true;
    c.playerOpen = false;
    c.play.setAttribute('aria-expanded', 'false');
    c.playLabel.textContent = 'Play';
  }

  async cancel(c) {
    showMessage(c.note, '');
    c.cancel.disabled = true;
    try {
      await api.cancelTask(c.task.id);
      this.announce(`Cancelling: ${displayTitle(c.task)}`);
    } catch (e) {
      showMessage(c.note, `Could not cancel: ${e.detail}`);
    } finally {
      c.cancel.disabled = false;
      this.kick();
    }
  }

  async retry(c) {
    showMessage(c.note, '');
    c.retry.disabled = true;
    try {
      const task = await api.retryTask(c.task.id);
      this.update(c, task);
      // The button hides with the new status: focus stays on the card.
      c.title.focus();
      this.announce(`Retrying: ${displayTitle(task)}`);
    } catch (e) {
      showMessage(c.note, `Could not retry: ${e.detail}`);
    } finally {
      c.retry.disabled = false;
      this.kick();
    }
  }

  async remove(c) {
    const title = displayTitle(c.task);
    const ok = await confirmAction({
      title: 'Remove this download?',
      message: `“${title}” will be removed from the list, and its file deleted from the server.`,
      confirmLabel: 'Remove',
    });
    if (!ok) {
      c.remove.focus();
      return;
    }
    showMessage(c.note, '');
    try {
      await api.removeTask(c.task.id);
      // Keyboard focus was on the card that goes away: move it somewhere useful.
      const next = c.li.nextElementSibling || c.li.previousElementSibling;
      if (c.playerOpen) this.closePlayer(c);
      c.li.remove();
      this.cards.delete(c.task.id);
      this.listed = null;
      this.els.empty.hidden = this.cards.size > 0;
      this.announce(`Removed: ${title}`);
      (next ? next.querySelector('.task-title') : document.getElementById('downloads-heading')).focus();
    } catch (e) {
      showMessage(c.note, `Could not remove: ${e.detail}`);
      c.remove.focus();
    }
    this.kick();
  }
}
