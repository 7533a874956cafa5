import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { AppError, ErrorCode } from './errors';

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object]);
/** In `u` mode a surrogate range matches only surrogates that are not part of a pair. */
const INVALID_TEXT = /[\0\ud800-\udfff]/u;
/** Far deeper than any payload of the contract nests. */
const MAX_DEPTH = 32;

/**
 * The one validation path for socket payloads and HTTP bodies and queries: the payload must be an object
 * of valid text that does not nest absurdly deep, unknown fields are refused, and the first problem is
 * reported with the field it concerns. A missing payload counts as an empty object, so an event sent
 * without one gets the same field errors.
 */
export function validateDto<T extends object>(
  type: ClassConstructor<T>,
  payload: unknown = {},
): T {
  if (
    payload === null ||
    typeof payload !== 'object' ||
    Array.isArray(payload)
  ) {
    throw new AppError(
      ErrorCode.VALIDATION_FAILED,
      'The payload must be a JSON object',
    );
  }
  const unfit = unfitField(payload);
  if (unfit !== undefined) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, unfit.message, {
      fields: [unfit],
    });
  }
  const instance = plainToInstance(type, payload);
  const errors = validateSync(instance, {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    stopAtFirstError: true,
  });
  if (errors.length > 0) {
    const fields = flatten(errors);
    throw new AppError(
      ErrorCode.VALIDATION_FAILED,
      fields[0]?.message ?? 'Invalid payload',
      {
        fields,
      },
    );
  }
  return instance;
}

/**
 * Problems the class validators cannot report because they break on them first. PostgreSQL text cannot
 * hold U+0000 and an unpaired surrogate has no UTF-8 form (validator.js even throws on one); thousands of
 * nested arrays exhaust class-transformer's stack.
 */
function unfitField(
  value: unknown,
  field = '',
  depth = 0,
): { field: string; message: string } | undefined {
  if (typeof value === 'string') {
    return INVALID_TEXT.test(value)
      ? {
          field,
          message: `${field} must be valid text: no NUL characters or unpaired surrogates`,
        }
      : undefined;
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth === MAX_DEPTH) {
    return { field, message: `${field} is nested too deeply` };
  }
  for (const [key, item] of Object.entries(value)) {
    const found = unfitField(item, field ? `${field}.${key}` : key, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}

function flatten(
  errors: ValidationError[],
  prefix = '',
): { field: string; message: string }[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({
      field,
      message,
    }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** Applies `validateDto` to every DTO-typed argument, on HTTP routes and socket handlers alike. */
@Injectable()
export class DtoValidationPipe implements PipeTransform {
  transform(value: unknown, { metatype, type }: ArgumentMetadata): unknown {
    if (type === 'custom' || !metatype || PRIMITIVES.has(metatype))
      return value;
    return validateDto(metatype as ClassConstructor<object>, value);
  }
}
