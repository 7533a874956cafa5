import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Request } from 'express';
import { requestAddress } from '../common/client-address';
import { ApiErrorResponses } from '../common/api-error.responses';
import { AdminAuthGuard, CurrentAdmin } from './admin-auth';
import { AdminAccountsService } from './admin-accounts.service';
import { type AdminActor, AuthService } from './auth.service';
import { AdminView, LoginResult, toAdminView } from './dto/admin.view';
import { LoginDto } from './dto/login.dto';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AdminAccountsService,
  ) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary:
      'Sign an agent in; failed attempts are rate-limited per IP and per email',
  })
  @ApiOkResponse({ type: LoginResult })
  @ApiErrorResponses(400, 401, 429)
  login(@Req() request: Request, @Body() dto: LoginDto): Promise<LoginResult> {
    return this.auth.login(dto, requestAddress(request));
  }

  @Get('me')
  @UseGuards(AdminAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in agent' })
  @ApiOkResponse({ type: AdminView })
  @ApiErrorResponses(401)
  async me(@CurrentAdmin() admin: AdminActor): Promise<AdminView> {
    return toAdminView((await this.accounts.findActive(admin.adminId))!);
  }
}
