// dialogs.js: the two modal questions the page asks, on native <dialog>
// elements (focus moves in, Escape closes, the rest of the page is inert).

import { storeKey } from './api.js';

/**
 * Asks a yes/no question in #confirm-dialog.  Resolves true only when the
 * person pressed the confirming button; Escape and "Keep" resolve false.
 */
export function confirmAction({ title, message, confirmLabel }) {
  const dlg = document.getElementById('confirm-dialog');
  dlg.querySelector('#confirm-title').textContent = title;
  dlg.querySelector('#confirm-message').textContent = message;
  dlg.querySelector('#confirm-yes').textContent = confirmLabel;
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => resolve(dlg.returnValue === 'yes'), { once: true });
    dlg.showModal();
    // Start on the harmless choice: Enter right away must not delete anything.
    dlg.querySelector('#confirm-no').focus();
  });
}

/**
 * Asks for the API key in #key-dialog and stores it.  Resolves with the key,
 * or '' when the person cancelled.
 */
export function askForKey(detail) {
  const dlg = document.getElementById('key-dialog');
  const input = dlg.querySelector('#api-key');
  const why = dlg.querySelector('#key-reason');
  why.textContent = detail ? `The server said: ${detail}` : '';
  input.value = '';
  dlg.returnValue = '';
  return new Promise((resolve) => {
    dlg.addEventListener('close', () => {
      const key = dlg.returnValue === 'save' ? input.value.trim() : '';
      if (key) storeKey(key);
      input.value = '';
      resolve(key);
    }, { once: true });
    dlg.showModal();
    input.focus();
  });
}
