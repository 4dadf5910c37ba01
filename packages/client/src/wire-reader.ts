import { decodeBase64Strict } from '@coffer/core';
import { CofferApiError } from './coffer-api-error.js';
import type { ApiResponse } from './http-transport.js';

/**
 * Reads typed fields from a JSON response body and raises `CofferApiError` of kind
 * `invalid_response`, naming the field path, when one is missing or of the wrong type. Fields
 * the client does not know are ignored.
 *
 * @example
 * const body = new WireReader(response);
 * const id = body.string('id');
 */
export class WireReader {
  readonly #value: Record<string, unknown>;
  readonly #response: ApiResponse;
  readonly #path: string;

  constructor(response: ApiResponse, value: unknown = response.body, path = 'response') {
    this.#response = response;
    this.#path = path;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw this.#invalid(`${path} is not a JSON object`);
    }
    this.#value = value as Record<string, unknown>;
  }

  string(name: string): string {
    const value = this.#value[name];
    if (typeof value !== 'string') {
      throw this.#invalid(`${this.#path}.${name} is not a string`);
    }
    return value;
  }

  nullableString(name: string): string | null {
    const value = this.#value[name];
    return value === null || value === undefined ? null : this.string(name);
  }

  number(name: string): number {
    const value = this.#value[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw this.#invalid(`${this.#path}.${name} is not a number`);
    }
    return value;
  }

  boolean(name: string): boolean {
    const value = this.#value[name];
    if (typeof value !== 'boolean') {
      throw this.#invalid(`${this.#path}.${name} is not a boolean`);
    }
    return value;
  }

  date(name: string): Date {
    const date = new Date(this.string(name));
    if (Number.isNaN(date.getTime())) {
      throw this.#invalid(`${this.#path}.${name} is not a timestamp`);
    }
    return date;
  }

  nullableDate(name: string): Date | null {
    return this.nullableString(name) === null ? null : this.date(name);
  }

  /** Decodes a strict standard base64 field. */
  bytes(name: string): Buffer {
    try {
      return decodeBase64Strict(this.string(name), `${this.#path}.${name}`);
    } catch (error) {
      throw this.#invalid(`${this.#path}.${name} is not standard base64`, error);
    }
  }

  object(name: string): WireReader {
    return new WireReader(this.#response, this.#value[name], `${this.#path}.${name}`);
  }

  array(name: string): WireReader[] {
    const value = this.#value[name];
    if (!Array.isArray(value)) {
      throw this.#invalid(`${this.#path}.${name} is not an array`);
    }
    return value.map((item, index) => new WireReader(this.#response, item, `${this.#path}.${name}[${index}]`));
  }

  /** Reads a key context, keeping the keys in the order the server sent them. */
  context(name: string): Record<string, string> {
    const context = this.object(name);
    const entries = Object.keys(context.#value).map((key) => [key, context.string(key)]);
    return Object.fromEntries(entries);
  }

  #invalid(message: string, cause?: unknown): CofferApiError {
    return new CofferApiError(
      `the server sent an unexpected response: ${message}`,
      { status: this.#response.status, code: 'invalid_response', requestId: this.#response.requestId, cause },
      'invalid_response',
    );
  }
}
