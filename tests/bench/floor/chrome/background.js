// The floor: what any download router costs on a cold start, the baseline of the cold-click
// rows of `./build.sh bench` (tests/bench/browser.mjs). Loaded unpacked from this folder
// (not built). On the click that starts the stopped worker it does the least the product
// must also do, and nothing else:
//  - the download listener is registered at top level, so the event that woke the worker
//    reaches it;
//  - one storage.session read: the ticket the agent tab reported (the product keeps its
//    ticket knowledge there, where a restarted worker finds it);
//  - a fixed answer, zendesk/ACME Corp/<ticket>/<file>: where the product puts the bench's
//    files (organization 9 of the mock).

const ATTACHMENT = /^https:\/\/[^/]+\.zendesk\.com\/attachments\/token\//;
// ms from the event to suggest(), read by the bench as it reads the product's.
globalThis.zdDlRouterSuggestMs = [];

chrome.downloads.onDeterminingFilename.addListener((item, suggest) => {
  if (!ATTACHMENT.test(item.url)) return void suggest(); // not ours: the browser's name
  const started = performance.now();
  chrome.storage.session.get('ticket').then(({ ticket }) => {
    globalThis.zdDlRouterFirstSuggestAt ??= performance.now();
    globalThis.zdDlRouterSuggestMs.push(performance.now() - started);
    suggest(ticket ? { filename: `zendesk/ACME Corp/${ticket}/${item.filename}`, conflictAction: 'uniquify' } : undefined);
  });
  return true; // suggest() comes asynchronously
});

// The agent tab's report (content.js).
chrome.runtime.onMessage.addListener(({ ticket }) => {
  chrome.storage.session.set({ ticket });
});
