/**
 * Limits of the track APIs and contact data (Interakt publishes none; reference interakt-api.md
 * §3 and §5.1 "[NOT FOUND]"). Chosen to be generous for real CRMs and small enough that one
 * request stays cheap; each is enforced with a 400 naming the field and the limit.
 */
export const CONTACT_LIMITS = {
  /** A track request's JSON body (users and events). */
  bodyBytes: 32 * 1024,
  /** A trait key, or an event property key. */
  keyChars: 128,
  /** A string trait value, in UTF-8 bytes. */
  valueBytes: 4 * 1024,
  /** Traits in one request, and traits a contact may hold. */
  traitsPerRequest: 200,
  traitsPerContact: 200,
  /** Tags in one request; a tag's length. */
  tagsPerRequest: 100,
  tagChars: 128,
  tagsPerContact: 500,
  /** An event name. */
  eventNameChars: 128,
  userIdChars: 255,
} as const;
