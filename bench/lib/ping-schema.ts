/**
 * PingBody for the ceiling server. TEMPORARY local copy: switch to
 * `export { PingBody } from '../../src/public-api/ping.ts'` once that file exists, so the
 * ceiling always validates exactly what Samvad's ping route validates.
 */
import { Type } from '@sinclair/typebox';

export const PingBody = Type.Object({
  userId: Type.Optional(Type.String({ maxLength: 256 })),
  fullPhoneNumber: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{6,15}$' })),
  countryCode: Type.Optional(Type.String({ pattern: '^\\+?[0-9]{1,4}$' })),
  phoneNumber: Type.Optional(Type.String({ pattern: '^[0-9]{4,14}$' })),
  callbackData: Type.Optional(Type.String({ maxLength: 512 })),
  type: Type.Union([Type.Literal('Text'), Type.Literal('Template')]),
  data: Type.Object({ message: Type.String({ minLength: 1, maxLength: 4096 }) }),
});
