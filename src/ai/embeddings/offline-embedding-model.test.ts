import { embedMany } from 'ai';
import { describe, expect, it } from 'vitest';
import { createOfflineEmbeddingModel, embedText, offlineEmbeddingDimensions } from './offline-embedding-model.js';
import { stem } from './offline-text-features.js';

const cosine = (a: readonly number[], b: readonly number[]) =>
  a.reduce((sum, value, index) => sum + value * b[index]!, 0);

describe('offline embedding model', () => {
  it('embeds through the AI SDK into 384 L2-normalised dimensions', async () => {
    const { embeddings } = await embedMany({
      model: createOfflineEmbeddingModel(),
      values: ['Vitamin D deficiency in older adults', 'A second text'],
    });
    expect(embeddings).toHaveLength(2);
    for (const embedding of embeddings) {
      expect(embedding).toHaveLength(offlineEmbeddingDimensions);
      expect(Math.sqrt(cosine(embedding, embedding))).toBeCloseTo(1, 10);
    }
  });

  it('is deterministic: the same text always gives the same vector', () => {
    const text = 'Mitochondrial DNA mutations accumulate with age.';
    expect(embedText(text, 384)).toEqual(embedText(text, 384));
    expect(embedText(text, 768)).toHaveLength(768);
  });

  it('places similar texts closer than unrelated ones', () => {
    const query = embedText('Does smoking cause lung cancer?', 384);
    const related = embedText('Tobacco smoking is the leading cause of lung cancers worldwide.', 384);
    const unrelated = embedText('The recipe calls for two cups of flour and an egg.', 384);
    expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
  });

  it('embeds text in any script, and finds part of an unspaced CJK run', () => {
    const russian = embedText('Руководство по обслуживанию турбины содержит график проверок.', 384);
    expect(russian.some((value) => value !== 0)).toBe(true);
    const query = embedText('обслуживанию турбины', 384);
    const unrelated = embedText('Прогноз погоды на завтра: дождь и ветер.', 384);
    expect(cosine(query, russian)).toBeGreaterThan(cosine(query, unrelated) + 0.2);
    const hindi = embedText('टरबाइन रखरखाव पुस्तिका', 384);
    expect(hindi.some((value) => value !== 0)).toBe(true);
    const japanese = embedText('東京オフィスの営業時間は午前九時から午後六時までです。', 384);
    const otherJapanese = embedText('明日の天気は雨のち晴れでしょう。', 384);
    const office = embedText('オフィス', 384);
    expect(cosine(office, japanese)).toBeGreaterThan(cosine(office, otherJapanese) + 0.05);
  });

  it('joins inflections of a word', () => {
    expect(stem('cells')).toBe(stem('cell'));
    expect(stem('regulated')).toBe(stem('regulating'));
    expect(stem('studies')).toBe(stem('study'));
  });

  it('gives an empty or stop-word-only text a zero vector instead of NaN', () => {
    expect(embedText('', 384).every((value) => value === 0)).toBe(true);
    expect(embedText('the of and', 384).every((value) => value === 0)).toBe(true);
  });
});
