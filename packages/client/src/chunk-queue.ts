/**
 * A FIFO of byte chunks from which a stream takes fixed-size pieces. A piece that lies inside
 * one chunk comes back as a view without copying; a piece that spans chunks is copied once.
 *
 * @example
 * const queue = new ChunkQueue();
 * queue.push(chunk);
 * const header = queue.take(64);
 */
export class ChunkQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  /** Total bytes queued. */
  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
  }

  /** Returns the first `size` bytes without removing them; `size` must not exceed `length`. */
  peek(size: number): Buffer {
    return join(this.#collect(size, false), size);
  }

  /** Removes and returns the first `size` bytes; `size` must not exceed `length`. */
  take(size: number): Buffer {
    return join(this.#collect(size, true), size);
  }

  /** Removes the first `size` bytes and returns them as views of the queued chunks, without copying. */
  takeParts(size: number): Buffer[] {
    return this.#collect(size, true);
  }

  /** Removes and returns everything queued. */
  takeAll(): Buffer {
    return this.take(this.#length);
  }

  #collect(size: number, remove: boolean): Buffer[] {
    if (size > this.#length) {
      throw new RangeError(`cannot take ${size} bytes from a queue of ${this.#length}`);
    }

    const parts: Buffer[] = [];
    let needed = size;
    let wholeChunks = 0;
    let bytesFromPartialChunk = 0;
    while (needed > 0) {
      const chunk = this.#chunks[wholeChunks] as Buffer;
      if (chunk.length <= needed) {
        parts.push(chunk);
        needed -= chunk.length;
        wholeChunks++;
      } else {
        parts.push(chunk.subarray(0, needed));
        bytesFromPartialChunk = needed;
        needed = 0;
      }
    }

    if (remove) {
      this.#chunks.splice(0, wholeChunks);
      if (bytesFromPartialChunk > 0) {
        this.#chunks[0] = (this.#chunks[0] as Buffer).subarray(bytesFromPartialChunk);
      }
      this.#length -= size;
    }
    return parts;
  }
}

function join(parts: Buffer[], size: number): Buffer {
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
}
