// The password-hashing process that `HashWorker` forks: it runs argon2 jobs sent over IPC on its
// own libuv pool and answers each by id. It exits when its parent goes away.
import argon2 from 'argon2';

import type { HashJob, HashReply } from './hash-worker-client.js';

function reply(message: HashReply): void {
  process.send?.(message);
}

process.on('message', (job: HashJob) => {
  if (job.op === 'hash') {
    argon2.hash(job.password, job.options).then(
      (value) => reply({ id: job.id, value }),
      (err: unknown) => reply({ id: job.id, error: String(err) }),
    );
  } else {
    // A stored hash argon2 cannot parse verifies nothing: false, like a wrong password.
    argon2.verify(job.hash, job.password).then(
      (value) => reply({ id: job.id, value }),
      () => reply({ id: job.id, value: false }),
    );
  }
});
process.on('disconnect', () => process.exit(0));
