import t from 'tap';
import { detectHttp } from './http-inspector.ts';

const detect = (text: string | Buffer) =>
  detectHttp(Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1'));

t.test('HTTP/1.x request lines and the HTTP/2 preface', async (t) => {
  t.equal(detect('GET / HTTP/1.1\r\nHost: a\r\n\r\n'), 'http/1.1');
  t.equal(detect('POST /x?y=1 HTTP/1.0\r\n'), 'http/1.0');
  t.equal(detect('GET http://a.example/ HTTP/1.1\n'), 'http/1.1', 'bare LF ends the line');
  t.equal(detect('M-SEARCH * HTTP/1.1\r\n'), 'http/1.1');
  t.equal(detect('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), 'h2c');
  t.equal(detect('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04'), 'h2c');
});

t.test('undecided until the bytes allow a decision', async (t) => {
  for (const prefix of [
    'G',
    'GET',
    'GET ',
    'GET /a',
    'GET /a ',
    'GET /a HTTP/1.',
    'GET /a HTTP/1.1',
    'GET /a HTTP/1.1\r',
    'PRI * HTTP/2',
  ])
    t.equal(detect(prefix), 'more', JSON.stringify(prefix));
});

t.test('not HTTP as soon as a byte says so', async (t) => {
  t.equal(detect(Buffer.from([0x16, 0x03, 0x01])), 'none', 'a TLS ClientHello');
  t.equal(detect('\x00\x00\x00\x08'), 'none');
  t.equal(detect('get / HTTP/1.1\r\n'), 'none', 'methods are upper case');
  t.equal(detect('SSH-2.0-OpenSSH_9.6\r\n'), 'none');
  t.equal(detect('GET  / HTTP/1.1\r\n'), 'none', 'empty request target');
  t.equal(detect('GET / HTTP/2.0\r\n'), 'none');
  t.equal(detect('GET / HTTP/1.1 \r\n'), 'none');
  t.equal(detect('PRI * HTTP/2.0\r\n\r\nXX'), 'none');
  t.equal(detect('HELLO\r\n'), 'none');
});
