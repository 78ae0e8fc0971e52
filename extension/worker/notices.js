// What the user is told without opening anything: the toolbar badge (customer files placed
// since the browser started; the core says its text, colour and tooltip) and a notification
// when a file went to the fallback folder, which shows the file when clicked.

import { api, onSettingsApplied } from './core.js';
import { notificationButtons } from './platform.js';

const FALLBACK_NOTE = 'fallback:';

/**
 * A file went to the fallback folder: say where and why, in plain words, with a button
 * (where the browser has notification buttons) and a click on the notification itself that
 * shows the file. The id carries the download id, so a restarted worker can still show it.
 */
export function notifyFallback(decision, downloadId) {
  const t = api.i18n.getMessage;
  api.notifications
    .create(`${FALLBACK_NOTE}${downloadId}`, {
      type: 'basic',
      iconUrl: api.runtime.getURL('icons/icon-128.png'),
      title: t('fallbackNotificationTitle'),
      message: t('fallbackNotificationMessage', [decision.path, decision.note ?? t('fallbackNotificationUnknown')]),
      ...(notificationButtons ? { buttons: [{ title: t('showFile') }] } : {}),
    })
    .catch((err) => console.warn('zd-dl-router: notification not shown', err));
}

function showNotifiedFile(notificationId) {
  if (!notificationId.startsWith(FALLBACK_NOTE)) return;
  api.downloads.show(Number(notificationId.slice(FALLBACK_NOTE.length)));
  api.notifications.clear(notificationId).catch(() => {});
}
api.notifications.onClicked.addListener(showNotifiedFile);
api.notifications.onButtonClicked?.addListener(showNotifiedFile);

/**
 * The counts live in storage.session, which outlives a worker restart but not the browser;
 * they are added up once a burst pauses (one badge update per download would cost a round
 * trip to the browser each).
 */
const uncounted = { routed: 0, fellBack: 0 };
let badgeTimer = null;
export function countPlaced(router, fellBack) {
  uncounted[fellBack ? 'fellBack' : 'routed'] += 1;
  clearTimeout(badgeTimer);
  badgeTimer = setTimeout(async () => {
    const add = { ...uncounted };
    Object.assign(uncounted, { routed: 0, fellBack: 0 });
    const counts = await placed();
    counts.routed += add.routed;
    counts.fellBack += add.fellBack;
    await api.storage.session.set({ placed: counts }).catch(() => {});
    await showBadge(router, counts);
  }, 200);
}

async function placed() {
  const { placed: counts } = await api.storage.session.get('placed').catch(() => ({}));
  return counts ?? { routed: 0, fellBack: 0 };
}

async function showBadge(router, counts) {
  const { text, color, title } = router.badge(counts.routed, counts.fellBack);
  await Promise.all([
    api.action.setBadgeText({ text }),
    api.action.setBadgeBackgroundColor({ color }),
    api.action.setTitle({ title }),
  ]).catch(() => {});
}

// Settings changed (routing on or off): the badge says so.
onSettingsApplied(async (router) => showBadge(router, await placed()));
