/**
 * One-sided Student-t quantiles for the verdict's confidence bounds.
 *
 * Why exact rather than a normal approximation: the verdict often decides on 6-12 scrapes, where
 * t(0.99, 5) = 3.36 against z = 2.33; a normal quantile there would make the bound ~30 % too
 * narrow and turn noise into rollbacks.
 *
 * How: for an integer number of degrees of freedom ν the t distribution has a closed form in
 * elementary functions (Abramowitz & Stegun 26.7.3 and 26.7.4, with θ = atan(t/√ν)):
 *   ν odd:  P(|T| ≤ t) = (2/π)·(θ + sinθ·(cosθ + (2/3)cos³θ + (2·4)/(3·5)cos⁵θ + … up to cos^(ν-2)θ))
 *   ν even: P(|T| ≤ t) = sinθ·(1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … up to cos^(ν-2)θ)
 * The quantile is found by bisection on that CDF, to ~1e-10 relative. A fractional ν (Welch's
 * degrees of freedom) is rounded DOWN: fewer degrees of freedom give a wider bound, so the
 * rounding can only make a regression harder to declare, never easier.
 */

/** P(|T| ≤ t) for T ~ Student-t with `nu` (integer ≥ 1) degrees of freedom, t ≥ 0. */
function twoSidedCdf(t: number, nu: number): number {
  const theta = Math.atan(t / Math.sqrt(nu));
  const s = Math.sin(theta);
  const c = Math.cos(theta);
  const c2 = c * c;
  if (nu % 2 === 1) {
    // Terms cosθ·Π(2j/(2j+1))·cos^(2j)θ for j = 0 .. (ν-3)/2.
    let term = c;
    let sum = nu >= 3 ? term : 0;
    for (let j = 1; 2 * j + 1 <= nu - 2; j++) {
      term *= ((2 * j) / (2 * j + 1)) * c2;
      sum += term;
    }
    return (2 / Math.PI) * (theta + s * sum);
  }
  // Terms Π((2j-1)/(2j))·cos^(2j)θ for j = 0 .. (ν-2)/2.
  let term = 1;
  let sum = 1;
  for (let j = 1; 2 * j <= nu - 2; j++) {
    term *= ((2 * j - 1) / (2 * j)) * c2;
    sum += term;
  }
  return s * sum;
}

/**
 * The q-quantile (q in [0.5, 1)) of Student's t with `dof` degrees of freedom: the multiplier of
 * a standard error for a one-sided bound at confidence q. `dof` below 1 (nothing left to estimate
 * the noise from) gives Infinity: no bound can be claimed. A q outside [0.5, 1) is a programming
 * error and throws.
 */
export function studentTQuantile(q: number, dof: number): number {
  if (!(q >= 0.5 && q < 1)) throw new RangeError(`one-sided confidence must be in [0.5, 1), got ${q}`);
  if (!(dof >= 1)) return Number.POSITIVE_INFINITY;
  if (q === 0.5) return 0;
  // Beyond 10^5 degrees of freedom the series gets long and t equals z to 5 digits anyway.
  const nu = Math.min(Math.floor(dof), 100_000);
  const target = 2 * q - 1;
  let lo = 0;
  let hi = 1;
  while (twoSidedCdf(hi, nu) < target) hi *= 2; // terminates: the CDF tends to 1
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = (lo + hi) / 2;
    if (twoSidedCdf(mid, nu) < target) lo = mid;
    else hi = mid;
  }
  return hi; // the upper end: a bound rounded towards "wider", like the degrees of freedom
}
