import t from 'tap';
import { canonicalIp, cidrContains, compileCidr, parseIp } from './cidr.ts';

const words = new Uint32Array(4);
const contains = (range: string, len: number, address: string) =>
  cidrContains(compileCidr({ address_prefix: range, prefix_len: len }, 'r'), parseIp(address, words), words);

t.test('parses IPv4, IPv6 (compressed, embedded IPv4, zone) and refuses the rest', async (t) => {
  t.equal(parseIp('10.1.2.3', words), 4);
  t.equal(words[0], 0x0a010203);
  t.equal(parseIp('::1', words), 6);
  t.same([...words], [0, 0, 0, 1]);
  t.equal(parseIp('fd00:1::2:3', words), 6);
  t.same([...words], [0xfd000001, 0, 0, 0x00020003]);
  t.equal(parseIp('64:ff9b::192.0.2.33', words), 6);
  t.equal(words[3], 0xc0000221);
  t.equal(parseIp('fe80::1%eth0', words), 6);
  t.equal(parseIp('::ffff:127.0.0.1', words), 4, 'IPv4-mapped is IPv4');
  t.equal(words[0], 0x7f000001);
  for (const bad of [
    '',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '1..2.3',
    'a.b.c.d',
    ':::',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'example.com',
  ])
    t.equal(parseIp(bad, words), 0, bad);
});

t.test('prefix containment, masking and canonical text', async (t) => {
  t.ok(contains('10.0.0.0', 8, '10.200.1.1'));
  t.notOk(contains('10.0.0.0', 8, '11.0.0.1'));
  t.ok(contains('10.1.2.3', 32, '10.1.2.3'));
  t.notOk(contains('10.1.2.3', 32, '10.1.2.4'));
  t.ok(contains('0.0.0.0', 0, '203.0.113.9'), '/0 matches every IPv4 address');
  t.notOk(contains('0.0.0.0', 0, '::1'), 'but no IPv6 address');
  t.ok(contains('fd00::', 8, 'fdff::1'));
  t.notOk(contains('fd00::', 16, 'fd01::1'));
  t.ok(contains('2001:db8::', 33, '2001:db8:7fff::1'));
  t.notOk(contains('2001:db8::', 33, '2001:db8:8000::1'));
  t.equal(compileCidr({ address_prefix: '10.9.8.7', prefix_len: 16 }, 'r').text, '10.9.0.0/16');
  t.equal(canonicalIp('FD00::1'), 'fd00:0:0:0:0:0:0:1');
  t.throws(() => compileCidr({ address_prefix: '10.0.0.0', prefix_len: 33 }, 'r'), {
    message: 'r.prefix_len: an IPv4 prefix is at most 32 bits long',
  });
  t.throws(() => compileCidr({ address_prefix: 'localhost' }, 'r'), {
    message: /r\.address_prefix: "localhost" is not/,
  });
});
