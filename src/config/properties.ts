// Java .properties syntax (java.util.Properties#load), the format of Kafka's server.properties:
// `#` and `!` comment lines, `key=value`, `key: value` and `key value`, a backslash at the end of a
// line continues it (leading whitespace of the next line is dropped), and the escapes \t \n \r \f
// \uXXXX and \<any char>. Unlike Java's InputStream overload the text is read as UTF-8.

const WHITESPACE = new Set([' ', '\t', '\f']);

/** Parses .properties text; later duplicates win, as in Java. */
export function parseProperties(text: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const line of logicalLines(text)) {
    const [key, value] = splitKeyValue(line);
    result.set(unescape(key), unescape(value));
  }
  return result;
}

function* logicalLines(text: string): Generator<string> {
  const natural = text.split(/\r\n|\r|\n/);
  let pending: string | null = null;
  for (const raw of natural) {
    const line = stripLeadingWhitespace(raw);
    if (pending === null) {
      // Comments and blank lines only count at the start of a logical line.
      if (line === '' || line[0] === '#' || line[0] === '!') continue;
    }
    const current: string = (pending ?? '') + line;
    if (endsWithOddBackslashes(line)) {
      pending = current.slice(0, -1);
      continue;
    }
    pending = null;
    yield current;
  }
  // A continuation at end of input ends the line, as Java does.
  if (pending !== null && pending !== '') yield pending;
}

function stripLeadingWhitespace(line: string): string {
  let i = 0;
  while (i < line.length && WHITESPACE.has(line[i] as string)) i++;
  return line.slice(i);
}

function endsWithOddBackslashes(line: string): boolean {
  let count = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) count++;
  return count % 2 === 1;
}

/** Splits a logical line into its raw (still escaped) key and value. */
function splitKeyValue(line: string): [string, string] {
  let keyEnd = line.length;
  let separatorIsWhitespace = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === '\\') {
      i++; // the escaped character belongs to the key
      continue;
    }
    if (c === '=' || c === ':') {
      keyEnd = i;
      break;
    }
    if (WHITESPACE.has(c)) {
      keyEnd = i;
      separatorIsWhitespace = true;
      break;
    }
  }
  const key = line.slice(0, keyEnd);
  let valueStart = keyEnd;
  if (separatorIsWhitespace) {
    while (valueStart < line.length && WHITESPACE.has(line[valueStart] as string)) valueStart++;
    if (line[valueStart] === '=' || line[valueStart] === ':') valueStart++;
  } else if (valueStart < line.length) {
    valueStart++; // the '=' or ':'
  }
  while (valueStart < line.length && WHITESPACE.has(line[valueStart] as string)) valueStart++;
  return [key, line.slice(valueStart)];
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(text: string): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i === text.length - 1) {
      out += c;
      continue;
    }
    const next = text[++i] as string;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Error('Malformed \\uxxxx encoding.');
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}
