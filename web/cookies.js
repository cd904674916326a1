// cookies.js: the Cookies section: upload a cookies.txt, see what is stored
// (how many, for which sites, since when) and remove it.  The API never
// answers a value, so none can be shown.

import * as api from './api.js';
import { confirmAction } from './dialogs.js';
import { formatTime, showMessage } from './dom.js';

// What the API takes (docs/api.md); a larger file is refused here, unread.
const MAX_BYTES = 1024 * 1024;

function describe(c) {
  if (!c || !c.present) return 'No cookies are stored.';
  const n = c.cookies === 1 ? '1 cookie' : `${c.cookies} cookies`;
  const sites = c.domains.length ? ` for ${c.domains.join(', ')}` : '';
  const when = formatTime(c.updated_at);
  return `Stored: ${n}${sites}${when ? `, uploaded ${when}` : ''}.`;
}

export class CookiesPanel {
  /** els: the section's elements by role; announce(text). */
  constructor(els, announce) {
    this.els = els;
    this.announce = announce;
  }

  start() {
    this.els.form.addEventListener('submit', (ev) => this.upload(ev));
    this.els.clear.addEventListener('click', () => this.remove());
    this.load();
  }

  show(c) {
    this.els.status.textContent = describe(c);
    this.els.clear.hidden = !(c && c.present);
  }

  async load() {
    try {
      this.show(await api.getCookies());
    } catch (e) {
      this.els.status.textContent = '';
      showMessage(this.els.error, e.detail);
    }
  }

  async upload(ev) {
    ev.preventDefault();
    const f = this.els.file.files && this.els.file.files[0];
    showMessage(this.els.error, '');
    if (!f) {
      showMessage(this.els.error, 'Choose a cookies.txt file first.');
      return;
    }
    if (f.size > MAX_BYTES) {
      showMessage(this.els.error, 'Cookies file too large (limit 1 MiB)');
      return;
    }
    try {
      const c = await api.putCookies(await f.text());
      this.show(c);
      this.els.form.reset();
      this.announce(describe(c));
    } catch (e) {
      showMessage(this.els.error, e.detail || String(e));
    }
  }

  async remove() {
    const yes = await confirmAction({
      title: 'Remove the cookies?',
      message: 'Downloads of videos that need a sign-in will fail until you upload them again.',
      confirmLabel: 'Remove',
    });
    if (!yes) return;
    showMessage(this.els.error, '');
    try {
      await api.deleteCookies();
      this.show(null);
      this.announce('The cookies were removed.');
    } catch (e) {
      showMessage(this.els.error, e.detail);
      this.load();
    }
  }
}
