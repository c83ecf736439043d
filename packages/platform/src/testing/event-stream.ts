import { request, type ClientRequest, type IncomingMessage } from 'node:http';

export interface PageEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * A waiting web page: opens the request's event stream and collects its events until the server ends it.
 * `opened` resolves with the response once the headers are in, so a test knows the page is registered.
 */
export function openPage(url: string) {
  const events: PageEvent[] = [];
  let comments = 0;
  let client: ClientRequest;
  let response: IncomingMessage | undefined;
  const ended = new Promise<void>((resolveEnded) => {
    client = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
      response = res;
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          if (block.startsWith(':')) comments++;
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
        }
      });
      res.on('end', () => resolveEnded());
      res.on('close', () => resolveEnded());
    });
    client.on('error', () => resolveEnded());
    client.end();
  });
  const opened = new Promise<IncomingMessage>((resolve, reject) => {
    client.once('response', resolve);
    client.once('error', reject);
  });
  return {
    events,
    opened,
    ended,
    get comments() {
      return comments;
    },
    get status() {
      return response?.statusCode;
    },
    /** The customer closes the tab. */
    close: () => client.destroy(),
  };
}
