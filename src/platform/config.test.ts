import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, ENV_VARS, loadConfig } from './config.ts';

describe('configuration', () => {
  it('has sensible defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ port: 3000, host: '127.0.0.1', role: 'all', publicUrl: 'http://localhost:3000', defaultRateLimitPerMinute: 6000, bodyLimitBytes: 32768, testClock: false });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('names each bad variable and what it accepts, all at once', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ PORT: 'abc', SAMVAD_ROLE: 'boss', DATABASE_URL: 'mysql://x', LOG_LEVEL: 'loud', SAMVAD_RETENTION_MEDIA_DAYS: '0' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.problems).toEqual([
      'PORT=abc: must be an integer from 0 to 65535',
      'DATABASE_URL=mysql://x: must be a URL starting with postgres:// or postgresql://',
      'SAMVAD_ROLE=boss: must be one of all, api, worker',
      'LOG_LEVEL=loud: must be one of fatal, error, warn, info, debug, trace, silent',
      'SAMVAD_RETENTION_MEDIA_DAYS=0: must be an integer from 1 to 36500',
    ]);
  });

  it('lets flags override the environment and names the flag when it is wrong', () => {
    expect(loadConfig({ PORT: '4000' }, { port: '5000' }).port).toBe(5000);
    expect(() => loadConfig({}, { port: '99999' })).toThrow(/--port=99999: must be an integer from 0 to 65535/);
  });

  it('refuses separate api/worker roles without a shared database', () => {
    expect(() => loadConfig({ SAMVAD_ROLE: 'worker' })).toThrow(/set DATABASE_URL/);
    expect(loadConfig({ SAMVAD_ROLE: 'worker', DATABASE_URL: 'postgres://localhost/x' }).role).toBe('worker');
  });

  it('never prints a database password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://user:hunter2@db/x' })).toThrow(/user:\*\*\*@/);
  });

  it('documents every variable in .env.example', () => {
    const example = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    for (const name of Object.keys(ENV_VARS)) expect(example).toContain(`# ${name}=`);
  });
});
