import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Patch,
  Query,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminAuthGuard, RequireRole } from '../auth/admin-auth';
import { ApiErrorResponses } from '../common/api-error.responses';
import {
  ListSessionsQuery,
  SessionListView,
  UpdateSessionDto,
} from '../sessions/dto/session-admin.dto';
import { SessionIdParams } from '../sessions/dto/session-ref.dto';
import { AdminSessionView, SessionExport } from '../sessions/dto/session.view';
import {
  SessionAdminService,
  type SessionPage,
} from '../sessions/session-admin.service';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/admin/sessions')
export class AdminSessionsController {
  constructor(private readonly sessionAdmin: SessionAdminService) {}

  @Get()
  @ApiOperation({
    summary: 'Sessions, newest activity first, filtered and paginated',
  })
  @ApiOkResponse({ type: SessionListView })
  @ApiErrorResponses(400, 401)
  list(@Query() query: ListSessionsQuery): Promise<SessionPage> {
    return this.sessionAdmin.list(query);
  }

  @Get(':sessionId')
  @ApiOperation({ summary: 'One session with its summary' })
  @ApiOkResponse({ type: AdminSessionView })
  @ApiErrorResponses(400, 401, 404)
  detail(@Param() { sessionId }: SessionIdParams): Promise<AdminSessionView> {
    return this.sessionAdmin.detail(sessionId);
  }

  @Patch(':sessionId')
  @ApiOperation({
    summary: 'Change status, AI mode or assignment',
    description:
      'Same effects as the admin socket events: admins and the widget are told.',
  })
  @ApiOkResponse({ type: AdminSessionView })
  @ApiErrorResponses(400, 401, 404, 503)
  update(
    @Param() { sessionId }: SessionIdParams,
    @Body() patch: UpdateSessionDto,
  ): Promise<AdminSessionView> {
    return this.sessionAdmin.update(sessionId, patch);
  }

  @Delete(':sessionId')
  @RequireRole('admin')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary:
      'Erase the session and every message of it (privacy requests; admin role)',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiErrorResponses(400, 401, 403, 404)
  erase(@Param() { sessionId }: SessionIdParams): Promise<void> {
    return this.sessionAdmin.erase(sessionId);
  }

  @Get(':sessionId/export')
  @RequireRole('admin')
  @ApiOperation({
    summary: 'The session and all its messages as JSON (admin role)',
  })
  @ApiOkResponse({ type: SessionExport })
  @ApiErrorResponses(400, 401, 403, 404)
  export(@Param() { sessionId }: SessionIdParams): Promise<SessionExport> {
    return this.sessionAdmin.export(sessionId);
  }
}
