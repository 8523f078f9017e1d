/** Shapes the inbox reads from the native API (see /docs for the full schemas). */

export interface MessageSummary {
  id: string;
  direction: string;
  type: string;
  status: string;
  preview: string | null;
  createdAt: string | null;
}

export interface ConversationCard {
  conversationId: string;
  numberId: string;
  contact: { id: string; phone: string; name: string | null; profileName: string | null };
  lastMessage: MessageSummary | null;
  lastMessageAt: string | null;
  windowOpenUntil: string | null;
  unreadCount: number;
  status: 'open' | 'closed';
  assigneeId: string | null;
  teamId: string | null;
  labels: string[];
}

export interface MessageView {
  id: string;
  numberId: string;
  contactId: string;
  direction: 'inbound' | 'outbound' | string;
  type: string;
  content: any;
  source: string;
  status: string;
  template: { name: string; language: string | null; category: string | null } | null;
  error: { code: number | null; title: string | null; details: string | null } | null;
  createdAt: string | null;
  timeline: { status: string; at: string | null; errorCode: number | null; errorTitle: string | null }[];
}

export interface Member {
  id: string;
  email: string;
  name: string;
  role: string;
  available: boolean;
  active: boolean;
}

export interface Label {
  id: string;
  name: string;
  color: string | null;
}

export interface Note {
  id: string;
  conversationId: string;
  body: string;
  authorId: string | null;
  createdAt: string;
}

export interface ConversationState {
  conversationId: string;
  status: 'open' | 'closed';
  assigneeId: string | null;
  teamId: string | null;
  labels: string[];
}

export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  buttons?: { type: string; text: string; url?: string }[];
}

export interface Template {
  id: string;
  name: string;
  language: string;
  category: string;
  status: string;
  components: TemplateComponent[];
  sendable: boolean;
}

export function contactName(c: { name: string | null; profileName: string | null; phone: string }): string {
  return c.name || c.profileName || `+${c.phone}`;
}
