import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { ChatGateway } from './chat.gateway';
import { SessionAdminService } from './session-admin.service';
import { SessionsController } from './sessions.controller';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { WidgetConnections } from './widget-connections';

@Module({
  imports: [MessagesModule],
  controllers: [SessionsController],
  providers: [
    SessionsService,
    SessionAdminService,
    SessionsRepository,
    WidgetConnections,
    ChatGateway,
  ],
  exports: [SessionsService, SessionAdminService],
})
export class SessionsModule {}
