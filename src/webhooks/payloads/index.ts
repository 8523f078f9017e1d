export type { CustomerInput, EventBody, MessageInput, TemplateInput } from './types.ts';
export { buildMessageStatusEvent, buildCampaignEvent, type MessageStatusEventInput, type ReportedStatus } from './message-status.ts';
export { buildMessageReceivedEvent, type MessageReceivedEventInput } from './message-received.ts';
export { buildMessageClickedEvent, type ClickInput, type MessageClickedEventInput } from './message-clicked.ts';
export { buildTemplateStatusEvent, type TemplateStatusEventInput } from './template-status.ts';
export { buildAccountEvent, buildPhoneNumberQualityEvent, type AccountEventType } from './account.ts';
export { buildWorkflowResponseEvent, type WorkflowResponseEventInput, type WorkflowStepInput } from './workflow-response.ts';
export { naiveUtc, clickTimestamp, pyJson } from './format.ts';
