import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { HistoryReadBudget } from './history-read-budget';
import { HistoryReadGuard } from './history-read.guard';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';

@Module({
  imports: [AuthModule],
  controllers: [MessagesController],
  providers: [
    MessagesService,
    MessagesRepository,
    HistoryReadBudget,
    HistoryReadGuard,
  ],
  exports: [MessagesService, HistoryReadBudget, HistoryReadGuard],
})
export class MessagesModule {}
