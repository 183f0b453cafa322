import { ObjectiveAiApi } from "@objectiveai-effect/domain"

// Paths and methods come from the API's declaration, which the local server is built from: the client cannot drift
// from it, and there is no second list of routes.

/** Where `create` (and `stream`) posts. */
export const create = { method: ObjectiveAiApi.create.method, path: ObjectiveAiApi.create.path } as const

/** Where `list` reads its pages. */
export const list = { method: ObjectiveAiApi.list.method, path: ObjectiveAiApi.list.path } as const

/** Where `retrieve` reads a completion, its id escaped as one path segment. */
export const retrieve = {
  method: ObjectiveAiApi.retrieve.method,
  path: (id: string): string => ObjectiveAiApi.retrieve.path.replace(":id", encodeURIComponent(id))
} as const
