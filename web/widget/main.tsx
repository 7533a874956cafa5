import { VisitorChat } from '../client';

export const placeholder = VisitorChat;
