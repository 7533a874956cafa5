import type { ChatTurn } from './ai-provider.client';

/** Characters as the settings count them: Unicode code points. */
function lengthOf(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/**
 * The turns that fit in `maxChars` beside the system prompt, oldest dropped first. The system prompt is
 * always sent, and so is the latest turn (the message being answered, at most MESSAGE_MAX_LENGTH), even
 * when they alone exceed the cap.
 */
export function fitContext(
  systemPrompt: string,
  turns: ChatTurn[],
  maxChars: number,
): ChatTurn[] {
  let room = maxChars - lengthOf(systemPrompt);
  let first = turns.length;
  while (first > 0) {
    const length = lengthOf(turns[first - 1].content);
    if (first < turns.length && length > room) break;
    room -= length;
    first--;
  }
  return turns.slice(first);
}
