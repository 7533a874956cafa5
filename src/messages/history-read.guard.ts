import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
} from '@nestjs/common';
import type { Request } from 'express';
import type { Socket } from 'socket.io';
import { socketAdminId } from '../admin/admin-socket';
import { ClientAddresses } from '../common/client-address';
import { HistoryReadBudget } from './history-read-budget';

/**
 * Spends one history read before the page is read: `GET /api/chat/messages/:sessionId` and the widget's
 * `sync` from the caller's address, the admin socket's `get-messages` from the agent's account.
 */
@Injectable()
export class HistoryReadGuard implements CanActivate {
  constructor(
    private readonly budget: HistoryReadBudget,
    private readonly addresses: ClientAddresses,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() === 'http') {
      this.budget.takeVisitorRead(
        this.addresses.of(context.switchToHttp().getRequest<Request>()),
      );
      return true;
    }
    const socket = context.switchToWs().getClient<Socket>();
    const adminId = socketAdminId(socket);
    if (adminId !== undefined) this.budget.takeAgentRead(adminId);
    else this.budget.takeVisitorRead(this.addresses.ofSocket(socket));
    return true;
  }
}
