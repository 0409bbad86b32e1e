import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../../../platform/errors.js';
import type { Logger } from '../../../platform/logger.js';

/** A tool's answer: readable text for the model, and the same data as structuredContent for programs. */
export function toolAnswer(text: string, structured?: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], ...(structured && { structuredContent: structured }) };
}

/** An error the caller can act on, as a tool result (isError) rather than a JSON-RPC error: the model reads it. */
export function toolRefusal(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/**
 * Runs a tool's body and turns our AppErrors into isError results carrying their sentence. Anything else is
 * logged and answered with a generic sentence: database or SDK text never reaches an MCP client.
 */
export async function answerOrRefuse(
  logger: Logger,
  toolName: string,
  run: () => Promise<CallToolResult>,
): Promise<CallToolResult> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof AppError) return toolRefusal(error.message);
    logger.error({ err: error, tool: toolName }, 'MCP tool call failed');
    return toolRefusal(`Parley could not complete ${toolName} because of an internal error; try again later`);
  }
}
