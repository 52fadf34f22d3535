import { describe, expect, it } from 'vitest';
import { normalizeText } from '../../src/text/normalize.js';

describe('normalizeText', () => {
  it('composes NFD text to NFC, letters with two marks included', () => {
    const nfd = 'Tie\u0302\u0301ng Vie\u0323\u0302t, ngu\u031bo\u031b\u0300i'.normalize('NFD');
    expect(normalizeText(nfd, 'keep')).toBe('Tiếng Việt, người');
  });

  it('turns no-break and other spaces into one plain space and trims lines', () => {
    expect(normalizeText('\u00a0Đại tướng Lương Cường\u00a0ghi nhận\u2003\u2003vui.\u00a0', 'keep')).toBe('Đại tướng Lương Cường ghi nhận vui.');
  });

  it('removes zero-width characters, stray BOMs and soft hyphens', () => {
    expect(normalizeText('Hà\u200b Nội\ufeff, qu\u00adốc\u200d gia', 'keep')).toBe('Hà Nội, quốc gia');
  });

  it('makes every line ending LF', () => {
    expect(normalizeText('một\r\nhai\rba\u2028bốn', 'keep')).toBe('một\nhai\nba\nbốn');
  });

  it('keeps a double gap (a lost image) but folds longer blank runs to it', () => {
    expect(normalizeText('a\n\n\n\n\n\nb\n \n\nc\n\nd', 'keep')).toBe('a\n\n\nb\n\n\nc\n\nd');
  });

  it('trims blank lines at both ends', () => {
    expect(normalizeText('\n\n  \nnội dung\n\n\n', 'keep')).toBe('nội dung');
  });

  it('decodes HTML entities once', () => {
    expect(normalizeText('Bộ Công an &amp; Bộ Quốc phòng &ndash; &#272;&#x1ea3;ng &amp;lt; &bogus;', 'keep')).toBe(
      'Bộ Công an & Bộ Quốc phòng – Đảng &lt; &bogus;',
    );
  });

  it('treats an entity for a space or an invisible character like the character', () => {
    expect(normalizeText('Hà&nbsp;&nbsp;Nội&#8203;, &#x2028;Huế', 'keep')).toBe('Hà Nội,\nHuế');
  });

  it('folds space runs and trims lines even when the text has no special character', () => {
    expect(normalizeText('một  hai \n ba\n\n\n\n\nbốn', 'keep')).toBe('một hai\nba\n\n\nbốn');
  });

  it('reads Icelandic eth typed for Đ as Đ only before a Vietnamese vowel', () => {
    expect(normalizeText('Ðảng ủy, ðường phố, Ðồng Nai', 'keep')).toBe('Đảng ủy, đường phố, Đồng Nai');
    expect(normalizeText('Guðrún, Ðð', 'keep')).toBe('Guðrún, Ðð');
  });

  it('leaves an eth inside a word alone, where Icelandic writes it before a vowel', () => {
    // Words of the dev page mbl-is-01 (test/fixtures/html/dev), which normalisation used to turn into đ.
    const icelandic = 'Sigurðardóttir, móðir blaðamanns, höfðuðu SIGURÐARDÓTTIR';
    expect(normalizeText(icelandic, 'keep')).toBe(icelandic);
    expect(normalizeText('(Ðà Nẵng) ông Ðức', 'keep')).toBe('(Đà Nẵng) ông Đức');
  });

  it('places tone marks on the lines of Vietnamese text only, not on a quoted paragraph of another language', () => {
    const italian = 'Il governo ha detto che non può più aspettare, e la città è già pronta a votare domani.';
    expect(normalizeText(italian, 'old')).toBe(italian);
    expect(normalizeText(`Ông nói bằng tiếng Ý, hoà nhã:\n${italian}\nGiá hàng hoá`, 'old')).toBe(`Ông nói bằng tiếng Ý, hòa nhã:\n${italian}\nGiá hàng hóa`);
  });

  it('puts tone marks in the configured style, or keeps them', () => {
    expect(normalizeText('Đảng uỷ, hài hòa', 'old')).toBe('Đảng ủy, hài hòa');
    expect(normalizeText('Đảng uỷ, hài hòa', 'new')).toBe('Đảng uỷ, hài hoà');
    expect(normalizeText('Đảng uỷ, hài hòa', 'keep')).toBe('Đảng uỷ, hài hòa');
  });

  it('keeps typographic quotes, dashes and ellipses', () => {
    expect(normalizeText('“Mẫu mực” – 2015 … “tinh, gọn, mạnh”', 'keep')).toBe('“Mẫu mực” – 2015 … “tinh, gọn, mạnh”');
  });
});
