// Field-name spellings and "did you mean" suggestions for configuration errors.

/** The proto3 JSON name protoc derives from a field name: `port_value` → `portValue`. */
export function jsonNameOf(fieldName: string): string {
  return fieldName.replace(/_+([a-zA-Z0-9])/g, (_match, next: string) => next.toUpperCase());
}

/** `portValue` → `port_value`; snake_case passes through unchanged. */
export function snakeCaseOf(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidate closest to `written` (compared case-insensitively), if it is close enough to be a plausible typo (a few edits,
 * relative to the length) or one name contains the other (`per_filter_config` →
 * `typed_per_filter_config`).
 */
export function closestName(written: string, candidates: Iterable<string>): string | undefined {
  const wanted = written.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const target = candidate.toLowerCase();
    const distance = editDistance(wanted, target);
    const limit = Math.max(2, Math.floor(target.length / 3));
    const contains = wanted.length >= 4 && (target.includes(wanted) || wanted.includes(target));
    const score = distance <= limit ? distance : contains ? limit + 1 : Number.POSITIVE_INFINITY;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** ` (did you mean "x"?)`, or nothing when no candidate is close. */
export function didYouMean(written: string, candidates: Iterable<string>): string {
  const suggestion = closestName(written, candidates);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}
