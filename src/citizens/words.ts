/**
 * The words citizens may send, in every language the embassy may configure. Matching is
 * case-insensitive and ignores accents and surrounding punctuation (see keywords.ts).
 * To support a new language, add its words here and its replies in messages.ts.
 */
export const KEYWORDS = {
  /** Start (or update) registration with the embassy. */
  register: {
    en: ['register', 'registration', 'start'],
    fr: ['inscription', 'inscrire', 'enregistrer'],
    // Arabizi (Arabic in Latin letters) too: "tasjil".
    ar: ['تسجيل', 'سجل', 'سجلني', 'tasjil', 'tasjeel', 'sajelni', 'sajjelni'],
  },
  /** The latest advisory. */
  news: {
    en: ['news', 'advisory', 'latest'],
    fr: ['nouvelles', 'actualites', 'infos', 'info'],
    ar: ['أخبار', 'اخبار', 'نشرة', 'akhbar', 'a5bar'],
  },
  /** Asking for news in words: NEWS for someone with no report open (with one, it is about their report). */
  newsQuestion: {
    en: ['any news', 'any update', 'any updates', 'what is the news', 'what s the news', 'latest news', 'news please', 'what is happening'],
    fr: ['des nouvelles', 'quelles nouvelles', 'les nouvelles', 'dernieres nouvelles', 'quoi de neuf', 'que se passe t il'],
    ar: ['شو الاخبار', 'ما الاخبار', 'ما هي الاخبار', 'في اخبار', 'اي اخبار', 'اخر الاخبار', 'شو في اخبار', 'shu l akhbar', 'sho el a5bar'],
  },
  /** Opt out of alerts. */
  stop: { en: ['stop', 'unsubscribe'], fr: ['stop', 'arret', 'desinscription'], ar: ['توقف', 'إيقاف', 'ايقاف'] },
  /** Erase my personal data. */
  delete: { en: ['delete', 'erase', 'forget me'], fr: ['supprimer', 'effacer', 'oubliez-moi'], ar: ['حذف', 'امسح'] },
  /**
   * Asking to be erased in words ("delete my data"): answered with how (DELETE, or STOP for alerts
   * only), never erased on it: "will you delete my data?" or "don't delete me" read the same way.
   */
  deleteAsk: {
    en: [
      'delete my data',
      'delete my details',
      'delete my information',
      'delete my info',
      'delete my number',
      'delete me',
      'erase my data',
      'erase me',
      'remove my data',
      'remove my details',
      'remove my number',
      'remove me',
      'please delete my data',
      'i want to delete my data',
      'how do i delete my data',
    ],
    fr: [
      'supprimer mes donnees',
      'supprimez mes donnees',
      'effacer mes donnees',
      'effacez mes donnees',
      'supprimez moi',
      'supprimer mon numero',
      'supprimez mon numero',
      'retirez moi',
      'je veux supprimer mes donnees',
      'comment supprimer mes donnees',
    ],
    ar: ['احذف بياناتي', 'احذفوا بياناتي', 'امسح بياناتي', 'امسحوا بياناتي', 'احذفوني', 'احذف رقمي', 'امسحوا رقمي'],
  },
  /** "I am safe" (also the answer 1 to a welfare check). */
  safe: {
    en: ['safe', 'i am safe', "i'm safe", 'we are safe', "we're safe", 'we are all safe', 'we are safe now', 'i am safe now'],
    fr: ['sauf', 'en securite', 'je suis en securite', 'nous sommes en securite', 'on est en securite', 'nous sommes tous en securite'],
    ar: ['آمن', 'بخير', 'انا بخير', 'نحن بخير', 'احنا بخير', 'كلنا بخير', 'نحن بأمان', 'انا بأمان', 'احنا بأمان'],
  },
  /**
   * "We are fine" in other words than SAFE: read only as an answer to a welfare check ("are you safe?"),
   * where it is answer 1. Never put a word asking for help here.
   */
  fine: {
    en: [
      ...['fine', 'ok fine', 'all fine', 'all good', 'all ok', 'all okay', 'all well', 'alright', 'all right', 'good thanks'],
      ...['i am ok', 'i am okay', 'i am fine', 'i am good', 'i am well', 'i am alright', "i'm ok", "i'm okay", "i'm fine", "i'm good"],
      ...['im ok', 'im fine', 'we are ok', 'we are okay', 'we are fine', 'we are good', 'we are well', 'we are alright', "we're ok"],
      ...["we're okay", "we're fine", "we're good", 'we r ok', 'we r fine', 'we r safe', 'we are all ok', 'we are all fine'],
      ...['we are all good', 'we are all well', 'everyone is ok', 'everyone is fine', 'everyone is safe', 'everybody is ok'],
      ...['everybody is fine', 'everybody is safe', 'all of us are ok', 'all of us are fine', 'all of us are safe'],
    ],
    fr: [
      ...['ca va', 'ca va bien', 'oui ca va', 'tout va bien', 'tres bien', 'je vais bien', 'nous allons bien', 'on va bien'],
      ...['tout le monde va bien', 'nous sommes bien', 'on est bien', 'sain et sauf', 'saine et sauve', 'sains et saufs'],
      ...['saines et sauves', 'nous sommes tous bien', 'tous en securite', 'on est tous en securite'],
    ],
    ar: [
      ...['تمام', 'كله تمام', 'كلنا تمام', 'الحمد لله', 'الحمدلله', 'الحمد لله بخير', 'بخير الحمد لله', 'منيح', 'منيحه'],
      ...['منيحين', 'مناح', 'كويس', 'كويسه', 'كويسين', 'مليح', 'مليحين', 'سالمين', 'انا منيح', 'انا منيحه', 'انا كويس'],
      ...['انا كويسه', 'نحنا مناح', 'احنا مناح', 'كلنا مناح', 'كلنا منيحين', 'احنا كويسين', 'احنا منيحين', 'كلنا بامان'],
      // Arabizi: Arabic in Latin letters and digits.
      ...['mni7', 'mnee7', 'mne7', 'mni7a', 'mni7in', 'mnee7in', 'mne7in', 'mna7', 'kwayes', 'kwayyes', 'kwaysin', 'kwayseen'],
      ...['tamam', 'tmm', 'bkhair', 'bkheir', 'bkhir', 'bekhir', 'b5ir', 'b5eir', 'b5er', 'bikhair', 'hamdella', 'hamdellah'],
      ...['hamdulillah', 'alhamdulillah', 'l7amdella', 'l7amdellah', 'el7amdella', 'al7amdulillah', 'ana mni7', 'ana mni7a'],
      ...['ana mnee7', 'ana bkhair', 'ana b5er', 'ne7na mni7in', 'ne7na mna7', 'e7na mni7in', 'e7na mna7', 'ne7na bkhair'],
      ...['kolna mni7', 'kolna mni7in', 'kolna mnee7in', 'kolna mna7', 'kelna mna7', 'kellna mna7', 'kolna bkhair', 'kolna tamam'],
    ],
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

/**
 * Asking in a sentence to stop the messages or be taken off the list ("please stop", "unsubscribe
 * me", "supprimer mon compte"): found anywhere in a short message that describes no emergency, and
 * answered like deleteAsk with how to send STOP or DELETE; never acted on.
 */
export const OPT_OUT_PHRASES: Record<string, readonly string[]> = {
  en: [
    ...['stop please', 'please stop', 'pls stop', 'stop pls', 'please please stop', 'stop sending', 'stop messaging', 'stop texting'],
    ...['stop the messages', 'stop these notifications', 'stop notifications', 'no more notifications'],
    ...['stop these messages', 'stop your messages', 'no more messages', 'unsubscribe', 'opt out', 'take me off', 'remove me'],
    ...['remove my number', 'delete my account', 'delete my number', 'delete my data', 'delete me', 'please delete', 'delete please'],
    ...['erase my data', 'dont message me', 'don t message me', 'do not message me', 'dont text me', 'do not text me'],
  ],
  fr: [
    ...['stop svp', 'svp stop', 'stop s il vous plait', 'arretez', 'arretez svp', 'arretez s il vous plait', 'arrete svp', 'arrete stp'],
    ...['arretez les messages', 'arreter les messages', 'plus de messages', 'arretez de m envoyer', 'arrete de m envoyer'],
    ...['me desabonner', 'desabonnez moi', 'desabonner', 'me desinscrire', 'desinscrivez moi', 'supprimer mon compte'],
    ...['supprimez mon compte', 'supprimer mes donnees', 'supprimez mes donnees', 'retirez moi', 'retirez mon numero'],
    ...['ne m envoyez plus'],
  ],
  ar: [
    ...['حذف بياناتي', 'حذف حسابي', 'احذف حسابي', 'احذفوا حسابي', 'امسح حسابي', 'الغاء الاشتراك', 'إلغاء الاشتراك', 'الغ اشتراكي'],
    ...['وقفوا الرسائل', 'اوقفوا الرسائل', 'أوقفوا الرسائل', 'وقف الرسائل', 'بدون رسائل', 'لا تراسلوني', 'لا تبعتولي'],
    ...['بطلوا تبعتولي', 'بطلوا تبعتوا', 'بطلوا رسايل'],
  ],
};

/**
 * The other words of a request to stop or be erased ("please stop sending me these messages, I am
 * back home"): a message that says anything else with the phrase ("no more messages, just send
 * someone, my father collapsed", "please stop them, they are beating my son") is a report.
 */
export const OPT_OUT_FILLER: Record<string, readonly string[]> = {
  en: [
    ...['please', 'pls', 'plz', 'me', 'my', 'i', 'im', 'am', 'we', 're', 'are', 'us', 'our', 'you', 'your', 'the', 'these', 'this'],
    ...['those', 'that', 'all', 'any', 'anymore', 'more', 'no', 'now', 'thanks', 'thank', 'thx', 'ok', 'okay', 'from', 'list'],
    ...['number', 'data', 'account', 'messages', 'message', 'alerts', 'alert', 'notifications', 'notification', 'texts', 'text'],
    ...['sms', 'whatsapp', 'want', 'would', 'like', 'to', 'do', 'dont', 'don', 't', 'not', 'send', 'sending', 'stop', 'it', 'of'],
    ...['just', 'back', 'home', 'safe', 'already', 'left', 'returned', 'again', 'here', 'and', 'sir', 'madam', 'thank you'],
  ],
  fr: [
    ...['svp', 'stp', 'merci', 's', 'il', 'vous', 'plait', 'je', 'j', 'suis', 'nous', 'sommes', 'on', 'est', 'me', 'moi', 'mes'],
    ...['mon', 'ma', 'ces', 'ce', 'cette', 'de', 'des', 'du', 'vos', 'votre', 'plus', 'messages', 'message', 'alertes'],
    ...['notifications', 'numero', 'compte', 'donnees', 'ne', 'n', 'pas', 'envoyez', 'envoyer', 'm', 'rentre', 'rentree', 'rentres'],
    ...['en', 'france', 'deja', 'maintenant', 'ok', 'et', 'bien', 'a', 'la', 'maison', 'bonjour', 'monsieur', 'madame'],
  ],
  ar: ['من', 'فضلك', 'لو', 'سمحت', 'شكرا', 'ارجوكم', 'ارجوك', 'بدي', 'اريد', 'انا', 'رجعت', 'الرسائل', 'رسائل', 'رقمي', 'هذه', 'هاي'],
};

/** Names of languages as citizens may type them when asked for their language. */
export const LANGUAGE_NAMES: Record<string, readonly string[]> = {
  en: ['en', 'english', 'anglais', 'إنجليزي', 'الانجليزية', 'الإنجليزية'],
  fr: ['fr', 'french', 'francais', 'français', 'فرنسي', 'الفرنسية'],
  ar: ['ar', 'arabic', 'arabe', 'عربي', 'العربية'],
};

/** How a language is named to a citizen in a list of choices. */
export const LANGUAGE_LABEL: Record<string, string> = { en: 'English', fr: 'Français', ar: 'العربية' };
