// envoy.filters.listener.http_inspector's decision over a connection's first bytes: the HTTP/2
// connection preface (h2c), an HTTP/1.x request line (http/1.0 or http/1.1), or not HTTP. It
// decides as soon as the bytes allow — a byte that cannot start an HTTP request settles "not HTTP"
// at once, so a binary protocol is not held back waiting for a line end.

/** What the bytes so far say; `more` = undecided, read on. */
export type HttpDetection = 'h2c' | 'http/1.1' | 'http/1.0' | 'none' | 'more';

/** Bytes inspected at most; a request line longer than this is not taken for HTTP. */
export const MAX_INSPECT_BYTES = 64 * 1024;

const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
const VERSION_PREFIX = Buffer.from('HTTP/1.');
const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** Methods are upper-case tokens (every registered method is); `-` and `_` cover extensions. */
function isMethodByte(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || b === 0x2d || b === 0x5f;
}

/** A request-target byte: visible ASCII or obs-text, no controls, no space. */
function isTargetByte(b: number): boolean {
  return b > SP && b !== 0x7f;
}

export function detectHttp(head: Buffer): HttpDetection {
  const n = Math.min(head.length, H2_PREFACE.length);
  if (n > 0 && head.compare(H2_PREFACE, 0, n, 0, n) === 0) {
    if (head.length >= H2_PREFACE.length) return 'h2c';
    return 'more';
  }
  return detectHttp1(head);
}

/** `METHOD SP request-target SP HTTP/1.x CRLF` (RFC 9112 §3). */
function detectHttp1(head: Buffer): HttpDetection {
  const length = head.length;
  let i = 0;
  while (i < length && isMethodByte(head[i]!)) i++;
  if (i === length) return i > 0 ? 'more' : 'none';
  if (i === 0 || head[i] !== SP) return 'none';
  i++;
  const targetStart = i;
  while (i < length && isTargetByte(head[i]!)) i++;
  if (i === length) return 'more';
  if (i === targetStart || head[i] !== SP) return 'none';
  i++;
  for (let k = 0; k < VERSION_PREFIX.length; k++, i++) {
    if (i === length) return 'more';
    if (head[i] !== VERSION_PREFIX[k]) return 'none';
  }
  if (i === length) return 'more';
  const minor = head[i++];
  if (minor !== 0x30 && minor !== 0x31) return 'none';
  if (i === length) return 'more';
  // a bare LF ends the line too (RFC 9112 §2.2 lets a recipient accept it)
  if (head[i] === CR) {
    if (++i === length) return 'more';
  }
  if (head[i] !== LF) return 'none';
  return minor === 0x31 ? 'http/1.1' : 'http/1.0';
}
