// The chain's rules for a dataset's record, checked in the browser before
// anything is signed, so that a form never records what the chain would
// refuse (or, for URLs, what it must not keep): the bounds of
// primitives/src/datasets.rs, its `is_web_url`, the licence grammar of
// primitives/src/license.rs and the checks of pallets/datasets
// (validation.rs); and the form of an access policy, as
// primitives/src/terms.rs's `check_policy` and `set_access_policy` check it.
// Each message names the chain's error.

/** Bounds of a record's fields, in bytes (UTF-8) or items. */
export const LIMITS = { title: 256, description: 2048, keywords: 16, keyword: 64, format: 128, uri: 512, license: 128 } as const;
/** EPSG codes the chain takes. */
export const CRS_RANGE = [1024, 32767] as const;
/** Earliest and latest instants (ms) a time range may name. */
const MIN_TIME = -(2 ** 45);
const MAX_TIME = 2 ** 45 - 1;

const encoder = new TextEncoder();
export const byteLength = (text: string): number => encoder.encode(text).length;

/**
 * Whether `url` is a web URL as the chain decides (`is_web_url`): `http://`
 * or `https://` (any case), a host right after it, no user information, and
 * only printable ASCII that needs no escaping.
 */
export function isWebUrl(url: string): boolean {
  const lower = url.slice(0, 8).toLowerCase();
  const rest = lower.startsWith('https://') ? url.slice(8) : lower.startsWith('http://') ? url.slice(7) : null;
  if (rest === null || rest === '' || '/?#@:'.includes(rest[0])) return false;
  const authority = rest.split(/[/?#]/)[0];
  return !authority.includes('@') && [...url].every((c) => {
    const b = c.charCodeAt(0);
    return b >= 0x21 && b <= 0x7e && !'"<>\\^`{|}'.includes(c);
  });
}

const isIdstring = (w: string) => /^[A-Za-z0-9.-]+$/.test(w);
const isOperator = (w: string) => w === 'AND' || w === 'OR' || w === 'WITH';

/** A simple expression's kind: a listed identifier, a reference to custom terms, or null if it is neither. */
function simple(word: string): 'listed' | 'reference' | null {
  if (isOperator(word)) return null;
  const colon = word.indexOf(':');
  let local = word;
  if (colon >= 0) {
    const document = word.slice(0, colon);
    if (!document.startsWith('DocumentRef-') || !isIdstring(document.slice('DocumentRef-'.length))) return null;
    local = word.slice(colon + 1);
  }
  if (local.startsWith('LicenseRef-')) return isIdstring(local.slice('LicenseRef-'.length)) ? 'reference' : null;
  if (local !== word) return null;
  return isIdstring(word.endsWith('+') ? word.slice(0, -1) : word) ? 'listed' : null;
}

/**
 * The kinds of the terms of an SPDX licence expression (SPDX 2.3, Annex D),
 * or null if `text` is not one:
 *
 *     expression := term (("AND" | "OR") term)*
 *     term       := "(" expression ")" | simple ("WITH" exception)?
 */
function parseLicense(text: string): ('listed' | 'reference')[] | null {
  if (/[^A-Za-z0-9.+:\- ()]/.test(text)) return null;
  const words = text.match(/[A-Za-z0-9.+:-]+|[()]/g) ?? [];
  const terms: ('listed' | 'reference')[] = [];
  let at = 0;
  const expression = (): boolean => {
    if (!term()) return false;
    while (words[at] === 'AND' || words[at] === 'OR') {
      at += 1;
      if (!term()) return false;
    }
    return true;
  };
  const term = (): boolean => {
    const word = words[at++];
    if (word === undefined) return false;
    if (word === '(') return expression() && words[at++] === ')';
    const kind = simple(word);
    if (!kind) return false;
    terms.push(kind);
    if (words[at] === 'WITH') {
      at += 1;
      const exception = words[at++];
      if (exception === undefined) return false;
      if (isIdstring(exception) && !isOperator(exception)) terms.push('listed');
      else if (exception.startsWith('AdditionRef-')) terms.push('reference');
      else return false;
    }
    return true;
  };
  return expression() && at === words.length ? terms : null;
}

/** Why the chain would refuse this licence, or null if it takes it. */
export function licenseProblem(expression: string, url: string): string | null {
  if (expression === '') return 'Give a licence: an SPDX expression such as CC-BY-4.0, or other with the URL of the terms (datasets.InvalidLicense).';
  if (byteLength(expression) > LIMITS.license) return `The licence is longer than ${LIMITS.license} bytes (datasets.LicenseTooLong).`;
  let custom = expression === 'other';
  if (!custom) {
    const terms = parseLicense(expression);
    if (!terms) {
      return `“${expression}” is not an SPDX licence expression (such as CC-BY-4.0, or MIT OR Apache-2.0): for terms that have no SPDX identifier, write other and give the URL of the terms (datasets.InvalidLicense).`;
    }
    custom = terms.includes('reference');
  }
  if (url === '') return custom ? 'Give the URL of the licence terms: other and LicenseRef- licences need one (datasets.LicenseUrlMissing).' : null;
  if (byteLength(url) > LIMITS.uri) return `The licence terms URL is longer than ${LIMITS.uri} bytes (datasets.LicenseUrlTooLong).`;
  if (!isWebUrl(url)) return 'The licence terms URL must be an http(s) URL (datasets.InvalidLicenseUrl).';
  return null;
}

/** Why the chain would refuse this location, or null. */
export function uriProblem(uri: string): string | null {
  if (uri === '') return 'Give the location of the data (datasets.EmptyUri).';
  if (byteLength(uri) > LIMITS.uri) return `The location is longer than ${LIMITS.uri} bytes (datasets.UriTooLong).`;
  return isWebUrl(uri) ? null : 'The location must be an http(s) URL, without a user name (datasets.InvalidUri).';
}

/** Why the chain would refuse this title, or null. */
export function titleProblem(title: string): string | null {
  if (title === '') return 'Give a title (datasets.EmptyTitle).';
  return byteLength(title) > LIMITS.title ? `The title is longer than ${LIMITS.title} bytes (datasets.TitleTooLong).` : null;
}

export function descriptionProblem(text: string): string | null {
  return byteLength(text) > LIMITS.description ? `The description is longer than ${LIMITS.description} bytes (datasets.DescriptionTooLong).` : null;
}

export function keywordsProblem(keywords: string[]): string | null {
  if (keywords.length > LIMITS.keywords) return `At most ${LIMITS.keywords} keywords (datasets.TooManyKeywords).`;
  const long = keywords.find((k) => byteLength(k) > LIMITS.keyword);
  return long ? `The keyword “${long}” is longer than ${LIMITS.keyword} bytes (datasets.KeywordTooLong).` : null;
}

/** A media type `type/subtype` (parameters after `;` allowed), as the chain checks it. */
export function formatProblem(format: string): string | null {
  if (byteLength(format) > LIMITS.format) return `The format is longer than ${LIMITS.format} bytes (datasets.FormatTooLong).`;
  const parts = format.split(';')[0].split('/');
  const ok = parts.length === 2 && parts.every((p) => p !== '' && /^[\x21-\x7e]+$/.test(p));
  return ok ? null : 'The format must be a media type such as text/csv or application/geo+json (datasets.InvalidMediaType).';
}

export function crsProblem(crs: number): string | null {
  return Number.isInteger(crs) && crs >= CRS_RANGE[0] && crs <= CRS_RANGE[1]
    ? null : `The CRS must be an EPSG code from ${CRS_RANGE[0]} to ${CRS_RANGE[1]}, such as 4326 (datasets.InvalidCrs).`;
}

export function timeProblem(start: number | null, end: number | null): string | null {
  if (start === null) return 'Give the date the data starts on.';
  if ([start, end].some((t) => t !== null && (t < MIN_TIME || t > MAX_TIME))) return 'A date is out of the range the chain keeps (datasets.TimeOutOfRange).';
  return end !== null && end < start ? 'The end is before the start (datasets.EndBeforeStart).' : null;
}

/** Most rules of one policy, and most departments, kinds, purposes or jurisdictions one rule names (primitives/src/terms.rs). */
export const MAX_RULES = 8;
export const MAX_NAMED = 8;
/** The largest limit a rule may set (a `u32`). */
const MAX_LIMIT = 2 ** 32 - 1;

/** Why the chain would refuse a rule's limit (days, downloads) typed as `text` (empty: no limit), or null. */
export function limitProblem(text: string, what: string): string | null {
  if (text === '') return null;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > MAX_LIMIT) return `The most ${what} must be a whole number, or nothing for no limit.`;
  return n === 0 ? `A limit of 0 ${what} would admit nothing: leave it empty for no limit (datasets.ZeroLimit).` : null;
}

/** Why the chain would refuse a rule naming `count` of `what` (departments, kinds, …) when it names them at all, or null. */
export function namedProblem(count: number, what: string): string | null {
  if (count === 0) return `Tick at least one of the ${what}, or choose none (datasets.EmptyConstraint).`;
  return count > MAX_NAMED ? `A rule names at most ${MAX_NAMED} ${what}: write two rules (the chain's bound).` : null;
}

/** Why the chain would refuse a request window from `from` to `to` (ms, either null if not given), or null. */
export function windowProblem(from: number | null, to: number | null): string | null {
  if ((from === null) !== (to === null)) return 'Give both dates of the window, or neither.';
  return from !== null && to !== null && from > to ? 'The window ends before it starts (datasets.InvalidWindow).' : null;
}

/** Why the chain would refuse a policy of these rules' `outcomes` for data of `sensitivity`, or null. */
export function policyProblem(outcomes: string[], sensitivity: string): string | null {
  if (outcomes.length === 0) return 'Give at least one rule (datasets.EmptyPolicy).';
  if (outcomes.length > MAX_RULES) return `A policy has at most ${MAX_RULES} rules (the chain's bound).`;
  if (outcomes.every((o) => o === 'refuse')) return 'Every rule refuses: nobody could ever obtain the data (datasets.PolicyRefusesAll).';
  const secret = sensitivity === 'confidential' || sensitivity === 'secret';
  return secret && outcomes.includes('grant')
    ? 'Confidential and secret data is delivered only encrypted, with the provider\'s approval: no rule may grant it at once (datasets.PolicyTooPermissive).'
    : null;
}
