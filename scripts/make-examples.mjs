#!/usr/bin/env node
/**
 * Generates the example datasets in examples/ (seeded: re-running gives byte-identical files).
 *
 *   node scripts/make-examples.mjs [--seed 7]
 *
 * The bundled tiny model (models/tiny-gemma2) has random weights and a 1,000-token vocabulary built from election
 * news plus a few gardening/kitchen/astronomy words. A probe can only learn what its residual states carry, so:
 *  - the filler (shared by all classes) is election-news sentences made of that vocabulary's common tokens;
 *  - the label is decided by a SHORT key span of distinctive, rare single tokens embedded somewhere in the text.
 * An attention probe can find the span; a mean probe sees it diluted by 40-120 filler tokens.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const seedArg = process.argv.indexOf('--seed');
const SEED = seedArg > 0 ? Number(process.argv[seedArg + 1]) : 7;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(SEED);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
function shuffle(xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

// Filler: election-news sentences, identical distribution for every class.
const subjects = [
  'Election officials',
  'The county clerk',
  'Poll workers',
  'Observers',
  'The secretary of state',
  'Local reporters',
  'Campaign volunteers',
  'The electoral commission',
  'Candidates',
  'Voters',
];
const verbs = [
  'reported',
  'confirmed',
  'reviewed',
  'announced',
  'verified',
  'questioned',
  'explained',
  'published',
  'debated',
  'certified',
];
const objects = [
  'the ballots',
  'the final results',
  'the turnout',
  'the absentee ballots',
  'the provisional ballots',
  'the recount',
  'the precinct totals',
  'the registration deadline',
  'the polling station hours',
  'the voting machines',
];
const tails = [
  'after the polls closed',
  'before the deadline',
  'on Tuesday night',
  'during the early voting',
  'in every precinct',
  'without irregularities',
  'ahead of the runoff',
  'in the swing district',
  'as required by law',
  'for the general election',
];
const filler = () => `${pick(subjects)} ${pick(verbs)} ${pick(objects)} ${pick(tails)}.`;

function embed(keySentence, nFiller) {
  const sentences = Array.from({ length: nFiller }, filler);
  sentences.splice(int(0, nFiller), 0, keySentence);
  return sentences.join(' ');
}

// (a) span-sentiment: the label is the polarity of one short key span.
const positiveWords = ['roses', 'seedlings', 'greenhouse', 'spring'];
const negativeWords = ['frost', 'comet', 'exoplanet', 'cold'];
const SPAN_TOKENS = 5;
// A run of the class's rare words: the random model's near-uniform attention (logit softcap 0.1) blurs every position
// with its neighbours, so a key span must dominate its own 8-token window to survive to layer 3.
const keySpan = (words) => Array.from({ length: SPAN_TOKENS }, () => pick(words)).join(' ');
const spanRows = [];
for (let i = 0; i < 400; i++) {
  const label = i % 2;
  const span = keySpan(label === 1 ? positiveWords : negativeWords);
  spanRows.push({
    text: embed(`${pick(['Meanwhile', 'Elsewhere', 'Separately', 'Also'])}, ${span}.`, int(3, 8)),
    label,
  });
}

// (b) topic-3class: the topic is named by one key span of its own rare words; the rest is the same filler.
const topics = {
  astronomy: ['comet', 'exoplanet', 'Astronomers', 'northern'],
  garden: ['greenhouse', 'seedlings', 'roses', 'gardener', 'planted'],
  kitchen: ['chef', 'restaurant', 'salt', 'pinch', 'chopped', 'baker'],
};
const topicRows = [];
const topicNames = Object.keys(topics);
for (let i = 0; i < 240; i++) {
  const label = topicNames[i % 3];
  topicRows.push({
    text: embed(`${pick(['Meanwhile', 'Elsewhere', 'Separately'])}, ${keySpan(topics[label])}.`, int(2, 6)),
    label,
  });
}

const write = (name, rows) => {
  writeFileSync(
    join(root, 'examples', name),
    shuffle(rows)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  console.log(`examples/${name}: ${rows.length} rows`);
};
write('span-sentiment.jsonl', spanRows);
write('topic-3class.jsonl', topicRows);
