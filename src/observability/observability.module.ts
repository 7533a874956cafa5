import { Global, Module } from '@nestjs/common';
import { HttpObserver } from './http-observer';
import { SocketObserver } from './socket-observer';

/** Request contexts for the logs: the HTTP middleware and the Socket.IO middleware that set them. */
@Global()
@Module({
  providers: [HttpObserver, SocketObserver],
  exports: [HttpObserver, SocketObserver],
})
export class ObservabilityModule {}
