/**
 * The words citizens may send, in every language the embassy may configure. Matching is
 * case-insensitive and ignores accents and surrounding punctuation (see keywords.ts).
 * To support a new language, add its words here and its replies in messages.ts.
 */
export const KEYWORDS = {
  /** Start (or update) registration with the embassy. */
  register: { en: ['register', 'registration', 'start'], fr: ['inscription', 'inscrire', 'enregistrer'], ar: ['تسجيل', 'سجل'] },
  /** The latest advisory. */
  news: { en: ['news', 'advisory', 'latest'], fr: ['nouvelles', 'actualites', 'infos', 'info'], ar: ['أخبار', 'اخبار', 'نشرة'] },
  /** Opt out of alerts. */
  stop: { en: ['stop', 'unsubscribe'], fr: ['stop', 'arret', 'desinscription'], ar: ['توقف', 'إيقاف', 'ايقاف'] },
  /** Erase my personal data. */
  delete: { en: ['delete', 'erase', 'forget me'], fr: ['supprimer', 'effacer', 'oubliez-moi'], ar: ['حذف', 'امسح'] },
  /** "I am safe" (also the answer 1 to a welfare check). */
  safe: {
    en: ['safe', 'i am safe', "i'm safe", 'we are safe', "we're safe", 'we are all safe', 'we are safe now', 'i am safe now'],
    fr: ['sauf', 'en securite', 'je suis en securite', 'nous sommes en securite', 'on est en securite', 'nous sommes tous en securite'],
    ar: ['آمن', 'بخير', 'انا بخير', 'نحن بخير', 'احنا بخير', 'كلنا بخير', 'نحن بأمان', 'انا بأمان', 'احنا بأمان'],
  },
  /** "I need help" as an answer to a welfare check (answer 2). */
  help: { en: ['help', 'need help', 'sos'], fr: ['aide', 'au secours', 'besoin d aide'], ar: ['مساعدة', 'النجدة', 'ساعدوني'] },
  /** Consent and confirmations in a dialogue. */
  yes: {
    en: ['yes', 'y', 'agree', 'i agree', 'ok', 'okay', 'yes please', 'yes i agree'],
    fr: ['oui', 'o', 'j accepte', 'accepte', 'd accord', 'oui j accepte'],
    ar: ['نعم', 'موافق', 'اوافق', 'أوافق', 'نعم موافق', 'حسنا'],
  },
  no: { en: ['no', 'n', 'disagree'], fr: ['non', 'refuse'], ar: ['لا', 'ارفض'] },
  /** Leave a dialogue without saving. */
  cancel: { en: ['cancel', 'quit'], fr: ['annuler', 'quitter'], ar: ['إلغاء', 'الغاء'] },
} as const satisfies Record<string, Record<string, readonly string[]>>;

export type Keyword = keyof typeof KEYWORDS;

/** Names of languages as citizens may type them when asked for their language. */
export const LANGUAGE_NAMES: Record<string, readonly string[]> = {
  en: ['en', 'english', 'anglais', 'إنجليزي', 'الانجليزية', 'الإنجليزية'],
  fr: ['fr', 'french', 'francais', 'français', 'فرنسي', 'الفرنسية'],
  ar: ['ar', 'arabic', 'arabe', 'عربي', 'العربية'],
};

/** How a language is named to a citizen in a list of choices. */
export const LANGUAGE_LABEL: Record<string, string> = { en: 'English', fr: 'Français', ar: 'العربية' };
