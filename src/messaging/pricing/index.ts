export { marketForRecipient } from './market.ts';
export { findRate, insertCostRows, isBillable, priceDelivered, recordDeliveredCost, type CostRow, type MessagePricing, type RecordCostInput } from './record-cost.ts';
