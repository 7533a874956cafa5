import { Global, Module } from '@nestjs/common';
import { ChatEventsPublisher } from './chat-events.publisher';
import { PresenceService } from './presence.service';

@Global()
@Module({
  providers: [ChatEventsPublisher, PresenceService],
  exports: [ChatEventsPublisher, PresenceService],
})
export class RealtimeModule {}
