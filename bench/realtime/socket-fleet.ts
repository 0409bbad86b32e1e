import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  closeGroup,
  deltaCount,
  openGroup,
  startRecording,
  stopRecording,
  subscribeGroup,
  type OpenCommand,
  type RecordingResult,
} from './socket-clients.js';

/**
 * The clients' process, driven by the bench over IPC: each call sends a command and waits for its
 * answer. Run with a raised file limit (the npm script does `ulimit -n`): 10,000 sockets need
 * 10,000 descriptors on each side.
 */
type Command =
  | { op: 'open'; command: OpenCommand }
  | { op: 'subscribe'; group: string; conversationId: string }
  | { op: 'record'; group: string }
  | { op: 'stop-recording'; group: string }
  | { op: 'delta-count'; group: string }
  | { op: 'close'; group: string };

export interface SocketFleet {
  open(command: OpenCommand): Promise<number>;
  subscribe(group: string, conversationId: string): Promise<void>;
  record(group: string): Promise<void>;
  stopRecording(group: string): Promise<RecordingResult>;
  /** Deltas received so far by the group's recording, without stopping it. */
  deltaCount(group: string): Promise<number>;
  close(group: string): Promise<void>;
  stop(): void;
}

export function startSocketFleet(): SocketFleet {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [], {
    execArgv: ['--import', 'tsx', '--max-old-space-size=4096'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let sequence = 0;
  const waiting = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  child.on('message', (message: { seq: number; result?: unknown; error?: string }) => {
    const waiter = waiting.get(message.seq);
    waiting.delete(message.seq);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  child.once('exit', (code) => {
    for (const waiter of waiting.values()) waiter.reject(new Error(`the clients' process exited with ${code}`));
  });
  const call = <T>(command: Command) =>
    new Promise<T>((resolve, reject) => {
      const seq = ++sequence;
      waiting.set(seq, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ seq, command });
    });
  return {
    open: (command) => call<number>({ op: 'open', command }),
    subscribe: (group, conversationId) => call<void>({ op: 'subscribe', group, conversationId }),
    record: (group) => call<void>({ op: 'record', group }),
    stopRecording: (group) => call<RecordingResult>({ op: 'stop-recording', group }),
    deltaCount: (group) => call<number>({ op: 'delta-count', group }),
    close: (group) => call<void>({ op: 'close', group }),
    stop: () => child.kill('SIGTERM'),
  };
}

async function run(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'open':
      return openGroup(command.command);
    case 'subscribe':
      return subscribeGroup(command.group, command.conversationId);
    case 'record':
      return startRecording(command.group);
    case 'stop-recording':
      return stopRecording(command.group);
    case 'delta-count':
      return deltaCount(command.group);
    case 'close':
      return closeGroup(command.group);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.on('message', (message: { seq: number; command: Command }) => {
    run(message.command).then(
      (result) => process.send?.({ seq: message.seq, result }),
      (error: unknown) => process.send?.({ seq: message.seq, error: String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
