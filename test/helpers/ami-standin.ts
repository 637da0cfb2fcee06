import { createServer, type Server, type Socket } from 'node:net';

export type AmiFields = Record<string, string>;

/**
 * An Asterisk stand-in speaking the Manager Interface over TCP as Asterisk 18 does: the banner,
 * Login checked against one user, Ping, Logoff, Originate (Async: "queued" at once, then an
 * OriginateResponse event), and events the test pushes to every logged-in connection. It keeps
 * every action it received, and can drop its connections to test reconnection.
 */
export async function startAmiStandin(options: { username: string; secret: string }) {
  const sockets = new Set<Socket>();
  const loggedIn = new Set<Socket>();
  const actions: AmiFields[] = [];
  let logins = 0;
  const format = (fields: Record<string, string | undefined>) => `${Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.setEncoding('utf8');
    socket.write('Asterisk Call Manager/5.0.6\r\n');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\r\n\r\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 4);
        const fields: AmiFields = {};
        for (const line of block.split('\r\n')) {
          const colon = line.indexOf(':');
          if (colon > 0) fields[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        }
        handle(socket, fields);
      }
    });
    socket.on('close', () => {
      sockets.delete(socket);
      loggedIn.delete(socket);
    });
    socket.on('error', () => {});
  });

  function handle(socket: Socket, fields: AmiFields) {
    actions.push(fields);
    const id: AmiFields = fields.ActionID ? { ActionID: fields.ActionID } : {};
    switch (fields.Action?.toLowerCase()) {
      case 'login':
        if (fields.Username === options.username && fields.Secret === options.secret) {
          loggedIn.add(socket);
          logins++;
          socket.write(format({ Response: 'Success', ...id, Message: 'Authentication accepted' }));
          socket.write(format({ Event: 'FullyBooted', Privilege: 'system,all', Uptime: '12', LastReload: '12', Status: 'Fully Booted' }));
        } else {
          socket.write(format({ Response: 'Error', ...id, Message: 'Authentication failed' }));
          socket.end();
        }
        return;
      case 'ping':
        socket.write(format({ Response: 'Success', ...id, Ping: 'Pong', Timestamp: String(Date.now() / 1000) }));
        return;
      case 'logoff':
        socket.write(format({ Response: 'Goodbye', ...id, Message: 'Thanks for all the fish.' }));
        socket.end();
        return;
      case 'originate':
        if (!loggedIn.has(socket)) return void socket.write(format({ Response: 'Error', ...id, Message: 'Permission denied' }));
        socket.write(format({ Response: 'Success', ...id, Message: 'Originate successfully queued' }));
        socket.write(format({ Event: 'OriginateResponse', Privilege: 'call,all', ...id, Response: 'Success', Channel: fields.Channel ?? '', Context: fields.Context ?? '', Exten: fields.Exten ?? '', Reason: '4', Uniqueid: '1765090000.900' }));
        return;
      default:
        socket.write(format({ Response: 'Error', ...id, Message: 'Invalid/unknown command' }));
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;

  return {
    port,
    actions,
    get logins() {
      return logins;
    },
    get connected() {
      return loggedIn.size;
    },
    /** Sends one event to every logged-in connection, as Asterisk would. */
    emit(event: AmiFields) {
      for (const socket of loggedIn) socket.write(format({ Privilege: 'call,all', ...event }));
    },
    /** Cuts every connection (a PBX restart, a network drop). */
    dropAll() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type AmiStandin = Awaited<ReturnType<typeof startAmiStandin>>;

/**
 * The events Asterisk 18 sends for one queue call answered at an extension, in their order:
 * the caller's channel, the queue, the ring at the operator, the answer, the hang-ups.
 */
export function queueCallEvents(call: { linkedId: string; number: string; extension: string; queue?: string; t0: number; answerAfter: number; talk: number }) {
  const { linkedId, number, extension } = call;
  const queue = call.queue ?? '1022';
  const ts = (offset: number) => ((call.t0 + offset * 1000) / 1000).toFixed(6);
  const agentUid = `${linkedId.split('.')[0]}.${Number(linkedId.split('.')[1]) + 1}`;
  const caller = { Channel: `PJSIP/trunk-viettel-0000001${linkedId.slice(-1)}`, Uniqueid: linkedId, Linkedid: linkedId, CallerIDNum: number, CallerIDName: number };
  const agent = { DestChannel: `PJSIP/${extension}-0000002${linkedId.slice(-1)}`, DestUniqueid: agentUid, DestLinkedid: linkedId, DestCallerIDNum: extension };
  return {
    ringing: [
      { Event: 'Newchannel', Timestamp: ts(0), ...caller, ChannelState: '4', ChannelStateDesc: 'Ring', Exten: '1022', Context: 'from-trunk' },
      { Event: 'QueueCallerJoin', Timestamp: ts(1), ...caller, Queue: queue, Position: '1', Count: '1' },
      { Event: 'Newchannel', Timestamp: ts(2), Channel: agent.DestChannel, Uniqueid: agentUid, Linkedid: linkedId, CallerIDNum: extension, Exten: extension, Context: 'from-queue' },
      { Event: 'DialBegin', Timestamp: ts(2), ...caller, ...agent, DialString: extension },
    ],
    answered: [
      { Event: 'DialEnd', Timestamp: ts(call.answerAfter), ...caller, ...agent, DialStatus: 'ANSWER' },
      { Event: 'AgentConnect', Timestamp: ts(call.answerAfter), ...caller, ...agent, Queue: queue, MemberName: extension, Interface: `PJSIP/${extension}`, HoldTime: String(call.answerAfter), RingTime: '3' },
      { Event: 'BridgeEnter', Timestamp: ts(call.answerAfter), ...caller, BridgeUniqueid: 'b-1', BridgeNumChannels: '2' },
    ],
    ended: [
      { Event: 'AgentComplete', Timestamp: ts(call.answerAfter + call.talk), ...caller, ...agent, Queue: queue, MemberName: extension, HoldTime: String(call.answerAfter), TalkTime: String(call.talk), Reason: 'caller' },
      { Event: 'Hangup', Timestamp: ts(call.answerAfter + call.talk), Channel: agent.DestChannel, Uniqueid: agentUid, Linkedid: linkedId, Cause: '16', 'Cause-txt': 'Normal Clearing' },
      { Event: 'Hangup', Timestamp: ts(call.answerAfter + call.talk), ...caller, Cause: '16', 'Cause-txt': 'Normal Clearing' },
    ],
  };
}
