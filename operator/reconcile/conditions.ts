/**
 * Condition bookkeeping (the metav1.Condition rules): one condition per type, its
 * lastTransitionTime moves only when its status flips, and each carries the generation it
 * was computed from.
 */
import type { ConditionInput } from "../api/conditions.js";
import type { Condition } from "../api/types.js";

export type { ConditionInput, ConditionStatus } from "../api/conditions.js";

/**
 * Returns `conditions` with `input` set: the previous lastTransitionTime is kept unless the
 * status changed. Other types are left as they are, order preserved, new types appended.
 */
export function setCondition(conditions: readonly Condition[] | undefined, input: ConditionInput, generation: number | undefined, nowIso: string): Condition[] {
  const list = [...(conditions ?? [])];
  const index = list.findIndex((c) => c.type === input.type);
  const previous = index >= 0 ? list[index] : undefined;
  const next: Condition = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: input.message,
    lastTransitionTime: previous && previous.status === input.status ? previous.lastTransitionTime : nowIso,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (index >= 0) list[index] = next;
  else list.push(next);
  return list;
}

export function setConditions(conditions: readonly Condition[] | undefined, inputs: readonly ConditionInput[], generation: number | undefined, nowIso: string): Condition[] {
  return inputs.reduce<Condition[]>((list, input) => setCondition(list, input, generation, nowIso), [...(conditions ?? [])]);
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/** True when `type` goes to (status, reason) from something else: the moment to emit one Event. */
export function isTransition(before: readonly Condition[] | undefined, after: readonly Condition[] | undefined, type: string): boolean {
  const a = findCondition(before, type);
  const b = findCondition(after, type);
  if (!b) return false;
  return !a || a.status !== b.status || a.reason !== b.reason || a.message !== b.message;
}
