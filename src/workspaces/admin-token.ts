import type { Database } from '../platform/db/database.ts';
import { constantTimeEqualHex, hashSecret } from './api-keys.ts';

/**
 * The operator's token for /api/v1/admin (`Authorization: Bearer <token>`). SAMVAD_ADMIN_TOKEN
 * wins when set; otherwise the hash of the token generated at first start is used.
 */
export class AdminTokenChecker {
  private storedHash: string | undefined;
  constructor(
    private readonly database: Database,
    private readonly fromEnv: string | undefined,
  ) {}

  async check(header: string | undefined): Promise<boolean> {
    const m = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!m) return false;
    const presented = hashSecret(m[1]!);
    if (this.fromEnv !== undefined) return constantTimeEqualHex(presented, hashSecret(this.fromEnv));
    this.storedHash ??= (
      await this.database.db.selectFrom('instance_settings').select('value').where('key', '=', 'admin_token_hash').executeTakeFirst()
    )?.value;
    return this.storedHash !== undefined && constantTimeEqualHex(presented, this.storedHash);
  }
}
