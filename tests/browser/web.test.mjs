// web.test.mjs: the web page in Debian's headless chromium, against a running
// OfflineTube service and the fixture site.  tests/e2e/test_browser.py starts
// both and runs this file with Node's test runner:
//
//   OT_BASE=http://127.0.0.1:PORT OT_SITE=http://127.0.0.1:PORT2 \
//   OT_SHOTS=build/screenshots node --test web.test.mjs
//
// OT_AUTH_BASE and OT_AUTH_KEY name a second service with API keys on
// (OFFLINETUBE_AUTH=on) and a key made by `offlinetube-api key add`; the test
// of the key prompt against it is skipped when they are not set.
//
// The tests run in order and share one service: later ones (screenshots, the
// accessibility check) look at the tasks and results the earlier ones made.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';

const BASE = process.env.OT_BASE;
const SITE = process.env.OT_SITE;
const SHOTS = process.env.OT_SHOTS || 'screenshots';
const CHROMIUM = process.env.OT_CHROMIUM || '/usr/bin/chromium';
if (!BASE || !SITE) throw new Error('OT_BASE and OT_SITE must be set (see test_browser.py)');
// A fixture channel with two entries (test_browser.py publishes them).
const CHANNEL = process.env.OT_CHANNEL;
const AUTH_BASE = process.env.OT_AUTH_BASE;
const AUTH_KEY = process.env.OT_AUTH_KEY;

const AXE_SOURCE = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 800 };

let browser;
const problems = []; // uncaught exceptions and CSP refusals, from every page

before(async () => {
  // The machine has no internet: these flags keep chromium from trying to
  // reach Google's services.  Playwright gives it a fresh temporary profile
  // (--user-data-dir) and removes it on close.
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--autoplay-policy=no-user-gesture-required'],
  });
});

after(async () => {
  await browser?.close();
});

async function openPage({ viewport = DESKTOP, colorScheme = 'light', url = '/', mobile = false } = {}) {
  const context = await browser.newContext({
    viewport, colorScheme, isMobile: mobile, hasTouch: mobile, reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  await page.goto(BASE + url);
  await page.locator('#task-list').waitFor({ state: 'attached' });
  // The first poll of the list has ended when either a card or "No downloads yet" shows.
  await page.waitForFunction(() =>
    document.querySelector('#task-list li') || !document.getElementById('tasks-empty').hidden);
  return page;
}

const closePage = (page) => page.context().close();

/** Submits the Add form and returns the task record the API answered with. */
async function addViaForm(page, url) {
  await page.fill('#url', url);
  const answer = page.waitForResponse((r) =>
    r.url() === `${BASE}/api/download` && r.request().method() === 'POST');
  await page.click('#add-button');
  const res = await answer;
  assert.equal(res.status(), 200, await res.text());
  return res.json();
}

const card = (page, id) => page.locator(`#task-list li.task[data-id="${id}"]`);

async function waitForStatus(page, id, status, timeout = 60000) {
  await page.waitForFunction(([tid, st]) => {
    const li = document.querySelector(`#task-list li.task[data-id="${tid}"]`);
    if (!li) return false;
    if (li.dataset.status === st) return true;
    if (['completed', 'error', 'cancelled'].includes(li.dataset.status)) {
      throw new Error(`task ${tid} is ${li.dataset.status}, not ${st}: ${li.textContent}`);
    }
    return false;
  }, [id, status], { timeout, polling: 100 });
}

async function apiJson(method, p, body) {
  const res = await fetch(BASE + p, {
    method,
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: await res.json() };
}

// -------------------------------------------------------------------------------

test('the page loads from / with its form labelled and no errors', async () => {
  const page = await openPage();
  assert.equal(await page.title(), 'OfflineTube');
  // Every control is reachable by its label.
  for (const name of ['Address of a video or playlist', 'Quality', 'Search for videos']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  assert.equal(await page.getByRole('radio', { name: 'Video' }).isChecked(), true);
  // Choosing audio offers audio qualities and the audio format.
  await page.getByRole('radio', { name: 'Audio only' }).check();
  assert.equal(await page.locator('#audio-format-field').isVisible(), true);
  assert.deepEqual(await page.locator('#quality option').evaluateAll((os) => os.map((o) => o.value)),
    ['best', '320kbps', '256kbps', '192kbps', '128kbps', '96kbps']);
  await page.getByRole('radio', { name: 'Video' }).check();
  assert.equal(await page.locator('#audio-format-field').isVisible(), false);
  await closePage(page);
});

test('paste → progress → completed → the video plays in place', async () => {
  const page = await openPage();
  // The throttled page takes about 7 s: time to see the bar move.
  const task = await addViaForm(page, `${SITE}/video/slow-web-play`);
  assert.equal(task.status, 'pending');
  const c = card(page, task.id);
  await c.waitFor();
  assert.equal(await page.inputValue('#url'), '', 'the form is emptied after adding');

  await waitForStatus(page, task.id, 'downloading', 30000);
  // While downloading: a bar with a percentage, speed and ETA, all moving.
  const seen = new Set();
  const deadline = Date.now() + 20000;
  let sawSpeed = false;
  while (Date.now() < deadline) {
    const st = await c.getAttribute('data-status');
    if (st !== 'downloading') break;
    const v = await c.locator('progress').evaluate((p) => p.value);
    const text = await c.locator('.task-progress').textContent();
    seen.add(v);
    if (/\d+(\.\d)?%/.test(text) && /B\/s/.test(text) && /left/.test(text)) sawSpeed = true;
    await page.waitForTimeout(250);
  }
  assert.ok(seen.size >= 2, `the progress bar moved (values ${[...seen]})`);
  assert.ok(sawSpeed, 'speed and ETA were shown');

  await waitForStatus(page, task.id, 'completed', 60000);
  assert.equal(await c.locator('progress').isVisible(), false);
  assert.equal(await c.locator('.badge').textContent(), 'Completed');
  const done = (await apiJson('GET', `/api/downloads/${task.id}`)).body;

  // "Save file" is the API's attachment URL.
  const save = c.getByRole('link', { name: /Save file/ });
  assert.equal(await save.getAttribute('href'), `/api/download/${task.id}/file`);
  const file = await page.request.get(BASE + (await save.getAttribute('href')));
  assert.equal(file.status(), 200);
  assert.match(file.headers()['content-disposition'], /^attachment/);

  // Play: a <video> from /api/stream with the thumbnail as poster, and it plays.
  await c.getByRole('button', { name: /^Play/ }).click();
  const video = c.locator('video');
  await video.waitFor();
  // The API's stream_url (percent-encoded its own way): the same name once decoded.
  const src = await video.getAttribute('src');
  assert.ok(src.startsWith('/api/stream/'), src);
  assert.equal(decodeURIComponent(src.slice('/api/stream/'.length)), done.filename);
  assert.equal(await video.getAttribute('poster'), `/api/thumbnails/${task.id}`);
  await page.waitForFunction((id) => {
    const v = document.querySelector(`li.task[data-id="${id}"] video`);
    return v && v.readyState >= 3 && v.currentTime > 0.2;
  }, task.id, { timeout: 20000 });
  const t1 = await video.evaluate((v) => v.currentTime);
  await page.waitForTimeout(600);
  const t2 = await video.evaluate((v) => ({ t: v.currentTime, paused: v.paused, err: v.error }));
  assert.ok(t2.t > t1, `currentTime moves (${t1} → ${t2.t})`);
  assert.equal(t2.paused, false);
  assert.equal(t2.err, null);

  // The player survives the polls (the card is updated in place, never rebuilt).
  await page.waitForTimeout(2500);
  assert.equal(await c.locator('video').count(), 1);
  assert.equal(await video.evaluate((v) => v.paused), false);
  await c.getByRole('button', { name: /^Close player/ }).click();
  assert.equal(await c.locator('video').count(), 0);
  await closePage(page);
});

test('cancel, then remove with a confirmation', async () => {
  const page = await openPage();
  const task = await addViaForm(page, `${SITE}/video/slow-web-cancel`);
  const c = card(page, task.id);
  await waitForStatus(page, task.id, 'downloading', 30000);
  await c.getByRole('button', { name: /^Cancel/ }).click();
  await waitForStatus(page, task.id, 'cancelled', 15000);
  assert.equal(await c.locator('.badge').textContent(), 'Cancelled');
  assert.equal(await c.getByRole('button', { name: /^Cancel/ }).isVisible(), false);
  assert.equal(await c.getByRole('button', { name: /^Retry/ }).isVisible(), true);

  // "Keep it" (and Escape) keep the task.
  await c.getByRole('button', { name: /^Remove/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove this download?' });
  await dialog.waitFor();
  // It names the task: its title, or its URL when cancelled before the title was known.
  assert.match(await dialog.textContent(), /Fixture slow clip|slow-web-cancel/);
  await dialog.getByRole('button', { name: 'Keep it' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await c.getByRole('button', { name: /^Remove/ }).click();
  await dialog.waitFor();
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  assert.equal((await apiJson('GET', `/api/downloads/${task.id}`)).status, 200);

  // Confirming removes it, on the page and on the server.
  await c.getByRole('button', { name: /^Remove/ }).click();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await c.waitFor({ state: 'detached' });
  const gone = await apiJson('GET', `/api/downloads/${task.id}`);
  assert.equal(gone.status, 404);
  await closePage(page);
});

test('search, then download a result with one click (keyboard only)', async () => {
  const page = await openPage();
  await page.focus('#q');
  await page.keyboard.type('Fixture');
  await page.keyboard.press('Enter');
  await page.locator('#results li').first().waitFor({ timeout: 30000 });
  const titles = await page.locator('#results .result-title').allTextContents();
  assert.ok(titles.includes('Fixture clip two'), titles.join(', '));
  assert.match(await page.locator('#search-state').textContent(), /Results for “Fixture”: \d+ videos/);
  const result = page.locator('#results li', { has: page.getByRole('heading', { name: 'Fixture clip two', exact: true }) });
  assert.match(await result.locator('.result-meta').textContent(), /OfflineTube fixtures · 0:03 · 42 views/);

  const answer = page.waitForResponse((r) => r.url() === `${BASE}/api/download`);
  // Its name says which video: "Download" and the title (hidden, for screen readers).
  const button = result.getByRole('button', { name: /^Download\W+Fixture clip two$/ });
  await button.focus();
  await page.keyboard.press('Enter');
  const task = await (await answer).json();
  assert.equal(task.url, `${SITE}/video/clip2`);
  await result.getByRole('button', { name: /^Added\W+Fixture clip two$/ }).waitFor();
  await waitForStatus(page, task.id, 'completed', 60000);
  assert.match(await card(page, task.id).locator('.task-title').textContent(), /^Fixture clip two/);
  await closePage(page);
});

test('trending shows result cards', async () => {
  const page = await openPage();
  await page.getByRole('button', { name: 'Show trending' }).click();
  await page.locator('#results li').first().waitFor({ timeout: 30000 });
  assert.match(await page.locator('#search-state').textContent(), /^Trending: \d+ videos/);
  await closePage(page);
});

test('"Show formats" lists the formats and downloads the one picked', async () => {
  const page = await openPage();
  await page.fill('#url', `${SITE}/video/two`);
  await page.getByRole('button', { name: 'Show formats' }).click();
  const formats = page.getByRole('group', { name: 'Format' });
  await formats.waitFor({ timeout: 30000 });
  const info = (await apiJson('POST', '/api/info', { url: `${SITE}/video/two` })).body;
  assert.ok(info.formats.length >= 2);
  // One radio per format, plus "Automatic".
  assert.equal(await formats.getByRole('radio').count(), info.formats.length + 1);
  const small = info.formats.find((f) => f.height === 360);
  await formats.getByRole('radio', { name: new RegExp(`\\(${small.format_id}\\)`) }).check();
  const answer = page.waitForResponse((r) => r.url() === `${BASE}/api/download`);
  await page.getByRole('button', { name: 'Download this format' }).click();
  const task = await (await answer).json();
  assert.equal(task.format_id, small.format_id);
  await waitForStatus(page, task.id, 'completed', 60000);
  const done = (await apiJson('GET', `/api/downloads/${task.id}`)).body;
  assert.equal(done.format_note, '360p');
  assert.equal(await page.locator('#info').isVisible(), false, 'the formats close after adding');
  await closePage(page);
});

test('"More options" sends embed_metadata and sponsorblock with the download', async () => {
  const page = await openPage();
  // Closed, the defaults go: the site's file as it is.
  let task = await addViaForm(page, `${SITE}/video/clip`);
  assert.deepEqual([task.embed_metadata, task.sponsorblock], [false, 'off']);
  await page.locator('#add-form summary', { hasText: 'More options' }).click();
  await page.getByLabel('Sponsor segments', { exact: true }).selectOption('remove');
  await page.getByLabel(/chapters .* into the file/).check();
  task = await addViaForm(page, `${SITE}/video/clip2`);
  assert.deepEqual([task.embed_metadata, task.sponsorblock], [true, 'remove']);
  await closePage(page);
});

test('the player offers the stored subtitles as <track> elements, off until chosen', async () => {
  const asked = await apiJson('POST', '/api/download',
    { url: `${SITE}/video/subs`, subtitles: ['en', 'es', 'fr'] });
  assert.equal(asked.status, 200, JSON.stringify(asked.body));
  const page = await openPage();
  const id = asked.body.id;
  await waitForStatus(page, id, 'completed', 60000);
  const c = card(page, id);
  await c.getByRole('button', { name: /^Play/ }).click();
  const tracks = c.locator('video track');
  await c.locator('video').waitFor();
  // fr was asked for and the video has none: only what was stored.
  assert.deepEqual(await tracks.evaluateAll((ts) => ts.map((t) =>
    [t.kind, t.srclang, t.label, t.getAttribute('src'), t.default])), [
    ['subtitles', 'en', 'en', `/api/subtitles/${id}/en`, false],
    ['subtitles', 'es', 'es', `/api/subtitles/${id}/es`, false],
  ]);
  // Chosen, the browser loads the WebVTT through the API and nginx: its cue is there.
  const cue = await page.evaluate(async (tid) => {
    const v = document.querySelector(`li.task[data-id="${tid}"] video`);
    const t = v.textTracks[1];
    t.mode = 'showing';
    for (let i = 0; i < 100 && !(t.cues && t.cues.length); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    return t.cues && t.cues.length ? t.cues[0].text : null;
  }, id);
  assert.equal(cue, 'Hola desde el fixture');
  await c.getByRole('button', { name: /^Close player/ }).click();
  await closePage(page);
});

test('errors: the API\'s detail for a bad URL, and a failed download', async () => {
  const page = await openPage();
  // Nothing typed: the page says so without asking the server.
  await page.click('#add-button');
  assert.match(await page.locator('#add-error').textContent(), /Paste the address/);

  const bad = 'ftp://example.com/clip';
  const expected = (await apiJson('POST', '/api/download', { url: bad })).body.detail;
  assert.equal(expected, 'url: must be an http or https URL');
  await page.fill('#url', bad);
  await page.click('#add-button');
  const alert = page.locator('#add-error');
  await page.waitForFunction((want) =>
    document.getElementById('add-error').textContent === want, expected);
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.equal(await page.locator('#url').getAttribute('aria-invalid'), 'true');
  // Typing again clears the error.
  await page.fill('#url', `${SITE}/missing`);
  assert.equal(await alert.isVisible(), false);

  // A URL the API accepts but yt-dlp cannot fetch: the card shows why.
  const task = await addViaForm(page, `${SITE}/missing`);
  await page.waitForFunction((id) =>
    document.querySelector(`li.task[data-id="${id}"]`)?.dataset.status === 'error', task.id,
  { timeout: 60000 });
  const failed = (await apiJson('GET', `/api/downloads/${task.id}`)).body;
  assert.ok(failed.error_message);
  assert.equal(await card(page, task.id).locator('.task-error').textContent(), failed.error_message);
  assert.equal(await card(page, task.id).locator('.badge').textContent(), 'Failed');
  await closePage(page);
});

test('a failed download is retried from its card, and completes', async () => {
  const page = await openPage();
  const task = await addViaForm(page, `${SITE}/video/broken-web-retry`);
  const c = card(page, task.id);
  await waitForStatus(page, task.id, 'error');
  const retry = c.getByRole('button', { name: /^Retry/ });
  assert.equal(await retry.isVisible(), true);
  // No Retry while a download runs or once it is done.
  assert.equal(await page.evaluate(() => [...document.querySelectorAll(
    'li.task:is([data-status="completed"], [data-status="downloading"]) .task-actions button')]
    .filter((b) => !b.hidden && b.textContent.startsWith('Retry')).length), 0);
  const fixed = await fetch(`${SITE}/fix/web-retry`);
  assert.equal(fixed.status, 200);
  const answer = page.waitForResponse((r) =>
    r.url() === `${BASE}/api/downloads/${task.id}/retry` && r.request().method() === 'POST');
  await retry.click();
  const res = await answer;
  assert.equal(res.status(), 200, await res.text());
  assert.equal((await res.json()).id, task.id);
  await page.waitForFunction((id) =>
    document.querySelector(`li.task[data-id="${id}"]`)?.dataset.status !== 'error', task.id);
  await waitForStatus(page, task.id, 'completed');
  assert.equal(await retry.isVisible(), false);
  assert.equal(await c.locator('.task-error').isVisible(), false);
  await closePage(page);
});

const subCard = (page, id) => page.locator(`#sub-list li.sub[data-id="${id}"]`);

async function waitForSubState(page, id, state, timeout = 60000) {
  await page.waitForFunction(([sid, st]) =>
    document.querySelector(`#sub-list li.sub[data-id="${sid}"]`)?.dataset.state === st,
  [id, state], { timeout, polling: 200 });
}

test('subscriptions: add with a backlog, the check\'s counts, check now, pause, edit, delete',
  { skip: !CHANNEL && 'OT_CHANNEL is not set' }, async () => {
    const page = await openPage();
    const form = page.locator('#sub-form');
    // A bad filter: the API's own words, and nothing is made.
    await page.fill('#sub-url', CHANNEL);
    await form.locator('summary', { hasText: 'Filters' }).click();
    await page.getByLabel('Only titles matching').fill('(');
    await page.click('#sub-button');
    await page.waitForFunction(() =>
      /^title_include: not a valid POSIX extended regular expression/.test(
        document.getElementById('sub-error').textContent));
    assert.equal((await apiJson('GET', '/api/subscriptions')).body.length, 0);
    await page.getByLabel('Only titles matching').fill('');

    await page.getByLabel('Download now: the newest').fill('1');
    await page.getByLabel('Check every').selectOption('3600');
    await form.locator('summary', { hasText: 'More options' }).click();
    await page.getByLabel('Sponsor segments in its downloads').selectOption('mark');
    await page.getByLabel(/chapters .* into its files/).check();
    assert.equal(await page.inputValue('#sub-listing-order'), 'newest_first');
    const answer = page.waitForResponse((r) =>
      r.url() === `${BASE}/api/subscriptions` && r.request().method() === 'POST');
    await page.click('#sub-button');
    const res = await answer;
    assert.equal(res.status(), 200, await res.text());
    assert.equal(res.request().postDataJSON().listing_order, 'newest_first');
    const sub = await res.json();
    assert.equal(sub.listing_order, 'newest_first');
    assert.equal(sub.backlog, 1);
    assert.equal(sub.check_every, 3600);
    assert.deepEqual([sub.embed_metadata, sub.sponsorblock], [true, 'mark']);
    assert.equal(await page.inputValue('#sub-url'), '');
    // The first check: named after the channel, two seen, the newest downloaded.
    await waitForSubState(page, sub.id, 'idle');
    const c = subCard(page, sub.id);
    await page.waitForFunction((id) => /2 seen · 1 downloaded/.test(
      document.querySelector(`#sub-list li.sub[data-id="${id}"]`).textContent), sub.id);
    assert.match(await c.locator('h3').textContent(), /^Fixture channel /);
    assert.match(await c.textContent(), /Last check: .* · next: /);
    assert.equal(await c.locator('.badge').textContent(), 'Up to date');
    const tasks = (await apiJson('GET', '/api/downloads')).body.filter((t) => t.subscription_id === sub.id);
    assert.equal(tasks.length, 1);
    assert.deepEqual([tasks[0].embed_metadata, tasks[0].sponsorblock], [true, 'mark']);

    // Check now asks the API, and the check comes and goes.
    const checked = page.waitForResponse((r) => r.url().endsWith(`/api/subscriptions/${sub.id}/check`));
    await c.getByRole('button', { name: /^Check now/ }).click();
    assert.equal((await checked).status(), 200);

    // Pause: the card says so, and "Check now" is off until it resumes.
    await c.getByRole('button', { name: /^Pause/ }).click();
    await waitForSubState(page, sub.id, 'paused');
    assert.equal(await c.locator('.badge').textContent(), 'Paused');
    assert.equal(await c.getByRole('button', { name: /^Check now/ }).isDisabled(), true);
    assert.equal((await apiJson('GET', `/api/subscriptions/${sub.id}`)).body.enabled, false);
    await c.getByRole('button', { name: /^Resume/ }).click();
    await page.waitForFunction((id) =>
      document.querySelector(`#sub-list li.sub[data-id="${id}"]`)?.dataset.state !== 'paused', sub.id);


    // Edit: the form holds its settings; the address and the backlog cannot change.
    await c.getByRole('button', { name: /^Edit/ }).click();
    assert.equal(await page.locator('#sub-url').isDisabled(), true);
    assert.equal(await page.locator('#sub-backlog').isDisabled(), true);
    assert.equal(await page.inputValue('#sub-every'), '3600');
    assert.equal(await page.inputValue('#sub-sponsorblock'), 'mark');
    assert.equal(await page.locator('#sub-embed-metadata').isChecked(), true);
    assert.equal(await page.inputValue('#sub-listing-order'), 'newest_first');
    assert.doesNotMatch(await c.textContent(), /new entries last/);
    await page.getByLabel('Sponsor segments in its downloads').selectOption('off');
    await page.getByLabel('New entries appear').selectOption('oldest_first');
    await page.getByLabel('Name (optional: the channel\'s own)').fill('Kitchen channel');
    await page.getByLabel('Download as').selectOption('audio');
    await page.getByLabel('Quality of the downloads').selectOption('128kbps');
    await page.click('#sub-button');
    await page.waitForFunction((id) => document.querySelector(
      `#sub-list li.sub[data-id="${id}"] h3`)?.textContent === 'Kitchen channel', sub.id);
    const saved = (await apiJson('GET', `/api/subscriptions/${sub.id}`)).body;
    assert.deepEqual([saved.name, saved.download_type, saved.quality, saved.backlog,
      saved.embed_metadata, saved.sponsorblock, saved.listing_order],
    ['Kitchen channel', 'audio', '128kbps', 1, true, 'off', 'oldest_first']);
    await page.waitForFunction((id) => /new entries last/.test(document.querySelector(
      `#sub-list li.sub[data-id="${id}"]`).textContent), sub.id);
    // Edited again, the form holds it.
    await c.getByRole('button', { name: /^Edit/ }).click();
    assert.equal(await page.inputValue('#sub-listing-order'), 'oldest_first');
    await page.click('#sub-cancel-edit');
    assert.equal(await page.inputValue('#sub-listing-order'), 'newest_first');
    assert.equal(await page.locator('#sub-url').isDisabled(), false);

    // Delete, after the question; its download stays.
    await c.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this subscription?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await c.waitFor({ state: 'detached' });
    assert.equal((await apiJson('GET', `/api/subscriptions/${sub.id}`)).status, 404);
    assert.equal((await apiJson('GET', `/api/downloads/${tasks[0].id}`)).status, 200);

    // One that fails stays for the screenshots and the accessibility checks below.
    const gone = (await apiJson('POST', '/api/subscriptions', { url: `${SITE}/channel/gone-web` })).body;
    await waitForSubState(page, gone.id, 'error');
    assert.match(await subCard(page, gone.id).locator('.task-error').textContent(), /404/);
    assert.equal(await subCard(page, gone.id).locator('.badge').textContent(), 'Last check failed');
    await closePage(page);
  });

test('cookies: a bad line named, an upload described without its value, then removed', async () => {
  const page = await openPage();
  const status = () => page.locator('#cookies-status').textContent();
  await page.waitForFunction(() =>
    document.getElementById('cookies-status').textContent === 'No cookies are stored.');
  assert.equal(await page.locator('#cookies-clear').isHidden(), true);
  const file = (text) => ({ name: 'cookies.txt', mimeType: 'text/plain', buffer: Buffer.from(text) });

  await page.setInputFiles('#cookies-file', file('# exported\nexample.com\tFALSE\t/\n'));
  await page.click('#cookies-upload');
  await page.waitForFunction(() => document.getElementById('cookies-error').textContent ===
    'cookies.txt line 2: 7 tab-separated fields expected, found fewer');
  assert.equal((await apiJson('GET', '/api/cookies')).body.present, false);

  await page.setInputFiles('#cookies-file', file(
    '.youtube.com\tTRUE\t/\tTRUE\t1893456000\tSID\tTOPSECRETVALUE\r\n'));
  const answer = page.waitForResponse((r) =>
    r.url() === `${BASE}/api/cookies` && r.request().method() === 'PUT');
  await page.click('#cookies-upload');
  assert.equal((await answer).status(), 200);
  await page.waitForFunction(() => /^Stored: 1 cookie for youtube\.com, uploaded /.test(
    document.getElementById('cookies-status').textContent));
  assert.equal(await page.locator('#cookies-error').isHidden(), true);
  assert.equal((await page.content()).includes('TOPSECRETVALUE'), false);

  await page.click('#cookies-clear');
  const dialog = page.getByRole('dialog', { name: 'Remove the cookies?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Remove' }).click();
  await page.waitForFunction(() =>
    document.getElementById('cookies-status').textContent === 'No cookies are stored.');
  assert.equal(await status(), 'No cookies are stored.');
  assert.equal((await apiJson('GET', '/api/cookies')).body.present, false);
  await closePage(page);
});

test('subscriptions: an edit keeps durations the form shows rounded to minutes',
  { skip: !CHANNEL && 'OT_CHANNEL is not set' }, async () => {
    // Set in seconds through the API; the form shows minutes.
    const made = await apiJson('POST', '/api/subscriptions',
      { url: CHANNEL, min_duration: 90, max_duration: 600 });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const page = await openPage();
    const c = subCard(page, made.body.id);
    await c.waitFor();
    await c.getByRole('button', { name: /^Edit/ }).click();
    assert.deepEqual([await page.inputValue('#sub-min'), await page.inputValue('#sub-max')],
      ['2', '10']);
    await page.getByLabel('Name (optional: the channel\'s own)').fill('Rounded');
    const filters = page.locator('#sub-form details', { hasText: 'Filters' });
    if (!(await filters.evaluate((d) => d.open))) {
      await filters.locator('summary').click();
    }
    await page.getByLabel('Longest, in minutes').fill('12');
    const answer = page.waitForResponse((r) => r.request().method() === 'PATCH');
    await page.click('#sub-button');
    assert.equal((await answer).status(), 200);
    const saved = (await apiJson('GET', `/api/subscriptions/${made.body.id}`)).body;
    // Left as shown, 90 s stays 90 s (not 2 minutes' 120); the one typed is taken.
    assert.deepEqual([saved.name, saved.min_duration, saved.max_duration], ['Rounded', 90, 720]);
    assert.equal((await apiJson('DELETE', `/api/subscriptions/${made.body.id}`)).status, 200);
    await closePage(page);
  });

test('notifications: add a webhook for some events, send a test, see its status, delete', async () => {
  // A receiver on this machine (keys are off: a loopback target is allowed).
  const got = [];
  const rx = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise((resolve) => rx.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${rx.address().port}/hook`;
  try {
    const page = await openPage();
    const form = page.locator('#hook-form');
    // A bad address: the API's own words, and nothing is made.
    await page.getByLabel('Address to notify').fill('not an address');
    await page.click('#hook-button');
    await page.waitForFunction(() => /^url: /.test(document.getElementById('hook-error').textContent));
    assert.equal((await apiJson('GET', '/api/webhooks')).body.length, 0);

    await page.getByLabel('Address to notify').fill(url);
    await form.getByLabel('A subscription found new videos').uncheck();
    await form.getByLabel('A subscription check failed').uncheck();
    const answer = page.waitForResponse((r) =>
      r.url() === `${BASE}/api/webhooks` && r.request().method() === 'POST');
    await page.click('#hook-button');
    const res = await answer;
    assert.equal(res.status(), 200, await res.text());
    const hook = await res.json();
    assert.deepEqual(hook.events, ['task.completed', 'task.error']);
    // The secret, shown this once.
    assert.match(await page.locator('#hook-secret-shown').textContent(), new RegExp(hook.secret));
    const c = page.locator(`#hook-list li.hook[data-id="${hook.id}"]`);
    await c.waitFor();
    assert.match(await c.textContent(), /A download completed · A download failed/);
    assert.match(await c.textContent(), /Nothing sent yet · 0 given up/);

    // A test: the receiver gets a signed ping, and the card shows the status.
    await c.getByRole('button', { name: /^Send a test/ }).click();
    await page.waitForFunction((id) => /Last delivery: 204/.test(
      document.querySelector(`#hook-list li.hook[data-id="${id}"]`).textContent), hook.id,
    { timeout: 20000 });
    assert.equal(got.length, 1);
    assert.equal(got[0].headers['x-offlinetube-event'], 'ping');
    assert.match(got[0].headers['x-offlinetube-signature'], /^sha256=[0-9a-f]{64}$/);

    // Delete, after the question.
    await c.getByRole('button', { name: /^Delete/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete these notifications?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await c.waitFor({ state: 'detached' });
    assert.equal((await apiJson('GET', `/api/webhooks/${hook.id}`)).status, 404);
    await closePage(page);
  } finally {
    rx.close();
  }
});

test('a link shared to /?url=… fills the form without starting anything', async () => {
  const before = (await apiJson('GET', '/api/downloads')).body.length;
  const shared = `${SITE}/video/clip?x=1&y=2`;
  const page = await openPage({ url: `/?url=${encodeURIComponent(shared)}` });
  assert.equal(await page.inputValue('#url'), shared);
  assert.equal(await page.evaluate(() => location.search), '');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'url');
  // Android's share sheet sends the link inside text.
  await page.goto(`${BASE}/?text=${encodeURIComponent(`Look at this ${SITE}/video/hd`)}`);
  assert.equal(await page.inputValue('#url'), `${SITE}/video/hd`);
  assert.equal((await apiJson('GET', '/api/downloads')).body.length, before);
  await closePage(page);
});

test('API keys: a 401 asks for the key, which is kept and sent as X-API-Key', async () => {
  // The server has no keys yet: a stand-in for it answers /api/downloads here.
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const keysSeen = [];
  await page.route('**/api/downloads?*', (route) => {
    const key = route.request().headers()['x-api-key'];
    keysSeen.push(key || '');
    if (key === 'sesame') return route.fulfill({ status: 200, contentType: 'application/json', body: '[]' });
    return route.fulfill({ status: 401, contentType: 'application/json', body: '{"detail":"API key required"}' });
  });
  await page.goto(BASE);
  const dialog = page.getByRole('dialog', { name: 'API key needed' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), /API key required/);
  await dialog.getByLabel('API key').fill('sesame');
  await dialog.getByRole('button', { name: 'Save key' }).click();
  await page.locator('#tasks-empty').waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem('offlinetube.apiKey')), 'sesame');
  assert.deepEqual(keysSeen.slice(0, 2), ['', 'sesame']);

  // Asked once: a reload sends the stored key and shows no prompt.
  await page.reload();
  await page.locator('#tasks-empty').waitFor();
  assert.equal(await dialog.isVisible(), false);
  assert.equal(keysSeen.at(-1), 'sesame');
  await page.getByRole('button', { name: 'Forget the stored API key' }).click();
  assert.equal(await page.evaluate(() => localStorage.getItem('offlinetube.apiKey')), null);
  await context.close();
});

// A signed link's expiry is rounded up to the next 600 s (fcgi-app/auth.c),
// so a page that polled after a boundary holds a newer signature of the
// same link: judge the path and key, and an expiry at most one step apart.
function assertSameSignedLink(actual, expected, what) {
  const re = /^(\/api\/[^?]+)\?exp=(\d+)&kid=(\d+)&sig=[\w-]+$/;
  const a = re.exec(actual ?? '');
  const e = re.exec(expected);
  assert.ok(a, `${what}: ${actual} is a signed link`);
  assert.ok(e, `${what}: ${expected} is a signed link`);
  assert.equal(a[1], e[1], `${what}: same path`);
  assert.equal(a[3], e[3], `${what}: same signing key`);
  assert.ok(Math.abs(Number(a[2]) - Number(e[2])) <= 600, `${what}: expiries ${a[2]} and ${e[2]} one step apart at most`);
}

test('API keys on the real service: the prompt, then signed links for the thumbnail, player and Save',
  { skip: !(AUTH_BASE && AUTH_KEY) && 'OT_AUTH_BASE and OT_AUTH_KEY are not set' }, async () => {
    // A fresh context: no key stored yet.
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror (keys): ${e.message}`));
    const lists = []; // every GET /api/downloads: the request and its answer's status
    page.on('response', (r) => {
      if (r.url().startsWith(`${AUTH_BASE}/api/downloads?`)) lists.push({ req: r.request(), status: r.status() });
    });
    const keyOf = async (i) => (await lists[i].req.allHeaders())['x-api-key'] || '';
    const authed = async (p) => {
      const res = await fetch(AUTH_BASE + p, { headers: { 'X-API-Key': AUTH_KEY } });
      return { status: res.status, body: await res.json() };
    };
    const dialog = page.getByRole('dialog', { name: 'API key needed' });

    // The first list call is refused (401): the prompt shows the API's words.
    await page.goto(AUTH_BASE);
    await dialog.waitFor();
    assert.match(await page.locator('#key-reason').textContent(), /^The server said: API key required/);
    assert.deepEqual(lists.map((l) => l.status), [401]);
    assert.equal(await keyOf(0), '');
    await dialog.getByLabel('API key').fill(AUTH_KEY);
    await dialog.getByRole('button', { name: 'Save key' }).click();
    await page.waitForFunction(() => // the list is shown (empty on a fresh service)
      document.querySelector('#task-list li') || !document.getElementById('tasks-empty').hidden);
    assert.equal(await dialog.isVisible(), false);
    assert.equal(lists[1].status, 200);
    assert.equal(await keyOf(1), AUTH_KEY);
    assert.equal(await page.evaluate(() => localStorage.getItem('offlinetube.apiKey')), AUTH_KEY);
    assert.equal(await page.getByRole('button', { name: 'Forget the stored API key' }).isVisible(), true);

    // Paste → completed, with the key sent by the page.
    await page.fill('#url', `${SITE}/video/clip`);
    const answer = page.waitForResponse((r) =>
      r.url() === `${AUTH_BASE}/api/download` && r.request().method() === 'POST');
    await page.click('#add-button');
    const added = await answer;
    assert.equal(added.status(), 200, await added.text());
    assert.equal((await added.request().allHeaders())['x-api-key'], AUTH_KEY);
    const task = await added.json();
    await waitForStatus(page, task.id, 'completed', 60000);
    const done = (await authed(`/api/downloads/${task.id}`)).body;
    for (const f of ['thumbnail', 'stream_url', 'file_url']) {
      assert.match(done[f], /^\/api\/[^?]+\?exp=\d+&kid=\d+&sig=[\w-]+$/, `${f}: ${done[f]}`);
    }
    assert.ok(done.thumbnail.startsWith(`/api/thumbnails/${task.id}?`), done.thumbnail);
    const c = card(page, task.id);

    // The thumbnail loads from its signed link, with no header.
    const img = c.locator('.thumb img');
    assertSameSignedLink(await img.getAttribute('src'), done.thumbnail, 'thumbnail');
    await page.waitForFunction((id) => {
      const i = document.querySelector(`li.task[data-id="${id}"] .thumb img`);
      return i && i.complete && i.naturalWidth > 0;
    }, task.id, { timeout: 10000 });

    // Play: the <video> plays from the signed stream_url (poster: the signed thumbnail).
    await c.getByRole('button', { name: /^Play/ }).click();
    const video = c.locator('video');
    await video.waitFor();
    assertSameSignedLink(await video.getAttribute('src'), done.stream_url, 'player');
    assertSameSignedLink(await video.getAttribute('poster'), done.thumbnail, 'poster');
    await page.waitForFunction((id) => {
      const v = document.querySelector(`li.task[data-id="${id}"] video`);
      if (v?.error) throw new Error(`the video failed: ${v.error.code} ${v.error.message}`);
      return v && v.readyState >= 3 && v.currentTime > 0.2;
    }, task.id, { timeout: 15000 });
    const t1 = await video.evaluate((v) => v.currentTime);
    await page.waitForTimeout(400);
    const t2 = await video.evaluate((v) => ({ t: v.currentTime, err: v.error }));
    assert.ok(t2.t > t1, `currentTime moves (${t1} → ${t2.t})`); // the clip lasts 3 s
    assert.equal(t2.err, null);
    await c.getByRole('button', { name: /^Close player/ }).click();

    // Save: the signed file_url, which needs no header; the plain path does.
    const save = c.getByRole('link', { name: /Save file/ });
    assertSameSignedLink(await save.getAttribute('href'), done.file_url, 'Save');
    const file = await page.request.get(AUTH_BASE + done.file_url);
    assert.equal(file.status(), 200);
    assert.match(file.headers()['content-disposition'], /^attachment/);
    assert.equal((await file.body()).length, done.filesize);
    assert.equal((await page.request.get(`${AUTH_BASE}/api/download/${task.id}/file`)).status(), 401);

    // A wrong key in storage: the next load asks again, with the API's detail (403).
    await page.evaluate(() => localStorage.setItem('offlinetube.apiKey', 'otk_00000000_wrong'));
    let from = lists.length;
    await page.reload();
    await dialog.waitFor();
    assert.equal(await page.locator('#key-reason').textContent(), 'The server said: Invalid or revoked API key');
    // A poll sent before the reload may still answer after it: judge the
    // lists that carried the wrong key, which must be there and all be 403.
    const wrong = [];
    for (let i = from; i < lists.length; i++) {
      if (await keyOf(i) === 'otk_00000000_wrong') wrong.push(lists[i].status);
    }
    assert.ok(wrong.length > 0, 'no list was sent with the stored key');
    assert.deepEqual([...new Set(wrong)], [403]);
    await dialog.getByLabel('API key').fill(AUTH_KEY);
    await dialog.getByRole('button', { name: 'Save key' }).click();
    await c.waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('offlinetube.apiKey')), AUTH_KEY);

    // Reload: the stored key is sent at once and nothing asks for it.
    from = lists.length;
    await page.reload();
    await c.waitFor();
    assert.equal(await c.getAttribute('data-status'), 'completed');
    assert.equal(await dialog.isVisible(), false);
    assert.equal(lists[from].status, 200);
    assert.equal(await keyOf(from), AUTH_KEY);
    assert.ok(lists.slice(from).every((l) => l.status === 200), lists.slice(from).map((l) => l.status).join());
    await context.close();
  });

test('polling stops while the tab is hidden, and backs off while nothing happens', async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const times = [];
  // An idle server (no tasks), answered here so that the count is exact.
  await page.route('**/api/downloads?*', (route) => {
    times.push(Date.now());
    return route.fulfill({ status: 200, contentType: 'application/json', body: '[]' });
  });
  await page.goto(BASE);
  await page.locator('#tasks-empty').waitFor();

  // Hidden: no request at all, though the next poll was due within 2 s.
  // Shown again: one at once.
  const setHidden = (hidden) => page.evaluate((h) => {
    Object.defineProperty(document, 'hidden', { value: h, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
  await setHidden(true);
  const n = times.length;
  await page.waitForTimeout(3500);
  assert.equal(times.length, n, 'no polling while hidden');
  await setHidden(false);
  await page.waitForTimeout(300);
  assert.equal(times.length, n + 1, 'one poll on coming back');

  // Idle: the pause between polls grows (2 s, 4 s, 8 s…).
  const from = times.length - 1;
  await page.waitForTimeout(7000);
  const seen = times.slice(from);
  const gaps = seen.slice(1).map((t, i) => t - seen[i]);
  assert.ok(gaps.length >= 2 && gaps.length <= 3, `${gaps.length} polls in 7 s: ${gaps}`);
  assert.ok(gaps.every((g, i) => i === 0 || g > gaps[i - 1] * 1.5), `gaps grow: ${gaps}`);
  await context.close();
});

test('an idle list is revalidated with its ETag: 304s, and a change is drawn', async () => {
  const context = await browser.newContext({ viewport: DESKTOP });
  const page = await context.newPage();
  const answers = [];
  page.on('response', (r) => {
    if (new URL(r.url()).pathname === '/api/downloads') {
      answers.push({ status: r.status(), inm: r.request().headers()['if-none-match'] || '' });
    }
  });
  // Idle: every earlier test's task has ended, so the list holds still.
  for (let i = 0; i < 120; i++) {
    const { body } = await apiJson('GET', '/api/downloads');
    if (!body.some((x) => ['pending', 'downloading', 'processing'].includes(x.status))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  await page.goto(BASE);
  await page.locator('#task-list li.task').first().waitFor();
  // Polls after the first send its tag back, and get 304s.
  await page.waitForTimeout(6500);
  const later = answers.slice(1);
  assert.ok(later.length >= 2, `polls: ${JSON.stringify(answers)}`);
  assert.ok(later.every((a) => a.inm.startsWith('"l')), JSON.stringify(answers));
  assert.ok(later.filter((a) => a.status === 304).length >= 1, JSON.stringify(answers));
  // A task made elsewhere (another tab, a script) is drawn at the next poll.
  const t = (await apiJson('POST', '/api/download', { url: `${SITE}/video/clip` })).body;
  await card(page, t.id).waitFor({ timeout: 20000 });
  await context.close();
});

// -- How it looks, and the accessibility check ---------------------------------------

async function axeCheck(page, label) {
  // Evaluated over the DevTools protocol, so the page's CSP does not apply to it.
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  const bad = result.violations.map((v) =>
    `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n    ')}`);
  assert.deepEqual(bad, [], `axe found problems (${label}):\n${bad.join('\n')}`);
}

async function fillSearch(page) {
  await page.fill('#q', 'Fixture');
  await page.click('#search-form button[type=submit]');
  await page.locator('#results li').first().waitFor({ timeout: 30000 });
}

for (const [name, viewport, mobile] of [['phone', PHONE, true], ['desktop', DESKTOP, false]]) {
  for (const scheme of ['light', 'dark']) {
    test(`${name} ${scheme}: fits, passes axe, screenshot saved`, async () => {
      const page = await openPage({ viewport, colorScheme: scheme, mobile });
      await fillSearch(page);
      await page.evaluate(() => window.scrollTo(0, 0));
      // Nothing wider than the screen: no sideways scrolling on a 360 px phone.
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= viewport.width, `page is ${width}px wide in a ${viewport.width}px window`);
      await axeCheck(page, `${name} ${scheme}`);
      fs.mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}.png`) });
      await page.screenshot({ path: path.join(SHOTS, `${name}-${scheme}-full.png`), fullPage: true });
      await closePage(page);
    });
  }
}

test('axe: the formats list and the remove dialog', async () => {
  const page = await openPage({ colorScheme: 'dark' });
  await page.fill('#url', `${SITE}/video/two`);
  await page.getByRole('button', { name: 'Show formats' }).click();
  await page.getByRole('group', { name: 'Format' }).waitFor({ timeout: 30000 });
  await axeCheck(page, 'formats');
  await page.locator('#task-list li').first().getByRole('button', { name: /^Remove/ }).click();
  await page.getByRole('dialog').waitFor();
  await axeCheck(page, 'remove dialog');
  await page.screenshot({ path: path.join(SHOTS, 'dialog-dark.png') });
  await page.keyboard.press('Escape');
  await closePage(page);
});

test('the API reference at /api/docs loads nothing from another origin, even with keys on', async () => {
  for (const base of [BASE, AUTH_BASE].filter(Boolean)) {
    const context = await browser.newContext({ viewport: DESKTOP });
    const page = await context.newPage();
    const requested = [];
    const refused = [];
    page.on('request', (r) => requested.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    const answer = await page.goto(base + '/api/docs');
    assert.equal(answer.status(), 200, `${base}/api/docs`);
    await page.getByRole('heading', { level: 1, name: 'OfflineTube API' }).waitFor();
    // The page links its document; following a link loads from here too.
    const doc = await page.getByRole('link', { name: '/api/openapi.json' }).first()
      .getAttribute('href');
    assert.equal(doc, '/api/openapi.json');
    // Its one style applied (the CSP allows it by its hash): a table has borders.
    const border = await page.locator('table').first()
      .evaluate((t) => getComputedStyle(t.querySelector('th')).borderTopStyle);
    assert.equal(border, 'solid', 'the inline style was refused');
    const origin = new URL(base).origin;
    assert.deepEqual(requested.filter((u) => new URL(u).origin !== origin), []);
    assert.deepEqual(refused, []);
    await page.screenshot({ path: path.join(SHOTS, 'api-docs.png') });
    await context.close();
  }
});

test('no script errors and no CSP refusals on any page', () => {
  assert.deepEqual(problems, []);
});
