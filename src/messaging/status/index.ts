export {
  applyStatusUpdates,
  onStatusChanges,
  type AppliedStatusBatch,
  type ApplyStatusUpdatesInput,
  type ApplyStatusUpdatesResult,
  type MessageRowForStatus,
  type StatusChange,
  type StatusChangeHook,
} from './apply-status-updates.ts';
