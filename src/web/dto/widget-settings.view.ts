import { ApiProperty } from '@nestjs/swagger';

/** What a widget needs to know before the visitor types: checked in the page, enforced by the server. */
export class WidgetSettingsView {
  @ApiProperty({
    example: 4000,
    description:
      'Longest message in Unicode code points after trimming (MESSAGE_MAX_LENGTH)',
  })
  messageMaxLength: number;

  @ApiProperty({
    description: 'Whether an AI assistant is configured (an AI key is set)',
  })
  aiAvailable: boolean;
}
