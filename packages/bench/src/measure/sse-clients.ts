import http from 'node:http';

export interface OpenStreams {
  opened: number;
  failed: number;
  close(): void;
}

/** Opens one SSE stream and resolves once the server answered 200 with its headers (the stream then stays open). */
function openStream(url: string, agent: http.Agent, streams: http.ClientRequest[]): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(url, { agent, headers: { accept: 'text/event-stream' } }, (response) => {
      response.resume();
      resolve(response.statusCode === 200);
    });
    request.setTimeout(30_000, () => request.destroy());
    request.on('error', () => resolve(false));
    streams.push(request);
  });
}

/**
 * Opens `count` Server-Sent Event streams to `url`, `wave` at a time, within `timeoutMs`. Every stream holds its own
 * socket, so the process needs `count` file descriptors (see `ulimit -n`).
 */
export async function openStreams(url: string, count: number, options: { wave: number; timeoutMs: number }): Promise<OpenStreams> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const streams: http.ClientRequest[] = [];
  const started = Date.now();
  let opened = 0;
  let failed = 0;
  while (opened + failed < count && Date.now() - started < options.timeoutMs) {
    const size = Math.min(options.wave, count - opened - failed);
    const results = await Promise.all(Array.from({ length: size }, () => openStream(url, agent, streams)));
    opened += results.filter(Boolean).length;
    failed += results.filter((ok) => !ok).length;
  }
  return {
    opened,
    failed,
    close() {
      for (const stream of streams) stream.destroy();
      agent.destroy();
    },
  };
}
