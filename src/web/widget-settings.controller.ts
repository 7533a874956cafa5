import { Controller, Get } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Settings } from '../config/settings';
import { WidgetSettingsView } from './dto/widget-settings.view';

@ApiTags('chat')
@Controller('api/chat')
export class WidgetSettingsController {
  constructor(private readonly config: ConfigService<Settings, true>) {}

  @Get('settings')
  @ApiOperation({
    summary: 'Settings a chat widget shows or checks before sending',
  })
  @ApiOkResponse({ type: WidgetSettingsView })
  settings(): WidgetSettingsView {
    return {
      messageMaxLength: this.config.get('messageMaxLength', { infer: true }),
      aiAvailable: this.config.get('aiApiKeys', { infer: true }).length > 0,
    };
  }
}
