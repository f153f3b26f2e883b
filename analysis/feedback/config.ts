/**
 * The weights and assumptions of the product-feedback report (config/feedback.json, documented in
 * docs/escalations.md): tier weights, volume factors by orders placed in the period, the minimum
 * occurrences for an error-messaging candidate, and per category what a self-serve tool would deflect.
 */
import {ConfigError, positiveNumber, readConfig} from "../escalations/config.ts";

export const DEFAULT_FEEDBACK_CONFIG = "config/feedback.json";

export interface VolumeFactor {
  /** orders placed (POST /order, /orders) in the period, at least */
  min_orders: number;
  factor: number;
}

export interface Deflection {
  category: string;
  tool: string;
  /** share of the category's tickets the tool would answer (0..1) */
  share: number;
  assumption: string;
}

export interface FeedbackConfig {
  source: string;
  tier_weights: Record<string, number>;
  /** highest min_orders first */
  volume_factors: VolumeFactor[];
  error_messaging_min_occurrences: number;
  deflection: Deflection[];
}

export function loadFeedbackConfig(file = DEFAULT_FEEDBACK_CONFIG): FeedbackConfig {
  const raw = readConfig(file);
  const weights = raw.tier_weights;
  if (typeof weights !== "object" || weights === null) throw new ConfigError(`${file}: tier_weights must map each tier to a weight`);
  const tier_weights = Object.fromEntries(Object.entries(weights).map(([tier, w]) => [tier, positiveNumber(file, `tier_weights.${tier}`, w)]));
  if (!Array.isArray(raw.volume_factors) || raw.volume_factors.length === 0) throw new ConfigError(`${file}: volume_factors must be a non-empty list`);
  const volume_factors = (raw.volume_factors as Record<string, unknown>[])
    .map((v, i) => ({min_orders: positiveNumber(file, `volume_factors[${i}].min_orders`, v.min_orders), factor: positiveNumber(file, `volume_factors[${i}].factor`, v.factor)}))
    .sort((a, b) => b.min_orders - a.min_orders);
  if (volume_factors.at(-1)!.min_orders !== 0) throw new ConfigError(`${file}: volume_factors needs a row with min_orders 0 (everyone else)`);
  const deflection = (Array.isArray(raw.deflection) ? raw.deflection : []).map((d: Record<string, unknown>, i: number) => {
    const share = positiveNumber(file, `deflection[${i}].share`, d.share);
    if (share > 1) throw new ConfigError(`${file}: deflection[${i}].share must be between 0 and 1`);
    if (typeof d.category !== "string" || typeof d.tool !== "string" || typeof d.assumption !== "string" || !d.assumption) {
      throw new ConfigError(`${file}: deflection[${i}] needs a category, a tool and the assumption behind its share`);
    }
    return {category: d.category, tool: d.tool, share, assumption: d.assumption};
  });
  return {
    source: file,
    tier_weights,
    volume_factors,
    error_messaging_min_occurrences: positiveNumber(file, "error_messaging_min_occurrences", raw.error_messaging_min_occurrences ?? 20),
    deflection
  };
}
