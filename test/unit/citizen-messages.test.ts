import { describe, expect, it } from 'vitest';
import { mediaOnlyText } from '../../src/domain/citizen-messages.ts';

describe('the answer to a photo or a voice note sent without words', () => {
  it('names what was sent in the citizen’s language, with its own icon', () => {
    expect(mediaOnlyText('audio', 'en')).toMatch(/^🎤 We received your voice message\./);
    expect(mediaOnlyText('audio', 'fr')).toMatch(/^🎤 Nous avons reçu votre message vocal\./);
    expect(mediaOnlyText('image', 'ar')).toMatch(/^📷 استلمنا صورتك\./);
    expect(mediaOnlyText('video', 'fr')).toContain('votre vidéo');
    expect(mediaOnlyText('document', 'de')).toMatch(/^📄 We received your document\./);
  });
});
