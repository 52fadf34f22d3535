import { DocumentError } from '../errors.js';
import { extractArticle, looksLikeHtml } from '../html/extract.js';
import type { Stage } from './stage.js';

/**
 * An HTML page or fragment (whatever its file name says) becomes its article: the
 * body as paragraphs for the text stages, the page's metadata (structured data
 * first) as the header, and everything dropped as removals with their reasons. Text
 * that is not HTML passes through untouched. A page with no article fails as
 * `no-article`, so that the corpus never receives a menu as a document.
 */
export const extractStage: Stage = {
  name: 'extract',
  run(draft, { config }) {
    if (!looksLikeHtml(draft.text)) return;
    const article = extractArticle(draft.text, config.html);
    draft.html = true;
    draft.removed.push(...article.removed);
    if (article.paragraphs.length === 0) {
      throw new DocumentError('no-article', `an HTML page in which no article text was found (${article.removed.length} blocks dropped)`);
    }
    draft.text = article.paragraphs.join('\n\n');
    draft.header = {
      title: article.title,
      date: article.date,
      category: article.category,
      authors: article.authors,
      url: article.url,
      site: article.site,
    };
    draft.captions.push(...article.captions);
  },
};
