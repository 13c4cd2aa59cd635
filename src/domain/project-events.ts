/**
 * A project's own events: what its activity lists and what its webhooks deliver. Each is
 * recorded in the transaction of the change it reports.
 */
export const ACTIVITY_TYPES = [
  'item.created',
  'item.updated',
  'item.moved',
  'item.deleted',
  'specification.created',
  'specification.updated',
  'specification.deleted',
  'specification.imported',
  'link.created',
  'link.deleted',
  'link.cleared',
  'baseline.created',
  'baseline.deleted',
  'approval.signed',
  'member.added',
  'member.updated',
  'member.removed',
] as const;
export type ActivityType = (typeof ACTIVITY_TYPES)[number];

/** The families of those events (`item` for `item.*`). */
export const ACTIVITY_FAMILIES = [
  'item',
  'specification',
  'link',
  'baseline',
  'approval',
  'member',
] as const;
export type ActivityFamily = (typeof ACTIVITY_FAMILIES)[number];

/** The family of an event type: `item` for `item.updated`. */
export function familyOf(type: ActivityType): ActivityFamily {
  return type.slice(0, type.indexOf('.')) as ActivityFamily;
}
