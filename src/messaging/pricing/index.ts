export { marketForRecipient } from './market.ts';
export { findRate, isBillable, recordDeliveredCost, type MessagePricing, type RecordCostInput } from './record-cost.ts';
