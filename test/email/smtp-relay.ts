import { connect, type AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';

/** A mail the relay took, parsed, with its envelope. */
export interface RelayedMail {
  readonly envelopeTo: string[];
  readonly mail: ParsedMail;
  /** A header's raw value, unfolded (mailparser turns some into objects). */
  header(name: string): string | undefined;
}

/**
 * The outbound mail server Parley sends replies through (EMAIL_SMTP_URL): a real SMTP server on
 * 127.0.0.1 that keeps what it is given, for the test to read back.
 */
export async function startSmtpRelay(options: { tls?: { key: Buffer; cert: Buffer } } = {}) {
  const received: RelayedMail[] = [];
  const refusedOnce = new Set<string>();
  // Mails to `held-…` addresses wait for their 250 until the test releases them: a send caught in flight.
  const held: (() => void)[] = [];
  const server = new SMTPServer({
    // With `tls`: TLS from the first byte (smtps://), as port 465 speaks.
    ...(options.tls && { secure: true, key: options.tls.key, cert: options.tls.cert }),
    disabledCommands: ['AUTH', 'STARTTLS'],
    authOptional: true,
    logger: false,
    // A mailbox that does not exist there: a permanent refusal, as a real server answers it; and one
    // that is busy the first time: a passing refusal (greylisting does the same).
    onRcptTo(address, _session, callback) {
      if (address.address.startsWith('no-such-mailbox@')) {
        callback(Object.assign(new Error('5.1.1 No such mailbox here'), { responseCode: 550 }));
        return;
      }
      if (address.address.startsWith('busy-once@') && !refusedOnce.has(address.address)) {
        refusedOnce.add(address.address);
        callback(Object.assign(new Error('4.2.1 Mailbox busy, try again later'), { responseCode: 451 }));
        return;
      }
      callback();
    },
    onData(stream, session, callback) {
      const isHeld = session.envelope.rcptTo.some((rcpt) => rcpt.address.startsWith('held-'));
      simpleParser(stream).then(
        async (mail) => {
          if (isHeld) await new Promise<void>((resolve) => held.push(resolve));
          received.push({
            envelopeTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            mail,
            header: (name) => {
              const line = mail.headerLines.find((header) => header.key === name.toLowerCase())?.line;
              return line
                ?.slice(line.indexOf(':') + 1)
                .replace(/\s+/g, ' ')
                .trim();
            },
          });
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  // A client that refuses the certificate hangs up mid-handshake: the test reads that on the client's side.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    received,
    /** How many mails wait for their 250 now. */
    heldCount: () => held.length,
    /** Answers every held mail's 250. */
    releaseHeld: () => {
      for (const release of held.splice(0)) release();
    },
    /** The first mail (after `skip` earlier ones) that matches, waiting until it arrives. */
    async waitFor(matches: (mail: RelayedMail) => boolean, timeoutMs = 20_000): Promise<RelayedMail> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(matches);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such mail arrived; got ${received.length}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type SmtpRelay = Awaited<ReturnType<typeof startSmtpRelay>>;

/** A customer's mail client: sends to Parley's SMTP listener as a mail server forwarding to it would. */
export function mailClient(port: number) {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  return {
    send: (mail: Parameters<typeof transport.sendMail>[0]) => transport.sendMail(mail),
    close: () => transport.close(),
  };
}

/** One SMTP session by hand, command by command, as a mail server that sends no SIZE parameter would. */
export async function rawSmtp(port: number, steps: readonly string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  let buffered = '';
  const waiting: ((reply: string) => void)[] = [];
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    // A reply ends with a line whose code is followed by a space ("250 OK"), after any "250-…" lines.
    for (let match = /^\d{3} .*\r\n/m.exec(buffered); match; match = /^\d{3} .*\r\n/m.exec(buffered)) {
      const end = match.index + match[0].length;
      waiting.shift()?.(buffered.slice(0, end));
      buffered = buffered.slice(end);
    }
  });
  const reply = () => new Promise<string>((resolve) => waiting.push(resolve));
  const replies = [await reply()];
  for (const step of steps) {
    const next = reply();
    socket.write(step);
    replies.push(await next);
  }
  socket.end();
  return replies;
}
