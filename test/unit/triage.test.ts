import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfigFile } from '../../src/config/load-config.ts';
import { canTransition, parseIncidentId } from '../../src/domain/incident.ts';
import { foldText, guessLanguage, KeywordSet, TypoCorrector } from '../../src/domain/text-normalise.ts';
import { classify, regionFromPin, regionFromText, regionsInText, triage } from '../../src/domain/triage.ts';

const regions = [
  { id: 'north', name: 'Northern Province', aliases: ['aleppo', 'حلب', 'nord'], center: { lat: 36.2, lng: 37.13 }, radiusKm: 100 },
  { id: 'coast', name: 'Coastal Province', aliases: ['latakia', 'côte'], center: { lat: 35.53, lng: 35.79 }, radiusKm: 50 },
];

describe('a citizen who says they are safe and where', () => {
  it.each([
    ['We are safe, in Aleppo', 'north'],
    ['نحن بخير في حلب', 'north'],
    ['نحن بخير بحلب', 'north'],
    ['we are fine, nord', 'north'],
    ['We are ok, just want to let you know', null],
  ])('"%s" only says they are safe (low), in %s', (text, region) => {
    expect(triage(text, undefined, regions)).toMatchObject({ category: 'other', severity: 'low', region });
  });

  it('still reads what else a report says beside it', () => {
    expect(triage('we are safe in Aleppo but my son is missing', undefined, regions)).toMatchObject({
      category: 'missing_person',
      severity: 'high',
    });
  });
});

describe('triage', () => {
  it.each([
    ['My brother is trapped under the rubble', 'trapped', 'critical'],
    ['Mon frère est coincé sous les décombres', 'trapped', 'critical'],
    ['أخي محاصر تحت الأنقاض', 'trapped', 'critical'],
    ['My wife is injured and needs a doctor', 'medical', 'high'],
    ['Ma femme est blessée, il faut un médecin', 'medical', 'high'],
    ['زوجتي مصابة وتحتاج طبيب', 'medical', 'high'],
    ['He is unconscious and bleeding', 'medical', 'critical'],
    ['Gunmen are outside our hotel', 'security', 'high'],
    ['Mon fils a été arrêté au barrage', 'arrest_detention', 'high'],
    ['I cannot reach my father, he is missing since the quake', 'missing_person', 'high'],
    ['We need to leave the country, is there an evacuation?', 'evacuation_request', 'medium'],
    ['I lost my passport', 'lost_documents', 'low'],
    ['Just a question about the embassy opening hours', 'other', 'low'],
    ['hello', 'other', 'medium'],
    // Life in danger, as frightened people write it (phones type ’ for ').
    ['My son can’t breathe', 'medical', 'critical'],
    ['He stopped breathing', 'medical', 'critical'],
    ['Mon fils ne respire plus', 'medical', 'critical'],
    ['ابني لا يستطيع التنفس', 'medical', 'critical'],
    ['I can’t reach my father since the quake', 'missing_person', 'high'],
    ['Earthquake, our house collapsed, my mother is under it', 'trapped', 'critical'],
    ['On nous tire dessus', 'security', 'high'],
    ['اختطفوا ابني', 'security', 'high'],
    ['اعتقلت الشرطة زوجي', 'arrest_detention', 'high'],
    // Negations and names are not emergencies.
    ['We are fine, nobody is injured', 'other', 'low'],
    ['Nous allons bien, personne n’est blessé', 'other', 'low'],
    ['Ma fille et moi allons bien, personne n’est blessée', 'other', 'medium'],
    ['Personne n’a été blessée, nous sommes à l’hôtel', 'other', 'low'],
    ['I lost my passport and need an emergency travel document', 'lost_documents', 'low'],
  ])('%s → %s / %s', (text, category, severity) => {
    expect(classify(text)).toEqual({ category, severity });
  });

  it('does not match keywords inside other words', () => {
    expect(classify('the shotgun wedding was lovely').severity).not.toBe('critical');
  });

  it('matches an Arabic keyword as a whole word, with a joined و، ف، ب، ل، ك or ال, never inside another word', () => {
    const count = (keywords: string[], text: string) => new KeywordSet(keywords).count(foldText(text));
    // حمى (fever) is not حماية, محمية, حميد or حمية (diet); متى (when) is not متين.
    for (const text of ['محمية', 'حميد', 'الحمية', 'يحمي', 'متين']) expect(count(['حمى', 'متى'], text), text).toBe(0);
    for (const text of ['حمى', 'الحمى', 'والحمى', 'بالحمى', 'فمتى']) expect(count(['حمى', 'متى'], text), text).toBe(1);
    // قتل is not مقتل... inside another word, nor رصاص inside رصاصة: each form is its own keyword.
    expect(count(['قتل'], 'مستقتل')).toBe(0);
    expect(count(['رصاص'], 'برصاصة')).toBe(0);
    expect(count(['رصاصة'], 'برصاصة')).toBe(1);
    expect(count(['حاجز'], 'عالحاجز وعلى الحاجز')).toBe(1);
    // Apostrophes and hyphens read as spaces, as SMS writers type them.
    expect(count(["l'aéroport", 'couvre-feu'], 'bloques a l aeroport, couvre feu')).toBe(2);
  });

  it('finds the region from aliases in any script, or from a pin', () => {
    expect(regionFromText('Explosion near Aleppo citadel', regions)).toBe('north');
    expect(regionFromText('انفجار في حلب', regions)).toBe('north');
    expect(regionFromText('on est sur la Côte', regions)).toBe('coast');
    expect(regionFromText('somewhere else', regions)).toBeNull();
    expect(regionFromPin({ lat: 35.6, lng: 35.8 }, regions)).toBe('coast');
    expect(regionFromPin({ lat: 10, lng: 10 }, regions)).toBeNull();
  });

  it('guesses the language of a message', () => {
    const langs = ['en', 'fr', 'ar'];
    expect(guessLanguage('Je suis bloqué à Damas', langs)).toBe('fr');
    expect(guessLanguage('أنا عالق', langs)).toBe('ar');
    expect(guessLanguage('I am stuck', langs)).toBe('en');
    expect(guessLanguage('أنا عالق', ['en', 'fr'])).toBe('en');
    // English words starting with j are not French ("j'ai" is).
    expect(guessLanguage('Just robbed at gunpoint, need help', langs)).toBe('en');
    expect(guessLanguage('J’ai perdu mon passeport', langs)).toBe('fr');
    // French without je/suis: its accents, elisions and common words.
    expect(guessLanguage('Urgence', langs)).toBe('fr');
    expect(guessLanguage('Incendie dans l’immeuble, 3 personnes coincées', langs)).toBe('fr');
    // English to an embassy whose first language is French is still answered in English.
    expect(guessLanguage('Please help, my husband is injured', ['fr', 'en'])).toBe('en');
    // Arabic in Latin letters and digits (Arabizi) is Arabic, not French for its "ma"; ordinals and units are not Arabizi.
    expect(guessLanguage('ana 3alek bl matar w ma fi tayarat', langs)).toBe('ar');
    expect(guessLanguage('fi 7ari2 bl binaye w ne7na 3al sat7', langs)).toBe('ar');
    expect(guessLanguage('ana 3alek bl matar', ['en', 'fr'])).toBe('en');
    // An Arabic greeting or thanks in Latin letters, alone, is Arabic; "Salam" as a name among other words is not.
    for (const text of ['salam alaykum', 'salam', 'Salam!', 'ahlan', 'ahlan wa sahlan', 'shukran', 'shukran ktir', 'marhaba'])
      expect(guessLanguage(text, ['en', 'fr', 'ar']), text).toBe('ar');
    expect(guessLanguage('Hi, I am Salam Haddad', langs)).toBe('en');
    expect(guessLanguage("c'est Salam, mon fils est blessé", langs)).toBe('fr');
    expect(guessLanguage('salam, my son is missing', langs)).toBe('en');
    expect(guessLanguage('ok', ['fr', 'en', 'ar'])).toBe('fr');
    expect(guessLanguage('we are on the 3rd floor, room 7b, covid19', langs)).toBe('en');
    expect(guessLanguage('ma fille est au 2e étage depuis 5pm', langs)).toBe('fr');
    // "3am" is عم ("is …-ing") beside a common Arabizi word; alone, it may be 3 a.m.
    expect(guessLanguage('ibni ma 3am yetnaffas', langs)).toBe('ar');
    expect(guessLanguage('bayye ma 3am yrodd 3al telefon', langs)).toBe('ar');
    expect(guessLanguage('explosions since 3am', langs)).toBe('en');
    expect(guessLanguage('my son has not come home since 3am', langs)).toBe('en');
    expect(guessLanguage('ma fille n’est pas rentrée depuis 3am', langs)).toBe('fr');
    // A code in capitals (an alert's verification code, a flight) is no Arabizi word; Arabizi in capitals still is.
    expect(guessLanguage('Stay indoors tonight. Verification code: NFT7', langs)).toBe('en');
    expect(guessLanguage('Is this real? Evacuate now, code K3QX', langs)).toBe('en');
    expect(guessLanguage('flight MS7 is cancelled, what do we do', langs)).toBe('en');
    expect(guessLanguage('ANA 3ALEK BL MATAR', langs)).toBe('ar');
  });

  it('answers Arabizi typed without digits in Arabic, and leaves English and French to themselves', () => {
    const langs = ['en', 'fr', 'ar'];
    for (const text of [
      'ibni mish am yetnaffas',
      'ana mahjouz',
      'saidouna',
      'Saidouna, ibni msab',
      'beiti wa2a3',
      'ahli b halab w ana b damascus',
    ])
      expect(guessLanguage(text, langs), text).toBe('ar');
    // Words an English or French text may hold ("Ana" the name, "ma", "mesh", "kif") need an Arabizi word beside them.
    for (const [text, language] of [
      ['Ana is missing since the quake', 'en'],
      ['We are fine, hamdulillah', 'en'],
      ['ma fille est blessée', 'fr'],
      ['the mesh fence fell on my car', 'en'],
      ['Altoona hotel, room 12, we are stuck', 'en'],
    ] as const)
      expect(guessLanguage(text, langs), text).toBe(language);
  });
});

describe('what a report says did not happen, that the reporter is safe, a plea, a question', () => {
  it.each([
    // A denial in any wording takes the keyword out: no category, no severity from it.
    ['no one is injured', 'other', 'low'],
    ['nobody hurt', 'other', 'low'],
    ["personne n'est blessé", 'other', 'low'],
    ['ما في جرحى', 'other', 'low'],
    ['we are not trapped, just scared', 'other', 'medium'],
    ['nobody was kidnapped, the driver just left', 'other', 'medium'],
    ['nobody has been hurt but the windows broke', 'other', 'medium'],
    ['ما حدا انصاب بس البيت تضرر', 'other', 'medium'],
    // Only the keyword right after the denial: the rest of the report stands.
    ['we are not trapped but my husband is injured', 'medical', 'high'],
    ['No, he is injured', 'medical', 'high'],
    ['no water and injured people everywhere', 'medical', 'high'],
    ['he is not seriously injured', 'medical', 'high'],
    ['ma blessure saigne', 'medical', 'high'],
    // A denied breath or pulse is the emergency; a missing medicine or doctor is the need.
    ["he doesn't breathe", 'medical', 'critical'],
    ['there is no pulse', 'medical', 'critical'],
    ['we have no insulin for my son', 'medical', 'high'],
    ['ما في اسعاف وابني ينزف', 'medical', 'high'],
    ['we have no passport, it was in the car', 'lost_documents', 'low'],
    // Safe, and nothing more said: low.
    ['I am ok', 'other', 'low'],
    ['we are safe', 'other', 'low'],
    ['on va bien', 'other', 'low'],
    ['نحن بخير', 'other', 'low'],
    ['ok we are all safe now, thank god', 'other', 'low'],
    ['we are safe but the water is cut since yesterday', 'other', 'medium'],
    ['we are not safe', 'other', 'medium'],
    // A plea is at least high.
    ['please help us', 'other', 'high'],
    ['aidez-nous svp', 'other', 'high'],
    ['ساعدونا', 'other', 'high'],
    ['please help us, there is shooting outside', 'security', 'high'],
    ['please help me, I lost my passport', 'lost_documents', 'low'],
    // A question and nothing else: low; asked in distress, medium.
    ['when does the embassy open?', 'other', 'low'],
    ['how do I renew my passport?', 'lost_documents', 'low'],
    ['quand ouvre l’ambassade ?', 'other', 'low'],
    ['متى تفتح السفارة؟', 'other', 'low'],
    ['where are you? we have been waiting for hours', 'other', 'medium'],
    ['what do we do?', 'other', 'medium'],
  ])('%s → %s / %s', (text, category, severity) => {
    expect(classify(text)).toEqual({ category, severity });
  });
});

describe('triage of messages typed in a hurry', () => {
  it.each([
    // A letter missing, typed twice, or two letters swapped, in English and French.
    ['my husbnd is bleding', 'medical', 'high'],
    ['she is bleeeeding', 'medical', 'high'],
    ['he is injurd', 'medical', 'high'],
    ['my father is unconsious', 'medical', 'critical'],
    ['we are trapepd in the basement', 'trapped', 'critical'],
    ['he is mising since yesterday', 'missing_person', 'high'],
    ['ma fille est blesee', 'medical', 'high'],
    ['mon pere est inconsicent', 'medical', 'critical'],
    ['mon frere est sous les decmbres', 'trapped', 'critical'],
    // A typo inside a phrase: the phrase is read, negations too.
    ['my son is bleeding heavilly', 'medical', 'critical'],
    ['he stoped breathing', 'medical', 'critical'],
    ['il saigne beaucop', 'medical', 'critical'],
    ['nobody is injurd, we are fine', 'other', 'low'],
    ['personne n’est blese, tout va bien', 'other', 'low'],
  ])('%s → %s / %s', (text, category, severity) => {
    expect(classify(text)).toEqual({ category, severity });
  });

  it.each([
    // A letter changed for another makes another word: never forgiven.
    ['My daughter was kissing her boyfriend goodbye', 'other', 'medium'],
    ['We are fine, thanks', 'other', 'low'],
    ['a blond man asked me the way', 'other', 'medium'],
    // Real words one slip from a keyword are read as typed (NOT_TYPOS).
    ['we are selling the car before we go', 'other', 'medium'],
    ['God bless you all', 'other', 'medium'],
    ['there was a fight in the bar', 'other', 'medium'],
    ['ce matin nous sommes allés au marché', 'other', 'medium'],
    ['il signe le contrat demain', 'other', 'medium'],
    ['la facture de l’hôtel est arrivée', 'other', 'medium'],
    ['mon élève a une question sur le visa', 'lost_documents', 'low'],
  ])('%s → %s / %s (not a typo)', (text, category, severity) => {
    expect(classify(text)).toEqual({ category, severity });
  });

  it('forgives one slip in a Latin word of 5 letters or more, never in the first letter, never a changed letter, never when two words fit', () => {
    const typos = new TypoCorrector(['bleeding', 'trapped', 'missing', 'sick', 'hurts', 'burns', 'hurt', 'مصاب'], ['taped']);
    const read = (text: string) => typos.correct(foldText(text));
    expect(read('bleding bleeeding bleeeeeding bleedign trappd trapepd msising')).toBe(
      'bleeding bleeding bleeding bleeding trapped trapped missing',
    );
    // The first letter, a changed letter, a short word, a real word listed, a word two keywords are one slip from, Arabic.
    for (const text of ['leeding', 'lbeeding', 'kissing', 'bleedinf', 'sikc', 'taped', 'hurs', 'burts', 'مصب'])
      expect(read(text), text).toBe(text);
    // Exact words are never changed, nor words with digits in them.
    expect(read('bleeding trapped b1eding')).toBe('bleeding trapped b1eding');
  });
});

describe('region names typed in a hurry', () => {
  // As in config/example.yaml: aliases that are ordinary words (north, coast, capital) among place names.
  const places = [
    { id: 'north', name: 'Northern Province', aliases: ['north', 'nord', 'aleppo', 'alep', 'halab'], radiusKm: 100 },
    { id: 'capital', name: 'Capital District', aliases: ['capital', 'capitale', 'damascus', 'damas'], radiusKm: 60 },
    { id: 'coast', name: 'Coastal Province', aliases: ['coast', 'côte', 'latakia', 'lattaquié'], radiusKm: 80 },
  ];

  it('forgives a slip in a region word of 5 letters or more, as triage does', () => {
    for (const [text, region] of [
      ['we are in Damscus', 'capital'],
      ['near Latakai', 'coast'],
      ['bombing in the nothern province', 'north'],
      ['we are in the captial', 'capital'],
      ['on est à Lattaquei', 'coast'],
      ['explosions near Aleppoo', 'north'],
    ] as const)
      expect(regionFromText(text, places), text).toBe(region);
    // Two regions named, one of them mistyped: both found (a registration answer naming two is asked again).
    expect(regionsInText('I left Damscus for Aleppo', places)).toEqual(['north', 'capital']);
  });

  it('never reads a short word, a changed letter, a real word or an ambiguous word as a region', () => {
    for (const text of [
      'in the nrth', // 4 letters: read as typed
      'near Latakya', // a changed letter: list such spellings as aliases
      'we bought coats before leaving', // "coats" is a word, not "coast" with two letters swapped
      'the price per capita has doubled',
      'no dessert tonight',
      'is the airport open?',
    ])
      expect(regionFromText(text, places), text).toBeNull();
    // "halaba" is "halab" with an "a" too many and "halba" with one: two regions fit, none is chosen.
    const twoTowns = [...places, { id: 'akkar', name: 'Akkar', aliases: ['halba'], radiusKm: 30 }];
    expect(regionsInText('we are in halaba', twoTowns)).toEqual([]);
    expect(regionsInText('we are in halab', twoTowns)).toEqual(['north']);
  });
});

describe('a report that names several places', () => {
  // As config/example.yaml has them.
  const places = [
    { id: 'north', name: 'Northern Province', aliases: ['north', 'nord', 'aleppo', 'alep', 'حلب', 'halab'], radiusKm: 100 },
    { id: 'capital', name: 'Capital District', aliases: ['capital', 'capitale', 'damascus', 'damas', 'دمشق'], radiusKm: 60 },
    { id: 'coast', name: 'Coastal Province', aliases: ['coast', 'la côte', 'latakia', 'lattaquié'], radiusKm: 80 },
  ];

  it('is placed where the reporter says they are, not in the first region of the config', () => {
    for (const [text, region] of [
      ['Je suis à Damas, ma soeur est à Alep, on a peur', 'capital'],
      ['ma soeur est à Alep, je suis à Damas', 'capital'],
      ['we saw on the news that many people died in the north, we are ok in the capital', 'capital'],
      ['my family is in Aleppo but I am in Damascus', 'capital'],
      ['اهلي في حلب وانا في دمشق', 'capital'],
      ['ahli b halab w ana b damascus', 'capital'],
    ] as const)
      expect(regionFromText(text, places), text).toBe(region);
  });

  it('reads "north of Damascus" as near Damascus, and otherwise takes the first place named', () => {
    for (const [text, region] of [
      ['we are 20 km north of Damascus, there is shelling', 'capital'],
      ["I'm in the north part of Latakia city", 'coast'],
      ['au nord de Damas, des tirs', 'capital'],
      ['shelling in Latakia and Aleppo tonight', 'coast'],
      ['Aleppo and Damascus both hit', 'north'],
    ] as const)
      expect(regionFromText(text, places), text).toBe(region);
  });

  it('does not read "à côté" (next door) as the coast of config/example.yaml', () => {
    const example = parseConfigFile(readFileSync('config/example.yaml', 'utf8'), 'config/example.yaml').regions;
    expect(regionFromText('Il y a des tirs à côté de chez nous', example)).toBeNull();
    expect(regionFromText("la maison d'à côté a été bombardée", example)).toBeNull();
    expect(regionFromText('nous sommes sur la côte, près de la plage', example)).toBe('coast');
  });
});

describe('incident lifecycle rules', () => {
  it('allows the lifecycle and refuses illegal moves', () => {
    expect(canTransition('open', 'acknowledged')).toBe(true);
    expect(canTransition('acknowledged', 'resolved')).toBe(true);
    expect(canTransition('resolved', 'in_progress')).toBe(true);
    expect(canTransition('resolved', 'closed')).toBe(true);
    expect(canTransition('closed', 'open')).toBe(false);
    expect(canTransition('acknowledged', 'open')).toBe(false);
    expect(canTransition('open', 'closed')).toBe(false);
  });

  it('parses incident ids leniently', () => {
    expect(parseIncidentId('inc-42')).toBe('INC-0042');
    expect(parseIncidentId('INC-0042')).toBe('INC-0042');
    expect(parseIncidentId('42')).toBe('INC-0042');
    expect(parseIncidentId('INC-')).toBeUndefined();
    expect(parseIncidentId('drop table')).toBeUndefined();
  });
});
