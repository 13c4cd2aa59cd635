import { EventEmitter } from 'node:events';

const signal = new EventEmitter().setMaxListeners(0);

/**
 * Tells this process's webhook workers that deliveries were committed, so they send at once;
 * other instances find them on their next poll.
 */
export function deliveriesQueued(): void {
  signal.emit('queued');
}

/** Calls `listener` whenever deliveries are committed in this process; answers the unsubscribe. */
export function onDeliveriesQueued(listener: () => void): () => void {
  signal.on('queued', listener);
  return () => signal.off('queued', listener);
}
