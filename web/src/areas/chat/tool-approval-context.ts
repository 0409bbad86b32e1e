import { createContext, useContext } from 'react';
import type { ToolPart } from './tool-parts';

/** Lets a tool call inside a reply ask the chat session to approve or deny it. */
export interface ToolApprovalHandler {
  /** Only the conversation's owner answers from here; others see that the call waits. */
  canDecide: boolean;
  /** A reply is streaming or a decision is on its way: one request at a time. */
  isBusy: boolean;
  decide: (part: ToolPart, isApproved: boolean) => void;
}

export const ToolApprovalContext = createContext<ToolApprovalHandler | null>(null);

export const useToolApproval = () => useContext(ToolApprovalContext);
