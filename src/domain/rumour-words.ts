/**
 * Words that tell a forwarded message claims to speak for the embassy or the authorities ("the
 * embassy says go to the airport tonight, share!"), and words that show the sender is describing
 * their own situation. Plain data, matched like the triage rules (see triage-rules.ts): case,
 * accents and Arabic diacritics folded, whole words only, an Arabic word may carry a joined
 * و، ف، ب، ل، ك or ال. A forwarded message that names no genuine alert and holds one of
 * OFFICIAL_CLAIM is answered with a warning (see src/citizens/rumours.ts).
 */
export const OFFICIAL_CLAIM: Record<string, string[]> = {
  en: [
    'embassy',
    'embassies',
    'ambassador',
    'consulate',
    'consular',
    'consul',
    'government',
    'govt',
    'gov',
    'authorities',
    'the authority',
    'ministry',
    'minister',
    'foreign office',
    'state department',
    'official',
    'officials',
    'officially',
    'civil defence',
    'civil defense',
  ],
  fr: [
    'ambassade',
    'ambassades',
    'ambassadeur',
    'consulat',
    'consulaire',
    'gouvernement',
    'autorites',
    'ministere',
    'ministre',
    'quai d orsay',
    'officiel',
    'officielle',
    'officiels',
    'officiellement',
    'prefecture',
    'protection civile',
  ],
  ar: [
    'سفارة',
    'سفارات',
    'السفير',
    'قنصلية',
    'قنصليه',
    'حكومة',
    'الحكومية',
    'سلطات',
    'وزارة',
    'الوزير',
    'الخارجية',
    'رسمي',
    'رسمية',
    'رسميا',
    'الدفاع المدني',
  ],
  'ar-latn': ['safara', 'sifara', 'el safara', '7ukuma', '7koume', '7okoume', 'hukuma'],
};

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
