import {
  Body,
  Controller,
  Get,
  Param,
  Patch,
  Post,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { AdminAccountsService } from '../auth/admin-accounts.service';
import { AdminAuthGuard, CurrentAdmin, RequireRole } from '../auth/admin-auth';
import type { AdminActor } from '../auth/auth.service';
import { AgentView } from '../auth/dto/admin.view';
import {
  AgentIdParams,
  CreateAgentDto,
  UpdateAgentDto,
} from '../auth/dto/agent.dto';
import { ApiErrorResponses } from '../common/api-error.responses';

@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('api/admin/agents')
export class AdminAgentsController {
  constructor(private readonly accounts: AdminAccountsService) {}

  @Get()
  @ApiOperation({
    summary: 'Every agent and admin account, by name then email',
    description: 'Their ids are what assign-session and assignedAdminId take.',
  })
  @ApiOkResponse({ type: [AgentView] })
  @ApiErrorResponses(401)
  list(): Promise<AgentView[]> {
    return this.accounts.list();
  }

  @Post()
  @RequireRole('admin')
  @ApiOperation({
    summary: 'Create an account with a chosen password (admin role)',
  })
  @ApiCreatedResponse({ type: AgentView })
  @ApiErrorResponses(400, 401, 403, {
    status: 409,
    description: 'CONFLICT: an account with that email already exists',
    message: 'An account for ada@example.com already exists',
  })
  create(@Body() dto: CreateAgentDto): Promise<AgentView> {
    return this.accounts.createAgent(dto);
  }

  @Patch(':id')
  @RequireRole('admin')
  @ApiOperation({
    summary:
      'Rename, change the role of, disable or re-enable an account (admin role)',
    description:
      'Disabling signs the account out at once: its tokens stop working and its /admin sockets are closed.',
  })
  @ApiOkResponse({ type: AgentView })
  @ApiErrorResponses(400, 401, 403, 404, {
    status: 409,
    description:
      'CONFLICT: admins cannot demote or disable themselves, and one active admin must remain',
    message: 'You cannot disable your own account; ask another admin',
  })
  update(
    @CurrentAdmin() admin: AdminActor,
    @Param() { id }: AgentIdParams,
    @Body() patch: UpdateAgentDto,
  ): Promise<AgentView> {
    return this.accounts.update(admin, id, patch);
  }
}
