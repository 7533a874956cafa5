import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { MessagesModule } from '../messages/messages.module';
import { SessionsModule } from '../sessions/sessions.module';
import {
  AI_RETRY_POLICY,
  AiProviderClient,
  DEFAULT_AI_RETRY_POLICY,
} from './ai-provider.client';
import { AiBudget } from './ai-budget';
import { AiService } from './ai.service';

@Module({
  imports: [HttpModule, MessagesModule, SessionsModule],
  providers: [
    { provide: AI_RETRY_POLICY, useValue: DEFAULT_AI_RETRY_POLICY },
    AiProviderClient,
    AiBudget,
    AiService,
  ],
  exports: [AiService, AiProviderClient],
})
export class AiModule {}
