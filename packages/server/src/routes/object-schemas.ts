/** Response schemas of the object routes: only the declared fields are serialized. */

const context = { type: 'object', additionalProperties: { type: 'string' } } as const;

const metadataSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    environment_id: { type: 'string' },
    key_id: { type: 'string' },
    context,
    updated_at: { type: 'string' },
    updated_by: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } },
    version_id: { type: 'string' },
  },
} as const;

export const objectSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, value: { type: 'string' }, metadata: metadataSchema },
} as const;

export const objectWithoutValueSchema = {
  type: 'object',
  properties: { id: { type: 'string' }, name: { type: 'string' }, metadata: metadataSchema },
} as const;

const nullableString = { type: ['string', 'null'] } as const;

export const listSchema = {
  type: 'object',
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: { type: 'string' }, name: { type: 'string' }, updated_at: { type: 'string' } },
      },
    },
    list_metadata: { type: 'object', properties: { before: nullableString, after: nullableString } },
  },
} as const;

export const versionsSchema = {
  type: 'object',
  properties: {
    data: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          created_at: { type: 'string' },
          current_version: { type: 'boolean' },
          size: { type: 'integer' },
          etag: { type: 'string' },
        },
      },
    },
    list_metadata: { type: 'object', properties: { before: nullableString, after: nullableString } },
  },
} as const;

export const deletedSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, success: { type: 'boolean' } },
} as const;
