import {
  Body,
  Controller,
  Get,
  Header,
  Headers,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { bearerToken } from '../auth/admin-auth';
import { AuthService } from '../auth/auth.service';
import { ApiErrorResponses } from '../common/api-error.responses';
import { HttpWriteRateLimitGuard } from '../common/rate-limits';
import { HistoryReadGuard } from './history-read.guard';
import { SessionIdParams } from '../sessions/dto/session-ref.dto';
import { MessagePageView, MessageView } from './dto/message.view';
import { MessagePageQuery } from './dto/message-page.dto';
import { PostMessageDto } from './dto/send-message.dto';
import { MessagesService, type MessagePageResult } from './messages.service';

@ApiTags('chat')
@Controller('api/chat')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly auth: AuthService,
  ) {}

  @Post('message')
  @UseGuards(HttpWriteRateLimitGuard)
  @ApiOperation({
    summary: 'Send a message to a session',
    description:
      'Same validation, idempotency and fan-out as the socket events: the message reaches every live socket of the session. ' +
      "A visitor's message to a session that already holds SESSION_MAX_MESSAGES messages is refused with 409 CONFLICT " +
      '(`details.maxMessages`): the visitor starts a new conversation.',
  })
  @ApiBearerAuth()
  @ApiCreatedResponse({ type: MessageView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 413, 429, 503)
  async send(
    @Headers('authorization') authorization: string | undefined,
    @Body() { sender, ...message }: PostMessageDto,
  ): Promise<MessageView> {
    const actor = await this.auth.actorForSender(
      sender,
      bearerToken(authorization),
    );
    return this.messages.send(actor, message);
  }

  @Get('messages/:sessionId')
  @UseGuards(HistoryReadGuard)
  // A conversation is private: no browser or proxy cache may keep a copy of it.
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: "A page of a session's messages, oldest first",
    description:
      'Reads are limited per client address (HISTORY_READS_PER_MINUTE_PER_IP, shared with the widget ' +
      "socket's `sync`); over the limit the answer is 429 RATE_LIMITED with `details.retryAfterMs` and a " +
      '`Retry-After` header. Answers are marked `Cache-Control: no-store`.',
  })
  @ApiOkResponse({
    type: MessagePageView,
    headers: {
      'Cache-Control': { description: 'no-store', schema: { type: 'string' } },
    },
  })
  @ApiErrorResponses(400, 404, 429, 503)
  page(
    @Param() params: SessionIdParams,
    @Query() query: MessagePageQuery,
  ): Promise<MessagePageResult> {
    return this.messages.page({ kind: 'visitor' }, params.sessionId, query);
  }
}
