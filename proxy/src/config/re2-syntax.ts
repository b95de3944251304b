// RE2 syntax → an equivalent JavaScript RegExp source (always with the `u` flag). Only called on
// patterns RE2 has accepted, so it handles RE2's grammar without re-validating it. RE2 constructs that
// JavaScript cannot express throw Unsupported, and the caller reports them as 'unsupported'.

export class Unsupported extends Error {}

export interface Translation {
  readonly source: string;
  readonly flags: string;
}

type Ranges = ReadonlyArray<readonly [number, number]>;
const MAX_CP = 0x10ffff;
const POSIX: Readonly<Record<string, Ranges>> = {
  alnum: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  alpha: [
    [0x41, 0x5a],
    [0x61, 0x7a],
  ],
  ascii: [[0, 0x7f]],
  blank: [
    [9, 9],
    [0x20, 0x20],
  ],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [
    [0x21, 0x2f],
    [0x3a, 0x40],
    [0x5b, 0x60],
    [0x7b, 0x7e],
  ],
  space: [
    [9, 0xd],
    [0x20, 0x20],
  ],
  upper: [[0x41, 0x5a]],
  word: [
    [0x30, 0x39],
    [0x41, 0x5a],
    [0x5f, 0x5f],
    [0x61, 0x7a],
  ],
  xdigit: [
    [0x30, 0x39],
    [0x41, 0x46],
    [0x61, 0x66],
  ],
};
/** RE2's `\s` is `[\t\n\f\r ]`; JavaScript's also has \v and Unicode spaces, so it is spelled out. */
const RE2_SPACE: Ranges = [
  [9, 10],
  [12, 13],
  [0x20, 0x20],
];
const CATEGORIES = new Set(
  'C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(
    ' ',
  ),
);
const ESCAPED_CHARS: Readonly<Record<string, number>> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11 };
const PERL_CLASSES: Readonly<Record<string, readonly [string, string]>> = {
  d: ['\\d', '\\d'],
  D: ['\\D', '\\D'],
  w: ['\\w', '\\w'],
  W: ['\\W', '\\W'],
  s: ['[\\t\\n\\f\\r ]', '\\t\\n\\f\\r '],
  S: ['[^\\t\\n\\f\\r ]', rangesSource(complement(RE2_SPACE))],
};
// JavaScript has no flag groups before Node 23, so the ones RE2 allows mid-pattern are refused.
const ASSERTIONS: Readonly<Record<string, string>> = {
  A: '(?<![\\s\\S])',
  z: '(?![\\s\\S])',
  b: '\\b',
  B: '\\B',
};
const REPEAT = /^\{\d+(?:,\d*)?\}/;
const LEADING_FLAGS = /^\(\?([A-Za-z-]+)\)/;

function hex(cp: number): string {
  return `\\u{${cp.toString(16)}}`;
}
function complement(r: Ranges): Ranges {
  const out: Array<[number, number]> = [];
  let next = 0;
  for (const [lo, hi] of r) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}
function rangesSource(r: Ranges): string {
  return r.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
}
function isControl(cp: number): boolean {
  return cp < 0x20 || cp === 0x7f || (cp >= 0xd800 && cp <= 0xdfff);
}
function literal(cp: number): string {
  if (isControl(cp)) return hex(cp);
  const ch = String.fromCodePoint(cp);
  return '^$\\.*+?()[]{}|/'.includes(ch) ? `\\${ch}` : ch;
}
function classLiteral(cp: number): string {
  if (isControl(cp)) return hex(cp);
  const ch = String.fromCodePoint(cp);
  return '\\]-^['.includes(ch) ? `\\${ch}` : ch;
}

type Escape =
  | { readonly cp: number }
  | { readonly set: string; readonly inClass: string }
  | { readonly assert: string };

interface State {
  readonly p: string;
  i: number;
}

/** Reads the escape at s.i (a backslash) and advances past it. */
function readEscape(s: State): Escape {
  const { p } = s;
  const c = p[s.i + 1] ?? '';
  s.i += 2;
  if (c >= '0' && c <= '7') {
    let cp = Number(c);
    for (let n = 1; n < 3 && p[s.i]! >= '0' && p[s.i]! <= '7'; n++) cp = cp * 8 + Number(p[s.i++]);
    return { cp };
  }
  if (c === 'x') {
    const end = p[s.i] === '{' ? p.indexOf('}', s.i) : s.i + 2;
    const cp = Number.parseInt(p.slice(p[s.i] === '{' ? s.i + 1 : s.i, end), 16);
    s.i = p[s.i] === '{' ? end + 1 : end;
    return { cp };
  }
  if (c in ESCAPED_CHARS) return { cp: ESCAPED_CHARS[c]! };
  const perl = PERL_CLASSES[c];
  if (perl) return { set: perl[0], inClass: perl[1] };
  if (c in ASSERTIONS) return { assert: ASSERTIONS[c]! };
  if (c === 'p' || c === 'P') {
    let name = p[s.i] ?? '';
    if (name === '{') {
      const end = p.indexOf('}', s.i);
      name = p.slice(s.i + 1, end);
      s.i = end + 1;
    } else s.i += 1;
    let negated = c === 'P';
    if (name.startsWith('^')) [negated, name] = [!negated, name.slice(1)];
    const property = CATEGORIES.has(name) || name === 'Any' ? name : `Script=${name}`;
    const set = `\\${negated ? 'P' : 'p'}{${property}}`;
    return { set, inClass: set };
  }
  if (c === 'C') throw new Unsupported('\\C (any byte) has no JavaScript equivalent');
  if (/^[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]$/.test(c)) return { cp: c.charCodeAt(0) };
  throw new Unsupported(`escape \\${c}`);
}

function readClass(s: State): string {
  const { p } = s;
  s.i += 1;
  const negated = p[s.i] === '^';
  if (negated) s.i += 1;
  let body = '';
  for (let first = true; ; first = false) {
    const c = p[s.i];
    if (c === undefined) throw new Unsupported('unterminated character class');
    if (c === ']' && !first) break;
    const posix = c === '[' ? /^\[:(\^?)([a-z]+):\]/.exec(p.slice(s.i)) : null;
    if (posix) {
      const ranges = POSIX[posix[2]!];
      if (!ranges) throw new Unsupported(`character class [:${posix[2]}:]`);
      body += rangesSource(posix[1] ? complement(ranges) : ranges);
      s.i += posix[0].length;
      continue;
    }
    const lo = classAtom(s);
    if (typeof lo === 'string') {
      body += lo;
      continue;
    }
    if (p[s.i] === '-' && p[s.i + 1] !== ']' && p[s.i + 1] !== undefined) {
      s.i += 1;
      const hi = classAtom(s);
      if (typeof hi === 'string') throw new Unsupported('a class cannot end a range');
      body += `${classLiteral(lo)}-${classLiteral(hi)}`;
    } else body += classLiteral(lo);
  }
  s.i += 1;
  return `[${negated ? '^' : ''}${body}]`;
}

/** One class member: a code point, or the source of a class escape (`\d`, `\pL`) as a string. */
function classAtom(s: State): number | string {
  if (s.p[s.i] !== '\\') {
    const cp = s.p.codePointAt(s.i)!;
    s.i += cp > 0xffff ? 2 : 1;
    return cp;
  }
  const e = readEscape(s);
  if ('cp' in e) return e.cp;
  if ('inClass' in e) return e.inClass;
  throw new Unsupported('an assertion inside a character class');
}

function readGroup(s: State): string {
  const rest = s.p.slice(s.i, s.i + 80);
  if (!rest.startsWith('(?')) {
    s.i += 1;
    return '(';
  }
  if (rest.startsWith('(?:')) {
    s.i += 3;
    return '(?:';
  }
  const named = /^\(\?P?<([^>]*)>/.exec(rest);
  if (named) {
    if (!/^[A-Za-z_$][\w$]*$/.test(named[1]!)) throw new Unsupported(`group name "${named[1]}"`);
    s.i += named[0].length;
    return `(?<${named[1]}>`;
  }
  throw new Unsupported(
    `"${rest.slice(0, 6)}…": flags are only supported at the very start, as (?i) or (?s)`,
  );
}

export function translate(p: string): Translation {
  const s: State = { p, i: 0 };
  let flags = 'u';
  let dotAll = false;
  let multiLine = false;
  for (let m = LEADING_FLAGS.exec(p); m; m = LEADING_FLAGS.exec(p.slice(s.i))) {
    for (const f of m[1]!) {
      if (f === 'i') flags += 'i';
      else if (f === 's') dotAll = true;
      else if (f === 'm') multiLine = true;
      else throw new Unsupported(`flag (?${f}) has no JavaScript equivalent`);
    }
    s.i += m[0].length;
  }
  let out = '';
  while (s.i < p.length) {
    const c = p[s.i]!;
    if (c === '\\' && p[s.i + 1] === 'Q') {
      const end = p.indexOf('\\E', s.i + 2);
      for (const ch of p.slice(s.i + 2, end < 0 ? p.length : end)) out += literal(ch.codePointAt(0)!);
      s.i = end < 0 ? p.length : end + 2;
    } else if (c === '\\') {
      const e = readEscape(s);
      out += 'cp' in e ? literal(e.cp) : 'set' in e ? e.set : e.assert;
    } else if (c === '[') out += readClass(s);
    else if (c === '(') out += readGroup(s);
    else {
      const repeat = c === '{' ? REPEAT.exec(p.slice(s.i)) : null;
      const cp = p.codePointAt(s.i)!;
      // RE2's `.` excludes only \n and its (?m) anchors only see \n; JavaScript's also see \r, U+2028/9.
      if (c === '.') out += dotAll ? '[\\s\\S]' : '[^\\n]';
      else if (c === '^') out += multiLine ? '(?<![^\\n])' : '^';
      else if (c === '$') out += multiLine ? '(?![^\\n])' : '$';
      else if (repeat) out += repeat[0];
      else if ('*+?|)'.includes(c)) out += c;
      else out += literal(cp);
      s.i += repeat ? repeat[0].length : cp > 0xffff ? 2 : 1;
    }
  }
  return { source: out, flags };
}
