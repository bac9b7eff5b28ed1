/**
 * A `command:` string split into words as a POSIX shell splits them: blanks separate words, single quotes keep
 * everything literally, double quotes keep everything but `\"`, `\\`, `\$` and `` \` `` escapes, a backslash
 * outside quotes keeps the next character. Nothing is expanded or run: no variables, globs, pipes or `;` —
 * those characters stay in the words as they are. With `comments`, a `#` that starts a word ends the line (scripts).
 * One splitter for `command:` strings and for the lines `mvnet import` reads. Pure.
 */

export type Words = { ok: true; words: string[] } | { ok: false; problem: string };

export function splitWords(text: string, opts: { comments?: boolean } = {}): Words {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (opts.comments && ch === '#' && !inWord) break; // a script line's comment
    if (ch === ' ' || ch === '\t' || ch === '\n') {
      if (inWord) {
        words.push(cur);
        cur = '';
        inWord = false;
      }
      i++;
    } else if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return { ok: false, problem: `unterminated single quote at character ${i + 1}` };
      cur += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < text.length && text[j] !== '"'; j++) {
        if (text[j] === '\\' && j + 1 < text.length && '"\\$`'.includes(text[j + 1])) {
          cur += text[j + 1];
          j++;
        } else cur += text[j];
      }
      if (j >= text.length) return { ok: false, problem: `unterminated double quote at character ${i + 1}` };
      inWord = true;
      i = j + 1;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) return { ok: false, problem: 'a backslash at the end escapes nothing' };
      if (text[i + 1] !== '\n') {
        cur += text[i + 1];
        inWord = true;
      }
      i += 2;
    } else {
      cur += ch;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(cur);
  return { ok: true, words };
}
