import type { Clock } from '../../../platform/clock.ts';
import type { Config } from '../../../platform/config.ts';
import type { Database } from '../../../platform/db/database.ts';
import type { Logger } from '../../../platform/logger.ts';
import { createWhatsAppChannel } from '../cloud-api/channel.ts';
import { loadSecretBox } from '../secret-box.ts';
import { AppError } from '../../../platform/errors.ts';
import { addNumber, listNumbers, newVerifyToken, removeNumber } from './manage-numbers.ts';
import { testNumber } from './test-number.ts';

/** The flags `samvad numbers …` reads (declared in cli.ts's parseArgs). */
export const NUMBERS_CLI_OPTIONS = {
  'phone-number-id': { type: 'string' },
  'waba-id': { type: 'string' },
  'business-id': { type: 'string' },
  'display-phone-number': { type: 'string' },
  'access-token': { type: 'string' },
  'app-secret': { type: 'string' },
  'verify-token': { type: 'string' },
  'graph-base-url': { type: 'string' },
  throughput: { type: 'string' },
  default: { type: 'boolean' },
} as const;

export const NUMBERS_CLI_HELP = `  samvad numbers list [--workspace ID]
  samvad numbers add --phone-number-id ID --waba-id ID --display-phone-number NUM --access-token TOKEN
                     --app-secret SECRET [--verify-token T] [--business-id ID] [--graph-base-url URL]
                     [--throughput MPS] [--default] [--workspace ID]
                                   Connect a WhatsApp business number (secrets are stored encrypted)
  samvad numbers test NUMBER_ID [--workspace ID]
                                   Check the token, the number and the WABA's subscribed apps
  samvad numbers remove NUMBER_ID [--workspace ID]
`;

export class NumbersUsageError extends Error {}

type Values = Partial<Record<keyof typeof NUMBERS_CLI_OPTIONS, string | boolean | undefined>>;

/** `samvad numbers list|add|test|remove`. Output never contains a secret. */
export async function runNumbersCommand(
  deps: { database: Database; config: Config; clock: Clock; logger: Logger; workspaceId: string; out: (line: string) => void },
  sub: string | undefined,
  arg: string | undefined,
  values: Values,
): Promise<void> {
  const secrets = loadSecretBox({ secretKey: deps.config.secretKey, dataDir: deps.config.dataDir, singleProcess: deps.config.role === 'all' });
  const s = (k: keyof typeof NUMBERS_CLI_OPTIONS) => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (sub === 'list') {
    const rows = await listNumbers(deps.database, deps.workspaceId);
    for (const n of rows) {
      const flags = [n.isDefault ? 'default' : '', n.isSandbox ? 'sandbox' : '', n.dispatchPaused ? `PAUSED (${n.dispatchPauseReason ?? ''})` : ''].filter(Boolean).join(',');
      deps.out(`${n.id}  ${n.phoneNumberId.padEnd(16)}  ${n.displayPhoneNumber.padEnd(16)}  ${String(n.throughputMps).padStart(4)} mps  ${n.messagingLimitTier.padEnd(14)}  ${flags}  ${n.verifiedName ?? ''}`);
    }
    if (rows.length === 0) deps.out('No numbers connected yet (`samvad numbers add --help`).');
  } else if (sub === 'add') {
    const missing = (['phone-number-id', 'waba-id', 'display-phone-number', 'access-token', 'app-secret'] as const).filter((k) => !s(k));
    if (missing.length) throw new NumbersUsageError(`numbers add needs ${missing.map((m) => `--${m}`).join(', ')}`);
    const generatedVerifyToken = s('verify-token') ? undefined : newVerifyToken();
    const n = await addNumber(deps.database, deps.clock, secrets, deps.workspaceId, {
      phoneNumberId: s('phone-number-id')!,
      wabaId: s('waba-id')!,
      displayPhoneNumber: s('display-phone-number')!,
      accessToken: s('access-token')!,
      appSecret: s('app-secret')!,
      verifyToken: s('verify-token') ?? generatedVerifyToken!,
      ...(s('business-id') ? { businessId: s('business-id')! } : {}),
      ...(s('graph-base-url') ? { graphBaseUrl: s('graph-base-url')! } : {}),
      ...(s('throughput') ? { throughputMps: Number(s('throughput')) } : {}),
      ...(values.default ? { isDefault: true } : {}),
    });
    deps.out(`Connected number ${n.id} (${n.displayPhoneNumber}, phone number id ${n.phoneNumberId})${n.isDefault ? ' as the default' : ''}.`);
    deps.out(`Point Meta's webhook (callback URL) at ${deps.config.publicUrl}/webhooks/whatsapp with this number's verify token.`);
    // The operator must paste a generated token into Meta's dashboard: shown this once, never again.
    if (generatedVerifyToken) deps.out(`Verify token (shown once): ${generatedVerifyToken}`);
  } else if (sub === 'test') {
    if (!arg) throw new NumbersUsageError('numbers test needs the number id (see `samvad numbers list`)');
    const channel = createWhatsAppChannel({ clock: deps.clock, logger: deps.logger });
    try {
      const report = await testNumber(deps.database, deps.clock, secrets, channel, deps.workspaceId, arg);
      for (const c of report.checks) deps.out(`${c.result.toUpperCase().padEnd(7)}  ${c.name}: ${c.message}`);
      if (!report.ok) throw new AppError('bad_request', 'The number has problems (see FAILED above).');
      deps.out('The number works.');
    } finally {
      await channel.close();
    }
  } else if (sub === 'remove') {
    if (!arg) throw new NumbersUsageError('numbers remove needs the number id (see `samvad numbers list`)');
    const n = await removeNumber(deps.database, deps.clock, deps.workspaceId, arg);
    deps.out(`Removed number ${n.id} (${n.displayPhoneNumber}).`);
  } else {
    throw new NumbersUsageError('numbers takes list, add, test or remove');
  }
}
