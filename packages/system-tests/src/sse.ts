export interface ServerSentEvent {
  event: string;
  data: unknown;
}

/** Opens an SSE stream and collects its events until the server ends it (or `close()`). */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const events: ServerSentEvent[] = [];
  const finished = (async () => {
    if (!response.ok || !response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: ?(.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((line) => line.startsWith('data:'))
            .map((line) => line.replace(/^data: ?/, ''))
            .join('\n');
          if (event || data) events.push({ event: event ?? 'message', data: data ? JSON.parse(data) : undefined });
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return { response, events, finished, close: () => controller.abort() };
}
