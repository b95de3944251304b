// Envoy's safe_regex is RE2. A pattern is checked by RE2 itself (re2-wasm) so that exactly what Envoy
// rejects is rejected here, then translated to an equivalent JavaScript RegExp, which is what the hot
// path runs. Everything here happens at config compile time.
//
// re2-wasm costs: ~25 ms to load the wasm module (done lazily), then ~0.1–0.3 ms per pattern (a
// 100-fold repetition such as `.{100}` takes ~10 ms). Verdicts and translations are cached by pattern,
// so a config push that repeats its regexes pays this once.

import { createRequire } from 'node:module';
import type { RegexMatchAndSubstitute, RegexMatcher } from './envoy-types.ts';
import { ConfigError, joinPath } from './errors.ts';
import { message, str } from './fields.ts';
import { type Translation, translate, Unsupported } from './re2-syntax.ts';

interface WrappedRE2 {
  ok(): boolean;
  error(): string;
  /** Frees the wasm-side object: embind objects are not garbage-collected, and the wasm heap is a
   * fixed 16 MiB, so a leak eventually aborts the module for the life of the process. */
  delete(): void;
}
type WrappedRE2Constructor = new (pattern: string, i: boolean, m: boolean, s: boolean) => WrappedRE2;

let wrappedRe2: WrappedRE2Constructor | undefined;

/** RE2's own verdict: undefined when RE2 accepts the pattern, else RE2's error text. */
function re2Problem(pattern: string): string | undefined {
  // The low-level binding, not the package's RE2 class: that class first rewrites JS syntax into RE2
  // syntax (`\u0041`, `\cA`), and so would accept patterns that Envoy rejects.
  wrappedRe2 ??= (
    createRequire(import.meta.url)('re2-wasm/build/wasm/re2.js') as { WrappedRE2: WrappedRE2Constructor }
  ).WrappedRE2;
  const re = new wrappedRe2(pattern, false, false, false);
  try {
    return re.ok() ? undefined : re.error();
  } finally {
    re.delete();
  }
}

/** RE2 since 2023 accepts `(?<name>…)`; the RE2 inside re2-wasm predates that and wants `(?P<name>…)`. */
function re2Verdict(pattern: string): string | undefined {
  const problem = re2Problem(pattern);
  if (problem?.startsWith('invalid perl operator: (?<') && /\(\?<(?![=!])/.test(pattern)) {
    return re2Problem(pattern.replace(/\(\?<(?![=!])/g, '(?P<'));
  }
  return problem;
}

type Verdict = Translation | { readonly problem: string; readonly kind: 'invalid' | 'unsupported' };

const verdicts = new Map<string, Verdict>();
const MAX_CACHED = 4096;

function verdictFor(pattern: string): Verdict {
  const cached = verdicts.get(pattern);
  if (cached) return cached;
  let verdict: Verdict;
  let problem: string | undefined;
  try {
    problem = re2Verdict(pattern);
  } catch (err) {
    // The wasm module aborted (e.g. out of memory); not the pattern's fault, so not cached.
    return { problem: `could not check the regex with RE2: ${(err as Error).message}`, kind: 'invalid' };
  }
  if (problem !== undefined) {
    verdict = { problem: `invalid RE2 regex ${JSON.stringify(pattern)}: ${problem}`, kind: 'invalid' };
  } else {
    try {
      verdict = translate(pattern);
      new RegExp(verdict.source, verdict.flags);
    } catch (err) {
      const why =
        err instanceof Unsupported ? err.message : `JavaScript cannot express it (${(err as Error).message})`;
      verdict = {
        problem: `RE2 regex ${JSON.stringify(pattern)} is not supported: ${why}`,
        kind: 'unsupported',
      };
    }
  }
  if (verdicts.size >= MAX_CACHED) verdicts.delete(verdicts.keys().next().value!);
  verdicts.set(pattern, verdict);
  return verdict;
}

function build(pattern: string, path: string, flags: string, full: boolean): RegExp {
  const v = verdictFor(pattern);
  if ('problem' in v) throw new ConfigError(path, v.problem, v.kind);
  const all = [...new Set(v.flags + flags)].join('');
  return new RegExp(full ? `^(?:${v.source})$` : v.source, all);
}

/** An RE2 pattern as a JS RegExp with search semantics (matches anywhere), plus extra JS `flags`. */
export function compileRe2(pattern: string, path: string, flags = ''): RegExp {
  return build(pattern, path, flags, false);
}

/** An RE2 pattern that must match the whole input, as Envoy's RE2::FullMatch does for safe_regex. */
export function compileRe2FullMatch(pattern: string, path: string): RegExp {
  return build(pattern, path, '', true);
}

/** envoy.type.matcher.v3.RegexMatcher → a full-match RegExp. */
export function compileRegexMatcher(m: RegexMatcher, path: string): RegExp {
  return compileRe2FullMatch(str(m.regex, joinPath(path, 'regex')), joinPath(path, 'regex'));
}

/** envoy.type.matcher.v3.RegexMatchAndSubstitute → a global RegExp and a String.replace substitution. */
export function compileRegexRewrite(
  r: RegexMatchAndSubstitute,
  path: string,
): { pattern: RegExp; substitution: string } {
  const pPath = joinPath(joinPath(path, 'pattern'), 'regex');
  const pattern = compileRe2(str(message(r.pattern, joinPath(path, 'pattern')).regex, pPath), pPath, 'g');
  const sPath = joinPath(path, 'substitution');
  return {
    pattern,
    substitution: translateSubstitution(str(r.substitution, sPath), captureGroups(pattern), sPath),
  };
}

/** Number of capture groups in a RegExp (an empty alternative makes exec('') always match). */
export function captureGroups(re: RegExp): number {
  return new RegExp(`${re.source}|`, re.flags.replace(/[gy]/g, '')).exec('')!.length - 1;
}

/** RE2 rewrite syntax (`\1`, `\0` whole match, `\\`) → String.prototype.replace syntax. */
export function translateSubstitution(sub: string, groups: number, path: string): string {
  let out = '';
  for (let i = 0; i < sub.length; i++) {
    const c = sub[i]!;
    if (c === '$') out += '$$';
    else if (c !== '\\') out += c;
    else {
      const n = sub[++i];
      if (n === '\\') out += '\\';
      else if (n !== undefined && n >= '0' && n <= '9') {
        const g = Number(n);
        if (g > groups)
          throw new ConfigError(path, `refers to \\${g} but the pattern has ${groups} capture group(s)`);
        // Two digits, so that a digit after the reference stays literal, as in RE2 (`\12` is \1 then 2).
        out += g === 0 ? '$&' : `$0${g}`;
      } else throw new ConfigError(path, 'invalid RE2 rewrite: "\\" must be followed by a digit or "\\"');
    }
  }
  return out;
}
