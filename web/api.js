// api.js: the page's only way to talk to the server.  Every call goes through
// request(), so the API key, timeouts and error shapes are handled in one place.
//
// With API keys on, the key kept in localStorage is sent as X-API-Key on
// every call; a 401 or 403 asks the page (through the handler set with
// onAuthRequired) for a key, stores it and retries the call once.  Media
// links (<video>, <img>) cannot send headers: they use the signed URLs the
// task records carry.

const KEY_STORAGE = 'offlinetube.apiKey';

/** An answer that was not 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.detail = detail;
  }

  get needsKey() {
    return this.status === 401 || this.status === 403;
  }
}

// localStorage throws in some private modes and when storage is disabled:
// the page must still work, just without remembering the key.
export function storedKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || '';
  } catch {
    return '';
  }
}

export function storeKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* not kept: the key still works for this call */
  }
}

let authHandler = null;
let authPrompt = null; // one prompt shared by every call that got a 401/403 at once

/**
 * fn(detail) is called when the server refuses for want of a key; it returns a
 * promise of the new key, or of '' when the person declined.
 */
export function onAuthRequired(fn) {
  authHandler = fn;
}

// The API answers {"detail": "..."}; a FastAPI-style list of problems is
// flattened too, so whatever the server says reaches the person.
function detailOf(body, status) {
  const d = body && typeof body === 'object' ? body.detail : undefined;
  if (typeof d === 'string' && d) return d;
  if (Array.isArray(d)) return d.map((x) => (x && x.msg) || String(x)).join('; ');
  return `The server answered ${status}`;
}

// The last answer to each GET made with `revalidate`, with its ETag and the
// key it was asked with: the next call sends the tag in If-None-Match and a
// 304 (an idle list costs the server one row read) gives back the very same
// object, so the caller can tell nothing changed by identity.
const revalidated = new Map(); // path -> {etag, key, data}

/**
 * One call to the API.  Returns the parsed JSON body.  Throws ApiError.
 * options.plain: a text/plain body, sent as it is, instead of a JSON one.
 * options.quiet: never prompt for a key (background polling must not pop up
 * a dialog every second).  options.revalidate: a GET whose last answer is
 * kept and revalidated with its ETag (see above).
 */
export async function request(method, path, {
  body, plain, timeout = 20000, quiet = false, revalidate = false,
} = {}) {
  for (let attempt = 0; ; attempt++) {
    const headers = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (plain !== undefined) headers['Content-Type'] = 'text/plain';
    const key = storedKey();
    if (key) headers['X-API-Key'] = key;
    const kept = revalidate ? revalidated.get(path) : undefined;
    if (kept && kept.key === key) headers['If-None-Match'] = kept.etag;

    let res;
    try {
      res = await fetch(path, {
        method,
        headers,
        body: plain !== undefined ? plain : body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
        credentials: 'same-origin',
        signal: AbortSignal.timeout(timeout),
      });
    } catch (e) {
      throw new ApiError(0, e && e.name === 'TimeoutError'
        ? 'The server did not answer in time.'
        : 'Cannot reach the OfflineTube server.');
    }

    if (res.status === 304 && kept && kept.key === key) return kept.data;
    let data = null;
    const text = await res.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = null; // nginx's own HTML pages (e.g. a 416) are not JSON
      }
    }
    if (res.ok) {
      const etag = revalidate && res.headers.get('ETag');
      if (etag) revalidated.set(path, { etag, key, data });
      else revalidated.delete(path);
      return data;
    }

    const err = new ApiError(res.status, detailOf(data, res.status));
    if (err.needsKey && !quiet && attempt === 0 && authHandler) {
      authPrompt ??= Promise.resolve(authHandler(err.detail)).finally(() => {
        authPrompt = null;
      });
      const newKey = await authPrompt;
      if (newKey) continue; // stored by the handler; try once more with it
    }
    throw err;
  }
}

// -- Endpoints (docs/api.md) ----------------------------------------------------

// The same array object as the last call's while the list has not changed.
export const listTasks = ({ limit = 200, quiet = false } = {}) =>
  request('GET', `/api/downloads?limit=${limit}`, { quiet, timeout: 15000, revalidate: true });

export const startDownload = (fields) => request('POST', '/api/download', { body: fields });

export const cancelTask = (id) => request('DELETE', `/api/downloads/${encodeURIComponent(id)}`);

export const retryTask = (id) =>
  request('POST', `/api/downloads/${encodeURIComponent(id)}/retry`);

export const removeTask = (id) =>
  request('DELETE', `/api/downloads/${encodeURIComponent(id)}/remove`);

// Look-ups run yt-dlp in the worker; the API waits up to about 25 s for them.
export const search = (q, max = 20) =>
  request('GET', `/api/search?q=${encodeURIComponent(q)}&max_results=${max}`, { timeout: 60000 });

export const trending = (max = 20) =>
  request('GET', `/api/trending?max_results=${max}`, { timeout: 60000 });

export const info = (url) => request('POST', '/api/info', { body: { url }, timeout: 60000 });

// A key's cookies.txt: stored (text as the file holds it), described, removed.
export const getCookies = () => request('GET', '/api/cookies');

export const putCookies = (text) => request('PUT', '/api/cookies', { plain: text, timeout: 30000 });

export const deleteCookies = () => request('DELETE', '/api/cookies');

// -- Addresses that the browser loads itself ---------------------------------------
// <video>, <img> and <a download> cannot send headers.  While API keys are on,
// the API puts signed links in each task record (file_url, stream_url, and a
// signed thumbnail); they are used when present, and built here otherwise.

export const fileUrl = (task) =>
  task.file_url || `/api/download/${encodeURIComponent(task.id)}/file`;

export const streamUrl = (task) =>
  task.stream_url || `/api/stream/${encodeURIComponent(task.filename)}`;

/** A task's stored subtitles as [{lang, url}]: only links of our own route (signed while keys are on). */
export function subtitleTracks(task) {
  if (!Array.isArray(task.subtitles)) return [];
  return task.subtitles.filter((s) => s && typeof s.lang === 'string' &&
    typeof s.url === 'string' && s.url.startsWith('/api/subtitles/'));
}

/** A task's or result's thumbnail: our own path, an http(s) URL, or null. */
export function thumbnailUrl(thumb) {
  if (typeof thumb !== 'string' || !thumb) return null;
  if (thumb.startsWith('/api/thumbnails/')) return thumb;
  return /^https?:\/\//i.test(thumb) ? thumb : null;
}
