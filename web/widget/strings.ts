import type { Sender } from '../../src/messages/dto/message.view';

/** Every string a visitor sees, in one place, so the widget can be translated by replacing this object. */
export const strings = {
  defaultTitle: 'Chat',
  defaultGreeting: 'Hi! How can we help?',

  openChat: 'Open chat',
  openChatUnread: (count: number) =>
    count === 1
      ? 'Open chat, 1 unread message'
      : `Open chat, ${count} unread messages`,
  closeChat: 'Close chat',

  subtitleAssistant: 'Our assistant answers right away',
  subtitlePerson: 'The team will answer here',
  talkToPerson: 'Talk to a person',
  handoffRequested:
    'Thanks! We have asked a person to join. They will answer here, and you can keep writing.',
  handoffFailed: 'We could not reach the team just now. Please try again.',

  conversation: 'Conversation',
  showEarlier: 'Show earlier messages',
  loadingEarlier: 'Loading…',
  earlierFailed: 'Earlier messages could not be loaded. Try again.',

  senders: {
    user: 'You',
    admin: 'Agent',
    ai: 'Assistant',
    system: 'Notice',
  } satisfies Record<Sender, string>,
  sending: 'Sending…',
  seen: 'Seen',
  notSent: 'Not sent.',
  retry: 'Retry',
  remove: 'Remove',
  rateLimited: (seconds: number) =>
    `You are sending messages too quickly. Wait ${seconds} ${seconds === 1 ? 'second' : 'seconds'}, then retry.`,
  unavailable: 'The chat is briefly unavailable. Try again in a moment.',
  timedOut: 'No answer from the chat. Check your connection and retry.',
  failedOther: 'Something went wrong. Try again.',

  assistantTyping: 'Assistant is typing…',
  agentTyping: 'An agent is typing…',
  resolved: 'This conversation was marked as resolved. Write to reopen it.',
  reopened: 'This conversation was reopened.',

  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',

  messageLabel: 'Message',
  placeholder: 'Write a message…',
  send: 'Send',
  tooLong: (over: number, max: number) =>
    `Too long by ${over} ${over === 1 ? 'character' : 'characters'}. The limit is ${max}.`,
  charactersLeft: (left: number) =>
    `${left} ${left === 1 ? 'character' : 'characters'} left`,
};
