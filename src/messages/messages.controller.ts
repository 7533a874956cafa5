import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrorResponses } from '../common/api-error.responses';
import { AppError, ErrorCode } from '../common/errors';
import { SessionIdParams } from '../sessions/dto/session-ref.dto';
import { MessagePageView, MessageView } from './dto/message.view';
import { MessagePageQuery } from './dto/message-page.dto';
import { PostMessageDto } from './dto/send-message.dto';
import { MessagesService, type MessagePageResult } from './messages.service';

@ApiTags('chat')
@Controller('chat')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Post('message')
  @ApiOperation({
    summary: 'Send a message to a session',
    description:
      'Same validation, idempotency and fan-out as the socket events: the message reaches every live socket of the session.',
  })
  @ApiCreatedResponse({ type: MessageView })
  @ApiErrorResponses(400, 401, 403, 404, 409, 413, 429, 503)
  send(@Body() dto: PostMessageDto): Promise<MessageView> {
    if (dto.sender === 'admin') {
      throw new AppError(
        ErrorCode.UNAUTHORIZED,
        'Admin messages need an admin bearer token',
      );
    }
    const { sender: _sender, ...message } = dto;
    return this.messages.send({ kind: 'visitor' }, message);
  }

  @Get('messages/:sessionId')
  @ApiOperation({ summary: "A page of a session's messages, oldest first" })
  @ApiOkResponse({ type: MessagePageView })
  @ApiErrorResponses(400, 404, 429, 503)
  page(
    @Param() params: SessionIdParams,
    @Query() query: MessagePageQuery,
  ): Promise<MessagePageResult> {
    return this.messages.page({ kind: 'visitor' }, params.sessionId, query);
  }
}
