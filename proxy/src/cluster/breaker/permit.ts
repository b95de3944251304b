// A unit of a circuit-breaker resource held by one request attempt (or one retry). Releasing is
// idempotent: whatever path ends the attempt first (response end, reset, timeout, downstream
// cancel) gives the unit back, and every later release is a no-op, so no path can leak or
// double-free a slot.

/** What a permit gives its unit back to. */
export interface PermitIssuer {
  returnPermit(): void;
}

export class Permit {
  private issuer: PermitIssuer | undefined;

  constructor(issuer: PermitIssuer) {
    this.issuer = issuer;
  }

  get held(): boolean {
    return this.issuer !== undefined;
  }

  release(): void {
    const issuer = this.issuer;
    if (issuer === undefined) return;
    this.issuer = undefined;
    issuer.returnPermit();
  }
}
