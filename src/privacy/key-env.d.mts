export declare const KEY_ENV: 'REFLOOP_PSEUDONYM_KEY';
