/**
 * Unicode and layout normalisation: NFC, one kind of space, no invisible characters,
 * LF line endings, HTML entities decoded, each line trimmed. Blank-line runs are cut
 * to two blank lines, not one: a double gap is where a scraped page lost an image, and
 * the boilerplate stage reads it as a caption signal. The output text joins
 * paragraphs with exactly one blank line.
 */
export function normalizeText(input: string): string {
  let text = input.replace(/\r\n?|[\u2028\u2029\f\v]/g, '\n');
  if (text.includes('&')) text = decodeEntities(text);
  text = text
    .replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
    .replace(/[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g, ' ')
    .replace(/[\u0000-\u0008\u000e-\u001f\u007f]/g, '')
    .normalize('NFC');
  if (/[\u00d0\u00f0]/.test(text)) text = fixEth(text);
  return text
    .replace(/ {2,}/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{4,}/g, '\n\n\n')
    .replace(/^[\n ]+|[\n ]+$/g, '');
}

const ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0',
  ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', laquo: '\u00ab', raquo: '\u00bb',
  ldquo: '\u201c', rdquo: '\u201d', lsquo: '\u2018', rsquo: '\u2019', copy: '\u00a9', reg: '\u00ae',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (whole, body: string) => {
    if (body[0] === '#') {
      const code = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[body.toLowerCase()] ?? whole;
  });
}

// Vowels of Vietnamese, with and without tone marks (NFC).
const VI_VOWEL = 'aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵ';
const ETH_IN_WORD = new RegExp(`[\u00d0\u00f0](?=[${VI_VOWEL}${VI_VOWEL.toUpperCase()}])`, 'g');

/** Ð/ð (Icelandic eth) typed for Đ/đ: replaced where a Vietnamese vowel follows. */
function fixEth(text: string): string {
  return text.replace(ETH_IN_WORD, (c) => (c === '\u00d0' ? '\u0110' : '\u0111'));
}
