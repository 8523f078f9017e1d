import type { OutboundContent } from '../../messaging/content.ts';
import { checkContacts, checkInteractive, checkLocation, checkReaction, obj, str } from '../../messaging/send/check-content.ts';
import { invalid } from '../../messaging/send/invalid.ts';
import { checkMediaUrl, type MediaUrlOptions } from '../../messaging/send/media-url.ts';

/** Interakt's session types, plus Samvad's additions in the same style. */
export const SESSION_TYPES = [
  'Text',
  'Image',
  'Video',
  'Audio',
  'Document',
  'Sticker',
  'InteractiveButton',
  'InteractiveList',
  'InteractiveCTA',
  'Location',
  'Contacts',
  'Reaction',
  'Product',
  'ProductList',
  'Catalog',
  'LocationRequest',
  'Flow',
] as const;
export type SessionType = (typeof SESSION_TYPES)[number];
export const MESSAGE_TYPES = [...SESSION_TYPES, 'Template'] as const;

const INTERACTIVE: Partial<Record<SessionType, string>> = {
  InteractiveButton: 'button',
  InteractiveList: 'list',
  InteractiveCTA: 'cta_url',
  Product: 'product',
  ProductList: 'product_list',
  Catalog: 'catalog_message',
  LocationRequest: 'location_request_message',
  Flow: 'flow',
};

/** A session message's `data` in Meta's message object (content.ts), every Cloud API limit checked. */
export function sessionContent(type: SessionType, rawData: unknown, media: MediaUrlOptions): { content: OutboundContent; reactionTo?: string } {
  const data = obj(rawData, 'data');
  switch (type) {
    case 'Text': {
      const body = str(data.message, 'data.message', { max: 4096, required: true })!;
      if (body.trim() === '') invalid('data.message', 'must not be blank');
      const text: Record<string, unknown> = { body };
      if (data.previewUrl !== undefined) {
        if (typeof data.previewUrl !== 'boolean') invalid('data.previewUrl', 'must be true or false');
        text.preview_url = data.previewUrl;
      } else if (/https?:\/\//i.test(body)) {
        text.preview_url = true;
      }
      return { content: { type: 'text', text } };
    }
    case 'Image':
    case 'Video':
    case 'Audio':
    case 'Document':
    case 'Sticker': {
      const kind = type.toLowerCase() as 'image' | 'video' | 'audio' | 'document' | 'sticker';
      const m: Record<string, unknown> = {};
      if (data.mediaId !== undefined && data.mediaUrl === undefined) {
        m.id = str(data.mediaId, 'data.mediaId', { max: 128, required: true });
      } else {
        m.link = checkMediaUrl(data.mediaUrl, 'data.mediaUrl', kind, media);
      }
      if (kind === 'image' || kind === 'video' || kind === 'document') {
        const caption = str(data.message, 'data.message', { max: 1024 });
        if (caption) m.caption = caption;
      }
      // Audio and stickers carry no caption on WhatsApp; Interakt's examples send one for audio: it is ignored.
      if (kind === 'document') {
        const fileName = str(data.fileName, 'data.fileName', { max: 240 });
        if (fileName) m.filename = fileName;
      }
      if (kind === 'audio' && data.voice === true) m.voice = true;
      return { content: { type: kind, [kind]: m } };
    }
    case 'Location':
      return { content: { type: 'location', location: checkLocation(data.message ?? data, data.message !== undefined ? 'data.message' : 'data') } };
    case 'Contacts':
      return { content: { type: 'contacts', contacts: checkContacts(data.contacts ?? data.message, data.contacts !== undefined ? 'data.contacts' : 'data.message') } };
    case 'Reaction': {
      const reaction = checkReaction(data.messageId, data.emoji, { messageId: 'data.messageId', emoji: 'data.emoji' });
      return { content: { type: 'reaction', reaction }, reactionTo: reaction.message_id };
    }
    default: {
      const itype = INTERACTIVE[type]!;
      const message = obj(data.message, 'data.message');
      const interactive = checkInteractive(message.type === undefined ? { ...message, type: itype } : message, 'data.message', media, itype);
      return { content: { type: 'interactive', interactive } };
    }
  }
}
