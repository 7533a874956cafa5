import type { VisitorChat } from '../client/visitor-chat';
import { SendIcon } from './icons';
import { strings } from './strings';

interface ComposerProps {
  chat: VisitorChat;
  /** False until the chat has a session: the text can be written but not sent yet. */
  ready: boolean;
  text: string;
  onText: (text: string) => void;
}

/** Show how many characters are left once this close to the limit. */
const COUNT_FROM = 0.9;

export function Composer(props: ComposerProps) {
  const { chat, ready, text, onText } = props;
  const max = chat.messageMaxLength;
  const refusal = chat.checkContent(text);
  const length = Array.from(text.trim()).length;
  const tooLong = refusal !== null && length > 0;
  const canSend = ready && refusal === null;

  const send = () => {
    if (!canSend) return;
    chat.send(text);
    onText('');
  };

  return (
    <form
      class="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
        // The Send button turns disabled once the text is gone: keep the focus in the field.
        event.currentTarget.querySelector('textarea')?.focus();
      }}
    >
      <div class={tooLong ? 'field invalid' : 'field'}>
        <textarea
          rows={1}
          aria-label={strings.messageLabel}
          aria-describedby="cw-limit"
          aria-invalid={tooLong ? 'true' : undefined}
          placeholder={strings.placeholder}
          enterkeyhint="send"
          value={text}
          onInput={(event) => {
            onText(event.currentTarget.value);
            chat.noteTyping();
          }}
          onKeyDown={(event) => {
            if (event.key !== 'Enter' || event.shiftKey || event.isComposing) {
              return;
            }
            event.preventDefault();
            send();
          }}
        />
        <button
          type="submit"
          class="send"
          aria-label={strings.send}
          disabled={!canSend}
        >
          <SendIcon />
        </button>
      </div>
      <p id="cw-limit" class={tooLong ? 'limit over' : 'limit'}>
        {tooLong
          ? strings.tooLong(length - max, max)
          : length >= max * COUNT_FROM
            ? strings.charactersLeft(max - length)
            : ''}
      </p>
    </form>
  );
}
