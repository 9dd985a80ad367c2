import * as assert from 'node:assert/strict';
import { LineDiscipline, toTerminalText } from '../../extension/run/line-discipline';

describe('run: terminal line discipline', () => {
  it('echoes typed characters and sends the line on Enter (\\r → \\n)', () => {
    const d = new LineDiscipline();
    const a = d.input('ab');
    assert.equal(a.echo, 'ab');
    assert.equal(a.send, '');
    const b = d.input('c\r');
    assert.equal(b.echo, 'c\r\n');
    assert.equal(b.send, 'abc\n');
  });

  it('edits the line with backspace (including a multi-unit character) and Ctrl+U', () => {
    const d = new LineDiscipline();
    d.input('x😀');
    const bs = d.input('\x7f');
    assert.equal(bs.echo, '\b \b');
    assert.equal(d.pending, 'x');
    assert.equal(d.input('\x7f\x7f').echo, '\b \b'); // nothing left to erase the second time
    d.input('hello');
    d.input('\x15');
    assert.equal(d.pending, '');
    assert.equal(d.input('ok\r').send, 'ok\n');
  });

  it('turns Ctrl+C into an interrupt and drops the half-typed line', () => {
    const d = new LineDiscipline();
    d.input('half');
    const r = d.input('\x03');
    assert.equal(r.interrupt, true);
    assert.equal(r.send, '');
    assert.equal(d.pending, '');
  });

  it('Ctrl+D closes stdin on an empty line, flushes otherwise', () => {
    const d = new LineDiscipline();
    assert.equal(d.input('\x04').eof, true);
    d.input('abc');
    const r = d.input('\x04');
    assert.equal(r.eof, false);
    assert.equal(r.send, 'abc');
  });

  it('handles a pasted block and ignores arrow keys', () => {
    const d = new LineDiscipline();
    const r = d.input('one\r\ntwo\x1b[Athree\r');
    assert.equal(r.send, 'one\ntwothree\n');
    assert.ok(!r.echo.includes('\x1b'));
  });

  it('maps program output newlines to CRLF like a pty, also across chunks', () => {
    assert.equal(toTerminalText('a\nb\r\nc', false), 'a\r\nb\r\nc');
    assert.equal(toTerminalText('progress 10%\r', false), 'progress 10%\r');
    // "\r" ended the last chunk and "\n" starts this one: one line break, not two.
    assert.equal(toTerminalText('\nnext', true), '\nnext');
  });
});
