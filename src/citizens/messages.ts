/**
 * What the bot says to citizens, per language. `{name}` placeholders are filled by `t()`.
 * A language missing a message falls back to English.
 */
const MESSAGES = {
  en: {
    consent:
      'Registration with the {embassy}.\nPrivacy: we keep your name, region, household size, language and phone only to contact and help you in a crisis. You can send STOP to stop alerts and DELETE to erase your data at any time.\nDo you agree? Reply YES or NO.',
    consentAgain: 'Please reply YES to continue or NO to stop registering.',
    declined: 'Registration cancelled. Nothing was kept. Send REGISTER if you change your mind.',
    askName: 'What is your full name?',
    badName: 'Please send your full name (2 to 80 characters).',
    askRegion: 'Where are you now? Reply with your region ({regions}) or send a location pin.',
    badRegion: 'Sorry, we did not recognise that region. Please reply with one of: {regions}, or send a location pin.',
    askHousehold: 'How many people are with you, including you? Reply with a number (for example 3).',
    badHousehold: 'Please reply with a number of people between 1 and 50 (for example 3).',
    askLanguage: 'Which language should we write to you in? Reply {languages}.',
    badLanguage: 'Please choose one of: {languages}.',
    answerChanged: 'We have changed that answer.',
    answerKept: 'We could not use the edited answer, so we kept the one you sent before.',
    registered:
      'Thank you, {name}. You are registered: {region}, {household} person(s), {language}. You will receive embassy alerts here. Send REGISTER to update, STOP to stop alerts, DELETE to erase your data.',
    cancelled: 'Registration cancelled. Nothing was changed.',
    registerPaused: 'Your registration is paused so that we deal with this message first. Send REGISTER again when you can.',
    stopped: 'You will no longer receive embassy alerts. Send REGISTER to receive them again. Send DELETE to erase your data.',
    notRegistered:
      'You will no longer receive embassy alerts. You are not registered with the embassy: send REGISTER to register and receive them again.',
    deleted: 'Your personal data has been erased from the embassy system. Send REGISTER if you want to register again.',
    deletedOpenReport: 'The embassy can no longer follow up your report {id} on this number. If you still need help, write to us again.',
    deleteHow:
      'To erase your registration and what you sent us, send the one word DELETE. It cannot be undone. To stop alerts only, send STOP.',
    noNews: 'There is no current advisory from the {embassy}.',
    news: 'Latest advisory ({date}), {id}, verification code {code}:\n{text}',
    safeNoted: 'Thank you. We have noted that you are safe.',
    welfareSafe: 'Thank you. We have noted that you are safe ({people} person(s)). Stay in touch with the embassy.',
    welfareBadPeople:
      'Sorry, we could not read how many people are safe with you. Please reply 1 (SAFE) followed by the number of people, from 1 to 50 (for example "1 3"), or 2 (HELP).',
    welfareHelp:
      'We have received your request for help (reference {id}). A consular officer will contact you. If your life is in danger, call {emergency}.',
    welfareQuestion: 'Are you safe? Reply 1 (SAFE) or 2 (HELP). You may add how many people with you are safe, e.g. "1 3".',
    welfareReminder: 'Reminder: the embassy still needs your answer. Are you safe? Reply 1 (SAFE) or 2 (HELP).',
    alertHeader: 'OFFICIAL ALERT from the {embassy}',
    alertFooter: 'Verification code: {code}. Send NEWS to check an alert is genuine.',
    alertGenuine: 'Yes: {id} is a genuine alert from the embassy, sent {date}. Its verification code is {code}.',
    alertGenuineWords: 'Yes: {id} is a genuine alert from the embassy, sent {date}. These are its words, and only these:\n{text}',
    alertWithdrawn:
      '⚠️ {id} was sent by the embassy on {date}, then withdrawn: do not act on it and do not share it. Send NEWS for the latest genuine advice. If you are in danger, describe your situation in a message and we will open a report.',
    alertAltered:
      '⚠️ Warning: {id} is a genuine alert, but this copy was changed: its words are not the ones the embassy sent. Do not act on this copy and do not share it. What the embassy sent:\n{text}',
    authoritiesUnconfirmed:
      "ℹ️ This message did not come from the embassy, and the embassy cannot confirm it. It says it comes from the local authorities: check it on their official channels (website, official accounts, local media) before you act on it or share it. Where it tells you to stay indoors or keep away from a place, doing so is the safe choice until you know. Send NEWS for the embassy's latest advice. If you are in danger, describe your situation in a message and we will open a report.",
    rumourNotTrue:
      'No. The embassy did not send the message you forwarded: do not act on it and do not share it. Send NEWS for the embassy\'s genuine advice. If you are in danger, describe your situation in a message and we will open a report.',
    authoritiesStillUnconfirmed:
      'The embassy cannot say. The message you forwarded claims to come from the local authorities, not from the embassy: check it on their official channels (website, official accounts, local media). Until you know, where it tells you to stay indoors or keep away from a place, doing so is the safe choice. Send NEWS for the embassy\'s advice. If you are in danger, describe your situation in a message and we will open a report.',
    rumourWarning:
      '⚠️ Warning: the embassy did not send this message. It is not a genuine embassy alert (a genuine alert has a number ALR-… and a verification code). Do not act on it and do not share it. Send NEWS for the latest genuine advice from the embassy. If you are in danger, describe your situation in a message and we will open a report.',
    alertNotGenuine:
      'Warning: the embassy did not send {id} with this content or code. Do not trust or forward it. Send NEWS for the latest genuine advisory. If you are in danger, describe your situation in a message and we will open a report.',
  },
  fr: {
    consent:
      "Inscription auprès de l'{embassy}.\nConfidentialité : nous gardons votre nom, région, taille du foyer, langue et téléphone uniquement pour vous contacter et vous aider en cas de crise. Envoyez STOP pour ne plus recevoir d'alertes et SUPPRIMER pour effacer vos données à tout moment.\nAcceptez-vous ? Répondez OUI ou NON.",
    consentAgain: "Répondez OUI pour continuer ou NON pour arrêter l'inscription.",
    declined: "Inscription annulée. Rien n'a été conservé. Envoyez INSCRIPTION si vous changez d'avis.",
    askName: 'Quel est votre nom complet ?',
    badName: 'Merci d’envoyer votre nom complet (2 à 80 caractères).',
    askRegion: 'Où êtes-vous actuellement ? Répondez avec votre région ({regions}) ou envoyez une position.',
    badRegion: 'Désolé, nous ne reconnaissons pas cette région. Répondez avec : {regions}, ou envoyez une position.',
    askHousehold: 'Combien de personnes sont avec vous, vous compris ? Répondez avec un nombre (par exemple 3).',
    badHousehold: 'Merci de répondre avec un nombre de personnes entre 1 et 50 (par exemple 3).',
    askLanguage: 'Dans quelle langue devons-nous vous écrire ? Répondez {languages}.',
    badLanguage: 'Merci de choisir parmi : {languages}.',
    answerChanged: 'Nous avons modifié cette réponse.',
    answerKept: 'Nous n’avons pas pu utiliser la réponse modifiée : nous gardons celle que vous aviez envoyée.',
    registered:
      'Merci, {name}. Vous êtes inscrit(e) : {region}, {household} personne(s), {language}. Vous recevrez ici les alertes de l’ambassade. Envoyez INSCRIPTION pour modifier, STOP pour arrêter les alertes, SUPPRIMER pour effacer vos données.',
    cancelled: 'Inscription annulée. Rien n’a été modifié.',
    registerPaused: 'Votre inscription est interrompue pour que nous traitions d’abord ce message. Renvoyez INSCRIRE quand vous pourrez.',
    stopped:
      'Vous ne recevrez plus les alertes de l’ambassade. Envoyez INSCRIPTION pour les recevoir à nouveau, SUPPRIMER pour effacer vos données.',
    notRegistered:
      'Vous ne recevrez plus les alertes de l’ambassade. Vous n’êtes pas inscrit(e) auprès de l’ambassade : envoyez INSCRIPTION pour vous inscrire et les recevoir à nouveau.',
    deleted: 'Vos données personnelles ont été effacées du système de l’ambassade. Envoyez INSCRIPTION pour vous réinscrire.',
    deletedOpenReport:
      'L’ambassade ne peut plus suivre votre signalement {id} à ce numéro. Si vous avez encore besoin d’aide, écrivez-nous de nouveau.',
    deleteHow:
      'Pour effacer votre inscription et ce que vous nous avez envoyé, envoyez le seul mot SUPPRIMER. C’est définitif. Pour ne plus recevoir d’alertes seulement, envoyez STOP.',
    noNews: "Il n'y a pas d'avis en cours de l'{embassy}.",
    news: 'Dernier avis ({date}), {id}, code de vérification {code} :\n{text}',
    safeNoted: 'Merci. Nous avons noté que vous êtes en sécurité.',
    welfareSafe: 'Merci. Nous avons noté que vous êtes en sécurité ({people} personne(s)). Restez en contact avec l’ambassade.',
    welfareBadPeople:
      'Désolé, nous n’avons pas pu lire combien de personnes sont en sécurité avec vous. Répondez 1 (SAUF) suivi du nombre de personnes, de 1 à 50 (par exemple « 1 3 »), ou 2 (AIDE).',
    welfareHelp:
      "Nous avons reçu votre demande d'aide (référence {id}). Un agent consulaire va vous contacter. Si votre vie est en danger, appelez le {emergency}.",
    welfareQuestion:
      'Êtes-vous en sécurité ? Répondez 1 (SAUF) ou 2 (AIDE). Vous pouvez ajouter le nombre de personnes en sécurité avec vous, ex. « 1 3 ».',
    welfareReminder: "Rappel : l'ambassade attend toujours votre réponse. Êtes-vous en sécurité ? Répondez 1 (SAUF) ou 2 (AIDE).",
    alertHeader: "ALERTE OFFICIELLE de l'{embassy}",
    alertFooter: 'Code de vérification : {code}. Envoyez INFOS pour vérifier qu’une alerte est authentique.',
    alertGenuine: 'Oui : {id} est une alerte authentique de l’ambassade, envoyée le {date}. Son code de vérification est {code}.',
    alertGenuineWords: 'Oui : {id} est une alerte authentique de l’ambassade, envoyée le {date}. Voici ses mots, et seulement ceux-ci :\n{text}',
    alertWithdrawn:
      "⚠️ {id} a été envoyée par l'ambassade le {date}, puis retirée : n'agissez pas d'après elle et ne la partagez pas. Envoyez INFOS pour les derniers conseils authentiques. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
    alertAltered:
      "⚠️ Attention : {id} est une alerte authentique, mais cette copie a été modifiée : ses mots ne sont pas ceux que l'ambassade a envoyés. N'agissez pas d'après cette copie et ne la partagez pas. Ce que l'ambassade a envoyé :\n{text}",
    authoritiesUnconfirmed:
      "ℹ️ Ce message ne vient pas de l'ambassade, et l'ambassade ne peut pas le confirmer. Il dit venir des autorités locales : vérifiez-le sur leurs canaux officiels (site, comptes officiels, médias locaux) avant d'agir d'après lui ou de le partager. S'il vous dit de rester à l'abri ou d'éviter un lieu, le faire est le choix prudent tant que vous ne savez pas. Envoyez INFOS pour les derniers conseils de l'ambassade. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
    rumourNotTrue:
      "Non. L'ambassade n'a pas envoyé le message que vous avez transféré : n'agissez pas d'après lui et ne le partagez pas. Envoyez INFOS pour les conseils authentiques de l'ambassade. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
    authoritiesStillUnconfirmed:
      "L'ambassade ne peut pas le dire. Le message que vous avez transféré dit venir des autorités locales, pas de l'ambassade : vérifiez-le sur leurs canaux officiels (site, comptes officiels, médias locaux). Tant que vous ne savez pas, s'il vous dit de rester à l'abri ou d'éviter un lieu, le faire est le choix prudent. Envoyez INFOS pour les conseils de l'ambassade. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
    rumourWarning:
      "⚠️ Attention : l'ambassade n'a pas envoyé ce message. Ce n'est pas une alerte authentique de l'ambassade (une alerte authentique porte un numéro ALR-… et un code de vérification). N'agissez pas d'après ce message et ne le partagez pas. Envoyez INFOS pour les derniers conseils authentiques de l'ambassade. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
    alertNotGenuine:
      "Attention : l'ambassade n'a pas envoyé {id} avec ce contenu ou ce code. Ne le croyez pas et ne le transférez pas. Envoyez INFOS pour le dernier avis authentique. Si vous êtes en danger, décrivez votre situation dans un message : nous ouvrirons un signalement.",
  },
  ar: {
    consent:
      'التسجيل لدى {embassy}.\nالخصوصية: نحتفظ باسمك ومنطقتك وعدد أفراد أسرتك ولغتك وهاتفك فقط للتواصل معك ومساعدتك في الأزمات. أرسل توقف لإيقاف التنبيهات وحذف لمسح بياناتك في أي وقت.\nهل توافق؟ أجب نعم أو لا.',
    consentAgain: 'يرجى الرد بنعم للمتابعة أو لا لإيقاف التسجيل.',
    declined: 'تم إلغاء التسجيل ولم يُحفظ شيء. أرسل تسجيل إذا غيرت رأيك.',
    askName: 'ما اسمك الكامل؟',
    badName: 'يرجى إرسال اسمك الكامل (من 2 إلى 80 حرفًا).',
    askRegion: 'أين أنت الآن؟ أجب باسم منطقتك ({regions}) أو أرسل موقعك.',
    badRegion: 'عذرًا، لم نتعرف على هذه المنطقة. يرجى الرد بإحدى: {regions}، أو إرسال موقعك.',
    askHousehold: 'كم عدد الأشخاص معك، بمن فيهم أنت؟ أجب برقم (مثلًا 3).',
    badHousehold: 'يرجى الرد برقم بين 1 و50 (مثلًا 3).',
    askLanguage: 'بأي لغة نراسلك؟ أجب {languages}.',
    badLanguage: 'يرجى الاختيار من: {languages}.',
    answerChanged: 'لقد عدّلنا هذه الإجابة.',
    answerKept: 'لم نتمكن من استخدام الإجابة المعدّلة، لذلك احتفظنا بإجابتك السابقة.',
    registered:
      'شكرًا {name}. تم تسجيلك: {region}، {household} شخص، {language}. ستصلك تنبيهات السفارة هنا. أرسل تسجيل للتحديث، توقف لإيقاف التنبيهات، حذف لمسح بياناتك.',
    cancelled: 'تم إلغاء التسجيل ولم يتغير شيء.',
    registerPaused: 'أوقفنا تسجيلك مؤقتاً لنعالج رسالتك هذه أولاً. أرسل تسجيل من جديد عندما تستطيع.',
    stopped: 'لن تصلك تنبيهات السفارة بعد الآن. أرسل تسجيل لاستقبالها مجددًا، أو حذف لمسح بياناتك.',
    notRegistered: 'لن تصلك تنبيهات السفارة بعد الآن. أنت غير مسجل لدى السفارة: أرسل تسجيل للتسجيل واستقبالها مجددًا.',
    deleted: 'تم مسح بياناتك الشخصية من نظام السفارة. أرسل تسجيل إذا أردت التسجيل مجددًا.',
    deletedOpenReport: 'لم يعد بإمكان السفارة متابعة بلاغك {id} على هذا الرقم. إذا كنت لا تزال بحاجة إلى المساعدة، راسلنا من جديد.',
    deleteHow: 'لمسح تسجيلك وما أرسلته إلينا، أرسل كلمة حذف وحدها. لا يمكن التراجع عن ذلك. لإيقاف التنبيهات فقط، أرسل توقف.',
    noNews: 'لا يوجد تنبيه حالي من {embassy}.',
    news: 'آخر تنبيه ({date})، {id}، رمز التحقق {code}:\n{text}',
    safeNoted: 'شكرًا. سجلنا أنك بأمان.',
    welfareSafe: 'شكرًا. سجلنا أنك بأمان ({people} شخص). ابقَ على تواصل مع السفارة.',
    welfareBadPeople:
      'عذرًا، لم نتمكن من قراءة عدد الأشخاص الآمنين معك. أجب 1 (بخير) متبوعًا بعدد الأشخاص من 1 إلى 50 (مثل "1 3")، أو 2 (مساعدة).',
    welfareHelp: 'تلقينا طلب المساعدة (المرجع {id}). سيتصل بك موظف قنصلي. إذا كانت حياتك في خطر اتصل بـ {emergency}.',
    welfareQuestion: 'هل أنت بأمان؟ أجب 1 (بخير) أو 2 (مساعدة). يمكنك إضافة عدد الأشخاص الآمنين معك، مثل "1 3".',
    welfareReminder: 'تذكير: ما زالت السفارة تنتظر ردك. هل أنت بأمان؟ أجب 1 (بخير) أو 2 (مساعدة).',
    alertHeader: 'تنبيه رسمي من {embassy}',
    alertFooter: 'رمز التحقق: {code}. أرسل أخبار للتأكد من صحة التنبيه.',
    alertGenuine: 'نعم: {id} تنبيه صحيح من السفارة، أُرسل في {date}. رمز التحقق الخاص به {code}.',
    alertGenuineWords: 'نعم: {id} تنبيه صحيح من السفارة، أُرسل في {date}. هذه كلماته، وهذه فقط:\n{text}',
    alertWithdrawn:
      '⚠️ أرسلت السفارة {id} في {date} ثم سحبته: لا تتصرف بناءً عليه ولا تشاركه. أرسل أخبار لآخر النصائح الصحيحة. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
    alertAltered:
      '⚠️ تحذير: {id} تنبيه صحيح، لكن هذه النسخة عُدّلت: كلماتها ليست ما أرسلته السفارة. لا تتصرف بناءً على هذه النسخة ولا تشاركها. ما أرسلته السفارة:\n{text}',
    authoritiesUnconfirmed:
      'ℹ️ هذه الرسالة لم تأتِ من السفارة، ولا تستطيع السفارة تأكيدها. تقول إنها من السلطات المحلية: تحقق منها عبر قنواتها الرسمية (الموقع، الحسابات الرسمية، وسائل الإعلام المحلية) قبل أن تتصرف بناءً عليها أو تشاركها. إذا طلبت منك البقاء في مكان آمن أو الابتعاد عن مكان ما، فذلك هو الخيار الآمن حتى تتأكد. أرسل أخبار لآخر نصائح السفارة. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
    rumourNotTrue:
      'لا. لم ترسل السفارة الرسالة التي أعدت توجيهها: لا تتصرف بناءً عليها ولا تشاركها. أرسل أخبار لنصائح السفارة الصحيحة. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
    authoritiesStillUnconfirmed:
      'لا تستطيع السفارة أن تقول. الرسالة التي أعدت توجيهها تقول إنها من السلطات المحلية، لا من السفارة: تحقق منها عبر قنواتها الرسمية (الموقع، الحسابات الرسمية، وسائل الإعلام المحلية). حتى تتأكد، إذا طلبت منك البقاء في مكان آمن أو الابتعاد عن مكان ما، فذلك هو الخيار الآمن. أرسل أخبار لنصائح السفارة. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
    rumourWarning:
      '⚠️ تحذير: لم ترسل السفارة هذه الرسالة. ليست تنبيهاً صحيحاً من السفارة (التنبيه الصحيح يحمل رقماً ALR-… ورمز تحقق). لا تتصرف بناءً عليها ولا تشاركها. أرسل أخبار لآخر النصائح الصحيحة من السفارة. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
    alertNotGenuine:
      'تحذير: لم ترسل السفارة {id} بهذا المحتوى أو الرمز. لا تثق به ولا تعيد توجيهه. أرسل أخبار لآخر تنبيه صحيح. إذا كنت في خطر، صف وضعك في رسالة وسنفتح بلاغاً.',
  },
} as const;

export type MessageKey = keyof (typeof MESSAGES)['en'];

/** The message `key` in `language` (English when missing), with `{placeholders}` filled. */
export function t(language: string | undefined, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const table = (MESSAGES as Record<string, Partial<Record<MessageKey, string>>>)[language ?? 'en'] ?? MESSAGES.en;
  const template = table[key] ?? MESSAGES.en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole));
}
