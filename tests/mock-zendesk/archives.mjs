// Log archives for the mock's attachments (the local helper's E2E, tests/e2e/helper.test.mjs),
// built here byte for byte so a test knows exactly what unpacking must give: a small ustar
// writer (POSIX.1-1988 headers, fixed mtime and owner) and node's gzip. Entries are
//   {name, text}            a regular file (UTF-8 text)
//   {name, dir: true}       a directory
//   {name, symlink: target} a symbolic link
// in the order given; names are written as given, `..` and absolute ones included.

import { gzipSync } from 'node:zlib';

const BLOCK = 512;
const MTIME = Date.parse('2026-11-20T12:00:00Z') / 1000;

/** `value` as a NUL-terminated octal field of `width` bytes. */
function octal(value, width) {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header({ name, size, type, link = '' }) {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name over 100 bytes: ${name}`);
  h.write(name, 0);
  h.write(octal(type === '5' ? 0o755 : 0o644, 8), 100);
  h.write(octal(1000, 8), 108);
  h.write(octal(1000, 8), 116);
  h.write(octal(size, 12), 124);
  h.write(octal(MTIME, 12), 136);
  h.write(' '.repeat(8), 148);
  h.write(type, 156);
  h.write(link, 157);
  h.write('ustar\0' + '00', 257);
  h.write('support', 265);
  h.write('support', 297);
  const sum = h.reduce((a, b) => a + b, 0);
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** The .tar.gz of `entries` (see the file's header). */
export function tarGz(entries) {
  const blocks = [];
  for (const e of entries) {
    if (e.dir) {
      blocks.push(header({ name: e.name.endsWith('/') ? e.name : `${e.name}/`, size: 0, type: '5' }));
    } else if (e.symlink !== undefined) {
      blocks.push(header({ name: e.name, size: 0, type: '2', link: e.symlink }));
    } else {
      const data = Buffer.from(e.text, 'utf8');
      blocks.push(header({ name: e.name, size: data.length, type: '0' }), data, Buffer.alloc((BLOCK - (data.length % BLOCK)) % BLOCK));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return gzipSync(Buffer.concat(blocks), { level: 9 });
}
