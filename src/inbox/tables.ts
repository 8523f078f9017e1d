/**
 * The inbox's own state beside messaging's conversations (one per number and contact): who
 * handles a conversation and whether it is open, teams and auto-assignment, business hours,
 * private notes, labels, canned responses, and the realtime event log the SSE stream reads.
 * Messaging's tables are not altered: rows here are keyed by (number_id, contact_id).
 */
export interface InboxConversationsTable {
  number_id: string;
  contact_id: string;
  workspace_id: string;
  /** messaging conversations.id (what the native API names a conversation by). */
  conversation_id: string;
  /** open | closed */
  status: string;
  assignee_user_id: string | null;
  team_id: string | null;
  assigned_at: number | null;
  opened_at: number;
  closed_at: number | null;
  /** When the out-of-hours reply last went to this conversation (one per cooldown). */
  last_auto_reply_at: number | null;
  updated_at: number;
}

export interface TeamsTable {
  id: string;
  workspace_id: string;
  name: string;
  /** 1: new conversations given to the team are assigned round robin to its available agents. */
  auto_assign: number;
  /** Per-agent cap on open conversations for auto-assignment; null: no cap. */
  max_open_per_agent: number | null;
  /** Round-robin position: the member who got the last conversation. */
  last_assigned_user_id: string | null;
  created_at: number;
  updated_at: number;
}

export interface TeamMembersTable {
  team_id: string;
  user_id: string;
  workspace_id: string;
  created_at: number;
}

export interface InboxSettingsTable {
  workspace_id: string;
  /** New conversations go to this team (and its round robin); null: they stay unassigned. */
  default_team_id: string | null;
  /** JSON BusinessHours (see business-hours.ts). */
  business_hours: string;
  out_of_hours_enabled: number;
  out_of_hours_message: string | null;
  /** At most one out-of-hours reply per conversation within this many ms. */
  out_of_hours_cooldown_ms: number;
  updated_at: number;
}

export interface NotesTable {
  id: string;
  workspace_id: string;
  number_id: string;
  contact_id: string;
  conversation_id: string;
  author_user_id: string | null;
  author_key_id: string | null;
  body: string;
  created_at: number;
}

export interface LabelsTable {
  id: string;
  workspace_id: string;
  /** Lower-case slug, unique per workspace. */
  name: string;
  color: string | null;
  description: string | null;
  created_at: number;
}

export interface ConversationLabelsTable {
  workspace_id: string;
  number_id: string;
  contact_id: string;
  label_id: string;
  created_at: number;
}

export interface ContactLabelsTable {
  workspace_id: string;
  contact_id: string;
  label_id: string;
  created_at: number;
}

export interface CannedResponsesTable {
  id: string;
  workspace_id: string;
  /** Typed after '/' in the reply box: "greet" for /greet. Unique per workspace. */
  shortcut: string;
  /** Text with {{variables}} filled from the contact (name, phone, traits.*). */
  content: string;
  created_at: number;
  updated_at: number;
}

/** The realtime log the SSE stream reads (pruned after a few days). */
export interface InboxEventsTable {
  seq: number;
  workspace_id: string;
  type: string;
  payload: string;
  created_at: number;
}

declare module '../platform/db/tables.ts' {
  interface Tables {
    inbox_conversations: InboxConversationsTable;
    teams: TeamsTable;
    team_members: TeamMembersTable;
    inbox_settings: InboxSettingsTable;
    notes: NotesTable;
    labels: LabelsTable;
    conversation_labels: ConversationLabelsTable;
    contact_labels: ContactLabelsTable;
    canned_responses: CannedResponsesTable;
    inbox_events: InboxEventsTable;
  }
}
