// Retention clean-up, run by the background: on demand from the clean-up page (review,
// then the user confirms) and daily through `alarms` when the settings ask for it.
//
// Only files this extension routed are ever considered (the background's routed-files list);
// the router decides what is due. A file the user already moved or deleted is reported,
// not an error.

const ALARM = 'retention';
const DAY_MINUTES = 24 * 60;

export function createCleanup({ api, ready, askTab, agentTabOf, routedFiles, forgetFiles }) {
  /** Reads ticket statuses through an agent tab of each instance (the agent's session). */
  async function statuses(router, files) {
    const byInstance = new Map();
    for (const t of router.ticketsToCheck(files)) {
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

  /** What is due, with file sizes and whether each file still exists. */
  async function review(nowMs = Date.now()) {
    const router = await ready;
    if (!router) throw new Error('the routing core is not loaded');
    const files = await routedFiles();
    const reviews = router.reviewRetention(files, await statuses(router, files), nowMs);
    for (const r of reviews) {
      const [item] = await api.downloads.search({ id: r.downloadId }).catch(() => []);
      r.exists = Boolean(item?.exists);
      r.size = item?.fileSize ?? null;
    }
    return reviews;
  }

  /** Deletes those of `downloadIds` that are due routed files; reports on each. */
  async function remove(downloadIds, nowMs = Date.now()) {
    const due = new Map((await review(nowMs)).filter((r) => r.verdict === 'delete').map((r) => [r.downloadId, r]));
    const report = [];
    for (const id of downloadIds) {
      const r = due.get(id);
      if (!r) {
        report.push({ downloadId: id, result: 'not due: kept' });
        continue;
      }
      let result = r.exists ? 'deleted' : 'already moved or deleted by you';
      if (r.exists) {
        await api.downloads.removeFile(id).catch((err) => {
          const message = String(err?.message ?? err);
          // Firefox does not notice files deleted outside the browser (`exists` stays true)
          // and then refuses: "Could not remove download id N because the file doesn't exist".
          result = /(doesn't|does not) exist/i.test(message) ? 'already moved or deleted by you' : `not deleted: ${message}`;
        });
      }
      if (!result.startsWith('not')) await api.downloads.erase({ id }).catch(() => {});
      report.push({ downloadId: id, path: r.path, result });
    }
    await forgetFiles(report.filter((r) => !r.result.startsWith('not')).map((r) => r.downloadId));
    return report;
  }

  /** The daily run: delete everything due and say what was removed. */
  async function daily() {
    const due = (await review()).filter((r) => r.verdict === 'delete').map((r) => r.downloadId);
    if (due.length === 0) return;
    const report = await remove(due);
    const deleted = report.filter((r) => r.result === 'deleted').length;
    await api.notifications
      .create({
        type: 'basic',
        iconUrl: api.runtime.getURL('icons/icon-128.png'),
        title: 'zd-dl-router clean-up',
        message: `Deleted ${deleted} customer file(s) past their retention period; ${report.length - deleted} already gone.`,
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

  return { review, remove, schedule };
}
