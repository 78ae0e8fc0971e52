// The agent tab reports its ticket once (as the product's content script reports the
// tickets it loads), and hands attachment clicks to the event page: Firefox cannot rename
// a download the page starts (the product's content-platform.js does the same).
const ticket = /^\/agent\/tickets\/(\d+)/.exec(location.pathname)?.[1];
if (ticket) browser.runtime.sendMessage({ ticket: Number(ticket) });

document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[href*="/attachments/token/"]');
  if (!link || event.button !== 0) return;
  event.preventDefault();
  browser.runtime.sendMessage({ url: link.href });
}, true);
