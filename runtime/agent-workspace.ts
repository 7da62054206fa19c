/**
 * Builds the agents' workspace (services/agent/workspace.ts) for the web process: one per
 * process, given to createApp as AppDeps.agent (the staff pages get it as StaffDeps.agent).
 */
import type { AgentWorkspace } from '../services/agent/workspace.ts';

export function createAgentWorkspace(): AgentWorkspace {
  return {};
}
