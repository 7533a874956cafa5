import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { ChatGateway } from './chat.gateway';
import { SessionAdminService } from './session-admin.service';
import {
  DEFAULT_RETENTION_SCHEDULE,
  RETENTION_SCHEDULE,
  SessionRetentionService,
} from './session-retention.service';
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
    { provide: RETENTION_SCHEDULE, useValue: DEFAULT_RETENTION_SCHEDULE },
    SessionRetentionService,
    SessionsRepository,
    WidgetConnections,
    ChatGateway,
  ],
  exports: [SessionsService, SessionAdminService],
})
export class SessionsModule {}
