/** command: strings split as a POSIX shell splits words, nothing expanded. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { splitWords } from '../../src/topology/words.ts';

const CASES: [string, string[]][] = [
  ["sh -c 'sleep 1000'", ['sh', '-c', 'sleep 1000']],
  ['sh -c "echo \\"hi\\" \\$HOME"', ['sh', '-c', 'echo "hi" $HOME']],
  ['a\\ b c', ['a b', 'c']],
  ['  spaced   out  ', ['spaced', 'out']],
  ["x''y", ['xy']],
  ["''", ['']],
  ['echo $HOME; rm -rf / | cat', ['echo', '$HOME;', 'rm', '-rf', '/', '|', 'cat']],
];

test('command strings split like a POSIX shell, without expanding anything', () => {
  for (const [text, words] of CASES) assert.deepEqual(splitWords(text), { ok: true, words }, text);
});

test('unterminated quotes and a trailing backslash are problems, not guesses', () => {
  for (const text of ["sh -c 'sleep", 'echo "x', 'a\\']) assert.equal(splitWords(text).ok, false, text);
});

test('property: single-quoting each word and splitting gives the words back', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ minLength: 0, maxLength: 12 }).filter((s) => !s.includes("'")),
        { maxLength: 8 },
      ),
      (ws) => {
        const r = splitWords(ws.map((w) => `'${w}'`).join(' '));
        assert.deepEqual(r, { ok: true, words: ws });
      },
    ),
  );
});
