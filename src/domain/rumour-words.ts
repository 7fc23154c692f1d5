/**
 * Words that tell a forwarded message claims to speak for the embassy or the authorities ("the
 * embassy says go to the airport tonight, share!"), and words that show the sender is describing
 * their own situation. Plain data, matched like the triage rules (see triage-rules.ts): case,
 * accents and Arabic diacritics folded, whole words only, an Arabic word may carry a joined
 * و، ف، ب، ل، ك or ال. A forwarded message that names no genuine alert and holds one of
 * OFFICIAL_CLAIM is answered with a warning (see src/citizens/rumours.ts): that the embassy did not
 * send it when it claims the embassy, that the embassy cannot confirm it when it claims the authorities.
 */

/** Words by which a forwarded message claims to speak for the embassy (or the home country's foreign ministry). */
export const EMBASSY_CLAIM: Record<string, string[]> = {
  en: ['embassy', 'embassies', 'ambassador', 'consulate', 'consular', 'consul', 'foreign office', 'state department'],
  fr: ['ambassade', 'ambassades', 'ambassadeur', 'consulat', 'consulaire', 'quai d orsay'],
  ar: ['سفارة', 'سفارات', 'السفير', 'قنصلية', 'قنصليه', 'الخارجية'],
  'ar-latn': ['safara', 'sifara', 'el safara'],
};

/**
 * Words by which it claims to speak for the authorities of the country (a ministry, civil defence):
 * such a message may be genuine, and the embassy cannot say it is not (a real curfew must not be
 * ignored because a citizen was told "do not act on it").
 */
export const AUTHORITY_CLAIM: Record<string, string[]> = {
  en: [
    'government',
    'govt',
    'gov',
    'authorities',
    'the authority',
    'ministry',
    'minister',
    'official',
    'officials',
    'officially',
    'civil defence',
    'civil defense',
  ],
  fr: [
    'gouvernement',
    'autorites',
    'ministere',
    'ministre',
    'officiel',
    'officielle',
    'officiels',
    'officiellement',
    'prefecture',
    'protection civile',
  ],
  ar: ['حكومة', 'الحكومية', 'سلطات', 'وزارة', 'الوزير', 'رسمي', 'رسمية', 'رسميا', 'الدفاع المدني'],
  'ar-latn': ['7ukuma', '7koume', '7okoume', 'hukuma'],
};

/** Every word of a claim to be official, the embassy's or the authorities'. */
export const OFFICIAL_CLAIM: Record<string, string[]> = Object.fromEntries(
  Object.keys(EMBASSY_CLAIM).map((lang) => [lang, [...(EMBASSY_CLAIM[lang] ?? []), ...(AUTHORITY_CLAIM[lang] ?? [])]]),
);

/**
 * Words of a sender speaking of themselves or their own people ("we are", "my son", "نحن"): a
 * forwarded message that says so and describes danger is someone's report, never a rumour.
 */
export const FIRST_PERSON: Record<string, string[]> = {
  en: ['i', 'im', 'i m', 'me', 'my', 'we', 'us', 'our', 'ours', 'myself'],
  fr: ['je', 'j', 'moi', 'mon', 'ma', 'mes', 'nous', 'notre', 'nos'],
  ar: ['انا', 'نحن', 'احنا', 'إحنا', 'عندنا', 'معنا', 'معي', 'عندي', 'بيتنا', 'بيتي', 'ابني', 'بنتي', 'زوجي', 'زوجتي', 'اهلي', 'عائلتي'],
  'ar-latn': ['ana', 'ne7na', 'e7na', 'nehna', 'ehna'],
};

/**
 * A citizen just warned of a rumour asking whether it is true ("is this true?", "c'est vrai ?", "صحيح؟"):
 * the whole message is one of these and TRUTH_FILLER words. They get the answer again, no report.
 */
export const TRUTH_QUESTIONS: Record<string, string[]> = {
  en: ['is this true', 'is it true', 'is that true', 'true', 'really', 'is it real', 'is this real', 'real', 'is it fake', 'fake', 'false', 'a lie'],
  fr: ['c est vrai', 'est ce vrai', 'est ce que c est vrai', 'vrai', 'vraiment', 'c est faux', 'faux', 'c est une rumeur'],
  ar: ['صحيح', 'هل هذا صحيح', 'هذا صحيح', 'هل صحيح', 'صح', 'جد', 'بجد', 'عن جد', 'كذب', 'اشاعه', 'هل هي اشاعه'],
  'ar-latn': ['sa7', 'sa7i7', 'jad', 'bjad', '3an jad', 'ishe3a'],
};

/** Words a truth question may carry around it ("so is this news true then??", "يعني الخبر صحيح؟"). */
export const TRUTH_FILLER: Record<string, string[]> = {
  en: ['so', 'then', 'ok', 'this', 'that', 'it', 'is', 'the', 'message', 'news', 'one', 'please', 'or', 'not', 'a', 'rumour', 'rumor'],
  fr: ['donc', 'alors', 'ok', 'ce', 'cette', 'c', 'est', 'le', 'la', 'message', 'info', 'nouvelle', 'svp', 'ou', 'pas', 'une', 'rumeur'],
  ar: ['يعني', 'هل', 'هذا', 'هاد', 'هذه', 'هاي', 'الخبر', 'الرساله', 'الكلام', 'ولا', 'او', 'لا', 'شي'],
  'ar-latn': ['ya3ni', 'hal', 'hada', 'hayda', 'el', 'khabar', 'walla'],
};
