// Keys of a JSON Schema whose value maps names to schemas, and keys whose value is data rather than a schema.
const schemaMaps = new Set(["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"])
const dataKeys = new Set(["enum", "const", "default", "example", "examples", "required"])

/**
 * Makes a JSON Schema Effect generated say what the code does, in place, with everything inside it:
 * - objects are open: answers keep the keys they do not declare, and a create body sends unknown keys through, so no
 *   object says `additionalProperties: false`;
 * - titles are gone: Effect titles each refinement with its name (`between(0, 2)`), which readers show as a type.
 */
export const cleanSchema = (schema: unknown): void => {
  if (Array.isArray(schema)) return schema.forEach(cleanSchema)
  if (typeof schema !== "object" || schema === null) return
  const record = schema as Record<string, unknown>
  delete record.title
  if (record.additionalProperties === false) delete record.additionalProperties
  for (const [key, value] of Object.entries(record)) {
    if (schemaMaps.has(key)) Object.values(value as Record<string, unknown>).forEach(cleanSchema)
    else if (!dataKeys.has(key)) cleanSchema(value)
  }
}
