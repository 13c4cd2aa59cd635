/** Who is calling: a signed-in user of a live session. */
export interface Actor {
  userId: string;
  sessionId: string;
  role: 'user' | 'admin';
}

/** Where a call comes from, as recorded on sessions. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}
