import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsOptional, Matches, ValidateBy, ValidateIf } from 'class-validator';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NIL_UUID = '00000000-0000-0000-0000-000000000000';
const MESSAGE_ID = /^[1-9]\d{0,18}$/;
/** Message ids are PostgreSQL bigints: a larger cursor would fail in the query instead of here. */
const MAX_MESSAGE_ID = 2n ** 63n - 1n;
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
    ValidateBy(
      {
        name: 'isMessageId',
        validator: {
          validate: (value: unknown) =>
            typeof value === 'string' &&
            MESSAGE_ID.test(value) &&
            BigInt(value) <= MAX_MESSAGE_ID,
        },
      },
      { message: '$property must be a message id' },
    ),
  );

export const IsClientMessageId = () =>
  applyDecorators(
    IsOptional(),
    Matches(CLIENT_MESSAGE_ID, {
      message: '$property must be 1 to 100 printable ASCII characters',
    }),
  );

/**
 * An optional field for which null means the same as leaving it out (a client passing back a
 * `nextCursor` of null, say), so that services only ever see a value or undefined.
 */
export const NullMeansAbsent = () =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) => value ?? undefined),
    IsOptional(),
  );

/** A patch field: left out, it is left alone; sent, even as null, it must be valid. */
export const IfPresent = () =>
  ValidateIf((_: unknown, value: unknown) => value !== undefined);
