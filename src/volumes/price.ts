/**
 * What a volume costs per month, from the providers' published list prices per GB-month
 * (excluding tax; DigitalOcean Volumes, Hetzner Cloud Volumes, AWS EBS gp3 in us-east-1 with
 * the included 3000 IOPS / 125 MB/s). Providers change prices: shown as an estimate.
 */
export const VOLUME_PRICE_PER_GB_MONTH: Record<string, { amount: number; currency: string }> = {
  digitalocean: { amount: 0.1, currency: "USD" },
  hetzner: { amount: 0.044, currency: "EUR" },
  aws: { amount: 0.08, currency: "USD" },
  local: { amount: 0, currency: "USD" },
};

export function monthlyPrice(
  provider: string,
  sizeGb: number,
): { amount: number; currency: string } | undefined {
  const p = VOLUME_PRICE_PER_GB_MONTH[provider];
  return p && { amount: Math.round(p.amount * sizeGb * 100) / 100, currency: p.currency };
}
