import type { ContactsTable } from './tables.ts';

/** A contact as other modules see it. */
export interface Contact {
  id: string;
  workspaceId: string;
  /** E.164 digits without '+' (Meta's wa_id). */
  phone: string;
  countryCode: string;
  phoneNational: string;
  userId: string | null;
  name: string | null;
  profileName: string | null;
  createdAt: number;
  updatedAt: number;
}

export function toContact(row: Pick<ContactsTable, 'id' | 'workspace_id' | 'phone' | 'country_code' | 'phone_national' | 'user_id' | 'name' | 'profile_name' | 'created_at' | 'updated_at'>): Contact {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    phone: row.phone,
    countryCode: row.country_code,
    phoneNational: row.phone_national,
    userId: row.user_id,
    name: row.name,
    profileName: row.profile_name,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}
