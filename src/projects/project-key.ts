const MAX = 10;

/**
 * A project key from its name, the way issue trackers do it: the initials of several words
 * ("Payment Service API" → "PSA"), or the start of a single word ("Authentication" → "AUTH").
 */
export function deriveProjectKey(name: string): string {
  const words = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .split(/[^A-Z0-9]+/)
    .filter((w) => w !== '');
  const initials = words.map((w) => w[0]).join('');
  let key = words.length > 1 && initials.length >= 2 ? initials : (words[0] ?? '').slice(0, 4);
  // Names without letters or digits ("ü", "…") still get a valid key.
  if (key.length < 2) key = `${key}PRJ`.slice(0, 3);
  return key.slice(0, MAX);
}
