/**
 * Which items moved between two orderings of the same items: those outside a longest increasing
 * subsequence of their new positions taken in old order. The items that keep their order
 * relative to each other stay; an item counts as moved only when its position among its
 * neighbours changed, never because something was inserted or removed before it.
 *
 * `newPositions[i]` is the new position of the item at old position `i` (distinct numbers);
 * answers the old positions of the moved items. O(n log n) (patience sorting).
 */
export function movedIndexes(newPositions: readonly number[]): number[] {
  const n = newPositions.length;
  // tails[k]: the index (into newPositions) ending the best increasing run of length k + 1.
  const tails: number[] = [];
  const previous = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const value = newPositions[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((newPositions[tails[mid] as number] as number) < value) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const kept = new Uint8Array(n);
  for (let i = tails.at(-1) ?? -1; i !== -1; i = previous[i] as number) kept[i] = 1;
  const moved: number[] = [];
  for (let i = 0; i < n; i++) if (kept[i] === 0) moved.push(i);
  return moved;
}
