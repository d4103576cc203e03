// Placeholder signature; implemented in this module.
export interface Quantity {
  /** value = mantissa × 10^exponent, exact. */
  readonly mantissa: bigint;
  readonly exponent: number;
}
