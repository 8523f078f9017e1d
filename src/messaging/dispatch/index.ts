export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.ts';
export { DISPATCH_CHANNEL, enqueueDispatch, PRIORITY, type EnqueueDispatchInput } from './enqueue-dispatch.ts';
export { inboundMeter } from './inbound-meter.ts';
export { dispatchMigrations } from './migrations.ts';
export { tierLimit, type DispatchNumber, type DispatchStats, type LoadNumber, type SendChannel } from './types.ts';
