/** Shows the first letter and the domain only (`n***@example.vn`), for activity lines and logs. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
