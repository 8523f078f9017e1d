import { util, type Dispatcher } from 'undici';

export interface PostJsonRequest {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
}

export type Headers = Record<string, string | string[] | undefined>;

/** What came back: a whole answer, or a failure, with how far the exchange got. */
export type PostJsonResult =
  | { kind: 'answer'; statusCode: number; headers: Headers; text: string }
  | {
      kind: 'failed';
      error: Error;
      /** The request body was handed to the socket: the other side may act on it. */
      bodyWritten: boolean;
      /** Set when the status line and headers arrived before the failure (the body did not). */
      answer?: { statusCode: number; headers: Headers };
    };

/**
 * One POST of a ready body through undici's `dispatch` with a small handler, for the send path
 * (one call per outbound message). `request()` gives no sign of whether the body left, so the send
 * used to stream its body through an async generator to learn it, which cost a Readable and a
 * generator per message; the handler's `onRequestSent` says it directly, and the answer is
 * collected as chunks instead of through a body stream.
 */
export function postJson(dispatcher: Dispatcher, request: PostJsonRequest): Promise<PostJsonResult> {
  return new Promise((resolve) => {
    let bodyWritten = false;
    let answer: { statusCode: number; headers: Headers } | undefined;
    const chunks: Buffer[] = [];
    const handler: Dispatcher.DispatchHandler & { onRequestSent(): void } = {
      onConnect() {},
      onRequestSent() {
        bodyWritten = true;
      },
      onHeaders(statusCode, rawHeaders) {
        answer = { statusCode, headers: util.parseHeaders(rawHeaders) as Headers };
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        const a = answer!;
        resolve({ kind: 'answer', statusCode: a.statusCode, headers: a.headers, text: Buffer.concat(chunks).toString('utf8') });
      },
      onError(error) {
        resolve({ kind: 'failed', error, bodyWritten: bodyWritten || answer !== undefined, ...(answer ? { answer } : {}) });
      },
    };
    try {
      dispatcher.dispatch({ origin: request.origin, path: request.path, method: 'POST', headers: request.headers, body: request.body }, handler);
    } catch (error) {
      resolve({ kind: 'failed', error: error as Error, bodyWritten: false });
    }
  });
}
