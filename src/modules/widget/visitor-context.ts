import type { VisitorContext } from '../../platform/db/schema/index.js';

/** What the panel sends of its page and browser at a session's start (widget.schemas.ts). */
export interface VisitorHints {
  readonly page?: string | undefined;
  readonly referrer?: string | undefined;
  readonly language?: string | undefined;
  readonly timeZone?: string | undefined;
}

// Most specific first: Edge and Opera say "Chrome" too, and Chrome says "Safari".
const browsers: readonly [RegExp, string][] = [
  [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
  [/OPR\/(\d+)/, 'Opera'],
  [/Firefox\/(\d+)/, 'Firefox'],
  [/(?:Chrome|CriOS)\/(\d+)/, 'Chrome'],
  [/Version\/(\d+)[\d.]* .*Safari\//, 'Safari'],
];
const systems: readonly [RegExp, string][] = [
  [/iPhone|iPad|iPod/, 'iOS'],
  [/Android/, 'Android'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/CrOS/, 'ChromeOS'],
  [/Linux/, 'Linux'],
];

/** "Chrome 131 on Windows", as an operator reads it; undefined when the User-Agent says nothing known. */
export function browserOf(userAgent: string | undefined): string | undefined {
  if (!userAgent) return undefined;
  const browser = browsers.find(([pattern]) => pattern.test(userAgent));
  const system = systems.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (!browser) return system;
  const version = browser[0].exec(userAgent)?.[1];
  return `${browser[1]} ${version}${system ? ` on ${system}` : ''}`;
}

/** The visitor as the contact panel shows them, from the panel's hints and the request's User-Agent. */
export function visitorContextOf(
  hints: VisitorHints | undefined,
  userAgent: string | undefined,
  isVerified: boolean,
  at: Date,
): VisitorContext {
  const browser = browserOf(userAgent);
  return {
    ...(hints?.page && { page: hints.page }),
    ...(hints?.referrer && { referrer: hints.referrer }),
    ...(hints?.language && { language: hints.language }),
    ...(hints?.timeZone && { timeZone: hints.timeZone }),
    ...(browser && { browser }),
    isVerified,
    seenAt: at.toISOString(),
  };
}
