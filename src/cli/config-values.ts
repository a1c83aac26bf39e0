/** The values a config key accepts, when the schema names them (enums, lists of enums, booleans). */
import { z } from "zod";
import { leafSchema } from "../config/schema.ts";

export function configValueChoices(key: string): string[] {
  let leaf = leafSchema(key);
  if (leaf instanceof z.ZodArray) leaf = leaf.element as z.ZodType;
  if (leaf instanceof z.ZodEnum) return (leaf.options as unknown[]).map(String);
  if (leaf instanceof z.ZodBoolean) return ["true", "false"];
  return [];
}
