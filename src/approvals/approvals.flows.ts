import type { FastifyRequest } from 'fastify';
import type { AuthDeps } from '../auth/auth.service.js';
import { reauthenticate } from '../auth/reauthenticate.js';
import { ifMatchOf } from '../http/preconditions.js';
import { read, work } from '../http/unit-of-work.js';
import {
  assertMaySign,
  signBaseline,
  signItem,
  type Approval,
  type NewApproval,
} from './approvals.service.js';
import type { ApprovalSubject } from './approvals.table.js';

/**
 * Signing, three units of work in a row: who may sign is checked first (so a viewer's or a
 * stranger's password is never tried, nor counted toward a lockout); then the signer proves
 * presence (password hashing stays outside any transaction); then the signature is written,
 * with its subject locked and the caller's role checked again.
 */
export async function signFlow(
  request: FastifyRequest,
  deps: AuthDeps,
  subject: ApprovalSubject,
  subjectId: string,
  input: NewApproval & { password?: string | undefined },
): Promise<Approval> {
  await read(request, (db, ctx) => assertMaySign(db, ctx, subject, subjectId));
  const signer = await read(request, (db, ctx) => reauthenticate(db, ctx, deps, input.password));
  return work(request, (tx, ctx) =>
    subject === 'item'
      ? signItem(tx, ctx, subjectId, signer, input, ifMatchOf(request))
      : signBaseline(tx, ctx, subjectId, signer, input),
  );
}
