import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, Matches } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MESSAGE_ID = /^[1-9]\d{0,18}$/;
const CLIENT_MESSAGE_ID = /^[\x20-\x7e]{1,100}$/;

const lowerCase = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.toLowerCase() : value;

const integerToString = ({ value }: { value: unknown }) =>
  typeof value === 'number' && Number.isSafeInteger(value)
    ? String(value)
    : value;

/** A session id: a UUID in any case (stored lower-case), never the nil UUID. */
export const IsSessionId = () =>
  applyDecorators(
    Transform(lowerCase),
    Matches(UUID, { message: '$property must be a UUID' }),
    Matches(new RegExp(`^(?!${NIL_UUID}$)`), {
      message: '$property must not be the nil UUID',
    }),
  );

/** A message id used as a cursor: a positive integer, as a string (numbers are accepted too). */
export const IsMessageId = () =>
  applyDecorators(
    Transform(integerToString),
    Matches(MESSAGE_ID, { message: '$property must be a message id' }),
  );

export const IsClientMessageId = () =>
  applyDecorators(
    IsOptional(),
    Matches(CLIENT_MESSAGE_ID, {
      message: '$property must be 1 to 100 printable ASCII characters',
    }),
  );
