export { applyStatusUpdates, type ApplyStatusUpdatesInput, type ApplyStatusUpdatesResult, type StatusChange } from './apply-status-updates.ts';
export { canMove, statusRank } from './status-order.ts';
