import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { SessionsModule } from '../sessions/sessions.module';
import { AdminGateway } from './admin.gateway';
import { AdminAgentsController } from './admin-agents.controller';
import { AdminSessionsController } from './admin-sessions.controller';

/** The admin panel's transports: the `/admin` socket and the admin REST routes. */
@Module({
  imports: [AuthModule, SessionsModule, MessagesModule],
  controllers: [AdminSessionsController, AdminAgentsController],
  providers: [AdminGateway],
})
export class AdminModule {}
