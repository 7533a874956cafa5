import type { TestingModuleBuilder } from '@nestjs/testing';
import { AI_RETRY_POLICY } from '../../src/ai/ai-provider.client';

/** The AI client's retries after milliseconds instead of seconds, for tests that watch a reply fail over. */
export const fastAiRetries = (builder: TestingModuleBuilder) =>
  builder
    .overrideProvider(AI_RETRY_POLICY)
    .useValue({ baseDelayMs: 5, maxDelayMs: 20 });
