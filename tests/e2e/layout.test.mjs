// Layout: what the extension draws never hides what the user is working with. Run once per
// browser in E2E_BROWSERS (default "chromium,firefox") against dist/<browser>:
//
//   options page: every Tab stop, once focused, lies inside the viewport and clear of the
//   sticky Save bar; ticket page: the ✓ mark of a saved attachment covers neither its link
//   nor the size text that follows the link.
//
//   node --test tests/e2e/layout.test.mjs
//   E2E_BROWSERS=firefox node --test tests/e2e/layout.test.mjs

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  DIST, browsersFromEnv, waitForSelector, clickLink,
  waitForFile, attachmentSelector, fixtures,
  extensionPagesSuite,
  missingExtension,
} from './harness.mjs';

const TICKET = 4850; // organization 10, "Globex"
const FILE = 'layout_size.log';
if (!fixtures.tickets.has(TICKET)) fixtures.addTicket({ id: TICKET, organizationId: 10, subject: 'Layout', comments: [[FILE]] });
const MAX_TABS = 300;

/**
 * Presses Tab; the focused element's name and box, the Save bar's box and the viewport —
 * null when nothing in the page has focus, {again: true} at a stop seen before.
 */
async function nextTabStop(page) {
  await page.keyboard.press('Tab');
  return page.evaluate(() => {
    const el = document.activeElement;
    globalThis.seenStops ??= new Set();
    if (!el || el === document.body) return null;
    if (globalThis.seenStops.has(el)) return { again: true };
    globalThis.seenStops.add(el);
    const box = (r) => ({ top: r.top, bottom: r.bottom, left: r.left, right: r.right });
    const bar = document.querySelector('.actions');
    return {
      name: `${el.tagName.toLowerCase()}#${el.id || el.dataset.key || el.dataset.act || el.textContent.trim().slice(0, 20)}`,
      box: box(el.getBoundingClientRect()),
      bar: box(bar.getBoundingClientRect()),
      inBar: bar.contains(el),
      view: { top: 0, left: 0, bottom: document.documentElement.clientHeight, right: document.documentElement.clientWidth },
    };
  });
}

/** Whether two boxes share more than half a pixel each way. */
const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
const inside = (a, b) => a.top >= b.top - 0.5 && a.left >= b.left - 0.5 && a.bottom <= b.bottom + 0.5 && a.right <= b.right + 0.5;

for (const kind of browsersFromEnv()) {
  const extDir = DIST[kind];
  describe(`zd-dl-router layout (${kind})`, () => {
    if (missingExtension(kind, extDir)) return;
    const suite = extensionPagesSuite(kind, extDir, 'layout', { before, after });

    it('keeps every focused control of the options page in view and clear of the Save bar', async () => {
      const page = await suite.tabs.open(`${suite.env.base}options.html`);
      await page.setViewport({ width: 1000, height: 700 });
      await waitForSelector(page, 'main[aria-busy="false"]');
      await clickLink(page, '#add-rule'); // a rule's fields, and Save enabled
      await page.evaluate(() => scrollTo(0, 0));
      const stops = [];
      for (let i = 0, stop; i < MAX_TABS && !(stop = await nextTabStop(page))?.again; i++) if (stop) stops.push(stop);
      assert.ok(stops.length > 20, `only ${stops.length} Tab stops: ${stops.map((s) => s.name).join(' ')}`);
      assert.ok(stops.some((s) => s.inBar), 'Tab reaches the Save bar');
      const hidden = stops.flatMap((s) => [
        ...(inside(s.box, s.view) ? [] : [`${s.name} outside the viewport ${JSON.stringify(s.box)}`]),
        ...(!s.inBar && overlap(s.box, s.bar) ? [`${s.name} under the Save bar ${JSON.stringify(s.box)}, bar ${JSON.stringify(s.bar)}`] : []),
      ]);
      assert.deepEqual(hidden, [], `${hidden.length} of ${stops.length} Tab stops hidden`);
    });

    it('puts the ✓ mark beside a saved attachment, covering neither the link nor its size text', async () => {
      const link = attachmentSelector(TICKET, FILE);
      const page = await suite.tabs.ticketPage(TICKET);
      await clickLink(page, link);
      await waitForFile(suite.env.downloadDir, `zendesk/Globex/${TICKET}/${FILE}`, { timeoutMs: 25_000 });
      await waitForSelector(page, `${link} + .zd-dl-router-mark`, { visible: true });
      const boxes = await page.evaluate((sel) => {
        const a = document.querySelector(sel);
        const mark = a.nextElementSibling;
        const text = mark.nextSibling;
        const range = document.createRange();
        range.setStart(text, text.data.length - text.data.trimStart().length);
        range.setEnd(text, text.data.trimEnd().length);
        const box = (r) => ({ top: r.top, bottom: r.bottom, left: r.left, right: r.right });
        return { link: box(a.getBoundingClientRect()), mark: box(mark.getBoundingClientRect()), size: box(range.getBoundingClientRect()), sizeText: range.toString() };
      }, link);
      assert.match(boxes.sizeText, /^\(\d+ bytes\)$/);
      assert.ok(!overlap(boxes.mark, boxes.link), `the mark covers the link: ${JSON.stringify(boxes)}`);
      assert.ok(!overlap(boxes.mark, boxes.size), `the mark covers the size text: ${JSON.stringify(boxes)}`);
    });
  });
}
