// Quoted history under a reply ("On … wrote:", Outlook's header block, trailing "> " lines) is
// cut from the text agents read; the full text stays in the message's raw record.

/** Lines that open the quoted part, as Gmail, Outlook, Apple Mail and Thunderbird write them in
 * Vietnamese and English. */
const openers: RegExp[] = [
  /^-{2,}\s*(original message|forwarded message|tin nhắn gốc|thư gốc|thư chuyển tiếp)\s*-{2,}\s*$/i,
  /^_{20,}\s*$/,
  /^(begin forwarded message|bắt đầu thư chuyển tiếp)\s*:\s*$/i,
];

/** "On Mon, 23 Nov 2026 at 10:00, A <a@b> wrote:" and Gmail's Vietnamese "Vào … đã viết:",
 * possibly wrapped over two or three lines. */
const attribution = /^(on\s.+\swrote|vào\s.+\sđã viết|le\s.+\sa écrit)\s*:\s*$/i;

/** Outlook's block: "From:" then, within a few lines, "Sent:"/"Date:"/"Subject:". */
const headerStart = /^\*?(from|từ|người gửi)\s*:\*?\s+\S/i;
const headerNext = /^\*?(sent|date|to|subject|cc|gửi|ngày|đến|tới|chủ đề|người nhận)\s*:\*?\s*/i;

/** Returns the text without the quoted history under it (the whole text when that would leave
 * nothing, e.g. a reply written between quoted lines). */
export function stripQuotedHistory(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let cut = lines.length;
  for (let i = 0; i < lines.length && cut === lines.length; i++) {
    const line = lines[i]!.trim();
    if (openers.some((re) => re.test(line))) cut = i;
    else if (attribution.test(line)) cut = i;
    else if (/^(on|vào)\s/i.test(line)) {
      // A long attribution wraps: join it with the next lines before testing.
      for (let span = 2; span <= 3 && i + span <= lines.length; span++) {
        if (attribution.test(lines.slice(i, i + span).map((l) => l.trim()).join(' '))) {
          cut = i;
          break;
        }
      }
    } else if (headerStart.test(line)) {
      const next = lines.slice(i + 1, i + 5).map((l) => l.trim());
      if (next.filter((l) => headerNext.test(l)).length >= 2) cut = i;
    }
  }
  // A trailing run of "> " lines (with blank lines between) is quoted history too.
  let end = cut;
  while (end > 0 && (lines[end - 1]!.trim() === '' || lines[end - 1]!.startsWith('>'))) end--;
  const trailingQuote = lines.slice(end, cut).some((l) => l.startsWith('>'));
  const keep = trailingQuote ? end : cut;
  const result = lines.slice(0, keep).join('\n').trimEnd();
  return result.trim() ? result : text.trim();
}
