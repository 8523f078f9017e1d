/** Interakt's customer object (reference §5.3): Get Users and get single user answer with it. */
export interface InteraktCustomer {
  id: string;
  phone_number: string;
  country_code: string;
  channel_phone_number: string;
  user_id: string | null;
  created_at_utc: string;
  modified_at_utc: string;
  traits: Record<string, unknown>;
  tags: string[];
  tag_names: string[];
}

export type CustomerRow = {
  id: string;
  phone: string;
  country_code: string;
  phone_national: string;
  user_id: string | null;
  name: string | null;
  profile_name: string | null;
  traits: string;
  tags: string;
  whatsapp_opted_in: number | null;
  created_at: number | string;
  updated_at: number | string;
};

/** Column-backed reserved traits (`name`, `whatsapp_opted_in`) are shown inside `traits`, as Interakt does. */
export function toInteraktCustomer(r: CustomerRow): InteraktCustomer {
  const traits: Record<string, unknown> = JSON.parse(r.traits) as Record<string, unknown>;
  if (r.name !== null) traits.name = r.name;
  if (r.whatsapp_opted_in !== null) traits.whatsapp_opted_in = Number(r.whatsapp_opted_in) === 1;
  const tags = JSON.parse(r.tags) as string[];
  return {
    id: r.id,
    phone_number: r.phone_national,
    country_code: r.country_code,
    channel_phone_number: r.phone,
    user_id: r.user_id,
    created_at_utc: new Date(Number(r.created_at)).toISOString(),
    modified_at_utc: new Date(Number(r.updated_at)).toISOString(),
    traits,
    tags,
    tag_names: tags,
  };
}
