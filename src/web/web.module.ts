import { Module } from '@nestjs/common';
import { WidgetSettingsController } from './widget-settings.controller';

/** What the served pages (widget, console, demo) need from the API besides the chat itself. */
@Module({
  controllers: [WidgetSettingsController],
})
export class WebModule {}
