/**
 * Names whose values are secrets wherever they appear: query parameters of reset links and
 * OAuth callbacks. The request log masks them and error reports filter them, from this one list.
 */
export const SECRET_QUERY_PARAMS = [
  'token',
  'code',
  'state',
  'loginCode',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'code_verifier',
  'client_secret',
];
