// The environment variable that may hold the pseudonym key (pseudonym.ts
// reads it). Plain JavaScript, so that bin/refloop.js can keep the key out of
// a staging process it starts before any TypeScript loads (staging-fork.mjs).
export const KEY_ENV = 'REFLOOP_PSEUDONYM_KEY';
