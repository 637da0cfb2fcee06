import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

/**
 * A real IMAP server for the email tests: Debian's dovecot-imapd started as a plain process
 * with a throwaway configuration, maildir and passwd-file in a temporary folder, listening on a
 * free loopback port. Nothing system-wide is read or changed (`-c` names our configuration);
 * `stop()` ends the process and removes the folder.
 */

const binaries = ['/usr/sbin/dovecot', '/usr/local/sbin/dovecot'];

/** Path of the dovecot binary, or null when it is not installed. */
export function dovecotBinary(): string | null {
  const found = binaries.find((path) => existsSync(path));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v dovecot'], { encoding: 'utf8' });
  return which.status === 0 && which.stdout.trim() ? which.stdout.trim() : null;
}

/**
 * Whether the dovecot tests can run. Under CI=true a missing server is a failure (the suite
 * must not pass by skipping); elsewhere the tests skip and say why.
 */
export function dovecotAvailability(): { available: boolean; reason?: string } {
  if (dovecotBinary()) return { available: true };
  const reason = 'dovecot is not installed (apt-get install -y dovecot-imapd): the IMAP integration tests are skipped';
  if (process.env.CI === 'true') throw new Error(`CI=true: ${reason.replace('are skipped', 'cannot run')}`);
  console.warn(reason);
  return { available: false, reason };
}

/** One test mailbox (a user of the throwaway server). */
export interface TestMailbox {
  user: string;
  password: string;
  /** Delivers a raw RFC 822 message into INBOX (IMAP APPEND, as a delivery agent would);
   * `flags` such as \\Seen stand for another mail client having read it first. */
  deliver(raw: string | Buffer, internalDate?: Date, flags?: string[]): Promise<number | undefined>;
  /** UIDVALIDITY of INBOX now. */
  uidValidity(): Promise<bigint>;
  /** Sets a new UIDVALIDITY on INBOX, as a server rebuilding its index would. */
  setUidValidity(value: number): void;
  /** Drops every IMAP connection of this user (a server restart, a network cut). */
  kick(): void;
}

export interface Dovecot {
  host: string;
  port: number;
  /** A mailbox of its own for each test, so one test's mail never reaches another's gateway. */
  mailbox(user: string): TestMailbox;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolves once the server sends its IMAP greeting. */
async function waitForGreeting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`dovecot exited with ${child.exitCode ?? child.signalCode}:\n${log()}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.setTimeout(1000);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('* OK'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => (socket.destroy(), resolve(false)));
    });
    if (greeted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot did not answer on port ${port}:\n${log()}`);
}

function passwdEntry(name: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDovecot(users: readonly string[]): Promise<Dovecot> {
  const binary = dovecotBinary();
  if (!binary) throw new Error('dovecot is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'gw1022-dovecot-'));
  const password = 'mat-khau-thu-nghiem';
  const port = await freePort();

  // Dovecot refuses to run its login process as root: as root (CI, containers) the Debian
  // package's own unprivileged users run it; as anyone else, everything runs as that user.
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mailOwner = root ? passwdEntry('dovecot') : { uid: me.uid, gid: me.gid };
  if (!mailOwner) throw new Error('the dovecot system user is missing (is dovecot-core installed?)');
  const loginUser = root ? 'dovenull' : me.username;
  const internalUser = root ? 'dovecot' : me.username;
  if (root) chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'mail'));
  if (root) chownSync(join(dir, 'mail'), mailOwner.uid, mailOwner.gid);
  writeFileSync(join(dir, 'passwd'), users.map((user) => `${user}:{PLAIN}${password}\n`).join(''));
  const conf = join(dir, 'dovecot.conf');
  writeFileSync(
    conf,
    `# Throwaway test server (test/helpers/dovecot.ts).
protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
default_internal_user = ${internalUser}
default_login_user = ${loginUser}
first_valid_uid = ${Math.min(mailOwner.uid, 500)}
first_valid_gid = ${Math.min(mailOwner.gid, 500)}
mail_uid = ${mailOwner.uid}
mail_gid = ${mailOwner.gid}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${mailOwner.uid} gid=${mailOwner.gid} home=${dir}/mail/%u
}
`,
  );
  const log = () => (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8').slice(-4000) : '');
  const child = spawn(binary, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  try {
    await waitForGreeting(port, child, () => `${output}\n${log()}`);
  } catch (error) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const connect = async (user: string) => {
    const client = new ImapFlow({ host: '127.0.0.1', port, secure: false, auth: { user, pass: password }, logger: false, disableAutoIdle: true });
    await client.connect();
    return client;
  };
  const doveadm = (...args: string[]) => {
    const result = spawnSync('doveadm', ['-c', conf, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`doveadm ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout;
  };

  const deliveries = new Map<string, ImapFlow>();
  return {
    host: '127.0.0.1',
    port,
    mailbox(user) {
      if (!users.includes(user)) throw new Error(`no test mailbox ${user}`);
      return {
        user,
        password,
        async deliver(raw, internalDate, flags = []) {
          let client = deliveries.get(user);
          if (!client || !client.usable) {
            client = await connect(user);
            deliveries.set(user, client);
          }
          const result = await client.append('INBOX', raw, flags, internalDate);
          return result ? result.uid : undefined;
        },
        async uidValidity() {
          const client = await connect(user);
          try {
            const status = await client.status('INBOX', { uidValidity: true });
            if (!status || status.uidValidity === undefined) throw new Error('no UIDVALIDITY in STATUS');
            return status.uidValidity;
          } finally {
            await client.logout();
          }
        },
        setUidValidity(value) {
          doveadm('mailbox', 'update', '-u', user, '--uid-validity', String(value), 'INBOX');
        },
        kick() {
          doveadm('kick', user);
        },
      };
    },
    async stop() {
      await Promise.all([...deliveries.values()].map((client) => client.logout().catch(() => undefined)));
      const running = () => child.exitCode === null && child.signalCode === null;
      if (running()) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
        if (running()) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
