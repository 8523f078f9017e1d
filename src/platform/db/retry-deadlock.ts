/**
 * Runs `attempt` again when PostgreSQL chose its transaction as a deadlock victim (40P01) or a
 * serialization failure (40001) aborted it, up to `tries` times. Only for work that is safe to
 * repeat as a whole (the transaction rolled back; nothing of it stayed). SQLite serialises
 * writers and never raises these.
 */
export async function retryOnDeadlock<T>(attempt: () => Promise<T>, tries = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (i >= tries || (code !== '40P01' && code !== '40001')) throw err;
      await new Promise((r) => setTimeout(r, 10 * i + Math.floor(Math.random() * 20)));
    }
  }
}
