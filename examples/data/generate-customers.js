// Writes customers.csv next to this file: invented customer records for the examples. The output
// depends only on SEED, so running `node examples/data/generate-customers.js` again reproduces it
// byte for byte.
import { writeFileSync } from 'node:fs';

const SEED = 0xc0ffee;
const CUSTOMER_COUNT = 200;
const ORGANIZATION_COUNT = 12;
const OUTPUT = new URL('customers.csv', import.meta.url);
const COLUMNS = ['customer_id', 'organization_id', 'full_name', 'email', 'phone', 'date_of_birth', 'notes'];

// Crockford base32, the alphabet of ULIDs: no I, L, O or U.
const ID_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];
// Any area code works: NANPA reserves 555-0100 to 555-0199 for fictional use in all of them.
const AREA_CODES = ['202', '212', '305', '312', '415', '503', '617', '702', '808', '907'];

// Given names are "native|romanized|gender" and family names "native|romanized", where a name with
// masculine and feminine forms gives both as "masculine/feminine". An empty romanized part means
// the native spelling is Latin script and gets folded to ASCII for the email address.
const CULTURES = [
  {
    givenNames: ['José||m', 'María||f', 'Lucía||f', 'Andrés||m', 'Sofía||f', 'Íñigo||m', 'Begoña||f'],
    familyNames: ['García Núñez|', 'Peña|', 'Ibáñez|', 'Muñoz|', 'de la Cruz|', 'Rodríguez|'],
  },
  {
    givenNames: ['François||m', 'Hélène||f', 'Zoë||f', 'Anaïs||f', 'Jérôme||m', 'Benoît||m', 'Jean-Luc||m'],
    familyNames: ['Lefèvre|', 'Dubois|', 'Fauré|', 'Bélanger|', 'Marchand|', "D'Aubigné|"],
  },
  {
    givenNames: ['Jürgen||m', 'Käthe||f', 'Jörg||m', 'Lena||f', 'Anne-Marie||f'],
    familyNames: ['Müller-Weiß|', 'Schäfer|', 'Groß|', 'Köhler|'],
  },
  {
    givenNames: ['Søren||m', 'Åsa||f', 'Björn||m', 'Ingrid||f', 'Øystein||m'],
    familyNames: ['Ødegård|', 'Lindqvist|', 'Åberg|', 'Holm|', 'Sørensen|'],
  },
  {
    givenNames: ['Þórunn||f', 'Guðmundur||m', 'Sigrún||f', 'Einar||m'],
    familyNames: ['Jónsson/Jónsdóttir|', 'Einarsson/Einarsdóttir|', 'Þórsson/Þórsdóttir|'],
  },
  {
    givenNames: ['Łukasz||m', 'Zofia||f', 'Wojciech||m', 'Małgorzata||f'],
    familyNames: ['Nowak|', 'Mazur|', 'Zając|', 'Wróbel|'],
  },
  {
    givenNames: ['Jiří||m', 'Zuzana||f', 'Tomáš||m', 'Kateřina||f'],
    familyNames: ['Dvořák/Dvořáková|', 'Krejčí|', 'Novotný/Novotná|'],
  },
  {
    givenNames: ['Ayşe||f', 'Mehmet||m', 'Çağla||f', 'Barış||m', 'Şule||f', 'İlker||m'],
    familyNames: ['Yılmaz|', 'Öztürk|', 'Çelik|', 'Şahin|', 'Aydın|'],
  },
  {
    familyFirst: true,
    givenNames: ['Thị Lan||f', 'Văn Minh||m', 'Thu Hà||f', 'Quang Huy||m', 'Ngọc Ánh||f'],
    familyNames: ['Nguyễn|', 'Trần|', 'Lê|', 'Phạm|', 'Đặng|'],
  },
  {
    givenNames: [
      'Αλέξανδρος|Alexandros|m',
      'Ελένη|Eleni|f',
      'Νίκος|Nikos|m',
      'Δήμητρα|Dimitra|f',
      'Γιώργος|Giorgos|m',
      'Αθηνά|Athina|f',
    ],
    familyNames: [
      'Παπαδόπουλος/Παπαδοπούλου|Papadopoulos/Papadopoulou',
      'Οικονόμου|Oikonomou',
      'Καραγιάννης/Καραγιάννη|Karagiannis/Karagianni',
      'Βασιλείου|Vasileiou',
    ],
  },
  {
    givenNames: ['Анна|Anna|f', 'Дмитрий|Dmitry|m', 'Ольга|Olga|f', 'Сергей|Sergey|m', 'Татьяна|Tatiana|f'],
    familyNames: ['Иванов/Иванова|Ivanov/Ivanova', 'Смирнов/Смирнова|Smirnov/Smirnova', 'Орлов/Орлова|Orlov/Orlova'],
  },
  {
    givenNames: ['Олександр|Oleksandr|m', 'Наталія|Nataliia|f', 'Ярослава|Yaroslava|f', 'Богдан|Bohdan|m'],
    familyNames: ['Коваленко|Kovalenko', 'Шевченко|Shevchenko', 'Бондаренко|Bondarenko'],
  },
  {
    givenNames: ['Милош|Milos|m', 'Јелена|Jelena|f', 'Никола|Nikola|m', 'Ана|Ana|f'],
    familyNames: ['Јовановић|Jovanovic', 'Петровић|Petrovic', 'Николић|Nikolic'],
  },
  {
    familyFirst: true,
    separator: '',
    givenNames: ['伟|Wei|m', '芳|Fang|f', '静|Jing|f', '子涵|Zihan|f', '浩然|Haoran|m', '雨桐|Yutong|f'],
    familyNames: ['王|Wang', '李|Li', '张|Zhang', '陈|Chen', '刘|Liu', '欧阳|Ouyang'],
  },
  {
    familyFirst: true,
    givenNames: ['陽菜|Hina|f', '蓮|Ren|m', '結衣|Yui|f', '翔太|Shota|m', 'はるか|Haruka|f'],
    familyNames: ['佐藤|Sato', '鈴木|Suzuki', '高橋|Takahashi', '田中|Tanaka', '渡辺|Watanabe'],
  },
  {
    familyFirst: true,
    separator: '',
    givenNames: ['민준|Minjun|m', '서연|Seoyeon|f', '지우|Jiwoo|f', '하은|Haeun|f', '도윤|Doyun|m'],
    familyNames: ['김|Kim', '이|Lee', '박|Park', '최|Choi', '정|Jung'],
  },
  {
    givenNames: ['محمد|Mohammed|m', 'فاطمة|Fatima|f', 'ليلى|Layla|f', 'يوسف|Youssef|m', 'عمر|Omar|m', 'نور|Nour|f'],
    familyNames: ['الحسيني|Al-Husseini', 'المنصوري|Al-Mansouri', 'حداد|Haddad', 'الخطيب|Al-Khatib'],
  },
  {
    givenNames: ['נועה|Noa|f', 'איתי|Itai|m', 'תמר|Tamar|f', 'יונתן|Yonatan|m'],
    familyNames: ['כהן|Cohen', 'לוי|Levi', 'מזרחי|Mizrahi'],
  },
  {
    givenNames: ['प्रिया|Priya|f', 'अर्जुन|Arjun|m', 'अनन्या|Ananya|f', 'राहुल|Rahul|m'],
    familyNames: ['शर्मा|Sharma', 'पटेल|Patel', 'वर्मा|Verma'],
  },
  {
    givenNames: ['Ananya||f', 'Vikram||m', 'Lakshmi||f', 'Karthik||m'],
    familyNames: ['Raghunathan|', 'Iyer|', 'Venkataraman|', 'Subramanian|'],
  },
  {
    givenNames: ['สมชาย|Somchai|m', 'มาลี|Malee|f', 'กมล|Kamon|m', 'ปราณี|Pranee|f'],
    familyNames: ['ศรีสุข|Srisuk', 'วงศ์สวัสดิ์|Wongsawat', 'แก้วมณี|Kaewmanee'],
  },
  {
    givenNames: ['Adébáyọ̀||m', 'Oluwaseun||m', 'Fúnmiláyọ̀||f', 'Títílọ́pẹ́||f'],
    familyNames: ['Adéyẹmí|', 'Ọlábísí|', 'Ògúnlékè|'],
  },
  {
    givenNames: ['Chiamaka||f', 'Ngozi||f', 'Chidi||m', 'Emeka||m'],
    familyNames: ['Okonkwo|', 'Nwosu|', 'Eze|'],
  },
  {
    givenNames: ['Kwame||m', 'Ama||f', 'Kofi||m', 'Akosua||f'],
    familyNames: ['Mensah|', 'Asante|', 'Boateng|'],
  },
  {
    givenNames: ['Siobhán||f', 'Liam||m', 'Aoife||f', 'Cillian||m'],
    familyNames: ["O'Connor|", 'Ó Briain|', 'Byrne|'],
  },
  {
    givenNames: ['Daan||m', 'Sanne||f', 'Femke||f', 'Joris||m'],
    familyNames: ['van der Meer|', 'de Vries|', 'Bakker|'],
  },
  {
    givenNames: ['Aroha||f', 'Tamati||m', 'Ngaio||f', 'Wiremu||m'],
    familyNames: ['Te Whata|', 'Ngāta|', 'Parata|'],
  },
];

// Notes that break naive CSV readers: commas, double quotes, line breaks, emoji (including ZWJ
// sequences, skin tones and flags), a backslash, an inch mark, a tab, a leading formula sign,
// right-to-left text and surrounding spaces.
const NOTES = [
  'Prefers email over phone.',
  'VIP since 2019, renewals handled by the "Blue" team.',
  'Called twice, no answer; try again after 10:00 UTC.',
  'Address change pending:\nold: 12 Imaginary Lane\nnew: 7 Nowhere Court',
  'Said "thanks!" 🙏 after the migration.',
  '🎂 Birthday discount applied.',
  'Family account 👨‍👩‍👧‍👦, shared billing.',
  'Ships to 🇨🇦 and 🇯🇵, customs forms on file.',
  'Gave a 👍🏽 to the new invoice layout.',
  'Asked about the 27" monitor stand.',
  'Nickname: "Sasha", prefers the Cyrillic spelling Саша.',
  'Middle name was "" (empty) in the old CRM.',
  '  Imported with surrounding spaces, kept as-is.  ',
  '=HYPERLINK("https://example.com/ticket","open ticket")',
  'Escalation log:\n- "billing, again"\n- resolved ✅',
  'Prefers Arabic correspondence: شكراً جزيلاً',
  'Ticket attachment: C:\\Users\\demo\\invoice.pdf',
  'Opt-in: newsletter; product updates; no SMS',
  'Discount tier ≥ 3 (≈ 15 %).',
  'Columns\tseparated\tby tabs in the source export.',
  'Two-line note,\nwith a comma on each line, too.',
  'Wrote: "Please don\'t call before 9, I work nights 🌙."',
  'Moved from 東京 to Zürich; time zone is now Europe/Zurich.',
  'Data export requested 📦. Sent as a ZIP, password by phone.',
  'Pronunciation: "Ngozi" rhymes with "cozy"; uses she/her.',
  'Account merged from two duplicates:\n"cus_A" and "cus_B"\nkept the older one.',
];

/** Returns a Mulberry32 generator of numbers in [0, 1): small and fast, fine for test data but never for secrets. */
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = createRandom(SEED);

function randomInt(min, max) {
  return min + Math.floor(random() * (max - min + 1));
}

function pick(items) {
  return items[Math.floor(random() * items.length)];
}

function randomId(prefix) {
  let id = prefix;
  for (let i = 0; i < 26; i++) {
    id += ID_ALPHABET[Math.floor(random() * ID_ALPHABET.length)];
  }
  return id;
}

/** Folds Latin-script text to lowercase ASCII letters and digits, for email local parts. */
function foldToAscii(text) {
  const special = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ð: 'd', þ: 'th', ł: 'l', ı: 'i' };
  return text
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøđðþłı]/g, (letter) => special[letter])
    .replace(/[^a-z0-9]/g, '');
}

function parseGivenName(entry) {
  const [native, romanized, gender] = entry.split('|');
  return { native, romanized: romanized || native, gender };
}

function parseFamilyName(entry, gender) {
  const [native, romanized] = entry.split('|');
  const form = (text) => {
    const [masculine, feminine] = text.split('/');
    return gender === 'f' && feminine !== undefined ? feminine : masculine;
  };
  const nativeForm = form(native);
  return { native: nativeForm, romanized: romanized ? form(romanized) : nativeForm };
}

function makeName() {
  const culture = pick(CULTURES);
  const givenName = parseGivenName(pick(culture.givenNames));
  const familyName = parseFamilyName(pick(culture.familyNames), givenName.gender);
  const separator = culture.separator ?? ' ';
  const fullName = culture.familyFirst
    ? `${familyName.native}${separator}${givenName.native}`
    : `${givenName.native}${separator}${familyName.native}`;
  return {
    fullName,
    givenAscii: foldToAscii(givenName.romanized),
    familyAscii: foldToAscii(familyName.romanized),
  };
}

const usedEmails = new Set();

function makeEmail(given, family) {
  // given.family is listed twice to make it the most common pattern.
  const patterns = [
    () => `${given}.${family}`,
    () => `${given}.${family}`,
    () => `${given[0]}${family}`,
    () => `${family}.${given}`,
    () => `${given}_${family}`,
    () => `${given}.${family}+billing`,
  ];
  const domain = pick(EMAIL_DOMAINS);
  const base = pick(patterns)();
  let local = base;
  for (let n = 2; usedEmails.has(`${local}@${domain}`); n++) {
    local = `${base}${n}`;
  }
  usedEmails.add(`${local}@${domain}`);
  return `${local}@${domain}`;
}

function makePhone() {
  if (random() < 0.06) {
    return '';
  }
  const line = String(randomInt(0, 99)).padStart(2, '0');
  return `+1-${pick(AREA_CODES)}-555-01${line}`;
}

function makeDateOfBirth() {
  const first = Date.UTC(1940, 0, 1);
  const last = Date.UTC(2006, 11, 31);
  const dayMs = 86_400_000;
  const day = randomInt(0, (last - first) / dayMs);
  return new Date(first + day * dayMs).toISOString().slice(0, 10);
}

function makeNote() {
  return random() < 0.3 ? '' : pick(NOTES);
}

/** Quotes a field when it contains a delimiter, a quote, a line break or edge spaces (RFC 4180). */
function toCsvField(value) {
  if (/[",\r\n]|^\s|\s$/.test(value)) {
    return `"${value.replaceAll('"', '""')}"`;
  }
  return value;
}

function generateRows() {
  const organizations = Array.from({ length: ORGANIZATION_COUNT }, () => randomId('org_'));
  // Squaring skews the draw so that a few organizations hold most customers, as in real tenants.
  const pickOrganization = () => organizations[Math.floor(random() ** 2 * organizations.length)];

  const rows = [];
  for (let i = 0; i < CUSTOMER_COUNT; i++) {
    const name = makeName();
    rows.push({
      customer_id: randomId('cus_'),
      organization_id: pickOrganization(),
      full_name: name.fullName,
      email: makeEmail(name.givenAscii, name.familyAscii),
      phone: makePhone(),
      date_of_birth: makeDateOfBirth(),
      notes: makeNote(),
    });
  }
  return rows;
}

/** Throws unless the rows contain every case that a naive CSV reader gets wrong. */
function checkCoverage(rows) {
  const notes = rows.map((row) => row.notes);
  const cases = {
    comma: (note) => note.includes(','),
    'double quote': (note) => note.includes('"'),
    'line break': (note) => note.includes('\n'),
    emoji: (note) => /\p{Extended_Pictographic}/u.test(note),
  };
  for (const [name, matches] of Object.entries(cases)) {
    if (!notes.some(matches)) {
      throw new Error(`no note contains a ${name}: change SEED or add such a note to NOTES`);
    }
  }
  const organizations = new Set(rows.map((row) => row.organization_id));
  if (organizations.size !== ORGANIZATION_COUNT) {
    throw new Error(`only ${organizations.size} of ${ORGANIZATION_COUNT} organizations have customers: change SEED`);
  }
}

const rows = generateRows();
checkCoverage(rows);
const lines = [COLUMNS.join(','), ...rows.map((row) => COLUMNS.map((column) => toCsvField(row[column])).join(','))];
writeFileSync(OUTPUT, `${lines.join('\n')}\n`);
console.log(`wrote ${rows.length} customers to ${OUTPUT.pathname}`);
