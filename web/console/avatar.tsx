/** A soft colour per visitor (from the id), so neighbouring conversations are easy to tell apart. */
function tone(sessionId: string): number {
  return parseInt(sessionId.slice(0, 2), 16) % 6 || 0;
}

/** A visitor's picture: a neutral figure in the visitor's colour, with a green dot while online. */
export function Avatar({
  sessionId,
  live,
  large = false,
}: {
  sessionId: string;
  live: boolean;
  large?: boolean;
}) {
  return (
    <span
      class={`avatar tone-${tone(sessionId)}${large ? ' large' : ''}`}
      aria-hidden="true"
    >
      <span class="avatar-figure" />
      {live && <span class="live-dot" />}
    </span>
  );
}
