/**
 * Agents' search reads a trigram index, which narrows a search down only by its runs of three letters or
 * digits; text without one would read every message, so it is refused. Shared with the console, which
 * filters what it has instead of asking.
 */
export const SEARCHABLE_TEXT = /[\p{L}\p{N}]{3}/u;

export function isSearchableText(text: string): boolean {
  return SEARCHABLE_TEXT.test(text);
}
