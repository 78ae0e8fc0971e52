// The floor's Firefox twin (an event page; see ../chrome/background.js for what the floor
// is). Firefox has no downloads.onDeterminingFilename: as the product does
// (extension/platform/firefox), content.js takes the attachment click over and this page
// starts the download itself with the routed name. The message wakes a suspended page.
// Per click: one storage.session read (the reported ticket), one downloads.download.

browser.runtime.onMessage.addListener(async ({ ticket, url }) => {
  if (ticket) return void (await browser.storage.session.set({ ticket })); // the agent tab's report
  const { ticket: known } = await browser.storage.session.get('ticket');
  const name = new URL(url).searchParams.get('name');
  await browser.downloads.download({ url, filename: `zendesk/ACME Corp/${known}/${name}`, conflictAction: 'uniquify', saveAs: false });
  return { started: true };
});
