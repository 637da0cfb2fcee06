import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCapped, type FetchCappedFailure } from '../../../src/channels/shared/fetch-capped.ts';

class Refused extends Error {
  constructor(readonly failure: FetchCappedFailure) {
    super(failure.detail);
  }
}

describe('fetchCapped: a platform file, whole and within its limit', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/small.png') return void response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(10, 1));
      if (request.url === '/declared-big') return void response.writeHead(200, { 'content-length': '100' }).end(Buffer.alloc(100));
      // No length declared: only what comes tells it is too big.
      if (request.url === '/chunked-big') {
        response.writeHead(200, { 'content-type': 'application/pdf' });
        response.write(Buffer.alloc(30));
        return void response.end(Buffer.alloc(30));
      }
      if (request.url === '/busy') return void response.writeHead(503).end();
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (path: string) => fetchCapped(`${base}${path}`, 50, AbortSignal.timeout(5000), (failure) => new Refused(failure));
  const refusal = async (path: string) => {
    const error = await get(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Refused);
    return (error as Refused).failure;
  };

  it('returns the bytes and their type', async () => {
    const { data, contentType } = await get('/small.png');
    expect(data).toEqual(Buffer.alloc(10, 1));
    expect(contentType).toBe('image/png');
  });

  it('refuses a file over the limit, by its declared length or by what came, for good', async () => {
    expect(await refusal('/declared-big')).toEqual({ detail: '> 50 bytes', retryable: false });
    expect(await refusal('/chunked-big')).toEqual({ detail: '> 50 bytes', retryable: false });
  });

  it('may try again after a busy server or a broken connection, not after a 404', async () => {
    expect(await refusal('/busy')).toEqual({ detail: 'HTTP 503', retryable: true });
    expect(await refusal('/gone')).toEqual({ detail: 'HTTP 404', retryable: false });
    const closed = await fetchCapped('http://127.0.0.1:1/x', 50, AbortSignal.timeout(5000), (failure) => new Refused(failure)).catch((e: unknown) => e);
    expect((closed as Refused).failure.retryable).toBe(true);
  });
});
