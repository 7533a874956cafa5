import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { AppError, ErrorCode } from './errors';

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object]);

/**
 * The one validation path for socket payloads and HTTP bodies and queries: the payload must be an object,
 * unknown fields are refused, and the first problem is reported with the field it concerns. A missing
 * payload counts as an empty object, so an event sent without one gets the same field errors.
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
