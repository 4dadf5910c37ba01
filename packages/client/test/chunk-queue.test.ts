import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ChunkQueue } from '../src/chunk-queue.js';

function queueOf(...texts: string[]): ChunkQueue {
  const queue = new ChunkQueue();
  for (const text of texts) {
    queue.push(Buffer.from(text));
  }
  return queue;
}

test('take within first chunk returns view', () => {
  const chunk = Buffer.from('abcdef');
  const queue = new ChunkQueue();
  queue.push(chunk);
  const piece = queue.take(4);
  assert.equal(piece.toString(), 'abcd');
  assert.equal(piece.buffer, chunk.buffer);
  assert.equal(queue.length, 2);
  assert.equal(queue.takeAll().toString(), 'ef');
});

test('take across chunks joins them', () => {
  const queue = queueOf('ab', 'cde', 'fgh');
  assert.equal(queue.take(4).toString(), 'abcd');
  assert.equal(queue.length, 4);
  assert.equal(queue.take(4).toString(), 'efgh');
  assert.equal(queue.length, 0);
});

test('takeParts returns views in order', () => {
  const queue = queueOf('ab', 'cde', 'fgh');
  const parts = queue.takeParts(6);
  assert.deepEqual(
    parts.map((part) => part.toString()),
    ['ab', 'cde', 'f'],
  );
  assert.equal(queue.takeAll().toString(), 'gh');
});

test('peek leaves bytes queued', () => {
  const queue = queueOf('a', 'bc');
  assert.equal(queue.peek(2).toString(), 'ab');
  assert.equal(queue.length, 3);
  assert.equal(queue.take(3).toString(), 'abc');
});

test('empty chunks are skipped', () => {
  const queue = queueOf('', 'a', '', 'b');
  assert.equal(queue.length, 2);
  assert.equal(queue.takeAll().toString(), 'ab');
  assert.equal(queue.takeAll().length, 0);
});

test('take beyond length throws', () => {
  assert.throws(() => queueOf('abc').take(4), RangeError);
});
