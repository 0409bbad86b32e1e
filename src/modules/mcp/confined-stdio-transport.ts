import { spawn, type ChildProcess } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { SpawnPlan } from './stdio-sandbox.js';

/**
 * The SDK's stdio client transport, but spawning with the uid and gid of MCP_STDIO_USER (the SDK's
 * cannot), with no shell and exactly the given environment (the SDK's adds some of our own variables).
 * Closing mirrors the SDK: end stdin, then SIGTERM, then SIGKILL, two seconds apart.
 */
export class ConfinedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private child: ChildProcess | undefined;
  private readonly readBuffer: ReadBuffer;

  constructor(
    private readonly plan: SpawnPlan,
    private readonly env: Readonly<Record<string, string>>,
    private readonly onStderr: (text: string) => void,
    maxBufferSize: number,
    /** Runs once the child has exited (removes its working directory). */
    private readonly cleanUp?: () => Promise<void>,
  ) {
    this.readBuffer = new ReadBuffer({ maxBufferSize });
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('The stdio transport was already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.plan.command, [...this.plan.args], {
        env: { ...this.env },
        cwd: this.plan.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        ...(this.plan.uid !== undefined && { uid: this.plan.uid, gid: this.plan.gid }),
      });
      this.child = child;
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.on('spawn', () => resolve());
      child.on('close', () => {
        this.child = undefined;
        void this.cleanUp?.().catch(() => undefined);
        this.onclose?.();
      });
      child.stdin?.on('error', (error) => this.onerror?.(error));
      child.stdout?.on('data', (chunk: Buffer) => {
        try {
          this.readBuffer.append(chunk);
          this.readMessages();
        } catch (error) {
          this.onerror?.(error as Error);
          void this.close();
        }
      });
      child.stdout?.on('error', (error) => this.onerror?.(error));
      child.stderr?.on('data', (chunk: Buffer) => this.onStderr(chunk.toString('utf8')));
    });
  }

  private readMessages(): void {
    for (;;) {
      try {
        const message = this.readBuffer.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        this.onerror?.(error as Error);
      }
    }
  }

  async close(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child) {
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const waitUpTo = (ms: number) =>
        Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, ms).unref())]);
      child.stdin?.end();
      await waitUpTo(2_000);
      for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
        if (child.exitCode !== null || child.signalCode !== null) break;
        child.kill(signal);
        if (signal === 'SIGTERM') await waitUpTo(2_000);
      }
    }
    this.readBuffer.clear();
  }

  send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve, reject) => {
      const stdin = this.child?.stdin;
      if (!stdin) {
        reject(new Error('Not connected'));
        return;
      }
      if (stdin.write(serializeMessage(message))) resolve();
      else stdin.once('drain', resolve);
    });
  }
}
