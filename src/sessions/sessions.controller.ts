import { Body, Controller, Post, Req, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { requestAddress } from '../common/client-address';
import { ApiErrorResponses } from '../common/api-error.responses';
import { HttpWriteRateLimitGuard } from '../common/rate-limits';
import { CreateSessionDto } from './dto/open-session.dto';
import { CreatedSessionView } from './dto/session.view';
import { SessionsService } from './sessions.service';

@ApiTags('chat')
@Controller('api/chat')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Post('session')
  @UseGuards(HttpWriteRateLimitGuard)
  @ApiOperation({
    summary: 'Start a new chat session',
    description:
      "The returned sessionId is the visitor's credential: keep it private and pass it to init_session.",
  })
  @ApiCreatedResponse({ type: CreatedSessionView })
  @ApiErrorResponses(400, 413, 429, 503)
  create(
    @Req() request: Request,
    @Body() dto: CreateSessionDto,
  ): Promise<CreatedSessionView> {
    return this.sessions.create(
      {
        ipAddress: requestAddress(request),
        userAgent: request.headers['user-agent'] || undefined,
      },
      dto,
    );
  }
}
