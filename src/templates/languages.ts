/**
 * The template languages Meta supports (cloud-api-limits.md §5.6: 111 codes as of 2026), with the
 * English names of Meta's "Supported languages" page. Interakt's create API takes the name
 * ("English"), Meta's API the code ("en"); both are accepted and resolved here. Codes are
 * case-sensitive with an underscore (`en_US`); `en-US` (as some webhooks spell it) is normalised.
 */
const LANGUAGE_TABLE: [code: string, name: string][] = [
  ['af', 'Afrikaans'], ['sq', 'Albanian'], ['ar', 'Arabic'], ['ar_EG', 'Arabic (EGY)'], ['ar_AE', 'Arabic (UAE)'], ['ar_LB', 'Arabic (LBN)'],
  ['ar_MA', 'Arabic (MAR)'], ['ar_QA', 'Arabic (QAT)'], ['az', 'Azerbaijani'], ['be_BY', 'Belarusian'], ['bn', 'Bengali'], ['bn_IN', 'Bengali (IND)'],
  ['bg', 'Bulgarian'], ['ca', 'Catalan'], ['zh_CN', 'Chinese (CHN)'], ['zh_HK', 'Chinese (HKG)'], ['zh_TW', 'Chinese (TAI)'], ['hr', 'Croatian'],
  ['cs', 'Czech'], ['da', 'Danish'], ['prs_AF', 'Dari'], ['nl', 'Dutch'], ['nl_BE', 'Dutch (BEL)'], ['en', 'English'], ['en_GB', 'English (UK)'],
  ['en_US', 'English (US)'], ['en_AE', 'English (UAE)'], ['en_AU', 'English (AUS)'], ['en_CA', 'English (CAN)'], ['en_GH', 'English (GHA)'],
  ['en_IE', 'English (IRL)'], ['en_IN', 'English (IND)'], ['en_JM', 'English (JAM)'], ['en_MY', 'English (MYS)'], ['en_NZ', 'English (NZL)'],
  ['en_QA', 'English (QAT)'], ['en_SG', 'English (SGP)'], ['en_UG', 'English (UGA)'], ['en_ZA', 'English (ZAF)'], ['et', 'Estonian'],
  ['fil', 'Filipino'], ['fi', 'Finnish'], ['fr', 'French'], ['fr_BE', 'French (BEL)'], ['fr_CA', 'French (CAN)'], ['fr_CH', 'French (CHE)'],
  ['fr_CI', 'French (CIV)'], ['fr_MA', 'French (MAR)'], ['ka', 'Georgian'], ['de', 'German'], ['de_AT', 'German (AUT)'], ['de_CH', 'German (CHE)'],
  ['el', 'Greek'], ['gu', 'Gujarati'], ['ha', 'Hausa'], ['he', 'Hebrew'], ['hi', 'Hindi'], ['hu', 'Hungarian'], ['id', 'Indonesian'], ['ga', 'Irish'],
  ['it', 'Italian'], ['ja', 'Japanese'], ['kn', 'Kannada'], ['kk', 'Kazakh'], ['rw_RW', 'Kinyarwanda'], ['ko', 'Korean'], ['ky_KG', 'Kyrgyz (Kyrgyzstan)'],
  ['lo', 'Lao'], ['lv', 'Latvian'], ['lt', 'Lithuanian'], ['mk', 'Macedonian'], ['ms', 'Malay'], ['ml', 'Malayalam'], ['mr', 'Marathi'],
  ['nb', 'Norwegian'], ['ps_AF', 'Pashto'], ['fa', 'Persian'], ['pl', 'Polish'], ['pt_BR', 'Portuguese (BR)'], ['pt_PT', 'Portuguese (POR)'],
  ['pa', 'Punjabi'], ['ro', 'Romanian'], ['ru', 'Russian'], ['sr', 'Serbian'], ['si_LK', 'Sinhala'], ['sk', 'Slovak'], ['sl', 'Slovenian'],
  ['es', 'Spanish'], ['es_AR', 'Spanish (ARG)'], ['es_CL', 'Spanish (CHL)'], ['es_CO', 'Spanish (COL)'], ['es_CR', 'Spanish (CRI)'],
  ['es_DO', 'Spanish (DOM)'], ['es_EC', 'Spanish (ECU)'], ['es_HN', 'Spanish (HND)'], ['es_MX', 'Spanish (MEX)'], ['es_PA', 'Spanish (PAN)'],
  ['es_PE', 'Spanish (PER)'], ['es_ES', 'Spanish (SPA)'], ['es_UY', 'Spanish (URY)'], ['sw', 'Swahili'], ['sv', 'Swedish'], ['ta', 'Tamil'],
  ['te', 'Telugu'], ['th', 'Thai'], ['tr', 'Turkish'], ['uk', 'Ukrainian'], ['ur', 'Urdu'], ['uz', 'Uzbek'], ['vi', 'Vietnamese'], ['zu', 'Zulu'],
];

/** Every supported code (Meta's spelling). */
export const TEMPLATE_LANGUAGE_CODES: readonly string[] = LANGUAGE_TABLE.map(([c]) => c);
const CODES = new Set(TEMPLATE_LANGUAGE_CODES);
const BY_NAME = new Map(LANGUAGE_TABLE.map(([c, n]) => [n.toLowerCase(), c]));
const NAME_OF = new Map(LANGUAGE_TABLE);

export function isSupportedLanguage(code: string): boolean {
  return CODES.has(code);
}

/** The English name of a code ("en" → "English"), or the code itself when unknown. */
export function languageName(code: string): string {
  return NAME_OF.get(code) ?? code;
}

/**
 * A supported code from a code (`en_US`, `en-US`) or an English name (`English`, `english (us)`);
 * null when neither.
 */
export function resolveLanguage(input: string): string | null {
  const s = input.trim();
  const code = s.replace('-', '_');
  if (CODES.has(code)) return code;
  return BY_NAME.get(s.toLowerCase()) ?? null;
}
