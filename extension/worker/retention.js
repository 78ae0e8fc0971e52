// Retention clean-up, run by the background: on demand from the clean-up page (review,
// then the user confirms) and daily through `alarms` when the settings ask for it.
//
// Only files the records hold are ever considered, every one of them until it is deleted,
// found gone, or removed from the list by the user; the core decides what is due, on the
// worker's own clock. A file is deleted only through the browser's download of that very
// file (a download id the browser reused for another file is refused). The browser cannot
// delete folders: the report lists the folders the deletions emptied of routed files.

const ALARM = 'retention';
const DAY_MINUTES = 24 * 60;
const GONE = 'already moved or deleted by you';

export function createCleanup({ api, ready, askTab, agentTabOf, reloadRecords, write, locateAll }) {
  /** Reads ticket statuses through an agent tab of each instance (the agent's session). */
  async function statuses(router) {
    const byInstance = new Map();
    for (const t of router.ticketsToCheck()) {
      byInstance.set(t.instance, [...(byInstance.get(t.instance) ?? []), t.id]);
    }
    const answers = [];
    for (const [instance, ticketIds] of byInstance) {
      const tabId = agentTabOf(instance);
      const reply = tabId === undefined
        ? { error: `no open ${instance} agent tab to read ticket statuses` }
        : await askTab(tabId, { type: 'status', ticketIds }).catch((err) => ({ error: String(err?.message ?? err) }));
      for (const id of ticketIds) {
        const a = reply?.answers?.find((x) => x.ticketId === id);
        answers.push({ ticket: { instance, id }, response: a?.response, error: a?.error ?? reply?.error });
      }
    }
    return answers;
  }

  /** What is due, with file sizes and whether each file is still there to delete. */
  async function review() {
    const router = await ready;
    if (!router) throw new Error('the routing core is not loaded');
    await reloadRecords(router);
    const reviews = router.reviewRetention(await statuses(router), Date.now());
    // Only the due files are looked up in the browser: the rest are not shown, nor deleted.
    const due = reviews.filter((r) => r.verdict === 'delete');
    const found = new Map((await locateAll(router.locate(due.map((r) => r.key)))).map((f) => [f.key, f]));
    for (const r of due) {
      const item = found.get(r.key);
      r.listed = Boolean(item) && router.isRecordedFile(item);
      r.browserId = r.listed ? item.id : null; // the id now (Firefox renumbers at start)
      r.exists = r.listed && item.exists;
      r.size = r.exists ? item.fileSize ?? null : null;
    }
    return reviews;
  }

  /** Deletes the files of those `keys` (records) that are due; reports on each, and the emptied folders. */
  async function remove(keys) {
    const router = await ready;
    const due = new Map((await review()).filter((r) => r.verdict === 'delete').map((r) => [r.key, r]));
    const report = [];
    for (const key of keys) {
      const r = due.get(key);
      if (!r) {
        report.push({ key, result: 'not due: kept' });
        continue;
      }
      const id = r.browserId;
      let result = r.exists ? 'deleted' : GONE;
      if (!r.listed) {
        // The browser's list no longer has this file (cleared, or the id now names another
        // download): it cannot be deleted from here, so it stays on the list.
        result = 'not deleted: the browser no longer lists this download; delete it by hand, then remove it from the list';
      } else if (r.exists) {
        await api.downloads.removeFile(id).catch((err) => {
          const message = String(err?.message ?? err);
          // Firefox does not notice files deleted outside the browser (`exists` stays true)
          // and then refuses: "Could not remove download id N because the file doesn't exist".
          result = /(doesn't|does not) exist/i.test(message) ? GONE : `not deleted: ${message}`;
        });
      }
      if (r.listed && !result.startsWith('not')) await api.downloads.erase({ id }).catch(() => {});
      report.push({ key, path: r.path, result });
    }
    const removed = report.filter((r) => !r.result.startsWith('not'));
    await write(router.forgetRecords(removed.map((r) => r.key)));
    return { report, folders: router.emptiedFolders(removed.map((r) => r.path)) };
  }

  /** The user removes files from the list without deleting them (moved elsewhere, kept on purpose). */
  async function forget(keys) {
    const router = await ready;
    await reloadRecords(router);
    await write(router.forgetRecords(keys));
    return { forgotten: keys.length };
  }

  /** The daily run: delete everything due and say what was removed. */
  async function daily() {
    const due = (await review()).filter((r) => r.verdict === 'delete').map((r) => r.key);
    if (due.length === 0) return;
    const { report, folders } = await remove(due);
    const deleted = report.filter((r) => r.result === 'deleted').length;
    const kept = report.filter((r) => r.result.startsWith('not')).length;
    const parts = [`Deleted ${deleted} customer file(s) past their retention period`];
    if (report.length - deleted - kept) parts.push(`${report.length - deleted - kept} already gone`);
    if (kept) parts.push(`${kept} could not be deleted (see the clean-up page)`);
    if (folders.length) parts.push(`${folders.length} emptied folder(s) remain: the browser cannot delete folders`);
    await api.notifications
      .create({
        type: 'basic',
        iconUrl: api.runtime.getURL('icons/icon-128.png'),
        title: 'zd-dl-router clean-up',
        message: `${parts.join('; ')}.`,
      })
      .catch(() => {});
  }

  /** Keeps the daily alarm in line with the settings. */
  async function schedule(settings) {
    if (!settings.retentionDaily) {
      await api.alarms.clear(ALARM);
    } else if (!(await api.alarms.get(ALARM))) {
      api.alarms.create(ALARM, { periodInMinutes: DAY_MINUTES, delayInMinutes: 1 });
    }
  }

  api.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === ALARM) daily().catch((err) => console.error('zd-dl-router: clean-up failed', err));
  });

  return { review, remove, forget, schedule };
}
