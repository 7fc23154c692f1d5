/**
 * What the bot says to citizens, in each language it ships. Placeholders in braces.
 * A language missing here falls back to English.
 */
const MESSAGES = {
  received: {
    en: '✅ We have your report. Reference: {id}.\nA consular officer of the {embassy} will contact you on this number.{emergency}\nSend more details or a location pin (📎 → Location) at any time: they are added to {id}.',
    fr: "✅ Nous avons bien reçu votre signalement. Référence : {id}.\nUn agent consulaire de l'{embassy} vous contactera à ce numéro.{emergency}\nEnvoyez à tout moment des précisions ou votre position (📎 → Position) : elles seront ajoutées à {id}.",
    ar: '✅ تلقينا بلاغك. الرقم المرجعي: {id}.\nسيتواصل معك موظف قنصلي من {embassy} على هذا الرقم.{emergency}\nأرسل المزيد من التفاصيل أو موقعك (📎 ← الموقع) في أي وقت: ستضاف إلى {id}.',
  },
  emergency: {
    en: '\n🚨 If your life is in danger, call the local emergency number {number} now.',
    fr: "\n🚨 Si votre vie est en danger, appelez immédiatement le numéro d'urgence local {number}.",
    ar: '\n🚨 إذا كانت حياتك في خطر، اتصل فوراً برقم الطوارئ المحلي {number}.',
  },
  added: {
    en: '📝 Added to your report {id}. An officer will see it.',
    fr: '📝 Ajouté à votre signalement {id}. Un agent le verra.',
    ar: '📝 أضيف إلى بلاغك {id}. سيطلع عليه موظف.',
  },
  acknowledged: {
    en: '👀 Your report {id} has been seen by consular officer {officer}. We are working on it and will contact you.',
    fr: '👀 Votre signalement {id} a été pris en charge par {officer}, agent consulaire. Nous vous contacterons.',
    ar: '👀 اطلع الموظف القنصلي {officer} على بلاغك {id}. نحن نعمل عليه وسنتواصل معك.',
  },
  /** Acknowledged by no officer the bot can name (an API token with no rostered phone). */
  acknowledgedUnnamed: {
    en: '👀 Your report {id} has been seen by a consular officer. We are working on it and will contact you.',
    fr: '👀 Votre signalement {id} a été pris en charge par un agent consulaire. Nous vous contacterons.',
    ar: '👀 اطلع موظف قنصلي على بلاغك {id}. نحن نعمل عليه وسنتواصل معك.',
  },
  resolved: {
    en: '✔️ Your report {id} has been closed by the embassy.{note}\nIf you still need help, just write to us: a new report will be opened.',
    fr: "✔️ Votre signalement {id} a été clôturé par l'ambassade.{note}\nSi vous avez encore besoin d'aide, écrivez-nous : un nouveau signalement sera ouvert.",
    ar: '✔️ أغلقت السفارة بلاغك {id}.{note}\nإذا كنت لا تزال بحاجة إلى المساعدة، راسلنا وسيفتح بلاغ جديد.',
  },
  fromOfficer: {
    en: '💬 {embassy}, about your report {id}:\n{text}\n— {officer}\nAnswer here: your reply is added to {id}.',
    fr: '💬 {embassy}, au sujet de votre signalement {id} :\n{text}\n— {officer}\nRépondez ici : votre réponse sera ajoutée à {id}.',
    ar: '💬 {embassy}، بخصوص بلاغك {id}:\n{text}\n— {officer}\nأجب هنا: سيضاف ردك إلى {id}.',
  },
  fromOfficerClosed: {
    en: '💬 {embassy}, about your report {id}:\n{text}\n— {officer}\nAnswer here: an officer will read your reply.',
    fr: '💬 {embassy}, au sujet de votre signalement {id} :\n{text}\n— {officer}\nRépondez ici : un agent lira votre réponse.',
    ar: '💬 {embassy}، بخصوص بلاغك {id}:\n{text}\n— {officer}\nأجب هنا: سيقرأ موظف ردك.',
  },
  reopened: {
    en: '🔄 Your report {id} has been reopened by the embassy: an officer is working on it again.',
    fr: "🔄 Votre signalement {id} a été rouvert par l'ambassade : un agent s'en occupe de nouveau.",
    ar: '🔄 أعادت السفارة فتح بلاغك {id}: يعمل عليه موظف من جديد.',
  },
  sos: {
    en: '🆘 Understood: emergency. Reference {id}.{emergency}\nTell us in one message: what is happening, how many people, and send your location pin (📎 → Location).',
    fr: '🆘 Compris : urgence. Référence {id}.{emergency}\nDites-nous en un message : ce qui se passe, combien de personnes, et envoyez votre position (📎 → Position).',
    ar: '🆘 فهمنا: حالة طارئة. الرقم المرجعي {id}.{emergency}\nأخبرنا في رسالة واحدة: ماذا يحدث، وكم عدد الأشخاص، وأرسل موقعك (📎 ← الموقع).',
  },
  menu: {
    en: '{embassy} — what you can send:\n• Describe your emergency in your own words: we open a report and answer.\n• SOS: urgent help now\n• REGISTER: tell us you are in the country\n• SAFE: tell us you are safe\n• NEWS: the latest embassy advice\n• STOP: no more alerts · DELETE: erase your data',
    fr: "{embassy} — ce que vous pouvez envoyer :\n• Décrivez votre urgence avec vos mots : nous ouvrons un signalement et répondons.\n• SOS : aide urgente\n• INSCRIRE : signalez votre présence dans le pays\n• SAUF : dites-nous que vous êtes en sécurité\n• INFOS : les derniers conseils de l'ambassade\n• STOP : plus d'alertes · SUPPRIMER : effacer vos données",
    ar: '{embassy} — ما يمكنك إرساله:\n• صف حالتك الطارئة بكلماتك: نفتح بلاغاً ونرد عليك.\n• SOS: مساعدة عاجلة\n• تسجيل: أخبرنا بوجودك في البلد\n• آمن: أخبرنا أنك بأمان\n• أخبار: آخر نصائح السفارة\n• توقف: إيقاف التنبيهات · حذف: مسح بياناتك',
  },
  waiting: {
    en: '⏳ Your report {id} is in the queue: the next free consular officer will contact you on this number.{emergency}\nSend more details or a location pin (📎 → Location) at any time: they are added to {id}.',
    fr: '⏳ Votre signalement {id} est en attente : le prochain agent consulaire disponible vous contactera à ce numéro.{emergency}\nEnvoyez à tout moment des précisions ou votre position (📎 → Position) : elles seront ajoutées à {id}.',
    ar: '⏳ بلاغك {id} في قائمة الانتظار: سيتواصل معك أول موظف قنصلي متاح على هذا الرقم.{emergency}\nأرسل المزيد من التفاصيل أو موقعك (📎 ← الموقع) في أي وقت: ستضاف إلى {id}.',
  },
  withOfficerUnnamed: {
    en: '👀 A consular officer is working on your report {id} and will contact you on this number.{emergency}',
    fr: "👀 Un agent consulaire s'occupe de votre signalement {id} et vous contactera à ce numéro.{emergency}",
    ar: '👀 يعمل موظف قنصلي على بلاغك {id} وسيتواصل معك على هذا الرقم.{emergency}',
  },
  withOfficer: {
    en: '👀 Consular officer {officer} is working on your report {id} and will contact you on this number.{emergency}',
    fr: "👀 {officer}, agent consulaire, s'occupe de votre signalement {id} et vous contactera à ce numéro.{emergency}",
    ar: '👀 الموظف القنصلي {officer} يعمل على بلاغك {id} وسيتواصل معك على هذا الرقم.{emergency}',
  },
  mediaOnly: {
    en: '{icon} We received your {media}. The consular officers have it. If you can, also write in a few words what is happening and where.',
    fr: '{icon} Nous avons reçu votre {media}. Les agents consulaires y ont accès. Si vous le pouvez, écrivez aussi en quelques mots ce qui se passe et où.',
    ar: '{icon} استلمنا {media}. الموظفون القنصليون على علم. إن استطعت، اكتب أيضاً بكلمات قليلة ما يحدث وأين.',
  },
  thanks: {
    en: '🙏 You are welcome.{closed}\nIf you need help, just write to us what is happening: we will open a report.{emergency}',
    fr: "🙏 Avec plaisir.{closed}\nSi vous avez besoin d'aide, écrivez-nous simplement ce qui se passe : nous ouvrirons un signalement.{emergency}",
    ar: '🙏 على الرحب والسعة.{closed}\nإذا احتجت إلى المساعدة، اكتب لنا ما يحدث وسنفتح بلاغاً.{emergency}',
  },
  closedNote: {
    en: ' Your report {id} is closed.',
    fr: ' Votre signalement {id} est clôturé.',
    ar: ' بلاغك {id} مغلق.',
  },
  handedOver: {
    en: '✅ The {embassy} has your message. A consular officer will read it and contact you on this number.{emergency}',
    fr: "✅ L'{embassy} a bien reçu votre message. Un agent consulaire va le lire et vous contactera à ce numéro.{emergency}",
    ar: '✅ وصلت رسالتك إلى {embassy}. سيقرؤها موظف قنصلي ويتواصل معك على هذا الرقم.{emergency}',
  },
  resend: {
    en: '⚠️ We could not read your last message (a WhatsApp encryption problem). Please send it again.',
    fr: "⚠️ Nous n'avons pas pu lire votre dernier message (problème de chiffrement WhatsApp). Merci de le renvoyer.",
    ar: '⚠️ لم نتمكن من قراءة رسالتك الأخيرة (مشكلة في تشفير واتساب). يرجى إرسالها مرة أخرى.',
  },
  missedCall: {
    en: '📞 We could not take your call. Please write here what is happening and where you are (a location pin helps: 📎 → Location): the {embassy} crisis cell reads every message.{emergency}',
    fr: "📞 Nous n'avons pas pu prendre votre appel. Écrivez-nous ici ce qui se passe et où vous êtes (votre position aide : 📎 → Position) : la cellule de crise de l'{embassy} lit chaque message.{emergency}",
    ar: '📞 لم نتمكن من الرد على مكالمتك. اكتب لنا هنا ما يحدث وأين أنت (إرسال موقعك يساعد: 📎 ← الموقع): خلية الأزمة في {embassy} تقرأ كل رسالة.{emergency}',
  },
  resendViewOnce: {
    en: '⚠️ We cannot open "view once" photos, videos or voice notes. Please send it again as an ordinary one (without the ① view once button).',
    fr: '⚠️ Nous ne pouvons pas ouvrir les photos, vidéos ou messages vocaux « vue unique ». Merci de le renvoyer normalement (sans le bouton ① vue unique).',
    ar: '⚠️ لا يمكننا فتح الصور أو الفيديوهات أو الرسائل الصوتية «للعرض مرة واحدة». يرجى إرسالها مرة أخرى بشكل عادي (بدون زر ① العرض مرة واحدة).',
  },
} as const;

export type CitizenMessage = keyof typeof MESSAGES;

/** The message `key` in `language` (English when missing), with {placeholders} filled. */
/** What a citizen sent without words, as the answer names it ("your voice message"), per language. */
const MEDIA_NAMES: Record<string, Record<string, string>> = {
  en: { image: 'photo', video: 'video', audio: 'voice message', document: 'document', sticker: 'sticker' },
  fr: { image: 'photo', video: 'vidéo', audio: 'message vocal', document: 'document', sticker: 'autocollant' },
  ar: { image: 'صورتك', video: 'الفيديو', audio: 'رسالتك الصوتية', document: 'المستند', sticker: 'الملصق' },
};
const MEDIA_ICONS: Record<string, string> = { image: '📷', video: '🎥', audio: '🎤', document: '📄', sticker: '🖼️' };

/** The answer to a photo, video, voice note or document sent without words, in the citizen's language. */
export function mediaOnlyText(media: string, language: string): string {
  const names = MEDIA_NAMES[language] ?? MEDIA_NAMES.en;
  return citizenText('mediaOnly', language, { icon: MEDIA_ICONS[media] ?? '📎', media: names?.[media] ?? media });
}

/**
 * The languages the bot speaks to citizens and understands their keywords in ("au secours", "مساعدة"):
 * every message and keyword table has these. Another configured language gets English answers.
 */
export const SPOKEN_LANGUAGES: readonly string[] = Object.keys(MESSAGES.received);

export function citizenText(key: CitizenMessage, language: string, vars: Record<string, string> = {}): string {
  const table = MESSAGES[key] as Record<string, string>;
  const template = table[language] ?? table.en ?? '';
  return template.replace(/\{(\w+)\}/g, (_, name: string) => vars[name] ?? '');
}

/** Citizen keywords of the incident flow, per language (folded: lower case, no accents). */
export const INCIDENT_KEYWORDS = {
  /** A cry for help alone (repeated or not: "sos sos sos", "help help"; or only 🆘): a critical report. */
  sos: [
    ...['sos', 'help', 'help me', 'help us', 'please help', 'please help me', 'please help us', 'help me please', 'help us please'],
    ...['help please', 'plz help', 'pls help', 'urgent', 'urgent help', 'emergency', 'need help now', 'help needed'],
    ...['aide', 'aidez moi', 'aidez nous', 'aide moi', 'a l aide', 'au secours', 'urgence', 'svp aidez moi', 'svp aidez nous'],
    ...['النجده', 'مساعده', 'ساعدوني', 'ساعدني', 'ساعدونا', 'الحقوني', 'الحقونا', 'انقذوني', 'انقذونا', 'اغيثونا', 'مساعده عاجله'],
    ...['sa3douna', 'sa3dona', 'sa3idni', 'sa3edni', 'sa3edna', 'sa3edouna', 'el7a2ouni', 'il7a2ouni'],
    // Arabizi without digits: "saidouna" (help us) as many write it on a phone keyboard.
    ...['saidouna', 'saidoona', 'saedouna', 'saidoni', 'saidni', 'saedni'],
    // Typed in a hurry, on a phone.
    ...['help pls', 'help plz', 'pls help us', 'plz help us', 'pls help me', 'plz help me', 'hlp', 'hlep', 'hepl', 'halp'],
    ...['helpp', 'heelp', 'sos please', 's o s', 'i need help', 'we need help', 'need help', 'need help please', 'i need help now'],
    ...['we need help now', 'urgent please', 'au secour', 'secours', 'aide moi svp', 'aidez moi svp', 'aidez nous svp'],
    ...['besoin d aide', 'j ai besoin d aide', 'on a besoin d aide', 'nous avons besoin d aide', 'a l aide svp'],
    ...['بدي مساعده', 'بدنا مساعده', 'نحتاج مساعده', 'احتاج مساعده', 'نريد مساعده'],
    ...['sa3dooni', 'sa3douni', 'sa3edouna', 'il7a2ouna', 'el7a2ouna', 'el7a2ona'],
    // Not safe, in danger, and nothing more said.
    ...['not safe', 'we are not safe', 'i am not safe', 'we re not safe', 'i m not safe', 'we are in danger', 'i am in danger'],
    ...['nous ne sommes pas en securite', 'on n est pas en securite', 'je ne suis pas en securite', 'nous sommes en danger'],
    ...['on est en danger', 'je suis en danger', 'لسنا بامان', 'نحن لسنا بامان', 'مش بامان', 'احنا مش بامان', 'مش امنين'],
    ...['نحن في خطر', 'احنا بخطر', 'احنا في خطر', 'انا في خطر', 'انا بخطر'],
    // ...in one word, without the pronoun, or no longer.
    ...['unsafe', 'not safe at all', 'not safe here', 'unsafe here', 'we are unsafe', 'i am unsafe', 'i feel unsafe'],
    ...['we feel unsafe', 'we are not safe here', 'i am not safe here', 'not safe anymore', 'we are not safe anymore'],
    ...['no longer safe', 'we are no longer safe', 'it is not safe', 'it s not safe', 'its not safe'],
    ...['pas en securite', 'plus en securite', 'pas du tout en securite', 'on n est plus en securite', 'on est plus en securite'],
    ...['on est pas en securite', 'nous ne sommes plus en securite', 'je ne suis plus en securite', 'je suis pas en securite'],
    ...['on n est pas en securite ici', 'nous ne sommes pas en securite ici', 'on n est pas du tout en securite'],
    ...['مش امان', 'ما في امان', 'مافي امان', 'لسنا في امان', 'مش في امان', 'مش بامان ابدا'],
  ],
  menu: [
    // Greetings only. "Is anyone there?" is a plea for contact, not a greeting: it opens a report.
    ...['menu', 'start', 'hi', 'hello', 'hey', 'hi there', 'hello there', 'good morning', 'good afternoon', 'good evening'],
    ...['bonjour', 'bonsoir', 'salut', 'coucou', 'allo', 'slt'],
    ...['قائمه', 'مرحبا', 'السلام عليكم', 'السلام عليكم ورحمه الله', 'السلام عليكم ورحمه الله وبركاته', 'اهلا'],
    ...['صباح الخير', 'مساء الخير', 'marhaba', 'mar7aba', 'ahlan', 'salam alaykum', 'salam alaikum'],
    ...['salam aleikum', 'salam alikoum', 'salam alaykoum', 'salamu alaykum', 'assalamu alaikum', 'assalam alaikum'],
    ...['asalam alaikum', 'salam 3alaykom', 'salam 3likom'],
  ],
  /** Greetings that are also given names ("Salam"): the menu when they open a chat, but a name when REGISTER asks for one. */
  menuOrName: ['salam', 'salaam', 'slm', 'سلام'],
  /**
   * "Is anyone there?" while a report is open and no one has called yet ("?", "hello??", "any news?",
   * "répondez svp", "وينكم"): it joins the report, and the answer says where the report stands.
   */
  nudge: [
    ...['hello', 'hi', 'anyone', 'anybody', 'anyone there', 'is anyone there', 'anybody there', 'is anybody there', 'hello anyone'],
    ...['are you there', 'any news', 'any update', 'any updates', 'update', 'please answer', 'answer please', 'please reply'],
    ...['reply please', 'please respond', 'respond please', 'waiting', 'still waiting', 'we are waiting', 'nobody answers'],
    ...['allo', 'bonjour', 'il y a quelqu un', 'y a quelqu un', 'quelqu un', 'des nouvelles', 'repondez', 'repondez svp'],
    ...['svp repondez', 'vous etes la', 'on attend', 'j attends', 'toujours rien', 'personne ne repond'],
    ...['الو', 'مرحبا', 'وينكم', 'ردوا', 'ردو', 'ردوا علينا', 'حدا يرد', 'في حدا', 'شو صار', 'في جديد', 'اي جديد', 'ما في حدا'],
    ...['نحن ننتظر', 'عم نستنى', 'ناطرين', 'wenkon', 'wainkom', 'fi 7ada', 'shu sar'],
  ],
  /** The MENU keyword itself: the menu even while the citizen has a report open (a greeting then joins the report). */
  menuAlways: ['menu', 'قائمه'],
  /**
   * A message that only thanks or acknowledges ("ok", "thank you so much 🙏", "merci beaucoup", "شكرا كتير الله
   * يعطيكم العافية", "👍"): with no report open (theirs was resolved) it opens none, and gets a polite answer.
   * Every word must be one of `thanks` or `thanksFiller` (after `thanksPhrases` are taken out), one of them a
   * `thanks` word, and every emoji one of `thanksEmoji`. Never put a word asking for help in these lists.
   */
  thanks: [
    ...['ok', 'okay', 'k', 'kk', 'thanks', 'thank', 'thx', 'ty', 'tks', 'thnx', 'thanx', 'noted', 'received', 'great', 'perfect'],
    ...['alright', 'understood', 'merci', 'mrc', 'accord', 'dac', 'daccord', 'recu', 'entendu', 'parfait', 'super', 'compris'],
    ...['شكرا', 'شكر', 'مشكور', 'مشكورين', 'مشكورون', 'يسلمو', 'يسلموا', 'تسلم', 'تسلمو', 'تسلموا', 'ممنون', 'ممنونين', 'جزاكم'],
    ...['تمام', 'طيب', 'اوكي', 'اوك', 'ماشي', 'حاضر', 'shukran', 'shokran', 'choukran', 'yislamo', 'mashi'],
  ],
  thanksFiller: [
    ...['you', 'so', 'much', 'very', 'a', 'lot', 'lots', 'many', 'for', 'all', 'everything', 'your', 'the', 'and', 'again', 'guys'],
    ...['sir', 'madam', 'god', 'bless', 'really', 'we', 'i', 'am', 'are', 'it', 'got', 'fine', 'good', 'well', 'safe', 'now', 'team'],
    ...['beaucoup', 'bien', 'mille', 'fois', 'vous', 'infiniment', 'tout', 'pour', 'encore', 'd', 'c', 'est', 'ok', 'top'],
    ...['كتير', 'كثير', 'جزيلا', 'الله', 'يعطيكم', 'يعطيك', 'العافيه', 'خيرا', 'خير', 'الف', 'ربنا', 'يخليكم', 'يخليك', 'كل', 'على'],
    ...['لكم', 'لك', 'جدا', 'وصلت', 'وصل', 'الرساله', 'يا', 'جماعه', 'اخي', 'اخوان', 'الشباب', 'ktir', 'kteer', 'ya'],
  ],
  /** Phrases a thank-you may hold ("thanks for your help") whose words alone would not be filler. */
  thanksPhrases: ['for your help', 'for the help', 'for helping', 'for helping us', 'pour votre aide', 'pour l aide', 'على المساعده'],
  thanksEmoji: [
    '👍',
    '🙏',
    '❤',
    '♥',
    '💙',
    '💚',
    '🧡',
    '🤍',
    '👌',
    '🆗',
    '✅',
    '🌹',
    '💐',
    '😊',
    '🙂',
    '☺',
    '🥰',
    '😘',
    '🤝',
    '👏',
    '🤲',
    '💯',
  ],
} as const;
