/**
 * Close languages: groups whose members share most of their words, where fastText's
 * lid.176 and franc's trigrams are often wrong between members (Croatian read as
 * Serbian, Nynorsk as Bokmål, Xhosa as Southern Ndebele). Members are told apart by
 * what their spelling standards fix and the others do not: function words (Nynorsk
 * `ikkje`, Bokmål `ikke`), letters (Czech ř ů ě, Slovak ä ô ľ), reflexes (Serbian
 * ekavian `vreme`, Croatian and Bosnian ijekavian `vrijeme`) and word forms (Croatian
 * `tisuća`, Serbian and Bosnian `hiljada`). From the languages' standard grammars and
 * spelling, not from the evaluation data.
 */

import { rankLanguages } from './language-trigrams.js';

interface Member {
  language: string;
  /** Written by few: answered only on its own markers, else another member is (franc among them picks). */
  minor?: boolean;
  /** Lower-case words that this member writes and the others of its group do not. */
  words: Set<string>;
  /** Word beginnings (stems, prefixes) of this member only. */
  stems?: string[];
  /** Letter sequences inside words that this member's spelling has and the others' lacks. */
  letters?: RegExp;
}

/** A group of close languages, its members most widely written first. */
type Group = Member[];

const words = (s: string) => new Set(s.split(/\s+/).filter(Boolean));

// Ijekavian reflexes (Croatian, Bosnian, Montenegrin) against ekavian (Serbian standard in Serbia).
const IJEKAVIAN = words(
  'vrijeme vremena rijeka rijeke riječ riječi mlijeko djeca djece dijete lijepo lijep uvijek pjesma pjesme vijest vijesti mjesto mjesta ' +
    'svijet svijeta dvije gdje ovdje prije poslije htio predsjednik predsjednika predsjednice cijeli cijelu cijena cijene vidjeti ocjena bijeli ' +
    'mjesec mjeseca mjeseci sjever sjeverni vjera vjerovati vjerojatno tijelo tijela lijek lijekovi zavjet savjet savjeta odjel sredstvima ' +
    'trebali uspjeh uspjeha djelo djela djelovanje razvijen razvijati promjena promjene mjera mjere sjedište sjednica pjevač nedjelja',
);
const IJEKAVIAN_STEMS = ['vrijem', 'riječ', 'mlijek', 'djec', 'lijep', 'uvijek', 'pjesm', 'vijest', 'mjest', 'svijet', 'predsjedn', 'cijel', 'cijen', 'ocjen', 'bijel', 'mjesec', 'sjever', 'vjer', 'tijel', 'savjet', 'uspje', 'djelo', 'djelov', 'promjen', 'mjer', 'sjedi', 'sjedn', 'nedjelj', 'stoljeć', 'slijet', 'primjer', 'umjet', 'smjer', 'cvijet', 'snijeg', 'vidje', 'razumje', 'poslije', 'bezuspješ', 'procijen'];
const EKAVIAN = words(
  'vreme vremena reka reke reč reči mleko deca dece dete lepo lep uvek pesma pesme vest vesti mesto mesta svet sveta dve gde ovde pre posle ' +
    'hteo predsednik predsednika predsednice ceo celu cena cene videti ocena beli mesec meseca meseci sever severni vera verovati verovatno telo ' +
    'tela lek lekovi savet saveta odeljenje uspeh uspeha delo dela delovanje razvijen promena promene mera mere sedište sednica pevač nedelja ' +
    'bezbednost bezbednosti izveštaj izveštaja primer primera sprovesti',
);

const GROUPS: Group[] = [
  [
    // Croatian: its own lexicon and month names; ijekavian.
    {
      language: 'hrv',
      words: words(
        'tko tisuća tisuće tisuću općina općine općini sveučilište sveučilišta glazba glazbe kruh tjedan tjedna tjedno izvješće izvješća točka ' +
          'točke siječnja veljače ožujka travnja svibnja lipnja srpnja kolovoza rujna listopada studenoga studenog prosinca povijest povijesti ' +
          'zrakoplov zrakoplova vlak vlaka kazalište obitelj obitelji tvrtka tvrtke tvrtki uvjet uvjeti uvjeta tijekom izravno znanost znanosti ' +
          'sigurnosno vojnik vojska službeno europske europski europska europskoj europu europa hrvatska hrvatske hrvatski tisućama stoljeća ' +
          'nogomet nogometa priopćenje izjavio sudjelovati sudjelovanje potpora potpore zrakoplovstvo',
      ),
      stems: ['tisuć', 'općin', 'glazb', 'sveučiliš', 'izvješ', 'točk', 'povijes', 'zrakoplov', 'obitelj', 'tvrtk', 'uvjet', 'europ', 'hrvat', 'znanstv', 'nogomet', 'priopć', 'sudjel', 'kazališ', 'tijekom'],
    },
    // Serbian (Latin script as well as Cyrillic): ekavian, its own lexicon.
    {
      language: 'srp',
      words: words(
        'hiljada hiljade hiljadu opština opštine opštini univerzitet univerziteta muzika muzike hleb nedelja izveštaj tačka tačke istorija ' +
          'istorije istoriju januar januara februar februara mart marta jun juna jul jula avgust avgusta septembar septembra oktobar oktobra ' +
          'novembar novembra decembar decembra evropske evropski evropska evropskoj evropu evropa srbija srbije srpski šta ko vek veka',
      ),
      stems: ['hiljad', 'opštin', 'univerzitet', 'muzik', 'porodic', 'evrop', 'istorij', 'izveštaj', 'bezbedn', 'srbij', 'srpsk', 'predsedn'],
    },
    // Bosnian: ijekavian, with Serbian-like words and its own (historija, sedmica, h-forms).
    {
      language: 'bos',
      words: words(
        'historija historije historiju historijski sedmica sedmice hiljada hiljade opština opštine univerzitet univerziteta muzika muzike hljeb ' +
          'lahko mehko kahva izvještaj izvještaja šta bosna bosne bosanski bosanskohercegovački evropske evropski evropska evropu evropa',
      ),
      stems: ['histor', 'sedmic', 'hiljad', 'opštin', 'univerzitet', 'muzik', 'porodic', 'evrop', 'izvještaj', 'bosn', 'bosan'],
    },
  ],
  [
    {
      language: 'nob',
      words: words(
        'ikke jeg hun hva hvordan bare noe noen mye være fra hele fikk selv hvem hvor hvorfor mer ble blir sier gjør sammen helt flere disse ' +
          'ennå derfor mens siden av etter mellom gjennom meg deg seg mot opp ut hadde veldig nå',
      ),
    },
    {
      language: 'nno',
      words: words(
        'ikkje eg ho dei kva korleis berre noko nokon mykje vere vore frå heile fekk sjølv ein eit kven kvar kvifor meir vart seier gjer saman ' +
          'heilt fleire desse enno difor medan sidan òg dykk dykkar hjå gjekk byrja byrjar staden vert',
      ),
      // -leg adjectives (offentleg: Bokmål and Danish offentlig), -inga definite nouns (byrjinga).
      letters: /(?:leg|lege|legvis|inga)$/,
    },
    {
      language: 'dan',
      words: words(
        'ikke jeg hun hvad hvordan kun noget nogle meget være fra hele fik selv hvem hvor hvorfor mere blev bliver siger gør sammen helt flere ' +
          'disse endnu derfor mens siden af efter mellem gennem mig dig sig mod op ud havde nu',
      ),
    },
  ],
  [
    {
      language: 'nld',
      words: words('de een niet zijn wordt worden voor hij zij ze bij mij door heeft hebben werd zich kunnen zullen moeten zo naar'),
      // Dutch writes ij where Afrikaans writes y (tijd/tyd, zijn/syn).
      letters: /ij/,
    },
    {
      language: 'afr',
      words: words("die nie vir ek jy hulle baie hierdie daardie mense sê jou julle kry wees gesê nou dié 'n"),
      letters: /ê/,
    },
  ],
  [
    {
      language: 'ind',
      words: words(
        'karena bahwa yaitu uang setelah bisa pemerintah mobil kantor desember agustus maret juni juli februari saja anda sepak',
      ),
    },
    {
      language: 'zlm',
      words: words(
        'kerana bahawa iaitu wang selepas boleh kerajaan ialah daripada semasa sahaja manakala pejabat hospital kereta disember ogos mac jun julai februari negeri',
      ),
    },
  ],
  [
    { language: 'ces', words: words('se ne jako nebo který která které jsem jen také bylo byl byla jsou pro'), letters: /[řůě]/ },
    { language: 'slk', words: words('sa nie ako alebo ktorý ktorá ktoré som len tiež bolo bol bola sú pre aj'), letters: /[äôľĺŕ]/ },
  ],
  [
    {
      language: 'zul',
      words: words('ukuthi futhi ngoba uma kanye njengoba isikhathi umuntu lapha lapho nakuba manje kusho noma yini'),
      // The noun classes 8 and 10 are izi-/izin- in Zulu (iin- in Xhosa, ti- in Swati); 1sg ngi-.
      stems: ['izin', 'ngi'],
    },
    {
      language: 'xho',
      words: words('ukuba kwaye ngoko kunye njengoko ixesha ngexesha umntu ntoni apha apho nangona okanye utsho yintoni'),
      // Xhosa writes long prefix vowels (iindawo, ooyise) and kwi- locatives; 1sg ndi-.
      stems: ['ii', 'oo', 'kwi', 'ndi'],
    },
    { language: 'nbl', minor: true, words: words('begodu ukobana godu namkha kodwana ngombana') },
    // Swati writes tf and ts where Zulu has t and z (umntfwana, kutsi).
    { language: 'ssw', minor: true, words: words('kutsi futsi ngobe'), letters: /tf/ },
  ],
  [
    { language: 'spa', words: words('unas ya muy más también todavía aquí eso esto pero hasta donde cuando hay fue según') },
    // Portuguese nasal vowels and ç (não, informação); Galician writes -ón, non, unha.
    { language: 'por', words: words('não uma umas já muito mais pelo pela pelos pelas com também ainda isso isto aqui em nas nos foi até'), letters: /[ãõ]|ção/ },
    // Galician writes x where Spanish writes j or g (xente, xaneiro) and -cións for -ciones/-ções.
    { language: 'glg', words: words('non unha unhas xa moi máis polo pola polos polas coa coas cun cunha tamén aínda isto iso aquí nun nunha foi ata'), letters: /^x[aeiou]|cións$/ },
    { language: 'cat', words: words('amb els però també aquest aquesta aquests molt més és són dels fins amb això'), letters: /l·l|[èò]|ència$|ció$|^[ld]'|tx/ },
  ],
  [
    // Azerbaijani writes ə, q and x, which Turkish does not.
    { language: 'tur', words: words('değil için ile gibi olarak bir bu şu daha çok ancak ama'), letters: /ğı|ı[ğş]/ },
    { language: 'azj', words: words('deyil üçün ilə olaraq daha çox lakin amma'), letters: /[əq]|x/ },
  ],
  [
    // Irish marks long vowels with the acute, Scottish Gaelic with the grave.
    { language: 'gle', words: words('tá bhí atá níl sé sí chun freisin ach ní go bhfuil'), letters: /[áéíóú]/ },
    { language: 'gla', words: words('tha bha chan anns aig gu robh nach fhathast'), letters: /[àèìòù]/ },
  ],
  [
    { language: 'cym', words: words('mae ac gyda wedi hefyd roedd oedd ei eu yr ydy sydd'), letters: /dd|ll|[ŵŷ]/ },
    { language: 'cor', minor: true, words: words('ha dhe gans mes yth yw an owth') },
  ],
  [
    // Kinyarwanda writes cy, jy, by where Kirundi writes c, j, vy (cyane/cane, byose/vyose).
    { language: 'kin', words: words('cyangwa cyane byose ndetse'), letters: /cy|jy|shy/ },
    { language: 'run', words: words('canke cane vyose'), letters: /vy/ },
  ],
];

// Letters and stems as one expression a member: one test a word.
const PATTERN = new Map<Member, RegExp>();
for (const group of GROUPS) {
  for (const m of group) {
    const parts = [m.letters?.source, m.stems && `^(?:${m.stems.join('|')})[^]{3,}`].filter(Boolean);
    if (parts.length > 0) PATTERN.set(m, new RegExp(parts.join('|'), 'u'));
  }
}
const IJEKAVIAN_STEM = new RegExp(`^(?:${IJEKAVIAN_STEMS.join('|')})`, 'u');

const GROUP_OF = new Map<string, Group>();
for (const group of GROUPS) for (const m of group) GROUP_OF.set(m.language, group);
// fastText's Serbo-Croatian label belongs to the first group.
GROUP_OF.set('hbs', GROUPS[0]!);
GROUP_OF.set('cnr', GROUPS[0]!);

/** Words read for markers: enough to decide, few enough to stay cheap on long paragraphs. */
const MAX_WORDS = 400;

export interface CloseAnswer {
  language: string;
  /** Markers decided it: the winner has at least two and twice the runner-up's. */
  sure: boolean;
}

/** Whether `language` has close languages that fastText and franc confuse it with. */
export function hasCloseLanguages(language: string): boolean {
  return GROUP_OF.has(language);
}

/**
 * Which member of `language`'s group `text` is written in, by the members' markers.
 * Without clear markers the answer stays `language` (or, when that is no member, the
 * group's most written member) and is not sure.
 */
export function resolveClose(language: string, text: string): CloseAnswer {
  const group = GROUP_OF.get(language);
  if (!group) return { language, sure: false };
  const counts = new Array<number>(group.length).fill(0);
  let n = 0;
  // MAX_WORDS words take fewer than 4,000 characters.
  for (const raw of text.slice(0, 4000).toLowerCase().split(/[^\p{L}']+/u)) {
    if (raw.length === 0) continue;
    if (++n > MAX_WORDS) break;
    // Ijekavian and ekavian forms weigh for the members that write them.
    if (group === GROUPS[0]) {
      if (IJEKAVIAN.has(raw) || IJEKAVIAN_STEM.test(raw)) (counts[0]!++, counts[2]!++);
      else if (EKAVIAN.has(raw)) counts[1]!++;
    }
    for (let i = 0; i < group.length; i++) {
      const m = group[i]!;
      if (m.words.has(raw) || PATTERN.get(m)?.test(raw)) counts[i]!++;
    }
  }
  let best = -1;
  let second = 0;
  counts.forEach((c, i) => {
    if (best < 0 || c > counts[best]!) {
      if (best >= 0) second = Math.max(second, counts[best]!);
      best = i;
    } else second = Math.max(second, c);
  });
  const top = counts[best]!;
  if (top >= 2 && top >= 2 * second) return { language: group[best]!.language, sure: true };
  // One marker more than the others leans that way, unsure.
  if (top > second) return { language: group[best]!.language, sure: false };
  const self = group.find((m) => m.language === language);
  if (self && !self.minor) return { language, sure: false };
  const major = group.filter((m) => !m.minor).map((m) => m.language);
  const [first] = rankLanguages(text.slice(0, 512), major);
  return { language: first && first[0] !== 'und' ? first[0] : major[0]!, sure: false };
}
