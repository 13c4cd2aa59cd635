/** What a personal access token may do: `read` (safe methods only) and `write`. */
export type TokenScope = 'read' | 'write';

/** Who is calling: a signed-in user of a live session, or a personal access token of a user. */
export interface Actor {
  userId: string;
  /** The live session; for a personal access token, the token's id. */
  sessionId: string;
  role: 'user' | 'admin';
  /** Set when the caller is a personal access token, not a signed-in session. */
  token?: { id: string; scopes: readonly TokenScope[] };
}

/** Where a call comes from, as recorded on sessions. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}
