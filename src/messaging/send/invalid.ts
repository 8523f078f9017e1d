import { AppError } from '../../platform/errors.ts';

/** A send refused before anything is stored: 400 with a message naming the field. */
export function invalid(field: string, message: string): never {
  throw new AppError('validation_failed', `${field} ${message}`, [{ field, message }]);
}

/** A business rule refusal with a fixed message (Interakt's exact strings). */
export function refuse(message: string, details?: unknown): never {
  throw new AppError('bad_request', message, details);
}
