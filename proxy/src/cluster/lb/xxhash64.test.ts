import t from 'tap';
import { hash53, xxHash53, xxHash64BytesInto, xxHash64Hex, xxHash64Into } from './xxhash64.ts';

// XXH64 reference values (seed 0 and 1); the empty-input one is the published XXH64 test vector,
// the rest were cross-checked against the xxhash-wasm package once.
const VECTORS: ReadonlyArray<readonly [string, string, string]> = [
  ['', 'ef46db3751d8e999', 'd5afba1336a3be4b'],
  ['a', 'd24ec4f1a98c6e5b', 'dec2bc81c3cd46c6'],
  ['abc', '44bc2cf5ad770999', 'bea9ca8199328908'],
  ['hello world', '45ab6734b21e6968', 'b01b03c5241fb7c7'],
  ['10.0.0.1:8080_0', '23a29ae775dfd4a3', '129719cb86ba9503'],
  ['x'.repeat(31), '60dd0d01083b99f0', 'cf1671eda3e87085'],
  ['y'.repeat(32), '64da1f1d3495ce66', 'ca60ec0706dfaa09'],
  ['z'.repeat(33), 'c5241253c64e0268', '8616c80bf59ac393'],
  ['héllo wörld ✓ 日本', '1d89d2cec973d0d6', 'e5fabc509b03c1c9'],
  ['The quick brown fox jumps over the lazy dog', '0b242d361fda71bc', 'df5091b6dad2c6db'],
];

t.test('matches XXH64 for every input length class (short, 4/8-byte tails, 32-byte stripes, UTF-8)', (t) => {
  for (const [input, seed0, seed1] of VECTORS) {
    t.equal(xxHash64Hex(input), seed0, `seed 0 ${JSON.stringify(input)}`);
    t.equal(xxHash64Hex(input, 1), seed1, `seed 1 ${JSON.stringify(input)}`);
  }
  t.end();
});

t.test('bytes and string ranges hash the same as the equivalent string', (t) => {
  const out = new Uint32Array(2);
  xxHash64BytesInto(Buffer.from('héllo wörld ✓ 日本'), out);
  t.equal(out[0]!.toString(16).padStart(8, '0') + out[1]!.toString(16).padStart(8, '0'), '1d89d2cec973d0d6');
  xxHash64Into('..abc..', out, 0, 2, 5);
  t.equal(hash53(out[0]!, out[1]!), xxHash53('abc'));
  t.end();
});

t.test('hash53 keeps the top 53 bits, exactly, in 64-bit order', (t) => {
  t.equal(xxHash53(''), Number(0xef46db3751d8e999n >> 11n));
  t.ok(Number.isSafeInteger(xxHash53('abc')));
  t.ok(hash53(0xffffffff, 0xffffffff) === 2 ** 53 - 1);
  t.end();
});

t.test('long inputs grow the scratch buffer', (t) => {
  const long = 'k'.repeat(5000);
  t.equal(xxHash64Hex(long), xxHash64Hex(long));
  t.not(xxHash64Hex(long), xxHash64Hex(`${long}k`));
  t.end();
});
