// A tiny HTTP CONNECT proxy on 127.0.0.1 (free port) for Firefox, which has no host-resolver
// rules. It tunnels only *.zendesk.com, *.zdusercontent.com and *.example.org (any port) to
// the mock; everything else gets 403, so the browser never leaves the machine.
//
//   const proxy = await startProxy({ targetPort: mock.port });  ...  proxy.port, proxy.log()
//   node tests/mock-zendesk/proxy.mjs <mockPort>

import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROXIED_SUFFIXES = ['.zendesk.com', '.zdusercontent.com', '.example.org'];
/** Exact names tunnelled besides the suffixes (not every example.com). */
export const PROXIED_HOSTS = ['support.example.com'];

export function isProxiedHost(host) {
  const h = host.toLowerCase();
  return PROXIED_HOSTS.includes(h) || PROXIED_SUFFIXES.some((s) => h.endsWith(s) && h.length > s.length);
}

export async function startProxy({ targetPort, targetHost = '127.0.0.1', verbose = false }) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    // Plain HTTP (non-CONNECT) proxy requests: refused; the mock speaks HTTPS only.
    requests.push({ time: Date.now(), method: req.method, target: req.url, allowed: false });
    res.writeHead(403, { 'Content-Type': 'text/plain', Connection: 'close' });
    res.end('blocked by test proxy\n');
  });
  server.on('connect', (req, clientSocket, head) => {
    const target = req.url ?? '';
    const i = target.lastIndexOf(':');
    const host = i > 0 ? target.slice(0, i).replace(/^\[|\]$/g, '') : target;
    const allowed = isProxiedHost(host);
    requests.push({ time: Date.now(), method: 'CONNECT', target, allowed });
    if (verbose) console.error(`[proxy] CONNECT ${target} ${allowed ? 'tunnel' : '403'}`);
    clientSocket.on('error', () => {});
    if (!allowed) {
      clientSocket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = net.connect(targetPort, targetHost, () => {
      clientSocket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head?.length) upstream.write(head);
      upstream.pipe(clientSocket);
      clientSocket.pipe(upstream);
    });
    sockets.add(upstream);
    sockets.add(clientSocket);
    upstream.on('close', () => {
      sockets.delete(upstream);
      clientSocket.destroy();
    });
    clientSocket.on('close', () => {
      sockets.delete(clientSocket);
      upstream.destroy();
    });
    upstream.on('error', () => clientSocket.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    log: () => requests.map((r) => ({ ...r })),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(() => r()));
    },
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const targetPort = Number(process.argv[2]);
  if (!targetPort) {
    console.error('usage: node tests/mock-zendesk/proxy.mjs <mockPort>');
    process.exit(2);
  }
  const p = await startProxy({ targetPort, verbose: true });
  console.log(`PROXY_PORT=${p.port}`);
}
