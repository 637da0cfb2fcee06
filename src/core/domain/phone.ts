/**
 * Normalizes a Vietnamese phone number to E.164 digits without '+' (84xxxxxxxxx), the form Zalo
 * ZNS uses, so one citizen's number matches across channels. Returns null when it is not one.
 */
export function normalizeVnPhone(input: string): string | null {
  const digits = input.replace(/[\s.\-()]/g, '');
  if (!/^\+?\d+$/.test(digits)) return null;
  let national: string;
  if (digits.startsWith('+84')) national = digits.slice(3);
  else if (digits.startsWith('84') && digits.length >= 11) national = digits.slice(2);
  else if (digits.startsWith('0')) national = digits.slice(1);
  else return null;
  // Mobile numbers have 9 national digits (3x, 5x, 7x, 8x, 9x); landlines 10 (2xx area codes);
  // 1900/1800 service numbers are not a citizen's.
  if (/^[35789]\d{8}$/.test(national) || /^2\d{9}$/.test(national)) return `84${national}`;
  return null;
}

/** Shows the last three digits only, for logs and masked views. */
export function maskPhone(phone: string): string {
  return phone.length <= 3 ? '***' : `${'*'.repeat(phone.length - 3)}${phone.slice(-3)}`;
}
