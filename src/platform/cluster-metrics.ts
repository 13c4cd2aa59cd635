import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

/**
 * `/metrics` for a worker group (WEB_CONCURRENCY > 1). Whichever worker a scrape reaches asks
 * the primary, which gathers every worker's registry with prom-client's AggregatorRegistry
 * (counters and histograms summed, per-process gauges as prom-client aggregates them) and
 * answers the text; so one scrape through the load balancer reports the whole process group.
 */

const REQUEST = 'gilla:metrics-request';
const ANSWER = 'gilla:metrics-answer';
const TIMEOUT_MS = 6000;

interface Request {
  type: typeof REQUEST;
  id: string;
}

interface Answer {
  type: typeof ANSWER;
  id: string;
  text?: string;
  error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return (
    typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type
  );
}

/** In the primary: answers workers' requests for the group's metrics. */
export function serveGroupMetrics(): void {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage<Request>(message, REQUEST)) return;
    const reply = (answer: Omit<Answer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer });
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: err instanceof Error ? err.message : String(err) }),
    );
  });
}

/** The metrics text to serve: the group's when this process is a worker, else the registry's own. */
export interface MetricsSource {
  text(): Promise<string>;
}

/** In a worker: offers `registry` to the primary's aggregation and reads the group's text from it. */
export function metricsSource(registry: Registry): MetricsSource {
  if (!cluster.isWorker || !process.send) return { text: () => registry.metrics() };
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
  const send = process.send.bind(process);
  return {
    text: () =>
      new Promise<string>((resolve, reject) => {
        const id = randomUUID();
        const onMessage = (message: unknown) => {
          if (!isMessage<Answer>(message, ANSWER) || message.id !== id) return;
          finish();
          if (message.text !== undefined) resolve(message.text);
          else reject(new Error(`metrics aggregation failed: ${message.error ?? 'no answer'}`));
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error('metrics aggregation timed out'));
        }, TIMEOUT_MS);
        const finish = () => {
          clearTimeout(timer);
          process.off('message', onMessage);
        };
        process.on('message', onMessage);
        send({ type: REQUEST, id } satisfies Request);
      }),
  };
}
