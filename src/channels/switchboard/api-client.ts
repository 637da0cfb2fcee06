import { ChannelError } from '../../core/errors.ts';
import type { DialRequest, DialResult, Dialer } from '../../core/telephony.ts';
import type { AmiClient } from './ami-client.ts';
import { AmiActionError } from './ami-client.ts';
import type { AmiTranslator } from './ami-events.ts';

/**
 * Click-to-call through AMI: `Originate` rings the operator's extension first and, once they pick
 * up, dials the citizen from the hotline's context, so the trunk shows the official number. Async,
 * so the action's answer comes at once and the progress arrives as events.
 */
export function createAmiDialer(deps: { client: AmiClient; translator: AmiTranslator; channelTemplate: string; context: string; callerId?: string }): Dialer {
  return {
    async dial(request: DialRequest): Promise<DialResult> {
      deps.translator.expectDial(request.extension, request.number);
      const callerId = request.callerId ?? deps.callerId;
      try {
        const response = await deps.client.action([
          ['Action', 'Originate'],
          ['Channel', deps.channelTemplate.replace('{extension}', request.extension)],
          ['Context', deps.context],
          ['Exten', request.number],
          ['Priority', '1'],
          ['Timeout', '30000'],
          ...(callerId ? ([['CallerID', `"${callerId}" <${callerId.replace(/\D/g, '')}>`]] as Array<[string, string]>) : []),
          ['Async', 'true'],
          ['Variable', 'GATEWAY_CLICK_TO_CALL=1'],
        ]);
        return { reference: response.ActionID ?? null };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        // Not connected or no answer: worth another click; an Error response (no such channel,
        // permission denied) is not.
        throw new ChannelError('switchboard', error instanceof AmiActionError && error.response ? 'invalid' : 'network', `Originate failed: ${message}`, !(error instanceof AmiActionError && error.response));
      }
    },
  };
}

/** Click-to-call through a cloud call centre's HTTP API: POST `{extension, number, callerId}`. */
export function createHttpDialer(deps: { url: string; token?: string; callerId?: string; timeoutMs?: number }): Dialer {
  return {
    async dial(request: DialRequest): Promise<DialResult> {
      let response: Response;
      try {
        response = await fetch(deps.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(deps.token ? { authorization: `Bearer ${deps.token}` } : {}) },
          body: JSON.stringify({ extension: request.extension, number: request.number, callerId: request.callerId ?? deps.callerId ?? null }),
          signal: AbortSignal.timeout(deps.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new ChannelError('switchboard', 'network', `the call centre did not answer: ${(error as Error).message}`, true);
      }
      if (!response.ok) {
        const kind = response.status === 401 || response.status === 403 ? 'auth_failed' : response.status === 429 ? 'rate_limited' : response.status >= 500 ? 'network' : 'invalid';
        throw new ChannelError('switchboard', kind, `the call centre refused the call (${response.status})`, response.status >= 500 || response.status === 429, response.status);
      }
      const body = (await response.json().catch(() => ({}))) as { id?: unknown; callId?: unknown };
      const reference = body.callId ?? body.id;
      return { reference: reference === undefined || reference === null ? null : String(reference) };
    },
  };
}
