// The agent tab reports its ticket once, as the product's content script reports the
// tickets it loads.
const ticket = /^\/agent\/tickets\/(\d+)/.exec(location.pathname)?.[1];
if (ticket) chrome.runtime.sendMessage({ ticket: Number(ticket) });
