import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNoContentResponse,
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

/** A token or an account must not be kept by a browser or a proxy cache. */
const NO_STORE = 'no-store';

@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly accounts: AdminAccountsService,
  ) {}

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @Header('Cache-Control', NO_STORE)
  @ApiOperation({
    summary:
      'Sign an agent in; failed attempts are rate-limited per IP and per email',
  })
  @ApiOkResponse({ type: LoginResult })
  @ApiErrorResponses(
    400,
    {
      status: 401,
      description:
        'UNAUTHORIZED: wrong email or password (or a disabled account)',
      message: 'Wrong email or password',
    },
    {
      status: 429,
      description:
        'RATE_LIMITED: too many failed logins from this address or for this email; see `details.retryAfterMs`',
      message: 'Too many failed logins; try again later',
      details: { retryAfterMs: 60000 },
    },
  )
  login(@Req() request: Request, @Body() dto: LoginDto): Promise<LoginResult> {
    return this.auth.login(dto, requestAddress(request));
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @UseGuards(AdminAuthGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary: 'Sign the agent out everywhere',
    description:
      'Every token of this agent issued so far stops working, on every device, and its /admin connections ' +
      'close. Signing in again gives a new token.',
  })
  @ApiNoContentResponse({ description: 'Signed out' })
  @ApiErrorResponses(401)
  logout(@CurrentAdmin() admin: AdminActor): Promise<void> {
    return this.auth.logout(admin);
  }

  @Get('me')
  @UseGuards(AdminAuthGuard)
  @Header('Cache-Control', NO_STORE)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The signed-in agent' })
  @ApiOkResponse({ type: AdminView })
  @ApiErrorResponses(401)
  async me(@CurrentAdmin() admin: AdminActor): Promise<AdminView> {
    return toAdminView((await this.accounts.findActive(admin.adminId))!);
  }
}
