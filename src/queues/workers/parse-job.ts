import { type Job, UnrecoverableError } from 'bullmq';
import type { z } from 'zod';
import type { CoreDeps } from '../../app/deps.ts';

/**
 * Validates a job's payload at the worker boundary. A bad payload is audited and fails
 * for good (never retried); the job stays in the failed set for investigation.
 */
export async function parseJob<S extends z.ZodType>(deps: CoreDeps, schema: S, job: Job, queue: string): Promise<z.infer<S>> {
  const parsed = schema.safeParse(job.data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  await deps.audit.append({ type: 'job.rejected', actor: 'system', subject: job.id ?? '', data: { queue, issue: issue?.message } });
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  throw new UnrecoverableError(`invalid ${queue} job: ${where}${issue?.message}`);
}
